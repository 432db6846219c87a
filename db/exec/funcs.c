/* SPDX-License-Identifier: MIT */
/* funcs.c: the built-in scalar functions (string, numeric and date
 * functions) and numeric arithmetic, bound and evaluated through one table.
 *
 * Each entry gives the argument kinds (a letter per argument: t text, i
 * integer, n numeric (integers widen), a any type shown as text; a final
 * '+' repeats the last letter, d a date or timestamp) and the result type
 * (TYPE_COUNT: the last argument's type). Binding coerces the
 * arguments as PostgreSQL's function resolution would for these
 * signatures; a call that matches no entry falls back to expr.c (and its
 * "function ... does not exist"). Strings are UTF-8: positions and lengths
 * count characters, as in a UTF8 database. */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <unidb/errno.h>

#include <unidb/time.h>

#include "../sql/datetime.h"
#include "../sql/numeric.h"
#include "../storage/table.h"
#include "../wal/redo.h"
#include "expr.h"

struct fn_call {
	struct exec_ctx *x;
	const struct expr *e;
	const struct datum *arg; /* evaluated, non-NULL unless the entry
				    takes NULLs */
	int n;
};

struct func {
	const char *name;
	const char *args; /* argument kinds, see the file comment */
	uint8_t ret;	  /* result type; TYPE_NULL: the first argument's */
	bool nulls;	  /* called with NULL arguments (else NULL -> NULL) */
	int (*fn)(struct fn_call *c, struct datum *out);
};

static struct sql_type fty(unsigned id)
{
	struct sql_type t = {(uint8_t)id, -1};
	return t;
}

/* ---- UTF-8 helpers ---------------------------------------------------- */

static bool cont(char c)
{
	return ((unsigned char)c & 0xc0) == 0x80;
}

static int64_t chars(const char *s, size_t n)
{
	int64_t c = 0;
	size_t i;

	for (i = 0; i < n; i++)
		c += !cont(s[i]);
	return c;
}

/* Byte offset of character k (clamped to [0, n]). */
static size_t char_off(const char *s, size_t n, int64_t k)
{
	size_t i = 0;

	if (k <= 0)
		return 0;
	for (i = 0; i < n; i++)
		if (!cont(s[i]) && k-- == 0)
			return i;
	return n;
}

static size_t char_len(const char *s, size_t n)
{
	size_t l = 1;

	while (l < n && cont(s[l]))
		l++;
	return n ? l : 0;
}

static int text_out(struct fn_call *c, const char *s, size_t n,
		    struct datum *out)
{
	*out = datum_str(TYPE_TEXT, s, (uint32_t)n);
	return 0;
}

static char *buf(struct fn_call *c, size_t n)
{
	char *p;

	if (n > (1u << 30)) {
		db_err(c->x->err, "54000", "requested length too large");
		return NULL;
	}
	p = arena_alloc(c->x->a, n + 1);
	if (!p)
		db_err_oom(c->x->err);
	return p;
}

/* ---- string functions ------------------------------------------------- */

static int f_substring(struct fn_call *c, struct datum *out)
{
	const struct datum *s = &c->arg[0];
	int64_t from = c->arg[1].i, end = INT64_MAX;
	size_t b, e;

	if (c->n == 3) {
		if (c->arg[2].i < 0)
			return db_err(c->x->err, "22011",
				      "negative substring length not allowed");
		end = from + c->arg[2].i;
	}
	if (from < 1)
		from = 1;
	if (end <= from)
		return text_out(c, "", 0, out);
	b = char_off(s->s, s->len, from - 1);
	e = end == INT64_MAX ? s->len : char_off(s->s, s->len, end - 1);
	return text_out(c, s->s + b, e - b, out);
}

static bool in_set(const char *ch, size_t l, const struct datum *set)
{
	size_t i, k;

	for (i = 0; i < set->len; i += k) {
		k = char_len(set->s + i, set->len - i);
		if (k == l && !memcmp(set->s + i, ch, l))
			return true;
	}
	return false;
}

static int trim_fn(struct fn_call *c, bool left, bool right, struct datum *out)
{
	struct datum blank = datum_str(TYPE_TEXT, " ", 1);
	const struct datum *set = c->n > 1 ? &c->arg[1] : &blank;
	const char *s = c->arg[0].s;
	size_t n = c->arg[0].len, l;

	while (left && n && in_set(s, (l = char_len(s, n)), set))
		s += l, n -= l;
	while (right && n) {
		size_t st = n - 1;

		while (st && cont(s[st]))
			st--;
		if (!in_set(s + st, n - st, set))
			break;
		n = st;
	}
	return text_out(c, s, n, out);
}

static int f_btrim(struct fn_call *c, struct datum *out)
{
	return trim_fn(c, true, true, out);
}

static int f_ltrim(struct fn_call *c, struct datum *out)
{
	return trim_fn(c, true, false, out);
}

static int f_rtrim(struct fn_call *c, struct datum *out)
{
	return trim_fn(c, false, true, out);
}

/* Byte offset of the first occurrence of needle in hay, or -1. */
static int64_t find(const char *hay, size_t n, const char *needle, size_t m,
		    size_t from)
{
	size_t i;

	for (i = from; i + m <= n; i++)
		if (!memcmp(hay + i, needle, m))
			return (int64_t)i;
	return -1;
}

static int f_strpos(struct fn_call *c, struct datum *out)
{
	int64_t at = find(c->arg[0].s, c->arg[0].len, c->arg[1].s,
			  c->arg[1].len, 0);

	*out = datum_int(TYPE_INT4, at < 0 ? 0 : chars(c->arg[0].s,
						       (size_t)at) + 1);
	return 0;
}

static int f_replace(struct fn_call *c, struct datum *out)
{
	const struct datum *s = &c->arg[0], *f = &c->arg[1], *t = &c->arg[2];
	struct strbuf sb = STRBUF_INIT;
	size_t i = 0, n;
	int64_t at;
	char *p;

	if (f->len == 0)
		return text_out(c, s->s, s->len, out);
	while ((at = find(s->s, s->len, f->s, f->len, i)) >= 0) {
		sb_put(&sb, s->s + i, (size_t)at - i);
		sb_put(&sb, t->s, t->len);
		i = (size_t)at + f->len;
	}
	sb_put(&sb, s->s + i, s->len - i);
	n = sb.len;
	p = sb.oom ? NULL : buf(c, n);
	if (p && n)
		memcpy(p, sb.p, n);
	sb_free(&sb);
	if (!p)
		return c->x->err->code[0] ? -EINVAL : db_err_oom(c->x->err);
	return text_out(c, p, n, out);
}

static int f_repeat(struct fn_call *c, struct datum *out)
{
	int64_t k = c->arg[1].i, i;
	size_t l = c->arg[0].len;
	char *p;

	if (k <= 0 || l == 0)
		return text_out(c, "", 0, out);
	if ((uint64_t)k > (1u << 30) / l)
		return db_err(c->x->err, "54000", "requested length too large");
	if (!(p = buf(c, l * (size_t)k)))
		return -EINVAL;
	for (i = 0; i < k; i++)
		memcpy(p + (size_t)i * l, c->arg[0].s, l);
	return text_out(c, p, l * (size_t)k, out);
}

static int f_left(struct fn_call *c, struct datum *out)
{
	const struct datum *s = &c->arg[0];
	int64_t k = c->arg[1].i, n = chars(s->s, s->len);

	k = k < 0 ? n + k : k;
	return text_out(c, s->s, char_off(s->s, s->len, k), out);
}

static int f_right(struct fn_call *c, struct datum *out)
{
	const struct datum *s = &c->arg[0];
	int64_t k = c->arg[1].i, n = chars(s->s, s->len);
	size_t b;

	k = k < 0 ? n + k : k;
	b = char_off(s->s, s->len, k < n ? n - k : 0);
	return text_out(c, s->s + b, s->len - b, out);
}

static int pad(struct fn_call *c, bool left, struct datum *out)
{
	const struct datum *s = &c->arg[0];
	struct datum blank = datum_str(TYPE_TEXT, " ", 1);
	const struct datum *fill = c->n > 2 ? &c->arg[2] : &blank;
	int64_t want = c->arg[1].i, have = chars(s->s, s->len), k;
	size_t i = 0, len = 0, l;
	char *p;

	if (want <= 0)
		return text_out(c, "", 0, out);
	if (have >= want || fill->len == 0)
		return text_out(c, s->s, char_off(s->s, s->len, want), out);
	if (want > (1 << 28))
		return db_err(c->x->err, "54000", "requested length too large");
	if (!(p = buf(c, s->len + (size_t)(want - have) * fill->len)))
		return -EINVAL;
	if (!left) {
		memcpy(p, s->s, s->len);
		len = s->len;
	}
	for (k = 0; k < want - have; k++) {
		if (i >= fill->len)
			i = 0;
		l = char_len(fill->s + i, fill->len - i);
		memcpy(p + len, fill->s + i, l);
		len += l, i += l;
	}
	if (left) {
		memcpy(p + len, s->s, s->len);
		len += s->len;
	}
	return text_out(c, p, len, out);
}

