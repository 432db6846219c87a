/* SPDX-License-Identifier: MIT */
/* stack.c: thread memory slots with guard pages, cached for reuse.
 *
 * Slots are carved from KSTACK_BASE.. by bumping a pointer, mapped page
 * by page, and never unmapped: an ended thread's slot goes to the cache of
 * the core that freed it (default-size stacks, up to CACHE_MAX) or to a
 * shared pool, and the next thread_create() takes it from there without
 * touching the page tables. Never unmapping means never needing a TLB
 * shootdown; the cost is that the memory of stacks stays with the
 * scheduler at its high-water mark. The per-core caches are touched with
 * interrupts disabled only; pool_lock protects the pool. */
#include <unidb/thread.h>

#include "arch/x86_64/layout.h"
#include "arch/x86_64/paging.h"
#include "arch/x86_64/pte.h"
#include "arch/x86_64/x86.h"
#include "mm/frame.h"
#include "sched/sched.h"

#define CACHE_MAX 64
#define GUARD 4096
#define PAGES_MAX ((THREAD_STACK_MAX + STACK_META_SIZE) / 4096)

struct stack_cache {
	struct stack *head;
	unsigned n;
};

static struct stack_cache caches[MAX_CPUS];
static struct spinlock pool_lock = SPINLOCK_INIT;
static struct stack *pool;
static uint64_t slot_next = KSTACK_BASE;

static struct stack *stack_map(size_t size)
{
	uint64_t span = GUARD + size + STACK_META_SIZE;
	size_t pages = (size + STACK_META_SIZE) / 4096;
	paddr_t pa[PAGES_MAX];

	for (size_t i = 0; i < pages; i++) {
		pa[i] = frame_alloc(0);
		if (!pa[i]) {
			while (i--)
				frame_free(pa[i], 0);
			return NULL;
		}
	}
	uint64_t base = __atomic_fetch_add(&slot_next, span, __ATOMIC_RELAXED);
	if (base + span > KSTACK_BASE + KSTACK_SIZE_ALL) {
		for (size_t i = 0; i < pages; i++)
			frame_free(pa[i], 0);
		return NULL;
	}
	for (size_t i = 0; i < pages; i++)
		kmap_4k(base + GUARD + i * 4096, pa[i], PTE_W | PTE_NX);

	uint64_t meta = base + GUARD + size;
	struct stack *s =
	    (struct stack *)(meta + STACK_META_SIZE - sizeof(struct stack));
	s->lo = base + GUARD;
	s->size = size;
	s->meta = (void *)meta;
	return s;
}

struct stack *stack_get(size_t size)
{
	struct stack *s = NULL, **pp;

	if (size == THREAD_STACK_DEFAULT) {
		uint64_t f = irq_save();
		struct stack_cache *c = &caches[cpu_id()];
		if ((s = c->head)) {
			c->head = s->next;
			c->n--;
		}
		irq_restore(f);
		if (s)
			return s;
	}
	uint64_t f = irq_save();
	spin_lock(&pool_lock);
	for (pp = &pool; *pp; pp = &(*pp)->next)
		if ((*pp)->size == size) {
			s = *pp;
			*pp = s->next;
			break;
		}
	spin_unlock(&pool_lock);
	irq_restore(f);
	return s ? s : stack_map(size);
}

void stack_put(struct stack *s)
{
	uint64_t f = irq_save();
	struct stack_cache *c = &caches[cpu_id()];

	if (s->size == THREAD_STACK_DEFAULT && c->n < CACHE_MAX) {
		s->next = c->head;
		c->head = s;
		c->n++;
	} else {
		spin_lock(&pool_lock);
		s->next = pool;
		pool = s;
		spin_unlock(&pool_lock);
	}
	irq_restore(f);
}
