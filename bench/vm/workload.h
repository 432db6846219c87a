/* SPDX-License-Identifier: MIT */
/* workload.h: the page-fault part of the vm benchmark, one definition for
 * both back ends (bench/vm/guest/vm.c in unidb, bench/linux/vm.c on
 * Linux), so that both touch and check the same pages the same way. Plain
 * C on <stdint.h> and <stdbool.h>. */
#ifndef BENCH_VM_WORKLOAD_H
#define BENCH_VM_WORKLOAD_H

#include <stdbool.h>
#include <stdint.h>

#define FAULT_PAGE 4096UL

/* One thread's share: pages fresh pages from base, never touched. */
struct fault_slice {
	char *base;
	uint64_t pages;
	volatile unsigned *go; /* start barrier shared by nthreads threads */
	unsigned nthreads, cpu;
	uint64_t ns; /* time this thread took to fault its pages in */
};

/* Waits for every thread, then touches (faults in) each page once by
 * writing its number + 1 into its first word, timed with now(). */
static inline void fault_slice_touch(struct fault_slice *s,
				     uint64_t (*now)(void))
{
	__atomic_fetch_add(s->go, 1, __ATOMIC_ACQ_REL);
	while (__atomic_load_n(s->go, __ATOMIC_ACQUIRE) < s->nthreads)
		__builtin_ia32_pause();
	uint64_t t0 = now();
	for (uint64_t p = 0; p < s->pages; p++)
		*(volatile uint64_t *)(s->base + p * FAULT_PAGE) = p + 1;
	s->ns = now() - t0;
}

/* The self-check: every page holds its number and was zero before. */
static inline bool fault_slice_ok(const struct fault_slice *s)
{
	for (uint64_t p = 0; p < s->pages; p++)
		if (*(volatile uint64_t *)(s->base + p * FAULT_PAGE) != p + 1 ||
		    *(volatile uint64_t *)(s->base + p * FAULT_PAGE + 8) != 0)
			return false;
	return true;
}

#endif
