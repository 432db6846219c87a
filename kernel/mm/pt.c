/* SPDX-License-Identifier: MIT */
/* pt.c: x86_64 4-level page tables: map, unmap, protect, walk, visit.
 *
 * Design. Tables are physical frames reached at pa + ops->direct_map and
 * taken from ops->alloc_table, so this file runs unchanged on the kernel's
 * direct map and, in host tests, on a malloc'd arena. It executes no
 * privileged instruction: TLB invalidation is the caller's, guided by the
 * counts the functions return. Levels are numbered as in pte.h: 4 is the
 * PML4, 1 the table of 4 KiB pages; a level-l entry spans span(l) bytes.
 *
 * Invariants. An entry is 0 or present. An intermediate entry is P|W with
 * no other bit, so the leaf alone decides the protection until someone
 * deliberately clears W higher up. A table is freed only by an unmap or
 * pt_destroy whose range covers the table's whole span, or by pt_map when
 * a 2 MiB page takes the place of an empty page table; never merely
 * because it became empty.
 * pt_map and pt_install_leaf_cas first allocate every table they may need
 * into a private pool, so once they change the tree they cannot fail.
 *
 * Concurrency. Every entry changes by one atomic store, exchange or CAS,
 * and every read-modify-write is atomic because the MMU sets A and D
 * behind our back. A new table is zeroed before it is published by a CAS
 * with release order (walks load with acquire); the loser of such a race
 * returns its table to the pool and descends into the winner's. Hence:
 *  - operations on disjoint page ranges need no lock among themselves:
 *    they meet only in shared tables, which they extend by CAS, and a
 *    table is freed only by the one operation whose range covers it;
 *  - operations on overlapping ranges must be ordered by the caller (the
 *    vm area's lock), except pt_install_leaf_cas against itself (one CAS
 *    wins, the others return -EEXIST) and against pt_unmap: an unmap
 *    clears the entry that links a table it frees before it reads the
 *    table, and ops->unlinked waits out the installs that walked into it
 *    before. The table is then the unmap's alone, so no leaf is added
 *    behind its scan and freed with it unreported; later installs create
 *    a new table in the tree (clearing the leaves first and the link
 *    last lost every page that faulted back in behind the scan);
 *  - readers (pt_walk, pt_is_present, pt_visit) take no lock and see each
 *    entry before or after a change; they must not overlap an unmap that
 *    may free the tables they are in (see free_table in pt.h).
 * No lock is taken here, so there is no lock order. */
#include <stddef.h>
#include <unidb/errno.h>

#include "mm/pt.h"

/* A private stack of zeroed tables, linked through their first word. */
struct pool {
	paddr_t head;
};

static inline uint64_t span(int level)
{
	return 1UL << PT_SHIFT(level);
}

static inline uint64_t *table(const struct pt *pt, paddr_t pa)
{
	return (uint64_t *)(pa + pt->ops->direct_map);
}

static inline uint64_t load(const uint64_t *e)
{
	return __atomic_load_n(e, __ATOMIC_ACQUIRE);
}

static paddr_t table_alloc(struct pt *pt)
{
	paddr_t pa = pt->ops->alloc_table(pt->ops->ctx);
	if (pa)
		__atomic_fetch_add(&pt->tables_allocated, 1, __ATOMIC_RELAXED);
	return pa;
}

static void table_free(struct pt *pt, paddr_t pa)
{
	__atomic_fetch_add(&pt->tables_freed, 1, __ATOMIC_RELAXED);
	pt->ops->free_table(pt->ops->ctx, pa);
}

static void pool_put(struct pt *pt, struct pool *p, paddr_t pa)
{
	table(pt, pa)[0] = p->head;
	p->head = pa;
}

static paddr_t pool_take(struct pt *pt, struct pool *p)
{
	paddr_t pa = p->head;
	uint64_t *t = table(pt, pa);
	p->head = t[0];
	t[0] = 0;
	return pa;
}

static void pool_drain(struct pt *pt, struct pool *p)
{
	while (p->head)
		table_free(pt, pool_take(pt, p));
}

static int pool_fill(struct pt *pt, struct pool *p, uint64_t n)
{
	for (; n; n--) {
		paddr_t pa = table_alloc(pt);
		if (!pa) {
			pool_drain(pt, p);
			return -ENOMEM;
		}
		pool_put(pt, p, pa);
	}
	return 0;
}

/* W must be allowed at every level, NX at any level forbids (SDM 3A, 4.6);
 * up carries both down the walk. */
