/* SPDX-License-Identifier: MIT */
/* env.h: what the portable network stack needs from its environment.
 *
 * kernel/net/ is plain C that compiles in the kernel and on the host. All
 * it needs besides memory and a few string functions is listed here, and
 * implemented twice:
 *   kernel/net/env_kernel.c   time_ns(), kmalloc, mutexes, thread park/unpark
 *                             with a kernel timer for deadlines, RDRAND/TSC
 *   tests/unit/net_env_host.c a FAKE clock that tests advance by hand,
 *                             malloc, pthread mutexes, a deterministic PRNG
 * Timers are not part of the environment: the stack keeps its own deadlines
 * and net_timers() runs the expired ones; the kernel calls it from one
 * thread per stack, host tests call it after advancing the fake clock. */
#ifndef UNIDB_NET_ENV_H
#define UNIDB_NET_ENV_H

#include <stddef.h>
#include <stdint.h>

#define ENV_FOREVER UINT64_MAX

/* Monotonic nanoseconds. O(1), any context. */
uint64_t env_now(void);

/* Zeroed memory or NULL. Threads only; never sleeps. */
void *env_alloc(size_t n);
/* Memory with undefined contents or NULL, freed with env_free: for a
 * connection's ring buffers, written before read; zeroing their 256 KiB
 * per connection was most of the cost of accepting one under TCG. */
void *env_alloc_buf(size_t n);
void env_free(void *p); /* NULL: nothing */

/* Fills buf with unpredictable bytes (ISN key, DHCP xid, ports). */
void env_random(void *buf, size_t n);

/* A sleeping lock (the stack lock). NULL from env_lock_new when out of
 * memory. May sleep. */
struct env_lock;
struct env_lock *env_lock_new(void);
void env_lock_free(struct env_lock *l);
void env_lock(struct env_lock *l);
void env_unlock(struct env_lock *l);

/* Something threads wait for. The implementation keeps its waiters in
 * `waiters`; the stack only embeds the struct, zeroed. */
struct env_event {
	void *waiters;
};

/* Called with l held: releases l, sleeps until one of the n events is
 * woken (or spuriously) or until env_now() >= deadline, re-takes l.
 * Returns 0 when woken, -ETIMEDOUT when the deadline has passed. Callers
 * re-check their condition in a loop. n <= ENV_WAIT_MAX. */
#define ENV_WAIT_MAX 64
int env_wait(struct env_lock *l, struct env_event *const *evs, unsigned n,
	     uint64_t deadline);

/* Wakes every thread waiting on ev. Called with the lock held that the
 * waiters passed to env_wait. O(waiters). */
void env_wake(struct env_event *ev);

#endif
