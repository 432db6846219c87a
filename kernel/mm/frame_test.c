/* SPDX-License-Identifier: MIT */
/* frame_test.c: in-guest tests of the frame allocator on real RAM. */
#include <stdint.h>
#include <string.h>
#include <unidb/test.h>

#include "mm/frame.h"

#define RUNS 4

static bool overlaps(paddr_t a, unsigned oa, paddr_t b, unsigned ob)
{
	return a < b + (FRAME_SIZE << ob) && b < a + (FRAME_SIZE << oa);
}

TEST(frame_every_order_aligned_disjoint)
{
	struct frame_stats before, during, after;
	paddr_t pa[FRAME_ORDER_MAX + 1][RUNS];
	uint64_t frames = 0;

	frame_stats(&before);
	for (unsigned o = 0; o <= FRAME_ORDER_MAX; o++) {
		for (unsigned i = 0; i < RUNS; i++) {
			pa[o][i] = frame_alloc(o);
			ASSERT(pa[o][i] != 0);
			EXPECT(pa[o][i] % (FRAME_SIZE << o) == 0);
			EXPECT_EQ(frame_refcount(pa[o][i]), 1);
			uint64_t *w = phys_to_virt(pa[o][i]);
			w[0] = pa[o][i];
			w[(FRAME_SIZE << o) / 8 - 1] = ~pa[o][i];
			frames += 1u << o;
		}
	}
	frame_stats(&during);
	EXPECT_EQ(during.used, before.used + frames);
	for (unsigned o = 0; o <= FRAME_ORDER_MAX; o++)
		for (unsigned i = 0; i < RUNS; i++)
			for (unsigned p = 0; p <= o; p++)
				for (unsigned j = 0; j < RUNS; j++)
					if (p != o || j != i)
						EXPECT(!overlaps(pa[o][i], o,
								 pa[p][j], p));
	for (unsigned o = 0; o <= FRAME_ORDER_MAX; o++) {
		for (unsigned i = 0; i < RUNS; i++) {
			uint64_t *w = phys_to_virt(pa[o][i]);
			EXPECT(w[0] == pa[o][i]);
			EXPECT(w[(FRAME_SIZE << o) / 8 - 1] == ~pa[o][i]);
			frame_free(pa[o][i], o);
		}
	}
	frame_stats(&after);
	EXPECT_EQ(after.free, before.free);
	EXPECT_EQ(after.huge_free, before.huge_free);
	EXPECT_EQ(after.total, before.total);
}

TEST(frame_many_single_frames)
{
	enum { N = 4096 };
	static paddr_t pa[N];
	struct frame_stats before, after;

	frame_stats(&before);
	for (unsigned i = 0; i < N; i++) {
		pa[i] = frame_alloc(0);
		ASSERT(pa[i] != 0);
		*(uint64_t *)phys_to_virt(pa[i]) = i;
	}
	unsigned bad = 0;
	for (unsigned i = 0; i < N; i++)
		bad += *(uint64_t *)phys_to_virt(pa[i]) != i;
	EXPECT_EQ(bad, 0);
	for (unsigned i = 0; i < N; i += 2) /* every other, then the rest */
		frame_free(pa[i], 0);
	for (unsigned i = 1; i < N; i += 2)
		frame_free(pa[i], 0);
	frame_stats(&after);
	EXPECT_EQ(after.free, before.free);
	EXPECT_EQ(after.huge_free, before.huge_free);
}

TEST(frame_zeroed_refcount_tag)
{
	paddr_t pa = frame_alloc(1);
	ASSERT(pa != 0);
	memset(phys_to_virt(pa), 0x5a, 2 * FRAME_SIZE);
	frame_free(pa, 1);
	pa = frame_alloc_zeroed(1);
	ASSERT(pa != 0);
	const uint8_t *p = phys_to_virt(pa);
	unsigned nonzero = 0;
	for (unsigned i = 0; i < 2 * FRAME_SIZE; i++)
		nonzero += p[i] != 0;
	EXPECT_EQ(nonzero, 0);
	EXPECT_EQ(frame_ref(pa), 2);
	EXPECT_EQ(frame_unref(pa), 1);
	EXPECT_EQ(frame_tag(pa), 0);
	frame_set_tag(pa, 1, 7);
	EXPECT_EQ(frame_tag(pa + FRAME_SIZE), 7);
	frame_set_tag(pa, 1, 0);
	frame_free(pa, 1);
}