static inline uint64_t path_add(uint64_t up, uint64_t e)
{
	return (up & e & PTE_W) | ((up | e) & PTE_NX);
}

static uint64_t leaf_flags(uint64_t e, int level, uint64_t up)
{
	uint64_t f = e & (PTE_P | PT_PROT | (level > 1 ? PT_HUGE : 0));
	return (f & ~PTE_W) | path_add(up, e);
}

static bool is_leaf(uint64_t e, int level)
{
	return level == 1 || (e & PTE_PS);
}

/* Returns the entry mapping va at level stop, or the first entry above it
 * that is empty or a large page; *level and *val say which and what. */
static uint64_t *walk(const struct pt *pt, uint64_t va, int stop, int *level,
		      uint64_t *val, uint64_t *up)
{
	uint64_t *t = table(pt, pt->root_pa);
	for (int l = 4;; l--) {
		uint64_t *e = &t[PT_INDEX(va, l)];
		uint64_t v = load(e);
		if (l == stop || !v || is_leaf(v, l)) {
			*level = l;
			*val = v;
			return e;
		}
		if (up)
			*up = path_add(*up, v);
		t = table(pt, v & PTE_ADDR);
	}
}

/* Like walk() to level leaf, but creates missing tables from the pool.
 * Returns NULL if a large page is in the way. The pool must hold enough
 * tables: callers count them first, and under the concurrency rules tables
 * only appear meanwhile, never disappear. */
static uint64_t *walk_create(struct pt *pt, uint64_t va, int leaf,
			     struct pool *pool)
{
	uint64_t *t = table(pt, pt->root_pa);
	for (int l = 4; l > leaf; l--) {
		uint64_t *e = &t[PT_INDEX(va, l)];
		uint64_t v = load(e);
		if (!v) {
			uint64_t n = pool_take(pt, pool) | PTE_P | PTE_W;
			if (__atomic_compare_exchange_n(e, &v, n, false,
							__ATOMIC_RELEASE,
							__ATOMIC_ACQUIRE))
				v = n;
			else
				pool_put(pt, pool, n & PTE_ADDR);
		}
		if (v & PTE_PS)
			return NULL;
		t = table(pt, v & PTE_ADDR);
	}
	return &t[PT_INDEX(va, leaf)];
}

static bool table_empty(const struct pt *pt, paddr_t pa)
{
	const uint64_t *t = table(pt, pa);
	for (int i = 0; i < 512; i++)
		if (load(&t[i]))
			return false;
	return true;
}

static bool range_ok(uint64_t va, uint64_t size, uint64_t align)
{
	return size && !((va | size) & (align - 1)) && va < PT_VA_END &&
	       size <= PT_VA_END - va;
}

static bool leaf_ok(uint64_t va, paddr_t pa, uint64_t size, uint64_t flags)
{
	uint64_t align = span(flags & PT_HUGE ? 2 : 1);
	return range_ok(va, size, align) && !(pa & (align - 1)) &&
	       pa < PT_PA_END && size <= PT_PA_END - pa &&
	       !(flags & ~(PTE_P | PT_PROT | PT_HUGE));
}

/* Whether a large page covers va without starting there, so that a range
 * that begins or ends at va would cut it. */
static bool cuts_large(const struct pt *pt, uint64_t va)
{
	int l;
	uint64_t v;
	if (va >= PT_VA_END)
		return false;
	walk(pt, va, 1, &l, &v, NULL);
	return v && l > 1 && (va & (span(l) - 1));
}

/* Checks that [va, end) is free for leaves of level leaf (for a 2 MiB leaf
 * an empty page table counts as free) and counts the tables mapping it
 * needs: below an empty level-l entry, every level-k table (leaf <= k < l)
 * whose span, span(k + 1), meets the range. */
static int map_check(const struct pt *pt, uint64_t va, uint64_t end, int leaf,
		     uint64_t *need)
{
	*need = 0;
	while (va < end) {
		int l;
		uint64_t v;
		walk(pt, va, leaf, &l, &v, NULL);
		if (v && !(l == 2 && leaf == 2 && !(v & PTE_PS) &&
			   table_empty(pt, v & PTE_ADDR)))
			return -EEXIST;
		uint64_t next = (va & ~(span(l) - 1)) + span(l);
		if (next > end)
			next = end;
		for (int k = leaf; k < l; k++) {
			uint64_t s = span(k + 1);
			*need += ((next + s - 1) / s) - va / s;
		}
		va = next;
	}
	return 0;
}

