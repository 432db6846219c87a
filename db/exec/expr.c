/* SPDX-License-Identifier: MIT */
/* expr.c: binding and evaluating expressions (see expr.h). */
#include "expr.h"
#include "internal.h" /* sequence functions (seq.c) */
#include "catalog.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <unidb/errno.h>

static int pos_of(struct exec_ctx *x, const struct expr *e)
{
	return sql_char_pos(x->query, e->pos);
}

static int err_at(struct bind_ctx *b, const struct expr *e)
{
	if (b->x->err->position == 0)
		b->x->err->position = pos_of(b->x, e);
	return -EINVAL;
}

static struct sql_type ty(unsigned id)
{
	struct sql_type t = {(uint8_t)id, -1};
	return t;
}

static const char *tname(struct sql_type t)
{
	return type_info(t.id == TYPE_UNKNOWN ? TYPE_UNKNOWN : t.id)->name;
}

static int find_column(struct bind_ctx *b, struct expr *e)
{
	struct scope *sc = b->sc;
	int i, found = -1;
	bool qual_seen = false;

	for (i = 0; sc && i < sc->n; i++) {
		if (e->qual) {
			if (!sc->cols[i].table ||
			    strcmp(sc->cols[i].table, e->qual) != 0)
				continue;
			qual_seen = true;
		}
		if (strcmp(sc->cols[i].name, e->name) != 0)
			continue;
		if (found >= 0)
			return db_err_pos(b->x->err, pos_of(b->x, e), "42702",
					  "column reference \"%s\" is "
					  "ambiguous",
					  e->name);
		found = i;
	}
	if (found >= 0)
		return found;
	if (e->qual && !qual_seen)
		return db_err_pos(b->x->err, pos_of(b->x, e), "42P01",
				  "missing FROM-clause entry for table \"%s\"",
				  e->qual);
	if (e->qual)
		return db_err_pos(b->x->err, pos_of(b->x, e), "42703",
				  "column %s.%s does not exist", e->qual,
				  e->name);
	return db_err_pos(b->x->err, pos_of(b->x, e), "42703",
			  "column \"%s\" does not exist", e->name);
}

static struct expr *wrap_cast(struct bind_ctx *b, struct expr *e,
			      struct sql_type t)
{
	struct expr *c = arena_alloc(b->x->a, sizeof(*c));

	if (!c)
		return NULL;
	c->kind = EX_CAST;
	c->pos = e->pos;
	c->l = e;
	c->type = t;
	c->slot = 1; /* implicit: keeps the inner expression's column name */
	return c;
}

int coerce(struct bind_ctx *b, struct expr **ep, struct sql_type t,
	   enum cast_kind kind, const char *column)
{
	struct expr *e = *ep;
	char t1[64], t2[64];

	if (e->type.id == t.id && (t.mod < 0 || e->type.mod == t.mod))
		return 0;
	if (e->kind == EX_PARAM && e->type.id == TYPE_UNKNOWN) {
		if (e->slot < b->x->nptypes &&
		    b->x->ptypes[e->slot].id == TYPE_NULL)
			b->x->ptypes[e->slot] = ty(t.id);
		e->type = ty(t.id);
		if (t.id == TYPE_VARCHAR && t.mod >= 0)
			goto wrap;
		return 0;
	}
	if (e->kind == EX_CONST && (e->val.null || e->type.id == TYPE_UNKNOWN ||
				    cast_exists(e->type.id, t.id, kind))) {
		if (!cast_exists(e->type.id, t.id, kind))
			goto mismatch;
		bool literal = e->type.id == TYPE_UNKNOWN;

		/* PostgreSQL converts an untyped literal while parsing (the
		 * error has a position); other casts and length checks
		 * (22001) run at execution, without one. */
		if (datum_cast(b->x->a, &e->val, t, kind, &e->val, b->x->err) < 0)
			return literal && strcmp(b->x->err->code, "22001")
				       ? err_at(b, e)
				       : -EINVAL;
		e->type = t;
		return 0;
	}
	if (!cast_exists(e->type.id, t.id, kind))
		goto mismatch;
wrap:
	*ep = wrap_cast(b, e, t);
	if (!*ep)
		return db_err_oom(b->x->err);
	(*ep)->op = (uint8_t)kind;
	/* a cast of a constant is constant (inside bind_expr, folded with
	 * the whole expression) */
	return b->depth || b->no_fold ? 0 : fold_expr(b->x, *ep);
mismatch:
	if (column)
		db_err_pos(b->x->err, pos_of(b->x, e), "42804",
			   "column \"%s\" is of type %s but expression is of "
			   "type %s",
			   column, type_display(t, t1, sizeof(t1)),
			   type_display(e->type, t2, sizeof(t2)));
	if (column)
		b->x->err->hint = "You will need to rewrite or cast the "
				  "expression.";
	else
		db_err_pos(b->x->err, pos_of(b->x, e), "42804",
			   "cannot cast type %s to %s", tname(e->type),
			   tname(t));
	return -EINVAL;
}

static int int_rank(unsigned id)
{
	return id == TYPE_INT2 ? 1 : id == TYPE_INT4 ? 2 : id == TYPE_INT8 ? 3 : 0;
}

/* Numeric types in the order PostgreSQL's implicit casts widen them. */
static int num_rank(unsigned id)
{
	return id == TYPE_FLOAT8    ? 6
	       : id == TYPE_FLOAT4  ? 5
	       : id == TYPE_NUMERIC ? 4
				    : int_rank(id);
}

const char *op_name(int op)
{
	static const char *const names[] = {
		[OP_ADD] = "+", [OP_SUB] = "-", [OP_MUL] = "*", [OP_DIV] = "/",
		[OP_MOD] = "%", [OP_EQ] = "=",	[OP_NE] = "<>", [OP_LT] = "<",
		[OP_LE] = "<=", [OP_GT] = ">",	[OP_GE] = ">=", [OP_CONCAT] = "||",
		[OP_AND] = "AND", [OP_OR] = "OR", [OP_NOT] = "NOT", [OP_NEG] = "-"};
	return names[op] ? names[op] : "?";
}

