/* SPDX-License-Identifier: MIT */
/* subquery.c: subqueries in expressions (EX_SUBLINK).
 *
 * (SELECT ...) as a value, EXISTS (SELECT ...), l op ANY/SOME/ALL
 * (SELECT ...) and l [NOT] IN (SELECT ...), which the parser turns into
 * l = ANY (...) with `negated` for NOT IN.
 *
 * The subquery is bound once, with the enclosing query's scope pushed as
 * an outer frame (expr.h): a column it does not have itself resolves to
 * the enclosing query (EX_OUTER). If none does, the subquery is not
 * correlated: it runs once, on first use, and its result is kept for the
 * rest of the statement (an = ANY over it becomes a hash lookup).
 * A correlated subquery runs again for every outer row, with that row in
 * the frame; a primary-key equality on an outer column is still an index
 * lookup (select.c treats EX_OUTER like a parameter).
 *
 * NULLs follow PostgreSQL: l = ANY (set) is true if some comparison is
 * true, else NULL if l or some element is NULL, else false; ALL dually; so
 * NOT IN over a set holding a NULL is never true. */
#include <string.h>
#include <unidb/errno.h>

#include "internal.h"

struct sublink_plan {
	struct sel *q;	      /* the bound SELECT (NULL: a set operation) */
	struct select *s;
	struct scope *sc;     /* the enclosing query's scope */
	struct result shape;  /* output columns */
	struct expr *cmp;     /* ANY/ALL: $0 op $1, bound */
	bool correlated;
	bool have;	      /* res holds the uncorrelated result */
	struct result res;
	struct htab *set;     /* = ANY over res: the non-NULL values */
	bool set_null;	      /* res has a NULL */
};

static int one_column(struct exec_ctx *x, struct expr *e, int ncols)
{
	if (ncols == 1)
		return 0;
	return db_err_pos(x->err, sql_char_pos(x->query, e->pos), "42601",
			  ncols > 1 ? (e->sublink == SUB_SCALAR
					       ? "subquery must return only one "
						 "column"
					       : "subquery has too many columns")
				    : "subquery has too few columns");
}

/* cmp: $0 op $1 over a two-column scope (l's type, the subquery's
 * column type), so that implicit casts and operator checks are the
 * binder's own. */
static int bind_cmp(struct bind_ctx *b, struct expr *e,
		    struct sublink_plan *p)
{
	struct exec_ctx *x = b->x;
	struct scope_col *cols = arena_alloc(x->a, sizeof(*cols) * 2);
	struct expr *c = arena_alloc(x->a, sizeof(*c) * 3);
	struct scope sc = {cols, 2};
	struct bind_ctx cb = {.x = x, .sc = &sc};
	int i;

	if (!cols || !c)
		return db_err_oom(x->err);
	memset(cols, 0, sizeof(*cols) * 2);
	memset(c, 0, sizeof(*c) * 3);
	cols[0].name = "?l";
	cols[0].type = e->l->type;
	cols[1].name = "?r";
	cols[1].type = p->shape.cols[0].type;
	for (i = 1; i <= 2; i++) {
		c[i].kind = EX_COLUMN;
		c[i].name = cols[i - 1].name;
		c[i].pos = i == 1 ? e->l->pos : e->pos;
	}
	c[0].kind = EX_BINOP;
	c[0].op = e->op;
	c[0].pos = e->pos;
	c[0].l = &c[1];
	c[0].r = &c[2];
	p->cmp = &c[0];
	return bind_expr(&cb, &p->cmp);
}

int bind_sublink(struct bind_ctx *b, struct expr *e)
{
	struct exec_ctx *x = b->x;
	struct sublink_plan *p = arena_alloc(x->a, sizeof(*p));
	struct outer_frame f = {.sc = b->sc, .up = x->outer};
	static struct scope none; /* no FROM: nothing to see outside */
	int r;

	if (!p)
		return db_err_oom(x->err);
	memset(p, 0, sizeof(*p));
	p->s = e->sub;
	p->sc = b->sc ? b->sc : &none;
	f.sc = p->sc;
	if ((e->sublink == SUB_ANY || e->sublink == SUB_ALL) &&
	    bind_expr(b, &e->l) < 0)
		return -EINVAL;
	x->outer = &f;
	if (e->sub->setop) {
		bool d = x->describe_only; /* bind only; runs when used */

		x->describe_only = true;
		r = exec_select(x, e->sub, &p->shape);
		x->describe_only = d;
	} else {
		r = select_bind(x, e->sub, &p->shape, &p->q);
	}
	x->outer = f.up;
	if (r < 0)
		return -EINVAL;
	p->correlated = f.used;
	e->plan = p;
	if (e->sublink == SUB_EXISTS) {
		e->type = (struct sql_type){TYPE_BOOL, -1};
		return 0;
	}
	if (one_column(x, e, p->shape.ncols) < 0)
		return -EINVAL;
	if (e->sublink == SUB_SCALAR || e->sublink == SUB_ARRAY) {
		e->type = p->shape.cols[0].type;
		if (e->sublink == SUB_ARRAY) /* arrays are their text form */
			e->type = (struct sql_type){TYPE_TEXT, -1};
		return 0;
	}
	e->type = (struct sql_type){TYPE_BOOL, -1};
	return bind_cmp(b, e, p);
}

