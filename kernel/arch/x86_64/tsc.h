/* SPDX-License-Identifier: MIT */
/* tsc.h: clock set-up (the clock itself is in <unidb/time.h>). */
#ifndef ARCH_TSC_H
#define ARCH_TSC_H

#include <stdint.h>

/* Calibrates the TSC against the PIT (5 ms); time_ns() then counts from
 * tsc_at_boot. Returns 0, or -ENODEV when no PIT answers. Boot core. */
int time_init(uint64_t tsc_at_boot);

#endif
