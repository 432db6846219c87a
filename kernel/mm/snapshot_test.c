/* SPDX-License-Identifier: MIT */
/* snapshot_test.c: copy-on-write snapshots, every variant: exact
 * point-in-time contents with writers stopped, sums within bounds with
 * writers on all cores, counters back to their start after many cycles,
 * and bad arguments refused. */
#include <unidb/cpu.h>
#include <unidb/errno.h>
#include <unidb/test.h>
#include <unidb/thread.h>
#include <unidb/time.h>
#include <unidb/vm.h>

#include "mm/frame.h"

#define SIZE (8UL << 20)
#define WORDS (SIZE / 4)

struct variant {
	unsigned create, destroy;
};

static const struct variant variants[] = {
    {VM_SNAP_EAGER, 0},
    {VM_SNAP_PARALLEL, 0},
    {VM_SNAP_PARALLEL | VM_SNAP_READER, 0},
    {VM_SNAP_PARALLEL | VM_SNAP_READER, VM_SNAP_NOFREE},
    {VM_SNAP_LAZY, VM_SNAP_NOFREE},
    {VM_SNAP_LAZY | VM_SNAP_PARALLEL, 0},
    {VM_SNAP_COPY_AHEAD, VM_SNAP_NOFREE},
    {VM_SNAP_COPY_AHEAD | VM_SNAP_PARALLEL, 0},
};
#define NVARIANTS (sizeof(variants) / sizeof(variants[0]))

static uint64_t in_use(void)
{
	struct frame_stats fs;
	struct vm_stats vs;
	frame_stats(&fs);
	vm_stats(&vs);
	return fs.used - vs.pooled;
}

TEST(snapshot_is_exact_copy_and_stays_unchanged)
{
	for (unsigned v = 0; v < NVARIANTS; v++) {
		struct vm_area *a = vm_area_create(SIZE, VM_PREFAULT);
		ASSERT(a);
		uint32_t *w = vm_area_base(a);
		for (uint64_t i = 0; i < WORDS; i++)
			w[i] = (uint32_t)(i * 2654435761u);
		struct vm_stats st0, st1;
		vm_stats(&st0);
		struct vm_area *s = vm_snapshot(a, variants[v].create);
		ASSERT(s);
		const uint32_t *r = vm_area_base(s);
		uint64_t bad = 0;
		for (uint64_t i = 0; i < WORDS; i++)
			bad += r[i] != (uint32_t)(i * 2654435761u);
		EXPECT_EQ(bad, 0);
		for (uint64_t i = 0; i < WORDS; i += 1024 + v)
			w[i] = ~w[i]; /* copy-on-write */
		vm_stats(&st1);
		bool ahead = variants[v].create & VM_SNAP_COPY_AHEAD;
		/* A stride over 1024 words writes each page at most once. */
		uint64_t writes = (WORDS + 1023 + v) / (1024 + v);
		EXPECT_EQ(st1.cow_copies - st0.cow_copies, ahead ? 0 : writes);
		EXPECT_EQ(st1.ahead_copies - st0.ahead_copies,
			  ahead ? SIZE / 4096 : 0);
		bad = 0;
		for (uint64_t i = 0; i < WORDS; i++) {
			uint32_t want = (uint32_t)(i * 2654435761u);
			bad += r[i] != want;
			bad += w[i] != (i % (1024 + v) ? want : ~want);
		}
		EXPECT_EQ(bad, 0);
		EXPECT_EQ(vm_snapshot_destroy(s, variants[v].destroy), 0);
		EXPECT_EQ(vm_area_destroy(a), 0);
	}
}

/* Each writer counts a batch of updates as started before it makes them
 * and as done after: an update in the snapshot was started before the
 * creation returned, and every update done before it began is in it. */
struct writers {
	uint32_t *w;
	volatile bool stop;
	struct {
		uint64_t started, done;
	} count[MAX_CPUS] __attribute__((aligned(64)));
};

static void writer(void *arg)
{
	struct writers *ws = arg;
	unsigned me = cpu_id();
	uint64_t x = 88172645463325252UL + me, n = 0;
	while (!ws->stop) {
		__atomic_store_n(&ws->count[me].started, n + 32,
				 __ATOMIC_SEQ_CST);
		for (int i = 0; i < 32; i++) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			__atomic_fetch_add(&ws->w[x % WORDS], 1, __ATOMIC_RELAXED);
		}
		n += 32;
		__atomic_store_n(&ws->count[me].done, n, __ATOMIC_RELEASE);
		vm_snapshot_help();
	}
}

static uint64_t total(struct writers *ws, bool started)
{
	uint64_t s = 0;
	for (unsigned c = 0; c < MAX_CPUS; c++)
		s += __atomic_load_n(started ? &ws->count[c].started
					     : &ws->count[c].done,
				     __ATOMIC_SEQ_CST);
	return s;
}

