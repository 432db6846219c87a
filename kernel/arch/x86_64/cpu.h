/* SPDX-License-Identifier: MIT */
/* cpu.h: per-core data (reached through %gs), trap frames, IDT vectors. */
#ifndef ARCH_CPU_H
#define ARCH_CPU_H

#include <stdbool.h>
#include <stdint.h>
#include <unidb/cpu.h>

/* Intel SDM 3A, 8.7: 64-bit task-state segment. */
struct tss {
	uint32_t reserved0;
	uint64_t rsp[3];
	uint64_t reserved1;
	uint64_t ist[7];
	uint64_t reserved2;
	uint16_t reserved3;
	uint16_t iomap_base;
} __attribute__((packed));

/* IST slots (1-based in the IDT, 0-based in tss.ist[]): exceptions that
 * can arrive on a broken stack get a known-good one. */
#define IST_DOUBLE_FAULT 1
#define IST_NMI 2
#define IST_MACHINE_CHECK 3
#define IST_STACK_SIZE 8192

/* Interrupt vectors. 0-31 are CPU exceptions. */
#define VEC_IRQ_BASE 0x20    /* legacy PIC, remapped here and masked */
#define VEC_IOAPIC_BASE 0x30 /* GSI n -> VEC_IOAPIC_BASE + n */
#define VEC_LAPIC_TIMER 0xf0
#define VEC_CALL 0xf1	     /* cpu_call(): run a function on a core */
#define VEC_RESCHED 0xf2     /* a run queue changed: look at it */
#define VEC_SPURIOUS 0xff

/* Per-core block. %gs base points at it; self must stay first and id
 * second (cpu_id() and this_cpu() read %gs:0 and %gs:8). Fields written by
 * other cores are marked; the rest belong to the owning core. */
struct cpu {
	struct cpu *self;
	unsigned id;
	uint32_t apic_id;
	int preempt_count;
	volatile bool need_resched; /* switch at the next chance */
	volatile bool wake_pending; /* wake-ups deferred by interrupts (sched.c) */
	void *thread;		    /* thread_current(): its rq's curr */
	const char *thread_name;    /* shown by panic reports */
	unsigned irq_depth;	    /* in an interrupt handler (not an exception) */
	volatile bool online;    /* written once by the core itself */
	bool in_trap;		 /* detects a fault inside a fault report */

	/* cpu_call() mailbox: written by the caller under call_lock. */
	void (*volatile call_fn)(void *);
	void *volatile call_arg;
	volatile uint64_t call_seq, call_done;

	volatile uint64_t timer_ticks; /* LAPIC timer interrupts taken */
	uint64_t stack_top;	       /* boot stack of an AP */
	uint64_t entry_frame; /* an AP's first C frame (alignment check) */

	uint64_t gdt[6];
	struct tss tss;
	uint8_t ist_stacks[3][IST_STACK_SIZE] __attribute__((aligned(16)));
};

/* Saved by entry.S on every interrupt/exception; lowest address first. */
struct trap_frame {
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
	uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
	uint64_t vector, error;
	uint64_t rip, cs, rflags, rsp, ss; /* pushed by the CPU */
};

_Static_assert(__builtin_offsetof(struct cpu, id) == CPU_OFFSET_ID, "id");
_Static_assert(__builtin_offsetof(struct cpu, preempt_count) ==
		   CPU_OFFSET_PREEMPT,
	       "preempt_count");
_Static_assert(__builtin_offsetof(struct cpu, need_resched) ==
		   CPU_OFFSET_RESCHED,
	       "need_resched");
_Static_assert(__builtin_offsetof(struct cpu, thread) == CPU_OFFSET_THREAD,
	       "thread");
_Static_assert(__builtin_offsetof(struct cpu, wake_pending) ==
		   CPU_OFFSET_RESCHED + 1,
	       "wake_pending");

extern struct cpu *cpus[MAX_CPUS];

static inline struct cpu *this_cpu(void)
{
	struct cpu *c;
	__asm__ volatile("movq %%gs:0, %0" : "=r"(c));
	return c;
}

/* Loads GDT, TSS, IDT and %gs for the calling core. */
void cpu_init(struct cpu *c, unsigned id, uint32_t apic_id);

typedef void (*irq_handler_t)(struct trap_frame *f);
/* Installs the handler of an interrupt vector (>= 32). Boot only. */
void irq_set_handler(unsigned vector, irq_handler_t h);

/* Runs fn(arg) on core `cpu` in interrupt context and waits for it to
 * finish. The target must be online with interrupts enabled (idle). For
 * the calling core itself, fn runs directly. For tests and rare
 * per-core set-up; threads are the way to run work elsewhere. */
void cpu_call(unsigned cpu, void (*fn)(void *), void *arg);
/* Runs fn(arg) on every online core at the same time (the caller's own
 * share directly) and returns when all have finished. */
void cpu_call_all(void (*fn)(void *), void *arg);

void trap_init(void);
void trap_dispatch(struct trap_frame *f);
void cpu_calls_init(void);
void cpu_set_online(struct cpu *c);

/* trap.c: the panic report of an exception, and the NMI that stops every
 * core once one of them panics. */
void trap_fatal(struct trap_frame *f) __attribute__((noreturn));
void panic_nmi(struct trap_frame *f);
/* NMIs that came while no panic was active (ignored). */
unsigned nmi_ignored_count(void);
/* Sends the stop NMI to every other online core; returns how many. */
unsigned arch_stop_other_cpus(void);

#endif
