/* SPDX-License-Identifier: MIT */
/* stack_protector_test.c: the canary chosen at boot. */
#include <string.h>
#include <unidb/test.h>

#include "core/stack_protector.h"

TEST(stack_canary_is_random_with_a_zero_low_byte)
{
	EXPECT(__stack_chk_guard != 0);
	EXPECT_EQ(__stack_chk_guard & 0xff, 0);
	ASSERT(stack_guard_source != 0);
	EXPECT(!strcmp(stack_guard_source, "RDRAND") ||
	       !strcmp(stack_guard_source, "TSC"));
}

/* A protected function with a buffer, used within bounds: the check on
 * return passes (a wrong canary load or store would panic here). */
__attribute__((noipa)) static int fill_and_sum(int n)
{
	volatile char buf[32];
	int sum = 0;

	for (int i = 0; i < n; i++)
		buf[i] = (char)i;
	for (int i = 0; i < n; i++)
		sum += buf[i];
	return sum;
}

TEST(stack_protected_function_returns_normally)
{
	EXPECT_EQ(fill_and_sum(32), 31 * 32 / 2);
}
