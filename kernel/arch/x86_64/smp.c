/* SPDX-License-Identifier: MIT */
/* smp.c: starts every application processor the MADT (or MP table) lists.
 *
 * One AP at a time (the trampoline has one parameter block): INIT, then
 * STARTUP IPIs (Intel SDM 3A, 9.4.4.1) until the AP reports online.
 * Cores get dense ids in start order; a core that does not answer within
 * AP_TIMEOUT_NS is reported and left out.
 *
 * A core left out may still start later (a slow host, a lost SIPI). It
 * must then never run on memory given to someone else: its start record
 * (struct ap_boot) is handed over by an atomic exchange (trampoline.S),
 * so either the core took it -- then its stack and struct cpu are never
 * freed or reused -- or smp.c took it back and the core, if it ever gets
 * there, finds nothing and halts. Either way it is sent INIT, which holds
 * it in wait-for-SIPI, and no other SIPI is addressed to it. */
#include <string.h>
#include <unidb/heap.h>
#include <unidb/panic.h>
#include <unidb/printk.h>
#include <unidb/time.h>

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/cpuid.h"
#include "arch/x86_64/lapic.h"
#include "arch/x86_64/layout.h"
#include "arch/x86_64/paging.h"
#include "arch/x86_64/smp.h"
#include "arch/x86_64/x86.h"
#include "sched/sched.h"
#include "drivers/acpi.h"

#define AP_TIMEOUT_NS 200000000
#define AP_LATE_NS 1000000000 /* a core that took its record: more time */
#define SIPI_RETRY_NS 1000000
/* INIT to SIPI: 10 ms on hardware (SDM 3A, 9.4.4.1); virtual CPUs take
 * INIT at once (KVM applies it before the next entry), as Linux assumes
 * for every CPU of the last 15 years. */
#define INIT_DELAY_HW_NS 10000000
#define INIT_DELAY_VM_NS 10000
#define KSTACK_ORDER 2 /* 16 KiB: the core's idle thread runs on it */
#define KSTACK_BYTES (4096UL << KSTACK_ORDER)

/* Layout shared with trampoline.S (AP_BOOT_* there). */
struct ap_boot {
	uint64_t stack_top;
	struct cpu *cpu;
	uint32_t apic_id;
};
_Static_assert(__builtin_offsetof(struct ap_boot, cpu) == 8, "AP_BOOT_CPU");
_Static_assert(__builtin_offsetof(struct ap_boot, apic_id) == 16,
	       "AP_BOOT_APIC_ID");

struct trampoline_params {
	uint64_t cr3, entry, apic_id;
	struct ap_boot *boot; /* taken by the AP with xchg */
};

extern const char trampoline_start[], trampoline_end[];
extern const char trampoline_params[];

static uint64_t init_delay_ns;

static void ap_entry(struct cpu *c)
{
	/* rbp after the prologue is 16-byte aligned iff the trampoline
	 * entered C as a call would (cpu_test.c checks it). */
	c->entry_frame = (uint64_t)__builtin_frame_address(0);
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

static bool send_startup(struct cpu *c)
{
	if (lapic_send_init(c->apic_id))
		return false; /* an ID xAPIC mode cannot name */
	time_delay_ns(init_delay_ns);
	for (int sipi = 0; sipi < 2; sipi++) {
		lapic_send_sipi(c->apic_id, TRAMPOLINE_PHYS >> 12);
		if (wait_online(c, SIPI_RETRY_NS))
			return true;
	}
	return wait_online(c, AP_TIMEOUT_NS);
}

/* Returns true if the core came online; false if it did not, and then
 * *c_reusable says whether c may be freed (the core never took it). */
static bool start_ap(struct trampoline_params *p, struct cpu *c,
		     bool *c_reusable)
{
	paddr_t stack = frame_alloc(KSTACK_ORDER);
	struct ap_boot *b = kzalloc(sizeof(*b));
	if (!stack || !b)
		panic("smp: no memory to start a core");
	c->stack_top = (uint64_t)phys_to_virt(stack) + KSTACK_BYTES;
	*b = (struct ap_boot){c->stack_top, c, c->apic_id};
	p->apic_id = c->apic_id;
	__atomic_store_n(&p->boot, b, __ATOMIC_RELEASE);

	if (send_startup(c))
		return true;
	struct ap_boot *back =
	    __atomic_exchange_n(&p->boot, NULL, __ATOMIC_ACQ_REL);
	if (!back && wait_online(c, AP_LATE_NS))
		return true; /* it took the record and got there */
	lapic_send_init(c->apic_id);
	*c_reusable = back != NULL;
	if (back) {
		frame_free(stack, KSTACK_ORDER); /* the core never ran on it */
		kfree(b);
	}
	return false;
}

static struct trampoline_params *params(void)
{
	/* Linker symbols: compare addresses, not C objects. */
	uintptr_t start = (uintptr_t)trampoline_start;
	char *t = phys_to_virt(TRAMPOLINE_PHYS);
	return (void *)(t + ((uintptr_t)trampoline_params - start));
}

bool smp_try_start(uint32_t apic_id, bool *reusable, bool *withdrawn)
{
	struct cpu *c = kzalloc(sizeof(*c));
	if (!c)
		return false;
	c->id = cpu_count();
	c->apic_id = apic_id;
	c->thread_name = "idle";
	*reusable = true;
	bool ok = start_ap(params(), c, reusable);
	*withdrawn = __atomic_load_n(&params()->boot, __ATOMIC_ACQUIRE) == NULL;
	if (!ok && *reusable)
		kfree(c);
	return ok;
}

static void report_left_out(uint32_t apic_id, bool reusable)
{
	if (reusable)
		printk("smp: cpu with APIC id %u did not start\n", apic_id);
	else
		printk("smp: cpu with APIC id %u started too late; held in "
		       "INIT, its memory is never reused\n",
		       apic_id);
}

void smp_start(void)
{
	uintptr_t start = (uintptr_t)trampoline_start;
	size_t size = (uintptr_t)trampoline_end - start;
	struct trampoline_params *p = params();
	uint32_t r[4];

	cpuid(1, 0, r);
	init_delay_ns =
	    r[2] & CPUID_1_ECX_HYPERVISOR ? INIT_DELAY_VM_NS : INIT_DELAY_HW_NS;
	memcpy(phys_to_virt(TRAMPOLINE_PHYS), trampoline_start, size);
	p->cr3 = read_cr3();
	p->entry = (uint64_t)ap_entry;
	for (unsigned i = 1; i < acpi.ncpus; i++) {
		struct cpu *c = kzalloc(sizeof(*c));
		bool reusable = true;
		if (!c)
			panic("smp: no memory for cpu %u", i);
		c->id = cpu_count();
		c->apic_id = acpi.apic_ids[i];
		c->thread_name = "idle";
		if (start_ap(p, c, &reusable))
			continue;
		report_left_out(c->apic_id, reusable);
		if (reusable)
			kfree(c);
	}
	if (acpi.cpus_ignored)
		printk("smp: %u more cpus listed beyond MAX_CPUS (%u); not "
		       "started\n",
		       acpi.cpus_ignored, MAX_CPUS);
}
