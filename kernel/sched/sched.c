/* SPDX-License-Identifier: MIT */
/* sched.c: per-core run queues, switching, preemption, wake-ups, idle.
 *
 * Each core owns a FIFO run queue. The running thread is not in it. A
 * switch takes only the local queue's lock: sched_switch() locks it, picks the
 * next thread, switches stacks, and the thread that now runs unlocks it
 * (finish_switch). A thread whose context is still being saved on one
 * core has on_cpu set; a core that picks it up waits for that to clear.
 *
 * Interrupt handlers never take a run-queue lock, so thread context takes
 * it without disabling interrupts (the cheap path for park/unpark): a
 * wake-up from a handler claims the thread (its state CAS) and leaves it
 * on this core's wake list, which the core applies once it has left the
 * handler and holds no spinlock (sched_irq_exit(), preempt_enable()). A
 * voluntary switch may therefore run with interrupts enabled; the thread
 * switched to sets the interrupt flag it wants itself.
 *
 * Wake-ups put a thread back on the queue of the core it last ran on (or
 * its pinned core) and send that core an IPI when it sleeps in hlt or
 * needs to start a time slice. Idle cores steal queued threads from busy
 * ones; a core that queues a thread behind a running one arms a short
 * balance timer, and if the thread still waits when it fires, an idle
 * core is woken to steal it. Time slices are enforced by the LAPIC timer,
 * which is programmed only when needed (tick-less). */
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <unidb/errno.h>
#include <unidb/panic.h>
#include <unidb/printk.h>
#include <unidb/time.h>

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/lapic.h"
#include "arch/x86_64/x86.h"
#include "core/delay.h"
#include "mm/frame.h"
#include "mm/tlb.h"
#include "sched/sched.h"

#define BALANCE_DELAY_NS 50000 /* a queued thread may wait this long */
#define IDLE_POLL_NS 50000     /* an idle core polls at most this long */
#define IDLE_POLL_GROW_NS 10000 /* the window a shrunk poll grows back to */

struct rq runqueues[MAX_CPUS];
static bool sched_ready;

void switch_stack(uint64_t *save_rsp, uint64_t new_rsp);

static int preempt_count(void)
{
	return this_cpu()->preempt_count;
}

static void wake_apply(void);

/* Interrupts on or off (irq says which), preemption enabled: applies
 * wake-ups deferred by interrupt handlers and says whether the current
 * thread should switch away now, which it may only with interrupts on.
 * Returns with interrupts off if so, else with them as irq says. */
static bool resched_slow(uint64_t irq)
{
	irq_disable();
	if (this_cpu()->wake_pending)
		wake_apply();
	struct thread *t = this_rq()->curr;
	if (irq && t->state == THREAD_RUNNING && this_cpu()->need_resched)
		return true;
	irq_restore(irq);
	return false;
}

/* resched_slow() if one of the two flags is set. */
static inline bool resched_pending(uint64_t irq)
{
	return __builtin_expect(preempt_resched_flags(), 0) &&
	       resched_slow(irq);
}

/* preempt_enable() found need_resched or wake_pending set. */
void preempt_resched(void)
{
	if (!sched_ready || preempt_count())
		return;
	uint64_t irq = irq_state();
	if (resched_pending(irq))
		sched_switch(false, irq);
}

/* Queues t on rq (its lock held). Time slices start once a thread waits
 * for another: one queued behind a running thread, or the second queued
 * on an idle core (the first will run). Returns whether a deadline of rq
 * was set (rq's core must program its timer). */
static inline bool enqueue(struct rq *rq, struct thread *t)
{
	t->state = THREAD_RUNNABLE;
	list_add_tail(&rq->queue, &t->rq_node);
	unsigned queued = ++rq->nr_queued;
	/* rq's tick clears slice_end and balance_at without the lock (it
	 * is an interrupt): it clears, then looks at nr_queued; we count,
	 * then look at the deadlines, so one of the two sees the other
	 * (slice_next(), balance()). The tick of this core comes between
	 * two lines here, so the compiler's order is enough; another core's
	 * needs a fence. */
	if (rq != this_rq())
		memory_fence();
	else
		__asm__ volatile("" ::: "memory");
	DELAY_POINT("sched.enqueue.counted");
	/* The thread to run next is not waiting: the one the idle core
	 * will pick, or the running one putting itself back. */
	bool next_queued = rq->curr == rq->idle || rq->curr == t;
	if (queued == (unsigned)next_queued ||
	    (rq->slice_end && (t->pinned >= 0 || rq->balance_at)))
		return false;
	/* Someone waits for the running thread now: time slices matter,
	 * and an unpinned waiter may go to an idle core. */
	uint64_t now = time_ns();
	if (!rq->slice_end) {
		rq->slice_switches = rq->nr_switches;
		rq->slice_end = now + SCHED_SLICE_NS;
	}
	if (t->pinned < 0 && !rq->balance_at)
		rq->balance_at = now + BALANCE_DELAY_NS;
	return true;
}

