/* SPDX-License-Identifier: MIT */
/* frame_test.c: host tests of the frame allocator over simulated RAM. */
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <unidb/cpu.h>
#include <unidb/errno.h>

#include "mm/frame.h"
#include "mm_host.h"
#include "unit.h"

#define MIB (1UL << 20)
#define RAM_BYTES (192 * MIB)
#define RAM_FRAMES (RAM_BYTES / FRAME_SIZE)

/* Odd edges on purpose, listed out of order: low memory with frame 0,
 * unaligned starts and ends, 2 MiB-aligned pieces, holes in between. */
static const struct mem_range layout[] = {
    {0x09000800, 0x0c000000},
    {0x00000000, 0x0009fc00},
    {0x05400000, 0x08001000},
    {0x01234567, 0x05000000},
};
#define NRANGES (sizeof(layout) / sizeof(layout[0]))

/* Which frames are handed out right now, as the test sees it. */
static uint8_t owner[RAM_FRAMES];

static bool in_layout(paddr_t pa, unsigned order)
{
	paddr_t end = pa + (FRAME_SIZE << order);

	for (unsigned i = 0; i < NRANGES; i++)
		if (pa >= layout[i].start && end <= layout[i].end)
			return pa != 0;
	return false;
}

static uint64_t layout_frames(void)
{
	uint64_t n = 0;

	for (unsigned i = 0; i < NRANGES; i++) {
		paddr_t s =
		    (layout[i].start + FRAME_SIZE - 1) & ~(FRAME_SIZE - 1);
		paddr_t e = layout[i].end & ~(FRAME_SIZE - 1);
		if (s == 0)
			s = FRAME_SIZE;
		n += (e - s) / FRAME_SIZE;
	}
	return n;
}

static struct frame_stats start_stats;

static void setup(void)
{
	if (!mm_host_ram(RAM_BYTES))
		abort();
	mm_host_set_cpu(0);
	memset(owner, 0, sizeof(owner));
	if (frame_init(layout, NRANGES) != 0)
		abort();
	frame_stats(&start_stats);
}

/* Takes a run into the test's bookkeeping; false if any frame of it was
 * already out or it is misplaced. Stamps each frame with its address. */
static bool take(paddr_t pa, unsigned order)
{
	bool ok = pa && pa % (FRAME_SIZE << order) == 0 && in_layout(pa, order);

	for (unsigned i = 0; ok && i < (1u << order); i++) {
		uint64_t f = pa / FRAME_SIZE + i;
		ok = !owner[f];
		owner[f] = 1;
		*(uint64_t *)phys_to_virt(pa + i * FRAME_SIZE) = pa + i;
	}
	return ok;
}

static bool give_back(paddr_t pa, unsigned order)
{
	bool ok = true;

	for (unsigned i = 0; i < (1u << order); i++) {
		uint64_t f = pa / FRAME_SIZE + i;
		ok = ok && owner[f] &&
		     *(uint64_t *)phys_to_virt(pa + i * FRAME_SIZE) == pa + i;
		owner[f] = 0;
	}
	frame_free(pa, order);
	return ok;
}

static void check_back_to_start(void)
{
	struct frame_stats st;

	frame_stats(&st);
	CHECK_EQ(st.total, start_stats.total);
	CHECK_EQ(st.free, start_stats.total);
	CHECK_EQ(st.used, 0);
	CHECK_EQ(st.huge_free, start_stats.huge_free);
}

UNIT_TEST(frame_init_layout)
{
	setup();
	uint64_t usable = layout_frames();
	CHECK(start_stats.total < usable);
	CHECK(start_stats.total > usable - usable / 500); /* metadata < 0.2% */
	CHECK_EQ(start_stats.free, start_stats.total);
	CHECK_EQ(start_stats.used, 0);
	/* Wholly covered 2 MiB frames: 0x1400000..0x5000000 (30),
	 * 0x5400000..0x8000000 (22), 0x9200000..0xc000000 (23); the metadata
	 * breaks at most one. */
	CHECK(start_stats.huge_free >= 74 && start_stats.huge_free <= 75);

	struct mem_range none = {0, 0x800};
	CHECK_EQ(frame_init(&none, 1), -EINVAL);
	struct mem_range overlap[] = {{0x100000, 0x400000},
				      {0x300000, 0x500000}};
	CHECK_EQ(frame_init(overlap, 2), -EINVAL);
	struct mem_range tiny = {0x1000, 0x2000}; /* no room for metadata */
	struct mem_range far[] = {tiny, {RAM_BYTES - 0x2000, RAM_BYTES}};
	CHECK_EQ(frame_init(far, 2), -ENOMEM);
}

