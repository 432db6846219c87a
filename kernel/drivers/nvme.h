/* SPDX-License-Identifier: MIT */
/* nvme.h: the NVMe driver's boot entry (nvme.c); the API is blk.h. */
#ifndef DRIVERS_NVME_H
#define DRIVERS_NVME_H

/* Finds every NVMe controller on PCI (after pci_init), brings it up and
 * registers namespace 1 as a block device. Boot, once; thread context. */
void nvme_init(void);

#endif
