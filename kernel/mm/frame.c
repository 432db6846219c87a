/* SPDX-License-Identifier: MIT */
/* frame.c: physical frame allocator in the style of LLFree (Wrenger et al.,
 * ATC'23): per-core reservations, word-sized atomics, no locks.
 *
 * Memory is cut into huge frames of 512 frames (2 MiB). Each has a 512-bit
 * bitmap (bit set = frame not free) and a 32-bit state word holding its
 * free count, RESERVED (a core takes its small allocations from here) and
 * TAKEN (handed out whole as one 2 MiB frame: bitmap all clear, count 0).
 *
 * Invariant: free count <= clear bits. An allocation first claims n frames
 * by lowering the count (CAS), then sets n clear bits; a free clears its
 * bits first and raises the count afterwards. So a claim always has bits to
 * find, and a count of 512 means "all bits clear and nobody allocating
 * here": exactly when the huge frame may be TAKEN. Frames that are not
 * usable RAM (holes, range edges that are not 2 MiB aligned, frame 0, our
 * metadata) keep their bit set forever and never count as free, so a huge
 * frame containing any of them is never handed out whole.
 *
 * Each core reserves one huge frame (reserv[cpu]) for allocations of
 * order 0..8. RESERVED only keeps cores apart; correctness rests on the
 * count and the bitmap alone, so frees go to any huge frame and anybody may
 * allocate in a reserved one. When its reservation is used up, a core scans
 * from its hint: first partially used huge frames with at least 1/8 free
 * (so whole ones stay whole for 2 MiB allocations, and a new reservation
 * does not run out at once), then whole ones, then any with room.
 *
 * The per-frame refcount and tag sit beside the bitmaps; the allocator only
 * sets the refcount to 1 on allocation. Memory ordering: a free releases
 * (bit clear, count add), an allocation acquires (count CAS, bit CAS), so
 * the previous owner's writes happen before the next owner's. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <unidb/cpu.h>
#include <unidb/errno.h>
#include <unidb/panic.h>

#include "mm/frame.h"

#define HUGE_FRAMES 512 /* frames per huge frame */
#define HUGE_ORDER 9
#define WORDS 8 /* bitmap words per huge frame */

#define ST_FREE 0x3ffu /* free count, 0..512 */
#define ST_RESERVED 0x400u
#define ST_TAKEN 0x800u

#define NONE UINT32_MAX

struct bitmap {
	uint64_t w[WORDS];
} __attribute__((aligned(64)));

/* Set by frame_init(), read-only afterwards. */
static struct {
	uint64_t base_pfn; /* first frame covered, a multiple of 512 */
	uint32_t nhuge;
	uint64_t total;
	struct bitmap *bits; /* [nhuge] */
	uint32_t *state;     /* [nhuge] */
	uint32_t *ref;	     /* [nhuge * 512] */
	uint8_t *tag;	     /* [nhuge * 512] */
} fm;

/* Written by the owning core only (with preemption disabled); atomic
 * because an interrupt handler on the same core may allocate too. */
struct reservation {
	uint32_t huge; /* reserved huge frame or NONE */
	uint32_t hint; /* where the next search starts */
} __attribute__((aligned(64)));

static struct reservation reserv[MAX_CPUS];

static paddr_t pa_of(uint32_t h, unsigned bit)
{
	return (fm.base_pfn + (uint64_t)h * HUGE_FRAMES + bit) << FRAME_SHIFT;
}

/* Index of pa's frame in the metadata, or false if pa is not covered. */
static bool frame_index(paddr_t pa, uint64_t *idx)
{
	uint64_t pfn = pa >> FRAME_SHIFT;

	if (pfn < fm.base_pfn ||
	    pfn - fm.base_pfn >= (uint64_t)fm.nhuge * HUGE_FRAMES)
		return false;
	*idx = pfn - fm.base_pfn;
	return true;
}

static uint64_t run_mask(unsigned n, unsigned shift)
{
	return (n >= 64 ? ~0ULL : (1ULL << n) - 1) << shift;
}

/* ---- one huge frame ---------------------------------------------------- */

static bool claim(uint32_t h, unsigned n)
{
	uint32_t s = __atomic_load_n(&fm.state[h], __ATOMIC_RELAXED);
	do {
		if ((s & ST_TAKEN) || (s & ST_FREE) < n)
			return false;
	} while (!__atomic_compare_exchange_n(
	    &fm.state[h], &s, s - n, true, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED));
	return true;
}

static void unclaim(uint32_t h, unsigned n)
{
	__atomic_fetch_add(&fm.state[h], n, __ATOMIC_RELEASE);
}

/* Sets an aligned run of 2^order clear bits in h's bitmap; returns the
 * index of its first bit, or -1 if there is none right now. */
