/* SPDX-License-Identifier: MIT */
/* thread.c: creating, ending, joining and listing threads.
 *
 * A thread's memory is one stack slot (stack.c): the stack, and above it
 * struct thread and its FPU area. An ended thread is freed by its joiner,
 * or, if detached, by the core that switched away from it for the last
 * time (thread_reap, from finish_switch) -- never by itself, since it
 * runs on that stack until the switch. all_lock protects the list of all
 * threads, taken only to add, remove and list (not on any switch path). */
#include <stdio.h>
#include <string.h>
#include <unidb/errno.h>
#include <unidb/panic.h>
#include <unidb/printk.h>
#include <unidb/time.h>
#include <unidb/timer.h>

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/x86.h"
#include "core/delay.h"
#include "core/panic.h"
#include "sched/sched.h"

#define MXCSR_DEFAULT 0x1f80
#define FCW_DEFAULT 0x037f
#define FPU_OFFSET ((sizeof(struct thread) + 63) & ~63UL)

extern void thread_start(void);

static struct spinlock all_lock = SPINLOCK_INIT;
static struct list_node all_threads = LIST_INIT(all_threads);
static uint64_t next_id = 1;

void thread_check_meta_size(void)
{
	if (FPU_OFFSET + fpu_area_size() + sizeof(struct stack) >
	    STACK_META_SIZE)
		panic("sched: FPU area of %u bytes does not fit a thread slot",
		      fpu_area_size());
}

struct thread *thread_init_meta(void *meta, const char *name)
{
	struct thread *t = meta;

	memset(t, 0, sizeof(*t));
	strlcpy(t->name, name, sizeof(t->name));
	t->fpu = (uint8_t *)meta + FPU_OFFSET;
	fpu_area_init(t->fpu);
	t->mxcsr = MXCSR_DEFAULT;
	t->fcw = FCW_DEFAULT;
	t->pinned = THREAD_ANY_CPU;
	list_init(&t->rq_node);
	return t;
}

void thread_register(struct thread *t)
{
	t->id = __atomic_fetch_add(&next_id, 1, __ATOMIC_RELAXED);
	uint64_t f = irq_save();
	spin_lock(&all_lock);
	list_add_tail(&all_threads, &t->all_node);
	spin_unlock(&all_lock);
	irq_restore(f);
}

struct thread *thread_new(const char *name, void (*entry)(void *), void *arg,
			  const struct thread_attr *attr)
{
	size_t size = attr && attr->stack_size ? attr->stack_size
					       : THREAD_STACK_DEFAULT;
	int cpu = attr ? attr->cpu : THREAD_ANY_CPU;

	size = (size + 4095) & ~4095UL;
	if (size > THREAD_STACK_MAX || cpu < THREAD_ANY_CPU ||
	    (cpu >= 0 && (unsigned)cpu >= cpu_count()))
		return NULL;
	struct stack *s = stack_get(size);
	if (!s)
		return NULL;
	struct thread *t = thread_init_meta(s->meta, name);
	t->stack = s;
	t->stack_lo = s->lo;
	t->stack_hi = s->lo + s->size;
	t->entry = entry;
	t->arg = arg;
	t->pinned = cpu;
	t->background = attr && attr->background;
	t->cpu = cpu >= 0 ? (unsigned)cpu : cpu_id();

	/* What switch_stack pops: rbp rbx r12-r15 (zero), then returns to
	 * thread_start with %rsp 16-byte aligned. */
	uint64_t *sp = (uint64_t *)(t->stack_hi - 16);
	*--sp = (uint64_t)thread_start;
	for (int i = 0; i < 6; i++)
		*--sp = 0;
	t->rsp = (uint64_t)sp;
	return t;
}

struct thread *thread_create(const char *name, void (*entry)(void *),
			     void *arg, const struct thread_attr *attr)
{
	struct thread *t = thread_new(name, entry, arg, attr);
	if (!t)
		return NULL;
	thread_register(t);
	sched_add_new(t);
	return t;
}

static void thread_free(struct thread *t)
{
	uint64_t f = irq_save();
	spin_lock(&all_lock);
	list_del(&t->all_node);
	spin_unlock(&all_lock);
	irq_restore(f);
	stack_put(t->stack);
}

void thread_exit(void)
{
	irq_disable();
	struct thread *t = thread_current();
	t->state = THREAD_DEAD;
	schedule(0);
	panic("thread_exit: dead thread %s ran again", t->name);
}

/* Called once t's context is gone (finish_switch), preemption disabled. */
void thread_reap(struct thread *t)
{
	spin_lock(&t->lock);
	t->ended = true;
	struct thread *joiner = t->joiner;
	bool detached = t->detached;
	spin_unlock(&t->lock);
	if (detached)
		thread_free(t);
	else if (joiner)
		sched_wake(joiner);
}

int thread_join(struct thread *t)
{
	struct thread *me = thread_current();

	if (!t || t == me || t->detached || t->joiner)
		return -EINVAL;
	for (;;) {
		uint64_t f = irq_save();
		spin_lock(&t->lock);
		if (t->ended) {
			spin_unlock(&t->lock);
			irq_restore(f);
			break;
		}
		t->joiner = me;
		me->state = THREAD_BLOCKED;
		spin_unlock(&t->lock);
		sched_block("join", t, f);
	}
	thread_free(t);
	return 0;
}

