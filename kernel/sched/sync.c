/* SPDX-License-Identifier: MIT */
/* sync.c: wait queues and the sleeping locks built on them.
 *
 * Everything waits the same way (wait_locked): with interrupts off and the
 * wait queue's lock held, the thread puts a waiter on the queue, marks
 * itself blocked, drops the lock and switches away. A waker pops waiters
 * under the same lock and makes them runnable. Because the thread is on
 * the queue before the lock is dropped, no wake-up is lost; because
 * sched_wake() only changes a blocked thread, an early wake-up (before
 * the switch) is harmless. Lock order: a wait queue's lock, then run-queue
 * locks (sched.h). */
#include <unidb/panic.h>
#include <unidb/sync.h>
#include <unidb/timer.h>

#include "arch/x86_64/x86.h"
#include "core/delay.h"
#include "sched/sched.h"

struct waiter {
	struct list_node node;
	struct thread *t;
};

void waitqueue_init(struct waitqueue *wq)
{
	*wq = (struct waitqueue)WAITQUEUE_INIT(*wq);
}

/* Called with wq->lock held and interrupts off; returns in the same state
 * after having been woken. */
static void wait_locked(struct waitqueue *wq, const char *reason)
{
	struct waiter w = {.t = thread_current()};

	list_add_tail(&wq->waiters, &w.node);
	w.t->state = THREAD_BLOCKED;
	spin_unlock(&wq->lock);
	DELAY_POINT("sync.wait.unlocked"); /* a waker may claim us here */
	sched_block(reason, wq, 0); /* back with interrupts still off */
	spin_lock(&wq->lock);
	if (w.node.next != &w.node)
		list_del(&w.node); /* woken by something else */
}

static bool wake_one_locked(struct waitqueue *wq)
{
	while (!list_empty(&wq->waiters)) {
		struct waiter *w =
		    list_entry(wq->waiters.next, struct waiter, node);
		list_del(&w->node);
		if (sched_wake(w->t))
			return true;
	}
	return false;
}

static void wake_all_locked(struct waitqueue *wq)
{
	while (wake_one_locked(wq))
		;
}

/* ---- mutex --------------------------------------------------------- */

#define MUTEX_WAITERS 1UL
#define HELD_MAX ((int)(sizeof(((struct thread *)0)->held) / sizeof(void *)))

/* Lock-order checking: bit b of after[a] is set once a mutex of class b
 * was taken while one of class a was held; taking a class-a mutex while
 * holding a class-b one is then an inversion that can deadlock. Each
 * mutex is its own class, given on first use, for the first
 * SYNC_ORDER_CLASSES mutexes. */
static uint64_t after[SYNC_ORDER_CLASSES];
static const char *class_name[SYNC_ORDER_CLASSES];
static int classes;

void mutex_init(struct mutex *m, const char *name)
{
	*m = (struct mutex)MUTEX_INIT(*m, name);
}

