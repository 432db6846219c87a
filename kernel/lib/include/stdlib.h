/* SPDX-License-Identifier: MIT */
/* stdlib.h: number parsing, sorting and searching.
 *
 * None of these allocate, sleep or take locks. */
#ifndef UNIDB_LIB_STDLIB_H
#define UNIDB_LIB_STDLIB_H

#include <stddef.h>

/* Parse an integer as C does: skip leading isspace(), take an optional
 * sign, then digits in base (2..36, or 0 to take 0x.. as hex, 0.. as octal
 * and anything else as decimal; base 16 also accepts a 0x prefix). If
 * endptr is not NULL, *endptr is set past the last digit used, or to s if
 * there was no digit ("0x" alone parses as 0 with *endptr at the 'x').
 * Out-of-range values clamp to the type's limit (LONG_MIN/LONG_MAX,
 * ULONG_MAX, ...). The unsigned ones negate a leading '-' in the unsigned
 * type, as C specifies ("-1" gives ULONG_MAX). An invalid base returns 0
 * with *endptr = s. There is no errno: use the _err forms to tell a clamped
 * or empty result from a real one. O(strlen(s)). */
long strtol(const char *s, char **endptr, int base);
unsigned long strtoul(const char *s, char **endptr, int base);
long long strtoll(const char *s, char **endptr, int base);
unsigned long long strtoull(const char *s, char **endptr, int base);

/* strtoll()/strtoull() that also store into *err: 0 on success, -ERANGE if
 * the value was clamped, -EINVAL if there was no digit or base is invalid
 * (the result is then 0). err must not be NULL. */
long long strtoll_err(const char *s, char **endptr, int base, int *err);
unsigned long long strtoull_err(const char *s, char **endptr, int base,
				int *err);

/* Sorts n elements of size bytes at base into ascending order by cmp
 * (<0, 0, >0). Not stable. Introsort: O(n log n) comparisons and swaps in
 * the worst case, O(log n) stack, no allocation. cmp must be a consistent
 * total order; if it is not, the result is unordered but memory-safe. */
void qsort(void *base, size_t n, size_t size,
	   int (*cmp)(const void *a, const void *b));

/* Finds an element equal to *key (by cmp(key, element)) in the n sorted
 * elements at base, or returns NULL. If several are equal, any of them may
 * be returned. O(log n). */
void *bsearch(const void *key, const void *base, size_t n, size_t size,
	      int (*cmp)(const void *key, const void *elem));

/* Absolute value; the most negative value has none (undefined, as in C). */
static inline int abs(int x)
{
	return x < 0 ? -x : x;
}

static inline long labs(long x)
{
	return x < 0 ? -x : x;
}

static inline long long llabs(long long x)
{
	return x < 0 ? -x : x;
}

#endif
