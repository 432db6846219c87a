/* SPDX-License-Identifier: MIT */
/* numeric.c: exact decimal arithmetic (see numeric.h).
 *
 * Digits are base 10, one per byte: simple to align, print and check, and
 * fast enough for the sizes SQL values have (schoolbook multiplication and
 * long division are quadratic in the digits, bounded by
 * NUMERIC_MAX_DIGITS). */
#include "numeric.h"

#include <string.h>
#include <unidb/errno.h>

static uint8_t *digits_alloc(struct arena *a, int n)
{
	return arena_alloc(a, (size_t)(n > 0 ? n : 1));
}

/* Drops leading zeros; zero has no sign. */
static void norm(struct numeric *v)
{
	while (v->n > 0 && v->d[0] == 0)
		v->d++, v->n--;
	if (v->n == 0)
		v->neg = false;
}

static int overflow(struct db_error *err)
{
	return db_err(err, "22003", "value overflows numeric format");
}

static int check_size(struct numeric *v, struct db_error *err)
{
	norm(v);
	if (v->n > NUMERIC_MAX_DIGITS || v->n - v->scale > NUMERIC_MAX_DIGITS / 2)
		return overflow(err);
	return 0;
}

/* The digit of v worth 10^(k - S) (k counted from the right at scale S,
 * S >= v->scale). */
static int digit_at(const struct numeric *v, int k, int S)
{
	int i = v->n - 1 - (k - (S - v->scale));

	return i >= 0 && i < v->n ? v->d[i] : 0;
}

static int aligned_len(const struct numeric *v, int S)
{
	return v->n + (S - v->scale);
}

static int mag_cmp(const struct numeric *x, const struct numeric *y)
{
	int S = x->scale > y->scale ? x->scale : y->scale;
	int lx = aligned_len(x, S), ly = aligned_len(y, S), k;
	int l = lx > ly ? lx : ly;

	for (k = l - 1; k >= 0; k--) {
		int a = digit_at(x, k, S), b = digit_at(y, k, S);

		if (a != b)
			return a < b ? -1 : 1;
	}
	return 0;
}

/* |x| + |y| (sub = false) or |x| - |y| with |x| >= |y| (sub = true). */
static int mag_addsub(struct arena *a, const struct numeric *x,
		      const struct numeric *y, bool sub, struct numeric *out)
{
	int S = x->scale > y->scale ? x->scale : y->scale;
	int lx = aligned_len(x, S), ly = aligned_len(y, S);
	int l = (lx > ly ? lx : ly) + 1, k, carry = 0;
	uint8_t *d = digits_alloc(a, l);

	if (!d)
		return -ENOMEM;
	for (k = 0; k < l; k++) {
		int v = digit_at(x, k, S) + (sub ? -digit_at(y, k, S)
						 : digit_at(y, k, S)) + carry;

		carry = v < 0 ? -1 : v / 10;
		d[l - 1 - k] = (uint8_t)(v < 0 ? v + 10 : v % 10);
	}
	out->d = d;
	out->n = l;
	out->scale = S;
	out->neg = false;
	return 0;
}

static int add_signed(struct arena *a, const struct numeric *x,
		      const struct numeric *y, bool negate_y,
		      struct numeric *out, struct db_error *err)
{
	bool yneg = y->neg != negate_y && y->n > 0;
	int c;

	if (x->neg == yneg) {
		if (mag_addsub(a, x, y, false, out) < 0)
			return db_err_oom(err);
		out->neg = x->neg;
	} else {
		c = mag_cmp(x, y);
		if (mag_addsub(a, c >= 0 ? x : y, c >= 0 ? y : x, true, out) < 0)
			return db_err_oom(err);
		out->neg = c >= 0 ? x->neg : yneg;
	}
	return check_size(out, err);
}

int numeric_add(struct arena *a, const struct numeric *x,
		const struct numeric *y, struct numeric *out,
		struct db_error *err)
{
	return add_signed(a, x, y, false, out, err);
}

