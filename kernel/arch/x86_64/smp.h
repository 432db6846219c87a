/* SPDX-License-Identifier: MIT */
/* smp.h: bringing up the other cores. */
#ifndef ARCH_SMP_H
#define ARCH_SMP_H

/* Starts every AP in acpi.apic_ids; each ends up idle with interrupts
 * enabled, ready for cpu_call(). Boot core, once, after lapic_init(),
 * time_init() and the heap. */
void smp_start(void);

#endif
