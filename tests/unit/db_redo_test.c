/* SPDX-License-Identifier: MIT */
/* db_redo_test.c: the database over its redo log: SQL runs, the "machine"
 * crashes (the disk keeps only what was flushed), a fresh database
 * recovers from the disk and must show what was committed: rows after
 * inserts, updates, deletes, DDL, sequences, a transaction larger than
 * one log record, checkpoints (also with changes after them), and
 * nothing of rolled-back transactions. Also: a blank disk without format
 * is refused, a failing device fails the commit and keeps nothing. */
#include <pthread.h>
#include <string.h>
#include <unistd.h>

#include "../../db/exec/copy.h"
#include "../../db/exec/exec.h"
#include "../../db/storage/table.h"
#include "../../db/txn/txn.h"
#include "../../db/wal/redo.h"
#include "unit.h"

#define DISK_BYTES ((uint64_t)32 << 20)

/* A disk with a volatile cache: writes land in `cache`, a flush copies
 * them to `media`; a crash throws the cache away. */
struct mdisk {
	uint8_t *media, *cache;
	bool fail_writes;
};

static int md_read(void *ctx, uint64_t off, void *buf, uint32_t len)
{
	struct mdisk *d = ctx;

	memcpy(buf, d->cache + off, len);
	return 0;
}

static int md_write(void *ctx, uint64_t off, const void *buf, uint32_t len)
{
	struct mdisk *d = ctx;

	if (d->fail_writes)
		return -5;
	memcpy(d->cache + off, buf, len);
	return 0;
}

static int md_flush(void *ctx)
{
	struct mdisk *d = ctx;

	memcpy(d->media, d->cache, DISK_BYTES);
	return 0;
}

static void md_init(struct mdisk *d, struct disk_dev *dev)
{
	d->media = calloc(1, DISK_BYTES);
	d->cache = calloc(1, DISK_BYTES);
	d->fail_writes = false;
	*dev = (struct disk_dev){d, 512, DISK_BYTES, md_read, md_write,
				 md_flush};
}

static void md_crash(struct mdisk *d)
{
	memcpy(d->cache, d->media, DISK_BYTES);
	d->fail_writes = false;
}

static void md_free(struct mdisk *d)
{
	free(d->media);
	free(d->cache);
}

static struct db DB;
static struct setting SET[SETTING_MAX];
static int NSET;
static struct txn *SESS; /* one session: BEGIN ... ROLLBACK spans calls */

/* Runs the statements of q in the session (as db/wire does: txn_exec);
 * returns the last result as "a|b\n" lines, or the SQLSTATE. */
static const char *sql(const char *q)
{
	static struct strbuf out;
	struct strbuf notices = STRBUF_INIT;
	struct db_error err = {0};
	struct exec_ctx x = {.db = &DB, .err = &err, .settings = SET,
			     .nsettings = &NSET, .user = "u", .database = "d",
			     .txn = SESS, .query = q, .notices = &notices};
	struct arena a;
	struct stmt **st;
	struct result res;
	int n, i, rc;
	uint64_t k;

	arena_init(&a, 64 << 20);
	x.a = &a;
	sb_reset(&out);
	sb_puts(&out, "");
	rc = sql_parse(&a, q, strlen(q), &st, &n, &err);
	for (i = 0; rc == 0 && i < n; i++)
		rc = txn_exec(&x, st[i], &res);
	if (rc < 0)
		sb_puts(&out, err.code);
	for (k = 0; rc == 0 && k < res.nrows; k++) {
		for (i = 0; i < res.ncols; i++) {
			if (i)
				sb_putc(&out, '|');
			if (res.rows[k][i].null)
				sb_putc(&out, 'N');
			else
				datum_out(&out, &res.rows[k][i]);
		}
		sb_putc(&out, '\n');
	}
	sb_free(&notices);
	arena_free(&a);
	return out.p;
}

static int boot(const struct disk_dev *dev, bool format,
		struct redo_report *rep, struct db_error *err)
{
	db_init(&DB);
	settings_init(SET, &NSET, NULL);
	SESS = txn_open(&DB);
	return redo_open(&DB, dev, format, rep, err);
}

static void halt(void)
{
	txn_close(&DB, SESS);
	redo_close(&DB);
	db_destroy(&DB);
}

