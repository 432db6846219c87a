/* SPDX-License-Identifier: MIT */
/* value.c: SQL types, input/output, casts and comparison (see value.h).
 *
 * Integer arithmetic elsewhere is done in __int128 and narrowed through
 * int_check(), so that every overflow is caught in one place with the
 * message PostgreSQL prints ("integer out of range"). */
#include "value.h"

#include <ctype.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unidb/errno.h>

#include "datetime.h"
#include "float.h"
#include "interval.h"
#include "numeric.h"

static const struct type_info types[TYPE_COUNT] = {
	[TYPE_NULL] = {"unknown", "unknown", 705, -2},
	[TYPE_BOOL] = {"boolean", "bool", 16, 1},
	[TYPE_INT2] = {"smallint", "int2", 21, 2},
	[TYPE_INT4] = {"integer", "int4", 23, 4},
	[TYPE_INT8] = {"bigint", "int8", 20, 8},
	[TYPE_TEXT] = {"text", "text", 25, -1},
	[TYPE_VARCHAR] = {"character varying", "varchar", 1043, -1},
	[TYPE_UNKNOWN] = {"unknown", "unknown", 705, -2},
	[TYPE_NUMERIC] = {"numeric", "numeric", 1700, -1},
	[TYPE_BPCHAR] = {"character", "bpchar", 1042, -1},
	[TYPE_DATE] = {"date", "date", 1082, 4},
	[TYPE_TIMESTAMP] = {"timestamp without time zone", "timestamp", 1114, 8},
	[TYPE_TIMESTAMPTZ] = {"timestamp with time zone", "timestamptz", 1184,
			      8},
	[TYPE_FLOAT4] = {"real", "float4", 700, 4},
	[TYPE_FLOAT8] = {"double precision", "float8", 701, 8},
	[TYPE_INTERVAL] = {"interval", "interval", 1186, 16},
};

const struct type_info *type_info(unsigned id)
{
	return &types[id < TYPE_COUNT ? id : TYPE_NULL];
}

unsigned type_class(unsigned id)
{
	return type_is_int(id)	  ? TYPE_INT8
	       : type_is_text(id)	  ? TYPE_TEXT
	       : type_is_float(id) ? TYPE_FLOAT8
				   : id;
}

const char *type_display(struct sql_type t, char *buf, size_t size)
{
	if (t.id == TYPE_VARCHAR && t.mod >= 0)
		snprintf(buf, size, "character varying(%d)", (int)t.mod);
	else if (t.id == TYPE_BPCHAR && t.mod >= 0)
		snprintf(buf, size, "character(%d)", (int)t.mod);
	else if (t.id == TYPE_NUMERIC && t.mod >= 0)
		snprintf(buf, size, "numeric(%d,%d)", (int)(t.mod >> 16),
			 (int)(t.mod & 0xffff));
	else
		snprintf(buf, size, "%s", type_info(t.id)->name);
	return buf;
}

int32_t type_wire_mod(struct sql_type t)
{
	return (t.id == TYPE_VARCHAR || t.id == TYPE_NUMERIC ||
		t.id == TYPE_BPCHAR) && t.mod >= 0
		       ? t.mod + 4
		       : -1;
}

int int_check(unsigned type, __int128 v, struct db_error *err)
{
	int64_t lo = LLONG_MIN, hi = LLONG_MAX;

	if (type == TYPE_INT2)
		lo = SHRT_MIN, hi = SHRT_MAX;
	else if (type == TYPE_INT4)
		lo = INT_MIN, hi = INT_MAX;
	if (v >= lo && v <= hi)
		return 0;
	return db_err(err, "22003", "%s out of range", type_info(type)->name);
}

void datum_out(struct strbuf *sb, const struct datum *d)
{
	if (d->null)
		return;
	switch (d->type) {
	case TYPE_BOOL:
		sb_putc(sb, d->i ? 't' : 'f');
		break;
	case TYPE_INT2:
	case TYPE_INT4:
	case TYPE_INT8:
		sb_printf(sb, "%lld", (long long)d->i);
		break;
	case TYPE_DATE:
	case TYPE_TIMESTAMP:
	case TYPE_TIMESTAMPTZ:
		datetime_out(sb, d);
		break;
	case TYPE_FLOAT4:
	case TYPE_FLOAT8:
		float_out(sb, d->f, d->type == TYPE_FLOAT4);
		break;
	case TYPE_INTERVAL:
		interval_out(sb, d);
		break;
	default:
		sb_put(sb, d->s, d->len);
	}
}

