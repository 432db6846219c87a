/* SPDX-License-Identifier: MIT */
/* apic_encode.h: how an APIC ID becomes an interrupt destination, in
 * either local APIC mode (pure; host unit tests check it, since QEMU 7.2's
 * TCG has no x2APIC).
 *
 * xAPIC names a destination in 8 bits (ICR_HI and I/O APIC RTE bits
 * 31:24 / 63:56); x2APIC in 32 bits (ICR bits 63:32). An ID that does not
 * fit is an error, never truncated: ID 256 shifted into 8 bits is 0, and an
 * INIT meant for it would reset the boot core (Intel SDM 3A, 11.6.1,
 * 11.12.9). */
#ifndef ARCH_APIC_ENCODE_H
#define ARCH_APIC_ENCODE_H

#include <stdbool.h>
#include <stdint.h>
#include <unidb/errno.h>

#define APIC_BASE_EXTD (1UL << 10)   /* x2APIC mode */
#define APIC_BASE_ENABLE (1UL << 11) /* APIC globally enabled */
#define XAPIC_MAX_ID 0xfe	     /* 0xff is the broadcast ID */
#define X2APIC_MSR_BASE 0x800

/* The MSR that holds an xAPIC register (MMIO offset) in x2APIC mode
 * (Intel SDM 3A, table 11-6). */
static inline uint32_t x2apic_msr(unsigned xapic_offset)
{
	return X2APIC_MSR_BASE + (xapic_offset >> 4);
}

/* The x2APIC ICR: destination in bits 63:32, command in bits 31:0. */
static inline uint64_t x2apic_icr(uint32_t dest, uint32_t command)
{
	return (uint64_t)dest << 32 | command;
}

/* The xAPIC ICR_HI (and I/O APIC RTE high word) for dest, or -ERANGE when
 * dest needs more than 8 bits. */
static inline int xapic_dest(uint32_t dest, uint32_t *hi)
{
	if (dest > XAPIC_MAX_ID)
		return -ERANGE;
	*hi = dest << 24;
	return 0;
}

/* Whether to run the local APIC in x2APIC mode: always when the firmware
 * or hypervisor already switched it (leaving x2APIC mode needs a full
 * disable), else whenever CPUID offers it. */
static inline bool apic_use_x2apic(uint32_t cpuid1_ecx, uint64_t apic_base)
{
	return (apic_base & APIC_BASE_EXTD) || (cpuid1_ecx & (1u << 21));
}

#endif
