/* SPDX-License-Identifier: MIT */
/* cpu.h: which core am I on, how many are there. */
#ifndef UNIDB_CPU_H
#define UNIDB_CPU_H

#include <stdint.h>

/* Upper bound on cores; per-core arrays are sized by it. */
#define MAX_CPUS 256

/* Index (0..cpu_count()-1) of the calling core. O(1), one %gs load.
 * The caller must not migrate while it uses the value (preemption
 * disabled, or a thread pinned to its core). */
static inline unsigned cpu_id(void);

/* Number of cores that are online. O(1). */
unsigned cpu_count(void);

/* Tells the core it is in a spin-wait loop (x86 pause). */
static inline void cpu_relax(void)
{
	__builtin_ia32_pause();
}

/* Keep the calling thread on its core until the matching preempt_enable()
 * (nestable). Per-core data (caches, counters) is only touched between the
 * two. Callable from any context; O(1), one instruction each way unless a
 * preemption was asked for meanwhile. */
static inline void preempt_disable(void);
static inline void preempt_enable(void);

#ifdef UNIDB_HOST
/* Host unit tests provide these (tests/unit/mm_host.c). */
unsigned host_cpu_id(void);
void host_preempt_disable(void);
void host_preempt_enable(void);
static inline unsigned cpu_id(void)
{
	return host_cpu_id();
}
static inline void preempt_disable(void)
{
	host_preempt_disable();
}
static inline void preempt_enable(void)
{
	host_preempt_enable();
}
static inline void preempt_enable_no_resched(void)
{
	host_preempt_enable();
}
#else
/* Fields of the per-core block %gs points to (struct cpu in
 * kernel/arch/x86_64/cpu.h, which checks these offsets). Single %gs-relative
 * instructions cannot be split by a preemption that moves the thread. */
#define CPU_OFFSET_ID 8
#define CPU_OFFSET_PREEMPT 16
#define CPU_OFFSET_RESCHED 20 /* two flags: switch, apply deferred wake-ups */
#define CPU_OFFSET_THREAD 24

static inline unsigned cpu_id(void)
{
	unsigned id;
	__asm__ volatile("movl %%gs:%c1, %0" : "=r"(id) : "i"(CPU_OFFSET_ID));
	return id;
}

static inline void preempt_disable(void)
{
	__asm__ volatile("incl %%gs:%c0" ::"i"(CPU_OFFSET_PREEMPT) : "memory");
}

void preempt_resched(void); /* kernel/sched: switch if allowed now */

/* preempt_enable() that never switches: for the scheduler itself. */
static inline void preempt_enable_no_resched(void)
{
	__asm__ volatile("decl %%gs:%c0" ::"i"(CPU_OFFSET_PREEMPT) : "memory");
}

/* Nonzero if the scheduler has work for this core at the next chance: a
 * switch asked for, or wake-ups deferred by interrupt handlers. */
static inline unsigned short preempt_resched_flags(void)
{
	unsigned short flags;
	__asm__ volatile("movw %%gs:%c1, %0"
			 : "=r"(flags)
			 : "i"(CPU_OFFSET_RESCHED));
	return flags;
}

static inline void preempt_enable(void)
{
	preempt_enable_no_resched();
	if (__builtin_expect(preempt_resched_flags(), 0))
		preempt_resched();
}
#endif

#endif
