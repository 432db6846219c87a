/* SPDX-License-Identifier: MIT */
/* interval.c: interval input, output, comparison and arithmetic (see
 * interval.h), following PostgreSQL 15's DecodeInterval, EncodeInterval
 * (IntervalStyle postgres), interval_mul/div, timestamp_pl_interval,
 * timestamp_mi and timestamp_age. */
#include "interval.h"

#include <string.h>
#include <unidb/errno.h>

#include "datetime.h"

#define USECS_PER_SEC 1000000LL
#define USECS_PER_HOUR 3600000000LL
#define DAYS_PER_MONTH 30
#define SECS_PER_DAY 86400

struct interval interval_of(const struct datum *d)
{
	struct interval v = {0};

	if (d->len == INTERVAL_LEN)
		memcpy(&v, d->s, INTERVAL_LEN);
	return v;
}

static int out_of_range(struct db_error *err)
{
	return db_err(err, "22008", "interval out of range");
}

int interval_datum(struct arena *a, const struct interval *v,
		   struct datum *out, struct db_error *err)
{
	char *p = arena_alloc(a, INTERVAL_LEN);

	if (!p)
		return db_err_oom(err);
	memcpy(p, v, INTERVAL_LEN);
	*out = datum_str(TYPE_INTERVAL, p, INTERVAL_LEN);
	return 0;
}

/* ---- input -------------------------------------------------------------- */

/* Accumulated fields, wide enough to detect overflow at the end. */
struct acc {
	__int128 months, days;
	double us; /* fractions of seconds are rounded at the end */
};

enum iv_unit { UN_NONE, UN_US, UN_MS, UN_SEC, UN_MIN, UN_HOUR, UN_DAY,
	       UN_WEEK, UN_MON, UN_YEAR, UN_DECADE, UN_CENTURY, UN_MILLENNIUM,
	       UN_AGO };

static const struct {
	const char *name;
	uint8_t unit;
} iv_units[] = {
	{"microsecond", UN_US}, {"microseconds", UN_US}, {"us", UN_US},
	{"usec", UN_US}, {"usecs", UN_US}, {"millisecond", UN_MS},
	{"milliseconds", UN_MS}, {"ms", UN_MS}, {"msec", UN_MS},
	{"msecs", UN_MS}, {"second", UN_SEC}, {"seconds", UN_SEC},
	{"s", UN_SEC}, {"sec", UN_SEC}, {"secs", UN_SEC}, {"minute", UN_MIN},
	{"minutes", UN_MIN}, {"m", UN_MIN}, {"min", UN_MIN}, {"mins", UN_MIN},
	{"hour", UN_HOUR}, {"hours", UN_HOUR}, {"h", UN_HOUR}, {"hr", UN_HOUR},
	{"hrs", UN_HOUR}, {"day", UN_DAY}, {"days", UN_DAY}, {"d", UN_DAY},
	{"week", UN_WEEK}, {"weeks", UN_WEEK}, {"w", UN_WEEK},
	{"month", UN_MON}, {"months", UN_MON}, {"mon", UN_MON},
	{"mons", UN_MON}, {"year", UN_YEAR}, {"years", UN_YEAR},
	{"y", UN_YEAR}, {"yr", UN_YEAR}, {"yrs", UN_YEAR},
	{"decade", UN_DECADE}, {"decades", UN_DECADE}, {"dec", UN_DECADE},
	{"century", UN_CENTURY}, {"centuries", UN_CENTURY},
	{"c", UN_CENTURY}, {"cent", UN_CENTURY},
	{"millennium", UN_MILLENNIUM}, {"millennia", UN_MILLENNIUM},
	{"mil", UN_MILLENNIUM}, {"mils", UN_MILLENNIUM}, {"ago", UN_AGO},
};

static int unit_of_word(const char *s, size_t n)
{
	unsigned k;

	for (k = 0; k < sizeof(iv_units) / sizeof(iv_units[0]); k++)
		if (db_ieq(s, n, iv_units[k].name))
			return iv_units[k].unit;
	return UN_NONE;
}

int interval_field_of(const char *w)
{
	static const char *const f[] = {"", "year", "month", "day", "hour",
					"minute", "second"};
	int k;

	for (k = 1; k <= IV_SECOND; k++)
		if (!strcmp(w, f[k]))
			return k;
	return 0;
}

/* The unit a bare number has under typmod mod (its last field). */
static int unit_of_field(int32_t mod)
{
	static const uint8_t u[] = {UN_SEC, UN_YEAR, UN_MON, UN_DAY, UN_HOUR,
				    UN_MIN, UN_SEC};

	return mod < 0 ? UN_SEC : u[mod & 15];
}

