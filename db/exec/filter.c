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
 * The shapes most filters have (cond_has_shape in expr.c: a column,
 * maybe cast, compared with a constant or another column, BETWEEN
 * constants, IN a list of constants) run as one loop over the vector with
 * the same datum_cast and cond_of_values as the row path, a column of a plain integer
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

/* A condition of cond_has_shape's shapes over the rows sel[0..n) of b:
 * t[j] for row sel[j]. 1 if e has such a shape, 0 if not (nothing
 * evaluated), -EINVAL on an error. */
static int vec_shape(struct exec_ctx *x, const struct expr *e,
		     const struct vecs *b, const uint16_t *sel, int n,
		     int8_t *t)
{
	const struct expr *c = cond_column(e), *o = cond_other_column(e);
	const struct datum *k = e->kind == EX_BINOP ? const_of(e->r) : NULL;
	struct datum v, w;
	int j;

	if (!cond_has_shape(e))
		return 0;
	if (k && !k->null && c->kind == EX_COLUMN &&
	    cmp_as_int(c->type.id, k->type)) {
		vec_cmp_int(e, b->col[c->slot - b->base], k, sel, n, t);
		return 1;
	}
	for (j = 0; j < n; j++) {
		if (vec_value(x, c, b, sel[j], &v) < 0 ||
		    (o && vec_value(x, o, b, sel[j], &w) < 0))
			return -EINVAL;
		t[j] = (int8_t)cond_of_values(e, &v, &w);
	}
	return 1;
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
