/* SPDX-License-Identifier: MIT */
/* smp.c: starts every application processor the MADT lists.
 *
 * One AP at a time (the trampoline has one parameter block): INIT, then
 * STARTUP IPIs (Intel SDM 3A, 9.4.4.1) until the AP reports online.
 * Cores get dense ids in start order; a core that does not answer within
 * AP_TIMEOUT_NS is reported and left out. */
#include <string.h>
#include <unidb/heap.h>
#include <unidb/panic.h>
#include <unidb/printk.h>
#include <unidb/time.h>

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/lapic.h"
#include "arch/x86_64/layout.h"
#include "arch/x86_64/paging.h"
#include "arch/x86_64/smp.h"
#include "arch/x86_64/x86.h"
#include "sched/sched.h"
#include "drivers/acpi.h"

#define AP_TIMEOUT_NS 200000000
#define SIPI_RETRY_NS 1000000
#define KSTACK_ORDER 2 /* 16 KiB: the core's idle thread runs on it */
#define KSTACK_BYTES (4096UL << KSTACK_ORDER)

struct trampoline_params {
	uint64_t cr3, stack, entry, arg;
};

extern const char trampoline_start[], trampoline_end[];
extern const char trampoline_params[];

static void ap_entry(struct cpu *c)
{
	cpu_init(c, c->id, c->apic_id);
	lapic_init();
	sched_start_cpu(c->stack_top - KSTACK_BYTES, c->stack_top);
}

static bool wait_online(struct cpu *c, uint64_t ns)
{
	uint64_t end = time_ns() + ns;
	while (!__atomic_load_n(&c->online, __ATOMIC_ACQUIRE))
		if (time_ns() > end)
			return false;
	return true;
}

static bool start_ap(struct trampoline_params *p, struct cpu *c)
{
	paddr_t stack = frame_alloc(KSTACK_ORDER);
	if (!stack)
		panic("smp: no memory for a kernel stack");
	c->stack_top = (uint64_t)phys_to_virt(stack) + KSTACK_BYTES;
	p->stack = c->stack_top;
	p->arg = (uint64_t)c;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);

	lapic_send_init(c->apic_id);
	time_delay_ns(10000);
	for (int sipi = 0; sipi < 2; sipi++) {
		lapic_send_sipi(c->apic_id, TRAMPOLINE_PHYS >> 12);
		if (wait_online(c, SIPI_RETRY_NS))
			return true;
	}
	if (wait_online(c, AP_TIMEOUT_NS))
		return true;
	frame_free(stack, KSTACK_ORDER); /* the core never ran on it */
	return false;
}

void smp_start(void)
{
	/* Linker symbols: compare addresses, not C objects. */
	uintptr_t start = (uintptr_t)trampoline_start;
	size_t size = (uintptr_t)trampoline_end - start;
	char *t = phys_to_virt(TRAMPOLINE_PHYS);
	struct trampoline_params *p =
	    (void *)(t + ((uintptr_t)trampoline_params - start));

	memcpy(t, trampoline_start, size);
	p->cr3 = read_cr3();
	p->entry = (uint64_t)ap_entry;
	for (unsigned i = 1; i < acpi.ncpus; i++) {
		struct cpu *c = kzalloc(sizeof(*c));
		if (!c)
			panic("smp: no memory for cpu %u", i);
		c->id = cpu_count();
		c->apic_id = acpi.apic_ids[i];
		c->thread_name = "idle";
		if (!start_ap(p, c)) {
			printk("smp: cpu with APIC id %u did not start\n",
			       c->apic_id);
			kfree(c);
		}
	}
}
