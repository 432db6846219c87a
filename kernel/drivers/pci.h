/* SPDX-License-Identifier: MIT */
/* pci.h: PCI enumeration, configuration space, BARs and MSI-X.
 *
 * Configuration space is reached through ECAM (the ACPI MCFG, or
 * pci.ecam= on the command line) where the machine has one (q35, microvm
 * with pcie=on), else through ports
 * 0xCF8/0xCFC (pc). pci_init() scans bus 0 and every bus behind a bridge
 * once at boot; the list of functions never changes afterwards. Config
 * accesses are serialised by one lock (the port pair is not atomic);
 * they are for set-up, not hot paths. */
#ifndef DRIVERS_PCI_H
#define DRIVERS_PCI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arch/x86_64/irqvec.h"
#include "drivers/pci_cap.h"

/* Header registers (PCI Local Bus 3.0, 6.1). */
#define PCI_VENDOR 0x00
#define PCI_DEVICE 0x02
#define PCI_COMMAND 0x04
#define PCI_CLASS_REV 0x08
#define PCI_HEADER_TYPE 0x0e
#define PCI_BAR0 0x10
#define PCI_SUBSYS_VENDOR 0x2c
#define PCI_SUBSYS_ID 0x2e
#define PCI_SECONDARY_BUS 0x19 /* type 1 (bridge) header */

#define PCI_CMD_IO (1u << 0)
#define PCI_CMD_MEM (1u << 1)
#define PCI_CMD_MASTER (1u << 2)
#define PCI_CMD_INTX_OFF (1u << 10)

#define PCI_BARS 6

struct pci_bar {
	uint64_t addr; /* bus address (= physical: no IOMMU) */
	uint64_t size;
	bool io;   /* I/O ports rather than memory */
	bool is64; /* takes this BAR slot and the next */
	void *va;  /* memory BAR mapped uncached, or NULL */
};

struct pci_dev {
	uint8_t bus, dev, fn;
	uint16_t vendor, device;
	uint16_t subsys_vendor, subsys_id;
	uint8_t class, subclass, prog_if;
	struct pci_bar bar[PCI_BARS];
	unsigned msix_cap; /* 0: none */
	unsigned msix_entries;
	volatile uint32_t *msix_table; /* mapped by pci_msix_enable() */
	bool claimed;		       /* a driver owns it */
	struct pci_dev *next;
};

/* Enumerates every function (boot, after the heap and ACPI). Takes two
 * words out of the command line for machines whose tables do not say
 * (QEMU's microvm with pcie=on has no MCFG, and no firmware assigns its
 * BARs): pci.ecam=<addr> (buses 0-255) and pci.mem=<base>:<size>, a window
 * for memory BARs left unassigned. Returns the number of functions; 0
 * when there is no PCI at all (e.g. plain microvm). */
unsigned pci_init(char *cmdline);

/* Iterates over the functions: pci_next(NULL) is the first. */
struct pci_dev *pci_next(const struct pci_dev *prev);

uint8_t pci_read8(const struct pci_dev *d, unsigned off);
uint16_t pci_read16(const struct pci_dev *d, unsigned off);
uint32_t pci_read32(const struct pci_dev *d, unsigned off);
void pci_write16(const struct pci_dev *d, unsigned off, uint16_t v);
void pci_write32(const struct pci_dev *d, unsigned off, uint32_t v);

/* Offset of the next capability with ID id after `after` (0: first), or
 * 0. */
unsigned pci_cap(const struct pci_dev *d, uint8_t id, unsigned after);

/* Maps memory BAR i uncached (once; later calls return the same address)
 * and enables memory decoding and bus mastering. NULL for an I/O BAR, an
 * absent or unassigned one. */
void *pci_bar_map(struct pci_dev *d, unsigned i);

/* Turns MSI-X on with every entry masked (INTx off). Returns the number
 * of table entries, or -ENODEV without MSI-X or a mappable table. */
int pci_msix_enable(struct pci_dev *d);

/* Aims table entry `entry` at core `cpu` with a newly allocated vector
 * that calls fn(arg), and unmasks it. Returns the vector, -EINVAL for a
 * bad entry or core, -ENOSPC when vectors have run out. */
int pci_msix_route(struct pci_dev *d, unsigned entry, unsigned cpu,
		   irqvec_fn fn, void *arg);

#endif
