/* SPDX-License-Identifier: MIT */
/* db_txn_test.c: transactions (db/txn) with several sessions interleaved
 * step by step: dirty reads, lost updates, non-repeatable reads under
 * both isolation levels, 40001, 40P01, lock_timeout, waits on duplicate
 * keys, rollback of rows and index entries, savepoints; then a stress of
 * random transfers with random rollbacks at several thread counts,
 * checked against a model of the committed transactions. A statement
 * that must block runs on its own thread; the test waits until it is
 * parked on the lock (a state, not a time), with a generous watchdog. */
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../../db/exec/exec.h"
#include "../../db/exec/internal.h"
#include "../../db/txn/htap.h"
#include "../../db/txn/txn.h"
#include "unit.h"

static struct db DB;

struct sess {
	struct txn *t;
	struct setting settings[SETTING_MAX];
	int nsettings;
	char out[8192];
	char code[6];
};

static void sess_open(struct sess *s)
{
	memset(s, 0, sizeof(*s));
	settings_init(s->settings, &s->nsettings, NULL);
	s->t = txn_open(&DB);
}

static void sess_close(struct sess *s)
{
	txn_close(&DB, s->t);
}

/* Runs every statement of sql as a session does (exec_sql_text); 0, or
 * -1 with s->code. s->out: the last result's rows, "a|b\n" each. cancel:
 * the statement's cancel flag (NULL: none). */
static int q_cancel(struct sess *s, const char *sql,
		    const volatile bool *cancel)
{
	struct db_error err = {0};
	struct exec_ctx x = {.db = &DB, .err = &err, .settings = s->settings,
			     .nsettings = &s->nsettings, .user = "u",
			     .database = "d", .txn = s->t, .cancel = cancel};
	struct strbuf sb = STRBUF_INIT;
	int rc = exec_sql_text(&x, sql, 64 << 20, &sb);

	s->out[0] = s->code[0] = 0;
	if (rc < 0)
		snprintf(s->code, sizeof(s->code), "%s", err.code);
	else
		snprintf(s->out, sizeof(s->out), "%s", sb.p ? sb.p : "");
	sb_free(&sb);
	return rc;
}

static int q(struct sess *s, const char *sql)
{
	return q_cancel(s, sql, NULL);
}

/* A statement on its own thread (it is expected to block). */
struct bg {
	pthread_t th;
	struct sess *s;
	const char *sql;
	int rc;
};

static void *bg_main(void *p)
{
	struct bg *b = p;

	b->rc = q(b->s, b->sql);
	return NULL;
}

static void bg_start(struct bg *b, struct sess *s, const char *sql)
{
	b->s = s;
	b->sql = sql;
	pthread_create(&b->th, NULL, bg_main, b);
}

static int bg_join(struct bg *b)
{
	pthread_join(b->th, NULL);
	return b->rc;
}

/* Waits until s's transaction sleeps on a row lock (watchdog: 60 s). */
static bool parked(struct sess *s)
{
	int i;

	for (i = 0; i < 60000; i++) {
		if (__atomic_load_n(&s->t->waiting_for, __ATOMIC_SEQ_CST))
			return true;
		usleep(1000);
	}
	return false;
}

static struct sess A, B, C;

static void setup(void)
{
	db_destroy(&DB);
	db_init(&DB);
	sess_open(&A);
	sess_open(&B);
	sess_open(&C);
	CHECK_EQ(q(&A, "create table t (id int primary key, v int)"), 0);
	CHECK_EQ(q(&A, "insert into t values (1, 10), (2, 20), (3, 30)"), 0);
}

static void teardown(void)
{
	sess_close(&A);
	sess_close(&B);
	sess_close(&C);
}

UNIT_TEST(txn_no_dirty_reads)
{
	setup();
	CHECK_EQ(q(&A, "begin; update t set v = 11 where id = 1; "
		       "insert into t values (4, 40); delete from t where id = 2"),
		 0);
	CHECK_EQ(q(&A, "select * from t order by id"), 0);
	CHECK_STR(A.out, "1|11\n3|30\n4|40\n");
	CHECK_EQ(q(&B, "select * from t order by id"), 0);
	CHECK_STR(B.out, "1|10\n2|20\n3|30\n");
	CHECK_EQ(q(&B, "select v from t where id = 4"), 0);
	CHECK_STR(B.out, "");
	CHECK_EQ(q(&A, "commit"), 0);
	CHECK_EQ(q(&B, "select * from t order by id"), 0);
	CHECK_STR(B.out, "1|11\n3|30\n4|40\n");
	teardown();
}

