/* SPDX-License-Identifier: MIT */
/* tlb.c: TLB shootdown for the lower half, batched, with deferred frees.
 *
 * Design. A shootdown is one request (a batch of up to TLB_BATCH page
 * addresses, or "everything") in a global slot, one IPI (VEC_TLB) to each
 * other online core, and a wait for each core's acknowledgement, which it
 * gives after its invlpgs (or CR3 reload) in the interrupt handler. The
 * sender flushes its own TLB meanwhile. Requests are serialised by
 * tlb_lock; the sender keeps interrupts enabled while it waits, so two
 * cores that shoot down at once cannot deadlock (the loser spins on the
 * lock with interrupts on and acknowledges the winner).
 *
 * Targets: every online core but the caller, except idle ones.
 * Translations are cached by any access, not only by faults, and threads
 * migrate between cores, so no smaller set of running cores is provably
 * complete. A core that halts in its idle loop runs only higher-half
 * kernel code until it runs a thread again; it keeps its TLB (a flush at
 * every halt would cost the next thread its working set) but is marked
 * not live, and shootdowns skip it. When it leaves idle it compares the
 * request counter with the last request it acted on and flushes everything
 * if it missed one (the lazy TLB mode of Linux, per core instead of per
 * address space). A shootdown that frees page tables goes to idle cores
 * too: a core may walk its cached paging structures speculatively at any
 * time, and must not reach a freed table. With one core no IPI is sent.
 *
 * Grace. A core acknowledges only outside the vm fault path, which runs
 * with interrupts off: in the IPI handler, in tlb_poll() (while waiting
 * for tlb_lock, which the fault path never does, or in a copy-on-write
 * fault that then returns without walking again) and when it leaves idle.
 * So an acknowledgement also proves that no fault path that started
 * before the request is still running on that core. Table frames
 * handed to tlb_defer_free() before a shootdown starts are freed after
 * all acknowledgements: no core caches them in its paging-structure
 * caches any more (SDM 3A 4.10.4.1: invlpg and a CR3 load both drop
 * paging-structure cache entries) and no fault path walks them.
 *
 * Lock order: tlb_lock only, never held while taking another lock. */
#include <unidb/cpu.h>
#include <unidb/spinlock.h>

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/lapic.h"
#include "arch/x86_64/x86.h"
#include "mm/frame.h"
#include "mm/tlb.h"

static struct spinlock tlb_lock = SPINLOCK_INIT;
/* The current request; written under tlb_lock before req_seq moves. */
static uint64_t req_va[TLB_BATCH];
static unsigned req_n; /* 0: flush everything */
static uint64_t req_seq;

/* Per core: the last request it has acted on, and whether it is running
 * threads, which may use lower-half translations (both written by that
 * core only). */
static struct {
	uint64_t seq;
	bool live;
} __attribute__((aligned(64))) acked[MAX_CPUS];

static paddr_t deferred; /* stack of table frames, linked by first word */
static uint64_t shootdowns, ipis;

static void flush_local(const uint64_t *va, unsigned n)
{
	if (!n) {
		write_cr3(read_cr3());
		return;
	}
	for (unsigned i = 0; i < n; i++)
		invlpg((const void *)va[i]);
}

/* Acts on the current request. An idle core may have missed earlier ones
 * (shootdowns skip it), so it flushes everything. Interrupts off. */
static void act(void)
{
	unsigned me = cpu_id();
	uint64_t seq = __atomic_load_n(&req_seq, __ATOMIC_ACQUIRE);

	if (acked[me].live)
		flush_local(req_va, req_n);
	else
		write_cr3(read_cr3());
	__atomic_store_n(&acked[me].seq, seq, __ATOMIC_RELEASE);
}

static void tlb_irq(struct trap_frame *f)
{
	act();
}

void tlb_init(void)
{
	for (unsigned i = 0; i < MAX_CPUS; i++)
		acked[i].live = true;
	irq_set_handler(VEC_TLB, tlb_irq);
}

/* An idle core uses no lower-half translation: shootdowns may skip it.
 * Interrupts are off. */
void tlb_enter_idle(void)
{
	__atomic_store_n(&acked[cpu_id()].live, false, __ATOMIC_RELEASE);
}

/* Before a thread runs. The fence pairs with the one in tlb_shootdown():
 * either the shootdown sees this core live and sends it an IPI, or this
 * core sees the request's number and flushes here. */
