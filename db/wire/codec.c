/* SPDX-License-Identifier: MIT */
/* codec.c: protocol v3 field reading and message writing (see codec.h). */
#include "codec.h"

#include <string.h>
#include <unidb/errno.h>

#include "../sql/datetime.h"
#include "../sql/interval.h"
#include "../sql/numeric.h"

void pg_reader_init(struct pg_reader *r, const void *p, size_t n)
{
	r->p = p;
	r->n = n;
	r->off = 0;
	r->bad = false;
}

uint32_t pg_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

const uint8_t *pg_get_bytes(struct pg_reader *r, size_t n)
{
	const uint8_t *p;

	if (r->bad || n > r->n - r->off) {
		r->bad = true;
		return NULL;
	}
	p = r->p + r->off;
	r->off += n;
	return p;
}

uint8_t pg_get_u8(struct pg_reader *r)
{
	const uint8_t *p = pg_get_bytes(r, 1);

	return p ? p[0] : 0;
}

int16_t pg_get_i16(struct pg_reader *r)
{
	const uint8_t *p = pg_get_bytes(r, 2);

	return p ? (int16_t)((uint16_t)p[0] << 8 | p[1]) : 0;
}

int32_t pg_get_i32(struct pg_reader *r)
{
	const uint8_t *p = pg_get_bytes(r, 4);

	return p ? (int32_t)pg_be32(p) : 0;
}

const char *pg_get_str(struct pg_reader *r)
{
	const uint8_t *s, *nul;

	if (r->bad)
		return "";
	s = r->p + r->off;
	nul = memchr(s, 0, r->n - r->off);
	if (!nul) {
		r->bad = true;
		return "";
	}
	r->off += (size_t)(nul - s) + 1;
	return (const char *)s;
}

bool pg_at_end(const struct pg_reader *r)
{
	return !r->bad && r->off == r->n;
}

size_t pg_begin(struct strbuf *sb, char t)
{
	size_t start;

	if (t)
		sb_putc(sb, t);
	start = sb->len;
	sb_put(sb, "\0\0\0\0", 4);
	return start;
}

void pg_end(struct strbuf *sb, size_t start)
{
	uint32_t n = (uint32_t)(sb->len - start);

	if (sb->oom)
		return;
	sb->p[start] = (char)(n >> 24);
	sb->p[start + 1] = (char)(n >> 16);
	sb->p[start + 2] = (char)(n >> 8);
	sb->p[start + 3] = (char)n;
}

void pg_put_i16(struct strbuf *sb, int16_t v)
{
	char b[2] = {(char)((uint16_t)v >> 8), (char)v};

	sb_put(sb, b, 2);
}

void pg_put_i32(struct strbuf *sb, int32_t v)
{
	char b[4] = {(char)((uint32_t)v >> 24), (char)((uint32_t)v >> 16),
		     (char)((uint32_t)v >> 8), (char)v};

	sb_put(sb, b, 4);
}

void pg_put_str(struct strbuf *sb, const char *s)
{
	sb_put(sb, s, strlen(s) + 1);
}

static void put_be(struct strbuf *sb, uint64_t v, int bytes)
{
	char b[8];
	int i;

	for (i = 0; i < bytes; i++)
		b[i] = (char)(v >> (8 * (bytes - 1 - i)));
	sb_put(sb, b, (size_t)bytes);
}

static int numeric_binary_out(struct strbuf *sb, const struct datum *d)
{
	struct arena a;
	struct db_error err;
	struct numeric v;
	int r;

	arena_init(&a, 1 << 20);
	r = numeric_parse(&a, d->s, d->len, &v, &err);
	if (r == 0)
		numeric_send(sb, &v);
	arena_free(&a);
	return r;
}

