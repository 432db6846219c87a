/* SPDX-License-Identifier: MIT */
/* mem_test.c: in-guest tests of a statement's memory (common.h arenas,
 * mem.c): results beyond one kmalloc block, the budget's 53200, and the
 * memory in use back at its baseline after each statement. */
#include <string.h>
#include <unidb/heap.h>
#include <unidb/printk.h>
#include <unidb/test.h>
#include <unidb/vm.h>

#include "internal.h"

/* mem_used_kib() with the heap's per-core caches drained, so that only
 * memory really held counts. */
static uint64_t used_kib(void)
{
	heap_flush();
	return mem_used_kib();
}

TEST(db_arena_region_beyond_kmalloc)
{
	struct arena a;
	uint64_t *v = NULL, base = used_kib();
	size_t n, cap = 0;
	struct vm_stats st0, st1;

	arena_init(&a, (size_t)64 << 20);
	vm_stats(&st0);
	/* 1M pointers: 8 MiB, four times what one kmalloc can hold. */
	for (n = 0; n < 1000000; n++) {
		if (n == cap) {
			size_t ncap = cap ? cap * 2 : 64;

			v = arena_realloc(&a, v, cap * sizeof(*v),
					  ncap * sizeof(*v));
			if (!EXPECT(v))
				break;
			cap = ncap;
		}
		v[n] = n;
	}
	EXPECT(v && v[999999] == 999999);
	/* doubling in place: about the final size, not twice it */
	EXPECT(a.used < ((size_t)10 << 20));
	EXPECT(!arena_alloc(&a, (size_t)60 << 20) && a.over);
	arena_free(&a);
	vm_stats(&st1);
	EXPECT_EQ(st1.areas, st0.areas);
	EXPECT(used_kib() <= base + 2048);
}

TEST(db_statement_memory_returns_to_baseline)
{
	static const char *const queries[][2] = {
	    {"select count(*), sum(g) from (select g from generate_series(1,"
	     " 200000) g order by g desc) s",
	     "200000|20000100000\n"},
	    {"select count(*), sum(c) from (select g % 100000 as k, count(*)"
	     " as c from generate_series(1, 200000) g group by g % 100000) s",
	     "100000|200000\n"},
	};
	struct db *db = kzalloc(sizeof(*db));
	struct setting *set = kcalloc(SETTING_MAX, sizeof(*set));
	struct db_error err;
	int nset = 0;
	struct exec_ctx x = {.db = db, .err = &err, .settings = set,
			     .nsettings = &nset, .user = "u", .database = "d"};
	struct strbuf out = STRBUF_INIT;
	uint64_t base;
	unsigned i;

	ASSERT(db && set);
	db_init(db);
	settings_init(set, &nset, NULL);
	exec_sql_text(&x, "select 1", ARENA_DEFAULT_BUDGET, &out);
	base = used_kib();
	for (i = 0; i < sizeof(queries) / sizeof(queries[0]); i++) {
		EXPECT_EQ(exec_sql_text(&x, queries[i][0], ARENA_DEFAULT_BUDGET,
					&out), 0);
		if (!EXPECT(out.p && !strcmp(out.p, queries[i][1])))
			printk("  query %u: %s\n", i, out.p ? out.p : "-");
		/* the statement's region and chunks are gone: within 2 MiB
		 * of the baseline (the per-core pools keep up to 1 MiB) */
		if (!EXPECT(used_kib() <= base + 2048))
			printk("  query %u: %llu KiB in use, baseline %llu\n", i,
			       (unsigned long long)used_kib(),
			       (unsigned long long)base);
	}
	/* over its budget: 53200, and the memory comes back as well */
	EXPECT(exec_sql_text(&x, queries[1][0], (size_t)4 << 20, &out) < 0);
	EXPECT(out.p && !strcmp(out.p, "53200"));
	EXPECT(used_kib() <= base + 2048);
	sb_free(&out);
	db_destroy(db);
	kfree(set);
	kfree(db);
}
