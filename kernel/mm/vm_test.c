/* SPDX-License-Identifier: MIT */
/* vm_test.c: in-guest tests of vm areas, faults and shootdown (vm.c, tlb.c). */
#include <stdint.h>
#include <string.h>
#include <unidb/cpu.h>
#include <unidb/errno.h>
#include <unidb/sync.h>
#include <unidb/test.h>
#include <unidb/thread.h>
#include <unidb/vm.h>

#include "mm/frame.h"
#include "mm/tlb.h"

#define PAGE 4096UL
#define MIB2 (2UL << 20)

static uint64_t rnd_state = 88172645463325252ULL;

static uint64_t rnd(void) /* xorshift64 */
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 7;
	rnd_state ^= rnd_state << 17;
	return rnd_state;
}

static volatile uint64_t *word(struct vm_area *a, uint64_t off)
{
	return (volatile uint64_t *)((char *)vm_area_base(a) + off);
}

static uint64_t used_frames(void)
{
	struct frame_stats fs;
	frame_stats(&fs);
	return fs.used;
}

TEST(vm_demand_zero_pages_read_zero_and_keep_writes)
{
	struct vm_stats s0, s1;
	struct vm_area *a = vm_area_create(64 * 1024, VM_DEMAND_ZERO);

	ASSERT(a);
	EXPECT_EQ(vm_area_size(a), 64 * 1024);
	EXPECT(((uint64_t)vm_area_base(a) & (MIB2 - 1)) == 0);
	vm_stats(&s0);
	for (uint64_t off = 0; off < 64 * 1024; off += PAGE) {
		EXPECT(!vm_is_present((char *)vm_area_base(a) + off));
		const volatile uint64_t *p = word(a, off);
		uint64_t sum = 0;
		for (unsigned i = 0; i < PAGE / 8; i++)
			sum |= p[i];
		EXPECT_EQ(sum, 0);
		EXPECT(vm_is_present((char *)vm_area_base(a) + off + 100));
		*word(a, off + 8) = off ^ 0x5a5a;
	}
	vm_stats(&s1);
	EXPECT_EQ(s1.faults - s0.faults, 16);
	EXPECT_EQ(s1.frames - s0.frames, 16);
	for (uint64_t off = 0; off < 64 * 1024; off += PAGE)
		EXPECT_EQ(*word(a, off + 8), off ^ 0x5a5a);
	EXPECT_EQ(vm_area_destroy(a), 0);
}

TEST(vm_is_present_matches_reference_after_touches_and_unmaps)
{
	enum { PAGES = 1024 };
	static uint8_t ref[PAGES];
	struct vm_area *a = vm_area_create(PAGES * PAGE, 0);

	ASSERT(a);
	memset(ref, 0, sizeof(ref));
	for (int round = 0; round < 4; round++) {
		for (int i = 0; i < 300; i++) {
			uint64_t p = rnd() % PAGES;
			*word(a, p * PAGE) = p + 1;
			ref[p] = 1;
		}
		for (int i = 0; i < 100; i++) {
			uint64_t p = rnd() % PAGES, n = 1 + rnd() % 8;
			if (p + n > PAGES)
				n = PAGES - p;
			EXPECT_EQ(vm_unmap(a, p * PAGE, n * PAGE), 0);
			memset(ref + p, 0, n);
		}
		for (uint64_t p = 0; p < PAGES; p++) {
			char *va = (char *)vm_area_base(a) + p * PAGE;
			EXPECT_EQ(vm_is_present(va + (p & 7) * 512), ref[p]);
			if (ref[p])
				EXPECT_EQ(*word(a, p * PAGE), p + 1);
		}
	}
	/* Not in any area, or not in the lower half. */
	EXPECT(!vm_is_present(NULL));
	EXPECT(!vm_is_present((char *)vm_area_base(a) + PAGES * PAGE));
	EXPECT(!vm_is_present((void *)0xffff800000000000UL));
	EXPECT_EQ(vm_area_destroy(a), 0);
}

