/* SPDX-License-Identifier: MIT */
/* setop.c: UNION, INTERSECT and EXCEPT, with or without ALL.
 *
 * Both operands run to completion (exec_select, so each may be a set
 * operation itself); column counts must agree (42601) and each column gets
 * the common type of its two sides (PostgreSQL's select_common_type for the
 * types unidb has: integers widen, text and varchar meet in text, an
 * unknown side takes the other's type; 42804 otherwise). Rows are then
 * combined through a hash table keyed by the whole row, in which NULLs are
 * equal, as set operations require:
 *   UNION ALL   left rows, then right rows;
 *   UNION       the distinct rows of both, first occurrence kept;
 *   INTERSECT   distinct left rows also in the right one;
 *   EXCEPT      distinct left rows not in the right one;
 *   INTERSECT ALL / EXCEPT ALL  by counting the right rows (a row appears
 *               min(l, r) or max(l - r, 0) times).
 * ORDER BY (output names or positions only, as in PostgreSQL), OFFSET and
 * LIMIT apply to the whole result (select.c's sort). */
#include <stdio.h>
#include <string.h>
#include <unidb/errno.h>

#include "internal.h"

static const char *setop_name(int k)
{
	return k == SETOP_UNION ? "UNION" : k == SETOP_INTERSECT ? "INTERSECT"
								  : "EXCEPT";
}

/* The leftmost plain SELECT of a set-operation tree (error positions). */
static const struct select *leftmost(const struct select *s)
{
	while (s->setop)
		s = s->larg;
	return s;
}

static int target_pos(struct exec_ctx *x, const struct select *s, int col)
{
	s = leftmost(s);
	if (col >= s->ntargets || !s->targets[col].e)
		return 0;
	return sql_char_pos(x->query, s->targets[col].e->pos);
}

/* The common type of one output column (select_common_type). */
static int common_type(struct exec_ctx *x, const struct select *s, int col,
		       struct sql_type a, struct sql_type b,
		       struct sql_type *out)
{
	if (a.id == b.id) {
		*out = a.id == TYPE_UNKNOWN ? (struct sql_type){TYPE_TEXT, -1} : a;
		if (a.mod != b.mod)
			out->mod = -1;
		return 0;
	}
	if (b.id == TYPE_NULL || b.id == TYPE_UNKNOWN) {
		*out = a.id == TYPE_UNKNOWN ? (struct sql_type){TYPE_TEXT, -1} : a;
		return 0;
	}
	if (a.id == TYPE_NULL || a.id == TYPE_UNKNOWN) {
		*out = b;
		return 0;
	}
	if (type_is_int(a.id) && type_is_int(b.id)) {
		*out = (struct sql_type){a.id > b.id ? a.id : b.id, -1};
		return 0;
	}
	if (type_is_text(a.id) && type_is_text(b.id)) {
		*out = (struct sql_type){TYPE_TEXT, -1};
		return 0;
	}
	/* The side the other casts to implicitly, and not back. */
	if (cast_exists(a.id, b.id, CAST_IMPLICIT) &&
	    !cast_exists(b.id, a.id, CAST_IMPLICIT)) {
		*out = b;
		return 0;
	}
	if (cast_exists(b.id, a.id, CAST_IMPLICIT) &&
	    !cast_exists(a.id, b.id, CAST_IMPLICIT)) {
		*out = a;
		return 0;
	}
	return db_err_pos(x->err, target_pos(x, s->rarg, col), "42804",
			  "%s types %s and %s cannot be matched",
			  setop_name(s->setop), type_info(a.id)->name,
			  type_info(b.id)->name);
}

/* Casts the rows of r to the output column types. */
static int conform(struct exec_ctx *x, struct result *r,
		   const struct result_col *cols, int n)
{
	uint64_t k;
	int i;

	for (i = 0; i < n; i++) {
		if (r->cols[i].type.id == cols[i].type.id &&
		    (cols[i].type.mod < 0 || r->cols[i].type.mod == cols[i].type.mod))
			continue;
		for (k = 0; k < r->nrows; k++) {
			struct datum *d = &r->rows[k][i];

			if (d->null) {
				*d = datum_null(cols[i].type.id);
				continue;
			}
			/* explicit: an untyped literal is input, as in
			 * PostgreSQL; other pairs were checked above */
			if (datum_cast(x->a, d, cols[i].type, CAST_EXPLICIT, d,
				       x->err) < 0)
				return -EINVAL;
		}
	}
	return 0;
}

/* Which output columns of a plain SELECT are untyped literals (NULL or
 * 'string'): such a column takes the other side's type, as an
 * unknown-typed column does in PostgreSQL. Looked at before binding (a
 * star expands to typed columns). */
