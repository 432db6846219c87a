/* SPDX-License-Identifier: MIT */
/* stress_test.c: storms of sleeps, unparks, yields, steals and exits on
 * every core, for the delay-injection runs (tests/stress, tests/run's
 * run_delay). Each storm runs for a bounded time and then checks its
 * invariants; it prints what it checked as "stress: NAME COUNT". */
#include <stdio.h>
#include <string.h>
#include <unidb/heap.h>
#include <unidb/printk.h>
#include <unidb/sync.h>
#include <unidb/test.h>
#include <unidb/thread.h>
#include <unidb/time.h>
#include <unidb/timer.h>

#include "arch/x86_64/cpu.h"
#include "sched/sched.h"

#define MS 1000000ULL
#define SEC 1000000000ULL
#define STORM_NS (2000 * MS) /* guest time each storm runs */
#define MAX_SLEEPERS 24	     /* whatever the core count */

static uint64_t rnd(uint64_t *s)
{
	*s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
	return *s >> 33;
}

struct storm {
	struct thread **sleeper;
	unsigned nsleepers;
	volatile bool stop;
	volatile unsigned done;	 /* sleepers and yielders that returned */
	uint64_t sleeps, early;	 /* sleeps; ones that returned too soon */
	uint64_t unparks, yields, spawned, exited;
	uint64_t misplaced;	 /* a pinned thread seen on another core */
};

static void count(uint64_t *c)
{
	__atomic_fetch_add(c, 1, __ATOMIC_RELAXED);
}

static void check_place(struct storm *s, int pinned)
{
	if (pinned >= 0 && cpu_id() != (unsigned)pinned)
		count(&s->misplaced);
}

/* Sleeps for random short times; unparks wake it early, the sleep goes
 * on. Odd-numbered sleepers are pinned. */
static void sleeper(void *arg)
{
	struct storm *s = arg;
	struct thread *me = thread_current();
	uint64_t r = thread_id(me) * 0x9e3779b97f4a7c15ULL;

	while (!s->stop) {
		uint64_t ns = 5000 + rnd(&r) % 150000, t0 = time_ns();
		thread_sleep_ns(ns);
		if (time_ns() - t0 < ns)
			count(&s->early);
		check_place(s, me->pinned);
		count(&s->sleeps);
	}
	__atomic_fetch_add(&s->done, 1, __ATOMIC_RELEASE);
}

static void unparker(void *arg)
{
	struct storm *s = arg;
	uint64_t r = thread_id(thread_current());

	while (!s->stop) {
		for (int i = 0; i < 4; i++) {
			thread_unpark(s->sleeper[rnd(&r) % s->nsleepers]);
			count(&s->unparks);
		}
		if (rnd(&r) & 1)
			thread_sleep_ns(10000 + rnd(&r) % 40000);
		else
			thread_yield();
	}
}

static void yielder(void *arg)
{
	struct storm *s = arg;
	struct thread *me = thread_current();

	/* Bursts of yields, then a short sleep: cores stay busy without
	 * crowding out the sleepers. */
	for (unsigned i = 0; !s->stop; i++) {
		thread_yield();
		check_place(s, me->pinned);
		count(&s->yields);
		if (i % 16 == 15)
			thread_sleep_ns(50000);
	}
	__atomic_fetch_add(&s->done, 1, __ATOMIC_RELEASE);
}

static void exiter(void *arg)
{
	struct storm *s = arg;
	struct thread *me = thread_current();
	uint64_t r = thread_id(me);

	switch (rnd(&r) % 3) {
	case 0:
		thread_yield();
		break;
	case 1:
		thread_sleep_ns(rnd(&r) % 20000);
		break;
	}
	check_place(s, me->pinned);
	count(&s->exited);
}

/* Creates detached threads, a third of them pinned to a random core,
 * with a bounded number alive. */
