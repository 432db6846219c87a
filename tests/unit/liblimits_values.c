/* SPDX-License-Identifier: MIT */
/* liblimits_values.c: kernel/lib/include/limits.h, seen from its own unit.
 *
 * The kernel's limits.h and the host's cannot be included together (same
 * macro names), so this unit includes only the kernel's and exports its
 * values for libctype_test.c to compare with the host's. */
#include "../../kernel/lib/include/limits.h"

const long long ulib_limits_signed[] = {
    CHAR_BIT, SCHAR_MIN, SCHAR_MAX, UCHAR_MAX, CHAR_MIN,
    CHAR_MAX, SHRT_MIN,	 SHRT_MAX,  USHRT_MAX, INT_MIN,
    INT_MAX,  LONG_MIN,	 LONG_MAX,  LLONG_MIN, LLONG_MAX,
};

const unsigned long long ulib_limits_unsigned[] = {UINT_MAX, ULONG_MAX,
						   ULLONG_MAX};

/* The constants must also have the types C gives them. */
_Static_assert(_Generic(INT_MAX, int : 1, default : 0), "INT_MAX type");
_Static_assert(_Generic(INT_MIN, int : 1, default : 0), "INT_MIN type");
_Static_assert(_Generic(UINT_MAX, unsigned : 1, default : 0), "UINT_MAX");
_Static_assert(_Generic(LONG_MIN, long : 1, default : 0), "LONG_MIN type");
_Static_assert(_Generic(ULONG_MAX, unsigned long : 1, default : 0), "ULONG");
_Static_assert(_Generic(LLONG_MIN, long long : 1, default : 0), "LLONG_MIN");
_Static_assert(_Generic(ULLONG_MAX, unsigned long long : 1, default : 0),
	       "ULLONG_MAX type");
