/* SPDX-License-Identifier: MIT */
/* libstring_test.c: kernel/lib/string.c against glibc on random data.
 *
 * Every buffer is compared whole, including the bytes around the range an
 * operation may touch: ulib_memcpy and ulib_memset are inline assembly,
 * which ASan does not see. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "unit.h"
#include "lib_rename.h"

static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

static uint64_t rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

static void fill_random(unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		p[i] = rnd();
}

static int sign(int x)
{
	return (x > 0) - (x < 0);
}

#define BUF 4096
static unsigned char src[BUF], dst[BUF], ref[BUF];

/* Lengths around the sizes where copy strategies usually change. */
static const size_t lens[] = {0,   1,	2,   3,	  7,   8,    9,	   15,	16,
			      17,  31,	32,  33,  63,  64,   65,   127, 128,
			      129, 255, 256, 257, 511, 1000, 2048, 4000};
#define NLENS (sizeof(lens) / sizeof(lens[0]))

UNIT_TEST(memcpy_alignments_and_lengths)
{
	for (size_t sa = 0; sa < 16; sa++)
		for (size_t da = 0; da < 16; da++)
			for (size_t l = 0; l < NLENS; l++) {
				size_t n = lens[l];

				if (sa + n > BUF - 16 || da + n > BUF - 16)
					continue;
				fill_random(src, BUF);
				fill_random(dst, BUF);
				memcpy(ref, dst, BUF);
				memcpy(ref + da, src + sa, n);
				CHECK(ulib_memcpy(dst + da, src + sa, n) ==
				      dst + da);
				CHECK(memcmp(dst, ref, BUF) == 0);
			}
}

UNIT_TEST(memcpy_large)
{
	size_t n = (1 << 20) + 3;
	unsigned char *a = malloc(n + 64), *b = malloc(n + 64);

	fill_random(a, n + 64);
	memset(b, 0xee, n + 64);
	ulib_memcpy(b + 5, a + 1, n);
	CHECK(memcmp(b + 5, a + 1, n) == 0);
	CHECK(b[4] == 0xee && b[n + 5] == 0xee);
	free(a);
	free(b);
}

UNIT_TEST(memmove_overlaps)
{
	static unsigned char buf[600], want[600];

	for (size_t s = 0; s < 40; s++)
		for (size_t d = 0; d < 40; d++)
			for (size_t l = 0; l < NLENS && lens[l] <= 520; l++) {
				size_t n = lens[l];

				fill_random(buf, sizeof(buf));
				memcpy(want, buf, sizeof(buf));
				memmove(want + d, want + s, n);
				CHECK(ulib_memmove(buf + d, buf + s, n) ==
				      buf + d);
				CHECK(memcmp(buf, want, sizeof(buf)) == 0);
			}
}

UNIT_TEST(memset_values)
{
	const int values[] = {0, 1, 0x7f, 0x80, 0xff, 0x1ab, -1, -200};

	for (size_t a = 0; a < 16; a++)
		for (size_t l = 0; l < NLENS; l++)
			for (size_t v = 0; v < 8; v++) {
				fill_random(dst, BUF);
				memcpy(ref, dst, BUF);
				memset(ref + a, values[v], lens[l]);
				CHECK(ulib_memset(dst + a, values[v],
						  lens[l]) == dst + a);
				CHECK(memcmp(dst, ref, BUF) == 0);
			}
}

UNIT_TEST(memcmp_sign_and_position)
{
	CHECK_EQ(ulib_memcmp(NULL, NULL, 0), 0);
	for (size_t a = 0; a < 8; a++)
		for (size_t l = 0; l < NLENS; l++) {
			size_t n = lens[l];

			fill_random(src, n + a);
			memcpy(dst, src, n + a);
			CHECK_EQ(ulib_memcmp(src + a, dst + a, n), 0);
			for (int k = 0; k < 4 && n > 0; k++) {
				size_t at = a + rnd() % n;

				/* Bytes above 0x7f must compare as unsigned. */
				dst[at] = rnd();
				CHECK_EQ(sign(ulib_memcmp(src + a, dst + a, n)),
					 sign(memcmp(src + a, dst + a, n)));
				CHECK_EQ(sign(ulib_memcmp(dst + a, src + a, n)),
					 sign(memcmp(dst + a, src + a, n)));
				dst[at] = src[at];
			}
		}
}

UNIT_TEST(memchr_finds_first)
{
	for (int round = 0; round < 2000; round++) {
		size_t n = rnd() % 300;
		int c;

		/* A small alphabet so that some bytes occur, some do not. */
		for (size_t i = 0; i < n; i++)
			src[i] = 0x7e + rnd() % 8;
		c = 0x7e + rnd() % 9;
		CHECK(ulib_memchr(src, c, n) == memchr(src, c, n));
		CHECK(ulib_memchr(src, c + 256, n) == memchr(src, c, n));
	}
	CHECK(ulib_memchr(NULL, 'a', 0) == NULL);
}

