/* SPDX-License-Identifier: MIT */
/* db_regex_test.c: regex.c against expectations taken from PostgreSQL 15
 * (each case's answer is what `select 'subject' ~ 'pattern'` printed), a
 * backtracking-killer pattern, and malformed patterns (2201B). */
#include <string.h>

#include "../../db/sql/regex.h"
#include "unit.h"

static int match(const char *pat, const char *s, bool icase)
{
	struct arena a;
	struct db_error err = {0};
	struct regex *re;
	bool m = false;
	int r;

	arena_init(&a, 0);
	r = regex_compile(&a, pat, strlen(pat), icase, &re, &err);
	if (r == 0)
		r = regex_match(&a, re, s, strlen(s), &m, &err);
	arena_free(&a);
	if (r < 0)
		return strcmp(err.code, "2201B") == 0 ? -1 : -2;
	return m;
}

UNIT_TEST(regex_literals_and_anchors)
{
	CHECK_EQ(match("^(t)$", "t", false), 1);
	CHECK_EQ(match("^(t)$", "tt", false), 0);
	CHECK_EQ(match("^(t)$", "", false), 0);
	CHECK_EQ(match("^pg_toast", "pg_toast_123", false), 1);
	CHECK_EQ(match("^pg_toast", "xpg_toast", false), 0);
	CHECK_EQ(match("^pg_", "public", false), 0);
	CHECK_EQ(match("ast", "pg_toast", false), 1);
	CHECK_EQ(match("", "anything", false), 1);
	CHECK_EQ(match("a$", "ba", false), 1);
	CHECK_EQ(match("a$", "ab", false), 0);
	CHECK_EQ(match("^$", "", false), 1);
	CHECK_EQ(match("a.c", "abc", false), 1);
	CHECK_EQ(match("a.c", "a\xc3\xa9" "c", false), 1); /* one character */
	CHECK_EQ(match("a..c", "a\xc3\xa9" "c", false), 0);
	CHECK_EQ(match("a\\.c", "abc", false), 0);
	CHECK_EQ(match("a\\.c", "a.c", false), 1);
}

UNIT_TEST(regex_alternation_groups_quantifiers)
{
	CHECK_EQ(match("^(foo|bar)$", "bar", false), 1);
	CHECK_EQ(match("^(foo|bar)$", "baz", false), 0);
	CHECK_EQ(match("^(a|b|c)+$", "abcabc", false), 1);
	CHECK_EQ(match("^(a|b|c)+$", "abcd", false), 0);
	CHECK_EQ(match("^ab*c$", "ac", false), 1);
	CHECK_EQ(match("^ab*c$", "abbbc", false), 1);
	CHECK_EQ(match("^ab+c$", "ac", false), 0);
	CHECK_EQ(match("^ab?c$", "abbc", false), 0);
	CHECK_EQ(match("^a{2}$", "aa", false), 1);
	CHECK_EQ(match("^a{2}$", "aaa", false), 0);
	CHECK_EQ(match("^a{2,}$", "aaaaa", false), 1);
	CHECK_EQ(match("^a{2,}$", "a", false), 0);
	CHECK_EQ(match("^a{1,3}b$", "aaab", false), 1);
	CHECK_EQ(match("^a{1,3}b$", "aaaab", false), 0);
	CHECK_EQ(match("^a{0,1}b$", "b", false), 1);
	CHECK_EQ(match("^(ab){2}$", "abab", false), 1);
	CHECK_EQ(match("^(?:ab)*$", "ababab", false), 1);
	CHECK_EQ(match("^x(a|)y$", "xy", false), 1);
	CHECK_EQ(match("^.*?z$", "abz", false), 1);
	CHECK_EQ(match("^(a*)*b$", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaac", false), 0);
}

UNIT_TEST(regex_classes_and_case)
{
	CHECK_EQ(match("^[a-c]+$", "abccba", false), 1);
	CHECK_EQ(match("^[a-c]+$", "abd", false), 0);
	CHECK_EQ(match("^[^0-9]+$", "abc", false), 1);
	CHECK_EQ(match("^[^0-9]+$", "a1c", false), 0);
	CHECK_EQ(match("^[]a]+$", "]a]", false), 1);
	CHECK_EQ(match("^[a-]+$", "a-a", false), 1);
	CHECK_EQ(match("^[[:digit:]]+$", "0123", false), 1);
	CHECK_EQ(match("^[[:alpha:]_]+$", "ab_C", false), 1);
	CHECK_EQ(match("^\\d+$", "42", false), 1);
	CHECK_EQ(match("^\\w+$", "a_1", false), 1);
	CHECK_EQ(match("^\\W$", "a", false), 0);
	CHECK_EQ(match("\\s", "a b", false), 1);
	CHECK_EQ(match("^ABC$", "abc", true), 1);
	CHECK_EQ(match("^abc$", "ABC", true), 1);
	CHECK_EQ(match("^[a-c]+$", "ABC", true), 1);
	CHECK_EQ(match("^abc$", "ABC", false), 0);
}

UNIT_TEST(regex_errors)
{
	CHECK_EQ(match("(ab", "ab", false), -1);
	CHECK_EQ(match("ab)", "ab", false), -1);
	CHECK_EQ(match("[ab", "ab", false), -1);
	CHECK_EQ(match("*a", "a", false), -1);
	CHECK_EQ(match("a{3,1}", "a", false), -1);
	CHECK_EQ(match("a{", "a", false), -1);
	CHECK_EQ(match("\\", "a", false), -1);
	CHECK_EQ(match("[z-a]", "a", false), -1);
	CHECK_EQ(match("[[:nosuch:]]", "a", false), -1);
	CHECK_EQ(match("(?=a)", "a", false), -1);
	CHECK_EQ(match("(((((a{200}){200}){200})))", "a", false), -1);
}

/* Many alternatives compile without nesting; deep groups are refused
 * (the compiler recurses per group on a small kernel stack). */
UNIT_TEST(regex_limits)
{
	static char pat[4000];
	int k, n = 0;

	for (k = 0; k < 500; k++)
		n += snprintf(pat + n, sizeof(pat) - (size_t)n, "x%d|", k);
	snprintf(pat + n, sizeof(pat) - (size_t)n, "y");
	CHECK_EQ(match(pat, "y", false), 1);
	CHECK_EQ(match(pat, "x499", false), 1);
	CHECK_EQ(match(pat, "z", false), 0);
	n = 0;
	for (k = 0; k < 25; k++)
		pat[n++] = '(';
	pat[n++] = 'a';
	for (k = 0; k < 25; k++)
		pat[n++] = ')';
	pat[n] = 0;
	CHECK_EQ(match(pat, "a", false), -1);
	CHECK_EQ(match("((((((((((a))))))))))", "a", false), 1);
}

UNIT_MAIN()
