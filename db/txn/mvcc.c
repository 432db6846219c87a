/* SPDX-License-Identifier: MIT */
/* mvcc.c: row versions: visibility, row locks, lock waits, deadlock
 * detection, undo and pruning (see txn.h for the model). */
#include <stdio.h>
#include <string.h>
#include <unidb/errno.h>
#include <unidb/heap.h>
#include <unidb/time.h>

#include "../exec/internal.h"
#include "txn_internal.h"

#define LOCK_SLICE_NS 20000000ull /* re-check cancel and timeouts this often */

/* ---- visibility ------------------------------------------------------------ */

uint64_t stamp_cts(struct txn_mgr *m, uint64_t *stampp)
{
	for (;;) {
		uint64_t st = LOAD(stampp), id, c;
		struct txn *o;

		if (!(st & TXN_OWNER))
			return st;
		id = st & ~TXN_OWNER;
		o = m->slots[id % TXN_SLOTS];
		c = LOAD(&o->cts);
		if (LOAD(&o->xid) != id)
			continue; /* it ended: its stamps are final now */
		if (c == 0)
			return TXN_UNCOMMITTED;
		if (c != TXN_PENDING)
			return c;
		/* Between drawing its timestamp and publishing it: a few
		 * instructions; whether it is before S is not known yet. */
		__builtin_ia32_pause();
	}
}

static bool mine(const struct txn *me, const struct row *v)
{
	return me && LOAD(&((struct row *)v)->stamp) == (TXN_OWNER | me->xid);
}

struct row *txn_row(struct exec_ctx *x, struct table *t, uint64_t rowid)
{
	struct txn *me = x->txn;
	uint64_t S = me ? me->S : TXN_UNCOMMITTED - 1;
	struct row *v;

	if (rowid >= t->nslots)
		return NULL;
	for (v = *table_slot(t, rowid); v; v = v->older) {
		if (mine(me, v) || stamp_cts(x->db->txm, &v->stamp) <= S)
			return v->dead ? NULL : v;
	}
	return NULL;
}

void txn_reader_begin(struct txn *t)
{
	t->S = LOAD(&t->m->clock);
	STORE(&t->snap, t->S);
}

void txn_reader_end(struct txn *t)
{
	STORE(&t->snap, 0);
}

struct row *txn_row_at(struct txn *t, struct table *tb, uint64_t rowid,
		       bool *newer)
{
	struct row *v = rowid < tb->nslots ? *table_slot(tb, rowid) : NULL;

	*newer = false;
	for (; v; v = v->older) {
		if (stamp_cts(t->m, &v->stamp) <= t->S)
			return v->dead ? NULL : v;
		*newer = true;
	}
	return NULL;
}

/* Secondary indexes (db/storage/index.h) index the newest version of each
 * row: r replaced prev on top of rowid's chain (either may be dead or
 * NULL: no keys). err NULL: undo, which cannot fail for want of a key. */
static int index_follow(struct table *t, uint64_t rowid, const struct row *prev,
			const struct row *r, struct db_error *err)
{
	if (!t->nidx)
		return 0;
	return index_row_changed(t, rowid, prev && !prev->dead ? prev : NULL,
				 r && !r->dead ? r : NULL, err);
}

/* ---- undo log ---------------------------------------------------------------- */

static int push_undo(struct exec_ctx *x, struct table *t, uint64_t rowid,
		     struct row *ver, bool new_slot, struct txn_undo **out)
{
	struct txn *me = x->txn;

	if (me->nundo == me->nblocks * TXN_UNDO_BLOCK) {
		struct txn_undo **b = krealloc(me->undo, sizeof(*b) *
							  (me->nblocks + 1));

		if (!b)
			return db_err_oom(x->err);
		me->undo = b;
		if (!(b[me->nblocks] = kmalloc(sizeof(**b) * TXN_UNDO_BLOCK)))
			return db_err_oom(x->err);
		me->nblocks++;
	}
	*out = undo_at(me, me->nundo++);
	**out = (struct txn_undo){.t = t, .rowid = rowid, .ver = ver,
				  .prev_map = -1, .new_slot = new_slot};
	table_mark_dirty(t, rowid); /* a delta checkpoint writes it */
	return 0;
}