UNIT_TEST(txn_read_committed_sees_new_commits)
{
	setup();
	CHECK_EQ(q(&B, "begin; select v from t where id = 1"), 0);
	CHECK_STR(B.out, "10\n");
	CHECK_EQ(q(&A, "update t set v = 12 where id = 1"), 0);
	CHECK_EQ(q(&B, "select v from t where id = 1"), 0);
	CHECK_STR(B.out, "12\n"); /* a non-repeatable read, as in PostgreSQL */
	CHECK_EQ(q(&B, "commit"), 0);
	teardown();
}

UNIT_TEST(txn_repeatable_read)
{
	setup();
	CHECK_EQ(q(&B, "begin isolation level repeatable read"), 0);
	CHECK_EQ(q(&B, "select sum(v) from t"), 0);
	CHECK_STR(B.out, "60\n");
	CHECK_EQ(q(&A, "update t set v = 12 where id = 1; "
		       "insert into t values (5, 50); delete from t where id = 3"),
		 0);
	CHECK_EQ(q(&B, "select * from t order by id"), 0);
	CHECK_STR(B.out, "1|10\n2|20\n3|30\n");
	/* Writing a row changed since the snapshot: 40001. */
	CHECK_EQ(q(&B, "update t set v = v + 1 where id = 1"), -1);
	CHECK_STR(B.code, "40001");
	CHECK_EQ(q(&B, "select 1"), -1);
	CHECK_STR(B.code, "25P02");
	CHECK_EQ(q(&B, "rollback"), 0);
	/* A row not changed since: fine. */
	CHECK_EQ(q(&B, "begin transaction isolation level repeatable read; "
		       "select count(*) from t"),
		 0);
	CHECK_EQ(q(&B, "update t set v = v + 1 where id = 2"), 0);
	CHECK_EQ(q(&B, "delete from t where id = 3"), 0); /* gone already */
	CHECK_EQ(q(&B, "commit"), 0);
	CHECK_EQ(q(&C, "select * from t order by id"), 0);
	CHECK_STR(C.out, "1|12\n2|21\n5|50\n");
	teardown();
}

/* Two increments of one row: the second waits, then adds to the first. */
UNIT_TEST(txn_no_lost_update_read_committed)
{
	struct bg b;

	setup();
	CHECK_EQ(q(&A, "begin; update t set v = v + 1 where id = 1"), 0);
	CHECK_EQ(q(&B, "begin"), 0);
	bg_start(&b, &B, "update t set v = v + 5 where id = 1 and v >= 10");
	CHECK(parked(&B));
	CHECK_EQ(q(&C, "select v from t where id = 1"), 0); /* readers go on */
	CHECK_STR(C.out, "10\n");
	CHECK_EQ(q(&A, "commit"), 0);
	CHECK_EQ(bg_join(&b), 0);
	CHECK_EQ(q(&B, "commit"), 0);
	CHECK_EQ(q(&C, "select v from t where id = 1"), 0);
	CHECK_STR(C.out, "16\n");
	/* Re-checked WHERE: the newer version no longer matches. */
	CHECK_EQ(q(&A, "begin; update t set v = 0 where id = 2"), 0);
	bg_start(&b, &B, "update t set v = 99 where id = 2 and v = 20");
	CHECK(parked(&B));
	CHECK_EQ(q(&A, "commit"), 0);
	CHECK_EQ(bg_join(&b), 0);
	CHECK_EQ(q(&C, "select v from t where id = 2"), 0);
	CHECK_STR(C.out, "0\n");
	/* A deleted row is skipped by the waiting UPDATE. */
	CHECK_EQ(q(&A, "begin; delete from t where id = 3"), 0);
	bg_start(&b, &B, "update t set v = 99 where id = 3");
	CHECK(parked(&B));
	CHECK_EQ(q(&A, "commit"), 0);
	CHECK_EQ(bg_join(&b), 0);
	CHECK_EQ(q(&C, "select count(*) from t"), 0);
	CHECK_STR(C.out, "2\n");
	teardown();
}

UNIT_TEST(txn_no_lost_update_repeatable_read)
{
	struct bg b;

	setup();
	CHECK_EQ(q(&A, "begin; update t set v = v + 1 where id = 1"), 0);
	CHECK_EQ(q(&B, "begin isolation level repeatable read; select 1"), 0);
	bg_start(&b, &B, "update t set v = v + 5 where id = 1");
	CHECK(parked(&B));
	CHECK_EQ(q(&A, "commit"), 0);
	CHECK_EQ(bg_join(&b), -1);
	CHECK_STR(B.code, "40001");
	CHECK_EQ(q(&B, "commit"), 0);
	/* If the holder rolls back instead, the waiter goes on. */
	CHECK_EQ(q(&A, "begin; update t set v = v + 1 where id = 1"), 0);
	CHECK_EQ(q(&B, "begin isolation level repeatable read; select 1"), 0);
	bg_start(&b, &B, "update t set v = v + 5 where id = 1");
	CHECK(parked(&B));
	CHECK_EQ(q(&A, "rollback"), 0);
	CHECK_EQ(bg_join(&b), 0);
	CHECK_EQ(q(&B, "commit"), 0);
	CHECK_EQ(q(&C, "select v from t where id = 1"), 0);
	CHECK_STR(C.out, "16\n");
	teardown();
}

