/* SPDX-License-Identifier: MIT */
/* test.c: the in-guest test runner (command "test [filter]"). */
#include <string.h>
#include <unidb/command.h>
#include <unidb/cpu.h>
#include <unidb/printk.h>
#include <unidb/test.h>
#include <unidb/time.h>

extern const struct test __tests_start[], __tests_end[];

static unsigned failed_checks;

bool test_check(bool ok, const char *file, int line, const char *expr)
{
	if (!ok) {
		printk("  check failed: %s:%d: %s\n", file, line, expr);
		failed_checks++;
	}
	return ok;
}

bool test_check_eq(long long a, long long b, const char *file, int line,
		   const char *expr)
{
	if (a != b) {
		printk("  check failed: %s:%d: %s (%lld != %lld)\n", file, line,
		       expr, a, b);
		failed_checks++;
	}
	return a == b;
}

/* No filter selects every test; else a test runs if its name contains
 * any of them. */
static bool selected(const char *name, int nfilters, char **filters)
{
	if (!nfilters)
		return true;
	for (int i = 0; i < nfilters; i++)
		if (strstr(name, filters[i]))
			return true;
	return false;
}

static int cmd_test(int argc, char **argv)
{
	unsigned passed = 0, failed = 0;

	printk("test: running on %u cpus\n", cpu_count());
	for (const struct test *t = __tests_start; t < __tests_end; t++) {
		if (!selected(t->name, argc - 1, argv + 1))
			continue;
		failed_checks = 0;
		uint64_t t0 = time_ns();
		t->fn();
		uint64_t us = (time_ns() - t0) / 1000;
		printk("%s %s (%lu.%03lu ms)\n", failed_checks ? "FAIL" : "PASS",
		       t->name, us / 1000, us % 1000);
		if (failed_checks)
			failed++;
		else
			passed++;
	}
	printk("%u passed, %u failed\n", passed, failed);
	return failed || !passed ? 1 : 0;
}
COMMAND(test, "[filter] ...  run the in-guest tests whose name contains a filter",
	cmd_test);
