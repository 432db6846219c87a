/* SPDX-License-Identifier: MIT */
/* db_store_test.c: host tests of db/storage's table memory (tmem: size
 * classes, reuse, statistics, against a model) and of snapshot reads
 * (db_snapshot_*) over the host's vm areas (tests/unit/db_host.c). */
#include <unidb/errno.h>
#include <unidb/vm.h>

#include "../../db/storage/snapshot.h"
#include "../../db/storage/table.h"
#include "../../db/storage/tmem.h"
#include "unit.h"

static uint64_t rnd_state = 88172645463325252ull;

static uint64_t rnd(void)
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 7;
	rnd_state ^= rnd_state << 17;
	return rnd_state;
}

#define NBLK 4000

/* Random allocations and frees against a model: every live block keeps
 * the pattern written into it (no overlap), addresses lie in the area,
 * 16-byte aligned, and the statistics add up. */
UNIT_TEST(tmem_random_against_model)
{
	struct tmem *m = tmem_new();
	static unsigned char *p[NBLK];
	static size_t len[NBLK];
	struct tmem_stats st;
	char *base;
	uint64_t live = 0;
	int i, k;

	CHECK(m != NULL);
	if (!m)
		return;
	base = vm_area_base(tmem_area(m));
	for (i = 0; i < 200000; i++) {
		k = (int)(rnd() % NBLK);
		if (p[k]) {
			for (size_t j = 0; j < len[k]; j += 61)
				if (p[k][j] != (unsigned char)(k + j))
					CHECK(!"block overwritten");
			tmem_free(m, p[k]);
			p[k] = NULL;
			live--;
			continue;
		}
		len[k] = rnd() % 8 ? rnd() % 300 + 1 : rnd() % 70000 + 1;
		p[k] = tmem_alloc(m, len[k]);
		CHECK(p[k] != NULL);
		if (!p[k])
			break;
		CHECK(((uintptr_t)p[k] & 15) == 0);
		CHECK((char *)p[k] >= base &&
		      (char *)p[k] + len[k] <= base + TMEM_RESERVE);
		for (size_t j = 0; j < len[k]; j++)
			p[k][j] = (unsigned char)(k + j);
		live++;
	}
	tmem_stats(m, &st);
	CHECK_EQ(st.blocks, live);
	CHECK(st.used + st.free <= st.mapped);
	CHECK_EQ(st.reserved, TMEM_RESERVE);
	/* freed memory is reused: steady alloc/free keeps the area small */
	CHECK(st.mapped < (uint64_t)NBLK * 100000);
	for (k = 0; k < NBLK; k++)
		tmem_free(m, p[k]);
	tmem_stats(m, &st);
	CHECK_EQ(st.blocks, 0);
	CHECK_EQ(st.used, 0);
	tmem_put(m);
}

UNIT_TEST(tmem_reuse_reset_and_limits)
{
	struct tmem *m = tmem_new();
	struct tmem_stats st;
	void *a, *b, *c;

	CHECK(m != NULL);
	if (!m)
		return;
	a = tmem_alloc(m, 100);
	tmem_free(m, a);
	b = tmem_alloc(m, 97); /* same class: the freed block comes back */
	CHECK(a == b);
	c = tmem_realloc(m, b, 5000);
	CHECK(c != NULL && c != b);
	CHECK(tmem_realloc(m, c, 10) == c); /* shrinking keeps the block */
	CHECK(tmem_alloc(m, TMEM_MAX_BLOCK) == NULL);
	CHECK(tmem_alloc(m, TMEM_MAX_BLOCK - 16) != NULL);
	tmem_reset(m);
	tmem_stats(m, &st);
	CHECK_EQ(st.mapped, 0);
	CHECK_EQ(st.blocks, 0);
	CHECK(tmem_zalloc(m, 64) == vm_area_base(tmem_area(m)) + 16);
	tmem_put(m);
	/* NULL: the heap */
	a = tmem_alloc(NULL, 10);
	CHECK(a != NULL);
	tmem_free(NULL, a);
}