UNIT_TEST(frame_exhaust_order0)
{
	setup();
	uint64_t n = 0;
	paddr_t pa;
	bool ok = true;
	static paddr_t got[RAM_FRAMES];

	while ((pa = frame_alloc(0))) {
		ok = ok && take(pa, 0);
		got[n++] = pa;
	}
	CHECK(ok);
	CHECK_EQ(n, start_stats.total);
	struct frame_stats st;
	frame_stats(&st);
	CHECK_EQ(st.free, 0);
	CHECK_EQ(st.huge_free, 0);
	CHECK_EQ(frame_alloc(9), 0);
	for (uint64_t i = 0; i < n; i++)
		ok = ok && give_back(got[i], 0);
	CHECK(ok);
	check_back_to_start();
}

UNIT_TEST(frame_exhaust_mixed_orders)
{
	setup();
	static struct {
		paddr_t pa;
		unsigned order;
	} got[RAM_FRAMES];
	uint64_t n = 0, frames = 0;
	bool ok = true;
	unsigned fails[FRAME_ORDER_MAX + 1] = {0};

	srand(1);
	/* Random orders until even single frames run out. */
	for (;;) {
		unsigned order = rand() % 4 ? rand() % 4 : rand() % 10;
		paddr_t pa = frame_alloc(order);
		if (!pa) {
			fails[order]++;
			if (order == 0)
				break;
			continue;
		}
		ok = ok && take(pa, order);
		got[n].pa = pa;
		got[n++].order = order;
		frames += 1u << order;
	}
	CHECK(ok);
	CHECK_EQ(frames, start_stats.total);
	CHECK(fails[0] == 1);
	/* Free in a scrambled order. */
	for (uint64_t i = n; i > 1; i--) {
		uint64_t j = rand() % i;
		__typeof__(got[0]) t = got[j];
		got[j] = got[i - 1];
		got[i - 1] = t;
	}
	for (uint64_t i = 0; i < n; i++)
		ok = ok && give_back(got[i].pa, got[i].order);
	CHECK(ok);
	check_back_to_start();
}

UNIT_TEST(frame_alignment_every_order)
{
	setup();
	for (unsigned order = 0; order <= FRAME_ORDER_MAX; order++) {
		paddr_t pa[5];
		for (unsigned i = 0; i < 5; i++) {
			pa[i] = frame_alloc(order);
			CHECK(take(pa[i], order));
			CHECK_EQ(frame_refcount(pa[i]), 1);
		}
		for (unsigned i = 0; i < 5; i++)
			CHECK(give_back(pa[i], order));
	}
	CHECK_EQ(frame_alloc(FRAME_ORDER_MAX + 1), 0);
	check_back_to_start();
}

/* 2 MiB frames come only from wholly free huge frames. */
UNIT_TEST(frame_huge_only_when_whole)
{
	setup();
	static paddr_t huge[RAM_FRAMES / 512], small[RAM_FRAMES];
	uint64_t nh = 0, ns = 0;
	paddr_t pa;
	bool ok = true;

	while ((pa = frame_alloc(9))) {
		ok = ok && take(pa, 9);
		huge[nh++] = pa;
	}
	CHECK_EQ(nh, start_stats.huge_free);
	while ((pa = frame_alloc(0))) {
		ok = ok && take(pa, 0);
		small[ns++] = pa;
	}
	CHECK_EQ(nh * 512 + ns, start_stats.total);
	for (uint64_t i = 0; i < nh; i++)
		ok = ok && give_back(huge[i], 9);
	/* Fill every whole one with single frames, then free one frame:
	 * that leaves no whole huge frame. */
	while ((pa = frame_alloc(0))) {
		ok = ok && take(pa, 0);
		small[ns++] = pa;
	}
	CHECK_EQ(ns, start_stats.total);
	ok = ok && give_back(small[--ns], 0);
	CHECK_EQ(frame_alloc(9), 0);
	CHECK_EQ(frame_alloc(1), 0);
	pa = frame_alloc(0); /* the one just freed */
	ok = ok && take(pa, 0);
	small[ns++] = pa;

	/* Free all 512 frames of one huge frame: now 2 MiB succeeds, there. */
	paddr_t target = huge[nh / 2];
	uint64_t kept = 0;
	for (uint64_t i = 0; i < ns; i++) {
		if (small[i] >> 21 == target >> 21)
			ok = ok && give_back(small[i], 0);
		else
			small[kept++] = small[i];
	}
	CHECK_EQ(kept, ns - 512);
	ns = kept;
	CHECK_EQ(frame_alloc(9), target);
	ok = ok && take(target, 9) && give_back(target, 9);
	for (uint64_t i = 0; i < ns; i++)
		ok = ok && give_back(small[i], 0);
	CHECK(ok);
	check_back_to_start();
}