static int take_bits(uint32_t h, unsigned order)
{
	uint64_t *w = fm.bits[h].w;
	unsigned n = 1u << order;

	if (order > 6) { /* whole words: set each, undo if one is busy */
		unsigned nw = n / 64;
		for (unsigned i = 0; i < WORDS; i += nw) {
			unsigned j;
			for (j = 0; j < nw; j++) {
				uint64_t zero = 0;
				if (!__atomic_compare_exchange_n(
					&w[i + j], &zero, ~0ULL, false,
					__ATOMIC_ACQ_REL, __ATOMIC_RELAXED))
					break;
			}
			if (j == nw)
				return i * 64;
			while (j--) /* those words were entirely ours */
				__atomic_store_n(&w[i + j], 0,
						 __ATOMIC_RELEASE);
		}
		return -1;
	}
	for (unsigned i = 0; i < WORDS; i++) {
		uint64_t v = __atomic_load_n(&w[i], __ATOMIC_RELAXED);
		unsigned off = 0;
		while (off < 64 && v != ~0ULL) {
			if (order == 0)
				off = __builtin_ctzll(~v);
			uint64_t m = run_mask(n, off);
			if (v & m) {
				off += n;
				continue;
			}
			/* On failure v is reloaded and off retried. */
			if (__atomic_compare_exchange_n(&w[i], &v, v | m, false,
							__ATOMIC_ACQ_REL,
							__ATOMIC_RELAXED))
				return i * 64 + off;
		}
	}
	return -1;
}

static paddr_t alloc_in(uint32_t h, unsigned order)
{
	unsigned n = 1u << order;

	if (!claim(h, n))
		return 0;
	for (;;) {
		int bit = take_bits(h, order);
		if (bit >= 0)
			return pa_of(h, bit);
		if (order > 0)
			break; /* fragmented: the caller looks elsewhere */
		/* Our claim guarantees a clear bit; others were mid-way. */
		cpu_relax();
	}
	unclaim(h, n);
	return 0;
}

static bool try_reserve(uint32_t h)
{
	uint32_t s = __atomic_load_n(&fm.state[h], __ATOMIC_RELAXED);
	do {
		if (s & ST_RESERVED)
			return false;
	} while (!__atomic_compare_exchange_n(&fm.state[h], &s, s | ST_RESERVED,
					      true, __ATOMIC_RELAXED,
					      __ATOMIC_RELAXED));
	return true;
}

/* Makes h (reserved by us) the core's reservation and drops the old one.
 * The exchange keeps this right if an interrupt handler does the same. */
static void install(struct reservation *r, uint32_t h)
{
	uint32_t old = __atomic_exchange_n(&r->huge, h, __ATOMIC_RELAXED);
	if (old != NONE)
		__atomic_fetch_and(&fm.state[old], ~ST_RESERVED,
				   __ATOMIC_RELAXED);
}

/* ---- allocation ---------------------------------------------------------- */

/* Search passes for a new reservation, best first (see the top comment). */
static bool wanted(uint32_t s, unsigned pass, unsigned n)
{
	unsigned free = s & ST_FREE;

	if ((s & ST_TAKEN) || free < n)
		return false;
	if (pass == 0)
		return !(s & ST_RESERVED) && free < HUGE_FRAMES &&
		       free >= HUGE_FRAMES / 8;
	if (pass == 1)
		return !(s & ST_RESERVED) && free == HUGE_FRAMES;
	return true;
}

static paddr_t alloc_small(struct reservation *r, unsigned order)
{
	uint32_t cur = __atomic_load_n(&r->huge, __ATOMIC_RELAXED);
	uint32_t start = __atomic_load_n(&r->hint, __ATOMIC_RELAXED);
	paddr_t pa;

	if (cur != NONE && (pa = alloc_in(cur, order)))
		return pa;
	for (unsigned pass = 0; pass < 3; pass++) {
		for (uint32_t i = 0; i < fm.nhuge; i++) {
			uint32_t h = start + i < fm.nhuge
					 ? start + i
					 : start + i - fm.nhuge;
			uint32_t s =
			    __atomic_load_n(&fm.state[h], __ATOMIC_RELAXED);
			if (!wanted(s, pass, 1u << order))
				continue;
			if (try_reserve(h))
				install(r, h);
			if ((pa = alloc_in(h, order))) {
				__atomic_store_n(&r->hint, h, __ATOMIC_RELAXED);
				return pa;
			}
		}
	}
	return 0;
}

/* Takes h whole if it is entirely free (and, unless any_reserved, not
 * reserved by a core, whose allocations would then go elsewhere). */
