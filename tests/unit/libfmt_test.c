/* SPDX-License-Identifier: MIT */
/* libfmt_test.c: kernel/lib/fmt.c against glibc's printf.
 *
 * Every comparison formats the same arguments with glibc's vsnprintf and
 * ulib_vsnprintf, into buffers of several sizes (full, 0, 1, cut in the
 * middle, exact), and requires the same return value and the same bytes in
 * the whole buffer, including those that must stay untouched. */
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "unit.h"
#include "lib_rename.h"

#define BUF 1024

static int compared;

/* Compares one formatting of fmt at one buffer size. */
static int same_at(size_t size, const char *fmt, va_list ap)
{
	char want[BUF], got[BUF];
	va_list a1, a2;
	int nw, ng;

	memset(want, 0x5a, BUF);
	memset(got, 0x5a, BUF);
	va_copy(a1, ap);
	va_copy(a2, ap);
	nw = vsnprintf(want, size, fmt, a1);
	ng = ulib_vsnprintf(got, size, fmt, a2);
	va_end(a1);
	va_end(a2);
	compared++;
	if (nw == ng && memcmp(want, got, BUF) == 0)
		return nw;
	printf("  \"%s\" size %zu: glibc %d \"%.*s\", ulib %d \"%.*s\"\n", fmt,
	       size, nw,
	       nw < 0 ? 0 : (int)(size < (size_t)nw ? size : (size_t)nw), want,
	       ng, ng < 0 ? 0 : (int)(size < (size_t)ng ? size : (size_t)ng),
	       got);
	return -1;
}

/* Returns 1 if fmt formats identically at all sizes, else 0 (and says
 * why). */
static int same_v(const char *fmt, va_list ap)
{
	int n = same_at(BUF, fmt, ap);

	if (n < 0 || n >= BUF)
		return n >= BUF ? (printf("  output too long\n"), 0) : 0;
	const size_t sizes[] = {0, 1, 2, n / 2, n, n + 1};
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
		if (same_at(sizes[i], fmt, ap) < 0)
			return 0;
	return 1;
}

static __attribute__((format(printf, 1, 2))) int same(const char *fmt, ...)
{
	va_list ap;
	int ok;

	va_start(ap, fmt);
	ok = same_v(fmt, ap);
	va_end(ap);
	return ok;
}

/* Checks ulib's output against a fixed string, for what glibc does
 * differently or not at all. */
static __attribute__((format(printf, 2, 3))) int is(const char *want,
						    const char *fmt, ...)
{
	char got[BUF];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = ulib_vsnprintf(got, sizeof(got), fmt, ap);
	va_end(ap);
	if (n == (int)strlen(want) && strcmp(got, want) == 0)
		return 1;
	printf("  \"%s\": want \"%s\", got %d \"%s\"\n", fmt, want, n, got);
	return 0;
}

/* Hides a format from -Wformat, for formats that are odd on purpose. */
static __attribute__((noipa)) const char *odd(const char *fmt)
{
	return fmt;
}

UNIT_TEST(table_against_glibc)
{
	int x = 42;

	CHECK(same("plain text, no directives"));
	CHECK(same("%%"));
	CHECK(same("a%%b%%%%c"));
	CHECK(same(odd(""), 0));
	CHECK(same("%d %i %u %x %X %o", 1, -2, 3u, 0xabcu, 0xabcu, 8u));
	CHECK(same("%d", INT_MIN));
	CHECK(same("%d", INT_MAX));
	CHECK(same(odd("%+d|% d|%+ d|% +d"), INT_MIN, INT_MIN, 0, 1));
	CHECK(same("%020d|%-20d|%20d|", INT_MIN, INT_MIN, INT_MIN));
	CHECK(same("%ld %li", LONG_MIN, LONG_MAX));
	CHECK(same("%lld %llu", LLONG_MIN, ULLONG_MAX));
	CHECK(same("%+.30lld|%-+30lld|%0+30lld", LLONG_MIN, LLONG_MIN,
		   LLONG_MIN));
	CHECK(same("%llo %#llo %llx %#llX", ULLONG_MAX, ULLONG_MAX, ULLONG_MAX,
		   ULLONG_MAX));
	CHECK(same("%hhd %hhu %hhx", 255, 255, 0x1ff));
	CHECK(same("%hd %hu %hx", 65535, 65536 + 5, -1));
	CHECK(same("%zu %zd %zx", SIZE_MAX, (ssize_t)-5, (size_t)0xdead));
	CHECK(same("%td %tx", (ptrdiff_t)PTRDIFF_MIN, (ptrdiff_t)-1));
	CHECK(same("%jd %ju", INTMAX_MIN, UINTMAX_MAX));
	CHECK(same("%.0d|%.0u|%.0x|%.0o|%#.0o|%#.0x|%5.0d|", 0, 0u, 0u, 0u, 0u,
		   0u, 0));
	CHECK(same("%#x %#X %#o %#x %#o", 0u, 0u, 0u, 255u, 8u));
	CHECK(same("%#.5o %#.1o %#5o %#-8o|", 8u, 8u, 8u, 8u));
	CHECK(same(odd("%08.3d|%-08d|%+08d|% 08d|"), -5, -5, 5, 5));
	CHECK(same("%#010x|%#-10x|%#10.4x|", 255u, 255u, 255u));
	CHECK(same("%*d|%-*d|%*d|", 6, 42, 6, 42, -6, 42));
	CHECK(same("%.*d|%.*d|%*.*d|", 5, 42, -1, 42, -8, 4, 42));
	CHECK(same("%300d", 7));
	CHECK(same("%-300s|", "left"));
	CHECK(same("%s|%10s|%-10s|%.2s|%10.2s|%-10.2s|%.0s|", "abc", "abc",
		   "abc", "abc", "abc", "abc", "abc"));
	CHECK(same("%.*s|", 3, "abcdef"));
	CHECK(same("%.*s|%.*d|%-*.*x|", -3, "abcdef", -5, 42, 7, -2, 0x2au));
	CHECK(same("%c%c%c|%5c|%-5c|", 'a', 'b', 'c', 'x', 'y'));
	CHECK(same("%c|%3c|", 0, 0)); /* NUL bytes in the output */
	CHECK(same("%p|%20p|%-20p|", (void *)&x, (void *)&x, (void *)&x));
	CHECK(same("%p", (void *)UINTPTR_MAX));
	CHECK(same("%d%s%x%c%%%u", -1, "mix", 0x10u, '!', 7u));
}

UNIT_TEST(extensions_and_deviations)
{
	char raw[3] = {'x', 'y', 'z'}; /* not NUL-terminated */

	CHECK(is("0x0", "%p", (void *)NULL));
	CHECK(is("     0x0", "%8p", (void *)NULL));
	CHECK(is("(null)", odd("%s"), (char *)NULL));
	CHECK(is("(nu", odd("%.3s"), (char *)NULL));
	CHECK(is("xy", "%.2s", raw)); /* must not read raw[2] onwards */
	CHECK(is("xyz", "%.3s", raw));
	CHECK(is("%f %5.2e %g %n|7", odd("%f %5.2e %g %n|%d"), 7));
	CHECK(is("abc%", odd("abc%"))); /* cut-off directive */
	CHECK(is("abc%-5", odd("abc%-5")));
	CHECK(is("%k|%Lf|3", odd("%k|%Lf|%d"), 3));
}

/* Formats "%<flags><width><.prec><len><conv>" for every combination and
 * every value below, passing the value as the type the length modifier
 * names; glibc must agree on all of them. */
static const char *const flag_sets[] = {"",   "-",  "0",  "+",	" ",
					"#",  "-0", "+0", " 0", "-+",
					"- ", "+ ", "#0", "#-", "-+0 "};
static const char *const widths[] = {"", "1", "5", "23"};
static const char *const precs[] = {"", ".", ".0", ".1", ".4", ".22"};
static const char *const lens[] = {"hh", "h", "", "l", "ll", "z", "t", "j"};
static const long long values[] = {0,
				   1,
				   -1,
				   7,
				   -42,
				   127,
				   128,
				   255,
				   -128,
				   32767,
				   -32768,
				   65535,
				   100000,
				   INT_MAX,
				   INT_MIN,
				   (long long)UINT_MAX,
				   0x123456789abcdefLL,
				   LLONG_MAX,
				   LLONG_MIN};

