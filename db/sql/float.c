/* SPDX-License-Identifier: MIT */
/* float.c: real and double precision text input and output with
 * PostgreSQL's results, without libc or libm (see float.h).
 *
 * Input is correctly rounded (round half to even): the decimal value is
 * turned into an exact big-integer quotient and its top bits are rounded
 * with the remainder as the sticky bit. Output is the shortest decimal
 * that reads back to the same value (what PostgreSQL 12+ prints with
 * extra_float_digits = 1): the value's exact decimal expansion is rounded
 * to 1, 2, ... significant digits until one reads back. Big integers are
 * little-endian 32-bit words in one heap block. */
#include "float.h"

#include <string.h>
#include <unidb/errno.h>
#include <unidb/heap.h>

#define BIG_WORDS 180 /* 5760 bits: 10^(800 + 340 + 20) fits */
#define MAX_DIGITS 800

struct big {
	int n; /* words in use; no leading zero word */
	uint32_t w[BIG_WORDS];
};

static void big_set(struct big *b, uint64_t v)
{
	b->n = 0;
	while (v) {
		b->w[b->n++] = (uint32_t)v;
		v >>= 32;
	}
}

static void big_trim(struct big *b)
{
	while (b->n && !b->w[b->n - 1])
		b->n--;
}

/* b = b * m + a */
static void big_muladd(struct big *b, uint32_t m, uint32_t a)
{
	uint64_t c = a;
	int i;

	for (i = 0; i < b->n; i++) {
		c += (uint64_t)b->w[i] * m;
		b->w[i] = (uint32_t)c;
		c >>= 32;
	}
	if (c && b->n < BIG_WORDS)
		b->w[b->n++] = (uint32_t)c;
}

static void big_pow10(struct big *b, int e)
{
	for (; e >= 9; e -= 9)
		big_muladd(b, 1000000000u, 0);
	while (e-- > 0)
		big_muladd(b, 10, 0);
}

static void big_pow5(struct big *b, int e)
{
	for (; e >= 13; e -= 13)
		big_muladd(b, 1220703125u, 0); /* 5^13 */
	while (e-- > 0)
		big_muladd(b, 5, 0);
}

static int big_bits(const struct big *b)
{
	return b->n ? 32 * (b->n - 1) + 32 - __builtin_clz(b->w[b->n - 1]) : 0;
}

static void big_shl(struct big *b, int s)
{
	int ws = s / 32, bs = s % 32, i;

	if (!b->n)
		return;
	if (b->n + ws + 1 > BIG_WORDS)
		return; /* cannot happen within the digit limits */
	b->w[b->n + ws] = 0;
	for (i = b->n - 1; i >= 0; i--) {
		uint32_t v = b->w[i];

		b->w[i + ws + 1] |= bs ? v >> (32 - bs) : 0;
		b->w[i + ws] = v << bs;
	}
	for (i = 0; i < ws; i++)
		b->w[i] = 0;
	b->n += ws + 1;
	big_trim(b);
}

static int big_cmp(const struct big *a, const struct big *b)
{
	int i;

	if (a->n != b->n)
		return a->n < b->n ? -1 : 1;
	for (i = a->n - 1; i >= 0; i--)
		if (a->w[i] != b->w[i])
			return a->w[i] < b->w[i] ? -1 : 1;
	return 0;
}

static void big_sub(struct big *a, const struct big *b) /* a >= b */
{
	int64_t c = 0;
	int i;

	for (i = 0; i < a->n; i++) {
		c += (int64_t)a->w[i] - (i < b->n ? b->w[i] : 0);
		a->w[i] = (uint32_t)c;
		c = c < 0 ? -1 : 0;
	}
	big_trim(a);
}

/* Remainder of b / d, b becomes the quotient. */
static uint32_t big_divsmall(struct big *b, uint32_t d)
{
	uint64_t r = 0;
	int i;

	for (i = b->n - 1; i >= 0; i--) {
		r = r << 32 | b->w[i];
		b->w[i] = (uint32_t)(r / d);
		r %= d;
	}
	big_trim(b);
	return (uint32_t)r;
}

/* value = num / den as q * 2^-s with q in [2^63, 2^65), sticky = the
 * division was inexact. num and den are destroyed. */
