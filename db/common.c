/* SPDX-License-Identifier: MIT */
/* common.c: arenas, string buffers and errors (see common.h). */
#include "common.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <unidb/errno.h>
#include <unidb/heap.h>
#include <unidb/vm.h>

#define ARENA_CHUNK_MIN ((size_t)32 << 10)
#define PAGE ((size_t)4096)

/* Host builds with AddressSanitizer poison the region outside live
 * blocks and leave a redzone after each, so an overrun of a row array is
 * reported there as it would be for a malloc block. */
#if defined(__SANITIZE_ADDRESS__)
#define ARENA_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define ARENA_ASAN 1
#endif
#endif
#ifdef ARENA_ASAN
#include <sanitizer/asan_interface.h>
#define ARENA_REDZONE ((size_t)16)
#define poison(p, n) ASAN_POISON_MEMORY_REGION(p, n)
#define unpoison(p, n) ASAN_UNPOISON_MEMORY_REGION(p, n)
#else
#define ARENA_REDZONE ((size_t)0)
#define poison(p, n) ((void)(p), (void)(n))
#define unpoison(p, n) ((void)(p), (void)(n))
#endif

struct arena_chunk {
	struct arena_chunk *next;
	size_t size, off; /* usable bytes after the header, bytes taken */
	_Alignas(16) unsigned char data[];
};

void arena_init(struct arena *a, size_t budget)
{
	memset(a, 0, sizeof(*a));
	a->budget = budget;
}

static size_t round_up(size_t n, size_t to)
{
	return (n + to - 1) & ~(to - 1);
}

/* The budget admits n more bytes (and counts them). */
static bool charge(struct arena *a, size_t n)
{
	if (a->budget && (n > a->budget || a->used > a->budget - n))
		return false;
	a->used += n;
	if (a->used > a->peak)
		a->peak = a->used;
	return true;
}

/* ---- heap tier: small chunks, up to ARENA_HEAP_MAX ------------------------ */

static void *heap_take(struct arena *a, size_t n)
{
	struct arena_chunk *c = a->head;
	size_t size = n > ARENA_CHUNK_MIN ? n : ARENA_CHUNK_MIN;
	void *p;

	if (!c || c->size - c->off < n) {
		if (a->heap + size > ARENA_HEAP_MAX || !charge(a, size))
			return NULL;
		c = kmalloc(sizeof(*c) + size);
		if (!c) {
			a->used -= size;
			return NULL;
		}
		c->size = size;
		c->off = 0;
		c->next = a->head;
		a->head = c;
		a->heap += size;
	}
	p = c->data + c->off;
	c->off += n;
	memset(p, 0, n);
	return p;
}

/* ---- region tier: one vm area, bump allocated ---------------------------- */

static size_t region_reserve(size_t budget)
{
	const size_t max = (size_t)64 << 30;

	if (!budget || budget > max / 4)
		return max;
	return 4 * budget + ((size_t)4 << 20);
}

/* The region exists and [0, end) of it is populated. */
static bool region_cover(struct arena *a, size_t end)
{
	size_t size, to;

	if (!a->region) {
		a->region = vm_area_create(region_reserve(a->budget),
					   VM_DEMAND_ZERO);
		if (!a->region)
			return false;
	}
	size = vm_area_size(a->region);
	if (end > size)
		return false;
	if (end <= a->mapped)
		return true;
	to = round_up(end, ARENA_REGION_STEP);
	if (to > size)
		to = size;
	if (vm_populate(a->region, a->mapped, to - a->mapped) < 0)
		return false;
	poison((char *)vm_area_base(a->region) + a->mapped, to - a->mapped);
	a->mapped = to;
	return true;
}

/* n bytes at the region's top; zero already (its pages are fresh and
 * the top only moves up). */
static void *region_take(struct arena *a, size_t n)
{
	char *p;

	if (!charge(a, n))
		return NULL;
	if (!region_cover(a, a->top + n + ARENA_REDZONE)) {
		a->used -= n;
		return NULL;
	}
	p = (char *)vm_area_base(a->region) + a->top;
	a->top += n + ARENA_REDZONE;
	unpoison(p, n);
	return p;
}

static bool in_region(const struct arena *a, const void *p)
{
	const char *base = a->region ? vm_area_base(a->region) : NULL;

	return base && (const char *)p >= base &&
	       (const char *)p < base + a->top;
}

/* p's n bytes are dead: its whole pages go back to the kernel and leave
 * the budget. Heap-tier blocks stay until arena_free. */
void arena_release(struct arena *a, void *p, size_t n)
{
	char *base;
	size_t lo, hi;

	if (!in_region(a, p))
		return;
	base = vm_area_base(a->region);
	poison(p, n);
	lo = round_up((size_t)((char *)p - base), PAGE);
	hi = ((size_t)((char *)p - base) + n) & ~(PAGE - 1);
	if (hi > lo && vm_unmap(a->region, lo, hi - lo) == 0)
		a->used -= hi - lo;
}

static size_t block_size(size_t n)
{
	return n ? round_up(n, 16) : 16;
}

void *arena_alloc(struct arena *a, size_t n)
{
	void *p = NULL;

	n = block_size(n);
	if (n < ARENA_BIG)
		p = heap_take(a, n);
	if (!p)
		p = region_take(a, n);
	if (!p)
		a->over = true;
	return p;
}

void *arena_realloc(struct arena *a, void *p, size_t old, size_t n)
{
	size_t o = block_size(old), extra;
	char *q;

	if (!p)
		return arena_alloc(a, n);
	n = block_size(n);
	if (n <= o)
		return p;
	extra = n - o;
	/* The newest region block ends at the top: extend it. */
	if (in_region(a, p) && (char *)p + o + ARENA_REDZONE ==
				   (char *)vm_area_base(a->region) + a->top) {
		if (charge(a, extra)) {
			if (region_cover(a, a->top + extra)) {
				unpoison((char *)p + o, extra);
				a->top += extra;
				return p;
			}
			a->used -= extra;
		}
		a->over = true;
		return NULL;
	}
	q = arena_alloc(a, n);
	if (!q)
		return NULL;
	memcpy(q, p, old);
	arena_release(a, p, o);
	return q;
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
	if (a->region) {
		/* The shadow must not outlive the mapping (a later mmap at
		 * the same address would inherit the poison). */
		unpoison(vm_area_base(a->region), a->mapped);
		vm_area_destroy(a->region);
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

char *sb_extend(struct strbuf *sb, size_t n)
{
	char *p;

	if (!sb_reserve(sb, n))
		return NULL;
	p = sb->p + sb->len;
	sb->len += n;
	sb->p[sb->len] = 0;
	return p;
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
	int r = db_err(e, "53200", "out of memory");

	e->hint = "A statement's memory is limited by the setting "
		  "statement_mem (and by the memory the server has).";
	return r;
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
