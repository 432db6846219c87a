/* SPDX-License-Identifier: MIT */
/* common.h: what every stage of db/ shares: arenas, string buffers, errors.
 *
 * Arena: a statement's memory. Parse trees, intermediate rows and results
 * are allocated from one arena and freed together when the statement ends,
 * so the executor never frees piecemeal and never leaks on an error path.
 * Every arena has a budget: an allocation beyond it fails, and the caller
 * reports SQLSTATE 53200 (out of memory) for that statement only.
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

struct arena {
	struct arena_chunk *head; /* newest chunk first */
	size_t used;		  /* bytes taken from the heap so far */
	size_t budget;		  /* limit on used; 0: unlimited */
	bool over;		  /* an allocation failed (budget or heap) */
};

#define ARENA_DEFAULT_BUDGET ((size_t)256 << 20)

void arena_init(struct arena *a, size_t budget);
/* n bytes, 16-byte aligned, zeroed; NULL (and a->over) when the budget or
 * the heap is exhausted. O(1) amortised. */
void *arena_alloc(struct arena *a, size_t n);
char *arena_strndup(struct arena *a, const char *s, size_t n);
/* Frees every chunk; the arena can be used again. */
void arena_free(struct arena *a);

struct strbuf {
	char *p; /* NUL-terminated when non-NULL */
	size_t len, cap;
	bool oom;
};

#define STRBUF_INIT {0, 0, 0, false}
void sb_put(struct strbuf *sb, const void *s, size_t n);
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
