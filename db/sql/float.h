/* SPDX-License-Identifier: MIT */
/* float.h: real and double precision: text input correctly rounded and
 * output as PostgreSQL 15 prints it (the shortest decimal that reads back
 * to the same value, extra_float_digits = 1), without libc or libm.
 * 'NaN', 'Infinity', '-Infinity' (and inf) are accepted and printed as
 * PostgreSQL does. */
#ifndef DB_SQL_FLOAT_H
#define DB_SQL_FLOAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../common.h"

/* Parses s[0..n) as a double (float4: as a float, rounded once). 22P02
 * on bad syntax, 22003 if a finite input overflows or a nonzero one
 * underflows to zero. */
int float_parse(const char *s, size_t n, bool float4, double *out,
		struct db_error *err);
void float_out(struct strbuf *sb, double v, bool float4);

#endif
