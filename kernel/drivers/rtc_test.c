/* SPDX-License-Identifier: MIT */
/* rtc_test.c: the wall clock reads a plausible date and moves forward. */
#include <unidb/test.h>
#include <unidb/time.h>

TEST(rtc_wall_clock)
{
	int64_t a = time_wall_us(), b;

	/* after 2024-01-01 and before 2200-01-01 (QEMU gives the host's UTC) */
	EXPECT(a > 1704067200LL * 1000000);
	EXPECT(a < 7258118400LL * 1000000);
	time_delay_ns(2000000);
	b = time_wall_us();
	EXPECT(b - a >= 2000);
}
