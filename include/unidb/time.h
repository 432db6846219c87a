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

/* Wall-clock time: microseconds since 1970-01-01 00:00:00 UTC. The guest
 * reads the CMOS real-time clock (which QEMU sets to the host's UTC time)
 * once, at the first call, and advances it with time_ns() since, so it
 * never goes backwards. Second resolution at the start. Thread context. */
int64_t time_wall_us(void);

#endif