static int f_lpad(struct fn_call *c, struct datum *out)
{
	return pad(c, true, out);
}

static int f_rpad(struct fn_call *c, struct datum *out)
{
	return pad(c, false, out);
}

/* concat() prints each argument with its type's output function (so
 * char(n) keeps its blanks and booleans are t/f). */
static int f_concat(struct fn_call *c, struct datum *out)
{
	struct strbuf sb = STRBUF_INIT;
	size_t n;
	char *p;
	int i;

	for (i = 0; i < c->n; i++)
		datum_out(&sb, &c->arg[i]);
	n = sb.len;
	p = sb.oom ? NULL : buf(c, n);
	if (p && n)
		memcpy(p, sb.p, n);
	sb_free(&sb);
	if (!p)
		return c->x->err->code[0] ? -EINVAL : db_err_oom(c->x->err);
	return text_out(c, p, n, out);
}

static int f_starts_with(struct fn_call *c, struct datum *out)
{
	*out = datum_bool(c->arg[1].len <= c->arg[0].len &&
			  !memcmp(c->arg[0].s, c->arg[1].s, c->arg[1].len));
	return 0;
}

static int f_initcap(struct fn_call *c, struct datum *out)
{
	const struct datum *s = &c->arg[0];
	bool word = false;
	char *p;
	size_t i;

	if (!(p = buf(c, s->len)))
		return -EINVAL;
	for (i = 0; i < s->len; i++) {
		unsigned char ch = (unsigned char)s->s[i];

		p[i] = (char)(word ? tolower(ch) : toupper(ch));
		word = isalnum(ch) || ch >= 0x80;
	}
	return text_out(c, p, s->len, out);
}

static int f_reverse(struct fn_call *c, struct datum *out)
{
	const struct datum *s = &c->arg[0];
	size_t i, l;
	char *p;

	if (!(p = buf(c, s->len)))
		return -EINVAL;
	for (i = 0; i < s->len; i += l) {
		l = char_len(s->s + i, s->len - i);
		memcpy(p + s->len - i - l, s->s + i, l);
	}
	return text_out(c, p, s->len, out);
}

/* ---- numeric functions ------------------------------------------------ */

static int num_args(struct fn_call *c, struct numeric *v, int n)
{
	int i;

	for (i = 0; i < n; i++)
		if (numeric_of(c->x->a, &c->arg[i], &v[i], c->x->err) < 0)
			return -EINVAL;
	return 0;
}

static int round_fn(struct fn_call *c, enum numeric_round mode,
		    struct datum *out)
{
	struct numeric v, r;
	int64_t s = c->n > 1 ? c->arg[1].i : 0;

	if (num_args(c, &v, 1) < 0)
		return -EINVAL;
	if (s > NUMERIC_MAX_SCALE)
		s = NUMERIC_MAX_SCALE;
	if (s < -NUMERIC_MAX_SCALE)
		s = -NUMERIC_MAX_SCALE;
	if (numeric_round(c->x->a, &v, (int)s, mode, &r, c->x->err) < 0)
		return -EINVAL;
	return numeric_datum(c->x->a, &r, out, c->x->err);
}

static int f_round(struct fn_call *c, struct datum *out)
{
	return round_fn(c, NUM_ROUND, out);
}

static int f_trunc(struct fn_call *c, struct datum *out)
{
	return round_fn(c, NUM_TRUNC, out);
}

static int f_ceil(struct fn_call *c, struct datum *out)
{
	return round_fn(c, NUM_CEIL, out);
}

static int f_floor(struct fn_call *c, struct datum *out)
{
	return round_fn(c, NUM_FLOOR, out);
}

static int f_abs(struct fn_call *c, struct datum *out)
{
	struct numeric v;

	if (num_args(c, &v, 1) < 0)
		return -EINVAL;
	v.neg = false;
	return numeric_datum(c->x->a, &v, out, c->x->err);
}