static bool take_huge(uint32_t h, bool any_reserved)
{
	uint32_t s = __atomic_load_n(&fm.state[h], __ATOMIC_RELAXED);
	do {
		if ((s & (ST_TAKEN | ST_FREE)) != HUGE_FRAMES)
			return false;
		if (!any_reserved && (s & ST_RESERVED))
			return false;
	} while (!__atomic_compare_exchange_n(
	    &fm.state[h], &s, (s & ST_RESERVED) | ST_TAKEN, true,
	    __ATOMIC_ACQUIRE, __ATOMIC_RELAXED));
	return true;
}

static paddr_t alloc_huge(struct reservation *r)
{
	uint32_t start = __atomic_load_n(&r->hint, __ATOMIC_RELAXED);

	for (unsigned pass = 0; pass < 2; pass++) {
		for (uint32_t i = 0; i < fm.nhuge; i++) {
			uint32_t h = start + i < fm.nhuge
					 ? start + i
					 : start + i - fm.nhuge;
			if (take_huge(h, pass == 1))
				return pa_of(h, 0);
		}
	}
	return 0;
}

paddr_t frame_alloc(unsigned order)
{
	paddr_t pa;
	uint64_t idx;

	if (order > FRAME_ORDER_MAX || !fm.nhuge)
		return 0;
	preempt_disable();
	struct reservation *r = &reserv[cpu_id()];
	pa = order == HUGE_ORDER ? alloc_huge(r) : alloc_small(r, order);
	preempt_enable();
	if (pa && frame_index(pa, &idx))
		for (uint64_t i = 0; i < (1u << order); i++)
			__atomic_store_n(&fm.ref[idx + i], 1, __ATOMIC_RELAXED);
	return pa;
}

paddr_t frame_alloc_zeroed(unsigned order)
{
	paddr_t pa = frame_alloc(order);

	if (pa)
		memset(phys_to_virt(pa), 0, FRAME_SIZE << order);
	return pa;
}

/* ---- free ---------------------------------------------------------------- */

static void free_huge(uint32_t h, paddr_t pa)
{
	uint32_t s = __atomic_load_n(&fm.state[h], __ATOMIC_RELAXED);
	do {
		if (!(s & ST_TAKEN))
			panic("frame_free: 0x%lx order 9: not allocated as "
			      "2 MiB (double free?)",
			      (unsigned long)pa);
	} while (!__atomic_compare_exchange_n(
	    &fm.state[h], &s, (s & ST_RESERVED) | HUGE_FRAMES, true,
	    __ATOMIC_RELEASE, __ATOMIC_RELAXED));
}

void frame_free(paddr_t pa, unsigned order)
{
	uint64_t idx;
	unsigned n = 1u << order;

	if (order > FRAME_ORDER_MAX || !frame_index(pa, &idx) ||
	    (pa & (FRAME_SIZE - 1)) || (idx & (n - 1)))
		panic("frame_free: bad frame 0x%lx order %u", (unsigned long)pa,
		      order);
	uint32_t h = idx / HUGE_FRAMES;
	unsigned bit = idx % HUGE_FRAMES;
	if (order == HUGE_ORDER) {
		free_huge(h, pa);
		return;
	}
	if (__atomic_load_n(&fm.state[h], __ATOMIC_RELAXED) & ST_TAKEN)
		panic("frame_free: 0x%lx order %u is part of a 2 MiB frame",
		      (unsigned long)pa, order);
	uint64_t *w = &fm.bits[h].w[bit / 64];
	for (unsigned i = 0; i < (n + 63) / 64; i++) {
		uint64_t m = run_mask(n, bit % 64);
		uint64_t old = __atomic_fetch_and(&w[i], ~m, __ATOMIC_RELEASE);
		if ((old & m) != m)
			panic("frame_free: 0x%lx order %u: double free",
			      (unsigned long)pa, order);
	}
	__atomic_fetch_add(&fm.state[h], n, __ATOMIC_RELEASE);
}

/* ---- refcount, tag, stats ------------------------------------------------ */

static uint32_t *ref_of(paddr_t pa)
{
	uint64_t idx;

	if (!frame_index(pa, &idx))
		panic("frame refcount: 0x%lx is not managed RAM",
		      (unsigned long)pa);
	return &fm.ref[idx];
}

uint32_t frame_ref(paddr_t pa)
{
	return __atomic_add_fetch(ref_of(pa), 1, __ATOMIC_RELAXED);
}

uint32_t frame_unref(paddr_t pa)
{
	uint32_t n = __atomic_sub_fetch(ref_of(pa), 1, __ATOMIC_ACQ_REL);
	if (n == UINT32_MAX)
		panic("frame_unref: 0x%lx: refcount below 0",
		      (unsigned long)pa);
	return n;
}

uint32_t frame_refcount(paddr_t pa)
{
	return __atomic_load_n(ref_of(pa), __ATOMIC_ACQUIRE);
}