static int no_operator_msg(struct bind_ctx *b, struct expr *e, char *t1,
			   char *t2);

#define HINT_CASTS(what)                                                      \
	"No " what " matches the given name and argument types. You might "  \
	"need to add explicit type casts."

static int no_operator(struct bind_ctx *b, struct expr *e)
{
	char t1[64], t2[64];

	b->x->err->hint = NULL;
	no_operator_msg(b, e, t1, t2);
	b->x->err->hint = HINT_CASTS("operator");
	return -EINVAL;
}

static int no_operator_msg(struct bind_ctx *b, struct expr *e, char *t1,
			   char *t2)
{
	if (!e->l || e->kind == EX_UNOP)
		return db_err_pos(b->x->err, pos_of(b->x, e), "42883",
				  "operator does not exist: %s %s",
				  op_name(e->op),
				  type_display(e->l->type, t1, 64));
	return db_err_pos(b->x->err, pos_of(b->x, e), "42883",
			  "operator does not exist: %s %s %s",
			  type_display(e->l->type, t1, 64), op_name(e->op),
			  type_display(e->r->type, t2, 64));
}

/* Brings two operands to a common comparable type: an unknown side takes
 * the other's type; integers compare across widths; strings with strings. */
static int unify(struct bind_ctx *b, struct expr **l, struct expr **r,
		 struct expr *op)
{
	unsigned a = (*l)->type.id, c = (*r)->type.id;

	if (a == TYPE_NULL && c == TYPE_NULL)
		return 0;
	if ((a == TYPE_UNKNOWN || a == TYPE_NULL) &&
	    (c == TYPE_UNKNOWN || c == TYPE_NULL))
		return coerce(b, l, ty(TYPE_TEXT), CAST_IMPLICIT, NULL) ||
		       coerce(b, r, ty(TYPE_TEXT), CAST_IMPLICIT, NULL);
	if (a == TYPE_UNKNOWN || a == TYPE_NULL)
		return coerce(b, l, ty(c == TYPE_VARCHAR ? TYPE_TEXT : c),
			      CAST_IMPLICIT, NULL);
	if (c == TYPE_UNKNOWN || c == TYPE_NULL)
		return coerce(b, r, ty(a == TYPE_VARCHAR ? TYPE_TEXT : a),
			      CAST_IMPLICIT, NULL);
	if ((int_rank(a) && int_rank(c)) || (type_is_text(a) && type_is_text(c)) ||
	    a == c)
		return 0;
	if (num_rank(a) && num_rank(c)) { /* integer < numeric < real < double */
		unsigned to = num_rank(a) < num_rank(c) ? c : a;

		if (to == TYPE_FLOAT4) /* real with another type: double */
			return coerce(b, l, ty(TYPE_FLOAT8), CAST_IMPLICIT, NULL) ||
			       coerce(b, r, ty(TYPE_FLOAT8), CAST_IMPLICIT, NULL);
		return coerce(b, num_rank(a) < num_rank(c) ? l : r, ty(to),
			      CAST_IMPLICIT, NULL);
	}
	if (type_is_datetime(a) && type_is_datetime(c)) /* date < timestamp */
		return coerce(b, a < c ? l : r, ty(a < c ? c : a),
			      CAST_IMPLICIT, NULL);
	return no_operator(b, op);
}

static int bind_binop(struct bind_ctx *b, struct expr *e)
{
	unsigned a, c;
	int r;

	if (e->op == OP_AND || e->op == OP_OR) {
		const char *w = e->op == OP_AND ? "AND" : "OR";

		if (bind_bool(b, &e->l, w) < 0 || bind_bool(b, &e->r, w) < 0)
			return -EINVAL;
		e->type = ty(TYPE_BOOL);
		return 0;
	}
	if (bind_expr(b, &e->l) < 0 || bind_expr(b, &e->r) < 0)
		return -EINVAL;
	if (e->op == OP_CONCAT) {
		a = e->l->type.id, c = e->r->type.id;
		if (!type_is_text(a) && !type_is_text(c) && a != TYPE_NULL &&
		    c != TYPE_NULL)
			return no_operator(b, e);
		if (coerce(b, &e->l, ty(TYPE_TEXT), CAST_EXPLICIT, NULL) < 0 ||
		    coerce(b, &e->r, ty(TYPE_TEXT), CAST_EXPLICIT, NULL) < 0)
			return -EINVAL;
		e->type = ty(TYPE_TEXT);
		return 0;
	}
	if (e->op >= OP_ADD && e->op <= OP_MOD &&
	    (r = datetime_bind_op(b, e)) <= 0)
		return r;
	if (e->op == OP_MOD && (type_is_float(e->l->type.id) ||
				type_is_float(e->r->type.id)))
		return no_operator(b, e); /* PostgreSQL has no float % */
	if (unify(b, &e->l, &e->r, e) < 0)
		return -EINVAL;
	a = e->l->type.id, c = e->r->type.id;
	if (e->op >= OP_EQ && e->op <= OP_GE) {
		e->type = ty(TYPE_BOOL);
		return 0;
	}
	if (a == TYPE_NULL && c == TYPE_NULL) {
		e->type = ty(TYPE_INT4);
		return 0;
	}
	if (!num_rank(a) || !num_rank(c))
		return no_operator(b, e);
	e->type = ty(num_rank(a) > num_rank(c) ? a : c);
	if (e->type.id == TYPE_FLOAT4 && a != c)
		e->type = ty(TYPE_FLOAT8);
	return 0;
}

static int bind_args(struct bind_ctx *b, struct expr *e)
{
	int i;

	for (i = 0; i < e->nargs; i++)
		if (bind_expr(b, &e->args[i]) < 0)
			return -EINVAL;
	return 0;
}

static int nargs_error(struct bind_ctx *b, struct expr *e)
{
	struct strbuf sb = STRBUF_INIT;
	int i;

	for (i = 0; i < e->nargs; i++) {
		sb_puts(&sb, i ? ", " : "");
		sb_puts(&sb, tname(e->args[i]->type));
	}
	db_err_pos(b->x->err, pos_of(b->x, e), "42883",
		   "function %s(%s) does not exist", e->name,
		   sb.p && !sb.oom ? sb.p : "");
	b->x->err->hint = HINT_CASTS("function");
	sb_free(&sb);
	return -EINVAL;
}

