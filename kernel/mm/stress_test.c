/* SPDX-License-Identifier: MIT */
/* stress_test.c: snapshots and range operations under writers on every
 * core (TEST(stress_*): make test runs them, tests/stress runs them for
 * longer under delay injection).
 *
 * stress_snapshot_point_in_time: every snapshot variant, 4 KiB and 2 MiB
 * pages. Words are partitioned among the writers (one writer per word, so
 * a word's writes are ordered by the writer's sequence number); a write
 * stores (writer + 1) << 40 | seq and logs (word, s, e): the global clock
 * read before the store and after it (the store is a full barrier). The
 * creator bumps the clock to `start` before vm_snapshot() and to `end`
 * after it. Then, per word, the snapshot may hold only the value written
 * last before creation began (e < start; or the value from before the
 * round) or a value written during creation (e >= start and s < end);
 * never an older value, and never one written after creation ended
 * (s >= end). Writers pause between rounds; the source must then equal the
 * shadow built from the logs (no update lost to a copy). */
#include <stdint.h>
#include <stdlib.h>
#include <unidb/command.h>
#include <unidb/cpu.h>
#include <unidb/panic.h>
#include <unidb/printk.h>
#include <unidb/test.h>
#include <unidb/thread.h>
#include <unidb/time.h>
#include <unidb/vm.h>

#include "core/boot.h"
#include "mm/vm_internal.h"

#define PAGE 4096UL
#define LOG_MAX 2048 /* writes a writer logs per round */

/* Rounds per test are multiplied by this: 1 for make test, more under
 * tests/stress (command prefix "stress_scale N COMMAND ..."). */
static unsigned stress_scale = 1;

static int cmd_stress_scale(int argc, char **argv)
{
	char *end;
	unsigned long n = argc > 2 ? strtoul(argv[1], &end, 0) : 0;
	if (!n || n > 1000 || *end) {
		printk("usage: stress_scale N(1..1000) COMMAND ...\n");
		return POWEROFF_FAIL;
	}
	stress_scale = (unsigned)n;
	return command_run_argv(argc - 2, argv + 2);
}
COMMAND(stress_scale, "N COMMAND  run COMMAND with the mm stress tests' "
		      "rounds multiplied by N",
	cmd_stress_scale);

struct entry {
	uint32_t word, s, e;
};

struct stress {
	volatile uint64_t *w; /* the source */
	uint64_t nwords;
	unsigned nwriters;
	uint32_t clock;		/* atomic */
	bool pause;	/* atomic */
	volatile bool stop;
	struct entry *log;	/* nwriters * LOG_MAX */
	struct wstate {
		uint64_t seq;	/* last sequence number written */
		uint64_t base;	/* first sequence number of the round */
		unsigned n;	/* entries logged this round (atomic) */
		unsigned paused; /* round it acknowledged a pause for */
		uint64_t rng;
	} *ws;
	unsigned round; /* pause number (atomic) */
};

static uint64_t xorshift(uint64_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return *x;
}

struct writer_arg {
	struct stress *st;
	unsigned id;
};

static void writer(void *arg)
{
	struct writer_arg *wa = arg;
	struct stress *st = wa->st;
	struct wstate *me = &st->ws[wa->id];
	struct entry *log = st->log + (uint64_t)wa->id * LOG_MAX;
	uint64_t slots = st->nwords / st->nwriters;

	while (!st->stop) {
		/* pause first: the checker resets n, then clears pause. */
		bool pause = __atomic_load_n(&st->pause, __ATOMIC_SEQ_CST);
		unsigned n = __atomic_load_n(&me->n, __ATOMIC_SEQ_CST);
		if (pause || n == LOG_MAX) {
			__atomic_store_n(&me->paused,
					 __atomic_load_n(&st->round,
							 __ATOMIC_SEQ_CST),
					 __ATOMIC_SEQ_CST);
			thread_yield();
			continue;
		}
		uint32_t word = (uint32_t)((xorshift(&me->rng) % slots) *
						   st->nwriters +
					   wa->id);
		uint64_t v = (uint64_t)(wa->id + 1) << 40 | ++me->seq;
		uint32_t s = __atomic_load_n(&st->clock, __ATOMIC_SEQ_CST);
		__atomic_store_n(&st->w[word], v, __ATOMIC_SEQ_CST);
		uint32_t e = __atomic_load_n(&st->clock, __ATOMIC_SEQ_CST);
		log[n] = (struct entry){word, s, e};
		__atomic_store_n(&me->n, n + 1, __ATOMIC_RELEASE);
		if (!(n & 15))
			vm_snapshot_help();
		if (!(n & 31))
			thread_yield(); /* the checker may share this core */
	}
}