/* Everything the checks compare, as one string. */
static char *state(void)
{
	struct strbuf all = STRBUF_INIT;

	sb_puts(&all, sql("SELECT id, v, n FROM t ORDER BY id"));
	sb_puts(&all, sql("SELECT id, x FROM s ORDER BY id"));
	sb_puts(&all, sql("SELECT count(*), sum(id) FROM big"));
	return all.p;
}

/* A crash, then a boot on the disk: the state must be what it was. */
static void crash_keeps_state(struct mdisk *d, const struct disk_dev *dev,
			      struct redo_report *rep)
{
	struct db_error err = {0};
	char *before = state(), *after;

	halt();
	md_crash(d);
	CHECK_EQ(boot(dev, false, rep, &err), 0);
	after = state();
	CHECK_STR(after, before);
	free(after);
	free(before);
}

static void workload(void)
{
	CHECK_STR(sql("CREATE TABLE t (id int PRIMARY KEY, v text, n numeric)"),
		  "");
	CHECK_STR(sql("INSERT INTO t VALUES (1, 'one', 1.5), (2, 'two', NULL),"
		      " (3, 'three', 3)"),
		  "");
	CHECK_STR(sql("UPDATE t SET v = 'TWO', n = 2.25 WHERE id = 2"), "");
	CHECK_STR(sql("DELETE FROM t WHERE id = 3"), "");
	CHECK_STR(sql("BEGIN"), "");
	CHECK_STR(sql("INSERT INTO t VALUES (9, 'gone', 9)"), "");
	CHECK_STR(sql("ROLLBACK"), "");
	CHECK_STR(sql("BEGIN"), "");
	CHECK_STR(sql("UPDATE t SET v = 'uno' WHERE id = 1"), "");
	CHECK_STR(sql("UPDATE t SET v = 'ONE' WHERE id = 1"), "");
	CHECK_STR(sql("COMMIT"), "");
	CHECK_STR(sql("CREATE TABLE s (id serial PRIMARY KEY, x int)"), "");
	CHECK_STR(sql("INSERT INTO s (x) VALUES (10), (20), (30)"), "");
	CHECK_STR(sql("CREATE INDEX s_x ON s (x)"), "");
	CHECK_STR(sql("ALTER TABLE t ADD COLUMN w int DEFAULT 7"), "");
	CHECK_STR(sql("UPDATE t SET id = 4 WHERE id = 1"), "");
	/* Larger than one record (256 KiB): REDO_PART pieces. */
	CHECK_STR(sql("CREATE TABLE big (id int PRIMARY KEY, pad text)"), "");
	CHECK_STR(sql("INSERT INTO big SELECT g, repeat('x', 200) FROM "
		      "generate_series(1, 3000) g"),
		  "");
}

UNIT_TEST(redo_recovers_committed_work)
{
	struct mdisk d;
	struct disk_dev dev;
	struct redo_report rep;
	struct db_error err = {0};
	char *before, *after;

	md_init(&d, &dev);
	CHECK(boot(&dev, false, &rep, &err) < 0);
	CHECK_STR(err.code, "58P01"); /* blank: only with format */
	halt();
	memset(&err, 0, sizeof(err));
	CHECK_EQ(boot(&dev, true, &rep, &err), 0);
	CHECK(rep.formatted);
	workload();
	before = state();
	CHECK(strstr(before, "4|ONE|1.5") != NULL);
	CHECK(strstr(before, "gone") == NULL);
	CHECK(strstr(before, "3000|4501500") != NULL);
	halt();
	md_crash(&d);

	CHECK_EQ(boot(&dev, false, &rep, &err), 0);
	CHECK(!rep.formatted && !rep.had_ckpt);
	CHECK(rep.txns >= 6);
	after = state();
	CHECK_STR(after, before);
	/* The sequence goes on after its last logged value. */
	CHECK_STR(sql("INSERT INTO s (x) VALUES (40) RETURNING id"), "4\n");
	CHECK_STR(sql("SELECT x FROM s WHERE x = 20"), "20\n"); /* index */
	free(after);
	free(before);
	halt();
	md_free(&d);
}

