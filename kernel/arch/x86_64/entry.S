/* SPDX-License-Identifier: MIT */
/* entry.S: interrupt and exception entry stubs.
 *
 * Every vector gets a stub that makes the stack look the same: the CPU's
 * frame (ss, rsp, rflags, cs, rip), an error code (the CPU's, or 0), the
 * vector number, then all general registers, which is struct trap_frame
 * in cpu.h. The CPU aligns %rsp to 16 bytes before its pushes and we push
 * 22 words, so trap_dispatch() is called with the ABI's alignment. We
 * run in ring 0 only, so there is no swapgs. */

/* Intel SDM 3A, 6.13: vectors that push an error code. */
#define HAS_ERROR(v) ((v) == 8 || ((v) >= 10 && (v) <= 14) || (v) == 17 || \
		      (v) == 21 || (v) == 29 || (v) == 30)

	.text
	.balign 16
	.globl trap_stub_table_start
trap_stub_table_start:
	.set vec, 0
	.rept 256
	.balign 16
	.if !HAS_ERROR(vec)
	pushq $0
	.endif
	pushq $vec
	jmp trap_common
	.set vec, vec + 1
	.endr

trap_common:
	pushq %rax
	pushq %rbx
	pushq %rcx
	pushq %rdx
	pushq %rsi
	pushq %rdi
	pushq %rbp
	pushq %r8
	pushq %r9
	pushq %r10
	pushq %r11
	pushq %r12
	pushq %r13
	pushq %r14
	pushq %r15
	cld
	movq %rsp, %rdi
	call trap_dispatch
	popq %r15
	popq %r14
	popq %r13
	popq %r12
	popq %r11
	popq %r10
	popq %r9
	popq %r8
	popq %rbp
	popq %rdi
	popq %rsi
	popq %rdx
	popq %rcx
	popq %rbx
	popq %rax
	addq $16, %rsp
	iretq
