/* SPDX-License-Identifier: MIT */
/* libstdlib_test.c: kernel/lib/strtol.c and qsort.c against glibc.
 *
 * strtol and friends must agree with glibc on value and end pointer for a
 * table of edge cases and for random strings; the _err forms must report
 * what glibc reports through errno. qsort must sort like glibc's on many
 * input shapes and stay O(n log n) against McIlroy's adversary. */
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "unit.h"
#include "lib_rename.h"

static uint64_t rng_state = 0x2545f4914f6cdd1dULL;

static uint64_t rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

/* ---- strtol ------------------------------------------------------------ */

static const char *const inputs[] = {
    "",
    " ",
    "0",
    "-0",
    "+0",
    "1",
    "-1",
    "+1",
    "+-1",
    "--1",
    "-",
    "+",
    " \t\n\v\f\r42",
    "42abc",
    "12 34",
    "0x",
    "0X",
    "0x1f",
    "0X1F",
    "-0x10",
    "0xg",
    "0x 1",
    "  0x",
    "0x0x1",
    " +0x7F",
    "077",
    "08",
    "0b101",
    "0b",
    "z",
    "Z",
    "zz",
    "1z",
    "\x80"
    "1",
    "1\x80",
    "9223372036854775807",
    "9223372036854775808",
    "-9223372036854775808",
    "-9223372036854775809",
    "18446744073709551615",
    "18446744073709551616",
    "-18446744073709551615",
    "-18446744073709551616",
    "99999999999999999999999999999abc",
    "7fffffffffffffff",
    "8000000000000000",
    "-8000000000000000",
    "-8000000000000001",
    "ffffffffffffffff",
    "10000000000000000",
    "0xFFFFFFFFFFFFFFFFF",
    "-0xffffffffffffffff",
    "1111111111111111111111111111111111111111111111111111111111111111",
    "11111111111111111111111111111111111111111111111111111111111111111",
    "777777777777777777777",
    "1777777777777777777777",
    "2000000000000000000000",
    "3w5e11264sgsf",
    "3w5e11264sgsg",
    "1y2p0ij32e8e7",
    "1y2p0ij32e8e8",
    "-1y2p0ij32e8e8",
    "000000000000000000000000000000000000000000000000000000001",
};

static const int bases[] = {0, 2, 8, 10, 16, 36, 3, 7, 35};

/* Checks all six functions on s in base against glibc. */
static void check_strto(const char *s, int base)
{
	char *we, *ge;
	int err, werr;

	errno = 0;
	long wl = strtol(s, &we, base);
	werr = errno == ERANGE ? -ERANGE : (we == s ? -EINVAL : 0);
	long gl = ulib_strtol(s, &ge, base);
	CHECK(wl == gl && we == ge);
	long long gll = ulib_strtoll_err(s, &ge, base, &err);
	CHECK(wl == gll && we == ge && err == werr);
	CHECK(ulib_strtoll(s, &ge, base) == strtoll(s, &we, base) && ge == we);

	errno = 0;
	unsigned long wu = strtoul(s, &we, base);
	werr = errno == ERANGE ? -ERANGE : (we == s ? -EINVAL : 0);
	unsigned long gu = ulib_strtoul(s, &ge, base);
	CHECK(wu == gu && we == ge);
	unsigned long long gull = ulib_strtoull_err(s, &ge, base, &err);
	CHECK(wu == gull && we == ge && err == werr);
	CHECK(ulib_strtoull(s, &ge, base) == strtoull(s, &we, base) &&
	      ge == we);
	if (unit_failed_checks)
		printf("  input \"%s\" base %d\n", s, base);
}

UNIT_TEST(strtol_table)
{
	for (size_t i = 0; i < sizeof(inputs) / sizeof(*inputs); i++)
		for (size_t b = 0; b < sizeof(bases) / sizeof(*bases); b++)
			check_strto(inputs[i], bases[b]);
}

UNIT_TEST(strtol_random)
{
	static const char alpha[] = " +-0123456789abcdefxXzZ";
	char s[40];

	for (int round = 0; round < 200000 && !unit_failed_checks; round++) {
		size_t n = rnd() % 30;

		for (size_t i = 0; i < n; i++)
			s[i] = alpha[rnd() % (sizeof(alpha) - 1)];
		s[n] = '\0';
		check_strto(s, bases[rnd() % (sizeof(bases) / sizeof(*bases))]);
	}
}