static void spawner(void *arg)
{
	struct storm *s = arg;
	uint64_t r = thread_id(thread_current());

	while (!s->stop) {
		if (s->spawned - __atomic_load_n(&s->exited,
						 __ATOMIC_ACQUIRE) >= 16) {
			thread_yield();
			continue;
		}
		struct thread_attr a = {.cpu = THREAD_ANY_CPU};
		if (rnd(&r) % 3 == 0)
			a.cpu = (int)(rnd(&r) % cpu_count());
		struct thread *t = thread_create("exiter", exiter, s, &a);
		if (!t) {
			thread_yield();
			continue;
		}
		thread_detach(t);
		s->spawned++;
	}
	while (__atomic_load_n(&s->exited, __ATOMIC_ACQUIRE) < s->spawned)
		thread_yield();
	__atomic_fetch_add(&s->done, 1, __ATOMIC_RELEASE);
}

static struct thread *spawn(const char *name, void (*fn)(void *), void *arg,
			    int cpu)
{
	struct thread_attr a = {.cpu = cpu};
	return thread_create(name, fn, arg, &a);
}

/* Invariants, over sleepers with random short timeouts (pinned and not),
 * unparkers waking them early, yielders (pinned and not) and detached
 * threads that yield or sleep and exit, on every core:
 *   - no sleep returns before its time, however often it is woken early;
 *   - no wake-up is lost: every sleeper whose timer fired runs again
 *     (one blocked with its timer fired for a second counts as lost);
 *   - a pinned thread never runs on another core;
 *   - every detached thread runs to its end exactly once and is freed
 *     (the thread list returns to its size: none leaked, none freed
 *     twice, which would also crash). */
TEST(stress_sched_sleep_unpark_exit_storm)
{
	struct storm s = {0};
	unsigned n = cpu_count();
	int before = sched_threads(NULL, 0);
	struct thread *other[8];
	unsigned nother = 0;

	s.nsleepers = 2 * n < MAX_SLEEPERS ? 2 * n : MAX_SLEEPERS;
	s.sleeper = kcalloc(s.nsleepers, sizeof(*s.sleeper));
	ASSERT(s.sleeper);
	for (unsigned i = 0; i < s.nsleepers; i++) {
		int cpu = i & 1 ? (int)(i / 2 % n) : THREAD_ANY_CPU;
		s.sleeper[i] = spawn("st-sleeper", sleeper, &s, cpu);
		ASSERT(s.sleeper[i]);
	}
	other[nother++] = spawn("st-unparker", unparker, &s, THREAD_ANY_CPU);
	other[nother++] = spawn("st-unparker", unparker, &s, (int)(n - 1));
	other[nother++] = spawn("st-yielder", yielder, &s, THREAD_ANY_CPU);
	other[nother++] = spawn("st-yielder", yielder, &s, (int)(n / 2));
	other[nother++] = spawn("st-spawner", spawner, &s, THREAD_ANY_CPU);
	for (unsigned i = 0; i < nother; i++)
		ASSERT(other[i]);
	thread_sleep_ns(STORM_NS);
	s.stop = true;

	uint64_t lost = 0, *seen = kcalloc(s.nsleepers, 2 * sizeof(uint64_t));
	ASSERT(seen);
	unsigned waiting = s.nsleepers + 3; /* sleepers, yielders, spawner */
	while (__atomic_load_n(&s.done, __ATOMIC_ACQUIRE) < waiting) {
		for (unsigned i = 0; i < s.nsleepers; i++) {
			struct thread *t = s.sleeper[i];
			uint64_t now = time_ns();
			if (!thread_sleep_lost(t) || t->switches != seen[2 * i]) {
				seen[2 * i] = t->switches;
				seen[2 * i + 1] = now;
			} else if (now - seen[2 * i + 1] > SEC) {
				lost++;
				sched_wake(t); /* so that the test ends */
				seen[2 * i + 1] = now;
			}
		}
		thread_sleep_ns(MS);
	}
	for (unsigned i = 0; i < nother; i++)
		thread_join(other[i]);
	for (unsigned i = 0; i < s.nsleepers; i++)
		thread_join(s.sleeper[i]);
	kfree(seen);
	kfree(s.sleeper);
	/* The last detached threads may still be reaped by now. */
	uint64_t end = time_ns() + 10 * SEC;
	while (sched_threads(NULL, 0) != before && time_ns() < end)
		thread_sleep_ns(MS);

	printk("stress: sleeps %lu\nstress: unparks %lu\nstress: yields %lu\n"
	       "stress: exits %lu\nstress: lost_wakeups %lu\n"
	       "stress: early_wakeups %lu\nstress: misplaced %lu\n",
	       s.sleeps, s.unparks, s.yields, s.exited, lost, s.early,
	       s.misplaced);
	EXPECT(s.sleeps > 0);
	EXPECT_EQ(lost, 0);
	EXPECT_EQ(s.early, 0);
	EXPECT_EQ(s.misplaced, 0);
	EXPECT_EQ(s.exited, s.spawned);
	EXPECT_EQ(sched_threads(NULL, 0), before);
}

