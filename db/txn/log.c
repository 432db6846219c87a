/* SPDX-License-Identifier: MIT */
/* log.c: a committing transaction's redo record (db/wal/redo.h): the
 * final image of every row it changed, written and made durable before
 * its commit timestamp is published, so nothing becomes visible, and no
 * client hears of a commit, before it would survive a crash. */
#include <string.h>

#include "../exec/internal.h"
#include "../wal/redo.h"
#include "txn_internal.h"

/* synchronous_commit = off (PostgreSQL's setting): acknowledge once the
 * record is in the log's memory; a crash may lose the last transactions
 * (never half of one). local, remote_write, remote_apply count as on. */
static bool sync_commit(struct exec_ctx *x)
{
	const char *v = x->settings ? setting_get(x->settings, *x->nsettings,
						  "synchronous_commit")
				    : NULL;

	return !v || !(db_ieq(v, strlen(v), "off") ||
		       db_ieq(v, strlen(v), "false") || !strcmp(v, "0"));
}

/* Logs the changes: per row only the newest version, which is ours and
 * on top of its slot (we hold its row lock). db->lock shared: a
 * concurrent writer may grow a table's slot directory. */
static int append(struct exec_ctx *x, struct txn *t, uint64_t *lsn)
{
	struct redo *rd = x->db->redo;
	struct redo_txn w;
	uint64_t k;
	int r;

	rwlock_read_lock(&x->db->lock);
	redo_commit_begin(rd);
	redo_txn_begin(&w, rd, x->db, t->xid);
	for (k = 0; k < t->nundo; k++) {
		struct txn_undo *e = undo_at(t, k);
		struct row *v = e->ver;

		if (*table_slot(e->t, e->rowid) != v)
			continue; /* an older version of ours */
		redo_txn_row(&w, e->t, e->rowid, v->dead ? NULL : v->vals,
			     v->ncols);
	}
	r = redo_txn_end(&w, lsn, x->err);
	rwlock_read_unlock(&x->db->lock);
	return r;
}

int txn_log_commit(struct exec_ctx *x, struct txn *t, bool *holding)
{
	struct redo *rd = x->db->redo;
	uint64_t lsn = 0;
	int r;

	*holding = false;
	if (!t->nundo && !x->db->nseqs)
		return 0; /* read only, no sequence to look at */
	r = append(x, t, &lsn);
	if (r == 0 && !lsn) { /* nothing to log */
		redo_commit_end(rd);
		return 0;
	}
	if (r == 0 && sync_commit(x))
		r = redo_flush(rd, lsn, x->err);
	if (r < 0) {
		redo_commit_end(rd);
		return r;
	}
	*holding = true;
	return 0;
}