int numeric_sub(struct arena *a, const struct numeric *x,
		const struct numeric *y, struct numeric *out,
		struct db_error *err)
{
	return add_signed(a, x, y, true, out, err);
}

int numeric_mul(struct arena *a, const struct numeric *x,
		const struct numeric *y, struct numeric *out,
		struct db_error *err)
{
	int l = x->n + y->n, i, j;
	uint32_t *acc;
	uint8_t *d;

	if (l > 2 * NUMERIC_MAX_DIGITS)
		return overflow(err);
	acc = arena_alloc(a, sizeof(*acc) * (size_t)(l + 1));
	d = digits_alloc(a, l);
	if (!acc || !d)
		return db_err_oom(err);
	memset(acc, 0, sizeof(*acc) * (size_t)(l + 1));
	for (i = x->n - 1; i >= 0; i--) {
		for (j = y->n - 1; j >= 0; j--)
			acc[i + j + 1] += (uint32_t)x->d[i] * y->d[j];
		/* carry once per row so that no slot exceeds 32 bits */
		for (j = l - 1; j > 0; j--) {
			acc[j - 1] += acc[j] / 10;
			acc[j] %= 10;
		}
	}
	for (i = 0; i < l; i++)
		d[i] = (uint8_t)acc[i];
	out->d = d;
	out->n = l;
	out->scale = x->scale + y->scale;
	out->neg = x->neg != y->neg;
	return check_size(out, err);
}

/* Integer long division of the digits num[0..nn) by den[0..nd) (den has
 * no leading zero): quotient digits into q[0..nn), remainder into
 * rem[0..nd+1). */
static void long_div(const uint8_t *num, int nn, const uint8_t *den, int nd,
		     uint8_t *q, uint8_t *rem)
{
	int i, k;

	memset(rem, 0, (size_t)nd + 1);
	for (i = 0; i < nn; i++) {
		memmove(rem, rem + 1, (size_t)nd);
		rem[nd] = num[i];
		q[i] = 0;
		for (;;) {
			int c = rem[0] ? 1 : 0;

			for (k = 0; !c && k < nd; k++)
				c = rem[k + 1] < den[k] ? -1 : rem[k + 1] > den[k];
			if (c < 0)
				break;
			for (k = nd - 1, c = 0; k >= -1; k--) {
				int v = rem[k + 1] - (k >= 0 ? den[k] : 0) - c;

				c = v < 0;
				rem[k + 1] = (uint8_t)(v < 0 ? v + 10 : v);
			}
			q[i]++;
		}
	}
}

/* |x| * 10^e as a digit string (e >= 0) in a. */
static uint8_t *shifted(struct arena *a, const struct numeric *x, int e)
{
	uint8_t *d = digits_alloc(a, x->n + e);

	if (d) {
		memcpy(d, x->d, (size_t)x->n);
		memset(d + x->n, 0, (size_t)e);
	}
	return d;
}

/* Base-10000 weight and first digit of v, aligned at the point as
 * PostgreSQL stores numerics (zero: 0 and 0). */
static void nbase_lead(const struct numeric *v, int *weight, int *first)
{
	int p, w, e;

	*weight = 0;
	*first = 0;
	if (v->n == 0)
		return;
	p = v->n - 1 - v->scale; /* exponent of the leading digit */
	w = p >= 0 ? p / 4 : -((-p + 3) / 4);
	*weight = w;
	for (e = 4 * w + 3; e >= 4 * w; e--)
		*first = *first * 10 + digit_at(v, e + v->scale, v->scale);
}

static int div_scale(const struct numeric *x, const struct numeric *y)
{
	int w1, f1, w2, f2, qw, r;

	nbase_lead(x, &w1, &f1);
	nbase_lead(y, &w2, &f2);
	qw = w1 - w2 - (f1 <= f2);
	r = 16 - qw * 4;
	r = r > x->scale ? r : x->scale;
	r = r > y->scale ? r : y->scale;
	r = r > 0 ? r : 0;
	return r < NUMERIC_MAX_SCALE ? r : NUMERIC_MAX_SCALE;
}

static int division_by_zero(struct db_error *err)
{
	return db_err(err, "22012", "division by zero");
}

int numeric_div(struct arena *a, const struct numeric *x,
		const struct numeric *y, struct numeric *out,
		struct db_error *err)
{
	int rscale = div_scale(x, y);
	int e = y->scale - x->scale + rscale + 1, nn = x->n + e, i;
	uint8_t *num, *q, *rem;

	if (y->n == 0)
		return division_by_zero(err);
	if (nn > 2 * NUMERIC_MAX_DIGITS)
		return overflow(err);
	num = shifted(a, x, e);
	q = digits_alloc(a, nn + 1);
	rem = digits_alloc(a, y->n + 1);
	if (!num || !q || !rem)
		return db_err_oom(err);
	q[0] = 0; /* room for the rounding carry */
	long_div(num, nn, y->d, y->n, q + 1, rem);
	/* round half away from zero on the extra digit */
	if (q[nn] >= 5) {
		for (i = nn - 1; i >= 0 && q[i] == 9; i--)
			q[i] = 0;
		q[i]++;
	}
	out->d = q;
	out->n = nn; /* drop the extra digit */
	out->scale = rscale;
	out->neg = x->neg != y->neg;
	return check_size(out, err);
}

int numeric_mod(struct arena *a, const struct numeric *x,
		const struct numeric *y, struct numeric *out,
		struct db_error *err)
{
	int S = x->scale > y->scale ? x->scale : y->scale;
	struct numeric ya = *y;
	uint8_t *num, *q, *rem;
	int nn = x->n + (S - x->scale);

	if (y->n == 0)
		return division_by_zero(err);
	ya.d = shifted(a, y, S - y->scale);
	ya.n = y->n + (S - y->scale);
	num = shifted(a, x, S - x->scale);
	q = digits_alloc(a, nn);
	rem = digits_alloc(a, ya.n + 1);
	if (!num || !q || !rem || !ya.d)
		return db_err_oom(err);
	long_div(num, nn, ya.d, ya.n, q, rem);
	out->d = rem;
	out->n = ya.n + 1;
	out->scale = S;
	out->neg = x->neg;
	return check_size(out, err);
}

int numeric_cmp(const struct numeric *x, const struct numeric *y)
{
	int c;

	if (x->neg != y->neg)
		return x->neg ? -1 : 1;
	c = mag_cmp(x, y);
	return x->neg ? -c : c;
}

/* |v| + 1 unit in the last place (v's own scale). */
static int mag_inc(struct arena *a, struct numeric *v)
{
	uint8_t *d = digits_alloc(a, v->n + 1);
	int i;

	if (!d)
		return -ENOMEM;
	d[0] = 0;
	memcpy(d + 1, v->d, (size_t)v->n);
	for (i = v->n; i >= 0 && d[i] == 9; i--)
		d[i] = 0;
	d[i]++;
	v->d = d;
	v->n++;
	return 0;
}

int numeric_round(struct arena *a, const struct numeric *x, int scale,
		  enum numeric_round mode, struct numeric *out,
		  struct db_error *err)
{
	int drop = x->scale - scale, i, first, keep;
	bool rest = false, up;

