/* SPDX-License-Identifier: MIT */
/* common.h: what every stage of db/ shares: arenas, string buffers, errors.
 *
 * Arena: a statement's memory. Parse trees, intermediate rows and results
 * are allocated from one arena and freed together when the statement ends,
 * so the executor never frees piecemeal and never leaks on an error path.
 * Every arena has a budget: an allocation beyond it fails, and the caller
 * reports SQLSTATE 53200 (out of memory) for that statement only.
 *
 * Two tiers, so that no intermediate result depends on one contiguous
 * kmalloc (KMALLOC_MAX is 2 MiB): the first ARENA_HEAP_MAX bytes come from
 * small kmalloc chunks (an OLTP statement never goes further and costs no
 * vm call); beyond that, and for any request of ARENA_BIG bytes or more,
 * the arena bumps through its region: one vm area (vm.h) reserved on
 * first need, ARENA_REGION_RESERVE(budget) bytes of virtual space, whose
 * pages are populated ARENA_REGION_STEP at a time (vm_populate, so running
 * out of frames is a 53200, not a page fault without memory). A row array
 * of ten million pointers is thus one contiguous block of virtual memory,
 * and arena_free() returns all of it with one vm_area_destroy().
 * arena_realloc() grows the newest region block in place; a moved block's
 * whole pages are unmapped at once and no longer count against the budget,
 * so arrays that double cost about their final size. On the host the same
 * code runs on the shim's vm areas (mmap), with ASan redzones poisoned
 * between region blocks.
 *
 * Strbuf: a growable byte buffer on the kernel heap (kmalloc), used for
 * protocol output and value formatting. An allocation failure is sticky
 * (sb->oom) so callers check once at the end.
 *
 * db_error: the error a client sees, with PostgreSQL's SQLSTATE, message,
 * optional detail and the 1-based character position in the query text
 * (0: none). db_err() fills it and returns -EINVAL, so code reads
 * `return db_err(err, "42P01", "relation \"%s\" does not exist", name);`.
 *
 * Portable: the kernel heap (<unidb/heap.h>) and kernel/lib only. */
#ifndef DB_COMMON_H
#define DB_COMMON_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct arena_chunk;
struct vm_area;

struct arena {
	struct arena_chunk *head; /* newest heap chunk first */
	size_t used;		  /* bytes held (heap chunks + region) */
	size_t budget;		  /* limit on used; 0: unlimited */
	bool over;		  /* an allocation failed (budget or heap) */
	size_t heap;		  /* bytes of heap chunks */
	struct vm_area *region;	  /* NULL until the heap tier is full */
	size_t top;		  /* bytes of the region handed out */
	size_t mapped;		  /* bytes of the region populated */
	size_t peak;		  /* highest used (for tests and EXPLAIN) */
	void *last;		  /* the newest region block */
};

#define ARENA_DEFAULT_BUDGET ((size_t)512 << 20)
#define ARENA_HEAP_MAX ((size_t)1 << 20)
#define ARENA_BIG ((size_t)64 << 10)
#define ARENA_REGION_STEP ((size_t)1 << 20)
/* Virtual space of a region: room for the budget plus the holes that
 * moved blocks leave (their pages are unmapped, the addresses not
 * reused). Unlimited arenas reserve 64 GiB. */
#define ARENA_REGION_RESERVE(budget)                                          \
	((budget) ? 4 * (size_t)(budget) + ((size_t)4 << 20)                  \
		  : ((size_t)64 << 30))

void arena_init(struct arena *a, size_t budget);
/* n bytes, 16-byte aligned, zeroed; NULL (and a->over) when the budget,
 * the heap or the region is exhausted. O(1) amortised. */
void *arena_alloc(struct arena *a, size_t n);
/* p (from arena_alloc/arena_realloc of a, or NULL) resized from old to n
 * bytes (n >= old), the new bytes zeroed; in place when p is the newest
 * region block, else a copy (and p's pages go back). NULL (p unchanged,
 * a->over) when out of budget. For arrays that grow by doubling. */
void *arena_realloc(struct arena *a, void *p, size_t old, size_t n);
/* p's n bytes (a block of a) are dead: the whole pages of a region block
 * go back to the kernel and leave the budget at once; heap-tier blocks
 * stay until arena_free. */
void arena_release(struct arena *a, void *p, size_t n);
char *arena_strndup(struct arena *a, const char *s, size_t n);
/* Frees every chunk and the region; the arena can be used again. */
void arena_free(struct arena *a);

struct strbuf {
	char *p; /* NUL-terminated when non-NULL */
	size_t len, cap;
	bool oom;
};

#define STRBUF_INIT {0, 0, 0, false}
void sb_put(struct strbuf *sb, const void *s, size_t n);
/* Appends n bytes for the caller to fill: their address, or NULL (oom). */
char *sb_extend(struct strbuf *sb, size_t n);
void sb_puts(struct strbuf *sb, const char *s);
void sb_putc(struct strbuf *sb, char c);
void sb_printf(struct strbuf *sb, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void sb_reset(struct strbuf *sb); /* empty, keeps the memory */
void sb_free(struct strbuf *sb);

#define DB_MSG_MAX 512

struct db_error {
	char code[6]; /* SQLSTATE, "" when no error */
	char msg[DB_MSG_MAX];
	char detail[DB_MSG_MAX];
	const char *hint; /* a constant string, or NULL */
	int position; /* 1-based character in the statement, 0: none */
	bool fatal;   /* the session must end after reporting it */
};

int db_err(struct db_error *e, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
int db_err_pos(struct db_error *e, int pos, const char *code,
	       const char *fmt, ...) __attribute__((format(printf, 4, 5)));
void db_err_detail(struct db_error *e, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* 53200 for an arena that ran out of budget or heap. */
int db_err_oom(struct db_error *e);

/* *n /= d; returns the remainder. 128-bit division without libgcc (the
 * kernel does not link it). O(64). */
uint64_t db_udiv128(unsigned __int128 *n, uint64_t d);

/* ASCII case-insensitive equality of s[0..n) and the string kw. */
bool db_ieq(const char *s, size_t n, const char *kw);

#endif
