/* SPDX-License-Identifier: MIT */
/* snapshot.c: the copy-on-write snapshot benchmark (issue 5, the paper's
 * Figure 2), Linux side: fork() as the snapshot. Runs statically linked in
 * the Linux baseline guest as /bin/snapshot, and natively on the host (built
 * by bench/snapshot/run). The unidb side is bench/snapshot/guest/snapshot.c
 * (vm_snapshot); both print the same ROUND/SUMMARY lines.
 *
 * Usage: snapshot [--size S] [--threads N] [--period P] [--rounds R]
 *   --size S     area in bytes, suffixes K M G (default 256M)
 *   --threads N  OLTP threads (default: online CPUs - 1, at least 1)
 *   --period P   seconds without a snapshot before each OLAP job (default 3,
 *                fractions allowed)
 *   --rounds R   OLAP jobs (default 3; round 1 is a warm-up)
 *   --warmup W   unmeasured OLAP jobs before round 1 (workload.h: default 6,
 *                0.5 s apart)
 *
 * Workload: an anonymous mapping of S bytes (MADV_NOHUGEPAGE, THP "never"
 * through sysfs if writable), prefaulted with zeros. N threads, each pinned
 * to its own CPU (main thread on CPU 0, threads on 1..N), run the OLTP loop
 * of ../snapshot/workload.h, the same code as the unidb side. Each round
 * the main thread sleeps P s (idle phase), then runs the OLAP job:
 *   copy     the time fork() takes in the parent
 *   scan     the child sums all 32-bit words of its copy (timed by the child)
 *   destroy  from the end of the child's self-check (its timestamp passed
 *            through a shared page) to the parent's waitpid() returning
 * OLTP updates per second are taken per phase from the thread counters
 * (the child reads them at its scan start and end; they live in a
 * MAP_SHARED page, which fork does not make copy-on-write, so counting
 * never faults). Self-check (wl_check_cut, in the child after its scan,
 * not timed): the copy must be the source at one point in time between
 * fork()'s start and its return. A failing round exits 1.
 *
 * Output, a line per round and a summary (medians of rounds 2..R, or of
 * round 1 if R == 1; gibps = S in GiB / phase seconds):
 *   ROUND variant=fork round=r copy_ms= scan_ms= destroy_ms= oltp_idle=
 *         oltp_copy= oltp_scan= oltp_destroy= sum= before= cut= after= bad=
 *         check=ok|FAIL
 * (warm-up jobs print the same line tagged WARMUP instead of ROUND)
 *   SUMMARY variant=fork size_bytes= threads= rounds= copy_gibps= scan_gibps=
 *         destroy_gibps= oltp_idle= oltp_copy= oltp_scan= oltp_destroy=
 * plus a first line "INFO thp_sysfs=<mode|absent> thp_write=<ok|fail|absent>
 * madvise=<ok|fail>" saying whether transparent huge pages were off. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../snapshot/workload.h"

#define PAGE 4096UL
#define MAX_THREADS 256
#define MAX_ROUNDS 1000
#define THP_PATH "/sys/kernel/mm/transparent_hugepage/enabled"

/* One MAP_SHARED page (plus the counters) shared by parent and child. */
struct shared {
	uint32_t stop;
	uint64_t scan_start_ns, scan_end_ns, scan_start_ops, scan_end_ops;
	uint64_t sum;
	/* The point-in-time check (child): counts read by the parent just
	 * before fork() (before) and when it returned (after, valid once
	 * after_ready is set), the child's result, its end. */
	uint64_t before[WL_TAG_THREADS], after[WL_TAG_THREADS];
	uint32_t after_ready;
	uint64_t bad, cut, check_end_ns, check_end_ops;
	struct wl_counter ctr[MAX_THREADS];
};

struct round {
	double copy_ms, scan_ms, destroy_ms;
	double oltp_idle, oltp_copy, oltp_scan, oltp_destroy;
};

