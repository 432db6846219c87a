/* SPDX-License-Identifier: MIT */
/* htap.c: shared, transaction-consistent snapshots for read-only
 * statements (see htap.h). */
#include "htap.h"

#include <stdlib.h>
#include <string.h>
#include <unidb/errno.h>
#include <unidb/heap.h>
#include <unidb/sync.h>
#include <unidb/time.h>
#include <unidb/vm.h>

#include "../exec/internal.h"
#include "../storage/snapshot.h"
#include "txn_internal.h"

#define HTAP_DEFAULT_REFRESH_MS 5
#define HTAP_MAX_DEPTH 16

struct htap {
	struct mutex lock;	 /* everything below */
	struct db_snapshot *cur; /* the newest snapshot, while it has readers */
	struct db_snapshot *pins[TXN_SLOTS]; /* a read-only block's snapshot */
	uint64_t pinned_xid[TXN_SLOTS];	     /* the block that tried to pin */
	uint64_t last[TXN_SLOTS];	     /* a slot's last commit timestamp */
	struct htap_stats st;
	int unlocked;	  /* statements running without db->lock */
	int ddl_waiting;  /* DDL statements waiting for them to end */
	struct condvar cv; /* signalled when unlocked drops to 0 */
};

struct htap *htap_new(void)
{
	struct htap *h = kzalloc(sizeof(*h));

	if (h) {
		mutex_init(&h->lock, "htap");
		condvar_init(&h->cv);
	}
	return h;
}

/* ---- which statements ---------------------------------------------------- */

static uint64_t setting_num(struct exec_ctx *x, const char *name, uint64_t def)
{
	const char *v = x->settings ? setting_get(x->settings, *x->nsettings,
						  name)
				    : NULL;

	return v ? txn_parse_ms(v) : def;
}

/* Whether e is a constant or a parameter (maybe cast). */
static bool is_value(const struct expr *e)
{
	while (e && e->kind == EX_CAST)
		e = e->l;
	return e && (e->kind == EX_CONST || e->kind == EX_PARAM);
}

/* Whether the AND-ed conjuncts of w hold "col = value". */
static bool fixes(const struct expr *w, const char *col)
{
	const struct expr *c, *v;

	if (!w || w->kind != EX_BINOP)
		return false;
	if (w->op == OP_AND)
		return fixes(w->l, col) || fixes(w->r, col);
	if (w->op != OP_EQ)
		return false;
	c = w->l->kind == EX_COLUMN ? w->l : w->r;
	v = c == w->l ? w->r : w->l;
	return c->kind == EX_COLUMN && !strcmp(c->name, col) && is_value(v);
}

/* A single-table SELECT whose WHERE fixes every primary-key column
 * (pgbench's select-only): at most one row, found through the index, so
 * a point lookup, not a scan; taking a vm snapshot of every table for it
 * cost ten times the lookup itself. */
static bool pk_lookup(const struct select *s, const struct table *t)
{
	int k;

	if (s->nfrom != 1 || !t->npk)
		return false;
	for (k = 0; k < t->npk; k++)
		if (!fixes(s->where, t->cols[t->pk[k]].name))
			return false;
	return true;
}

static bool big_from(struct exec_ctx *x, const struct select *s,
		     uint64_t min, int depth)
{
	int i;

	if (!s || depth > HTAP_MAX_DEPTH)
		return false;
	if (big_from(x, s->larg, min, depth + 1) ||
	    big_from(x, s->rarg, min, depth + 1))
		return true;
	for (i = 0; i < s->nfrom; i++) {
		const struct from_item *f = &s->from[i];
		struct table *t = f->table ? db_find_table(x->db, f->table)
					   : NULL;

		if ((t && t->nslots >= min && !pk_lookup(s, t)) ||
		    big_from(x, f->sub, min, depth + 1))
			return true;
	}
	return false;
}

static bool read_only_block(const struct txn *t)
{
	return t && t->block && t->read_only;
}

/* The tables the FROM lists of s name (at any depth), added to names[0..n)
 * without repeats; the new count (at most cap). */
static int from_tables(struct exec_ctx *x, const struct select *s,
		       const char **names, int n, int cap, int depth)
{
	int i, k;

	if (!s || depth > HTAP_MAX_DEPTH)
		return n;
	n = from_tables(x, s->larg, names, n, cap, depth + 1);
	n = from_tables(x, s->rarg, names, n, cap, depth + 1);
	for (i = 0; i < s->nfrom; i++) {
		const struct from_item *f = &s->from[i];
		struct table *t = f->table ? db_find_table(x->db, f->table)
					   : NULL;

		n = from_tables(x, f->sub, names, n, cap, depth + 1);
		for (k = 0; t && k < n && strcmp(names[k], t->name); k++)
			;
		if (t && k == n && n < cap)
			names[n++] = t->name;
	}
	return n;
}

