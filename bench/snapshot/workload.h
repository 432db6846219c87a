/* SPDX-License-Identifier: MIT */
/* workload.h: the snapshot benchmark's OLTP workload and scan, one
 * definition for both back ends (bench/snapshot/guest/snapshot.c in unidb,
 * bench/linux/snapshot.c on Linux), so that only the snapshot mechanism
 * differs. Plain C on <stdint.h> and <stdbool.h>.
 *
 * Each OLTP thread adds 1 to random 32-bit words of the area with atomic
 * fetch-and-add, WL_BATCH at a time. It counts a batch as started before
 * it makes the updates and as done after: every update done before a
 * snapshot began is in it, and every update in it was started before the
 * snapshot call returned, whatever delays a thread (preemption, a
 * descheduled vCPU) between an update and its counting. So the self-check
 * is exact: done_before <= sum <= started_after. */
#ifndef BENCH_SNAPSHOT_WORKLOAD_H
#define BENCH_SNAPSHOT_WORKLOAD_H

#include <stdbool.h>
#include <stdint.h>

#define WL_BATCH 64

/* Unmeasured OLAP jobs before the measured rounds, WL_WARMUP_MS apart (or
 * the period, if shorter): the default of --warmup. Under QEMU's TCG the
 * OLTP rate climbs in steps, up to 2.5x, over the first jobs of a boot or
 * of a variant (QEMU resizes its software TLB only at the guest's full TLB
 * flushes, and each job's shootdowns are such flushes); a round measured
 * during the climb sees the job's phases run faster than the idle period
 * before them. */
#define WL_WARMUP_JOBS 6
#define WL_WARMUP_MS 500

/* One per thread, on its own cache line; written by that thread only. */
struct wl_counter {
	uint64_t started, done;
} __attribute__((aligned(64)));

static inline uint64_t wl_seed(unsigned thread)
{
	return 0x9e3779b97f4a7c15ULL * (thread + 1);
}

/* xorshift64, then a multiply-shift into [0, n) (no division). */
static inline uint64_t wl_pick(uint64_t *x, uint64_t n)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return (uint64_t)(((unsigned __int128)*x * n) >> 64);
}

/* One batch of updates. refresh, if not NULL, runs before each update
 * with the word's address (unidb's reader-side TLB invalidation). */
static inline void wl_batch(uint32_t *words, uint64_t nwords, uint64_t *x,
			    struct wl_counter *c,
			    void (*refresh)(const void *addr))
{
	uint64_t n = c->done + WL_BATCH;

	__atomic_store_n(&c->started, n, __ATOMIC_SEQ_CST);
	for (int i = 0; i < WL_BATCH; i++) {
		uint32_t *w = &words[wl_pick(x, nwords)];
		if (refresh)
			refresh(w);
		__atomic_fetch_add(w, 1, __ATOMIC_RELAXED);
	}
	__atomic_store_n(&c->done, n, __ATOMIC_RELEASE);
}

/* Updates done (started = false) or started (true) by n threads. */
static inline uint64_t wl_total(const struct wl_counter *c, unsigned n,
				bool started)
{
	uint64_t t = 0;
	for (unsigned i = 0; i < n; i++)
		t += __atomic_load_n(started ? &c[i].started : &c[i].done,
				     __ATOMIC_SEQ_CST);
	return t;
}

/* The scan phase: the sum of n 32-bit words. */
static inline uint64_t wl_sum(const uint32_t *w, uint64_t n)
{
	uint64_t s = 0;
	for (uint64_t i = 0; i < n; i++)
		s += w[i];
	return s;
}

/* The self-check of a round (the area starts zeroed). */
static inline bool wl_check(uint64_t sum, uint64_t done_before,
			    uint64_t started_after)
{
	return done_before <= sum && sum <= started_after;
}

#endif