struct relay {
	struct thread *next; /* the one to unpark after each turn */
	volatile uint64_t *turns;
	uint64_t rounds;
};

static void relay_runner(void *arg)
{
	struct relay *r = arg;
	for (uint64_t i = 0; i < r->rounds; i++) {
		thread_park();
		__atomic_fetch_add(r->turns, 1, __ATOMIC_RELAXED);
		thread_unpark(r->next);
	}
}

/* Invariant: park/unpark tokens are neither lost nor doubled. A token
 * passed round a ring of threads spread over the cores (half of them
 * unpinned, so they are stolen as cores go idle) makes exactly
 * ring * rounds turns; a lost token would hang the ring (caught by the
 * watchdog below), a doubled one would make turns overshoot. */
TEST(stress_sched_park_ring)
{
	unsigned n = cpu_count(), ring = n < 4 ? 4 : (n < 16 ? n : 16);
	struct relay *r = kcalloc(ring, sizeof(*r));
	struct thread **t = kcalloc(ring, sizeof(*t));
	volatile uint64_t turns = 0;
	const uint64_t rounds = 2000;

	ASSERT(r && t);
	for (unsigned i = 0; i < ring; i++) {
		r[i].turns = &turns;
		r[i].rounds = rounds;
		t[i] = spawn("ring", relay_runner, &r[i],
			     i & 1 ? (int)(i % n) : THREAD_ANY_CPU);
		ASSERT(t[i]);
	}
	for (unsigned i = 0; i < ring; i++)
		r[i].next = t[(i + 1) % ring];
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	thread_unpark(t[0]);
	uint64_t last = 0, since = time_ns(), hung = 0;
	while (__atomic_load_n(&turns, __ATOMIC_RELAXED) < ring * rounds) {
		uint64_t now = time_ns(), c = turns;
		if (c != last) {
			last = c;
			since = now;
		} else if (now - since > 20 * SEC) {
			hung = 1; /* a token was lost */
			break;
		}
		thread_sleep_ns(MS);
	}
	printk("stress: ring_turns %lu\nstress: ring_hangs %lu\n", turns, hung);
	ASSERT_EQ(hung, 0);
	/* The last action of the ring is t[ring-1]'s unpark of t[0]. */
	for (unsigned i = ring; i-- > 0;)
		thread_join(t[i]);
	EXPECT_EQ(turns, ring * rounds);
	kfree(r);
	kfree(t);
}

/* ---- background threads handing a token round through a condvar ----- */

struct bgrelay {
	struct mutex m;
	struct condvar cv;
	unsigned owner, n; /* under m: whose turn it is, of n runners */
	uint64_t passes;   /* under m */
	uint64_t mine[MAX_SLEEPERS];
	struct thread *rx;  /* parked, unparked from a timer (interrupt) */
	struct timer tm;
	uint64_t rx_runs;
	volatile bool stop;
	volatile unsigned done; /* runners that returned */
};

