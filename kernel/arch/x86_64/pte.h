/* SPDX-License-Identifier: MIT */
/* pte.h: x86_64 4-level page-table entry bits (Intel SDM 3A, 4.5). */
#ifndef ARCH_PTE_H
#define ARCH_PTE_H

#define PTE_P (1UL << 0)   /* present */
#define PTE_W (1UL << 1)   /* writable (honoured at every level) */
#define PTE_U (1UL << 2)   /* user */
#define PTE_PWT (1UL << 3) /* write-through */
#define PTE_PCD (1UL << 4) /* cache disable */
#define PTE_A (1UL << 5)   /* accessed */
#define PTE_D (1UL << 6)   /* dirty */
#define PTE_PS (1UL << 7)  /* PDPTE: 1 GiB page, PDE: 2 MiB page */
#define PTE_G (1UL << 8)   /* global */
/* No execute; a reserved bit unless EFER.NXE is on. */
#define PTE_NX_BIT (1UL << 63)
#define PTE_ADDR 0x000ffffffffff000UL

/* PTE_NX is the no-execute bit if EFER.NXE is on, else 0: on a CPU
 * without NX the bit is reserved and would fault (W^X then degrades to
 * write protection only). paging_init() sets pte_nx before the first page
 * table is written; host unit tests see the constant. */
#ifdef UNIDB_HOST
#define PTE_NX PTE_NX_BIT
#else
#include <stdint.h>
extern uint64_t pte_nx;
#define PTE_NX pte_nx
#endif

#define PT_SHIFT(level) (12 + 9 * ((level) - 1)) /* level 1 = PT .. 4 */
#define PT_INDEX(va, level) (((va) >> PT_SHIFT(level)) & 511)

#endif
