/* SPDX-License-Identifier: MIT */
/* fpu.c: x87/SSE/AVX state of threads.
 *
 * The kernel itself is built without SSE, so interrupt handlers never
 * touch vector registers. A preempted thread may have live vector state
 * anywhere, so preemption saves all of it (XSAVE, or FXSAVE without
 * XSAVE); a voluntary switch happens at a call, where the ABI makes all
 * vector registers caller-saved and only MXCSR's control bits and the x87
 * control word must survive. */
#include <string.h>
#include <unidb/panic.h>

#include "arch/x86_64/x86.h"
#include "sched/sched.h"

#define CR4_OSFXSR (1UL << 9)
#define CR4_OSXMMEXCPT (1UL << 10)
#define CR4_OSXSAVE (1UL << 18)
#define CR0_MP (1UL << 1)
#define CR0_EM (1UL << 2)
#define CR0_TS (1UL << 3)
#define CPUID1_ECX_XSAVE (1u << 26)
#define XCR0_X87 1
#define XCR0_SSE 2
#define XCR0_AVX 4
#define FXSAVE_SIZE 512
#define MXCSR_DEFAULT 0x1f80
#define FCW_DEFAULT 0x037f

static bool use_xsave;
static uint64_t xcr0;
static unsigned area_size = FXSAVE_SIZE;

static void xsetbv(uint32_t reg, uint64_t v)
{
	__asm__ volatile("xsetbv" ::"c"(reg), "a"((uint32_t)v),
			 "d"((uint32_t)(v >> 32)));
}

/* Per core: the same features everywhere (the VMM gives identical
 * vCPUs). The boot core also decides the area size. */
void fpu_init_cpu(void)
{
	uint32_t r[4];

	write_cr0((read_cr0() & ~(CR0_EM | CR0_TS)) | CR0_MP);
	uint64_t cr4 = read_cr4() | CR4_OSFXSR | CR4_OSXMMEXCPT;
	cpuid(1, 0, r);
	use_xsave = r[2] & CPUID1_ECX_XSAVE;
	if (use_xsave)
		cr4 |= CR4_OSXSAVE;
	write_cr4(cr4);
	__asm__ volatile("fninit");
	if (!use_xsave)
		return;
	cpuid(0xd, 0, r); /* EDX:EAX = state components supported */
	xcr0 = (((uint64_t)r[3] << 32) | r[0]) &
	       (XCR0_X87 | XCR0_SSE | XCR0_AVX);
	xsetbv(0, xcr0);
	cpuid(0xd, 0, r); /* EBX = size for the components now enabled */
	area_size = r[1];
}

unsigned fpu_area_size(void)
{
	return area_size;
}

/* A fresh thread starts from the default control words. */
void fpu_area_init(uint8_t *a)
{
	memset(a, 0, area_size);
	*(uint16_t *)a = FCW_DEFAULT;		/* FXSAVE layout: FCW */
	*(uint32_t *)(a + 24) = MXCSR_DEFAULT; /* MXCSR */
}

void fpu_save_full(struct thread *t)
{
	if (use_xsave)
		__asm__ volatile("xsave64 (%0)" ::"r"(t->fpu),
				 "a"((uint32_t)xcr0), "d"((uint32_t)(xcr0 >> 32))
				 : "memory");
	else
		__asm__ volatile("fxsave64 (%0)" ::"r"(t->fpu) : "memory");
	t->fpu_full = true;
}

void fpu_restore_full(struct thread *t)
{
	if (use_xsave)
		__asm__ volatile("xrstor64 (%0)" ::"r"(t->fpu),
				 "a"((uint32_t)xcr0), "d"((uint32_t)(xcr0 >> 32))
				 : "memory");
	else
		__asm__ volatile("fxrstor64 (%0)" ::"r"(t->fpu) : "memory");
	t->fpu_full = false;
}

