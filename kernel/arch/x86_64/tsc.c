/* SPDX-License-Identifier: MIT */
/* tsc.c: the TSC clock and where its frequency comes from.
 *
 * A VM's TSC frequency is best taken from the hypervisor's own statement
 * of it; a measurement against an emulated timer is only a fallback. In
 * order of preference:
 *   1. CPUID 0x40000010 EAX, the TSC in kHz (Cloud Hypervisor always;
 *      QEMU/KVM with -cpu ...,vmware-cpuid-freq=on,invtsc=on);
 *   2. kvmclock (KVM, Firecracker): the pvclock scale KVM computed from
 *      the host's TSC frequency;
 *   3. CPUID 0x15/0x16 (TSC/crystal ratio, crystal or base frequency);
 *   4. the 8254 PIT (q35, pc, Firecracker; not microvm with pit=off, not
 *      Cloud Hypervisor), after a quick check that one answers;
 *   5. under QEMU's TCG only (signature "TCGTCGTCGTCG"): the local APIC
 *      timer, whose bus clock QEMU fixes at 1 GHz (hw/intc/apic_common.c,
 *      APIC_BUS_CYCLE_NS = 1).
 * Every wait is bounded by TSC cycles: before calibration there is no
 * other clock, and PRECAL_TSC_MAX cycles is under 2 s even at 500 MHz. */
#include <string.h>
#include <unidb/errno.h>
#include <unidb/time.h>

#include "arch/x86_64/cpuid.h"
#include "arch/x86_64/lapic.h"
#include "arch/x86_64/layout.h"
#include "arch/x86_64/tsc.h"
#include "arch/x86_64/x86.h"

#define PIT_HZ 1193182
#define PIT_CH0 0x40
#define PIT_CMD 0x43
#define PIT_CMD_CH0_RATE 0x34 /* channel 0, lo/hi byte, mode 2, binary */
#define PIT_CMD_LATCH_CH0 0x00
#define CALIBRATE_NS 5000000	     /* measuring window of 4. and 5. */
#define PIT_PROBE_TSC (1UL << 22)    /* the PIT moves every 0.84 us */
#define PRECAL_TSC_MAX (1UL << 30)   /* bound of any pre-calibration wait */
#define TCG_APIC_BUS_HZ 1000000000UL /* QEMU: APIC_BUS_CYCLE_NS 1 */
#define MSR_KVM_SYSTEM_TIME_NEW 0x4b564d01
#define KVM_SIGNATURE "KVMKVMKVM\0\0\0"
#define TCG_SIGNATURE "TCGTCGTCGTCG"

static uint64_t tsc_base, tsc_hz, ns_mult; /* ns = tsc * ns_mult >> 32 */
static const char *source = "nothing";
static bool invariant;

/* ---- 1. and 3.: CPUID --------------------------------------------------- */

static uint32_t hv_max_leaf(char sig[13])
{
	uint32_t r[4];

	memset(sig, 0, 13);
	cpuid(1, 0, r);
	if (!(r[2] & CPUID_1_ECX_HYPERVISOR))
		return 0;
	cpuid(CPUID_HV_BASE, 0, r);
	memcpy(sig, &r[1], 4);
	memcpy(sig + 4, &r[2], 4);
	memcpy(sig + 8, &r[3], 4);
	return r[0];
}

static uint64_t from_hv_leaf(uint32_t hv_max)
{
	uint32_t r[4] = {0};

	if (hv_max >= CPUID_HV_TIMING)
		cpuid(CPUID_HV_TIMING, 0, r);
	return cpuid_tsc_hz_hv(hv_max, r);
}

static uint64_t from_crystal(void)
{
	uint32_t max[4], l15[4] = {0}, l16[4] = {0};

	cpuid(0, 0, max);
	if (max[0] >= 0x15)
		cpuid(0x15, 0, l15);
	if (max[0] >= 0x16)
		cpuid(0x16, 0, l16);
	return cpuid_tsc_hz_crystal(max[0], l15, l16);
}

/* ---- 2. kvmclock -------------------------------------------------------- */

/* KVM's pvclock_vcpu_time_info (Documentation/virt/kvm/x86/msr.rst). */
struct pvclock_time {
	uint32_t version;
	uint32_t pad0;
	uint64_t tsc_timestamp;
	uint64_t system_time;
	uint32_t tsc_to_system_mul;
	int8_t tsc_shift;
	uint8_t flags;
	uint8_t pad[2];
} __attribute__((packed, aligned(32)));

static struct pvclock_time pvclock;

