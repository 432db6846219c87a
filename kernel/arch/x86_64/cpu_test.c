/* SPDX-License-Identifier: MIT */
/* cpu_test.c: in-guest tests of SMP start-up, cross-core calls and the
 * clock. */
#include <string.h>
#include <unidb/test.h>
#include <unidb/time.h>

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/lapic.h"
#include "arch/x86_64/x86.h"
#include "drivers/acpi.h"

TEST(smp_every_listed_cpu_is_online)
{
	EXPECT_EQ(cpu_count(), acpi.ncpus);
	for (unsigned i = 0; i < cpu_count(); i++) {
		ASSERT(cpus[i] != 0);
		EXPECT(cpus[i]->online);
		EXPECT_EQ(cpus[i]->id, i);
		for (unsigned j = 0; j < i; j++)
			EXPECT(cpus[i]->apic_id != cpus[j]->apic_id);
	}
}

static void record_identity(void *arg)
{
	unsigned *slot = arg;
	slot[cpu_id()] = lapic_id() + 1;
}

TEST(cpu_call_all_runs_on_every_cpu)
{
	static unsigned seen[MAX_CPUS];

	memset(seen, 0, sizeof(seen));

	cpu_call_all(record_identity, seen);
	for (unsigned i = 0; i < cpu_count(); i++)
		EXPECT_EQ(seen[i], cpus[i]->apic_id + 1);
}

TEST(time_is_monotonic_and_delays_at_least)
{
	uint64_t prev = time_ns();
	for (int i = 0; i < 100000; i++) {
		uint64_t now = time_ns();
		ASSERT(now >= prev);
		prev = now;
	}
	uint64_t t0 = time_ns();
	time_delay_ns(2000000);
	uint64_t dt = time_ns() - t0;
	EXPECT(dt >= 2000000);
	/* Generous: TCG on an oversubscribed host may deschedule a vCPU
	 * for a while, but not for ten seconds. */
	EXPECT(dt < 10000000000);
	EXPECT(time_tsc_hz() > 100000000);
}

static void read_clock(void *arg)
{
	uint64_t *t = arg;
	t[cpu_id()] = time_ns();
}

TEST(time_agrees_across_cpus)
{
	static uint64_t t[MAX_CPUS];

	memset(t, 0, sizeof(t));

	for (unsigned i = 0; i < cpu_count(); i++) {
		uint64_t before = time_ns();
		cpu_call(i, read_clock, t);
		uint64_t after = time_ns();
		/* A core's clock read lies between our reads before and
		 * after the call, unless the TSCs disagree. */
		EXPECT(t[i] >= before && t[i] <= after);
	}
}