static struct thread *dequeue(struct rq *rq)
{
	if (list_empty(&rq->queue))
		return NULL;
	struct thread *t = list_entry(rq->queue.next, struct thread, rq_node);
	list_del(&t->rq_node);
	rq->nr_queued--;
	return t;
}

/* The lock handed over by the switch is released by whoever runs next. */
static void finish_switch(struct thread *prev)
{
	struct rq *rq = this_rq();
	/* Read while prev is still ours: once on_cpu is clear and the lock
	 * released, another core may run it (a yielded thread is stolen), to
	 * its end, and reap it there. A thread that was dead here can be
	 * switched to by no one, so it is reaped here and only here. */
	bool dead = prev->state == THREAD_DEAD;

	__atomic_store_n(&prev->on_cpu, false, __ATOMIC_RELEASE);
	/* No switch from here: the caller is in the middle of one (see
	 * sched_switch() for what it does with flags set meanwhile). */
	spin_release(&rq->lock);
	DELAY_POINT("sched.finish_switch.unlocked");
	if (dead)
		thread_reap(prev);
	preempt_enable_no_resched();
}

/* Sets the interrupt flag from `on` to `want` (RFLAGS_IF or 0). */
static inline void irq_set(bool on, uint64_t want)
{
	if (want && !on)
		irq_enable();
	else if (!want && on)
		irq_disable();
}

/* Time the idle thread held the core (sched_idle_ns). Under rq->lock.
 * The clock is read only when idle is involved: a switch between two
 * threads reads none. */
static void idle_account(struct rq *rq, struct thread *prev,
			 struct thread *next)
{
	if (prev != rq->idle && next != rq->idle)
		return;
	uint64_t now = time_ns();
	if (prev == rq->idle)
		rq->idle_ns += now - rq->idle_since;
	if (next == rq->idle)
		rq->idle_since = now;
}

static inline __attribute__((always_inline)) void switch_once(bool irq_on,
								    uint64_t irq)
{
	if (preempt_count())
		panic("sleeping while atomic: thread %s, preempt count %d",
		      thread_current()->name, preempt_count());
	/* Preemption off before this core's queue is read: a voluntary
	 * switch may run with interrupts on, and a thread preempted between
	 * this_rq() and the lock could resume on another core and switch
	 * with this core's queue and its `curr` (found by
	 * stress_sched_background_relay: a yield preempted by the IPI for a
	 * background thread, then stolen). spin_lock without its own
	 * preempt_disable, so finish_switch's one enable still matches. */
	preempt_disable();
	struct rq *rq = this_rq();
	struct thread *prev = rq->curr, *next;
	while (!spin_try_acquire(&rq->lock))
		cpu_relax();
	this_cpu()->need_resched = false;
	if (prev->state == THREAD_RUNNING && prev != rq->idle &&
	    enqueue(rq, prev))
		sched_program_timer();
	next = dequeue(rq);
	if (!next)
		next = rq->idle;
	next->state = THREAD_RUNNING;
	if (next == prev) {
		prev->fpu_full = false; /* registers are still live */
		spin_release(&rq->lock);
		preempt_enable_no_resched();
		irq_set(irq_on, irq);
		return;
	}
	while (__atomic_load_n(&next->on_cpu, __ATOMIC_ACQUIRE))
		cpu_relax(); /* still being switched out on another core */
	next->on_cpu = true;
	next->cpu = cpu_id();
	next->switches++;
	rq->nr_switches++;
	if (prev == rq->idle) /* only the idle thread enters the idle TLB state */
		tlb_leave_idle();
	idle_account(rq, prev, next);
	rq->curr = next;
	rq->last = prev;
	rq->last_irq_on = irq_on;
	this_cpu()->thread = next;
	this_cpu()->thread_name = next->name;
	if (!prev->fpu_full)
		fpu_save_control(prev);

	switch_stack(&prev->rsp, next->rsp);

	/* Now running as prev again, maybe on another core; the thread we
	 * came from is in this core's rq->last, and left the interrupt
	 * flag as rq->last_irq_on says, and its control words in the
	 * registers. */
	rq = this_rq();
	irq_set(rq->last_irq_on, irq);
	if (prev->fpu_full)
		fpu_restore_full(prev);
	else
		fpu_resume_control(prev, rq->last);
	finish_switch(rq->last);
}

