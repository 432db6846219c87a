/* SPDX-License-Identifier: MIT */
/* trampoline.S: application processor start-up, 16-bit -> 64-bit.
 *
 * smp.c copies this code to TRAMPOLINE_PHYS (below 1 MiB) and fills in the
 * parameter block at its end before each SIPI. An AP starts in real mode
 * at CS:IP = (TRAMPOLINE_PHYS >> 4):0 with no stack; it goes through
 * 32-bit protected mode to long mode on boot_pml4 (which still maps the
 * first 1 GiB identically), jumps to tramp_entry in the higher half with
 * %rsp = tramp_stack and %rdi = tramp_arg. All addresses here are
 * absolute: TP(x) is x's address once copied. */
#include "arch/x86_64/layout.h"

#define TP(x) ((x) - trampoline_start + TRAMPOLINE_PHYS)
#define CR0_PE 0x1
#define CR0_WP 0x10000
#define CR0_PG 0x80000000
#define CR4_PAE 0x20
#define MSR_EFER 0xc0000080
#define EFER_LME 0x100
#define EFER_NXE 0x800

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
	movl %cr0, %eax
	orl $CR0_PE, %eax
	movl %eax, %cr0
	ljmpl $SEL_CODE32, $TP(tramp32)

	.code32
tramp32:
	movl $SEL_DATA, %eax
	movl %eax, %ds
	movl %eax, %es
	movl %eax, %ss
	movl %cr4, %eax
	orl $CR4_PAE, %eax
	movl %eax, %cr4
	movl TP(tramp_cr3), %eax
	movl %eax, %cr3
	movl $MSR_EFER, %ecx
	rdmsr
	orl $(EFER_LME | EFER_NXE), %eax
	wrmsr
	movl %cr0, %eax
	orl $(CR0_PG | CR0_WP), %eax
	movl %eax, %cr0
	ljmpl $SEL_CODE64, $TP(tramp64)

	.code64
tramp64:
	movq TP(tramp_stack), %rsp
	movq TP(tramp_arg), %rdi
	movq TP(tramp_entry), %rax
	xorl %ebp, %ebp
	jmp *%rax

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
tramp_stack:	.quad 0
tramp_entry:	.quad 0
tramp_arg:	.quad 0
	.globl trampoline_end
trampoline_end:
