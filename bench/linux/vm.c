/* SPDX-License-Identifier: MIT */
/* vm.c: vm microbenchmarks, Linux side (static, in the Linux baseline
 * guest). Mirrors bench/vm/guest/vm.c step by step, with the same
 * pseudo-random sequence:
 *   present    a 4 GiB anonymous mmap with TOUCHED random pages written;
 *              then CHECKS checks of a random 4 KiB page by a pread of its
 *              8-byte entry in /proc/self/pagemap (bit 63: present), as in
 *              the paper. ns per check, answers checked against a bitmap.
 *   fault_1    one thread writes one word to each page of a fresh 64 MiB
 *              anonymous mapping (MADV_NOHUGEPAGE, and THP "never" if the
 *              knob exists): ns per fault (elapsed / pages).
 *   fault_all  one thread per vCPU, pinned, each on its own slice of one
 *              fresh 64 MiB mapping, started together: ns per fault = the
 *              sum of the threads' elapsed times / total pages.
 * Usage: vm [checks [fault_mib]]. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "../vm/workload.h"

#define PAGE 4096UL
#define AREA_PAGES PRESENT_PAGES
#define TOUCHED PRESENT_TOUCHED
#define MAX_THREADS 256

static uint8_t ref[AREA_PAGES / 8];
static uint64_t touched[TOUCHED];
static uint8_t answer[PRESENT_MAX_CHECKS];
static uint64_t rnd_state;

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static uint64_t rnd(void) /* xorshift64, as on the unidb side */
{
	return present_rnd(&rnd_state);
}

static bool ref_get(uint64_t p)
{
	return ref[p / 8] & (1u << (p % 8));
}

static void *map_anon(uint64_t bytes)
{
	void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED) {
		perror("mmap");
		return NULL;
	}
	if (madvise(p, bytes, MADV_NOHUGEPAGE))
		perror("madvise(MADV_NOHUGEPAGE)");
	return p;
}

static bool present(int fd, const void *va)
{
	uint64_t e;
	if (pread(fd, &e, 8, (uint64_t)va / PAGE * 8) != 8) {
		perror("pread /proc/self/pagemap");
		exit(1);
	}
	return e >> 63;
}

/* Tenths of ns per presence check, or 0 on a wrong answer. */
static uint64_t bench_present(uint64_t checks)
{
	char *base = map_anon(AREA_PAGES * PAGE);
	int fd = open("/proc/self/pagemap", O_RDONLY);
	uint64_t hits = 0, want = 0, wrong = 0;

	if (!base || fd < 0) {
		perror("present: set-up");
		return 0;
	}
	memset(ref, 0, sizeof(ref));
	rnd_state = 88172645463325252ULL;
	for (int i = 0; i < TOUCHED; i++) {
		uint64_t p = rnd() % AREA_PAGES;
		base[p * PAGE] = 1;
		ref[p / 8] |= 1u << (p % 8);
		touched[i] = p;
	}
	uint64_t seq = rnd_state;
	uint64_t t0 = now_ns();
	for (uint64_t i = 0; i < checks; i++)
		answer[i] = present(
		    fd, base + present_pick(&rnd_state, touched) * PAGE);
	uint64_t ns = now_ns() - t0;
	/* Same probes again: every answer against the reference. */
	for (uint64_t i = 0; i < checks; i++) {
		bool truth = ref_get(present_pick(&seq, touched));
		hits += answer[i];
		want += truth;
		wrong += answer[i] != truth;
	}
	close(fd);
	munmap(base, AREA_PAGES * PAGE);
	if (wrong) {
		printf("vm: present: check FAIL: %lu of %lu answers wrong (%lu "
		       "said present, reference %lu)\n",
		       (unsigned long)wrong, (unsigned long)checks,
		       (unsigned long)hits, (unsigned long)want);
		return 0;
	}
	printf("present: %lu checks, %lu present, 0 wrong, %lu ns\n",
	       (unsigned long)checks, (unsigned long)hits, (unsigned long)ns);
	return ns * 10 / checks ? ns * 10 / checks : 1;
}

static void *touch_slice(void *arg)
{
	struct fault_slice *s = arg;
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(s->cpu, &set);
	if (pthread_setaffinity_np(pthread_self(), sizeof(set), &set))
		perror("pthread_setaffinity_np");
	fault_slice_touch(s, now_ns);
	return NULL;
}

/* Tenths of ns per fault with nthreads threads (pinned to cpus
 * 0..n-1) on disjoint slices of one fresh mapping; 0 on failure. */
static uint64_t bench_fault(uint64_t pages, unsigned nthreads)
{
	static struct fault_slice sl[MAX_THREADS];
	static pthread_t t[MAX_THREADS];
	volatile unsigned go = 0;
	uint64_t per = pages / nthreads, sum = 0;
	char *base = map_anon(pages * PAGE);
	bool ok = base != NULL;

	for (unsigned i = 0; ok && i < nthreads; i++) {
		sl[i] = (struct fault_slice){base + i * per * PAGE, per, &go,
					     nthreads, i, 0};
		ok = pthread_create(&t[i], NULL, touch_slice, &sl[i]) == 0;
		if (!ok)
			nthreads = i;
	}
	for (unsigned i = 0; i < nthreads; i++) {
		pthread_join(t[i], NULL);
		ok = ok && fault_slice_ok(&sl[i]);
		sum += sl[i].ns;
	}
	if (base)
		munmap(base, pages * PAGE);
	if (!ok) {
		printf("vm: fault with %u threads: check FAIL or no memory (every "
		       "page: its number + 1, then 511 zero words)\n",
		       nthreads);
		return 0;
	}
	printf("fault: %u threads, %lu pages, %lu ns summed\n", nthreads,
	       (unsigned long)(per * nthreads), (unsigned long)sum);
	return sum * 10 / (per * nthreads);
}

static void thp_never(void)
{
	FILE *f = fopen("/sys/kernel/mm/transparent_hugepage/enabled", "w");
	if (!f)
		return;
	fputs("never", f);
	fclose(f);
}

int main(int argc, char **argv)
{
	uint64_t checks = argc > 1 ? strtoull(argv[1], NULL, 0) : 200000;
	uint64_t mib = argc > 2 ? strtoull(argv[2], NULL, 0) : 64;
	uint64_t pages = mib * (1UL << 20) / PAGE;
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!checks || checks > PRESENT_MAX_CHECKS || ncpu < 1 ||
	    ncpu > MAX_THREADS ||
	    pages < (uint64_t)ncpu) {
		printf("vm: bad arguments\n");
		return 1;
	}
	thp_never();
	bench_fault(pages / 16, 1); /* warm-up, as on the unidb side */
	uint64_t pr = bench_present(checks);
	uint64_t f1 = bench_fault(pages, 1);
	uint64_t fall = bench_fault(pages, (unsigned)ncpu);
	if (!pr || !f1 || !fall)
		return 1;
	printf("RESULT bench=vm system=linux present_ns=%lu.%lu "
	       "fault_ns_1=%lu.%lu fault_ns_all=%lu.%lu\n",
	       (unsigned long)(pr / 10), (unsigned long)(pr % 10),
	       (unsigned long)(f1 / 10), (unsigned long)(f1 % 10),
	       (unsigned long)(fall / 10), (unsigned long)(fall % 10));
	return 0;
}
