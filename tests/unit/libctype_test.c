/* SPDX-License-Identifier: MIT */
/* libctype_test.c: kernel/lib ctype.h and limits.h against glibc.
 *
 * The test never calls setlocale(), so glibc's classes are those of the
 * "C" locale, which are exactly ASCII's. */
#include <ctype.h>
#include <limits.h>
#include <stdio.h>

#include "unit.h"
#include "lib_rename.h"

extern const long long ulib_limits_signed[];
extern const unsigned long long ulib_limits_unsigned[];

static int truth(int x)
{
	return x != 0;
}

UNIT_TEST(classes_match_c_locale)
{
	/* glibc's tables cover -128..255; EOF is -1. */
	for (int c = -128; c <= 255; c++) {
		int before = unit_failed_checks;

		CHECK_EQ(truth(ulib_isdigit(c)), truth(isdigit(c)));
		CHECK_EQ(truth(ulib_isxdigit(c)), truth(isxdigit(c)));
		CHECK_EQ(truth(ulib_isalpha(c)), truth(isalpha(c)));
		CHECK_EQ(truth(ulib_isalnum(c)), truth(isalnum(c)));
		CHECK_EQ(truth(ulib_isspace(c)), truth(isspace(c)));
		CHECK_EQ(truth(ulib_isupper(c)), truth(isupper(c)));
		CHECK_EQ(truth(ulib_islower(c)), truth(islower(c)));
		CHECK_EQ(truth(ulib_isprint(c)), truth(isprint(c)));
		CHECK_EQ(truth(ulib_isgraph(c)), truth(isgraph(c)));
		CHECK_EQ(truth(ulib_ispunct(c)), truth(ispunct(c)));
		CHECK_EQ(truth(ulib_iscntrl(c)), truth(iscntrl(c)));
		/* Where C defines it: glibc maps -128..-2 to 128..254. */
		if (c >= -1) {
			CHECK_EQ(ulib_toupper(c), toupper(c));
			CHECK_EQ(ulib_tolower(c), tolower(c));
		}
		if (unit_failed_checks != before)
			printf("  at c = %d\n", c);
	}
}

UNIT_TEST(out_of_range_values)
{
	/* Outside what glibc defines: no class, case unchanged. */
	const int odd[] = {256, 256 + 'a', 1000, INT_MAX, INT_MIN, -129};

	for (size_t i = 0; i < sizeof(odd) / sizeof(*odd); i++) {
		int c = odd[i];

		CHECK(!ulib_isdigit(c) && !ulib_isxdigit(c) &&
		      !ulib_isalpha(c));
		CHECK(!ulib_isspace(c) && !ulib_isprint(c) && !ulib_iscntrl(c));
		CHECK(!ulib_ispunct(c) && !ulib_isupper(c) && !ulib_islower(c));
		CHECK_EQ(ulib_toupper(c), c);
		CHECK_EQ(ulib_tolower(c), c);
	}
}

UNIT_TEST(limits_match_host)
{
	const long long want[] = {
	    CHAR_BIT, SCHAR_MIN, SCHAR_MAX, UCHAR_MAX, CHAR_MIN,
	    CHAR_MAX, SHRT_MIN,	 SHRT_MAX,  USHRT_MAX, INT_MIN,
	    INT_MAX,  LONG_MIN,	 LONG_MAX,  LLONG_MIN, LLONG_MAX,
	};
	const unsigned long long uwant[] = {UINT_MAX, ULONG_MAX, ULLONG_MAX};

	for (size_t i = 0; i < sizeof(want) / sizeof(*want); i++)
		CHECK(ulib_limits_signed[i] == want[i]);
	for (size_t i = 0; i < sizeof(uwant) / sizeof(*uwant); i++)
		CHECK(ulib_limits_unsigned[i] == uwant[i]);
}

UNIT_MAIN()
