/* SPDX-License-Identifier: MIT */
/* numeric.h: exact decimal arithmetic with PostgreSQL's numeric semantics.
 *
 * A numeric datum (TYPE_NUMERIC) holds its value as the decimal text
 * PostgreSQL prints ("-12.50": the display scale is the number of digits
 * after the point, trailing zeros included), so storage, comparison and
 * output need nothing more. Arithmetic parses that text into struct
 * numeric, a decimal integer with a scale, computes, and prints again.
 *
 * Result scales follow PostgreSQL (numeric.c): + and - keep the larger
 * scale, * adds the scales, / chooses select_div_scale()'s scale (at least
 * 16 significant digits, at least either input's scale, at most 1000) and
 * rounds half away from zero, % keeps the larger scale. Values are limited
 * to NUMERIC_MAX_DIGITS digits (PostgreSQL: 131072 before the point):
 * beyond that, 22003 "value overflows numeric format". */
#ifndef DB_SQL_NUMERIC_H
#define DB_SQL_NUMERIC_H

#include "value.h"

#define NUMERIC_MAX_DIGITS 2100
#define NUMERIC_MAX_SCALE 1000
#define NUMERIC_MAX_PRECISION 1000

struct numeric {
	bool neg;
	int scale; /* display scale: digits after the point */
	int n;	   /* digits in d */
	uint8_t *d; /* 0..9, most significant first; value = d / 10^scale */
};

/* numeric_in: blanks, sign, digits with an optional point, an optional
 * exponent. 22P02 on bad syntax. */
int numeric_parse(struct arena *a, const char *s, size_t n, struct numeric *out,
		  struct db_error *err);
/* A numeric or integer datum as a numeric. */
int numeric_of(struct arena *a, const struct datum *d, struct numeric *out,
	       struct db_error *err);
void numeric_from_i128(struct arena *a, __int128 v, struct numeric *out,
		       uint8_t buf[40]);
/* The canonical text, as a TYPE_NUMERIC datum in a. */
int numeric_datum(struct arena *a, const struct numeric *v, struct datum *out,
		  struct db_error *err);

int numeric_add(struct arena *a, const struct numeric *x,
		const struct numeric *y, struct numeric *out,
		struct db_error *err);
int numeric_sub(struct arena *a, const struct numeric *x,
		const struct numeric *y, struct numeric *out,
		struct db_error *err);
int numeric_mul(struct arena *a, const struct numeric *x,
		const struct numeric *y, struct numeric *out,
		struct db_error *err);
int numeric_div(struct arena *a, const struct numeric *x,
		const struct numeric *y, struct numeric *out,
		struct db_error *err);
int numeric_mod(struct arena *a, const struct numeric *x,
		const struct numeric *y, struct numeric *out,
		struct db_error *err);
int numeric_cmp(const struct numeric *x, const struct numeric *y);

enum numeric_round { NUM_ROUND, NUM_TRUNC, NUM_CEIL, NUM_FLOOR };
/* Rounds to `scale` digits after the point (negative: before it); the
 * result's display scale is max(scale, 0). */
int numeric_round(struct arena *a, const struct numeric *x, int scale,
		  enum numeric_round mode, struct numeric *out,
		  struct db_error *err);
/* numeric(p,s): rounds to s, 22003 "numeric field overflow" if more than
 * p - s digits remain before the point. mod = (p << 16) | s; -1: none. */
int numeric_typmod(struct arena *a, const struct numeric *x, int32_t mod,
		   struct numeric *out, struct db_error *err);
/* Rounds half away from zero to an integer of type `type` (22003). */
int numeric_to_int(const struct numeric *x, unsigned type, int64_t *out,
		   struct db_error *err);

/* The fast path for the common case: a value of at most NUMERIC_SMALL_DIGITS
 * digits as a binary integer v / 10^scale, so that +, - and * run on
 * machine words instead of digit arrays (the TPC-H sums of prices and
 * discounts). Results are the same as the general functions' (same
 * scales, same text); whatever does not fit goes the general way. */
#define NUMERIC_SMALL_DIGITS 36
struct numeric_small {
	__int128 v;
	int scale;
};

/* d (a numeric datum in its canonical text, or an integer) as a small
 * numeric; false if it is not one (too long, or not plain digits). */
bool numeric_small_of(const struct datum *d, struct numeric_small *out);
/* x op y for op '+', '-' or '*'; false (out unchanged: it may be x or
 * y) if the result would not be small. */
bool numeric_small_arith(char op, const struct numeric_small *x,
			 const struct numeric_small *y,
			 struct numeric_small *out);
/* The canonical text of v, as a TYPE_NUMERIC datum in a. */
int numeric_small_datum(struct arena *a, const struct numeric_small *v,
			struct datum *out, struct db_error *err);

/* Equal numerics hash alike whatever their scale ("1.50" and "1.5"). */
uint64_t numeric_text_hash(const char *s, size_t n);
/* Compares two canonical numeric texts. */
int numeric_text_cmp(const char *a, size_t na, const char *b, size_t nb);

/* PostgreSQL's binary format (numeric_send/numeric_recv). */
void numeric_send(struct strbuf *sb, const struct numeric *v);
int numeric_recv(struct arena *a, const uint8_t *p, size_t n,
		 struct numeric *out, struct db_error *err);

#endif
