/* SPDX-License-Identifier: MIT */
/* cpu.h: which core am I on, how many are there. */
#ifndef UNIDB_CPU_H
#define UNIDB_CPU_H

#include <stdint.h>

/* Upper bound on cores; per-core arrays are sized by it. */
#define MAX_CPUS 64

/* Index (0..cpu_count()-1) of the calling core. O(1), one %gs load.
 * The caller must not migrate while it uses the value (interrupts off or
 * pinned); until the scheduler exists every thread is pinned. */
unsigned cpu_id(void);

/* Number of cores that are online. O(1). */
unsigned cpu_count(void);

/* Tells the core it is in a spin-wait loop (x86 pause). */
static inline void cpu_relax(void)
{
	__builtin_ia32_pause();
}

/* Keep the calling thread on its core until the matching preempt_enable()
 * (nestable). Per-core data (caches, counters) is only touched between the
 * two. Callable from any context; O(1). */
void preempt_disable(void);
void preempt_enable(void);

#endif
