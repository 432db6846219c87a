/* SPDX-License-Identifier: MIT */
/* sched.c: scheduler microbenchmarks, unidb side ("bench sched").
 *
 * The same measurements as bench/linux/sched.c, with the same structure,
 * so that only the operating system differs:
 *   switch  two threads pinned to one core hand the core to each other
 *           with each system's lowest-level block/wake primitive
 *           (thread_park/unpark here, a futex on Linux); ns per hand-off
 *   switch_sem  the same through a pair of semaphores (sem_t on Linux)
 *   wake    the park ping-pong between threads pinned to two cores;
 *           ns per round trip (two cross-core wake-ups)
 *   spawn   create a thread running an empty function and join it; ns
 * Each is repeated REPS times; the median is reported. */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unidb/bench.h>
#include <unidb/cpu.h>
#include <unidb/printk.h>
#include <unidb/sync.h>
#include <unidb/thread.h>
#include <unidb/time.h>

#define REPS 5

struct pingpong {
	struct semaphore ping, pong;
	struct thread *pinger, *ponger;
	volatile int started;
	unsigned rounds;
	/* Self-check: the hand-off number; ping makes it odd, pong even. A
	 * side that wakes up and does not find the number the other side
	 * just wrote counts a bad hand-off. */
	unsigned long seq, bad, pings, pongs;
	bool park;
};

static void handoff_wait(struct pingpong *p, struct semaphore *s)
{
	if (p->park)
		thread_park();
	else
		semaphore_down(s);
}

static void handoff_give(struct pingpong *p, struct semaphore *s,
			 struct thread *t)
{
	if (p->park)
		thread_unpark(t);
	else
		semaphore_up(s);
}

/* The hand-off self-check: the number must be want (the other side's
 * last write, seen in order); then this side writes the next one. */
static void handoff_check(struct pingpong *p, unsigned long want)
{
	unsigned long seen = __atomic_load_n(&p->seq, __ATOMIC_ACQUIRE);
	/* The first bad one is reported at once: a lost hand-off may also
	 * leave a thread waiting for good (then the watchdog ends the run). */
	if (seen != want && !__atomic_fetch_add(&p->bad, 1, __ATOMIC_RELAXED))
		printk("bench sched: check FAIL: hand-off %lu found %lu\n",
		       want, seen);
	__atomic_store_n(&p->seq, want + 1, __ATOMIC_RELEASE);
}

static void ponger(void *arg)
{
	struct pingpong *p = arg;
	for (unsigned i = 0; i < p->rounds; i++) {
		handoff_wait(p, &p->ping);
		handoff_check(p, 2 * i + 1);
		p->pongs++;
		handoff_give(p, &p->pong, p->pinger);
	}
}

static void pinger(void *arg)
{
	struct pingpong *p = arg;
	while (!__atomic_load_n(&p->started, __ATOMIC_ACQUIRE))
		thread_yield(); /* until both thread pointers are known */
	for (unsigned i = 0; i < p->rounds; i++) {
		handoff_check(p, 2 * i);
		p->pings++;
		handoff_give(p, &p->ping, p->ponger);
		handoff_wait(p, &p->pong);
	}
	handoff_check(p, 2 * (unsigned long)p->rounds);
}

/* ns per round trip of a ping-pong between cores a and b. */
static uint64_t pingpong_ns(int a, int b, unsigned rounds, bool park)
{
	struct pingpong p = {.rounds = rounds, .park = park};
	struct thread_attr aa = {.cpu = a}, ab = {.cpu = b};

	semaphore_init(&p.ping, 0);
	semaphore_init(&p.pong, 0);
	uint64_t t0 = time_ns();
	p.pinger = thread_create("ping", pinger, &p, &aa);
	p.ponger = thread_create("pong", ponger, &p, &ab);
	if (!p.pinger || !p.ponger)
		return 0;
	__atomic_store_n(&p.started, 1, __ATOMIC_RELEASE);
	thread_join(p.pinger);
	thread_join(p.ponger);
	uint64_t ns = (time_ns() - t0) / rounds;
	/* Counts exact: every round handed over both ways, in order. */
	if (p.bad || p.pings != rounds || p.pongs != rounds ||
	    p.seq != 2 * (unsigned long)rounds + 1) {
		printk("bench sched: check FAIL: %lu hand-offs out of order, "
		       "%lu pings, %lu pongs of %u rounds, last %lu\n",
		       p.bad, p.pings, p.pongs, rounds, p.seq);
		return 0;
	}
	return ns ? ns : 1;
}

static unsigned long spawned_ran;

static void nothing(void *arg)
{
	__atomic_fetch_add(&spawned_ran, 1, __ATOMIC_RELAXED);
}

static uint64_t spawn_ns(unsigned n)
{
	spawned_ran = 0;
	uint64_t t0 = time_ns();
	for (unsigned i = 0; i < n; i++) {
		struct thread *t = thread_create("spawned", nothing, NULL, NULL);
		if (!t)
			return 0;
		thread_join(t);
	}
	uint64_t ns = (time_ns() - t0) / n;
	if (spawned_ran != n) { /* every thread ran exactly once */
		printk("bench sched: check FAIL: %lu of %u spawned threads "
		       "ran\n", spawned_ran, n);
		return 0;
	}
	return ns ? ns : 1;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

static uint64_t median(uint64_t *v)
{
	qsort(v, REPS, sizeof(*v), cmp_u64);
	return v[REPS / 2];
}

static int bench_sched(int argc, char **argv)
{
	uint64_t sw[REPS], ss[REPS], wk[REPS], sp[REPS];
	unsigned rounds = argc > 1 ? (unsigned)strtoul(argv[1], NULL, 0) : 20000;
	bool poll = argc > 2 && !strcmp(argv[2], "poll");

	if (cpu_count() < 2 || rounds < 20) {
		printk("bench sched: needs 2 cpus and rounds >= 20\n");
		return 1;
	}
	for (unsigned c = 0; c < cpu_count(); c++)
		sched_set_idle_mode(c, poll ? SCHED_IDLE_POLL : SCHED_IDLE_HALT);
	spawn_ns(100); /* warm the stack caches */
	for (int r = 0; r < REPS; r++) {
		sw[r] = pingpong_ns(0, 0, rounds, true) / 2; /* two hand-offs */
		ss[r] = pingpong_ns(0, 0, rounds, false) / 2;
		wk[r] = pingpong_ns(0, 1, rounds / 4, true);
		sp[r] = spawn_ns(rounds / 20);
		if (!sw[r] || !ss[r] || !wk[r] || !sp[r]) {
			printk("bench sched: thread creation or self-check "
			       "failed\n");
			return 1;
		}
		printk("run %d: switch %lu ns (semaphores %lu ns), wake round "
		       "trip %lu ns, spawn %lu ns\n",
		       r, sw[r], ss[r], wk[r], sp[r]);
	}
	printk("RESULT bench=sched system=unidb switch_ns=%lu switch_sem_ns=%lu "
	       "wake_ns=%lu spawn_ns=%lu check=ok idle=%s\n",
	       median(sw), median(ss), median(wk), median(sp),
	       poll ? "poll" : "halt");
	return 0;
}
BENCH(sched, "[rounds [poll]]  thread switch, cross-core wake-up, spawn",
      bench_sched);