int pt_init(struct pt *pt, const struct pt_ops *ops, paddr_t root_pa)
{
	pt->ops = ops;
	pt->tables_allocated = pt->tables_freed = 0;
	pt->own_root = !root_pa;
	if (!root_pa && !(root_pa = table_alloc(pt)))
		return -ENOMEM;
	pt->root_pa = root_pa;
	return 0;
}

int pt_map(struct pt *pt, uint64_t va, paddr_t pa, uint64_t size,
	   uint64_t flags)
{
	int leaf = flags & PT_HUGE ? 2 : 1;
	uint64_t need, end = va + size, bits = flags | PTE_P;
	struct pool pool = {0};

	if (!leaf_ok(va, pa, size, flags))
		return -EINVAL;
	int err = map_check(pt, va, end, leaf, &need);
	if (!err)
		err = pool_fill(pt, &pool, need);
	if (err)
		return err;
	for (; va < end; va += span(leaf), pa += span(leaf)) {
		uint64_t *e = walk_create(pt, va, leaf, &pool);
		uint64_t old =
		    __atomic_exchange_n(e, pa | bits, __ATOMIC_RELEASE);
		if (old) /* the empty table map_check allowed */
			table_free(pt, old & PTE_ADDR);
	}
	pool_drain(pt, &pool);
	return 0;
}

int pt_install_leaf_cas(struct pt *pt, uint64_t va, paddr_t pa, uint64_t flags)
{
	int l, leaf = flags & PT_HUGE ? 2 : 1;
	uint64_t v;

	if (!leaf_ok(va, pa, span(leaf), flags))
		return -EINVAL;
	uint64_t *e = walk(pt, va, leaf, &l, &v, NULL);
	if (v)
		return -EEXIST;
	if (l > leaf) { /* slow path: tables are missing */
		struct pool pool = {0};
		if (pool_fill(pt, &pool, l - leaf))
			return -ENOMEM;
		e = walk_create(pt, va, leaf, &pool);
		pool_drain(pt, &pool);
		if (!e)
			return -EEXIST;
	}
	/* Release: whatever the caller wrote to the frame is visible first. */
	return __atomic_compare_exchange_n(e, &v, pa | flags | PTE_P, false,
					   __ATOMIC_RELEASE, __ATOMIC_RELAXED)
		   ? 0
		   : -EEXIST;
}

/* Clears the entry e that links a table the unmap will empty and free.
 * A table in a subtree already unlinked (private) is nobody else's: no
 * wait. */
static void unlink_table(struct pt *pt, uint64_t *e, bool private)
{
	/* Either a writer's walk, after the fence that opens its section
	 * (vm_fault), sees 0 here, or ops->unlinked sees the section. */
	__atomic_store_n(e, 0, __ATOMIC_SEQ_CST);
	if (!private && pt->ops->unlinked)
		pt->ops->unlinked(pt->ops->ctx);
}

/* Clears [va, end) in the level-level table t, reporting leaves to fn,
 * and frees the tables below whose whole span lies in the range, each
 * unlinked before it is read. private: no writer can reach t (it is
 * unlinked already, or pt_destroy runs alone).
 * Callers made sure that no large page is cut. Returns the leaves
 * removed. */
static long unmap_table(struct pt *pt, uint64_t *t, int level, uint64_t va,
			uint64_t end, uint64_t up, bool private, pt_leaf_fn *fn,
			void *arg)
{
	long n = 0;
	for (uint64_t next; va < end; va = next) {
		uint64_t base = va & ~(span(level) - 1);
		next = base + span(level) < end ? base + span(level) : end;
		uint64_t *e = &t[PT_INDEX(va, level)];
		uint64_t v = load(e);
		if (!v)
			continue;
		if (is_leaf(v, level)) {
			/* Exchange, to report the last A/D the MMU set. */
			v = __atomic_exchange_n(e, 0, __ATOMIC_RELAXED);
			if (fn)
				fn(arg, base, pt_leaf_pa(v, level),
				   leaf_flags(v, level, up), level);
			n++;
			continue;
		}
		bool whole = va == base && next == base + span(level);
		if (whole)
			unlink_table(pt, e, private);
		n += unmap_table(pt, table(pt, v & PTE_ADDR), level - 1, va,
				 next, path_add(up, v), private || whole, fn,
				 arg);
		if (whole)
			table_free(pt, v & PTE_ADDR);
	}
	return n;
}

long pt_unmap(struct pt *pt, uint64_t va, uint64_t size, pt_leaf_fn *fn,
	      void *arg)
{
	if (!range_ok(va, size, PT_PAGE) || cuts_large(pt, va) ||
	    cuts_large(pt, va + size))
		return -EINVAL;
	return unmap_table(pt, table(pt, pt->root_pa), 4, va, va + size, PTE_W,
			   false, fn, arg);
}

void pt_destroy(struct pt *pt, pt_leaf_fn *fn, void *arg)
{
	unmap_table(pt, table(pt, pt->root_pa), 4, 0, PT_VA_END, PTE_W, true,
		    fn, arg);
	if (pt->own_root)
		table_free(pt, pt->root_pa);
	pt->root_pa = 0;
}

/* CAS loop: the MMU may set A or D between our load and our store. */
static bool update_leaf(uint64_t *e, uint64_t v, uint64_t set, uint64_t clear)
{
	uint64_t w;
	do {
		w = (v & ~clear) | set;
		if (w == v)
			return false;
	} while (!__atomic_compare_exchange_n(e, &v, w, false, __ATOMIC_RELAXED,
					      __ATOMIC_RELAXED));
	return true;
}

long pt_protect(struct pt *pt, uint64_t va, uint64_t size, uint64_t set,
		uint64_t clear)
{
	long n = 0;

	if (!range_ok(va, size, PT_PAGE) || ((set | clear) & ~PT_PROT) ||
	    cuts_large(pt, va) || cuts_large(pt, va + size))
		return -EINVAL;
	for (uint64_t end = va + size; va < end;) {
		int l;
		uint64_t v, *e = walk(pt, va, 1, &l, &v, NULL);
		if (v)
			n += update_leaf(e, v, set, clear);
		va = (va & ~(span(l) - 1)) + span(l);
	}
	return n;
}

int pt_walk(const struct pt *pt, uint64_t va, paddr_t *pa, uint64_t *flags,
	    int *level)
{
	int l;
	uint64_t v, up = PTE_W;

	if (va >= PT_VA_END)
		return -EINVAL;
	walk(pt, va, 1, &l, &v, &up);
	if (!v)
		return -ENOENT;
	if (pa)
		*pa = pt_leaf_pa(v, l) | (va & (span(l) - 1));
	if (flags)
		*flags = leaf_flags(v, l, up);
	if (level)
		*level = l;
	return 0;
}

/* The hot one (vm_is_present): direct_map is read once, not after every
 * acquire load. */
bool pt_is_present(const struct pt *pt, uint64_t va)
{
	uintptr_t dm = pt->ops->direct_map;
	const uint64_t *t = (const uint64_t *)(pt->root_pa + dm);

	if (va >= PT_VA_END)
		return false;
	for (int l = 4;; l--) {
		uint64_t v = load(&t[PT_INDEX(va, l)]);
		if (!v || is_leaf(v, l))
			return v;
		t = (const uint64_t *)((v & PTE_ADDR) + dm);
	}
}

int pt_visit(const struct pt *pt, uint64_t va, uint64_t size, pt_visit_fn *fn,
	     void *arg)
{
	if (!range_ok(va, size, PT_PAGE))
		return -EINVAL;
	for (uint64_t end = va + size; va < end;) {
		int l;
		uint64_t v, up = PTE_W;
		walk(pt, va, 1, &l, &v, &up);
		uint64_t base = va & ~(span(l) - 1);
		if (v) {
			int r = fn(arg, base, pt_leaf_pa(v, l),
				   leaf_flags(v, l, up), l);
			if (r)
				return r;
		}
		va = base + span(l);
	}
	return 0;
}

uint64_t *pt_entry(struct pt *pt, uint64_t va, int level, bool create)
{
	int l;
	uint64_t v;

	if (level < 1 || level > 3 || va >= PT_VA_END)
		return NULL;
	uint64_t *e = walk(pt, va, level, &l, &v, NULL);
	if (l == level)
		return e;
	if (!create || v) /* a large page is in the way */
		return NULL;
	struct pool pool = {0};
	if (pool_fill(pt, &pool, l - level))
		return NULL;
	e = walk_create(pt, va, level, &pool);
	pool_drain(pt, &pool);
	return e;
}

uint64_t *pt_table(const struct pt *pt, uint64_t entry)
{
	return table(pt, entry & PTE_ADDR);
}
