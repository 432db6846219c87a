/* SPDX-License-Identifier: MIT */
/* vm.h: vm areas, the database's large virtual ranges in the lower half.
 *
 * There are no processes: one page table serves every core, and its lower
 * half (below 128 TiB) belongs to vm areas. An area is a 2 MiB-aligned
 * virtual range with unmapped guard space around it. Pages are backed on
 * first touch by zeroed frames (demand-zero): a page fault in an area takes
 * a frame from a per-core pool and installs it with one compare-and-swap,
 * without a lock. Touching memory outside every area panics as before.
 *
 * Memory order: a page another core faulted in is visible here at once (no
 * flush is needed to see a new mapping). Removing a mapping or a
 * permission (unmap, protect to read-only, destroy) is flushed from every
 * core's TLB before the call returns (a TLB shootdown: one IPI round).
 *
 * Caller's contract: concurrent vm_map/vm_unmap/vm_protect/vm_populate on
 * one area are serialised by the area's lock; touching a range while it is
 * being unmapped, or an area while it is being destroyed, has an undefined
 * outcome for that memory (the touch panics, or the page may reappear, or
 * its frame may leak) but never corrupts the frame allocator or another
 * area.
 *
 * Calls marked "may sleep" must not be made with preemption disabled, a
 * spinlock held, or from an interrupt handler (see thread.h). */
#ifndef UNIDB_VM_H
#define UNIDB_VM_H

#include <stdbool.h>
#include <stdint.h>

struct vm_area;

/* vm_area_create() flags. */
#define VM_DEMAND_ZERO 0x0 /* default: a frame on first touch of a page */
#define VM_PREFAULT 0x1	   /* back every page at creation */
#define VM_HUGE 0x2	   /* 2 MiB pages: size and offsets in 2 MiB units */

/* Protections for vm_map() and vm_protect(). Area memory is never
 * executable. */
#define VM_READ 0x1
#define VM_WRITE 0x2

/* Creates an area of size bytes (rounded up to 4 KiB, or to 2 MiB with
 * VM_HUGE), readable and writable, reading as zeroes. O(1) plus, with
 * VM_PREFAULT, O(pages) to allocate and zero the frames. May sleep.
 * Returns NULL for size 0, unknown flags, a size the lower half cannot
 * hold, or when out of virtual space or (VM_PREFAULT) memory. */
struct vm_area *vm_area_create(uint64_t size, unsigned flags);

/* Unmaps every page, returns the frames and page tables to the frame
 * allocator and flushes every core's TLB; then area is gone. Nobody may
 * touch the area during or after the call. O(present pages) plus one IPI
 * round. May sleep. Returns 0, or -EINVAL for a NULL area. */
int vm_area_destroy(struct vm_area *area);

/* The first byte and the size (as rounded) of area. O(1). NULL/0 for a
 * NULL area. */
void *vm_area_base(const struct vm_area *area);
uint64_t vm_area_size(const struct vm_area *area);

/* Makes every page of [offset, offset + len) present with protection prot
 * (VM_READ, optionally | VM_WRITE); pages already present keep their
 * contents. O(pages); one IPI round if write permission was removed from
 * a present page. May sleep. Errors: -EINVAL for a NULL area, len 0,
 * offset or len not page-aligned (2 MiB for VM_HUGE), a range outside the
 * area, or bad prot; -ENOMEM when out of memory (the pages populated so
 * far stay). */
int vm_map(struct vm_area *area, uint64_t offset, uint64_t len, unsigned prot);

/* Removes every page of the range; a later touch faults in a fresh zeroed
 * page. The frames go to the calling core's pool (zeroed there), which
 * later faults take from; the excess goes back to the frame allocator.
 * O(pages) plus one IPI round (batched: one round per call, or per 128
 * pages). May sleep. Errors: -EINVAL as for vm_map(). */
int vm_unmap(struct vm_area *area, uint64_t offset, uint64_t len);

/* Sets the protection of the pages of the range that are present now;
 * absent pages are not affected and fault in read-write (use vm_map() to
 * protect a whole range). A write to a read-only page panics. O(pages);
 * one IPI round if write permission was removed. May sleep. Errors:
 * -EINVAL as for vm_map(). */
int vm_protect(struct vm_area *area, uint64_t offset, uint64_t len,
	       unsigned prot);

/* Backs every absent page of the range with a zeroed frame, read-write,
 * so that touching it takes no fault. O(pages); no IPI. May sleep.
 * Errors: -EINVAL as for vm_map(); -ENOMEM as for vm_map(). */
int vm_populate(struct vm_area *area, uint64_t offset, uint64_t len);

/* Whether the page holding addr is mapped: one lock-free walk of the page
 * table (at most four loads, tens of ns). Any address is allowed (false
 * outside the lower half). Callable from any context. The answer may be
 * stale the moment it is returned if another core changes the page. */
bool vm_is_present(const void *addr);

/* Drops the calling core's cached translation of addr (one invlpg). The
 * reader-side alternative to a shootdown: a reader that knows a mapping
 * may have changed under it refreshes before it reads. Any context. O(1). */
void vm_refresh(const void *addr);

