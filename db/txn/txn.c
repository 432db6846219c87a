/* SPDX-License-Identifier: MIT */
/* txn.c: transaction slots, begin/commit/rollback, savepoints, and the
 * statement wrapper the session calls (see txn.h). */
#include <stdio.h>
#include <string.h>
#include <unidb/errno.h>
#include <unidb/heap.h>

#include "../exec/internal.h"
#include "htap.h"
#include "../wal/redo.h"
#include "txn_internal.h"

static const char *const iso_names[] = {"read committed", "repeatable read",
					"serializable", "read uncommitted"};

struct txn_mgr *txn_mgr_new(void)
{
	struct txn_mgr *m = kzalloc(sizeof(*m));

	if (!m)
		return NULL;
	m->clock = 2; /* commit timestamps start above 0 (pre-existing rows) */
	m->next_seq = 1;
	mutex_init(&m->lock, "txn");
	return m;
}

void txn_mgr_free(struct txn_mgr *m)
{
	int i;

	if (!m)
		return;
	for (i = 0; i < TXN_SLOTS && m->slots[i]; i++) {
		uint64_t b;

		for (b = 0; b < m->slots[i]->nblocks; b++)
			kfree(m->slots[i]->undo[b]);
		kfree(m->slots[i]->undo);
		kfree(m->slots[i]->sp);
		kfree(m->slots[i]);
	}
	kfree(m);
}

struct txn *txn_open(struct db *db)
{
	struct txn_mgr *m = db->txm;
	struct txn *t = NULL;
	int i;

	if (!m)
		return NULL;
	mutex_lock(&m->lock);
	for (i = 0; i < TXN_SLOTS; i++) {
		if (!m->slots[i]) {
			t = kzalloc(sizeof(*t));
			if (!t)
				break;
			condvar_init(&t->cv);
			t->m = m;
			t->idx = i;
			STORE(&m->slots[i], t); /* pruning reads the array */
		}
		if (!m->slots[i]->in_use) {
			t = m->slots[i];
			t->in_use = true;
			break;
		}
		t = NULL;
	}
	mutex_unlock(&m->lock);
	return t;
}

char txn_status(const struct txn *t)
{
	if (!t || t->state == TXS_IDLE || !t->block)
		return 'I';
	return t->state == TXS_FAILED ? 'E' : 'T';
}

static bool repeatable(const struct txn *t)
{
	return t->iso == TXN_REPEATABLE_READ || t->iso == TXN_SERIALIZABLE;
}

/* ---- settings --------------------------------------------------------------- */

uint64_t txn_parse_ms(const char *v)
{
	uint64_t n = 0;

	if (*v < '0' || *v > '9')
		return 0;
	while (*v >= '0' && *v <= '9')
		n = n * 10 + (uint64_t)(*v++ - '0');
	while (*v == ' ')
		v++;
	if (!*v || !strcmp(v, "ms"))
		return n;
	if (!strcmp(v, "s"))
		return n * 1000;
	if (!strcmp(v, "min"))
		return n * 60000;
	if (!strcmp(v, "h"))
		return n * 3600000;
	return 0;
}

static void set_value(struct exec_ctx *x, const char *name, const char *v)
{
	int i;

	for (i = 0; x->settings && i < *x->nsettings; i++)
		if (!strcmp(x->settings[i].name, name))
			snprintf(x->settings[i].value,
				 sizeof(x->settings[i].value), "%s", v);
}

static int default_iso(struct exec_ctx *x)
{
	const char *v = x->settings ? setting_get(x->settings, *x->nsettings,
						  "default_transaction_isolation")
				    : NULL;
	int i;

	for (i = 0; v && i < 4; i++)
		if (db_ieq(v, strlen(v), iso_names[i]))
			return i;
	return TXN_READ_COMMITTED;
}

static bool default_ro(struct exec_ctx *x)
{
	const char *v = x->settings ? setting_get(x->settings, *x->nsettings,
						  "default_transaction_read_only")
				    : NULL;

	return v && (!strcmp(v, "on") || !strcmp(v, "true"));
}

static void show_mode(struct exec_ctx *x, struct txn *t)
{
	set_value(x, "transaction_isolation", iso_names[t->iso]);
	set_value(x, "transaction_read_only", t->read_only ? "on" : "off");
}