	*out = *x;
	if (scale > NUMERIC_MAX_SCALE)
		scale = NUMERIC_MAX_SCALE;
	if (scale < -NUMERIC_MAX_DIGITS)
		scale = -NUMERIC_MAX_DIGITS;
	drop = x->scale - scale;
	if (drop <= 0) { /* more digits after the point: pad with zeros */
		if (!(out->d = shifted(a, x, -drop)))
			return db_err_oom(err);
		out->n = x->n - drop;
		out->scale = scale;
		return check_size(out, err);
	}
	keep = x->n - drop;
	first = keep >= 0 ? x->d[keep] : 0;
	for (i = keep + 1 > 0 ? keep + 1 : 0; i < x->n; i++)
		rest |= x->d[i] != 0;
	rest |= keep < 0 ? x->n > 0 : false;
	switch (mode) {
	case NUM_ROUND: up = first >= 5; break;
	case NUM_TRUNC: up = false; break;
	case NUM_CEIL: up = !x->neg && (first || rest); break;
	default: up = x->neg && (first || rest); break;
	}
	out->n = keep > 0 ? keep : 0;
	out->scale = scale;
	if (up && mag_inc(a, out) < 0)
		return db_err_oom(err);
	if (scale < 0) { /* round(x, -2): zeros before the point */
		struct numeric t = *out;

		if (!(out->d = shifted(a, &t, -scale)))
			return db_err_oom(err);
		out->n = t.n - scale;
		out->scale = 0;
	}
	return check_size(out, err);
}

int numeric_typmod(struct arena *a, const struct numeric *x, int32_t mod,
		   struct numeric *out, struct db_error *err)
{
	int p = mod >> 16, s = mod & 0xffff;

	if (mod < 0) {
		*out = *x;
		return 0;
	}
	if (numeric_round(a, x, s, NUM_ROUND, out, err) < 0)
		return -EINVAL;
	if (out->n - out->scale > p - s) {
		db_err(err, "22003", "numeric field overflow");
		db_err_detail(err,
			      "A field with precision %d, scale %d must round "
			      "to an absolute value less than %s%d.",
			      p, s, p - s ? "10^" : "", p - s ? p - s : 1);
		return -EINVAL;
	}
	return 0;
}

int numeric_to_int(const struct numeric *x, unsigned type, int64_t *out,
		   struct db_error *err)
{
	__int128 v = 0;
	int i, ni = x->n - x->scale;

	if (ni > 30)
		return int_check(type, (__int128)1 << 100, err);
	for (i = 0; i < ni; i++)
		v = v * 10 + (i < x->n ? x->d[i] : 0);
	if (ni >= 0 && ni < x->n && x->d[ni] >= 5)
		v++;
	if (x->neg)
		v = -v;
	if (int_check(type, v, err) < 0)
		return -EINVAL;
	*out = (int64_t)v;
	return 0;
}

static int bad_syntax(struct db_error *err, const char *s, size_t n)
{
	return db_err(err, "22P02", "invalid input syntax for type numeric: "
		      "\"%.*s\"", (int)(n > 200 ? 200 : n), s);
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' ||
	       c == '\v';
}

int numeric_parse(struct arena *a, const char *s, size_t n, struct numeric *out,
		  struct db_error *err)
{
	size_t i = 0, k;
	int frac = -1, nd = 0, exp = 0;
	bool eneg = false, any = false;
	uint8_t *d = digits_alloc(a, (int)(n < 4200 ? n : 4200) + 1);

