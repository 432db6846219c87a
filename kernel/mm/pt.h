/* SPDX-License-Identifier: MIT */
/* pt.h: x86_64 4-level page tables as a data structure (kernel-internal).
 *
 * A struct pt names one tree. Only its lower half (va < PT_VA_END) is
 * managed here; upper-half entries of the root are never read or written.
 * Leaves are 4 KiB pages (level 1) or 2 MiB pages (level 2, PT_HUGE); the
 * caller chooses the size explicitly, nothing is promoted behind its back.
 * A 1 GiB page made elsewhere (level 3) is walked, reported and unmapped,
 * never created.
 *
 * Nothing here touches the hardware: no TLB flush, no CR3. Functions that
 * change existing entries return how many they changed; the caller
 * invalidates (and may batch) afterwards. Mapping into empty entries needs
 * no flush (the MMU caches no non-present entry, SDM 3A 4.10.2.3).
 *
 * Concurrency, in short (details in pt.c): operations on disjoint page
 * ranges need no lock; overlapping ones are ordered by the caller, except
 * pt_install_leaf_cas() against itself; readers are lock-free. */
#ifndef MM_PT_H
#define MM_PT_H

#include <stdbool.h>
#include <stdint.h>
#include <unidb/types.h>

#include "arch/x86_64/pte.h"

#define PT_PAGE (1UL << 12)	 /* level-1 leaf */
#define PT_HUGE_PAGE (1UL << 21) /* level-2 leaf */
#define PT_VA_END (1UL << 47)	 /* end of the canonical lower half */
#define PT_PA_END (1UL << 52)	 /* MAXPHYADDR limit of PTE_ADDR */

/* Flags taken by pt_map()/pt_install_leaf_cas() and reported by the walks:
 * PTE_* bits of pte.h, plus PT_HUGE for a 2 MiB (or 1 GiB) leaf. PTE_P is
 * implied when mapping and always set when reported. Reported flags are
 * the leaf's, except that W is cleared and NX set when an upper level says
 * so, as the MMU applies them (SDM 3A, 4.6). */
#define PT_HUGE PTE_PS
#define PT_SW (7UL << 9) /* SDM 3A, 4.5: bits 11:9 ignored, for software */
#define PT_PROT                                                                \
	(PTE_W | PTE_U | PTE_PWT | PTE_PCD | PTE_A | PTE_D | PTE_G | PT_SW |   \
	 PTE_NX)

/* The frame of a leaf entry e at level 1 (4 KiB) or 2 (2 MiB): the
 * address bits, without a large page's PAT bit. */
static inline paddr_t pt_leaf_pa(uint64_t e, int level)
{
	return e & PTE_ADDR & ~((1UL << PT_SHIFT(level)) - 1);
}

/* How the tree reaches physical memory. Table frames are read and written
 * at virtual address pa + direct_map (the kernel's direct map; a malloc'd
 * arena in host tests). alloc_table returns a zeroed, 4 KiB-aligned frame
 * or 0 when out of memory; it may be called with preemption disabled and
 * must not sleep. free_table gets frames that a core may still hold in its
 * paging-structure caches until the caller's TLB flush, and that a
 * lock-free reader may still be reading: it must not let the frame be
 * reused before then (the kernel queues them until the flush).
 * unlinked is called by an unmap right after it cleared the entry that
 * linked a table it is about to empty and free, before it reads that
 * table: it must return only when no pt_install_leaf_cas() that may have
 * walked into the table through the old entry is still running (the
 * kernel: the fault path's grace period). NULL if there is no such
 * concurrent writer. */
struct pt_ops {
	uintptr_t direct_map;
	paddr_t (*alloc_table)(void *ctx);
	void (*free_table)(void *ctx, paddr_t pa);
	void (*unlinked)(void *ctx);
	void *ctx;
};

struct pt {
	paddr_t root_pa; /* the PML4 */
	const struct pt_ops *ops;
	bool own_root; /* pt_init() allocated the root, pt_destroy() frees it */
	/* Table frames taken from / given back to ops, the root included if
	 * owned. Updated atomically (relaxed); exact once writers are done. */
	uint64_t tables_allocated, tables_freed;
};

/* Reports one leaf: its first virtual address, physical frame, flags (see
 * PT_PROT) and level (1 = 4 KiB, 2 = 2 MiB, 3 = 1 GiB). */
typedef void pt_leaf_fn(void *arg, uint64_t va, paddr_t pa, uint64_t flags,
			int level);
/* The same for pt_visit(); a non-zero return stops the visit. */
typedef int pt_visit_fn(void *arg, uint64_t va, paddr_t pa, uint64_t flags,
			int level);

/* Sets up pt on the root table root_pa (e.g. the kernel's PML4, whose upper
 * half stays untouched), or on a fresh one if root_pa is 0. O(1).
 * Returns 0, or -ENOMEM if no root could be allocated. */
int pt_init(struct pt *pt, const struct pt_ops *ops, paddr_t root_pa);

/* Unmaps the whole lower half: reports every leaf to fn (may be NULL),
 * frees every table below the root, and the root if pt_init() allocated
 * it. O(tables + leaves). No other operation on pt may run concurrently;
 * the caller flushes the TLB before the frames are reused. */