UNIT_TEST(frame_refcount_and_tag)
{
	setup();
	paddr_t pa = frame_alloc(2);
	CHECK_EQ(frame_refcount(pa), 1);
	CHECK_EQ(frame_refcount(pa + 3 * FRAME_SIZE), 1);
	CHECK_EQ(frame_ref(pa), 2);
	CHECK_EQ(frame_ref(pa), 3);
	CHECK_EQ(frame_unref(pa), 2);
	CHECK_EQ(frame_unref(pa), 1);
	CHECK_EQ(frame_unref(pa), 0);
	CHECK_EQ(frame_tag(pa), 0);
	frame_set_tag(pa, 2, 0x42);
	CHECK_EQ(frame_tag(pa + 3 * FRAME_SIZE), 0x42);
	CHECK_EQ(frame_tag(pa + 4 * FRAME_SIZE), 0);
	CHECK_EQ(frame_tag((paddr_t)1 << 40), 0);
	frame_set_tag(pa, 2, 0);
	frame_free(pa, 2);
	check_back_to_start();
}

UNIT_TEST(frame_alloc_zeroed)
{
	setup();
	for (unsigned order = 0; order <= FRAME_ORDER_MAX; order += 3) {
		paddr_t pa = frame_alloc(order);
		memset(phys_to_virt(pa), 0xa5, FRAME_SIZE << order);
		frame_free(pa, order);
		pa = frame_alloc_zeroed(order);
		const uint8_t *p = phys_to_virt(pa);
		bool zero = true;
		for (size_t i = 0; i < FRAME_SIZE << order; i++)
			zero = zero && !p[i];
		CHECK(zero);
		frame_free(pa, order);
	}
	check_back_to_start();
}

static void double_free(void *order)
{
	unsigned o = (uintptr_t)order;
	paddr_t pa = frame_alloc(o);
	frame_free(pa, o);
	frame_free(pa, o);
}

static void wrong_order(void *unused)
{
	paddr_t pa = frame_alloc(9);
	frame_free(pa + FRAME_SIZE, 0);
}

static void misaligned(void *unused)
{
	paddr_t pa = frame_alloc(3);
	frame_free(pa + FRAME_SIZE, 3);
}

static void outside(void *unused)
{
	frame_free((paddr_t)1 << 40, 0);
}

UNIT_TEST(frame_misuse_panics)
{
	setup();
	CHECK(mm_host_panics(double_free, (void *)0));
	CHECK(mm_host_panics(double_free, (void *)3));
	CHECK(mm_host_panics(double_free, (void *)7));
	CHECK(mm_host_panics(double_free, (void *)9));
	CHECK(mm_host_panics(wrong_order, NULL));
	CHECK(mm_host_panics(misaligned, NULL));
	CHECK(mm_host_panics(outside, NULL));
	check_back_to_start();
}

/* ---- concurrency ----------------------------------------------------------
 */

#define THREADS 8
#define OPS 40000
#define HELD 64

static uint8_t shared_owner[RAM_FRAMES]; /* atomically: thread + 1 or 0 */
static uint64_t conflicts;

/* Checks that the run is still ours (stamp and owner array) and frees it. */
static void release(unsigned id, paddr_t pa, unsigned order)
{
	for (unsigned f = 0; f < (1u << order); f++) {
		uint64_t *w = phys_to_virt(pa + f * FRAME_SIZE);
		uint8_t mine = id + 1;
		if (*w != (pa | id) ||
		    !__atomic_compare_exchange_n(
			&shared_owner[pa / FRAME_SIZE + f], &mine, 0, false,
			__ATOMIC_RELAXED, __ATOMIC_RELAXED))
			__atomic_fetch_add(&conflicts, 1, __ATOMIC_RELAXED);
	}
	frame_free(pa, order);
}

