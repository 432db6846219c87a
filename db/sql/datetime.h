/* SPDX-License-Identifier: MIT */
/* datetime.h: date, timestamp and timestamptz with PostgreSQL's encoding,
 * input and ISO output.
 *
 * As in PostgreSQL, a date is a day count and a timestamp a microsecond
 * count, both from 2000-01-01 (00:00 UTC), held in datum.i; timestamptz is
 * a timestamp in UTC, printed with "+00" (the session's TimeZone is UTC).
 * Input accepts the ISO forms clients send ('2024-01-31',
 * '2024-01-31 12:34:56.789', a 'T' separator, a zone suffix +hh[:mm], Z or
 * UTC for timestamptz): 22007 for bad syntax, 22008 for a field out of
 * range. Years 1 to 294276 AD; BC dates and infinity are not supported. */
#ifndef DB_SQL_DATETIME_H
#define DB_SQL_DATETIME_H

#include "value.h"

#define USECS_PER_DAY 86400000000LL
#define UNIX_EPOCH_DAYS 10957 /* 1970-01-01 -> 2000-01-01 */

int64_t days_from_ymd(int64_t y, int m, int d);
void ymd_from_days(int64_t days, int64_t *y, int *m, int *d);

int datetime_in(unsigned type, const char *s, size_t n, struct datum *out,
		struct db_error *err);
void datetime_out(struct strbuf *sb, const struct datum *d);
/* Checks a timestamp's range (22008 "timestamp out of range"). */
int timestamp_check(int64_t us, struct db_error *err);

/* extract(field FROM v): the value as a numeric datum in a (PostgreSQL 14+
 * returns numeric). 0A000/22023 for a unit the type does not have. */
int datetime_extract(struct arena *a, const char *field, size_t flen,
		     const struct datum *v, struct datum *out,
		     struct db_error *err);
/* date_trunc(field, v) for a timestamp[tz]. */
int datetime_trunc(const char *field, size_t flen, const struct datum *v,
		   struct datum *out, struct db_error *err);

#endif
