/* SPDX-License-Identifier: MIT */
/* pci_cap.h: walking a PCI function's capability list (portable: the host
 * unit tests run it over a fake configuration space).
 *
 * PCI Local Bus 3.0, 6.7: if bit 4 of the status register is set, the
 * byte at 0x34 points at the first capability; each starts with its ID
 * and the offset of the next (0 ends the list). A list can be corrupt:
 * pointers into the header (below 0x40) end it, and a walk gives up after
 * PCI_CAP_MAX_STEPS entries so that a loop cannot hang the caller. */
#ifndef DRIVERS_PCI_CAP_H
#define DRIVERS_PCI_CAP_H

#include <stdint.h>

#define PCI_STATUS 0x06
#define PCI_STATUS_CAP_LIST (1u << 4)
#define PCI_CAP_PTR 0x34
#define PCI_CAP_MAX_STEPS 48 /* (256 - 64) / 4: more means a loop */

/* Capability IDs (PCI Code and ID Assignment 1.11, chapter 2). */
#define PCI_CAP_ID_MSI 0x05
#define PCI_CAP_ID_VENDOR 0x09
#define PCI_CAP_ID_PCIE 0x10
#define PCI_CAP_ID_MSIX 0x11

/* Reads one byte of configuration space (offset < 256). */
typedef uint8_t (*pci_cfg_read8_fn)(const void *ctx, unsigned off);

/* Offset of the first capability with ID id after the one at offset
 * `after` (0: from the start of the list), or 0 if there is none. */
unsigned pci_cap_find(const void *ctx, pci_cfg_read8_fn rd, uint8_t id,
		      unsigned after);

#endif
