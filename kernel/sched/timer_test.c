/* SPDX-License-Identifier: MIT */
/* timer_test.c: kernel timers fire on every core, on time, at the rate
 * asked, and not after they are cancelled. */
#include <unidb/test.h>
#include <unidb/time.h>
#include <unidb/timer.h>

#include "arch/x86_64/cpu.h"

struct fired {
	struct timer timer[MAX_CPUS];
	uint64_t started[MAX_CPUS], at[MAX_CPUS];
	unsigned on_cpu[MAX_CPUS];
	volatile unsigned count;
};

static void note_fired(struct timer *t)
{
	struct fired *f = t->arg;
	unsigned i = t - f->timer;
	f->at[i] = time_ns();
	f->on_cpu[i] = cpu_id();
	__atomic_fetch_add(&f->count, 1, __ATOMIC_RELAXED);
}

static void start_here(void *arg)
{
	struct fired *f = arg;
	unsigned i = cpu_id();
	timer_init(&f->timer[i], note_fired, f);
	f->started[i] = time_ns();
	timer_start(&f->timer[i], 1000000, 0);
}

TEST(timer_fires_once_on_every_cpu_not_early)
{
	static struct fired f;

	f.count = 0;
	cpu_call_all(start_here, &f);
	/* The deadline only bounds a failure: an oversubscribed host may
	 * leave a vCPU unscheduled for long. */
	uint64_t end = time_ns() + 60000000000;
	while (f.count < cpu_count() && time_ns() < end)
		cpu_relax();
	time_delay_ns(5000000); /* a one-shot must not fire twice */
	EXPECT_EQ(f.count, cpu_count());
	for (unsigned i = 0; i < cpu_count(); i++) {
		EXPECT_EQ(f.on_cpu[i], i);
		EXPECT(f.at[i] >= f.started[i] + 1000000);
		EXPECT(!f.timer[i].armed);
	}
}

static void count_tick(struct timer *t)
{
	(*(volatile unsigned *)t->arg)++;
}

TEST(timer_periodic_rate_and_cancel)
{
	volatile unsigned ticks = 0;
	struct timer t;

	timer_init(&t, count_tick, (void *)&ticks);
	uint64_t t0 = time_ns();
	timer_start(&t, 1000000, 1000000); /* 1 kHz */
	/* At least 50 ms, and until 10 ticks came (an oversubscribed host
	 * may not run this vCPU for a while; that deadline bounds only a
	 * failure). */
	while (time_ns() - t0 < 50000000 ||
	       (ticks < 10 && time_ns() - t0 < 60000000000))
		cpu_relax();
	EXPECT(timer_cancel(&t));
	uint64_t ms = (time_ns() - t0) / 1000000;
	unsigned n = ticks;
	/* One per elapsed ms at most: deadlines never run early. TCG may
	 * deliver late, and missed periods are skipped, not bunched. */
	EXPECT(n >= 10);
	EXPECT(n <= ms);
	time_delay_ns(5000000);
	EXPECT_EQ(ticks, n);
	EXPECT(!timer_cancel(&t));
}
