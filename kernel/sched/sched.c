/* SPDX-License-Identifier: MIT */
/* sched.c: per-core run queues, switching, preemption, wake-ups, idle.
 *
 * Each core owns a FIFO run queue. The running thread is not in it. A
 * switch takes only the local queue's lock: schedule() locks it, picks the
 * next thread, switches stacks, and the thread that now runs unlocks it
 * (finish_switch). A thread whose context is still being saved on one
 * core has on_cpu set; a core that picks it up waits for that to clear.
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
#include "mm/frame.h"
#include "mm/tlb.h"
#include "sched/sched.h"

#define BALANCE_DELAY_NS 50000 /* a queued thread may wait this long */
#define IDLE_POLL_NS 50000     /* an idle core polls this long, then halts */

struct rq runqueues[MAX_CPUS];
static bool sched_ready;

void switch_stack(uint64_t *save_rsp, uint64_t new_rsp);

static int preempt_count(void)
{
	return this_cpu()->preempt_count;
}

/* preempt_enable() found need_resched set. */
void preempt_resched(void)
{
	if (!sched_ready || preempt_count() || !(read_rflags() & RFLAGS_IF))
		return;
	irq_disable();
	struct thread *t = this_rq()->curr;
	if (t->state == THREAD_RUNNING && this_cpu()->need_resched)
		schedule(RFLAGS_IF);
	else
		irq_enable();
}

struct thread *thread_current(void)
{
	return sched_ready ? runqueues[cpu_id()].curr : NULL;
}

/* Returns whether a timer deadline of rq was set (the caller programs
 * the timer, on rq's core). */
