/* SPDX-License-Identifier: MIT */
/* lapic.c: the local APIC, in x2APIC mode whenever CPUID offers it (or the
 * hypervisor started the core in it), in xAPIC mode otherwise.
 *
 * Registers: Intel SDM 3A, 11.4.1 (table 11-1) at their MMIO offsets; in
 * x2APIC mode the same register is MSR 0x800 + offset / 16 (table 11-6)
 * and the ICR is one 64-bit MSR with a 32-bit destination. KVM and Cloud
 * Hypervisor may start vCPUs in x2APIC mode, where MMIO accesses are
 * dropped. QEMU 7.2's TCG offers no x2APIC, so under it the xAPIC path
 * runs; apic_encode.h holds the encodings, tested on the host.
 * The timer runs from the bus clock divided by 16; its frequency is
 * measured against the TSC. */
#include <stdint.h>
#include <unidb/errno.h>
#include <unidb/printk.h>
#include <unidb/spinlock.h>
#include <unidb/time.h>

#include "arch/x86_64/apic_encode.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/lapic.h"
#include "arch/x86_64/paging.h"
#include "arch/x86_64/x86.h"

#define LAPIC_ID 0x020
#define LAPIC_TPR 0x080
#define LAPIC_EOI 0x0b0
#define LAPIC_SVR 0x0f0
#define LAPIC_ICR_LO 0x300
#define LAPIC_ICR_HI 0x310
#define LAPIC_LVT_TIMER 0x320
#define LAPIC_LVT_LINT0 0x350
#define LAPIC_LVT_LINT1 0x360
#define LAPIC_TIMER_INIT 0x380
#define LAPIC_TIMER_CUR 0x390
#define LAPIC_TIMER_DIV 0x3e0

#define SVR_ENABLE 0x100
#define LVT_MASKED (1u << 16)
#define LVT_NMI (4u << 8)
#define ICR_PENDING (1u << 12)
#define ICR_LEVEL_ASSERT (1u << 14)
#define ICR_INIT (5u << 8)
#define ICR_STARTUP (6u << 8)
#define ICR_NMI (4u << 8)
#define TIMER_DIV_16 0x3
#define TIMER_DIVISOR 16

static volatile uint8_t *lapic;
static bool x2apic; /* same on every core: each follows the boot core */
static uint64_t timer_hz;
static uint64_t count_mult; /* counts = ns * count_mult >> 32 */

static uint32_t rd(unsigned reg)
{
	if (x2apic)
		return (uint32_t)rdmsr(x2apic_msr(reg));
	return mmio_read32(lapic + reg);
}

static void wr(unsigned reg, uint32_t v)
{
	if (x2apic)
		wrmsr(x2apic_msr(reg), v);
	else
		mmio_write32(lapic + reg, v);
}

/* The timer LVT each core last wrote (0: none yet; every value written
 * has a vector): under TCG every LAPIC write is a trip into QEMU's
 * device model under its global lock, so the one-shot path (every time
 * the scheduler moves its deadline earlier) writes only the count once
 * the LVT is unmasked. */
static uint32_t timer_lvt[MAX_CPUS];

static void set_timer_lvt(uint32_t v)
{
	uint32_t *cur = &timer_lvt[cpu_id()];

	if (*cur != v) {
		wr(LAPIC_LVT_TIMER, v);
		*cur = v;
	}
}

static void enable(void)
{
	uint64_t base = rdmsr(MSR_APIC_BASE);
	uint32_t r[4];

	cpuid(1, 0, r);
	if (cpu_id() == 0)
		x2apic = apic_use_x2apic(r[2], base);
	if (!x2apic) {
		if (!lapic)
			lapic = mmio_map(base & ~0xfffUL, 4096);
		wrmsr(MSR_APIC_BASE, base | APIC_BASE_ENABLE);
		return;
	}
	/* Disabled -> x2APIC directly is an invalid transition (SDM 3A,
	 * 11.12.5): enable xAPIC first. */
	if (!(base & APIC_BASE_ENABLE))
		wrmsr(MSR_APIC_BASE, base | APIC_BASE_ENABLE);
	wrmsr(MSR_APIC_BASE, base | APIC_BASE_ENABLE | APIC_BASE_EXTD);
}

void lapic_init(void)
{
	enable();
	wr(LAPIC_TPR, 0);
	set_timer_lvt(LVT_MASKED | VEC_LAPIC_TIMER);
	wr(LAPIC_LVT_LINT0, LVT_MASKED);
	/* The boot core takes NMIs through LINT1 (MP spec, virtual wire). */
	wr(LAPIC_LVT_LINT1, cpu_id() == 0 ? LVT_NMI : LVT_MASKED);
	wr(LAPIC_TIMER_DIV, TIMER_DIV_16);
	wr(LAPIC_SVR, SVR_ENABLE | VEC_SPURIOUS);
	wr(LAPIC_EOI, 0);
}

