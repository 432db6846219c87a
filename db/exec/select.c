/* SPDX-License-Identifier: MIT */
/* select.c: SELECT: bind, plan the access paths, run the operators.
 *
 * Operators work on batches: a batch is an array of row pointers (each
 * row an array of datums as wide as the scope). The scan hands out the
 * stored rows themselves (no copy; the caller holds the catalog lock);
 * joins build concatenated rows in the arena. Then: filter, hash
 * aggregation (groups keyed by the GROUP BY values, NULLs in one group),
 * HAVING, projection, DISTINCT by hashing, ORDER BY (sort.c), OFFSET
 * and LIMIT. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unidb/errno.h>
#include <unidb/job.h>

#include "internal.h"
#include "../txn/txn.h"
#include "catalog.h"

struct batch {
	const struct datum **rows;
	uint64_t n, cap;
};

static int batch_add(struct exec_ctx *x, struct batch *b, const struct datum *r)
{
	if (b->n == b->cap) {
		/* from 4: a hash join keeps one batch per key */
		uint64_t cap = b->cap ? b->cap * 2 : 4;
		const struct datum **n = arena_realloc(
		    x->a, b->rows, sizeof(*n) * b->cap, sizeof(*n) * cap);

		if (!n)
			return db_err_oom(x->err);
		b->rows = n;
		b->cap = cap;
	}
	b->rows[b->n++] = r;
	return 0;
}

struct from_src {
	struct table *table; /* or NULL: rows below */
	struct result sub;
	int first, width; /* columns in the scope */
};

/* One SELECT's bound form. */
struct sel {
	struct select *s;
	struct scope sc;
	struct from_src *src;
	struct bind_ctx b;
	struct expr **tl; /* bound select list (stars expanded) */
	int ntl;
	struct expr **order; /* bound ORDER BY keys */
	bool *reads;	     /* [slot]: read by some expression */
	int *order_out;	     /* >= 0: output column instead of order[i] */
	bool grouped;
	int64_t limit, offset;
};

static int scope_add(struct exec_ctx *x, struct scope *sc,
		     const struct scope *more)
{
	struct scope_col *c = arena_alloc(x->a, sizeof(*c) *
						    (size_t)(sc->n + more->n + 1));

	if (!c)
		return db_err_oom(x->err);
	if (sc->n)
		memcpy(c, sc->cols, sizeof(*c) * (size_t)sc->n);
	memcpy(c + sc->n, more->cols, sizeof(*c) * (size_t)more->n);
	sc->cols = c;
	sc->n += more->n;
	return 0;
}

static int bind_from(struct exec_ctx *x, struct sel *q)
{
	struct select *s = q->s;
	int i, k, r;

	q->src = arena_alloc(x->a, sizeof(*q->src) * (size_t)(s->nfrom + 1));
	if (!q->src)
		return db_err_oom(x->err);
	for (i = 0; i < s->nfrom; i++) {
		struct from_item *f = &s->from[i];
		struct scope one = {0};

		q->src[i].first = q->sc.n;
		r = f->table && !f->func
			    ? catalog_relation(x, f->table, &q->src[i].sub)
			    : 0;
		if (r < 0)
			return -EINVAL;
		if (f->func) {
			if (srf_bind(x, f, &one) < 0)
				return -EINVAL;
		} else if (f->table && !r) {
			q->src[i].table = db_find_table(x->db, f->table);
			if (!q->src[i].table)
				return no_relation(x, f->table, f->pos);
			if (scope_of_table(x, q->src[i].table,
					   f->alias ? f->alias : f->table,
					   &one) < 0)
				return -EINVAL;
		} else {
			if (!r && exec_select(x, f->sub, &q->src[i].sub) < 0)
				return -EINVAL;
			one.n = q->src[i].sub.ncols;
			one.cols = arena_alloc(x->a, sizeof(*one.cols) *
							     (size_t)(one.n + 1));
			if (!one.cols)
				return db_err_oom(x->err);
			for (k = 0; k < one.n; k++) {
				one.cols[k].table = f->alias ? f->alias
							     : f->table;
				one.cols[k].name = q->src[i].sub.cols[k].name;
				one.cols[k].type = q->src[i].sub.cols[k].type;
			}
		}
		for (k = 0; k < i; k++) {
			const char *a = s->from[k].alias ? s->from[k].alias
							 : s->from[k].table;
			const char *b = f->alias ? f->alias : f->table;

			if (!a && s->from[k].func)
				a = s->from[k].func->name;
			if (!b && f->func)
				b = f->func->name;

			if (a && b && !strcmp(a, b))
				return db_err(x->err, "42712",
						  "table name \"%s\" specified "
						  "more than once",
						  b);
		}
		q->src[i].width = one.n;
		if (scope_add(x, &q->sc, &one) < 0)
			return -EINVAL;
	}
	return 0;
}

/* GROUP BY 1 / GROUP BY alias: the select-list expression. */
static struct expr *output_ref(struct sel *q, struct expr *e, bool by_alias)
{
	int i;

	if (e->kind == EX_CONST && type_is_int(e->val.type) && !e->val.null &&
	    e->val.i >= 1 && e->val.i <= q->s->ntargets)
		return q->s->targets[e->val.i - 1].e;
	if (by_alias && e->kind == EX_COLUMN && !e->qual)
		for (i = 0; i < q->s->ntargets; i++)
			if (q->s->targets[i].alias &&
			    !strcmp(q->s->targets[i].alias, e->name))
				return q->s->targets[i].e;
	return NULL;
}

static bool in_scope(struct sel *q, const struct expr *e)
{
	int i;

	for (i = 0; i < q->sc.n; i++)
		if (!strcmp(q->sc.cols[i].name, e->name))
			return true;
	return false;
}

/* Whether every column outside aggregates is one of the grouped ones. */
static int check_grouped(struct exec_ctx *x, struct sel *q,
			 const struct expr *e, const bool *grouped_col)
{
	int i;

	if (!e)
		return 0;
	if (e->kind == EX_FUNC && e->agg)
		return 0;
	if (e->kind == EX_COLUMN && !grouped_col[e->slot])
		return db_err_pos(x->err, sql_char_pos(x->query, e->pos),
				  "42803",
				  "column \"%s.%s\" must appear in the GROUP BY "
				  "clause or be used in an aggregate function",
				  q->sc.cols[e->slot].table, e->name);
	if (check_grouped(x, q, e->l, grouped_col) < 0 ||
	    check_grouped(x, q, e->r, grouped_col) < 0 ||
	    check_grouped(x, q, e->x, grouped_col) < 0)
		return -EINVAL;
	for (i = 0; i < e->nargs; i++)
		if (check_grouped(x, q, e->args[i], grouped_col) < 0)
			return -EINVAL;
	return 0;
}

