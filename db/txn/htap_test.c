/* SPDX-License-Identifier: MIT */
/* htap_test.c: in-guest tests of snapshot reads (htap.h): concurrent
 * transfers with random rollbacks never show a snapshot reader part of a
 * transaction (sum(bal) = sum(delta), a thousand times per run, on
 * several cores and under delay injection); a snapshot outlives many commits; its
 * memory goes back when its last reader ends (vm statistics). */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unidb/heap.h>
#include <unidb/printk.h>
#include <unidb/test.h>
#include <unidb/thread.h>
#include <unidb/vm.h>

#include "../exec/internal.h"
#include "../storage/tmem.h"
#include "htap.h"

#define ACC 200
#define CHECKS 200 /* per reader; make test runs it five times */
#define MAX_TXNS 1500 /* per writer: the history stays small under TCG */
#define BUDGET ((size_t)16 << 20)

/* A session: its own settings, error and transaction slot. */
struct sess {
	struct setting set[SETTING_MAX];
	int nset;
	struct db_error err;
	struct exec_ctx x;
	struct strbuf out;
};

static int sess_open(struct sess *s, struct db *db)
{
	memset(s, 0, sizeof(*s));
	settings_init(s->set, &s->nset, NULL);
	s->x = (struct exec_ctx){.db = db, .err = &s->err, .settings = s->set,
				 .nsettings = &s->nset, .user = "u",
				 .database = "d", .txn = txn_open(db)};
	return s->x.txn ? 0 : -1;
}

static void sess_close(struct sess *s)
{
	txn_close(s->x.db, s->x.txn);
	sb_free(&s->out);
}

/* Runs sql; 0 or -1 (s->out: the rows or the SQLSTATE). */
static int q(struct sess *s, const char *sql)
{
	return exec_sql_text(&s->x, sql, BUDGET, &s->out);
}

static int64_t q_int(struct sess *s, const char *sql)
{
	return q(s, sql) == 0 && s->out.p ? strtoll(s->out.p, NULL, 10) : -999999;
}

/* A reader's query: its integer in *v, or false after printing why it
 * failed (an error is not an inconsistency, and must not pass as one). */
static bool q_read(struct sess *s, const char *sql, int64_t *v)
{
	if (q(s, sql) == 0 && s->out.p) {
		*v = strtoll(s->out.p, NULL, 10);
		return true;
	}
	printk("  htap: reader error %s: %s (%s)\n", s->err.code, s->err.msg,
	       sql);
	return false;
}

static struct db *bank(int rows)
{
	struct db *db = kzalloc(sizeof(*db));
	struct strbuf ins = STRBUF_INIT;
	struct sess s;
	int i;

	if (!db)
		return NULL;
	db_init(db);
	if (sess_open(&s, db) < 0)
		return db;
	q(&s, "create table acc (id int primary key, bal bigint)");
	q(&s, "create table hist (delta bigint)");
	sb_puts(&ins, "insert into acc values ");
	for (i = 0; i < rows; i++)
		sb_printf(&ins, "%s(%d, 0)", i ? ", " : "", i);
	q(&s, ins.p);
	sb_free(&ins);
	sess_close(&s);
	return db;
}

struct worker {
	struct db *db;
	uint64_t rnd;
	bool *stop; /* atomic */
	int commits, aborts, errors, checks, bad;
};

static uint64_t next_rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* pgbench's tpcb in small: bal += d on one row and a history row with d,
 * committed or rolled back (a quarter) or failing half-way (an eighth),
 * until told to stop or MAX_TXNS are done. */
