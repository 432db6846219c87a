/* SPDX-License-Identifier: MIT */
/* snapshot.c: the snapshot benchmark of the reference paper (Figure 2),
 * unidb side ("bench snapshot [--size S] [--threads N] [--period SEC]
 * [--rounds R] [--warmup W] [--variant V|all]").
 *
 * OLTP threads, pinned one per core (all cores but the boot core), add 1
 * to random 32-bit words of a populated area with atomic fetch-and-add
 * and count their updates. Every period the boot core runs the OLAP job:
 * vm_snapshot() (copy phase), sum every word of the snapshot (scan phase),
 * vm_snapshot_destroy() (destroy phase). A round passes its self-check
 * when the snapshot equals the source at one point in time between the
 * start and the end of vm_snapshot() (wl_check_cut in ../workload.h; run
 * between scan and destroy, not timed). Each variant first runs
 * --warmup unmeasured jobs (WARMUP lines; default and reason in
 * ../workload.h). The output format is shared with bench/linux/snapshot.c
 * (fork()) and read by bench/snapshot/run.
 *
 * Variants, each adding to the previous one as in the paper:
 *   eager     the creating thread copies; every copy-on-write fault is
 *             followed by a shootdown to all cores
 *   parallel  + threads that fault during creation help copy
 *   reader    + no shootdown on copy-on-write faults; as in the paper, the
 *             OLTP threads call vm_refresh() on the page of every update
 *             while a snapshot exists (their locked read-modify-writes
 *             would be safe without it, see vm.h, but plain reads would
 *             not)
 *   nofree    + destroy pools the freed frames, and the OLTP threads help
 *   lazy      + (beyond the paper) creation shares whole page tables,
 *             write-protected in the page-directory entries; a table is
 *             copied at the first write under it
 *   ahead     parallel + nofree, and (beyond the paper) the creating
 *             thread copies every page into the snapshot before it
 *             returns; the source keeps its frames, so no shootdown and
 *             no vm_refresh(), and the OLTP threads fault only on pages
 *             they reach before the copy does
 * The OLTP threads call vm_snapshot_help() between batches of updates in
 * every variant; it does something only where the variant accepts help.
 *
 * The OLTP loop and the self-check are ../workload.h, shared with the
 * Linux side. */
#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unidb/bench.h>
#include <unidb/cpu.h>
#include <unidb/printk.h>
#include <unidb/thread.h>
#include <unidb/time.h>
#include <unidb/vm.h>

#include "../workload.h"

#define ROUNDS_MAX 64
#define MIB (1UL << 20)

struct variant {
	const char *name;
	unsigned create, destroy;
};

static const struct variant variants[] = {
    {"eager", VM_SNAP_EAGER, 0},
    {"parallel", VM_SNAP_PARALLEL, 0},
    {"reader", VM_SNAP_PARALLEL | VM_SNAP_READER, 0},
    {"nofree", VM_SNAP_PARALLEL | VM_SNAP_READER, VM_SNAP_NOFREE},
    {"lazy", VM_SNAP_LAZY | VM_SNAP_PARALLEL | VM_SNAP_READER,
     VM_SNAP_NOFREE},
    {"ahead", VM_SNAP_PARALLEL | VM_SNAP_COPY_AHEAD, VM_SNAP_NOFREE},
};

struct oltp {
	uint32_t *words;
	uint64_t nwords;
	volatile bool stop;
	volatile bool refresh; /* a reader-variant snapshot exists */
	unsigned threads;
	struct wl_counter count[MAX_CPUS];
};

struct phase_stats {
	uint64_t copy_ns, scan_ns, destroy_ns;
	uint64_t idle, copy, scan, destroy; /* updates per second */
};

static struct oltp oltp;

static void refresh(const void *addr)
{
	vm_refresh(addr);
}

/* arg: the worker's number, 0..threads-1 (its counter and tag). */
static void oltp_worker(void *arg)
{
	unsigned me = (unsigned)(uintptr_t)arg;

	while (!oltp.stop) {
		wl_batch(oltp.words, oltp.nwords, me, &oltp.count[me],
			 oltp.refresh ? refresh : NULL);
		vm_snapshot_help();
	}
}

static uint64_t updates(bool started)
{
	return wl_total(oltp.count, oltp.threads, started);
}

static uint64_t per_second(uint64_t n, uint64_t ns)
{
	return ns ? n * 1000000000 / ns : 0;
}

static void print_ms(const char *key, uint64_t ns)
{
	printk(" %s=%lu.%03lu", key, ns / 1000000, ns / 1000 % 1000);
}

/* One OLAP job after period_ns without a snapshot, printed as a line
 * tagged `tag` (ROUND, or WARMUP for the unmeasured jobs before the
 * rounds); returns false if the self-check or a call failed. */