/* ---- copy-on-write snapshots ------------------------------------------
 *
 * vm_snapshot(src) creates a new, read-only area that shows src as it was
 * while the call ran, while other cores keep writing src: each page is
 * shared and marked copy-on-write in src; the first write to it copies
 * the frame (or takes it over if the snapshot already let go of it).
 * Point in time: an update finished before the call began is in the
 * snapshot, one begun after it returned is not; updates that overlap the
 * call may or may not be (per page). The variants of the reference paper
 * (section 4) are selected by flags:
 *
 * VM_SNAP_EAGER     the calling thread copies the page tables alone; every
 *                   copy-on-write fault ends with a shootdown to all cores
 *                   (like fork() on Linux).
 * VM_SNAP_PARALLEL  threads that take a copy-on-write fault on src while
 *                   the snapshot is being created, and threads that call
 *                   vm_snapshot_help(), copy page tables too.
 * VM_SNAP_READER    reader-side invalidation: no shootdown in the
 *                   copy-on-write fault. Another core may then keep a
 *                   stale read-only translation of a page of src that was
 *                   just copied, and a plain load through it reads the old
 *                   frame (the snapshot's value). Stores and locked
 *                   read-modify-writes are safe: they fault on the stale
 *                   entry, which the handler then refreshes. So code that
 *                   reads src with plain loads while a snapshot exists
 *                   calls vm_refresh() on the page first (once per
 *                   transaction, or in a buffer manager's fix()).
 *
 * VM_SNAP_LAZY      beyond the paper: creation shares whole page tables,
 *                   write-protected through the page-directory entries
 *                   (x86 honours W at every level), so it costs O(size /
 *                   2 MiB) instead of O(pages); the first write (or new
 *                   page) under a shared table copies that table, then
 *                   pages are copied on write as usual. Implies
 *                   VM_SNAP_READER.
 * VM_SNAP_COPY_AHEAD beyond the paper: after sharing, the calling thread
 *                   copies every page into a frame of the snapshot's own
 *                   and gives src its frame back writable, so src never
 *                   changes frames: no shootdown and no vm_refresh() are
 *                   ever needed, and writers stop faulting once the copy
 *                   has passed. A writer that reaches a page first copies
 *                   it (into the snapshot) itself. Creation then costs
 *                   O(size) of copying on the calling core instead of
 *                   copy-on-write faults on the writers' cores: for
 *                   write-heavy sources. Not with VM_SNAP_LAZY.
 * While a snapshot of an area exists, vm_map/vm_unmap/vm_protect/
 * vm_populate on the area (and on the snapshot) return -EBUSY.
 *
 * vm_snapshot_destroy(snap, flags) drops the snapshot; frames only it
 * still holds are freed.
 * VM_SNAP_NOFREE    those frames go to a pool that later copy-on-write
 *                   faults take from, instead of back to the frame
 *                   allocator one by one, and threads calling
 *                   vm_snapshot_help() share the work.
 */
#define VM_SNAP_EAGER 0x0
#define VM_SNAP_PARALLEL 0x1
#define VM_SNAP_READER 0x2
#define VM_SNAP_LAZY 0x4
#define VM_SNAP_COPY_AHEAD 0x8
#define VM_SNAP_NOFREE 0x1

/* Creates a snapshot of src (not itself a snapshot). One snapshot of an
 * area may exist at a time. O(present pages) of page-table copying
 * (O(size / 2 MiB) with VM_SNAP_LAZY), shared with helpers (PARALLEL),
 * plus one shootdown (and O(size) of data copying with
 * VM_SNAP_COPY_AHEAD). May sleep. Returns NULL for bad arguments (NULL, a
 * snapshot, unknown flags), while src has a snapshot, or out of
 * memory. */
struct vm_area *vm_snapshot(struct vm_area *src, unsigned flags);

/* Destroys a snapshot made by vm_snapshot(). O(pages), shared with
 * helpers (NOFREE), plus one shootdown. May sleep. Returns 0, or -EINVAL
 * for NULL, an area that is not a snapshot, or unknown flags. */
int vm_snapshot_destroy(struct vm_area *snap, unsigned flags);

/* Does a share of the snapshot work in progress, if the operation
 * accepts helpers; returns at once otherwise (one load). For threads
 * that run while a snapshot is made or destroyed (the paper's OLTP
 * threads). Callable with preemption enabled or disabled; never sleeps. */
void vm_snapshot_help(void);

/* Counters over all areas and cores. Exact when nothing changes
 * concurrently. */
struct vm_stats {
	uint64_t areas;	      /* live areas */
	uint64_t frames;      /* 4 KiB frames mapped in areas (2 MiB = 512) */
	uint64_t pooled;      /* zeroed frames in the per-core pools */
	uint64_t tables;      /* page-table pages allocated for the lower half */
	uint64_t shootdowns;  /* TLB shootdown rounds that sent IPIs */
	uint64_t ipis;	      /* shootdown IPIs sent */
	uint64_t faults;      /* demand-zero faults resolved */
	uint64_t fast_faults; /* ... of which took a pooled frame */
	uint64_t cow_copies;  /* copy-on-write faults that copied a frame */
	uint64_t cow_takeovers; /* ... that took over an unshared frame */
	uint64_t ahead_copies;	/* pages VM_SNAP_COPY_AHEAD creation copied */
};

/* Fills *st. O(cores). Any context that may read per-core data. */
void vm_stats(struct vm_stats *st);

#endif
