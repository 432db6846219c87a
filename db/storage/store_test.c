/* SPDX-License-Identifier: MIT */
/* store_test.c: in-guest tests of tables in vm areas (tmem.h), snapshot
 * reads under concurrent updates (snapshot.h) and the morsel-parallel
 * aggregation on the kernel's job system (db/exec/parallel.c). */
#include <stdio.h>
#include <string.h>
#include <unidb/heap.h>
#include <unidb/printk.h>
#include <unidb/test.h>
#include <unidb/thread.h>
#include <unidb/vm.h>

#include "../exec/internal.h"
#include "snapshot.h"

#define TXT 16

static struct table *new_table(struct db *db, const char *name)
{
	struct table *t = table_new(name, 3);
	struct db_error err;

	if (!t)
		return NULL;
	t->cols[0].type.id = TYPE_INT4;
	t->cols[1].type.id = TYPE_INT8;
	t->cols[2].type.id = TYPE_TEXT;
	t->npk = 1;
	t->pk[0] = 0;
	if (db_add_table(db, t, &err) < 0) {
		table_free(t);
		return NULL;
	}
	return t;
}

static int put_row(struct table *t, int id, int64_t v, uint64_t *rowid)
{
	struct db_error err;
	char s[TXT];
	struct datum d[3] = {datum_int(TYPE_INT4, id), datum_int(TYPE_INT8, v)};

	snprintf(s, sizeof(s), "v%lld", (long long)v);
	d[2] = datum_str(TYPE_TEXT, s, (uint32_t)strlen(s));
	if (rowid)
		return table_insert(t, d, rowid, &err);
	return table_update(t, (uint64_t)id, d, &err);
}

/* Rows, chunks and index nodes sit in the table's area; TRUNCATE and DROP
 * give the frames back (vm statistics before and after). */
TEST(db_table_rows_live_in_its_vm_area)
{
	struct db *db = kzalloc(sizeof(*db));
	struct vm_stats v0, v1, v2, v3;
	struct tmem_stats ts;
	struct table *t;
	uint64_t id;
	char *base;
	int i;

	ASSERT(db);
	db_init(db);
	vm_stats(&v0);
	t = new_table(db, "m");
	ASSERT(t);
	for (i = 0; i < 20000; i++)
		ASSERT(put_row(t, i, i, &id) == 0);
	base = vm_area_base(tmem_area(t->mem));
	for (i = 0; i < 20000; i += 97) {
		char *r = (char *)table_row(t, (uint64_t)i);

		EXPECT(r >= base && r < base + TMEM_RESERVE);
	}
	EXPECT((char *)t->chunks >= base && (char *)t->pk_index.root >= base);
	tmem_stats(t->mem, &ts);
	EXPECT(ts.blocks >= 20000 + 20000); /* rows and index keys */
	vm_stats(&v1);
	EXPECT_EQ(v1.areas, v0.areas + 1);
	EXPECT(v1.frames + 1 >= v0.frames + ts.mapped / 4096);
	table_truncate(t);
	vm_stats(&v2);
	EXPECT(v2.frames <= v0.frames + 64);
	for (i = 0; i < 1000; i++)
		ASSERT(put_row(t, i, i, &id) == 0);
	db_drop_table(db, t);
	vm_stats(&v3);
	EXPECT_EQ(v3.areas, v0.areas);
	EXPECT(v3.frames <= v0.frames + 64);
	db_destroy(db);
	kfree(db);
}

#define SNAP_ROWS 3000

struct writer {
	struct db *db;
	struct table *t;
	uint64_t updates; /* atomic */
	bool stop;	  /* atomic */
	uint64_t rnd;
};

static uint64_t next_rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* Updates random rows (new value and text, so new row blocks and reused
 * ones) and appends a row now and then (new chunks), one statement's
 * worth under the catalog lock each, until told to stop. */
