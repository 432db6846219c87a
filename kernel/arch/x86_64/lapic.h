/* SPDX-License-Identifier: MIT */
/* lapic.h: local APIC (xAPIC, memory-mapped) and its timer. */
#ifndef ARCH_LAPIC_H
#define ARCH_LAPIC_H

#include <stdint.h>

void lapic_init(void);	/* per core; the boot core first */
uint32_t lapic_id(void);
void lapic_eoi(void);
void lapic_send_ipi(uint32_t apic_id, unsigned vector);
void lapic_send_nmi_all_but_self(void);
void lapic_send_init(uint32_t apic_id);
void lapic_send_sipi(uint32_t apic_id, unsigned page);

/* Measures the timer's frequency against the TSC clock (boot core). */
void lapic_timer_calibrate(void);
uint64_t lapic_timer_hz(void);
/* Fires VEC_LAPIC_TIMER once after ns nanoseconds (0 cancels). The
 * scheduler owns the timer (kernel/sched/timer.c is the interface). */
void lapic_timer_oneshot(uint64_t ns);

#endif
