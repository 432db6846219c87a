/* SPDX-License-Identifier: MIT */
/* job_test.c: parallel jobs compute exact results, use every core, widen
 * when cores free up and yield to higher priority. Checked through job
 * statistics, not timing. */
#include <unidb/job.h>
#include <unidb/test.h>
#include <unidb/thread.h>
#include <unidb/time.h>

#include "arch/x86_64/cpu.h"

struct sum {
	uint64_t part[MAX_CPUS]; /* per core: run() calls on one core never overlap */
	uint64_t total;
};

static void sum_range(void *arg, uint64_t begin, uint64_t end)
{
	struct sum *s = arg;
	uint64_t acc = 0;
	for (uint64_t i = begin; i < end; i++) {
		acc += i;
		/* Keep the compiler from summing the series in closed form:
		 * the test is that every integer is added. */
		__asm__("" : "+r"(acc));
	}
	s->part[cpu_id()] += acc;
}

static void sum_finish(void *arg)
{
	struct sum *s = arg;
	for (unsigned c = 0; c < MAX_CPUS; c++)
		s->total += s->part[c];
}

TEST(job_sums_1e8_integers_on_all_cores)
{
	static struct sum s;
	const uint64_t n = 100000000;
	struct job_stats st;

	struct job *j = job_start("sum", n, sum_range, sum_finish, &s, 0);
	ASSERT(j);
	EXPECT_EQ(job_wait(j, &st), 0);
	EXPECT_EQ(s.total, n * (n - 1) / 2);
	EXPECT_EQ(st.cpu_mask, (cpu_count() == 64 ? ~0UL : (1UL << cpu_count()) - 1));
	EXPECT_EQ(st.workers_max, cpu_count());
	EXPECT(st.morsel_max > st.morsel_min); /* sizes adapted */
}

TEST(job_rejects_empty)
{
	EXPECT(job_start("empty", 0, sum_range, 0, 0, 0) == NULL);
	EXPECT(job_start("norun", 5, 0, 0, 0, 0) == NULL);
}

struct widen {
	volatile bool release;
	uint64_t mask_before; /* cores that ran morsels while others were busy */
	uint64_t mask_after;  /* cores that ran morsels after the release */
	uint64_t all, deadline;
	uint64_t items_done;
};

static void hog(void *arg)
{
	struct widen *w = arg;
	while (!w->release)
		;
}

static void slow_range(void *arg, uint64_t begin, uint64_t end)
{
	struct widen *w = arg;
	if (!w->release) {
		__atomic_fetch_or(&w->mask_before, 1UL << cpu_id(),
				  __ATOMIC_RELAXED);
	} else {
		/* Hold the job open until every freed core's worker has
		 * joined (or the deadline passes): on an oversubscribed
		 * host a vCPU may take a while to get there. */
		__atomic_fetch_or(&w->mask_after, 1UL << cpu_id(),
				  __ATOMIC_RELAXED);
		while (__atomic_load_n(&w->mask_after, __ATOMIC_RELAXED) !=
			   w->all &&
		       time_ns() < w->deadline)
			cpu_relax();
	}
	for (uint64_t i = begin; i < end; i++)
		for (volatile int k = 0; k < 200; k++)
			;
	__atomic_fetch_add(&w->items_done, end - begin, __ATOMIC_RELAXED);
}

/* Every core but this one is kept busy by a pinned thread that never
 * blocks; the job can only get this core's worker. Once the hogs end, the
 * freed cores' workers join. */
TEST(job_widens_when_cores_free_up)
{
	static struct widen w;
	struct thread *h[MAX_CPUS] = {0};
	struct job_stats st;
	unsigned me = cpu_id(), n = cpu_count();

	w = (struct widen){0};
	w.all = n == 64 ? ~0UL : (1UL << n) - 1;
	for (unsigned c = 0; c < n; c++) {
		struct thread_attr a = {.cpu = (int)c};
		if (c != me)
			ASSERT((h[c] = thread_create("hog", hog, &w, &a)));
	}
	thread_sleep_ns(2000000); /* let the hogs take their cores */
	struct job *j = job_start("widen", 20000, slow_range, 0, &w, 0);
	ASSERT(j);
	while (__atomic_load_n(&w.items_done, __ATOMIC_RELAXED) < 2000)
		thread_sleep_ns(1000000); /* our core idles: its worker runs */
	w.deadline = time_ns() + 5000000000;
	w.release = true;
	job_wait(j, &st);
	for (unsigned c = 0; c < n; c++)
		if (h[c])
			thread_join(h[c]);
	EXPECT_EQ(w.items_done, 20000);
	EXPECT_EQ(w.mask_before, 1UL << me);
	EXPECT_EQ(w.mask_after, w.all);
	EXPECT_EQ(st.workers_max, n);
	EXPECT_EQ(st.cpu_mask, w.all);
}

struct prio {
	uint64_t low_done_when_high_done;
	uint64_t high_items;
	struct job *low;
};

static void low_range(void *arg, uint64_t begin, uint64_t end)
{
	for (uint64_t i = begin; i < end; i++)
		for (volatile int k = 0; k < 200; k++)
			;
}

static void high_range(void *arg, uint64_t begin, uint64_t end)
{
	struct prio *p = arg;
	low_range(arg, begin, end);
	__atomic_fetch_add(&p->high_items, end - begin, __ATOMIC_RELAXED);
}

static void high_finish(void *arg)
{
	struct prio *p = arg;
	p->low_done_when_high_done = job_progress(p->low);
}

TEST(job_higher_priority_takes_workers)
{
	static struct prio p;
	struct job_stats lo, hi;

	p = (struct prio){0};
	p.low = job_start("low", 300000, low_range, 0, 0, 0);
	ASSERT(p.low);
	while (job_progress(p.low) < 1000)
		thread_sleep_ns(1000000);
	struct job *h = job_start("high", 50000, high_range, high_finish, &p,
				  10);
	ASSERT(h);
	job_wait(h, &hi);
	job_wait(p.low, &lo);
	EXPECT_EQ(p.high_items, 50000);
	/* Workers move between morsels, and a low-priority morsel in flight
	 * may outlast the high job, so not every core has to arrive. */
	EXPECT(hi.workers_max >= (cpu_count() > 1 ? 2u : 1u));
	/* The low job was not finished first: it gave its workers away. */
	EXPECT(p.low_done_when_high_done < 300000);
}
