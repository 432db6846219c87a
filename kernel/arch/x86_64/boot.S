/* SPDX-License-Identifier: MIT */
/* boot.S: PVH entry; 32-bit protected mode -> long mode -> kmain().
 *
 * Entered per the Xen PVH boot ABI (xen/include/public/arch-x86/
 * hvm/start_info.h): 32-bit flat protected mode, paging off, interrupts
 * off, %ebx = physical address of struct hvm_start_info, no usable stack.
 * We build nothing at run time: boot_pml4 below maps the first 1 GiB both
 * identically (for this code and the AP trampoline) and at KERNEL_VMA.
 * %esi carries the start-info pointer into kmain(). */
#include "arch/x86_64/layout.h"

#define PHYS(x) ((x) - KERNEL_VMA)
#define PTE_P 0x1
#define PTE_W 0x2
#define PTE_PS 0x80		/* Intel SDM 3A, 4.5: PDE maps a 2 MiB page */
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
#define XEN_ELFNOTE_PHYS32_ENTRY 18

	.section .note.Xen, "a"
	.balign 4
	.long 4			/* name size: "Xen\0" */
	.long 4			/* descriptor size */
	.long XEN_ELFNOTE_PHYS32_ENTRY
	.asciz "Xen"
	.balign 4
	.long PHYS(pvh_start32)
	.balign 4

	.section .boot.text, "ax"
	.code32
	.globl pvh_start32
pvh_start32:
	cli
	cld
	movl %ebx, %esi
	/* The VMM zero-fills .bss already; clearing it again costs little
	 * and does not depend on that. */
	movl $PHYS(__bss_start), %edi
	movl $PHYS(__bss_end), %ecx
	subl %edi, %ecx
	xorl %eax, %eax
	rep stosb
	movl $PHYS(boot_stack_top), %esp

	/* EFER.NXE only if the CPU has NX: setting it otherwise faults
	 * under KVM (no IDT yet: a silent triple fault) and is ignored by
	 * TCG. Without NX, pte_nx is 0 and data stays executable (the boot
	 * summary says so). */
	movl $EFER_LME, %edi
	movl $0x80000000, %eax
	cpuid
	cmpl $0x80000001, %eax
	jb 1f
	movl $0x80000001, %eax
	cpuid
	btl $CPUID_NX_BIT, %edx
	jnc 1f
	orl $EFER_NXE, %edi
1:	movl %cr4, %eax
	orl $CR4_PAE, %eax
	movl %eax, %cr4
	movl $PHYS(boot_pml4), %eax
	movl %eax, %cr3
	movl $MSR_EFER, %ecx
	rdmsr
	orl %edi, %eax
	wrmsr
	/* CR0 written outright: the PVH ABI fixes only PE and PG, and a
	 * VMM may leave CD/NW (caches off) set. */
	movl $(CR0_PG | CR0_PE | CR0_WP | CR0_MP | CR0_ET), %eax
	movl %eax, %cr0

	lgdt PHYS(boot_gdt_desc)
	ljmp $SEL_CODE64, $PHYS(start64_low)

	.code64
start64_low:
	movabsq $start64, %rax
	jmp *%rax

	.text
start64:
	movl $SEL_DATA, %eax
	movl %eax, %ds
	movl %eax, %es
	movl %eax, %ss
	xorl %eax, %eax
	movl %eax, %fs
	movl %eax, %gs
	/* Reload the GDT through its higher-half address so that nothing
	 * refers to the identity map once kmain() removes it. */
	lgdt boot_gdt_desc64
	movabsq $boot_stack_top, %rsp
	xorl %ebp, %ebp		/* terminates backtraces */
	/* The stack canary before any C function that checks it runs
	 * (core/stack_protector.c); %r12 is callee-saved. */
	movl %esi, %r12d
	call stack_guard_init
	movl %r12d, %edi
	call kmain
1:	cli
	hlt
	jmp 1b

	.data
	.balign 16
	.globl boot_gdt
boot_gdt:
	.quad 0
	.quad 0x00af9a000000ffff	/* SEL_CODE64: L=1, present, ring 0 */
	.quad 0x00cf92000000ffff	/* SEL_DATA: flat, writable */
	.quad 0x00cf9a000000ffff	/* SEL_CODE32: flat (AP trampoline) */
boot_gdt_end:
	.globl boot_gdt_desc
boot_gdt_desc:
	.word boot_gdt_end - boot_gdt - 1
	.long PHYS(boot_gdt)
	.balign 8
boot_gdt_desc64:
	.word boot_gdt_end - boot_gdt - 1
	.quad boot_gdt

	.balign 4096
	.globl boot_pml4
boot_pml4:
	.quad PHYS(boot_pdpt_low) + (PTE_P | PTE_W)
	.fill 510, 8, 0
	.quad PHYS(boot_pdpt_high) + (PTE_P | PTE_W)
boot_pdpt_low:
	.quad PHYS(boot_pd) + (PTE_P | PTE_W)
	.fill 511, 8, 0
boot_pdpt_high:
	.fill 510, 8, 0
	.quad PHYS(boot_pd) + (PTE_P | PTE_W)	/* KERNEL_VMA: slot 510 */
	.quad 0
boot_pd:
	.set i, 0
	.rept 512
	.quad (i << 21) + (PTE_P | PTE_W | PTE_PS)
	.set i, i + 1
	.endr

	.bss
	.balign 16
	.globl boot_stack_top
boot_stack:
	.skip BOOT_STACK_SIZE
boot_stack_top:
