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

/* The self-check, every word of every page: the first holds the page's
 * number + 1 (the write arrived), each of the other 511 is zero (the page
 * was cleared before it was handed out). */
static inline bool fault_slice_ok(const struct fault_slice *s)
{
	for (uint64_t p = 0; p < s->pages; p++) {
		const volatile uint64_t *w =
		    (const volatile uint64_t *)(s->base + p * FAULT_PAGE);
		if (w[0] != p + 1)
			return false;
		for (unsigned i = 1; i < FAULT_PAGE / 8; i++)
			if (w[i] != 0)
				return false;
	}
	return true;
}

/* The presence check's probes: an area of PRESENT_PAGES pages of which
 * PRESENT_TOUCHED random ones were written. Half the probes pick one of
 * the touched pages, half any page (then almost always an absent one), so
 * that both answers are exercised about equally; each answer is recorded
 * and later compared with the truth, one by one. */
#define PRESENT_PAGES (1UL << 20) /* 4 GiB */
#define PRESENT_TOUCHED 4096
#define PRESENT_MAX_CHECKS (1UL << 22)

static inline uint64_t present_rnd(uint64_t *x) /* xorshift64 */
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return *x;
}

static inline uint64_t present_pick(uint64_t *x, const uint64_t *touched)
{
	uint64_t r = present_rnd(x);
	return (r & 1) ? touched[(r >> 1) % PRESENT_TOUCHED]
		       : (r >> 1) % PRESENT_PAGES;
}

#endif
