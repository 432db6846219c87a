/* SPDX-License-Identifier: MIT */
/* paging.h: the kernel's own mappings: direct map of RAM and device MMIO. */
#ifndef ARCH_PAGING_H
#define ARCH_PAGING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mm/frame.h"

/* Physical memory below this was taken at boot (image, early page tables)
 * and must not be given to the frame allocator. */
extern paddr_t early_alloc_end;

/* Variables written once early in kmain(), before paging_protect_kernel()
 * maps their section read only (linker.ld). */
#define __ro_after_init __attribute__((section(".data.ro_after_init")))

/* Reads CPU paging features (1 GiB pages, NX: sets pte_nx). Boot, first. */
void paging_init(void);
/* Maps [start, end) into the direct map (2 MiB or 1 GiB pages); parts
 * already mapped stay as they are. Boot only, before other cores run. */
void direct_map_add(paddr_t start, paddr_t end);
/* Switches phys_to_virt() from the boot alias to the direct map. */
void direct_map_done(void);
/* From now on page tables come from frame_alloc(). */
void paging_frames_ready(void);
/* W^X for the kernel image (linker.ld): code read + execute, read-only
 * data read only, data read + write and no execute, at KERNEL_VMA and in
 * the direct map; the identity map keeps only the AP trampoline's page
 * (read, write, execute: AP start-up only); CR0.WP on. After
 * direct_map_done(), before paging_frames_ready() and before other cores
 * run. */
void paging_protect_kernel(void);
/* Whether the CPU enforces no-execute (EFER.NXE): without it, W^X is only
 * write protection. */
bool paging_nx(void);
/* The rights of va in the kernel's tables as the MMU combines them:
 * PTE_P, PTE_W if writable at every level, PTE_NX_BIT if no-execute at
 * any; 0 if not mapped. For tests and reports. */
uint64_t paging_rights(uint64_t va);

/* The page-fault panic report's explanation: the reason (write to a
 * read-only page, fetch from a no-execute page, ...), the error code's
 * bits, the region of cr2 and, for a jump into data, the caller. */
void paging_explain_fault(uint64_t cr2, uint64_t err, uint64_t rip,
			  uint64_t rsp);

/* Removes what is left of the boot identity map (the AP trampoline's
 * page) after SMP start-up. Caller flushes other cores. */
void paging_drop_identity(void);

/* Maps one 4 KiB page of the kernel's higher half (e.g. thread stacks in
 * KSTACK_BASE..); flags are PTE bits besides present. No TLB flush: the
 * address must not have been mapped before. */
void kmap_4k(uint64_t va, paddr_t pa, uint64_t flags);

/* Maps device registers uncached; returns their virtual address. */
void *mmio_map(paddr_t pa, size_t len);

#endif
