/* SPDX-License-Identifier: MIT */
/* io.c: the Linux side of `make bench-io` (unidb side:
 * bench/io/guest/io.c; the same workload). Random 4 KiB reads and writes
 * (half each) with O_DIRECT on the guest's disk through io_uring, raw
 * system calls (no liburing):
 *   qd1:  one ring of depth 1; submit + wait (io_uring_enter with
 *         GETEVENTS) per request; median latency.
 *   qd32: one thread per CPU, pinned, each with its own ring keeping
 *         32 / CPUs requests in flight; IOPS = requests / wall time.
 *   cpu per I/O: busy time of all CPUs during qd32 from /proc/stat
 *         (user + nice + system + irq + softirq) / requests.
 * The initramfs carries no drivers for the disk: the kernel modules named
 * in /lib/modules/unidb (NN-name.ko, loaded in name order) are loaded
 * first with finit_module (bench/io/run puts them there).
 * Usage: io [qd1_ops] [qd32_ops] */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/io_uring.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define IO_BYTES 4096
#define SPAN_MAX (64ull << 20)
#define QD_TOTAL 32
#define MODDIR "/lib/modules/unidb"

struct ring {
	int fd;
	unsigned *sq_head, *sq_tail, *sq_mask, *sq_array;
	unsigned *cq_head, *cq_tail, *cq_mask;
	struct io_uring_sqe *sqes;
	struct io_uring_cqe *cqes;
};

static int disk_fd;
static uint64_t span_pages;

static uint64_t now_ns(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000000000ull + (uint64_t)t.tv_nsec;
}

static int ring_init(struct ring *r, unsigned entries)
{
	struct io_uring_params p;
	memset(&p, 0, sizeof(p));
	r->fd = (int)syscall(__NR_io_uring_setup, entries, &p);
	if (r->fd < 0)
		return -1;
	size_t sq_len = p.sq_off.array + p.sq_entries * sizeof(unsigned);
	size_t cq_len =
	    p.cq_off.cqes + p.cq_entries * sizeof(struct io_uring_cqe);
	if (p.features & IORING_FEAT_SINGLE_MMAP)
		sq_len = cq_len = sq_len > cq_len ? sq_len : cq_len;
	char *sq = mmap(NULL, sq_len, PROT_READ | PROT_WRITE,
			MAP_SHARED | MAP_POPULATE, r->fd, IORING_OFF_SQ_RING);
	char *cq = sq;
	if (!(p.features & IORING_FEAT_SINGLE_MMAP))
		cq = mmap(NULL, cq_len, PROT_READ | PROT_WRITE,
			  MAP_SHARED | MAP_POPULATE, r->fd, IORING_OFF_CQ_RING);
	r->sqes = mmap(NULL, p.sq_entries * sizeof(struct io_uring_sqe),
		       PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, r->fd,
		       IORING_OFF_SQES);
	if (sq == MAP_FAILED || cq == MAP_FAILED || r->sqes == MAP_FAILED)
		return -1;
	r->sq_head = (unsigned *)(sq + p.sq_off.head);
	r->sq_tail = (unsigned *)(sq + p.sq_off.tail);
	r->sq_mask = (unsigned *)(sq + p.sq_off.ring_mask);
	r->sq_array = (unsigned *)(sq + p.sq_off.array);
	r->cq_head = (unsigned *)(cq + p.cq_off.head);
	r->cq_tail = (unsigned *)(cq + p.cq_off.tail);
	r->cq_mask = (unsigned *)(cq + p.cq_off.ring_mask);
	r->cqes = (struct io_uring_cqe *)(cq + p.cq_off.cqes);
	return 0;
}