UNIT_TEST(txn_deadlock_detected)
{
	struct bg b;

	setup();
	CHECK_EQ(q(&A, "begin; update t set v = 1 where id = 1"), 0);
	CHECK_EQ(q(&B, "begin; update t set v = 2 where id = 2"), 0);
	bg_start(&b, &A, "update t set v = 1 where id = 2");
	CHECK(parked(&A));
	CHECK_EQ(q(&B, "update t set v = 2 where id = 1"), -1);
	CHECK_STR(B.code, "40P01");
	CHECK_EQ(q(&B, "rollback"), 0);
	CHECK_EQ(bg_join(&b), 0);
	CHECK_EQ(q(&A, "commit"), 0);
	CHECK_EQ(q(&C, "select * from t order by id"), 0);
	CHECK_STR(C.out, "1|1\n2|1\n3|30\n");
	/* Three transactions in a cycle. */
	CHECK_EQ(q(&A, "begin; update t set v = 1 where id = 1"), 0);
	CHECK_EQ(q(&B, "begin; update t set v = 2 where id = 2"), 0);
	CHECK_EQ(q(&C, "begin; update t set v = 3 where id = 3"), 0);
	{
		struct bg b2;

		bg_start(&b, &A, "update t set v = 1 where id = 2");
		CHECK(parked(&A));
		bg_start(&b2, &B, "update t set v = 2 where id = 3");
		CHECK(parked(&B));
		CHECK_EQ(q(&C, "update t set v = 3 where id = 1"), -1);
		CHECK_STR(C.code, "40P01");
		CHECK_EQ(q(&C, "rollback"), 0);
		CHECK_EQ(bg_join(&b2), 0);
		CHECK_EQ(q(&B, "commit"), 0);
		CHECK_EQ(bg_join(&b), 0);
		CHECK_EQ(q(&A, "commit"), 0);
	}
	CHECK_EQ(q(&C, "select * from t order by id"), 0);
	CHECK_STR(C.out, "1|1\n2|1\n3|2\n");
	teardown();
}

UNIT_TEST(txn_lock_timeout)
{
	struct bg b;

	setup();
	CHECK_EQ(q(&A, "begin; update t set v = 1 where id = 1"), 0);
	CHECK_EQ(q(&B, "set lock_timeout = '20ms'"), 0);
	CHECK_EQ(q(&B, "update t set v = 2 where id = 1"), -1);
	CHECK_STR(B.code, "55P03");
	CHECK_EQ(q(&B, "set lock_timeout = 0"), 0);
	bg_start(&b, &B, "update t set v = 2 where id = 1");
	CHECK(parked(&B));
	CHECK_EQ(q(&A, "commit"), 0);
	CHECK_EQ(bg_join(&b), 0);
	teardown();
}

UNIT_TEST(txn_duplicate_key_waits)
{
	struct bg b;

	setup();
	CHECK_EQ(q(&A, "begin; insert into t values (7, 70)"), 0);
	bg_start(&b, &B, "insert into t values (7, 71)");
	CHECK(parked(&B));
	CHECK_EQ(q(&A, "commit"), 0);
	CHECK_EQ(bg_join(&b), -1);
	CHECK_STR(B.code, "23505");
	CHECK_EQ(q(&A, "begin; insert into t values (8, 80)"), 0);
	bg_start(&b, &B, "insert into t values (8, 81)");
	CHECK(parked(&B));
	CHECK_EQ(q(&A, "rollback"), 0);
	CHECK_EQ(bg_join(&b), 0);
	/* A delete in flight: the insert waits; after the commit, it goes. */
	CHECK_EQ(q(&A, "begin; delete from t where id = 8"), 0);
	bg_start(&b, &B, "insert into t values (8, 82)");
	CHECK(parked(&B));
	CHECK_EQ(q(&A, "commit"), 0);
	CHECK_EQ(bg_join(&b), 0);
	CHECK_EQ(q(&C, "select * from t where id >= 7 order by id"), 0);
	CHECK_STR(C.out, "7|70\n8|82\n");
	CHECK_EQ(q(&C, "select v from t where id = 8"), 0);
	CHECK_STR(C.out, "82\n");
	teardown();
}

