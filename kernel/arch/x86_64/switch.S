/* SPDX-License-Identifier: MIT */
/* switch.S: thread stack switch.
 *
 * void switch_stack(uint64_t *save_rsp, uint64_t new_rsp)
 * Pushes the System V callee-saved registers (rbp, rbx, r12-r15) on the
 * current stack, stores %rsp in *save_rsp, loads new_rsp, pops the same
 * registers and returns on the new stack. Everything else is
 * caller-saved, so a voluntary switch saves nothing more; vector state of
 * a preempted thread is saved separately (fpu.c). Interrupts may be
 * enabled (a voluntary switch from thread_park() or thread_yield() leaves
 * them on): the caller holds its run-queue lock with preemption disabled,
 * and an interrupt taken here, on either stack, neither switches (it sees
 * the preemption count) nor takes a run-queue lock (sched.c).
 *
 * A new thread's stack (thread.c) holds six zero registers and the
 * address of thread_start, which calls thread_boot() (never returns) with
 * a 16-byte aligned stack and %rbp = 0 to end backtraces. */

	.text
	.globl switch_stack
switch_stack:
	pushq %rbp
	pushq %rbx
	pushq %r12
	pushq %r13
	pushq %r14
	pushq %r15
	movq %rsp, (%rdi)
	movq %rsi, %rsp
	popq %r15
	popq %r14
	popq %r13
	popq %r12
	popq %rbx
	popq %rbp
	ret

	.globl thread_start
thread_start:
	xorl %ebp, %ebp
	call thread_boot
	ud2