void thread_detach(struct thread *t)
{
	uint64_t f = irq_save();
	spin_lock(&t->lock);
	bool ended = t->ended;
	t->detached = true;
	spin_unlock(&t->lock);
	irq_restore(f);
	if (ended)
		thread_free(t);
}

void thread_yield(void)
{
	uint64_t irq = irq_state();
	sched_switch(irq, irq);
}

bool thread_set_background(bool on)
{
	struct thread *me = thread_current();
	bool was = me->background;

	/* Other cores read it under their run-queue lock when they wake a
	 * thread here; a stale value only delays that switch to the next
	 * slice. */
	__atomic_store_n(&me->background, on, __ATOMIC_RELAXED);
	if (on && !was)
		thread_yield();
	return was;
}

static void sleep_done(struct timer *tm)
{
	sched_wake(tm->arg);
}

/* Woken by the timer, or early by someone else (thread_unpark wakes any
 * blocked thread), maybe on another core than the timer's: sleeps on
 * until the timer has fired. BLOCKED is published before the timer is
 * looked at, so a timer that fires after the look finds the thread
 * blocked and wakes it; one that fired before is seen disarmed, and the
 * thread takes itself back unless its wake-up claimed it first (then the
 * switch puts it where the wake-up queued it). The timer lives on this
 * stack: timer_cancel() returns once no core runs its callback. */
void thread_sleep_ns(uint64_t ns)
{
	struct thread *me = thread_current();
	struct timer tm;

	timer_init(&tm, sleep_done, me);
	uint64_t f = irq_save();
	me->state = THREAD_BLOCKED;
	timer_start(&tm, ns, 0); /* fires on this core: not before we block */
	for (;;) {
		sched_block("sleep", &tm, 0);
		me->state = THREAD_BLOCKED;
		memory_fence();
		DELAY_POINT("sched.sleep.recheck");
		enum thread_state blocked = THREAD_BLOCKED;
		if (!__atomic_load_n(&tm.armed, __ATOMIC_ACQUIRE) &&
		    __atomic_compare_exchange_n(&me->state, &blocked,
						THREAD_RUNNING, false,
						__ATOMIC_ACQ_REL,
						__ATOMIC_RELAXED))
			break;
	}
	timer_cancel(&tm);
	irq_restore(f);
}

const char *thread_name(const struct thread *t)
{
	return t->name;
}

uint64_t thread_id(const struct thread *t)
{
	return t->id;
}

void *thread_local(void)
{
	return thread_current()->local;
}

void thread_set_local(void *p)
{
	thread_current()->local = p;
}

static const char *state_name(const struct thread *t)
{
	static const char *const names[] = {"running", "runnable", "blocked",
					    "dead"};
	return names[t->state];
}

int sched_threads(struct thread_info *out, int max)
{
	int n = 0;
	uint64_t f = irq_save();
	spin_lock(&all_lock);
	for (struct list_node *p = all_threads.next; p != &all_threads;
	     p = p->next, n++) {
		struct thread *t = list_entry(p, struct thread, all_node);
		if (n >= max)
			continue;
		out[n] = (struct thread_info){
		    .id = t->id,
		    .state = state_name(t),
		    .cpu = t->cpu,
		    .pinned = t->pinned,
		    .wait_reason = t->wait_reason,
		    .switches = t->switches,
		};
		memcpy(out[n].name, t->name, sizeof(out[n].name));
	}
	spin_unlock(&all_lock);
	irq_restore(f);
	return n;
}

/* Interrupts are off while the list is walked, so the threads stay. */
void sched_dump(void)
{
	uint64_t f = irq_save();
	spin_lock(&all_lock);
	printk("  id name                    state     cpu pin  switches "
	       "waits on\n");
	for (struct list_node *p = all_threads.next; p != &all_threads;
	     p = p->next) {
		struct thread *t = list_entry(p, struct thread, all_node);
		printk("%4lu %-23s %-9s %3u %3d %9lu %s\n", t->id, t->name,
		       state_name(t), t->cpu, t->pinned, t->switches,
		       t->wait_reason ? t->wait_reason : "-");
		if (t->state == THREAD_BLOCKED && !t->on_cpu) {
			/* switch_stack left rbp at rsp[5], the return
			 * address at rsp[6]. */
			const uint64_t *sp = (const uint64_t *)t->rsp;
			panic_backtrace(sp[6], sp[5]);
		}
	}
	spin_unlock(&all_lock);
	irq_restore(f);
}

/* For the panic report: the thread whose guard page holds addr. Walks
 * the list without the lock (the system is stopped). */
const char *sched_guard_owner(uint64_t addr)
{
	for (struct list_node *p = all_threads.next; p && p != &all_threads;
	     p = p->next) {
		struct thread *t = list_entry(p, struct thread, all_node);
		if (t->stack && addr >= t->stack_lo - 4096 &&
		    addr < t->stack_lo)
			return t->name;
	}
	return NULL;
}

/* For the race and stress tests: a thread blocked in thread_sleep_ns()
 * whose timer has already fired lost its wake-up (nothing will wake it). */
bool thread_sleep_lost(struct thread *t)
{
	if (__atomic_load_n(&t->state, __ATOMIC_ACQUIRE) != THREAD_BLOCKED)
		return false;
	const char *why = t->wait_reason;
	struct timer *tm = t->wait_obj;
	return why && !strcmp(why, "sleep") && tm &&
	       !__atomic_load_n(&tm->armed, __ATOMIC_ACQUIRE);
}