static unsigned __int128 big_quot(struct big *num, struct big *den, int *s,
				  bool *sticky, struct big *t)
{
	unsigned __int128 q = 0;
	int b;

	*s = 64 - (big_bits(num) - big_bits(den));
	if (*s > 0)
		big_shl(num, *s);
	else if (*s < 0)
		big_shl(den, -*s);
	for (b = 65; b >= 0; b--) {
		*t = *den;
		big_shl(t, b);
		if (big_cmp(num, t) >= 0) {
			big_sub(num, t);
			q |= (unsigned __int128)1 << b;
		}
	}
	*sticky = num->n != 0;
	return q;
}

struct fmt {
	int p;	  /* mantissa bits with the hidden one */
	int emin; /* exponent of the smallest normal */
	int emax;
};

static const struct fmt F8 = {53, -1022, 1023}, F4 = {24, -126, 127};

static int bitlen128(unsigned __int128 q)
{
	uint64_t hi = (uint64_t)(q >> 64);

	return hi ? 128 - __builtin_clzll(hi)
		  : (uint64_t)q ? 64 - __builtin_clzll((uint64_t)q) : 0;
}

/* q * 2^-s (+ sticky) rounded half to even into the format: the mantissa
 * and the exponent of its leading bit; -1: overflow. */
static int round_bits(unsigned __int128 q, int s, bool sticky,
		      const struct fmt *f, uint64_t *mant, int *lead)
{
	int L = bitlen128(q), p = f->p, drop;
	unsigned __int128 rem, half;

	*lead = L - 1 - s;
	if (*lead < f->emin)
		p -= f->emin - *lead;
	if (p < 0) {
		*mant = 0;
		return 0;
	}
	drop = L - p;
	if (drop <= 0) {
		*mant = (uint64_t)(q << -drop);
	} else {
		*mant = (uint64_t)(q >> drop);
		rem = q & (((unsigned __int128)1 << drop) - 1);
		half = (unsigned __int128)1 << (drop - 1);
		if (rem > half || (rem == half && (sticky || (*mant & 1))))
			(*mant)++;
	}
	if (*mant >> p && p == f->p) { /* carried into a new bit */
		*mant >>= 1;
		(*lead)++;
	}
	return *lead > f->emax ? -1 : 0;
}

static double make_double(bool neg, uint64_t mant, int lead, const struct fmt *f)
{
	uint64_t bits;
	union {
		double d;
		uint64_t u;
	} d8;
	union {
		float f;
		uint32_t u;
	} d4;

	if (f->p == 24) {
		uint32_t b = lead < f->emin || !(mant >> 23)
				     ? (uint32_t)mant
				     : (uint32_t)(lead + 127) << 23 |
					       ((uint32_t)mant & 0x7fffff);
		d4.u = b | (neg ? 0x80000000u : 0);
		return d4.f;
	}
	bits = lead < f->emin || !(mant >> 52)
		       ? mant
		       : (uint64_t)(lead + 1023) << 52 | (mant & ((1ULL << 52) - 1));
	d8.u = bits | (neg ? 1ULL << 63 : 0);
	return d8.d;
}

struct bigs {
	struct big a, b, t;
};

/* digits d[0..nd) (with a sticky nonzero digit appended if digits were
 * cut) * 10^e10 -> double. 1: overflow, 2: underflow to zero. */
static int decimal_to_float(struct bigs *bg, const uint8_t *d, int nd,
			    int e10, bool neg, const struct fmt *f,
			    double *out)
{
	unsigned __int128 q;
	uint64_t mant;
	int s, lead, i;
	bool sticky;

	if (nd == 0) {
		*out = neg ? -0.0 : 0.0;
		return 0;
	}
	/* beyond these the result is certainly infinite or zero */
	if (nd + e10 > 400)
		return 1;
	if (nd + e10 < -400)
		return 2;
	big_set(&bg->a, 0);
	for (i = 0; i < nd; i++) {
		if (!bg->a.n)
			big_set(&bg->a, d[i]);
		else
			big_muladd(&bg->a, 10, d[i]);
	}
	big_set(&bg->b, 1);
	if (e10 >= 0)
		big_pow10(&bg->a, e10);
	else
		big_pow10(&bg->b, -e10);
	q = big_quot(&bg->a, &bg->b, &s, &sticky, &bg->t);
	if (round_bits(q, s, sticky, f, &mant, &lead) < 0)
		return 1;
	if (!mant)
		return 2;
	*out = make_double(neg, mant, lead, f);
	return 0;
}

static bool blank(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' ||
	       c == '\v';
}