static int same_int(const char *fmt, const char *len, int is_signed,
		    long long v)
{
	unsigned long long u = v;

	if (!strcmp(len, "hh") || !strcmp(len, "h") || !*len)
		return is_signed ? same(fmt, (int)v) : same(fmt, (unsigned)u);
	if (!strcmp(len, "l"))
		return is_signed ? same(fmt, (long)v)
				 : same(fmt, (unsigned long)u);
	if (!strcmp(len, "ll"))
		return is_signed ? same(fmt, v) : same(fmt, u);
	if (!strcmp(len, "z"))
		return is_signed ? same(fmt, (ssize_t)v) : same(fmt, (size_t)u);
	if (!strcmp(len, "t"))
		return same(fmt, (ptrdiff_t)v);
	return is_signed ? same(fmt, (intmax_t)v) : same(fmt, (uintmax_t)u);
}

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* Compares one generated format for all values; returns the failures. */
static int same_all_values(const char *flags, const char *width,
			   const char *prec, const char *len, char conv)
{
	int is_signed = conv == 'd' || conv == 'i';
	char fmt[64];
	int bad = 0;

	/* '#' is undefined for d, i and u. */
	if (strchr(flags, '#') && (is_signed || conv == 'u'))
		return 0;
	snprintf(fmt, sizeof(fmt), "%%%s%s%s%s%c", flags, width, prec, len,
		 conv);
	for (size_t v = 0; v < COUNT(values); v++)
		bad += !same_int(fmt, len, is_signed, values[v]);
	return bad;
}

UNIT_TEST(integer_combinations)
{
	int bad = 0;

	for (const char *c = "diuoxX"; *c && bad < 20; c++)
		for (size_t f = 0; f < COUNT(flag_sets); f++)
			for (size_t w = 0; w < COUNT(widths); w++)
				for (size_t p = 0; p < COUNT(precs); p++)
					for (size_t l = 0; l < COUNT(lens); l++)
						bad += same_all_values(
						    flag_sets[f], widths[w],
						    precs[p], lens[l], *c);
	CHECK_EQ(bad, 0);
	printf("  %d comparisons with glibc\n", compared);
}

UNIT_TEST(string_and_char_combinations)
{
	const char *strs[] = {"", "a", "hello", "a longer string of text"};
	const char *sflags[] = {"", "-"};
	const char *sw[] = {"", "1", "3", "10", "30"};
	const char *sp[] = {"", ".", ".0", ".2", ".5", ".40"};
	char fmt[32];

	for (size_t f = 0; f < 2; f++)
		for (size_t w = 0; w < 5; w++) {
			for (size_t p = 0; p < 6; p++)
				for (size_t s = 0; s < 4; s++) {
					snprintf(fmt, sizeof(fmt),
						 "[%%%s%s%ss]", sflags[f],
						 sw[w], sp[p]);
					CHECK(same(fmt, strs[s]));
				}
			snprintf(fmt, sizeof(fmt), "[%%%s%sc]", sflags[f],
				 sw[w]);
			CHECK(same(fmt, 'q'));
		}
}

/* vcbprintf sink that appends to a buffer and checks the piece contract. */
struct collect {
	char buf[BUF];
	size_t len;
	int empty_pieces;
	int calls;
};

static void collect_out(void *ctx, const char *s, size_t n)
{
	struct collect *c = ctx;

	c->calls++;
	if (n == 0)
		c->empty_pieces++;
	if (c->len + n <= sizeof(c->buf)) {
		memcpy(c->buf + c->len, s, n);
		c->len += n;
	}
}

UNIT_TEST(vcbprintf_pieces)
{
	struct collect c = {.len = 0};
	char want[BUF];
	int n;

	n = ulib_cbprintf(collect_out, &c, "cpu%u: %-8s|%08llx|%5d%%|%.3s", 3u,
			  "boot", 0xfeedULL, -12, "truncated");
	snprintf(want, sizeof(want), "cpu%u: %-8s|%08llx|%5d%%|%.3s", 3u,
		 "boot", 0xfeedULL, -12, "truncated");
	CHECK_EQ(n, strlen(want));
	CHECK_EQ(c.len, strlen(want));
	CHECK(memcmp(c.buf, want, c.len) == 0);
	CHECK_EQ(c.empty_pieces, 0);
	CHECK(c.calls > 1);

	c.len = 0;
	c.calls = 0;
	CHECK_EQ(ulib_cbprintf(collect_out, &c, "%s", ""), 0);
	CHECK_EQ(c.calls, 0);
}

static void count_out(void *ctx, const char *s, size_t n)
{
	*(size_t *)ctx += n;
}

UNIT_TEST(vcbprintf_result_over_int_max)
{
	size_t total = 0;

	/* 2 * (INT_MAX - 10) + 2 bytes: all handed out, but too long for int.
	 */
	CHECK(ulib_cbprintf(count_out, &total, odd("%*d%*d"), INT_MAX - 10, 1,
			    INT_MAX - 10, 2) < 0);
	CHECK_EQ(total, 2 * ((size_t)INT_MAX - 10));
}

UNIT_TEST(snprintf_size_zero_null_buffer)
{
	CHECK_EQ(ulib_snprintf(NULL, 0, "%d-%s", 12345, "abc"), 9);
}

UNIT_MAIN()
