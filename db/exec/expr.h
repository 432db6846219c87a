/* SPDX-License-Identifier: MIT */
/* expr.h: binding and evaluation of expressions (db/exec internal).
 *
 * A scope is the row an expression sees: the columns of the FROM items
 * side by side. Binding resolves each column reference to its index in
 * that row (EX_COLUMN.slot), gives every node its result type and inserts
 * casts where PostgreSQL coerces implicitly. Aggregate calls are collected
 * into a list and their slot indexes the current group's results.
 * Evaluation follows SQL's three-valued logic (AND/OR with NULL, NULL
 * comparisons yield NULL). */
#ifndef DB_EXEC_EXPR_H
#define DB_EXEC_EXPR_H

#include "exec.h"
#include "../sql/numeric.h"

struct scope_col {
	const char *table; /* alias or table name */
	const char *name;
	struct sql_type type;
	uint32_t table_oid;
	int16_t attnum;
};

struct scope {
	struct scope_col *cols;
	int n;
};

struct bind_ctx {
	struct exec_ctx *x;
	struct scope *sc;
	struct expr **aggs; /* aggregate calls found, NULL: not allowed */
	int naggs, aggcap;
	bool allow_agg;
	const char *agg_forbidden; /* "WHERE", "JOIN conditions", ... */
	bool in_agg;
	int depth;    /* bind_expr calls running: folding at the outermost */
	bool no_fold; /* CREATE TABLE's DEFAULT: checked, not evaluated */
};

struct eval_env {
	const struct datum *row;
	const struct datum *aggs; /* the current group's aggregate values */
	int base; /* the scope slot of row[0]: a scan filter reads one FROM
		     item's own row, whose first column is slot `base` */
};

/* One enclosing query of a subquery: its scope while binding, its current
 * row while running. A column the subquery does not have resolves to the
 * nearest frame that has it (EX_OUTER, level = frames out); `used` marks
 * the frames such references cross (the subquery is correlated). */
struct outer_frame {
	const struct scope *sc;
	const struct eval_env *env;
	struct outer_frame *up;
	bool used;
};

/* subquery.c: EX_SUBLINK binding and evaluation. */
int bind_sublink(struct bind_ctx *b, struct expr *e);
int eval_sublink(struct exec_ctx *x, const struct expr *e,
		 const struct eval_env *env, struct datum *out);

/* Binds *ep, then folds its constant subexpressions (fold_expr). */
int bind_expr(struct bind_ctx *b, struct expr **ep);
/* fold.c: evaluates the constant subexpressions of the bound e once
 * (e->folded), with PostgreSQL's rules for which ones; an error in one is
 * the statement's error. Nothing while describing for a Parse message. */
int fold_expr(struct exec_ctx *x, struct expr *e);
/* bind_expr, then require boolean (42804 "argument of WHERE must be type
 * boolean, not type integer"). */
int bind_bool(struct bind_ctx *b, struct expr **ep, const char *what);
/* Coerces a bound expression to t (assignment or implicit context);
 * 42804 with PostgreSQL's message if no such cast exists. */
int coerce(struct bind_ctx *b, struct expr **ep, struct sql_type t,
	   enum cast_kind kind, const char *column);

int eval(struct exec_ctx *x, const struct expr *e, const struct eval_env *env,
	 struct datum *out);
/* A numeric expression of +, - and * over columns and constants, when
 * every value in it is small (numeric.h): computed on machine words,
 * without the text of each intermediate result. False, with nothing
 * reported, when any part is not (NULL included): eval then takes the
 * general way, which gives the same answer or the error. */
bool eval_numeric_small(const struct expr *e, const struct eval_env *env,
			struct numeric_small *out);
/* The operator ('+', '-' or '*') of a node eval_numeric_small computes
 * from its two sides, 0 for any other node. Inline: it runs per node
 * and row. */
static inline char numeric_small_op(const struct expr *e)
{
	if (e->folded || e->kind != EX_BINOP || e->type.id != TYPE_NUMERIC)
		return 0;
	return e->op == OP_ADD ? '+' : e->op == OP_SUB ? '-'
	     : e->op == OP_MUL ? '*' : 0;
}
/* Evaluates a boolean condition: true only if non-NULL and true. */
int eval_cond(struct exec_ctx *x, const struct expr *e,
	      const struct eval_env *env, bool *out);
/* A condition's truth. */
enum { COND_NULL = -1, COND_FALSE, COND_TRUE };
/* A boolean condition's truth in *t: COND_TRUE, COND_FALSE or COND_NULL.
 * 0, or -EINVAL with x->err set. */
int eval_truth(struct exec_ctx *x, const struct expr *e,
	       const struct eval_env *env, int *t);

/* The value of e if it is a constant (a literal, or folded when bound),
 * else NULL. */
static inline const struct datum *const_of(const struct expr *e)
{
	if (e->folded)
		return e->folded;
	return e->kind == EX_CONST ? &e->val : NULL;
}

