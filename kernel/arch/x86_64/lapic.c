/* SPDX-License-Identifier: MIT */
/* lapic.c: local APIC in xAPIC mode (QEMU's TCG has no x2APIC before 8.0).
 *
 * Registers: Intel SDM 3A, 11.4.1 (table 11-1). The timer runs from the
 * bus clock divided by 16; its frequency is measured against the TSC. */
#include <stdint.h>
#include <unidb/spinlock.h>

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/lapic.h"
#include "arch/x86_64/paging.h"
#include "arch/x86_64/x86.h"
#include <unidb/time.h>

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

#define APIC_BASE_ENABLE (1UL << 11)
#define SVR_ENABLE 0x100
#define LVT_MASKED (1u << 16)
#define LVT_NMI (4u << 8)
#define ICR_PENDING (1u << 12)
#define ICR_LEVEL_ASSERT (1u << 14)
#define ICR_INIT (5u << 8)
#define ICR_STARTUP (6u << 8)
#define ICR_NMI (4u << 8)
#define ICR_ALL_BUT_SELF (3u << 18)
#define TIMER_DIV_16 0x3

static volatile uint8_t *lapic;
static uint64_t timer_hz;
static uint64_t count_mult; /* counts = ns * count_mult >> 32 */

static uint32_t rd(unsigned reg)
{
	return mmio_read32(lapic + reg);
}

static void wr(unsigned reg, uint32_t v)
{
	mmio_write32(lapic + reg, v);
}

void lapic_init(void)
{
	uint64_t base = rdmsr(MSR_APIC_BASE);

	if (!lapic)
		lapic = mmio_map(base & ~0xfffUL, 4096);
	wrmsr(MSR_APIC_BASE, base | APIC_BASE_ENABLE);
	wr(LAPIC_TPR, 0);
	wr(LAPIC_LVT_TIMER, LVT_MASKED | VEC_LAPIC_TIMER);
	wr(LAPIC_LVT_LINT0, LVT_MASKED);
	/* The boot core takes NMIs through LINT1 (MP spec, virtual wire). */
	wr(LAPIC_LVT_LINT1, cpu_id() == 0 ? LVT_NMI : LVT_MASKED);
	wr(LAPIC_TIMER_DIV, TIMER_DIV_16);
	wr(LAPIC_SVR, SVR_ENABLE | VEC_SPURIOUS);
	wr(LAPIC_EOI, 0);
}

uint32_t lapic_id(void)
{
	return rd(LAPIC_ID) >> 24;
}

void lapic_eoi(void)
{
	wr(LAPIC_EOI, 0);
}

static void send_icr(uint32_t apic_id, uint32_t lo)
{
	uint64_t f = irq_save();
	wr(LAPIC_ICR_HI, apic_id << 24);
	wr(LAPIC_ICR_LO, lo);
	while (rd(LAPIC_ICR_LO) & ICR_PENDING)
		cpu_relax();
	irq_restore(f);
}

void lapic_send_ipi(uint32_t apic_id, unsigned vector)
{
	send_icr(apic_id, vector);
}

void lapic_send_nmi_all_but_self(void)
{
	send_icr(0, ICR_ALL_BUT_SELF | ICR_NMI);
}

void lapic_send_init(uint32_t apic_id)
{
	send_icr(apic_id, ICR_INIT | ICR_LEVEL_ASSERT);
}

void lapic_send_sipi(uint32_t apic_id, unsigned page)
{
	send_icr(apic_id, ICR_STARTUP | page);
}

void lapic_timer_calibrate(void)
{
	wr(LAPIC_LVT_TIMER, LVT_MASKED | VEC_LAPIC_TIMER);
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
	wr(LAPIC_LVT_TIMER, VEC_LAPIC_TIMER);
	wr(LAPIC_TIMER_INIT, ns ? ns_to_count(ns) : 0);
}
