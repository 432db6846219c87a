/* SPDX-License-Identifier: MIT */
/* smp.h: bringing up the other cores. */
#ifndef ARCH_SMP_H
#define ARCH_SMP_H

#include <stdbool.h>
#include <stdint.h>

/* Starts every AP in acpi.apic_ids; each ends up idle with interrupts
 * enabled, ready for cpu_call(). Boot core, once, after lapic_init(),
 * time_init() and the heap. */
void smp_start(void);

/* Runs one start-up as smp_start() does, for tests, with an APIC ID no
 * core answers to (after boot the trampoline's identity map is gone, so a
 * real core could not start). Returns whether a core came online;
 * *reusable: its memory was freed (the core never took it); *withdrawn:
 * the trampoline's record was taken back. Boot core, takes ~200 ms. */
bool smp_try_start(uint32_t apic_id, bool *reusable, bool *withdrawn);

#endif
