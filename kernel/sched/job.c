/* SPDX-License-Identifier: MIT */
/* job.c: job workers, one per core, and morsel dispatch.
 *
 * Active jobs sit in one list, highest priority first, under jobs_lock;
 * the lock is taken when a job starts, when its last range is handed out,
 * and when a worker looks for a job -- not per morsel. Handing out a
 * morsel is one fetch-and-add on the job's next item.
 *
 * A worker sleeps (blocked, no queue) until its core has nothing else to
 * do: the idle loop calls job_idle() before halting, and job_start()
 * wakes the workers of cores that are idle right now. Between morsels a
 * worker yields to any other thread queued on its core, and moves to a
 * job of higher priority if one waits. */
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <unidb/heap.h>
#include <unidb/job.h>
#include <unidb/panic.h>
#include <unidb/sync.h>
#include <unidb/time.h>

#include "arch/x86_64/x86.h"
#include "sched/sched.h"

#define MORSEL_FIRST 64 /* items in a job's first morsels, before timing */

struct job {
	struct list_node node; /* in `active` while items are left */
	const char *name;
	int priority;
	uint64_t items;
	job_run_fn run;
	void (*finish)(void *arg);
	void *arg;
	uint64_t next;	      /* first item not handed out (atomic) */
	uint64_t done;	      /* items processed (atomic) */
	uint64_t ns_per_kitem; /* measured cost of 1024 items, 0: unknown */
	unsigned workers;     /* working on it now (atomic) */
	bool listed;	      /* under jobs_lock */
	struct completion finished;
	struct job_stats stats; /* updated with atomics */
	uint64_t t0;
};

static struct spinlock jobs_lock = SPINLOCK_INIT;
static struct list_node active = LIST_INIT(active);
static int top_priority = -1000000; /* of the first active job */
static struct thread *workers[MAX_CPUS];

static void atomic_max(uint64_t *p, uint64_t v)
{
	uint64_t o = __atomic_load_n(p, __ATOMIC_RELAXED);
	while (o < v && !__atomic_compare_exchange_n(p, &o, v, false,
						    __ATOMIC_RELAXED,
						    __ATOMIC_RELAXED))
		;
}

static void atomic_min(uint64_t *p, uint64_t v)
{
	uint64_t o = __atomic_load_n(p, __ATOMIC_RELAXED);
	while (o > v && !__atomic_compare_exchange_n(p, &o, v, false,
						    __ATOMIC_RELAXED,
						    __ATOMIC_RELAXED))
		;
}

/* Caller holds jobs_lock. */
static void unlist(struct job *j)
{
	if (!j->listed)
		return;
	list_del(&j->node);
	j->listed = false;
	top_priority = list_empty(&active)
			   ? -1000000
			   : list_entry(active.next, struct job, node)->priority;
}

static struct job *pick(void)
{
	uint64_t f = irq_save();
	spin_lock(&jobs_lock);
	struct job *j = list_empty(&active)
			    ? NULL
			    : list_entry(active.next, struct job, node);
	if (j)
		__atomic_fetch_add(&j->workers, 1, __ATOMIC_ACQ_REL);
	spin_unlock(&jobs_lock);
	irq_restore(f);
	return j;
}

/* How many items the next morsel gets. */
static uint64_t morsel_size(struct job *j)
{
	uint64_t cost = __atomic_load_n(&j->ns_per_kitem, __ATOMIC_RELAXED);
	uint64_t n = cost ? JOB_MORSEL_NS * 1024 / cost : MORSEL_FIRST;
	uint64_t left = j->items - __atomic_load_n(&j->next, __ATOMIC_RELAXED);
	uint64_t share = left / (2 * cpu_count()); /* even finish */

	if (n > share)
		n = share;
	return n ? n : 1;
}

