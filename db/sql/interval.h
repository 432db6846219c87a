/* SPDX-License-Identifier: MIT */
/* interval.h: the interval type with PostgreSQL's semantics.
 *
 * An interval is three independent fields, as in PostgreSQL: months,
 * days and microseconds (a month is not a fixed number of days, nor a day
 * a fixed number of hours across a time-zone change). A datum of type
 * TYPE_INTERVAL holds INTERVAL_LEN bytes at s, a struct interval (stored
 * with the row like a string; read it with interval_of, which copes with
 * any alignment). Comparison, equality and hashing use the span with 30
 * days to a month and 24 hours to a day ('1 mon' = '30 days'), as
 * PostgreSQL's interval_cmp does.
 *
 * Input accepts PostgreSQL's forms: '1 year 2 mons 3 days 04:05:06.5',
 * units with abbreviations and plurals (us, ms, s, sec, min, h, hr, d, w,
 * mon, y, decade, century, millennium), fractions of units ('1.5 days'),
 * '@ ... ago', 'Y-M', 'h:m[:s]', ISO 8601 'P1Y2M3DT4H5M6S', and the SQL
 * standard qualifier (`interval '90' day`: typmod, below). Output is
 * IntervalStyle postgres. Errors: 22007 bad syntax, 22015 a field out of
 * range, 22008 a timestamp result out of range, 22012 division by zero. */
#ifndef DB_SQL_INTERVAL_H
#define DB_SQL_INTERVAL_H

#include "value.h"

#define INTERVAL_LEN 16

struct interval {
	int64_t us;
	int32_t days, months;
};

/* The SQL standard fields of a qualifier: typmod = lo | hi << 4 (hi 0:
 * one field), e.g. DAY TO SECOND = IV_SECOND | IV_DAY << 4. */
enum interval_field { IV_YEAR = 1, IV_MONTH, IV_DAY, IV_HOUR, IV_MINUTE,
		      IV_SECOND };
/* The field named by word w ("year", "month", ...), 0 if none. */
int interval_field_of(const char *w);

struct interval interval_of(const struct datum *d);
/* v as a datum whose bytes come from a. */
int interval_datum(struct arena *a, const struct interval *v,
		   struct datum *out, struct db_error *err);

int interval_in(struct arena *a, const char *s, size_t n, int32_t mod,
		struct datum *out, struct db_error *err);
void interval_out(struct strbuf *sb, const struct datum *d);

int interval_cmp(const struct datum *a, const struct datum *b);
uint64_t interval_hash(const struct datum *d);

/* a + sign * b, field by field; 22008 "interval out of range". */
int interval_add(const struct interval *a, const struct interval *b, int sign,
		 struct interval *out, struct db_error *err);
/* a * f, or a / f with div (PostgreSQL's interval_mul / interval_div:
 * fractions of months spill into days, of days into time). */
int interval_scale(const struct interval *a, double f, bool div,
		   struct interval *out, struct db_error *err);
/* timestamp ts (microseconds from 2000-01-01) + sign * v: months first
 * (clamped to the month's last day), then days, then time. */
int timestamp_add_interval(int64_t ts, const struct interval *v, int sign,
			   int64_t *out, struct db_error *err);
/* a - b as PostgreSQL's timestamp_mi: time, then justify_hours. */
struct interval timestamp_diff(int64_t a, int64_t b);
/* age(a, b): the symbolic difference in years, months, days, time. */
struct interval timestamp_age(int64_t a, int64_t b);
/* justify_hours (hours), justify_days (days), both: justify_interval. */
void interval_justify(struct interval *v, bool hours, bool days);
/* extract(field FROM interval) is datetime_extract's (datetime.c). */

#endif