/* A switch back here may find wake-ups deferred or a switch asked for
 * while it held the lock; they are handled in a loop, not by nesting a
 * switch inside this one's tail, which would grow the stack at each
 * resume. */
static inline __attribute__((always_inline)) void switch_loop(bool irq_on,
								 uint64_t irq)
{
	do {
		switch_once(irq_on, irq);
		irq_on = false;
	} while (resched_pending(irq));
}

void sched_switch(bool irq_on, uint64_t irq)
{
	switch_loop(irq_on, irq);
}

void schedule(uint64_t irq)
{
	sched_switch(false, irq);
}

/* First code of every new thread, reached from thread_start (switch.S)
 * with interrupts disabled and this core's queue lock held. */
void thread_boot(void)
{
	struct rq *rq = this_rq();
	struct thread *t = rq->curr;

	fpu_restore_control(t);
	finish_switch(rq->last);
	irq_enable();
	preempt_resched();
	t->entry(t->arg);
	thread_exit();
}

void sched_block(const char *reason, void *obj, uint64_t irq)
{
	struct thread *t = this_rq()->curr;

	t->wait_reason = reason;
	t->wait_obj = obj;
	schedule(irq);
	t->wait_reason = NULL;
	t->wait_obj = NULL;
}

static void kick(unsigned cpu)
{
	lapic_send_ipi(cpus[cpu]->apic_id, VEC_RESCHED);
}

/* Interrupt context: t is already claimed (RUNNABLE, in no queue). */
static void wake_defer(struct thread *t)
{
	struct rq *rq = this_rq();

	t->wake_next = rq->wake_list;
	rq->wake_list = t;
	this_cpu()->wake_pending = true;
}

/* One %gs-relative load: exact even if the thread moves to another core
 * right after it (this_cpu()->irq_depth, two loads, could read the core
 * it just left, maybe inside a handler). */
static inline bool in_interrupt(void)
{
	unsigned depth;
	__asm__ volatile("movl %%gs:%c1, %0"
			 : "=r"(depth)
			 : "i"(offsetof(struct cpu, irq_depth)));
	return depth;
}

static bool claim(struct thread *t)
{
	enum thread_state blocked = THREAD_BLOCKED;
	return __atomic_compare_exchange_n(&t->state, &blocked,
					   THREAD_RUNNABLE, false,
					   __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE);
}

/* Queues a claimed thread and tells its core. */
static inline __attribute__((always_inline)) void wake_enqueue(struct thread *t)
{
	unsigned cpu = t->pinned >= 0 ? (unsigned)t->pinned : t->cpu;
	struct rq *rq = &runqueues[cpu];

	spin_lock(&rq->lock);
	/* Preemption stays disabled to the end: read before, `me` could
	 * name a core the waker has since left, and a halted target would
	 * get no IPI. */
	unsigned me = cpu_id();
	t->cpu = cpu;
	bool deadline = enqueue(rq, t);
	bool idle = rq->curr == rq->idle;
	bool yields = rq->curr->background && rq->curr != t;
	spin_release(&rq->lock);
	DELAY_POINT("sched.wake_enqueue.unlocked");
	if (cpu == me) {
		if (idle || yields)
			this_cpu()->need_resched = true;
		else if (deadline)
			sched_program_timer();
	} else {
		memory_fence();
		/* An idle core that polls sees the queue by itself; one in
		 * hlt, or running a thread (a background one switches at
		 * once: resched_ipi), or that must program a new deadline,
		 * needs to be told. */
		if (!idle || deadline || rq->idle_halted)
			kick(cpu);
	}
	preempt_enable();
}

/* Interrupts off, no spinlock held: queues what handlers woke. An
 * interrupt that comes meanwhile sets wake_pending again. */
static void wake_apply(void)
{
	struct rq *rq = this_rq();

	this_cpu()->wake_pending = false;
	struct thread *t = rq->wake_list;
	rq->wake_list = NULL;
	while (t) {
		struct thread *n = t->wake_next;
		wake_enqueue(t);
		t = n;
	}
}