static void writer_thread(void *arg)
{
	struct writer *w = arg;
	int next_id = SNAP_ROWS;
	uint64_t id;

	while (!__atomic_load_n(&w->stop, __ATOMIC_ACQUIRE)) {
		uint64_t k = next_rnd(&w->rnd) % SNAP_ROWS;

		rwlock_write_lock(&w->db->lock);
		put_row(w->t, (int)k, table_row(w->t, k)->vals[1].i + 1, NULL);
		if (k % 8 == 0)
			put_row(w->t, next_id++, -1, &id);
		rwlock_write_unlock(&w->db->lock);
		__atomic_add_fetch(&w->updates, 1, __ATOMIC_RELEASE);
		if (k % 4 == 0)
			thread_yield();
	}
}

struct model {
	int64_t v[SNAP_ROWS];
	char s[SNAP_ROWS][TXT];
	uint64_t nslots;
};

/* Copies the rows while the caller holds the catalog lock. */
static void model_copy(struct table *t, struct model *m)
{
	int i;

	m->nslots = t->nslots;
	for (i = 0; i < SNAP_ROWS; i++) {
		const struct row *r = table_row(t, (uint64_t)i);

		m->v[i] = r->vals[1].i;
		memcpy(m->s[i], r->vals[2].s, r->vals[2].len);
		m->s[i][r->vals[2].len] = 0;
	}
}

static bool model_matches(const struct db_snapshot *s, const struct model *m)
{
	struct datum d[3];
	int i;

	if (s->t[0].nslots != m->nslots)
		return false;
	for (i = 0; i < SNAP_ROWS; i++) {
		if (db_snapshot_row(s, 0, (uint64_t)i, d, 3, NULL, 0) != 3 ||
		    d[0].i != i || d[1].i != m->v[i] ||
		    d[2].len != strlen(m->s[i]) ||
		    memcmp(d[2].s, m->s[i], d[2].len))
			return false;
	}
	return true;
}

/* Waits (without a time limit that matters: 120 s) until the writer has
 * done `more` updates beyond `from`; false if it never did. */
static bool writer_advanced(struct writer *w, uint64_t from, uint64_t more)
{
	int i;

	for (i = 0; i < 120000; i++) {
		if (__atomic_load_n(&w->updates, __ATOMIC_ACQUIRE) >= from + more)
			return true;
		thread_sleep_ns(1000000);
	}
	return false;
}

/* Invariant: a snapshot taken while a writer keeps updating rows shows
 * exactly the rows as they were at the take (compared with a copy made
 * under the same lock hold), however long the writer goes on; the writer
 * is never blocked by a snapshot (it completes updates while one is
 * held); and the frames only the snapshot held are returned at release. */
TEST(stress_db_snapshot_reads_under_updates)
{
	struct db *db = kzalloc(sizeof(*db));
	struct model *m = kzalloc(sizeof(*m));
	struct writer *w = kzalloc(sizeof(*w));
	const char *names[] = {"snap"};
	struct thread_attr attr = {.stack_size = 64 * 1024, .cpu = THREAD_ANY_CPU};
	struct db_snapshot *s;
	struct vm_stats va, vb, vc;
	struct tmem_stats ta, tc;
	struct thread *th;
	uint64_t id, from;
	int round, i, bad = 0;

	ASSERT(db && m && w);
	db_init(db);
	w->db = db;
	w->rnd = 0x9e3779b97f4a7c15ull;
	w->t = new_table(db, "snap");
	ASSERT(w->t);
	for (i = 0; i < SNAP_ROWS; i++)
		ASSERT(put_row(w->t, i, i * 10, &id) == 0);
	th = thread_create("db-writer", writer_thread, w, &attr);
	ASSERT(th);
	for (round = 0; round < 20; round++) {
		rwlock_read_lock(&db->lock);
		model_copy(w->t, m);
		i = db_snapshot_take_locked(db, names, 1, VM_SNAP_EAGER, &s);
		rwlock_read_unlock(&db->lock);
		if (!EXPECT_EQ(i, 0))
			break;
		from = __atomic_load_n(&w->updates, __ATOMIC_ACQUIRE);
		EXPECT(writer_advanced(w, from, 50));
		bad += !model_matches(s, m);
		db_snapshot_release(s);
	}
	EXPECT_EQ(bad, 0);
	__atomic_store_n(&w->stop, true, __ATOMIC_RELEASE);
	thread_join(th);

	/* memory: every row rewritten under a snapshot, then released */
	vm_stats(&va);
	tmem_stats(w->t->mem, &ta);
	ASSERT(db_snapshot_take(db, names, 1, VM_SNAP_EAGER, &s) == 0);
	for (i = 0; i < SNAP_ROWS; i++)
		put_row(w->t, i, 7, NULL);
	vm_stats(&vb);
	EXPECT(vb.frames > va.frames);
	db_snapshot_release(s);
	vm_stats(&vc);
	tmem_stats(w->t->mem, &tc);
	EXPECT(vc.frames <= va.frames + (tc.mapped - ta.mapped) / 4096 + 2);
	db_destroy(db);
	kfree(db);
	kfree(m);
	kfree(w);
}

