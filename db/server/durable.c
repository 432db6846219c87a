/* SPDX-License-Identifier: MIT */
/* durable.c: the `db` command's database disk: recovery at boot and the
 * background checkpointer (docs/durability.md). */
#include "durable.h"

#include <string.h>
#include <unidb/blk.h>
#include <unidb/panic.h>
#include <unidb/printk.h>
#include <unidb/thread.h>
#include <unidb/time.h>

#include "../storage/table.h"
#include "../wal/redo.h"
#include "disk.h"

#define TICK_NS 100000000ull	      /* 100 ms: synchronous_commit=off */
#define CKPT_EVERY_NS 300000000000ull /* 5 min, as PostgreSQL */

int db_durable_open(struct db *db, bool format)
{
	struct disk_dev dev;
	struct redo_report rep;
	struct db_error err = {0};
	uint64_t t0 = time_ns();

	if (db_disk_open(0, &dev) < 0) {
		printk("unidb: no disk attached: the database lives in memory "
		       "only (boot with tools/run --disk FILE to keep it)\n");
		return 0;
	}
	if (redo_open(db, &dev, format, &rep, &err) < 0) {
		printk("unidb: cannot open the database disk: %s%s%s (SQLSTATE "
		       "%s)\n",
		       err.msg, err.detail[0] ? ": " : "", err.detail, err.code);
		if (!strcmp(err.code, "58P01"))
			printk("unidb: to create a new database on this disk, "
			       "run `db [PORT] format`\n");
		return -1;
	}
	if (rep.formatted)
		printk("unidb: formatted the disk (%llu MiB): a new database\n",
		       (unsigned long long)(dev.size >> 20));
	else if (format)
		printk("unidb: the disk holds a database already: `format` "
		       "ignored, nothing erased\n");
	printk("unidb: checkpoint %s (%llu rows, %llu deltas)\n",
	       rep.had_ckpt ? "loaded" : "none yet",
	       (unsigned long long)rep.ckpt_rows,
	       (unsigned long long)rep.ckpt_deltas);
	printk("unidb: recovered %llu transactions from LSN %llu to %llu in "
	       "%llu ms\n",
	       (unsigned long long)rep.txns, (unsigned long long)rep.start_lsn,
	       (unsigned long long)rep.end_lsn,
	       (unsigned long long)((time_ns() - t0) / 1000000));
	return 0;
}

/* A clean stop (unidb_shutdown()): a checkpoint, again if commits came
 * in meanwhile, so that the next boot replays nothing; then power off.
 * Commits acknowledged after the last one are in the log and replayed. */
static void clean_stop(struct db *db)
{
	struct redo *r = db->redo;
	int i, rc = -1;

	for (i = 0; i < 3; i++) {
		struct db_error err = {0};

		rc = redo_checkpoint(db, &err);
		if (rc < 0)
			printk("unidb: clean stop: checkpoint failed: %s\n",
			       err.msg);
		else if (wal_end(&r->wal) == r->sb.redo_lsn)
			break;
	}
	wal_commit(&r->wal, wal_end(&r->wal));
	printk("unidb: clean stop: %s at LSN %llu\n",
	       rc < 0 ? "no checkpoint, the log replays"
		      : "checkpoint written, nothing to replay",
	       (unsigned long long)wal_end(&r->wal));
	poweroff(rc < 0 ? POWEROFF_FAIL : POWEROFF_OK);
}

/* Flushes what synchronous_commit=off left in memory, and checkpoints
 * after a quarter of the log or every 5 minutes with new records. */
static void checkpointer(void *arg)
{
	struct db *db = arg;
	struct redo *r = db->redo;
	uint64_t last = time_ns(), last_end = wal_end(&r->wal);
	bool told = false;

	for (;;) {
		struct db_error err = {0};
		uint64_t end;

		thread_sleep_ns(TICK_NS);
		if (__atomic_load_n(&r->stop, __ATOMIC_ACQUIRE))
			clean_stop(db);
		end = wal_end(&r->wal);
		wal_commit(&r->wal, end);
		if (!redo_ckpt_due(r) &&
		    (time_ns() - last < CKPT_EVERY_NS || end == last_end))
			continue;
		if (redo_checkpoint(db, &err) < 0) {
			if (!told)
				printk("unidb: checkpoint failed: %s\n", err.msg);
			told = true;
			continue;
		}
		told = false;
		last = time_ns();
		last_end = wal_end(&r->wal);
	}
}

void db_durable_start(struct db *db)
{
	struct thread *t;

	if (!db->redo)
		return;
	/* Normal priority: the cut holds locks the sessions wait for; the
	 * rows are written as a background thread (redo.c, ck_rows). */
	t = thread_create("ckpt", checkpointer, db, NULL);
	if (t)
		thread_detach(t);
	else
		printk("unidb: no checkpointer thread: the log fills up\n");
}
