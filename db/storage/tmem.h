/* SPDX-License-Identifier: MIT */
/* tmem.h: a table's memory: rows, chunks, index nodes (and the version
 * data of transactions) in one vm area reserved for the table.
 *
 * Why an area per table: a vm snapshot (vm.h) of that one area is then a
 * copy-on-write copy of the whole table and its indexes, taken in one
 * call while writers go on (snapshot.h builds on it).
 *
 * Layout. The area reserves TMEM_RESERVE bytes of virtual space; nothing
 * is backed until touched (demand-zero), so growing is moving a bump
 * pointer (`top`) forward: the pages below it fault in on first touch.
 * Every block has a 16-byte header (size class, magic) followed by the
 * caller's bytes, 16-byte aligned. Sizes are rounded to one of
 * TMEM_CLASSES classes: multiples of 16 up to 256 bytes, then four steps
 * per power of two (320, 384, 448, 512, 640, ...) up to TMEM_MAX_BLOCK.
 * A freed block goes on its class's free list (the link in its first
 * payload bytes) and the next allocation of that class takes it: freed
 * memory is reused, not returned. tmem_reset() (TRUNCATE) empties
 * everything and returns the frames to the kernel (vm_unmap) unless a
 * snapshot of the area exists (then the pages stay and are reused).
 *
 * Pointers. Stored pointers (a chunk's row pointers, a row's string
 * pointers, index node links) are plain addresses in the live area: the
 * engine's code is unchanged by the move. A snapshot shows the same bytes
 * at another base address, so a reader of a snapshot translates every
 * pointer it loads from it with one addition (tmem_xlate: p - live base +
 * snapshot base); pointers that lead outside the area (none today) would
 * not be translatable, hence the rule: whatever a table links to lives in
 * its tmem.
 *
 * A NULL tmem means the kernel heap: tmem_alloc(NULL, n) is kmalloc, so
 * structures (a B+-tree in a unit test, an index not yet moved) work
 * either way.
 *
 * Locking: tmem's own lock serialises alloc and free (callers may run
 * concurrently under row locks); reads of blocks need no lock. Lifetime:
 * reference-counted (the table holds one, each snapshot one), so a
 * snapshot reader never sees its source area destroyed under it. */
#ifndef DB_STORAGE_TMEM_H
#define DB_STORAGE_TMEM_H

#include <stddef.h>
#include <stdint.h>

#define TMEM_RESERVE ((uint64_t)16 << 30) /* virtual bytes per table */
#define TMEM_MAX_BLOCK ((size_t)8 << 20)  /* largest block, header included */
#define TMEM_CLASSES 76

struct tmem;
struct vm_area;

struct tmem_stats {
	uint64_t reserved; /* virtual bytes of the area */
	uint64_t mapped;   /* bytes below the bump pointer (touched or not) */
	uint64_t used;	   /* bytes in live blocks, headers and rounding included */
	uint64_t free;	   /* bytes on the free lists */
	uint64_t blocks;   /* live blocks */
};

/* A new table memory with its area reserved; NULL without virtual space
 * or heap. One reference, the caller's. */
struct tmem *tmem_new(void);
void tmem_get(struct tmem *m);
/* Drops a reference; the last one destroys the area. NULL is ignored. */
void tmem_put(struct tmem *m);

/* n bytes, 16-byte aligned, contents undefined (tmem_zalloc: zeroed);
 * NULL when n is over TMEM_MAX_BLOCK - 16 or the area is full. */
void *tmem_alloc(struct tmem *m, size_t n);
void *tmem_zalloc(struct tmem *m, size_t n);
/* As krealloc: p may be NULL; on failure p stays valid. */
void *tmem_realloc(struct tmem *m, void *p, size_t n);
/* Frees a block of m (NULL p is ignored). A block of another tmem, or
 * one freed twice, panics in the guest (header check) rather than
 * corrupting the lists. */
void tmem_free(struct tmem *m, void *p);
/* Frees every block at once (all pointers into m become invalid). */
void tmem_reset(struct tmem *m);
void tmem_stats(struct tmem *m, struct tmem_stats *st);

/* The area (for vm_snapshot) and the translation of an address of the
 * live area into the same byte of a snapshot of it (NULL stays NULL). */
struct vm_area *tmem_area(const struct tmem *m);
static inline const void *tmem_xlate(const void *p, uintptr_t live_base,
				     uintptr_t snap_base)
{
	return p ? (const void *)((uintptr_t)p - live_base + snap_base) : NULL;
}

#endif