uint8_t frame_tag(paddr_t pa)
{
	uint64_t idx;

	if (!frame_index(pa, &idx))
		return 0;
	return __atomic_load_n(&fm.tag[idx], __ATOMIC_RELAXED);
}

void frame_set_tag(paddr_t pa, unsigned order, uint8_t tag)
{
	uint64_t idx;

	if (!frame_index(pa, &idx))
		panic("frame_set_tag: 0x%lx is not managed RAM",
		      (unsigned long)pa);
	for (uint64_t i = 0; i < (1u << order); i++)
		__atomic_store_n(&fm.tag[idx + i], tag, __ATOMIC_RELAXED);
}

void frame_stats(struct frame_stats *st)
{
	uint64_t free = 0, huge_free = 0;

	for (uint32_t h = 0; h < fm.nhuge; h++) {
		uint32_t s = __atomic_load_n(&fm.state[h], __ATOMIC_RELAXED);
		free += s & ST_FREE;
		if ((s & (ST_TAKEN | ST_FREE)) == HUGE_FRAMES)
			huge_free++;
	}
	st->total = fm.total;
	st->free = free;
	st->used = fm.total - free;
	st->huge_free = huge_free;
}

/* ---- initialisation ------------------------------------------------------ */

/* r as whole frame numbers [*s, *e); false if none. Frame 0 is left out. */
static bool clip(const struct mem_range *r, uint64_t *s, uint64_t *e)
{
	paddr_t start = r->start < FRAME_SIZE ? FRAME_SIZE : r->start;

	*s = (start + FRAME_SIZE - 1) >> FRAME_SHIFT;
	*e = r->end >> FRAME_SHIFT;
	return *s < *e;
}

/* Marks frames [s, e) free, a word at a time. */
static int add_free(uint64_t s, uint64_t e)
{
	while (s < e) {
		uint64_t i = s - fm.base_pfn;
		uint32_t h = i / HUGE_FRAMES;
		unsigned b = i % 64;
		unsigned cnt = e - s < 64 - b ? e - s : 64 - b;
		uint64_t m = run_mask(cnt, b);
		uint64_t *w = &fm.bits[h].w[i % HUGE_FRAMES / 64];
		if ((*w & m) != m)
			return -EINVAL; /* overlapping ranges */
		*w &= ~m;
		fm.state[h] += cnt;
		fm.total += cnt;
		s += cnt;
	}
	return 0;
}

int frame_init(const struct mem_range *ranges, unsigned n)
{
	uint64_t lo = UINT64_MAX, hi = 0, s, e, best_len = 0;
	unsigned best = 0;

	for (unsigned i = 0; i < n; i++) {
		if (!clip(&ranges[i], &s, &e))
			continue;
		lo = s < lo ? s : lo;
		hi = e > hi ? e : hi;
		if (e - s > best_len) {
			best_len = e - s;
			best = i;
		}
	}
	if (!best_len)
		return -EINVAL;
	lo &= ~(uint64_t)(HUGE_FRAMES - 1);
	hi = (hi + HUGE_FRAMES - 1) & ~(uint64_t)(HUGE_FRAMES - 1);

	uint64_t nhuge = (hi - lo) / HUGE_FRAMES, nframes = hi - lo;
	uint64_t bytes = nhuge * (sizeof(struct bitmap) + sizeof(uint32_t)) +
			 nframes * (sizeof(uint32_t) + sizeof(uint8_t));
	uint64_t meta_frames = (bytes + FRAME_SIZE - 1) >> FRAME_SHIFT;
	if (meta_frames > best_len || nhuge >= NONE)
		return -ENOMEM;

	clip(&ranges[best], &s, &e);
	char *p = phys_to_virt(s << FRAME_SHIFT);
	memset(p, 0, meta_frames << FRAME_SHIFT);
	fm.base_pfn = lo;
	fm.nhuge = nhuge;
	fm.total = 0;
	fm.bits = (struct bitmap *)p; /* page aligned, so 64-byte aligned */
	fm.state = (uint32_t *)(p + nhuge * sizeof(struct bitmap));
	fm.ref = fm.state + nhuge;
	fm.tag = (uint8_t *)(fm.ref + nframes);
	memset(fm.bits, 0xff, nhuge * sizeof(struct bitmap));

	for (unsigned i = 0; i < n; i++) {
		if (!clip(&ranges[i], &s, &e))
			continue;
		if (i == best)
			s += meta_frames;
		int err = add_free(s, e);
		if (err)
			return err;
	}
	for (unsigned c = 0; c < MAX_CPUS; c++)
		reserv[c] = (struct reservation){NONE, nhuge * c / MAX_CPUS};
	return 0;
}