/* All cores fault in one area at once: each thread owns a disjoint slice
 * and all of them hammer the same shared pages. */
enum { SHARED_PAGES = 64, OWN_PAGES = 128 };
struct storm {
	struct vm_area *a;
	unsigned nthreads;
	volatile unsigned ready;
};
struct storm_arg {
	struct storm *s;
	unsigned id;
};

static void storm_thread(void *p)
{
	struct storm_arg *arg = p;
	struct storm *s = arg->s;
	char *base = vm_area_base(s->a);

	__atomic_fetch_add(&s->ready, 1, __ATOMIC_ACQ_REL);
	while (__atomic_load_n(&s->ready, __ATOMIC_ACQUIRE) < s->nthreads)
		cpu_relax();
	for (unsigned i = 0; i < SHARED_PAGES + OWN_PAGES; i++) {
		if (i < SHARED_PAGES) {
			unsigned page = (i + arg->id * 7) % SHARED_PAGES;
			__atomic_fetch_add((uint64_t *)(base + page * PAGE), 1,
					   __ATOMIC_RELAXED);
		} else {
			uint64_t page = SHARED_PAGES +
					arg->id * OWN_PAGES + i - SHARED_PAGES;
			*(volatile uint64_t *)(base + page * PAGE + 64) =
			    page * 3 + arg->id;
		}
	}
}

TEST(vm_faults_from_all_cores_at_once)
{
	static struct storm_arg args[MAX_CPUS];
	static struct thread *t[MAX_CPUS];
	struct storm s = {.nthreads = cpu_count()};
	uint64_t pages = SHARED_PAGES + s.nthreads * OWN_PAGES;
	struct vm_stats s0, s1;

	s.a = vm_area_create(pages * PAGE, 0);
	ASSERT(s.a);
	vm_stats(&s0);
	for (unsigned i = 0; i < s.nthreads; i++) {
		struct thread_attr at = {.cpu = (int)i};
		args[i] = (struct storm_arg){&s, i};
		t[i] = thread_create("vm-storm", storm_thread, &args[i], &at);
		ASSERT(t[i]);
	}
	for (unsigned i = 0; i < s.nthreads; i++)
		thread_join(t[i]);
	vm_stats(&s1);
	/* Every page present exactly once: one frame each, losers gave
	 * theirs back. */
	EXPECT_EQ(s1.frames - s0.frames, pages);
	EXPECT_EQ(s1.faults - s0.faults, pages);
	char *base = vm_area_base(s.a);
	for (uint64_t p = 0; p < pages; p++) {
		EXPECT(vm_is_present(base + p * PAGE));
		if (p < SHARED_PAGES) {
			EXPECT_EQ(*(uint64_t *)(base + p * PAGE), s.nthreads);
		} else {
			uint64_t id = (p - SHARED_PAGES) / OWN_PAGES;
			EXPECT_EQ(*(uint64_t *)(base + p * PAGE + 64),
				  p * 3 + id);
			EXPECT_EQ(*(uint64_t *)(base + p * PAGE), 0);
		}
	}
	EXPECT_EQ(vm_area_destroy(s.a), 0);
}

static void cycle(unsigned i)
{
	struct vm_area *a = vm_area_create((1 + i % 5) * 12288, 0);
	if (!a)
		return;
	for (uint64_t off = 0; off < vm_area_size(a); off += 3 * PAGE)
		*word(a, off) = off;
	vm_area_destroy(a);
}

TEST(vm_create_destroy_1000_cycles_leak_nothing)
{
	struct vm_stats s0, s1;

	cycle(0); /* warm the heap's caches and the upper page tables */
	vm_stats(&s0);
	uint64_t u0 = used_frames() - s0.pooled;
	for (unsigned i = 0; i < 1000; i++)
		cycle(i);
	vm_stats(&s1);
	uint64_t u1 = used_frames() - s1.pooled;
	EXPECT_EQ(s1.areas, s0.areas);
	EXPECT_EQ(s1.frames, s0.frames);
	EXPECT_EQ(s1.tables, s0.tables);
	EXPECT_EQ(u1, u0);
	EXPECT(s1.faults - s0.faults >= 1000);
}

