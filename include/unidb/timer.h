/* SPDX-License-Identifier: MIT */
/* timer.h: one-shot and periodic kernel timers.
 *
 * A timer belongs to the core that started it and fires there, in
 * interrupt context with interrupts disabled: the callback must be short
 * and must not sleep (waking a thread is fine). Cores without pending
 * timers and without a second runnable thread get no timer interrupts
 * (tick-less). */
#ifndef UNIDB_TIMER_H
#define UNIDB_TIMER_H

#include <stdbool.h>
#include <stdint.h>
#include <unidb/list.h>

struct timer {
	uint64_t deadline; /* time_ns() at which it fires */
	uint64_t period;   /* 0: one-shot */
	void (*fn)(struct timer *t);
	void *arg;
	unsigned cpu;
	bool armed;
	struct list_node node; /* in its core's list, under that lock */
};

void timer_init(struct timer *t, void (*fn)(struct timer *t), void *arg);

/* Arms t on the calling core to fire delay_ns from now, then every
 * period_ns if period_ns > 0. t must not be armed. O(timers on the
 * core); callable with preemption disabled and from interrupt handlers. */
void timer_start(struct timer *t, uint64_t delay_ns, uint64_t period_ns);

/* Disarms t; returns whether it was armed. A callback of t already
 * running on another core is waited for, so t's memory may be reused on
 * return (the caller must not hold a lock the callback takes). Called
 * from t's own callback, it does not wait for itself. O(1) plus the wait.
 * Interrupts are disabled while it waits. */
bool timer_cancel(struct timer *t);

#endif