static uint64_t xorshift(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* Queues one random request on buffer buf (user_data = slot). */
static void queue_random(struct ring *r, uint64_t *s, void *buf, unsigned slot)
{
	uint64_t x = xorshift(s);
	unsigned tail = *r->sq_tail, i = tail & *r->sq_mask;
	struct io_uring_sqe *e = &r->sqes[i];
	memset(e, 0, sizeof(*e));
	e->opcode = (x & 1) ? IORING_OP_WRITE : IORING_OP_READ;
	e->fd = disk_fd;
	e->addr = (uint64_t)(uintptr_t)buf;
	e->len = IO_BYTES;
	e->off = ((x >> 1) % span_pages) * IO_BYTES;
	e->user_data = slot;
	r->sq_array[i] = i;
	atomic_store_explicit((_Atomic unsigned *)r->sq_tail, tail + 1,
			      memory_order_release);
}

static int enter(struct ring *r, unsigned submit, unsigned wait)
{
	return (int)syscall(__NR_io_uring_enter, r->fd, submit, wait,
			    IORING_ENTER_GETEVENTS, NULL, 0);
}

/* Takes every completion: slots done go to out[]; returns how many, or
 * -1 after a failed request. */
static int reap(struct ring *r, unsigned *out)
{
	unsigned head = *r->cq_head, n = 0;
	int bad = 0;
	while (head != atomic_load_explicit((_Atomic unsigned *)r->cq_tail,
					    memory_order_acquire)) {
		struct io_uring_cqe *c = &r->cqes[head & *r->cq_mask];
		if (c->res != IO_BYTES) {
			fprintf(stderr, "io: request failed: %s\n",
				strerror(c->res < 0 ? -c->res : EIO));
			bad = 1;
		}
		out[n++] = (unsigned)c->user_data;
		head++;
	}
	atomic_store_explicit((_Atomic unsigned *)r->cq_head, head,
			      memory_order_release);
	return bad ? -1 : (int)n;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

static uint64_t qd1(unsigned ops)
{
	struct ring r;
	void *buf;
	unsigned slot;
	uint64_t s = 12345, *lat = calloc(ops, sizeof(*lat));
	if (!lat || ring_init(&r, 1) || posix_memalign(&buf, 4096, IO_BYTES))
		return 0;
	for (unsigned i = 0; i < ops; i++) {
		uint64_t t0 = now_ns();
		queue_random(&r, &s, buf, 0);
		if (enter(&r, 1, 1) < 0 || reap(&r, &slot) != 1)
			return 0;
		lat[i] = now_ns() - t0;
	}
	qsort(lat, ops, sizeof(*lat), cmp_u64);
	return lat[ops / 2];
}

struct worker {
	unsigned cpu, qd, ops, failed;
	pthread_barrier_t *start;
};

static void *worker_run(void *arg)
{
	struct worker *w = arg;
	struct ring r;
	char *buf;
	unsigned *done = calloc(w->qd, sizeof(*done));
	uint64_t s = 0x9e3779b97f4a7c15ull * (w->cpu + 7);
	cpu_set_t set;
	CPU_ZERO(&set);
	CPU_SET(w->cpu, &set);
	sched_setaffinity(0, sizeof(set), &set);
	int ok = done && !ring_init(&r, w->qd) &&
		 !posix_memalign((void **)&buf, 4096, (size_t)w->qd * IO_BYTES);
	pthread_barrier_wait(w->start);
	if (!ok) {
		w->failed = w->ops;
		return NULL;
	}
	unsigned issued = 0, completed = 0, pending = 0;
	for (unsigned i = 0; i < w->qd && issued < w->ops; i++, issued++) {
		queue_random(&r, &s, buf + (size_t)i * IO_BYTES, i);
		pending++;
	}
	while (completed < w->ops) {
		if (enter(&r, pending, 1) < 0) {
			w->failed = w->ops;
			return NULL;
		}
		pending = 0;
		int n = reap(&r, done);
		if (n < 0) {
			w->failed++;
			n = -n;
		}
		for (int k = 0; k < n; k++) {
			completed++;
			if (issued < w->ops) {
				queue_random(&r, &s,
					     buf + (size_t)done[k] * IO_BYTES,
					     done[k]);
				issued++;
				pending++;
			}
		}
	}
	return NULL;
}

/* Busy jiffies of all CPUs (first line of /proc/stat). */
static uint64_t busy_ticks(void)
{
	unsigned long long u, ni, sy, id, io, irq, sirq;
	FILE *f = fopen("/proc/stat", "r");
	if (!f || fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu", &u, &ni,
			 &sy, &id, &io, &irq, &sirq) != 7) {
		if (f)
			fclose(f);
		return 0;
	}
	fclose(f);
	return u + ni + sy + irq + sirq;
}

static int qd32(unsigned ops, uint64_t *iops, uint64_t *cpu_ns)
{
	unsigned n = (unsigned)sysconf(_SC_NPROCESSORS_ONLN), failed = 0;
	pthread_t t[256];
	struct worker w[256];
	pthread_barrier_t start;
	if (n > 256)
		n = 256;
	pthread_barrier_init(&start, NULL, n + 1);
	for (unsigned i = 0; i < n; i++) {
		w[i] = (struct worker){i, QD_TOTAL / n ? QD_TOTAL / n : 1,
				       ops / n, 0, &start};
		pthread_create(&t[i], NULL, worker_run, &w[i]);
	}
	pthread_barrier_wait(&start);
	uint64_t b0 = busy_ticks(), t0 = now_ns(), total = 0;
	for (unsigned i = 0; i < n; i++) {
		pthread_join(t[i], NULL);
		failed += w[i].failed;
		total += w[i].ops;
	}
	uint64_t wall = now_ns() - t0, busy = busy_ticks() - b0;
	uint64_t tick_ns = 1000000000ull / (uint64_t)sysconf(_SC_CLK_TCK);
	*iops = wall ? total * 1000000000ull / wall : 0;
	*cpu_ns = total ? busy * tick_ns / total : 0;
	return failed ? -1 : 0;
}

static int name_cmp(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

static void load_modules(void)
{
	struct dirent **list;
	int n = scandir(MODDIR, &list, NULL, name_cmp);
	for (int i = 0; i < n; i++) {
		char path[512];
		if (list[i]->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", MODDIR, list[i]->d_name);
		int fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0 ||
		    (syscall(__NR_finit_module, fd, "", 0) && errno != EEXIST))
			fprintf(stderr, "io: loading %s: %s\n", path,
				strerror(errno));
		if (fd >= 0)
			close(fd);
	}
}

/* The disk node, once its driver has probed it (up to 30 s). */
static const char *find_disk(void)
{
	static const char *const names[] = {"/dev/nvme0n1", "/dev/vda"};
	for (int tries = 0; tries < 300; tries++) {
		for (unsigned i = 0; i < 2; i++)
			if (access(names[i], F_OK) == 0)
				return names[i];
		usleep(100000);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	unsigned ops1 = argc > 1 ? (unsigned)strtoul(argv[1], NULL, 10) : 1000;
	unsigned ops32 = argc > 2 ? (unsigned)strtoul(argv[2], NULL, 10) : 8000;
	load_modules();
	const char *dev = find_disk();
	if (!dev) {
		fprintf(stderr, "io: no disk (/dev/nvme0n1, /dev/vda)\n");
		return 1;
	}
	disk_fd = open(dev, O_RDWR | O_DIRECT);
	off_t size = disk_fd >= 0 ? lseek(disk_fd, 0, SEEK_END) : -1;
	if (size < IO_BYTES || !ops1 || !ops32) {
		fprintf(stderr, "io: cannot use %s: %s\n", dev,
			strerror(errno));
		return 1;
	}
	span_pages =
	    ((uint64_t)size < SPAN_MAX ? (uint64_t)size : SPAN_MAX) / IO_BYTES;
	uint64_t lat = qd1(ops1), iops = 0, cpu = 0;
	if (!lat || qd32(ops32, &iops, &cpu)) {
		fprintf(stderr, "io: requests failed\n");
		return 1;
	}
	printf("io: %s, %ld cpus: qd1 median %llu ns, qd32 %llu IOPS, %llu ns "
	       "busy per I/O\n",
	       dev, sysconf(_SC_NPROCESSORS_ONLN), (unsigned long long)lat,
	       (unsigned long long)iops, (unsigned long long)cpu);
	printf("RESULT bench=io system=linux qd1_lat_ns=%llu qd32_iops=%llu "
	       "cpu_per_io_ns=%llu\n",
	       (unsigned long long)lat, (unsigned long long)iops,
	       (unsigned long long)cpu);
	return 0;
}