	if (!d)
		return db_err_oom(err);
	memset(out, 0, sizeof(*out));
	while (i < n && is_blank(s[i]))
		i++;
	if (i < n && (s[i] == '+' || s[i] == '-'))
		out->neg = s[i++] == '-';
	for (; i < n; i++) {
		if (s[i] == '.' && frac < 0) {
			frac = 0;
		} else if (s[i] >= '0' && s[i] <= '9') {
			any = true;
			if (nd == 0 && s[i] == '0' && frac < 0)
				continue; /* leading zeros */
			if (nd >= 4200)
				return overflow(err);
			d[nd++] = (uint8_t)(s[i] - '0');
			if (frac >= 0)
				frac++;
		} else {
			break;
		}
	}
	if (!any)
		return bad_syntax(err, s, n);
	if (i < n && (s[i] == 'e' || s[i] == 'E')) {
		i++;
		if (i < n && (s[i] == '+' || s[i] == '-'))
			eneg = s[i++] == '-';
		for (k = i; i < n && s[i] >= '0' && s[i] <= '9'; i++) {
			exp = exp * 10 + (s[i] - '0');
			if (exp > NUMERIC_MAX_PRECISION)
				return bad_syntax(err, s, n);
		}
		if (k == i)
			return bad_syntax(err, s, n);
		if (eneg)
			exp = -exp;
	}
	while (i < n && is_blank(s[i]))
		i++;
	if (i != n)
		return bad_syntax(err, s, n);
	frac = frac < 0 ? 0 : frac;
	out->d = d;
	out->n = nd;
	out->scale = frac - exp;
	if (out->scale < 0) { /* 1.5e3: zeros before the point */
		if (!(out->d = shifted(a, out, -out->scale)))
			return db_err_oom(err);
		out->n = nd - out->scale;
		out->scale = 0;
	}
	if (out->scale > NUMERIC_MAX_SCALE * 2)
		return overflow(err);
	return check_size(out, err);
}

void numeric_from_i128(struct arena *a, __int128 v, struct numeric *out,
		       uint8_t buf[40])
{
	unsigned __int128 u = v < 0 ? -(unsigned __int128)v : (unsigned __int128)v;
	int n = 40;

	(void)a;
	while (u) {
		buf[--n] = (uint8_t)db_udiv128(&u, 10);
	}
	out->d = buf + n;
	out->n = 40 - n;
	out->scale = 0;
	out->neg = v < 0;
}

int numeric_of(struct arena *a, const struct datum *d, struct numeric *out,
	       struct db_error *err)
{
	uint8_t *buf;

	if (d->type == TYPE_NUMERIC)
		return numeric_parse(a, d->s, d->len, out, err);
	buf = arena_alloc(a, 40);
	if (!buf)
		return db_err_oom(err);
	numeric_from_i128(a, d->i, out, buf);
	return 0;
}

int numeric_datum(struct arena *a, const struct numeric *v0, struct datum *out,
		  struct db_error *err)
{
	struct numeric v = *v0;
	int ni, i, len = 0;
	char *p;

	norm(&v);
	ni = v.n - v.scale;
	p = arena_alloc(a, (size_t)(v.n + v.scale + 4));
	if (!p)
		return db_err_oom(err);
	if (v.neg)
		p[len++] = '-';
	if (ni <= 0)
		p[len++] = '0';
	for (i = 0; i < ni; i++)
		p[len++] = (char)('0' + v.d[i]);
	if (v.scale > 0) {
		p[len++] = '.';
		for (i = ni; i < v.n; i++)
			p[len++] = (char)('0' + (i >= 0 ? v.d[i] : 0));
	}
	*out = datum_str(TYPE_NUMERIC, p, (uint32_t)len);
	return 0;
}

int numeric_text_cmp(const char *a, size_t la, const char *b, size_t lb)
{
	bool na = la && a[0] == '-', nb = lb && b[0] == '-';
	size_t ia = 0, ib = 0, k;
	int c = 0;

	a += na, la -= na, b += nb, lb -= nb;
	if (na != nb)
		return na ? -1 : 1;
	while (ia < la && a[ia] != '.')
		ia++;
	while (ib < lb && b[ib] != '.')
		ib++;
	if (ia != ib) {
		c = ia < ib ? -1 : 1;
	} else {
		for (k = 0; !c && (k < la || k < lb); k++) {
			char ca = k < la ? a[k] : '0', cb = k < lb ? b[k] : '0';

			if (ca == '.' || cb == '.')
				continue;
			c = ca < cb ? -1 : ca > cb;
		}
	}
	return na ? -c : c;
}

