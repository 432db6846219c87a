/* SPDX-License-Identifier: MIT */
/* workload.h: the snapshot benchmark's OLTP workload and scan, one
 * definition for both back ends (bench/snapshot/guest/snapshot.c in unidb,
 * bench/linux/snapshot.c on Linux), so that only the snapshot mechanism
 * differs. Plain C on <stdint.h> and <stdbool.h>.
 *
 * Each OLTP thread t writes random 32-bit words of the area with an atomic
 * exchange (a locked read-modify-write, like the fetch-and-add this
 * replaced), WL_BATCH at a time. Update number s of thread t (s = 1, 2,
 * ...) writes the tag wl_tag(t, s) into word wl_word(t, s, nwords): both
 * are functions of (t, s) alone, so any stretch of a thread's updates can
 * be replayed. A thread counts a batch as started before it makes the
 * updates and as done after.
 *
 * The self-check (wl_check_cut) is a point-in-time check: the snapshot
 * must equal the source at one cut, i.e. hold for each thread exactly its
 * updates 1..c_t, with done_before_t <= c_t <= started_after_t (the counts
 * read just before creation began and just after it returned). It replays
 * each thread's updates from WL_CHECK_BACK before done_before_t up to its
 * count when the check starts: c_t is the last update in (done_before_t,
 * started_after_t] whose tag the snapshot holds; every earlier update must
 * be there (or overwritten by a later update of the same thread, or by
 * another thread's), no later one may be (so none made after creation
 * returned, during the scan or before the check, leaked in). */
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

/* How far the self-check replays before the cut's earliest possible
 * point (updates per thread). */
#define WL_CHECK_BACK 4096
/* A tag: the thread (1..63) in the low 6 bits, the update number modulo
 * 2^26 above it; never 0, so a never-written word holds no tag. */
#define WL_TAG_THREADS 63
#define WL_TAG_SEQ_BITS 26

/* One per thread, on its own cache line; written by that thread only. */
struct wl_counter {
	uint64_t started, done;
} __attribute__((aligned(64)));

static inline uint64_t wl_mix(uint64_t z) /* splitmix64's finalizer */
{
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* Mixed, so that no thread's sequence is another's shifted by a few
 * updates (seeds that are multiples of the step would be). */
static inline uint64_t wl_seed(unsigned thread)
{
	return wl_mix(0x9e3779b97f4a7c15ULL * (thread + 1));
}

/* splitmix64 of (thread seed, update number), then a multiply-shift into
 * [0, n) (no division): the word update s of a thread writes. */
static inline uint64_t wl_word(uint64_t seed, uint64_t s, uint64_t n)
{
	uint64_t z = wl_mix(seed + s * 0x9e3779b97f4a7c15ULL);
	return (uint64_t)(((unsigned __int128)z * n) >> 64);
}

static inline uint32_t wl_tag(unsigned thread, uint64_t s)
{
	return (uint32_t)((s & ((1u << WL_TAG_SEQ_BITS) - 1))
			  << 6) | (thread + 1);
}

/* One batch of updates by thread `thread` (0..WL_TAG_THREADS-1). refresh,
 * if not NULL, runs before each update with the word's address (unidb's
 * reader-side TLB invalidation). */
static inline void wl_batch(uint32_t *words, uint64_t nwords, unsigned thread,
			    struct wl_counter *c,
			    void (*refresh)(const void *addr))
{
	uint64_t s0 = c->done, n = s0 + WL_BATCH, seed = wl_seed(thread);

	__atomic_store_n(&c->started, n, __ATOMIC_SEQ_CST);
	for (uint64_t s = s0 + 1; s <= n; s++) {
		uint32_t *w = &words[wl_word(seed, s, nwords)];
		if (refresh)
			refresh(w);
		__atomic_exchange_n(w, wl_tag(thread, s), __ATOMIC_RELAXED);
	}
	__atomic_store_n(&c->done, n, __ATOMIC_RELEASE);
}

/* The counts of n threads: done (started = false) or started (true). */
static inline void wl_counts(const struct wl_counter *c, unsigned n,
			     bool started, uint64_t *out)
{
	for (unsigned i = 0; i < n; i++)
		out[i] = __atomic_load_n(started ? &c[i].started : &c[i].done,
					 __ATOMIC_SEQ_CST);
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

/* Is tag (in a snapshot word) a later-or-equal update than s of thread t?
 * 0: no tag of t or an earlier one; else 1. Sequence numbers compare
 * modulo 2^26 (the windows checked are far shorter). */
static inline bool wl_tag_at_least(uint32_t tag, unsigned t, uint64_t s)
{
	uint32_t m = (1u << WL_TAG_SEQ_BITS) - 1;
	if ((tag & 63) != t + 1)
		return false;
	return (((tag >> 6) - (uint32_t)s) & m) < (m >> 1);
}

/* The point-in-time self-check of a snapshot `w` of nwords words, written
 * by n threads (0..n-1; threads with no updates are skipped) whose counts
 * were before[t] (done, read before creation began) and after[t] (started,
 * read after it returned); c[] (at most WL_TAG_THREADS) are the threads'
 * counters, read again now. Fills cut[t] (the c_t found). Returns the
 * number of violations (0 = the snapshot is the source at one cut). */
static inline uint64_t wl_check_cut(const uint32_t *w, uint64_t nwords,
				    unsigned n, const uint64_t *before,
				    const uint64_t *after,
				    const struct wl_counter *ctr, uint64_t *cut)
{
	uint64_t bad = 0;

	for (unsigned t = 0; t < n; t++) {
		uint64_t seed = wl_seed(t), lo, s, c = before[t];
		cut[t] = c;
		if (!after[t])
			continue;
		lo = before[t] > WL_CHECK_BACK ? before[t] - WL_CHECK_BACK : 0;
		/* c_t: the last update in (before, after] it holds. */
		for (s = after[t]; s > before[t]; s--)
			if (w[wl_word(seed, s, nwords)] == wl_tag(t, s)) {
				c = s;
				break;
			}
		cut[t] = c;
		/* Every update up to the cut is there (or overwritten by a
		 * later one of this thread, or by another thread's). */
		for (s = lo + 1; s <= c; s++) {
			uint32_t v = w[wl_word(seed, s, nwords)];
			unsigned o = (v & 63) - 1;
			if (wl_tag_at_least(v, t, s))
				continue;
			if (v && o != t && o < n)
				continue; /* another thread wrote it */
			bad++;
		}
		/* No update after the cut is (none after `after` started
		 * before creation returned), up to the thread's count now. */
		uint64_t now =
		    __atomic_load_n(&ctr[t].started, __ATOMIC_SEQ_CST);
		for (s = c + 1; s <= now; s++)
			bad += w[wl_word(seed, s, nwords)] == wl_tag(t, s);
	}
	return bad;
}

#endif