UNIT_TEST(strtol_specifics)
{
	const char *s = "  -0x";
	char *end = NULL;
	int err = 1;

	/* The values the brief calls for, spelled out. */
	CHECK(ulib_strtol("9223372036854775808", NULL, 10) == LONG_MAX);
	CHECK(ulib_strtol("-9223372036854775809", NULL, 10) == LONG_MIN);
	CHECK(ulib_strtoul("18446744073709551616", NULL, 10) == ULONG_MAX);
	CHECK(ulib_strtoul("-1", NULL, 10) == ULONG_MAX);
	CHECK_EQ(ulib_strtol("0x1F", NULL, 0), 31);
	CHECK_EQ(ulib_strtol("010", NULL, 0), 8);
	CHECK_EQ(ulib_strtol("010", NULL, 10), 10);
	/* "-0x": the 0 is the number, the x is left over. */
	CHECK_EQ(ulib_strtoll_err(s, &end, 16, &err), 0);
	CHECK(end == s + 4 && err == 0);
	/* No digits: end is the start, not after the blanks and sign. */
	CHECK_EQ(ulib_strtoll_err("  -", &end, 10, &err), 0);
	CHECK(err == -EINVAL);
	/* Invalid bases. */
	s = "123";
	CHECK_EQ(ulib_strtoull_err(s, &end, 1, &err), 0);
	CHECK(end == s && err == -EINVAL);
	CHECK_EQ(ulib_strtol(s, &end, 37), 0);
	CHECK(end == s);
	CHECK_EQ(ulib_strtol(s, &end, -2), 0);
	CHECK_EQ(ulib_strtoll_err("99999999999999999999", NULL, 10, &err),
		 LLONG_MAX);
	CHECK(err == -ERANGE);
}

UNIT_TEST(abs_family)
{
	CHECK_EQ(ulib_abs(-5), 5);
	CHECK_EQ(ulib_abs(INT_MAX), INT_MAX);
	CHECK_EQ(ulib_abs(-INT_MAX), INT_MAX);
	CHECK_EQ(ulib_labs(-LONG_MAX), LONG_MAX);
	CHECK_EQ(ulib_llabs(-7LL), 7);
	CHECK_EQ(ulib_llabs(0), 0);
}

/* ---- qsort ------------------------------------------------------------- */

static long ncmp;

static int cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;

	ncmp++;
	return (x > y) - (x < y);
}

/* Elements of awkward sizes: a key and a payload that the sort ignores. */
struct rec12 {
	int key;
	char payload[8];
};

struct rec3 {
	unsigned char key;
	char payload[2];
};

static int cmp_rec12(const void *a, const void *b)
{
	return cmp_int(&((const struct rec12 *)a)->key,
		       &((const struct rec12 *)b)->key);
}

static int cmp_rec3(const void *a, const void *b)
{
	const struct rec3 *x = a, *y = b;

	return (x->key > y->key) - (x->key < y->key);
}

/* Whole-record order, to compare results of unstable sorts as multisets. */
static int cmp_bytes12(const void *a, const void *b)
{
	return memcmp(a, b, sizeof(struct rec12));
}

enum shape { RANDOM, EQUAL, SORTED, REVERSE, ORGAN, FEW, NSHAPES };

static int make_key(enum shape shape, size_t i, size_t n)
{
	switch (shape) {
	case RANDOM:
		return (int)rnd();
	case EQUAL:
		return 7;
	case SORTED:
		return i;
	case REVERSE:
		return n - i;
	case ORGAN:
		return i < n / 2 ? i : n - i;
	default:
		return rnd() % 4;
	}
}

static const size_t sizes[] = {0, 1, 2, 3, 5, 12, 13, 17, 100, 1000, 4099};

UNIT_TEST(qsort_ints_like_glibc)
{
	for (size_t s = 0; s < sizeof(sizes) / sizeof(*sizes); s++)
		for (int shape = 0; shape < NSHAPES; shape++) {
			size_t n = sizes[s];
			int *a = malloc(n * sizeof(int) + 1);
			int *b = malloc(n * sizeof(int) + 1);

			for (size_t i = 0; i < n; i++)
				a[i] = b[i] = make_key(shape, i, n);
			ulib_qsort(a, n, sizeof(int), cmp_int);
			qsort(b, n, sizeof(int), cmp_int);
			CHECK(memcmp(a, b, n * sizeof(int)) == 0);
			free(a);
			free(b);
		}
}

