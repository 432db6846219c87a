/* SPDX-License-Identifier: MIT */
/* pci.c: PCI enumeration and configuration access (pci.h).
 *
 * ECAM (PCIe base spec 5.0, 7.2.2): function (b, d, f) has 4 KiB of
 * configuration space at ecam + ((b - bus_start) << 20 | d << 15 | f << 12).
 * Each bus's 1 MiB is mapped when first touched. Configuration mechanism
 * #1 (PCI Local Bus 3.0, 3.2.2.3.2): the address goes to port 0xCF8, the
 * data through 0xCFC..0xCFF. Lock order: pci_lock, then kmap_lock (in
 * mmio_map). */
#include <stdlib.h>
#include <string.h>
#include <unidb/command.h>
#include <unidb/errno.h>
#include <unidb/heap.h>
#include <unidb/printk.h>
#include <unidb/spinlock.h>

#include "arch/x86_64/apic_encode.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/paging.h"
#include "arch/x86_64/x86.h"
#include "core/param.h"
#include "drivers/acpi.h"
#include "drivers/pci.h"

#define PCI_CONFIG_ADDR 0xcf8
#define PCI_CONFIG_DATA 0xcfc
#define PCI_CONFIG_ENABLE 0x80000000u
#define PCI_BUSES 256
#define PCI_DEVS 32
#define PCI_FNS 8

#define PCI_HDR_MULTIFN 0x80
#define PCI_HDR_TYPE_MASK 0x7f
#define PCI_CLASS_BRIDGE 0x06
#define PCI_SUBCLASS_P2P 0x04

#define BAR_IO 0x1
#define BAR_TYPE_64 0x4
#define BAR_TYPE_MASK 0x6

/* MSI-X capability (PCI Local Bus 3.0, 6.8.2). */
#define MSIX_CTRL 2
#define MSIX_TABLE 4
#define MSIX_CTRL_SIZE 0x7ff
#define MSIX_CTRL_MASKALL (1u << 14)
#define MSIX_CTRL_ENABLE (1u << 15)
#define MSIX_BIR 0x7
#define MSIX_ENTRY_WORDS 4
#define MSIX_VECTOR_MASKED 1u
/* Intel SDM 3A, 11.11.1: message address of a fixed, physical-mode MSI. */
#define MSI_ADDR_BASE 0xfee00000u
#define MSI_ADDR_DEST_SHIFT 12

static struct spinlock pci_lock = SPINLOCK_INIT; /* config access, ecam_bus */
static volatile uint8_t *ecam_bus[PCI_BUSES];
static bool use_ecam;
static paddr_t ecam_addr;
static unsigned ecam_first, ecam_last;
static struct pci_dev *devs;
/* From the command line: ECAM when no MCFG names it, and a window to
 * place memory BARs the firmware left unassigned. */
static paddr_t param_ecam;
static uint64_t mem_next, mem_end;

/* ---- configuration access ------------------------------------------------ */

static volatile uint8_t *ecam_ptr(unsigned bus, unsigned dev, unsigned fn,
				  unsigned off)
{
	if (!ecam_bus[bus]) {
		paddr_t pa = ecam_addr + ((paddr_t)(bus - ecam_first) << 20);
		ecam_bus[bus] = mmio_map(pa, 1u << 20);
	}
	return ecam_bus[bus] + (dev << 15 | fn << 12 | off);
}

static bool bus_reachable(unsigned bus)
{
	if (!use_ecam)
		return true;
	return bus >= ecam_first && bus <= ecam_last;
}

static void pio_select(unsigned bus, unsigned dev, unsigned fn, unsigned off)
{
	outl(PCI_CONFIG_ADDR, PCI_CONFIG_ENABLE | bus << 16 | dev << 11 |
				  fn << 8 | (off & 0xfc));
}

/* Reads `size` bytes (1, 2, 4) at an offset aligned to size. */
static uint32_t cfg_read(unsigned bus, unsigned dev, unsigned fn, unsigned off,
			 unsigned size)
{
	uint32_t v;

	if (!bus_reachable(bus) || off + size > (use_ecam ? 4096u : 256u))
		return 0xffffffffu >> (32 - 8 * size);
	spin_lock(&pci_lock);
	if (use_ecam) {
		volatile uint8_t *p = ecam_ptr(bus, dev, fn, off);
		v = size == 1	? *p
		    : size == 2 ? *(volatile uint16_t *)p
				: *(volatile uint32_t *)p;
	} else {
		pio_select(bus, dev, fn, off);
		v = inl(PCI_CONFIG_DATA) >> (8 * (off & 3));
		if (size < 4)
			v &= (1u << (8 * size)) - 1;
	}
	spin_unlock(&pci_lock);
	return v;
}

