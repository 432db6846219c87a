/* SPDX-License-Identifier: MIT */
/* plan.c: access paths: which index (if any) finds a table's rows for a
 * WHERE clause.
 *
 * The WHERE clause is split into its AND-ed conjuncts; those of the form
 * "col = v", "col op v" / "v op col" (op one of < <= > >=), "col BETWEEN
 * v AND w" and "col IN (v, ...)", with v and w constants or parameters
 * (possibly cast), are the usable ones. For every index of the table (the
 * primary key first, then the secondary ones, index.h) the plan fixes the
 * longest prefix of its columns by equalities and then bounds the next
 * column by the ranges on it. The most selective index wins: equality on
 * every column of a unique index (at most one row) first, then the
 * longest equality prefix, then one with a range; ties go to the earlier
 * index. Without a usable index the table is scanned.
 *
 * The path only narrows the candidates: bounds are inclusive and callers
 * apply the whole WHERE clause to every row found (so the strict
 * comparisons, the other conjuncts, and an index entry that points at a
 * changed row are all handled there). */
#include <string.h>
#include <unidb/errno.h>

#include "../storage/snapshot.h"
#include "../txn/txn.h"
#include "internal.h"

#define PLAN_MAX_CONJ 64

/* A value a bound can use: constant or parameter (maybe cast, or any
 * folded constant expression), non-NULL,
 * and comparable with the column (integers with integers, strings with
 * strings). */
static bool bound_value(struct exec_ctx *x, const struct expr *v,
			const struct expr *col, struct datum *out)
{
	struct eval_env env = {0};

	if (!v->folded && /* a constant expression (fold.c) */
	    v->kind != EX_CONST && v->kind != EX_PARAM &&
	    v->kind != EX_OUTER && /* fixed while a subquery runs */
	    !(v->kind == EX_CAST &&
	      (v->l->kind == EX_CONST || v->l->kind == EX_PARAM)))
		return false;
	if (eval(x, v, &env, out) < 0) {
		x->err->code[0] = 0;
		return false;
	}
	return !out->null &&
	       type_is_text(out->type) == type_is_text(col->type.id) &&
	       type_is_int(out->type) == type_is_int(col->type.id);
}

int expr_conjuncts(const struct expr *w, const struct expr **out, int cap,
		   int n)
{
	if (!w)
		return n;
	if (w->kind == EX_BINOP && w->op == OP_AND)
		return expr_conjuncts(w->r, out, cap,
				      expr_conjuncts(w->l, out, cap, n));
	if (n < cap)
		out[n] = w;
	return n + 1;
}

static int mirror(int op)
{
	return op == OP_LT ? OP_GT : op == OP_LE ? OP_GE : op == OP_GT ? OP_LT
	     : op == OP_GE ? OP_LE : op;
}

static void narrow(struct access_path *p, const struct datum *v, bool upper)
{
	if (upper && (!p->has_hi || datum_cmp(v, &p->hi) < 0))
		p->hi = *v, p->has_hi = true;
	if (!upper && (!p->has_lo || datum_cmp(v, &p->lo) > 0))
		p->lo = *v, p->has_lo = true;
}

/* Equality "slot = v": the value, or false. */
static bool equality(struct exec_ctx *x, const struct expr *w, int slot,
		     struct datum *v)
{
	const struct expr *c, *o;

	if (w->kind != EX_BINOP || w->op != OP_EQ)
		return false;
	c = w->l->kind == EX_COLUMN ? w->l : w->r;
	o = c == w->l ? w->r : w->l;
	return c->kind == EX_COLUMN && c->slot == slot && bound_value(x, o, c, v);
}

/* Narrows p's bounds by conjunct w on slot. */
static void range(struct exec_ctx *x, const struct expr *w, int slot,
		  struct access_path *p)
{
	const struct expr *c = w->l, *v = w->r;
	struct datum d, d2;
	int op = w->op;

