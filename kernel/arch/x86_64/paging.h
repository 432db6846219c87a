/* SPDX-License-Identifier: MIT */
/* paging.h: the kernel's own mappings: direct map of RAM and device MMIO. */
#ifndef ARCH_PAGING_H
#define ARCH_PAGING_H

#include <stddef.h>
#include <stdint.h>

#include "mm/frame.h"

/* Physical memory below this was taken at boot (image, early page tables)
 * and must not be given to the frame allocator. */
extern paddr_t early_alloc_end;

/* Maps [start, end) into the direct map (2 MiB or 1 GiB pages); parts
 * already mapped stay as they are. Boot only, before other cores run. */
void direct_map_add(paddr_t start, paddr_t end);
/* Switches phys_to_virt() from the boot alias to the direct map. */
void direct_map_done(void);
/* From now on page tables come from frame_alloc(). */
void paging_frames_ready(void);
/* Removes the boot identity map of the first 1 GiB (after SMP start-up),
 * so that a NULL dereference faults. Caller flushes other cores. */
void paging_drop_identity(void);

/* Maps one 4 KiB page of the kernel's higher half (e.g. thread stacks in
 * KSTACK_BASE..); flags are PTE bits besides present. No TLB flush: the
 * address must not have been mapped before. */
void kmap_4k(uint64_t va, paddr_t pa, uint64_t flags);

/* Maps device registers uncached; returns their virtual address. */
void *mmio_map(paddr_t pa, size_t len);

#endif