bool htap_stmt_reads_snapshot(struct exec_ctx *x, const struct stmt *st)
{
	uint64_t min = par_threshold(x);

	if (!x->db->htap || stmt_writes(st) || st->kind != ST_SELECT)
		return false;
	if (read_only_block(x->txn))
		return true;
	return min && big_from(x, st->select, min, 0);
}

/* ---- taking and dropping --------------------------------------------------- */

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* The xid of slot o if it committed at or before S (its versions may
 * still carry its owner stamp), else 0. A slot between drawing its
 * timestamp and publishing it is waited out (txn.h: two instructions). */
static uint64_t done_xid(struct txn *o, uint64_t S)
{
	for (;;) {
		uint64_t id = LOAD(&o->xid), c = LOAD(&o->cts);

		if (!id || LOAD(&o->xid) != id || c == 0)
			return 0; /* running, or ended: stamps final */
		if (c == TXN_PENDING) {
			__builtin_ia32_pause();
			continue;
		}
		return c <= S ? id : 0;
	}
}

/* S and the committed-but-maybe-restamping xids (db->lock held, so no
 * rollback or pruning runs; commits may). */
static int horizon(struct txn_mgr *m, struct db_snapshot *s)
{
	uint64_t S = LOAD(&m->clock), id;
	int i, n = 0;

	for (i = 0; i < TXN_SLOTS && LOAD(&m->slots[i]); i++)
		;
	s->done = kmalloc(sizeof(*s->done) * (size_t)(i + 1));
	if (!s->done)
		return -ENOMEM;
	for (i = 0; i < TXN_SLOTS && LOAD(&m->slots[i]); i++)
		if ((id = done_xid(m->slots[i], S)))
			s->done[n++] = id;
	qsort(s->done, (size_t)n, sizeof(*s->done), cmp_u64);
	s->ndone = n;
	s->S = S;
	return 0;
}

static void destroy(struct db *db, struct db_snapshot *s)
{
	struct txn *pub = s->pub;

	if (pub) {
		STORE(&pub->snap, 0);
		txn_close(db, pub);
	}
	db_snapshot_release(s);
}

/* The names of the tables statement st names in its FROM lists (kfree
 * them), *n their count; NULL without memory. */
static const char **stmt_tables(struct exec_ctx *x, const struct stmt *st,
				int *n)
{
	const char **names = kmalloc(sizeof(*names) *
				     (size_t)(x->db->ntables + 1));

	if (names)
		*n = from_tables(x, st->select, names, 0, x->db->ntables, 0);
	return names;
}

/* Adds to s the tables st reads that it lacks (h->lock held, db->lock
 * shared): a read-only block's second statement may read others than its
 * first, and a statement may share a snapshot taken for another. Whatever
 * cannot be added is read live at S. */
static void extend(struct exec_ctx *x, const struct stmt *st,
		   struct db_snapshot *s)
{
	int n;
	const char **names = stmt_tables(x, st, &n);

	if (names)
		db_snapshot_extend_locked(x->db, s, names, n, VM_SNAP_EAGER);
	kfree(names);
}

/* A new snapshot (db->lock held shared) of the tables statement st
 * reads; NULL without memory or while a table has another snapshot.
 * Each table is a vm snapshot of its own area, with a copy of its page
 * tables and a TLB shootdown, all under db->lock, which writers need
 * exclusively: under TCG a snapshot of the 8 TPC-H tables cost 30 ms,
 * one of lineitem alone 5.6 ms. A later statement sharing the snapshot
 * (a read-only block's next one) adds what it reads (extend). The
 * horizon comes first: a commit that has a timestamp <= S by then is in
 * the copy (restamped, or listed in done), any later one is not. */
static struct db_snapshot *take(struct exec_ctx *x, const struct stmt *st)
{
	struct db *db = x->db;
	struct db_snapshot probe = {0}, *s = NULL;
	struct txn *pub = txn_open(db);
	int n, r = -ENOMEM;
	const char **names = stmt_tables(x, st, &n);

	if (pub && names && horizon(db->txm, &probe) == 0)
		r = db_snapshot_take_locked(db, names, n, VM_SNAP_EAGER, &s);
	kfree(names);
	if (r < 0) {
		kfree(probe.done);
		if (pub)
			txn_close(db, pub);
		return NULL;
	}
	s->S = probe.S;
	s->done = probe.done;
	s->ndone = probe.ndone;
	s->born_ns = time_ns();
	s->pub = pub;
	STORE(&pub->snap, s->S); /* before db->lock goes: pruning needs it */
	return s;
}

/* The snapshot for a statement of t starting now (h->lock held), with a
 * reference for the caller; NULL: read the live tables. */