/* ---- begin and end ------------------------------------------------------- */

static void begin(struct exec_ctx *x, struct txn *t, bool block)
{
	uint64_t seq = ADD(&t->m->next_seq, 1);

	t->block = block;
	t->state = TXS_RUNNING;
	t->iso = (uint8_t)default_iso(x);
	t->read_only = default_ro(x);
	t->queried = t->snap_fixed = false;
	t->nundo = 0;
	t->nsp = 0;
	STORE(&t->cts, 0);
	STORE(&t->xid, seq * TXN_SLOTS + (uint64_t)t->idx);
	show_mode(x, t);
}

static void finish(struct exec_ctx *x, struct txn *t)
{
	while (t->nblocks > 1) /* a big transaction's log goes back */
		kfree(t->undo[--t->nblocks]);
	t->nundo = 0;
	t->nsp = 0;
	t->state = TXS_IDLE;
	t->block = false;
	STORE(&t->snap, 0);
	STORE(&t->xid, 0); /* the row locks go with it */
	if (LOAD(&t->nwaiters)) {
		mutex_lock(&t->m->lock);
		condvar_broadcast(&t->cv);
		mutex_unlock(&t->m->lock);
	}
	if (x) {
		t->iso = (uint8_t)default_iso(x);
		t->read_only = default_ro(x);
		show_mode(x, t);
	}
}

/* No lock: readers decide by the published timestamp until the stamps
 * are rewritten (txn.h). With a redo log the changes are logged (and,
 * synchronous_commit on, durable) before the timestamp is drawn; a log
 * error rolls the transaction back instead. */
static void abort_txn(struct exec_ctx *x, struct db *db, struct txn *t);

static int commit(struct exec_ctx *x, struct txn *t)
{
	bool logged = false;
	uint64_t k, c;

	if (x && x->db->redo && txn_log_commit(x, t, &logged) < 0) {
		abort_txn(x, x->db, t);
		return -EIO;
	}
	if (t->nundo) {
		STORE(&t->cts, TXN_PENDING);
		c = ADD(&t->m->clock, 1);
		STORE(&t->cts, c);
		for (k = 0; k < t->nundo; k++)
			STORE(&undo_at(t, k)->ver->stamp, c);
	}
	if (logged)
		redo_commit_end(x->db->redo);
	finish(x, t);
	htap_txn_end(x->db, t);
	return 0;
}

static void rollback_locked(struct db *db, struct txn *t, uint64_t mark)
{
	if (t->nundo <= mark)
		return;
	rwlock_write_lock(&db->lock);
	undo_to(t, mark);
	rwlock_write_unlock(&db->lock);
}

static void abort_txn(struct exec_ctx *x, struct db *db, struct txn *t)
{
	rollback_locked(db, t, 0);
	finish(x, t);
	htap_txn_end(db, t);
}

void txn_close(struct db *db, struct txn *t)
{
	if (!t)
		return;
	if (t->state != TXS_IDLE)
		abort_txn(NULL, db, t);
	mutex_lock(&t->m->lock);
	t->in_use = false;
	mutex_unlock(&t->m->lock);
}

/* ---- transaction control statements -------------------------------------- */

static void warn(struct exec_ctx *x, const char *code, const char *msg)
{
	/* "\1SEVERITY\1CODE\1message": the session's notice format for
	 * anything other than a plain NOTICE. */
	sb_printf(x->notices, "\001WARNING\001%s\001%s", code, msg);
	sb_putc(x->notices, 0);
}

static int apply_modes(struct exec_ctx *x, struct txn *t, struct stmt *st)
{
	if (st->txn_iso >= 0 && t->queried)
		return db_err(x->err, "25001",
			      "SET TRANSACTION ISOLATION LEVEL must be called "
			      "before any query");
	if (st->txn_ro == 0 && t->read_only && t->queried)
		return db_err(x->err, "25001",
			      "transaction read-write mode must be set before "
			      "any query");
	if (st->txn_iso >= 0)
		t->iso = (uint8_t)st->txn_iso;
	if (st->txn_ro >= 0)
		t->read_only = st->txn_ro;
	show_mode(x, t);
	return 0;
}

