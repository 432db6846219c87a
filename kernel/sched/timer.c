/* SPDX-License-Identifier: MIT */
/* timer.c: per-core lists of timers, sorted by deadline.
 *
 * Each core's list has its own lock (taken with interrupts disabled; it
 * is the innermost lock of the scheduler). A callback runs after the lock
 * is dropped, with the list's `running` naming its timer until it
 * returns: timer_cancel() waits for that, so a timer's memory (often on
 * a stack, as thread_sleep_ns()'s) may be reused once it returns. The LAPIC timer is programmed
 * for the earliest of: the first timer, the end of the time slice when
 * another thread waits, and the balance check (sched.c). */
#include <unidb/time.h>
#include <unidb/timer.h>

#include "arch/x86_64/x86.h"
#include "core/delay.h"
#include "sched/sched.h"

struct timer_list {
	struct spinlock lock;
	struct list_node head;
	uint64_t first; /* deadline of the head, UINT64_MAX if empty */
	struct timer *running; /* whose callback runs now (set under lock) */
};

static struct timer_list lists[MAX_CPUS];

void timer_list_init(unsigned cpu)
{
	list_init(&lists[cpu].head);
	lists[cpu].first = UINT64_MAX;
}

/* Caller holds l->lock. */
static void update_first(struct timer_list *l)
{
	uint64_t d = list_empty(&l->head)
			 ? UINT64_MAX
			 : list_entry(l->head.next, struct timer, node)->deadline;
	__atomic_store_n(&l->first, d, __ATOMIC_RELAXED);
}

void timer_init(struct timer *t, void (*fn)(struct timer *t), void *arg)
{
	t->fn = fn;
	t->arg = arg;
	t->armed = false;
	t->period = 0;
	list_init(&t->node);
}

/* Inserts t in deadline order; returns whether it is now the first. */
static bool insert(struct timer_list *l, struct timer *t)
{
	struct list_node *p = l->head.prev;
	while (p != &l->head &&
	       list_entry(p, struct timer, node)->deadline > t->deadline)
		p = p->prev;
	list_add_tail(p->next, &t->node); /* i.e. after p */
	t->armed = true;
	return l->head.next == &t->node;
}

void timer_start(struct timer *t, uint64_t delay_ns, uint64_t period_ns)
{
	uint64_t f = irq_save();
	unsigned cpu = cpu_id();
	struct timer_list *l = &lists[cpu];

	t->cpu = cpu;
	t->period = period_ns;
	t->deadline = time_ns() + delay_ns;
	spin_lock(&l->lock);
	bool first = insert(l, t);
	update_first(l);
	spin_unlock(&l->lock);
	if (first)
		sched_program_timer();
	irq_restore(f);
}

bool timer_cancel(struct timer *t)
{
	uint64_t f = irq_save();
	unsigned cpu = t->cpu;
	struct timer_list *l = &lists[cpu];

	spin_lock(&l->lock);
	bool was = t->armed;
	if (was) {
		list_del(&t->node);
		t->armed = false;
		update_first(l);
	}
	/* A callback of t running on this core is the caller itself (it
	 * runs in an interrupt on top of whatever ran here). */
	bool wait = l->running == t && cpu != cpu_id();
	spin_unlock(&l->lock);
	while (wait && __atomic_load_n(&l->running, __ATOMIC_ACQUIRE) == t)
		cpu_relax();
	irq_restore(f);
	return was;
}

/* Lock-free: the scheduler asks on every switch. */
uint64_t timer_next_deadline(void)
{
	return __atomic_load_n(&lists[cpu_id()].first, __ATOMIC_RELAXED);
}

/* Interrupt context, interrupts disabled. */
void timer_run_expired(void)
{
	struct timer_list *l = &lists[cpu_id()];

	for (;;) {
		uint64_t now = time_ns();
		spin_lock(&l->lock);
		struct timer *t = list_empty(&l->head)
				      ? NULL
				      : list_entry(l->head.next, struct timer,
						   node);
		if (!t || t->deadline > now) {
			update_first(l);
			spin_unlock(&l->lock);
			return;
		}
		list_del(&t->node);
		t->armed = false;
		if (t->period) {
			/* Skip periods that were missed entirely rather than
			 * firing a burst to catch up. */
			t->deadline += t->period;
			if (t->deadline <= now)
				t->deadline = now + t->period;
			insert(l, t);
		}
		l->running = t;
		spin_unlock(&l->lock);
		DELAY_POINT("timer.run_expired.unlocked");
		t->fn(t);
		/* t may be gone from here (see timer_cancel). */
		__atomic_store_n(&l->running, NULL, __ATOMIC_RELEASE);
	}
}