void pt_destroy(struct pt *pt, pt_leaf_fn *fn, void *arg);

/* Maps [va, va + size) to [pa, pa + size) with 4 KiB pages, or 2 MiB pages
 * if flags has PT_HUGE; flags are PTE_P and PT_PROT bits besides. All tables
 * the range may need are allocated before anything changes, so on error
 * the tree is as before. A 2 MiB page may take the place of an empty page
 * table (left by 4 KiB pages since unmapped), which is then freed.
 * O(pages) walks. Needs no TLB flush (after such a replacement a core may
 * take one spurious fault through its cached pointer to the old table).
 * Errors: -EINVAL if va, pa or size is not a multiple of the page size,
 * size is 0, the range leaves the lower half or pa exceeds PT_PA_END, or
 * flags has other bits; -EEXIST if any page of the range is mapped;
 * -ENOMEM if a table cannot be allocated. */
int pt_map(struct pt *pt, uint64_t va, paddr_t pa, uint64_t size,
	   uint64_t flags);

/* Removes every leaf in [va, va + size), reporting each to fn (may be NULL;
 * flags include the final A and D bits), and frees every table whose whole
 * span lies in the range. A table that merely became empty stays (map and
 * unmap of one page do not churn tables); pt_destroy() reclaims it.
 * A 2 MiB page is never split. O(leaves + tables + holes/span), plus one
 * ops->unlinked() per table freed that hangs under a table that stays.
 * pt_install_leaf_cas() may run on the range meanwhile: a leaf it
 * installs is either reported here or left in the tree (in a table the
 * unmap does not free, or one created after it cleared the old entry),
 * never freed with a table unreported. Returns the number of leaves removed (flush them before reusing their
 * frames), or -EINVAL for an unaligned, empty or non-lower-half range or one
 * that covers part of a large page; then nothing changed. */
long pt_unmap(struct pt *pt, uint64_t va, uint64_t size, pt_leaf_fn *fn,
	      void *arg);

/* Sets the bits set and then clears the bits clear (both within PT_PROT;
 * set wins if both have a bit) on every leaf in [va, va + size); holes are
 * skipped. Only leaves change: W or NX in an upper level still applies.
 * O(leaves) walks. Returns the number of leaves changed (flush them if W
 * was cleared or NX set), or -EINVAL for bad bits, an unaligned, empty or
 * non-lower-half range, or one that covers part of a large page; then
 * nothing changed. */
long pt_protect(struct pt *pt, uint64_t va, uint64_t size, uint64_t set,
		uint64_t clear);

/* Translates va (any alignment): *pa gets va's physical address, *flags and
 * *level the leaf's (each may be NULL). Lock-free, one walk. Returns 0,
 * -ENOENT if va is not mapped, -EINVAL if it is not in the lower half. */
int pt_walk(const struct pt *pt, uint64_t va, paddr_t *pa, uint64_t *flags,
	    int *level);

/* Whether va is mapped: one plain walk, at most four loads. Lock-free.
 * False outside the lower half. */
bool pt_is_present(const struct pt *pt, uint64_t va);

/* Calls fn for every leaf that overlaps [va, va + size), in address order;
 * a large page that starts below va is reported whole, at its own address.
 * Lock-free like pt_walk(); a leaf changed meanwhile is seen before or
 * after the change. O(leaves) walks plus one per hole. Returns 0, fn's
 * first non-zero return, or -EINVAL for an unaligned, empty or
 * non-lower-half range. */
int pt_visit(const struct pt *pt, uint64_t va, uint64_t size, pt_visit_fn *fn,
	     void *arg);

/* Installs one leaf (4 KiB, or 2 MiB with PT_HUGE) at va if that entry is
 * empty, with one compare-and-swap: the page-fault fast path. Missing
 * tables are allocated first and published with CAS as well; a table that
 * lost its race is freed. Lock-free; may race other pt_install_leaf_cas()
 * calls, readers and pt_unmap() (see there) on the same page, but not
 * other writers on it.
 * O(1): one walk if the tables exist, else up to three allocations.
 * Needs no TLB flush. Returns 0; -EEXIST if the page (or a large page or
 * table in its place) is already there, nothing changed; -ENOMEM if a table
 * cannot be allocated, nothing changed; -EINVAL as for pt_map(). */
int pt_install_leaf_cas(struct pt *pt, uint64_t va, paddr_t pa, uint64_t flags);

/* For code that edits entries itself (copy-on-write snapshots): the
 * level-`level` entry (1: a 4 KiB leaf, 2: a page-directory entry, 3) that
 * maps va, creating the tables above it when create is set. NULL when a
 * large page is in the way, when a table is missing and create is not
 * set, or when out of memory. What the caller stores must keep this
 * file's invariants and concurrency rules (pt.c), with atomic updates. */
uint64_t *pt_entry(struct pt *pt, uint64_t va, int level, bool create);
/* The table an intermediate entry points to. */
uint64_t *pt_table(const struct pt *pt, uint64_t entry);

#endif