/* Whether e is a column of the row, maybe cast. */
static inline bool columnish(const struct expr *e)
{
	return !e->folded &&
	       (e->kind == EX_COLUMN ||
		(e->kind == EX_CAST && e->l->kind == EX_COLUMN));
}

/* Whether e is a condition of the shapes most filters have, which
 * eval_truth and filter.c evaluate without the walk through eval: a
 * column (maybe cast) compared with a constant or another column,
 * BETWEEN constants (not NULL) or IN a list of constants. */
bool cond_has_shape(const struct expr *e);
/* Such a condition's column, and the column it is compared with (NULL:
 * a constant). */
static inline const struct expr *cond_column(const struct expr *e)
{
	return e->kind == EX_BETWEEN ? e->x : e->l;
}
static inline const struct expr *cond_other_column(const struct expr *e)
{
	return e->kind == EX_BINOP && !const_of(e->r) ? e->r : NULL;
}

/* Whether a comparison op (OP_EQ..OP_GE) holds for datum_cmp's c. */
static inline int cmp_result(int op, int c)
{
	switch (op) {
	case OP_EQ: return c == 0;
	case OP_NE: return c != 0;
	case OP_LT: return c < 0;
	case OP_LE: return c <= 0;
	case OP_GT: return c > 0;
	default: return c >= 0;
	}
}

/* The truth of a condition of those shapes (cond_has_shape) for the
 * value v of its column and w of the other (when it has one), as eval
 * finds it. Inline: filters run it for every row. */
static inline int cond_of_values(const struct expr *e, const struct datum *v,
				 const struct datum *w)
{
	const struct datum *k;
	bool saw_null = false;
	int i;

	if (v->null)
		return COND_NULL;
	switch (e->kind) {
	case EX_BINOP:
		k = const_of(e->r) ? const_of(e->r) : w;
		return k->null ? COND_NULL : cmp_result(e->op, datum_cmp(v, k));
	case EX_BETWEEN:
		return (datum_cmp(v, const_of(e->l)) >= 0 &&
			datum_cmp(v, const_of(e->r)) <= 0) != e->negated;
	default: /* EX_IN */
		for (i = 0; i < e->nargs; i++) {
			k = const_of(e->args[i]);
			if (k->null)
				saw_null = true;
			else if (datum_eq(v, k))
				return !e->negated;
		}
		return saw_null ? COND_NULL : e->negated;
	}
}

/* Marks cols[slot - base] for every column e reads in slots [base, base
 * + n); with all, a subquery in e marks all n (it may read any column of
 * the row it runs for). */
void expr_cols(const struct expr *e, bool *cols, int base, int n, bool all);

/* The column name PostgreSQL gives an unnamed select-list item. */
const char *expr_colname(const struct expr *e);
bool expr_has_agg(const struct expr *e);
/* funcs.c: the built-in functions of its table. func_bind returns 1 if e
 * is none of them (with these argument types). */
int func_bind(struct bind_ctx *b, struct expr *e);
int func_eval(struct exec_ctx *x, const struct expr *e,
	      const struct eval_env *env, struct datum *out);
/* l op r (or -r for OP_NEG) on numeric or integer datums, as numeric. */
int numeric_arith(struct exec_ctx *x, int op, const struct datum *l,
		  const struct datum *r, struct datum *out);
/* Date arithmetic (funcs.c): datetime_bind_op returns 1 if e is not a
 * date +/- integer or date - date; datetime_eval_op computes one. */
int datetime_bind_op(struct bind_ctx *b, struct expr *e);
/* Interval operators (interval_fn.c): interval_bind_op returns 1 if e
 * is not one; the eval functions compute one. */
int interval_bind_op(struct bind_ctx *b, struct expr *e);
int interval_eval_op(struct exec_ctx *x, const struct expr *e,
		     const struct datum *a, const struct datum *c,
		     struct datum *out);
int interval_eval_neg(struct exec_ctx *x, const struct datum *a,
		      struct datum *out);
int interval_fn_justify(struct exec_ctx *x, const char *name,
			const struct datum *a, struct datum *out);
int interval_fn_age(struct exec_ctx *x, const struct datum *args, int n,
		    int64_t now_us, struct datum *out);
int datetime_eval_op(struct exec_ctx *x, const struct expr *e,
		     const struct datum *a, const struct datum *c,
		     struct datum *out);
/* l op r on real or double precision (type): 22003 when a finite
 * computation overflows or a nonzero one underflows, 22012. */
int float_arith(struct exec_ctx *x, unsigned type, int op,
		const struct datum *l, const struct datum *r,
		struct datum *out);
/* A 128-bit integer (sums) as a numeric datum. */
int numeric_int128(struct arena *a, __int128 v, struct datum *out,
		   struct db_error *err);
/* avg()'s result as PostgreSQL's numeric division prints it. */
int numeric_avg(struct arena *a, __int128 sum, int64_t count,
		struct datum *out, struct db_error *err);

#endif