static struct db_snapshot *get(struct htap *h, struct exec_ctx *x,
			       struct txn *t, const struct stmt *st)
{
	uint64_t refresh = setting_num(x, "snapshot_refresh_interval",
				       HTAP_DEFAULT_REFRESH_MS) * 1000000ull;
	struct db_snapshot *s = h->cur;

	if (s && time_ns() - s->born_ns <= refresh &&
	    s->S >= h->last[t->idx]) {
		s->refs++;
		h->st.shared++;
		extend(x, st, s);
		return s;
	}
	if (s) { /* older, still read: vm.h allows one snapshot at a time */
		h->st.fallbacks++;
		return NULL;
	}
	if (!(s = take(x, st))) {
		h->st.fallbacks++;
		return NULL;
	}
	h->st.taken++;
	h->cur = s;
	s->refs = 1;
	return s;
}

/* Drops a reference (h->lock held); the snapshot to destroy, or NULL. */
static struct db_snapshot *put(struct htap *h, struct db_snapshot *s)
{
	if (!s || --s->refs > 0)
		return NULL;
	if (h->cur == s)
		h->cur = NULL;
	h->st.destroyed++;
	return s;
}

void htap_ddl_wait(struct db *db)
{
	struct htap *h = db->htap;

	if (!h)
		return;
	mutex_lock(&h->lock);
	if (h->unlocked) {
		h->ddl_waiting++; /* new statements keep db->lock meanwhile */
		while (h->unlocked) {
			/* never take db->lock under h->lock: readers take
			 * h->lock under db->lock */
			mutex_unlock(&h->lock);
			rwlock_write_unlock(&db->lock);
			mutex_lock(&h->lock);
			while (h->unlocked)
				condvar_wait(&h->cv, &h->lock);
			mutex_unlock(&h->lock);
			rwlock_write_lock(&db->lock);
			mutex_lock(&h->lock);
		}
		h->ddl_waiting--;
	}
	mutex_unlock(&h->lock);
}

void htap_stmt_begin(struct exec_ctx *x, struct txn *t, const struct stmt *st)
{
	struct htap *h = x->db->htap;
	struct db_snapshot *s;

	x->snap = NULL;
	x->unlocked = false;
	if (!h || x->describe_only)
		return;
	/* A read-write block reads its own writes and, under REPEATABLE
	 * READ, keeps its first S: the live tables, not a copy. */
	if ((t->block && !t->read_only) || !htap_stmt_reads_snapshot(x, st))
		return;
	mutex_lock(&h->lock);
	s = h->pins[t->idx];
	if (s) {
		s->refs++;
		extend(x, st, s);
	} else if (read_only_block(t) && h->pinned_xid[t->idx] == t->xid) {
		/* its first statement read the live tables: so do the rest,
		 * at the block's S (a newer snapshot would not agree) */
	} else if ((s = get(h, x, t, st)) && read_only_block(t)) {
		s->refs++; /* the pin's */
		h->pins[t->idx] = s;
	}
	if (read_only_block(t))
		h->pinned_xid[t->idx] = t->xid;
	if (s && !h->ddl_waiting) {
		h->unlocked++;
		x->unlocked = true;
	}
	mutex_unlock(&h->lock);
	if (!s)
		return;
	x->snap = s;
	t->S = s->S;
	STORE(&t->snap, s->S);
}

void htap_stmt_end(struct exec_ctx *x)
{
	struct htap *h = x->db->htap;
	struct db_snapshot *s = x->snap, *dead;

	if (!s)
		return;
	x->snap = NULL;
	mutex_lock(&h->lock);
	dead = put(h, s);
	if (x->unlocked && --h->unlocked == 0 && h->ddl_waiting)
		condvar_broadcast(&h->cv);
	x->unlocked = false;
	mutex_unlock(&h->lock);
	if (dead)
		destroy(x->db, dead);
}

void htap_txn_end(struct db *db, struct txn *t)
{
	struct htap *h = db->htap;
	struct db_snapshot *dead = NULL;
	uint64_t c = LOAD(&t->cts);

	if (!h)
		return;
	mutex_lock(&h->lock);
	if (c && c != TXN_PENDING)
		h->last[t->idx] = c;
	if (h->pins[t->idx]) {
		dead = put(h, h->pins[t->idx]);
		h->pins[t->idx] = NULL;
	}
	mutex_unlock(&h->lock);
	if (dead)
		destroy(db, dead);
}

void htap_stats(struct db *db, struct htap_stats *st)
{
	struct htap *h = db->htap;

	memset(st, 0, sizeof(*st));
	if (!h)
		return;
	mutex_lock(&h->lock);
	*st = h->st;
	st->live = h->st.taken - h->st.destroyed;
	st->unlocked = (uint64_t)h->unlocked;
	st->ddl_waiting = (uint64_t)h->ddl_waiting;
	mutex_unlock(&h->lock);
}

void htap_free(struct htap *h)
{
	kfree(h);
}
