/* SPDX-License-Identifier: MIT */
/* port_test.c: in-guest tests of what real hypervisors need beyond QEMU's
 * TCG (issue 17): caches on for every core, the ABI's stack alignment at
 * an AP's first C frame, NMIs that are not panics, a core that never
 * starts, where the clock and the CPUs came from. The boot matrix in
 * tests/run and tests/e2e/cases.sh runs them under many QEMU machines. */
#include <string.h>
#include <unidb/test.h>
#include <unidb/time.h>

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/lapic.h"
#include "arch/x86_64/smp.h"
#include "arch/x86_64/tsc.h"
#include "arch/x86_64/x86.h"
#include "drivers/acpi.h"

#define CR0_NW (1UL << 29)
#define CR0_CD (1UL << 30)

static void record_cr0(void *arg)
{
	((uint64_t *)arg)[cpu_id()] = read_cr0();
}

TEST(port_every_cpu_runs_with_caches_on)
{
	uint64_t cr0[MAX_CPUS] = {0};

	cpu_call_all(record_cr0, cr0);
	for (unsigned i = 0; i < cpu_count(); i++) {
		EXPECT_EQ(cr0[i] & (CR0_CD | CR0_NW), 0);
		EXPECT_EQ(cr0[i], cr0[0]);
	}
}

TEST(port_ap_enters_c_with_abi_stack_alignment)
{
	/* After `push %rbp` in a function entered by call, %rbp is 16-byte
	 * aligned; the trampoline's zero return slot makes it so. */
	for (unsigned i = 1; i < cpu_count(); i++) {
		EXPECT(cpus[i]->entry_frame != 0);
		EXPECT_EQ(cpus[i]->entry_frame & 15, 0);
		/* The slot above the saved %rbp: the zero return address. */
		EXPECT_EQ(((uint64_t *)cpus[i]->entry_frame)[1], 0);
	}
}

TEST(port_nmi_without_panic_is_ignored)
{
	unsigned before = nmi_ignored_count();

	ASSERT_EQ(lapic_send_nmi(this_cpu()->apic_id), 0);
	uint64_t t0 = time_ns();
	while (nmi_ignored_count() == before && time_ns() - t0 < 1000000000)
		cpu_relax();
	EXPECT_EQ(nmi_ignored_count(), before + 1);
}

TEST(port_core_that_never_answers_is_left_out_cleanly)
{
	bool reusable = false, withdrawn = false;
	unsigned n = cpu_count();

	/* 0xf0: no QEMU configuration here has that many cores. */
	EXPECT(!smp_try_start(0xf0, &reusable, &withdrawn));
	EXPECT(reusable);
	EXPECT(withdrawn);
	EXPECT_EQ(cpu_count(), n);
}

TEST(port_clock_and_cpus_have_a_named_source)
{
	EXPECT(strcmp(time_source(), "nothing") != 0);
	EXPECT(time_tsc_hz() > 100000000);
	EXPECT(strcmp(acpi.source, "nothing") != 0);
	EXPECT_EQ(acpi.ncpus, cpu_count());
	/* Every QEMU machine's DSDT has \_S5. */
	if (!strcmp(acpi.source, "ACPI"))
		EXPECT(acpi.has_s5);
}

static void record_lapic_id(void *arg)
{
	((uint32_t *)arg)[cpu_id()] = lapic_id();
}

TEST(port_apic_ids_match_the_tables)
{
	uint32_t ids[MAX_CPUS] = {0};

	cpu_call_all(record_lapic_id, ids);
	for (unsigned i = 0; i < cpu_count(); i++)
		EXPECT_EQ(ids[i], cpus[i]->apic_id);
}
