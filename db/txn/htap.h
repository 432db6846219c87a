/* SPDX-License-Identifier: MIT */
/* htap.h: read-only statements on shared, transaction-consistent vm
 * snapshots (docs/htap.md).
 *
 * A read-only statement outside a transaction block that scans a table of
 * at least parallel_threshold rows (a single-table SELECT fixing the whole
 * primary key by equalities does not scan: it reads live), and every
 * statement of a BEGIN READ
 * ONLY transaction, reads a
 * snapshot of all tables (snapshot.h) that contains exactly the
 * transactions committed at or before its timestamp S: S is the commit
 * clock when the snapshot is taken, and the xids that had drawn a
 * timestamp <= S but may still be restamping their versions are recorded
 * with it, so a copied owner stamp (txn.h) is resolved without looking at
 * the live transaction slots. The statement's MVCC snapshot (txn->S) is set
 * to the same S, so whatever it reads from the live tables (an index scan,
 * a join) agrees with what it reads from the copy.
 *
 * Sharing: statements that start within snapshot_refresh_interval (ms,
 * setting) of the newest snapshot's birth share it, unless their session
 * committed after it (a session always sees its own commits). A snapshot
 * is destroyed when its last reader ends; vm.h allows one snapshot of an
 * area at a time, so while an older one still has readers a statement that
 * wants a fresh one reads the live tables at a fresh S instead (counted
 * as a fallback). A BEGIN READ ONLY transaction pins its snapshot until it
 * ends. While a snapshot exists it publishes S in a transaction slot of
 * its own, so pruning keeps what S sees in the live tables too.
 *
 * Writers never wait for readers: a statement that reads a snapshot
 * runs without db->lock (x->unlocked). It reads the copy of every table
 * the snapshot holds, and takes db->lock shared only around what it
 * still reads live (index trees; a table created after the snapshot:
 * exec_live_lock). What it read live stays valid after the lock goes:
 * the versions S sees are neither pruned (S is published) nor undone
 * (they are committed). The catalog (tables, columns, indexes,
 * sequences) it reads without any lock, so a DDL statement waits until
 * no statement runs unlocked (htap_ddl_wait), as PostgreSQL's DDL waits
 * for the readers of its table; while one waits, new snapshot
 * statements keep db->lock instead, so it does not starve.
 *
 * Locking: htap.lock (a mutex, never held while sleeping on anything
 * else) protects cur, every snapshot's refs, pins, last, unlocked and
 * ddl_waiting; taken with or without db->lock held, never held while
 * taking db->lock. */
#ifndef DB_TXN_HTAP_H
#define DB_TXN_HTAP_H

#include <stdbool.h>
#include <stdint.h>

#include "txn.h"

struct db_snapshot;

struct htap_stats {
	uint64_t taken;	    /* snapshots taken */
	uint64_t destroyed; /* ... and destroyed */
	uint64_t shared;    /* statements that joined an existing one */
	uint64_t fallbacks; /* statements that wanted one and read live */
	uint64_t live;	    /* snapshots alive now */
	uint64_t unlocked;  /* statements running without db->lock now */
	uint64_t ddl_waiting; /* DDL statements waiting for them now */
};

struct htap *htap_new(void);
/* Destroys what is left (no reader may run). NULL is ignored. */
void htap_free(struct htap *h);

/* Whether st, run by x now, would read a snapshot if one can be had
 * (for EXPLAIN): a SELECT in a BEGIN READ ONLY block, or one whose FROM
 * lists (at any depth) name a table with at least parallel_threshold
 * rows, outside a read-write block (htap_stmt_begin checks that part).
 * db->lock held. */
bool htap_stmt_reads_snapshot(struct exec_ctx *x, const struct stmt *st);

/* Before st runs (db->lock held; exclusively for a write): attaches the
 * snapshot st reads to x->snap, sets t->S to its S, and sets
 * x->unlocked when the caller is to release db->lock for the statement.
 * Never fails: without a snapshot the statement reads the live tables. */
void htap_stmt_begin(struct exec_ctx *x, struct txn *t, const struct stmt *st);
/* Before a DDL statement runs (db->lock held exclusively): waits until
 * no statement runs unlocked, releasing db->lock while it waits (held
 * again on return). May sleep. */
void htap_ddl_wait(struct db *db);
/* After st ran, with db->lock released: drops the statement's
 * reference (the last one destroys the snapshot). */
void htap_stmt_end(struct exec_ctx *x);
/* At the end of t (commit or rollback): remembers its commit timestamp
 * and drops its pinned snapshot. */
void htap_txn_end(struct db *db, struct txn *t);

void htap_stats(struct db *db, struct htap_stats *st);

#endif