static void key_of(const struct table *t, const struct datum *vals,
		   struct datum *key)
{
	int k;

	for (k = 0; k < t->npk; k++)
		key[k] = vals[t->pk[k]];
}

static bool same_key(const struct table *t, const struct row *a,
		     const struct datum *vals)
{
	int k;

	for (k = 0; k < t->npk; k++)
		if (!datum_eq(&a->vals[t->pk[k]], &vals[t->pk[k]]))
			return false;
	return true;
}

static void index_set(struct table *t, const struct datum *vals, int64_t id)
{
	struct datum key[TABLE_MAX_PK];

	key_of(t, vals, key);
	btree_delete(&t->pk_index, key);
	if (id >= 0)
		btree_insert(&t->pk_index, key, (uint64_t)id);
}

/* Undoes the newest entries down to mark (db->lock exclusive). */
void undo_to(struct txn *me, uint64_t mark)
{
	while (me->nundo > mark) {
		struct txn_undo *e = undo_at(me, --me->nundo);
		struct row **slot = table_slot(e->t, e->rowid);
		struct row *v = *slot;

		if (v != e->ver)
			continue; /* cannot happen: our versions are on top */
		if (e->key_set)
			index_set(e->t, v->vals, e->prev_map);
		index_follow(e->t, e->rowid, v, v->older, NULL);
		*slot = v->older;
		if (e->new_slot)
			e->t->nlive--;
		row_free(e->t, v);
	}
}

/* ---- lock waits ------------------------------------------------------------- */

static uint64_t lock_timeout_ns(struct exec_ctx *x)
{
	const char *v = x->settings ? setting_get(x->settings, *x->nsettings,
						  "lock_timeout")
				    : NULL;

	return v ? txn_parse_ms(v) * 1000000ull : 0;
}

static int deadlock(struct exec_ctx *x, uint64_t xid)
{
	struct txn_mgr *m = x->db->txm;
	uint64_t w = xid;
	int steps;

	for (steps = 0; w && steps < TXN_SLOTS; steps++) {
		struct txn *p = m->slots[w % TXN_SLOTS];

		if (LOAD(&p->xid) != w)
			return 0;
		w = p->waiting_for;
		if (w == x->txn->xid) {
			db_err(x->err, "40P01", "deadlock detected");
			db_err_detail(x->err,
				      "Transaction %llu waits for transaction "
				      "%llu, which waits for it.",
				      (unsigned long long)x->txn->xid,
				      (unsigned long long)xid);
			x->err->hint = "See server log for query details.";
			return -EDEADLK;
		}
	}
	return 0;
}

/* Sleeps until transaction xid has ended (db->lock not held). */
static int wait_for(struct exec_ctx *x, uint64_t xid)
{
	struct txn_mgr *m = x->db->txm;
	struct txn *me = x->txn, *o = m->slots[xid % TXN_SLOTS];
	uint64_t to = lock_timeout_ns(x), start = time_ns();
	int r = 0;

	mutex_lock(&m->lock);
	if (LOAD(&o->xid) != xid || (r = deadlock(x, xid)) < 0) {
		mutex_unlock(&m->lock);
		return r;
	}
	me->waiting_for = xid;
	ADD(&o->nwaiters, 1);
	while (LOAD(&o->xid) == xid) {
		uint64_t now, slice = LOCK_SLICE_NS;

		if ((r = exec_check_interrupt(x)) < 0)
			break;
		now = time_ns();
		if (to && now - start >= to) {
			r = db_err(x->err, "55P03",
				   "canceling statement due to lock timeout");
			break;
		}
		if (to && start + to - now < slice)
			slice = start + to - now;
		if (x->deadline_ns && x->deadline_ns > now &&
		    x->deadline_ns - now < slice)
			slice = x->deadline_ns - now;
		condvar_wait_ns(&o->cv, &m->lock, slice);
	}
	ADD(&o->nwaiters, -1);
	me->waiting_for = 0;
	mutex_unlock(&m->lock);
	return r;
}

