/* SPDX-License-Identifier: MIT */
/* sched.h: scheduler internals shared by the files of kernel/sched.
 *
 * Lock order: wait-queue lock (sync.c) -> run-queue lock (rq->lock) ->
 * timer lock (timer.c). Timer locks are taken with interrupts disabled:
 * the timer interrupt takes them too. Run-queue locks are never taken by
 * interrupt handlers (sched_wake() defers their wake-ups), so they may be
 * held with interrupts enabled. A core's run-queue lock is taken by the
 * core itself, by cores that wake a thread onto it, and by idle cores
 * that steal from it -- never two at once by one core. */
#ifndef SCHED_SCHED_H
#define SCHED_SCHED_H

#include <stdbool.h>
#include <stdint.h>
#include <unidb/spinlock.h>
#include <unidb/sync.h>
#include <unidb/thread.h>

#include <unidb/list.h>

enum thread_state {
	THREAD_RUNNING,	 /* on a core now */
	THREAD_RUNNABLE, /* in a run queue */
	THREAD_BLOCKED,	 /* waiting for sched_wake() */
	THREAD_DEAD,	 /* ended, waiting to be joined or freed */
};

struct thread {
	uint64_t rsp; /* saved stack pointer: first, switch.S uses it */
	uint64_t id;
	char name[24];
	enum thread_state state;  /* changed under its rq lock, or by CAS */
	unsigned cpu;		  /* core it runs on or is queued on */
	int pinned;		  /* THREAD_ANY_CPU or a core */
	bool background;	  /* thread_attr.background */
	volatile bool on_cpu;	  /* its context is still live on a core */
	bool fpu_full;		  /* fpu area holds a full preempted state */
	bool park_token;	  /* thread_unpark() happened (atomic) */
	bool detached;		  /* under lock */
	bool ended;		  /* under lock: context gone, may be freed */
	struct spinlock lock;	  /* join/detach/end hand-shake */
	struct list_node rq_node; /* run queue, under rq->lock */
	struct thread *wake_next; /* on a core's wake list (sched.c) */
	struct list_node all_node;
	const char *wait_reason;  /* what it is blocked on (introspection) */
	void *wait_obj;
	void (*entry)(void *);
	void *arg;
	void *local;
	struct thread *joiner;	  /* blocked in thread_join() on us */
	uint64_t switches;	  /* times switched in */
	uint64_t stack_lo;	  /* lowest usable stack byte */
	uint64_t stack_hi;	  /* top of the stack (exclusive) */
	struct stack *stack;	  /* backing stack slot */
	uint8_t *fpu;		  /* XSAVE/FXSAVE area, 64-byte aligned */
	uint32_t mxcsr;		  /* callee-saved SSE control (voluntary) */
	uint16_t fcw;		  /* callee-saved x87 control (voluntary) */
	struct mutex *held[8];	  /* mutexes held, for lock-order checks */
	int nheld;
};

/* Per-core scheduler state. */
struct rq {
	struct spinlock lock;	/* protects queue, nr_queued, thread states */
	struct list_node queue; /* runnable threads, FIFO */
	unsigned nr_queued;
	struct thread *curr;
	struct thread *idle;
	struct thread *last;	/* switched away from, until finish_switch */
	bool last_irq_on;	/* last switched with interrupts enabled */
	struct thread *wake_list; /* woken by interrupt handlers, not queued */
	volatile bool idle_halted; /* in hlt: needs an IPI to notice work */
	enum sched_idle_mode idle_mode;
	uint64_t poll_ns;	/* how long the idle loop polls before hlt */
	uint64_t slice_end;	/* next slice check; 0: nobody waits */
	uint64_t nr_switches;	/* switches on this core */
	uint64_t slice_switches; /* nr_switches when the slice began */
	uint64_t balance_at;	/* check then whether queued threads wait */
	uint64_t timer_at;	/* LAPIC timer deadline; UINT64_MAX: none */
	uint64_t steals;	/* threads this core took from others */
	uint64_t preemptions;
	volatile uint64_t idle_ns, idle_since; /* idle thread's time on the core */
};

extern struct rq runqueues[];

#define SCHED_SLICE_NS 10000000 /* 10 ms time slice */

static inline struct rq *this_rq(void)
{
	return &runqueues[cpu_id()];
}