bool lapic_x2apic(void)
{
	return x2apic;
}

uint32_t lapic_id(void)
{
	return x2apic ? rd(LAPIC_ID) : rd(LAPIC_ID) >> 24;
}

void lapic_eoi(void)
{
	wr(LAPIC_EOI, 0);
}

static int send_icr(uint32_t apic_id, uint32_t lo)
{
	uint32_t hi;

	if (x2apic) {
		/* One MSR write; x2APIC has no delivery-pending bit. */
		wrmsr(x2apic_msr(LAPIC_ICR_LO), x2apic_icr(apic_id, lo));
		return 0;
	}
	if (xapic_dest(apic_id, &hi))
		return -ERANGE;
	uint64_t f = irq_save();
	wr(LAPIC_ICR_HI, hi);
	wr(LAPIC_ICR_LO, lo);
	/* Bounded by TSC cycles: this also runs in panics and before the
	 * clock is calibrated. A stuck ICR is reported once, not hung on. */
	uint64_t t0 = rdtsc();
	while (rd(LAPIC_ICR_LO) & ICR_PENDING)
		if (rdtsc() - t0 > (1UL << 30)) {
			irq_restore(f);
			return -ETIMEDOUT;
		}
	irq_restore(f);
	return 0;
}

void lapic_send_ipi(uint32_t apic_id, unsigned vector)
{
	send_icr(apic_id, vector);
}

int lapic_send_nmi(uint32_t apic_id)
{
	return send_icr(apic_id, ICR_NMI);
}

int lapic_send_init(uint32_t apic_id)
{
	return send_icr(apic_id, ICR_INIT | ICR_LEVEL_ASSERT);
}

int lapic_send_sipi(uint32_t apic_id, unsigned page)
{
	return send_icr(apic_id, ICR_STARTUP | page);
}

/* The current count and the TSC in the middle of its read; *width is
 * how long the read took (wide: the vCPU was descheduled in it). */
static uint32_t timer_sample(uint64_t *tsc, uint64_t *width)
{
	uint64_t a = rdtsc();
	uint32_t c = rd(LAPIC_TIMER_CUR);
	uint64_t b = rdtsc();
	*tsc = a + (b - a) / 2;
	*width = b - a;
	return c;
}

uint64_t lapic_measure_tsc_hz(uint64_t bus_hz, uint64_t window_ns,
			      uint64_t max_tsc)
{
	uint32_t counts = bus_hz / TIMER_DIVISOR * window_ns / 1000000000;
	uint64_t t0, w0, t1, w1;

	set_timer_lvt(LVT_MASKED | VEC_LAPIC_TIMER);
	wr(LAPIC_TIMER_DIV, TIMER_DIV_16);
	wr(LAPIC_TIMER_INIT, 0xffffffff);
	uint32_t c0 = timer_sample(&t0, &w0), c1;
	/* Until the window has passed and a reading is narrow (both ends
	 * within 0.1% of the span), as from_pit() in tsc.c. */
	for (;;) {
		c1 = timer_sample(&t1, &w1);
		if (t1 - t0 > max_tsc) {
			wr(LAPIC_TIMER_INIT, 0);
			return 0; /* timer not counting */
		}
		if (c0 - c1 >= counts && (w0 + w1) * 1000 < t1 - t0)
			break;
	}
	wr(LAPIC_TIMER_INIT, 0);
	/* (t1 - t0) <= max_tsc (2^30) times a bus clock / 16 (2^26 at most
	 * for the GHz buses hypervisors use): fits 64 bits. */
	return (t1 - t0) * (bus_hz / TIMER_DIVISOR) / (c0 - c1);
}

void lapic_timer_calibrate(void)
{
	set_timer_lvt(LVT_MASKED | VEC_LAPIC_TIMER);
	wr(LAPIC_TIMER_INIT, 0xffffffff);
	uint64_t t0 = time_ns();
	uint32_t c0 = rd(LAPIC_TIMER_CUR);
	while (time_ns() - t0 < 2000000)
		cpu_relax();
	uint32_t c1 = rd(LAPIC_TIMER_CUR);
	uint64_t dt = time_ns() - t0;
	wr(LAPIC_TIMER_INIT, 0);
	timer_hz = (uint64_t)(c0 - c1) * 1000000000 / dt;
	count_mult = (timer_hz << 32) / 1000000000;
}

uint64_t lapic_timer_hz(void)
{
	return timer_hz;
}

static uint32_t ns_to_count(uint64_t ns)
{
	uint64_t n = (unsigned __int128)ns * count_mult >> 32;
	if (n == 0)
		n = 1;
	return n > 0xffffffff ? 0xffffffff : (uint32_t)n;
}

void lapic_timer_oneshot(uint64_t ns)
{
	set_timer_lvt(VEC_LAPIC_TIMER);
	wr(LAPIC_TIMER_INIT, ns ? ns_to_count(ns) : 0);
}
