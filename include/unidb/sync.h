/* SPDX-License-Identifier: MIT */
/* sync.h: synchronisation between threads.
 *
 * Spinlocks (<unidb/spinlock.h>) are for short sections and disable
 * preemption while held. Everything here may sleep ("may sleep" in
 * thread.h's sense) except the *_signal/_broadcast/up/complete calls,
 * which only wake and are callable from any context.
 *
 * Mistakes are caught at run time: taking a mutex the caller already
 * holds panics ("self-deadlock"), and so does taking two mutexes in the
 * opposite order of an earlier acquisition (lock-order inversion; checked
 * for the first SYNC_ORDER_CLASSES mutexes used). */
#ifndef UNIDB_SYNC_H
#define UNIDB_SYNC_H

#include <stdbool.h>
#include <stdint.h>
#include <unidb/list.h>
#include <unidb/spinlock.h>

/* Threads waiting for something; the building block of the rest. */
struct waitqueue {
	struct spinlock lock; /* protects waiters and its owner's state */
	struct list_node waiters;
};
#define WAITQUEUE_INIT(wq) {SPINLOCK_INIT, LIST_INIT((wq).waiters)}
void waitqueue_init(struct waitqueue *wq);

/* Sleeping lock with an owner. */
struct mutex {
	uintptr_t owner; /* struct thread *, bit 0: threads are waiting */
	struct waitqueue wq;
	const char *name;
	int order_class; /* lock-order checking: -1 unassigned */
};
#define MUTEX_INIT(m, mname) {0, WAITQUEUE_INIT((m).wq), mname, -1}
void mutex_init(struct mutex *m, const char *name);
void mutex_lock(struct mutex *m);
bool mutex_trylock(struct mutex *m); /* never sleeps */
void mutex_unlock(struct mutex *m);  /* panics if not the owner */

/* Condition variable, used with a mutex. Waiters may wake spuriously:
 * wait in a loop that re-checks the condition. */
struct condvar {
	struct waitqueue wq;
};
#define CONDVAR_INIT(c) {WAITQUEUE_INIT((c).wq)}
void condvar_init(struct condvar *c);
/* Releases m, sleeps until signalled, re-acquires m. */
void condvar_wait(struct condvar *c, struct mutex *m);
/* As condvar_wait, but returns after about ns nanoseconds at the latest
 * (the caller re-checks its condition and its deadline either way). */
void condvar_wait_ns(struct condvar *c, struct mutex *m, uint64_t ns);
void condvar_signal(struct condvar *c);
void condvar_broadcast(struct condvar *c);

/* Reader-writer lock: many readers or one writer. Writers waiting keep
 * new readers out, so writers do not starve. */
struct rwlock {
	struct waitqueue wq;
	int readers;	       /* under wq.lock */
	bool writer;	       /* under wq.lock */
	int writers_waiting;   /* under wq.lock */
};
#define RWLOCK_INIT(l) {WAITQUEUE_INIT((l).wq), 0, false, 0}
void rwlock_init(struct rwlock *l);
void rwlock_read_lock(struct rwlock *l);
void rwlock_read_unlock(struct rwlock *l);
void rwlock_write_lock(struct rwlock *l);
void rwlock_write_unlock(struct rwlock *l);

/* Counting semaphore. */
struct semaphore {
	struct waitqueue wq;
	long count; /* under wq.lock */
};
#define SEMAPHORE_INIT(s, n) {WAITQUEUE_INIT((s).wq), n}
void semaphore_init(struct semaphore *s, long count);
void semaphore_down(struct semaphore *s);
void semaphore_up(struct semaphore *s);

/* One-shot event: once completed, every wait returns at once. */
struct completion {
	struct waitqueue wq;
	bool done; /* under wq.lock */
};
#define COMPLETION_INIT(c) {WAITQUEUE_INIT((c).wq), false}
void completion_init(struct completion *c);
void completion_wait(struct completion *c);
void completion_complete(struct completion *c);

#define SYNC_ORDER_CLASSES 64

#endif