/* Common type of several expressions (CASE, COALESCE). */
static int unify_list(struct bind_ctx *b, struct expr **list, int n,
		      struct expr *where, struct sql_type *out)
{
	struct sql_type t = ty(TYPE_NULL);
	int i;

	for (i = 0; i < n; i++) {
		unsigned id = list[i]->type.id;

		if (id == TYPE_NULL || id == TYPE_UNKNOWN)
			continue;
		if (t.id == TYPE_NULL || (num_rank(id) > num_rank(t.id) &&
					  num_rank(t.id)))
			t = ty(id == TYPE_VARCHAR ? TYPE_TEXT : id);
		else if (!(num_rank(id) && num_rank(t.id)) &&
			 !(type_is_text(id) && type_is_text(t.id)) && id != t.id)
			return db_err_pos(b->x->err, pos_of(b->x, list[i]),
					  "42804",
					  "%s types %s and %s cannot be matched",
					  where->kind == EX_CASE ? "CASE"
								 : "COALESCE",
					  tname(t), tname(list[i]->type));
	}
	if (t.id == TYPE_NULL)
		t = ty(TYPE_TEXT);
	for (i = 0; i < n; i++)
		if (coerce(b, &list[i], t, CAST_IMPLICIT, NULL) < 0)
			return -EINVAL;
	*out = t;
	return 0;
}

static int bind_agg(struct bind_ctx *b, struct expr *e)
{
	unsigned id;

	if (!b->allow_agg && b->agg_forbidden)
		return db_err_pos(b->x->err, pos_of(b->x, e), "42803",
				  "aggregate functions are not allowed in %s",
				  b->agg_forbidden);
	if (b->in_agg)
		return db_err_pos(b->x->err, pos_of(b->x, e), "42803",
				  "aggregate function calls cannot be nested");
	if (!b->allow_agg)
		return db_err_pos(b->x->err, pos_of(b->x, e), "42803",
				  "aggregate functions are not allowed here");
	if ((e->star && e->agg != AGG_COUNT) ||
	    (!e->star && e->nargs != (e->agg == AGG_STRING_AGG ? 2 : 1)))
		return nargs_error(b, e);
	b->in_agg = true;
	if (!e->star && bind_expr(b, &e->args[0]) < 0)
		return -EINVAL;
	if (e->agg == AGG_STRING_AGG && /* string_agg(text, delimiter) */
	    (bind_expr(b, &e->args[1]) < 0 ||
	     coerce(b, &e->args[0], ty(TYPE_TEXT), CAST_IMPLICIT, NULL) < 0 ||
	     coerce(b, &e->args[1], ty(TYPE_TEXT), CAST_IMPLICIT, NULL) < 0))
		return -EINVAL;
	b->in_agg = false;
	id = e->star ? TYPE_INT8 : e->args[0]->type.id;
	if (!e->star && (id == TYPE_UNKNOWN || id == TYPE_NULL) &&
	    e->agg != AGG_COUNT) {
		if (coerce(b, &e->args[0], ty(TYPE_TEXT), CAST_IMPLICIT, NULL))
			return -EINVAL;
		id = TYPE_TEXT;
	}
	switch (e->agg) {
	case AGG_COUNT:
		e->type = ty(TYPE_INT8);
		break;
	case AGG_STRING_AGG:
		e->type = ty(TYPE_TEXT);
		break;
	case AGG_SUM:
	case AGG_AVG:
		if (!num_rank(id))
			return nargs_error(b, e);
		if (type_is_float(id)) /* avg of floats is double precision */
			e->type = ty(e->agg == AGG_AVG ? TYPE_FLOAT8 : id);
		else
			e->type = ty(e->agg == AGG_AVG || id == TYPE_INT8 ||
						 id == TYPE_NUMERIC
					     ? TYPE_NUMERIC
					     : TYPE_INT8);
		break;
	default:
		e->type = e->args[0]->type;
		if (id == TYPE_VARCHAR)
			e->type = ty(TYPE_TEXT);
	}
	if (b->naggs == b->aggcap) {
		int cap = b->aggcap ? b->aggcap * 2 : 8;
		struct expr **n = arena_alloc(b->x->a, sizeof(*n) * (size_t)cap);

		if (!n)
			return db_err_oom(b->x->err);
		if (b->naggs)
			memcpy(n, b->aggs, sizeof(*n) * (size_t)b->naggs);
		b->aggs = n;
		b->aggcap = cap;
	}
	e->slot = b->naggs;
	b->aggs[b->naggs++] = e;
	return 0;
}

static const struct {
	const char *name;
	int agg;
} agg_names[] = {{"count", AGG_COUNT}, {"sum", AGG_SUM}, {"min", AGG_MIN},
		 {"max", AGG_MAX},     {"avg", AGG_AVG},
		 {"string_agg", AGG_STRING_AGG}};