static void trim(const char **s, size_t *n)
{
	while (*n && isspace((unsigned char)**s))
		(*s)++, (*n)--;
	while (*n && isspace((unsigned char)(*s)[*n - 1]))
		(*n)--;
}

static int bad_syntax(struct db_error *err, unsigned type, const char *s,
		      size_t n)
{
	return db_err(err, "22P02", "invalid input syntax for type %s: \"%.*s\"",
		      type_info(type)->name, (int)(n > 200 ? 200 : n), s);
}

static int int_in(unsigned type, const char *s0, size_t n0, struct datum *out,
		  struct db_error *err)
{
	const char *s = s0;
	size_t n = n0, i = 0;
	bool neg = false;
	__int128 v = 0;

	trim(&s, &n);
	if (i < n && (s[i] == '-' || s[i] == '+'))
		neg = s[i++] == '-';
	if (i == n)
		return bad_syntax(err, type, s0, n0);
	for (; i < n; i++) {
		if (!isdigit((unsigned char)s[i]))
			return bad_syntax(err, type, s0, n0);
		if (v < ((__int128)1 << 80))
			v = v * 10 + (s[i] - '0');
	}
	if (neg)
		v = -v;
	if (int_check(type, v, err) < 0)
		return db_err(err, "22003",
			      "value \"%.*s\" is out of range for type %s",
			      (int)(n0 > 200 ? 200 : n0), s0,
			      type_info(type)->name);
	*out = datum_int(type, (int64_t)v);
	return 0;
}

/* PostgreSQL's boolin: any unambiguous prefix of true/false/yes/no, on/off
 * (at least two letters), 1/0, case-insensitive, blanks around. */
static int bool_in(const char *s0, size_t n0, struct datum *out,
		   struct db_error *err)
{
	static const struct {
		const char *word;
		size_t min;
		bool val;
	} words[] = {{"true", 1, true},	 {"false", 1, false}, {"yes", 1, true},
		     {"no", 1, false},	 {"on", 2, true},     {"off", 2, false},
		     {"1", 1, true},	 {"0", 1, false}};
	const char *s = s0;
	size_t n = n0, i;

	trim(&s, &n);
	for (i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
		size_t wl = strlen(words[i].word), k;

		if (n < words[i].min || n > wl)
			continue;
		for (k = 0; k < n; k++)
			if (tolower((unsigned char)s[k]) != words[i].word[k])
				break;
		if (k == n) {
			*out = datum_bool(words[i].val);
			return 0;
		}
	}
	return bad_syntax(err, TYPE_BOOL, s0, n0);
}

static int varchar_fit(const struct datum *d, struct sql_type t, bool explicit,
		       struct datum *out, struct db_error *err);
static int bpchar_fit(struct arena *a, const struct datum *d,
		      struct sql_type t, bool explicit, struct datum *out,
		      struct db_error *err);

/* A numeric value fitted to numeric(p,s) (mod < 0: as it is). */
static int numeric_fit(struct arena *a, const struct numeric *v, int32_t mod,
		       struct datum *out, struct db_error *err)
{
	struct numeric r;

	if (numeric_typmod(a, v, mod, &r, err) < 0)
		return -EINVAL;
	return numeric_datum(a, &r, out, err);
}

int datum_in(struct arena *a, struct sql_type t, const char *s, size_t n,
	     struct datum *out, struct db_error *err)
{
	struct datum d;
	struct numeric v;