	if (w->kind == EX_BETWEEN && !w->negated && w->x->kind == EX_COLUMN &&
	    w->x->slot == slot && bound_value(x, w->l, w->x, &d) &&
	    bound_value(x, w->r, w->x, &d2)) {
		narrow(p, &d, false);
		narrow(p, &d2, true);
		return;
	}
	if (w->kind != EX_BINOP || op < OP_EQ || op > OP_GE || op == OP_NE)
		return;
	if (c->kind != EX_COLUMN) {
		c = w->r, v = w->l;
		op = mirror(op);
	}
	if (c->kind != EX_COLUMN || c->slot != slot || !bound_value(x, v, c, &d))
		return;
	if (op == OP_EQ || op == OP_GT || op == OP_GE)
		narrow(p, &d, false);
	if (op == OP_EQ || op == OP_LT || op == OP_LE)
		narrow(p, &d, true);
}

/* "slot IN (v, ...)" with every v usable: the values. */
static int in_list(struct exec_ctx *x, const struct expr *w, int slot,
		   struct datum **vals)
{
	int i;

	if (w->kind != EX_IN || w->negated || w->l->kind != EX_COLUMN ||
	    w->l->slot != slot || w->nargs < 1 || w->nargs > 1024)
		return 0;
	*vals = arena_alloc(x->a, sizeof(**vals) * (size_t)w->nargs);
	if (!*vals)
		return 0;
	for (i = 0; i < w->nargs; i++)
		if (!bound_value(x, w->args[i], w->l, &(*vals)[i]))
			return 0;
	return w->nargs;
}

/* The best path through index ix for the conjuncts. */
static void consider(struct exec_ctx *x, const struct index_info *ix,
		     const struct expr **conj, int nconj, struct access_path *p)
{
	int k, i;

	memset(p, 0, sizeof(*p));
	p->ix = *ix;
	for (k = 0; k < ix->ncols; k++) {
		for (i = 0; i < nconj; i++)
			if (equality(x, conj[i], ix->cols[k], &p->key[k]))
				break;
		if (i == nconj)
			break;
		p->neq++;
	}
	if (p->neq < ix->ncols) {
		for (i = 0; i < nconj; i++)
			range(x, conj[i], ix->cols[p->neq], p);
		for (i = 0; i < nconj && !p->has_lo && !p->has_hi; i++)
			p->nin = in_list(x, conj[i], ix->cols[p->neq], &p->in);
	}
	if (p->neq == ix->ncols && ix->unique)
		p->score = 1000;
	else
		p->score = p->neq * 10 + (p->nin ? 6 : 0) +
			   (p->has_lo || p->has_hi ? 5 : 0);
}

int plan_access(struct exec_ctx *x, struct table *t, const struct expr *where,
		struct access_path *best)
{
	const struct expr *conj[PLAN_MAX_CONJ];
	struct access_path p;
	struct index_info ix;
	int nconj = expr_conjuncts(where, conj, PLAN_MAX_CONJ, 0), i;

	memset(best, 0, sizeof(*best));
	if (nconj > PLAN_MAX_CONJ) /* the first ones are enough to narrow */
		nconj = PLAN_MAX_CONJ;
	for (i = 0; nconj && table_index_info(t, i, &ix); i++) {
		consider(x, &ix, conj, nconj, &p);
		if (p.score > best->score)
			*best = p;
	}
	best->use_index = best->score > 0;
	return 0;
}

/* The tree of the path's index and its key width. */
static const struct btree *tree_of(const struct table *t,
				   const struct access_path *p)
{
	return p->ix.primary ? &t->pk_index : &p->ix.index->bt;
}

/* Whether entry k is still inside the range p scans (prefix equal, key
 * column within the upper bound and not NULL). */
