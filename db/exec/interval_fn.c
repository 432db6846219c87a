/* SPDX-License-Identifier: MIT */
/* interval_fn.c: the interval operators and functions (db/sql/interval.h
 * does the arithmetic).
 *
 * Operators, with PostgreSQL's result types:
 *   date|timestamp|timestamptz +/- interval, interval + date|timestamp...
 *     -> timestamp (date's result), timestamp, timestamptz;
 *   timestamp[tz] - timestamp[tz] (a date operand widens) -> interval;
 *   interval +/- interval, - interval -> interval;
 *   interval * number, number * interval, interval / number -> interval.
 * An untyped literal beside an interval, or added to a timestamp, is an
 * interval ('1 day'); subtracted from a timestamp it is a timestamp, as
 * in PostgreSQL. date - date stays an integer (funcs.c). */
#include <string.h>
#include <unidb/errno.h>

#include "../sql/datetime.h"
#include "../sql/interval.h"
#include "expr.h"

static struct sql_type ity(unsigned id)
{
	struct sql_type t = {(uint8_t)id, -1};
	return t;
}

static bool is_ts(unsigned id)
{
	return id == TYPE_TIMESTAMP || id == TYPE_TIMESTAMPTZ;
}

static bool is_number(unsigned id)
{
	return type_is_int(id) || type_is_float(id) || id == TYPE_NUMERIC;
}

/* Binds e (l op r, op one of + - * / %) when it involves an interval or
 * subtracts timestamps; 1 if it does not. */
int interval_bind_op(struct bind_ctx *b, struct expr *e)
{
	unsigned l = e->l->type.id, r = e->r->type.id;
	bool add = e->op == OP_ADD, sub = e->op == OP_SUB;

	if ((add || sub) && is_ts(l) && r == TYPE_UNKNOWN) {
		/* PostgreSQL: timestamp + interval, timestamp - timestamp */
		if (coerce(b, &e->r, ity(add ? TYPE_INTERVAL : l), CAST_IMPLICIT,
			   NULL) < 0)
			return -EINVAL;
		r = add ? TYPE_INTERVAL : l;
	}
	if (l == TYPE_INTERVAL && r == TYPE_UNKNOWN && (add || sub)) {
		if (coerce(b, &e->r, ity(TYPE_INTERVAL), CAST_IMPLICIT, NULL) < 0)
			return -EINVAL;
		r = TYPE_INTERVAL;
	}
	if (sub && ((is_ts(l) && type_is_datetime(r)) ||
		    (is_ts(r) && l == TYPE_DATE))) {
		unsigned to = l == TYPE_TIMESTAMPTZ || r == TYPE_TIMESTAMPTZ
				      ? TYPE_TIMESTAMPTZ
				      : TYPE_TIMESTAMP;

		if (coerce(b, &e->l, ity(to), CAST_IMPLICIT, NULL) < 0 ||
		    coerce(b, &e->r, ity(to), CAST_IMPLICIT, NULL) < 0)
			return -EINVAL;
		e->type = ity(TYPE_INTERVAL);
		return 0;
	}
	if ((add || sub) && type_is_datetime(l) && r == TYPE_INTERVAL) {
		e->type = ity(l == TYPE_DATE ? TYPE_TIMESTAMP : l);
		return 0;
	}
	if (add && l == TYPE_INTERVAL && type_is_datetime(r)) {
		e->type = ity(r == TYPE_DATE ? TYPE_TIMESTAMP : r);
		return 0;
	}
	if ((add || sub) && l == TYPE_INTERVAL && r == TYPE_INTERVAL) {
		e->type = ity(TYPE_INTERVAL);
		return 0;
	}
	if (((e->op == OP_MUL || e->op == OP_DIV) && l == TYPE_INTERVAL &&
	     (is_number(r) || r == TYPE_UNKNOWN)) ||
	    (e->op == OP_MUL && r == TYPE_INTERVAL &&
	     (is_number(l) || l == TYPE_UNKNOWN))) {
		struct expr **n = l == TYPE_INTERVAL ? &e->r : &e->l;

		if (coerce(b, n, ity(TYPE_FLOAT8), CAST_IMPLICIT, NULL) < 0)
			return -EINVAL;
		e->type = ity(TYPE_INTERVAL);
		return 0;
	}
	return 1;
}

static int64_t as_timestamp(const struct datum *d)
{
	return d->type == TYPE_DATE ? d->i * USECS_PER_DAY : d->i;
}

int interval_eval_op(struct exec_ctx *x, const struct expr *e,
		     const struct datum *a, const struct datum *c,
		     struct datum *out)
{
	struct interval u, v, r;
	int sign = e->op == OP_SUB ? -1 : 1;
	int64_t ts;

	if (type_is_datetime(a->type) && type_is_datetime(c->type)) {
		r = timestamp_diff(a->i, c->i);
		return interval_datum(x->a, &r, out, x->err);
	}
	if (type_is_datetime(a->type) || type_is_datetime(c->type)) {
		const struct datum *t = type_is_datetime(a->type) ? a : c;

		u = interval_of(t == a ? c : a);
		if (timestamp_add_interval(as_timestamp(t), &u, sign, &ts,
					   x->err) < 0)
			return -EINVAL;
		*out = datum_int(e->type.id, ts);
		return 0;
	}
	if (a->type == TYPE_INTERVAL && c->type == TYPE_INTERVAL) {
		u = interval_of(a);
		v = interval_of(c);
		if (interval_add(&u, &v, sign, &r, x->err) < 0)
			return -EINVAL;
		return interval_datum(x->a, &r, out, x->err);
	}
	u = interval_of(a->type == TYPE_INTERVAL ? a : c);
	if (interval_scale(&u, a->type == TYPE_INTERVAL ? c->f : a->f,
			   e->op == OP_DIV, &r, x->err) < 0)
		return -EINVAL;
	return interval_datum(x->a, &r, out, x->err);
}

int interval_eval_neg(struct exec_ctx *x, const struct datum *a,
		      struct datum *out)
{
	struct interval zero = {0}, v = interval_of(a), r;

	if (interval_add(&zero, &v, -1, &r, x->err) < 0)
		return -EINVAL;
	return interval_datum(x->a, &r, out, x->err);
}

/* justify_hours, justify_days, justify_interval. */
int interval_fn_justify(struct exec_ctx *x, const char *name,
			const struct datum *a, struct datum *out)
{
	struct interval v = interval_of(a);

	interval_justify(&v, strcmp(name, "justify_days") != 0,
			 strcmp(name, "justify_hours") != 0);
	return interval_datum(x->a, &v, out, x->err);
}

/* age(a, b); age(a) is age(midnight of today, a). */
int interval_fn_age(struct exec_ctx *x, const struct datum *args, int n,
		    int64_t now_us, struct datum *out)
{
	int64_t today = now_us - (now_us % USECS_PER_DAY + USECS_PER_DAY) %
					 USECS_PER_DAY;
	struct interval v =
		n == 1 ? timestamp_age(today, as_timestamp(&args[0]))
		       : timestamp_age(as_timestamp(&args[0]),
				       as_timestamp(&args[1]));

	return interval_datum(x->a, &v, out, x->err);
}
