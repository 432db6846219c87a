/* SPDX-License-Identifier: MIT */
/* test.h: in-guest tests.
 *
 * TEST(name) { ... } registers a test through the linker section
 * .unidb_tests; no central list exists. The kernel command line
 * "test [filter ...]" runs every test whose name contains one of the
 * filters (all tests without one), on the boot core, one after the other. Each prints "PASS name" or "FAIL name" after
 * the lines of its failed checks; the run ends with "N passed, N failed"
 * and powers off with status 0 if none failed, else 1.
 *
 * EXPECT*() record a failure and continue; ASSERT*() also return from the
 * test function (use them where going on would fault). */
#ifndef UNIDB_TEST_H
#define UNIDB_TEST_H

#include <stdbool.h>

struct test {
	const char *name;
	void (*fn)(void);
	const char *file;
};

#define TEST(tname)                                                            \
	static void test_fn_##tname(void);                                     \
	static const struct test test_desc_##tname                             \
	    __attribute__((used, section(".unidb_tests"), aligned(8))) = {     \
		#tname, test_fn_##tname, __FILE__};                            \
	static void test_fn_##tname(void)

/* Records a failed check and prints it; returns false (for ASSERT). */
bool test_check(bool ok, const char *file, int line, const char *expr);
bool test_check_eq(long long a, long long b, const char *file, int line,
		   const char *expr);

#define EXPECT(cond) test_check(!!(cond), __FILE__, __LINE__, #cond)
#define EXPECT_EQ(a, b)                                                        \
	test_check_eq((long long)(a), (long long)(b), __FILE__, __LINE__,      \
		      #a " == " #b)
#define ASSERT(cond)                                                           \
	do {                                                                   \
		if (!EXPECT(cond))                                             \
			return;                                                \
	} while (0)
#define ASSERT_EQ(a, b)                                                        \
	do {                                                                   \
		if (!EXPECT_EQ(a, b))                                          \
			return;                                                \
	} while (0)

#endif
