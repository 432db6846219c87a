/* SPDX-License-Identifier: MIT */
/* fold.c: constant folding (see expr.h, fold_expr).
 *
 * A bound expression whose inputs are constants (or parameters, once the
 * statement runs with their values) and whose operators, casts and
 * functions are immutable is evaluated once, when the statement is bound,
 * instead of once per row: `l_shipdate < date '1994-01-01' + interval '1'
 * year` adds the interval once. The node keeps its shape (EXPLAIN, column
 * names and GROUP BY matching see the expression as written); e->folded
 * holds the value, which eval returns without looking further.
 *
 * Which subexpressions, and so which errors, follow PostgreSQL's
 * eval_const_expressions, because an error raised while folding is raised
 * even if no row is ever read (SELECT 1/0 FROM empty_table fails with
 * 22012, as in PostgreSQL), and one in a part PostgreSQL skips is not:
 *  - AND/OR: operands left to right; a constant false (AND) or true (OR)
 *    decides the node, and the operands after it are not folded;
 *  - CASE: an arm whose condition folds to false or NULL is dropped
 *    without folding its result; one that folds to true ends the CASE
 *    (later arms and ELSE not folded);
 *  - COALESCE: NULL constants are skipped; the first non-NULL constant
 *    ends it;
 *  - everything else: all operands, then the node if they are constant.
 * Volatile and stable functions (random, nextval, now, clock_timestamp,
 * version, the catalog's) and operations on timestamptz (they depend on
 * the time zone) are never folded, as in PostgreSQL; their operands are.
 *
 * Not while describing a statement for a Parse message (describe_only
 * without EXPLAIN): PostgreSQL plans, and so raises, at Bind/Execute. */
#include <string.h>
#include <unidb/errno.h>

#include "expr.h"

enum { NOT_CONST, CONST };

static int fold(struct exec_ctx *x, struct expr *e);

static bool is_const(const struct expr *e)
{
	return e->kind == EX_CONST || e->folded;
}

/* e's value if is_const(e). */
static const struct datum *const_val(const struct expr *e)
{
	return e->folded ? e->folded : &e->val;
}

static int set_value(struct exec_ctx *x, struct expr *e, struct datum v)
{
	struct datum *d = arena_alloc(x->a, sizeof(*d));

	if (!d)
		return db_err_oom(x->err);
	*d = v;
	e->folded = d;
	return CONST;
}

/* Evaluates e, whose operands are all constant. */
static int fold_node(struct exec_ctx *x, struct expr *e)
{
	struct eval_env env = {0};
	struct datum v;

	if (eval(x, e, &env, &v) < 0)
		return -EINVAL;
	return set_value(x, e, v);
}

static bool tz_dependent(unsigned type)
{
	return type == TYPE_TIMESTAMPTZ;
}

static bool has_tz_operand(const struct expr *e)
{
	int i;

	if (tz_dependent(e->type.id) || (e->l && tz_dependent(e->l->type.id)) ||
	    (e->r && tz_dependent(e->r->type.id)) ||
	    (e->x && tz_dependent(e->x->type.id)))
		return true;
	for (i = 0; i < e->nargs; i++)
		if (tz_dependent(e->args[i]->type.id))
			return true;
	return false;
}

/* The functions of funcs.c and expr.c PostgreSQL marks immutable (for
 * the argument types unidb binds them to). Everything else is not
 * folded: now() and its relatives are stable, random and the sequence
 * functions volatile, the catalog functions read the catalog. */
static bool func_immutable(const struct expr *e)
{
	static const char *const names[] = {
		"substring", "substr",	 "btrim",	  "ltrim",
		"rtrim",     "position", "strpos",	  "replace",
		"repeat",    "left",	 "right",	  "lpad",
		"rpad",	     "starts_with", "initcap",	  "reverse",
		"round",     "trunc",	 "ceil",	  "ceiling",
		"floor",     "abs",	 "sign",	  "sqrt",
		"mod",	     "length",	 "char_length",	  "lower",
		"upper",     "nullif",	 "justify_hours", "justify_days",
		"justify_interval", "extract", "date_part", "date_trunc"};
	unsigned i;

	if (!e->name || has_tz_operand(e))
		return false;
	if (!strcmp(e->name, "age")) /* age(ts) reads the current date */
		return e->nargs == 2;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcmp(e->name, names[i]))
			return true;
	return false;
}

/* Folds e->args[0..n) in order; CONST if all are constant. */
static int fold_list(struct exec_ctx *x, struct expr **v, int n)
{
	int i, r, all = CONST;

	for (i = 0; i < n; i++) {
		if ((r = fold(x, v[i])) < 0)
			return r;
		if (r == NOT_CONST)
			all = NOT_CONST;
	}
	return all;
}

static int fold_andor(struct exec_ctx *x, struct expr *e)
{
	bool decides = e->op == OP_OR; /* the value that decides the node */
	struct expr *side[2] = {e->l, e->r};
	int i, r, all = CONST;

	for (i = 0; i < 2; i++) {
		if ((r = fold(x, side[i])) < 0)
			return r;
		if (r == NOT_CONST) {
			all = NOT_CONST;
			continue;
		}
		if (!const_val(side[i])->null &&
		    (const_val(side[i])->i != 0) == decides)
			return set_value(x, e, datum_bool(decides));
	}
	return all == CONST ? fold_node(x, e) : NOT_CONST;
}