static bool enqueue(struct rq *rq, struct thread *t)
{
	t->state = THREAD_RUNNABLE;
	list_add_tail(&rq->queue, &t->rq_node);
	rq->nr_queued++;
	if (rq->curr == rq->idle ||
	    (rq->slice_end && (t->pinned >= 0 || rq->balance_at)))
		return false;
	/* Someone waits for the running thread now: time slices matter,
	 * and an unpinned waiter may go to an idle core. */
	uint64_t now = time_ns();
	if (!rq->slice_end) {
		rq->slice_end = now + SCHED_SLICE_NS;
		rq->slice_switches = rq->nr_switches;
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

	__atomic_store_n(&prev->on_cpu, false, __ATOMIC_RELEASE);
	spin_unlock(&rq->lock);
	if (prev->state == THREAD_DEAD)
		thread_reap(prev);
}

void schedule(uint64_t irq)
{
	struct rq *rq = this_rq();
	struct thread *prev = rq->curr, *next;

	if (preempt_count())
		panic("sleeping while atomic: thread %s, preempt count %d",
		      prev->name, preempt_count());
	spin_lock(&rq->lock);
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
		spin_unlock(&rq->lock);
		irq_restore(irq);
		return;
	}
	while (__atomic_load_n(&next->on_cpu, __ATOMIC_ACQUIRE))
		cpu_relax(); /* still being switched out on another core */
	next->on_cpu = true;
	next->cpu = cpu_id();
	next->switches++;
	rq->nr_switches++;
	if (next != rq->idle)
		tlb_leave_idle();
	rq->curr = next;
	rq->last = prev;
	this_cpu()->thread_name = next->name;
	if (!prev->fpu_full)
		fpu_save_control(prev);
	uint32_t mxcsr = prev->mxcsr;
	uint16_t fcw = prev->fcw;

	switch_stack(&prev->rsp, next->rsp);

	/* Now running as prev again, maybe on another core; the thread we
	 * came from is in this core's rq->last. */
	rq = this_rq();
	if (prev->fpu_full)
		fpu_restore_full(prev);
	else if (prev->mxcsr != mxcsr || prev->fcw != fcw)
		fpu_restore_control(prev);
	finish_switch(rq->last);
	irq_restore(irq);
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

bool sched_wake(struct thread *t)
{
	uint64_t f = irq_save();
	bool woke = sched_wake_irqoff(t);
	irq_restore(f);
	return woke;
}

bool sched_wake_irqoff(struct thread *t)
{
	enum thread_state blocked = THREAD_BLOCKED;
	unsigned me = cpu_id();
	unsigned cpu = t->pinned >= 0 ? (unsigned)t->pinned : t->cpu;
	struct rq *rq = &runqueues[cpu];

	spin_lock(&rq->lock);
	/* Several wakers may race (e.g. a timeout and a signal): the one
	 * whose compare-and-swap succeeds queues the thread. */
	if (!__atomic_compare_exchange_n(&t->state, &blocked, THREAD_RUNNABLE,
					 false, __ATOMIC_ACQ_REL,
					 __ATOMIC_ACQUIRE)) {
		spin_unlock(&rq->lock);
		return false;
	}
	t->cpu = cpu;
	bool deadline = enqueue(rq, t);
	bool idle = rq->curr == rq->idle;
	spin_unlock(&rq->lock);
	if (cpu == me) {
		if (idle)
			this_cpu()->need_resched = true;
		else if (deadline)
			sched_program_timer();
	} else {
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		/* An idle core that polls sees the queue by itself; one in
		 * hlt, or running a thread, needs to be told. */
		if (!idle || rq->idle_halted)
			kick(cpu);
	}
	return true;
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

__attribute__((noreturn)) static void idle_loop(void)
{
	struct rq *rq = this_rq();

	for (;;) {
		uint64_t f = irq_save();
		if (idle_work(rq) || steal(rq) || job_idle()) {
			schedule(f);
			continue;
		}
		/* Poll before halting: a thread that blocked a moment ago is
		 * often woken a moment later, and waking a halted core costs
		 * an IPI and the VMM's wake-up of the vCPU (tens of us). */
		irq_restore(f);
		uint64_t until = rq->idle_mode == SCHED_IDLE_POLL
				     ? UINT64_MAX
				     : time_ns() + IDLE_POLL_NS;
		while (!idle_work(rq) && time_ns() < until)
			cpu_relax();
		f = irq_save();
		if (idle_work(rq)) {
			irq_restore(f);
			continue;
		}
		rq->idle_halted = true;
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		tlb_enter_idle();
		sched_program_timer();
		if (idle_work(rq))
			irq_enable();
		else
			irq_enable_and_halt(); /* woken by any interrupt */
		rq->idle_halted = false;
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
	struct rq *rq = this_rq();
	uint64_t at = timer_next_deadline();

	if (rq->slice_end && rq->slice_end < at)
		at = rq->slice_end;
	if (rq->balance_at && rq->balance_at < at)
		at = rq->balance_at;
	/* Only ever move the interrupt earlier: one that comes too early
	 * finds nothing due, and sched_tick() sets the next. This keeps
	 * device writes off the switch path. */
	if (at >= rq->timer_at)
		return;
	rq->timer_at = at;
	uint64_t now = time_ns();
	lapic_timer_oneshot(at > now + 1000 ? at - now : 1000);
}

/* Wakes one halted idle core, which will steal from the busiest queue. */
static void balance(struct rq *rq)
{
	unsigned me = cpu_id(), n = cpu_count();

	rq->balance_at = 0;
	if (!rq->nr_queued)
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
		rq->slice_end = busy ? now + SCHED_SLICE_NS : 0;
		rq->slice_switches = rq->nr_switches;
	}
	sched_program_timer();
}

static void resched_ipi(struct trap_frame *f)
{
	struct rq *rq = this_rq();
	if (rq->curr == rq->idle)
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
	if (!this_cpu()->need_resched || preempt_count() || !(f->rflags & RFLAGS_IF))
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
	this_cpu()->thread_name = curr->name;
}

void sched_init(uint64_t stack_lo, uint64_t stack_hi)
{
	for (unsigned i = 0; i < MAX_CPUS; i++) {
		list_init(&runqueues[i].queue);
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
