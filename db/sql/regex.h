/* SPDX-License-Identifier: MIT */
/* regex.h: POSIX extended regular expressions for the ~ ~* !~ !~*
 * operators (what psql's \d patterns and most queries use).
 *
 * Supported: literals, '.', bracket expressions ([a-z], [^...], [[:alpha:]]
 * and the other POSIX classes), escapes \d \w \s (and upper-case
 * negations), \. and the like, ^ and $ (string start and end; newlines are
 * ordinary, as in PostgreSQL's default), groups ( ) and (?: ), alternation
 * |, and the quantifiers * + ? {m} {m,} {m,n} (lazy forms accepted: the
 * match/no-match answer is the same). Not supported (2201B): back
 * references, lookahead, PostgreSQL's ARE-only escapes beyond the above.
 *
 * A pattern compiles to a small program run as a Thompson NFA (a list of
 * threads stepped one input character at a time), so matching is linear in
 * the input for a given pattern: no pattern can make it backtrack
 * exponentially. Text is UTF-8; '.' and classes match whole characters.
 * Case-insensitive matching (~*) folds ASCII letters. */
#ifndef DB_SQL_REGEX_H
#define DB_SQL_REGEX_H

#include <stdbool.h>
#include <stddef.h>

#include "../common.h"

#define REGEX_MAX_PROG 4096 /* instructions; larger: 2201B too complex */

struct regex;

/* Compiles pat[0..n) into the arena. 2201B "invalid regular expression:
 * ..." on a malformed pattern. */
int regex_compile(struct arena *a, const char *pat, size_t n, bool icase,
		  struct regex **out, struct db_error *err);
/* Whether the pattern matches somewhere in s[0..n). Scratch space comes
 * from the arena (53200 if it runs out). */
int regex_match(struct arena *a, const struct regex *re, const char *s,
		size_t n, bool *match, struct db_error *err);

#endif
