/* SPDX-License-Identifier: MIT */
/* delay_test.c: delay injection pauses at armed points only, for the
 * configured chance and length. */
#include <stddef.h>
#include <unidb/test.h>
#include <unidb/time.h>

#include "core/delay.h"

static uint64_t pass(int which)
{
	uint64_t t0 = time_ns();
	if (which == 0)
		DELAY_POINT("delay_test.armed");
	else
		DELAY_POINT("delay_test.other");
	return time_ns() - t0;
}

TEST(delay_injection_pauses_armed_points_only)
{
	struct delay_config c = {.seed = 1,
				 .max_ns = 200000,
				 .permille = 500,
				 .filter = "test.armed"};
	struct delay_config old = delay_set(&c);
	uint64_t before = delay_hits("delay_test.armed");
	uint64_t slept = 0;

	for (int i = 0; i < 200; i++)
		slept += pass(0);
	for (int i = 0; i < 200; i++)
		pass(1);
	uint64_t hits = delay_hits("delay_test.armed") - before;
	uint64_t other = delay_hits("delay_test.other");
	delay_set(&old);

	/* 200 passes at 1/2: far outside 40..160 only if the draw is broken. */
	EXPECT(hits >= 40 && hits <= 160);
	EXPECT_EQ(other, 0);
	/* Mean pause 100 us; at least a quarter of that on average. */
	EXPECT(slept >= hits * 25000);

	/* Off: no pause is counted. */
	delay_set(NULL);
	pass(0);
	EXPECT_EQ(delay_hits("delay_test.armed") - before, hits);
	delay_set(&old);
}