static bool in_range(const struct access_path *p, const struct datum *k,
		     const struct datum *eq_last)
{
	int c;

	for (c = 0; c < p->neq; c++)
		if (k[c].null || !datum_eq(&k[c], &p->key[c]))
			return false;
	if (eq_last)
		return !k[p->neq].null && datum_eq(&k[p->neq], eq_last);
	if (p->neq == p->ix.ncols || (!p->has_lo && !p->has_hi))
		return true;
	if (k[p->neq].null)
		return false;
	return !p->has_hi || datum_cmp(&k[p->neq], &p->hi) <= 0;
}

/* Where a scan reads t's rows: the statement's vm snapshot copy of t
 * (htap.h), or the live table (no copy of it, or its columns changed
 * since: db_snapshot_find), whose slots and chains are read under
 * exec_live_lock. */
struct row_src {
	struct exec_ctx *x;
	struct table *t;
	int si;		   /* t's index in x->snap; -1: live */
	int *cols, ncols;  /* copy: the columns read (NULL: all) */
	struct datum *buf; /* copy: the datums of the next row, unused */
};

int cols_list(struct exec_ctx *x, const bool *mask, int n, int **list)
{
	int k, m = 0;

	*list = NULL;
	if (!mask)
		return 0;
	if (!(*list = arena_alloc(x->a, sizeof(**list) * (size_t)(n + 1))))
		return db_err_oom(x->err);
	for (k = 0; k < n; k++)
		if (mask[k])
			(*list)[m++] = k;
	return m;
}

struct datum *row_buf(struct exec_ctx *x, int n)
{
	struct datum *v = arena_alloc(x->a, sizeof(*v) * (size_t)(n + 1));
	int k;

	for (k = 0; v && k <= n; k++)
		v[k] = (struct datum){.null = true};
	if (!v)
		db_err_oom(x->err);
	return v;
}

static int src_init(struct row_src *r, struct exec_ctx *x, struct table *t,
		    const bool *cols)
{
	r->x = x;
	r->t = t;
	r->si = db_snapshot_find(x->snap, t);
	r->buf = NULL;
	r->ncols = cols_list(x, r->si >= 0 ? cols : NULL, t->ncols, &r->cols);
	return r->ncols;
}

static uint64_t src_nslots(const struct row_src *r)
{
	return r->si >= 0 ? r->x->snap->t[r->si].nslots : r->t->nslots;
}

/* The values of row id as the statement sees it, NULL if it sees none
 * (*err < 0: out of memory). A copied row is the caller's to keep, unless
 * it gives it back (src_unkeep). */
static const struct datum *src_row(struct row_src *r, uint64_t id, int *err)
{
	const struct datum *vals;
	const struct row *v;

	if (r->si < 0) {
		v = txn_row(r->x, r->t, id);
		return v ? v->vals : NULL;
	}
	if (!r->buf && !(r->buf = row_buf(r->x, r->t->ncols))) {
		*err = -EINVAL;
		return NULL;
	}
	if (db_snapshot_row(r->x->snap, r->si, id, r->buf, r->t->ncols,
			    r->cols, r->ncols) <= 0)
		return NULL;
	vals = r->buf;
	r->buf = NULL;
	return vals;
}

/* Emits v; a copy emit did not keep serves the next row. */
static int src_emit(struct row_src *r, row_emit_fn emit, void *ctx,
		    uint64_t id, const struct datum *v)
{
	int ret = emit(ctx, id, v);

	if (ret == ROW_NOT_KEPT && r->si >= 0 && !r->buf)
		r->buf = (struct datum *)v;
	return ret < 0 ? ret : 0;
}

/* Whether the values v of row id have the entry's key k: a row whose
 * key changed is under both keys until pruning (db/txn), and is found
 * through the one its visible version has. */
static bool entry_matches(const struct access_path *p, const struct datum *k,
			  const struct datum *v)
{
	int i;

	for (i = 0; i < p->ix.ncols; i++)
		if (datum_cmp(&v[p->ix.cols[i]], &k[i]) != 0)
			return false;
	return true;
}