struct untyped {
	bool *u;
	int n;
};

static int untyped_cols(struct exec_ctx *x, const struct select *s,
			struct untyped *out)
{
	int i;

	out->n = s->setop ? 0 : s->ntargets;
	out->u = arena_alloc(x->a, (size_t)out->n + 1);
	if (!out->u)
		return db_err_oom(x->err);
	for (i = 0; i < out->n; i++) {
		const struct expr *e = s->targets[i].e;

		out->u[i] = e->kind == EX_CONST &&
			    (e->val.null || e->val.type == TYPE_UNKNOWN);
	}
	return 0;
}

static struct sql_type side_type(const struct result *r,
				 const struct untyped *untyped, int i)
{
	if (i < untyped->n && untyped->u[i])
		return (struct sql_type){TYPE_UNKNOWN, -1};
	return r->cols[i].type;
}

static int bind_setop(struct exec_ctx *x, struct select *s, struct result *l,
		      struct result *r, struct result *res,
		      const struct untyped *untyped)
{
	int i;

	if (l->ncols != r->ncols)
		return db_err_pos(x->err, target_pos(x, s->rarg, 0), "42601",
				  "each %s query must have the same number of "
				  "columns",
				  setop_name(s->setop));
	memset(res, 0, sizeof(*res));
	res->has_rows = true;
	res->ncols = l->ncols;
	res->cols = arena_alloc(x->a, sizeof(*res->cols) * (size_t)(l->ncols + 1));
	if (!res->cols)
		return db_err_oom(x->err);
	for (i = 0; i < l->ncols; i++) {
		res->cols[i].name = l->cols[i].name;
		if (common_type(x, s, i, side_type(l, &untyped[0], i),
				side_type(r, &untyped[1], i),
				&res->cols[i].type) < 0)
			return -EINVAL;
	}
	return 0;
}

/* ORDER BY of a set operation: output column names or positions. */
static int bind_setop_order(struct exec_ctx *x, struct select *s,
			    const struct result *res, int *cols)
{
	int i, k;

	for (i = 0; i < s->norder; i++) {
		const struct expr *e = s->order[i].e, *l = e;
		int pos;

		while ((l->kind == EX_BINOP || l->kind == EX_CAST) && l->l)
			l = l->l; /* PostgreSQL points at the leftmost token */
		pos = sql_char_pos(x->query, l->pos < e->pos ? l->pos : e->pos);

		cols[i] = -1;
		if (e->kind == EX_CONST && type_is_int(e->val.type) &&
		    !e->val.null) {
			if (e->val.i < 1 || e->val.i > res->ncols)
				return db_err_pos(x->err, pos, "42P10",
						  "ORDER BY position %lld is not "
						  "in select list",
						  (long long)e->val.i);
			cols[i] = (int)e->val.i - 1;
			continue;
		}
		if (e->kind != EX_COLUMN || e->qual) {
			db_err_pos(x->err, pos, "0A000",
				   "invalid UNION/INTERSECT/EXCEPT ORDER BY "
				   "clause");
			snprintf(x->err->detail, sizeof(x->err->detail),
				 "Only result column names can be used, not "
				 "expressions or functions.");
			x->err->hint = "Add the expression/function to every "
				       "SELECT, or move the UNION into a FROM "
				       "clause.";
			return -EINVAL;
		}
		for (k = 0; k < res->ncols && cols[i] < 0; k++)
			if (!strcmp(res->cols[k].name, e->name))
				cols[i] = k;
		if (cols[i] < 0)
			return db_err_pos(x->err, pos, "42703",
					  "column \"%s\" does not exist",
					  e->name);
	}
	return 0;
}

struct rowlist {
	struct datum **rows;
	uint64_t n, cap;
};

static int keep(struct exec_ctx *x, struct rowlist *o, struct datum *row)
{
	if (o->n == o->cap) {
		uint64_t cap = o->cap ? o->cap * 2 : 64;
		struct datum **n = arena_realloc(x->a, o->rows,
						 sizeof(*n) * o->cap, sizeof(*n) * cap);

		if (!n)
			return db_err_oom(x->err);
		o->rows = n;
		o->cap = cap;
	}
	o->rows[o->n++] = row;
	return 0;
}

/* Counts of the right rows (INTERSECT, EXCEPT). */
static int count_rows(struct exec_ctx *x, struct htab *h, const struct result *r)
{
	uint64_t k;

	if (htab_init(h, x->a, r->ncols) < 0)
		return db_err_oom(x->err);
	for (k = 0; k < r->nrows; k++) {
		struct hentry *e = htab_get(h, r->rows[k], true, NULL);

		if (!e)
			return db_err_oom(x->err);
		e->val = (void *)((uintptr_t)e->val + 1);
	}
	return 0;
}

