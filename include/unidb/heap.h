/* SPDX-License-Identifier: MIT */
/* heap.h: the kernel heap (kmalloc and friends).
 *
 * Blocks are at least 16-byte aligned; a block of power-of-two size up to
 * 2 MiB is aligned to its size. Requests up to 2048 bytes come from
 * per-core caches (O(1), no lock, no atomic in the common case; a refill or
 * drain takes a per-size-class spinlock); larger ones are whole frames from
 * the frame allocator (lock-free, up to 2 MiB; beyond that use a vm area).
 * A block may be freed on any core.
 *
 * Context: callable from threads, also with preemption disabled; never
 * from interrupt handlers. Nothing here sleeps. Errors: NULL when out of
 * memory or for a size that is too large. kfree()/ksize()/krealloc() of a
 * pointer that kmalloc did not return, or a double free, panics where it
 * can be detected cheaply (most cases). */
#ifndef UNIDB_HEAP_H
#define UNIDB_HEAP_H

#include <stddef.h>
#include <stdint.h>

/* Largest request kmalloc serves (2 MiB). */
#define KMALLOC_MAX ((size_t)2 << 20)

/* Sets up the heap; call once after frame_init(), before any kmalloc. */
void heap_init(void);

/* size bytes, contents undefined; size 0 gives a unique minimal block.
 * O(1) up to 2048 bytes, else the cost of frame_alloc(). NULL if out of
 * memory or size > KMALLOC_MAX. */
void *kmalloc(size_t size) __attribute__((malloc));

/* kmalloc() and zero the size bytes. O(size). */
void *kzalloc(size_t size) __attribute__((malloc));

/* kzalloc(n * size), or NULL if n * size overflows. */
void *kcalloc(size_t n, size_t size) __attribute__((malloc));

/* Resizes p, keeping min(old, new size) bytes; may move it. p == NULL acts
 * as kmalloc(size); size 0 frees p and returns NULL. On failure returns
 * NULL and p is left as it was. O(1) if the size class stays the same,
 * else O(size). */
void *krealloc(void *p, size_t size);

/* Frees p (NULL: nothing). O(1); occasionally a batch of objects goes
 * back to the shared depot under its lock. */
void kfree(void *p);

/* Usable size of p's block (>= the size asked for; all of it may be
 * used). O(1). */
size_t ksize(const void *p);

/* Gives the calling core's cached free blocks back to the shared depots
 * and returns every unused slab to the frame allocator. For low memory
 * and leak checks in tests. O(cached blocks + size classes). */
void heap_flush(void);

/* Memory in use, in KiB: every 4 KiB frame taken from the frame allocator
 * (heap, vm areas, thread stacks, page tables, network buffers), i.e.
 * usable RAM minus free frames; the kernel image is not counted. A
 * snapshot: exact when nothing allocates concurrently. O(RAM / 2 MiB). */
uint64_t mem_used_kib(void);

#endif