static bool table_alive(struct db *db, const struct table *t, uint32_t oid,
			int ncols)
{
	int i;

	for (i = 0; i < db->ntables; i++)
		if (db->tables[i] == t)
			return t->oid == oid && t->ncols == ncols;
	return false;
}

/* Waits for xid with db->lock released (it is held exclusively). */
static int wait_unlocked(struct exec_ctx *x, struct table *t, uint64_t xid)
{
	uint32_t oid = t->oid;
	int ncols = t->ncols, r;
	char name[64];

	snprintf(name, sizeof(name), "%s", t->name);
	rwlock_write_unlock(&x->db->lock);
	r = wait_for(x, xid);
	rwlock_write_lock(&x->db->lock);
	if (r == 0 && !table_alive(x->db, t, oid, ncols))
		return db_err(x->err, "40001",
			      "could not serialize access: relation \"%s\" was "
			      "changed concurrently",
			      name);
	return r;
}

/* ---- writes ----------------------------------------------------------------- */

static struct row *new_version(struct exec_ctx *x, struct table *t,
			       const struct datum *vals, struct row *older)
{
	struct row *r = row_copy_in(t->mem, vals, t->ncols);

	if (!r) {
		db_err_oom(x->err);
		return NULL;
	}
	r->stamp = TXN_OWNER | x->txn->xid;
	r->older = older;
	return r;
}

/* Who holds the newest version h: 0 nobody (committed at *cts, or ours:
 * *cts 0), else the xid of the running writer. */
static uint64_t holder(struct exec_ctx *x, struct row *h, uint64_t *cts)
{
	uint64_t raw = LOAD(&h->stamp);

	*cts = 0;
	if (mine(x->txn, h))
		return 0;
	*cts = stamp_cts(x->db->txm, &h->stamp);
	return *cts == TXN_UNCOMMITTED ? raw & ~TXN_OWNER : 0;
}

/* The key of vals is to map to rowid: waits for a running writer of a
 * row with that key, 23505 if a live row has it. */
static int claim_key(struct exec_ctx *x, struct table *t,
		     const struct datum *vals, uint64_t rowid,
		     struct txn_undo *e)
{
	struct datum key[TABLE_MAX_PK];

	if (!t->npk)
		return 0;
	if (!t->pk_index.nkey)
		btree_init_in(&t->pk_index, t->npk, t->mem);
	key_of(t, vals, key);
	for (;;) {
		int64_t id = btree_lookup(&t->pk_index, key);
		struct row *h = id >= 0 ? *table_slot(t, (uint64_t)id) : NULL;
		uint64_t c, w;

		if (id == (int64_t)rowid)
			return 0;
		if (h && (w = holder(x, h, &c))) {
			int r = wait_unlocked(x, t, w);

			if (r < 0)
				return r;
			continue;
		}
		if (h && !h->dead && same_key(t, h, vals))
			return table_dup_key_err(t, vals, x->err);
		if (id >= 0)
			btree_delete(&t->pk_index, key);
		if (btree_insert(&t->pk_index, key, rowid) < 0) {
			if (id >= 0)
				btree_insert(&t->pk_index, key, (uint64_t)id);
			return db_err_oom(x->err);
		}
		e->key_set = true;
		e->prev_map = id;
		return 0;
	}
}