static int bind_func(struct bind_ctx *b, struct expr *e)
{
	const char *n = e->name;
	unsigned k;
	int r;

	if (is_seq_func(n))
		return bind_seq_func(b, e);
	for (k = 0; k < sizeof(agg_names) / sizeof(agg_names[0]); k++)
		if (!strcmp(n, agg_names[k].name)) {
			e->agg = (uint8_t)agg_names[k].agg;
			return bind_agg(b, e);
		}
	if (e->star || e->distinct)
		return nargs_error(b, e);
	if (bind_args(b, e) < 0)
		return -EINVAL;
	if ((r = func_bind(b, e)) <= 0)
		return r;
	if (!strcmp(n, "coalesce") && e->nargs >= 1)
		return unify_list(b, e->args, e->nargs, e, &e->type);
	if (!strcmp(n, "nullif") && e->nargs == 2) {
		if (unify(b, &e->args[0], &e->args[1], e) < 0)
			return -EINVAL;
		e->type = e->args[0]->type;
		if (e->type.id == TYPE_UNKNOWN)
			e->type = ty(TYPE_TEXT);
		return 0;
	}
	if ((!strcmp(n, "length") || !strcmp(n, "char_length") ||
	     !strcmp(n, "lower") || !strcmp(n, "upper")) &&
	    e->nargs == 1) {
		if (!type_is_text(e->args[0]->type.id) &&
		    e->args[0]->type.id != TYPE_NULL)
			return nargs_error(b, e);
		if (coerce(b, &e->args[0], ty(TYPE_TEXT), CAST_IMPLICIT, NULL))
			return -EINVAL;
		e->type = ty(n[0] == 'l' && n[1] == 'o' ? TYPE_TEXT
			     : n[0] == 'u'		 ? TYPE_TEXT
							 : TYPE_INT4);
		return 0;
	}
	if (!strcmp(n, "abs") && e->nargs == 1) {
		if (coerce(b, &e->args[0], ty(int_rank(e->args[0]->type.id)
						      ? e->args[0]->type.id
						      : TYPE_INT4),
			   CAST_IMPLICIT, NULL) < 0)
			return -EINVAL;
		e->type = e->args[0]->type;
		return 0;
	}
	if (!strcmp(n, "pg_sleep") && e->nargs == 1) {
		if (e->args[0]->type.id == TYPE_UNKNOWN &&
		    coerce(b, &e->args[0], ty(TYPE_TEXT), CAST_IMPLICIT, NULL) < 0)
			return -EINVAL;
		e->type = ty(TYPE_TEXT); /* PostgreSQL's void prints as '' */
		return 0;
	}
	if ((!strcmp(n, "version") || !strcmp(n, "current_database") ||
	     !strcmp(n, "current_user")) &&
	    e->nargs == 0) {
		e->type = ty(TYPE_TEXT);
		return 0;
	}
	k = (unsigned)catalog_func_bind(b, e); /* pg_catalog's (catalog_fn.c) */
	if (k != 1)
		return (int)k;
	return nargs_error(b, e);
}

static int bind_case(struct bind_ctx *b, struct expr *e)
{
	struct expr **res;
	int i, nres = 0;

	if (e->x && bind_expr(b, &e->x) < 0)
		return -EINVAL;
	for (i = 0; i < e->nargs; i += 2) {
		if (e->x) {
			if (bind_expr(b, &e->args[i]) < 0 ||
			    unify(b, &e->x, &e->args[i], e) < 0)
				return -EINVAL;
		} else if (bind_bool(b, &e->args[i], "CASE/WHEN") < 0) {
			return -EINVAL;
		}
		if (bind_expr(b, &e->args[i + 1]) < 0)
			return -EINVAL;
	}
	if (e->r && bind_expr(b, &e->r) < 0)
		return -EINVAL;
	res = arena_alloc(b->x->a, sizeof(*res) * (size_t)(e->nargs / 2 + 1));
	if (!res)
		return db_err_oom(b->x->err);
	for (i = 1; i < e->nargs; i += 2)
		res[nres++] = e->args[i];
	if (e->r)
		res[nres++] = e->r;
	if (unify_list(b, res, nres, e, &e->type) < 0)
		return -EINVAL;
	nres = 0;
	for (i = 1; i < e->nargs; i += 2)
		e->args[i] = res[nres++];
	if (e->r)
		e->r = res[nres];
	return 0;
}

/* A column not in the query's own scope: one of an enclosing query
 * (correlated subquery), else the error find_column reported. */
static int find_outer_column(struct bind_ctx *b, struct expr *e)
{
	struct outer_frame *f, *g;
	int level = 1, r;

	if (!b->x->outer || (strcmp(b->x->err->code, "42703") &&
			     strcmp(b->x->err->code, "42P01")))
		return -EINVAL;
	for (f = b->x->outer; f; f = f->up, level++) {
		struct bind_ctx o = {.x = b->x, .sc = (struct scope *)f->sc};

		b->x->err->code[0] = 0;
		r = find_column(&o, e);
		if (r >= 0) {
			for (g = b->x->outer; g != f->up; g = g->up)
				g->used = true;
			e->kind = EX_OUTER;
			e->slot = r;
			e->level = (uint8_t)level;
			e->type = f->sc->cols[r].type;
			return 0;
		}
		if (strcmp(b->x->err->code, "42703") &&
		    strcmp(b->x->err->code, "42P01"))
			return -EINVAL; /* ambiguous */
	}
	b->x->err->code[0] = 0;
	return find_column(b, e); /* the error for the query's own scope */
}

int bind_bool(struct bind_ctx *b, struct expr **ep, const char *what)
{
	if (bind_expr(b, ep) < 0)
		return -EINVAL;
	if ((*ep)->type.id == TYPE_UNKNOWN || (*ep)->type.id == TYPE_NULL)
		return coerce(b, ep, ty(TYPE_BOOL), CAST_IMPLICIT, NULL);
	if ((*ep)->type.id != TYPE_BOOL)
		return db_err_pos(b->x->err, pos_of(b->x, *ep), "42804",
				  "argument of %s must be type boolean, not "
				  "type %s",
				  what, tname((*ep)->type));
	return 0;
}

static int bind_node(struct bind_ctx *b, struct expr **ep);

int bind_expr(struct bind_ctx *b, struct expr **ep)
{
	int r;

	b->depth++;
	r = bind_node(b, ep);
	b->depth--;
	if (r == 0 && b->depth == 0 && !b->no_fold)
		r = fold_expr(b->x, *ep);
	return r;
}