static int f_sign(struct fn_call *c, struct datum *out)
{
	struct numeric v;
	uint8_t one = 1;

	if (num_args(c, &v, 1) < 0)
		return -EINVAL;
	v.n = v.n > 0; /* numeric_of normalizes: any digit is nonzero */
	v.d = &one;
	v.scale = 0;
	return numeric_datum(c->x->a, &v, out, c->x->err);
}

int numeric_arith(struct exec_ctx *x, int op, const struct datum *l,
		  const struct datum *r, struct datum *out)
{
	static const char small_op[] = {[OP_ADD] = '+', [OP_SUB] = '-',
					[OP_MUL] = '*'};
	struct numeric_small sa, sb, sv;
	struct numeric a, b, v;
	int rc;

	if (op < (int)sizeof(small_op) && small_op[op] &&
	    numeric_small_of(l, &sa) && numeric_small_of(r, &sb) &&
	    numeric_small_arith(small_op[op], &sa, &sb, &sv))
		return numeric_small_datum(x->a, &sv, out, x->err);
	if (numeric_of(x->a, l, &a, x->err) < 0 ||
	    numeric_of(x->a, r, &b, x->err) < 0)
		return -EINVAL;
	switch (op) {
	case OP_ADD: rc = numeric_add(x->a, &a, &b, &v, x->err); break;
	case OP_SUB: rc = numeric_sub(x->a, &a, &b, &v, x->err); break;
	case OP_MUL: rc = numeric_mul(x->a, &a, &b, &v, x->err); break;
	case OP_DIV: rc = numeric_div(x->a, &a, &b, &v, x->err); break;
	case OP_MOD: rc = numeric_mod(x->a, &a, &b, &v, x->err); break;
	case OP_NEG:
		v = b;
		v.neg = !v.neg && v.n > 0;
		rc = 0;
		break;
	default: return db_err(x->err, "XX000", "bad numeric operator");
	}
	return rc < 0 ? rc : numeric_datum(x->a, &v, out, x->err);
}

int numeric_int128(struct arena *a, __int128 v, struct datum *out,
		   struct db_error *err)
{
	struct numeric n;
	uint8_t b[40];

	numeric_from_i128(a, v, &n, b);
	return numeric_datum(a, &n, out, err);
}

int numeric_avg(struct arena *a, __int128 sum, int64_t count,
		struct datum *out, struct db_error *err)
{
	struct numeric s, c, q;
	uint8_t b1[40], b2[40];

	numeric_from_i128(a, sum, &s, b1);
	numeric_from_i128(a, count, &c, b2);
	if (numeric_div(a, &s, &c, &q, err) < 0)
		return -EINVAL;
	return numeric_datum(a, &q, out, err);
}

/* ---- real and double precision ------------------------------------- */

static bool is_finite(double v)
{
	return v - v == 0.0;
}

int float_arith(struct exec_ctx *x, unsigned type, int op,
		const struct datum *l, const struct datum *r,
		struct datum *out)
{
	double a = l->f, b = r->f, v;

	switch (op) {
	case OP_ADD: v = a + b; break;
	case OP_SUB: v = a - b; break;
	case OP_MUL: v = a * b; break;
	case OP_DIV:
		if (b == 0.0)
			return db_err(x->err, "22012", "division by zero");
		v = a / b;
		break;
	default: return db_err(x->err, "XX000", "bad float operator");
	}
	if (type == TYPE_FLOAT4)
		v = (float)v;
	if (!is_finite(v) && v == v && is_finite(a) && is_finite(b))
		return db_err(x->err, "22003", "value out of range: overflow");
	if (v == 0.0 && (op == OP_MUL || op == OP_DIV) && a != 0.0 &&
	    is_finite(b))
		return db_err(x->err, "22003", "value out of range: underflow");
	*out = datum_float(type, v);
	return 0;
}

/* Rounds to an integral value: rint (half to even), trunc, ceil, floor. */
static double fround(double v, enum numeric_round mode)
{
	const double big = 4503599627370496.0; /* 2^52 */
	double r;

	if (!(v < big && v > -big))
		return v; /* already integral, or NaN/infinite */
	r = v >= 0 ? (v + big) - big : (v - big) + big; /* half to even */
	if (mode == NUM_TRUNC)
		r = r > v && v >= 0 ? r - 1 : r < v && v < 0 ? r + 1 : r;
	else if (mode == NUM_CEIL && r < v)
		r += 1;
	else if (mode == NUM_FLOOR && r > v)
		r -= 1;
	if (r == 0 && (v < 0 || 1 / v < 0))
		r = -0.0; /* keeps the sign as rint() does */
	return r;
}