static void acquire(unsigned id, paddr_t pa, unsigned order)
{
	for (unsigned f = 0; f < (1u << order); f++) {
		uint8_t none = 0;
		if (!__atomic_compare_exchange_n(
			&shared_owner[pa / FRAME_SIZE + f], &none, id + 1,
			false, __ATOMIC_RELAXED, __ATOMIC_RELAXED))
			__atomic_fetch_add(&conflicts, 1, __ATOMIC_RELAXED);
		*(uint64_t *)phys_to_virt(pa + f * FRAME_SIZE) = pa | id;
	}
}

static void *hammer(void *arg)
{
	unsigned id = (uintptr_t)arg;
	unsigned seed = id * 7919 + 1;
	struct {
		paddr_t pa;
		unsigned order;
	} held[HELD];
	unsigned n = 0;

	mm_host_set_cpu(id);
	for (unsigned op = 0; op < OPS; op++) {
		if (n == HELD || (n && rand_r(&seed) % 2)) {
			unsigned i = rand_r(&seed) % n;
			release(id, held[i].pa, held[i].order);
			held[i] = held[--n];
			continue;
		}
		/* Mostly single frames, some heap-slab sizes, a few large. */
		unsigned r = rand_r(&seed) % 100;
		unsigned order = r < 70	  ? 0
				 : r < 90 ? 1 + r % 4
				 : r < 97 ? 5 + r % 4
					  : 9;
		paddr_t pa = frame_alloc(order);
		if (!pa)
			continue;
		acquire(id, pa, order);
		held[n].pa = pa;
		held[n++].order = order;
	}
	while (n--)
		release(id, held[n].pa, held[n].order);
	return NULL;
}

UNIT_TEST(frame_concurrent_mixed_orders)
{
	pthread_t t[THREADS];

	setup();
	mm_host_set_cpu_count(THREADS);
	memset(shared_owner, 0, sizeof(shared_owner));
	conflicts = 0;
	for (uintptr_t i = 0; i < THREADS; i++)
		pthread_create(&t[i], NULL, hammer, (void *)i);
	for (unsigned i = 0; i < THREADS; i++)
		pthread_join(t[i], NULL);
	CHECK_EQ(conflicts, 0);
	check_back_to_start();
}

/* Same, with so little memory that cores fight over the last frames. */
UNIT_TEST(frame_concurrent_scarce)
{
	pthread_t t[THREADS];
	struct mem_range small = {0x100000, 0x100000 + 24 * MIB + 0x5000};

	if (!mm_host_ram(RAM_BYTES))
		abort();
	CHECK_EQ(frame_init(&small, 1), 0);
	frame_stats(&start_stats);
	memset(shared_owner, 0, sizeof(shared_owner));
	conflicts = 0;
	for (uintptr_t i = 0; i < THREADS; i++)
		pthread_create(&t[i], NULL, hammer, (void *)i);
	for (unsigned i = 0; i < THREADS; i++)
		pthread_join(t[i], NULL);
	CHECK_EQ(conflicts, 0);
	check_back_to_start();
}

/* A 24 GiB guest with the PCI hole: metadata stays small. */
UNIT_TEST(frame_24g_layout)
{
	const uint64_t GIB = 1UL << 30;
	struct mem_range r[] = {
	    {0x1000, 0x9f000}, {0x200000, 3 * GIB}, {4 * GIB, 25 * GIB}};
	if (!mm_host_ram(25 * GIB)) {
		printf("  skipped: no 25 GiB mapping on this host\n");
		return;
	}
	mm_host_set_cpu(0);
	CHECK_EQ(frame_init(r, 3), 0);
	struct frame_stats st;
	frame_stats(&st);
	uint64_t usable =
	    (0x9f000 - 0x1000 + 3 * GIB - 0x200000 + 21 * GIB) / FRAME_SIZE;
	uint64_t meta = usable - st.total;
	printf("  24 GiB: %lu metadata frames (%.3f%%)\n", (unsigned long)meta,
	       100.0 * meta / usable);
	CHECK(meta * 1000 < usable * 2); /* < 0.2% */
	CHECK_EQ(st.free, st.total);
	paddr_t a = frame_alloc(9), b = frame_alloc(0);
	CHECK(a && b && a % (2 * MIB) == 0);
	frame_free(a, 9);
	frame_free(b, 0);
	frame_stats(&st);
	CHECK_EQ(st.used, 0);
	mm_host_ram(MIB); /* give the address space back */
}

UNIT_MAIN()
