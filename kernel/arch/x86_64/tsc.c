/* SPDX-License-Identifier: MIT */
/* tsc.c: the TSC clock, calibrated against the 8254 PIT at boot.
 *
 * The PIT counts at a fixed 1.193182 MHz on every PC-compatible VMM
 * (q35, pc, microvm). Channel 0 runs as a free 16-bit down-counter; we
 * sum its progress (wrap-safe) while the TSC runs for CALIBRATE_TICKS.
 * No interrupt is used: the PIC is masked. */
#include <unidb/errno.h>
#include <unidb/time.h>

#include "arch/x86_64/tsc.h"
#include "arch/x86_64/x86.h"

#define PIT_HZ 1193182
#define PIT_CH0 0x40
#define PIT_CMD 0x43
#define PIT_CMD_CH0_RATE 0x34 /* channel 0, lo/hi byte, mode 2, binary */
#define PIT_CMD_LATCH_CH0 0x00
#define CALIBRATE_TICKS (PIT_HZ / 200) /* 5 ms */

static uint64_t tsc_base, tsc_hz, ns_mult; /* ns = tsc * ns_mult >> 32 */

static uint16_t pit_read(void)
{
	outb(PIT_CMD, PIT_CMD_LATCH_CH0);
	uint8_t lo = inb(PIT_CH0);
	return lo | (uint16_t)inb(PIT_CH0) << 8;
}

int time_init(uint64_t tsc_at_boot)
{
	outb(PIT_CMD, PIT_CMD_CH0_RATE);
	outb(PIT_CH0, 0); /* reload 0 = 65536 */
	outb(PIT_CH0, 0);

	uint16_t prev = pit_read();
	uint64_t t0 = rdtsc(), ticks = 0;
	for (long spins = 0; ticks < CALIBRATE_TICKS; spins++) {
		uint16_t now = pit_read();
		ticks += (uint16_t)(prev - now);
		prev = now;
		if (spins > 10000000)
			return -ENODEV; /* no PIT */
	}
	uint64_t t1 = rdtsc();
	tsc_hz = (t1 - t0) * PIT_HZ / ticks;
	ns_mult = ((uint64_t)1000000000 << 32) / tsc_hz;
	tsc_base = tsc_at_boot;
	return 0;
}

uint64_t time_ns(void)
{
	return (unsigned __int128)(rdtsc() - tsc_base) * ns_mult >> 32;
}

void time_delay_ns(uint64_t ns)
{
	uint64_t end = time_ns() + ns;
	while (time_ns() < end)
		__builtin_ia32_pause();
}

uint64_t time_tsc_hz(void)
{
	return tsc_hz;
}