static int combine(struct exec_ctx *x, const struct select *s,
		   const struct result *l, const struct result *r,
		   struct rowlist *o)
{
	struct htab seen, right;
	uint64_t k;
	bool added;
	int w = l->ncols;

	if (htab_init(&seen, x->a, w) < 0)
		return db_err_oom(x->err);
	if (s->setop != SETOP_UNION && count_rows(x, &right, r) < 0)
		return -EINVAL;
	for (k = 0; k < l->nrows + (s->setop == SETOP_UNION ? r->nrows : 0);
	     k++) {
		struct datum *row = k < l->nrows ? l->rows[k]
						 : r->rows[k - l->nrows];
		struct hentry *in;

		if (k % 4096 == 0 && exec_check_interrupt(x) < 0)
			return -EINVAL;
		if (!s->setop_all) {
			if (!htab_get(&seen, row, true, &added))
				return db_err_oom(x->err);
			if (!added && !s->setop_all)
				continue;
		}
		if (s->setop == SETOP_UNION) {
			if (keep(x, o, row) < 0)
				return -EINVAL;
			continue;
		}
		in = htab_get(&right, row, false, NULL);
		if (s->setop_all && in && in->val) {
			in->val = (void *)((uintptr_t)in->val - 1);
			if (s->setop == SETOP_INTERSECT && keep(x, o, row) < 0)
				return -EINVAL;
			continue;
		}
		if (s->setop == SETOP_EXCEPT && !(in && !s->setop_all) &&
		    keep(x, o, row) < 0)
			return -EINVAL;
		if (s->setop == SETOP_INTERSECT && !s->setop_all && in &&
		    keep(x, o, row) < 0)
			return -EINVAL;
	}
	return 0;
}

/* s over the operands' results l and r (bound and, unless describing,
 * run) into res. */
static int apply(struct exec_ctx *x, struct select *s, struct result *l,
		 struct result *r, const struct untyped *untyped,
		 struct result *res)
{
	struct rowlist o = {0};
	int *order_cols;

	if (bind_setop(x, s, l, r, res, untyped) < 0)
		return -EINVAL;
	order_cols = arena_alloc(x->a, sizeof(int) * (size_t)(s->norder + 1));
	if (!order_cols)
		return db_err_oom(x->err);
	if (bind_setop_order(x, s, res, order_cols) < 0)
		return -EINVAL;
	if (x->describe_only)
		return 0;
	if (conform(x, l, res->cols, res->ncols) < 0 ||
	    conform(x, r, res->cols, res->ncols) < 0 ||
	    combine(x, s, l, r, &o) < 0 ||
	    sort_limit_rows(x, s, res->ncols, order_cols, o.rows, o.n, res) < 0)
		return -EINVAL;
	snprintf(res->tag, sizeof(res->tag), "SELECT %llu",
		 (unsigned long long)res->nrows);
	return 0;
}

/* Whether s's left operand continues its chain: a set operation without
 * ORDER BY or LIMIT of its own (a ∪ b ∪ c parses as (a ∪ b) ∪ c). */
static bool chained(const struct select *s)
{
	const struct select *l = s->larg;

	return l->setop && !l->norder && !l->limit && !l->offset;
}

/* A chain a op b op c ... runs as a loop from the leftmost operand, not
 * by recursion: connection threads have small stacks. */
int exec_setop(struct exec_ctx *x, struct select *s, struct result *res)
{
	struct select *q;
	struct result cur, r, *next;
	struct untyped untyped[2];
	int n = 0, i;

	for (q = s; chained(q); q = q->larg)
		n++;
	struct select **chain = arena_alloc(x->a, sizeof(*chain) * (size_t)(n + 1));

	if (!chain)
		return db_err_oom(x->err);
	for (q = s, i = n; i >= 0; q = q->larg, i--)
		chain[i] = q; /* chain[0]: the innermost set operation */
	if (untyped_cols(x, chain[0]->larg, &untyped[0]) < 0 ||
	    exec_select(x, chain[0]->larg, &cur) < 0)
		return -EINVAL;
	for (i = 0; i <= n; i++) {
		next = i == n ? res : arena_alloc(x->a, sizeof(*next));
		if (!next)
			return db_err_oom(x->err);
		if (untyped_cols(x, chain[i]->rarg, &untyped[1]) < 0 ||
		    exec_select(x, chain[i]->rarg, &r) < 0 ||
		    apply(x, chain[i], &cur, &r, untyped, next) < 0)
			return -EINVAL;
		cur = *next;
		untyped[0].n = 0; /* a set operation's columns are typed */
	}
	return 0;
}