int txn_insert(struct exec_ctx *x, struct table *t, const struct datum *vals,
	       uint64_t *rowid)
{
	struct datum key[TABLE_MAX_PK];
	struct txn_undo *e;
	struct row *r;
	uint64_t id;

	/* A dead row with the same key: the new row goes on top of it
	 * (older snapshots still see what was deleted). */
	if (t->npk && t->pk_index.nkey) {
		int64_t old;

		key_of(t, vals, key);
		for (;;) {
			struct row *h;
			uint64_t c, w;

			old = btree_lookup(&t->pk_index, key);
			h = old >= 0 ? *table_slot(t, (uint64_t)old) : NULL;
			if (!h || !(w = holder(x, h, &c)))
				break;
			if (wait_unlocked(x, t, w) < 0)
				return -EINVAL;
		}
		if (old >= 0 && *table_slot(t, (uint64_t)old) &&
		    (*table_slot(t, (uint64_t)old))->dead &&
		    same_key(t, *table_slot(t, (uint64_t)old), vals)) {
			struct row **slot = table_slot(t, (uint64_t)old);

			if (!(r = new_version(x, t, vals, *slot)) ||
			    push_undo(x, t, (uint64_t)old, r, false, &e) < 0) {
				row_free(t, r);
				return -EINVAL;
			}
			if (index_follow(t, (uint64_t)old, *slot, r,
					 x->err) < 0) {
				x->txn->nundo--;
				row_free(t, r);
				return -EINVAL;
			}
			*slot = r;
			*rowid = (uint64_t)old;
			return 0;
		}
	}
	if (table_new_slot(t, &id) < 0 || !(r = new_version(x, t, vals, NULL)))
		return db_err_oom(x->err);
	if (push_undo(x, t, id, r, true, &e) < 0) {
		row_free(t, r);
		return -EINVAL;
	}
	if (index_follow(t, id, NULL, r, x->err) < 0) {
		x->txn->nundo--;
		row_free(t, r);
		return -EINVAL;
	}
	*table_slot(t, id) = r;
	t->nlive++;
	*rowid = id;
	return claim_key(x, t, r->vals, id, e);
}

int txn_lock_row(struct exec_ctx *x, struct table **tp, uint64_t rowid,
		 const struct expr *where, struct row **base)
{
	for (;;) {
		struct table *t = *tp;
		struct row *h = rowid < t->nslots ? *table_slot(t, rowid) : NULL;
		uint64_t c, w;
		bool ok = true;

		if (!h)
			return 1;
		if ((w = holder(x, h, &c))) {
			if (wait_unlocked(x, t, w) < 0)
				return -EINVAL;
			continue;
		}
		if (c > x->txn->S) { /* committed after our snapshot */
			if (x->txn->iso != TXN_READ_COMMITTED)
				return db_err(x->err, "40001",
					      "could not serialize access due "
					      "to concurrent %s",
					      h->dead ? "delete" : "update");
			if (h->dead)
				return 1;
			/* READ COMMITTED: the newest version, if it still
			 * matches (PostgreSQL's EvalPlanQual). */
			if (where) {
				struct eval_env env = {.row = h->vals};

				if (eval_cond(x, where, &env, &ok) < 0)
					return -EINVAL;
			}
			if (!ok)
				return 1;
		}
		if (h->dead)
			return 1;
		*base = h;
		return 0;
	}
}

static int push_version(struct exec_ctx *x, struct table *t, uint64_t rowid,
			const struct datum *vals, bool dead,
			struct txn_undo **e)
{
	struct row **slot = table_slot(t, rowid), *r;

	if (!(r = new_version(x, t, vals, *slot)))
		return -EINVAL;
	r->dead = dead;
	if (push_undo(x, t, rowid, r, false, e) < 0) {
		row_free(t, r);
		return -EINVAL;
	}
	if (index_follow(t, rowid, *slot, r, x->err) < 0) {
		x->txn->nundo--;
		row_free(t, r);
		return -EINVAL;
	}
	*slot = r;
	t->nversions++;
	return 0;
}