/* The subquery's rows for the current outer row. */
static int run(struct exec_ctx *x, struct sublink_plan *p,
	       const struct eval_env *env, struct result **out)
{
	struct outer_frame f = {.sc = p->sc, .env = env, .up = x->outer};
	struct result *res = &p->res;
	int r;

	if (!p->correlated && p->have) {
		*out = res;
		return 0;
	}
	if (p->correlated && !(res = arena_alloc(x->a, sizeof(*res))))
		return db_err_oom(x->err);
	memset(res, 0, sizeof(*res));
	x->outer = &f;
	if (p->q) {
		res->ncols = p->shape.ncols;
		res->cols = p->shape.cols;
		r = select_run(x, p->q, res);
	} else {
		r = exec_select(x, p->s, res);
	}
	x->outer = f.up;
	if (r < 0)
		return -EINVAL;
	p->have = !p->correlated;
	*out = res;
	return 0;
}

/* Whether = ANY over the kept result can be a hash lookup: the two sides
 * compare without casts and hash alike (datum_hash). */
static bool hashable(const struct sublink_plan *p)
{
	const struct expr *c = p->cmp;

	return !p->correlated && c->op == OP_EQ && c->kind == EX_BINOP &&
	       c->l->kind == EX_COLUMN && c->r->kind == EX_COLUMN &&
	       ((type_is_int(c->l->type.id) && type_is_int(c->r->type.id)) ||
		(type_is_text(c->l->type.id) && type_is_text(c->r->type.id)));
}

static int build_set(struct exec_ctx *x, struct sublink_plan *p,
		     const struct result *res)
{
	uint64_t k;

	p->set = arena_alloc(x->a, sizeof(*p->set));
	if (!p->set || htab_init(p->set, x->a, 1) < 0)
		return db_err_oom(x->err);
	for (k = 0; k < res->nrows; k++) {
		if (res->rows[k][0].null)
			p->set_null = true;
		else if (!htab_get(p->set, res->rows[k], true, NULL))
			return db_err_oom(x->err);
	}
	return 0;
}

/* l op ANY/ALL: three-valued, as PostgreSQL's ScalarArrayOp/SubPlan. */
static int quantified(struct exec_ctx *x, const struct expr *e,
		      struct sublink_plan *p, const struct result *res,
		      const struct eval_env *env, struct datum *out)
{
	bool any = e->sublink == SUB_ANY, saw_null = false;
	struct datum pair[2], d;
	struct eval_env ce = {.row = pair};
	uint64_t k;

	if (eval(x, e->l, env, &pair[0]) < 0)
		return -EINVAL;
	if (res->nrows && hashable(p)) {
		if (!p->set && build_set(x, p, res) < 0)
			return -EINVAL;
		if (pair[0].null)
			*out = datum_null(TYPE_BOOL);
		else if (htab_get(p->set, pair, false, NULL))
			*out = datum_bool(true);
		else
			*out = p->set_null ? datum_null(TYPE_BOOL)
					   : datum_bool(false);
		return 0;
	}
	for (k = 0; k < res->nrows; k++) {
		pair[1] = res->rows[k][0];
		if (eval(x, p->cmp, &ce, &d) < 0)
			return -EINVAL;
		if (d.null)
			saw_null = true;
		else if ((d.i != 0) == any) {
			*out = datum_bool(any);
			return 0;
		}
	}
	*out = saw_null ? datum_null(TYPE_BOOL) : datum_bool(!any);
	return 0;
}

/* ARRAY(SELECT ...) as array text: {a,"b c",NULL}. */
static int array_of(struct exec_ctx *x, const struct result *res,
		    struct datum *out)
{
	struct strbuf sb = STRBUF_INIT, v = STRBUF_INIT;
	uint64_t k;
	uint32_t i;
	char *s;

	sb_putc(&sb, '{');
	for (k = 0; k < res->nrows; k++) {
		const struct datum *d = &res->rows[k][0];
		bool quote;

		sb_reset(&v);
		if (k)
			sb_putc(&sb, ',');
		if (d->null) {
			sb_puts(&sb, "NULL");
			continue;
		}
		datum_out(&v, d);
		quote = !v.len || (v.len == 4 && !memcmp(v.p, "NULL", 4));
		for (i = 0; i < v.len; i++)
			quote |= strchr("{},\"\\ \t\n", v.p[i]) != NULL;
		if (quote)
			sb_putc(&sb, '"');
		for (i = 0; i < v.len; i++) {
			if (v.p[i] == '"' || v.p[i] == '\\')
				sb_putc(&sb, '\\');
			sb_putc(&sb, v.p[i]);
		}
		if (quote)
			sb_putc(&sb, '"');
	}
	sb_putc(&sb, '}');
	s = sb.oom || v.oom ? NULL : arena_strndup(x->a, sb.p, sb.len);
	*out = datum_str(TYPE_TEXT, s, s ? (uint32_t)sb.len : 0);
	sb_free(&sb);
	sb_free(&v);
	return s ? 0 : db_err_oom(x->err);
}

int eval_sublink(struct exec_ctx *x, const struct expr *e,
		 const struct eval_env *env, struct datum *out)
{
	struct sublink_plan *p = e->plan;
	struct result *res = NULL;

	if (!p)
		return db_err(x->err, "XX000", "subquery not bound");
	if (run(x, p, env, &res) < 0)
		return -EINVAL;
	switch (e->sublink) {
	case SUB_SCALAR:
		if (res->nrows > 1)
			return db_err(x->err, "21000",
				      "more than one row returned by a subquery "
				      "used as an expression");
		*out = res->nrows ? res->rows[0][0] : datum_null(e->type.id);
		return 0;
	case SUB_EXISTS:
		*out = datum_bool(res->nrows > 0);
		break;
	case SUB_ARRAY:
		return array_of(x, res, out);
	default:
		if (quantified(x, e, p, res, env, out) < 0)
			return -EINVAL;
	}
	if (e->negated && !out->null)
		out->i = !out->i;
	return 0;
}