UNIT_TEST(txn_rollback_restores_rows_and_index)
{
	int i;

	setup();
	CHECK_EQ(q(&A, "begin; insert into t values (4, 40); "
		       "update t set id = 9 where id = 1; delete from t where id = 2; "
		       "update t set v = 0; insert into t values (2, 2)"),
		 0);
	CHECK_EQ(q(&A, "select * from t order by id"), 0);
	CHECK_STR(A.out, "2|2\n3|0\n4|0\n9|0\n");
	CHECK_EQ(q(&A, "select v from t where id = 9"), 0);
	CHECK_STR(A.out, "0\n");
	CHECK_EQ(q(&A, "rollback"), 0);
	CHECK_EQ(q(&A, "select * from t order by id"), 0);
	CHECK_STR(A.out, "1|10\n2|20\n3|30\n");
	for (i = 1; i <= 9; i++) {
		char sql[64], want[16];

		snprintf(sql, sizeof(sql), "select v from t where id = %d", i);
		CHECK_EQ(q(&A, sql), 0);
		snprintf(want, sizeof(want), "%d\n", i * 10);
		CHECK_STR(A.out, i <= 3 ? want : "");
	}
	CHECK_EQ(q(&A, "select id from t where id > 1 and id < 10 order by id"), 0);
	CHECK_STR(A.out, "2\n3\n");
	CHECK_EQ(q(&A, "insert into t values (9, 90), (4, 40)"), 0);
	CHECK_EQ(q(&A, "insert into t values (1, 1)"), -1);
	CHECK_STR(A.code, "23505");
	/* A failed statement in a block undoes only itself. */
	CHECK_EQ(q(&A, "begin; update t set v = 5 where id = 9"), 0);
	CHECK_EQ(q(&A, "insert into t values (5, 5), (1, 1)"), -1);
	CHECK_EQ(q(&A, "commit"), 0);
	CHECK_EQ(q(&A, "select * from t order by id"), 0);
	CHECK_STR(A.out, "1|10\n2|20\n3|30\n4|40\n9|90\n");
	teardown();
}

UNIT_TEST(txn_savepoints)
{
	setup();
	CHECK_EQ(q(&A, "begin; update t set v = 1 where id = 1; savepoint a; "
		       "update t set v = 2 where id = 1; insert into t values (4, 4); "
		       "savepoint b; delete from t"),
		 0);
	CHECK_EQ(q(&A, "select count(*) from t"), 0);
	CHECK_STR(A.out, "0\n");
	CHECK_EQ(q(&A, "rollback to b; select * from t order by id"), 0);
	CHECK_STR(A.out, "1|2\n2|20\n3|30\n4|4\n");
	CHECK_EQ(q(&A, "rollback to savepoint a; select * from t order by id"), 0);
	CHECK_STR(A.out, "1|1\n2|20\n3|30\n");
	CHECK_EQ(q(&A, "rollback to b"), -1);
	CHECK_STR(A.code, "3B001");
	CHECK_EQ(q(&A, "rollback to a"), 0); /* leaves the failed state */
	CHECK_EQ(q(&A, "savepoint c; insert into t values (1, 1)"), -1);
	CHECK_EQ(q(&A, "release c"), -1);
	CHECK_STR(A.code, "25P02");
	CHECK_EQ(q(&A, "rollback to c; release savepoint a; commit"), 0);
	CHECK_EQ(q(&B, "select * from t order by id"), 0);
	CHECK_STR(B.out, "1|1\n2|20\n3|30\n");
	CHECK_EQ(q(&A, "savepoint x"), -1);
	CHECK_STR(A.code, "25P01");
	CHECK_EQ(txn_status(A.t), 'I');
	CHECK_EQ(q(&A, "begin"), 0);
	CHECK_EQ(txn_status(A.t), 'T');
	CHECK_EQ(q(&A, "select 1/0"), -1);
	CHECK_EQ(txn_status(A.t), 'E');
	CHECK_EQ(q(&A, "commit"), 0);
	CHECK_EQ(txn_status(A.t), 'I');
	teardown();
}

UNIT_TEST(txn_read_only_and_ddl)
{
	setup();
	CHECK_EQ(q(&A, "begin read only; select count(*) from t"), 0);
	CHECK_EQ(q(&A, "delete from t"), -1);
	CHECK_STR(A.code, "25006");
	CHECK_EQ(q(&A, "rollback"), 0);
	CHECK_EQ(q(&A, "begin; update t set v = 0 where id = 1"), 0);
	CHECK_EQ(q(&B, "truncate t"), -1);
	CHECK_STR(B.code, "55006");
	CHECK_EQ(q(&A, "truncate t; rollback"), 0); /* TRUNCATE stays */
	CHECK_EQ(q(&B, "select count(*) from t"), 0);
	CHECK_STR(B.out, "0\n");
	/* A session that goes away rolls back. */
	CHECK_EQ(q(&A, "begin; insert into t values (1, 1)"), 0);
	sess_close(&A);
	CHECK_EQ(q(&B, "insert into t values (1, 2)"), 0);
	sess_open(&A);
	teardown();
}

