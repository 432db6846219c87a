/* SPDX-License-Identifier: MIT */
/* trampoline.S: application processor start-up, 16-bit -> 64-bit.
 *
 * smp.c copies this code to TRAMPOLINE_PHYS (below 1 MiB) and fills in the
 * parameter block at its end before each SIPI. An AP starts in real mode
 * at CS:IP = (TRAMPOLINE_PHYS >> 4):0 with no stack; it goes through
 * 32-bit protected mode to long mode on boot_pml4 (which still maps the
 * first 1 GiB identically) and jumps to tramp_entry in the higher half.
 * All addresses here are absolute: TP(x) is x's address once copied.
 *
 * The block names the one core it is for (tramp_apic_id) and hands over
 * its start record (struct ap_boot in smp.c: stack top at 0, cpu at 8,
 * APIC ID at 16) through tramp_boot, which the core takes with one xchg.
 * A core that is not the one named, or finds the record already taken or
 * withdrawn (smp.c gave up on it), halts here for good: it never touches
 * a stack or a struct cpu that smp.c may have freed or given to another.
 *
 * Registers: %esi holds the core's APIC ID from tramp32 on. C is entered
 * with %rsp = stack top - 8 (a zero return-address slot: the ABI's
 * alignment, and the end of backtraces), %rbp = 0, %rdi = struct cpu *. */
#include "arch/x86_64/layout.h"

#define TP(x) ((x) - trampoline_start + TRAMPOLINE_PHYS)
#define CR0_PE 0x1
#define CR0_MP 0x2
#define CR0_ET 0x10
#define CR0_WP 0x10000
#define CR0_PG 0x80000000
#define CR4_PAE 0x20
#define MSR_EFER 0xc0000080
#define EFER_LME 0x100
#define EFER_NXE 0x800
#define CPUID_NX_BIT 20		/* CPUID 0x80000001 EDX */
#define AP_BOOT_STACK 0
#define AP_BOOT_CPU 8
#define AP_BOOT_APIC_ID 16

	.section .trampoline, "a"
	.code16
	.globl trampoline_start
trampoline_start:
	cli
	cld
	ljmp $0, $TP(1f)	/* CS:IP = 0:abs, whatever the SIPI set */
1:	xorw %ax, %ax
	movw %ax, %ds
	lgdtl TP(tramp_gdt_desc)
	/* Written outright: INIT leaves CR0.CD and CR0.NW set (SDM 3A,
	 * 9.1.1, table 9-1), which would run this core uncached. */
	movl $(CR0_PE | CR0_MP | CR0_ET), %eax
	movl %eax, %cr0
	ljmpl $SEL_CODE32, $TP(tramp32)

	.code32
tramp32:
	movl $SEL_DATA, %eax
	movl %eax, %ds
	movl %eax, %es
	movl %eax, %ss

	/* Who am I: CPUID 0xB EDX (x2APIC ID) if valid, else 1 EBX[31:24],
	 * as cpuid_apic_id() decides for the boot core. */
	xorl %eax, %eax
	cpuid
	cmpl $0xb, %eax
	jb 2f
	movl $0xb, %eax
	xorl %ecx, %ecx
	cpuid
	testl %ebx, %ebx
	jz 2f
	movl %edx, %esi
	jmp 3f
2:	movl $1, %eax
	cpuid
	shrl $24, %ebx
	movl %ebx, %esi
3:	cmpl TP(tramp_apic_id), %esi
	jne park

	/* EFER.NXE only if the CPU has NX: else the write faults (KVM) or
	 * is dropped (TCG). boot.S decides the same way for the boot core. */
	movl $EFER_LME, %edi
	movl $0x80000000, %eax
	cpuid
	cmpl $0x80000001, %eax
	jb 4f
	movl $0x80000001, %eax
	cpuid
	btl $CPUID_NX_BIT, %edx
	jnc 4f
	orl $EFER_NXE, %edi
4:	movl %cr4, %eax
	orl $CR4_PAE, %eax
	movl %eax, %cr4
	movl TP(tramp_cr3), %eax
	movl %eax, %cr3
	movl $MSR_EFER, %ecx
	rdmsr
	orl %edi, %eax
	wrmsr
	movl %cr0, %eax
	orl $(CR0_PG | CR0_WP), %eax
	movl %eax, %cr0
	ljmpl $SEL_CODE64, $TP(tramp64)

park:
	cli
	hlt
	jmp park

	.code64
tramp64:
	xorl %edi, %edi
	xchgq %rdi, TP(tramp_boot)	/* take the record (locked) */
	testq %rdi, %rdi
	jz park64
	cmpl AP_BOOT_APIC_ID(%rdi), %esi
	jne give_back
	movq AP_BOOT_STACK(%rdi), %rsp
	pushq $0
	movq AP_BOOT_CPU(%rdi), %rdi
	movq TP(tramp_entry), %rax
	xorl %ebp, %ebp
	jmp *%rax

	/* Another core's record (this one came late, after smp.c moved on):
	 * put it back for its owner. */
give_back:
	movq %rdi, TP(tramp_boot)
park64:
	cli
	hlt
	jmp park64

	.balign 16
tramp_gdt:
	.quad 0
	.quad 0x00af9a000000ffff	/* SEL_CODE64 */
	.quad 0x00cf92000000ffff	/* SEL_DATA */
	.quad 0x00cf9a000000ffff	/* SEL_CODE32 */
tramp_gdt_end:
tramp_gdt_desc:
	.word tramp_gdt_end - tramp_gdt - 1
	.long TP(tramp_gdt)

	/* Parameter block, filled in by smp.c (struct trampoline_params). */
	.balign 8
	.globl trampoline_params
trampoline_params:
tramp_cr3:	.quad 0
tramp_entry:	.quad 0
tramp_apic_id:	.quad 0
tramp_boot:	.quad 0
	.globl trampoline_end
trampoline_end:
