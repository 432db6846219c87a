/* SPDX-License-Identifier: MIT */
/* cpu.c: per-core descriptor tables, %gs, cross-core calls, idle loop. */
#include <stddef.h>
#include <string.h>
#include <unidb/spinlock.h>

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/lapic.h"
#include "arch/x86_64/layout.h"
#include "arch/x86_64/paging.h"
#include "arch/x86_64/x86.h"
#include "mm/vm_internal.h"
#include "sched/sched.h"

struct cpu *cpus[MAX_CPUS];
static unsigned ncpus;

/* Intel SDM 3A, 6.14.1: 64-bit IDT gate descriptor. */
struct idt_gate {
	uint16_t offset_lo;
	uint16_t selector;
	uint8_t ist;
	uint8_t type; /* 0x8e: present, ring 0, 64-bit interrupt gate */
	uint16_t offset_mid;
	uint32_t offset_hi;
	uint32_t reserved;
} __attribute__((packed));

struct desc_ptr {
	uint16_t limit;
	uint64_t base;
} __attribute__((packed));

/* Filled by trap_init() before the image is protected, read only after:
 * a stray write cannot redirect an exception. */
static struct idt_gate idt[256] __attribute__((aligned(16))) __ro_after_init;
static irq_handler_t irq_handlers[256];
extern const char trap_stub_table_start[];

unsigned cpu_count(void)
{
	return __atomic_load_n(&ncpus, __ATOMIC_ACQUIRE);
}

static void idt_set(unsigned vec, unsigned ist)
{
	uint64_t a = (uint64_t)(trap_stub_table_start + 16 * vec);
	idt[vec] = (struct idt_gate){
	    .offset_lo = a & 0xffff,
	    .selector = SEL_CODE64,
	    .ist = ist,
	    .type = 0x8e,
	    .offset_mid = (a >> 16) & 0xffff,
	    .offset_hi = a >> 32,
	};
}

void trap_init(void)
{
	for (unsigned v = 0; v < 256; v++)
		idt_set(v, 0);
	idt_set(8, IST_DOUBLE_FAULT);
	idt_set(2, IST_NMI);
	idt_set(18, IST_MACHINE_CHECK);
}

void irq_set_handler(unsigned vector, irq_handler_t h)
{
	irq_handlers[vector] = h;
}

/* Intel SDM 3A, 3.4.5 and 8.2.3: code/data descriptors and the 16-byte
 * system descriptor of an available 64-bit TSS (type 9). */
static void gdt_fill(struct cpu *c)
{
	uint64_t base = (uint64_t)&c->tss, limit = sizeof(c->tss) - 1;

	c->gdt[0] = 0;
	c->gdt[1] = 0x00af9a000000ffff; /* SEL_CODE64 */
	c->gdt[2] = 0x00cf92000000ffff; /* SEL_DATA */
	c->gdt[3] = 0x00cf9a000000ffff; /* SEL_CODE32 */
	c->gdt[4] = (limit & 0xffff) | ((base & 0xffffff) << 16) |
		    (0x89UL << 40) | (((limit >> 16) & 0xf) << 48) |
		    (((base >> 24) & 0xff) << 56);
	c->gdt[5] = base >> 32;
}