UNIT_TEST(redo_checkpoint_then_log)
{
	struct mdisk d;
	struct disk_dev dev;
	struct redo_report rep;
	struct db_error err = {0};
	char *before, *after;

	md_init(&d, &dev);
	CHECK_EQ(boot(&dev, true, &rep, &err), 0);
	workload();
	CHECK_STR(sql("CHECKPOINT"), "");
	CHECK_STR(sql("INSERT INTO t VALUES (5, 'five', 5, 5)"), "");
	CHECK_STR(sql("DELETE FROM big WHERE id > 10"), "");
	CHECK_STR(sql("SELECT nextval('s_id_seq')"), "4\n");
	before = state();
	halt();
	md_crash(&d);

	CHECK_EQ(boot(&dev, false, &rep, &err), 0);
	CHECK(rep.had_ckpt);
	CHECK_EQ(rep.ckpt_rows, 2 + 3 + 3000);
	CHECK(rep.txns >= 2);
	after = state();
	CHECK_STR(after, before);
	CHECK_STR(sql("SELECT nextval('s_id_seq')"), "5\n");
	free(after);
	free(before);
	/* A second checkpoint and a second crash: the newer one counts. */
	CHECK_STR(sql("CHECKPOINT"), "");
	crash_keeps_state(&d, &dev, &rep);
	CHECK_EQ(rep.txns, 0);
	halt();
	md_free(&d);
}

UNIT_TEST(redo_write_error_fails_the_commit)
{
	struct mdisk d;
	struct disk_dev dev;
	struct redo_report rep;
	struct db_error err = {0};

	md_init(&d, &dev);
	CHECK_EQ(boot(&dev, true, &rep, &err), 0);
	CHECK_STR(sql("CREATE TABLE t (id int PRIMARY KEY)"), "");
	CHECK_STR(sql("INSERT INTO t VALUES (1)"), "");
	d.fail_writes = true;
	CHECK_STR(sql("INSERT INTO t VALUES (2)"), "58030");
	d.fail_writes = false;
	CHECK_STR(sql("INSERT INTO t VALUES (3)"), "58030"); /* sticky */
	CHECK_STR(sql("SELECT id FROM t ORDER BY id"), "1\n"); /* rolled back */
	halt();
	md_crash(&d);
	CHECK_EQ(boot(&dev, false, &rep, &err), 0);
	CHECK_STR(sql("SELECT id FROM t ORDER BY id"), "1\n");
	halt();
	md_free(&d);
}

UNIT_TEST(redo_synchronous_commit_off)
{
	struct mdisk d;
	struct disk_dev dev;
	struct redo_report rep;
	struct db_error err = {0};

	md_init(&d, &dev);
	CHECK_EQ(boot(&dev, true, &rep, &err), 0);
	CHECK_STR(sql("CREATE TABLE t (id int PRIMARY KEY)"), "");
	CHECK_STR(sql("SHOW synchronous_commit"), "on\n");
	CHECK_STR(sql("SET synchronous_commit = off"), "");
	CHECK_STR(sql("INSERT INTO t VALUES (1)"), "");
	CHECK_STR(sql("SELECT id FROM t"), "1\n"); /* visible at once */
	halt();
	md_crash(&d); /* nothing flushed it: lost, and that is allowed */
	CHECK_EQ(boot(&dev, false, &rep, &err), 0);
	CHECK_STR(sql("SELECT count(*) FROM t"), "0\n");
	halt();
	md_free(&d);
}

UNIT_MAIN()

/* setval moving a sequence backwards survives a crash, from the log alone
 * and with a checkpoint before it (replay takes the logged state as it
 * is, not only forward moves). */
UNIT_TEST(redo_setval_backwards)
{
	struct mdisk d;
	struct disk_dev dev;
	struct redo_report rep;
	struct db_error err = {0};

	md_init(&d, &dev);
	CHECK_EQ(boot(&dev, true, &rep, &err), 0);
	CHECK_STR(sql("CREATE SEQUENCE q"), "");
	CHECK_STR(sql("SELECT nextval('q'), nextval('q'), nextval('q')"),
		  "1|2|3\n");
	CHECK_STR(sql("SELECT setval('q', 1)"), "1\n");
	halt();
	md_crash(&d);
	CHECK_EQ(boot(&dev, false, &rep, &err), 0);
	CHECK_STR(sql("SELECT nextval('q')"), "2\n");

	CHECK_STR(sql("SELECT setval('q', 100)"), "100\n");
	CHECK_STR(sql("CHECKPOINT"), "");
	CHECK_STR(sql("SELECT setval('q', 10, false)"), "10\n");
	halt();
	md_crash(&d);
	CHECK_EQ(boot(&dev, false, &rep, &err), 0);
	CHECK(rep.had_ckpt);
	CHECK_STR(sql("SELECT nextval('q')"), "10\n");
	halt();
	md_free(&d);
}