static void work_on(struct job *j)
{
	unsigned w = __atomic_load_n(&j->workers, __ATOMIC_RELAXED);
	unsigned m = __atomic_load_n(&j->stats.workers_max, __ATOMIC_RELAXED);
	while (m < w && !__atomic_compare_exchange_n(&j->stats.workers_max, &m,
						     w, false, __ATOMIC_RELAXED,
						     __ATOMIC_RELAXED))
		;

	while (__atomic_load_n(&top_priority, __ATOMIC_RELAXED) <= j->priority) {
		/* Workers only use cores that have nothing else to run: a
		 * thread woken on this core goes first. */
		if (__atomic_load_n(&this_rq()->nr_queued, __ATOMIC_RELAXED))
			thread_yield();
		uint64_t n = morsel_size(j);
		uint64_t begin = __atomic_fetch_add(&j->next, n, __ATOMIC_RELAXED);
		if (begin >= j->items)
			break;
		uint64_t end = begin + n < j->items ? begin + n : j->items;
		if (end == j->items) {
			uint64_t f = irq_save();
			spin_lock(&jobs_lock);
			unlist(j); /* nothing left to hand out */
			spin_unlock(&jobs_lock);
			irq_restore(f);
		}
		uint64_t t0 = time_ns();
		j->run(j->arg, begin, end);
		uint64_t dt = time_ns() - t0;
		/* A moving average: one morsel slowed down by an interrupt
		 * or a descheduled vCPU must not make the next one huge. */
		uint64_t c = dt * 1024 / (end - begin) + 1;
		uint64_t old = __atomic_load_n(&j->ns_per_kitem, __ATOMIC_RELAXED);
		__atomic_store_n(&j->ns_per_kitem, old ? (3 * old + c) / 4 : c,
				 __ATOMIC_RELAXED);
		__atomic_fetch_add(&j->stats.morsels, 1, __ATOMIC_RELAXED);
		unsigned me = cpu_id(); /* the worker is pinned */
		if (me < 64)
			__atomic_fetch_or(&j->stats.cpu_mask, 1UL << me,
					  __ATOMIC_RELAXED);
		atomic_min(&j->stats.morsel_min, end - begin);
		atomic_max(&j->stats.morsel_max, end - begin);
		if (__atomic_add_fetch(&j->done, end - begin, __ATOMIC_ACQ_REL) ==
		    j->items) {
			j->stats.ns = time_ns() - j->t0;
			if (j->finish)
				j->finish(j->arg);
			completion_complete(&j->finished);
		}
	}
	__atomic_fetch_sub(&j->workers, 1, __ATOMIC_RELEASE);
}

static void worker_loop(void *unused)
{
	struct thread *me = thread_current();

	for (;;) {
		struct job *j = pick();
		if (j) {
			work_on(j);
			continue;
		}
		/* Blocked first, then re-checked: a job_start() after the
		 * check finds us blocked and wakes us. */
		uint64_t f = irq_save();
		me->state = THREAD_BLOCKED;
		if (!list_empty(&active)) {
			me->state = THREAD_RUNNING;
			irq_restore(f);
			continue;
		}
		sched_block("job work", NULL, f);
	}
}

void job_workers_start(void)
{
	char name[16];

	for (unsigned c = 0; c < cpu_count(); c++) {
		struct thread_attr a = {.cpu = (int)c, .background = true};
		snprintf(name, sizeof(name), "job%u", c);
		workers[c] = thread_create(name, worker_loop, NULL, &a);
		if (!workers[c])
			panic("job: cannot start the worker of cpu %u", c);
	}
	/* Ready means idle: every worker has reached its wait once, so what
	 * runs after boot (and the threads list) finds them there. */
	for (unsigned c = 0; c < cpu_count(); c++)
		while (__atomic_load_n(&workers[c]->state, __ATOMIC_ACQUIRE) !=
		       THREAD_BLOCKED)
			thread_yield();
}

/* From the idle loop, interrupts off: this core has nothing to run. */
bool job_idle(void)
{
	struct thread *w = workers[cpu_id()];
	return w && !list_empty(&active) && sched_wake(w);
}

struct job *job_start(const char *name, uint64_t items, job_run_fn run,
		      void (*finish)(void *arg), void *arg, int priority)
{
	if (!items || !run)
		return NULL;
	struct job *j = kzalloc(sizeof(*j));
	if (!j)
		return NULL;
	j->name = name;
	j->items = items;
	j->run = run;
	j->finish = finish;
	j->arg = arg;
	j->priority = priority;
	j->stats.morsel_min = UINT64_MAX;
	completion_init(&j->finished);
	j->t0 = time_ns();

	uint64_t f = irq_save();
	spin_lock(&jobs_lock);
	struct list_node *p = active.next;
	while (p != &active &&
	       list_entry(p, struct job, node)->priority >= priority)
		p = p->next;
	list_add_tail(p, &j->node); /* before the first of lower priority */
	j->listed = true;
	top_priority = list_entry(active.next, struct job, node)->priority;
	spin_unlock(&jobs_lock);
	irq_restore(f);

	for (unsigned c = 0; c < cpu_count(); c++) {
		struct rq *rq = &runqueues[c];
		if (workers[c] && rq->curr == rq->idle && !rq->nr_queued)
			sched_wake(workers[c]);
	}
	return j;
}

int job_wait(struct job *j, struct job_stats *stats)
{
	completion_wait(&j->finished);
	/* The last worker may still be leaving the job. */
	while (__atomic_load_n(&j->workers, __ATOMIC_ACQUIRE))
		thread_yield();
	if (stats)
		*stats = j->stats;
	kfree(j);
	return 0;
}

uint64_t job_progress(const struct job *j)
{
	return __atomic_load_n(&j->done, __ATOMIC_RELAXED);
}
