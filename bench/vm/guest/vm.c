/* SPDX-License-Identifier: MIT */
/* vm.c: vm area microbenchmarks, unidb side ("bench vm").
 *
 * The same three measurements as bench/linux/vm.c, with the same structure
 * and the same pseudo-random sequence, so that only the system differs:
 *   present    a 4 GiB demand-zero area with TOUCHED random pages written;
 *              then CHECKS checks of a random 4 KiB page: vm_is_present()
 *              here, a pread of /proc/self/pagemap there. ns per check.
 *              Every answer is compared with the reference bitmap.
 *   fault_1    one thread writes one word to each page of a fresh 64 MiB
 *              area, in order: ns per fault (elapsed / pages).
 *   fault_all  one thread per vCPU, pinned, each on its own slice of one
 *              fresh 64 MiB area, started together: ns per fault = the sum
 *              of the threads' elapsed times / total pages, i.e. the mean
 *              time a fault takes while every vCPU faults.
 * Faulted pages are read back afterwards and must hold what was written.
 * Usage: bench vm [checks [fault_mib]]. */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unidb/bench.h>
#include <unidb/cpu.h>
#include <unidb/printk.h>
#include <unidb/thread.h>
#include <unidb/time.h>
#include <unidb/vm.h>

#include "../workload.h"

#define PAGE 4096UL
#define AREA_PAGES PRESENT_PAGES
#define TOUCHED PRESENT_TOUCHED

static uint8_t ref[AREA_PAGES / 8];
static uint64_t touched[TOUCHED];
static uint8_t answer[PRESENT_MAX_CHECKS];
static uint64_t rnd_state;

static uint64_t rnd(void) /* xorshift64, as on the Linux side */
{
	return present_rnd(&rnd_state);
}

static bool ref_get(uint64_t p)
{
	return ref[p / 8] & (1u << (p % 8));
}

/* Tenths of ns per presence check, or 0 on a wrong answer. */
static uint64_t bench_present(uint64_t checks)
{
	struct vm_area *a = vm_area_create(AREA_PAGES * PAGE, VM_DEMAND_ZERO);
	char *base;
	uint64_t hits = 0, want = 0, wrong = 0;

	if (!a)
		return 0;
	base = vm_area_base(a);
	memset(ref, 0, sizeof(ref));
	rnd_state = 88172645463325252ULL;
	for (int i = 0; i < TOUCHED; i++) {
		uint64_t p = rnd() % AREA_PAGES;
		base[p * PAGE] = 1;
		ref[p / 8] |= 1u << (p % 8);
		touched[i] = p;
	}
	uint64_t seq = rnd_state;
	uint64_t t0 = time_ns();
	for (uint64_t i = 0; i < checks; i++)
		answer[i] = vm_is_present(
		    base + present_pick(&rnd_state, touched) * PAGE);
	uint64_t ns = time_ns() - t0;
	/* Same sequence again, checked against the reference. */
	/* Same probes again: every answer against the reference. */
	for (uint64_t i = 0; i < checks; i++) {
		bool truth = ref_get(present_pick(&seq, touched));
		hits += answer[i];
		want += truth;
		wrong += answer[i] != truth;
	}
	vm_area_destroy(a);
	if (wrong) {
		printk("bench vm: present: check FAIL: %lu of %lu answers wrong "
		       "(%lu said present, reference %lu)\n",
		       wrong, checks, hits, want);
		return 0;
	}
	printk("present: %lu checks, %lu present, 0 wrong, %lu ns\n", checks,
	       hits, ns);
	return ns * 10 / checks ? ns * 10 / checks : 1;
}

static void touch_slice(void *arg)
{
	fault_slice_touch(arg, time_ns);
}

/* Tenths of ns per fault with nthreads threads (pinned to cores 0..n-1) on disjoint
 * slices of one fresh area of pages pages; 0 on failure. */
static uint64_t bench_fault(uint64_t pages, unsigned nthreads)
{
	static struct fault_slice sl[MAX_CPUS];
	static struct thread *t[MAX_CPUS];
	volatile unsigned go = 0;
	uint64_t per = pages / nthreads, sum = 0;
	struct vm_area *a = vm_area_create(pages * PAGE, VM_DEMAND_ZERO);
	bool ok = a != NULL;

	for (unsigned i = 0; ok && i < nthreads; i++) {
		struct thread_attr at = {.cpu = (int)i};
		sl[i] = (struct fault_slice){
		    (char *)vm_area_base(a) + i * per * PAGE, per, &go,
		    nthreads, i, 0};
		t[i] = thread_create("vm-fault", touch_slice, &sl[i], &at);
		ok = t[i] != NULL;
		if (!ok)
			nthreads = i;
	}
	for (unsigned i = 0; i < nthreads; i++) {
		thread_join(t[i]);
		ok = ok && fault_slice_ok(&sl[i]);
		sum += sl[i].ns;
	}
	if (a)
		vm_area_destroy(a);
	if (!ok) {
		printk("bench vm: fault with %u threads: check FAIL or no memory "
		       "(every page: its number + 1, then 511 zero words)\n",
		       nthreads);
		return 0;
	}
	printk("fault: %u threads, %lu pages, %lu ns summed\n", nthreads,
	       per * nthreads, sum);
	return sum * 10 / (per * nthreads);
}

static int bench_vm(int argc, char **argv)
{
	uint64_t checks = argc > 1 ? strtoul(argv[1], NULL, 0) : 200000;
	uint64_t mib = argc > 2 ? strtoul(argv[2], NULL, 0) : 64;
	uint64_t pages = mib * (1UL << 20) / PAGE;

	if (!checks || checks > PRESENT_MAX_CHECKS || pages < cpu_count()) {
		printk("bench vm: bad arguments\n");
		return 1;
	}
	bench_fault(pages / 16, 1); /* warm-up: tables, stacks, caches */
	uint64_t present = bench_present(checks);
	uint64_t f1 = bench_fault(pages, 1);
	uint64_t fall = bench_fault(pages, cpu_count());
	if (!present || !f1 || !fall)
		return 1;
	printk("RESULT bench=vm system=unidb present_ns=%lu.%lu "
	       "fault_ns_1=%lu.%lu fault_ns_all=%lu.%lu\n",
	       present / 10, present % 10, f1 / 10, f1 % 10, fall / 10,
	       fall % 10);
	return 0;
}
BENCH(vm, "[checks [fault_mib]]  presence check, page faults (1 / all cpus)",
      bench_vm);