/* A random string of length n over a small alphabet, high bytes included. */
static void random_string(char *s, size_t n)
{
	static const char alpha[] = "ab\x80\xff";

	for (size_t i = 0; i < n; i++)
		s[i] = alpha[rnd() % 4];
	s[n] = '\0';
}

UNIT_TEST(strlen_strnlen)
{
	char *s = (char *)src;

	for (size_t a = 0; a < 16; a++)
		for (size_t n = 0; n < 300; n++) {
			memset(s + a, 'x', n);
			s[a + n] = '\0';
			CHECK_EQ(ulib_strlen(s + a), n);
			CHECK_EQ(ulib_strnlen(s + a, n + 1), n);
			CHECK_EQ(ulib_strnlen(s + a, n), n);
			CHECK_EQ(ulib_strnlen(s + a, n / 2), n / 2);
		}
	/* strnlen must not read past max: this array has no NUL. */
	char raw[4] = {'a', 'b', 'c', 'd'};
	CHECK_EQ(ulib_strnlen(raw, 4), 4);
	CHECK_EQ(ulib_strnlen(raw, 0), 0);
}

UNIT_TEST(strcmp_strncmp)
{
	char a[64], b[64];

	for (int round = 0; round < 20000; round++) {
		size_t la = rnd() % 8, lb = rnd() % 8, n = rnd() % 10;

		random_string(a, la);
		random_string(b, lb);
		CHECK_EQ(sign(ulib_strcmp(a, b)), sign(strcmp(a, b)));
		CHECK_EQ(sign(ulib_strncmp(a, b, n)), sign(strncmp(a, b, n)));
	}
	CHECK_EQ(ulib_strcmp("", ""), 0);
	CHECK(ulib_strcmp("abc", "abd") < 0);
	CHECK(ulib_strcmp("abc", "ab") > 0);
	CHECK(ulib_strcmp("a\x80", "a\x7f") > 0);
	CHECK_EQ(ulib_strncmp("abc", "abd", 2), 0);
	CHECK_EQ(ulib_strncmp("abc", "xyz", 0), 0);
}

UNIT_TEST(strchr_strrchr)
{
	char s[32];

	for (int round = 0; round < 20000; round++) {
		int c = "ab\x80\xff"[rnd() % 5]; /* index 4 is the NUL */

		random_string(s, rnd() % 20);
		CHECK(ulib_strchr(s, c) == strchr(s, c));
		CHECK(ulib_strrchr(s, c) == strrchr(s, c));
	}
	strcpy(s, "hello");
	CHECK(ulib_strchr(s, '\0') == s + 5);
	CHECK(ulib_strrchr(s, '\0') == s + 5);
	CHECK(ulib_strchr(s, 'l' + 256) == s + 2); /* c converts to char */
	CHECK(ulib_strrchr(s, 'l') == s + 3);
	CHECK(ulib_strchr(s, 'z') == NULL);
	CHECK(ulib_strrchr(s, 'z') == NULL);
}

UNIT_TEST(strstr_against_glibc)
{
	char h[64], n[8];

	for (int round = 0; round < 50000; round++) {
		random_string(h, rnd() % 40);
		random_string(n, rnd() % 5);
		CHECK(ulib_strstr(h, n) == strstr(h, n));
	}
	strcpy(h, "aaab");
	CHECK(ulib_strstr(h, "") == h);
	CHECK(ulib_strstr(h, "aab") == h + 1);
	CHECK(ulib_strstr(h, "aaaa") == NULL);
	CHECK(ulib_strstr("", "a") == NULL);
	CHECK(ulib_strstr("", "") != NULL);
}

UNIT_TEST(strlcpy_truncates_and_terminates)
{
	const char *s = "unikernel";
	size_t len = strlen(s);
	char buf[16];

	for (size_t size = 0; size < sizeof(buf); size++) {
		memset(buf, 0x55, sizeof(buf));
		CHECK_EQ(ulib_strlcpy(buf, s, size), len);
		for (size_t i = size; i < sizeof(buf); i++)
			CHECK(buf[i] == 0x55); /* nothing written past size */
		if (size == 0)
			continue;
		size_t n = len < size - 1 ? len : size - 1;
		CHECK(memcmp(buf, s, n) == 0);
		CHECK(buf[n] == '\0');
	}
	CHECK_EQ(ulib_strlcpy(buf, "", 1), 0);
	CHECK(buf[0] == '\0');
}

UNIT_MAIN()
