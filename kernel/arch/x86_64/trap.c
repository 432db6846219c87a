/* SPDX-License-Identifier: MIT */
/* trap.c: the panic report for CPU exceptions and unexpected interrupts,
 * and the NMI that parks the other cores during a panic. */
#include <unidb/panic.h>
#include <stddef.h>
#include <unidb/printk.h>

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/lapic.h"
#include "arch/x86_64/layout.h"
#include "arch/x86_64/paging.h"
#include "arch/x86_64/pte.h"
#include "arch/x86_64/x86.h"
#include "core/ksyms.h"
#include "core/panic.h"
#include "sched/sched.h"

/* Intel SDM 3A, 6.3.1, table 6-1. */
static const char *const exception_names[32] = {
    [0] = "#DE divide error",
    [1] = "#DB debug",
    [2] = "NMI",
    [3] = "#BP breakpoint",
    [4] = "#OF overflow",
    [5] = "#BR bound range exceeded",
    [6] = "#UD invalid opcode",
    [7] = "#NM device not available",
    [8] = "#DF double fault",
    [10] = "#TS invalid TSS",
    [11] = "#NP segment not present",
    [12] = "#SS stack-segment fault",
    [13] = "#GP general protection",
    [14] = "#PF page fault",
    [16] = "#MF x87 floating-point error",
    [17] = "#AC alignment check",
    [18] = "#MC machine check",
    [19] = "#XM SIMD floating-point exception",
    [20] = "#VE virtualization exception",
    [21] = "#CP control protection",
};

/* Intel SDM 3A, 4.7: page-fault error code. */
#define PF_PRESENT 1u /* P: 0 page not present, 1 protection violation */
#define PF_WRITE 2u   /* W/R: the access was a write */
#define PF_USER 4u    /* U/S: from user mode (never, here) */
#define PF_RSVD 8u    /* a reserved bit was set in a paging entry */
#define PF_FETCH 16u  /* I/D: an instruction fetch */

static const char *pf_reason(uint64_t err, uint64_t cr2)
{
	if (cr2 < 4096)
		return " -- NULL pointer dereference";
	if (err & PF_RSVD)
		return " -- reserved bit set in a page-table entry";
	if (!(err & PF_PRESENT))
		return "";
	if (err & PF_FETCH)
		return " -- instruction fetch from non-executable page";
	if (err & PF_WRITE)
		return " -- write to read-only page";
	return "";
}

extern const char __kernel_start[], __rodata_start[], __rodata_end[],
    __kernel_end[];

/* Which part of the address space va lies in (layout.h, linker.ld). */
static const char *region(uint64_t va)
{
	if (va >= (uint64_t)__kernel_start && va < (uint64_t)__rodata_start)
		return "kernel code";
	if (va >= (uint64_t)__rodata_start && va < (uint64_t)__rodata_end)
		return "kernel read-only data";
	if (va >= (uint64_t)__rodata_end && va < (uint64_t)__kernel_end)
		return "kernel data";
	if (va >= DIRECT_MAP && va < KSTACK_BASE)
		return "direct map (heap, frames)";
	if (va >= KSTACK_BASE && va < KSTACK_BASE + KSTACK_SIZE_ALL)
		return "thread stacks";
	if (va >= MMIO_BASE && va < MMIO_BASE + MMIO_SIZE)
		return "device registers";
	if (va < (1UL << 47))
		return "vm areas (lower half)";
	return "unmapped kernel space";
}

static void print_page_fault(const struct trap_frame *f)
{
	uint64_t cr2 = read_cr2(), err = f->error, off;

	printk("faulting address (CR2): 0x%016lx (%s, %s)%s\n", cr2,
	       err & PF_FETCH	? "instruction fetch"
	       : err & PF_WRITE ? "write"
				: "read",
	       err & PF_PRESENT ? "protection violation" : "page not present",
	       pf_reason(err, cr2));
	printk("error code: P=%d W/R=%d U/S=%d RSVD=%d I/D=%d\n",
	       !!(err & PF_PRESENT), !!(err & PF_WRITE), !!(err & PF_USER),
	       !!(err & PF_RSVD), !!(err & PF_FETCH));
	const char *fn = ksym_lookup(cr2, &off);
	if (fn)
		printk("address in: %s (%s+0x%lx)\n", region(cr2), fn, off);
	else
		printk("address in: %s\n", region(cr2));
	/* A call into data faults before the callee makes a frame: the
	 * return address on top of the stack names the caller. */
	if ((err & PF_FETCH) && f->rip == cr2 &&
	    (paging_rights(f->rsp) & PTE_P)) {
		uint64_t ret = *(const uint64_t *)f->rsp;
		fn = ksym_lookup(ret - 1, &off);
		if (fn)
			printk("jumped to from: %016lx %s+0x%lx\n", ret, fn,
			       off + 1);
	}
}

static void print_cause(const struct trap_frame *f)
{
	const char *name = f->vector < 32 ? exception_names[f->vector] : NULL;

	if (name)
		printk("\nPANIC: %s (vector %lu, error code 0x%lx)\n", name,
		       f->vector, f->error);
	else
		printk("\nPANIC: unexpected interrupt vector %lu\n", f->vector);
	if (f->vector == 14)
		print_page_fault(f);
}

/* A fault on a guard page is a stack overflow; with the stack gone, it
 * usually arrives as a double fault, with CR2 still naming the page. */
static void print_stack_overflow(const struct trap_frame *f)
{
	if (f->vector != 14 && f->vector != 8)
		return;
	const char *owner = sched_guard_owner(read_cr2());
	if (owner)
		printk("kernel stack overflow: thread %s ran into its guard "
		       "page\n",
		       owner);
}

static void print_regs(const struct trap_frame *f)
{
	printk("RIP %016lx  RSP %016lx  RFLAGS %016lx\n", f->rip, f->rsp,
	       f->rflags);
	printk("RAX %016lx  RBX %016lx  RCX %016lx\n", f->rax, f->rbx, f->rcx);
	printk("RDX %016lx  RSI %016lx  RDI %016lx\n", f->rdx, f->rsi, f->rdi);
	printk("RBP %016lx  R8  %016lx  R9  %016lx\n", f->rbp, f->r8, f->r9);
	printk("R10 %016lx  R11 %016lx  R12 %016lx\n", f->r10, f->r11, f->r12);
	printk("R13 %016lx  R14 %016lx  R15 %016lx\n", f->r13, f->r14, f->r15);
	printk("CS %04lx SS %04lx  CR0 %08lx  CR3 %016lx  CR4 %08lx\n", f->cs,
	       f->ss, read_cr0(), read_cr3(), read_cr4());
}

void trap_fatal(struct trap_frame *f)
{
	panic_enter();
	print_cause(f);
	print_stack_overflow(f);
	struct cpu *c = cpus[0] ? this_cpu() : NULL;
	printk("cpu %u, thread %s\n", c ? c->id : 0,
	       c ? c->thread_name : "boot");
	print_regs(f);
	panic_backtrace(f->rip, f->rbp);
	poweroff(POWEROFF_PANIC);
}

void panic_nmi(struct trap_frame *f)
{
	if (panic_active())
		panic_park();
	trap_fatal(f);
}

void arch_stop_other_cpus(void)
{
	lapic_send_nmi_all_but_self();
}