/* Switches away from the current thread, whose state the caller has set
 * (RUNNING: put back in the queue; BLOCKED: wait for sched_wake()).
 * irq_on says whether interrupts are enabled now; on return they are
 * enabled if irq (what irq_save() returns) is RFLAGS_IF. Must not be
 * called with preemption disabled. schedule(irq) is the common case of
 * interrupts disabled now. */
void sched_switch(bool irq_on, uint64_t irq);
void schedule(uint64_t irq);

/* Makes a BLOCKED thread runnable; false if it was not blocked. Any
 * context: from an interrupt handler the thread is queued once the core
 * has left the handler and holds no spinlock. */
bool sched_wake(struct thread *t);

/* Blocks the current thread until sched_wake(); the caller has already
 * made itself findable by a waker, with interrupts still disabled since.
 * Interrupts are then restored to irq (what irq_save() returned; 0 keeps
 * them off for a caller that goes on with more locked work). reason shows
 * in sched_dump(). */
void sched_block(const char *reason, void *obj, uint64_t irq);

/* Called on the way out of an interrupt: preempts if asked to. */
struct trap_frame;
void sched_irq_exit(const struct trap_frame *f);
void sched_add_new(struct thread *t);
void thread_reap(struct thread *t);
void thread_boot(void) __attribute__((noreturn));
void timer_list_init(unsigned cpu);
void thread_check_meta_size(void);
struct thread *thread_init_meta(void *meta, const char *name);
void thread_register(struct thread *t);
/* A thread that is not yet known to anyone (thread_create() without
 * registering and queueing it). */
struct thread *thread_new(const char *name, void (*entry)(void *), void *arg,
			  const struct thread_attr *attr);
/* Name of the thread whose stack guard page contains addr, or NULL. */
const char *sched_guard_owner(uint64_t addr);
void sched_init(uint64_t stack_lo, uint64_t stack_hi);

/* job.c */
void job_workers_start(void); /* boot core, after all cores are up */
bool job_idle(void);	      /* idle loop: wake this core's job worker */
void sched_start_cpu(uint64_t stack_lo, uint64_t stack_hi)
    __attribute__((noreturn));
bool steal_candidate(void);

/* Per-core timer interrupt work: expired timers, slice accounting. */
void sched_tick(void);
void sched_program_timer(void);


/* timer.c */
void timer_run_expired(void);
uint64_t timer_next_deadline(void); /* UINT64_MAX if none on this core */

/* fpu.c */
void fpu_init_cpu(void);
unsigned fpu_area_size(void);
void fpu_area_init(uint8_t *a);
void fpu_save_full(struct thread *t);
void fpu_restore_full(struct thread *t);

/* What a voluntary switch keeps of the vector state: the callee-saved
 * control words (SSE MXCSR, x87 FCW); inline, being on every switch. */
static inline void fpu_save_control(struct thread *t)
{
	__asm__ volatile("stmxcsr %0; fnstcw %1" : "=m"(t->mxcsr), "=m"(t->fcw));
}

static inline void fpu_restore_control(const struct thread *t)
{
	__asm__ volatile("ldmxcsr %0; fldcw %1" ::"m"(t->mxcsr), "m"(t->fcw));
}

/* On a voluntary resume the registers hold the control words of `last`,
 * the thread switched away from to resume t: the ones it saved if it
 * switched voluntarily (nothing has changed them since), else its own
 * live ones (preempted: saved in full, registers untouched). Reloaded
 * only if they differ from t's; mostly two loads and a compare. */
static inline void fpu_resume_control(const struct thread *t,
				      const struct thread *last)
{
	uint32_t mxcsr = last->mxcsr;
	uint16_t fcw = last->fcw;

	if (last->fpu_full)
		__asm__ volatile("stmxcsr %0; fnstcw %1"
				 : "=m"(mxcsr), "=m"(fcw));
	if (mxcsr != t->mxcsr || fcw != t->fcw)
		fpu_restore_control(t);
}

/* stack.c: a thread's memory is one mapped slot in KSTACK_BASE..:
 * [guard page][stack ... ][struct thread, FPU area]. */
struct stack {
	struct stack *next; /* in a cache */
	uint64_t lo;	    /* lowest stack byte (guard page below) */
	size_t size;	    /* stack bytes */
	void *meta;	    /* META_SIZE bytes above the stack */
};
#define STACK_META_SIZE 8192
/* True if t is blocked in thread_sleep_ns() with its timer already fired:
 * a lost wake-up (the race and stress tests look for it). */
bool thread_sleep_lost(struct thread *t);

struct stack *stack_get(size_t size);
void stack_put(struct stack *s);

#endif