TEST(vm_huge_pages)
{
	struct vm_stats s0, s1;
	struct vm_area *a = vm_area_create(3 * MIB2 - 5, VM_HUGE);

	ASSERT(a);
	EXPECT_EQ(vm_area_size(a), 3 * MIB2);
	char *base = vm_area_base(a);
	vm_stats(&s0);
	*word(a, MIB2 + 12345 * 8) = 77;
	vm_stats(&s1);
	EXPECT_EQ(s1.frames - s0.frames, 512);
	EXPECT(vm_is_present(base + MIB2));
	EXPECT(vm_is_present(base + 2 * MIB2 - 1));
	EXPECT(!vm_is_present(base));
	EXPECT_EQ(*word(a, MIB2), 0);
	EXPECT_EQ(*word(a, MIB2 + 12345 * 8), 77);
	EXPECT_EQ(vm_unmap(a, PAGE, MIB2), -EINVAL);
	EXPECT_EQ(vm_populate(a, 0, 3 * MIB2), 0);
	EXPECT(vm_is_present(base));
	EXPECT(vm_is_present(base + 3 * MIB2 - 1));
	EXPECT_EQ(vm_unmap(a, MIB2, MIB2), 0);
	EXPECT(!vm_is_present(base + MIB2));
	EXPECT_EQ(*word(a, MIB2 + 12345 * 8), 0); /* refault: zeroed */
	EXPECT_EQ(vm_area_destroy(a), 0);
	vm_stats(&s1);
	EXPECT_EQ(s1.frames, s0.frames);
}

TEST(vm_unmap_then_touch_refaults_a_zeroed_pooled_frame)
{
	struct vm_stats s0, s1, s2;
	struct vm_area *a = vm_area_create(16 * PAGE, 0);

	ASSERT(a);
	for (uint64_t p = 0; p < 16; p++)
		for (unsigned i = 0; i < PAGE / 8; i++)
			*word(a, p * PAGE + i * 8) = ~0UL;
	vm_stats(&s0);
	EXPECT_EQ(vm_unmap(a, 4 * PAGE, 8 * PAGE), 0);
	vm_stats(&s1);
	EXPECT_EQ(s0.frames - s1.frames, 8);
	EXPECT(!vm_is_present((char *)vm_area_base(a) + 4 * PAGE));
	EXPECT(vm_is_present((char *)vm_area_base(a) + 3 * PAGE));
	for (uint64_t p = 4; p < 12; p++) {
		uint64_t sum = 0;
		for (unsigned i = 0; i < PAGE / 8; i++)
			sum |= *word(a, p * PAGE + i * 8);
		EXPECT_EQ(sum, 0);
	}
	vm_stats(&s2);
	EXPECT_EQ(s2.faults - s1.faults, 8);
	/* Run on one core (the tests' boot thread): the pool it just filled
	 * is the one its faults drew from. */
	EXPECT(s1.pooled >= s0.pooled);
	EXPECT(s2.fast_faults - s1.fast_faults >= 1);
	EXPECT_EQ(*word(a, 3 * PAGE), ~0UL);
	EXPECT_EQ(vm_area_destroy(a), 0);
}

