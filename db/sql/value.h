/* SPDX-License-Identifier: MIT */
/* value.h: SQL types and values (datums) with PostgreSQL's semantics.
 *
 * A datum is one value of one SQL type: a NULL flag, an integer payload
 * (bool, smallint, integer, bigint) or a byte string (text, varchar, and
 * the "unknown" type of an undecorated string literal, which takes its type
 * from the context as in PostgreSQL). A datum does not own its bytes: they
 * live in the statement's arena or in a stored row.
 *
 * Every function that can fail takes a struct db_error and reports the
 * SQLSTATE PostgreSQL raises for the same mistake: 22P02 for bad input
 * syntax, 22003 for out-of-range integers, 22012 for division by zero,
 * 22001 for a string too long for varchar(n), 42846 for a cast that does
 * not exist. Output (datum_out) is byte for byte what PostgreSQL's text
 * output functions print.
 *
 * numeric holds its value as the decimal text PostgreSQL prints
 * (numeric.h does the arithmetic); numeric(p,s) has mod (p << 16) | s. */
#ifndef DB_SQL_VALUE_H
#define DB_SQL_VALUE_H

#include <stdbool.h>
#include <stdint.h>

#include "../common.h"

enum type_id {
	TYPE_NULL,    /* an untyped NULL literal */
	TYPE_BOOL,
	TYPE_INT2,
	TYPE_INT4,
	TYPE_INT8,
	TYPE_TEXT,
	TYPE_VARCHAR,
	TYPE_UNKNOWN, /* a string literal not yet coerced */
	TYPE_NUMERIC, /* decimal text (numeric.h) */
	TYPE_BPCHAR,  /* char(n): blank-padded text */
	TYPE_DATE,    /* days from 2000-01-01 (datetime.h) */
	TYPE_TIMESTAMP,	  /* microseconds from 2000-01-01 */
	TYPE_TIMESTAMPTZ, /* the same, in UTC */
	TYPE_FLOAT4,  /* real: held as a double rounded to float (float.h) */
	TYPE_FLOAT8,  /* double precision */
	TYPE_INTERVAL, /* 16 bytes at s: struct interval (interval.h) */
	TYPE_COUNT
};

struct sql_type {
	uint8_t id;  /* enum type_id */
	int32_t mod; /* varchar(n), char(n): n; numeric(p,s): p << 16 | s;
			else -1 */
};

struct datum {
	uint8_t type; /* enum type_id */
	bool null;
	uint32_t len;  /* bytes at s */
	union {
		int64_t i; /* bool (0/1), integers, dates, timestamps */
		double f;  /* real, double precision */
		const char *s;
	};
};

struct type_info {
	const char *name;   /* SQL name used in messages: "integer" */
	const char *pgname; /* pg_type.typname: "int4" */
	uint32_t oid;	    /* pg_type oid sent in RowDescription */
	int16_t len;	    /* pg_type.typlen */
};

const struct type_info *type_info(unsigned id);
/* Type classes, inline: they run for every datum a scan touches, and a
 * call is dear under TCG (each return is a lookup of its target). */
#define TYPE_BIT(t) (1u << (t))
static inline bool type_in(unsigned id, unsigned mask)
{
	return id < 32 && (TYPE_BIT(id) & mask);
}
static inline bool type_is_int(unsigned id)
{
	return type_in(id, TYPE_BIT(TYPE_INT2) | TYPE_BIT(TYPE_INT4) |
				   TYPE_BIT(TYPE_INT8));
}
/* text, varchar, char, unknown */
static inline bool type_is_text(unsigned id)
{
	return type_in(id, TYPE_BIT(TYPE_TEXT) | TYPE_BIT(TYPE_VARCHAR) |
				   TYPE_BIT(TYPE_UNKNOWN) | TYPE_BIT(TYPE_BPCHAR));
}
/* date, timestamp, timestamptz */
static inline bool type_is_datetime(unsigned id)
{
	return type_in(id, TYPE_BIT(TYPE_DATE) | TYPE_BIT(TYPE_TIMESTAMP) |
				   TYPE_BIT(TYPE_TIMESTAMPTZ));
}
/* real, double precision */
static inline bool type_is_float(unsigned id)
{
	return type_in(id, TYPE_BIT(TYPE_FLOAT4) | TYPE_BIT(TYPE_FLOAT8));
}
/* Whether a datum of the type holds bytes at s (stored with the row). */
static inline bool type_is_varlen(unsigned id)
{
	return type_is_text(id) ||
	       type_in(id, TYPE_BIT(TYPE_NUMERIC) | TYPE_BIT(TYPE_INTERVAL));
}
/* Types whose values datum_cmp compares with each other share a class
 * (the integer widths; the string types). */
unsigned type_class(unsigned id);
/* The type name PostgreSQL prints for t in messages and \d: "character
 * varying(10)", "integer". Writes into buf. */
const char *type_display(struct sql_type t, char *buf, size_t size);
/* The RowDescription typmod: varchar(n) -> n + 4, else -1. */
int32_t type_wire_mod(struct sql_type t);

static inline struct datum datum_null(unsigned type)
{
	struct datum d = {.type = (uint8_t)type, .null = true};
	return d;
}
static inline struct datum datum_int(unsigned type, int64_t v)
{
	struct datum d = {.type = (uint8_t)type, .i = v};
	return d;
}
static inline struct datum datum_float(unsigned type, double v)
{
	struct datum d = {.type = (uint8_t)type, .f = v};
	return d;
}
static inline struct datum datum_bool(bool v)
{
	struct datum d = {.type = TYPE_BOOL, .i = v};
	return d;
}
static inline struct datum datum_str(unsigned type, const char *s,
				     uint32_t len)
{
	struct datum d = {.type = (uint8_t)type, .len = len, .s = s};
	return d;
}

/* Text output, appended to sb. NULL appends nothing (the caller sends
 * NULL out of band). */
void datum_out(struct strbuf *sb, const struct datum *d);

/* Parses text input s[0..n) as type t (PostgreSQL's input functions:
 * surrounding blanks allowed for numbers and booleans). Strings point into
 * s unless copied by the caller. */
int datum_in(struct arena *a, struct sql_type t, const char *s, size_t n,
	     struct datum *out, struct db_error *err);

enum cast_kind {
	CAST_IMPLICIT,	 /* comparisons, function arguments */
	CAST_ASSIGNMENT, /* INSERT/UPDATE into a column */
	CAST_EXPLICIT,	 /* CAST(x AS t), x::t */
};

/* Converts d to t. Strings produced (integer -> text) come from a. */
int datum_cast(struct arena *a, const struct datum *d, struct sql_type t,
	       enum cast_kind kind, struct datum *out, struct db_error *err);
/* Whether a cast from type `from` to `to` exists for kind. */
bool cast_exists(unsigned from, unsigned to, enum cast_kind kind);

/* Rounds half to even, as rint() in the default rounding mode. */
double round_even(double v);

/* Integer range of a type; 22003 with PostgreSQL's message if v is out. */
int int_check(unsigned type, __int128 v, struct db_error *err);

/* Total order used by ORDER BY, comparisons, grouping and indexes, for two
 * non-NULL datums of comparable types (integers with integers, strings
 * with strings byte-wise, as the C collation does, booleans). */
int datum_cmp(const struct datum *a, const struct datum *b);
bool datum_eq(const struct datum *a, const struct datum *b);
/* Hash consistent with datum_eq (equal integers of different widths hash
 * alike). */
uint64_t datum_hash(const struct datum *d);

#endif
