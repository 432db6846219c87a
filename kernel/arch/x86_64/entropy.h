/* SPDX-License-Identifier: MIT */
/* entropy.h: random bits for secrets chosen at boot (the stack canary). */
#ifndef ARCH_ENTROPY_H
#define ARCH_ENTROPY_H

#include <stdint.h>

/* 64 random bits: from RDRAND where CPUID offers it (retried as Intel
 * advises), else mixed from TSC reads, which are far weaker (an attacker
 * who knows the boot timing can narrow them down). *source is set to
 * "RDRAND" or "TSC". Not instrumented by the stack protector: it runs
 * before the canary exists. About 1 us; boot only. */
uint64_t arch_boot_random(const char **source);

#endif
