/* SPDX-License-Identifier: MIT */
/* heap_test.c: host tests of kmalloc and friends over simulated RAM. */
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdlib.h>
#include <unidb/cpu.h>
#include <unidb/heap.h>

#include "mm/frame.h"
#include "mm_host.h"
#include "unit.h"

#define MIB (1UL << 20)
#define THREADS 8

static struct frame_stats base; /* frames after warm-up, heap flushed */

static uint64_t frames_free(void)
{
	struct frame_stats st;

	frame_stats(&st);
	return st.free;
}

/* Once per binary: RAM with a hole, the heap, and each test cpu's cache
 * block allocated, so that later tests can compare free frames. */
static void setup(void)
{
	static bool done;
	static const struct mem_range ram[] = {{0x100000, 0x2345000},
					       {0x2400000, 160 * MIB}};

	mm_host_set_cpu(0);
	if (done)
		return;
	done = true;
	if (!mm_host_ram(160 * MIB) || frame_init(ram, 2))
		abort();
	heap_init();
	mm_host_set_cpu_count(THREADS);
	for (unsigned c = THREADS; c-- > 0;) {
		mm_host_set_cpu(c);
		kfree(kmalloc(16));
		heap_flush();
	}
	frame_stats(&base);
}

static bool frames_back(void)
{
	heap_flush();
	return frames_free() == base.free;
}

static void fill(void *p, size_t n, unsigned seed)
{
	uint8_t *b = p;
	for (size_t i = 0; i < n; i++)
		b[i] = (uint8_t)(seed + i * 7);
}

static bool check(const void *p, size_t n, unsigned seed)
{
	const uint8_t *b = p;
	for (size_t i = 0; i < n; i++)
		if (b[i] != (uint8_t)(seed + i * 7))
			return false;
	return true;
}

UNIT_TEST(heap_sizes_and_alignment)
{
	setup();
	bool ok = true;
	for (size_t s = 0; s <= 3 * 4096; s += s < 2100 ? 1 : 61) {
		void *p = kmalloc(s);
		size_t k = ksize(p);
		ok = ok && p && k >= s && (uintptr_t)p % 16 == 0;
		/* classes are at most 25% (or 16 bytes) larger */
		ok = ok && (s > 2048 || k <= s + s / 4 + 16);
		fill(p, k, s);
		ok = ok && check(p, k, s);
		kfree(p);
	}
	CHECK(ok);
	for (size_t s = 1; s <= KMALLOC_MAX; s *= 2) {
		void *p = kmalloc(s);
		CHECK(p && (uintptr_t)p % s == 0 &&
		      ksize(p) == (s < 16 ? 16 : s));
		void *q = kmalloc(s);
		CHECK(q && (uintptr_t)q % s == 0 && q != p);
		kfree(p);
		kfree(q);
	}
	CHECK(kmalloc(KMALLOC_MAX + 1) == NULL);
	CHECK(kmalloc(SIZE_MAX) == NULL);
	CHECK(ksize(NULL) == 0);
	kfree(NULL);
	CHECK(frames_back());
}

UNIT_TEST(heap_kmalloc_zero_is_unique)
{
	setup();
	void *a = kmalloc(0), *b = kmalloc(0);
	CHECK(a && b && a != b);
	kfree(a);
	kfree(b);
	CHECK(frames_back());
}

UNIT_TEST(heap_kzalloc_kcalloc)
{
	setup();
	static const size_t sizes[] = {8, 48, 200, 1000, 2048, 5000, 70000};
	for (unsigned i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		size_t s = sizes[i];
		void *dirty[40];
		for (unsigned j = 0; j < 40; j++) {
			dirty[j] = kmalloc(s);
			memset(dirty[j], 0xa5, s);
		}
		for (unsigned j = 0; j < 40; j++)
			kfree(dirty[j]);
		bool zero = true;
		for (unsigned j = 0; j < 40; j++) {
			uint8_t *p = j % 2 ? kzalloc(s) : kcalloc(s, 1);
			for (size_t k = 0; k < s; k++)
				zero = zero && !p[k];
			dirty[j] = p;
		}
		CHECK(zero);
		for (unsigned j = 0; j < 40; j++)
			kfree(dirty[j]);
	}
	CHECK(kcalloc(SIZE_MAX / 2 + 1, 2) == NULL);
	CHECK(kcalloc((size_t)1 << 33, (size_t)1 << 31) == NULL);
	CHECK(kcalloc(3, SIZE_MAX / 2) == NULL);
	uint32_t *a = kcalloc(100, sizeof(uint32_t));
	CHECK(a && ksize(a) >= 400 && a[0] == 0 && a[99] == 0);
	kfree(a);
	CHECK(frames_back());
}