static void writer_thread(void *arg)
{
	struct worker *w = arg;
	struct sess s;
	char sql[200];

	if (sess_open(&s, w->db) < 0) {
		w->errors++;
		return;
	}
	while (!__atomic_load_n(w->stop, __ATOMIC_ACQUIRE) &&
	       w->commits + w->aborts < MAX_TXNS) {
		uint64_t r = next_rnd(&w->rnd);
		int d = (int)(r % 1000) - 500, id = (int)(r / 1000 % ACC);

		snprintf(sql, sizeof(sql),
			 "begin; update acc set bal = bal + %d where id = %d;"
			 " insert into hist values (%d)", d, id, d);
		if (q(&s, sql) < 0) {
			w->errors++;
			q(&s, "rollback");
			continue;
		}
		if (r % 8 == 1) /* an error ends the block: all of it goes */
			q(&s, "select 1 / 0");
		if (r % 4 == 0 || r % 8 == 1) {
			q(&s, "rollback");
			w->aborts++;
		} else if (q(&s, "commit") == 0) {
			w->commits++;
		} else {
			w->errors++;
		}
	}
	sess_close(&s);
}

/* Checks the invariant CHECKS times, in turn: in a BEGIN READ ONLY block
 * (two statements, one pinned snapshot); in one statement over a shared
 * snapshot (parallel scans); in one statement that joins and reads
 * through the primary key's index (the tree live, the rows copied). */
static void reader_thread(void *arg)
{
	struct worker *w = arg;
	struct sess s;
	int i;

	if (sess_open(&s, w->db) < 0) {
		w->errors++;
		return;
	}
	q(&s, "set parallel_threshold = 50");
	for (i = 0; i < CHECKS; i++) {
		int64_t a = 0, b = 0;
		bool ok;

		if (i % 3 == 1) {
			ok = q_read(&s, "select (select sum(bal) from acc) -"
					" (select coalesce(sum(delta), 0) from hist)",
				    &a);
		} else if (i % 3 == 2) {
			ok = q_read(&s, "select (select sum(x.bal) from acc x"
					" join acc y on x.id = y.id where x.id < 100)"
					" + (select sum(bal) from acc where id >= 100)"
					" - (select coalesce(sum(delta), 0) from hist)",
				    &a);
		} else {
			q(&s, "begin read only isolation level repeatable read");
			ok = q_read(&s, "select sum(bal) from acc", &a) &&
			     q_read(&s, "select coalesce(sum(delta), 0) from hist",
				    &b);
			q(&s, ok ? "commit" : "rollback");
		}
		if (!ok) {
			w->errors++;
			continue;
		}
		w->checks++;
		if (a != b && w->bad++ < 3)
			printk("  htap: check %d: %lld vs %lld\n", i,
			       (long long)a, (long long)b);
	}
	sess_close(&s);
}

TEST(stress_htap_snapshots_never_show_part_of_a_transaction)
{
	struct thread_attr attr = {.stack_size = 64 * 1024, .cpu = THREAD_ANY_CPU};
	struct db *db = bank(ACC);
	struct worker w[4] = {0};
	struct thread *th[4];
	struct htap_stats st;
	struct sess s;
	bool stop = false;
	uint64_t jobs = par_jobs_run();
	int i, commits = 0, bad = 0, checks = 0, errors = 0;

	ASSERT(db && db->htap);
	for (i = 0; i < 4; i++) {
		w[i] = (struct worker){.db = db, .stop = &stop,
				       .rnd = 0x9e3779b97f4a7c15ull * (i + 1)};
		th[i] = thread_create(i < 2 ? "htap-writer" : "htap-reader",
				      i < 2 ? writer_thread : reader_thread,
				      &w[i], &attr);
		ASSERT(th[i]);
	}
	thread_join(th[2]);
	thread_join(th[3]);
	__atomic_store_n(&stop, true, __ATOMIC_RELEASE);
	thread_join(th[0]);
	thread_join(th[1]);
	for (i = 0; i < 4; i++) {
		commits += w[i].commits;
		bad += w[i].bad;
		checks += w[i].checks;
		errors += w[i].errors;
	}
	EXPECT_EQ(errors, 0);
	EXPECT_EQ(checks, 2 * CHECKS);
	EXPECT_EQ(bad, 0);
	EXPECT(commits > 0);
	EXPECT(par_jobs_run() > jobs); /* the sums ran as parallel scans */
	htap_stats(db, &st);
	EXPECT(st.taken > 0);
	EXPECT_EQ(st.live, 0);
	printk("  htap: %d checks, %d commits; snapshots taken %llu, "
	       "shared %llu, fallbacks %llu\n", checks, commits,
	       (unsigned long long)st.taken, (unsigned long long)st.shared,
	       (unsigned long long)st.fallbacks);
	/* and the live tables agree after all */
	ASSERT(sess_open(&s, db) == 0);
	EXPECT_EQ(q_int(&s, "select (select sum(bal) from acc) -"
			    " (select coalesce(sum(delta), 0) from hist)"), 0);
	sess_close(&s);
	db_destroy(db);
	kfree(db);
}