static uint64_t from_kvmclock(const char *sig, uint32_t hv_max)
{
	uint32_t r[4];

	if (memcmp(sig, KVM_SIGNATURE, 12) || hv_max < CPUID_HV_BASE + 1)
		return 0;
	cpuid(CPUID_HV_BASE + 1, 0, r);
	if (!(r[0] & KVM_FEATURE_CLOCKSOURCE2))
		return 0;
	/* The image is in the first GiB: physical = virtual - KERNEL_VMA. */
	wrmsr(MSR_KVM_SYSTEM_TIME_NEW, ((uint64_t)&pvclock - KERNEL_VMA) | 1);
	uint32_t v = 0, mul = 0;
	int8_t shift = 0;
	uint64_t t0 = rdtsc();
	for (;;) { /* odd version: KVM is updating the record */
		v = __atomic_load_n(&pvclock.version, __ATOMIC_ACQUIRE);
		mul = pvclock.tsc_to_system_mul;
		shift = pvclock.tsc_shift;
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		if (!(v & 1) && v == pvclock.version)
			break;
		if (rdtsc() - t0 > PRECAL_TSC_MAX) {
			v = 0;
			break;
		}
	}
	wrmsr(MSR_KVM_SYSTEM_TIME_NEW, 0); /* KVM stops writing to it */
	return v ? pvclock_tsc_hz(mul, shift) : 0;
}

/* ---- 4. the PIT --------------------------------------------------------- */

static uint16_t pit_read(void)
{
	outb(PIT_CMD, PIT_CMD_LATCH_CH0);
	uint8_t lo = inb(PIT_CH0);
	return lo | (uint16_t)inb(PIT_CH0) << 8;
}

/* Without a PIT the ports float and read 0xff: a counter that never
 * moves within PIT_PROBE_TSC cycles is no counter. */
static bool pit_present(void)
{
	outb(PIT_CMD, PIT_CMD_CH0_RATE);
	outb(PIT_CH0, 0); /* reload 0 = 65536 */
	outb(PIT_CH0, 0);
	uint16_t first = pit_read();
	uint64_t t0 = rdtsc();
	while (rdtsc() - t0 < PIT_PROBE_TSC)
		if (pit_read() != first)
			return true;
	return false;
}

/* One reading of the PIT and the TSC around it: tsc is the middle of the
 * read, width how long it took (a vCPU descheduled inside the read makes
 * it wide, and the reading vague). */
struct pit_sample {
	uint64_t tsc, width;
	uint16_t count;
};

static void pit_sample(struct pit_sample *s)
{
	uint64_t a = rdtsc();
	s->count = pit_read();
	uint64_t b = rdtsc();
	s->tsc = a + (b - a) / 2;
	s->width = b - a;
}

/* Sums the counter's progress (wrap-safe) while the TSC runs, from the
 * narrowest of a few first readings to the first narrow reading after
 * CALIBRATE_NS: a reading taken while the host ran something else would
 * otherwise put its delay into the frequency (1.4% seen under load). */
static uint64_t from_pit(void)
{
	if (!pit_present())
		return 0;
	const uint64_t want = (uint64_t)PIT_HZ * CALIBRATE_NS / 1000000000;
	struct pit_sample first, s;
	pit_sample(&first);
	for (int i = 0; i < 4; i++) {
		pit_sample(&s);
		if (s.width < first.width)
			first = s;
	}
	uint16_t prev = first.count;
	uint64_t ticks = 0;
	for (;;) {
		pit_sample(&s);
		ticks += (uint16_t)(prev - s.count);
		prev = s.count;
		uint64_t span = s.tsc - first.tsc;
		if (span > PRECAL_TSC_MAX)
			return 0; /* stopped counting */
		/* Narrow: both ends together within 0.1% of the span. */
		if (ticks >= want && (s.width + first.width) * 1000 < span)
			return span * PIT_HZ / ticks;
	}
}

/* ---- 5. QEMU TCG's APIC timer ------------------------------------------- */

static uint64_t from_tcg_apic(const char *sig)
{
	if (memcmp(sig, TCG_SIGNATURE, 12))
		return 0;
	return lapic_measure_tsc_hz(TCG_APIC_BUS_HZ, CALIBRATE_NS,
				    PRECAL_TSC_MAX);
}

/* ---- the clock ---------------------------------------------------------- */

static bool tsc_is_invariant(void)
{
	uint32_t r[4];

	cpuid(0x80000000, 0, r);
	if (r[0] < 0x80000007)
		return false;
	cpuid(0x80000007, 0, r);
	return r[3] & CPUID_80000007_EDX_INVARIANT_TSC;
}

int time_init(uint64_t tsc_at_boot)
{
	char sig[13];
	uint32_t hv_max = hv_max_leaf(sig);
	uint64_t hz;

	if ((hz = from_hv_leaf(hv_max)))
		source = "CPUID 0x40000010";
	else if ((hz = from_kvmclock(sig, hv_max)))
		source = "kvmclock";
	else if ((hz = from_crystal()))
		source = "CPUID 0x15";
	else if ((hz = from_pit()))
		source = "the PIT";
	else if ((hz = from_tcg_apic(sig)))
		source = "the TCG APIC timer";
	else
		return -ENODEV;
	tsc_hz = hz;
	ns_mult = ((uint64_t)1000000000 << 32) / tsc_hz;
	tsc_base = tsc_at_boot;
	invariant = tsc_is_invariant();
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

const char *time_source(void)
{
	return source;
}

bool time_tsc_invariant(void)
{
	return invariant;
}