static int bind_node(struct bind_ctx *b, struct expr **ep)
{
	struct expr *e = *ep;
	int i, r;

	switch (e->kind) {
	case EX_CONST:
		e->type = ty(e->val.null ? TYPE_NULL : e->val.type);
		return 0;
	case EX_PARAM:
		if (e->slot >= b->x->nptypes)
			return db_err_pos(b->x->err, pos_of(b->x, e), "54000",
					  "too many parameters (at most %d)",
					  b->x->nptypes);
		e->type = b->x->ptypes[e->slot];
		if (e->type.id == TYPE_NULL)
			e->type = ty(TYPE_UNKNOWN);
		return 0;
	case EX_COLUMN:
		r = find_column(b, e);
		if (r < 0)
			return find_outer_column(b, e);
		e->slot = r;
		e->type = b->sc->cols[r].type;
		return 0;
	case EX_STAR:
		return db_err_pos(b->x->err, pos_of(b->x, e), "42601",
				  "* is not allowed here");
	case EX_SUBLINK:
		return bind_sublink(b, e);
	case EX_OUTER:
		return 0; /* bound already (a re-bound subquery) */
	case EX_UNOP:
		if (e->op == OP_NOT) {
			if (bind_bool(b, &e->l, "NOT") < 0)
				return -EINVAL;
			e->type = ty(TYPE_BOOL);
			return 0;
		}
		if (bind_expr(b, &e->l) < 0)
			return -EINVAL;
		if (e->l->type.id == TYPE_UNKNOWN &&
		    coerce(b, &e->l, ty(TYPE_INT4), CAST_IMPLICIT, NULL) < 0)
			return -EINVAL;
		if (!num_rank(e->l->type.id) && e->l->type.id != TYPE_INTERVAL)
			return no_operator(b, e);
		e->type = ty(e->l->type.id);
		return 0;
	case EX_BINOP:
		return bind_binop(b, e);
	case EX_ISNULL:
		if (bind_expr(b, &e->l) < 0)
			return -EINVAL;
		e->type = ty(TYPE_BOOL);
		return 0;
	case EX_ISBOOL:
		if (bind_bool(b, &e->l, "IS TRUE") < 0)
			return -EINVAL;
		e->type = ty(TYPE_BOOL);
		return 0;
	case EX_CAST:
		if (bind_expr(b, &e->l) < 0)
			return -EINVAL;
		e->op = CAST_EXPLICIT;
		if (e->l->kind == EX_CONST && e->l->type.id == TYPE_UNKNOWN) {
			/* 'x'::int is a typed literal: converted once here. */
			if (datum_cast(b->x->a, &e->l->val, e->type,
				       CAST_EXPLICIT, &e->l->val, b->x->err) < 0)
				return err_at(b, e->l);
			e->l->type = e->type;
			return 0;
		}
		if (e->l->kind == EX_PARAM && e->l->type.id == TYPE_UNKNOWN)
			return coerce(b, &e->l, e->type, CAST_EXPLICIT, NULL);
		if (!cast_exists(e->l->type.id, e->type.id, CAST_EXPLICIT))
			return db_err_pos(b->x->err, pos_of(b->x, e), "42846",
					  "cannot cast type %s to %s",
					  tname(e->l->type), tname(e->type));
		return 0;
	case EX_FUNC:
		return bind_func(b, e);
	case EX_CASE:
		return bind_case(b, e);
	case EX_IN:
		if (bind_expr(b, &e->l) < 0)
			return -EINVAL;
		for (i = 0; i < e->nargs; i++) {
			if (bind_expr(b, &e->args[i]) < 0 ||
			    unify(b, &e->l, &e->args[i], e) < 0)
				return -EINVAL;
		}
		e->type = ty(TYPE_BOOL);
		return 0;
	case EX_BETWEEN:
		if (bind_expr(b, &e->x) < 0 || bind_expr(b, &e->l) < 0 ||
		    bind_expr(b, &e->r) < 0 || unify(b, &e->x, &e->l, e) < 0 ||
		    unify(b, &e->x, &e->r, e) < 0)
			return -EINVAL;
		e->type = ty(TYPE_BOOL);
		return 0;
	case EX_LIKE:
		if (bind_expr(b, &e->l) < 0 || bind_expr(b, &e->r) < 0)
			return -EINVAL;
		if ((!type_is_text(e->l->type.id) && e->l->type.id != TYPE_NULL) ||
		    (!type_is_text(e->r->type.id) && e->r->type.id != TYPE_NULL)) {
			e->op = OP_NONE;
			db_err_pos(b->x->err, pos_of(b->x, e), "42883",
				   "operator does not exist: %s ~~ %s",
				   tname(e->l->type), tname(e->r->type));
			b->x->err->hint = HINT_CASTS("operator");
			return -EINVAL;
		}
		if (coerce(b, &e->l, ty(TYPE_TEXT), CAST_IMPLICIT, NULL) < 0 ||
		    coerce(b, &e->r, ty(TYPE_TEXT), CAST_IMPLICIT, NULL) < 0)
			return -EINVAL;
		e->type = ty(TYPE_BOOL);
		return 0;
	default:
		return db_err(b->x->err, "XX000", "unexpected expression");
	}
}

bool expr_has_agg(const struct expr *e)
{
	int i;

	if (!e)
		return false;
	if (e->kind == EX_FUNC) {
		unsigned k;

		for (k = 0; k < sizeof(agg_names) / sizeof(agg_names[0]); k++)
			if (!strcmp(e->name, agg_names[k].name))
				return true;
	}
	if (expr_has_agg(e->l) || expr_has_agg(e->r) || expr_has_agg(e->x))
		return true;
	for (i = 0; i < e->nargs; i++)
		if (expr_has_agg(e->args[i]))
			return true;
	return false;
}

const char *expr_colname(const struct expr *e)
{
	switch (e->kind) {
	case EX_COLUMN:
		return e->name;
	case EX_FUNC:
		/* catalog_fn.c's casts (::regclass), operators and a[i] */
		if (e->name[0] == ':' && e->nargs == 1) {
			const char *n = expr_colname(e->args[0]);

			return strcmp(n, "?column?") ? n : e->name + 2;
		}
		if (!strcmp(e->name, "subscript") && e->nargs == 2)
			return expr_colname(e->args[0]);
		if (e->name[0] == '~' || e->name[0] == '!' ||
		    ((!strcmp(e->name, "any") || !strcmp(e->name, "all")) &&
		     e->op != OP_NONE))
			return "?column?";
		return e->name;
	case EX_CAST: {
		const char *n = expr_colname(e->l);

		/* a cast names its column unless it casts a column or a
		 * function (PostgreSQL's FigureColname strengths) */
		if ((strcmp(n, "?column?") != 0 && e->l->kind != EX_CAST) ||
		    e->slot)
			return n;
		return type_info(e->type.id)->pgname;
	}
	case EX_CASE:
		return "case";
	case EX_SUBLINK: {
		const struct select *q = e->sub;

		while (q->setop)
			q = q->larg;
		if (e->sublink == SUB_EXISTS)
			return "exists";
		if (e->sublink != SUB_SCALAR || !q->ntargets)
			return "?column?";
		return q->targets[0].alias ? q->targets[0].alias
					   : expr_colname(q->targets[0].e);
	}
	default:
		return "?column?";
	}
}

/* ---- evaluation -------------------------------------------------------- */

static int arith(struct exec_ctx *x, const struct expr *e, int64_t a,
		 int64_t c, struct datum *out)
{
	__int128 v;

	switch (e->op) {
	case OP_ADD: v = (__int128)a + c; break;
	case OP_SUB: v = (__int128)a - c; break;
	case OP_MUL: v = (__int128)a * c; break;
	case OP_DIV:
	case OP_MOD:
		if (c == 0)
			return db_err(x->err, "22012", "division by zero");
		if (c == -1) /* INT64_MIN / -1 traps in C */
			v = e->op == OP_DIV ? -(__int128)a : 0;
		else
			v = e->op == OP_DIV ? a / c : a % c;
		break;
	default:
		return db_err(x->err, "XX000", "bad operator");
	}
	if (int_check(e->type.id, v, x->err) < 0)
		return -EINVAL;
	*out = datum_int(e->type.id, (int64_t)v);
	return 0;
}

static int concat(struct exec_ctx *x, const struct datum *a,
		  const struct datum *c, struct datum *out)
{
	char *p = arena_alloc(x->a, (size_t)a->len + c->len + 1);

	if (!p)
		return db_err_oom(x->err);
	memcpy(p, a->s, a->len);
	memcpy(p + a->len, c->s, c->len);
	*out = datum_str(TYPE_TEXT, p, a->len + c->len);
	return 0;
}

bool eval_numeric_small(const struct expr *e, const struct eval_env *env,
			struct numeric_small *out)
{
	struct numeric_small a, b;
	char op;
	const struct datum *d;

	if (e->folded || e->kind == EX_CONST || e->kind == EX_COLUMN) {
		d = e->folded		    ? e->folded
		    : e->kind == EX_CONST ? &e->val
					    : &env->row[e->slot - env->base];
		return !d->null && numeric_small_of(d, out);
	}
	if (!(op = numeric_small_op(e)))
		return false;
	return eval_numeric_small(e->l, env, &a) &&
	       eval_numeric_small(e->r, env, &b) &&
	       numeric_small_arith(op, &a, &b, out);
}

static int eval_binop(struct exec_ctx *x, const struct expr *e,
		      const struct eval_env *env, struct datum *out)
{
	struct numeric_small s;
	struct datum a, c;

	if (e->type.id == TYPE_NUMERIC && eval_numeric_small(e, env, &s))
		return numeric_small_datum(x->a, &s, out, x->err);
	if (eval(x, e->l, env, &a) < 0)
		return -EINVAL;
	if (e->op == OP_AND || e->op == OP_OR) {
		bool short_val = e->op == OP_OR;

		if (!a.null && (a.i != 0) == short_val) {
			*out = datum_bool(short_val);
			return 0;
		}
		if (eval(x, e->r, env, &c) < 0)
			return -EINVAL;
		if (!c.null && (c.i != 0) == short_val)
			*out = datum_bool(short_val);
		else if (a.null || c.null)
			*out = datum_null(TYPE_BOOL);
		else
			*out = datum_bool(!short_val);
		return 0;
	}
	if (eval(x, e->r, env, &c) < 0)
		return -EINVAL;
	if (a.null || c.null) {
		*out = datum_null(e->type.id);
		return 0;
	}
	if (e->op == OP_CONCAT)
		return concat(x, &a, &c, out);
	if (e->op >= OP_EQ && e->op <= OP_GE) {
		*out = datum_bool(cmp_result(e->op, datum_cmp(&a, &c)));
		return 0;
	}
	if (e->type.id == TYPE_INTERVAL || a.type == TYPE_INTERVAL ||
	    c.type == TYPE_INTERVAL)
		return interval_eval_op(x, e, &a, &c, out);
	if (e->type.id == TYPE_NUMERIC)
		return numeric_arith(x, e->op, &a, &c, out);
	if (type_is_float(e->type.id))
		return float_arith(x, e->type.id, e->op, &a, &c, out);
	if (a.type == TYPE_DATE || c.type == TYPE_DATE)
		return datetime_eval_op(x, e, &a, &c, out);
	return arith(x, e, a.i, c.i, out);
}

/* SQL LIKE: % any run, _ one character (UTF-8 aware), \ escapes. */
static bool like(const char *s, size_t n, const char *p, size_t m)
{
	while (m) {
		if (*p == '%') {
			p++, m--;
			if (!m)
				return true;
			for (;;) {
				if (like(s, n, p, m))
					return true;
				if (!n)
					return false;
				do
					s++, n--;
				while (n && ((unsigned char)*s & 0xc0) == 0x80);
			}
		}
		if (!n)
			return false;
		if (*p == '_') {
			p++, m--;
			do
				s++, n--;
			while (n && ((unsigned char)*s & 0xc0) == 0x80);
			continue;
		}
		if (*p == '\\' && m > 1)
			p++, m--;
		if (*p != *s)
			return false;
		p++, m--, s++, n--;
	}
	return n == 0;
}

static int eval_in(struct exec_ctx *x, const struct expr *e,
		   const struct eval_env *env, struct datum *out)
{
	struct datum a, c;
	bool saw_null = false;
	int i;

	if (eval(x, e->l, env, &a) < 0)
		return -EINVAL;
	if (a.null) {
		*out = datum_null(TYPE_BOOL);
		return 0;
	}
	for (i = 0; i < e->nargs; i++) {
		if (eval(x, e->args[i], env, &c) < 0)
			return -EINVAL;
		if (c.null) {
			saw_null = true;
		} else if (datum_eq(&a, &c)) {
			*out = datum_bool(!e->negated);
			return 0;
		}
	}
	*out = saw_null ? datum_null(TYPE_BOOL) : datum_bool(e->negated);
	return 0;
}