UNIT_TEST(heap_krealloc)
{
	setup();
	char *p = krealloc(NULL, 10);
	fill(p, 10, 1);
	static const size_t steps[] = {24,   24,     17,   100, 2048, 3000,
				       9000, 200000, 5000, 64,	12,   8};
	size_t n = 10;
	bool ok = true;
	for (unsigned i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		size_t m = steps[i];
		char *q = krealloc(p, m);
		ok = ok && q && check(q, m < n ? m : n, 1) && ksize(q) >= m;
		fill(q, m, 1);
		p = q;
		n = m;
	}
	CHECK(ok);
	/* Same class: stays in place. */
	p = krealloc(p, 100);
	CHECK(krealloc(p, 110) == p);
	CHECK(krealloc(p, KMALLOC_MAX + 1) == NULL); /* p is still valid */
	CHECK(ksize(p) >= 110);
	CHECK(krealloc(p, 0) == NULL);
	CHECK(frames_back());
}

UNIT_TEST(heap_random_ops)
{
	enum { LIVE = 3000, OPS = 200000 };
	static struct {
		char *p;
		size_t n;
	} live[LIVE];
	unsigned seed = 42;
	bool ok = true;

	setup();
	for (unsigned op = 0; op < OPS; op++) {
		unsigned i = rand_r(&seed) % LIVE;
		unsigned r = rand_r(&seed) % 1000;
		size_t n = r < 900   ? 1 + (size_t)rand_r(&seed) % 512
			   : r < 990 ? 1 + (size_t)rand_r(&seed) % 2048
			   : r < 999 ? 1 + (size_t)rand_r(&seed) % 65536
				     : 1 + rand_r(&seed) % KMALLOC_MAX;
		if (live[i].p) {
			ok = ok && check(live[i].p, live[i].n, i);
			if (r % 3 == 0) {
				char *q = krealloc(live[i].p, n);
				size_t keep = n < live[i].n ? n : live[i].n;
				ok = ok && q && check(q, keep, i);
				fill(q, n, i);
				live[i].p = q;
				live[i].n = n;
				continue;
			}
			kfree(live[i].p);
			live[i].p = NULL;
			continue;
		}
		live[i].p = kmalloc(n);
		live[i].n = n;
		ok = ok && live[i].p;
		if (live[i].p)
			fill(live[i].p, n, i);
	}
	for (unsigned i = 0; i < LIVE; i++) {
		if (live[i].p) {
			ok = ok && check(live[i].p, live[i].n, i);
			kfree(live[i].p);
			live[i].p = NULL;
		}
	}
	CHECK(ok);
	CHECK(frames_back());
}

/* Without heap_flush, the depot itself gives empty slabs back: only a
 * few stay (cached objects' slabs, EMPTY_KEEP per class). */
UNIT_TEST(heap_depot_returns_slabs)
{
	enum { N = 20000 };
	static void *p[N];

	setup();
	for (unsigned i = 0; i < N; i++)
		p[i] = kmalloc(64 + i % 2 * 100);
	CHECK(frames_free() < base.free - 500);
	for (unsigned i = 0; i < N; i++)
		kfree(p[i]);
	CHECK(frames_free() > base.free - 20);
	CHECK(frames_back());
}

/* Until memory runs out, then everything back. */
UNIT_TEST(heap_out_of_memory)
{
	static void *p[200000];
	unsigned n = 0;

	setup();
	while (n < 200000 && (p[n] = kmalloc(1 << 20)))
		n++;
	CHECK(n > 100 && n < 200);
	while (n < 200000 && (p[n] = kmalloc(256)))
		n++;
	CHECK(n < 200000);
	CHECK(kmalloc(256) == NULL);
	CHECK(kmalloc(5000) == NULL);
	CHECK(frames_free() == 0);
	while (n--)
		kfree(p[n]);
	CHECK(frames_back());
	p[0] = kmalloc(KMALLOC_MAX);
	CHECK(p[0] != NULL);
	kfree(p[0]);
	CHECK(frames_back());
}

/* ---- cross-core frees ------------------------------------------------------
 */

#define RING 256
#define PER_THREAD 60000