static int float_fn(struct fn_call *c, enum numeric_round mode,
		    struct datum *out)
{
	*out = datum_float(TYPE_FLOAT8, fround(c->arg[0].f, mode));
	return 0;
}

static int f_fround(struct fn_call *c, struct datum *out)
{
	return float_fn(c, NUM_ROUND, out);
}

static int f_ftrunc(struct fn_call *c, struct datum *out)
{
	return float_fn(c, NUM_TRUNC, out);
}

static int f_fceil(struct fn_call *c, struct datum *out)
{
	return float_fn(c, NUM_CEIL, out);
}

static int f_ffloor(struct fn_call *c, struct datum *out)
{
	return float_fn(c, NUM_FLOOR, out);
}

static int f_fabs(struct fn_call *c, struct datum *out)
{
	double v = c->arg[0].f;

	*out = datum_float(c->e->type.id, v < 0 || 1 / v < 0 ? -v : v);
	return 0;
}

static int f_fsign(struct fn_call *c, struct datum *out)
{
	double v = c->arg[0].f;

	*out = datum_float(TYPE_FLOAT8, v > 0 ? 1.0 : v < 0 ? -1.0 : v);
	return 0;
}

static int f_sqrt(struct fn_call *c, struct datum *out)
{
	double v = c->arg[0].f, r;

	if (v < 0)
		return db_err(c->x->err, "2201F",
			      "cannot take square root of a negative number");
	/* the instruction itself: no libm in the kernel */
	__asm__("sqrtsd %1, %0" : "=x"(r) : "x"(v));
	*out = datum_float(TYPE_FLOAT8, r);
	return 0;
}

/* random(): xorshift64* over one state shared by every session, seeded
 * from the wall clock at first use; 53 random bits -> [0, 1). */
static uint64_t rng_state;

static int f_random(struct fn_call *c, struct datum *out)
{
	uint64_t s = __atomic_load_n(&rng_state, __ATOMIC_RELAXED), n;

	do {
		n = s ? s : (uint64_t)time_wall_us() * 0x9e3779b97f4a7c15ull | 1;
		n ^= n >> 12;
		n ^= n << 25;
		n ^= n >> 27;
	} while (!__atomic_compare_exchange_n(&rng_state, &s, n, false,
					      __ATOMIC_RELAXED,
					      __ATOMIC_RELAXED));
	n *= 0x2545f4914f6cdd1dull;
	*out = datum_float(TYPE_FLOAT8, (double)(n >> 11) * (1.0 / 9007199254740992.0));
	return 0;
}

static int f_mod(struct fn_call *c, struct datum *out)
{
	if (c->e->type.id == TYPE_NUMERIC)
		return numeric_arith(c->x, OP_MOD, &c->arg[0], &c->arg[1], out);
	if (c->arg[1].i == 0)
		return db_err(c->x->err, "22012", "division by zero");
	*out = datum_int(c->e->type.id,
			 c->arg[1].i == -1 ? 0 : c->arg[0].i % c->arg[1].i);
	return 0;
}

/* ---- dates and times ------------------------------------------------- */

/* The statement's wall-clock time in microseconds from 2000-01-01, read
 * once so that every call in the statement agrees (as PostgreSQL's now()
 * is fixed for a transaction). */
static int64_t stmt_now(struct exec_ctx *x)
{
	if (!x->now_us)
		x->now_us = time_wall_us() -
			    (int64_t)UNIX_EPOCH_DAYS * USECS_PER_DAY;
	return x->now_us;
}

static int f_now(struct fn_call *c, struct datum *out)
{
	int64_t us = stmt_now(c->x);

	if (c->e->type.id == TYPE_DATE)
		us = us / USECS_PER_DAY;
	*out = datum_int(c->e->type.id, us);
	return 0;
}

static int f_extract(struct fn_call *c, struct datum *out)
{
	return datetime_extract(c->x->a, c->arg[0].s, c->arg[0].len, &c->arg[1],
				out, c->x->err);
}

/* date_part() is double precision in PostgreSQL; here it is extract()'s
 * numeric, printed without extract's trailing zeros. */
static int f_date_part(struct fn_call *c, struct datum *out)
{
	if (f_extract(c, out) < 0)
		return -EINVAL;
	if (memchr(out->s, '.', out->len)) {
		while (out->s[out->len - 1] == '0')
			out->len--;
		if (out->s[out->len - 1] == '.')
			out->len--;
	}
	return 0;
}

