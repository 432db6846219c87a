/* SPDX-License-Identifier: MIT */
/* thread.h: kernel threads, the only unit of execution in unidb.
 *
 * A thread runs on one core at a time; the scheduler (kernel/sched) keeps a
 * run queue per core, preempts a thread after its time slice, moves
 * runnable threads to idle cores, and never takes a global lock to switch.
 * Threads cost a few microseconds to create: stacks (with an unmapped
 * guard page below them) are kept in per-core caches and reused.
 *
 * Calls that may block ("may sleep") must not be made with preemption
 * disabled, with a spinlock held, or from an interrupt handler: doing so
 * panics with "sleeping while atomic". */
#ifndef UNIDB_THREAD_H
#define UNIDB_THREAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <unidb/cpu.h>

struct thread;

#define THREAD_STACK_DEFAULT (16 * 1024)
#define THREAD_STACK_MAX (1024 * 1024)
#define THREAD_ANY_CPU (-1)

struct thread_attr {
	size_t stack_size; /* 0: THREAD_STACK_DEFAULT; rounded up to 4 KiB */
	int cpu;	   /* THREAD_ANY_CPU, or the core to pin the thread to */
	bool background;   /* gives its core at once to any thread woken
			      there, instead of at the end of a time slice
			      (the job workers: analytical work yields to
			      OLTP sessions, job.h) */
};

/* Creates a runnable thread that calls entry(arg). name (copied, cut to
 * 23 characters) shows in panics and thread lists. attr may be NULL.
 * The thread must be joined (thread_join) or detached (thread_detach).
 * Returns NULL if memory is exhausted or attr is invalid (stack size above
 * THREAD_STACK_MAX, cpu not online). O(1) with a cached stack; may map a
 * new stack otherwise. Callable with preemption enabled only. */
struct thread *thread_create(const char *name, void (*entry)(void *),
			     void *arg, const struct thread_attr *attr);

/* Ends the calling thread. Returning from entry() does the same. */
void thread_exit(void) __attribute__((noreturn));

/* Waits until t has ended, then frees it. Each thread is joined at most
 * once, and not after thread_detach(). May sleep. Returns 0, or -EINVAL
 * for t == thread_current() or a detached thread, -EDEADLK never (no
 * cycle detection across threads). */
int thread_join(struct thread *t);

/* t is freed as soon as it ends; it must not be joined. */
void thread_detach(struct thread *t);

/* Gives the core to the next runnable thread of this core, if any. */
void thread_yield(void);

/* Makes the calling thread a background one (thread_attr.background) or
 * a normal one again, for a phase of its work (a checkpoint writing its
 * rows yields to sessions as the job workers do). Turning it on yields
 * to threads already waiting. Returns the previous setting. O(1); may
 * switch. */
bool thread_set_background(bool on);

/* The lowest-level way to wait, for code that builds its own
 * synchronisation (the role futexes play on Linux). Each thread has one
 * wake-up token: thread_park() consumes it, blocking until there is one;
 * thread_unpark(t) provides it and wakes t if it is parked. An unpark
 * before the park is not lost; several unparks before one park count
 * once. park may sleep; unpark is O(1) and callable from any context. */
void thread_park(void);
void thread_unpark(struct thread *t);

/* Sleeps at least ns nanoseconds (timer-driven; wakes within about one
 * timer interrupt latency after the deadline). May sleep. */
void thread_sleep_ns(uint64_t ns);

/* The calling thread; NULL before the scheduler has started. O(1), one
 * %gs load (valid however the thread migrates afterwards). */
static inline struct thread *thread_current(void)
{
	struct thread *t;
	__asm__ volatile("movq %%gs:%c1, %0" : "=r"(t) : "i"(CPU_OFFSET_THREAD));
	return t;
}

const char *thread_name(const struct thread *t);
uint64_t thread_id(const struct thread *t);

/* One pointer of thread-local storage, NULL at creation. O(1). */
void *thread_local(void);
void thread_set_local(void *p);

/* Idle behaviour of a core without runnable threads: HALT sleeps until an
 * interrupt (cheap for the host, microseconds to wake), POLL spins on the
 * run queue (fastest wake-up, burns the core). Default: HALT. */
enum sched_idle_mode { SCHED_IDLE_HALT, SCHED_IDLE_POLL };
int sched_set_idle_mode(unsigned cpu, enum sched_idle_mode mode);

/* Nanoseconds core cpu has spent in its idle loop (polling for work or
 * halted) since boot; busy time is the rest. O(1), any context. */
uint64_t sched_idle_ns(unsigned cpu);

/* What sched_threads() reports of one thread. */
struct thread_info {
	uint64_t id;
	char name[24];
	const char *state;	 /* "running", "runnable", "blocked", "dead" */
	unsigned cpu;		 /* where it runs, or ran last */
	int pinned;		 /* THREAD_ANY_CPU or a core */
	const char *wait_reason; /* "mutex", "sleep", ... or NULL */
	uint64_t switches;	 /* times it was switched in */
};

/* Copies up to max threads' descriptions into out; returns how many
 * threads exist. O(threads); takes the thread-list lock. */
int sched_threads(struct thread_info *out, int max);

/* Prints every thread: id, name, state, cpu, what it waits for, and for
 * a blocked thread the backtrace of where it blocked. */
void sched_dump(void);

#endif