/* More changes than one undo block holds, rolled back and committed. */
UNIT_TEST(txn_big_transaction)
{
	static char sql[32768];
	int round, i, n;

	setup();
	for (round = 0; round < 2; round++) {
		CHECK_EQ(q(&A, "begin; update t set v = v + 1"), 0);
		for (i = 0; i < 20; i++) {
			n = snprintf(sql, sizeof(sql), "insert into t values ");
			for (int k = 0; k < 500; k++)
				n += snprintf(sql + n, sizeof(sql) - (size_t)n,
					      "%s(%d, 1)", k ? "," : "",
					      100 + i * 500 + k);
			CHECK_EQ(q(&A, sql), 0);
		}
		CHECK_EQ(q(&A, "delete from t where id < 5000"), 0);
		CHECK_EQ(q(&B, "select count(*), sum(v) from t"), 0);
		CHECK_STR(B.out, "3|60\n"); /* none of it before COMMIT */
		CHECK_EQ(q(&A, round ? "commit" : "rollback"), 0);
	}
	CHECK_EQ(q(&B, "select count(*), sum(v) from t"), 0);
	CHECK_STR(B.out, "5100|5100\n");
	CHECK_EQ(q(&B, "select id from t where id = 5000"), 0);
	CHECK_STR(B.out, "5000\n");
	teardown();
}

/* ---- stress ---------------------------------------------------------------- */

#define ACCOUNTS 20
#define START 1000

struct worker {
	pthread_t th;
	int id, ops;
	bool rr;
	unsigned seed;
	long delta[ACCOUNTS]; /* what its committed transfers did */
	int commits, aborts, errors;
};

static volatile bool stress_stop;
static int bad_sums;

static void *worker_main(void *p)
{
	struct worker *w = p;
	struct sess s;
	int i;

	sess_open(&s);
	for (i = 0; i < w->ops; i++) {
		int a = rand_r(&w->seed) % ACCOUNTS, b = rand_r(&w->seed) % ACCOUNTS;
		int amt = rand_r(&w->seed) % 50, fate = rand_r(&w->seed) % 10;
		char sql[256];
		int rc;

		snprintf(sql, sizeof(sql),
			 "%s; update acc set bal = bal - %d where id = %d; "
			 "update acc set bal = bal + %d where id = %d",
			 w->rr ? "begin isolation level repeatable read" : "begin",
			 amt, a, amt, b);
		rc = q(&s, sql);
		if (rc == 0 && fate == 0) {
			/* A failing statement, then the block is aborted. */
			rc = q(&s, "select 1/0");
		}
		if (rc == 0 && fate == 1) {
			CHECK_EQ(q(&s, "rollback"), 0);
			w->aborts++;
			continue;
		}
		if (rc == 0 && fate == 2) /* may meet 40001 or 40P01 too */
			rc = q(&s, "savepoint s; update acc set bal = bal + 1000"
				   " where id = 0; rollback to s");
		if (rc < 0) {
			if (strcmp(s.code, "40001") && strcmp(s.code, "40P01") &&
			    strcmp(s.code, "22012"))
				w->errors++;
			CHECK_EQ(q(&s, "rollback"), 0);
			w->aborts++;
			continue;
		}
		CHECK_EQ(q(&s, "commit"), 0);
		CHECK_EQ(s.t->state, TXS_IDLE);
		w->delta[a] -= amt;
		w->delta[b] += amt;
		w->commits++;
	}
	sess_close(&s);
	return NULL;
}

/* p non-NULL: the sums read vm snapshots (db/txn/htap.h), every other
 * one inside a BEGIN READ ONLY block. */
static void *reader_main(void *p)
{
	struct sess s;
	int n = 0;

	sess_open(&s);
	if (p)
		CHECK_EQ(q(&s, "set parallel_threshold = 1"), 0);
	while (!__atomic_load_n(&stress_stop, __ATOMIC_SEQ_CST)) {
		char want[32];
		bool block = p && n++ % 2;

		snprintf(want, sizeof(want), "%d\n", ACCOUNTS * START);
		if (block)
			CHECK_EQ(q(&s, "begin read only"), 0);
		if (q(&s, "select sum(bal) from acc") < 0 || strcmp(s.out, want))
			__atomic_add_fetch(&bad_sums, 1, __ATOMIC_SEQ_CST);
		if (block)
			CHECK_EQ(q(&s, "commit"), 0);
	}
	sess_close(&s);
	return NULL;
}