int txn_update(struct exec_ctx *x, struct table *t, uint64_t rowid,
	       const struct datum *vals)
{
	struct row *old = *table_slot(t, rowid);
	bool moved = t->npk && !same_key(t, old, vals);
	struct txn_undo *e;

	if (push_version(x, t, rowid, vals, false, &e) < 0)
		return -EINVAL;
	if (moved)
		return claim_key(x, t, (*table_slot(t, rowid))->vals, rowid, e);
	return 0;
}

int txn_delete(struct exec_ctx *x, struct table *t, uint64_t rowid)
{
	struct txn_undo *e;

	return push_version(x, t, rowid, (*table_slot(t, rowid))->vals, true,
			    &e);
}

/* ---- pruning --------------------------------------------------------------- */

static uint64_t horizon(struct txn_mgr *m)
{
	uint64_t h = LOAD(&m->clock);
	int i;

	for (i = 0; i < TXN_SLOTS && m->slots[i]; i++) {
		uint64_t s = LOAD(&m->slots[i]->snap);

		if (s && s < h)
			h = s;
	}
	return h;
}

static bool key_kept(const struct table *t, const struct row *from,
		     const struct row *to, const struct row *f)
{
	const struct row *v;

	for (v = from; v; v = v->older) {
		if (same_key(t, v, f->vals))
			return true;
		if (v == to)
			break;
	}
	return false;
}

static void drop_keys(struct table *t, uint64_t rowid, const struct row *keep,
		      const struct row *keep_to, const struct row *f)
{
	struct datum key[TABLE_MAX_PK];

	for (; f; f = f->older) {
		if (!t->npk || (keep && key_kept(t, keep, keep_to, f)))
			continue;
		key_of(t, f->vals, key);
		if (btree_lookup(&t->pk_index, key) == (int64_t)rowid)
			btree_delete(&t->pk_index, key);
	}
}

/* Frees every version no snapshot can see (db->lock exclusive). */
static void prune_table(struct table *t, uint64_t m)
{
	uint64_t id;

	for (id = 0; id < t->nslots; id++) {
		struct row **slot = table_slot(t, id), *h = *slot, *v;

		for (v = h; v; v = v->older) {
			uint64_t st = LOAD(&v->stamp);

			if (!(st & TXN_OWNER) && st <= m)
				break;
		}
		if (!v)
			continue;
		if (v == h && h->dead) {
			drop_keys(t, id, NULL, NULL, h);
			row_free_chain(t, h);
			*slot = NULL;
			t->nlive--;
			continue;
		}
		if (v->older) {
			drop_keys(t, id, h, v, v->older);
			row_free_chain(t, v->older);
			v->older = NULL;
		}
	}
	t->nversions = 0;
}

void txn_prune(struct db *db)
{
	uint64_t m = 0;
	int i;

	for (i = 0; i < db->ntables; i++) {
		struct table *t = db->tables[i];

		if (t->nversions < 1024 || t->nversions < t->nslots / 4)
			continue;
		if (!m)
			m = horizon(db->txm);
		prune_table(t, m);
	}
}

int txn_ddl(struct exec_ctx *x, struct table *t)
{
	struct txn *me = x->txn;
	uint64_t id, k, n = 0;

	for (id = 0; id < t->nslots; id++) {
		struct row *h = *table_slot(t, id);
		uint64_t c;

		if (h && holder(x, h, &c))
			return db_err(x->err, "55006",
				      "cannot change relation \"%s\" because it "
				      "has uncommitted changes of another "
				      "transaction",
				      t->name);
	}
	if (!me)
		return 0;
	for (k = 0; k < me->nundo; k++)
		if (undo_at(me, k)->t != t)
			*undo_at(me, n++) = *undo_at(me, k);
	me->nundo = n;
	for (k = 0; k < (uint64_t)me->nsp; k++)
		if (me->sp[k].mark > n)
			me->sp[k].mark = n;
	return 0;
}
