/* SPDX-License-Identifier: MIT */
/* redo.h: the database's durability: redo records of committed
 * transactions and catalog statements in the log (wal.h), checkpoints of
 * the tables (ckpt.h), and recovery (docs/durability.md).
 *
 * What a record holds (logical redo, by row slot):
 *   REDO_TXN    a committed transaction's final row images: per changed
 *               row its table, slot (rowid) and new datums, or its
 *               deletion; and sequences that advanced. Written at commit,
 *               before the commit timestamp is published (db/txn).
 *   REDO_PART   the first pieces of a transaction too large for one
 *               record; its REDO_TXN follows right after (a transaction's
 *               records are appended contiguously) and completes it, so a
 *               log torn inside a large transaction replays none of it.
 *   REDO_DDL    the text of a catalog statement (CREATE/DROP/ALTER/
 *               TRUNCATE ...), written when it ran (DDL is not
 *               transactional in unidb) while it still holds db->lock.
 * Replaying a row image sets that slot (table_put), so slots, and with
 * them later records, line up with the database that wrote them.
 *
 * A checkpoint is the catalog as the list of every catalog statement that
 * ran (replayed on an empty database), the sequences' values, and each
 * table's committed rows with their slots, read from a vm snapshot of the
 * tables (snapshot.h) after a cut: while the cut holds db->lock shared
 * (no statement writes) and the commit lock exclusive (no commit is
 * between its append and its restamping), it reads the log's end as the
 * checkpoint's redo position and takes the snapshot. Every transaction
 * logged before that position is entirely in the snapshot, every one
 * logged after it entirely not (its versions are still owner-stamped
 * there, and the reader takes the newest committed version of each row):
 * the checkpoint is transaction-consistent on its own.
 *
 * A delta checkpoint, cut the same way, holds only the slots written
 * since the previous checkpoint's cut (the tables' dirty bits, swapped
 * for empty ones at the cut) and is appended to the stream in force; a
 * slot whose newest version was not committed at the cut (a transaction
 * in flight, a COPY's row) is marked again for the next checkpoint.
 * Loading applies the full checkpoint, then each delta in order.
 *
 * Portable: the host tests run it over a simulated disk. */
#ifndef DB_WAL_REDO_H
#define DB_WAL_REDO_H

#include <stdbool.h>
#include <stdint.h>
#include <unidb/sync.h>

#include "../common.h"
#include "ckpt.h"
#include "wal.h"

enum { REDO_TXN = 1, REDO_PART = 2, REDO_DDL = 3 };

struct db;
struct table;
struct datum;

struct redo_seq {
	char name[64];
	int64_t last;
	bool called;
};

/* A COPY in progress (db/exec/copy.c): its rows are in the tables
 * before its record is in the log (COPY inserts outside db/txn), so a
 * checkpoint leaves them out; the record, appended after the
 * checkpoint's redo position, brings them if the COPY succeeds. */
struct redo_copy {
	struct redo_copy *next;
	bool on; /* in the list */
	char table[64];
	/* put(arg, rowid) for every row loaded so far; db->lock shared */
	void (*rows)(struct redo_copy *c, void (*put)(void *, uint64_t),
		     void *arg);
};

struct redo {
	struct wal wal;
	struct disk_dev dev;
	struct disk_super sb; /* in force; changed by checkpoints (ckpt_mu) */
	struct mutex lock;    /* appends of one transaction stay together;
				 ddl[], seqs[] */
	struct rwlock cut;    /* commits shared, a checkpoint's cut exclusive */
	struct mutex ckpt_mu; /* one checkpoint at a time */
	char **ddl;	      /* every catalog statement, in order */
	int nddl, capddl;
	struct redo_seq *seqs; /* sequence values logged so far */
	int nseqs, capseqs;
	uint64_t ckpt_count;	/* checkpoints written since open */
	uint64_t ckpt_last_ms;	/* duration of the last one */
	uint64_t recovered_txns;
	struct redo_copy *copies; /* COPYs in progress (lock) */
	/* Delta checkpoints (redo_checkpoint; ckpt_mu): chain says that the
	 * checkpoint in force is a full one this process wrote, with base_len
	 * bytes and base_nddl catalog statements, plus deltas, and that the
	 * tables' dirty bits hold every slot written since the last of them. */
	bool chain;
	uint64_t base_len;
	int base_nddl;
	uint64_t ckpt_deltas; /* delta checkpoints written since open */
	uint64_t ckpt_fallbacks; /* deltas that became full ones (the slot
				    was full, or DDL came meanwhile) */
	bool stop; /* unidb_shutdown() asked for a clean stop (durable.c) */
};