	switch (t.id) {
	case TYPE_NUMERIC:
		if (numeric_parse(a, s, n, &v, err) < 0)
			return -EINVAL;
		return numeric_fit(a, &v, t.mod, out, err);
	case TYPE_BOOL:
		return bool_in(s, n, out, err);
	case TYPE_INT2:
	case TYPE_INT4:
	case TYPE_INT8:
		return int_in(t.id, s, n, out, err);
	case TYPE_VARCHAR:
		d = datum_str(TYPE_VARCHAR, s, (uint32_t)n);
		return varchar_fit(&d, t, false, out, err);
	case TYPE_BPCHAR:
		d = datum_str(TYPE_BPCHAR, s, (uint32_t)n);
		return bpchar_fit(a, &d, t, false, out, err);
	case TYPE_DATE:
	case TYPE_TIMESTAMP:
	case TYPE_TIMESTAMPTZ:
		return datetime_in(t.id, s, n, out, err);
	case TYPE_FLOAT4:
	case TYPE_FLOAT8:
		out->type = (uint8_t)t.id;
		out->null = false;
		return float_parse(s, n, t.id == TYPE_FLOAT4, &out->f, err);
	case TYPE_INTERVAL:
		return interval_in(a, s, n, t.mod, out, err);
	default:
		*out = datum_str(t.id == TYPE_NULL ? TYPE_TEXT : t.id, s,
				 (uint32_t)n);
		return 0;
	}
}

/* Characters (UTF-8 code points) in s[0..n). */
static size_t utf8_chars(const char *s, size_t n)
{
	size_t i, c = 0;

	for (i = 0; i < n; i++)
		c += ((unsigned char)s[i] & 0xc0) != 0x80;
	return c;
}

/* Byte length of the first k characters of s[0..n). */
static size_t utf8_prefix(const char *s, size_t n, size_t k)
{
	size_t i, c = 0;

	for (i = 0; i < n; i++) {
		if (((unsigned char)s[i] & 0xc0) != 0x80 && c++ == k)
			return i;
	}
	return n;
}

/* varchar(n): an explicit cast truncates; an assignment fails unless the
 * excess is blanks (PostgreSQL's varchar semantics). */
static int varchar_fit(const struct datum *d, struct sql_type t, bool explicit,
		       struct datum *out, struct db_error *err)
{
	size_t keep, i;
	char tn[64];

	*out = *d;
	out->type = TYPE_VARCHAR;
	if (d->null || t.mod < 0 || utf8_chars(d->s, d->len) <= (size_t)t.mod)
		return 0;
	keep = utf8_prefix(d->s, d->len, (size_t)t.mod);
	if (!explicit) {
		for (i = keep; i < d->len; i++)
			if (d->s[i] != ' ')
				return db_err(err, "22001",
					      "value too long for type %s",
					      type_display(t, tn, sizeof(tn)));
	}
	out->len = (uint32_t)keep;
	return 0;
}

/* Bytes of s[0..n) without its trailing blanks (char(n) ignores them). */
static uint32_t bpchar_len(const char *s, uint32_t n)
{
	while (n && s[n - 1] == ' ')
		n--;
	return n;
}

/* char(n): as varchar(n), then padded with blanks to n characters. */
static int bpchar_fit(struct arena *a, const struct datum *d,
		      struct sql_type t, bool explicit, struct datum *out,
		      struct db_error *err)
{
	struct sql_type vt = {TYPE_VARCHAR, t.mod};
	size_t have, pad;
	char *p, tn[64];

	if (varchar_fit(d, vt, explicit, out, err) < 0) {
		if (err->code[0])
			db_err(err, "22001", "value too long for type %s",
			       type_display(t, tn, sizeof(tn)));
		return -EINVAL;
	}
	out->type = TYPE_BPCHAR;
	if (d->null || t.mod < 0)
		return 0;
	have = utf8_chars(out->s, out->len);
	if (have >= (size_t)t.mod)
		return 0;
	pad = (size_t)t.mod - have;
	p = arena_alloc(a, out->len + pad + 1);
	if (!p)
		return db_err_oom(err);
	memcpy(p, out->s, out->len);
	memset(p + out->len, ' ', pad);
	*out = datum_str(TYPE_BPCHAR, p, out->len + (uint32_t)pad);
	return 0;
}

/* The implicit and assignment casts among dates and timestamps. */
static bool datetime_cast_kind(unsigned from, unsigned to,
			       enum cast_kind kind)
{
	if (from == TYPE_DATE || (from == TYPE_TIMESTAMP &&
				  to == TYPE_TIMESTAMPTZ))
		return true; /* widening: implicit */
	return kind != CAST_IMPLICIT;
}

