/* SPDX-License-Identifier: MIT */
/* srf.c: set-returning functions in FROM (PostgreSQL's "table functions").
 *
 * One so far: generate_series(start, stop [, step]) over integers, which
 * pgbench's server-side data generation (`pgbench -i -I dtGvp`) uses as
 * `FROM generate_series(1, 100000) AS aid`. The rows are materialized into
 * a result like a subquery's, then joined, filtered and projected by the
 * SELECT around it. Naming follows PostgreSQL: a function returning a
 * scalar names its one column after the alias if there is one, else after
 * the function (`generate_series`). The type is bigint if any argument is
 * bigint, else integer. */
#include <stdio.h>
#include <string.h>
#include <unidb/errno.h>

#include "internal.h"

/* Each materialized row costs a pointer and a datum of the arena; checked
 * against the arena's budget by arena_alloc (53200 past it). */
#define SRF_CHECK_EVERY 4096

static int no_function(struct exec_ctx *x, const struct expr *f)
{
	char buf[256], t[64];
	size_t n;
	int i;

	n = (size_t)snprintf(buf, sizeof(buf), "%s(", f->name);
	for (i = 0; i < f->nargs && n < sizeof(buf); i++)
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%s%s",
				      i ? ", " : "",
				      type_display(f->args[i]->type, t,
						   sizeof(t)));
	if (n < sizeof(buf))
		snprintf(buf + n, sizeof(buf) - n, ")");
	db_err_pos(x->err, sql_char_pos(x->query, f->pos), "42883",
		   "function %s does not exist", buf);
	x->err->hint = "No function matches the given name and argument "
		       "types. You might need to add explicit type casts.";
	return -EINVAL;
}

/* Binds the arguments: no columns are in scope (constants, parameters and
 * expressions of them), as for a function in FROM without LATERAL. */
static int bind_args(struct exec_ctx *x, struct expr *f)
{
	struct scope none = {0};
	struct bind_ctx b = {.x = x, .sc = &none};
	int i;

	for (i = 0; i < f->nargs; i++)
		if (bind_expr(&b, &f->args[i]) < 0)
			return -EINVAL;
	return 0;
}

/* generate_series(int, int [, int]) or its bigint form: the common type
 * of the bound arguments, or 42883 for any other argument list. */
static int series_type(struct exec_ctx *x, struct expr *f,
		       struct sql_type *out)
{
	struct scope none = {0};
	struct bind_ctx b = {.x = x, .sc = &none};
	struct sql_type t = {.id = TYPE_INT4, .mod = -1};
	int i;

	if (f->nargs < 2 || f->nargs > 3 || f->star || f->distinct)
		return no_function(x, f);
	for (i = 0; i < f->nargs; i++) {
		uint8_t id = f->args[i]->type.id;

		if (id == TYPE_INT8)
			t.id = TYPE_INT8;
		else if (!type_is_int(id) && id != TYPE_UNKNOWN &&
			 id != TYPE_NULL)
			return no_function(x, f);
	}
	for (i = 0; i < f->nargs; i++)
		if (coerce(&b, &f->args[i], t, CAST_IMPLICIT, NULL) < 0)
			return -EINVAL;
	*out = t;
	return 0;
}

/* Appends start, start + step, ... while not past stop; a next value
 * beyond the type's range ends the series, as in PostgreSQL. */
static int series_rows(struct exec_ctx *x, int64_t v, int64_t stop,
		       int64_t step, uint8_t type, struct result *res)
{
	uint64_t n = 0;

	while (step > 0 ? v <= stop : v >= stop) {
		struct datum *row = arena_alloc(x->a, sizeof(*row));

		if (!row)
			return db_err_oom(x->err);
		*row = datum_int(type, v);
		if (result_add(x, res, row) < 0)
			return -EINVAL;
		if (++n % SRF_CHECK_EVERY == 0 && exec_check_interrupt(x) < 0)
			return -EINVAL;
		if (__builtin_add_overflow(v, step, &v) ||
		    (type == TYPE_INT4 && (v > INT32_MAX || v < INT32_MIN)))
			break;
	}
	return 0;
}

static int generate_series(struct exec_ctx *x, struct expr *f,
			   struct result *res)
{
	struct eval_env env = {0};
	struct sql_type t;
	struct datum a[3];
	int i;

	if (series_type(x, f, &t) < 0)
		return -EINVAL;
	res->cols[0].type = t;
	if (x->describe_only)
		return 0;
	a[2] = datum_int(t.id, 1);
	for (i = 0; i < f->nargs; i++)
		if (eval(x, f->args[i], &env, &a[i]) < 0)
			return -EINVAL;
	if (a[0].null || a[1].null || a[2].null)
		return 0; /* strict: NULL in, no rows out */
	if (a[2].i == 0)
		return db_err(x->err, "22023", "step size cannot equal zero");
	return series_rows(x, a[0].i, a[1].i, a[2].i, t.id, res);
}

int srf_rows(struct exec_ctx *x, struct from_item *f, struct result *res)
{
	memset(res, 0, sizeof(*res));
	res->ncols = 1;
	res->cols = arena_alloc(x->a, sizeof(*res->cols));
	if (!res->cols)
		return db_err_oom(x->err);
	memset(res->cols, 0, sizeof(*res->cols));
	res->cols[0].name = f->alias ? f->alias : f->func->name;
	if (bind_args(x, f->func) < 0)
		return -EINVAL;
	if (!strcmp(f->func->name, "generate_series"))
		return generate_series(x, f->func, res);
	return no_function(x, f->func);
}