static void cfg_write(unsigned bus, unsigned dev, unsigned fn, unsigned off,
		      unsigned size, uint32_t v)
{
	if (!bus_reachable(bus) || off + size > (use_ecam ? 4096u : 256u))
		return;
	spin_lock(&pci_lock);
	if (use_ecam) {
		volatile uint8_t *p = ecam_ptr(bus, dev, fn, off);
		if (size == 2)
			*(volatile uint16_t *)p = v;
		else
			*(volatile uint32_t *)p = v;
	} else {
		pio_select(bus, dev, fn, off);
		if (size == 2)
			outw(PCI_CONFIG_DATA + (off & 2), v);
		else
			outl(PCI_CONFIG_DATA, v);
	}
	spin_unlock(&pci_lock);
}

uint8_t pci_read8(const struct pci_dev *d, unsigned off)
{
	return cfg_read(d->bus, d->dev, d->fn, off, 1);
}

uint16_t pci_read16(const struct pci_dev *d, unsigned off)
{
	return cfg_read(d->bus, d->dev, d->fn, off & ~1u, 2);
}

uint32_t pci_read32(const struct pci_dev *d, unsigned off)
{
	return cfg_read(d->bus, d->dev, d->fn, off & ~3u, 4);
}

void pci_write16(const struct pci_dev *d, unsigned off, uint16_t v)
{
	cfg_write(d->bus, d->dev, d->fn, off & ~1u, 2, v);
}

void pci_write32(const struct pci_dev *d, unsigned off, uint32_t v)
{
	cfg_write(d->bus, d->dev, d->fn, off & ~3u, 4, v);
}

static uint8_t cap_read8(const void *ctx, unsigned off)
{
	return pci_read8(ctx, off);
}

unsigned pci_cap(const struct pci_dev *d, uint8_t id, unsigned after)
{
	return pci_cap_find(d, cap_read8, id, after);
}

/* ---- BARs ------------------------------------------------------------------
 */

/* Sizes BAR i with decoding off (PCI Local Bus 3.0, 6.2.5.1); returns the
 * number of BAR slots it takes (2 for a 64-bit BAR). */
static unsigned bar_probe(struct pci_dev *d, unsigned i)
{
	unsigned off = PCI_BAR0 + 4 * i;
	uint32_t lo = pci_read32(d, off);
	struct pci_bar *b = &d->bar[i];

	pci_write32(d, off, 0xffffffffu);
	uint32_t mask = pci_read32(d, off);
	pci_write32(d, off, lo);
	if (lo & BAR_IO) {
		b->io = true;
		b->addr = lo & ~3u;
		b->size = mask & ~3u ? (uint16_t)(~(mask & ~3u) + 1) : 0;
		return 1;
	}
	uint64_t addr = lo & ~0xfu, m = mask & ~0xfu;
	if ((lo & BAR_TYPE_MASK) == BAR_TYPE_64 && i + 1 < PCI_BARS) {
		uint32_t hi = pci_read32(d, off + 4);
		pci_write32(d, off + 4, 0xffffffffu);
		uint32_t mhi = pci_read32(d, off + 4);
		pci_write32(d, off + 4, hi);
		addr |= (uint64_t)hi << 32;
		m |= (uint64_t)mhi << 32;
		b->is64 = true;
	} else if (m) {
		m |= 0xffffffff00000000ull;
	}
	b->addr = addr;
	b->size = m ? ~m + 1 : 0;
	return b->is64 ? 2 : 1;
}

/* Places an unassigned memory BAR in the pci.mem window (naturally
 * aligned, as BARs are). Devices behind bridges would need the bridges'
 * windows set too: only bus-0 functions are placed. */
static void bar_assign(struct pci_dev *d, unsigned i)
{
	struct pci_bar *b = &d->bar[i];
	uint64_t at = (mem_next + b->size - 1) & ~(b->size - 1);

	if (b->io || b->addr || !b->size || d->bus != ecam_first ||
	    at + b->size > mem_end || at + b->size < at)
		return;
	unsigned off = PCI_BAR0 + 4 * i;
	pci_write32(d, off, (uint32_t)at | (pci_read32(d, off) & 0xf));
	if (b->is64)
		pci_write32(d, off + 4, (uint32_t)(at >> 32));
	b->addr = at;
	mem_next = at + b->size;
}

static void bars_probe(struct pci_dev *d)
{
	uint16_t cmd = pci_read16(d, PCI_COMMAND);

	pci_write16(d, PCI_COMMAND, cmd & ~(PCI_CMD_IO | PCI_CMD_MEM));
	for (unsigned i = 0; i < PCI_BARS;)
		i += bar_probe(d, i);
	for (unsigned i = 0; i < PCI_BARS; i++)
		bar_assign(d, i);
	pci_write16(d, PCI_COMMAND, cmd);
}