/* date <-> timestamp <-> timestamptz (UTC: the same instant). */
static int datetime_convert(const struct datum *d, unsigned to,
			    struct datum *out, struct db_error *err)
{
	int64_t v = d->i;

	if (d->type == TYPE_DATE && to != TYPE_DATE) {
		v *= USECS_PER_DAY;
		if (timestamp_check(v, err) < 0)
			return -EINVAL;
	} else if (d->type != TYPE_DATE && to == TYPE_DATE) {
		v = v >= 0 ? v / USECS_PER_DAY
			   : -((-v + USECS_PER_DAY - 1) / USECS_PER_DAY);
	}
	*out = datum_int(to, v);
	return 0;
}

/* Rounds half to even, as rint() in the default rounding mode. */
double round_even(double v)
{
	const double big = 4503599627370496.0; /* 2^52: no fraction bits */

	if (!(v < big && v > -big))
		return v;
	return v >= 0 ? (v + big) - big : (v - big) + big;
}

/* Casts to and from real and double precision. */
static int float_cast(struct arena *a, const struct datum *d,
		      struct sql_type t, struct datum *out,
		      struct db_error *err)
{
	struct strbuf sb = STRBUF_INIT;
	double v;
	int r;

	if (type_is_float(d->type) && type_is_float(t.id)) {
		v = d->f;
		if (t.id == TYPE_FLOAT4) {
			float f = (float)v;

			if (v == v && (f - f != 0.0f) && (v - v == 0.0))
				return db_err(err, "22003",
					      "value out of range: overflow");
			if (f == 0.0f && v != 0.0)
				return db_err(err, "22003",
					      "value out of range: underflow");
			v = f;
		}
		*out = datum_float(t.id, v);
		return 0;
	}
	if (type_is_int(d->type)) {
		v = (double)d->i;
		*out = datum_float(t.id, t.id == TYPE_FLOAT4 ? (float)v : v);
		return 0;
	}
	if (d->type == TYPE_NUMERIC) { /* through the decimal text */
		if (float_parse(d->s, d->len, t.id == TYPE_FLOAT4, &v, err) < 0)
			return -EINVAL;
		*out = datum_float(t.id, v);
		return 0;
	}
	if (!type_is_float(d->type))
		return db_err(err, "42846", "cannot cast type %s to %s",
			      type_info(d->type)->name, type_info(t.id)->name);
	v = d->f;
	if (type_is_int(t.id)) {
		v = round_even(v);
		if (v != v || v >= 9223372036854775808.0 ||
		    v < -9223372036854775808.0)
			return int_check(t.id, (__int128)1 << 100, err);
		if (int_check(t.id, (int64_t)v, err) < 0)
			return -EINVAL;
		*out = datum_int(t.id, (int64_t)v);
		return 0;
	}
	/* to numeric: the shortest decimal that reads back */
	if (v != v || v - v != 0.0)
		return db_err(err, "0A000", "cannot convert %s to numeric",
			      v != v ? "NaN" : "infinity");
	float_out(&sb, v, d->type == TYPE_FLOAT4);
	r = sb.oom ? db_err_oom(err)
		   : datum_in(a, t, sb.p, sb.len, out, err);
	sb_free(&sb);
	return r;
}

static int numeric_cast(struct arena *a, const struct datum *d,
			struct sql_type t, struct datum *out,
			struct db_error *err)
{
	struct numeric v;
	int64_t i;

	if (d->type == TYPE_NUMERIC && t.mod < 0 && t.id == TYPE_NUMERIC) {
		*out = *d;
		return 0;
	}
	if (numeric_of(a, d, &v, err) < 0)
		return -EINVAL;
	if (t.id == TYPE_NUMERIC)
		return numeric_fit(a, &v, t.mod, out, err);
	if (numeric_to_int(&v, t.id, &i, err) < 0)
		return -EINVAL;
	*out = datum_int(t.id, i);
	return 0;
}