/* Takes its turn: waits (with a timeout, as row-lock waiters do) until
 * the token is its own, passes it on, wakes everyone; flips itself
 * between background and normal at random, as analytical sessions and
 * job workers are. */
static void bgrelay_runner(void *arg)
{
	struct bgrelay *r = arg;
	unsigned me;
	uint64_t s = thread_id(thread_current()) * 0x9e3779b97f4a7c15ULL;

	mutex_lock(&r->m);
	me = r->n++;
	mutex_unlock(&r->m);
	while (!r->stop) {
		thread_set_background(rnd(&s) & 1);
		mutex_lock(&r->m);
		while (r->owner % r->n != me && !r->stop)
			condvar_wait_ns(&r->cv, &r->m, 100000 + rnd(&s) % 2000000);
		if (!r->stop) {
			r->owner++;
			r->passes++;
			r->mine[me]++;
		}
		condvar_broadcast(&r->cv);
		mutex_unlock(&r->m);
		if (rnd(&s) % 4 == 0)
			thread_yield();
	}
	thread_set_background(false);
	__atomic_fetch_add(&r->done, 1, __ATOMIC_RELEASE);
}

static void bgrelay_tick(struct timer *t)
{
	struct bgrelay *r = t->arg;
	thread_unpark(r->rx);
}

/* Like the virtio-net RX thread: pinned, parked, unparked from an
 * interrupt (a periodic timer). */
static void bgrelay_rx(void *arg)
{
	struct bgrelay *r = arg;

	while (!r->stop) {
		thread_park();
		count(&r->rx_runs);
	}
}

/* Invariant: the token goes round (every runner takes turns, no
 * wake-up lost, nobody hangs: the test ends) while runners flip between
 * background and normal threads (thread_set_background yields; a
 * background thread is preempted by the resched IPI anywhere) and a
 * pinned thread is unparked from interrupts on core 0. Before switch_once
 * disabled preemption ahead of this_rq(), this hung in about one run in
 * two under delay injection at smp 2: a yield preempted between reading
 * its core's queue and locking it resumed on the other core and switched
 * with the first core's queue (the hang seen in bench-htap's mixed phase
 * with background analytical sessions). */
TEST(stress_sched_background_relay)
{
	struct bgrelay *r = kzalloc(sizeof(*r));
	unsigned nrun = 2 * cpu_count() + 1, i;
	uint64_t total = 0;

	ASSERT(r);
	if (nrun > MAX_SLEEPERS)
		nrun = MAX_SLEEPERS;
	mutex_init(&r->m, "bgrelay");
	condvar_init(&r->cv);
	r->rx = spawn("bgrelay-rx", bgrelay_rx, r, 0);
	ASSERT(r->rx);
	timer_init(&r->tm, bgrelay_tick, r);
	timer_start(&r->tm, 20000, 20000);
	for (i = 0; i < nrun; i++) {
		struct thread *t = spawn("bgrelay", bgrelay_runner, r, THREAD_ANY_CPU);
		ASSERT(t);
		thread_detach(t);
	}
	thread_sleep_ns(STORM_NS);
	r->stop = true;
	mutex_lock(&r->m);
	condvar_broadcast(&r->cv);
	mutex_unlock(&r->m);
	while (__atomic_load_n(&r->done, __ATOMIC_ACQUIRE) < nrun)
		thread_sleep_ns(MS);
	timer_cancel(&r->tm);
	thread_unpark(r->rx);
	EXPECT_EQ(thread_join(r->rx), 0);
	for (i = 0; i < nrun; i++)
		total += r->mine[i];
	EXPECT_EQ(total, r->passes);
	EXPECT(r->passes > nrun);
	printk("stress: background relay %llu passes, %llu rx runs\n",
	       (unsigned long long)r->passes, (unsigned long long)r->rx_runs);
	kfree(r);
}
