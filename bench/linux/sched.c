/* SPDX-License-Identifier: MIT */
/* sched.c: scheduler microbenchmarks, Linux side (static, in the Linux
 * baseline guest). Mirrors bench/sched/guest/sched.c: the same ping-pong
 * through two semaphores (POSIX sem_t, i.e. futexes) between threads
 * pinned to one core (switch) or two cores (wake), and pthread
 * create+join of an empty function (spawn). */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <semaphore.h>
#include <stdint.h>
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
	unsigned rounds;
	int cpu[2];
};

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

static void *ponger(void *arg)
{
	struct pingpong *p = arg;
	pin(p->cpu[1]);
	for (unsigned i = 0; i < p->rounds; i++) {
		sem_wait(&p->ping);
		sem_post(&p->pong);
	}
	return NULL;
}

static void *pinger(void *arg)
{
	struct pingpong *p = arg;
	pin(p->cpu[0]);
	for (unsigned i = 0; i < p->rounds; i++) {
		sem_post(&p->ping);
		sem_wait(&p->pong);
	}
	return NULL;
}

static uint64_t pingpong_ns(int a, int b, unsigned rounds)
{
	struct pingpong p = {.rounds = rounds, .cpu = {a, b}};
	pthread_t x, y;

	sem_init(&p.ping, 0, 0);
	sem_init(&p.pong, 0, 0);
	uint64_t t0 = now_ns();
	if (pthread_create(&x, NULL, pinger, &p) ||
	    pthread_create(&y, NULL, ponger, &p))
		return 0;
	pthread_join(x, NULL);
	pthread_join(y, NULL);
	return (now_ns() - t0) / rounds;
}

static void *nothing(void *arg)
{
	return arg;
}

static uint64_t spawn_ns(unsigned n)
{
	uint64_t t0 = now_ns();
	for (unsigned i = 0; i < n; i++) {
		pthread_t t;
		if (pthread_create(&t, NULL, nothing, NULL))
			return 0;
		pthread_join(t, NULL);
	}
	return (now_ns() - t0) / n;
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
	uint64_t sw[REPS], wk[REPS], sp[REPS];
	unsigned rounds = argc > 1 ? (unsigned)strtoul(argv[1], NULL, 0) : 20000;

	if (sysconf(_SC_NPROCESSORS_ONLN) < 2) {
		fprintf(stderr, "sched: needs at least 2 cpus\n");
		return 1;
	}
	spawn_ns(100);
	for (int r = 0; r < REPS; r++) {
		sw[r] = pingpong_ns(0, 0, rounds) / 2;
		wk[r] = pingpong_ns(0, 1, rounds / 4);
		sp[r] = spawn_ns(rounds / 20);
		if (!sw[r] || !wk[r] || !sp[r]) {
			fprintf(stderr, "sched: thread creation failed\n");
			return 1;
		}
		printf("run %d: switch %lu ns, wake round trip %lu ns, "
		       "spawn %lu ns\n",
		       r, (unsigned long)sw[r], (unsigned long)wk[r],
		       (unsigned long)sp[r]);
	}
	printf("RESULT bench=sched system=linux switch_ns=%lu wake_ns=%lu "
	       "spawn_ns=%lu\n",
	       (unsigned long)median(sw), (unsigned long)median(wk),
	       (unsigned long)median(sp));
	return 0;
}
