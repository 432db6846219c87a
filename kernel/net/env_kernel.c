/* SPDX-License-Identifier: MIT */
/* env_kernel.c: the network stack's environment in the kernel (env.h),
 * and net_attach(), which gives a stack its timer thread.
 *
 * Waiting: a waiter puts a node per event on the events' lists (under
 * the stack lock), drops the lock and parks; env_wake unparks every
 * node's thread. A deadline is a kernel timer on the waiter's core whose
 * callback unparks the thread. The timer struct lives on the waiter's
 * stack, so after timer_cancel() fails the waiter spins until the
 * callback has finished (it may run on the core the thread left). */
#include <string.h>
#include <unidb/heap.h>
#include <unidb/sync.h>
#include <unidb/thread.h>
#include <unidb/time.h>
#include <unidb/timer.h>

#include "arch/x86_64/x86.h"
#include "net/stack.h"

uint64_t env_now(void)
{
	return time_ns();
}

void *env_alloc(size_t n)
{
	return kzalloc(n);
}

void *env_alloc_buf(size_t n)
{
	return kmalloc(n);
}

void env_free(void *p)
{
	kfree(p);
}

static bool has_rdrand(void)
{
	uint32_t r[4];
	cpuid(1, 0, r);
	return r[2] & (1u << 30); /* Intel SDM 2A, CPUID.01H:ECX.RDRAND[30] */
}

/* RDRAND where the CPU has it; otherwise SipHash of the TSC chained with
 * the previous output (unpredictable enough for ISN keys under a
 * hypervisor that does not expose RDRAND; documented in docs/net.md). */
void env_random(void *buf, size_t n)
{
	static uint8_t chain[16];
	bool rd = has_rdrand();
	uint8_t *p = buf;

	while (n) {
		uint64_t v = 0;
		unsigned char ok = 0;
		if (rd)
			__asm__ volatile("rdrand %0; setc %1"
					 : "=r"(v), "=qm"(ok));
		if (!ok) {
			uint64_t t = rdtsc();
			v = siphash(chain, &t, sizeof(t));
			memcpy(chain, &v, 8);
		}
		size_t k = n < 8 ? n : 8;
		memcpy(p, &v, k);
		p += k;
		n -= k;
	}
}

struct env_lock {
	struct mutex m;
};

struct env_lock *env_lock_new(void)
{
	struct env_lock *l = kzalloc(sizeof(*l));
	if (l)
		mutex_init(&l->m, "net");
	return l;
}

void env_lock_free(struct env_lock *l)
{
	kfree(l);
}

void env_lock(struct env_lock *l)
{
	mutex_lock(&l->m);
}

void env_unlock(struct env_lock *l)
{
	mutex_unlock(&l->m);
}

struct env_waiter {
	struct env_waiter *next, **pprev; /* in an event's list */
	struct thread *thread;
	volatile bool *woken;
};

struct timeout {
	struct timer timer;
	struct thread *thread;
	volatile bool fired, done;
};

static void timeout_fn(struct timer *t)
{
	struct timeout *to = t->arg;
	to->fired = true;
	thread_unpark(to->thread);
	__atomic_store_n(&to->done, true, __ATOMIC_RELEASE);
}

int env_wait(struct env_lock *l, struct env_event *const *evs, unsigned n,
	     uint64_t deadline)
{
	struct env_waiter w[ENV_WAIT_MAX];
	struct timeout to = {.thread = thread_current()};
	volatile bool woken = false;
	bool armed = false;

	if (deadline != ENV_FOREVER && time_ns() >= deadline)
		return -ETIMEDOUT;
	for (unsigned i = 0; i < n; i++) {
		w[i].thread = to.thread;
		w[i].woken = &woken;
		w[i].next = evs[i]->waiters;
		if (w[i].next)
			w[i].next->pprev = &w[i].next;
		w[i].pprev = (struct env_waiter **)&evs[i]->waiters;
		evs[i]->waiters = &w[i];
	}
	if (deadline != ENV_FOREVER) {
		timer_init(&to.timer, timeout_fn, &to);
		preempt_disable(); /* timer_start arms on this core */
		timer_start(&to.timer, deadline - time_ns(), 0);
		preempt_enable();
		armed = true;
	}
	mutex_unlock(&l->m);
	/* A stale unpark token may end a park early: loop. */
	while (!woken && !to.fired)
		thread_park();
	if (armed && !timer_cancel(&to.timer))
		while (!__atomic_load_n(&to.done, __ATOMIC_ACQUIRE))
			cpu_relax();
	mutex_lock(&l->m);
	for (unsigned i = 0; i < n; i++) {
		*w[i].pprev = w[i].next;
		if (w[i].next)
			w[i].next->pprev = w[i].pprev;
	}
	return woken ? 0 : -ETIMEDOUT;
}

void env_wake(struct env_event *ev)
{
	for (struct env_waiter *w = ev->waiters; w; w = w->next) {
		*w->woken = true;
		thread_unpark(w->thread);
	}
}

/* ---- the stack's timer thread ------------------------------------------- */
static void timer_thread(void *arg)
{
	struct net_stack *st = arg;
	struct env_event *ev = &st->timer_ev;

	for (;;) {
		uint64_t next = net_timers(st);
		env_lock(st->lock);
		if (st->stopping) {
			env_unlock(st->lock);
			return;
		}
		/* A deadline armed since net_timers() returned is in
		 * st->timer_next; sleep until the earlier of the two. */
		if (st->timer_next && (!next || st->timer_next < next))
			next = st->timer_next;
		if (!next || next > time_ns())
			env_wait(st->lock, &ev, 1, next ? next : ENV_FOREVER);
		env_unlock(st->lock);
	}
}

int net_timers_start(struct net_stack *st)
{
	struct thread *t = thread_create("net-timer", timer_thread, st, NULL);

	if (!t)
		return -ENOMEM;
	st->timer_thread = t;
	return 0;
}

void net_timers_stop(struct net_stack *st)
{
	if (!st->timer_thread)
		return;
	env_lock(st->lock);
	st->stopping = true;
	env_wake(&st->timer_ev);
	env_unlock(st->lock);
	thread_join(st->timer_thread);
	st->timer_thread = NULL;
}

struct net_stack *net_attach(struct netif *nif)
{
	struct net_stack *st = net_stack_new(nif, NULL);

	if (!st)
		return NULL;
	if (net_timers_start(st) < 0) {
		net_stack_free(st);
		return NULL;
	}
	if (!net_default())
		net_set_default(st);
	return st;
}
