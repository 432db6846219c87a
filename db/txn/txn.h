/* SPDX-License-Identifier: MIT */
/* txn.h: transactions: BEGIN/COMMIT/ROLLBACK, savepoints, snapshots (MVCC),
 * row locks, lock waits and deadlock detection.
 *
 * Model (docs/db.md, "Transactions"): the newest version of a row stays in
 * its table slot; an UPDATE or DELETE pushes a new version (a DELETE a
 * "dead" one) in front of the old, which stays chained behind it. A
 * version is stamped with TXN_OWNER | xid of its writer while the writer
 * runs, and with the writer's commit timestamp once it commits. A reader
 * with snapshot S sees, per row, the newest version committed at or
 * before S (or its own). The owner stamp of the newest version is the row
 * lock: a second writer sleeps until the owner ends.
 *
 * Commit takes no lock: it marks its slot committing, draws a timestamp
 * from an atomic clock, publishes it in its slot, then restamps its
 * versions. A reader meeting an owner-stamped version looks at the owner's
 * slot: a published timestamp decides; "committing without a timestamp
 * yet" (two instructions wide) is waited out. So every snapshot sees a
 * transaction entirely or not at all.
 *
 * Physical consistency (the chains, the B+-tree) is db->lock's job:
 * statements that only read hold it shared, writes exclusively, but a
 * writer releases it while it waits for a row lock. Rollback and pruning
 * of old versions hold it exclusively; commit holds nothing. */
#ifndef DB_TXN_TXN_H
#define DB_TXN_TXN_H

#include <stdbool.h>
#include <stdint.h>
#include <unidb/sync.h>

#include "../common.h"
#include "../storage/table.h"

#define TXN_SLOTS 4096
#define TXN_OWNER (1ULL << 63)
#define TXN_UNDO_BLOCK 4096 /* undo entries per block (stable addresses) */

enum txn_iso {
	TXN_READ_COMMITTED,
	TXN_REPEATABLE_READ,
	TXN_SERIALIZABLE, /* runs as REPEATABLE READ */
	TXN_READ_UNCOMMITTED, /* runs as READ COMMITTED, as in PostgreSQL */
};
enum txn_state { TXS_IDLE, TXS_RUNNING, TXS_FAILED };

struct txn_undo {
	struct table *t;
	uint64_t rowid;
	struct row *ver;  /* the version this transaction pushed */
	int64_t prev_map; /* when key_set: what the key mapped to before */
	bool key_set;	  /* ver's key was entered in the index by us */
	bool new_slot;	  /* the row's slot was made for this insert */
};

struct txn_savepoint {
	char name[64];
	uint64_t mark; /* undo entries before it */
};

/* One session's transaction slot (reused by its successive transactions
 * and, after the session, by another one). The first group is read by
 * other threads (atomics); the rest belongs to the session. */
struct txn {
	uint64_t xid;	      /* running transaction, 0: none */
	uint64_t cts;	      /* 0 running, TXN_PENDING committing, else ts */
	uint64_t snap;	      /* published snapshot for pruning, 0: none */
	uint64_t waiting_for; /* xid waited for (under txn_mgr.lock) */
	int nwaiters;	      /* threads waiting for xid */
	struct condvar cv;    /* signalled when xid ends */

	struct txn_mgr *m;
	int idx;
	bool in_use;
	uint8_t state; /* enum txn_state */
	bool block;    /* BEGIN ran (else one implicit statement) */
	uint8_t iso;   /* enum txn_iso */
	bool read_only, queried, snap_fixed;
	uint64_t S; /* snapshot of the running statement */
	struct txn_undo **undo; /* blocks of TXN_UNDO_BLOCK entries */
	uint64_t nundo, nblocks;
	struct txn_savepoint *sp;
	int nsp, capsp;
};

struct txn_mgr {
	uint64_t clock;	   /* last commit timestamp (atomic) */
	uint64_t next_seq; /* xid = seq * TXN_SLOTS + slot index (atomic) */
	struct mutex lock; /* slot allocation, waits, deadlock detection */
	struct txn *slots[TXN_SLOTS];
};

struct exec_ctx;
struct expr;
struct stmt;
struct result;

struct txn_mgr *txn_mgr_new(void);
void txn_mgr_free(struct txn_mgr *m);

/* A transaction slot for a session (NULL: too many, or no memory). */
struct txn *txn_open(struct db *db);
/* Rolls back what is open (a client that went away) and frees the slot. */
void txn_close(struct db *db, struct txn *t);
/* ReadyForQuery's status: 'I' idle, 'T' in a block, 'E' failed block. */
char txn_status(const struct txn *t);

/* Runs one statement in x->txn (x->txn NULL: in a transaction of its
 * own): transaction control, autocommit, the statement's rollback on
 * error, 25P02 in a failed block; takes db->lock as the statement needs. */
int txn_exec(struct exec_ctx *x, struct stmt *st, struct result *res);

/* ---- for a delta checkpoint (db/wal/redo.c) ---- */

/* Fixes t's snapshot (a slot from txn_open, running nothing) at the
 * newest commit: pruning keeps every version it sees until
 * txn_reader_end. db->lock held. */
void txn_reader_begin(struct txn *t);
void txn_reader_end(struct txn *t);
/* The version of rowid that t's snapshot sees (NULL: none, or deleted);
 * *newer: whether the slot holds a version it does not see (uncommitted,
 * or committed after it). db->lock held. */
struct row *txn_row_at(struct txn *t, struct table *tb, uint64_t rowid,
		       bool *newer);

/* ---- for the executor (db->lock held) ---- */

/* The version of the row at rowid that x's snapshot sees, or NULL. */
struct row *txn_row(struct exec_ctx *x, struct table *t, uint64_t rowid);
/* Inserts a row (db->lock exclusive); waits for a transaction that holds
 * the same key; 23505. */
int txn_insert(struct exec_ctx *x, struct table *t, const struct datum *vals,
	       uint64_t *rowid);
/* Locks the row for an UPDATE/DELETE (db->lock exclusive, released while
 * waiting; *t is looked up again after a wait). 0 with *base the newest
 * version (to compute the new row from), 1 when the row is to be skipped
 * (deleted, or under READ COMMITTED no longer matching where), < 0 on
 * error (40001, 40P01, 55P03, 57014). */
int txn_lock_row(struct exec_ctx *x, struct table **t, uint64_t rowid,
		 const struct expr *where, struct row **base);
/* Replaces / deletes a row locked with txn_lock_row. */
int txn_update(struct exec_ctx *x, struct table *t, uint64_t rowid,
	       const struct datum *vals);
int txn_delete(struct exec_ctx *x, struct table *t, uint64_t rowid);
/* Before DROP/TRUNCATE of t (db->lock exclusive): 55006 if another
 * transaction has uncommitted changes in t; forgets the caller's own. */
int txn_ddl(struct exec_ctx *x, struct table *t);

#endif