static int eval_case(struct exec_ctx *x, const struct expr *e,
		     const struct eval_env *env, struct datum *out)
{
	struct datum v, w;
	int i;

	if (e->x && eval(x, e->x, env, &v) < 0)
		return -EINVAL;
	for (i = 0; i < e->nargs; i += 2) {
		if (eval(x, e->args[i], env, &w) < 0)
			return -EINVAL;
		if (w.null || (e->x && v.null))
			continue;
		if (e->x ? datum_eq(&v, &w) : w.i != 0)
			return eval(x, e->args[i + 1], env, out);
	}
	if (e->r)
		return eval(x, e->r, env, out);
	*out = datum_null(e->type.id);
	return 0;
}

static int eval_str_func(struct exec_ctx *x, const struct expr *e,
			 const struct datum *a, struct datum *out)
{
	char *p;
	uint32_t i, n = 0;

	if (!strcmp(e->name, "length") || !strcmp(e->name, "char_length")) {
		for (i = 0; i < a->len; i++)
			n += ((unsigned char)a->s[i] & 0xc0) != 0x80;
		*out = datum_int(TYPE_INT4, n);
		return 0;
	}
	p = arena_alloc(x->a, a->len + 1);
	if (!p)
		return db_err_oom(x->err);
	for (i = 0; i < a->len; i++)
		p[i] = (char)(e->name[0] == 'l' ? tolower((unsigned char)a->s[i])
						: toupper((unsigned char)a->s[i]));
	*out = datum_str(TYPE_TEXT, p, a->len);
	return 0;
}

static int eval_func(struct exec_ctx *x, const struct expr *e,
		     const struct eval_env *env, struct datum *out)
{
	struct datum a, c;
	const char *s;
	int i;

	if (is_seq_func(e->name))
		return eval_seq_func(x, e, env, out);
	if (e->fn)
		return func_eval(x, e, env, out);
	if (e->plan)
		return catalog_func_eval(x, e, env, out);
	if (!strcmp(e->name, "coalesce")) {
		for (i = 0; i < e->nargs; i++) {
			if (eval(x, e->args[i], env, out) < 0)
				return -EINVAL;
			if (!out->null)
				return 0;
		}
		*out = datum_null(e->type.id);
		return 0;
	}
	if (e->nargs == 0) {
		s = !strcmp(e->name, "version")
			? "PostgreSQL 15.0 (unidb) on x86_64, a unikernel"
		    : !strcmp(e->name, "current_user") ? x->user
						       : x->database;
		*out = datum_str(TYPE_TEXT, s, (uint32_t)strlen(s));
		return 0;
	}
	if (eval(x, e->args[0], env, &a) < 0)
		return -EINVAL;
	if (!strcmp(e->name, "nullif")) {
		if (eval(x, e->args[1], env, &c) < 0)
			return -EINVAL;
		*out = a;
		if (!a.null && !c.null && datum_eq(&a, &c))
			*out = datum_null(e->type.id);
		return 0;
	}
	if (a.null) {
		*out = datum_null(e->type.id);
		return 0;
	}
	if (!strcmp(e->name, "pg_sleep"))
		return exec_sleep(x, &a, out);
	if (!strcmp(e->name, "abs")) {
		if (int_check(e->type.id, a.i < 0 ? -(__int128)a.i : a.i,
			      x->err) < 0)
			return -EINVAL;
		*out = datum_int(e->type.id, a.i < 0 ? -a.i : a.i);
		return 0;
	}
	return eval_str_func(x, e, &a, out);
}

int eval(struct exec_ctx *x, const struct expr *e, const struct eval_env *env,
	 struct datum *out)
{
	struct datum a, lo, hi;
	int r;

	if (e->folded) { /* constant: evaluated once (fold.c) */
		*out = *e->folded;
		return 0;
	}
	switch (e->kind) {
	case EX_CONST:
		*out = e->val;
		return 0;
	case EX_PARAM:
		if (!x->params || e->slot >= x->nparams)
			return db_err(x->err, "08P01",
				      "bind message supplies %d parameters, "
				      "but prepared statement requires %d",
				      x->nparams, e->slot + 1);
		*out = x->params[e->slot];
		return 0;
	case EX_COLUMN:
		*out = env->row[e->slot - env->base];
		return 0;
	case EX_OUTER: {
		const struct outer_frame *f = x->outer;

		for (r = 1; f && r < e->level; r++)
			f = f->up;
		if (!f || !f->env || !f->env->row)
			return db_err(x->err, "0A000",
				      "this reference to an outer query's column "
				      "is not supported by unidb");
		*out = f->env->row[e->slot - f->env->base];
		return 0;
	}
	case EX_SUBLINK:
		return eval_sublink(x, e, env, out);
	case EX_AGGREF:
	case EX_FUNC:
		if (e->agg) {
			*out = env->aggs[e->slot];
			return 0;
		}
		return eval_func(x, e, env, out);
	case EX_UNOP:
		if (eval(x, e->l, env, &a) < 0)
			return -EINVAL;
		if (a.null) {
			*out = datum_null(e->type.id);
			return 0;
		}
		if (e->op == OP_NOT) {
			*out = datum_bool(!a.i);
			return 0;
		}
		if (e->type.id == TYPE_NUMERIC)
			return numeric_arith(x, OP_NEG, &a, &a, out);
		if (e->type.id == TYPE_INTERVAL)
			return interval_eval_neg(x, &a, out);
		if (type_is_float(e->type.id)) {
			*out = datum_float(e->type.id, -a.f);
			return 0;
		}
		if (int_check(e->type.id, -(__int128)a.i, x->err) < 0)
			return -EINVAL;
		*out = datum_int(e->type.id, -a.i);
		return 0;
	case EX_BINOP:
		return eval_binop(x, e, env, out);
	case EX_ISNULL:
		if (eval(x, e->l, env, &a) < 0)
			return -EINVAL;
		*out = datum_bool(a.null != e->negated);
		return 0;
	case EX_ISBOOL:
		if (eval(x, e->l, env, &a) < 0)
			return -EINVAL;
		*out = datum_bool((!a.null && a.i == e->val.i) != e->negated);
		return 0;
	case EX_CAST:
		if (eval(x, e->l, env, &a) < 0)
			return -EINVAL;
		r = datum_cast(x->a, &a, e->type, (enum cast_kind)e->op, out,
			       x->err);
		return r;
	case EX_CASE:
		return eval_case(x, e, env, out);
	case EX_IN:
		return eval_in(x, e, env, out);
	case EX_BETWEEN:
		if (eval(x, e->x, env, &a) < 0 || eval(x, e->l, env, &lo) < 0 ||
		    eval(x, e->r, env, &hi) < 0)
			return -EINVAL;
		if (a.null || lo.null || hi.null) {
			/* NULL unless one bound alone decides it false. */
			bool f = (!a.null && !lo.null && datum_cmp(&a, &lo) < 0) ||
				 (!a.null && !hi.null && datum_cmp(&a, &hi) > 0);
			*out = f ? datum_bool(e->negated) : datum_null(TYPE_BOOL);
			return 0;
		}
		*out = datum_bool((datum_cmp(&a, &lo) >= 0 &&
				   datum_cmp(&a, &hi) <= 0) != e->negated);
		return 0;
	case EX_LIKE:
		if (eval(x, e->l, env, &a) < 0 || eval(x, e->r, env, &lo) < 0)
			return -EINVAL;
		if (a.null || lo.null) {
			*out = datum_null(TYPE_BOOL);
			return 0;
		}
		*out = datum_bool(like(a.s, a.len, lo.s, lo.len) != e->negated);
		return 0;
	default:
		return db_err(x->err, "XX000", "unexpected expression");
	}
}