UNIT_TEST(qsort_odd_element_sizes)
{
	for (size_t s = 0; s < sizeof(sizes) / sizeof(*sizes); s++)
		for (int shape = 0; shape < NSHAPES; shape++) {
			size_t n = sizes[s];
			struct rec12 *a = calloc(n + 1, sizeof(*a));
			struct rec12 *b = calloc(n + 1, sizeof(*b));
			struct rec3 *c = calloc(n + 1, sizeof(*c));

			for (size_t i = 0; i < n; i++) {
				a[i].key = make_key(shape, i, n);
				memcpy(a[i].payload, &i, sizeof(i));
				c[i].key = a[i].key;
				c[i].payload[0] = i;
			}
			memcpy(b, a, n * sizeof(*a));
			ulib_qsort(a, n, sizeof(*a), cmp_rec12);
			for (size_t i = 1; i < n; i++)
				CHECK(a[i - 1].key <= a[i].key);
			/* Same records, in whatever order among equal keys. */
			qsort(a, n, sizeof(*a), cmp_bytes12);
			qsort(b, n, sizeof(*b), cmp_bytes12);
			CHECK(memcmp(a, b, n * sizeof(*a)) == 0);

			ulib_qsort(c, n, sizeof(*c), cmp_rec3);
			for (size_t i = 1; i < n; i++)
				CHECK(c[i - 1].key <= c[i].key);
			free(a);
			free(b);
			free(c);
		}
}

/* McIlroy, "A Killer Adversary for Quicksort" (1999): the comparator
 * decides the order lazily so as to make any quicksort go quadratic. */
static int *adv_val, adv_gas, adv_nsolid, adv_candidate;

static int cmp_adversary(const void *pa, const void *pb)
{
	int x = *(const int *)pa, y = *(const int *)pb;

	ncmp++;
	if (adv_val[x] == adv_gas && adv_val[y] == adv_gas)
		adv_val[x == adv_candidate ? x : y] = adv_nsolid++;
	if (adv_val[x] == adv_gas)
		adv_candidate = x;
	else if (adv_val[y] == adv_gas)
		adv_candidate = y;
	return adv_val[x] - adv_val[y];
}

UNIT_TEST(qsort_worst_case_n_log_n)
{
	const int n = 20000;
	int *a = malloc(n * sizeof(int));
	double bound = 6.0 * n * 14.3; /* 6 n log2(n): partitioning + heap */

	adv_val = malloc(n * sizeof(int));
	adv_gas = n - 1;
	adv_nsolid = 0;
	adv_candidate = 0;
	for (int i = 0; i < n; i++) {
		a[i] = i;
		adv_val[i] = adv_gas;
	}
	ncmp = 0;
	ulib_qsort(a, n, sizeof(int), cmp_adversary);
	printf("  %ld comparisons for n = %d against the adversary\n", ncmp, n);
	CHECK(ncmp < bound);
	for (int i = 1; i < n; i++)
		CHECK(adv_val[a[i - 1]] <= adv_val[a[i]]);
	free(a);
	free(adv_val);
}

/* A comparator that is not an order must not make qsort leave the array. */
static int cmp_random(const void *a, const void *b)
{
	return (int)(rnd() % 3) - 1;
}

UNIT_TEST(qsort_inconsistent_cmp_stays_in_bounds)
{
	for (size_t n = 0; n < 300; n += 7) {
		int *a = malloc(n * sizeof(int) + 1);
		long sum = 0, after = 0;

		for (size_t i = 0; i < n; i++)
			sum += a[i] = i;
		ulib_qsort(a, n, sizeof(int), cmp_random);
		for (size_t i = 0; i < n; i++)
			after += a[i];
		CHECK_EQ(after, sum); /* still a permutation, in practice */
		free(a);
	}
}

UNIT_TEST(bsearch_finds_every_key)
{
	for (size_t n = 0; n < 200; n++) {
		int *a = malloc(n * sizeof(int) + 1);

		for (size_t i = 0; i < n; i++)
			a[i] = 2 * (int)(i / 2); /* pairs of equal even keys */
		for (int key = -1; key <= (int)n + 1; key++) {
			const int *hit =
			    ulib_bsearch(&key, a, n, sizeof(int), cmp_int);

			if (key >= 0 && key % 2 == 0 && (size_t)key < n)
				CHECK(hit && *hit == key);
			else
				CHECK(hit == NULL);
		}
		free(a);
	}
}

UNIT_MAIN()