static struct shared *sh;
static uint32_t *area;
static uint64_t area_words;
static unsigned nthreads;
static long ncpus;

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000 + (uint64_t)ts.tv_nsec;
}

static void die(const char *what)
{
	fprintf(stderr, "snapshot: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void pin(int cpu)
{
	cpu_set_t s;
	CPU_ZERO(&s);
	CPU_SET(cpu, &s);
	if (pthread_setaffinity_np(pthread_self(), sizeof(s), &s)) {
		fprintf(stderr, "snapshot: cannot pin to cpu %d\n", cpu);
		exit(1);
	}
}

/* Updates done (in_flight = false) or started (true) so far. */
static uint64_t ops_total(bool in_flight)
{
	return wl_total(sh->ctr, nthreads, in_flight);
}

static void *oltp(void *arg)
{
	unsigned id = (unsigned)(uintptr_t)arg;

	pin((int)((id + 1) % (unsigned)ncpus));
	while (!__atomic_load_n(&sh->stop, __ATOMIC_RELAXED))
		wl_batch(area, area_words, id, &sh->ctr[id], NULL);
	return NULL;
}

static uint64_t parse_size(const char *s)
{
	char *end;
	double v = strtod(s, &end);
	uint64_t m = 1;
	switch (*end) {
	case 'k':
	case 'K':
		m = 1ULL << 10;
		end++;
		break;
	case 'm':
	case 'M':
		m = 1ULL << 20;
		end++;
		break;
	case 'g':
	case 'G':
		m = 1ULL << 30;
		end++;
		break;
	case 't':
	case 'T':
		m = 1ULL << 40;
		end++;
		break;
	}
	if (*end == 'i' || *end == 'I')
		end++;
	if (*end == 'b' || *end == 'B')
		end++;
	if (end == s || *end || v <= 0) {
		fprintf(stderr, "snapshot: bad size '%s'\n", s);
		exit(2);
	}
	return (uint64_t)(v * (double)m);
}

/* THP off: the sysfs switch if present (needs root), then report its mode. */
static void thp_off(void)
{
	const char *wr = "absent";
	char buf[128] = "absent", *mode = buf;
	int fd = open(THP_PATH, O_WRONLY);
	if (fd >= 0) {
		wr = write(fd, "never", 5) == 5 ? "ok" : "fail";
		close(fd);
	} else if (errno != ENOENT) {
		wr = "fail";
	}
	FILE *f = fopen(THP_PATH, "r");
	if (f) {
		if (fgets(buf, sizeof(buf), f)) {
			/* "always madvise [never]" -> never */
			char *l = strchr(buf, '['),
			     *r = l ? strchr(l, ']') : NULL;
			if (l && r) {
				*r = 0;
				mode = l + 1;
			} else {
				buf[strcspn(buf, "\n")] = 0;
			}
		}
		fclose(f);
	}
	printf("INFO thp_sysfs=%s thp_write=%s", mode, wr);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static double median(double *v, unsigned n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static double rate(uint64_t ops, uint64_t ns)
{
	return ns ? (double)ops * 1e9 / (double)ns : 0;
}

static double gibps(double gib, double ms)
{
	return ms > 0 ? gib / (ms / 1e3) : 0;
}

/* The child: sum the snapshot, report through the shared page, exit. */
static void child_scan(void)
{
	sh->scan_start_ops = ops_total(false);
	sh->scan_start_ns = now_ns();
	uint64_t s = wl_sum(area, area_words);
	uint64_t t = now_ns();
	sh->scan_end_ops = ops_total(false);
	sh->sum = s;
	/* The point-in-time check on this copy, not timed: destroy is
	 * measured from its end. */
	while (!__atomic_load_n(&sh->after_ready, __ATOMIC_ACQUIRE))
		sched_yield();
	uint64_t cut[WL_TAG_THREADS], c = 0;
	sh->bad = wl_check_cut(area, area_words, nthreads, sh->before,
			       sh->after, sh->ctr, cut);
	for (unsigned i = 0; i < nthreads; i++)
		c += cut[i];
	sh->cut = c;
	sh->check_end_ops = ops_total(false);
	sh->check_end_ns = now_ns();
	__atomic_store_n(&sh->scan_end_ns, t, __ATOMIC_RELEASE);
	_exit(0);
}

/* One OLAP job after `period` s without a snapshot; fills *q and prints
 * a line tagged `tag` (ROUND, or WARMUP for the unmeasured jobs before
 * the rounds). Returns false if the self-check failed. */
static bool job(const char *tag, unsigned k, double period, struct round *q)
{
	uint64_t ts_idle = now_ns(), o_idle = ops_total(false);
	struct timespec p = {(time_t)period,
			     (long)((period - (double)(time_t)period) * 1e9)};
	while (nanosleep(&p, &p) && errno == EINTR)
		;
	__atomic_store_n(&sh->scan_end_ns, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&sh->after_ready, 0, __ATOMIC_RELAXED);
	uint64_t before = ops_total(false), t0 = now_ns();
	wl_counts(sh->ctr, nthreads, false, sh->before);
	pid_t pid = fork();
	if (pid == 0)
		child_scan();
	uint64_t t1 = now_ns(), after = ops_total(true);
	wl_counts(sh->ctr, nthreads, true, sh->after);
	__atomic_store_n(&sh->after_ready, 1, __ATOMIC_RELEASE);
	if (pid < 0)
		die("fork");
	int st;
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			die("waitpid");
	uint64_t t3 = now_ns(), o3 = ops_total(false);
	uint64_t te = __atomic_load_n(&sh->scan_end_ns, __ATOMIC_ACQUIRE);
	if (!WIFEXITED(st) || WEXITSTATUS(st) || !te) {
		fprintf(stderr, "snapshot: scan child failed (status %#x)\n", st);
		exit(1);
	}
	uint64_t ts = sh->scan_start_ns, sum = sh->sum, tc = sh->check_end_ns;
	q->copy_ms = (double)(t1 - t0) / 1e6;
	q->scan_ms = (double)(te - ts) / 1e6;
	q->destroy_ms = (double)(t3 - tc) / 1e6;
	q->oltp_idle = rate(before - o_idle, t0 - ts_idle);
	q->oltp_copy = rate(after - before, t1 - t0);
	q->oltp_scan = rate(sh->scan_end_ops - sh->scan_start_ops, te - ts);
	q->oltp_destroy = rate(o3 - sh->check_end_ops, t3 - tc);
	bool good = sh->bad == 0;
	printf("%s variant=fork round=%u copy_ms=%.3f scan_ms=%.3f "
	       "destroy_ms=%.3f oltp_idle=%.0f oltp_copy=%.0f oltp_scan=%.0f "
	       "oltp_destroy=%.0f sum=%llu before=%llu cut=%llu after=%llu "
	       "bad=%llu check=%s\n",
	       tag, k, q->copy_ms, q->scan_ms, q->destroy_ms, q->oltp_idle,
	       q->oltp_copy, q->oltp_scan, q->oltp_destroy,
	       (unsigned long long)sum, (unsigned long long)before,
	       (unsigned long long)sh->cut, (unsigned long long)after,
	       (unsigned long long)sh->bad, good ? "ok" : "FAIL");
	if (!good)
		fprintf(stderr,
			"snapshot: %s %u: the copy is not the source at one "
			"point in time: %llu updates wrong\n",
			tag, k, (unsigned long long)sh->bad);
	return good;
}

int main(int argc, char **argv)
{
	uint64_t size = 256ULL << 20;
	double period = 3;
	unsigned rounds = 3, warmup = WL_WARMUP_JOBS;
	long threads = -1;
	static struct round r[MAX_ROUNDS];
	pthread_t tid[MAX_THREADS];
	bool ok = true;

	for (int i = 1; i < argc; i++) {
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (!strcmp(argv[i], "--size") && v)
			size = parse_size(v);
		else if (!strcmp(argv[i], "--threads") && v)
			threads = strtol(v, NULL, 0);
		else if (!strcmp(argv[i], "--period") && v)
			period = strtod(v, NULL);
		else if (!strcmp(argv[i], "--rounds") && v)
			rounds = (unsigned)strtoul(v, NULL, 0);
		else if (!strcmp(argv[i], "--warmup") && v)
			warmup = (unsigned)strtoul(v, NULL, 0);
		else {
			fprintf(stderr,
				"usage: snapshot [--size S] [--threads N] "
				"[--period SEC] [--rounds R] [--warmup W]\n");
			return 2;
		}
		i++;
	}
	ncpus = sysconf(_SC_NPROCESSORS_ONLN);
	if (ncpus < 1)
		ncpus = 1;
	if (threads < 0)
		threads = ncpus > 1 ? ncpus - 1 : 1;
	if (threads < 1 || threads > WL_TAG_THREADS || rounds < 1 ||
	    rounds > MAX_ROUNDS || warmup > MAX_ROUNDS || period < 0 ||
	    size % PAGE) {
		fprintf(stderr,
			"snapshot: bad arguments (threads 1..%d, rounds "
			"1..%d, warmup 0..%d, size a multiple of 4 KiB)\n",
			WL_TAG_THREADS, MAX_ROUNDS, MAX_ROUNDS);
		return 2;
	}
	nthreads = (unsigned)threads;
	area_words = size / 4;
	setvbuf(stdout, NULL, _IOLBF, 0);

	thp_off();
	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE,
		  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sh == MAP_FAILED)
		die("mmap shared page");
	area = mmap(NULL, size, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (area == MAP_FAILED)
		die("mmap area");
	printf(" madvise=%s\n",
	       madvise(area, size, MADV_NOHUGEPAGE) ? "fail" : "ok");
	for (uint64_t off = 0; off < size; off += PAGE) /* prefault, zeros */
		area[off / 4] = 0;

	pin(0);
	for (unsigned i = 0; i < nthreads; i++)
		if (pthread_create(&tid[i], NULL, oltp, (void *)(uintptr_t)i))
			die("pthread_create");

	double warm = period < WL_WARMUP_MS / 1e3 ? period : WL_WARMUP_MS / 1e3;
	for (unsigned k = 0; k < warmup && ok; k++)
		ok = job("WARMUP", k + 1, warm, &r[0]);
	for (unsigned k = 0; k < rounds && ok; k++)
		ok = job("ROUND", k + 1, period, &r[k]);
	__atomic_store_n(&sh->stop, 1, __ATOMIC_RELAXED);
	for (unsigned i = 0; i < nthreads; i++)
		pthread_join(tid[i], NULL);
	if (!ok)
		return 1;

	/* Medians over rounds 2..R (round 1 is the warm-up), or round 1. */
	unsigned first = rounds > 1, n = rounds - first;
	double v[8][MAX_ROUNDS], m[8];
	double gib = (double)size / (double)(1ULL << 30);
	for (unsigned k = 0; k < n; k++) {
		const struct round *q = &r[first + k];
		v[0][k] = gibps(gib, q->copy_ms);
		v[1][k] = gibps(gib, q->scan_ms);
		v[2][k] = gibps(gib, q->destroy_ms);
		v[3][k] = q->oltp_idle;
		v[4][k] = q->oltp_copy;
		v[5][k] = q->oltp_scan;
		v[6][k] = q->oltp_destroy;
	}
	for (int j = 0; j < 7; j++)
		m[j] = median(v[j], n);
	printf(
	    "SUMMARY variant=fork size_bytes=%llu threads=%u rounds=%u "
	    "copy_gibps=%.3f scan_gibps=%.3f destroy_gibps=%.3f "
	    "oltp_idle=%.0f oltp_copy=%.0f oltp_scan=%.0f oltp_destroy=%.0f\n",
	    (unsigned long long)size, nthreads, rounds, m[0], m[1], m[2], m[3],
	    m[4], m[5], m[6]);
	return 0;
}