void cpu_init(struct cpu *c, unsigned id, uint32_t apic_id)
{
	c->self = c;
	c->id = id;
	c->apic_id = apic_id;
	if (!c->thread_name)
		c->thread_name = "boot";
	for (int i = 0; i < 3; i++)
		c->tss.ist[i] = (uint64_t)(c->ist_stacks[i] + IST_STACK_SIZE);
	c->tss.iomap_base = sizeof(c->tss);
	gdt_fill(c);

	struct desc_ptr gdtr = {sizeof(c->gdt) - 1, (uint64_t)c->gdt};
	struct desc_ptr idtr = {sizeof(idt) - 1, (uint64_t)idt};
	__asm__ volatile("lgdt %0\n\t"
			 "lidt %1\n\t"
			 "ltr %w2\n\t"
			 "movl %3, %%eax\n\t"
			 "movl %%eax, %%ds\n\t"
			 "movl %%eax, %%es\n\t"
			 "movl %%eax, %%ss\n\t"
			 /* %gs must be a null selector before writing
			  * GS_BASE: loading a selector resets the base. */
			 "xorl %%eax, %%eax\n\t"
			 "movl %%eax, %%fs\n\t"
			 "movl %%eax, %%gs\n\t"
			 "pushq %4\n\t"
			 "leaq 1f(%%rip), %%rax\n\t"
			 "pushq %%rax\n\t"
			 "lretq\n"
			 "1:"
			 :
			 : "m"(gdtr), "m"(idtr), "r"((uint16_t)SEL_TSS),
			   "i"(SEL_DATA), "i"((uint64_t)SEL_CODE64)
			 : "rax", "memory");
	wrmsr(MSR_GS_BASE, (uint64_t)c);
	wrmsr(MSR_KERNEL_GS_BASE, 0);
	cpus[id] = c;
}

/* Called by smp.c when a core is ready to take work. */
void cpu_set_online(struct cpu *c)
{
	__atomic_store_n(&c->online, true, __ATOMIC_RELEASE);
	__atomic_fetch_add(&ncpus, 1, __ATOMIC_ACQ_REL);
}

static void call_handler(struct trap_frame *f)
{
	struct cpu *c = this_cpu();
	uint64_t seq = __atomic_load_n(&c->call_seq, __ATOMIC_ACQUIRE);

	if (seq == c->call_done)
		return;
	c->call_fn(c->call_arg);
	__atomic_store_n(&c->call_done, seq, __ATOMIC_RELEASE);
}

static void call_post(struct cpu *c, void (*fn)(void *), void *arg)
{
	c->call_fn = fn;
	c->call_arg = arg;
	__atomic_store_n(&c->call_seq, c->call_seq + 1, __ATOMIC_RELEASE);
	lapic_send_ipi(c->apic_id, VEC_CALL);
}

static void call_wait(struct cpu *c)
{
	while (__atomic_load_n(&c->call_done, __ATOMIC_ACQUIRE) != c->call_seq)
		cpu_relax();
}

/* One caller at a time: each core's mailbox has one slot, and two cores
 * calling each other while both wait with interrupts off would deadlock. */
static struct spinlock call_lock = SPINLOCK_INIT;

void cpu_call(unsigned cpu, void (*fn)(void *), void *arg)
{
	if (cpu == cpu_id()) {
		fn(arg);
		return;
	}
	spin_lock(&call_lock);
	call_post(cpus[cpu], fn, arg);
	call_wait(cpus[cpu]);
	spin_unlock(&call_lock);
}

void cpu_call_all(void (*fn)(void *), void *arg)
{
	unsigned me = cpu_id(), n = cpu_count();

	spin_lock(&call_lock);
	for (unsigned i = 0; i < n; i++)
		if (i != me)
			call_post(cpus[i], fn, arg);
	fn(arg);
	for (unsigned i = 0; i < n; i++)
		if (i != me)
			call_wait(cpus[i]);
	spin_unlock(&call_lock);
}

void cpu_calls_init(void)
{
	irq_set_handler(VEC_CALL, call_handler);
}

void trap_dispatch(struct trap_frame *f)
{
	if (f->vector == 2) {
		panic_nmi(f);
		return;
	}
	if (f->vector == 14 && vm_fault(read_cr2(), f->error, f) == 0)
		return;
	if (f->vector < 32 || !irq_handlers[f->vector])
		trap_fatal(f);
	this_cpu()->irq_depth++;
	irq_handlers[f->vector](f);
	this_cpu()->irq_depth--;
	if (f->vector != VEC_SPURIOUS)
		lapic_eoi();
	sched_irq_exit(f);
}
