/* SPDX-License-Identifier: MIT */
/* cpuid.h: what unidb reads from CPUID, as pure functions of the leaves'
 * registers (r[0..3] = EAX, EBX, ECX, EDX), so host unit tests can feed
 * them leaves recorded from real CPUs and hypervisors. */
#ifndef ARCH_CPUID_H
#define ARCH_CPUID_H

#include <stdbool.h>
#include <stdint.h>

/* Leaves and bits (Intel SDM 2A, CPUID; AMD APM 3, appendix E). */
#define CPUID_1_EDX_HTT (1u << 28) /* EBX[23:16] is meaningful */
#define CPUID_1_ECX_X2APIC (1u << 21)
#define CPUID_1_ECX_HYPERVISOR (1u << 31)
#define CPUID_80000001_EDX_NX (1u << 20)
#define CPUID_80000007_EDX_INVARIANT_TSC (1u << 8)
#define CPUID_HV_BASE 0x40000000
#define CPUID_HV_TIMING 0x40000010 /* VMware/QEMU/Cloud Hypervisor: kHz */
#define KVM_FEATURE_CLOCKSOURCE2 (1u << 3) /* CPUID 0x40000001 EAX */

/* TSC frequency in Hz from the hypervisor timing leaf 0x40000010 (EAX =
 * TSC kHz), given the hypervisor's maximum leaf (0x40000000 EAX); 0 when
 * the leaf is absent or empty. */
uint64_t cpuid_tsc_hz_hv(uint32_t hv_max_leaf, const uint32_t l40000010[4]);

/* TSC frequency in Hz from leaf 0x15 (TSC/crystal ratio EBX/EAX, crystal
 * Hz in ECX), taking the crystal from leaf 0x16 (base MHz) when ECX is 0
 * (Intel SDM 2A, CPUID leaf 15H note); 0 when the leaves do not say.
 * max_leaf is CPUID 0 EAX (leaves above it must not be trusted). */
uint64_t cpuid_tsc_hz_crystal(uint32_t max_leaf, const uint32_t l15[4],
			      const uint32_t l16[4]);

/* TSC frequency in Hz from a pvclock (kvmclock) time-info's scale: the
 * guest computes ns = ((tsc << shift) * mul) >> 32 (shift < 0: >> -shift).
 * 0 if mul is 0. */
uint64_t pvclock_tsc_hz(uint32_t mul, int8_t shift);

/* The calling core's full APIC ID: leaf 0x1F or 0xB EDX (x2APIC ID, 32
 * bits) when the leaf exists and is valid (EBX != 0 in sub-leaf 0), else
 * leaf 1 EBX[31:24] (the 8-bit initial APIC ID). */
uint32_t cpuid_apic_id(uint32_t max_leaf, const uint32_t l1[4],
		       const uint32_t l0b[4], const uint32_t l1f[4]);

#endif