static inline __attribute__((always_inline)) bool wake(struct thread *t)
{
	/* Several wakers may race (e.g. a timeout and a signal): the one
	 * whose compare-and-swap succeeds queues the thread. */
	if (!claim(t))
		return false;
	if (in_interrupt())
		wake_defer(t);
	else
		wake_enqueue(t);
	return true;
}

bool sched_wake(struct thread *t)
{
	return wake(t);
}

/* park/unpark are the scheduler's fastest block/wake pair: no interrupt
 * flag changes and no call out of this file on the way (calls are what
 * an emulator charges most for). */
void thread_park(void)
{
	struct thread *me = thread_current();

	for (;;) {
		/* A plain load first: the token is usually not there yet. */
		if (__atomic_load_n(&me->park_token, __ATOMIC_RELAXED) &&
		    __atomic_exchange_n(&me->park_token, false, __ATOMIC_ACQUIRE))
			return;
		uint64_t irq = irq_state();
		me->state = THREAD_BLOCKED;
		/* Pairs with the fence in thread_unpark(): either it sees us
		 * blocked, or we see its token. */
		memory_fence();
		DELAY_POINT("sched.park.blocked");
		enum thread_state blocked = THREAD_BLOCKED;
		if (__atomic_load_n(&me->park_token, __ATOMIC_RELAXED) &&
		    __atomic_compare_exchange_n(&me->state, &blocked,
						THREAD_RUNNING, false,
						__ATOMIC_ACQ_REL,
						__ATOMIC_RELAXED))
			continue;
		/* Blocked, or already queued again by the unpark: either
		 * way the switch does the right thing. */
		me->wait_reason = "park";
		switch_loop(irq, irq);
		me->wait_reason = NULL;
	}
}

void thread_unpark(struct thread *t)
{
	__atomic_store_n(&t->park_token, true, __ATOMIC_RELEASE);
	memory_fence();
	DELAY_POINT("sched.unpark.token");
	if (__atomic_load_n(&t->state, __ATOMIC_RELAXED) == THREAD_BLOCKED)
		wake(t);
}

/* Queues a new thread on this core, or on the core it is pinned to. */
void sched_add_new(struct thread *t)
{
	t->state = THREAD_BLOCKED;
	sched_wake(t);
}

/* Takes one queued, unpinned thread from the busiest other core. Called
 * by an idle core with interrupts disabled. */
static bool steal(struct rq *rq)
{
	unsigned me = cpu_id(), n = cpu_count(), best = me, most = 0;

	for (unsigned i = 0; i < n; i++) {
		unsigned q = __atomic_load_n(&runqueues[i].nr_queued,
					     __ATOMIC_RELAXED);
		if (i != me && q > most) {
			most = q;
			best = i;
		}
	}
	if (best == me)
		return false;
	struct rq *victim = &runqueues[best];
	struct thread *t = NULL;
	if (!spin_trylock(&victim->lock))
		return false;
	for (struct list_node *p = victim->queue.next; p != &victim->queue;
	     p = p->next) {
		struct thread *c = list_entry(p, struct thread, rq_node);
		if (c->pinned < 0 && !c->on_cpu) {
			t = c;
			list_del(&t->rq_node);
			victim->nr_queued--;
			break;
		}
	}
	spin_unlock(&victim->lock);
	if (!t)
		return false;
	spin_lock(&rq->lock);
	t->cpu = me;
	enqueue(rq, t);
	rq->steals++;
	spin_unlock(&rq->lock);
	return true;
}

static bool idle_work(struct rq *rq)
{
	return __atomic_load_n(&rq->nr_queued, __ATOMIC_ACQUIRE) || this_cpu()->need_resched;
}

/* The idle loop's polling window adapts to how soon work comes after a
 * halt, as Linux's cpuidle-haltpoll does: a wake-up that a window of
 * IDLE_POLL_NS would have caught doubles the window, a longer sleep
 * halves it. Where wake-ups come quickly (a busy server on KVM) the core
 * polls and wakes without an IPI; where they come late (a round trip
 * through TCG's device model takes hundreds of us) polling only burns a
 * host CPU that QEMU's I/O thread and the clients need, and stops. */
static void poll_adapt(struct rq *rq, uint64_t halted_ns)
{
	if (halted_ns <= IDLE_POLL_NS && rq->poll_ns < IDLE_POLL_NS) {
		rq->poll_ns = rq->poll_ns < IDLE_POLL_GROW_NS / 2
				  ? IDLE_POLL_GROW_NS
				  : 2 * rq->poll_ns;
		if (rq->poll_ns > IDLE_POLL_NS)
			rq->poll_ns = IDLE_POLL_NS;
	} else if (halted_ns > IDLE_POLL_NS) {
		rq->poll_ns /= 2;
		if (rq->poll_ns < IDLE_POLL_GROW_NS / 4)
			rq->poll_ns = 0;
	}
}

