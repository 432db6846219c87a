/* SPDX-License-Identifier: MIT */
/* time.h: the monotonic clock. */
#ifndef UNIDB_TIME_H
#define UNIDB_TIME_H

#include <stdint.h>

/* Nanoseconds since boot, from the TSC. Monotonic on each core; cores
 * agree to within the TSC's cross-core skew (zero under QEMU/KVM with an
 * invariant TSC). O(1), ~20 cycles, any context. */
uint64_t time_ns(void);

/* Busy-waits at least ns nanoseconds. Any context. */
void time_delay_ns(uint64_t ns);

/* Measured TSC frequency in Hz (0 before time_init()). */
uint64_t time_tsc_hz(void);

#endif