static struct table *make_table(struct db *db, const char *name, int rows)
{
	struct table *t = table_new(name, 2);
	struct db_error err;
	char buf[32];
	uint64_t id;
	int i;

	t->cols[0].type.id = TYPE_INT4;
	t->cols[1].type.id = TYPE_TEXT;
	t->npk = 1;
	t->pk[0] = 0;
	CHECK_EQ(db_add_table(db, t, &err), 0);
	for (i = 0; i < rows; i++) {
		struct datum v[2] = {datum_int(TYPE_INT4, i)};

		snprintf(buf, sizeof(buf), "row %d", i);
		v[1] = datum_str(TYPE_TEXT, buf, (uint32_t)strlen(buf));
		CHECK_EQ(table_insert(t, v, &id, &err), 0);
	}
	return t;
}

/* A snapshot keeps showing the rows as of the take while the table is
 * updated, deleted from, grown and even dropped. */
UNIT_TEST(snapshot_reads_rows_as_of_the_take)
{
	static struct db db;
	const char *names[] = {"s"};
	struct db_snapshot *snap;
	struct db_error err;
	struct datum v[4];
	struct table *t;
	char buf[32];
	uint64_t id;
	int i, n;

	db_init(&db);
	t = make_table(&db, "s", 5000);
	CHECK_EQ(db_snapshot_take(&db, names, 1, VM_SNAP_EAGER, &snap), 0);
	CHECK_EQ(db_snapshot_take(&db, names, 1, VM_SNAP_EAGER,
				  &(struct db_snapshot *){0}), -EBUSY);
	{
		const char *bad[] = {"nope"};
		struct db_snapshot *s2;

		CHECK_EQ(db_snapshot_take(&db, bad, 1, 0, &s2), -ENOENT);
	}
	for (i = 0; i < 5000; i += 2) {
		struct datum nv[2] = {datum_int(TYPE_INT4, i),
				      datum_str(TYPE_TEXT, "changed", 7)};

		CHECK_EQ(table_update(t, (uint64_t)i, nv, &err), 0);
	}
	for (i = 1; i < 5000; i += 3)
		table_delete(t, (uint64_t)i);
	for (i = 5000; i < 9000; i++) {
		struct datum nv[2] = {datum_int(TYPE_INT4, i),
				      datum_str(TYPE_TEXT, "new", 3)};

		CHECK_EQ(table_insert(t, nv, &id, &err), 0);
	}
	CHECK_EQ(snap->t[0].nslots, 5000);
	for (i = 0; i < 5000; i++) {
		n = db_snapshot_row(snap, 0, (uint64_t)i, v, 4, NULL, 0);
		snprintf(buf, sizeof(buf), "row %d", i);
		CHECK_EQ(n, 2);
		CHECK_EQ(v[0].i, i);
		CHECK(v[1].len == strlen(buf) && !memcmp(v[1].s, buf, v[1].len));
	}
	CHECK_EQ(db_snapshot_row(snap, 0, 5000, v, 4, NULL, 0), 0);
	/* only the columns asked for are written; one the row does not
	 * have (added later) is NULL */
	for (i = 0; i < 4; i++)
		v[i] = datum_int(TYPE_INT4, 99);
	CHECK_EQ(db_snapshot_row(snap, 0, 7, v, 4, (const int[]){1, 3}, 2), 2);
	CHECK(v[0].i == 99 && !v[0].null && v[2].i == 99);
	CHECK(!v[1].null && v[1].len == 5 && !memcmp(v[1].s, "row 7", 5));
	CHECK(v[3].null);
	db_drop_table(&db, t);
	n = db_snapshot_row(snap, 0, 4999, v, 4, NULL, 0);
	CHECK(n == 2 && v[0].i == 4999);
	db_snapshot_release(snap);
	db_destroy(&db);
}
UNIT_MAIN()
