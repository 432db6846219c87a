/* SPDX-License-Identifier: MIT */
/* race_test.c: regression tests for races the scheduler had (issue 16).
 * Each widens its window with delay injection (core/delay.h) where the
 * natural one is too small to hit in a short run, and checks the
 * invariant the race broke. None depends on timing to pass: deadlines
 * only bound how long a failure takes to show. */
#include <string.h>
#include <unidb/test.h>
#include <unidb/thread.h>
#include <unidb/time.h>
#include <unidb/timer.h>

#include "arch/x86_64/cpu.h"
#include "core/delay.h"
#include "sched/sched.h"

#define MS 1000000ULL
#define SEC 1000000000ULL

static struct delay_config widen(const char *filter, uint64_t max_us,
				 unsigned permille)
{
	struct delay_config c = {.seed = time_ns() | 1,
				 .max_ns = max_us * 1000,
				 .permille = permille,
				 .filter = filter};
	return delay_set(&c);
}

static uint64_t rnd(uint64_t *s)
{
	*s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
	return *s >> 33;
}

/* ---- 1, 2: sleeps woken early, timers that fire on another core ---- */

#define SLEEPERS 8
#define UNPARKERS 2

struct sleep_storm {
	struct thread *sleeper[SLEEPERS];
	volatile bool stop;
	volatile unsigned done; /* sleepers that returned */
	uint64_t sleeps, early; /* sleeps done; ones shorter than asked */
};

/* Overwrites the stack below the caller with zeros: the frame of the
 * thread_sleep_ns() that just returned (its timer included). A timer
 * core that still calls through it then jumps to 0. */
static __attribute__((noinline)) void scribble_stack(void)
{
	uint64_t junk[96];
	memset(junk, 0, sizeof(junk));
	__asm__ volatile("" ::"r"(junk) : "memory");
}

static void storm_sleeper(void *arg)
{
	struct sleep_storm *s = arg;
	uint64_t r = thread_id(thread_current()) * 0x9e3779b97f4a7c15ULL;

	while (!s->stop) {
		uint64_t ns = 20000 + rnd(&r) % 200000, t0 = time_ns();
		thread_sleep_ns(ns);
		if (time_ns() - t0 < ns)
			__atomic_fetch_add(&s->early, 1, __ATOMIC_RELAXED);
		scribble_stack();
		__atomic_fetch_add(&s->sleeps, 1, __ATOMIC_RELAXED);
	}
	__atomic_fetch_add(&s->done, 1, __ATOMIC_RELEASE);
}

static void storm_unparker(void *arg)
{
	struct sleep_storm *s = arg;
	/* Busy between rounds: a sleeper woken onto this core waits in its
	 * queue and is stolen by an idle core, away from its timer. */
	while (!s->stop) {
		for (int i = 0; i < SLEEPERS; i++)
			thread_unpark(s->sleeper[i]);
		time_delay_ns(30000);
	}
}

/* Waits for the sleepers to return; a sleeper that stays lost (blocked,
 * timer fired, not switched in) for a whole second is counted and woken,
 * so that the test ends. */
static unsigned reap_sleepers(struct sleep_storm *s)
{
	uint64_t seen[SLEEPERS] = {0}, since[SLEEPERS] = {0};
	unsigned lost = 0;

	while (__atomic_load_n(&s->done, __ATOMIC_ACQUIRE) < SLEEPERS) {
		for (int i = 0; i < SLEEPERS; i++) {
			struct thread *t = s->sleeper[i];
			uint64_t now = time_ns();
			if (!thread_sleep_lost(t) || t->switches != seen[i]) {
				seen[i] = t->switches;
				since[i] = now;
			} else if (now - since[i] > SEC) {
				lost++;
				sched_wake(t);
				since[i] = now;
			}
		}
		thread_sleep_ns(MS);
	}
	for (int i = 0; i < SLEEPERS; i++)
		thread_join(s->sleeper[i]);
	return lost;
}

static unsigned sleep_storm(struct sleep_storm *s, uint64_t max_sleeps)
{
	struct thread *u[UNPARKERS];

	memset(s, 0, sizeof(*s));
	for (int i = 0; i < SLEEPERS; i++)
		s->sleeper[i] = thread_create("sleeper", storm_sleeper, s, NULL);
	for (int i = 0; i < UNPARKERS; i++)
		u[i] = thread_create("unparker", storm_unparker, s, NULL);
	uint64_t end = time_ns() + 3 * SEC;
	while (__atomic_load_n(&s->sleeps, __ATOMIC_RELAXED) < max_sleeps &&
	       time_ns() < end)
		thread_sleep_ns(2 * MS);
	s->stop = true;
	for (int i = 0; i < UNPARKERS; i++)
		thread_join(u[i]);
	return reap_sleepers(s);
}