__attribute__((noreturn)) static void idle_loop(void)
{
	struct rq *rq = this_rq();

	for (;;) {
		uint64_t f = irq_save();
		if (idle_work(rq) || steal(rq) || job_idle()) {
			DELAY_POINT("sched.idle.found_work");
			schedule(f);
			continue;
		}
		/* Poll before halting: a thread that blocked a moment ago is
		 * often woken a moment later, and waking a halted core costs
		 * an IPI and the VMM's wake-up of the vCPU (tens of us). */
		irq_restore(f);
		uint64_t until = time_ns() + rq->poll_ns;
		while (!idle_work(rq) && time_ns() < until)
			cpu_relax();
		f = irq_save();
		/* A polling core looks for threads to steal and jobs to help
		 * with again, as often as a halting one would stop polling. */
		if (idle_work(rq) || rq->idle_mode == SCHED_IDLE_POLL) {
			irq_restore(f);
			continue;
		}
		rq->idle_halted = true;
		memory_fence();
		tlb_enter_idle();
		sched_program_timer();
		uint64_t halted = time_ns();
		if (idle_work(rq))
			irq_enable();
		else
			irq_enable_and_halt(); /* woken by any interrupt */
		rq->idle_halted = false;
		poll_adapt(rq, time_ns() - halted);
	}
}

bool steal_candidate(void)
{
	unsigned me = cpu_id(), n = cpu_count();
	for (unsigned i = 0; i < n; i++)
		if (i != me &&
		    __atomic_load_n(&runqueues[i].nr_queued, __ATOMIC_RELAXED))
			return true;
	return false;
}

void sched_program_timer(void)
{
	uint64_t f = irq_save(); /* against the tick, which programs too */
	struct rq *rq = this_rq();
	uint64_t at = timer_next_deadline();

	if (rq->slice_end && rq->slice_end < at)
		at = rq->slice_end;
	if (rq->balance_at && rq->balance_at < at)
		at = rq->balance_at;
	/* Only ever move the interrupt earlier: one that comes too early
	 * finds nothing due, and sched_tick() sets the next. This keeps
	 * device writes off the switch path. */
	if (at < rq->timer_at) {
		rq->timer_at = at;
		uint64_t now = time_ns();
		lapic_timer_oneshot(at > now + 1000 ? at - now : 1000);
	}
	irq_restore(f);
}

/* Wakes one halted idle core, which will steal from the busiest queue. */
static void balance(struct rq *rq)
{
	unsigned me = cpu_id(), n = cpu_count();

	rq->balance_at = 0;
	memory_fence(); /* cleared, then counted: see enqueue() */
	DELAY_POINT("sched.balance.cleared");
	if (!__atomic_load_n(&rq->nr_queued, __ATOMIC_RELAXED))
		return;
	for (unsigned i = 1; i < n; i++) {
		unsigned c = (me + i) % n;
		struct rq *o = &runqueues[c];
		if (o->curr == o->idle && o->idle_halted) {
			kick(c);
			return;
		}
	}
}

/* The tick at the end of a slice: starts the next one if a thread waits,
 * else stops slicing. Another core may queue a thread meanwhile and,
 * finding the old slice set, leave it to us (we cannot take its lock):
 * the slice is cleared before the queue is looked at again, so either we
 * see that thread or it sees no slice and starts one (enqueue()). */
static void slice_next(struct rq *rq, uint64_t now, bool busy)
{
	rq->slice_switches = rq->nr_switches;
	if (!busy) {
		__atomic_store_n(&rq->slice_end, 0, __ATOMIC_RELAXED);
		memory_fence();
		if (!__atomic_load_n(&rq->nr_queued, __ATOMIC_RELAXED))
			return;
	}
	rq->slice_end = now + SCHED_SLICE_NS;
}

/* LAPIC timer interrupt. */
void sched_tick(void)
{
	struct rq *rq = this_rq();
	uint64_t now = time_ns();

	rq->timer_at = UINT64_MAX; /* the one-shot has fired */
	timer_run_expired();
	if (rq->balance_at && now >= rq->balance_at)
		balance(rq);
	/* Preempt a thread that ran through a whole slice while others
	 * waited; no time is read on the switch path, so a thread gets
	 * between one and two slices. */
	if (rq->slice_end && now >= rq->slice_end) {
		bool busy = rq->curr != rq->idle && rq->nr_queued;
		if (busy && rq->nr_switches == rq->slice_switches)
			this_cpu()->need_resched = true;
		DELAY_POINT("sched.tick.slice");
		slice_next(rq, now, busy);
	}
	sched_program_timer();
}