struct sleeper {
	struct sess s;
	volatile bool cancel;
	int r;
};

static void sleeper_thread(void *arg)
{
	struct sleeper *sl = arg;

	/* not a lone pg_sleep, which releases db->lock anyway (exec.c) */
	sl->r = q(&sl->s, "select pg_sleep(600) from acc where id = 0");
}

struct ddl_run {
	struct sess s;
	bool done; /* atomic */
	int r;
};

static void ddl_thread(void *arg)
{
	struct ddl_run *d = arg;

	d->r = q(&d->s, "create table later (a int)");
	__atomic_store_n(&d->done, true, __ATOMIC_RELEASE);
}

/* Waits (bounded) until the htap counter at offset off reaches want. */
static bool wait_stat(struct db *db, size_t off, uint64_t want)
{
	struct htap_stats st;
	int i;

	for (i = 0; i < 60000; i++) {
		htap_stats(db, &st);
		if (*(uint64_t *)((char *)&st + off) == want)
			return true;
		thread_sleep_ns(1000000);
	}
	return false;
}

/* A statement on a snapshot holds no lock: while one sleeps in a BEGIN
 * READ ONLY block, another session's UPDATEs go on and commit; a DDL
 * statement waits for it (as PostgreSQL's DDL waits for the readers of
 * its table) and runs once it has ended. */
TEST(htap_reader_holds_off_no_writer_but_ddl_waits)
{
	struct thread_attr attr = {.stack_size = 64 * 1024, .cpu = THREAD_ANY_CPU};
	struct db *db = bank(ACC);
	struct sleeper *sl = kzalloc(sizeof(*sl));
	struct ddl_run *d = kzalloc(sizeof(*d));
	struct thread *ts, *td;
	struct htap_stats st;
	struct sess w;
	char sql[100];
	int i;

	ASSERT(db && sl && d && sess_open(&sl->s, db) == 0 &&
	       sess_open(&d->s, db) == 0 && sess_open(&w, db) == 0);
	sl->s.x.cancel = &sl->cancel;
	q(&sl->s, "set parallel_threshold = 50");
	EXPECT_EQ(q(&sl->s, "begin read only"), 0);
	EXPECT_EQ(q_int(&sl->s, "select sum(bal) from acc"), 0);
	ts = thread_create("htap-sleeper", sleeper_thread, sl, &attr);
	ASSERT(ts);
	ASSERT(wait_stat(db, offsetof(struct htap_stats, unlocked), 1));
	for (i = 0; i < 20; i++) {
		snprintf(sql, sizeof(sql),
			 "update acc set bal = bal + 1 where id = %d", i);
		EXPECT_EQ(q(&w, sql), 0);
	}
	EXPECT_EQ(q_int(&w, "select sum(bal) from acc"), 20);
	htap_stats(db, &st);
	EXPECT_EQ(st.unlocked, 1); /* the reader is still in its statement */
	td = thread_create("htap-ddl", ddl_thread, d, &attr);
	ASSERT(td);
	EXPECT(wait_stat(db, offsetof(struct htap_stats, ddl_waiting), 1));
	EXPECT(!__atomic_load_n(&d->done, __ATOMIC_ACQUIRE));
	sl->cancel = true;
	thread_join(ts);
	EXPECT_EQ(sl->r, -1);
	EXPECT_EQ(strcmp(sl->s.err.code, "57014"), 0);
	thread_join(td);
	EXPECT_EQ(d->r, 0);
	q(&sl->s, "rollback");
	EXPECT_EQ(q_int(&sl->s, "select count(*) from later"), 0);
	htap_stats(db, &st);
	EXPECT_EQ(st.unlocked, 0);
	EXPECT_EQ(st.live, 0);
	sess_close(&sl->s);
	sess_close(&d->s);
	sess_close(&w);
	db_destroy(db);
	kfree(db);
	kfree(sl);
	kfree(d);
}