static int f_justify(struct fn_call *c, struct datum *out)
{
	return interval_fn_justify(c->x, c->e->name, &c->arg[0], out);
}

static int f_age(struct fn_call *c, struct datum *out)
{
	return interval_fn_age(c->x, c->arg, c->n, stmt_now(c->x), out);
}

static int f_date_trunc(struct fn_call *c, struct datum *out)
{
	return datetime_trunc(c->arg[0].s, c->arg[0].len, &c->arg[1], out,
			      c->x->err);
}

/* date + integer, integer + date, date - integer -> date; date - date ->
 * integer. Returns 1 if e is none of these. */
int datetime_bind_op(struct bind_ctx *b, struct expr *e)
{
	unsigned l = e->l->type.id, r = e->r->type.id;
	struct sql_type ti = fty(TYPE_INT4);
	int ir = interval_bind_op(b, e);

	if (ir <= 0)
		return ir;
	if (l != TYPE_DATE && r != TYPE_DATE)
		return 1;
	if (e->op == OP_SUB && l == TYPE_DATE &&
	    (r == TYPE_DATE || r == TYPE_UNKNOWN)) {
		if (r == TYPE_UNKNOWN &&
		    coerce(b, &e->r, fty(TYPE_DATE), CAST_IMPLICIT, NULL) < 0)
			return -EINVAL;
		e->type = ti;
		return 0;
	}
	if ((e->op == OP_ADD || e->op == OP_SUB) && l == TYPE_DATE &&
	    (type_is_int(r) || r == TYPE_UNKNOWN)) {
		if (coerce(b, &e->r, ti, CAST_IMPLICIT, NULL) < 0)
			return -EINVAL;
		e->type = fty(TYPE_DATE);
		return 0;
	}
	if (e->op == OP_ADD && r == TYPE_DATE &&
	    (type_is_int(l) || l == TYPE_UNKNOWN)) {
		if (coerce(b, &e->l, ti, CAST_IMPLICIT, NULL) < 0)
			return -EINVAL;
		e->type = fty(TYPE_DATE);
		return 0;
	}
	return 1;
}

int datetime_eval_op(struct exec_ctx *x, const struct expr *e,
		     const struct datum *a, const struct datum *c,
		     struct datum *out)
{
	int64_t v;

	if (e->type.id == TYPE_INT4) { /* date - date */
		*out = datum_int(TYPE_INT4, a->i - c->i);
		return 0;
	}
	v = e->op == OP_SUB ? a->i - c->i : a->i + c->i;
	if (v < days_from_ymd(1, 1, 1) || v >= days_from_ymd(5874898, 1, 1))
		return db_err(x->err, "22008", "date out of range");
	*out = datum_int(TYPE_DATE, v);
	return 0;
}

/* pg_current_wal_lsn(): the redo log's end as PostgreSQL prints an LSN
 * ("hi/lo" in hex), text here (unidb has no pg_lsn type); "0/0" without
 * a log. bench/recovery reads it to bring both systems to the same log
 * volume. */
static int f_wal_lsn(struct fn_call *c, struct datum *out)
{
	struct redo *r = c->x->db->redo;
	uint64_t lsn = r ? wal_end(&r->wal) : 0;
	char s[24], *p;
	int n = snprintf(s, sizeof(s), "%X/%X", (unsigned)(lsn >> 32),
			 (unsigned)lsn);

	if (!(p = buf(c, (size_t)n)))
		return -EINVAL;
	memcpy(p, s, (size_t)n);
	return text_out(c, p, (size_t)n, out);
}

/* unidb_shutdown(): a clean stop (unidb's own; PostgreSQL's is pg_ctl
 * stop): the checkpointer (db/server/durable.c) writes a checkpoint, so
 * the next boot replays nothing, and powers the machine off. Returns
 * once asked; the server goes away within a moment. */
static int f_shutdown(struct fn_call *c, struct datum *out)
{
	struct redo *r = c->x->db->redo;

	if (!r)
		return db_err(c->x->err, "55000",
			      "unidb_shutdown() needs a database disk: in "
			      "memory there is nothing to keep");
	__atomic_store_n(&r->stop, true, __ATOMIC_RELEASE);
	*out = datum_bool(true);
	return 0;
}

/* ---- the table -------------------------------------------------------- */

