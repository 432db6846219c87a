/* SPDX-License-Identifier: MIT */
/* sched.c: scheduler microbenchmarks, unidb side ("bench sched").
 *
 * The same three measurements as bench/linux/sched.c, with the same
 * structure, so that only the operating system differs:
 *   switch  two threads pinned to one core hand the core to each other
 *           through a pair of semaphores; ns per hand-off
 *   wake    the same ping-pong between threads pinned to two cores;
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
	unsigned rounds;
};

static void ponger(void *arg)
{
	struct pingpong *p = arg;
	for (unsigned i = 0; i < p->rounds; i++) {
		semaphore_down(&p->ping);
		semaphore_up(&p->pong);
	}
}

static void pinger(void *arg)
{
	struct pingpong *p = arg;
	for (unsigned i = 0; i < p->rounds; i++) {
		semaphore_up(&p->ping);
		semaphore_down(&p->pong);
	}
}

/* ns per round trip of a ping-pong between cores a and b. */
static uint64_t pingpong_ns(int a, int b, unsigned rounds)
{
	struct pingpong p = {.rounds = rounds};
	struct thread_attr aa = {.cpu = a}, ab = {.cpu = b};

	semaphore_init(&p.ping, 0);
	semaphore_init(&p.pong, 0);
	uint64_t t0 = time_ns();
	struct thread *x = thread_create("ping", pinger, &p, &aa);
	struct thread *y = thread_create("pong", ponger, &p, &ab);
	if (!x || !y)
		return 0;
	thread_join(x);
	thread_join(y);
	return (time_ns() - t0) / rounds;
}

static void nothing(void *arg)
{
}

static uint64_t spawn_ns(unsigned n)
{
	uint64_t t0 = time_ns();
	for (unsigned i = 0; i < n; i++) {
		struct thread *t = thread_create("spawned", nothing, NULL, NULL);
		if (!t)
			return 0;
		thread_join(t);
	}
	return (time_ns() - t0) / n;
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
	uint64_t sw[REPS], wk[REPS], sp[REPS];
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
		sw[r] = pingpong_ns(0, 0, rounds) / 2; /* two hand-offs */
		wk[r] = pingpong_ns(0, 1, rounds / 4);
		sp[r] = spawn_ns(rounds / 20);
		if (!sw[r] || !wk[r] || !sp[r]) {
			printk("bench sched: thread creation failed\n");
			return 1;
		}
		printk("run %d: switch %lu ns, wake round trip %lu ns, "
		       "spawn %lu ns\n",
		       r, sw[r], wk[r], sp[r]);
	}
	printk("RESULT bench=sched system=unidb switch_ns=%lu wake_ns=%lu "
	       "spawn_ns=%lu\n",
	       median(sw), median(wk), median(sp));
	return 0;
}
BENCH(sched, "[rounds [poll]]  thread switch, cross-core wake-up, spawn",
      bench_sched);