/* Writers on every core; the snapshot's sum lies between the updates
 * counted before and after its creation, in every variant. */
TEST(snapshot_sum_within_bounds_under_writers)
{
	static struct writers ws;
	static struct thread *t[MAX_CPUS];
	unsigned n = cpu_count();
	struct vm_area *a = vm_area_create(SIZE, VM_PREFAULT);

	ASSERT(a);
	ws = (struct writers){.w = vm_area_base(a)};
	for (unsigned c = 0; c < n; c++) {
		struct thread_attr at = {.cpu = (int)c};
		ASSERT((t[c] = thread_create("writer", writer, &ws, &at)));
	}
	/* Each variant twice; once on many cores (-smp 32 on a 2-core host:
	 * 13 minutes for two rounds). */
	unsigned rounds = n > 8 ? NVARIANTS : 2 * NVARIANTS;
	for (unsigned r = 0; r < rounds; r++) {
		const struct variant *v = &variants[r % NVARIANTS];
		thread_sleep_ns(3000000);
		uint64_t before = total(&ws, false);
		struct vm_area *s = vm_snapshot(a, v->create);
		uint64_t after = total(&ws, true);
		ASSERT(s);
		const uint32_t *sw = vm_area_base(s);
		uint64_t sum = 0;
		for (uint64_t i = 0; i < WORDS; i++)
			sum += sw[i];
		EXPECT(sum >= before);
		EXPECT(sum <= after);
		EXPECT_EQ(vm_snapshot_destroy(s, v->destroy), 0);
	}
	ws.stop = true;
	for (unsigned c = 0; c < n; c++)
		thread_join(t[c]);
	uint64_t sum = 0;
	for (uint64_t i = 0; i < WORDS; i++)
		sum += ws.w[i];
	EXPECT_EQ(sum, total(&ws, false)); /* no update lost to a copy */
	EXPECT_EQ(vm_area_destroy(a), 0);
}

TEST(snapshot_1000_cycles_leak_nothing)
{
	struct vm_area *a = vm_area_create(1UL << 20, VM_PREFAULT);
	ASSERT(a);
	uint32_t *w = vm_area_base(a);
	struct vm_stats v0, v1;
	vm_stats(&v0);
	uint64_t used0 = in_use();
	for (int i = 0; i < 1000; i++) {
		const struct variant *v = &variants[i % NVARIANTS];
		struct vm_area *s = vm_snapshot(a, v->create);
		ASSERT(s);
		w[(i * 4099) % ((1UL << 20) / 4)]++; /* one copy per cycle */
		ASSERT_EQ(vm_snapshot_destroy(s, v->destroy), 0);
	}
	vm_stats(&v1);
	EXPECT_EQ(v1.areas, v0.areas);
	EXPECT_EQ(v1.frames, v0.frames);
	EXPECT_EQ(v1.tables, v0.tables);
	EXPECT_EQ(in_use(), used0);
	EXPECT_EQ(vm_area_destroy(a), 0);
}

TEST(snapshot_rejects_bad_arguments)
{
	struct vm_area *a = vm_area_create(1UL << 20, VM_PREFAULT);
	ASSERT(a);
	EXPECT(vm_snapshot(NULL, 0) == NULL);
	EXPECT(vm_snapshot(a, 0x80) == NULL);
	EXPECT(vm_snapshot(a, VM_SNAP_LAZY | VM_SNAP_COPY_AHEAD) == NULL);
	struct vm_area *s = vm_snapshot(a, 0);
	ASSERT(s);
	EXPECT(vm_snapshot(s, 0) == NULL); /* no snapshot of a snapshot */
	EXPECT(vm_snapshot(a, 0) == NULL); /* one at a time */
	EXPECT_EQ(vm_unmap(a, 0, 4096), -EBUSY);
	EXPECT_EQ(vm_protect(a, 0, 4096, VM_READ | VM_WRITE), -EBUSY);
	EXPECT_EQ(vm_snapshot_destroy(a, 0), -EINVAL);
	EXPECT_EQ(vm_snapshot_destroy(NULL, 0), -EINVAL);
	EXPECT_EQ(vm_snapshot_destroy(s, 0x80), -EINVAL);
	EXPECT_EQ(vm_area_destroy(a), -EBUSY); /* a snapshot still uses it */
	EXPECT_EQ(vm_snapshot_destroy(s, 0), 0);
	EXPECT_EQ(vm_area_destroy(a), 0);
}

