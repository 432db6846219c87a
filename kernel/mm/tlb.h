/* SPDX-License-Identifier: MIT */
/* tlb.h: TLB shootdown for the lower half (kernel-internal, used by vm.c).
 *
 * One global page table serves every core, so a translation of a vm area
 * may sit in any core's TLB. Removing a mapping or a permission is made
 * visible by tlb_shootdown(); page-table frames that a core may still
 * cache or a lock-free walk may still read are handed to tlb_defer_free()
 * and freed by the next shootdown, after every core has flushed. */
#ifndef MM_TLB_H
#define MM_TLB_H

#include <stdbool.h>
#include <stdint.h>
#include <unidb/types.h>

/* Interrupt vector of the shootdown IPI; cpu.h's vectors stop at 0xf2
 * (VEC_RESCHED), this one must stay clear of them. */
#define VEC_TLB 0xf3

/* A shootdown carries at most this many page addresses; more, or none,
 * means "flush the whole TLB" (a CR3 reload: area pages are not global). */
#define TLB_BATCH 32

/* Registers the IPI handler. Called by vm_init(). */
void tlb_init(void);

/* Invalidates the 4 KiB pages va[0..n) (or the whole lower half if va is
 * NULL or n > TLB_BATCH) on every online core that may cache them (not on
 * cores idle since their last flush), and returns when all have done so; then frees the table frames deferred before the call. One IPI
 * to each other online core (none with one core). Serialised by a
 * spinlock; callable with interrupts off (a core waiting for the lock
 * keeps acknowledging others' requests). Never sleeps. */
void tlb_shootdown(const uint64_t *va, unsigned n);

/* The scheduler's hooks: a core entering its idle halt is skipped by
 * shootdowns (except those that free page tables) until it runs a thread
 * again; leaving idle, it flushes its TLB if it missed a shootdown. O(1);
 * interrupts off for the first; the second on every switch from the idle
 * thread to another. */
void tlb_enter_idle(void);
void tlb_leave_idle(void);

/* Acts on a shootdown request this core has not acknowledged yet. For
 * code that waits with interrupts off and must not hold up a shootdown. */
void tlb_poll(void);

/* Frees a 4 KiB page-table frame after the next shootdown. Lock-free, any
 * context. The frame's first word is overwritten (a link, which reads as a
 * non-present entry to a stale walk). */
void tlb_defer_free(paddr_t pa);

/* Shootdown rounds that sent IPIs, and IPIs sent. */
void tlb_counts(uint64_t *shootdowns, uint64_t *ipis);

/* Whether core cpu runs threads (shootdowns reach it) rather than idling
 * (they skip it). A snapshot; for tests. Any context. */
bool tlb_core_live(unsigned cpu);

#endif
