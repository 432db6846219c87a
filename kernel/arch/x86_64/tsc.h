/* SPDX-License-Identifier: MIT */
/* tsc.h: clock set-up (the clock itself is in <unidb/time.h>). */
#ifndef ARCH_TSC_H
#define ARCH_TSC_H

#include <stdbool.h>
#include <stdint.h>

/* Finds the TSC frequency (tsc.c lists the sources in order); time_ns()
 * then counts from tsc_at_boot. Needs lapic_init() first (the last
 * source). Returns 0, or -ENODEV when no source answers. Boot core. */
int time_init(uint64_t tsc_at_boot);

/* What the frequency came from, e.g. "the PIT" or "kvmclock". */
const char *time_source(void);

/* Whether CPUID 0x80000007 promises a TSC that runs at a constant rate in
 * every state (time_ns() assumes it). */
bool time_tsc_invariant(void);

#endif