/* Finding 1: the timer core read the on-stack timer after the sleeper,
 * woken early and moved to another core, had seen it disarmed and
 * returned (#PF at a small RIP from timer_run_expired). */
TEST(sched_sleep_timer_not_used_after_early_wake)
{
	static struct sleep_storm s;
	struct delay_config old = widen("timer.run_expired.unlocked", 200, 500);
	unsigned lost = sleep_storm(&s, 3000);
	delay_set(&old);
	EXPECT(s.sleeps > 0);
	EXPECT_EQ(s.early, 0);
	EXPECT_EQ(lost, 0);
}

/* Finding 2: a sleeper woken early that went back to sleep after its
 * timer had fired on another core was never woken again. */
TEST(sched_sleep_wakeup_not_lost_after_migration)
{
	static struct sleep_storm s;
	struct delay_config old = widen("sched.sleep.recheck", 1000, 1000);
	unsigned lost = sleep_storm(&s, 3000);
	delay_set(&old);
	EXPECT(s.sleeps > 0);
	EXPECT_EQ(s.early, 0);
	EXPECT_EQ(lost, 0);
}

/* ---- 3: a yielded thread stolen, run to its end and reaped elsewhere
 * while the core it left still finishes the switch away from it ---- */

struct exit_storm {
	volatile unsigned long started, finished;
};

static void yield_and_exit(void *arg)
{
	struct exit_storm *e = arg;
	thread_yield();
	__atomic_fetch_add(&e->finished, 1, __ATOMIC_RELEASE);
}

/* Runs n detached threads that yield once and exit, at most `live` at a
 * time (stacks are not free). */
static void exit_storm(struct exit_storm *e, unsigned long n, unsigned live)
{
	e->started = e->finished = 0;
	for (unsigned long i = 0; i < n; i++) {
		while (e->started - __atomic_load_n(&e->finished,
						    __ATOMIC_ACQUIRE) >= live)
			thread_yield();
		struct thread *t = thread_create("exiter", yield_and_exit, e,
						 NULL);
		if (!t) {
			thread_yield(); /* stacks still being reaped */
			i--;
			continue;
		}
		thread_detach(t);
		e->started++;
	}
	while (__atomic_load_n(&e->finished, __ATOMIC_ACQUIRE) < n)
		thread_yield();
}

/* Finding 3: finish_switch() read the state of the thread it switched
 * away from after releasing it; a thread reaped twice puts its stack
 * twice in the cache, and two later threads share it. */
TEST(sched_exited_thread_reaped_once)
{
	static struct exit_storm e;
	int before = sched_threads(NULL, 0);
	struct delay_config old =
	    widen("sched.finish_switch.unlocked", 100, 300);
	exit_storm(&e, 20000, 32);
	delay_set(&old);
	EXPECT_EQ(e.finished, 20000);
	/* Every one was freed, once: the list is back where it was (the
	 * last reaps may still be on their way). */
	uint64_t end = time_ns() + 5 * SEC;
	while (sched_threads(NULL, 0) != before && time_ns() < end)
		thread_sleep_ns(MS);
	EXPECT_EQ(sched_threads(NULL, 0), before);
}

/* ---- 4, 6: a thread queued behind a CPU-bound one gets a time slice ---- */

struct starve {
	volatile bool other_ran, stop;
	bool timed_out; /* the spinner gave up: the other never ran */
	volatile unsigned long spins;
	uint64_t deadline;
};

static void spin_until_other_ran(void *arg)
{
	struct starve *s = arg;
	while (!s->other_ran && !s->stop && time_ns() < s->deadline)
		s->spins++; /* never yields, never blocks */
	s->timed_out = !s->other_ran && !s->stop;
}

static void note_ran(void *arg)
{
	((struct starve *)arg)->other_ran = true;
}

/* Finding 4: a second thread queued on an idle core (before the core
 * switched to the first) got no time slice and starved behind a first
 * one that never blocks. */
TEST(sched_second_thread_queued_on_idle_core_gets_slice)
{
	if (cpu_count() < 2)
		return;
	struct thread_attr far = {.cpu = (int)cpu_count() - 1};
	unsigned starved = 0;

	for (int i = 0; i < 5; i++) {
		struct starve s = {.deadline = time_ns() + 5 * SEC};
		thread_sleep_ns(5 * MS); /* the far core goes idle */
		/* The far core, woken by the first, finds work and pauses
		 * before it switches: both are queued on an idle core. */
		struct delay_config old = widen("sched.idle.found_work", 4000,
						1000);
		struct thread *a = thread_create("spinner",
						 spin_until_other_ran, &s, &far);
		struct thread *b = thread_create("other", note_ran, &s, &far);
		ASSERT(a && b);
		thread_join(a);
		delay_set(&old);
		thread_join(b);
		starved += s.timed_out || s.spins == 0;
	}
	EXPECT_EQ(starved, 0);
}

/* Finding 6: the far core's tick, finding no thread queued when a slice
 * ended, cleared the slice after another core had queued one: that one
 * starved behind the spinner. A pinned short thread is queued behind a
 * spinner again and again, at random points of the tick's window. */
TEST(sched_tick_keeps_slice_of_remote_enqueue)
{
	if (cpu_count() < 2)
		return;
	struct thread_attr far = {.cpu = (int)cpu_count() - 1};
	struct starve spin = {.deadline = time_ns() + 60 * SEC};
	uint64_t r = time_ns();
	unsigned starved = 0, runs = 0;

	struct thread *a = thread_create("spinner", spin_until_other_ran,
					 &spin, &far);
	ASSERT(a);
	struct delay_config old = widen("sched.tick.slice", 4000, 1000);
	for (int i = 0; i < 40 && !starved; i++) {
		struct starve s = {0};
		thread_sleep_ns(rnd(&r) % (15 * MS));
		struct thread *b = thread_create("other", note_ran, &s, &far);
		ASSERT(b);
		uint64_t end = time_ns() + 5 * SEC;
		while (!s.other_ran && time_ns() < end)
			thread_sleep_ns(MS);
		starved += !s.other_ran;
		spin.stop = true; /* lets b run if it starved */
		thread_join(b);
		runs++;
		if (starved)
			break;
		spin.stop = false;
	}
	delay_set(&old);
	spin.stop = true;
	thread_join(a);
	EXPECT(runs > 0);
	EXPECT_EQ(starved, 0);
}

/* ---- 5: control words across a voluntary switch ---- */

#define MXCSR_DEFAULT 0x1f80
#define FCW_DEFAULT 0x037f
#define MXCSR_DOWN 0x3f80 /* SDM 1, 10.2.3: RC = 01, round down */
#define FCW_DOWN 0x077f	  /* SDM 1, 8.1.5: RC = 01, round down */

struct ctl {
	uint32_t mxcsr;
	uint16_t fcw;
	unsigned wrong;
};

static void yield_keep_controls(void *arg)
{
	struct ctl *c = arg;
	uint32_t m = c->mxcsr;
	uint16_t f = c->fcw;

	__asm__ volatile("ldmxcsr %0; fldcw %1" ::"m"(m), "m"(f));
	for (int i = 0; i < 2000; i++) {
		thread_yield();
		__asm__ volatile("stmxcsr %0; fnstcw %1" : "=m"(m), "=m"(f));
		c->wrong += m != c->mxcsr || f != c->fcw;
	}
}

/* Finding 5: a thread resumed from a voluntary switch kept the control
 * words of the thread that ran before it. */
TEST(sched_voluntary_switch_keeps_control_words)
{
	struct thread_attr here = {.cpu = (int)cpu_id()};
	struct ctl down = {MXCSR_DOWN, FCW_DOWN, 0};
	struct ctl dflt = {MXCSR_DEFAULT, FCW_DEFAULT, 0};
	struct thread *a = thread_create("ctl-down", yield_keep_controls,
					 &down, &here);
	struct thread *b = thread_create("ctl-default", yield_keep_controls,
					 &dflt, &here);
	ASSERT(a && b);
	thread_join(a);
	thread_join(b);
	EXPECT_EQ(down.wrong, 0);
	EXPECT_EQ(dflt.wrong, 0);
}

/* ---- POLL idle mode ---- */

struct where {
	volatile int cpu;
};

static void note_cpu(void *arg)
{
	((struct where *)arg)->cpu = (int)cpu_id();
}

/* An idle core in SCHED_IDLE_POLL takes threads queued elsewhere, like a
 * halting one does. This core keeps its own and cannot run the thread. */
TEST(sched_polling_idle_cores_steal)
{
	if (cpu_count() < 2)
		return;
	for (unsigned c = 1; c < cpu_count(); c++)
		EXPECT_EQ(sched_set_idle_mode(c, SCHED_IDLE_POLL), 0);
	thread_sleep_ns(2 * MS); /* they enter the poll loop */
	struct where w = {.cpu = -1};
	preempt_disable();
	struct thread *t = thread_create("stolen", note_cpu, &w, NULL);
	uint64_t end = time_ns() + 10 * SEC;
	while (t && w.cpu < 0 && time_ns() < end)
		cpu_relax();
	preempt_enable();
	for (unsigned c = 1; c < cpu_count(); c++)
		sched_set_idle_mode(c, SCHED_IDLE_HALT);
	ASSERT(t);
	thread_join(t);
	EXPECT(w.cpu > 0);
}
