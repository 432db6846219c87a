/* SPDX-License-Identifier: MIT */
/* net_env_host.c: the network stack's environment for host tests
 * (kernel/net/env.h): a FAKE clock that only moves when a test calls
 * host_clock_advance(), calloc, pthread mutexes, and a seeded PRNG so
 * every run sees the same ISNs, ports and xids.
 *
 * Waiting threads (tests of the blocking calls) sleep on one shared
 * condition variable with a short real-time timeout and re-check; every
 * wake and every clock step broadcasts. Spurious wake-ups are allowed by
 * env_wait's contract, so this is simple and correct. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "net/env.h"
#include "net_host.h"
#include <unidb/errno.h>

static uint64_t fake_now = 1000000000; /* start at 1 s: 0 means "off" */
static uint64_t rng_state = 0x9e3779b97f4a7c15ull;
static pthread_cond_t all_waiters = PTHREAD_COND_INITIALIZER;

uint64_t env_now(void)
{
	return __atomic_load_n(&fake_now, __ATOMIC_SEQ_CST);
}

void host_clock_advance(uint64_t ns)
{
	__atomic_add_fetch(&fake_now, ns, __ATOMIC_SEQ_CST);
	pthread_cond_broadcast(&all_waiters);
}

void host_random_seed(uint64_t seed)
{
	rng_state = seed ? seed : 1;
}

uint64_t host_random(void)
{
	/* xorshift64*: deterministic and good enough for tests. */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 2685821657736338717ull;
}

static long live_allocs; /* env_alloc'd blocks not yet freed */

long host_live_allocs(void)
{
	return __atomic_load_n(&live_allocs, __ATOMIC_SEQ_CST);
}

void *env_alloc(size_t n)
{
	void *p = calloc(1, n ? n : 1);
	if (p)
		__atomic_add_fetch(&live_allocs, 1, __ATOMIC_SEQ_CST);
	return p;
}

/* Filled with 0xa5, not zero, so that a test fails if the stack reads a
 * ring byte it did not write. */
void *env_alloc_buf(size_t n)
{
	void *p = env_alloc(n);
	if (p)
		memset(p, 0xa5, n ? n : 1);
	return p;
}

void env_free(void *p)
{
	if (p)
		__atomic_sub_fetch(&live_allocs, 1, __ATOMIC_SEQ_CST);
	free(p);
}

void env_random(void *buf, size_t n)
{
	uint8_t *p = buf;
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)(host_random() >> 32);
}

struct env_lock {
	pthread_mutex_t m;
};

struct env_lock *env_lock_new(void)
{
	struct env_lock *l = env_alloc(sizeof(*l));
	if (l)
		pthread_mutex_init(&l->m, NULL);
	return l;
}

void env_lock_free(struct env_lock *l)
{
	pthread_mutex_destroy(&l->m);
	env_free(l);
}

void env_lock(struct env_lock *l)
{
	pthread_mutex_lock(&l->m);
}

void env_unlock(struct env_lock *l)
{
	pthread_mutex_unlock(&l->m);
}

int env_wait(struct env_lock *l, struct env_event *const *evs, unsigned n,
	     uint64_t deadline)
{
	struct timespec ts;

	(void)evs;
	(void)n;
	if (env_now() >= deadline)
		return -ETIMEDOUT;
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_nsec += 2000000;
	if (ts.tv_nsec >= 1000000000) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000;
	}
	pthread_cond_timedwait(&all_waiters, &l->m, &ts);
	return 0;
}

void env_wake(struct env_event *ev)
{
	(void)ev;
	pthread_cond_broadcast(&all_waiters);
}