/* What recovery did. */
struct redo_report {
	bool formatted;		     /* the disk was blank and format asked */
	bool had_ckpt;		     /* a checkpoint was loaded */
	uint64_t ckpt_rows;	     /* rows it held */
	uint64_t ckpt_deltas;	     /* delta checkpoints after the full one */
	uint64_t txns, ddls;	     /* records replayed from the log */
	uint64_t start_lsn, end_lsn; /* the replayed range */
};

/* Opens the database on dev (taken by value) into db (empty, db->redo
 * NULL): with format, a disk that holds no database (58P01) gets a new
 * one; a disk holding one is never formatted again. Loads the newest
 * checkpoint, replays the log after it, and sets db->redo. Errors (in err,
 * for the operator; nothing is written on failure but a new superblock
 * epoch): disk_super_read's, XX001 a corrupt checkpoint, the replay's. */
int redo_open(struct db *db, const struct disk_dev *dev, bool format,
	      struct redo_report *rep, struct db_error *err);

/* Detaches and frees db->redo (does not flush: an abrupt stop, as a
 * crash; for tests and a failed start). */
void redo_close(struct db *db);

/* ---- the commit path (db/txn) -------------------------------------------- */

/* Brackets a commit: begin takes the cut shared (a checkpoint waits for
 * the commit to have published), end releases it. Lock order everywhere:
 * db->lock, the cut, r->lock. */
void redo_commit_begin(struct redo *r);
void redo_commit_end(struct redo *r);

/* A transaction's changes streamed into the log (memory stays at about
 * one record): pieces of WAL_REC_MAX bytes go out as REDO_PART while
 * encoding, the rest as REDO_TXN at the end. Begin takes r->lock (the
 * pieces stay contiguous) and adds the sequences that moved; call it with
 * db->lock shared and the cut held. */
struct redo_txn {
	struct redo *r;
	uint64_t txid;
	struct strbuf sb;
	int rc;
	uint64_t parts;
};
void redo_txn_begin(struct redo_txn *w, struct redo *r, struct db *db,
		    uint64_t txid);
/* A row's new image, or its deletion (vals NULL). */
void redo_txn_row(struct redo_txn *w, const struct table *t, uint64_t rowid,
		  const struct datum *vals, int ncols);
/* Appends the end, releases r->lock. *lsn: the position to wait for (0:
 * there was nothing to log). 0, or the log's error in err (58030 I/O,
 * 53400 log full). */
int redo_txn_end(struct redo_txn *w, uint64_t *lsn, struct db_error *err);
/* Waits until lsn is durable: 0 or 58030 in err. */
int redo_flush(struct redo *r, uint64_t lsn, struct db_error *err);

/* Logs a catalog statement's text (db->lock exclusive) and waits until it
 * is durable. */
int redo_ddl(struct redo *r, const char *text, size_t len,
	     struct db_error *err);

/* ---- checkpoints ------------------------------------------------------------ */

/* Writes a checkpoint, a delta one when the chain allows (takes db->lock
 * shared and the cut briefly, then
 * writes while transactions go on, paced to leave the cores to them
 * while other cores are busy: redo.c, ck_pace) and releases the log
 * before it. 0 or an error in err. */
int redo_checkpoint(struct db *db, struct db_error *err);
/* Whether the log since the last checkpoint is over a quarter of its
 * size. */
bool redo_ckpt_due(struct redo *r);

/* A COPY's rows from now on stay out of checkpoints (db->lock held for
 * writing by the caller, as when loading a batch) until
 * redo_copy_end: after its record is appended (holding the cut shared,
 * redo_commit_begin) or once its rows are removed (db->lock for
 * writing). Both are idempotent. */
void redo_copy_begin(struct redo *r, struct redo_copy *c);
void redo_copy_end(struct redo *r, struct redo_copy *c);

#endif
