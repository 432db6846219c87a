/* SPDX-License-Identifier: MIT */
/* filter.c: a scan's filters (struct stage: conjuncts over one FROM
 * item's row) on one row, or on a batch of column values.
 *
 * A batch (struct vecs, internal.h) is up to VEC_ROWS rows of a table as
 * one vector of datums per column the filters read; a selection vector
 * lists the rows still in. vec_filter narrows it conjunct by conjunct:
 * each one is evaluated for the rows every earlier one held for, exactly
 * the evaluations stage_check makes row by row, so the two agree on
 * every row, and on errors (a cast's) up to which of them comes first.
 * The shapes most filters have (cond_column_const's in expr.c: a column,
 * maybe cast, compared with a constant or another column, BETWEEN
 * constants, IN a list of constants) run as one loop over the vector with
 * the same datum_cast/datum_cmp/datum_eq, a column of a plain integer
 * class (integers, dates, timestamps) against a constant of its type as
 * a loop of machine compares; every other condition is evaluated row by
 * row (eval_truth) on a row gathered from the vectors. Under an emulator
 * the per-row walk down the expression and back is what a filter costs;
 * a loop per conjunct pays it once per batch. */
#include <string.h>
#include <unidb/errno.h>

#include "expr.h"
#include "internal.h"

static uint64_t batches; /* atomic */

uint64_t vec_filter_batches(void)
{
	return __atomic_load_n(&batches, __ATOMIC_RELAXED);
}

int stage_check(struct exec_ctx *x, const struct stage *st,
		const struct datum *row, int base, bool *ok)
{
	struct eval_env env = {.row = row, .base = base};
	int k;

	*ok = true;
	for (k = 0; k < st->n && *ok; k++)
		if (eval_cond(x, st->v[k], &env, ok) < 0)
			return -EINVAL;
	return 0;
}

int stage_cols(struct exec_ctx *x, const struct stage *st, int base, int n,
	       int **list)
{
	bool *mask = arena_alloc(x->a, (size_t)n + 1);
	int k;

	if (!mask)
		return db_err_oom(x->err);
	memset(mask, 0, (size_t)n + 1);
	for (k = 0; k < st->n; k++)
		expr_cols(st->v[k], mask, base, n, true);
	return cols_list(x, mask, n, list);
}

void vecs_gather(const struct vecs *b, int k)
{
	int c;

	for (c = 0; c < b->ncols; c++)
		if (b->col[c])
			b->row[c] = b->col[c][k];
}

/* The value of a columnish e (expr.h) for row k of b, as eval gives it. */
static inline __attribute__((always_inline)) int
vec_value(struct exec_ctx *x, const struct expr *e, const struct vecs *b,
	  int k, struct datum *v)
{
	if (e->kind == EX_COLUMN) {
		*v = b->col[e->slot - b->base][k];
		return 0;
	}
	return datum_cast(x->a, &b->col[e->l->slot - b->base][k], e->type,
			  (enum cast_kind)e->op, v, x->err) < 0
		       ? -EINVAL
		       : 0;
}

/* Whether datum_cmp compares two datums of types a and b as integers. */
static bool cmp_as_int(unsigned a, unsigned b)
{
	return a == b && !type_is_float(a) && !type_is_text(a) &&
	       a != TYPE_NUMERIC && a != TYPE_INTERVAL;
}

/* t[j] for a column of integer class op constant k (cmp_as_int): a loop
 * of machine compares per operator. A datum of another type (none is
 * stored in such a column, but the loop does not rely on it) takes
 * datum_cmp. */
static void vec_cmp_int(const struct expr *e, const struct datum *col,
			const struct datum *k, const uint16_t *sel, int n,
			int8_t *t)
{
	int64_t c = k->i;
	int j;

#define VEC_CMP(test)                                                        \
	for (j = 0; j < n; j++) {                                             \
		const struct datum *v = &col[sel[j]];                         \
                                                                              \
		if (v->null)                                                  \
			t[j] = COND_NULL;                                     \
		else if (v->type != k->type)                                  \
			t[j] = (int8_t)cmp_result(e->op, datum_cmp(v, k));   \
		else                                                          \
			t[j] = (int8_t)(test);                                \
	}
	switch (e->op) {
	case OP_EQ: VEC_CMP(v->i == c) break;
	case OP_NE: VEC_CMP(v->i != c) break;
	case OP_LT: VEC_CMP(v->i < c) break;
	case OP_LE: VEC_CMP(v->i <= c) break;
	case OP_GT: VEC_CMP(v->i > c) break;
	default: VEC_CMP(v->i >= c) break;
	}
#undef VEC_CMP
}

