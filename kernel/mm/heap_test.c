/* SPDX-License-Identifier: MIT */
/* heap_test.c: in-guest tests of kmalloc and friends. */
#include <stdint.h>
#include <string.h>
#include <unidb/heap.h>
#include <unidb/test.h>

#include "mm/frame.h"

static uint64_t frames_free(void)
{
	struct frame_stats st;

	frame_stats(&st);
	return st.free;
}

static void fill(uint8_t *p, size_t n, unsigned seed)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)(seed + i);
}

static bool filled(const uint8_t *p, size_t n, unsigned seed)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != (uint8_t)(seed + i))
			return false;
	return true;
}

TEST(heap_sizes_alignment_contents)
{
	for (size_t s = 1; s <= 5000; s += 37) {
		uint8_t *p = kmalloc(s);
		ASSERT(p != NULL);
		EXPECT((uintptr_t)p % 16 == 0);
		EXPECT(ksize(p) >= s);
		fill(p, s, s);
		EXPECT(filled(p, s, s));
		kfree(p);
	}
	for (size_t s = 16; s <= KMALLOC_MAX; s *= 2) {
		void *p = kmalloc(s);
		ASSERT(p != NULL);
		EXPECT((uintptr_t)p % s == 0);
		EXPECT_EQ(ksize(p), s);
		kfree(p);
	}
	EXPECT(kmalloc(KMALLOC_MAX + 1) == NULL);
	EXPECT(kcalloc(SIZE_MAX / 4, 8) == NULL);
	uint32_t *z = kcalloc(1000, 4);
	ASSERT(z != NULL);
	EXPECT(z[0] == 0 && z[999] == 0);
	z = krealloc(z, 8000);
	ASSERT(z != NULL);
	EXPECT(z[999] == 0);
	kfree(z);
	kfree(NULL);
}

TEST(heap_frames_come_back)
{
	enum { N = 3000 };
	static uint8_t *p[N];
	static size_t n[N];

	kfree(kmalloc(1)); /* this core's caches exist from here on */
	heap_flush();
	uint64_t before = frames_free();
	for (unsigned i = 0; i < N; i++) {
		n[i] = i % 50 == 0 ? 3000 + i * 7 : 1 + (i * 97) % 2048;
		p[i] = kmalloc(n[i]);
		ASSERT(p[i] != NULL);
		fill(p[i], n[i], i);
	}
	for (unsigned i = 0; i < N; i += 2) {
		kfree(p[i]);
		p[i] = NULL;
	}
	unsigned bad = 0;
	for (unsigned i = 1; i < N; i += 2) {
		bad += !filled(p[i], n[i], i);
		p[i] = krealloc(p[i], n[i] + 100);
		ASSERT(p[i] != NULL);
		bad += !filled(p[i], n[i], i);
	}
	EXPECT_EQ(bad, 0);
	for (unsigned i = 1; i < N; i += 2)
		kfree(p[i]);
	heap_flush();
	EXPECT_EQ(frames_free(), before);
}