static void stress(int nthreads, int ops, bool rr)
{
	static struct worker w[32];
	struct sess s;
	pthread_t reader, snap_reader;
	long model[ACCOUNTS];
	char sql[64];
	int i, k, commits = 0, errors = 0;

	db_destroy(&DB);
	db_init(&DB);
	sess_open(&s);
	CHECK_EQ(q(&s, "create table acc (id int primary key, bal int)"), 0);
	for (i = 0; i < ACCOUNTS; i++) {
		snprintf(sql, sizeof(sql), "insert into acc values (%d, %d)", i,
			 START);
		CHECK_EQ(q(&s, sql), 0);
		model[i] = START;
	}
	stress_stop = false;
	bad_sums = 0;
	pthread_create(&reader, NULL, reader_main, NULL);
	pthread_create(&snap_reader, NULL, reader_main, &bad_sums);
	for (i = 0; i < nthreads; i++) {
		memset(&w[i], 0, sizeof(w[i]));
		w[i].id = i;
		w[i].ops = ops;
		w[i].rr = rr;
		w[i].seed = (unsigned)(i * 7919 + nthreads);
		pthread_create(&w[i].th, NULL, worker_main, &w[i]);
	}
	for (i = 0; i < nthreads; i++) {
		pthread_join(w[i].th, NULL);
		for (k = 0; k < ACCOUNTS; k++)
			model[k] += w[i].delta[k];
		commits += w[i].commits;
		errors += w[i].errors;
	}
	__atomic_store_n(&stress_stop, true, __ATOMIC_SEQ_CST);
	pthread_join(reader, NULL);
	pthread_join(snap_reader, NULL);
	CHECK_EQ(errors, 0);
	CHECK_EQ(bad_sums, 0);
	CHECK(commits > 0);
	for (k = 0; k < ACCOUNTS; k++) {
		snprintf(sql, sizeof(sql), "select bal from acc where id = %d", k);
		CHECK_EQ(q(&s, sql), 0);
		CHECK_EQ(atol(s.out), model[k]);
	}
	CHECK_EQ(q(&s, "select sum(bal), count(*) from acc"), 0);
	snprintf(sql, sizeof(sql), "%d|%d\n", ACCOUNTS * START, ACCOUNTS);
	CHECK_STR(s.out, sql);
	sess_close(&s);
}

UNIT_TEST(txn_stress_transfers)
{
	static const int threads[] = {1, 2, 4, 8, 16};
	unsigned i;

	for (i = 0; i < sizeof(threads) / sizeof(threads[0]); i++) {
		stress(threads[i], 3000 / threads[i] + 100, false);
		stress(threads[i], 3000 / threads[i] + 100, true);
	}
}

/* A lone SELECT pg_sleep(x) releases the catalog lock while it sleeps:
 * DDL of another session completes meanwhile (it would wait for the
 * whole sleep otherwise); the sleep is then cancelled. */
static volatile bool sleep_stop;
static volatile int sleep_done;

static void *sleeper(void *p)
{
	int rc = q_cancel(p, "select pg_sleep(600)", &sleep_stop);

	__atomic_store_n(&sleep_done, rc < 0 ? -1 : 1, __ATOMIC_SEQ_CST);
	return NULL;
}

UNIT_TEST(txn_pg_sleep_does_not_block_ddl)
{
	pthread_t th;
	struct bg ddl;
	int i;

	db_destroy(&DB);
	db_init(&DB);
	sess_open(&A);
	sess_open(&B);
	CHECK_EQ(q(&B, "create table w (a int); insert into w values (1)"), 0);
	sleep_stop = false;
	sleep_done = 0;
	pthread_create(&th, NULL, sleeper, &A);
	/* A publishes its statement's snapshot once it runs (under the lock) */
	for (i = 0; i < 60000 && !__atomic_load_n(&A.t->snap, __ATOMIC_SEQ_CST);
	     i++)
		usleep(1000);
	CHECK(A.t->snap != 0);
	bg_start(&ddl, &B, "create table z (a int); drop table w; "
			   "select 'ddl done'");
	/* the DDL completes while A still sleeps (watchdog: 60 s) */
	for (i = 0; i < 60000 && strcmp(B.out, "ddl done\n"); i++)
		usleep(1000);
	CHECK_EQ(__atomic_load_n(&sleep_done, __ATOMIC_SEQ_CST), 0);
	sleep_stop = true; /* also ends a DDL that waited (the old bug) */
	CHECK_EQ(bg_join(&ddl), 0);
	CHECK(i < 60000);
	pthread_join(th, NULL);
	CHECK_EQ(sleep_done, -1);
	CHECK_STR(A.code, "57014");
	sess_close(&A);
	sess_close(&B);
}

