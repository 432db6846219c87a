/* SPDX-License-Identifier: MIT */
/* tmem.c: size-class allocator over one vm area per table (see tmem.h). */
#include "tmem.h"

#include <string.h>
#include <unidb/heap.h>
#include <unidb/panic.h>
#include <unidb/sync.h>
#include <unidb/vm.h>

#define HDR 16
#define MAGIC 0x7a3e
#define PAGE 4096

struct hdr {
	uint16_t cls;
	uint16_t magic; /* MAGIC while live, 0 while free */
	uint32_t pad[3];
};

struct free_block {
	struct hdr h;
	struct free_block *next;
};

struct tmem {
	struct vm_area *area;
	char *base;
	uint64_t refs; /* atomic */
	struct mutex lock; /* protects everything below */
	uint64_t top;	   /* bump pointer: bytes of the area handed out */
	struct free_block *free[TMEM_CLASSES];
	uint64_t used, freed, blocks;
};

/* Class of a block of n bytes (header included) and its size. */
static unsigned size_class(size_t n, size_t *size)
{
	unsigned k, q;
	size_t step;

	if (n <= 256) {
		*size = (n + 15) & ~(size_t)15;
		return (unsigned)(*size / 16) - 1;
	}
	k = 63 - (unsigned)__builtin_clzll((unsigned long long)(n - 1));
	step = (size_t)1 << (k - 2);
	q = (unsigned)((n - 1 - ((size_t)1 << k)) / step);
	*size = ((size_t)1 << k) + (q + 1) * step;
	return 16 + (k - 8) * 4 + q;
}

static size_t class_size(unsigned cls)
{
	unsigned k = 8 + (cls - 16) / 4, q = (cls - 16) % 4;

	if (cls < 16)
		return (size_t)(cls + 1) * 16;
	return ((size_t)1 << k) + (q + 1) * ((size_t)1 << (k - 2));
}

struct tmem *tmem_new(void)
{
	struct tmem *m = kzalloc(sizeof(*m));

	if (!m)
		return NULL;
	m->area = vm_area_create(TMEM_RESERVE, VM_DEMAND_ZERO);
	if (!m->area) {
		kfree(m);
		return NULL;
	}
	m->base = vm_area_base(m->area);
	m->refs = 1;
	mutex_init(&m->lock, "tmem");
	return m;
}

void tmem_get(struct tmem *m)
{
	__atomic_add_fetch(&m->refs, 1, __ATOMIC_RELAXED);
}

void tmem_put(struct tmem *m)
{
	if (!m || __atomic_sub_fetch(&m->refs, 1, __ATOMIC_ACQ_REL))
		return;
	vm_area_destroy(m->area);
	kfree(m);
}

/* Under m->lock: a block of class cls from its free list or the bump
 * pointer. */
static struct hdr *take(struct tmem *m, unsigned cls, size_t size)
{
	struct free_block *f = m->free[cls];

	if (f) {
		m->free[cls] = f->next;
		m->freed -= size;
		return &f->h;
	}
	if (size > vm_area_size(m->area) - m->top)
		return NULL;
	f = (struct free_block *)(m->base + m->top);
	m->top += size;
	return &f->h;
}

void *tmem_alloc(struct tmem *m, size_t n)
{
	struct hdr *h;
	size_t size;
	unsigned cls;

	if (!m)
		return kmalloc(n);
	if (n > TMEM_MAX_BLOCK - HDR)
		return NULL;
	cls = size_class(n + HDR, &size);
	mutex_lock(&m->lock);
	h = take(m, cls, size);
	if (h) {
		m->used += size;
		m->blocks++;
	}
	mutex_unlock(&m->lock);
	if (!h)
		return NULL;
	h->cls = (uint16_t)cls;
	h->magic = MAGIC;
	return (char *)h + HDR;
}

void *tmem_zalloc(struct tmem *m, size_t n)
{
	void *p = tmem_alloc(m, n);

	if (p)
		memset(p, 0, n);
	return p;
}

static struct hdr *hdr_of(struct tmem *m, void *p)
{
	struct hdr *h = (struct hdr *)((char *)p - HDR);

	BUG_ON((char *)h < m->base || (uint64_t)((char *)h - m->base) >= m->top ||
	       h->magic != MAGIC || h->cls >= TMEM_CLASSES);
	return h;
}

void tmem_free(struct tmem *m, void *p)
{
	struct free_block *f;
	size_t size;

	if (!m) {
		kfree(p);
		return;
	}
	if (!p)
		return;
	f = (struct free_block *)hdr_of(m, p);
	size = class_size(f->h.cls);
	mutex_lock(&m->lock);
	f->h.magic = 0;
	f->next = m->free[f->h.cls];
	m->free[f->h.cls] = f;
	m->used -= size;
	m->freed += size;
	m->blocks--;
	mutex_unlock(&m->lock);
}

void *tmem_realloc(struct tmem *m, void *p, size_t n)
{
	size_t have;
	void *q;

	if (!m)
		return krealloc(p, n);
	if (!p)
		return tmem_alloc(m, n);
	have = class_size(hdr_of(m, p)->cls) - HDR;
	if (n <= have)
		return p;
	q = tmem_alloc(m, n);
	if (!q)
		return NULL;
	memcpy(q, p, have);
	tmem_free(m, p);
	return q;
}

void tmem_reset(struct tmem *m)
{
	uint64_t len;

	if (!m)
		return;
	mutex_lock(&m->lock);
	len = (m->top + PAGE - 1) & ~(uint64_t)(PAGE - 1);
	/* -EBUSY while a snapshot shares the pages: they stay and are reused
	 * (and zeroed by nobody: tmem_zalloc clears what it hands out). */
	if (len)
		vm_unmap(m->area, 0, len);
	memset(m->free, 0, sizeof(m->free));
	m->top = m->used = m->freed = m->blocks = 0;
	mutex_unlock(&m->lock);
}

void tmem_stats(struct tmem *m, struct tmem_stats *st)
{
	memset(st, 0, sizeof(*st));
	if (!m)
		return;
	mutex_lock(&m->lock);
	st->reserved = vm_area_size(m->area);
	st->mapped = m->top;
	st->used = m->used;
	st->free = m->freed;
	st->blocks = m->blocks;
	mutex_unlock(&m->lock);
}

struct vm_area *tmem_area(const struct tmem *m)
{
	return m ? m->area : NULL;
}