static int order_class(struct mutex *m)
{
	int c = __atomic_load_n(&m->order_class, __ATOMIC_ACQUIRE);
	if (c != -1)
		return c;
	int n = __atomic_fetch_add(&classes, 1, __ATOMIC_RELAXED);
	int mine = n < SYNC_ORDER_CLASSES ? n : -2; /* -2: unchecked */
	if (mine >= 0)
		class_name[mine] = m->name;
	if (!__atomic_compare_exchange_n(&m->order_class, &c, mine, false,
					 __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
		return c; /* another thread named it first; ours is unused */
	return mine;
}

static void order_check(struct thread *me, struct mutex *m)
{
	if ((struct thread *)(m->owner & ~MUTEX_WAITERS) == me)
		panic("self-deadlock: thread %s takes mutex %s it holds",
		      me->name, m->name);
	int c = order_class(m);
	if (c < 0)
		return;
	for (int i = 0; i < me->nheld; i++) {
		int h = me->held[i]->order_class;
		if (h < 0 || h == c)
			continue;
		if (__atomic_load_n(&after[c], __ATOMIC_RELAXED) & (1UL << h))
			panic("lock-order inversion: thread %s takes mutex %s "
			      "while holding %s; elsewhere %s was taken while "
			      "holding %s",
			      me->name, m->name, me->held[i]->name,
			      class_name[h], class_name[c]);
		__atomic_fetch_or(&after[h], 1UL << c, __ATOMIC_RELAXED);
	}
}

static void held_push(struct thread *me, struct mutex *m)
{
	if (me->nheld < HELD_MAX)
		me->held[me->nheld++] = m;
}

static void held_pop(struct thread *me, struct mutex *m)
{
	for (int i = me->nheld - 1; i >= 0; i--)
		if (me->held[i] == m) {
			me->held[i] = me->held[--me->nheld];
			return;
		}
}

bool mutex_trylock(struct mutex *m)
{
	struct thread *me = thread_current();
	uintptr_t free = 0;

	if (!__atomic_compare_exchange_n(&m->owner, &free, (uintptr_t)me,
					 false, __ATOMIC_ACQUIRE,
					 __ATOMIC_RELAXED))
		return false;
	held_push(me, m);
	return true;
}

void mutex_lock(struct mutex *m)
{
	struct thread *me = thread_current();

	order_check(me, m);
	if (mutex_trylock(m))
		return;
	uint64_t irq = irq_save();
	spin_lock(&m->wq.lock);
	for (;;) {
		uintptr_t o = __atomic_load_n(&m->owner, __ATOMIC_RELAXED);
		uintptr_t want = o ? o | MUTEX_WAITERS : (uintptr_t)me;
		/* The waiters bit is set and cleared under wq.lock, so the
		 * owner's unlock cannot miss us. */
		if (o != want &&
		    !__atomic_compare_exchange_n(&m->owner, &o, want, false,
						 __ATOMIC_ACQUIRE,
						 __ATOMIC_RELAXED))
			continue;
		if (!o)
			break;
		wait_locked(&m->wq, "mutex");
	}
	if (!list_empty(&m->wq.waiters))
		__atomic_fetch_or(&m->owner, MUTEX_WAITERS, __ATOMIC_RELAXED);
	spin_unlock(&m->wq.lock);
	irq_restore(irq);
	held_push(me, m);
}

void mutex_unlock(struct mutex *m)
{
	struct thread *me = thread_current();
	uintptr_t o = (uintptr_t)me;

	if ((m->owner & ~MUTEX_WAITERS) != (uintptr_t)me)
		panic("mutex_unlock: thread %s does not hold mutex %s",
		      me->name, m->name);
	held_pop(me, m);
	if (__atomic_compare_exchange_n(&m->owner, &o, 0, false,
					__ATOMIC_RELEASE, __ATOMIC_RELAXED))
		return;
	uint64_t irq = irq_save();
	spin_lock(&m->wq.lock);
	__atomic_store_n(&m->owner, 0, __ATOMIC_RELEASE);
	wake_one_locked(&m->wq);
	spin_unlock(&m->wq.lock);
	irq_restore(irq);
}

/* ---- condition variable ---------------------------------------------- */

void condvar_init(struct condvar *c)
{
	waitqueue_init(&c->wq);
}

void condvar_wait(struct condvar *c, struct mutex *m)
{
	uint64_t irq = irq_save();
	spin_lock(&c->wq.lock);
	struct waiter w = {.t = thread_current()};
	list_add_tail(&c->wq.waiters, &w.node);
	w.t->state = THREAD_BLOCKED;
	spin_unlock(&c->wq.lock);
	/* On the queue before m is released: a signal sent as soon as m is
	 * free finds us. */
	mutex_unlock(m);
	sched_block("condvar", c, 0);
	spin_lock(&c->wq.lock);
	if (w.node.next != &w.node)
		list_del(&w.node);
	spin_unlock(&c->wq.lock);
	irq_restore(irq);
	mutex_lock(m);
}

static void cv_timeout(struct timer *tm)
{
	sched_wake(tm->arg);
}

/* As condvar_wait, with a timer that wakes us (as thread_sleep_ns does);
 * timer_cancel() returns once no core runs its callback, so the timer may
 * live on this stack. A wake-up by the timer after a signal finds us
 * running and does nothing. */
void condvar_wait_ns(struct condvar *c, struct mutex *m, uint64_t ns)
{
	struct timer tm;
	uint64_t irq = irq_save();
	spin_lock(&c->wq.lock);
	struct waiter w = {.t = thread_current()};
	list_add_tail(&c->wq.waiters, &w.node);
	w.t->state = THREAD_BLOCKED;
	spin_unlock(&c->wq.lock);
	timer_init(&tm, cv_timeout, w.t);
	timer_start(&tm, ns ? ns : 1, 0); /* fires on this core: not before we block */
	mutex_unlock(m);
	sched_block("condvar", c, 0);
	timer_cancel(&tm);
	spin_lock(&c->wq.lock);
	if (w.node.next != &w.node)
		list_del(&w.node);
	spin_unlock(&c->wq.lock);
	irq_restore(irq);
	mutex_lock(m);
}

void condvar_signal(struct condvar *c)
{
	uint64_t irq = irq_save();
	spin_lock(&c->wq.lock);
	wake_one_locked(&c->wq);
	spin_unlock(&c->wq.lock);
	irq_restore(irq);
}

void condvar_broadcast(struct condvar *c)
{
	uint64_t irq = irq_save();
	spin_lock(&c->wq.lock);
	wake_all_locked(&c->wq);
	spin_unlock(&c->wq.lock);
	irq_restore(irq);
}

/* ---- reader-writer lock ---------------------------------------------- */

void rwlock_init(struct rwlock *l)
{
	*l = (struct rwlock)RWLOCK_INIT(*l);
}

void rwlock_read_lock(struct rwlock *l)
{
	uint64_t irq = irq_save();
	spin_lock(&l->wq.lock);
	while (l->writer || l->writers_waiting)
		wait_locked(&l->wq, "rwlock read");
	l->readers++;
	spin_unlock(&l->wq.lock);
	irq_restore(irq);
}

void rwlock_read_unlock(struct rwlock *l)
{
	uint64_t irq = irq_save();
	spin_lock(&l->wq.lock);
	if (--l->readers == 0)
		wake_all_locked(&l->wq);
	spin_unlock(&l->wq.lock);
	irq_restore(irq);
}

void rwlock_write_lock(struct rwlock *l)
{
	uint64_t irq = irq_save();
	spin_lock(&l->wq.lock);
	l->writers_waiting++;
	while (l->writer || l->readers)
		wait_locked(&l->wq, "rwlock write");
	l->writers_waiting--;
	l->writer = true;
	spin_unlock(&l->wq.lock);
	irq_restore(irq);
}

void rwlock_write_unlock(struct rwlock *l)
{
	uint64_t irq = irq_save();
	spin_lock(&l->wq.lock);
	l->writer = false;
	wake_all_locked(&l->wq);
	spin_unlock(&l->wq.lock);
	irq_restore(irq);
}

/* ---- semaphore and completion ---------------------------------------- */

void semaphore_init(struct semaphore *s, long count)
{
	*s = (struct semaphore)SEMAPHORE_INIT(*s, count);
}

void semaphore_down(struct semaphore *s)
{
	uint64_t irq = irq_save();
	spin_lock(&s->wq.lock);
	while (s->count == 0)
		wait_locked(&s->wq, "semaphore");
	s->count--;
	spin_unlock(&s->wq.lock);
	irq_restore(irq);
}

void semaphore_up(struct semaphore *s)
{
	uint64_t irq = irq_save();
	spin_lock(&s->wq.lock);
	s->count++;
	wake_one_locked(&s->wq);
	spin_unlock(&s->wq.lock);
	irq_restore(irq);
}

void completion_init(struct completion *c)
{
	*c = (struct completion)COMPLETION_INIT(*c);
}

void completion_wait(struct completion *c)
{
	uint64_t irq = irq_save();
	spin_lock(&c->wq.lock);
	while (!c->done)
		wait_locked(&c->wq, "completion");
	spin_unlock(&c->wq.lock);
	irq_restore(irq);
}

void completion_complete(struct completion *c)
{
	uint64_t irq = irq_save();
	spin_lock(&c->wq.lock);
	c->done = true;
	wake_all_locked(&c->wq);
	spin_unlock(&c->wq.lock);
	irq_restore(irq);
}
