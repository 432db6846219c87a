/* SPDX-License-Identifier: MIT */
/* entropy.c: random bits at boot, RDRAND or the TSC. */
#include <stdbool.h>

#include "arch/x86_64/entropy.h"
#include "arch/x86_64/x86.h"

#define CPUID1_ECX_RDRAND (1u << 30) /* SDM 2A, CPUID leaf 1 */
/* Intel DRNG Software Implementation Guide, 5.2.1: RDRAND can fail
 * transiently (CF = 0) when the DRNG is drained; ten tries in a row
 * failing means the generator is broken. */
#define RDRAND_RETRIES 10
#define TSC_READS 16

__attribute__((no_stack_protector)) static bool rdrand64(uint64_t *v)
{
	bool ok;
	__asm__ volatile("rdrand %0" : "=r"(*v), "=@ccc"(ok));
	return ok;
}

/* splitmix64's finaliser: every input bit flips about half the output. */
static uint64_t mix64(uint64_t x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9UL;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebUL;
	return x ^ (x >> 31);
}

__attribute__((no_stack_protector)) uint64_t
arch_boot_random(const char **source)
{
	uint32_t r[4];
	uint64_t v = 0;

	cpuid(1, 0, r);
	if (r[2] & CPUID1_ECX_RDRAND)
		for (int i = 0; i < RDRAND_RETRIES; i++)
			if (rdrand64(&v)) {
				*source = "RDRAND";
				return v;
			}
	/* The TSC's low bits depend on how long the VMM and the boot took;
	 * CPUID between reads exits to the hypervisor (or serialises), which
	 * adds jitter to each difference. */
	for (int i = 0; i < TSC_READS; i++) {
		cpuid(0, 0, r);
		v = mix64(v ^ rdtsc());
	}
	*source = "TSC";
	return v;
}
