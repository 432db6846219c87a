/* SPDX-License-Identifier: MIT */
/* pci_cap.c: capability list walk (pci_cap.h). */
#include "drivers/pci_cap.h"

#define PCI_HEADER_END 0x40

/* Offset of the capability after the one at off (0: the first), 0 at the
 * end of the list or on a pointer into the header. */
static unsigned cap_next(const void *ctx, pci_cfg_read8_fn rd, unsigned off)
{
	unsigned next = off ? rd(ctx, off + 1) : rd(ctx, PCI_CAP_PTR);

	next &= 0xfc; /* the low two bits are reserved */
	return next < PCI_HEADER_END ? 0 : next;
}

unsigned pci_cap_find(const void *ctx, pci_cfg_read8_fn rd, uint8_t id,
		      unsigned after)
{
	if (!(rd(ctx, PCI_STATUS) & PCI_STATUS_CAP_LIST))
		return 0;
	/* Walk from the start even when resuming, so the step bound covers
	 * the whole list and a loop through `after` still ends. */
	unsigned off = 0;
	int seen_after = after == 0;
	for (int steps = 0; steps < PCI_CAP_MAX_STEPS; steps++) {
		off = cap_next(ctx, rd, off);
		if (!off)
			return 0;
		if (seen_after && rd(ctx, off) == id)
			return off;
		if (off == after)
			seen_after = 1;
	}
	return 0;
}