static int bind_group(struct exec_ctx *x, struct sel *q)
{
	struct select *s = q->s;
	bool *gc;
	int i;

	q->b.agg_forbidden = "GROUP BY";
	for (i = 0; i < s->ngroup; i++) {
		struct expr *o = output_ref(q, s->group[i], false);

		if (!o && s->group[i]->kind == EX_COLUMN && !s->group[i]->qual &&
		    !in_scope(q, s->group[i]))
			o = output_ref(q, s->group[i], true);
		if (o)
			s->group[i] = o; /* already bound with the targets */
		else if (bind_expr(&(struct bind_ctx){.x = x, .sc = &q->sc,
						      .agg_forbidden =
							  "GROUP BY"},
				   &s->group[i]) < 0)
			return -EINVAL;
		if (expr_has_agg(s->group[i]))
			return db_err_pos(x->err,
					  sql_char_pos(x->query, s->group[i]->pos),
					  "42803",
					  "aggregate functions are not allowed "
					  "in GROUP BY");
	}
	q->grouped = s->ngroup > 0 || q->b.naggs > 0;
	if (!q->grouped)
		return 0;
	gc = arena_alloc(x->a, (size_t)q->sc.n + 1);
	if (!gc)
		return db_err_oom(x->err);
	for (i = 0; i < s->ngroup; i++)
		expr_cols(s->group[i], gc, 0, q->sc.n, false);
	for (i = 0; i < q->ntl; i++)
		if (check_grouped(x, q, q->tl[i], gc) < 0)
			return -EINVAL;
	if (check_grouped(x, q, s->having, gc) < 0)
		return -EINVAL;
	for (i = 0; i < s->norder; i++)
		if (q->order_out[i] < 0 &&
		    check_grouped(x, q, q->order[i], gc) < 0)
			return -EINVAL;
	return 0;
}

static int bind_order(struct exec_ctx *x, struct sel *q, struct result *res)
{
	struct select *s = q->s;
	int i, k;

	q->order = arena_alloc(x->a, sizeof(*q->order) * (size_t)(s->norder + 1));
	q->order_out = arena_alloc(x->a, sizeof(int) * (size_t)(s->norder + 1));
	if (!q->order || !q->order_out)
		return db_err_oom(x->err);
	for (i = 0; i < s->norder; i++) {
		struct expr *e = s->order[i].e;

		q->order_out[i] = -1;
		if (e->kind == EX_CONST && type_is_int(e->val.type)) {
			if (e->val.i < 1 || e->val.i > q->ntl)
				return db_err_pos(x->err,
						  sql_char_pos(x->query, e->pos),
						  "42P10",
						  "ORDER BY position %lld is not "
						  "in select list",
						  (long long)e->val.i);
			q->order_out[i] = (int)e->val.i - 1;
			continue;
		}
		if (e->kind == EX_COLUMN && !e->qual)
			for (k = 0; k < q->ntl; k++)
				if (!strcmp(res->cols[k].name, e->name)) {
					q->order_out[i] = k;
					break;
				}
		if (q->order_out[i] >= 0)
			continue;
		if (bind_expr(&q->b, &e) < 0)
			return -EINVAL;
		q->order[i] = e;
		if (s->distinct) {
			for (k = 0; k < q->ntl; k++)
				if (q->tl[k]->kind == EX_COLUMN &&
				    e->kind == EX_COLUMN &&
				    q->tl[k]->slot == e->slot)
					q->order_out[i] = k;
			if (q->order_out[i] < 0)
				return db_err_pos(x->err,
						  sql_char_pos(x->query, e->pos),
						  "42P10",
						  "for SELECT DISTINCT, ORDER BY "
						  "expressions must appear in "
						  "select list");
		}
	}
	return 0;
}

int bind_limit(struct exec_ctx *x, struct expr *e, const char *what,
	       int64_t *out)
{
	struct bind_ctx b = {.x = x, .agg_forbidden = what};
	struct eval_env env = {0};
	struct datum d;

	*out = -1;
	if (!e)
		return 0;
	if (bind_expr(&b, &e) < 0 ||
	    coerce(&b, &e, (struct sql_type){TYPE_INT8, -1}, CAST_IMPLICIT,
		   NULL) < 0)
		return -EINVAL;
	if (x->describe_only)
		return 0;
	if (eval(x, e, &env, &d) < 0)
		return -EINVAL;
	if (d.null)
		return 0;
	if (d.i < 0)
		return db_err(x->err, what[0] == 'L' ? "2201W" : "2201X",
			      "%s must not be negative", what);
	*out = d.i;
	return 0;
}

/* q->reads: the scope's columns the query reads anywhere, so that a
 * scan of a snapshot copies only those (db_snapshot_row). */
static int mark_reads(struct exec_ctx *x, struct sel *q)
{
	const struct select *s = q->s;
	int i, n = q->sc.n;

	if (!(q->reads = arena_alloc(x->a, (size_t)n + 1)))
		return db_err_oom(x->err);
	for (i = 0; i < q->ntl; i++)
		expr_cols(q->tl[i], q->reads, 0, n, true);
	for (i = 0; i < s->norder; i++)
		expr_cols(q->order[i], q->reads, 0, n, true);
	for (i = 0; i < s->ngroup; i++)
		expr_cols(s->group[i], q->reads, 0, n, true);
	for (i = 0; i < q->b.naggs; i++)
		expr_cols(q->b.aggs[i], q->reads, 0, n, true);
	for (i = 1; i < s->nfrom; i++)
		expr_cols(s->from[i].on, q->reads, 0, n, true);
	expr_cols(s->where, q->reads, 0, n, true);
	expr_cols(s->having, q->reads, 0, n, true);
	return 0;
}

static int bind_select(struct exec_ctx *x, struct sel *q, struct result *res)
{
	struct select *s = q->s;
	struct bind_ctx on = {.x = x, .sc = &q->sc,
			      .agg_forbidden = "JOIN conditions"};
	int i;

	if (bind_from(x, q) < 0)
		return -EINVAL;
	for (i = 1; i < s->nfrom; i++)
		if (s->from[i].on &&
		    bind_bool(&on, &s->from[i].on, "JOIN/ON") < 0)
			return -EINVAL;
	if (s->where) {
		struct bind_ctx w = {.x = x, .sc = &q->sc,
				     .agg_forbidden = "WHERE"};

		if (bind_bool(&w, &s->where, "WHERE") < 0)
			return -EINVAL;
	}
	q->b.x = x;
	q->b.sc = &q->sc;
	q->b.allow_agg = true; /* collected into q->b.aggs */
	if (bind_targets(&q->b, s->targets, s->ntargets, res, &q->tl,
			 &q->ntl) < 0)
		return -EINVAL;
	if (s->having && bind_bool(&q->b, &s->having, "HAVING") < 0)
		return -EINVAL;
	if (bind_order(x, q, res) < 0 || bind_group(x, q) < 0)
		return -EINVAL;
	if (s->having && !q->grouped)
		q->grouped = true;
	if (bind_limit(x, s->limit, "LIMIT", &q->limit) < 0 ||
	    bind_limit(x, s->offset, "OFFSET", &q->offset) < 0)
		return -EINVAL;
	return mark_reads(x, q);
}

/* ---- scans and joins ---------------------------------------------------- */

/* WHERE, conjunct by conjunct, as early as its columns allow. A conjunct
 * whose columns all belong to one FROM item filters that item's scan
 * (unless the item is the nullable side of a LEFT JOIN: there it must see
 * the NULLs the join adds); any other filters the joined rows as soon as
 * the last item it reads is joined. A join keeps the columns of the rows
 * it extends, so a row failing a conjunct early fails it at the end too.
 * A conjunct with a subquery or a volatile function waits for the end, so
 * it runs once per final row as it would otherwise. */
struct col_span {
	int lo, hi; /* scope slots read, lo > hi: none */
	bool late;
};