/* COPY c FROM STDIN started, fed the lines for ids [from, to): every
 * COPY_BATCH lines a batch is in the table (not logged yet). */
static struct copy_in *copy_open(struct arena *a, struct db_error *err)
{
	struct exec_ctx x = {.db = &DB, .err = err, .settings = SET,
			     .nsettings = &NSET, .user = "u", .database = "d"};
	struct copy_stmt cs;
	struct copy_in *ci = NULL;
	int ncols;

	x.a = a;
	CHECK_EQ(copy_parse(a, "COPY c FROM STDIN", &cs, err), 0);
	CHECK_EQ(copy_in_start(&x, &cs, &ci, &ncols), 0);
	return ci;
}

static int copy_feed(struct copy_in *ci, int from, int to)
{
	char line[64];
	int i, rc = 0;

	for (i = from; rc == 0 && i < to; i++) {
		snprintf(line, sizeof(line), "%d\tcopied\n", i);
		rc = copy_in_feed(ci, line, strlen(line));
	}
	return rc;
}

/* A checkpoint while a COPY is loading leaves the COPY's rows out: after
 * a crash the table holds exactly what committed: nothing of a COPY that
 * never finished or failed, all of one that finished after the
 * checkpoint. */
UNIT_TEST(redo_copy_across_checkpoint)
{
	struct mdisk d;
	struct disk_dev dev;
	struct redo_report rep;
	struct db_error err = {0};
	struct arena a;
	struct copy_in *ci;
	uint64_t n = 0;

	arena_init(&a, 1 << 20);
	md_init(&d, &dev);
	CHECK_EQ(boot(&dev, true, &rep, &err), 0);
	CHECK_STR(sql("CREATE TABLE c (id int primary key, v text)"), "");
	CHECK_STR(sql("INSERT INTO c VALUES (0, 'committed')"), "");

	/* 1. The COPY never finishes: a crash in the middle of it. */
	ci = copy_open(&a, &err);
	CHECK_EQ(copy_feed(ci, 1, 1 + 3 * COPY_BATCH), 0);
	CHECK_STR(sql("SELECT count(*) FROM c"), "3001\n"); /* visible */
	CHECK_STR(sql("CHECKPOINT"), "");
	md_crash(&d); /* the disk as the crash left it; then tidy memory */
	copy_in_end(ci);
	halt();
	CHECK_EQ(boot(&dev, false, &rep, &err), 0);
	CHECK(rep.had_ckpt);
	CHECK_STR(sql("SELECT count(*), sum(id) FROM c"), "1|0\n");

	/* 2. A checkpoint in the middle, the COPY finishes after it. */
	ci = copy_open(&a, &err);
	CHECK_EQ(copy_feed(ci, 1, 1 + 2 * COPY_BATCH), 0);
	CHECK_STR(sql("CHECKPOINT"), "");
	CHECK_EQ(copy_feed(ci, 1 + 2 * COPY_BATCH, 1 + 2 * COPY_BATCH + 500), 0);
	CHECK_EQ(copy_in_finish(ci, &n), 0);
	CHECK_EQ(n, 2 * COPY_BATCH + 500);
	copy_in_end(ci);
	halt();
	md_crash(&d);
	CHECK_EQ(boot(&dev, false, &rep, &err), 0);
	CHECK_STR(sql("SELECT count(*), sum(id) FROM c"), "2501|3126250\n");

	/* 3. A checkpoint in the middle, then the COPY fails (a bad line). */
	ci = copy_open(&a, &err);
	CHECK_EQ(copy_feed(ci, 5000, 5000 + 2 * COPY_BATCH), 0);
	CHECK_STR(sql("CHECKPOINT"), "");
	CHECK_EQ(copy_in_feed(ci, "oops\n", 5), 0);
	CHECK(copy_in_finish(ci, &n) < 0); /* its last batch fails */
	copy_in_end(ci);
	CHECK_STR(sql("SELECT count(*) FROM c"), "2501\n");
	halt();
	md_crash(&d);
	CHECK_EQ(boot(&dev, false, &rep, &err), 0);
	CHECK_STR(sql("SELECT count(*), sum(id) FROM c"), "2501|3126250\n");
	halt();
	md_free(&d);
	arena_free(&a);
}