/* Snapshots taken by the statements so far. */
static uint64_t snaps_taken(void)
{
	struct htap_stats st;

	htap_stats(&DB, &st);
	return st.taken;
}

/* A lookup of one row by its whole primary key reads the live table;
 * a scan of a table of parallel_threshold rows reads a snapshot. */
UNIT_TEST(txn_pk_lookup_takes_no_snapshot)
{
	struct sess s;
	uint64_t n;

	db_destroy(&DB);
	db_init(&DB);
	sess_open(&s);
	CHECK_EQ(q(&s, "create table k (a int, b int, v int, "
		       "primary key (a, b)); set parallel_threshold = 2; "
		       "insert into k values (1, 1, 10), (1, 2, 20), (2, 1, 30)"),
		 0);
	n = snaps_taken();
	CHECK_EQ(q(&s, "select v from k where b = 2 and a = 1"), 0);
	CHECK_STR(s.out, "20\n");
	CHECK_EQ(q(&s, "select v from k where 2::int = a and k.b = 1"), 0);
	CHECK_STR(s.out, "30\n");
	CHECK_EQ(snaps_taken(), n);
	/* part of the key, or another comparison: a scan */
	CHECK_EQ(q(&s, "select sum(v) from k where a = 1"), 0);
	CHECK_STR(s.out, "30\n");
	CHECK_EQ(snaps_taken(), n + 1);
	CHECK_EQ(q(&s, "select v from k where a = 1 and b > 1"), 0);
	CHECK_STR(s.out, "20\n");
	CHECK_EQ(snaps_taken(), n + 2);
	sess_close(&s);
}

/* Runs sql on A serially over the live table (parallel_threshold 0),
 * then in a read-only block with parallel_threshold 100 (on a snapshot,
 * on all cores, on column vectors); both must give the same rows, or the
 * same error. Returns the serial run's result. */
static int same_on_snapshot(const char *sql)
{
	char ref[sizeof(A.out)], code[6];
	int rc;

	CHECK_EQ(q(&A, "set parallel_threshold = 0"), 0);
	rc = q(&A, sql);
	snprintf(ref, sizeof(ref), "%s", A.out);
	snprintf(code, sizeof(code), "%s", A.code);
	CHECK_EQ(q(&A, "set parallel_threshold = 100; begin read only"), 0);
	CHECK_EQ(q(&A, sql), rc);
	if (strcmp(A.out, ref) || strcmp(A.code, code))
		printf("  %s:\n%s%s, serially\n%s%s", sql, A.out, A.code, ref,
		       code);
	CHECK_STR(A.out, ref);
	CHECK_STR(A.code, code);
	CHECK_EQ(q(&A, "rollback"), 0);
	return rc;
}

/* Filters on a snapshot run on column vectors (db/exec/filter.c): for
 * every condition shape, the rows and the count that pass, or the error,
 * are the serial scan's of the live table (parallel_threshold 0), over
 * 700 rows (three batches) with deleted slots, updated rows and another
 * session's uncommitted changes, which neither may see. */
UNIT_TEST(txn_vector_filters_equal_row_filters)
{
	static const char *const conds[] = {
	    "v > 50", "v = 37", "v <> 37", "v <= 0", "v >= 100", "v < 50.5",
	    "v > null", "37 < v", "v = 37::bigint", "v between 10 and 20",
	    "v not between 10 and 20", "v not between 30 and null",
	    "s = 'S3'", "s < 'S10'", "s::int > 1", "n between 1.5 and 7.25",
	    "n > 3", "d >= date '2020-01-05'", "d < date '2020-01-09'",
	    "d <> date '2020-01-09'", "d < date '2020-01-01' + interval '9' day",
	    "v > 50 and g < 3", "v is null and g = 1", "g > 20 and v > 1",
	    "v > 50 and v / (g - g) = 1", "v < -1 and v / (g - g) = 1",
	    "n > 100 and v / (g - g) = 1",
	    "v > 50 and (g = 1 or g = 2) and n < 5", "g = 1 or v < 5",
	    "(v > 50 and g < 3) or s = 'S1'", "v < g", "v::numeric >= n",
	    "v in (37, 50, 99)", "v not in (37, 50)", "v not in (37, null)",
	    "v in (null, 37)", "s in ('S1', 'S3')", "s::int in (1, 2)",
	    "v > s::int", "not (v > 50)", "n > 3 and v is not null and d > "
	    "date '2020-01-03' and g between 2 and 9",
	};
	static const char *const forms[] = {
	    "select count(*), sum(g) from v7 where %s",
	    "select v, g, s from v7 where %s",
	};
	char sql[256];
	uint64_t batches;
	unsigned i, f;
	int k, rc;

	setup();
	CHECK_EQ(q(&A, "create table v7 (v int, g int, s text, n numeric, d date)"),
		 0);
	for (k = 0; k < 700; k++) {
		char v[16] = "NULL", n[24] = "NULL";

		if (k % 7)
			snprintf(v, sizeof(v), "%d", k * 37 % 101);
		if (k % 5)
			snprintf(n, sizeof(n), "%d.%02d", k % 9, k * 13 % 100);
		snprintf(sql, sizeof(sql),
			 "insert into v7 values (%s, %d, 'S%d', %s, "
			 "date '2020-01-01' + %d)",
			 v, k % 13, k % 11, n, k % 17);
		CHECK_EQ(q(&A, sql), 0);
	}
	CHECK_EQ(q(&A, "delete from v7 where g = 4; update v7 set v = v + 1 "
		       "where g = 5; update v7 set s = 'S1' where g = 6"),
		 0);
	CHECK_EQ(q(&B, "begin; update v7 set v = 50 where g < 3; "
		       "delete from v7 where g = 7; insert into v7 values "
		       "(50, 1, 'S1', 1, date '2020-01-02')"),
		 0);
	for (i = 0; i < sizeof(conds) / sizeof(conds[0]); i++) {
		for (f = 0; f < sizeof(forms) / sizeof(forms[0]); f++) {
			snprintf(sql, sizeof(sql), forms[f], conds[i]);
			batches = vec_filter_batches();
			rc = same_on_snapshot(sql);
			/* an error stops the scan at once */
			CHECK(vec_filter_batches() >= batches + (rc ? 1 : 3));
		}
	}
	CHECK_EQ(q(&B, "rollback"), 0);
	teardown();
}