/* interval to interval day (a qualifier): the lower fields dropped. */
static int interval_cast(struct arena *a, const struct datum *d,
			 struct sql_type t, struct datum *out,
			 struct db_error *err)
{
	struct strbuf sb = STRBUF_INIT;
	int r;

	datum_out(&sb, d);
	r = sb.oom ? db_err_oom(err) : interval_in(a, sb.p, sb.len, t.mod, out, err);
	sb_free(&sb);
	return r;
}

bool cast_exists(unsigned from, unsigned to, enum cast_kind kind)
{
	if (from == to || from == TYPE_NULL || from == TYPE_UNKNOWN)
		return true;
	if (type_is_int(from) && type_is_int(to))
		return true;
	if (type_is_datetime(from) && type_is_datetime(to))
		return datetime_cast_kind(from, to, kind);
	/* floats: integers and numeric widen to them implicitly, real to
	 * double precision; the other way by assignment */
	if ((type_is_int(from) || from == TYPE_NUMERIC || type_is_float(from)) &&
	    type_is_float(to))
		return kind != CAST_IMPLICIT || !type_is_float(from) ||
		       to == TYPE_FLOAT8;
	if (type_is_float(from) && (type_is_int(to) || to == TYPE_NUMERIC))
		return kind != CAST_IMPLICIT;
	/* numeric: integers widen implicitly, narrow by assignment */
	if (type_is_int(from) && to == TYPE_NUMERIC)
		return true;
	if (from == TYPE_NUMERIC && type_is_int(to))
		return kind != CAST_IMPLICIT;
	if (type_is_text(to))
		return kind != CAST_IMPLICIT || type_is_text(from);
	if (type_is_text(from))
		return kind == CAST_EXPLICIT;
	/* boolean <-> integer: explicit only, and only with integer. */
	if ((from == TYPE_BOOL && to == TYPE_INT4) ||
	    (from == TYPE_INT4 && to == TYPE_BOOL))
		return kind == CAST_EXPLICIT;
	return false;
}

int datum_cast(struct arena *a, const struct datum *d, struct sql_type t,
	       enum cast_kind kind, struct datum *out, struct db_error *err)
{
	struct strbuf sb = STRBUF_INIT;
	char *s;

	if (d->null) {
		*out = datum_null(t.id);
		return 0;
	}
	if ((type_is_float(t.id) && !type_is_text(d->type) && d->type != TYPE_UNKNOWN) ||
	    (type_is_float(d->type) && (type_is_int(t.id) || t.id == TYPE_NUMERIC)))
		return float_cast(a, d, t, out, err);
	if (t.id == TYPE_NUMERIC && (d->type == TYPE_NUMERIC || type_is_int(d->type)))
		return numeric_cast(a, d, t, out, err);
	if (d->type == TYPE_NUMERIC && type_is_int(t.id))
		return numeric_cast(a, d, t, out, err);
	if (d->type == TYPE_INTERVAL && t.id == TYPE_INTERVAL && t.mod >= 0)
		return interval_cast(a, d, t, out, err);
	if (d->type == t.id && t.id != TYPE_VARCHAR && t.id != TYPE_BPCHAR) {
		*out = *d;
		return 0;
	}
	if (d->type == TYPE_UNKNOWN && t.id == TYPE_VARCHAR)
		return varchar_fit(d, t, kind == CAST_EXPLICIT, out, err);
	if (t.id == TYPE_BPCHAR && type_is_text(d->type))
		return bpchar_fit(a, d, t, kind == CAST_EXPLICIT, out, err);
	if (d->type == TYPE_BPCHAR && type_is_text(t.id)) {
		/* char(n) to text or varchar drops the padding */
		struct datum s = *d;

		s.len = bpchar_len(d->s, d->len);
		s.type = TYPE_TEXT;
		return datum_cast(a, &s, t, kind, out, err);
	}
	if (type_is_datetime(d->type) && type_is_datetime(t.id))
		return datetime_convert(d, t.id, out, err);
	if (d->type == TYPE_UNKNOWN || (type_is_text(d->type) &&
					!type_is_text(t.id)))
		return datum_in(a, t, d->s, d->len, out, err);
	if (t.id == TYPE_VARCHAR && type_is_text(d->type))
		return varchar_fit(d, t, kind == CAST_EXPLICIT, out, err);
	if (type_is_text(t.id) && type_is_text(d->type)) {
		*out = *d;
		out->type = t.id;
		return 0;
	}
	if (type_is_int(d->type) && type_is_int(t.id)) {
		if (int_check(t.id, d->i, err) < 0)
			return -EINVAL;
		*out = datum_int(t.id, d->i);
		return 0;
	}
	if (d->type == TYPE_BOOL && t.id == TYPE_INT4) {
		*out = datum_int(TYPE_INT4, d->i);
		return 0;
	}
	if (type_is_int(d->type) && t.id == TYPE_BOOL) {
		*out = datum_bool(d->i != 0);
		return 0;
	}
	if (type_is_text(t.id)) {
		if (d->type == TYPE_BOOL) /* boolean's text cast spells it out */
			sb_puts(&sb, d->i ? "true" : "false");
		else
			datum_out(&sb, d);
		s = sb.oom ? NULL : arena_strndup(a, sb.p, sb.len);
		sb_free(&sb);
		if (!s)
			return db_err_oom(err);
		*out = datum_str(TYPE_TEXT, s, (uint32_t)strlen(s));
		if (t.id == TYPE_BPCHAR)
			return bpchar_fit(a, out, t, true, out, err);
		return t.id == TYPE_VARCHAR ? varchar_fit(out, t, true, out, err)
					    : 0;
	}
	return db_err(err, "42846", "cannot cast type %s to %s",
		      type_info(d->type)->name, type_info(t.id)->name);
}