/* The parallel scan and aggregation on the kernel's job system gives the
 * serial path's rows, in the same order, errors and 53200 included. */
TEST(db_parallel_aggregation_equals_serial)
{
	static const char *const queries[] = {
	    "select count(*), sum(v), min(v), max(v), avg(v) from p",
	    "select g, count(*), sum(v), min(s), max(s), avg(v) from p group by g",
	    "select g % 3, count(*), sum(id) from p where v > 10 group by g % 3"
	    " having count(*) > 5",
	    "select s, count(v), max(id) from p where v is null group by s",
	    "select count(*), max(s) from p where v < -1",
	    "select sum(v / (g - g)) from p",
	};
	struct db *db = kzalloc(sizeof(*db));
	struct setting *set = kcalloc(SETTING_MAX, sizeof(*set));
	struct db_error err;
	int nset = 0;
	struct exec_ctx x = {.db = db, .err = &err, .settings = set,
			     .nsettings = &nset, .user = "u", .database = "d"};
	struct strbuf a = STRBUF_INIT, b = STRBUF_INIT, ins = STRBUF_INIT;
	size_t budget = (size_t)64 << 20;
	uint64_t jobs;
	unsigned i;
	int k, r;

	ASSERT(db && set);
	db_init(db);
	settings_init(set, &nset, NULL);
	ASSERT(exec_sql_text(&x, "create table p (id int primary key, g int,"
				 " v int, s text)", budget, &a) == 0);
	for (k = 0; k < 8000; k += 500) {
		sb_reset(&ins);
		sb_puts(&ins, "insert into p values ");
		for (r = k; r < k + 500; r++) {
			sb_printf(&ins, "%s(%d, %d, ", r > k ? ", " : "", r,
				  r * 7 % 13);
			if (r % 11)
				sb_printf(&ins, "%d, 'S%d')", r * 37 % 101, r % 17);
			else
				sb_printf(&ins, "NULL, 'S%d')", r % 17);
		}
		ASSERT(!ins.oom && exec_sql_text(&x, ins.p, budget, &a) == 0);
	}
	for (i = 0; i < sizeof(queries) / sizeof(queries[0]); i++) {
		exec_sql_text(&x, "set parallel_threshold = 0", budget, &a);
		jobs = par_jobs_run();
		exec_sql_text(&x, queries[i], budget, &a);
		EXPECT_EQ(par_jobs_run(), jobs);
		exec_sql_text(&x, "set parallel_threshold = 1000", budget, &b);
		exec_sql_text(&x, queries[i], budget, &b);
		EXPECT_EQ(par_jobs_run(), jobs + 1);
		if (!EXPECT(a.p && b.p && strcmp(a.p, b.p) == 0))
			printk("  query %u: serial %s parallel %s\n", i,
			       a.p ? a.p : "-", b.p ? b.p : "-");
	}
	EXPECT(exec_sql_text(&x, "select id, s, count(*) from p group by id, s",
			     (size_t)1 << 20, &b) < 0);
	EXPECT(b.p && strcmp(b.p, "53200") == 0);
	EXPECT(exec_sql_text(&x, "select count(*) from p", budget, &b) == 0);
	EXPECT(b.p && strcmp(b.p, "8000\n") == 0);
	sb_free(&a);
	sb_free(&b);
	sb_free(&ins);
	db_destroy(db);
	kfree(set);
	kfree(db);
}