/* The value of a columnish e, as eval gives it: 0, or -EINVAL on an
 * error (a cast's). Inlined: it runs for every row a filter tests. */
static inline __attribute__((always_inline)) int
column_value(struct exec_ctx *x, const struct expr *e,
	     const struct eval_env *env, struct datum *v)
{
	if (e->kind == EX_COLUMN) {
		*v = env->row[e->slot - env->base];
		return 0;
	}
	return datum_cast(x->a, &env->row[e->l->slot - env->base], e->type,
			  (enum cast_kind)e->op, v, x->err) < 0
		       ? -EINVAL
		       : 0;
}

bool cond_has_shape(const struct expr *e)
{
	int i;

	if (e->folded)
		return false;
	switch (e->kind) {
	case EX_BINOP:
		return e->op >= OP_EQ && e->op <= OP_GE && columnish(e->l) &&
		       (const_of(e->r) || columnish(e->r));
	case EX_BETWEEN:
		/* NOT BETWEEN may hold with a NULL bound: left to eval */
		return columnish(e->x) && const_of(e->l) && const_of(e->r) &&
		       !const_of(e->l)->null && !const_of(e->r)->null;
	case EX_IN:
		if (!columnish(e->l))
			return false;
		for (i = 0; i < e->nargs; i++)
			if (!const_of(e->args[i]))
				return false;
		return true;
	default:
		return false;
	}
}

/* Conditions of the shapes most filters have (cond_has_shape): their
 * truth in *t, as eval finds it (the same datum_cast, datum_cmp and
 * datum_eq, in the same order), without the walk down the tree and
 * back, whose calls are what an emulator charges most for. 1 if e has
 * such a shape, 0 if not (nothing evaluated), -EINVAL on an error (a
 * cast's). */
static int cond_column_const(struct exec_ctx *x, const struct expr *e,
			     const struct eval_env *env, int *t)
{
	const struct expr *c = cond_column(e), *o = cond_other_column(e);
	struct datum v, w;

	if (!cond_has_shape(e))
		return 0;
	if (column_value(x, c, env, &v) < 0 ||
	    (o && column_value(x, o, env, &w) < 0))
		return -EINVAL;
	*t = cond_of_values(e, &v, &w);
	return 1;
}

/* AND goes through eval_truth on both sides, as eval_binop evaluates it
 * (the right side unless the left is false), so that the conjuncts of a
 * WHERE take cond_column_const's way. */
int eval_truth(struct exec_ctx *x, const struct expr *e,
	       const struct eval_env *env, int *t)
{
	struct datum d;
	int r, a;

	if (e->kind == EX_BINOP && e->op == OP_AND && !e->folded) {
		if (eval_truth(x, e->l, env, &a) < 0)
			return -EINVAL;
		if (a == COND_FALSE) {
			*t = COND_FALSE;
			return 0;
		}
		if (eval_truth(x, e->r, env, t) < 0)
			return -EINVAL;
		if (*t == COND_TRUE && a == COND_NULL)
			*t = COND_NULL;
		return 0;
	}
	if ((r = cond_column_const(x, e, env, t)) != 0)
		return r < 0 ? -EINVAL : 0;
	if (eval(x, e, env, &d) < 0)
		return -EINVAL;
	*t = d.null ? COND_NULL : d.i ? COND_TRUE : COND_FALSE;
	return 0;
}

void expr_cols(const struct expr *e, bool *cols, int base, int n, bool all)
{
	int i;

	if (!e)
		return;
	if (e->kind == EX_COLUMN && e->slot >= base && e->slot - base < n)
		cols[e->slot - base] = true;
	if (e->kind == EX_SUBLINK && all)
		memset(cols, 1, (size_t)n);
	expr_cols(e->l, cols, base, n, all);
	expr_cols(e->r, cols, base, n, all);
	expr_cols(e->x, cols, base, n, all);
	for (i = 0; i < e->nargs; i++)
		expr_cols(e->args[i], cols, base, n, all);
}

int eval_cond(struct exec_ctx *x, const struct expr *e,
	      const struct eval_env *env, bool *out)
{
	int t;

	if (eval_truth(x, e, env, &t) < 0)
		return -EINVAL;
	*out = t == COND_TRUE;
	return 0;
}
