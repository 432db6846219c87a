/* SPDX-License-Identifier: MIT */
/* heap.c: kmalloc and friends: size-class slabs behind per-core caches.
 *
 * Requests up to 2048 bytes are rounded up to one of 24 size classes
 * (16..128 in steps of 16, then four steps per power of two). A class's
 * objects are carved from slabs: naturally aligned runs of 1, 2, 4 or 8
 * frames (at least 8 objects each) with the header, struct slab, in the
 * last bytes. Objects start at the slab's first byte, so power-of-two
 * sizes are naturally aligned and all are 16-byte aligned. Every frame of
 * a slab carries the frame tag 1 + class, so kfree finds the class, the
 * slab and its header from the pointer alone. Larger requests take
 * 2^order whole frames (up to 2 MiB); the first is tagged TAG_LARGE|order.
 * The tags are how kfree tells heap pointers from others: a frame that is
 * not the heap's has tag 0.
 *
 * Each core keeps, per class, a stack of free objects (struct cache).
 * kmalloc and kfree touch only that, with preemption disabled: no lock and
 * no atomic on the common path. An empty stack is refilled with a batch
 * from the class's depot; a full one gives its oldest batch back. The depot
 * is the class's slabs (a free list inside each slab, the in-use count in
 * the header) under the class's spinlock. A slab whose objects have all
 * come back is kept (up to EMPTY_KEEP per class) or returned to the frame
 * allocator. An object freed on another core goes to that core's stack and
 * reaches its own slab through the depot like any other.
 *
 * Free objects (in a stack or a slab) hold FREE_MAGIC ^ their address in
 * their second word (the first links the slab's free list); kfree of an
 * object that carries it is a double free. kmalloc clears it.
 *
 * Locks: one depot lock per class, never two at once. The frame allocator
 * beneath takes none. The depot locks are not irq-safe, hence no heap
 * calls from interrupt handlers. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <unidb/cpu.h>
#include <unidb/heap.h>
#include <unidb/panic.h>
#include <unidb/spinlock.h>

#include "mm/frame.h"

#define NCLASSES 24
#define MAX_SMALL 2048
#define CACHE_MAX 32 /* per core and class; twice the largest batch */
#define EMPTY_KEEP 2 /* empty slabs a depot keeps for the next refill */
#define TAG_LARGE 0x80
#define FREE_MAGIC 0x9e3779b97f4a7c15ULL

static const uint16_t class_size[NCLASSES] = {
    16,	 32,  48,  64,	80,  96,  112, 128,  160,  192,	 224,  256,
    320, 384, 448, 512, 640, 768, 896, 1024, 1280, 1536, 1792, 2048};

/* Frames per slab as an order: the least giving at least 8 objects. */
static const uint8_t slab_order[NCLASSES] = {
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3};

struct slab {
	struct slab *next, *prev; /* on the depot's partial or empty list */
	void *free;		  /* free objects, linked by their first word */
	uint16_t inuse;		  /* objects out of the slab (users, caches) */
	uint16_t nobj;
};

struct depot {
	struct spinlock lock; /* protects the lists and their slabs' headers */
	struct slab *partial; /* some objects free */
	struct slab *empty;   /* all objects free */
	unsigned nempty;
} __attribute__((aligned(64)));

struct cache {
	uint32_t n;
	void *obj[CACHE_MAX];
};

/* Per core, touched only by its core with preemption disabled. */
struct heap_cpu {
	struct cache c[NCLASSES];
};
#define HEAP_CPU_ORDER 1
_Static_assert(sizeof(struct heap_cpu) <= FRAME_SIZE << HEAP_CPU_ORDER,
	       "struct heap_cpu outgrew its frames");

static struct depot depots[NCLASSES];
static struct heap_cpu *heap_cpus[MAX_CPUS];

static unsigned size_class(size_t size)
{
	if (size <= 128)
		return size ? (size - 1) / 16 : 0;
	unsigned k = 63 - __builtin_clzll(size - 1); /* 2^k < size <= 2^k+1 */
	return 8 + (k - 7) * 4 + ((size - 1 - (1UL << k)) >> (k - 2));
}

static size_t slab_bytes(unsigned c)
{
	return FRAME_SIZE << slab_order[c];
}

static unsigned batch(unsigned c)
{
	return class_size[c] <= 256 ? 16 : class_size[c] <= 1024 ? 8 : 4;
}

static unsigned large_order(size_t size)
{
	unsigned order = 0;

	while ((FRAME_SIZE << order) < size)
		order++;
	return order;
}

static void set_free_mark(void *p)
{
	((uint64_t *)p)[1] = FREE_MAGIC ^ (uintptr_t)p;
}