static unsigned logged(struct stress *st)
{
	unsigned t = 0;
	for (unsigned i = 0; i < st->nwriters; i++)
		t += __atomic_load_n(&st->ws[i].n, __ATOMIC_ACQUIRE);
	return t;
}

/* Lets the writers log `more` writes (or fill their logs). */
static void let_write(struct stress *st, unsigned more)
{
	unsigned target = logged(st) + more;
	while (logged(st) < target && logged(st) < st->nwriters * LOG_MAX)
		thread_yield();
}

static void pause_writers(struct stress *st)
{
	/* A new number per pause: an acknowledgement given before it (a
	 * writer that stopped at a full log, or one paused last time) must
	 * not count. A writer that sees pause reads the number after it. */
	__atomic_add_fetch(&st->round, 1, __ATOMIC_SEQ_CST);
	__atomic_store_n(&st->pause, true, __ATOMIC_SEQ_CST);
	for (unsigned i = 0; i < st->nwriters; i++)
		while (__atomic_load_n(&st->ws[i].paused, __ATOMIC_SEQ_CST) !=
		       st->round)
			thread_yield();
}

/* First logged write of writer i whose clock value (s or e) is >= t. */
static unsigned first_at(struct stress *st, unsigned i, uint32_t t, bool e)
{
	const struct entry *log = st->log + (uint64_t)i * LOG_MAX;
	unsigned k = 0;
	while (k < st->ws[i].n && (e ? log[k].e : log[k].s) < t)
		k++;
	return k;
}

struct counts {
	uint64_t snapshots, mismatches, overlapping, source_mismatches,
	    words;
};

/* One round: writers write, a snapshot is taken, writers write on, then
 * pause; the snapshot is checked word by word. shadow holds each word's
 * value as of the last pause. */
static bool round_check(struct stress *st, uint64_t *shadow, unsigned create,
			unsigned destroy, struct vm_area *src,
			struct counts *c)
{
	unsigned nw = st->nwriters;
	static unsigned kb[MAX_CPUS], ka[MAX_CPUS]; /* main thread only */

	for (unsigned i = 0; i < nw; i++) {
		st->ws[i].base = st->ws[i].seq + 1;
		__atomic_store_n(&st->ws[i].n, 0, __ATOMIC_RELEASE);
	}
	__atomic_store_n(&st->pause, false, __ATOMIC_SEQ_CST);
	let_write(st, 4 * nw);
	uint32_t start = __atomic_add_fetch(&st->clock, 1, __ATOMIC_SEQ_CST);
	struct vm_area *s = vm_snapshot(src, create);
	uint32_t end = __atomic_add_fetch(&st->clock, 1, __ATOMIC_SEQ_CST);
	if (!s)
		return false;
	/* A read of every page while the writers go on: a lazy snapshot
	 * copies the tables under holes first (issue 16, finding 8). */
	const volatile uint64_t *sw = vm_area_base(s);
	for (uint64_t word = 0; word < st->nwords; word += PAGE / 8)
		(void)sw[word];
	let_write(st, 2 * nw);
	pause_writers(st);

	for (unsigned i = 0; i < nw; i++) {
		kb[i] = first_at(st, i, start, true);
		ka[i] = first_at(st, i, end, false);
		const struct entry *log = st->log + (uint64_t)i * LOG_MAX;
		for (unsigned k = 0; k < kb[i]; k++) /* written before */
			shadow[log[k].word] = (uint64_t)(i + 1) << 40 |
					      (st->ws[i].base + k);
	}
	for (uint64_t word = 0; word < st->nwords; word++) {
		uint64_t v = sw[word];
		if (v == shadow[word])
			continue;
		unsigned id = (unsigned)(v >> 40) - 1;
		uint64_t k = (v & ((1UL << 40) - 1)) - st->ws[id % nw].base;
		bool ok = id < nw && word % nw == id && k >= kb[id] &&
			  k < ka[id] &&
			  st->log[(uint64_t)id * LOG_MAX + k].word == word;
		c->overlapping += ok;
		if (!ok && c->mismatches++ < 5)
			printk("stress: word %lu of snapshot %lu: %#lx, want "
			       "%#lx or a write during creation (clock %u..%u)"
			       "\n",
			       word, c->snapshots, v, shadow[word], start, end);
	}
	c->words += st->nwords;
	c->snapshots++;
	/* The rest of the round's writes: the source must hold them all. */
	for (unsigned i = 0; i < nw; i++) {
		const struct entry *log = st->log + (uint64_t)i * LOG_MAX;
		for (unsigned k = kb[i]; k < st->ws[i].n; k++)
			shadow[log[k].word] = (uint64_t)(i + 1) << 40 |
					      (st->ws[i].base + k);
	}
	for (uint64_t word = 0; word < st->nwords; word++) {
		if (!(word % (PAGE / 8)))
			vm_refresh((const void *)&st->w[word]);
		c->source_mismatches += st->w[word] != shadow[word];
	}
	vm_snapshot_destroy(s, destroy);
	return true;
}

