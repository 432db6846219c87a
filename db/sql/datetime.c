/* SPDX-License-Identifier: MIT */
/* datetime.c: date and timestamp input, output, extract and date_trunc
 * (see datetime.h). Calendar arithmetic is the proleptic Gregorian
 * calendar through a day count (days_from_ymd and its inverse). */
#include "datetime.h"

#include <string.h>
#include <unidb/errno.h>

#include "interval.h"
#include "numeric.h"

#define USECS_PER_SEC 1000000LL
#define MAX_YEAR 294276
/* PostgreSQL's limits: dates up to 5874897-12-31, timestamps below
 * 294277-01-01. */
#define DATE_END_DAYS (days_from_ymd(5874898, 1, 1))
#define TS_END_US (days_from_ymd(294277, 1, 1) * USECS_PER_DAY)

int64_t days_from_ymd(int64_t y, int m, int d)
{
	int64_t era;
	int64_t yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468 - UNIX_EPOCH_DAYS;
}

void ymd_from_days(int64_t days, int64_t *y, int *m, int *d)
{
	int64_t z = days + UNIX_EPOCH_DAYS + 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	int64_t doe = z - era * 146097;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t mp = (5 * doy + 2) / 153;

	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = yoe + era * 400 + (*m <= 2);
}

static bool leap(int64_t y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int month_days(int64_t y, int m)
{
	static const int n[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

	return m == 2 && leap(y) ? 29 : n[m - 1];
}

static const char *type_word(unsigned type)
{
	return type == TYPE_DATE	  ? "date"
	       : type == TYPE_INTERVAL	  ? "interval"
	       : type == TYPE_TIMESTAMP ? "timestamp without time zone"
					: "timestamp with time zone";
}

static int bad_syntax(unsigned type, const char *s, size_t n,
		      struct db_error *err)
{
	return db_err(err, "22007", "invalid input syntax for type %s: \"%.*s\"",
		      type == TYPE_TIMESTAMP ? "timestamp" : type_word(type),
		      (int)(n > 200 ? 200 : n), s);
}

static int out_of_range(const char *s, size_t n, struct db_error *err)
{
	return db_err(err, "22008",
		      "date/time field value out of range: \"%.*s\"",
		      (int)(n > 200 ? 200 : n), s);
}

/* Reads 1..max digits at s[*i]; -1 if none. */
static int64_t num(const char *s, size_t n, size_t *i, int max, int *ndig)
{
	int64_t v = 0;
	int k = 0;

	while (*i < n && s[*i] >= '0' && s[*i] <= '9' && k < max)
		v = v * 10 + (s[(*i)++] - '0'), k++;
	if (ndig)
		*ndig = k;
	return k ? v : -1;
}

static bool blank(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* "hh:mm[:ss[.frac]]" -> microseconds into the day. */
static int parse_time(const char *s, size_t n, size_t *i, int64_t *us,
		      bool *range)
{
	int64_t h, mi, sec = 0, frac = 0;
	int k;

	h = num(s, n, i, 2, NULL);
	if (h < 0 || *i >= n || s[*i] != ':')
		return -1;
	(*i)++;
	if ((mi = num(s, n, i, 2, NULL)) < 0)
		return -1;
	if (*i < n && s[*i] == ':') {
		(*i)++;
		if ((sec = num(s, n, i, 2, NULL)) < 0)
			return -1;
		if (*i < n && s[*i] == '.') {
			int64_t f;

			(*i)++;
			f = num(s, n, i, 6, &k);
			if (f < 0)
				return -1;
			frac = f;
			for (; k < 6; k++)
				frac *= 10;
			/* round away more digits (PostgreSQL rounds) */
			if (*i < n && s[*i] >= '5' && s[*i] <= '9')
				frac++;
			while (*i < n && s[*i] >= '0' && s[*i] <= '9')
				(*i)++;
		}
	}
	*range = h > 24 || mi > 59 || sec > 60 ||
		 (h == 24 && (mi || sec || frac));
	*us = ((h * 60 + mi) * 60 + sec) * USECS_PER_SEC + frac;
	return 0;
}

/* Zone suffix: Z, UTC, GMT, +hh, +hh:mm, +hhmm -> offset in seconds. */
static int parse_zone(const char *s, size_t n, size_t *i, int64_t *off)
{
	int64_t h, m = 0;
	bool neg;
	int k;

	while (*i < n && blank(s[*i]))
		(*i)++;
	if (*i < n && (s[*i] == 'Z' || s[*i] == 'z')) {
		(*i)++;
		return 0;
	}
	if (n - *i >= 3 && (db_ieq(s + *i, 3, "utc") || db_ieq(s + *i, 3, "gmt"))) {
		*i += 3;
		return 0;
	}
	if (*i >= n || (s[*i] != '+' && s[*i] != '-'))
		return 1; /* none */
	neg = s[(*i)++] == '-';
	if ((h = num(s, n, i, 2, &k)) < 0)
		return -1;
	if (*i < n && s[*i] == ':')
		(*i)++;
	if (*i < n && s[*i] >= '0' && s[*i] <= '9' && (m = num(s, n, i, 2, NULL)) < 0)
		return -1;
	*off = (h * 3600 + m * 60) * (neg ? -1 : 1);
	return 0;
}

int timestamp_check(int64_t us, struct db_error *err)
{
	if (us < days_from_ymd(1, 1, 1) * USECS_PER_DAY || us >= TS_END_US)
		return db_err(err, "22008", "timestamp out of range");
	return 0;
}

int datetime_in(unsigned type, const char *s, size_t n, struct datum *out,
		struct db_error *err)
{
	size_t i = 0;
	int64_t y, m, d, tod = 0, off = 0, days;
	bool range = false;
	int zr;

	while (i < n && blank(s[i]))
		i++;
	y = num(s, n, &i, 7, NULL);
	if (y < 0 || i >= n || s[i++] != '-' || (m = num(s, n, &i, 2, NULL)) < 0 ||
	    i >= n || s[i++] != '-' || (d = num(s, n, &i, 2, NULL)) < 0)
		return bad_syntax(type, s, n, err);
	if (i < n && (s[i] == 'T' || s[i] == 't' || blank(s[i]))) {
		size_t save = i++;

		while (i < n && blank(s[i]))
			i++;
		if (i < n && s[i] >= '0' && s[i] <= '9') {
			if (parse_time(s, n, &i, &tod, &range) < 0)
				return bad_syntax(type, s, n, err);
		} else {
			i = save;
		}
	}
	zr = parse_zone(s, n, &i, &off);
	if (zr < 0)
		return bad_syntax(type, s, n, err);
	while (i < n && blank(s[i]))
		i++;
	if (i != n)
		return bad_syntax(type, s, n, err);
	if (range || m < 1 || m > 12 || d < 1 || y < 1 ||
	    d > month_days(y, (int)m)) {
		out_of_range(s, n, err);
		if (m > 12) /* it might be a day: PostgreSQL's hint */
			err->hint = "Perhaps you need a different \"datestyle\" "
				    "setting.";
		return -EINVAL;
	}
	if (y > (type == TYPE_DATE ? 5874897 : MAX_YEAR))
		return db_err(err, "22008", "%s out of range: \"%.*s\"",
			      type == TYPE_DATE ? "date" : "timestamp",
			      (int)(n > 200 ? 200 : n), s);
	days = days_from_ymd(y, (int)m, (int)d);
	if (type == TYPE_DATE) {
		*out = datum_int(TYPE_DATE, days);
		return 0;
	}
	if (type == TYPE_TIMESTAMP)
		off = 0; /* PostgreSQL ignores a zone for timestamp */
	*out = datum_int(type, days * USECS_PER_DAY + tod - off * USECS_PER_SEC);
	return timestamp_check(out->i, err);
}

static void put_date(struct strbuf *sb, int64_t days)
{
	int64_t y;
	int m, d;

	ymd_from_days(days, &y, &m, &d);
	sb_printf(sb, "%04lld-%02d-%02d", (long long)y, m, d);
}

void datetime_out(struct strbuf *sb, const struct datum *d)
{
	int64_t us = d->i, days, t, frac;
	char f[8];
	int k;

	if (d->type == TYPE_DATE) {
		put_date(sb, d->i);
		return;
	}
	days = us >= 0 ? us / USECS_PER_DAY : -((-us + USECS_PER_DAY - 1) / USECS_PER_DAY);
	t = us - days * USECS_PER_DAY;
	put_date(sb, days);
	frac = t % USECS_PER_SEC;
	t /= USECS_PER_SEC;
	sb_printf(sb, " %02d:%02d:%02d", (int)(t / 3600), (int)(t / 60 % 60),
		  (int)(t % 60));
	if (frac) {
		for (k = 5; k >= 0; k--, frac /= 10)
			f[k] = (char)('0' + frac % 10);
		for (k = 6; f[k - 1] == '0'; k--)
			;
		sb_putc(sb, '.');
		sb_put(sb, f, (size_t)k);
	}
	if (d->type == TYPE_TIMESTAMPTZ)
		sb_puts(sb, "+00");
}

/* ---- extract and date_trunc ------------------------------------------ */

struct fields {
	int64_t y, days, us_of_day;
	int m, d;
};

static void split(const struct datum *v, struct fields *f)
{
	int64_t us = v->type == TYPE_DATE ? v->i * USECS_PER_DAY : v->i;

	f->days = us >= 0 ? us / USECS_PER_DAY
			  : -((-us + USECS_PER_DAY - 1) / USECS_PER_DAY);
	f->us_of_day = us - f->days * USECS_PER_DAY;
	ymd_from_days(f->days, &f->y, &f->m, &f->d);
}

/* ISO 8601 week number and its year. */
static int iso_week(const struct fields *f, int64_t *iso_year)
{
	int64_t y = f->y, start;
	int k;

	for (k = 0; k < 2; k++) {
		int64_t jan4 = days_from_ymd(y + 1 - k, 1, 4);
		/* Monday of the week holding Jan 4 (2000-01-03 was a Monday) */
		int64_t dow = ((jan4 - 2) % 7 + 7) % 7;

		start = jan4 - dow;
		if (f->days >= start) {
			*iso_year = y + 1 - k;
			return (int)((f->days - start) / 7 + 1);
		}
	}
	start = days_from_ymd(y - 1, 1, 4);
	start -= ((start - 2) % 7 + 7) % 7;
	*iso_year = y - 1;
	return (int)((f->days - start) / 7 + 1);
}

enum unit {
	U_NONE, U_MICRO, U_MILLI, U_SECOND, U_MINUTE, U_HOUR, U_DAY, U_WEEK,
	U_MONTH, U_QUARTER, U_YEAR, U_DECADE, U_CENTURY, U_MILLENNIUM, U_DOW,
	U_ISODOW, U_DOY, U_EPOCH, U_JULIAN, U_ISOYEAR
};

static const struct {
	const char *name;
	uint8_t unit;
} units[] = {
	{"microsecond", U_MICRO}, {"microseconds", U_MICRO}, {"us", U_MICRO},
	{"millisecond", U_MILLI}, {"milliseconds", U_MILLI}, {"ms", U_MILLI},
	{"second", U_SECOND}, {"seconds", U_SECOND}, {"sec", U_SECOND},
	{"secs", U_SECOND}, {"s", U_SECOND}, {"minute", U_MINUTE},
	{"minutes", U_MINUTE}, {"min", U_MINUTE}, {"mins", U_MINUTE},
	{"m", U_MINUTE}, {"hour", U_HOUR}, {"hours", U_HOUR}, {"h", U_HOUR},
	{"hr", U_HOUR}, {"hrs", U_HOUR}, {"day", U_DAY}, {"days", U_DAY},
	{"d", U_DAY}, {"week", U_WEEK}, {"weeks", U_WEEK}, {"w", U_WEEK},
	{"month", U_MONTH}, {"months", U_MONTH}, {"mon", U_MONTH},
	{"mons", U_MONTH}, {"quarter", U_QUARTER}, {"qtr", U_QUARTER},
	{"year", U_YEAR}, {"years", U_YEAR}, {"y", U_YEAR}, {"yr", U_YEAR},
	{"yrs", U_YEAR}, {"decade", U_DECADE}, {"decades", U_DECADE},
	{"dec", U_DECADE}, {"century", U_CENTURY}, {"centuries", U_CENTURY},
	{"c", U_CENTURY}, {"cent", U_CENTURY}, {"millennium", U_MILLENNIUM},
	{"millennia", U_MILLENNIUM}, {"mil", U_MILLENNIUM},
	{"mils", U_MILLENNIUM}, {"dow", U_DOW}, {"isodow", U_ISODOW},
	{"doy", U_DOY}, {"epoch", U_EPOCH}, {"julian", U_JULIAN},
	{"j", U_JULIAN}, {"isoyear", U_ISOYEAR},
};

static int unit_of(const char *s, size_t n)
{
	unsigned k;

	for (k = 0; k < sizeof(units) / sizeof(units[0]); k++)
		if (db_ieq(s, n, units[k].name))
			return units[k].unit;
	return U_NONE;
}

static int unit_error(const char *field, size_t flen, unsigned type,
		      bool known, struct db_error *err)
{
	return db_err(err, known ? "0A000" : "22023",
		      "unit \"%.*s\" not %s for type %s", (int)flen, field,
		      known ? "supported" : "recognized", type_word(type));
}

/* v * 10^-scale as a numeric datum. */
static int scaled(struct arena *a, __int128 v, int scale, struct datum *out,
		  struct db_error *err)
{
	struct numeric n;
	uint8_t b[40];

	numeric_from_i128(a, v, &n, b);
	n.scale = scale;
	return numeric_datum(a, &n, out, err);
}

/* extract(field FROM interval), PostgreSQL 15's interval_part: the
 * fields of years, months (of the year), days and time; epoch counts a
 * year as 365.25 days and a month as 30. */
static int interval_part(struct arena *a, const char *field, size_t flen,
			 const struct datum *v, struct datum *out,
			 struct db_error *err)
{
	struct interval iv = interval_of(v);
	int u = unit_of(field, flen);
	int64_t y = iv.months / 12, sec_us = iv.us % (60 * USECS_PER_SEC);

	switch (u) {
	case U_MICRO: return scaled(a, sec_us, 0, out, err);
	case U_MILLI: return scaled(a, sec_us, 3, out, err);
	case U_SECOND: return scaled(a, sec_us, 6, out, err);
	case U_MINUTE: return scaled(a, iv.us / 60000000 % 60, 0, out, err);
	case U_HOUR: return scaled(a, iv.us / 3600000000LL, 0, out, err);
	case U_DAY: return scaled(a, iv.days, 0, out, err);
	case U_MONTH: return scaled(a, iv.months % 12, 0, out, err);
	case U_QUARTER: return scaled(a, iv.months % 12 / 3 + 1, 0, out, err);
	case U_YEAR: return scaled(a, y, 0, out, err);
	case U_DECADE: return scaled(a, y / 10, 0, out, err);
	case U_CENTURY: return scaled(a, y / 100, 0, out, err);
	case U_MILLENNIUM: return scaled(a, y / 1000, 0, out, err);
	case U_EPOCH: /* a year is 365.25 days: 31557600 s */
		return scaled(a,
			      ((__int128)31557600 * y +
			       (__int128)2592000 * (iv.months % 12) +
			       (__int128)86400 * iv.days) *
					  USECS_PER_SEC +
				  iv.us,
			      6, out, err);
	default:
		return unit_error(field, flen, TYPE_INTERVAL, u != U_NONE, err);
	}
}

int datetime_extract(struct arena *a, const char *field, size_t flen,
		     const struct datum *v, struct datum *out,
		     struct db_error *err)
{
	struct fields f;
	int u = unit_of(field, flen);
	int64_t iy, sec_us;
	bool date = v->type == TYPE_DATE;

	if (v->type == TYPE_INTERVAL)
		return interval_part(a, field, flen, v, out, err);
	split(v, &f);
	sec_us = f.us_of_day % (60 * USECS_PER_SEC);
	if (u == U_NONE)
		return unit_error(field, flen, v->type, false, err);
	if (date && u <= U_HOUR)
		return unit_error(field, flen, v->type, true, err);
	switch (u) {
	case U_MICRO: return scaled(a, sec_us, 0, out, err);
	case U_MILLI: return scaled(a, sec_us, 3, out, err);
	case U_SECOND: return scaled(a, sec_us, 6, out, err);
	case U_MINUTE: return scaled(a, f.us_of_day / 60000000 % 60, 0, out, err);
	case U_HOUR: return scaled(a, f.us_of_day / 3600000000LL, 0, out, err);
	case U_DAY: return scaled(a, f.d, 0, out, err);
	case U_WEEK: return scaled(a, iso_week(&f, &iy), 0, out, err);
	case U_ISOYEAR: iso_week(&f, &iy); return scaled(a, iy, 0, out, err);
	case U_MONTH: return scaled(a, f.m, 0, out, err);
	case U_QUARTER: return scaled(a, (f.m - 1) / 3 + 1, 0, out, err);
	case U_YEAR: return scaled(a, f.y, 0, out, err);
	case U_DECADE: return scaled(a, f.y / 10, 0, out, err);
	case U_CENTURY: return scaled(a, (f.y + 99) / 100, 0, out, err);
	case U_MILLENNIUM: return scaled(a, (f.y + 999) / 1000, 0, out, err);
	case U_DOW: return scaled(a, ((f.days + 6) % 7 + 7) % 7, 0, out, err);
	case U_ISODOW:
		return scaled(a, ((f.days + 5) % 7 + 7) % 7 + 1, 0, out, err);
	case U_DOY:
		return scaled(a, f.days - days_from_ymd(f.y, 1, 1) + 1, 0, out,
			      err);
	case U_JULIAN:
		if (!date)
			return unit_error(field, flen, v->type, true, err);
		return scaled(a, f.days + 2451545, 0, out, err);
	default: /* U_EPOCH */
		if (date)
			return scaled(a, (v->i + UNIX_EPOCH_DAYS) * 86400, 0, out,
				      err);
		return scaled(a, v->i + (__int128)UNIX_EPOCH_DAYS * USECS_PER_DAY,
			      6, out, err);
	}
}

int datetime_trunc(const char *field, size_t flen, const struct datum *v,
		   struct datum *out, struct db_error *err)
{
	struct fields f;
	int u = unit_of(field, flen);
	int64_t y, day, us, iy;
	int m = 1, dd = 1;

	if (v->type == TYPE_INTERVAL)
		return unit_error(field, flen, TYPE_INTERVAL, true, err);
	split(v, &f);
	y = f.y, day = f.days, us = f.us_of_day;
	switch (u) {
	case U_MICRO: break;
	case U_MILLI: us -= us % 1000; break;
	case U_SECOND: us -= us % USECS_PER_SEC; break;
	case U_MINUTE: us -= us % (60 * USECS_PER_SEC); break;
	case U_HOUR: us -= us % (3600 * USECS_PER_SEC); break;
	case U_DAY: us = 0; break;
	case U_WEEK:
		us = 0;
		day -= ((day + 5) % 7 + 7) % 7; /* back to Monday */
		(void)iy;
		break;
	case U_MONTH:
	case U_QUARTER:
	case U_YEAR:
	case U_DECADE:
	case U_CENTURY:
	case U_MILLENNIUM:
		us = 0;
		m = u == U_MONTH ? f.m : u == U_QUARTER ? (f.m - 1) / 3 * 3 + 1 : 1;
		if (u == U_DECADE)
			y -= y % 10;
		else if (u == U_CENTURY)
			y = (y - 1) / 100 * 100 + 1;
		else if (u == U_MILLENNIUM)
			y = (y - 1) / 1000 * 1000 + 1;
		day = days_from_ymd(y, m, dd);
		break;
	default:
		return unit_error(field, flen, v->type, u != U_NONE, err);
	}
	*out = datum_int(v->type, day * USECS_PER_DAY + us);
	return 0;
}