/* Whether arm i's condition is constant, and then its truth in *truth. */
static int fold_when(struct exec_ctx *x, struct expr *e, int i, bool *truth)
{
	const struct datum *w, *v;
	int r = fold(x, e->args[i]);

	if (r != CONST)
		return r;
	if (e->x && !is_const(e->x))
		return NOT_CONST;
	w = const_val(e->args[i]);
	v = e->x ? const_val(e->x) : NULL;
	*truth = v ? !v->null && !w->null && datum_eq(v, w) : !w->null && w->i;
	return CONST;
}

static int fold_case(struct exec_ctx *x, struct expr *e)
{
	int i, r = CONST, res, all = CONST;
	bool truth = false;

	if (e->x && (r = fold(x, e->x)) < 0)
		return r;
	for (i = 0; i + 1 < e->nargs; i += 2) {
		if ((r = fold_when(x, e, i, &truth)) < 0)
			return r;
		if (r == CONST && !truth)
			continue; /* dropped: its result is never folded */
		if ((res = fold(x, e->args[i + 1])) < 0)
			return res;
		if (r == CONST) /* always taken: later arms, ELSE never run */
			return all == CONST && res == CONST ? fold_node(x, e)
							    : NOT_CONST;
		all = NOT_CONST;
	}
	if (e->r && (r = fold(x, e->r)) < 0)
		return r;
	if (e->r && r == NOT_CONST)
		all = NOT_CONST;
	return all == CONST ? fold_node(x, e) : NOT_CONST;
}

static int fold_coalesce(struct exec_ctx *x, struct expr *e)
{
	int i, r;

	for (i = 0; i < e->nargs; i++) {
		if ((r = fold(x, e->args[i])) < 0)
			return r;
		if (r == NOT_CONST)
			return fold_list(x, e->args + i + 1,
					 e->nargs - i - 1) < 0
				       ? -EINVAL
				       : NOT_CONST;
		if (!const_val(e->args[i])->null)
			break; /* the value; later arguments never run */
	}
	return fold_node(x, e);
}

static int fold_func(struct exec_ctx *x, struct expr *e)
{
	int r;

	if (e->agg) /* the arguments, once per statement; not the call */
		return fold_list(x, e->args, e->nargs) < 0 ? -EINVAL
							   : NOT_CONST;
	if (!strcmp(e->name, "coalesce"))
		return fold_coalesce(x, e);
	r = fold_list(x, e->args, e->nargs);
	if (r == CONST && func_immutable(e))
		return fold_node(x, e);
	return r < 0 ? r : NOT_CONST;
}

/* Folds the operands, then the node if it may be. */
static int fold_operands(struct exec_ctx *x, struct expr *e)
{
	struct expr *ops[3] = {e->x, e->l, e->r}; /* BETWEEN: x, l, r */
	int i, r, all = CONST;

	for (i = 0; i < 3; i++) {
		if (!ops[i])
			continue;
		if ((r = fold(x, ops[i])) < 0)
			return r;
		if (r == NOT_CONST)
			all = NOT_CONST;
	}
	if ((r = fold_list(x, e->args, e->nargs)) < 0)
		return r;
	if (r == NOT_CONST || all == NOT_CONST || has_tz_operand(e))
		return NOT_CONST;
	return fold_node(x, e);
}

static bool param_bound(struct exec_ctx *x, const struct expr *e)
{
	return x->params && e->slot < x->nparams &&
	       e->type.id != TYPE_UNKNOWN;
}

/* CONST if e is constant now (EX_CONST or e->folded set), NOT_CONST, or
 * -EINVAL with x->err set. */
static int fold(struct exec_ctx *x, struct expr *e)
{
	if (!e || e->kind == EX_CONST || e->folded)
		return CONST;
	switch (e->kind) {
	case EX_PARAM:
		return param_bound(x, e) ? fold_node(x, e) : NOT_CONST;
	case EX_COLUMN:
	case EX_OUTER:
	case EX_STAR:
	case EX_AGGREF:
		return NOT_CONST;
	case EX_SUBLINK: /* its subquery was folded when it was bound */
		return e->l && fold(x, e->l) < 0 ? -EINVAL : NOT_CONST;
	case EX_BINOP:
		if (e->op == OP_AND || e->op == OP_OR)
			return fold_andor(x, e);
		return fold_operands(x, e);
	case EX_CASE:
		return fold_case(x, e);
	case EX_FUNC:
		return fold_func(x, e);
	case EX_UNOP:
	case EX_ISNULL:
	case EX_ISBOOL:
	case EX_CAST:
	case EX_IN:
	case EX_BETWEEN:
	case EX_LIKE:
		return fold_operands(x, e);
	default:
		return NOT_CONST;
	}
}

int fold_expr(struct exec_ctx *x, struct expr *e)
{
	if (x->describe_only && !x->explain)
		return 0;
	return fold(x, e) < 0 ? -EINVAL : 0;
}
