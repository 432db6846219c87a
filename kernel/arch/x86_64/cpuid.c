/* SPDX-License-Identifier: MIT */
/* cpuid.c: decoding CPUID leaves (pure: built on the host too). */
#include "arch/x86_64/cpuid.h"

#define HZ_PER_KHZ 1000
#define HZ_PER_MHZ 1000000

uint64_t cpuid_tsc_hz_hv(uint32_t hv_max_leaf, const uint32_t l40000010[4])
{
	/* A leaf above the maximum returns stale data on some hypervisors. */
	if (hv_max_leaf < CPUID_HV_TIMING || hv_max_leaf > CPUID_HV_BASE + 0xff)
		return 0;
	return (uint64_t)l40000010[0] * HZ_PER_KHZ;
}

uint64_t cpuid_tsc_hz_crystal(uint32_t max_leaf, const uint32_t l15[4],
			      const uint32_t l16[4])
{
	if (max_leaf < 0x15 || l15[0] == 0 || l15[1] == 0)
		return 0; /* ratio not enumerated */
	uint64_t crystal = l15[2];
	if (crystal == 0 && max_leaf >= 0x16 && (l16[0] & 0xffff))
		/* Intel SDM: TSC = base frequency when ECX is 0, hence
		 * crystal = base * EAX / EBX. */
		return (uint64_t)(l16[0] & 0xffff) * HZ_PER_MHZ;
	return crystal * l15[1] / l15[0];
}

uint64_t pvclock_tsc_hz(uint32_t mul, int8_t shift)
{
	if (mul == 0)
		return 0;
	/* Invert ns = tsc * 2^shift * mul / 2^32. */
	uint64_t hz = ((uint64_t)1000000000 << 32) / mul;
	return shift < 0 ? hz << -shift : hz >> shift;
}

static bool topology_leaf_valid(const uint32_t l[4])
{
	return l[1] != 0; /* EBX: logical processors at this level */
}

uint32_t cpuid_apic_id(uint32_t max_leaf, const uint32_t l1[4],
		       const uint32_t l0b[4], const uint32_t l1f[4])
{
	if (max_leaf >= 0x1f && topology_leaf_valid(l1f))
		return l1f[3];
	if (max_leaf >= 0xb && topology_leaf_valid(l0b))
		return l0b[3];
	return l1[1] >> 24;
}