/* Each thread allocates and hands blocks to the next thread through a
 * ring; the next one checks and frees them, on its own "core". */
static struct ring {
	pthread_mutex_t lock;
	void *slot[RING];
	size_t size[RING];
	unsigned head, tail;
} rings[THREADS];

static unsigned bad_blocks;

/* Every byte of the block is (uint8_t)n: cheap to write and to check. */
static void stamp(void *p, size_t n)
{
	memset(p, (int)(n & 0xff), n);
}

static bool stamped(const uint8_t *p, size_t n)
{
	return p[0] == (uint8_t)n && !memcmp(p, p + 1, n - 1);
}

static bool ring_put(struct ring *r, void *p, size_t n)
{
	bool ok = false;
	pthread_mutex_lock(&r->lock);
	if (r->head - r->tail < RING) {
		r->slot[r->head % RING] = p;
		r->size[r->head++ % RING] = n;
		ok = true;
	}
	pthread_mutex_unlock(&r->lock);
	return ok;
}

static void *ring_get(struct ring *r, size_t *n)
{
	void *p = NULL;
	pthread_mutex_lock(&r->lock);
	if (r->head != r->tail) {
		p = r->slot[r->tail % RING];
		*n = r->size[r->tail++ % RING];
	}
	pthread_mutex_unlock(&r->lock);
	return p;
}

static void drain_ring(struct ring *r)
{
	size_t n;
	void *p;

	while ((p = ring_get(r, &n))) {
		if (!stamped(p, n))
			__atomic_fetch_add(&bad_blocks, 1, __ATOMIC_RELAXED);
		kfree(p);
	}
}

static unsigned finished;

static void *cross_worker(void *arg)
{
	unsigned id = (uintptr_t)arg, seed = id + 100;
	struct ring *mine = &rings[id], *next = &rings[(id + 1) % THREADS];

	mm_host_set_cpu(id);
	for (unsigned i = 0; i < PER_THREAD; i++) {
		unsigned r = rand_r(&seed) % 100;
		size_t n = r < 95 ? 1 + (size_t)rand_r(&seed) % 2048
				  : 2049 + (size_t)rand_r(&seed) % 30000;
		void *p = kmalloc(n);
		if (!p) {
			__atomic_fetch_add(&bad_blocks, 1, __ATOMIC_RELAXED);
			continue;
		}
		stamp(p, n);
		while (!ring_put(next, p, n)) {
			drain_ring(mine);
			sched_yield(); /* the host may have fewer cores */
		}
		drain_ring(mine);
	}
	__atomic_fetch_add(&finished, 1, __ATOMIC_RELEASE);
	while (__atomic_load_n(&finished, __ATOMIC_ACQUIRE) < THREADS) {
		drain_ring(mine);
		sched_yield();
	}
	drain_ring(mine);
	heap_flush();
	return NULL;
}

UNIT_TEST(heap_cross_core_free)
{
	pthread_t t[THREADS];

	setup();
	for (unsigned i = 0; i < THREADS; i++)
		pthread_mutex_init(&rings[i].lock, NULL);
	for (uintptr_t i = 0; i < THREADS; i++)
		pthread_create(&t[i], NULL, cross_worker, (void *)i);
	for (unsigned i = 0; i < THREADS; i++)
		pthread_join(t[i], NULL);
	CHECK_EQ(bad_blocks, 0);
	CHECK(frames_back());
}

/* ---- misuse ----------------------------------------------------------------
 */

static void double_free(void *size)
{
	void *p = kmalloc((uintptr_t)size);
	kfree(p);
	kfree(p);
}

static void free_stack(void *unused)
{
	char buf[64];
	kfree(buf);
}

static void free_interior(void *size)
{
	char *p = kmalloc((uintptr_t)size);
	kfree(p + 16);
}

static void free_frame(void *unused)
{
	kfree(phys_to_virt(frame_alloc(0)));
}

UNIT_TEST(heap_misuse_panics)
{
	setup();
	CHECK(mm_host_panics(double_free, (void *)16));
	CHECK(mm_host_panics(double_free, (void *)700));
	CHECK(mm_host_panics(double_free, (void *)10000));
	CHECK(mm_host_panics(free_stack, NULL));
	CHECK(mm_host_panics(free_interior, (void *)100));
	CHECK(mm_host_panics(free_interior, (void *)8192));
	CHECK(mm_host_panics(free_frame, NULL));
	CHECK(frames_back());
}

UNIT_MAIN()
