/* SPDX-License-Identifier: MIT */
/* vm_internal.h: the kernel's side of vm areas (boot, the #PF path) and
 * what vm.c shares with snapshot.c. */
#ifndef MM_VM_INTERNAL_H
#define MM_VM_INTERNAL_H

#include <stdint.h>
#include <unidb/sync.h>

#include "mm/pt.h"

struct trap_frame;

/* Software PTE bit (SDM 3A, 4.5: bits 11:9 are ignored by the MMU): the
 * page is read-only because its frame is shared with a snapshot; a write
 * copies it (or takes it over when the snapshot let go). */
#define PTE_COW (1UL << 9)
/* The same bit on a page-directory entry (VM_SNAP_LAZY): the page table
 * it points to is shared between a source and its snapshot; the table
 * frame's refcount says by how many. */
#define PDE_SHARED PTE_COW
/* Another software bit, flipped by every share of an entry with a new
 * snapshot (a leaf, or a lazily shared directory entry), so that sharing
 * always changes the entry even when it was copy-on-write (or shared)
 * already, left so by a destroyed snapshot. A fault decides from the
 * entry and the frame's refcount (1: take over, set W) and commits with a
 * compare-and-swap on the entry; without the flip a creation that took a
 * new reference between the two would write back the same value and the
 * fault's CAS would succeed, making a frame the new snapshot shares
 * writable (issue 16, finding 9). */
#define PTE_SHARE_GEN (1UL << 10)

struct vm_area {
	uint64_t base, size; /* immutable; size rounded to the page size */
	uint64_t span;	     /* size rounded to 2 MiB: what destroy clears */
	unsigned flags;	     /* VM_HUGE, VM_PREFAULT */
	/* Copy-on-write, under vm_lock except where noted. */
	struct vm_area *src; /* a snapshot's source; NULL for other areas */
	unsigned snaps;	     /* a source's live snapshots */
	struct vm_area *snap; /* that snapshot (read by copy-ahead faults) */
	unsigned cow_flags;  /* VM_SNAP_* of its snapshots (read by faults) */
	bool creating;	     /* a snapshot of it is being made (atomic) */
	bool cow;	     /* had snapshots: faults consult snapshot.c */
};

/* The lower half's page table, and the lock that serialises every change
 * to areas and mappings except faults (vm.c). */
extern struct pt vm_pt;
extern struct mutex vm_lock;

/* Sets up the lower-half page table and the shootdown IPI. Idempotent and
 * thread-safe (vm_area_create() calls it too); call it once at boot after
 * the scheduler and the APs are up. May sleep. */
void vm_init(void);

/* The page-fault handler of vm areas, called by trap_dispatch() for every
 * #PF with CR2 and the error code. Returns 0 if the fault was resolved
 * (the access is retried), nonzero if it is not ours or a real violation
 * (the caller then reports and panics). Never sleeps; runs with
 * interrupts disabled (the #PF gate is an interrupt gate). */
int vm_fault(uint64_t addr, uint64_t error, struct trap_frame *f);

/* vm.c, under vm_lock: take a out of the lookup array (waits for faults
 * that may have found it), and after its range is empty, free it. */
void vm_area_remove(struct vm_area *a);
void vm_area_forget(struct vm_area *a);
/* Frames mapped in areas, for vm_stats(). Any context. */
void vm_count_frames(int64_t frames);

/* snapshot.c: a write fault on a PTE_COW page of area a, interrupts off.
 * Returns 0 (resolved), SNAP_FAULT_SHOOTDOWN (resolved; the caller must
 * flush the page from every core once out of the fault section, and then
 * free *late if it was set: the frame the page left, whose last reference
 * went; bit 0 set for a 2 MiB frame), or a negative error (the fault is
 * real). */
#define SNAP_FAULT_SHOOTDOWN 2
int snap_cow_fault(struct vm_area *a, uint64_t addr, paddr_t *late);
/* snapshot.c: if the page table that maps addr in area a is shared with a
 * lazy snapshot (or, for a snapshot, with its source), gives a its own
 * copy. Interrupts off. Returns 0, or -ENOMEM. */
int snap_unshare(struct vm_area *a, uint64_t addr);
/* Frames held in the snapshot frame pool; copy-on-write faults that
 * copied and that took a frame over, and pages creation copied ahead
 * (vm_stats). */
uint64_t snap_pooled(void);
void snap_counts(uint64_t *copies, uint64_t *takeovers, uint64_t *ahead);
/* Frees the snapshot frame pool (vm_lock held, no snapshot operation). */
void snap_pool_drain(void);

#endif