/* One index range: seek to the equality prefix (and the lower bound or
 * the IN value eq_last), emit while in range. */
static int scan_range(struct row_src *r, const struct access_path *p,
		      const struct datum *eq_last, row_emit_fn emit, void *ctx)
{
	struct datum key[INDEX_MAX_COLUMNS + 1];
	struct btree_iter it;
	const struct datum *k, *v;
	uint64_t id;
	int nseek = p->neq, err = 0;

	memcpy(key, p->key, sizeof(key[0]) * (size_t)p->neq);
	if (eq_last || (p->neq < p->ix.ncols && p->has_lo))
		key[nseek++] = eq_last ? *eq_last : p->lo;
	btree_seek_prefix(tree_of(r->t, p), key, nseek, &it);
	while (btree_next(&it, &k, &id)) {
		if (!in_range(p, k, eq_last))
			break;
		if (exec_tick(r->x) < 0)
			return -EINVAL;
		v = src_row(r, id, &err);
		if (err < 0 || (v && entry_matches(p, k, v) &&
				src_emit(r, emit, ctx, id, v) < 0))
			return -EINVAL;
	}
	return 0;
}

static bool in_earlier(const struct access_path *p, int i)
{
	int k;

	for (k = 0; k < i; k++)
		if (datum_eq(&p->in[k], &p->in[i]))
			return true;
	return false;
}

static int index_run(struct row_src *r, const struct access_path *p,
		     row_emit_fn emit, void *ctx)
{
	const struct datum *v;
	int i, err = 0;

	if (p->ix.primary && p->neq == p->ix.ncols) {
		int64_t id = table_pk_lookup(r->t, p->key);

		v = id < 0 ? NULL : src_row(r, (uint64_t)id, &err);
		return err < 0 ? err
		       : v     ? src_emit(r, emit, ctx, (uint64_t)id, v)
			       : 0;
	}
	if (p->nin) {
		for (i = 0; i < p->nin; i++) /* IN lists have no duplicates */
			if (!in_earlier(p, i) &&
			    scan_range(r, p, &p->in[i], emit, ctx) < 0)
				return -EINVAL;
		return 0;
	}
	return scan_range(r, p, NULL, emit, ctx);
}

static int full_run(struct row_src *r, row_emit_fn emit, void *ctx)
{
	const struct datum *v;
	uint64_t id;
	int err = 0;

	for (id = 0; id < src_nslots(r); id++) {
		if (exec_tick(r->x) < 0)
			return -EINVAL;
		v = src_row(r, id, &err);
		if (err < 0 || (v && src_emit(r, emit, ctx, id, v) < 0))
			return -EINVAL;
	}
	return 0;
}

int path_run(struct exec_ctx *x, struct table *t, const struct access_path *p,
	     const bool *cols, row_emit_fn emit, void *ctx)
{
	struct row_src r;
	bool live;
	int ret;

	/* an index lookup compares the row's key columns (entry_matches) */
	if (src_init(&r, x, t, p->use_index ? NULL : cols) < 0)
		return -EINVAL;
	live = p->use_index || r.si < 0; /* index trees are live */
	if (live)
		exec_live_lock(x);
	ret = p->use_index ? index_run(&r, p, emit, ctx)
			   : full_run(&r, emit, ctx);
	if (live)
		exec_live_unlock(x);
	return ret;
}

int table_scan(struct exec_ctx *x, struct table *t, const struct expr *where,
	       const bool *cols, row_emit_fn emit, void *ctx)
{
	struct access_path p;

	if (plan_access(x, t, where, &p) < 0)
		return -EINVAL;
	return path_run(x, t, &p, cols, emit, ctx);
}

bool table_scan_is_full(struct exec_ctx *x, struct table *t,
			const struct expr *where)
{
	struct access_path p;

	if (plan_access(x, t, where, &p) < 0) {
		x->err->code[0] = 0; /* the real run reports it */
		return false;
	}
	return !p.use_index;
}