static bool word(const char *s, size_t n, const char *w)
{
	size_t k = strlen(w), i;

	if (n != k)
		return false;
	for (i = 0; i < k; i++)
		if ((s[i] | 0x20) != w[i])
			return false;
	return true;
}

static int bad_syntax(const char *s, size_t n, bool float4,
		      struct db_error *err)
{
	return db_err(err, "22P02", "invalid input syntax for type %s: \"%.*s\"",
		      float4 ? "real" : "double precision",
		      (int)(n > 200 ? 200 : n), s);
}

static double special(bool neg, bool nan)
{
	union {
		double d;
		uint64_t u;
	} v;

	v.u = nan ? 0x7ff8000000000000ULL : 0x7ff0000000000000ULL;
	if (neg && !nan)
		v.u |= 1ULL << 63;
	return v.d;
}

int float_parse(const char *s0, size_t n0, bool float4, double *out,
		struct db_error *err)
{
	const char *s = s0;
	size_t n = n0, i = 0;
	uint8_t d[MAX_DIGITS + 1];
	int nd = 0, e10 = 0, r;
	long exp = 0;
	bool neg = false, any = false, point = false, cut = false, eneg;
	struct bigs *bg;

	while (n && blank(*s))
		s++, n--;
	while (n && blank(s[n - 1]))
		n--;
	if (n && (*s == '+' || *s == '-')) {
		neg = *s == '-';
		i = 1;
	}
	if (word(s + i, n - i, "nan") && i == 0) {
		*out = special(false, true);
		return 0;
	}
	if (word(s + i, n - i, "infinity") || word(s + i, n - i, "inf")) {
		*out = special(neg, false);
		return 0;
	}
	for (; i < n; i++) {
		if (s[i] == '.' && !point) {
			point = true;
		} else if (s[i] >= '0' && s[i] <= '9') {
			any = true;
			if (nd == 0 && s[i] == '0') {
				e10 -= point;
				continue;
			}
			if (nd < MAX_DIGITS)
				d[nd++] = (uint8_t)(s[i] - '0');
			else
				cut |= s[i] != '0', e10++;
			e10 -= point;
		} else {
			break;
		}
	}
	if (!any)
		return bad_syntax(s0, n0, float4, err);
	if (i < n && (s[i] == 'e' || s[i] == 'E')) {
		size_t k;

		i++;
		eneg = i < n && s[i] == '-';
		if (i < n && (s[i] == '+' || s[i] == '-'))
			i++;
		for (k = i; i < n && s[i] >= '0' && s[i] <= '9'; i++)
			if (exp < 100000)
				exp = exp * 10 + (s[i] - '0');
		if (k == i)
			return bad_syntax(s0, n0, float4, err);
		e10 += (int)(eneg ? -exp : exp);
	}
	if (i != n)
		return bad_syntax(s0, n0, float4, err);
	if (cut) { /* a sticky digit stands for the digits cut off */
		d[nd++] = 1;
		e10--;
	}
	while (nd && d[nd - 1] == 0)
		nd--, e10++;
	bg = kmalloc(sizeof(*bg));
	if (!bg)
		return db_err_oom(err);
	r = decimal_to_float(bg, d, nd, e10, neg, float4 ? &F4 : &F8, out);
	kfree(bg);
	if (r)
		return db_err(err, "22003", "\"%.*s\" is out of range for type %s",
			      (int)(n0 > 200 ? 200 : n0), s0,
			      float4 ? "real" : "double precision");
	return 0;
}

/* ---- output ----------------------------------------------------------- */

static uint64_t bits_of(double v)
{
	union {
		double d;
		uint64_t u;
	} x = {.d = v};
	return x.u;
}