/* A table that was empty when a read-only block's snapshot was taken
 * reads as empty in the block, however many rows it has since (the
 * parallel scan of a copy with no rows once ended in 53200). */
TEST(htap_table_empty_in_the_snapshot_reads_empty)
{
	struct db *db = bank(ACC);
	struct sess r, wr;
	struct strbuf ins = STRBUF_INIT;
	int i;

	ASSERT(db && sess_open(&r, db) == 0 && sess_open(&wr, db) == 0);
	q(&r, "set parallel_threshold = 50");
	EXPECT_EQ(q(&r, "begin read only"), 0);
	EXPECT_EQ(q_int(&r, "select count(*) from acc"), ACC);
	sb_puts(&ins, "insert into hist values ");
	for (i = 0; i < 100; i++)
		sb_printf(&ins, "%s(%d)", i ? ", " : "", i + 1);
	EXPECT_EQ(q(&wr, ins.p), 0);
	sb_free(&ins);
	EXPECT_EQ(q_int(&r, "select coalesce(sum(delta), 0) from hist"), 0);
	EXPECT_EQ(q_int(&r, "select count(*) from hist"), 0);
	EXPECT_EQ(q(&r, "commit"), 0);
	EXPECT_EQ(q_int(&r, "select sum(delta) from hist"), 5050);
	sess_close(&r);
	sess_close(&wr);
	db_destroy(db);
	kfree(db);
}

/* A read-only transaction keeps its snapshot while another session
 * commits hundreds of transactions (the writer never waits for it); the
 * copied pages go back when it ends. */
TEST(htap_snapshot_outlives_commits_and_is_returned)
{
	struct db *db = bank(4000);
	struct sess r, wr;
	struct vm_stats v0, v1, v2;
	struct tmem_stats t0, t2;
	struct htap_stats st;
	struct table *acc;
	char sql[120];
	int i;

	ASSERT(db && sess_open(&r, db) == 0 && sess_open(&wr, db) == 0);
	acc = db_find_table(db, "acc");
	ASSERT(acc);
	q(&wr, "update acc set bal = 1");
	vm_stats(&v0);
	tmem_stats(acc->mem, &t0);
	q(&r, "set parallel_threshold = 100"); /* the copy, in parallel */
	EXPECT_EQ(q(&r, "begin read only"), 0);
	EXPECT_EQ(q_int(&r, "select sum(bal) from acc"), 4000);
	for (i = 0; i < 400; i++) {
		snprintf(sql, sizeof(sql),
			 "update acc set bal = bal + 1 where id = %d", i * 10);
		EXPECT_EQ(q(&wr, sql), 0);
	}
	EXPECT_EQ(q(&wr, "update acc set bal = bal + 1"), 0); /* every page */
	EXPECT_EQ(q_int(&wr, "select sum(bal) from acc"), 8400);
	EXPECT_EQ(q_int(&r, "select sum(bal) from acc"), 4000);
	EXPECT_EQ(q_int(&r, "select count(*) from acc where bal = 1"), 4000);
	htap_stats(db, &st);
	EXPECT_EQ(st.live, 1);
	vm_stats(&v1);
	EXPECT(v1.frames > v0.frames); /* copies made on write */
	EXPECT_EQ(q(&r, "commit"), 0);
	htap_stats(db, &st);
	EXPECT_EQ(st.live, 0);
	EXPECT_EQ(q_int(&r, "select sum(bal) from acc"), 8400);
	vm_stats(&v2);
	tmem_stats(acc->mem, &t2);
	/* back to where it was, but for what the live table grew by */
	EXPECT(v2.frames <= v0.frames + (t2.mapped - t0.mapped) / 4096 + 8);
	sess_close(&r);
	sess_close(&wr);
	db_destroy(db);
	kfree(db);
}