TEST(snapshot_of_2mib_page_area)
{
	struct vm_stats v0, v1;
	/* Warm-up: the first area keeps its upper page tables, and the
	 * heap its per-core caches. */
	struct vm_area *wa = vm_area_create(SIZE, VM_PREFAULT | VM_HUGE);
	ASSERT(wa);
	struct vm_area *ws = vm_snapshot(wa, 0);
	ASSERT(ws);
	vm_snapshot_destroy(ws, 0);
	vm_area_destroy(wa);
	vm_stats(&v0);
	uint64_t used0 = in_use();
	for (unsigned v = 0; v < NVARIANTS; v++) {
		struct vm_area *a = vm_area_create(SIZE, VM_PREFAULT | VM_HUGE);
		ASSERT(a);
		uint64_t *w = vm_area_base(a);
		for (uint64_t i = 0; i < SIZE / 8; i++)
			w[i] = i;
		struct vm_area *s = vm_snapshot(a, variants[v].create);
		ASSERT(s);
		w[0] = ~0UL;		 /* copies the first 2 MiB page */
		w[SIZE / 8 - 1] = ~0UL; /* and the last */
		const uint64_t *r = vm_area_base(s);
		uint64_t bad = 0;
		for (uint64_t i = 0; i < SIZE / 8; i++)
			bad += r[i] != i;
		EXPECT_EQ(bad, 0);
		EXPECT_EQ(w[0], ~0UL);
		EXPECT_EQ(w[1], 1);
		EXPECT_EQ(vm_snapshot_destroy(s, variants[v].destroy), 0);
		w[SIZE / 16] = 7; /* takes over: the snapshot let go */
		EXPECT_EQ(w[SIZE / 16], 7);
		EXPECT_EQ(vm_area_destroy(a), 0);
	}
	vm_stats(&v1);
	EXPECT_EQ(v1.frames, v0.frames);
	EXPECT_EQ(v1.tables, v0.tables);
	EXPECT_EQ(in_use(), used0);
}

static uint64_t tables(void)
{
	struct vm_stats st;
	vm_stats(&st);
	return st.tables;
}

/* A lazy snapshot shares the source's page tables: creating it adds no
 * page table, the first write under a table copies that one table. */
TEST(snapshot_lazy_shares_page_tables)
{
	struct vm_area *a = vm_area_create(SIZE, VM_PREFAULT);
	ASSERT(a);
	uint32_t *w = vm_area_base(a);
	struct vm_area *e = vm_snapshot(a, VM_SNAP_EAGER);
	ASSERT(e);
	vm_snapshot_destroy(e, 0);
	uint64_t t0 = tables();
	struct vm_area *s = vm_snapshot(a, VM_SNAP_LAZY);
	ASSERT(s);
	uint64_t t1 = tables();
	w[0] = 1; /* copies the first page table, then the page */
	uint64_t t2 = tables();
	EXPECT_EQ(t1, t0); /* the snapshot's upper tables came back reused */
	EXPECT_EQ(t2, t1 + 1);
	EXPECT_EQ(((const uint32_t *)vm_area_base(s))[0], 0);
	EXPECT_EQ(vm_snapshot_destroy(s, 0), 0);
	EXPECT_EQ(w[0], 1);
	EXPECT_EQ(vm_area_destroy(a), 0);
}

/* Copy-ahead: creation copied every page into the snapshot and gave the
 * source its frames back writable, so later writes take no fault. */
TEST(snapshot_copy_ahead_leaves_source_writable)
{
	struct vm_area *a = vm_area_create(SIZE, VM_PREFAULT);
	ASSERT(a);
	uint32_t *w = vm_area_base(a);
	for (uint64_t i = 0; i < WORDS; i++)
		w[i] = (uint32_t)i;
	struct vm_stats st0, st1;
	vm_stats(&st0);
	struct vm_area *s = vm_snapshot(a, VM_SNAP_COPY_AHEAD);
	ASSERT(s);
	vm_stats(&st1);
	EXPECT_EQ(st1.ahead_copies - st0.ahead_copies, SIZE / 4096);
	EXPECT_EQ(vm_is_present(w), true);
	for (uint64_t i = 0; i < WORDS; i += 1024)
		w[i] += 1; /* no fault: the source is writable again */
	vm_stats(&st1);
	EXPECT_EQ(st1.cow_copies, st0.cow_copies);
	const uint32_t *r = vm_area_base(s);
	uint64_t bad = 0;
	for (uint64_t i = 0; i < WORDS; i++)
		bad += r[i] != (uint32_t)i ||
		       w[i] != (uint32_t)i + (i % 1024 == 0);
	EXPECT_EQ(bad, 0);
	EXPECT_EQ(vm_snapshot_destroy(s, 0), 0);
	EXPECT_EQ(vm_area_destroy(a), 0);
}
