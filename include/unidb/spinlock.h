/* SPDX-License-Identifier: MIT */
/* spinlock.h: test-and-test-and-set spinlock, portable (host tests use it).
 *
 * A spinlock is held for short, non-sleeping sections only; preemption is
 * disabled while it is held, so the holder cannot be switched out while
 * others spin. A lock that an interrupt handler also takes must be held
 * with interrupts disabled (irq_save()/irq_restore() in the kernel). */
#ifndef UNIDB_SPINLOCK_H
#define UNIDB_SPINLOCK_H

#include <stdbool.h>
#include <stdint.h>
#include <unidb/cpu.h>

struct spinlock {
	volatile uint32_t locked;
};

#define SPINLOCK_INIT {0}

static inline bool spin_try_acquire(struct spinlock *l)
{
	return __atomic_load_n(&l->locked, __ATOMIC_RELAXED) == 0 &&
	       __atomic_exchange_n(&l->locked, 1, __ATOMIC_ACQUIRE) == 0;
}

/* Releases without touching the preemption count (spin_try_acquire's
 * counterpart). */
static inline void spin_release(struct spinlock *l)
{
	__atomic_store_n(&l->locked, 0, __ATOMIC_RELEASE);
}

static inline bool spin_trylock(struct spinlock *l)
{
	preempt_disable();
	if (spin_try_acquire(l))
		return true;
	preempt_enable();
	return false;
}

static inline void spin_lock(struct spinlock *l)
{
	preempt_disable();
	while (!spin_try_acquire(l))
		while (__atomic_load_n(&l->locked, __ATOMIC_RELAXED))
			cpu_relax();
}

static inline void spin_unlock(struct spinlock *l)
{
	spin_release(l);
	preempt_enable();
}

#endif