uint64_t numeric_text_hash(const char *s, size_t n)
{
	uint64_t h = 1469598103934665603ull;
	size_t i;

	if (memchr(s, '.', n)) {
		while (n && s[n - 1] == '0')
			n--;
		if (n && s[n - 1] == '.')
			n--;
	}
	for (i = 0; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * 1099511628211ull;
	return h;
}

/* ---- binary format: base-10000 digits aligned at the point ------------- */

static void put16(struct strbuf *sb, unsigned v)
{
	char b[2] = {(char)(v >> 8), (char)v};

	sb_put(sb, b, 2);
}

void numeric_send(struct strbuf *sb, const struct numeric *v0)
{
	struct numeric v = *v0;
	int p, wtop, wlow, w, e, nd = 0;
	unsigned g;

	norm(&v);
	if (v.n == 0) {
		put16(sb, 0), put16(sb, 0), put16(sb, 0);
		put16(sb, (unsigned)v.scale);
		return;
	}
	p = v.n - 1 - v.scale;
	wtop = p >= 0 ? p / 4 : -((-p + 3) / 4);
	e = -v.scale; /* exponent of the last digit */
	wlow = e >= 0 ? e / 4 : -((-e + 3) / 4);
	/* drop trailing zero groups */
	for (; wlow < wtop; wlow++) {
		for (g = 0, e = 4 * wlow; e < 4 * wlow + 4; e++)
			g |= (unsigned)digit_at(&v, e + v.scale, v.scale);
		if (g)
			break;
	}
	nd = wtop - wlow + 1;
	put16(sb, (unsigned)nd);
	put16(sb, (unsigned)(uint16_t)(int16_t)wtop);
	put16(sb, v.neg ? 0x4000 : 0);
	put16(sb, (unsigned)v.scale);
	for (w = wtop; w >= wlow; w--) {
		for (g = 0, e = 4 * w + 3; e >= 4 * w; e--)
			g = g * 10 + (unsigned)digit_at(&v, e + v.scale, v.scale);
		put16(sb, g);
	}
}

int numeric_recv(struct arena *a, const uint8_t *p, size_t n,
		 struct numeric *out, struct db_error *err)
{
	int nd, weight, sign, dscale, i, k;
	struct numeric raw = {0};

	if (n < 8)
		return db_err(err, "22P03", "insufficient data left in message");
	nd = p[0] << 8 | p[1];
	weight = (int16_t)(p[2] << 8 | p[3]);
	sign = p[4] << 8 | p[5];
	dscale = p[6] << 8 | p[7];
	if (n != 8 + 2 * (size_t)nd || nd > NUMERIC_MAX_DIGITS / 4)
		return db_err(err, "22P03", "invalid length in external "
			      "\"numeric\" value");
	if ((sign != 0 && sign != 0x4000) || dscale > NUMERIC_MAX_SCALE ||
	    weight > NUMERIC_MAX_DIGITS / 8 || weight < -NUMERIC_MAX_DIGITS / 8)
		return db_err(err, "22P03", "invalid sign or scale in external "
			      "\"numeric\" value");
	raw.d = digits_alloc(a, 4 * nd);
	if (!raw.d)
		return db_err_oom(err);
	for (i = 0; i < nd; i++) {
		unsigned g = (unsigned)(p[8 + 2 * i] << 8 | p[9 + 2 * i]);

		if (g > 9999)
			return db_err(err, "22P03", "invalid digit in external "
				      "\"numeric\" value");
		for (k = 3; k >= 0; k--, g /= 10)
			raw.d[4 * i + k] = (uint8_t)(g % 10);
	}
	raw.n = 4 * nd;
	raw.scale = 4 * (nd - 1 - weight);
	raw.neg = sign == 0x4000;
	if (raw.scale < 0) {
		struct numeric t = raw;

		if (!(raw.d = shifted(a, &t, -t.scale)))
			return db_err_oom(err);
		raw.n = t.n - t.scale;
		raw.scale = 0;
	}
	return numeric_round(a, &raw, dscale, NUM_TRUNC, out, err);
}

/* ---- small numerics ------------------------------------------------------ */

static __int128 pow10_128(int n)
{
	__int128 p = 1;

	while (n-- > 0)
		p *= 10;
	return p;
}

static bool small_fits(__int128 v)
{
	const __int128 e18 = 1000000000000000000;

	_Static_assert(NUMERIC_SMALL_DIGITS == 36, "the limit is 10^36");
	return v < e18 * e18 && v > -e18 * e18;
}

bool numeric_small_of(const struct datum *d, struct numeric_small *out)
{
	const char *s = d->s;
	uint32_t i = 0, n = d->len;
	int digits = 0, scale = -1;
	bool neg;
	__int128 v = 0;

	if (d->type != TYPE_NUMERIC) {
		if (!type_is_int(d->type))
			return false;
		out->v = d->i;
		out->scale = 0;
		return true;
	}
	neg = n && s[0] == '-';
	for (i = neg; i < n; i++) {
		if (s[i] == '.' && scale < 0) {
			scale = 0;
			continue;
		}
		if (s[i] < '0' || s[i] > '9' || ++digits > NUMERIC_SMALL_DIGITS)
			return false;
		v = v * 10 + (s[i] - '0');
		scale += scale >= 0;
	}
	if (!digits)
		return false;
	out->v = neg ? -v : v;
	out->scale = scale < 0 ? 0 : scale;
	return true;
}

/* v at a larger scale (false if it no longer fits). */
static bool small_rescale(const struct numeric_small *x, int scale,
			  __int128 *v)
{
	if (scale - x->scale > NUMERIC_SMALL_DIGITS)
		return false;
	return !__builtin_mul_overflow(x->v, pow10_128(scale - x->scale), v) &&
	       small_fits(*v);
}

bool numeric_small_arith(char op, const struct numeric_small *x,
			 const struct numeric_small *y,
			 struct numeric_small *out)
{
	__int128 a, b;
	int s;

	if (op == '*') {
		if (__builtin_mul_overflow(x->v, y->v, &a) || !small_fits(a))
			return false;
		out->v = a;
		out->scale = x->scale + y->scale;
		return true;
	}
	s = x->scale > y->scale ? x->scale : y->scale;
	if (!small_rescale(x, s, &a) || !small_rescale(y, s, &b))
		return false;
	a = op == '+' ? a + b : a - b; /* both below 10^36: no wrap */
	if (!small_fits(a))
		return false; /* out untouched: it may be an operand */
	out->v = a;
	out->scale = s;
	return true;
}

int numeric_small_datum(struct arena *a, const struct numeric_small *v,
			struct datum *out, struct db_error *err)
{
	char buf[2 * NUMERIC_SMALL_DIGITS + 8], *p;
	unsigned __int128 m = v->v < 0 ? -(unsigned __int128)v->v
				       : (unsigned __int128)v->v;
	int n = 0, len, k;

	uint64_t w;

	/* digits, least significant first, at least scale + 1 of them;
	 * 64-bit divisions where the value allows (128-bit ones are calls) */
	while (m >> 64) {
		buf[n++] = (char)('0' + (int)(m % 10));
		m /= 10;
	}
	w = (uint64_t)m;
	do {
		buf[n++] = (char)('0' + (int)(w % 10));
		w /= 10;
	} while (w || n <= v->scale);
	len = n + (v->v < 0) + (v->scale > 0);
	p = arena_alloc(a, (size_t)len);
	if (!p)
		return db_err_oom(err);
	k = 0;
	if (v->v < 0)
		p[k++] = '-';
	while (n > 0) {
		if (n == v->scale)
			p[k++] = '.';
		p[k++] = buf[--n];
	}
	*out = datum_str(TYPE_NUMERIC, p, (uint32_t)len);
	return 0;
}
