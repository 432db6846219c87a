/* SPDX-License-Identifier: MIT */
/* srf.c: functions in FROM (set-returning functions): generate_series
 * over integers and unnest over an array's text form. The function's one
 * output column is named by the alias (or the function), as PostgreSQL
 * names a scalar function's column. Arguments are bound in no scope of
 * their own (an enclosing query's columns are visible, as with LATERAL
 * in a subquery) and evaluated when the scan runs. */
#include <string.h>
#include <unidb/errno.h>

#include "catalog.h"

/* 42883 "function f(integer) does not exist", as PostgreSQL says it. */
static int no_function(struct exec_ctx *x, const struct expr *f)
{
	struct strbuf sb = STRBUF_INIT;
	char t[64];
	int i;

	for (i = 0; i < f->nargs; i++)
		sb_printf(&sb, "%s%s", i ? ", " : "",
			  type_display(f->args[i]->type, t, sizeof(t)));
	db_err_pos(x->err, sql_char_pos(x->query, f->pos), "42883",
		   "function %s(%s) does not exist", f->name,
		   sb.p && !sb.oom ? sb.p : "");
	sb_free(&sb);
	x->err->hint = "No function matches the given name and argument "
		       "types. You might need to add explicit type casts.";
	return -EINVAL;
}

int srf_bind(struct exec_ctx *x, struct from_item *f, struct scope *one)
{
	struct bind_ctx b = {.x = x, .agg_forbidden = "functions in FROM"};
	struct expr *e = f->func;
	bool series = !strcmp(e->name, "generate_series");
	uint8_t type = TYPE_INT4;
	int i;

	for (i = 0; i < e->nargs; i++) {
		uint8_t id;

		if (bind_expr(&b, &e->args[i]) < 0)
			return -EINVAL;
		id = e->args[i]->type.id;
		if (series && id == TYPE_INT8)
			type = TYPE_INT8;
		if (series && !type_is_int(id) && id != TYPE_UNKNOWN &&
		    id != TYPE_NULL)
			series = false; /* 42883 below */
	}
	if (e->star || e->distinct ||
	    !(series ? e->nargs == 2 || e->nargs == 3
		     : !strcmp(e->name, "unnest") && e->nargs == 1))
		return no_function(x, e);
	for (i = 0; i < e->nargs; i++)
		if (coerce(&b, &e->args[i],
			   (struct sql_type){series ? type : TYPE_TEXT, -1},
			   CAST_IMPLICIT, NULL) < 0)
			return -EINVAL;
	one->n = 1;
	one->cols = arena_alloc(x->a, sizeof(*one->cols));
	if (!one->cols)
		return db_err_oom(x->err);
	one->cols[0].table = f->alias ? f->alias : e->name;
	one->cols[0].name = f->alias ? f->alias : e->name;
	one->cols[0].type = (struct sql_type){series ? type : TYPE_TEXT, -1};
	return 0;
}

static int series(struct exec_ctx *x, const struct expr *e,
		  const struct datum *a,
		  int (*add)(void *ctx, const struct datum *row), void *ctx)
{
	int64_t v = a[0].i, step = e->nargs == 3 ? a[2].i : 1;
	uint64_t n = 0;

	if (step == 0)
		return db_err(x->err, "22023", "step size cannot equal zero");
	while (step > 0 ? v <= a[1].i : v >= a[1].i) {
		struct datum *row = arena_alloc(x->a, sizeof(*row));

		if (!row)
			return db_err_oom(x->err);
		*row = datum_int(a[0].type, v);
		if (add(ctx, row) < 0 ||
		    (++n % 4096 == 0 && exec_check_interrupt(x) < 0))
			return -EINVAL;
		if (__builtin_add_overflow(v, step, &v))
			break;
	}
	return 0;
}

struct unnest_ctx {
	int (*add)(void *ctx, const struct datum *row);
	void *ctx;
};

static int unnest_one(struct exec_ctx *x, const char *s, uint32_t n,
		      bool null, void *ctx)
{
	struct unnest_ctx *u = ctx;
	struct datum *row = arena_alloc(x->a, sizeof(*row));

	if (!row)
		return db_err_oom(x->err);
	*row = null ? datum_null(TYPE_TEXT) : datum_str(TYPE_TEXT, s, n);
	return u->add(u->ctx, row);
}

/* Elements of '{a,"b",NULL}', one row each. */
static int unnest(struct exec_ctx *x, const struct datum *arr,
		  int (*add)(void *ctx, const struct datum *row), void *ctx)
{
	struct unnest_ctx u = {add, ctx};

	return array_elems(x, arr, unnest_one, &u);
}

int srf_scan(struct exec_ctx *x, const struct from_item *f,
	     int (*add)(void *ctx, const struct datum *row), void *ctx)
{
	const struct expr *e = f->func;
	struct eval_env env = {0};
	struct datum a[3] = {{0}};
	int i;

	for (i = 0; i < e->nargs; i++) {
		if (eval(x, e->args[i], &env, &a[i]) < 0)
			return -EINVAL;
		if (a[i].null)
			return 0; /* strict: no rows */
	}
	if (e->name[0] == 'u')
		return unnest(x, &a[0], add, ctx);
	return series(x, e, a, add, ctx);
}
