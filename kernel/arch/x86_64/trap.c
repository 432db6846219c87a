/* SPDX-License-Identifier: MIT */
/* trap.c: the panic report for CPU exceptions and unexpected interrupts,
 * and the NMI that parks the other cores during a panic. */
#include <unidb/panic.h>
#include <stddef.h>
#include <unidb/printk.h>

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/lapic.h"
#include "arch/x86_64/paging.h"
#include "arch/x86_64/x86.h"
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

#define PF_PRESENT 1u
#define PF_WRITE 2u
#define PF_RSVD 8u /* a paging-structure entry has a reserved bit set */
#define PF_FETCH 16u

static const char *pf_kind(uint64_t error)
{
	if (error & PF_RSVD)
		return "reserved bit set in a page-table entry";
	return error & PF_PRESENT ? "protection violation" : "page not present";
}

static void print_cause(const struct trap_frame *f)
{
	const char *name = f->vector < 32 ? exception_names[f->vector] : NULL;

	if (name)
		printk("\nPANIC: %s (vector %lu, error code 0x%lx)\n", name,
		       f->vector, f->error);
	else
		printk("\nPANIC: unexpected interrupt vector %lu\n", f->vector);
	if (f->vector == 14) {
		uint64_t cr2 = read_cr2();
		printk("faulting address (CR2): 0x%016lx (%s, %s)%s\n", cr2,
		       f->error & PF_FETCH   ? "instruction fetch"
		       : f->error & PF_WRITE ? "write"
					     : "read",
		       pf_kind(f->error),
		       cr2 < 4096 ? " -- NULL pointer dereference" : "");
		paging_explain_fault(cr2, f->error, f->rip, f->rsp);
	}
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

static unsigned nmis_ignored;

/* The NMI that stops a core during a panic parks it; any other NMI (a
 * hypervisor's or firmware's watchdog, a host's `nmi` request) is
 * counted and ignored, as on Linux. No printk here: the NMI may have
 * interrupted this core inside printk, holding the console lock. */
void panic_nmi(struct trap_frame *f)
{
	if (panic_active())
		panic_park();
	__atomic_fetch_add(&nmis_ignored, 1, __ATOMIC_RELAXED);
}

unsigned nmi_ignored_count(void)
{
	return __atomic_load_n(&nmis_ignored, __ATOMIC_RELAXED);
}

/* Only cores that are online have an IDT: an NMI to one still starting
 * (or one left out) would triple-fault it, and to a core held in INIT it
 * is lost; neither would ever park. */
unsigned arch_stop_other_cpus(void)
{
	unsigned me = cpu_id(), sent = 0;

	for (unsigned i = 0; i < MAX_CPUS; i++) {
		struct cpu *c = cpus[i];
		if (i == me || !c ||
		    !__atomic_load_n(&c->online, __ATOMIC_ACQUIRE))
			continue;
		if (lapic_send_nmi(c->apic_id) == 0)
			sent++;
	}
	return sent;
}
