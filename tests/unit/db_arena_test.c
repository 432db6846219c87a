/* SPDX-License-Identifier: MIT */
/* db_arena_test.c: the statement arena (db/common.c): the heap tier for
 * small statements, the region tier (a vm area) beyond it, growth in
 * place, release of moved blocks, the budget, and everything returned by
 * arena_free. Runs under ASan, which also checks the region's redzones. */
#include <stdint.h>
#include <unidb/vm.h>

#include "../../db/common.h"
#include "unit.h"

static uint64_t areas(void)
{
	struct vm_stats st;

	vm_stats(&st);
	return st.areas;
}

UNIT_TEST(arena_small_statement_stays_on_the_heap)
{
	struct arena a;
	int i;

	arena_init(&a, ARENA_DEFAULT_BUDGET);
	for (i = 0; i < 1000; i++) {
		char *p = arena_alloc(&a, 100);

		CHECK(p && ((uintptr_t)p & 15) == 0 && p[99] == 0);
		if (p)
			p[99] = 1;
	}
	CHECK(a.region == NULL);
	CHECK(a.used <= ARENA_HEAP_MAX);
	arena_free(&a);
	CHECK_EQ(a.used, 0);
}

UNIT_TEST(arena_big_blocks_beyond_kmalloc)
{
	uint64_t before = areas();
	struct arena a;
	unsigned char *p;
	size_t i, n = (size_t)5 << 20; /* more than KMALLOC_MAX */

	arena_init(&a, ARENA_DEFAULT_BUDGET);
	p = arena_alloc(&a, n);
	CHECK(p != NULL && a.region != NULL);
	if (!p)
		return;
	CHECK_EQ(areas(), before + 1);
	for (i = 0; i < n; i += 4096)
		CHECK(p[i] == 0);
	memset(p, 0xab, n);
	/* after the heap tier is full, small blocks come from the region */
	for (i = 0; i < 20000; i++)
		CHECK(arena_alloc(&a, 100) != NULL);
	CHECK(a.heap <= ARENA_HEAP_MAX);
	arena_free(&a);
	CHECK_EQ(areas(), before);
	CHECK(a.region == NULL && a.used == 0);
}

UNIT_TEST(arena_realloc_grows_in_place_and_releases_moved_blocks)
{
	struct arena a;
	uint64_t *v = NULL, *first = NULL;
	size_t n, cap = 0, moves = 0;
	char *other;

	arena_init(&a, ARENA_DEFAULT_BUDGET);
	for (n = 0; n < 2000000; n++) {
		if (n == cap) {
			size_t ncap = cap ? cap * 2 : 64;
			uint64_t *nv = arena_realloc(&a, v, cap * sizeof(*v),
						     ncap * sizeof(*v));

			if (!nv) {
				CHECK(nv != NULL);
				return;
			}
			if (v && nv != v)
				moves++;
			if (ncap * sizeof(*v) >= ARENA_BIG && !first)
				first = nv;
			v = nv;
			cap = ncap;
		}
		v[n] = n * 3;
	}
	for (n = 0; n < 2000000; n += 999)
		CHECK_EQ(v[n], n * 3);
	/* once in the region, the array never moved again */
	CHECK(first == v);
	/* about the final size (16 MiB), not the sum of all copies */
	CHECK(a.used < ((size_t)17 << 20) + ARENA_HEAP_MAX);
	/* a block in the way: the next growth moves, and the old pages go */
	other = arena_alloc(&a, 100000);
	CHECK(other != NULL);
	n = a.used;
	v = arena_realloc(&a, v, cap * sizeof(*v), 2 * cap * sizeof(*v));
	CHECK(v != NULL && v != first);
	CHECK(v && v[1999998] == 1999998 * 3 && v[2 * cap - 1] == 0);
	CHECK(a.used < n + cap * sizeof(*v) + 8192);
	/* shrinking or equal sizes keep the block */
	CHECK(arena_realloc(&a, v, 100, 50) == v);
	arena_free(&a);
}

UNIT_TEST(arena_budget_is_a_clean_failure)
{
	uint64_t before = areas();
	struct arena a;
	void *p;
	int i;

	arena_init(&a, (size_t)4 << 20);
	CHECK(arena_alloc(&a, (size_t)3 << 20) != NULL);
	CHECK(!a.over);
	CHECK(arena_alloc(&a, (size_t)2 << 20) == NULL);
	CHECK(a.over);
	/* growth of the newest block over the budget fails, p stays valid */
	p = arena_alloc(&a, (size_t)128 << 10);
	CHECK(p != NULL);
	CHECK(arena_realloc(&a, p, (size_t)128 << 10, (size_t)2 << 20) == NULL);
	memset(p, 1, (size_t)128 << 10);
	for (i = 0; i < 100000 && arena_alloc(&a, 64); i++)
		;
	CHECK(a.used <= a.budget);
	arena_free(&a);
	CHECK(!a.over && a.used == 0 && a.budget == ((size_t)4 << 20));
	CHECK_EQ(areas(), before);
	/* the arena is usable again after arena_free */
	CHECK(arena_alloc(&a, (size_t)3 << 20) != NULL);
	arena_free(&a);
	/* unlimited */
	arena_init(&a, 0);
	CHECK(arena_alloc(&a, (size_t)40 << 20) != NULL);
	arena_free(&a);
	CHECK_EQ(areas(), before);
}

UNIT_MAIN()