static bool has_free_mark(const void *p)
{
	return ((const uint64_t *)p)[1] == (FREE_MAGIC ^ (uintptr_t)p);
}

/* ---- the depot (class lock held) ------------------------------------- */

static struct slab **list_of(struct depot *d, const struct slab *s)
{
	if (s->inuse == 0)
		return &d->empty;
	return s->inuse < s->nobj ? &d->partial : NULL;
}

static void unlink_slab(struct depot *d, struct slab *s, struct slab **list)
{
	if (!list)
		return;
	if (s->prev)
		s->prev->next = s->next;
	else
		*list = s->next;
	if (s->next)
		s->next->prev = s->prev;
	if (list == &d->empty)
		d->nempty--;
}

static void link_slab(struct depot *d, struct slab *s)
{
	struct slab **list = list_of(d, s);

	if (!list)
		return;
	s->prev = NULL;
	s->next = *list;
	if (*list)
		(*list)->prev = s;
	*list = s;
	if (list == &d->empty)
		d->nempty++;
}

static char *slab_base(const struct slab *s, unsigned c)
{
	return (char *)(s + 1) - slab_bytes(c);
}

/* The header of the slab that holds object p of class c. */
static struct slab *slab_of(const void *p, unsigned c)
{
	paddr_t pa = virt_to_phys(p);
	size_t bytes = slab_bytes(c);
	char *base = (char *)p - (pa & (bytes - 1));

	return (struct slab *)(base + bytes) - 1;
}

static struct slab *slab_new(struct depot *d, unsigned c)
{
	paddr_t pa = frame_alloc(slab_order[c]);
	size_t size = class_size[c];

	if (!pa)
		return NULL;
	frame_set_tag(pa, slab_order[c], 1 + c);
	char *base = phys_to_virt(pa);
	struct slab *s = (struct slab *)(base + slab_bytes(c)) - 1;
	s->nobj = ((char *)s - base) / size;
	s->inuse = 0;
	s->free = NULL;
	for (unsigned i = s->nobj; i-- > 0;) {
		void *o = base + i * size;
		*(void **)o = s->free;
		set_free_mark(o);
		s->free = o;
	}
	link_slab(d, s);
	return s;
}

static void slab_release(struct depot *d, struct slab *s, unsigned c)
{
	paddr_t pa = virt_to_phys(slab_base(s, c));

	unlink_slab(d, s, &d->empty);
	frame_set_tag(pa, slab_order[c], 0);
	frame_free(pa, slab_order[c]);
}

static void *slab_pop(struct slab *s, unsigned c)
{
	char *o = s->free, *base = slab_base(s, c);
	size_t off = o - base;

	if (off >= (size_t)s->nobj * class_size[c] || off % class_size[c] ||
	    !has_free_mark(o))
		panic("heap: free list of a %u-byte slab at %p corrupted "
		      "(write after free?)",
		      class_size[c], (void *)base);
	s->free = *(void **)o;
	s->inuse++;
	return o;
}

/* Moves up to want objects of class c into k. */
static bool refill(struct cache *k, unsigned c, unsigned want)
{
	struct depot *d = &depots[c];

	spin_lock(&d->lock);
	while (k->n < want) {
		struct slab *s = d->partial ? d->partial : d->empty;
		if (!s && !(s = slab_new(d, c)))
			break;
		unlink_slab(d, s, list_of(d, s));
		while (k->n < want && s->free)
			k->obj[k->n++] = slab_pop(s, c);
		link_slab(d, s);
	}
	spin_unlock(&d->lock);
	return k->n > 0;
}

/* Returns n objects of class c to their slabs. */
static void depot_put(unsigned c, void *const *objs, unsigned n)
{
	struct depot *d = &depots[c];

	spin_lock(&d->lock);
	for (unsigned i = 0; i < n; i++) {
		struct slab *s = slab_of(objs[i], c);
		unlink_slab(d, s, list_of(d, s));
		*(void **)objs[i] = s->free;
		s->free = objs[i];
		s->inuse--;
		link_slab(d, s);
		if (s->inuse == 0 && d->nempty > EMPTY_KEEP)
			slab_release(d, s, c);
	}
	spin_unlock(&d->lock);
}

/* ---- per-core caches ----------------------------------------------------- */

/* The calling core's cache for class c (preemption disabled), created on
 * first use; NULL if there is no memory for it. */
static struct cache *cache_of(unsigned c)
{
	struct heap_cpu **pc = &heap_cpus[cpu_id()];

	if (!*pc) {
		paddr_t pa = frame_alloc_zeroed(HEAP_CPU_ORDER);
		if (!pa)
			return NULL;
		*pc = phys_to_virt(pa);
	}
	return &(*pc)->c[c];
}

/* ---- the API ------------------------------------------------------------- */