static void span_of(const struct expr *e, struct col_span *s)
{
	int i;

	if (!e)
		return;
	if (e->kind == EX_SUBLINK ||
	    (e->kind == EX_FUNC && expr_volatile_func(e->name)))
		s->late = true;
	if (e->kind == EX_COLUMN) {
		s->lo = e->slot < s->lo ? e->slot : s->lo;
		s->hi = e->slot > s->hi ? e->slot : s->hi;
	}
	span_of(e->l, s);
	span_of(e->r, s);
	span_of(e->x, s);
	for (i = 0; i < e->nargs; i++)
		span_of(e->args[i], s);
}

static int item_of(const struct sel *q, int slot)
{
	int i = 0;

	while (i + 1 < q->s->nfrom && slot >= q->src[i + 1].first)
		i++;
	return i;
}

static int stage_push(struct exec_ctx *x, struct stage *st,
		      const struct expr *e, int cap)
{
	if (!st->v && !(st->v = arena_alloc(x->a, sizeof(*st->v) * (size_t)cap)))
		return db_err_oom(x->err);
	st->v[st->n++] = e;
	return 0;
}

int filters_split(struct exec_ctx *x, const struct sel *q, struct filters *f)
{
	int nfrom = q->s->nfrom, n = expr_conjuncts(q->s->where, NULL, 0, 0);
	const struct expr **conj = arena_alloc(x->a, sizeof(*conj) * (size_t)(n + 1));
	int i, k;

	/* arena blocks come zeroed: every stage starts empty */
	f->scan = arena_alloc(x->a, sizeof(*f->scan) * (size_t)(nfrom + 1));
	f->joined = arena_alloc(x->a, sizeof(*f->joined) * (size_t)(nfrom + 1));
	if (!conj || !f->scan || !f->joined)
		return db_err_oom(x->err);
	memset(&f->last, 0, sizeof(f->last));
	expr_conjuncts(q->s->where, conj, n, 0);
	for (k = 0; k < n; k++) {
		struct col_span s = {.lo = 1 << 30, .hi = -1};
		struct stage *st = &f->last;

		span_of(conj[k], &s);
		i = s.hi < 0 ? 0 : item_of(q, s.hi);
		if (!s.late && nfrom > 0)
			st = (s.hi < 0 || item_of(q, s.lo) == i) &&
					     q->s->from[i].join != JOIN_LEFT
				     ? &f->scan[i]
				     : &f->joined[i];
		if (stage_push(x, st, conj[k], n) < 0)
			return -EINVAL;
	}
	return 0;
}

static int stage_apply(struct exec_ctx *x, const struct stage *st,
		       const struct batch *in, struct batch *out)
{
	uint64_t k;
	bool ok;

	if (!st->n) {
		*out = *in;
		return 0;
	}
	memset(out, 0, sizeof(*out));
	for (k = 0; k < in->n; k++)
		if (stage_check(x, st, in->rows[k], 0, &ok) < 0 ||
		    (ok && batch_add(x, out, in->rows[k]) < 0))
			return -EINVAL;
	return 0;
}

struct batch_sink {
	struct exec_ctx *x;
	struct batch *out;
	const struct stage *filter;
	int base;
};

static int add_row(void *ctx, const struct datum *row)
{
	struct batch_sink *s = ctx;
	bool ok;

	if (stage_check(s->x, s->filter, row, s->base, &ok) < 0)
		return -EINVAL;
	return ok ? batch_add(s->x, s->out, row) : ROW_NOT_KEPT;
}

static int add_stored_row(void *ctx, uint64_t id, const struct datum *vals)
{
	(void)id;
	return add_row(ctx, vals);
}

/* Item i's rows (its own columns only), a table's straight from the
 * scan (the WHERE clause may choose an index for a lone table), to emit;
 * the caller applies the scan filters. Not for a function in FROM. */
static int scan_src(struct exec_ctx *x, struct sel *q, int i,
		    row_emit_fn emit, void *ctx)
{
	uint64_t k;

	if (q->src[i].table)
		return table_scan(x, q->src[i].table,
				  q->s->nfrom == 1 ? q->s->where : NULL,
				  q->reads + q->src[i].first, emit, ctx);
	for (k = 0; k < q->src[i].sub.nrows; k++)
		if (emit(ctx, k, q->src[i].sub.rows[k]) < 0)
			return -EINVAL;
	return 0;
}

/* "left.col = right.col" (the right side within the rw columns at lw):
 * the two slots, for a hash join. */
static bool equi_on(const struct expr *on, int lw, int rw, int *ls, int *rs)
{
	if (!on || on->kind != EX_BINOP || on->op != OP_EQ ||
	    on->l->kind != EX_COLUMN || on->r->kind != EX_COLUMN)
		return false;
	*ls = on->l->slot;
	*rs = on->r->slot;
	if (*ls >= lw && *rs < lw) {
		int t = *ls;

		*ls = *rs;
		*rs = t;
	}
	return *ls < lw && *rs >= lw && *rs < lw + rw &&
	       type_class(on->l->type.id) == type_class(on->r->type.id);
}

/* A conjunct "left.col = right.col" of WHERE: an inner join written as
 * a FROM list joins by hash on it too, instead of building the cross
 * product. */
static const struct expr *where_equi(const struct expr *w, int lw, int rw,
				     int *ls, int *rs)
{
	const struct expr *c;

	if (w && w->kind == EX_BINOP && w->op == OP_AND)
		return (c = where_equi(w->l, lw, rw, ls, rs))
			   ? c
			   : where_equi(w->r, lw, rw, ls, rs);
	return equi_on(w, lw, rw, ls, rs) ? w : NULL;
}

/* The condition FROM item i joins by hash on (its ON, or a conjunct of
 * WHERE), and on which slots; NULL: a nested loop. join() runs what this
 * says, EXPLAIN prints it (select_src, select_hash_cond). */
static const struct expr *hash_cond(const struct sel *q, int i, int *ls,
				    int *rs)
{
	const struct from_item *f = &q->s->from[i];
	int lw = q->src[i].first, rw = q->src[i].width;

	if (equi_on(f->on, lw, rw, ls, rs))
		return f->on;
	return f->join != JOIN_LEFT ? where_equi(q->s->where, lw, rw, ls, rs)
				    : NULL;
}

static bool join_hashed(const struct sel *q, int i, int *ls, int *rs)
{
	return hash_cond(q, i, ls, rs) != NULL;
}

/* Whether item i's hash join builds on the rows joined so far and
 * probes with item i's scan (the smaller side is the one kept), so item
 * i's rows stream through without being kept. A LEFT JOIN builds on its
 * nullable side, whose misses it must see. */
static bool join_builds_left(const struct sel *q, int i, uint64_t nleft)
{
	const struct table *t = q->src[i].table;

	return q->s->from[i].join != JOIN_LEFT && t && nleft < t->nslots;
}

/* Joining item i: rows of the left (lw datums) meet rows of item i (rw). */
struct joiner {
	struct exec_ctx *x;
	const struct from_item *f;
	const struct stage *scan, *after; /* item i's filters */
	struct datum *row;		  /* scratch: lw + rw */
	int lw, rw, ls, rs;
	struct build_part *parts; /* the build side's rows by key (below) */
	unsigned nparts;
	size_t budget_was; /* the statement's budget before a parallel build */
	const struct batch *all; /* not hashed: item i's rows, all candidates */
	struct batch *out;
};

/* Fills row with l ++ r (r NULL: the NULLs of a LEFT JOIN's unmatched
 * row) and tests it: *on whether ON held, *ok whether it is kept (ON and
 * the filters after item i). */