static void resched_ipi(struct trap_frame *f)
{
	struct rq *rq = this_rq();
	if (rq->curr == rq->idle ||
	    (rq->curr->background && rq->nr_queued))
		this_cpu()->need_resched = true;
	sched_program_timer();
}

static void timer_irq(struct trap_frame *f)
{
	this_cpu()->timer_ticks++;
	if (sched_ready)
		sched_tick();
}

void sched_irq_exit(const struct trap_frame *f)
{
	if (!sched_ready)
		return;
	struct rq *rq = this_rq();
	if (preempt_count())
		return;
	if (this_cpu()->wake_pending)
		wake_apply();
	if (!this_cpu()->need_resched || !(f->rflags & RFLAGS_IF))
		return;
	struct thread *t = rq->curr;
	if (t->state != THREAD_RUNNING)
		return; /* on its way to schedule() by itself */
	if (t != rq->idle) {
		fpu_save_full(t);
		rq->preemptions++;
	}
	schedule(0); /* iretq restores the interrupted IF */
}

uint64_t sched_idle_ns(unsigned cpu)
{
	if (cpu >= cpu_count())
		return 0;
	const struct rq *rq = &runqueues[cpu];
	uint64_t since = rq->idle_since, ns = rq->idle_ns;
	/* An idle stretch in progress counts up to now (racy by one switch:
	 * good enough for a report). */
	return rq->curr == rq->idle && since ? ns + (time_ns() - since) : ns;
}

int sched_set_idle_mode(unsigned cpu, enum sched_idle_mode mode)
{
	if (cpu >= cpu_count() ||
	    (mode != SCHED_IDLE_HALT && mode != SCHED_IDLE_POLL))
		return -EINVAL;
	runqueues[cpu].idle_mode = mode;
	if (cpu != cpu_id())
		kick(cpu); /* leave hlt to notice */
	return 0;
}

/* The context that runs the boot code of a core becomes a thread. */
static struct thread *adopt_context(const char *name, uint64_t stack_lo,
				    uint64_t stack_hi)
{
	paddr_t pa = frame_alloc_zeroed(1);
	if (!pa)
		panic("sched: no memory for a boot thread");
	struct thread *t = thread_init_meta(phys_to_virt(pa), name);
	t->stack_lo = stack_lo;
	t->stack_hi = stack_hi;
	t->state = THREAD_RUNNING;
	t->on_cpu = true;
	t->cpu = cpu_id();
	t->pinned = cpu_id();
	thread_register(t);
	return t;
}

static void cpu_sched_init(struct thread *curr, struct thread *idle)
{
	struct rq *rq = this_rq();

	rq->curr = curr;
	rq->idle = idle;
	this_cpu()->thread = curr;
	this_cpu()->thread_name = curr->name;
}

void sched_init(uint64_t stack_lo, uint64_t stack_hi)
{
	for (unsigned i = 0; i < MAX_CPUS; i++) {
		list_init(&runqueues[i].queue);
		runqueues[i].poll_ns = IDLE_POLL_NS;
		runqueues[i].timer_at = UINT64_MAX;
		timer_list_init(i);
	}
	irq_set_handler(VEC_LAPIC_TIMER, timer_irq);
	irq_set_handler(VEC_RESCHED, resched_ipi);
	fpu_init_cpu();
	thread_check_meta_size();

	struct thread *main = adopt_context("main", stack_lo, stack_hi);
	struct thread_attr attr = {.cpu = 0};
	struct thread *idle = thread_new("idle0", NULL, NULL, &attr);
	if (!idle)
		panic("sched: no memory for the idle thread");
	idle->entry = (void (*)(void *))idle_loop;
	idle->pinned = 0;
	thread_register(idle);
	cpu_sched_init(main, idle);
	sched_ready = true;
}

void sched_start_cpu(uint64_t stack_lo, uint64_t stack_hi)
{
	char name[16];

	fpu_init_cpu();
	snprintf(name, sizeof(name), "idle%u", cpu_id());
	struct thread *idle = adopt_context(name, stack_lo, stack_hi);
	cpu_sched_init(idle, idle);
	cpu_set_online(this_cpu());
	idle_loop();
}
