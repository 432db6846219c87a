/* SPDX-License-Identifier: MIT */
/* strtol.c: the strto[u]l[l] family (see stdlib.h).
 *
 * One parser produces the magnitude, the sign and whether the magnitude
 * overflowed unsigned long long; each wrapper then clamps to its type. */
#include <ctype.h>
#include <limits.h>
#include <stdbool.h>
#include <stdlib.h>
#include <unidb/errno.h>

struct parsed {
	unsigned long long mag;
	bool neg;
	bool overflow; /* mag did not fit; it holds ULLONG_MAX */
	bool digits;   /* at least one digit was consumed */
};

/* Value of c as a digit in bases up to 36, or 36 if it is none. */
static unsigned digit_value(int c)
{
	if (isdigit(c))
		return c - '0';
	if (isalpha(c))
		return tolower(c) - 'a' + 10;
	return 36;
}

static struct parsed parse(const char *s, char **endptr, int base)
{
	struct parsed r = {0, false, false, false};
	const char *p = s;
	unsigned b = base, d;

	if (endptr)
		*endptr = (char *)s;
	if (base < 0 || base == 1 || base > 36)
		return r;
	while (isspace(*p))
		p++;
	if (*p == '-' || *p == '+')
		r.neg = *p++ == '-';
	/* The prefix counts only if a hex digit follows: "0x" alone is the
	 * number 0 followed by the text "x". */
	if ((b == 0 || b == 16) && p[0] == '0' && (p[1] | 0x20) == 'x' &&
	    isxdigit(p[2])) {
		p += 2;
		b = 16;
	} else if (b == 0) {
		b = p[0] == '0' ? 8 : 10;
	}

	for (; (d = digit_value(*p)) < b; p++) {
		r.digits = true;
		if (r.overflow)
			continue;
		if (r.mag > (ULLONG_MAX - d) / b) {
			r.overflow = true;
			r.mag = ULLONG_MAX;
			continue;
		}
		r.mag = r.mag * b + d;
	}
	if (r.digits && endptr)
		*endptr = (char *)p;
	return r;
}

/* Clamps to [-(max + 1), max] for the signed types. */
static long long to_signed(struct parsed r, unsigned long long max, int *err)
{
	*err = r.digits ? 0 : -EINVAL;
	if (r.neg) {
		if (r.overflow || r.mag > max + 1) {
			*err = -ERANGE;
			return -(long long)max - 1;
		}
		/* -(max + 1) is representable, its magnitude is not */
		return r.mag == max + 1 ? -(long long)max - 1
					: -(long long)r.mag;
	}
	if (r.overflow || r.mag > max) {
		*err = -ERANGE;
		return max;
	}
	return r.mag;
}

/* Clamps to [0, max]; a '-' negates in the unsigned type, as C says. */
static unsigned long long to_unsigned(struct parsed r, unsigned long long max,
				      int *err)
{
	*err = r.digits ? 0 : -EINVAL;
	if (r.overflow || r.mag > max) {
		*err = -ERANGE;
		return max;
	}
	return r.neg ? (0 - r.mag) & max : r.mag;
}

long strtol(const char *s, char **endptr, int base)
{
	int err;

	return to_signed(parse(s, endptr, base), LONG_MAX, &err);
}

unsigned long strtoul(const char *s, char **endptr, int base)
{
	int err;

	return to_unsigned(parse(s, endptr, base), ULONG_MAX, &err);
}

long long strtoll(const char *s, char **endptr, int base)
{
	int err;

	return to_signed(parse(s, endptr, base), LLONG_MAX, &err);
}

unsigned long long strtoull(const char *s, char **endptr, int base)
{
	int err;

	return to_unsigned(parse(s, endptr, base), ULLONG_MAX, &err);
}

long long strtoll_err(const char *s, char **endptr, int base, int *err)
{
	return to_signed(parse(s, endptr, base), LLONG_MAX, err);
}

unsigned long long strtoull_err(const char *s, char **endptr, int base,
				int *err)
{
	return to_unsigned(parse(s, endptr, base), ULLONG_MAX, err);
}