static const struct func funcs[] = {
	{"substring", "tii", TYPE_TEXT, false, f_substring},
	{"substring", "ti", TYPE_TEXT, false, f_substring},
	{"substr", "tii", TYPE_TEXT, false, f_substring},
	{"substr", "ti", TYPE_TEXT, false, f_substring},
	{"btrim", "tt", TYPE_TEXT, false, f_btrim},
	{"btrim", "t", TYPE_TEXT, false, f_btrim},
	{"ltrim", "tt", TYPE_TEXT, false, f_ltrim},
	{"ltrim", "t", TYPE_TEXT, false, f_ltrim},
	{"rtrim", "tt", TYPE_TEXT, false, f_rtrim},
	{"rtrim", "t", TYPE_TEXT, false, f_rtrim},
	{"position", "tt", TYPE_INT4, false, f_strpos},
	{"strpos", "tt", TYPE_INT4, false, f_strpos},
	{"replace", "ttt", TYPE_TEXT, false, f_replace},
	{"repeat", "ti", TYPE_TEXT, false, f_repeat},
	{"left", "ti", TYPE_TEXT, false, f_left},
	{"right", "ti", TYPE_TEXT, false, f_right},
	{"lpad", "tit", TYPE_TEXT, false, f_lpad},
	{"lpad", "ti", TYPE_TEXT, false, f_lpad},
	{"rpad", "tit", TYPE_TEXT, false, f_rpad},
	{"rpad", "ti", TYPE_TEXT, false, f_rpad},
	{"concat", "a+", TYPE_TEXT, true, f_concat},
	{"starts_with", "tt", TYPE_BOOL, false, f_starts_with},
	{"initcap", "t", TYPE_TEXT, false, f_initcap},
	{"reverse", "t", TYPE_TEXT, false, f_reverse},
	{"round", "F", TYPE_FLOAT8, false, f_fround},
	{"trunc", "F", TYPE_FLOAT8, false, f_ftrunc},
	{"ceil", "F", TYPE_FLOAT8, false, f_fceil},
	{"ceiling", "F", TYPE_FLOAT8, false, f_fceil},
	{"floor", "F", TYPE_FLOAT8, false, f_ffloor},
	{"abs", "G", TYPE_COUNT, false, f_fabs},
	{"sign", "F", TYPE_FLOAT8, false, f_fsign},
	{"sqrt", "q", TYPE_FLOAT8, false, f_sqrt},
	{"random", "", TYPE_FLOAT8, false, f_random},
	{"round", "ni", TYPE_NUMERIC, false, f_round},
	{"round", "n", TYPE_NUMERIC, false, f_round},
	{"trunc", "ni", TYPE_NUMERIC, false, f_trunc},
	{"trunc", "n", TYPE_NUMERIC, false, f_trunc},
	{"ceil", "n", TYPE_NUMERIC, false, f_ceil},
	{"ceiling", "n", TYPE_NUMERIC, false, f_ceil},
	{"floor", "n", TYPE_NUMERIC, false, f_floor},
	{"abs", "N", TYPE_NUMERIC, false, f_abs},
	{"sign", "n", TYPE_NUMERIC, false, f_sign},
	{"mod", "mm", TYPE_NULL, false, f_mod},
	{"now", "", TYPE_TIMESTAMPTZ, false, f_now},
	{"pg_current_wal_lsn", "", TYPE_TEXT, false, f_wal_lsn},
	{"unidb_shutdown", "", TYPE_BOOL, false, f_shutdown},
	{"current_timestamp", "", TYPE_TIMESTAMPTZ, false, f_now},
	{"localtimestamp", "", TYPE_TIMESTAMP, false, f_now},
	{"current_date", "", TYPE_DATE, false, f_now},
	{"extract", "td", TYPE_NUMERIC, false, f_extract},
	{"date_part", "td", TYPE_NUMERIC, false, f_date_part},
	{"date_trunc", "td", TYPE_COUNT, false, f_date_trunc},
	{"justify_hours", "v", TYPE_INTERVAL, false, f_justify},
	{"justify_days", "v", TYPE_INTERVAL, false, f_justify},
	{"justify_interval", "v", TYPE_INTERVAL, false, f_justify},
	{"age", "dd", TYPE_INTERVAL, false, f_age},
	{"age", "d", TYPE_INTERVAL, false, f_age},
};