static int join_match(struct exec_ctx *x, const struct joiner *j,
		      struct datum *row, const struct datum *l,
		      const struct datum *r, bool *on, bool *ok)
{
	struct eval_env env = {.row = row};
	int k;

	if (exec_tick(x) < 0)
		return -EINVAL;
	memcpy(row, l, sizeof(*l) * (size_t)j->lw);
	for (k = 0; k < j->rw; k++)
		row[j->lw + k] = r ? r[k] : datum_null(TYPE_NULL);
	*ok = true;
	if (r && j->f->on && eval_cond(x, j->f->on, &env, ok) < 0)
		return -EINVAL;
	*on = *ok;
	return *ok ? stage_check(x, j->after, row, 0, ok) : 0;
}

/* A copy of row's w datums in x's arena. */
static struct datum *row_keep(struct exec_ctx *x, const struct datum *row,
			      int w)
{
	struct datum *keep = arena_alloc(x->a, sizeof(*keep) * (size_t)(w + 1));

	if (keep)
		memcpy(keep, row, sizeof(*keep) * (size_t)w);
	else
		db_err_oom(x->err);
	return keep;
}

/* Adds a copy of the joined row to j's output. */
static int out_add(void *ctx, const struct datum *row)
{
	struct joiner *j = ctx;
	struct datum *keep = row_keep(j->x, row, j->lw + j->rw);

	return keep ? batch_add(j->x, j->out, keep) : -EINVAL;
}

/* ---- the hash build -------------------------------------------------------

 * The build side's rows are filed by key in one hash table per partition
 * of the keys' hashes (their top bits): one partition in the statement's
 * arena when this thread builds, BUILD_PARTS when the rows are many
 * (par_rows_wanted), each built by an item of a morsel job in an arena of
 * its own. A partition files its rows in their order and holds all rows
 * of its keys, so every key's rows come out in the serial order either
 * way. A NULL key is filed nowhere (it never matches). The partitions'
 * memory counts against the statement's budget until build_free. */
#define BUILD_PARTS 16

static uint64_t build_jobs; /* atomic */

uint64_t build_jobs_run(void)
{
	return __atomic_load_n(&build_jobs, __ATOMIC_RELAXED);
}

struct build_part {
	struct htab h;
	struct exec_ctx x;   /* parallel: its own arena and error */
	struct arena a;
	struct db_error err;
	uint64_t *idx, n;    /* parallel: the indexes of its rows */
	bool failed;
};

struct build_run {
	const struct joiner *j;
	const struct batch *in;
	const uint64_t *hash; /* of each row's key */
	int ko;		      /* the key's offset in a row */
};

static struct build_part *part_of(const struct joiner *j, uint64_t hash)
{
	return &j->parts[(hash >> 60) & (j->nparts - 1)];
}

/* Files row under key k (hash h) in bp. */
static int part_file(struct build_part *bp, const struct datum *row,
		     const struct datum *k, uint64_t h)
{
	struct hentry *e = htab_get_hashed(&bp->h, k, h, true, NULL);

	if (!e || (!e->val && !(e->val = arena_alloc(bp->x.a,
						     sizeof(struct batch)))))
		return db_err_oom(bp->x.err);
	return batch_add(&bp->x, e->val, row);
}

static void build_items(void *arg, uint64_t begin, uint64_t end)
{
	const struct build_run *br = arg;
	uint64_t p, c;

	for (p = begin; p < end; p++) {
		struct build_part *bp = &br->j->parts[p];

		for (c = 0; c < bp->n && !bp->failed; c++) {
			const struct datum *row = br->in->rows[bp->idx[c]];

			bp->failed = part_file(bp, row, &row[br->ko],
					       br->hash[bp->idx[c]]) < 0;
		}
	}
}

/* The partitions' arenas, and each row's index in its partition. */
static int build_split(struct exec_ctx *x, struct joiner *j,
		       const struct batch *in, int ko, uint64_t *hash)
{
	size_t share = par_budget_share(x, BUILD_PARTS);
	struct build_part *bp;
	uint64_t c;
	unsigned p;

	for (p = 0; p < j->nparts; p++) {
		bp = &j->parts[p];
		par_ctx_init(&bp->x, x, &bp->a, share, &bp->err);
	}
	for (c = 0; c < in->n; c++)
		if (!in->rows[c][ko].null)
			part_of(j, hash[c] = tuple_hash(&in->rows[c][ko], 1))->n++;
	for (p = 0; p < j->nparts; p++) {
		bp = &j->parts[p];
		bp->idx = arena_alloc(x->a, sizeof(*bp->idx) * (bp->n + 1));
		if (!bp->idx || htab_init(&bp->h, &bp->a, 1) < 0)
			return db_err_oom(x->err);
		bp->n = 0;
	}
	for (c = 0; c < in->n; c++) {
		if (!in->rows[c][ko].null) {
			bp = part_of(j, hash[c]);
			bp->idx[bp->n++] = c;
		}
	}
	return 0;
}

/* Files the rows of in (keys at offset ko) in j's partitions. */
static int build(struct exec_ctx *x, struct joiner *j, const struct batch *in,
		 int ko)
{
	struct build_run br = {j, in, NULL, ko};
	size_t held = 0;
	struct job *job;
	uint64_t *hash, c;
	unsigned p;

	j->nparts = par_rows_wanted(x, in->n) ? BUILD_PARTS : 1;
	j->parts = arena_alloc(x->a, sizeof(*j->parts) * j->nparts);
	if (!j->parts)
		return db_err_oom(x->err);
	if (j->nparts == 1) {
		j->parts[0].x = *x;
		if (htab_init(&j->parts[0].h, x->a, 1) < 0)
			return db_err_oom(x->err);
		for (c = 0; c < in->n; c++) {
			const struct datum *k = &in->rows[c][ko];

			if (!k->null && part_file(j->parts, in->rows[c], k,
						  tuple_hash(k, 1)) < 0)
				return -EINVAL;
		}
		return 0;
	}
	if (!(br.hash = hash = arena_alloc(x->a, sizeof(*hash) * in->n)))
		return db_err_oom(x->err);
	if (build_split(x, j, in, ko, hash) < 0)
		return -EINVAL;
	if (!(job = job_start("db-build", j->nparts, build_items, NULL, &br, 0)))
		return db_err_oom(x->err);
	__atomic_add_fetch(&build_jobs, 1, __ATOMIC_RELAXED);
	job_wait(job, NULL);
	for (p = 0; p < j->nparts; p++) {
		if (j->parts[p].failed) {
			*x->err = j->parts[p].err;
			return -EINVAL;
		}
		held += j->parts[p].a.used;
	}
	if ((j->budget_was = x->a->budget))
		x->a->budget = x->a->budget > held ? x->a->budget - held : 1;
	return 0;
}

/* Gives back what a parallel build holds. */
static void build_free(struct exec_ctx *x, struct joiner *j)
{
	unsigned p;

	if (j->nparts <= 1)
		return;
	for (p = 0; p < j->nparts; p++)
		arena_free(&j->parts[p].a);
	if (j->budget_was)
		x->a->budget = j->budget_was;
}

/* The build side's rows with key k (none for NULL). */
static const struct batch *build_find(const struct joiner *j,
				      const struct datum *k)
{
	static const struct batch none;
	uint64_t h = k->null ? 0 : tuple_hash(k, 1);
	struct hentry *e = k->null ? NULL
				   : htab_get_hashed(&part_of(j, h)->h, k, h,
						     false, NULL);

	return e ? e->val : &none;
}