static bool job(const char *tag, struct vm_area *area, const struct variant *v,
		int r, uint64_t period_ns, struct phase_stats *ps)
{
	uint64_t u0 = updates(false), t0 = time_ns();
	thread_sleep_ns(period_ns);
	uint64_t u1 = updates(false), t1 = time_ns();
	struct vm_stats st0, st1;
	static uint64_t before[MAX_CPUS], after[MAX_CPUS], cut[MAX_CPUS];
	vm_stats(&st0);

	oltp.refresh = v->create & VM_SNAP_READER;
	wl_counts(oltp.count, oltp.threads, false, before);
	struct vm_area *snap = vm_snapshot(area, v->create);
	uint64_t u2 = updates(false), t2 = time_ns();
	wl_counts(oltp.count, oltp.threads, true, after);
	if (!snap) {
		printk("bench snapshot: vm_snapshot failed\n");
		return false;
	}
	uint64_t sum = wl_sum(vm_area_base(snap), oltp.nwords);
	uint64_t u3 = updates(false), t3 = time_ns();
	/* The point-in-time check, not timed: destroy starts after it. */
	uint64_t bad = wl_check_cut(vm_area_base(snap), oltp.nwords,
				    oltp.threads, before, after, oltp.count,
				    cut);
	uint64_t u3c = updates(false), t3c = time_ns();
	int err = vm_snapshot_destroy(snap, v->destroy);
	oltp.refresh = false;
	uint64_t u4 = updates(false), t4 = time_ns();
	vm_stats(&st1);
	if (err) {
		printk("bench snapshot: vm_snapshot_destroy: %d\n", err);
		return false;
	}

	*ps = (struct phase_stats){
	    .copy_ns = t2 - t1,
	    .scan_ns = t3 - t2,
	    .destroy_ns = t4 - t3c,
	    .idle = per_second(u1 - u0, t1 - t0),
	    .copy = per_second(u2 - u1, t2 - t1),
	    .scan = per_second(u3 - u2, t3 - t2),
	    .destroy = per_second(u4 - u3c, t4 - t3c),
	};
	uint64_t b = 0, c = 0, a = 0;
	for (unsigned i = 0; i < oltp.threads; i++)
		b += before[i], c += cut[i], a += after[i];
	bool ok = bad == 0;
	printk("%s variant=%s round=%d", tag, v->name, r);
	print_ms("copy_ms", ps->copy_ns);
	print_ms("scan_ms", ps->scan_ns);
	print_ms("destroy_ms", ps->destroy_ns);
	printk(" oltp_idle=%lu oltp_copy=%lu oltp_scan=%lu oltp_destroy=%lu "
	       "fault_copies=%lu ahead_copies=%lu sum=%lu before=%lu cut=%lu "
	       "after=%lu bad=%lu check=%s\n",
	       ps->idle, ps->copy, ps->scan, ps->destroy,
	       st1.cow_copies - st0.cow_copies,
	       st1.ahead_copies - st0.ahead_copies, sum, b, c, a, bad,
	       ok ? "ok" : "FAIL");
	return ok;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

/* Median of the field at offset off over rounds 2..n (1 if n == 1). */
static uint64_t median(struct phase_stats *ps, int n, size_t off)
{
	uint64_t v[ROUNDS_MAX];
	int first = n > 1 ? 1 : 0, k = 0;
	for (int i = first; i < n; i++)
		v[k++] = *(uint64_t *)((char *)&ps[i] + off);
	qsort(v, k, sizeof(v[0]), cmp_u64);
	return v[k / 2];
}

/* GiB/s with three decimals, from bytes and ns. */
static void print_gibps(const char *key, uint64_t bytes, uint64_t ns)
{
	uint64_t mib_per_s = ns ? (bytes >> 20) * 1000000000 / ns : 0;
	uint64_t milli = mib_per_s * 1000 / 1024;
	printk(" %s=%lu.%03lu", key, milli / 1000, milli % 1000);
}

static uint64_t parse_size(const char *s)
{
	char *end;
	uint64_t v = strtoull(s, &end, 0);
	switch (*end) {
	case 'G': case 'g': return v << 30;
	case 'M': case 'm': return v << 20;
	case 'K': case 'k': return v << 10;
	case '\0': return v;
	default: return 0;
	}
}

/* Period in ns from seconds with an optional fraction ("3", "0.5"). */
static uint64_t parse_seconds(const char *s)
{
	char *end;
	uint64_t ns = strtoull(s, &end, 10) * 1000000000;
	if (*end == '.') {
		uint64_t scale = 100000000;
		for (end++; *end >= '0' && *end <= '9' && scale; end++) {
			ns += (uint64_t)(*end - '0') * scale;
			scale /= 10;
		}
	}
	return *end ? 0 : ns;
}

static int run_variant(struct vm_area *area, uint64_t size, int rounds,
		       int warmup, uint64_t period_ns, unsigned threads,
		       const struct variant *v)
{
	static struct phase_stats ps[ROUNDS_MAX];
	uint64_t warm_ns = WL_WARMUP_MS * 1000000UL;
	bool ok = true;

	if (period_ns < warm_ns)
		warm_ns = period_ns;
	for (int r = 0; r < warmup && ok; r++)
		ok = job("WARMUP", area, v, r + 1, warm_ns, &ps[0]);
	for (int r = 0; r < rounds && ok; r++)
		ok = job("ROUND", area, v, r + 1, period_ns, &ps[r]);
	if (!ok)
		return 1;
	printk("SUMMARY variant=%s size_bytes=%lu threads=%u rounds=%d",
	       v->name, size, threads, rounds);
	print_gibps("copy_gibps", size,
		    median(ps, rounds, offsetof(struct phase_stats, copy_ns)));
	print_gibps("scan_gibps", size,
		    median(ps, rounds, offsetof(struct phase_stats, scan_ns)));
	print_gibps("destroy_gibps", size,
		    median(ps, rounds,
			   offsetof(struct phase_stats, destroy_ns)));
	printk(" oltp_idle=%lu oltp_copy=%lu oltp_scan=%lu oltp_destroy=%lu\n",
	       median(ps, rounds, offsetof(struct phase_stats, idle)),
	       median(ps, rounds, offsetof(struct phase_stats, copy)),
	       median(ps, rounds, offsetof(struct phase_stats, scan)),
	       median(ps, rounds, offsetof(struct phase_stats, destroy)));
	return 0;
}

static int bench_snapshot(int argc, char **argv)
{
	uint64_t size = 256 * MIB, period_ns = 3000000000;
	int rounds = 3, warmup = WL_WARMUP_JOBS;
	unsigned threads = cpu_count() > 1 ? cpu_count() - 1 : 1;
	const char *which = "all";
	struct thread *t[MAX_CPUS];

	for (int i = 1; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--size"))
			size = parse_size(argv[i + 1]);
		else if (!strcmp(argv[i], "--threads"))
			threads = strtoul(argv[i + 1], NULL, 0);
		else if (!strcmp(argv[i], "--period"))
			period_ns = parse_seconds(argv[i + 1]);
		else if (!strcmp(argv[i], "--rounds"))
			rounds = strtol(argv[i + 1], NULL, 0);
		else if (!strcmp(argv[i], "--warmup"))
			warmup = strtol(argv[i + 1], NULL, 0);
		else if (!strcmp(argv[i], "--variant"))
			which = argv[i + 1];
		else
			size = 0; /* unknown option: report below */
	}
	if (!size || size % 4096 || !period_ns || rounds < 1 ||
	    rounds > ROUNDS_MAX || warmup < 0 || warmup > ROUNDS_MAX ||
	    threads < 1 || threads >= MAX_CPUS || threads > WL_TAG_THREADS) {
		printk("bench snapshot: bad arguments (--size S[KMG] "
		       "--threads N --period SEC --rounds 1..%d --warmup 0..%d "
		       "--variant V)\n",
		       ROUNDS_MAX, ROUNDS_MAX);
		return 1;
	}

	struct vm_area *area = vm_area_create(size, VM_PREFAULT);
	if (!area) {
		printk("bench snapshot: cannot create a %lu MiB area\n",
		       size >> 20);
		return 1;
	}
	oltp = (struct oltp){.words = vm_area_base(area),
			     .nwords = size / sizeof(uint32_t),
			     .threads = threads};
	for (unsigned i = 0; i < threads; i++) {
		/* Core 0 runs the OLAP side; with one core everything
		 * shares it. */
		struct thread_attr a = {
		    .cpu = cpu_count() > 1 ? (int)(1 + i % (cpu_count() - 1))
					   : 0};
		t[i] = thread_create("oltp", oltp_worker, (void *)(uintptr_t)i,
				     &a);
		if (!t[i])
			return 1;
	}
	int err = 0, found = 0;
	for (unsigned i = 0; i < sizeof(variants) / sizeof(variants[0]); i++) {
		if (strcmp(which, "all") && strcmp(which, variants[i].name))
			continue;
		found++;
		err |= run_variant(area, size, rounds, warmup, period_ns, threads,
				   &variants[i]);
		if (err)
			break;
	}
	oltp.stop = true;
	for (unsigned i = 0; i < threads; i++)
		thread_join(t[i]);
	vm_area_destroy(area);
	if (!found)
		printk("bench snapshot: unknown variant '%s'\n", which);
	return err || !found;
}
BENCH(snapshot,
      "[--size S] [--threads N] [--period SEC] [--rounds R] [--warmup W] "
      "[--variant V]  copy-on-write snapshots under OLTP load (paper, Figure 2)",
      bench_snapshot);