/* Class (0..NCLASSES-1) or TAG_LARGE|order of a block, after checking that
 * p is the start of one. */
static unsigned block_of(const void *p)
{
	paddr_t pa = virt_to_phys(p);
	unsigned tag = frame_tag(pa);

	if (tag & TAG_LARGE) {
		if (pa & (FRAME_SIZE - 1))
			goto bad;
		return tag;
	}
	if (tag == 0 || tag > NCLASSES)
		goto bad;
	unsigned c = tag - 1;
	size_t off = pa & (slab_bytes(c) - 1);
	if (off % class_size[c] ||
	    off + class_size[c] > slab_bytes(c) - sizeof(struct slab))
		goto bad;
	return c;
bad:
	panic("heap: %p is not a block from kmalloc (or was freed)", p);
}

/* What block kmalloc(size) returns, in block_of()'s terms
 * (size <= KMALLOC_MAX). */
static unsigned kind_of(size_t size)
{
	return size <= MAX_SMALL ? size_class(size)
				 : TAG_LARGE | large_order(size);
}

static void *large_alloc(size_t size)
{
	if (size > KMALLOC_MAX)
		return NULL;
	unsigned order = large_order(size);
	paddr_t pa = frame_alloc(order);
	if (!pa)
		return NULL;
	frame_set_tag(pa, 0, TAG_LARGE | order);
	return phys_to_virt(pa);
}

void *kmalloc(size_t size)
{
	if (size > MAX_SMALL)
		return large_alloc(size);

	unsigned c = size_class(size);
	void *p = NULL;
	preempt_disable();
	struct cache *k = cache_of(c);
	if (k && (k->n || refill(k, c, batch(c))))
		p = k->obj[--k->n];
	preempt_enable();
	if (p)
		((uint64_t *)p)[1] = 0; /* drop the free mark */
	return p;
}

void *kzalloc(size_t size)
{
	void *p = kmalloc(size);

	if (p)
		memset(p, 0, size);
	return p;
}

void *kcalloc(size_t n, size_t size)
{
	size_t bytes;

	if (__builtin_mul_overflow(n, size, &bytes))
		return NULL;
	return kzalloc(bytes);
}

void kfree(void *p)
{
	if (!p)
		return;
	unsigned b = block_of(p);
	if (b & TAG_LARGE) {
		paddr_t pa = virt_to_phys(p);
		frame_set_tag(pa, 0, 0);
		frame_free(pa, b & ~TAG_LARGE);
		return;
	}
	if (has_free_mark(p))
		panic("kfree: double free of %p (%u-byte block)", p,
		      class_size[b]);
	set_free_mark(p);

	preempt_disable();
	struct cache *k = cache_of(b);
	if (!k) {
		depot_put(b, &p, 1);
	} else {
		unsigned cap = 2 * batch(b);
		if (k->n == cap) { /* the oldest batch goes back */
			unsigned m = batch(b);
			depot_put(b, k->obj, m);
			memmove(k->obj, k->obj + m, (cap - m) * sizeof(void *));
			k->n -= m;
		}
		k->obj[k->n++] = p;
	}
	preempt_enable();
}

size_t ksize(const void *p)
{
	if (!p)
		return 0;
	unsigned b = block_of(p);
	if (b & TAG_LARGE)
		return FRAME_SIZE << (b & ~TAG_LARGE);
	return class_size[b];
}

void *krealloc(void *p, size_t size)
{
	if (!p)
		return kmalloc(size);
	if (size == 0) {
		kfree(p);
		return NULL;
	}
	size_t old = ksize(p);
	if (size <= KMALLOC_MAX && kind_of(size) == block_of(p))
		return p; /* same class or same number of frames */
	void *q = kmalloc(size);
	if (!q)
		return NULL;
	memcpy(q, p, size < old ? size : old);
	kfree(p);
	return q;
}

void heap_flush(void)
{
	preempt_disable();
	struct heap_cpu *pc = heap_cpus[cpu_id()];
	for (unsigned c = 0; pc && c < NCLASSES; c++) {
		depot_put(c, pc->c[c].obj, pc->c[c].n);
		pc->c[c].n = 0;
	}
	preempt_enable();

	for (unsigned c = 0; c < NCLASSES; c++) {
		struct depot *d = &depots[c];
		spin_lock(&d->lock);
		while (d->empty)
			slab_release(d, d->empty, c);
		spin_unlock(&d->lock);
	}
}

void heap_init(void)
{
	for (unsigned c = 0; c < NCLASSES; c++)
		depots[c] = (struct depot){.lock = SPINLOCK_INIT};
	for (unsigned i = 0; i < MAX_CPUS; i++)
		heap_cpus[i] = NULL;
}