/* Exact decimal digits of |v| (finite, nonzero): d[0..*nd) * 10^*e10. */
static void exact_digits(struct big *b, double v, bool float4, uint8_t *d,
			 int *nd, int *e10)
{
	uint64_t u = bits_of(v), m;
	int e, k, i;
	uint8_t tmp[9];

	if (float4) {
		union {
			float f;
			uint32_t u;
		} x = {.f = (float)v};
		int be = (int)(x.u >> 23 & 0xff);

		m = x.u & 0x7fffff;
		e = be ? be - 150 : -149;
		if (be)
			m |= 1u << 23;
	} else {
		int be = (int)(u >> 52 & 0x7ff);

		m = u & ((1ULL << 52) - 1);
		e = be ? be - 1075 : -1074;
		if (be)
			m |= 1ULL << 52;
	}
	big_set(b, m);
	if (e >= 0) {
		big_shl(b, e);
		*e10 = 0;
	} else {
		big_pow5(b, -e);
		*e10 = e;
	}
	/* groups of 9 digits, least significant first */
	*nd = 0;
	while (b->n) {
		uint32_t g = big_divsmall(b, 1000000000u);

		for (k = 0; k < 9; k++, g /= 10)
			tmp[k] = (uint8_t)(g % 10);
		for (k = 0; k < 9; k++)
			d[(*nd)++] = tmp[k];
	}
	/* reverse to most significant first, drop leading zeros */
	for (i = 0; i < *nd / 2; i++) {
		uint8_t t = d[i];

		d[i] = d[*nd - 1 - i];
		d[*nd - 1 - i] = t;
	}
	for (k = 0; k < *nd && !d[k]; k++)
		;
	memmove(d, d + k, (size_t)(*nd - k));
	*nd -= k;
}

/* d[0..nd) rounded half to even to p digits into r; returns the decimal
 * exponent adjustment (1 if 99.. carried into a new digit). */
static int round_digits(const uint8_t *d, int nd, int p, uint8_t *r)
{
	int i, up = 0;

	memcpy(r, d, (size_t)(p < nd ? p : nd));
	for (i = nd; i < p; i++)
		r[i] = 0;
	if (nd > p) {
		bool rest = false;

		for (i = p + 1; i < nd; i++)
			rest |= d[i] != 0;
		up = d[p] > 5 || (d[p] == 5 && (rest || (r[p - 1] & 1)));
	}
	if (!up)
		return 0;
	for (i = p - 1; i >= 0 && r[i] == 9; i--)
		r[i] = 0;
	if (i >= 0) {
		r[i]++;
		return 0;
	}
	r[0] = 1;
	return 1;
}

static void put_digits(struct strbuf *sb, bool neg, const uint8_t *r, int p,
		       int x, bool float4)
{
	char out[64];
	int len = 0, i;

	while (p > 1 && r[p - 1] == 0)
		p--;
	if (neg)
		out[len++] = '-';
	if (x < -4 || x >= (float4 ? 6 : 15)) {
		out[len++] = (char)('0' + r[0]);
		if (p > 1) {
			out[len++] = '.';
			for (i = 1; i < p; i++)
				out[len++] = (char)('0' + r[i]);
		}
		out[len++] = 'e';
		out[len++] = x < 0 ? '-' : '+';
		if (x < 0)
			x = -x;
		if (x >= 100)
			out[len++] = (char)('0' + x / 100);
		out[len++] = (char)('0' + x / 10 % 10);
		out[len++] = (char)('0' + x % 10);
	} else if (x < 0) {
		out[len++] = '0';
		out[len++] = '.';
		for (i = -1; i > x; i--)
			out[len++] = '0';
		for (i = 0; i < p; i++)
			out[len++] = (char)('0' + r[i]);
	} else {
		for (i = 0; i <= x || i < p; i++) {
			if (i == x + 1)
				out[len++] = '.';
			out[len++] = (char)('0' + (i < p ? r[i] : 0));
		}
	}
	sb_put(sb, out, (size_t)len);
}

void float_out(struct strbuf *sb, double v, bool float4)
{
	uint64_t u = bits_of(v);
	bool neg = u >> 63;
	struct bigs *bg;
	uint8_t *d, r[20];
	int nd, e10, p, x = 0;

	if ((u >> 52 & 0x7ff) == 0x7ff) {
		sb_puts(sb, u & ((1ULL << 52) - 1) ? "NaN"
			    : neg		    ? "-Infinity"
						    : "Infinity");
		return;
	}
	if (!(u << 1)) {
		sb_puts(sb, neg ? "-0" : "0");
		return;
	}
	bg = kmalloc(sizeof(*bg) + 1200);
	if (!bg) {
		sb->oom = true;
		return;
	}
	d = (uint8_t *)(bg + 1);
	exact_digits(&bg->a, v, float4, d, &nd, &e10);
	for (p = 1; p <= (float4 ? 9 : 17); p++) {
		double back;
		int up = round_digits(d, nd, p, r);

		x = nd - 1 + e10 + up; /* exponent of the first digit */
		if (decimal_to_float(bg, r, p, x - p + 1, neg,
				     float4 ? &F4 : &F8, &back) == 0 &&
		    bits_of(back) == u)
			break;
	}
	put_digits(sb, neg, r, p, x, float4);
	kfree(bg);
}