void *pci_bar_map(struct pci_dev *d, unsigned i)
{
	if (i >= PCI_BARS)
		return NULL;
	struct pci_bar *b = &d->bar[i];
	if (b->va)
		return b->va;
	if (b->io || !b->size || !b->addr) {
		if (b->size && !b->addr)
			printk("pci: %02x:%02x.%x BAR%u unassigned\n", d->bus,
			       d->dev, d->fn, i);
		return NULL;
	}
	b->va = mmio_map(b->addr, b->size);
	pci_write16(d, PCI_COMMAND,
		    pci_read16(d, PCI_COMMAND) | PCI_CMD_MEM | PCI_CMD_MASTER);
	return b->va;
}

/* ---- MSI-X -----------------------------------------------------------------
 */

int pci_msix_enable(struct pci_dev *d)
{
	if (d->msix_table)
		return (int)d->msix_entries;
	unsigned c = d->msix_cap;
	if (!c)
		return -ENODEV;
	uint16_t ctrl = pci_read16(d, c + MSIX_CTRL);
	uint32_t tab = pci_read32(d, c + MSIX_TABLE);
	unsigned n = (ctrl & MSIX_CTRL_SIZE) + 1;
	uint8_t *base = pci_bar_map(d, tab & MSIX_BIR);
	if (!base ||
	    (tab & ~MSIX_BIR) + n * 16ull > d->bar[tab & MSIX_BIR].size)
		return -ENODEV;
	/* Masked as a whole while entries are made safe one by one. */
	pci_write16(d, c + MSIX_CTRL,
		    ctrl | MSIX_CTRL_ENABLE | MSIX_CTRL_MASKALL);
	d->msix_table = (volatile uint32_t *)(base + (tab & ~MSIX_BIR));
	for (unsigned i = 0; i < n; i++)
		d->msix_table[i * MSIX_ENTRY_WORDS + 3] = MSIX_VECTOR_MASKED;
	d->msix_entries = n;
	pci_write16(d, PCI_COMMAND,
		    pci_read16(d, PCI_COMMAND) | PCI_CMD_INTX_OFF);
	pci_write16(d, c + MSIX_CTRL,
		    (ctrl | MSIX_CTRL_ENABLE) & ~MSIX_CTRL_MASKALL);
	return (int)n;
}

int pci_msix_route(struct pci_dev *d, unsigned entry, unsigned cpu,
		   irqvec_fn fn, void *arg)
{
	if (!d->msix_table || entry >= d->msix_entries || cpu >= cpu_count())
		return -EINVAL;
	/* The MSI address names 8 bits of destination (no interrupt
	 * remapping): a larger APIC ID must not wrap onto another core. */
	uint32_t hi;
	if (xapic_dest(cpus[cpu]->apic_id, &hi))
		return -ERANGE;
	int vec = irqvec_alloc(fn, arg);
	if (vec < 0)
		return vec;
	volatile uint32_t *e = d->msix_table + entry * MSIX_ENTRY_WORDS;
	e[3] = MSIX_VECTOR_MASKED;
	e[0] = MSI_ADDR_BASE | cpus[cpu]->apic_id << MSI_ADDR_DEST_SHIFT;
	e[1] = 0;
	e[2] = (uint32_t)vec; /* fixed delivery, edge */
	e[3] = 0;
	return vec;
}

void pci_msix_mask(struct pci_dev *d, unsigned entry, bool masked)
{
	if (d->msix_table && entry < d->msix_entries)
		d->msix_table[entry * MSIX_ENTRY_WORDS + 3] =
		    masked ? MSIX_VECTOR_MASKED : 0;
}

/* ---- enumeration ------------------------------------------------------------
 */

static struct pci_dev **devs_tail = &devs;
static unsigned devs_count;
static uint8_t bus_seen[PCI_BUSES / 8];

static void scan_bus(unsigned bus);

static void add_function(unsigned bus, unsigned dev, unsigned fn)
{
	struct pci_dev *d = kzalloc(sizeof(*d));
	if (!d) {
		printk("pci: out of memory; %02x:%02x.%x ignored\n", bus, dev,
		       fn);
		return;
	}
	d->bus = bus, d->dev = dev, d->fn = fn;
	d->vendor = pci_read16(d, PCI_VENDOR);
	d->device = pci_read16(d, PCI_DEVICE);
	uint32_t cr = pci_read32(d, PCI_CLASS_REV);
	d->class = cr >> 24, d->subclass = cr >> 16, d->prog_if = cr >> 8;
	uint8_t type = pci_read8(d, PCI_HEADER_TYPE) & PCI_HDR_TYPE_MASK;
	if (type == 0) {
		d->subsys_vendor = pci_read16(d, PCI_SUBSYS_VENDOR);
		d->subsys_id = pci_read16(d, PCI_SUBSYS_ID);
		bars_probe(d);
	}
	d->msix_cap = pci_cap(d, PCI_CAP_ID_MSIX, 0);
	*devs_tail = d;
	devs_tail = &d->next;
	devs_count++;
	if (type == 1 && d->class == PCI_CLASS_BRIDGE &&
	    d->subclass == PCI_SUBCLASS_P2P)
		scan_bus(pci_read8(d, PCI_SECONDARY_BUS));
}