void tlb_leave_idle(void)
{
	unsigned me = cpu_id();
	if (acked[me].live)
		return;
	/* Interrupts off: an IPI handled in between would see the core live
	 * and act on its request alone, and its acknowledgement would hide
	 * the requests missed before. */
	uint64_t irq = irq_save();
	__atomic_store_n(&acked[me].live, true, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	uint64_t seq = __atomic_load_n(&req_seq, __ATOMIC_ACQUIRE);
	if (seq != acked[me].seq) { /* missed one: flush everything */
		write_cr3(read_cr3());
		__atomic_store_n(&acked[me].seq, seq, __ATOMIC_RELEASE);
	}
	irq_restore(irq);
}

void tlb_defer_free(paddr_t pa)
{
	paddr_t *link = phys_to_virt(pa);
	paddr_t head = __atomic_load_n(&deferred, __ATOMIC_RELAXED);

	do
		*link = head;
	while (!__atomic_compare_exchange_n(&deferred, &head, pa, true,
					    __ATOMIC_RELEASE,
					    __ATOMIC_RELAXED));
}

static void free_list(paddr_t pa)
{
	while (pa) {
		paddr_t next = *(paddr_t *)phys_to_virt(pa);
		frame_free(pa, 0);
		pa = next;
	}
}

/* Acts on a request that this core has not acknowledged yet. A core that
 * waits for tlb_lock, maybe with interrupts off (a copy-on-write fault),
 * keeps answering this way, so the holder's wait always ends. */
void tlb_poll(void)
{
	unsigned me = cpu_id();
	if (__atomic_load_n(&acked[me].seq, __ATOMIC_RELAXED) !=
	    __atomic_load_n(&req_seq, __ATOMIC_ACQUIRE)) {
		uint64_t irq = irq_save();
		act();
		irq_restore(irq);
	}
}

void tlb_shootdown(const uint64_t *va, unsigned n)
{
	/* Taken before the IPIs: these frames were unlinked before now. */
	paddr_t tables = __atomic_exchange_n(&deferred, 0, __ATOMIC_ACQUIRE);
	uint64_t sent[(MAX_CPUS + 63) / 64] = {0}; /* cores sent an IPI */
	unsigned nsent = 0;

	if (!va || n > TLB_BATCH)
		n = 0;
	while (!spin_trylock(&tlb_lock))
		tlb_poll();
	for (unsigned i = 0; i < n; i++)
		req_va[i] = va[i];
	req_n = n;
	uint64_t seq = req_seq + 1;
	__atomic_store_n(&req_seq, seq, __ATOMIC_RELEASE);
	__atomic_thread_fence(__ATOMIC_SEQ_CST); /* see tlb_leave_idle() */
	unsigned me = cpu_id();
	for (unsigned i = 0; i < MAX_CPUS; i++) {
		struct cpu *c = cpus[i];
		if (i == me || !c || !__atomic_load_n(&c->online, __ATOMIC_ACQUIRE))
			continue;
		if (!tables && !__atomic_load_n(&acked[i].live, __ATOMIC_RELAXED))
			continue; /* idle: flushes when it leaves idle */
		lapic_send_ipi(c->apic_id, VEC_TLB);
		sent[i / 64] |= 1UL << (i % 64);
		nsent++;
	}
	flush_local(req_va, n);
	/* Acted on: a live core acknowledged every earlier request before it
	 * got the lock, and no later one can start while it holds it. (An
	 * idle thread's request leaves the count behind: the core then
	 * flushes everything when it leaves idle.) */
	if (acked[me].live)
		__atomic_store_n(&acked[me].seq, seq, __ATOMIC_RELEASE);
	for (unsigned i = 0; i < MAX_CPUS; i++)
		if (sent[i / 64] & (1UL << (i % 64)))
			while (__atomic_load_n(&acked[i].seq,
					       __ATOMIC_ACQUIRE) != seq)
				cpu_relax();
	if (nsent) {
		shootdowns++;
		ipis += nsent;
	}
	spin_unlock(&tlb_lock);
	free_list(tables);
}

void tlb_counts(uint64_t *sd, uint64_t *ip)
{
	*sd = __atomic_load_n(&shootdowns, __ATOMIC_RELAXED);
	*ip = __atomic_load_n(&ipis, __ATOMIC_RELAXED);
}

bool tlb_core_live(unsigned cpu)
{
	return cpu < MAX_CPUS &&
	       __atomic_load_n(&acked[cpu].live, __ATOMIC_ACQUIRE);
}
