/* SPDX-License-Identifier: MIT */
/* txn_internal.h: what the files of db/txn share. */
#ifndef DB_TXN_INTERNAL_H
#define DB_TXN_INTERNAL_H

#include "txn.h"

#define LOAD(p) __atomic_load_n(p, __ATOMIC_SEQ_CST)
#define STORE(p, v) __atomic_store_n(p, v, __ATOMIC_SEQ_CST)
#define ADD(p, v) __atomic_add_fetch(p, v, __ATOMIC_SEQ_CST)

#define TXN_PENDING (~0ULL >> 1)	  /* committing, timestamp not yet out */
#define TXN_UNCOMMITTED (TXN_PENDING - 1) /* stamp_cts: not committed */

/* The commit timestamp of the version stamp at *stampp, or
 * TXN_UNCOMMITTED while its writer runs. */
uint64_t stamp_cts(struct txn_mgr *m, uint64_t *stampp);
/* The k-th undo entry of t. */
static inline struct txn_undo *undo_at(struct txn *t, uint64_t k)
{
	return &t->undo[k / TXN_UNDO_BLOCK][k % TXN_UNDO_BLOCK];
}

/* Undoes the transaction's newest changes down to mark (db->lock
 * exclusive). */
void undo_to(struct txn *me, uint64_t mark);
/* Frees old versions of tables that have many (db->lock exclusive). */
void txn_prune(struct db *db);
/* Milliseconds of a time setting ("100", "100ms", "2s", "1min"); 0 if
 * unparsable. */
uint64_t txn_parse_ms(const char *v);

/* With a redo log (db->redo): appends the transaction's changes and, with
 * synchronous_commit on, waits until they are durable (log.c). 0 with
 * *holding set: the caller publishes its timestamp, then calls
 * redo_commit_end; < 0: nothing was committed (the error is in x->err). */
int txn_log_commit(struct exec_ctx *x, struct txn *t, bool *holding);

#endif