int pg_binary_out(struct strbuf *sb, const struct datum *d)
{
	switch (d->type) {
	case TYPE_BOOL:
		sb_putc(sb, d->i ? 1 : 0);
		return 0;
	case TYPE_INT2:
		put_be(sb, (uint64_t)d->i, 2);
		return 0;
	case TYPE_INT4:
	case TYPE_DATE: /* days from 2000-01-01, as PostgreSQL sends it */
		put_be(sb, (uint64_t)d->i, 4);
		return 0;
	case TYPE_TIMESTAMP: /* microseconds from 2000-01-01 */
	case TYPE_TIMESTAMPTZ:
	case TYPE_FLOAT8: /* the double's bits (datum.i shares them) */
	case TYPE_INT8:
		put_be(sb, (uint64_t)d->i, 8);
		return 0;
	case TYPE_NUMERIC:
		return numeric_binary_out(sb, d);
	case TYPE_INTERVAL: { /* int64 time, int32 day, int32 month */
		struct interval v = interval_of(d);

		put_be(sb, (uint64_t)v.us, 8);
		put_be(sb, (uint32_t)v.days, 4);
		put_be(sb, (uint32_t)v.months, 4);
		return 0;
	}
	case TYPE_FLOAT4: { /* IEEE 754 bits, big-endian */
		union {
			float f;
			uint32_t u;
		} v = {.f = (float)d->f};

		put_be(sb, v.u, 4);
		return 0;
	}
	default:
		sb_put(sb, d->s, d->len);
		return 0;
	}
}

int pg_binary_in(struct arena *a, struct sql_type t, const uint8_t *p,
		 size_t n, struct datum *out, struct db_error *err)
{
	static const int width[TYPE_COUNT] = {
		[TYPE_BOOL] = 1, [TYPE_INT2] = 2, [TYPE_INT4] = 4, [TYPE_INT8] = 8,
		[TYPE_DATE] = 4, [TYPE_TIMESTAMP] = 8, [TYPE_TIMESTAMPTZ] = 8,
		[TYPE_FLOAT4] = 4, [TYPE_FLOAT8] = 8};
	uint64_t v = 0;
	size_t i;

	if (type_is_text(t.id) || t.id == TYPE_NULL) {
		*out = datum_str(t.id == TYPE_NULL || t.id == TYPE_UNKNOWN
					 ? TYPE_TEXT
					 : t.id,
				 (const char *)p, (uint32_t)n);
		return 0;
	}
	if (t.id == TYPE_NUMERIC) {
		struct numeric v;

		if (numeric_recv(a, p, n, &v, err) < 0)
			return -EINVAL;
		return numeric_datum(a, &v, out, err);
	}
	if (t.id == TYPE_INTERVAL && n == INTERVAL_LEN) {
		struct interval iv;

		for (i = 0; i < 8; i++)
			v = v << 8 | p[i];
		iv.us = (int64_t)v;
		iv.days = (int32_t)((uint32_t)p[8] << 24 | (uint32_t)p[9] << 16 |
				    (uint32_t)p[10] << 8 | p[11]);
		iv.months = (int32_t)((uint32_t)p[12] << 24 | (uint32_t)p[13] << 16 |
				      (uint32_t)p[14] << 8 | p[15]);
		return interval_datum(a, &iv, out, err);
	}
	if (t.id >= TYPE_COUNT || !width[t.id] || (size_t)width[t.id] != n)
		return db_err(err, "22P03", "incorrect binary data format");
	for (i = 0; i < n; i++)
		v = v << 8 | p[i];
	if (t.id == TYPE_BOOL)
		*out = datum_bool(v != 0);
	else if (t.id == TYPE_INT2)
		*out = datum_int(TYPE_INT2, (int16_t)v);
	else if (t.id == TYPE_FLOAT4) {
		union {
			uint32_t u;
			float f;
		} f = {.u = (uint32_t)v};

		*out = datum_float(t.id, f.f);
	} else if (t.id == TYPE_INT4 || t.id == TYPE_DATE)
		*out = datum_int(t.id, (int32_t)v);
	else
		*out = datum_int(t.id, (int64_t)v);
	if (t.id == TYPE_DATE &&
	    (out->i < days_from_ymd(1, 1, 1) || out->i >= days_from_ymd(5874898, 1, 1)))
		return db_err(err, "22008", "date out of range");
	if ((t.id == TYPE_TIMESTAMP || t.id == TYPE_TIMESTAMPTZ) &&
	    timestamp_check(out->i, err) < 0)
		return -EINVAL;
	return 0;
}

int pg_type_of_oid(uint32_t oid)
{
	unsigned id;

	if (oid == 0)
		return TYPE_NULL;
	for (id = TYPE_BOOL; id < TYPE_COUNT; id++)
		if (type_info(id)->oid == oid && id != TYPE_UNKNOWN)
			return (int)id;
	if (oid == 705)
		return TYPE_NULL;
	return -1;
}