/* val (integer part) and frac (same sign) of unit u into a. Conversions
 * between double and 128-bit integers would call libgcc, which the
 * kernel does not link: doubles meet int64 only. */
static void add_unit(struct acc *a, int u, int64_t val, double frac)
{
	double f;

	switch (u) {
	case UN_US: a->us += (double)val + frac; break;
	case UN_MS: a->us += ((double)val + frac) * 1000.0; break;
	case UN_SEC: a->us += ((double)val + frac) * 1e6; break;
	case UN_MIN: a->us += ((double)val + frac) * 6e7; break;
	case UN_HOUR: a->us += ((double)val + frac) * 3.6e9; break;
	case UN_DAY:
	case UN_WEEK:
		f = frac * (u == UN_WEEK ? 7 : 1);
		a->days += (__int128)val * (u == UN_WEEK ? 7 : 1) + (int64_t)f;
		a->us += (f - (double)(int64_t)f) * 8.64e10;
		break;
	case UN_MON:
		f = frac * DAYS_PER_MONTH;
		a->months += val;
		a->days += (int64_t)f;
		a->us += (f - (double)(int64_t)f) * 8.64e10;
		break;
	default: { /* years and their multiples: fractions to whole months */
		int m = u == UN_YEAR ? 1 : u == UN_DECADE ? 10
					 : u == UN_CENTURY ? 100 : 1000;

		a->months += (__int128)val * 12 * m +
			     (int64_t)round_even(frac * 12 * m);
	}
	}
}

struct lex {
	const char *s;
	size_t n, i;
};