/* Whether argument kind k accepts type id (before coercion). */
static bool kind_accepts(char k, unsigned id)
{
	bool untyped = id == TYPE_UNKNOWN || id == TYPE_NULL;

	switch (k) {
	case 't': return untyped || type_is_text(id);
	case 'i': return untyped || type_is_int(id);
	case 'n':
	case 'm': return untyped || type_is_int(id) || id == TYPE_NUMERIC;
	case 'N': return id == TYPE_NUMERIC;
	case 'd': return type_is_datetime(id) || id == TYPE_INTERVAL;
	case 'v': return untyped || id == TYPE_INTERVAL;
	case 'F': return type_is_float(id) || type_is_int(id);
	case 'G': return type_is_float(id);
	case 'q': return untyped || type_is_float(id) || type_is_int(id) ||
			 id == TYPE_NUMERIC;
	default: return true; /* 'a' */
	}
}

static char kind_at(const char *args, int i)
{
	size_t n = strlen(args);

	if (n && args[n - 1] == '+' && (size_t)i >= n - 2)
		return args[n - 2];
	return (size_t)i < n ? args[i] : 0;
}

static bool matches(const struct func *f, const struct expr *e)
{
	size_t n = strlen(f->args);
	bool more = n && f->args[n - 1] == '+';
	int i;

	if (more ? (size_t)e->nargs < n - 1 : (size_t)e->nargs != n)
		return false;
	for (i = 0; i < e->nargs; i++)
		if (!kind_accepts(kind_at(f->args, i), e->args[i]->type.id))
			return false;
	return true;
}

/* mod(a, b): integers keep the wider integer type, else numeric. */
static unsigned mod_type(const struct expr *e)
{
	unsigned a = e->args[0]->type.id, b = e->args[1]->type.id;

	if (a == TYPE_NUMERIC || b == TYPE_NUMERIC ||
	    (!type_is_int(a) && !type_is_int(b)))
		return TYPE_NUMERIC;
	if (!type_is_int(a))
		return b;
	if (!type_is_int(b))
		return a;
	return a == TYPE_INT8 || b == TYPE_INT8	  ? TYPE_INT8
	       : a == TYPE_INT4 || b == TYPE_INT4 ? TYPE_INT4
						  : TYPE_INT2;
}

int func_bind(struct bind_ctx *b, struct expr *e)
{
	const struct func *f = NULL;
	unsigned k, ret;
	int i;

	for (k = 0; k < sizeof(funcs) / sizeof(funcs[0]) && !f; k++)
		if (!strcmp(funcs[k].name, e->name) && matches(&funcs[k], e))
			f = &funcs[k];
	if (!f)
		return 1;
	ret = f->ret == TYPE_NULL    ? mod_type(e)
	      : f->ret == TYPE_COUNT ? e->args[e->nargs - 1]->type.id
				     : f->ret;
	for (i = 0; i < e->nargs; i++) {
		char kd = kind_at(f->args, i);
		struct sql_type t = fty(kd == 't' || kd == 'a' ? TYPE_TEXT
					: kd == 'i'	       ? TYPE_INT4
					: kd == 'v'	       ? TYPE_INTERVAL
					: kd == 'm' || kd == 'G' ? ret
					: kd == 'F' || kd == 'q' ? TYPE_FLOAT8
							       : TYPE_NUMERIC);

		if ((kd == 'i' && type_is_int(e->args[i]->type.id)) || kd == 'd')
			continue;
		if (kd == 'a' && e->args[i]->type.id != TYPE_UNKNOWN)
			continue; /* printed by its output function */
		if (coerce(b, &e->args[i], t, CAST_IMPLICIT, NULL) < 0)
			return -EINVAL;
	}
	e->type = fty(ret);
	e->fn = f;
	return 0;
}

int func_eval(struct exec_ctx *x, const struct expr *e,
	      const struct eval_env *env, struct datum *out)
{
	const struct func *f = e->fn;
	struct datum small[4], *args = small;
	struct fn_call c = {x, e, NULL, e->nargs};
	int i;

	if (e->nargs > 4 &&
	    !(args = arena_alloc(x->a, sizeof(*args) * (size_t)e->nargs)))
		return db_err_oom(x->err);
	for (i = 0; i < e->nargs; i++) {
		if (eval(x, e->args[i], env, &args[i]) < 0)
			return -EINVAL;
		if (args[i].null && !f->nulls) {
			*out = datum_null(e->type.id);
			return 0;
		}
	}
	c.arg = args;
	return f->fn(&c, out);
}