TEST(vm_invalid_arguments_are_einval)
{
	struct vm_area *a = vm_area_create(8 * PAGE, 0);

	ASSERT(a);
	EXPECT(!vm_area_create(0, 0));
	EXPECT(!vm_area_create(PAGE, 0x100));
	EXPECT(!vm_area_create(1UL << 62, 0));
	EXPECT_EQ(vm_area_destroy(NULL), -EINVAL);
	EXPECT(!vm_area_base(NULL));
	EXPECT_EQ(vm_area_size(NULL), 0);
	EXPECT_EQ(vm_map(NULL, 0, PAGE, VM_READ), -EINVAL);
	EXPECT_EQ(vm_unmap(NULL, 0, PAGE), -EINVAL);
	EXPECT_EQ(vm_protect(NULL, 0, PAGE, VM_READ), -EINVAL);
	EXPECT_EQ(vm_populate(NULL, 0, PAGE), -EINVAL);
	EXPECT_EQ(vm_unmap(a, 0, 0), -EINVAL);
	EXPECT_EQ(vm_unmap(a, 1, PAGE), -EINVAL);
	EXPECT_EQ(vm_unmap(a, 0, PAGE + 8), -EINVAL);
	EXPECT_EQ(vm_unmap(a, 8 * PAGE, PAGE), -EINVAL);
	EXPECT_EQ(vm_unmap(a, 4 * PAGE, 5 * PAGE), -EINVAL);
	EXPECT_EQ(vm_unmap(a, PAGE, ~0UL - 4095), -EINVAL);
	EXPECT_EQ(vm_populate(a, 0, 9 * PAGE), -EINVAL);
	EXPECT_EQ(vm_map(a, 0, PAGE, 0), -EINVAL);
	EXPECT_EQ(vm_map(a, 0, PAGE, VM_WRITE), -EINVAL);
	EXPECT_EQ(vm_protect(a, 0, PAGE, VM_READ | 0x40), -EINVAL);
	EXPECT_EQ(vm_protect(a, PAGE / 2, PAGE, VM_READ), -EINVAL);
	EXPECT(!vm_is_present(vm_area_base(a)));
	EXPECT_EQ(vm_area_destroy(a), 0);
}

TEST(vm_destroy_makes_pages_not_present)
{
	struct vm_stats s0, s1;
	vm_stats(&s0);
	struct vm_area *a = vm_area_create(32 * PAGE, VM_PREFAULT);

	ASSERT(a);
	char *base = vm_area_base(a);
	for (int p = 0; p < 32; p++)
		EXPECT(vm_is_present(base + p * PAGE));
	*word(a, 5 * PAGE) = 5;
	EXPECT_EQ(vm_area_destroy(a), 0);
	for (int p = 0; p < 32; p++)
		EXPECT(!vm_is_present(base + p * PAGE));
	vm_stats(&s1);
	EXPECT_EQ(s1.frames, s0.frames);
	EXPECT_EQ(s1.areas, s0.areas);
}

TEST(vm_protect_and_map_read_only)
{
	struct vm_area *a = vm_area_create(8 * PAGE, 0);

	ASSERT(a);
	EXPECT_EQ(vm_map(a, 0, 4 * PAGE, VM_READ), 0);
	for (int p = 0; p < 4; p++)
		EXPECT(vm_is_present((char *)vm_area_base(a) + p * PAGE));
	EXPECT(!vm_is_present((char *)vm_area_base(a) + 4 * PAGE));
	EXPECT_EQ(*word(a, PAGE), 0); /* reading a read-only page is fine */
	/* Back to writable: a core with the read-only entry cached takes a
	 * spurious fault, which must resolve. */
	EXPECT_EQ(vm_protect(a, 0, 8 * PAGE, VM_READ | VM_WRITE), 0);
	*word(a, PAGE) = 9;
	EXPECT_EQ(*word(a, PAGE), 9);
	EXPECT_EQ(vm_protect(a, PAGE, PAGE, VM_READ), 0);
	EXPECT_EQ(*word(a, PAGE), 9);
	EXPECT_EQ(vm_area_destroy(a), 0);
}

struct toucher {
	volatile uint32_t *p;
	volatile bool stop, touched;
};

static void touch_and_spin(void *arg)
{
	struct toucher *t = arg;
	while (!t->stop) {
		(void)*t->p; /* keeps a translation of the area cached */
		t->touched = true;
	}
}

/* Waits until no core but this one and `except` (-1: none) runs threads.
 * Not a fixed sleep: an oversubscribed host (-smp 32 on 2 cores) may not
 * run a vCPU for a long time, and a core counts as live until it reaches
 * its idle loop. False after about 30 s. */
