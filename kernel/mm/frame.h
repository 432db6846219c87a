/* SPDX-License-Identifier: MIT */
/* frame.h: physical frame allocator (kernel-internal API).
 *
 * A frame is 4 KiB of physical memory. Runs of 2^order frames (order 0..9,
 * 4 KiB..2 MiB) are handed out naturally aligned. No function here takes a
 * lock or sleeps: all are callable with preemption disabled and from
 * interrupt handlers. Misuse (bad address, double free) panics. */
#ifndef MM_FRAME_H
#define MM_FRAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <unidb/types.h>

#define FRAME_SHIFT 12
#define FRAME_SIZE (1UL << FRAME_SHIFT)
#define FRAME_ORDER_MAX 9 /* 2 MiB, one "huge frame" */

/* Usable RAM [start, end). */
struct mem_range {
	paddr_t start, end;
};

/* In 4 KiB frames. total excludes the allocator's own metadata;
 * used = total - free; huge_free counts 2 MiB frames that are entirely
 * free (what frame_alloc(9) can still get). Exact when nothing is being
 * allocated or freed concurrently. */
struct frame_stats {
	uint64_t total, free, used, huge_free;
};

/* The direct map, implemented by the architecture (host tests: simulated
 * RAM). phys_to_virt() must cover every range given to frame_init() at the
 * time it is called, and keep doing so with the same addresses. */
void *phys_to_virt(paddr_t pa);
paddr_t virt_to_phys(const void *va);

/* Takes over ranges (any order, need not be aligned: partial frames at
 * the edges are dropped; frame 0 is never used). They must not overlap and
 * must exclude the kernel image and anything else in use. The metadata
 * (about 0.13% of the span from the lowest to the highest address: bitmaps,
 * a refcount and a tag per frame) is carved from the largest range. Boot
 * only, single-threaded; O(span). Returns 0, -EINVAL for no memory or
 * overlapping ranges, -ENOMEM if no range can hold the metadata. */
int frame_init(const struct mem_range *ranges, unsigned n);

/* A naturally aligned run of 2^order frames, each with refcount 1, or 0
 * when no such run is free (or order > FRAME_ORDER_MAX). Contents are
 * undefined. O(1) from the calling core's reserved huge frame; when that
 * is used up, a scan over the huge frames' counters (O(memory / 2 MiB)
 * loads, typically short). Order 9 succeeds only on a wholly free 2 MiB
 * frame. Lock-free. */
paddr_t frame_alloc(unsigned order);

/* frame_alloc() plus zeroing the run. O(size). */
paddr_t frame_alloc_zeroed(unsigned order);

/* Returns a run from frame_alloc(pa's order must be the one it was
 * allocated with). O(1), lock-free. Panics on a double free, a misaligned
 * or unknown address, or freeing part of a 2 MiB frame. The refcount is
 * not consulted: with sharing, free when frame_unref() returns 0. */
void frame_free(paddr_t pa, unsigned order);

/* Per-frame reference count for copy-on-write sharing; frame_alloc() sets
 * it to 1. ref/unref return the new count (unref panics below 0).
 * O(1), one atomic; pa must be managed RAM (else panic). */
uint32_t frame_ref(paddr_t pa);
uint32_t frame_unref(paddr_t pa);
uint32_t frame_refcount(paddr_t pa);

/* One byte per frame for the frame's owner to recognise its frames (the
 * heap marks its slabs and large blocks). 0 after frame_init(); the
 * allocator never changes it, so an owner resets it before frame_free().
 * frame_tag() returns 0 for addresses outside managed RAM. O(1) /
 * O(2^order). */
uint8_t frame_tag(paddr_t pa);
void frame_set_tag(paddr_t pa, unsigned order, uint8_t tag);

/* Fills *st. O(memory / 2 MiB). */
void frame_stats(struct frame_stats *st);

#endif