static struct txn_savepoint *find_sp(struct txn *t, const char *name)
{
	int i;

	for (i = t->nsp - 1; i >= 0; i--)
		if (!strcmp(t->sp[i].name, name))
			return &t->sp[i];
	return NULL;
}

static int savepoint(struct exec_ctx *x, struct txn *t, const char *name)
{
	if (t->nsp == t->capsp) {
		int cap = t->capsp ? t->capsp * 2 : 8;
		struct txn_savepoint *sp = krealloc(t->sp, sizeof(*sp) * (size_t)cap);

		if (!sp)
			return db_err_oom(x->err);
		t->sp = sp;
		t->capsp = cap;
	}
	snprintf(t->sp[t->nsp].name, sizeof(t->sp[t->nsp].name), "%s", name);
	t->sp[t->nsp++].mark = t->nundo;
	return 0;
}

static int savepoint_cmd(struct exec_ctx *x, struct txn *t, struct stmt *st)
{
	static const char *const what[] = {
		[TXN_OP_SAVEPOINT] = "SAVEPOINT",
		[TXN_OP_RELEASE] = "RELEASE SAVEPOINT",
		[TXN_OP_ROLLBACK_TO] = "ROLLBACK TO SAVEPOINT"};
	struct txn_savepoint *sp;

	if (!t->block)
		return db_err(x->err, "25P01", "%s can only be used in transaction "
					       "blocks", what[st->txn_op]);
	if (t->state == TXS_FAILED && st->txn_op != TXN_OP_ROLLBACK_TO)
		return db_err(x->err, "25P02",
			      "current transaction is aborted, commands ignored "
			      "until end of transaction block");
	if (st->txn_op == TXN_OP_SAVEPOINT)
		return savepoint(x, t, st->txn_name);
	if (!(sp = find_sp(t, st->txn_name)))
		return db_err(x->err, "3B001", "savepoint \"%s\" does not exist",
			      st->txn_name);
	if (st->txn_op == TXN_OP_RELEASE) {
		t->nsp = (int)(sp - t->sp);
		return 0;
	}
	rollback_locked(x->db, t, sp->mark);
	t->nsp = (int)(sp - t->sp) + 1;
	t->state = TXS_RUNNING;
	return 0;
}

static int control(struct exec_ctx *x, struct txn *t, struct stmt *st,
		   struct result *res)
{
	snprintf(res->tag, sizeof(res->tag), "%s", st->txn_tag);
	if (x->describe_only)
		return 0;
	switch (st->txn_op) {
	case TXN_OP_BEGIN:
		if (t->block) {
			warn(x, "25001", "there is already a transaction in progress");
			if (t->state == TXS_FAILED)
				return db_err(x->err, "25P02",
					      "current transaction is aborted, "
					      "commands ignored until end of "
					      "transaction block");
			return 0;
		}
		begin(x, t, true);
		return apply_modes(x, t, st);
	case TXN_OP_SET:
		if (!t->block) {
			warn(x, "25P01", "SET TRANSACTION can only be used in "
					 "transaction blocks");
			return 0;
		}
		if (t->state == TXS_FAILED)
			return db_err(x->err, "25P02",
				      "current transaction is aborted, commands "
				      "ignored until end of transaction block");
		return apply_modes(x, t, st);
	case TXN_OP_COMMIT:
	case TXN_OP_ROLLBACK:
		if (!t->block) {
			warn(x, "25P01", "there is no transaction in progress");
			return 0;
		}
		if (st->txn_op == TXN_OP_COMMIT && t->state == TXS_RUNNING)
			return commit(x, t);
		snprintf(res->tag, sizeof(res->tag), "ROLLBACK");
		abort_txn(x, x->db, t);
		return 0;
	default:
		return savepoint_cmd(x, t, st);
	}
}

/* ---- statements ------------------------------------------------------------ */

static const char *write_name(const struct stmt *st)
{
	switch (st->kind) {
	case ST_INSERT: return "INSERT";
	case ST_UPDATE: return "UPDATE";
	case ST_DELETE: return "DELETE";
	case ST_CREATE_TABLE: return "CREATE TABLE";
	case ST_DROP_TABLE: return "DROP TABLE";
	case ST_TRUNCATE: return "TRUNCATE TABLE";
	default: return NULL;
	}
}

/* Catalog statements: logged by their text when they ran (redo.h). */
static bool is_ddl(const struct stmt *st)
{
	switch (st->kind) {
	case ST_CREATE_TABLE:
	case ST_DROP_TABLE:
	case ST_TRUNCATE:
	case ST_CREATE_INDEX:
	case ST_DROP_INDEX:
	case ST_ALTER_TABLE:
	case ST_CREATE_SEQUENCE:
	case ST_DROP_SEQUENCE:
		return true;
	default:
		return false;
	}
}

/* Runs st under db->lock with the statement's snapshot (a statement on
 * a vm snapshot without it: htap.h). */
static int run_locked(struct exec_ctx *x, struct txn *t, struct stmt *st,
		      struct result *res)
{
	bool w = stmt_writes(st);
	uint64_t mark = t->nundo;
	int r;

	if (w)
		rwlock_write_lock(&x->db->lock);
	else
		rwlock_read_lock(&x->db->lock);
	if (!x->describe_only && is_ddl(st))
		htap_ddl_wait(x->db); /* the catalog changes under readers */
	/* Snapshots are taken under db->lock, which pruning holds
	 * exclusively: a published snapshot is never pruned from under. */
	if (!x->describe_only && (!repeatable(t) || !t->snap_fixed)) {
		t->S = LOAD(&t->m->clock);
		STORE(&t->snap, t->S);
		t->snap_fixed = true;
	}
	htap_stmt_begin(x, t, st);
	if (x->unlocked) /* it reads the copy: writers go on (htap.h) */
		rwlock_read_unlock(&x->db->lock);
	r = exec_stmt(x, st, res);
	if (x->a->over && r == 0)
		r = db_err_oom(x->err);
	if (r == 0 && w && x->db->redo && !x->describe_only && is_ddl(st))
		r = redo_ddl(x->db->redo, x->query + st->pos,
			     (size_t)(st->end - st->pos), x->err);
	if (w && r < 0)
		undo_to(t, mark);
	if (w && r == 0)
		txn_prune(x->db);
	if (w)
		rwlock_write_unlock(&x->db->lock);
	else if (!x->unlocked)
		rwlock_read_unlock(&x->db->lock);
	htap_stmt_end(x);
	return r;
}

static int statement(struct exec_ctx *x, struct txn *t, struct stmt *st,
		     struct result *res)
{
	bool implicit = t->state == TXS_IDLE;
	const char *wn = write_name(st);
	int r;

	if (t->state == TXS_FAILED)
		return db_err(x->err, "25P02",
			      "current transaction is aborted, commands ignored "
			      "until end of transaction block");
	if (x->describe_only)
		return run_locked(x, t, st, res);
	if (implicit)
		begin(x, t, false);
	if (t->read_only && wn) {
		r = db_err(x->err, "25006",
			   "cannot execute %s in a read-only transaction", wn);
	} else {
		t->queried = true;
		r = run_locked(x, t, st, res);
	}
	if (!repeatable(t))
		STORE(&t->snap, 0);
	if (r < 0 && implicit)
		abort_txn(x, x->db, t);
	else if (r < 0)
		t->state = TXS_FAILED;
	else if (implicit)
		r = commit(x, t);
	return r;
}

int txn_exec(struct exec_ctx *x, struct stmt *st, struct result *res)
{
	struct txn *t = x->txn;
	int r;

	memset(res, 0, sizeof(*res));
	if (!t) { /* a caller without a session: a transaction of its own */
		t = txn_open(x->db);
		if (!t)
			return db_err(x->err, "53300",
				      "sorry, too many clients already");
		x->txn = t;
		r = txn_exec(x, st, res);
		txn_close(x->db, t);
		x->txn = NULL;
		return r;
	}
	if (st->kind == ST_CHECKPOINT) { /* takes its locks itself */
		snprintf(res->tag, sizeof(res->tag), "CHECKPOINT");
		return x->describe_only ? 0 : redo_checkpoint(x->db, x->err);
	}
	if (st->kind == ST_TXN) {
		r = control(x, t, st, res);
		if (r < 0 && t->block) /* any error aborts the block */
			t->state = TXS_FAILED;
		return r;
	}
	return statement(x, t, st, res);
}
