/* SPDX-License-Identifier: MIT */
/* sched.c: scheduler microbenchmarks, Linux side (static, in the Linux
 * baseline guest). Mirrors bench/sched/guest/sched.c: the same ping-pong
 * between threads pinned to one core (switch) or two cores (wake), through
 * a futex-based park/unpark (Linux's lowest-level block/wake primitive)
 * and through POSIX semaphores (switch_sem), and pthread create+join of an
 * empty function (spawn). */
#define _GNU_SOURCE
#include <linux/futex.h>
#include <pthread.h>
#include <sched.h>
#include <semaphore.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#define REPS 5

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

struct pingpong {
	sem_t ping, pong;
	int token[2]; /* park tokens of pinger, ponger */
	unsigned rounds;
	/* Self-check: the hand-off number; ping makes it odd, pong even. A
	 * side that wakes up and does not find the number the other side
	 * just wrote counts a bad hand-off. */
	unsigned long seq, bad, pings, pongs;
	int cpu[2];
	bool park;
};

/* The same semantics as unidb's thread_park/thread_unpark. */
static void park(int *token)
{
	while (!__atomic_exchange_n(token, 0, __ATOMIC_ACQUIRE))
		syscall(SYS_futex, token, FUTEX_WAIT_PRIVATE, 0, NULL, NULL, 0);
}

static void unpark(int *token)
{
	__atomic_store_n(token, 1, __ATOMIC_RELEASE);
	syscall(SYS_futex, token, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
}

static void handoff_wait(struct pingpong *p, sem_t *s, int *token)
{
	if (p->park)
		park(token);
	else
		sem_wait(s);
}

static void handoff_give(struct pingpong *p, sem_t *s, int *token)
{
	if (p->park)
		unpark(token);
	else
		sem_post(s);
}

static void pin(int cpu)
{
	cpu_set_t s;
	CPU_ZERO(&s);
	CPU_SET(cpu, &s);
	if (pthread_setaffinity_np(pthread_self(), sizeof(s), &s)) {
		perror("pthread_setaffinity_np");
		exit(1);
	}
}

/* The hand-off self-check: the number must be want (the other side's
 * last write, seen in order); then this side writes the next one. */
static void handoff_check(struct pingpong *p, unsigned long want)
{
	unsigned long seen = __atomic_load_n(&p->seq, __ATOMIC_ACQUIRE);
	/* The first bad one is reported at once: a lost hand-off may also
	 * leave a thread waiting for good (then the watchdog ends the run). */
	if (seen != want && !__atomic_fetch_add(&p->bad, 1, __ATOMIC_RELAXED))
		printf("sched: check FAIL: hand-off %lu found %lu\n", want,
		       seen);
	__atomic_store_n(&p->seq, want + 1, __ATOMIC_RELEASE);
}

static void *ponger(void *arg)
{
	struct pingpong *p = arg;
	pin(p->cpu[1]);
	for (unsigned i = 0; i < p->rounds; i++) {
		handoff_wait(p, &p->ping, &p->token[1]);
		handoff_check(p, 2 * i + 1);
		p->pongs++;
		handoff_give(p, &p->pong, &p->token[0]);
	}
	return NULL;
}

static void *pinger(void *arg)
{
	struct pingpong *p = arg;
	pin(p->cpu[0]);
	for (unsigned i = 0; i < p->rounds; i++) {
		handoff_check(p, 2 * i);
		p->pings++;
		handoff_give(p, &p->ping, &p->token[1]);
		handoff_wait(p, &p->pong, &p->token[0]);
	}
	handoff_check(p, 2 * (unsigned long)p->rounds);
	return NULL;
}

static uint64_t pingpong_ns(int a, int b, unsigned rounds, bool park)
{
	struct pingpong p = {.rounds = rounds, .cpu = {a, b}, .park = park};
	pthread_t x, y;

	sem_init(&p.ping, 0, 0);
	sem_init(&p.pong, 0, 0);
	uint64_t t0 = now_ns();
	if (pthread_create(&x, NULL, pinger, &p) ||
	    pthread_create(&y, NULL, ponger, &p))
		return 0;
	pthread_join(x, NULL);
	pthread_join(y, NULL);
	uint64_t ns = (now_ns() - t0) / rounds;
	/* Counts exact: every round handed over both ways, in order. */
	if (p.bad || p.pings != rounds || p.pongs != rounds ||
	    p.seq != 2 * (unsigned long)rounds + 1) {
		printf("sched: check FAIL: %lu hand-offs out of order, %lu "
		       "pings, %lu pongs of %u rounds, last %lu\n",
		       p.bad, p.pings, p.pongs, rounds, p.seq);
		return 0;
	}
	return ns ? ns : 1;
}

static unsigned long spawned_ran;

static void *nothing(void *arg)
{
	__atomic_fetch_add(&spawned_ran, 1, __ATOMIC_RELAXED);
	return arg;
}

static uint64_t spawn_ns(unsigned n)
{
	spawned_ran = 0;
	uint64_t t0 = now_ns();
	for (unsigned i = 0; i < n; i++) {
		pthread_t t;
		if (pthread_create(&t, NULL, nothing, NULL))
			return 0;
		pthread_join(t, NULL);
	}
	uint64_t ns = (now_ns() - t0) / n;
	if (spawned_ran != n) { /* every thread ran exactly once */
		printf("sched: check FAIL: %lu of %u spawned threads ran\n",
		       spawned_ran, n);
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

int main(int argc, char **argv)
{
	uint64_t sw[REPS], ss[REPS], wk[REPS], sp[REPS];
	unsigned rounds = argc > 1 ? (unsigned)strtoul(argv[1], NULL, 0) : 20000;

	if (sysconf(_SC_NPROCESSORS_ONLN) < 2) {
		fprintf(stderr, "sched: needs at least 2 cpus\n");
		return 1;
	}
	spawn_ns(100);
	for (int r = 0; r < REPS; r++) {
		sw[r] = pingpong_ns(0, 0, rounds, true) / 2;
		ss[r] = pingpong_ns(0, 0, rounds, false) / 2;
		wk[r] = pingpong_ns(0, 1, rounds / 4, true);
		sp[r] = spawn_ns(rounds / 20);
		if (!sw[r] || !ss[r] || !wk[r] || !sp[r]) {
			fprintf(stderr, "sched: thread creation or self-check "
					"failed\n");
			return 1;
		}
		printf("run %d: switch %lu ns (semaphores %lu ns), wake round "
		       "trip %lu ns, spawn %lu ns\n",
		       r, (unsigned long)sw[r], (unsigned long)ss[r],
		       (unsigned long)wk[r], (unsigned long)sp[r]);
	}
	printf("RESULT bench=sched system=linux switch_ns=%lu switch_sem_ns=%lu "
	       "wake_ns=%lu spawn_ns=%lu check=ok\n",
	       (unsigned long)median(sw), (unsigned long)median(ss),
	       (unsigned long)median(wk), (unsigned long)median(sp));
	return 0;
}