static bool others_idle(int except)
{
	for (int tries = 0; tries < 30000; tries++) {
		bool live = false;
		for (unsigned c = 0; c < cpu_count(); c++)
			live |= c != cpu_id() && (int)c != except &&
				tlb_core_live(c);
		if (!live)
			return true;
		thread_sleep_ns(1000000);
	}
	return false;
}

/* Shootdowns go only to cores that may use area translations: idle cores
 * are skipped. */
TEST(vm_shootdown_skips_idle_cores)
{
	if (cpu_count() < 2)
		return;
	struct vm_area *a = vm_area_create(1UL << 20, VM_PREFAULT);
	ASSERT(a);
	struct vm_stats s0, s1, s2;

	ASSERT(others_idle(-1));
	vm_stats(&s0);
	ASSERT_EQ(vm_unmap(a, 0, 4096), 0);
	vm_stats(&s1);
	EXPECT_EQ(s1.ipis - s0.ipis, 0);

	struct toucher t = {.p = (uint32_t *)vm_area_base(a) + 2048};
	struct thread_attr at = {.cpu = (int)cpu_count() - 1};
	struct thread *th = thread_create("toucher", touch_and_spin, &t, &at);
	ASSERT(th);
	while (!t.touched)
		thread_yield();
	ASSERT(others_idle(at.cpu));
	ASSERT_EQ(vm_unmap(a, 4096, 4096), 0);
	vm_stats(&s2);
	EXPECT_EQ(s2.ipis - s1.ipis, 1); /* just the core that touched it */
	t.stop = true;
	thread_join(th);
	EXPECT_EQ(vm_area_destroy(a), 0);
}

struct sleeper {
	volatile uint32_t *p;
	struct semaphore go, done;
	uint32_t before, after;
};

static void read_sleep_read(void *arg)
{
	struct sleeper *s = arg;
	s->before = *s->p; /* caches a translation of the page */
	semaphore_up(&s->done);
	semaphore_down(&s->go); /* the core idles meanwhile */
	s->after = *s->p;
	semaphore_up(&s->done);
}

/* An idle core keeps its TLB and is skipped by shootdowns; before it runs
 * a thread again it must drop what it missed: here a page that went away
 * and came back with another frame and other contents. */
TEST(vm_idle_core_drops_translations_it_missed)
{
	if (cpu_count() < 2)
		return;
	struct vm_area *a = vm_area_create(1UL << 20, VM_PREFAULT);
	ASSERT(a);
	volatile uint32_t *p = vm_area_base(a);
	*p = 1;
	struct sleeper s = {.p = p};
	semaphore_init(&s.go, 0);
	semaphore_init(&s.done, 0);
	struct thread_attr at = {.cpu = (int)cpu_count() - 1};
	struct thread *th = thread_create("sleeper", read_sleep_read, &s, &at);
	ASSERT(th);
	semaphore_down(&s.done);
	/* The sleeper's core (and every other) goes idle. */
	ASSERT(others_idle(-1));
	struct vm_stats s0, s1;
	vm_stats(&s0);
	ASSERT_EQ(vm_unmap(a, 0, PAGE), 0);
	vm_stats(&s1);
	/* The old frame goes to this core's pool, where the next fault would
	 * take it back: another area's fault takes it first. */
	struct vm_area *b = vm_area_create(1UL << 20, 0);
	ASSERT(b);
	*(volatile uint32_t *)vm_area_base(b) = 7;
	*p = 2;
	semaphore_up(&s.go);
	semaphore_down(&s.done);
	thread_join(th);
	EXPECT_EQ(s1.ipis - s0.ipis, 0); /* the idle core was skipped */
	EXPECT_EQ(s.before, 1);
	EXPECT_EQ(s.after, 2);
	EXPECT_EQ(vm_area_destroy(b), 0);
	EXPECT_EQ(vm_area_destroy(a), 0);
}