static void scan_bus(unsigned bus)
{
	if (bus_seen[bus / 8] & (1u << bus % 8))
		return; /* a bridge pointing back: no second visit */
	bus_seen[bus / 8] |= 1u << bus % 8;
	for (unsigned dev = 0; dev < PCI_DEVS; dev++) {
		if (cfg_read(bus, dev, 0, PCI_VENDOR, 2) == 0xffff)
			continue;
		unsigned nfn =
		    cfg_read(bus, dev, 0, PCI_HEADER_TYPE, 1) & PCI_HDR_MULTIFN
			? PCI_FNS
			: 1;
		for (unsigned fn = 0; fn < nfn; fn++)
			if (cfg_read(bus, dev, fn, PCI_VENDOR, 2) != 0xffff)
				add_function(bus, dev, fn);
	}
}

/* Port 0xCF8 reads back what was written only if mechanism #1 exists. */
static bool pio_present(void)
{
	outl(PCI_CONFIG_ADDR, PCI_CONFIG_ENABLE);
	return inl(PCI_CONFIG_ADDR) == PCI_CONFIG_ENABLE;
}

static void take_ecam(const char *v, void *arg)
{
	char *end;
	unsigned long long a = strtoull(v, &end, 0);
	if (end == v || *end || !a || (a & 0xfffff))
		printk("pci: bad pci.ecam=%s (want a 1 MiB aligned address)\n",
		       v);
	else
		param_ecam = a;
}

static void take_mem(const char *v, void *arg)
{
	char *end;
	unsigned long long base = strtoull(v, &end, 0), size = 0;
	if (*end == ':')
		size = strtoull(end + 1, &end, 0);
	if (*end || !size || base + size < base) {
		printk("pci: bad pci.mem=%s (want <base>:<size>)\n", v);
		return;
	}
	mem_next = base;
	mem_end = base + size;
}

unsigned pci_init(char *cmdline)
{
	const char *how;

	param_take(cmdline, "pci.ecam", take_ecam, NULL);
	param_take(cmdline, "pci.mem", take_mem, NULL);
	if (acpi.ecam_addr) {
		use_ecam = true;
		ecam_addr = acpi.ecam_addr;
		ecam_first = acpi.ecam_bus_start;
		ecam_last = acpi.ecam_bus_end;
		how = "ECAM";
	} else if (param_ecam) {
		use_ecam = true;
		ecam_addr = param_ecam;
		ecam_first = 0;
		ecam_last = PCI_BUSES - 1;
		how = "ECAM from pci.ecam";
	} else if (pio_present()) {
		how = "port I/O";
	} else {
		printk("pci: none (no MCFG, no configuration ports)\n");
		return 0;
	}
	scan_bus(use_ecam ? ecam_first : 0);
	printk("pci: %u functions (%s)\n", devs_count, how);
	return devs_count;
}

struct pci_dev *pci_next(const struct pci_dev *prev)
{
	return prev ? prev->next : devs;
}

/* ---- the `pci` command
 * --------------------------------------------------------- */

static void print_dev(const struct pci_dev *d)
{
	printk("%02x:%02x.%x %04x:%04x class %02x.%02x.%02x%s%s\n", d->bus,
	       d->dev, d->fn, d->vendor, d->device, d->class, d->subclass,
	       d->prog_if, d->msix_cap ? " msix" : "",
	       d->claimed ? " (in use)" : "");
	for (unsigned i = 0; i < PCI_BARS; i++) {
		const struct pci_bar *b = &d->bar[i];
		if (b->size)
			printk("    BAR%u %s %#lx size %#lx%s\n", i,
			       b->io ? "io " : "mem", b->addr, b->size,
			       b->is64 ? " 64-bit" : "");
	}
}

static int cmd_pci(int argc, char **argv)
{
	if (!devs) {
		printk("pci: no PCI functions\n");
		return 0;
	}
	for (const struct pci_dev *d = devs; d; d = d->next)
		print_dev(d);
	return 0;
}
COMMAND(pci, "list PCI functions: ids, class, BARs, MSI-X", cmd_pci);
