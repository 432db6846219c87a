/* SPDX-License-Identifier: MIT */
/* job_test.c: parallel jobs compute exact results, use every core, widen
 * when cores free up and yield to higher priority. Checked through job
 * statistics, not timing. */
#include <string.h>
#include <unidb/job.h>
#include <unidb/test.h>
#include <unidb/thread.h>
#include <unidb/time.h>

#include "arch/x86_64/cpu.h"

/* Cores 0..n-1 as job_stats.cpu_mask shows them (the first 64). */
static uint64_t mask_of(unsigned n)
{
	return n >= 64 ? ~0UL : (1UL << n) - 1;
}

struct sum {
	uint64_t part[MAX_CPUS]; /* per core: run() calls on one core never overlap */
	uint64_t total;
	bool came[MAX_CPUS];	 /* per core: has run a range */
	unsigned cores;		 /* cores that have (atomic) */
	uint64_t deadline;
};

/* The first range a core gets waits until every core has one: on an
 * oversubscribed host some vCPU may start long after the others would
 * have finished. The deadline only bounds a failure. */
static void wait_for_all_cores(struct sum *s)
{
	unsigned c = cpu_id();
	if (s->came[c])
		return;
	s->came[c] = true;
	__atomic_fetch_add(&s->cores, 1, __ATOMIC_RELAXED);
	while (__atomic_load_n(&s->cores, __ATOMIC_RELAXED) < cpu_count() &&
	       time_ns() < s->deadline)
		cpu_relax();
}

static void sum_range(void *arg, uint64_t begin, uint64_t end)
{
	struct sum *s = arg;
	uint64_t acc = 0;

	wait_for_all_cores(s);
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

	memset(&s, 0, sizeof(s));
	s.deadline = time_ns() + 60000000000;
	struct job *j = job_start("sum", n, sum_range, sum_finish, &s, 0);
	ASSERT(j);
	EXPECT_EQ(job_wait(j, &st), 0);
	EXPECT_EQ(s.total, n * (n - 1) / 2);
	EXPECT_EQ(st.cpu_mask, mask_of(cpu_count()));
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
	unsigned hogs_running;
};

static void hog(void *arg)
{
	struct widen *w = arg;
	__atomic_fetch_add(&w->hogs_running, 1, __ATOMIC_RELAXED);
	while (!w->release)
		;
}

static void slow_range(void *arg, uint64_t begin, uint64_t end)
{
	struct widen *w = arg;
	if (!w->release) {
		__atomic_fetch_or(&w->mask_before, mask_of(cpu_id() + 1) ^
						       mask_of(cpu_id()),
				  __ATOMIC_RELAXED);
	} else {
		/* Hold the job open until every freed core's worker has
		 * joined (or the deadline passes): on an oversubscribed
		 * host a vCPU may take a while to get there. */
		__atomic_fetch_or(&w->mask_after, mask_of(cpu_id() + 1) ^
						      mask_of(cpu_id()),
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
	w.all = mask_of(n);
	for (unsigned c = 0; c < n; c++) {
		struct thread_attr a = {.cpu = (int)c};
		if (c != me)
			ASSERT((h[c] = thread_create("hog", hog, &w, &a)));
	}
	/* The hogs take their cores (the deadline bounds only a failure). */
	uint64_t until = time_ns() + 60000000000;
	while (__atomic_load_n(&w.hogs_running, __ATOMIC_RELAXED) < n - 1 &&
	       time_ns() < until)
		thread_sleep_ns(1000000);
	struct job *j = job_start("widen", 20000, slow_range, 0, &w, 0);
	ASSERT(j);
	while (__atomic_load_n(&w.items_done, __ATOMIC_RELAXED) < 2000)
		thread_sleep_ns(1000000); /* our core idles: its worker runs */
	w.deadline = time_ns() + 60000000000;
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
	uint64_t low_items;	  /* done so far (atomic) */
	volatile bool high_started;
	struct job *low;
};

static void spin_items(uint64_t begin, uint64_t end)
{
	for (uint64_t i = begin; i < end; i++)
		for (volatile int k = 0; k < 200; k++)
			;
}

/* Once 1000 items are done, the low job waits for the high one to
 * start: however late this test's thread gets to run (an oversubscribed
 * host), the low job cannot be finished by then. */
static void low_range(void *arg, uint64_t begin, uint64_t end)
{
	struct prio *p = arg;
	while (!p->high_started &&
	       __atomic_load_n(&p->low_items, __ATOMIC_RELAXED) >= 1000)
		cpu_relax();
	spin_items(begin, end);
	__atomic_fetch_add(&p->low_items, end - begin, __ATOMIC_RELAXED);
}

static void high_range(void *arg, uint64_t begin, uint64_t end)
{
	struct prio *p = arg;
	spin_items(begin, end);
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
	p.low = job_start("low", 300000, low_range, 0, &p, 0);
	ASSERT(p.low);
	while (__atomic_load_n(&p.low_items, __ATOMIC_RELAXED) < 1000)
		thread_sleep_ns(1000000);
	struct job *h = job_start("high", 50000, high_range, high_finish, &p,
				  10);
	p.high_started = true; /* h exists: its workers leave the low job */
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