/* Aggregation on a snapshot runs on column vectors (parallel.c agg_vec):
 * numeric sums and averages from vectors of small numerics, the rest,
 * and values too long for them, row by row; every aggregate equals the
 * serial one over the live table, with deleted, updated and uncommitted
 * rows, NULLs, and sums that outgrow the small form. */
UNIT_TEST(txn_vector_aggregates_equal_row_aggregates)
{
	static const char *const queries[] = {
	    "select g, sum(n), avg(n), count(*), count(n), sum(n * (1 - d)),"
	    " sum(n * (1 - d) * (1 + d)), avg(d), min(n), max(n) from a8"
	    " group by g order by g",
	    "select s, sum(i), avg(i), sum(f), sum(n + i), sum(n - 2.5),"
	    " sum(i * n), max(s), min(d) from a8 where d < 0.5 group by s"
	    " order by s",
	    "select sum(n), sum(big), avg(big), sum(big * 2), sum(n * big),"
	    " count(big), max(big) from a8",
	    "select g, s, sum(n * d) from a8 where n > 3 group by g, s"
	    " order by 1, 2",
	    "select count(*), sum(n), avg(n * d) from a8 where g > 100",
	    /* no ORDER BY: groups in the order of their first rows */
	    "select s, g, count(*), sum(n) from a8 where n > 1 group by s, g",
	};
	char sql[512];
	unsigned i;
	int k;

	setup();
	CHECK_EQ(q(&A, "create table a8 (g int, s text, i bigint, f float8, "
		       "n numeric, d numeric(4,2), big numeric)"),
		 0);
	for (k = 0; k < 700; k++) {
		char n[32] = "NULL", big[64] = "NULL";

		if (k % 9)
			snprintf(n, sizeof(n), "%s%d.%02d", k % 4 ? "" : "-",
				 k % 37, k * 13 % 100);
		if (k % 3 == 0)
			snprintf(big, sizeof(big), "%d%s", k,
				 k % 2 ? "000000000000000000000000000000000.5"
				       : ".25");
		snprintf(sql, sizeof(sql),
			 "insert into a8 values (%d, 'S%d', %d, %d.5, %s, "
			 "0.%02d, %s)",
			 k % 7, k % 5, k * 11 % 97 - 40, k % 10, n, k % 100,
			 big);
		CHECK_EQ(q(&A, sql), 0);
	}
	CHECK_EQ(q(&A, "delete from a8 where i = 3; update a8 set n = n * 3 "
		       "where g = 2; update a8 set s = 'S9' where i < -30"),
		 0);
	CHECK_EQ(q(&B, "begin; update a8 set n = 1 where g < 3; "
		       "delete from a8 where g = 5; insert into a8 values "
		       "(1, 'S1', 1, 1, 1, 0.5, 1)"),
		 0);
	for (i = 0; i < sizeof(queries) / sizeof(queries[0]); i++)
		CHECK_EQ(same_on_snapshot(queries[i]), 0);
	CHECK_EQ(q(&B, "rollback"), 0);
	teardown();
}

UNIT_MAIN()
