/* SPDX-License-Identifier: MIT */
/* common.c: arenas, string buffers and errors (see common.h). */
#include "common.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <unidb/errno.h>
#include <unidb/heap.h>

#define ARENA_CHUNK_MIN ((size_t)32 << 10)

struct arena_chunk {
	struct arena_chunk *next;
	size_t size, off; /* usable bytes after the header, bytes taken */
	_Alignas(16) unsigned char data[];
};

void arena_init(struct arena *a, size_t budget)
{
	a->head = NULL;
	a->used = 0;
	a->budget = budget;
	a->over = false;
}

static struct arena_chunk *arena_grow(struct arena *a, size_t n)
{
	size_t size = n > ARENA_CHUNK_MIN ? n : ARENA_CHUNK_MIN;
	struct arena_chunk *c;

	if (a->budget && a->used + size > a->budget)
		return NULL;
	c = kmalloc(sizeof(*c) + size);
	if (!c)
		return NULL;
	c->size = size;
	c->off = 0;
	c->next = a->head;
	a->head = c;
	a->used += size;
	return c;
}

void *arena_alloc(struct arena *a, size_t n)
{
	struct arena_chunk *c = a->head;
	void *p;

	n = (n + 15) & ~(size_t)15;
	if (n == 0)
		n = 16;
	if (!c || c->size - c->off < n) {
		c = arena_grow(a, n);
		if (!c) {
			a->over = true;
			return NULL;
		}
	}
	p = c->data + c->off;
	c->off += n;
	memset(p, 0, n);
	return p;
}

char *arena_strndup(struct arena *a, const char *s, size_t n)
{
	char *p = arena_alloc(a, n + 1);

	if (!p)
		return NULL;
	memcpy(p, s, n);
	p[n] = 0;
	return p;
}

void arena_free(struct arena *a)
{
	struct arena_chunk *c = a->head, *next;

	for (; c; c = next) {
		next = c->next;
		kfree(c);
	}
	arena_init(a, a->budget);
}

static bool sb_reserve(struct strbuf *sb, size_t extra)
{
	size_t cap;
	char *p;

	if (sb->oom)
		return false;
	if (sb->len + extra + 1 <= sb->cap)
		return true;
	cap = sb->cap ? sb->cap : 256;
	while (cap < sb->len + extra + 1)
		cap *= 2;
	p = krealloc(sb->p, cap);
	if (!p) {
		sb->oom = true;
		return false;
	}
	sb->p = p;
	sb->cap = cap;
	return true;
}

void sb_put(struct strbuf *sb, const void *s, size_t n)
{
	if (!sb_reserve(sb, n))
		return;
	memcpy(sb->p + sb->len, s, n);
	sb->len += n;
	sb->p[sb->len] = 0;
}

void sb_puts(struct strbuf *sb, const char *s)
{
	sb_put(sb, s, strlen(s));
}

void sb_putc(struct strbuf *sb, char c)
{
	sb_put(sb, &c, 1);
}

void sb_printf(struct strbuf *sb, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || !sb_reserve(sb, (size_t)n))
		return;
	va_start(ap, fmt);
	vsnprintf(sb->p + sb->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	sb->len += (size_t)n;
}

void sb_reset(struct strbuf *sb)
{
	sb->len = 0;
	sb->oom = false;
	if (sb->p)
		sb->p[0] = 0;
}

void sb_free(struct strbuf *sb)
{
	kfree(sb->p);
	sb->p = NULL;
	sb->len = sb->cap = 0;
	sb->oom = false;
}

static int db_verr(struct db_error *e, int pos, const char *code,
		   const char *fmt, va_list ap)
{
	memcpy(e->code, code, 5);
	e->code[5] = 0;
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	e->detail[0] = 0;
	e->hint = NULL;
	e->position = pos;
	return -EINVAL;
}

int db_err(struct db_error *e, const char *code, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = db_verr(e, 0, code, fmt, ap);
	va_end(ap);
	return r;
}

int db_err_pos(struct db_error *e, int pos, const char *code,
	       const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = db_verr(e, pos, code, fmt, ap);
	va_end(ap);
	return r;
}

void db_err_detail(struct db_error *e, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(e->detail, sizeof(e->detail), fmt, ap);
	va_end(ap);
}

int db_err_oom(struct db_error *e)
{
	return db_err(e, "53200", "out of memory");
}

bool db_ieq(const char *s, size_t n, const char *kw)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!kw[i] || tolower((unsigned char)s[i]) !=
				      tolower((unsigned char)kw[i]))
			return false;
	return kw[n] == 0;
}

uint64_t db_udiv128(unsigned __int128 *n, uint64_t d)
{
	uint64_t hi = (uint64_t)(*n >> 64), lo = (uint64_t)*n;
	uint64_t qhi = hi / d, r = hi % d, qlo = 0;
	int i;

	/* (r:lo) / d bit by bit; r < d throughout. */
	for (i = 63; i >= 0; i--) {
		bool carry = r >> 63;

		r = r << 1 | ((lo >> i) & 1);
		qlo <<= 1;
		if (carry || r >= d) {
			r -= d;
			qlo |= 1;
		}
	}
	*n = (unsigned __int128)qhi << 64 | qlo;
	return r;
}