/* Checkpoints after a process's first are deltas while no catalog
 * statement runs: only the slots written since the one before, appended
 * to the stream in force. Loading applies the full one, then each delta.
 * A row whose transaction was running at a delta's cut, and the rows of
 * a COPY not logged yet then, are written by the next one (without
 * marking them dirty again they would be lost: the log before it is
 * released). A restart, and a catalog statement, make the next one full. */
UNIT_TEST(redo_delta_checkpoints)
{
	struct mdisk d;
	struct disk_dev dev;
	struct redo_report rep;
	struct db_error err = {0};
	struct arena a;
	struct copy_in *ci;
	uint64_t n = 0, len;
	int slot;

	arena_init(&a, 1 << 20);
	md_init(&d, &dev);
	CHECK_EQ(boot(&dev, true, &rep, &err), 0);
	workload();
	CHECK_STR(sql("CREATE TABLE c (id int primary key, v text)"), "");
	CHECK_STR(sql("CHECKPOINT"), ""); /* the first: full */
	CHECK_EQ(DB.redo->ckpt_deltas, 0);
	slot = DB.redo->sb.ckpt_slot;
	len = DB.redo->sb.ckpt_len;
	CHECK_STR(sql("UPDATE t SET v = 'd1' WHERE id = 2"), "");
	CHECK_STR(sql("DELETE FROM big WHERE id <= 10"), "");
	CHECK_STR(sql("INSERT INTO big VALUES (5000, 'new')"), "");
	CHECK_STR(sql("SELECT nextval('s_id_seq')"), "4\n");
	CHECK_STR(sql("CHECKPOINT"), "");
	CHECK_EQ(DB.redo->ckpt_deltas, 1);
	CHECK_EQ(DB.redo->sb.ckpt_slot, slot);
	CHECK(DB.redo->sb.ckpt_len > len && DB.redo->sb.ckpt_len < len + 4096);

	CHECK_STR(sql("BEGIN"), "");
	CHECK_STR(sql("UPDATE t SET v = 'late' WHERE id = 2"), "");
	CHECK_EQ(redo_checkpoint(&DB, &err), 0);
	CHECK_STR(sql("COMMIT"), "");
	ci = copy_open(&a, &err);
	CHECK_EQ(copy_feed(ci, 1, 1 + 2 * COPY_BATCH), 0);
	CHECK_STR(sql("CHECKPOINT"), "");
	CHECK_EQ(copy_in_finish(ci, &n), 0);
	copy_in_end(ci);
	CHECK_STR(sql("CHECKPOINT"), "");
	CHECK_EQ(DB.redo->ckpt_deltas, 4);
	CHECK_EQ(DB.redo->sb.ckpt_slot, slot);
	crash_keeps_state(&d, &dev, &rep);
	CHECK_EQ(rep.ckpt_deltas, 4);
	CHECK_EQ(rep.txns, 0);
	CHECK_STR(sql("SELECT v FROM t WHERE id = 2"), "late\n");
	CHECK_STR(sql("SELECT count(*), sum(id) FROM c"), "2000|2001000\n");
	CHECK_STR(sql("SELECT nextval('s_id_seq')"), "5\n");

	CHECK_STR(sql("CHECKPOINT"), ""); /* after a restart: full */
	CHECK_EQ(DB.redo->ckpt_deltas, 0);
	CHECK(DB.redo->sb.ckpt_slot != slot);
	slot = DB.redo->sb.ckpt_slot;
	CHECK_STR(sql("UPDATE t SET v = 'again' WHERE id = 2"), "");
	CHECK_STR(sql("CHECKPOINT"), "");
	CHECK_EQ(DB.redo->ckpt_deltas, 1);
	CHECK_STR(sql("CREATE TABLE e (id int)"), "");
	CHECK_STR(sql("INSERT INTO e VALUES (1)"), "");
	CHECK_STR(sql("CHECKPOINT"), ""); /* after DDL: full */
	CHECK_EQ(DB.redo->ckpt_deltas, 1);
	CHECK(DB.redo->sb.ckpt_slot != slot);
	crash_keeps_state(&d, &dev, &rep);
	CHECK_EQ(rep.ckpt_deltas, 0);
	CHECK_STR(sql("SELECT v FROM t WHERE id = 2"), "again\n");
	CHECK_STR(sql("SELECT id FROM e"), "1\n");
	halt();
	md_free(&d);
	arena_free(&a);
}