/* cond_column_const's shapes over the rows sel[0..n) of b: t[j] for row
 * sel[j]. 1 if e has such a shape, 0 if not (nothing evaluated), -EINVAL
 * on an error. */
static int vec_shape(struct exec_ctx *x, const struct expr *e,
		     const struct vecs *b, const uint16_t *sel, int n,
		     int8_t *t)
{
	const struct datum *k1 = NULL, *k2 = NULL, *c;
	struct datum v, w;
	bool saw_null;
	int i, j;

	if (e->folded)
		return 0;
	switch (e->kind) {
	case EX_BINOP:
		if (e->op < OP_EQ || e->op > OP_GE || !columnish(e->l) ||
		    (!(k1 = const_of(e->r)) && !columnish(e->r)))
			return 0;
		if (k1 && !k1->null && e->l->kind == EX_COLUMN &&
		    cmp_as_int(e->l->type.id, k1->type)) {
			vec_cmp_int(e, b->col[e->l->slot - b->base], k1, sel, n,
				    t);
			return 1;
		}
		for (j = 0; j < n; j++) {
			if (vec_value(x, e->l, b, sel[j], &v) < 0 ||
			    (!k1 && vec_value(x, e->r, b, sel[j], &w) < 0))
				return -EINVAL;
			c = k1 ? k1 : &w;
			t[j] = v.null || c->null
				       ? COND_NULL
				       : (int8_t)cmp_result(e->op, datum_cmp(&v, c));
		}
		return 1;
	case EX_BETWEEN:
		/* NOT BETWEEN may hold with a NULL bound: left to eval */
		if (!columnish(e->x) || !(k1 = const_of(e->l)) ||
		    !(k2 = const_of(e->r)) || k1->null || k2->null)
			return 0;
		for (j = 0; j < n; j++) {
			if (vec_value(x, e->x, b, sel[j], &v) < 0)
				return -EINVAL;
			t[j] = v.null ? COND_NULL
				      : (datum_cmp(&v, k1) >= 0 &&
					 datum_cmp(&v, k2) <= 0) != e->negated;
		}
		return 1;
	case EX_IN:
		if (!columnish(e->l))
			return 0;
		for (i = 0; i < e->nargs; i++)
			if (!const_of(e->args[i]))
				return 0;
		for (j = 0; j < n; j++) {
			if (vec_value(x, e->l, b, sel[j], &v) < 0)
				return -EINVAL;
			t[j] = v.null ? COND_NULL : -2; /* -2: not decided */
			for (i = 0, saw_null = false; t[j] == -2 && i < e->nargs;
			     i++) {
				k1 = const_of(e->args[i]);
				if (k1->null)
					saw_null = true;
				else if (datum_eq(&v, k1))
					t[j] = !e->negated;
			}
			if (t[j] == -2)
				t[j] = saw_null ? COND_NULL : e->negated;
		}
		return 1;
	default:
		return 0;
	}
}

/* e's truth for the rows sel[0..n) of b into t[0..n) (COND_*). */
static int vec_truth(struct exec_ctx *x, const struct expr *e,
		     const struct vecs *b, const uint16_t *sel, int n,
		     int8_t *t)
{
	struct eval_env env = {.row = b->row, .base = b->base};
	int j, r;

	if ((r = vec_shape(x, e, b, sel, n, t)) != 0)
		return r < 0 ? -EINVAL : 0;
	for (j = 0; j < n; j++) {
		int tj;

		vecs_gather(b, sel[j]);
		if (eval_truth(x, e, &env, &tj) < 0)
			return -EINVAL;
		t[j] = (int8_t)tj;
	}
	return 0;
}

int vec_filter(struct exec_ctx *x, const struct stage *st,
	       const struct vecs *b, uint16_t *sel, int *n)
{
	int8_t t[VEC_ROWS];
	int k, j, m;

	__atomic_add_fetch(&batches, 1, __ATOMIC_RELAXED);
	for (k = 0; k < st->n && *n; k++) {
		if (vec_truth(x, st->v[k], b, sel, *n, t) < 0)
			return -EINVAL;
		for (j = m = 0; j < *n; j++)
			if (t[j] == COND_TRUE)
				sel[m++] = sel[j];
		*n = m;
	}
	return 0;
}