static const struct {
	unsigned create, destroy;
} variants[] = {
    {VM_SNAP_EAGER, 0},
    {VM_SNAP_PARALLEL, 0},
    {VM_SNAP_READER, VM_SNAP_NOFREE},
    {VM_SNAP_PARALLEL | VM_SNAP_READER, VM_SNAP_NOFREE},
    {VM_SNAP_LAZY, VM_SNAP_NOFREE},
    {VM_SNAP_LAZY | VM_SNAP_PARALLEL, 0},
    {VM_SNAP_COPY_AHEAD, VM_SNAP_NOFREE},
    {VM_SNAP_COPY_AHEAD | VM_SNAP_PARALLEL, 0},
};
#define NVARIANTS (sizeof(variants) / sizeof(variants[0]))

/* Runs `rounds` rounds of every variant on an area of `size` bytes. */
static void stress_snapshots(uint64_t size, unsigned aflags, unsigned rounds,
			     struct counts *c)
{
	static struct stress st;
	static struct writer_arg args[MAX_CPUS];
	static struct thread *th[MAX_CPUS];
	unsigned n = cpu_count();
	/* Not prefaulted: holes until the writers reach them. */
	struct vm_area *src = vm_area_create(size, aflags);
	struct vm_area *scratch = vm_area_create(
	    size + n * (LOG_MAX * sizeof(struct entry) +
			sizeof(struct wstate)) + PAGE,
	    0);
	ASSERT(src && scratch);
	uint64_t *shadow = vm_area_base(scratch); /* zeroes, like src */
	st = (struct stress){.w = vm_area_base(src), .nwords = size / 8,
			     .nwriters = n};
	st.log = (struct entry *)(shadow + size / 8);
	st.ws = (struct wstate *)(st.log + (uint64_t)n * LOG_MAX);
	st.pause = true;
	for (unsigned i = 0; i < n; i++) {
		st.ws[i].rng = 0x9e3779b97f4a7c15UL * (i + 1) + size;
		args[i] = (struct writer_arg){&st, i};
		struct thread_attr at = {.cpu = (int)i};
		th[i] = thread_create("snap-writer", writer, &args[i], &at);
		ASSERT(th[i]);
	}
	for (unsigned r = 0; r < rounds * NVARIANTS; r++) {
		unsigned v = r % NVARIANTS;
		if (!round_check(&st, shadow, variants[v].create,
				 variants[v].destroy, src, c)) {
			EXPECT(!"vm_snapshot failed");
			break;
		}
	}
	st.stop = true;
	for (unsigned i = 0; i < n; i++)
		thread_join(th[i]);
	EXPECT_EQ(vm_area_destroy(src), 0);
	EXPECT_EQ(vm_area_destroy(scratch), 0);
}

TEST(stress_snapshot_point_in_time)
{
	struct counts c = {0};
	uint64_t t0 = time_ns();
	stress_snapshots(256 * 1024, 0, stress_scale, &c);
	stress_snapshots(4UL << 20, VM_HUGE, stress_scale, &c);
	uint64_t ms = (time_ns() - t0) / 1000000;
	printk("stress: snapshots %lu\n", c.snapshots);
	printk("stress: mismatches %lu\n", c.mismatches);
	printk("stress: source_mismatches %lu\n", c.source_mismatches);
	printk("stress: words_checked %lu\n", c.words);
	printk("stress: words_written_during_creation %lu\n", c.overlapping);
	printk("stress: snapshot_ms %lu\n", ms);
	EXPECT_EQ(c.mismatches, 0);
	EXPECT_EQ(c.source_mismatches, 0);
}

/* stress_vm_ranges_racing_faults: vm_unmap, vm_protect and vm_map on
 * random ranges while threads on every core fault pages in, write and
 * read them. Word 0 of page p only ever holds 0 (a fresh page) or
 * p << 32 | something: a read that finds another page's word means a frame
 * reached two pages (reused while still mapped, or freed under a fault).
 * Pages [0, WZONE) are written by the threads; [WZONE, VPAGES) only by
 * the main thread, and made read-only and writable again at random, so
 * no thread writes a read-only page. A witness area must stay intact. */
#define VPAGES 512
#define WZONE 256

struct vstress {
	volatile uint64_t *w;
	volatile bool stop;
	uint64_t bad, reads, writes; /* atomic */
};