/* A second session in its own thread: one catalog statement each round
 * (a CREATE TABLE, or an ALTER TABLE that rewrites every row of big),
 * up to 20 ms after the main thread starts a checkpoint. */
struct ddl_loop {
	volatile int round, done; /* round: asked, done: finished */
	volatile bool stop;
};

static void ddl_run(struct txn *me, struct setting *set, int *nset, int k)
{
	char q[64];
	struct db_error err = {0};
	struct exec_ctx x = {.db = &DB, .err = &err, .settings = set,
			     .nsettings = nset, .user = "u", .database = "d",
			     .txn = me, .query = q};
	struct arena a;
	struct stmt **st;
	struct result res;
	int n;

	if (k % 2)
		snprintf(q, sizeof(q), "CREATE TABLE x%d (id int)", k);
	else /* every row rewritten */
		snprintf(q, sizeof(q), "ALTER TABLE big ADD COLUMN c%d int "
				       "DEFAULT %d", k, k);
	arena_init(&a, 1 << 20);
	x.a = &a;
	CHECK_EQ(sql_parse(&a, q, strlen(q), &st, &n, &err), 0);
	CHECK_EQ(txn_exec(&x, st[0], &res), 0);
	arena_free(&a);
}

static void *ddl_thread(void *arg)
{
	struct ddl_loop *l = arg;
	struct setting set[SETTING_MAX];
	int nset;
	unsigned seed = 5;
	struct txn *me = txn_open(&DB);

	settings_init(set, &nset, NULL);
	while (!l->stop) {
		if (l->done == l->round) {
			usleep(100);
			continue;
		}
		seed = seed * 1103515245u + 12345u;
		usleep((seed >> 8) % 20000);
		ddl_run(me, set, &nset, l->done);
		__atomic_store_n(&l->done, l->done + 1, __ATOMIC_RELEASE);
	}
	txn_close(&DB, me);
	return NULL;
}

/* What a crash now would leave recovers (on a copy of the durable
 * bytes, into a second database). */
static void recovers_now(struct mdisk *d)
{
	struct mdisk c;
	struct disk_dev dev;
	struct redo_report rep;
	struct db_error err = {0};
	struct db db2;

	md_init(&c, &dev);
	memcpy(c.media, d->media, DISK_BYTES);
	md_crash(&c);
	db_init(&db2);
	CHECK_EQ(redo_open(&db2, &dev, false, &rep, &err), 0);
	if (err.code[0])
		printf("  recovery: %s %s\n", err.code, err.msg);
	redo_close(&db2);
	db_destroy(&db2);
	md_free(&c);
}

/* Catalog statements while deltas are written: a delta that meets one
 * (its table may be gone or rewritten) gives way to a full checkpoint;
 * whatever happened, a crash then recovers every table and row. */
UNIT_TEST(redo_delta_meets_ddl)
{
	struct mdisk d;
	struct disk_dev dev;
	struct redo_report rep;
	struct db_error err = {0};
	struct ddl_loop l = {0};
	pthread_t th;
	char last[64];
	int i;

	md_init(&d, &dev);
	CHECK_EQ(boot(&dev, true, &rep, &err), 0);
	workload();
	CHECK_EQ(pthread_create(&th, NULL, ddl_thread, &l), 0);
	for (i = 0; i < 30; i++) {
		CHECK_STR(sql("CHECKPOINT"), ""); /* full: the DDL before */
		CHECK_STR(sql("UPDATE big SET pad = 'y' WHERE id % 2 = 0"), "");
		__atomic_store_n(&l.round, i + 1, __ATOMIC_RELEASE);
		CHECK_EQ(redo_checkpoint(&DB, &err), 0);
		while (l.done != i + 1)
			usleep(100);
		recovers_now(&d);
	}
	l.stop = true;
	pthread_join(th, NULL);
	printf("  30 rounds: %llu deltas written, %llu gave way to a full "
	       "one\n", (unsigned long long)DB.redo->ckpt_deltas,
	       (unsigned long long)DB.redo->ckpt_fallbacks);
	crash_keeps_state(&d, &dev, &rep);
	CHECK_EQ(rep.txns, 0);
	snprintf(last, sizeof(last), "SELECT count(*) FROM x%d", i - 1);
	CHECK_STR(sql(last), "0\n"); /* the newest table too */
	CHECK_STR(sql("SELECT count(*), sum(c28) FROM big"), "3000|84000\n");
	halt();
	md_free(&d);
}
