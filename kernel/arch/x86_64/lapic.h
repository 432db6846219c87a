/* SPDX-License-Identifier: MIT */
/* lapic.h: local APIC (x2APIC if offered, else xAPIC) and its timer. */
#ifndef ARCH_LAPIC_H
#define ARCH_LAPIC_H

#include <stdbool.h>
#include <stdint.h>

void lapic_init(void);	/* per core; the boot core first (picks the mode) */
bool lapic_x2apic(void); /* running in x2APIC mode */
uint32_t lapic_id(void); /* full 32-bit ID in x2APIC mode */
void lapic_eoi(void);
/* IPIs. The int-returning ones return -ERANGE for an ID that xAPIC mode
 * cannot name (above 0xfe) or -ETIMEDOUT if the ICR stays busy. */
void lapic_send_ipi(uint32_t apic_id, unsigned vector);
int lapic_send_nmi(uint32_t apic_id);
int lapic_send_init(uint32_t apic_id);
int lapic_send_sipi(uint32_t apic_id, unsigned page);

/* TSC Hz measured over window_ns of the timer, given its bus clock; 0 if
 * the timer does not count within max_tsc cycles. Boot core, before the
 * timer is used. */
uint64_t lapic_measure_tsc_hz(uint64_t bus_hz, uint64_t window_ns,
			      uint64_t max_tsc);
/* Measures the timer's frequency against the TSC clock (boot core). */
void lapic_timer_calibrate(void);
uint64_t lapic_timer_hz(void);
/* Fires VEC_LAPIC_TIMER once after ns nanoseconds (0 cancels). The
 * scheduler owns the timer (kernel/sched/timer.c is the interface). */
void lapic_timer_oneshot(uint64_t ns);

#endif