static void vm_toucher(void *arg)
{
	struct vstress *vs = arg;
	uint64_t x = 0x9e3779b97f4a7c15UL * (cpu_id() + 7), bad = 0, r = 0,
		 n = 0;
	while (!vs->stop) {
		uint64_t p = xorshift(&x) % VPAGES;
		uint64_t v = vs->w[p * (PAGE / 8)];
		r++;
		if (v && v >> 32 != p && bad++ < 3)
			printk("stress: page %lu holds %#lx\n", p, v);
		p = xorshift(&x) % WZONE;
		vs->w[p * (PAGE / 8)] = p << 32 | (uint32_t)++n;
		if (!(n & 63))
			thread_yield(); /* the main thread may share this core */
	}
	__atomic_fetch_add(&vs->bad, bad, __ATOMIC_RELAXED);
	__atomic_fetch_add(&vs->reads, r, __ATOMIC_RELAXED);
	__atomic_fetch_add(&vs->writes, n, __ATOMIC_RELAXED);
}

TEST(stress_vm_ranges_racing_faults)
{
	static struct vstress vs;
	static struct thread *th[MAX_CPUS];
	unsigned n = cpu_count();
	struct vm_area *a = vm_area_create(VPAGES * PAGE, VM_PREFAULT);
	struct vm_area *wit = vm_area_create(64 * PAGE, VM_PREFAULT);
	ASSERT(a && wit);
	volatile uint64_t *ww = vm_area_base(wit);
	for (uint64_t i = 0; i < 64 * PAGE / 8; i++)
		ww[i] = i * 0x9e3779b97f4a7c15UL;
	vs = (struct vstress){.w = vm_area_base(a)};
	for (unsigned p = WZONE; p < VPAGES; p++)
		vs.w[p * (PAGE / 8)] = (uint64_t)p << 32 | 1;
	for (unsigned i = 0; i < n; i++) {
		struct thread_attr at = {.cpu = (int)i};
		ASSERT((th[i] = thread_create("vm-toucher", vm_toucher, &vs,
					      &at)));
	}
	uint64_t x = 12345, ops = 0, refused = 0, writable = 0;
	for (unsigned i = 0; i < 60 * stress_scale; i++) {
		uint64_t len = 1 + xorshift(&x) % 160;
		uint64_t off = xorshift(&x) % (VPAGES - len + 1);
		unsigned op = xorshift(&x) % 4;
		if (op != 0 && off < WZONE) { /* protect/map: read zone only */
			off = WZONE + off % (VPAGES - WZONE);
			len = len < VPAGES - off ? len : VPAGES - off;
		}
		char *base = (char *)vm_area_base(a) + off * PAGE;
		switch (op) {
		case 0:
			EXPECT_EQ(vm_unmap(a, off * PAGE, len * PAGE), 0);
			break;
		case 1:
		case 2: {
			/* vm_map() covers every page of the range, vm_protect()
			 * the pages present at the call: an absent one faults
			 * in read-write later (vm.h), e.g. when a toucher reads
			 * it. Only the main thread unmaps, so a page present
			 * now is still present at the call. */
			bool covered = op == 2 || vm_is_present(base);
			EXPECT_EQ(op == 1 ? vm_protect(a, off * PAGE,
						       len * PAGE, VM_READ)
					  : vm_map(a, off * PAGE, len * PAGE,
						   VM_READ),
				  0);
			/* A write to a page the call covered is refused. */
			if (covered) {
				if (vm_fault((uint64_t)base, 3, NULL) != 0)
					refused++;
				else
					writable++;
			}
			break;
		}
		default:
			EXPECT_EQ(vm_map(a, off * PAGE, len * PAGE,
					 VM_READ | VM_WRITE),
				  0);
			for (uint64_t p = off; p < off + len; p++)
				vs.w[p * (PAGE / 8)] = p << 32 | 2;
		}
		ops++;
		if (!(i & 7))
			thread_yield();
	}
	vs.stop = true;
	for (unsigned i = 0; i < n; i++)
		thread_join(th[i]);
	uint64_t wbad = 0;
	for (uint64_t i = 0; i < 64 * PAGE / 8; i++)
		wbad += ww[i] != i * 0x9e3779b97f4a7c15UL;
	printk("stress: range_ops %lu\n", ops);
	printk("stress: range_reads %lu\n", vs.reads);
	printk("stress: range_bad_reads %lu\n", vs.bad);
	printk("stress: witness_mismatches %lu\n", wbad);
	printk("stress: protected_writes_refused %lu\n", refused);
	printk("stress: protected_writes_allowed %lu\n", writable);
	EXPECT_EQ(vs.bad, 0);
	EXPECT_EQ(wbad, 0);
	EXPECT_EQ(writable, 0);
	EXPECT_EQ(vm_area_destroy(a), 0);
	EXPECT_EQ(vm_area_destroy(wit), 0);
}