static void skip_blanks(struct lex *l)
{
	while (l->i < l->n && (l->s[l->i] == ' ' || l->s[l->i] == '\t' ||
			       l->s[l->i] == '\n' || l->s[l->i] == '\r'))
		l->i++;
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool is_alpha(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* [+-]digits[.digits]: integer part (saturated at INT64_MAX, which every
 * field rejects as out of range) and signed fraction; false if none. */
static bool number(struct lex *l, int64_t *val, double *frac)
{
	bool neg = false, any = false;
	double scale = 0.1;

	*val = 0;
	*frac = 0;
	if (l->i < l->n && (l->s[l->i] == '-' || l->s[l->i] == '+'))
		neg = l->s[l->i++] == '-';
	for (; l->i < l->n && is_digit(l->s[l->i]); l->i++, any = true)
		*val = *val > (INT64_MAX - 9) / 10 ? INT64_MAX
						   : *val * 10 + (l->s[l->i] - '0');
	if (l->i < l->n && l->s[l->i] == '.') {
		for (l->i++; l->i < l->n && is_digit(l->s[l->i]); l->i++) {
			*frac += (l->s[l->i] - '0') * scale;
			scale /= 10;
			any = true;
		}
	}
	if (neg) {
		*val = -*val;
		*frac = -*frac;
	}
	return any;
}

/* h:m[:s[.f]] after the hours (already read, with the sign neg). */
static bool time_part(struct lex *l, int64_t h, bool neg, struct acc *a)
{
	int64_t m, s = 0;
	double f = 0, sf;

	l->i++; /* ':' */
	if (!number(l, &m, &sf) || m < 0 || sf != 0)
		return false;
	if (l->i < l->n && l->s[l->i] == ':') {
		l->i++;
		if (!number(l, &s, &f) || s < 0)
			return false;
	}
	if (h < 0)
		h = -h;
	sf = (((double)h * 60 + (double)m) * 60 + (double)s + f) * 1e6;
	a->us += neg ? -sf : sf;
	return true;
}

/* One word of letters at l, as a unit; UN_NONE (and l unchanged) if not
 * a unit. */
static int unit_word(struct lex *l)
{
	size_t st = l->i;
	int u;

	while (l->i < l->n && is_alpha(l->s[l->i]))
		l->i++;
	u = unit_of_word(l->s + st, l->i - st);
	if (u == UN_NONE)
		l->i = st;
	return u;
}

/* ISO 8601 "P[nY][nM][nW][nD][T[nH][nM][nS]]". */
static bool iso8601(struct lex *l, struct acc *a)
{
	bool time = false, any = false;

	for (l->i++; l->i < l->n; any = true) {
		int64_t v;
		double f;
		char c;

		if (!time && (l->s[l->i] == 'T' || l->s[l->i] == 't')) {
			time = true;
			l->i++;
			continue;
		}
		if (!number(l, &v, &f) || l->i == l->n)
			return false;
		c = l->s[l->i++];
		if (c == 'Y' && !time)
			add_unit(a, UN_YEAR, v, f);
		else if (c == 'M')
			add_unit(a, time ? UN_MIN : UN_MON, v, f);
		else if (c == 'W' && !time)
			add_unit(a, UN_WEEK, v, f);
		else if (c == 'D' && !time)
			add_unit(a, UN_DAY, v, f);
		else if (c == 'H' && time)
			add_unit(a, UN_HOUR, v, f);
		else if (c == 'S' && time)
			add_unit(a, UN_SEC, v, f);
		else
			return false;
	}
	return any;
}

/* The fields of PostgreSQL's interval syntax into a; false on bad
 * syntax. */
static bool decode(struct lex *l, int32_t mod, struct acc *a)
{
	bool ago = false, any = false;

	skip_blanks(l);
	if (l->i < l->n && l->s[l->i] == '@')
		l->i++;
	skip_blanks(l);
	if (l->i < l->n && l->s[l->i] == 'P')
		return iso8601(l, a);
	while (skip_blanks(l), l->i < l->n) {
		bool neg = l->s[l->i] == '-';
		int64_t v, m;
		double f, mf;
		int u;

		if (is_alpha(l->s[l->i])) { /* "ago" negates every field */
			if (unit_word(l) != UN_AGO)
				return false;
			ago = true;
			continue;
		}
		if (!number(l, &v, &f))
			return false;
		any = true;
		if (l->i < l->n && l->s[l->i] == ':') {
			if (f != 0 || !time_part(l, v, neg, a))
				return false;
			continue;
		}
		if (l->i < l->n && l->s[l->i] == '-' && f == 0) { /* Y-M */
			l->i++;
			if (!number(l, &m, &mf) || m < 0 || mf != 0)
				return false;
			a->months += (__int128)v * 12 + (neg ? -m : m);
			continue;
		}
		skip_blanks(l);
		u = l->i < l->n && is_alpha(l->s[l->i]) ? unit_word(l) : UN_NONE;
		if (u == UN_AGO) {
			l->i -= 3;
			u = UN_NONE;
		}
		if (u == UN_NONE && l->i < l->n && is_digit(l->s[l->i])) {
			/* "1 10:00:00": a number before a time is days */
			struct lex peek = *l;
			int64_t pv;
			double pf;

			if (number(&peek, &pv, &pf) && peek.i < peek.n &&
			    peek.s[peek.i] == ':')
				u = UN_DAY;
		}
		if (u == UN_NONE)
			u = unit_of_field(mod);
		add_unit(a, u, v, f);
	}
	if (!any)
		return false;
	if (ago) {
		a->months = -a->months;
		a->days = -a->days;
		a->us = -a->us;
	}
	return true;
}

/* Drops the fields below the qualifier's last one (interval '...' day). */
static void apply_mod(struct interval *v, int32_t mod)
{
	int lo = mod < 0 ? IV_SECOND : mod & 15;

	if (lo <= IV_YEAR)
		v->months -= v->months % 12;
	if (lo <= IV_MONTH)
		v->days = 0;
	if (lo <= IV_DAY)
		v->us = 0;
	else if (lo == IV_HOUR)
		v->us -= v->us % USECS_PER_HOUR;
	else if (lo == IV_MINUTE)
		v->us -= v->us % (60 * USECS_PER_SEC);
}

int interval_in(struct arena *a, const char *s, size_t n, int32_t mod,
		struct datum *out, struct db_error *err)
{
	struct lex l = {s, n, 0};
	struct acc acc = {0};
	struct interval v;
	double us;

	if (!decode(&l, mod, &acc))
		return db_err(err, "22007",
			      "invalid input syntax for type interval: \"%.*s\"",
			      (int)(n > 200 ? 200 : n), s);
	us = round_even(acc.us);
	if (acc.months > INT32_MAX || acc.months < INT32_MIN ||
	    acc.days > INT32_MAX || acc.days < INT32_MIN ||
	    !(us < 9.2e18 && us > -9.2e18))
		return db_err(err, "22015",
			      "interval field value out of range: \"%.*s\"",
			      (int)(n > 200 ? 200 : n), s);
	v.months = (int32_t)acc.months;
	v.days = (int32_t)acc.days;
	v.us = (int64_t)us;
	apply_mod(&v, mod);
	return interval_datum(a, &v, out, err);
}

/* ---- output (IntervalStyle postgres) ------------------------------------ */

/* "%s%d unit[s]": one field of EncodeInterval's postgres style. */
static void put_field(struct strbuf *sb, int64_t v, const char *unit,
		      bool *zero, bool *before)
{
	if (!v)
		return;
	sb_printf(sb, "%s%s%lld %s%s", *zero ? "" : " ",
		  *before && v > 0 ? "+" : "", (long long)v, unit,
		  v != 1 ? "s" : "");
	*before = v < 0;
	*zero = false;
}

void interval_out(struct strbuf *sb, const struct datum *d)
{
	struct interval v = interval_of(d);
	bool zero = true, before = false;
	int64_t t = v.us, h, m, s, f;
	char digits[8];
	int k;

	put_field(sb, v.months / 12, "year", &zero, &before);
	put_field(sb, v.months % 12, "mon", &zero, &before);
	put_field(sb, v.days, "day", &zero, &before);
	if (!zero && !t)
		return;
	h = t / USECS_PER_HOUR;
	t -= h * USECS_PER_HOUR;
	m = t / (60 * USECS_PER_SEC);
	t -= m * 60 * USECS_PER_SEC;
	s = t / USECS_PER_SEC;
	f = t - s * USECS_PER_SEC;
	sb_printf(sb, "%s%s%02lld:%02lld:%02lld", zero ? "" : " ",
		  v.us < 0 ? "-" : before ? "+" : "",
		  (long long)(h < 0 ? -h : h), (long long)(m < 0 ? -m : m),
		  (long long)(s < 0 ? -s : s));
	if (!f)
		return;
	f = f < 0 ? -f : f;
	for (k = 5; k >= 0; k--, f /= 10)
		digits[k] = (char)('0' + f % 10);
	for (k = 6; digits[k - 1] == '0'; k--)
		;
	sb_putc(sb, '.');
	sb_put(sb, digits, (size_t)k);
}

/* ---- comparison ----------------------------------------------------------- */

static __int128 span(const struct interval *v)
{
	return ((__int128)v->months * DAYS_PER_MONTH + v->days) *
		       (__int128)86400000000LL +
	       v->us;
}

int interval_cmp(const struct datum *a, const struct datum *b)
{
	struct interval x = interval_of(a), y = interval_of(b);
	__int128 p = span(&x), q = span(&y);

	return p < q ? -1 : p > q;
}

uint64_t interval_hash(const struct datum *d)
{
	struct interval v = interval_of(d);
	__int128 s = span(&v);
	uint64_t h = ((uint64_t)s ^ (uint64_t)(s >> 64)) * 0x9e3779b97f4a7c15ull;

	return h ^ (h >> 29);
}

/* ---- arithmetic ----------------------------------------------------------- */

static int fit(__int128 months, __int128 days, __int128 us,
	       struct interval *out, struct db_error *err)
{
	if (months > INT32_MAX || months < INT32_MIN || days > INT32_MAX ||
	    days < INT32_MIN || us > INT64_MAX || us < INT64_MIN)
		return out_of_range(err);
	out->months = (int32_t)months;
	out->days = (int32_t)days;
	out->us = (int64_t)us;
	return 0;
}

int interval_add(const struct interval *a, const struct interval *b, int sign,
		 struct interval *out, struct db_error *err)
{
	return fit((__int128)a->months + sign * (__int128)b->months,
		   (__int128)a->days + sign * (__int128)b->days,
		   (__int128)a->us + sign * (__int128)b->us, out, err);
}

/* PostgreSQL's TSROUND: to microsecond precision. */
static double tsround(double v)
{
	return round_even(v * 1e6) / 1e6;
}

static double scale_by(double v, double f, bool div)
{
	return div ? v / f : v * f;
}

int interval_scale(const struct interval *a, double f, bool div,
		   struct interval *out, struct db_error *err)
{
	double m, d, mdays, secs, us;
	int64_t mi, di;

	if (div && f == 0)
		return db_err(err, "22012", "division by zero");
	m = scale_by(a->months, f, div);
	d = scale_by(a->days, f, div);
	if (!(m < 2147483648.0 && m > -2147483649.0) ||
	    !(d < 2147483648.0 && d > -2147483649.0) || f != f)
		return out_of_range(err);
	mi = (int64_t)m;
	di = (int64_t)d;
	mdays = tsround((m - (double)mi) * DAYS_PER_MONTH);
	secs = tsround((d - (double)di + mdays - (double)(int64_t)mdays) *
		       SECS_PER_DAY);
	if (secs >= SECS_PER_DAY || secs <= -SECS_PER_DAY) {
		di += (int64_t)(secs / SECS_PER_DAY);
		secs -= (double)((int64_t)(secs / SECS_PER_DAY) * SECS_PER_DAY);
	}
	di += (int64_t)mdays;
	us = round_even(scale_by((double)a->us, f, div) + secs * 1e6);
	if (!(us < 9.2e18 && us > -9.2e18))
		return out_of_range(err);
	return fit(mi, di, (int64_t)us, out, err);
}

static int last_day(int64_t y, int m)
{
	return (int)(days_from_ymd(m == 12 ? y + 1 : y, m == 12 ? 1 : m + 1, 1) -
		     days_from_ymd(y, m, 1));
}

int timestamp_add_interval(int64_t ts, const struct interval *v, int sign,
			   int64_t *out, struct db_error *err)
{
	int64_t days = ts >= 0 ? ts / USECS_PER_DAY
			       : -((-ts + USECS_PER_DAY - 1) / USECS_PER_DAY);
	int64_t tod = ts - days * USECS_PER_DAY, y;
	__int128 r;
	int m, d;

	if (v->months) {
		int64_t mon;

		ymd_from_days(days, &y, &m, &d);
		mon = y * 12 + (m - 1) + sign * (int64_t)v->months;
		y = mon >= 0 ? mon / 12 : -((-mon + 11) / 12);
		m = (int)(mon - y * 12) + 1;
		if (y < 1 || y > 294277)
			return db_err(err, "22008", "timestamp out of range");
		if (d > last_day(y, m))
			d = last_day(y, m);
		days = days_from_ymd(y, m, d);
	}
	r = ((__int128)days + sign * (__int128)v->days) * USECS_PER_DAY + tod +
	    sign * (__int128)v->us;
	if (r > INT64_MAX || r < INT64_MIN || timestamp_check((int64_t)r, err) < 0)
		return db_err(err, "22008", "timestamp out of range");
	*out = (int64_t)r;
	return 0;
}

void interval_justify(struct interval *v, bool hours, bool days)
{
	int64_t whole;

	if (hours) {
		whole = v->us / USECS_PER_DAY;
		v->us -= whole * USECS_PER_DAY;
		v->days += (int32_t)whole;
	}
	if (days) {
		whole = v->days / DAYS_PER_MONTH;
		v->days -= (int32_t)(whole * DAYS_PER_MONTH);
		v->months += (int32_t)whole;
		if (v->months > 0 &&
		    (v->days < 0 || (hours && v->days == 0 && v->us < 0))) {
			v->days += DAYS_PER_MONTH;
			v->months--;
		} else if (v->months < 0 &&
			   (v->days > 0 || (hours && v->days == 0 && v->us > 0))) {
			v->days -= DAYS_PER_MONTH;
			v->months++;
		}
	}
	if (!hours)
		return;
	if (v->days > 0 && v->us < 0) {
		v->us += USECS_PER_DAY;
		v->days--;
	} else if (v->days < 0 && v->us > 0) {
		v->us -= USECS_PER_DAY;
		v->days++;
	}
}

struct interval timestamp_diff(int64_t a, int64_t b)
{
	struct interval v = {(int64_t)((uint64_t)a - (uint64_t)b), 0, 0};

	interval_justify(&v, true, false);
	return v;
}

struct tm6 {
	int64_t y, us; /* us: microseconds of the day */
	int m, d;
};

static void tm_of(int64_t ts, struct tm6 *t)
{
	int64_t days = ts >= 0 ? ts / USECS_PER_DAY
			       : -((-ts + USECS_PER_DAY - 1) / USECS_PER_DAY);

	t->us = ts - days * USECS_PER_DAY;
	ymd_from_days(days, &t->y, &t->m, &t->d);
}

struct interval timestamp_age(int64_t a, int64_t b)
{
	struct tm6 x, y;
	int64_t years, months, days, us;
	int sign = a < b ? -1 : 1;
	struct interval v;

	tm_of(a, &x);
	tm_of(b, &y);
	us = sign * (x.us - y.us);
	days = sign * (x.d - y.d);
	months = sign * (x.m - y.m);
	years = sign * (x.y - y.y);
	if (us < 0) {
		us += USECS_PER_DAY;
		days--;
	}
	while (days < 0) { /* borrow the days of the earlier month */
		const struct tm6 *e = a < b ? &x : &y;

		days += last_day(e->y, e->m);
		months--;
	}
	while (months < 0) {
		months += 12;
		years--;
	}
	v.months = (int32_t)(sign * (years * 12 + months));
	v.days = (int32_t)(sign * days);
	v.us = sign * us;
	return v;
}
