/* SPDX-License-Identifier: MIT */
/* panic.c: panic(), backtraces, stopping the machine.
 *
 * The report must come out whatever state the kernel is in, so nothing
 * here allocates, sleeps or takes a lock another core may hold: the first
 * core to panic wins panic_cpu with one compare-and-swap, stops the others
 * with an NMI and takes the console over. */
#include <stdarg.h>
#include <stddef.h>
#include <unidb/cpu.h>
#include <unidb/panic.h>
#include <unidb/spinlock.h>
#include <unidb/printk.h>

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/layout.h"
#include "arch/x86_64/x86.h"
#include "core/console.h"
#include "core/ksyms.h"
#include "core/panic.h"
#include <unidb/time.h>

#define BACKTRACE_MAX 32	/* lines printed */
#define BACKTRACE_WALK 4096 /* frames followed */
#define STOP_WAIT_NS 1000000000UL /* for the other cores to park */
#define STOP_WAIT_TSC (1UL << 32) /* the same, before the clock runs */

static int panic_cpu = -1;
static unsigned cpus_parked;
static bool parked[MAX_CPUS]; /* counted once, however a core gets here */
extern char __kernel_start[], __kernel_end[];

bool panic_active(void)
{
	return __atomic_load_n(&panic_cpu, __ATOMIC_ACQUIRE) >= 0;
}

void panic_park(void)
{
	unsigned me = cpus[0] ? cpu_id() : 0;

	/* A core that lost the panic race parks here, then takes the stop
	 * NMI and comes here again: count it once. */
	if (me < MAX_CPUS && !__atomic_exchange_n(&parked[me], true,
						  __ATOMIC_ACQ_REL))
		__atomic_fetch_add(&cpus_parked, 1, __ATOMIC_RELEASE);
	for (;;) {
		irq_disable();
		halt();
	}
}

void panic_enter(void)
{
	int me = cpus[0] ? (int)cpu_id() : 0;
	int none = -1;

	irq_disable();
	if (!__atomic_compare_exchange_n(&panic_cpu, &none, me, false,
					 __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
		if (none != me)
			panic_park(); /* another core reports */
		printk("\nPANIC: nested fault while reporting a panic\n");
		poweroff(POWEROFF_PANIC);
	}
	console_take_over(me);
	unsigned others = cpus[0] ? arch_stop_other_cpus() : 0;
	/* Bounded by time: a core that does not answer must not hide the
	 * report. Before the clock is calibrated, by TSC cycles. */
	bool clock = time_tsc_hz() != 0;
	uint64_t t0 = clock ? time_ns() : rdtsc();
	while (__atomic_load_n(&cpus_parked, __ATOMIC_ACQUIRE) < others) {
		uint64_t waited = clock ? time_ns() - t0 : rdtsc() - t0;
		if (waited > (clock ? STOP_WAIT_NS : STOP_WAIT_TSC))
			break;
		cpu_relax();
	}
}

static bool frame_ok(uint64_t rbp)
{
	/* Stacks live in the image (boot stack), the direct map (boot stacks
	 * of other cores) or the thread stack region. */
	bool in_image = rbp >= (uint64_t)__kernel_start &&
			rbp + 16 <= (uint64_t)__kernel_end;
	bool in_direct = rbp >= DIRECT_MAP && rbp < KSTACK_BASE;
	bool in_kstack =
	    rbp >= KSTACK_BASE && rbp < KSTACK_BASE + KSTACK_SIZE_ALL;
	return !(rbp & 7) && (in_image || in_direct || in_kstack);
}

static void print_addr(int depth, uint64_t addr, uint64_t lookup)
{
	uint64_t off;
	const char *name = ksym_lookup(lookup, &off);

	if (name)
		printk("  #%-2d %016lx %s+0x%lx\n", depth, addr, name,
		       off + (addr - lookup));
	else
		printk("  #%-2d %016lx ?\n", depth, addr);
}

/* Deep recursion (a stack overflow) would fill the report with one
 * frame: runs of the same return address print once, with a count. */
void panic_backtrace(uint64_t rip, uint64_t rbp)
{
	uint64_t last = 0, repeats = 0;
	int depth = 1;

	printk("backtrace:\n");
	print_addr(0, rip, rip);
	for (int walked = 0; walked < BACKTRACE_WALK && rbp && frame_ok(rbp);
	     walked++) {
		uint64_t ret = ((uint64_t *)rbp)[1];
		rbp = ((uint64_t *)rbp)[0];
		if (!ret)
			break;
		if (ret == last) {
			repeats++;
			continue;
		}
		if (repeats)
			printk("      ... the frame above %lu more times\n",
			       repeats);
		repeats = 0;
		last = ret;
		if (depth == BACKTRACE_MAX) {
			printk("      ... more frames not shown\n");
			return;
		}
		/* ret - 1 lies in the calling instruction: right even when
		 * the call was a function's last instruction. */
		print_addr(depth++, ret, ret - 1);
	}
	if (repeats)
		printk("      ... the frame above %lu more times\n", repeats);
}

void panic(const char *fmt, ...)
{
	va_list ap;

	panic_enter();
	printk("\nPANIC: ");
	va_start(ap, fmt);
	vprintk(fmt, ap);
	va_end(ap);
	struct cpu *c = cpus[0] ? this_cpu() : NULL;
	printk("\ncpu %u, thread %s\n", c ? c->id : 0,
	       c ? c->thread_name : "boot");
here:
	panic_backtrace((uint64_t)&&here, (uint64_t)__builtin_frame_address(0));
	poweroff(POWEROFF_PANIC);
}