/* Calls kept(ctx, row) with each joined row that the left rows with r's
 * key make and keep (row: scratch of lw + rw, valid during the call);
 * r is item i's row, already through its scan filters. */
static int probe_matches(struct exec_ctx *x, const struct joiner *j,
			 struct datum *row, const struct datum *r,
			 int (*kept)(void *ctx, const struct datum *row),
			 void *ctx)
{
	const struct batch *m = build_find(j, &r[j->rs - j->lw]);
	uint64_t c;
	bool on, ok;

	for (c = 0; c < m->n; c++) {
		if (join_match(x, j, row, m->rows[c], r, &on, &ok) < 0)
			return -EINVAL;
		if (ok && kept(ctx, row) < 0)
			return -EINVAL;
	}
	return 0;
}

/* Calls kept(ctx, row) with each joined row that left row l makes with
 * item i's rows (those with l's key, or j->all), and with a LEFT JOIN's
 * NULLs if none met ON (row: scratch of lw + rw). */
static int left_matches(struct exec_ctx *x, const struct joiner *j,
			struct datum *row, const struct datum *l,
			int (*kept)(void *ctx, const struct datum *row),
			void *ctx)
{
	const struct batch *m = j->all ? j->all
				       : build_find(j, &l[j->ls]);
	bool on, ok, matched = false;
	uint64_t c;

	for (c = 0; c <= m->n; c++) {
		if (c == m->n && (matched || j->f->join != JOIN_LEFT))
			break;
		if (join_match(x, j, row, l, c < m->n ? m->rows[c] : NULL, &on,
			       &ok) < 0)
			return -EINVAL;
		matched |= on;
		if (ok && kept(ctx, row) < 0)
			return -EINVAL;
	}
	return 0;
}

/* One row of item i, streamed: the left rows with its key. */
static int probe_row(void *ctx, uint64_t id, const struct datum *r)
{
	struct joiner *j = ctx;
	bool ok;

	(void)id;
	if (stage_check(j->x, j->scan, r, j->lw, &ok) < 0)
		return -EINVAL;
	if (ok && probe_matches(j->x, j, j->row, r, out_add, j) < 0)
		return -EINVAL;
	return ROW_NOT_KEPT; /* out_add copied it */
}

/* ---- the same on all cores ------------------------------------------------

 * A table's scan (filtered: scan_batch) or a streamed probe (probe_row)
 * as a morsel job (par_scan): each worker keeps the rows it makes, with
 * the rowid they came from, in its own arena; the submitting thread then
 * copies them out and orders them by rowid, so the output is the serial
 * one, row for row. Taken when the table is big enough and every
 * expression a worker evaluates may run on several cores at once. */
struct par_out {
	uint64_t id, seq;
	const struct datum *row;
};

struct par_rows {
	struct par_out *v;
	uint64_t n, cap;
};

struct scan_job {
	const struct stage *filter; /* the item's scan filters */
	int base, width;	    /* its first slot, datums a row keeps */
	const struct joiner *j;	    /* probing: the join; NULL: scanning */
	bool left;		    /* the rows are the join's left ones */
	struct par_rows all;	    /* in the statement's arena */
};

struct scan_part {
	struct par_rows out;
	struct datum *row; /* probing: the joined row being tested */
};

/* Appends (id, seq, row) to r. */
static int rows_push(struct exec_ctx *x, struct par_rows *r, uint64_t id,
		     uint64_t seq, const struct datum *row)
{
	if (r->n == r->cap) {
		uint64_t cap = r->cap ? r->cap * 2 : 64;
		struct par_out *v = arena_realloc(x->a, r->v,
						  sizeof(*v) * r->cap,
						  sizeof(*v) * cap);

		if (!v)
			return db_err_oom(x->err);
		r->v = v;
		r->cap = cap;
	}
	r->v[r->n++] = (struct par_out){id, seq, row};
	return 0;
}

/* A worker's kept row: its copy, tagged with the rowid it came from. */
struct part_row {
	struct exec_ctx *px;
	struct scan_part *sp;
	uint64_t id;
	int width;
};

static int part_add(void *ctx, const struct datum *row)
{
	struct part_row *p = ctx;
	struct datum *keep = row_keep(p->px, row, p->width);

	return keep ? rows_push(p->px, &p->sp->out, p->id, p->sp->out.n, keep)
		    : -EINVAL;
}

static int scan_job_row(struct exec_ctx *px, void *arg, void **state,
			uint64_t id, const struct datum *vals)
{
	const struct scan_job *sj = arg;
	const struct joiner *j = sj->j;
	struct scan_part *sp = *state;
	struct part_row p = {px, sp, id, sj->width};

	if (!sp && (!(sp = p.sp = *state = arena_alloc(px->a, sizeof(*sp))) ||
		    (j && !(sp->row = arena_alloc(px->a, sizeof(*sp->row) *
				     (size_t)(j->lw + j->rw + 1))))))
		return db_err_oom(px->err);
	if (sj->left)
		return left_matches(px, j, sp->row, vals, part_add, &p);
	return j ? probe_matches(px, j, sp->row, vals, part_add, &p)
		 : part_add(&p, vals);
}

static int scan_job_merge(struct exec_ctx *x, void *arg, void *state)
{
	struct scan_job *sj = arg;
	struct scan_part *sp = state;
	uint64_t k;

	for (k = 0; sp && k < sp->out.n; k++) {
		const struct par_out *o = &sp->out.v[k];
		const struct datum *row = row_keep(x, o->row, sj->width);

		if (!row || rows_push(x, &sj->all, o->id, o->seq, row) < 0)
			return -EINVAL;
	}
	return 0;
}

static int by_rowid(const void *a, const void *b)
{
	const struct par_out *x = a, *y = b;

	if (x->id != y->id)
		return x->id < y->id ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Appends v's n rows to out in the order of their rowids, which are
 * below max, and for one rowid in v's order: a counting sort, O(n +
 * max). 0, or -EINVAL (x->err set) without memory. */
static int rows_by_id(struct exec_ctx *x, const struct par_out *v,
		      uint64_t n, uint64_t max, struct batch *out)
{
	uint64_t *at = arena_alloc(x->a, sizeof(*at) * (max + 1)), k;
	const struct datum **rows;

	if (!at)
		return db_err_oom(x->err);
	for (k = 0; k < n; k++)
		at[v[k].id + 1]++;
	for (k = 1; k <= max; k++)
		at[k] += at[k - 1];
	rows = arena_realloc(x->a, out->rows, sizeof(*rows) * out->cap,
			     sizeof(*rows) * (out->n + n));
	if (!rows)
		return db_err_oom(x->err);
	for (k = 0; k < n; k++)
		rows[out->n + at[v[k].id]++] = v[k].row;
	out->rows = rows;
	out->n = out->cap = out->n + n;
	arena_release(x->a, at, sizeof(*at) * (max + 1));
	return 0;
}

/* sj's rows into out in the serial order: by rowid, then as made (one
 * worker made a rowid's rows, in order); 1. Sorting them was most of a
 * parallel probe's serial tail: a counting sort when the rowids are few
 * enough for it, else qsort. */
static int par_collect(struct exec_ctx *x, struct scan_job *sj,
		       struct batch *out)
{
	uint64_t k, max = 0;

	if (!sj->all.n)
		return 1;
	for (k = 0; k < sj->all.n; k++)
		if (sj->all.v[k].id >= max)
			max = sj->all.v[k].id + 1;
	if (max <= 8 * sj->all.n)
		return rows_by_id(x, sj->all.v, sj->all.n, max, out) < 0
			       ? -EINVAL
			       : 1;
	qsort(sj->all.v, sj->all.n, sizeof(*sj->all.v), by_rowid);
	for (k = 0; k < sj->all.n; k++)
		if (batch_add(x, out, sj->all.v[k].row) < 0)
			return -EINVAL;
	return 1;
}

static bool stage_par_safe(const struct stage *st)
{
	int k;

	for (k = 0; k < st->n; k++)
		if (!par_safe(st->v[k]))
			return false;
	return true;
}

bool select_item_parallel(struct exec_ctx *x, const struct sel *q, int i,
			  const struct stage *scan, const struct stage *after)
{
	struct table *t = q->src[i].table;

	return t && par_scan_wanted(x, t) && stage_par_safe(scan) &&
	       (!after || (par_safe(q->s->from[i].on) && stage_par_safe(after))) &&
	       (q->s->nfrom > 1 || table_scan_is_full(x, t, q->s->where));
}

/* Runs sj over item i's table on all cores into out; 0 if not taken
 * (run it serially), 1 if done, -EINVAL on error. */
static int par_scan_item(struct exec_ctx *x, struct sel *q, int i,
			 struct scan_job *sj, struct batch *out)
{
	struct table *t = q->src[i].table;

	if (!select_item_parallel(x, q, i, sj->filter,
				  sj->j ? sj->j->after : NULL))
		return 0;
	if (par_scan(x, t, q->reads + q->src[i].first, sj->filter, sj->base,
		     scan_job_row, scan_job_merge, sj) < 0)
		return -EINVAL;
	return par_collect(x, sj, out);
}

/* The left rows of a join built on item i's rows, probed on all cores
 * into out; 0 if not taken, 1 if done, -EINVAL on error. */
static int par_probe_left(struct exec_ctx *x, const struct joiner *j,
			  const struct batch *left, struct batch *out)
{
	struct scan_job sj = {.width = j->lw + j->rw, .j = j, .left = true};

	if (!par_rows_wanted(x, left->n) || !par_safe(j->f->on) ||
	    !stage_par_safe(j->after))
		return 0;
	if (par_batch(x, left->rows, left->n, scan_job_row, scan_job_merge,
		      &sj) < 0)
		return -EINVAL;
	return par_collect(x, &sj, out);
}

/* Item i's rows that pass its scan filters. */
static int scan_batch(struct exec_ctx *x, struct sel *q, int i,
		      const struct filters *f, struct batch *out)
{
	struct batch_sink s = {x, out, &f->scan[i], q->src[i].first};
	struct scan_job sj = {.filter = &f->scan[i], .base = q->src[i].first,
			      .width = q->src[i].width};
	int r;

	if (q->s->from[i].func)
		return srf_scan(x, &q->s->from[i], add_row, &s);
	if ((r = par_scan_item(x, q, i, &sj, out)) != 0)
		return r < 0 ? -EINVAL : 0;
	return scan_src(x, q, i, add_stored_row, &s);
}

/* join() once j is set up; what it allocates j frees (build_free). */
static int join_run(struct exec_ctx *x, struct sel *q, int i,
		    const struct filters *f, struct batch *left, struct joiner *j)
{
	struct batch right = {0};
	uint64_t a;
	bool hashed = join_hashed(q, i, &j->ls, &j->rs);
	int r;

	if (hashed && join_builds_left(q, i, left->n)) {
		struct scan_job sj = {.filter = &f->scan[i], .base = j->lw,
				      .width = j->lw + j->rw, .j = j};

		if (build(x, j, left, j->ls) < 0)
			return -EINVAL;
		if ((r = par_scan_item(x, q, i, &sj, j->out)) != 0)
			return r < 0 ? -EINVAL : 0;
		return scan_src(x, q, i, probe_row, j);
	}
	if (scan_batch(x, q, i, f, &right) < 0)
		return -EINVAL;
	if (hashed && build(x, j, &right, j->rs - j->lw) < 0)
		return -EINVAL;
	if (!hashed)
		j->all = &right;
	if ((r = par_probe_left(x, j, left, j->out)) != 0)
		return r < 0 ? -EINVAL : 0;
	for (a = 0; a < left->n; a++)
		if (left_matches(x, j, j->row, left->rows[a], out_add, j) < 0)
			return -EINVAL;
	return 0;
}

static int join(struct exec_ctx *x, struct sel *q, int i,
		const struct filters *f, struct batch *left, struct batch *out)
{
	struct joiner j = {.x = x, .f = &q->s->from[i], .scan = &f->scan[i],
			  .after = &f->joined[i], .out = out};
	int r;

	j.lw = q->src[i].first;
	j.rw = q->src[i].width;
	j.row = arena_alloc(x->a, sizeof(*j.row) * (size_t)(j.lw + j.rw + 1));
	if (!j.row)
		return db_err_oom(x->err);
	r = join_run(x, q, i, f, left, &j);
	build_free(x, &j);
	return r;
}

static int produce_rows(struct exec_ctx *x, struct sel *q, struct batch *out)
{
	struct batch cur = {0}, next;
	struct filters f;
	int i;

	if (filters_split(x, q, &f) < 0)
		return -EINVAL;
	if (q->s->nfrom == 0) {
		static const struct datum empty[1];

		if (batch_add(x, &cur, empty) < 0)
			return -EINVAL;
	} else if (scan_batch(x, q, 0, &f, &cur) < 0) {
		return -EINVAL;
	}
	for (i = 1; i < q->s->nfrom; i++) {
		memset(&next, 0, sizeof(next));
		if (join(x, q, i, &f, &cur, &next) < 0)
			return -EINVAL;
		cur = next;
	}
	return stage_apply(x, &f.last, &cur, out);
}

/* ---- aggregation --------------------------------------------------------- */

/* string_agg: appends [delimiter] v to s->str. */
static int agg_append(struct exec_ctx *x, struct agg_state *s,
		      const struct datum *sep, const struct datum *v)
{
	uint32_t need = s->len + v->len + (s->count && !sep->null ? sep->len : 0);

	if (need > s->cap) {
		uint32_t cap = need * 2 + 16;
		char *n = arena_realloc(x->a, s->str, s->cap, cap);

		if (!n)
			return db_err_oom(x->err);
		s->str = n;
		s->cap = cap;
	}
	if (s->count && !sep->null) {
		memcpy(s->str + s->len, sep->s, sep->len);
		s->len += sep->len;
	}
	memcpy(s->str + s->len, v->s, v->len);
	s->len += v->len;
	return 0;
}

int numeric_sum_small(struct exec_ctx *x, struct agg_state *s,
		      const struct numeric_small *n)
{
	struct datum d;

	if (!s->nbig && numeric_small_arith('+', &s->nsmall, n, &s->nsmall))
		return 0;
	if (numeric_small_datum(x->a, n, &d, x->err) < 0)
		return -EINVAL;
	return numeric_sum_add(x, s, &d);
}

int numeric_sum_add(struct exec_ctx *x, struct agg_state *s,
		    const struct datum *v)
{
	struct numeric_small n;

	if (!s->nbig && numeric_small_of(v, &n) &&
	    numeric_small_arith('+', &s->nsmall, &n, &s->nsmall))
		return 0;
	if (!s->nbig && numeric_small_datum(x->a, &s->nsmall, &s->nsum,
					    x->err) < 0)
		return -EINVAL;
	s->nbig = true;
	return numeric_arith(x, OP_ADD, &s->nsum, v, &s->nsum);
}

int numeric_sum_get(struct exec_ctx *x, const struct agg_state *s,
		    struct datum *out)
{
	if (s->nbig) {
		*out = s->nsum;
		return 0;
	}
	return numeric_small_datum(x->a, &s->nsmall, out, x->err);
}

bool agg_sums_numeric(const struct expr *e)
{
	return (e->agg == AGG_SUM || e->agg == AGG_AVG) && !e->star &&
	       !e->distinct && e->args[0]->type.id == TYPE_NUMERIC;
}

int agg_step_one(struct exec_ctx *x, const struct expr *e,
		 struct agg_state *s, const struct eval_env *env)
{
	struct numeric_small n;
	struct datum v;
	bool added;

	if (e->star) {
		s->count++;
		return 0;
	}
	if (agg_sums_numeric(e) && eval_numeric_small(e->args[0], env, &n)) {
		s->count++;
		return numeric_sum_small(x, s, &n) < 0 ? -EINVAL : 0;
	}
	if (eval(x, e->args[0], env, &v) < 0)
		return -EINVAL;
	if (v.null)
		return 0;
	if (e->distinct) {
		struct datum *copy = arena_alloc(x->a, sizeof(*copy));

		if (!copy)
			return db_err_oom(x->err);
		*copy = v;
		if (!s->seen) {
			s->seen = arena_alloc(x->a, sizeof(*s->seen));
			if (!s->seen || htab_init(s->seen, x->a, 1) < 0)
				return db_err_oom(x->err);
		}
		if (!htab_get(s->seen, copy, true, &added))
			return db_err_oom(x->err);
		if (!added)
			return 0;
	}
	if (e->agg == AGG_STRING_AGG) {
		struct datum sep;

		if (eval(x, e->args[1], env, &sep) < 0 ||
		    agg_append(x, s, &sep, &v) < 0)
			return -EINVAL;
	}
	s->count++;
	if ((e->agg == AGG_SUM || e->agg == AGG_AVG) &&
	    v.type == TYPE_NUMERIC) {
		if (numeric_sum_add(x, s, &v) < 0)
			return -EINVAL;
	} else if ((e->agg == AGG_SUM || e->agg == AGG_AVG) &&
		   type_is_float(v.type)) {
		s->fsum += v.f;
	} else if (e->agg == AGG_SUM || e->agg == AGG_AVG)
		s->sum += v.i;
	if ((e->agg == AGG_MIN || e->agg == AGG_MAX) &&
	    (s->count == 1 ||
	     (datum_cmp(&v, &s->best) < 0) == (e->agg == AGG_MIN)))
		s->best = v;
	return 0;
}

int agg_step(struct exec_ctx *x, struct expr **aggs, int naggs,
	     struct group *g, const struct datum *row)
{
	struct eval_env env = {.row = row};
	int i;

	for (i = 0; i < naggs; i++)
		if (agg_step_one(x, aggs[i], &g->st[i], &env) < 0)
			return -EINVAL;
	return 0;
}

static int agg_final(struct exec_ctx *x, struct sel *q, struct group *g)
{
	int i;

	g->vals = arena_alloc(x->a, sizeof(*g->vals) * (size_t)(q->b.naggs + 1));
	if (!g->vals)
		return db_err_oom(x->err);
	for (i = 0; i < q->b.naggs; i++) {
		struct expr *e = q->b.aggs[i];
		struct agg_state *s = &g->st[i];
		struct datum *v = &g->vals[i];
		struct strbuf sb = STRBUF_INIT;

		if (e->agg == AGG_COUNT) {
			*v = datum_int(TYPE_INT8, s->count);
		} else if (s->count == 0) {
			*v = datum_null(e->type.id);
		} else if (e->args[0]->type.id == TYPE_NUMERIC &&
			   e->agg == AGG_AVG) {
			struct datum n = datum_int(TYPE_INT8, s->count), sum;

			if (numeric_sum_get(x, s, &sum) < 0 ||
			    numeric_arith(x, OP_DIV, &sum, &n, v) < 0)
				return -EINVAL;
		} else if (e->args[0]->type.id == TYPE_NUMERIC &&
			   e->agg == AGG_SUM) {
			if (numeric_sum_get(x, s, v) < 0)
				return -EINVAL;
		} else if (type_is_float(e->type.id) &&
			   (e->agg == AGG_SUM || e->agg == AGG_AVG)) {
			struct datum sum = datum_float(TYPE_FLOAT8, s->fsum),
				     n = datum_float(TYPE_FLOAT8, (double)s->count);

			if (e->agg == AGG_AVG) {
				if (float_arith(x, TYPE_FLOAT8, OP_DIV, &sum, &n, v) < 0)
					return -EINVAL;
			} else if (float_arith(x, e->type.id, OP_ADD, &sum,
					       &(struct datum){.type = TYPE_FLOAT8},
					       v) < 0) {
				return -EINVAL;
			}
		} else if (e->agg == AGG_STRING_AGG) {
			*v = datum_str(TYPE_TEXT, s->str, s->len);
		} else if (e->agg == AGG_AVG) {
			if (numeric_avg(x->a, s->sum, s->count, v, x->err) < 0)
				return -EINVAL;
		} else if (e->agg == AGG_SUM && e->type.id == TYPE_NUMERIC) {
			if (numeric_int128(x->a, s->sum, v, x->err) < 0)
				return -EINVAL;
		} else if (e->agg == AGG_SUM) {
			if (int_check(TYPE_INT8, s->sum, x->err) < 0)
				return -EINVAL;
			*v = datum_int(TYPE_INT8, (int64_t)s->sum);
		} else {
			*v = s->best;
		}
		sb_free(&sb);
	}
	return 0;
}

static int aggregate(struct exec_ctx *x, struct sel *q, struct batch *in,
		     struct group **out, uint64_t *nout)
{
	struct select *s = q->s;
	struct htab h;
	struct group *gs = NULL;
	uint64_t k, n = 0, cap = 0;
	int i;

	if (htab_init(&h, x->a, s->ngroup) < 0)
		return db_err_oom(x->err);
	for (k = 0; k < in->n || (k == 0 && s->ngroup == 0); k++) {
		struct datum *key = arena_alloc(x->a, sizeof(*key) *
							      (size_t)(s->ngroup + 1));
		struct eval_env env = {.row = k < in->n ? in->rows[k] : NULL};
		struct hentry *e;
		bool added;

		if (!key || exec_tick(x) < 0)
			return key ? -EINVAL : db_err_oom(x->err);
		for (i = 0; i < s->ngroup; i++)
			if (eval(x, s->group[i], &env, &key[i]) < 0)
				return -EINVAL;
		e = htab_get(&h, key, true, &added);
		if (!e)
			return db_err_oom(x->err);
		if (added) {
			if (n == cap) {
				struct group *ng;

				ng = arena_realloc(x->a, gs, sizeof(*ng) * cap,
						   sizeof(*ng) * (cap ? cap * 2 : 16));
				if (!ng)
					return db_err_oom(x->err);
				cap = cap ? cap * 2 : 16;
				gs = ng;
			}
			gs[n].rep = env.row;
			gs[n].st = arena_alloc(x->a, sizeof(struct agg_state) *
							     (size_t)(q->b.naggs + 1));
			if (!gs[n].st)
				return db_err_oom(x->err);
			e->val = (void *)(uintptr_t)(n + 1);
			n++;
		}
		if (k < in->n && agg_step(x, q->b.aggs, q->b.naggs,
					  &gs[(uintptr_t)e->val - 1],
					  in->rows[k]) < 0)
			return -EINVAL;
	}
	for (k = 0; k < n; k++)
		if (agg_final(x, q, &gs[k]) < 0)
			return -EINVAL;
	*out = gs;
	*nout = n;
	return 0;
}

/* ---- projection, DISTINCT, ORDER BY, LIMIT ------------------------------ */

static int emit(struct exec_ctx *x, struct sel *q, const struct eval_env *env,
		struct sort_row *o)
{
	int i;

	if (project(x, q->tl, q->ntl, env, &o->vals) < 0)
		return -EINVAL;
	o->keys = arena_alloc(x->a, sizeof(*o->keys) * (size_t)(q->s->norder + 1));
	if (!o->keys)
		return db_err_oom(x->err);
	for (i = 0; i < q->s->norder; i++) {
		if (q->order_out[i] >= 0)
			o->keys[i] = o->vals[q->order_out[i]];
		else if (eval(x, q->order[i], env, &o->keys[i]) < 0)
			return -EINVAL;
	}
	return 0;
}

static int finish(struct exec_ctx *x, struct sel *q, struct sort_row *rows,
		  uint64_t n, struct result *res)
{
	uint64_t k, start, end;

	if (q->s->distinct) {
		struct htab h;
		uint64_t m = 0;
		bool added;

		if (htab_init(&h, x->a, q->ntl) < 0)
			return db_err_oom(x->err);
		for (k = 0; k < n; k++) {
			if (!htab_get(&h, rows[k].vals, true, &added))
				return db_err_oom(x->err);
			if (added)
				rows[m++] = rows[k];
		}
		n = m;
	}
	start = q->offset > 0 ? (uint64_t)q->offset : 0;
	end = q->limit >= 0 ? start + (uint64_t)q->limit : n;
	if (sort_rows(x, q->s, rows, n, end) < 0)
		return -EINVAL;
	for (k = start; k < n && k < end; k++)
		if (datums_own(x, rows[k].vals, q->ntl) < 0 ||
		    result_add(x, res, rows[k].vals) < 0)
			return -EINVAL;
	return 0;
}

static int run_select(struct exec_ctx *x, struct sel *q, struct result *res)
{
	struct batch in = {0};
	struct sort_row *rows;
	struct group *groups = NULL;
	uint64_t n = 0, k, ng = 0;
	struct eval_env env = {0};
	bool ok = true;

	if (q->grouped && q->s->nfrom == 1 && q->src[0].table) {
		struct par_agg pa = {q->src[0].table, q->s->where, q->s->group,
				     q->s->ngroup, q->b.aggs, q->b.naggs,
				     q->reads};
		int r = par_aggregate(x, &pa, &groups, &ng);

		if (r < 0)
			return -EINVAL;
		for (k = 0; r > 0 && k < ng; k++)
			if (agg_final(x, q, &groups[k]) < 0)
				return -EINVAL;
		if (r > 0)
			goto grouped;
	}
	if (produce_rows(x, q, &in) < 0)
		return -EINVAL;
	if (!q->grouped) {
		rows = arena_alloc(x->a, sizeof(*rows) * (in.n + 1));
		if (!rows)
			return db_err_oom(x->err);
		for (k = 0; k < in.n; k++) {
			env.row = in.rows[k];
			if (emit(x, q, &env, &rows[n++]) < 0)
				return -EINVAL;
		}
		return finish(x, q, rows, n, res);
	}
	if (aggregate(x, q, &in, &groups, &ng) < 0)
		return -EINVAL;
grouped:
	rows = arena_alloc(x->a, sizeof(*rows) * (ng + 1));
	if (!rows)
		return db_err_oom(x->err);
	for (k = 0; k < ng; k++) {
		env.row = groups[k].rep;
		env.aggs = groups[k].vals;
		if (q->s->having && eval_cond(x, q->s->having, &env, &ok) < 0)
			return -EINVAL;
		if (ok && emit(x, q, &env, &rows[n++]) < 0)
			return -EINVAL;
	}
	return finish(x, q, rows, n, res);
}

int select_bind(struct exec_ctx *x, struct select *s, struct result *res,
		struct sel **out)
{
	struct sel *q = arena_alloc(x->a, sizeof(*q));

	if (!q)
		return db_err_oom(x->err);
	memset(res, 0, sizeof(*res));
	res->has_rows = true;
	q->s = s;
	*out = q;
	return bind_select(x, q, res);
}

int select_run(struct exec_ctx *x, struct sel *q, struct result *res)
{
	return run_select(x, q, res);
}

int sort_limit_rows(struct exec_ctx *x, struct select *s, int ncols,
		    const int *order_cols, struct datum **rows, uint64_t n,
		    struct result *res)
{
	struct sel q = {.s = s, .ntl = ncols};
	struct sort_row *o = arena_alloc(x->a, sizeof(*o) * (n + 1));
	uint64_t k;
	int i;

	q.order_out = (int *)order_cols;
	if (!o || bind_limit(x, s->limit, "LIMIT", &q.limit) < 0 ||
	    bind_limit(x, s->offset, "OFFSET", &q.offset) < 0)
		return o ? -EINVAL : db_err_oom(x->err);
	for (k = 0; k < n; k++) {
		o[k].vals = rows[k];
		o[k].keys = arena_alloc(x->a, sizeof(*o[k].keys) *
						      (size_t)(s->norder + 1));
		if (!o[k].keys)
			return db_err_oom(x->err);
		for (i = 0; i < s->norder; i++)
			o[k].keys[i] = rows[k][order_cols[i]];
	}
	return finish(x, &q, o, n, res);
}

int exec_select(struct exec_ctx *x, struct select *s, struct result *res)
{
	struct sel q = {.s = s};

	if (s->setop)
		return exec_setop(x, s, res);
	memset(res, 0, sizeof(*res));
	res->has_rows = true;
	if (bind_select(x, &q, res) < 0)
		return -EINVAL;
	if (x->describe_only)
		return x->explain ? explain_keep(x, s, &q, sizeof(q)) : 0;
	if (run_select(x, &q, res) < 0)
		return -EINVAL;
	snprintf(res->tag, sizeof(res->tag), "SELECT %llu",
		 (unsigned long long)res->nrows);
	return 0;
}

/* EXPLAIN's view of a bound SELECT (explain.c): what run_select does. */
void select_view(const struct sel *q, struct sel_view *v)
{
	v->s = q->s;
	v->sc = &q->sc;
	v->grouped = q->grouped;
	v->aggs = q->b.aggs;
	v->naggs = q->b.naggs;
}

const struct expr *select_hash_cond(const struct sel *q, int i)
{
	int ls, rs;

	return i > 0 ? hash_cond(q, i, &ls, &rs) : NULL;
}

struct table *select_src(const struct sel *q, int i, bool *hashed)
{
	int ls, rs;

	*hashed = i > 0 && join_hashed(q, i, &ls, &rs);
	return q->src[i].table;
}