/* PostgreSQL's float order: NaN is greater than every number and equal
 * to itself; -0 equals 0. */
static int float_cmp(double a, double b)
{
	bool na = a != a, nb = b != b;

	if (na || nb)
		return na && nb ? 0 : na ? 1 : -1;
	return a < b ? -1 : a > b;
}

int datum_cmp(const struct datum *a, const struct datum *b)
{
	size_t n;
	int c;

	if (type_is_float(a->type) && type_is_float(b->type))
		return float_cmp(a->f, b->f);
	if (a->type == TYPE_NUMERIC && b->type == TYPE_NUMERIC)
		return numeric_text_cmp(a->s, a->len, b->s, b->len);
	if (a->type == TYPE_INTERVAL && b->type == TYPE_INTERVAL)
		return interval_cmp(a, b);

	if (type_is_text(a->type) || type_is_text(b->type)) {
		uint32_t la = a->type == TYPE_BPCHAR ? bpchar_len(a->s, a->len)
						     : a->len;
		uint32_t lb = b->type == TYPE_BPCHAR ? bpchar_len(b->s, b->len)
						     : b->len;

		n = la < lb ? la : lb;
		c = memcmp(a->s, b->s, n);
		if (c)
			return c < 0 ? -1 : 1;
		return la < lb ? -1 : la > lb;
	}
	return a->i < b->i ? -1 : a->i > b->i;
}

bool datum_eq(const struct datum *a, const struct datum *b)
{
	return datum_cmp(a, b) == 0;
}

uint64_t datum_hash(const struct datum *d)
{
	uint64_t h = 1469598103934665603ull;
	uint32_t i, n;

	if (d->null)
		return 0x9e3779b97f4a7c15ull;
	if (d->type == TYPE_NUMERIC)
		return numeric_text_hash(d->s, d->len);
	if (d->type == TYPE_INTERVAL)
		return interval_hash(d);
	if (type_is_float(d->type)) { /* equal values hash alike */
		struct datum k = datum_int(TYPE_INT8, 0);

		if (d->f != d->f)
			k.i = 0x7ff8000000000000LL;
		else if (d->f != 0)
			k.f = d->f;
		return datum_hash(&k);
	}
	if (!type_is_text(d->type)) {
		h = (uint64_t)d->i * 0x9e3779b97f4a7c15ull;
		return h ^ (h >> 29);
	}
	n = d->type == TYPE_BPCHAR ? bpchar_len(d->s, d->len) : d->len;
	for (i = 0; i < n; i++)
		h = (h ^ (unsigned char)d->s[i]) * 1099511628211ull;
	return h;
}
