/* SPDX-License-Identifier: MIT */
/* unit.h: minimal host unit-test harness (built with ASan/UBSan).
 *
 * A test file defines tests with UNIT_TEST(name) { ... } and checks with
 * CHECK(cond) / CHECK_EQ(a, b); it ends with UNIT_MAIN(). Each test prints
 * "PASS name" or "FAIL name: file:line: expression"; the binary's last line
 * is "N passed, N failed" and it exits non-zero if any test failed. */
#ifndef UNIT_H
#define UNIT_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct unit_test {
	const char *name;
	void (*fn)(void);
};

extern int unit_failed_checks;

#define UNIT_TEST(name)                                                        \
	static void unit_##name(void);                                         \
	static const struct unit_test unit_desc_##name                         \
	    __attribute__((used, section("unit_tests"), aligned(8))) = {       \
		#name, unit_##name};                                           \
	static void unit_##name(void)

#define CHECK(cond)                                                            \
	do {                                                                   \
		if (!(cond)) {                                                 \
			printf("  check failed: %s:%d: %s\n", __FILE__,        \
			       __LINE__, #cond);                               \
			unit_failed_checks++;                                  \
		}                                                              \
	} while (0)

#define CHECK_EQ(a, b)                                                         \
	do {                                                                   \
		long long unit_a_ = (long long)(a), unit_b_ = (long long)(b);  \
		if (unit_a_ != unit_b_) {                                      \
			printf("  check failed: %s:%d: %s == %s (%lld != "     \
			       "%lld)\n",                                      \
			       __FILE__, __LINE__, #a, #b, unit_a_, unit_b_);  \
			unit_failed_checks++;                                  \
		}                                                              \
	} while (0)

#define CHECK_STR(a, b)                                                        \
	do {                                                                   \
		const char *unit_a_ = (a), *unit_b_ = (b);                     \
		if (strcmp(unit_a_, unit_b_) != 0) {                           \
			printf("  check failed: %s:%d: %s == %s (\"%s\" != "   \
			       "\"%s\")\n",                                    \
			       __FILE__, __LINE__, #a, #b, unit_a_, unit_b_);  \
			unit_failed_checks++;                                  \
		}                                                              \
	} while (0)

extern const struct unit_test __start_unit_tests[], __stop_unit_tests[];

#define UNIT_MAIN()                                                            \
	int unit_failed_checks;                                                \
	int main(int argc, char **argv)                                        \
	{                                                                      \
		int passed = 0, failed = 0;                                    \
		for (const struct unit_test *t = __start_unit_tests;           \
		     t < __stop_unit_tests; t++) {                             \
			if (argc > 1 && !strstr(t->name, argv[1]))             \
				continue;                                      \
			unit_failed_checks = 0;                                \
			t->fn();                                               \
			if (unit_failed_checks) {                              \
				printf("FAIL %s\n", t->name);                  \
				failed++;                                      \
			} else {                                               \
				printf("PASS %s\n", t->name);                  \
				passed++;                                      \
			}                                                      \
		}                                                              \
		printf("%d passed, %d failed\n", passed, failed);              \
		return failed ? 1 : 0;                                         \
	}

#endif
