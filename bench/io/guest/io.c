/* SPDX-License-Identifier: MIT */
/* io.c: "bench io": random 4 KiB reads and writes (half each) on the
 * first block device through the asynchronous block API (blk.h), the
 * unidb side of `make bench-io` (Linux side: bench/linux/io.c, io_uring
 * with O_DIRECT; the same workload, see bench/io/run).
 *
 *   qd1:  one thread submits one request at a time and waits for it
 *         (blk_rw_sync: the queue's adaptive mode, spin then park);
 *         latency = median of the per-request times.
 *   qd32: one thread per core, pinned, each keeping 32 / cores requests
 *         in flight on its core's queue (submit, reap by poll or by the
 *         interrupt that unparks it); IOPS = requests / wall time.
 *   cpu per I/O: busy time of all cores during qd32 (wall time minus
 *         the idle loop's time, sched_idle_ns) / requests.
 * Offsets are uniform over the first SPAN bytes, 4 KiB aligned. */
#include <stdlib.h>
#include <string.h>
#include <unidb/bench.h>
#include <unidb/blk.h>
#include <unidb/cpu.h>
#include <unidb/errno.h>
#include <unidb/heap.h>
#include <unidb/printk.h>
#include <unidb/thread.h>
#include <unidb/time.h>

#define IO_BYTES 4096
#define SPAN_MAX (64ull << 20)
#define QD_TOTAL 32

static uint64_t xorshift(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

static void req_random(struct blk_req *r, uint64_t *s, uint64_t pages)
{
	uint64_t x = xorshift(s);
	r->op = (x & 1) ? BLK_WRITE : BLK_READ;
	r->off = ((x >> 1) % pages) * IO_BYTES;
	r->len = IO_BYTES;
}

static uint64_t qd1(struct blk_dev *d, uint64_t pages, unsigned ops,
		    uint8_t *buf)
{
	uint64_t *lat = kcalloc(ops, sizeof(*lat)), s = 12345, med = 0;
	if (!lat)
		return 0;
	for (unsigned i = 0; i < ops; i++) {
		struct blk_req r;
		req_random(&r, &s, pages);
		uint64_t t0 = time_ns();
		if (blk_rw_sync(d, r.op, r.off, buf, IO_BYTES)) {
			printk("bench io: qd1 request failed\n");
			kfree(lat);
			return 0;
		}
		lat[i] = time_ns() - t0;
	}
	qsort(lat, ops, sizeof(*lat), cmp_u64);
	med = lat[ops / 2];
	kfree(lat);
	return med;
}

struct worker {
	struct blk_dev *d;
	unsigned cpu, qd, ops;
	volatile unsigned *start;
	unsigned failed;
};

/* Submits the n requests of batch with one doorbell (blk_submit_many),
 * reaping while the queue is full. Returns how many failed to start. */
static unsigned submit_batch(struct blk_queue *q, struct blk_req **batch,
			     unsigned n)
{
	unsigned bad = 0;
	while (n) {
		unsigned k;
		int err = blk_submit_many(q, batch, n, &k);
		batch += k;
		n -= k;
		if (err == -EAGAIN) {
			blk_reap_wait(q);
		} else if (err) {
			/* Not in flight: not waited for. */
			(*batch)->buf = NULL;
			batch++, n--, bad++;
		}
	}
	return bad;
}

static void worker_run(void *arg)
{
	struct worker *w = arg;
	struct blk_queue *q = blk_queue(w->d, w->cpu);
	struct blk_info in;
	blk_info(w->d, &in);
	uint64_t pages =
	    (in.blocks * in.block_size < SPAN_MAX ? in.blocks * in.block_size
						  : SPAN_MAX) /
	    IO_BYTES;
	uint64_t s = 0x9e3779b97f4a7c15ull * (w->cpu + 7);
	struct blk_req *r = kcalloc(w->qd, sizeof(*r));
	struct blk_req **batch = kcalloc(w->qd, sizeof(*batch));
	uint8_t *buf = kmalloc((size_t)w->qd * IO_BYTES);
	while (!__atomic_load_n(w->start, __ATOMIC_ACQUIRE))
		thread_yield();
	if (!r || !batch || !buf) {
		w->failed = w->ops;
		goto out;
	}
	unsigned issued = 0, done = 0, nb = 0;
	for (unsigned i = 0; i < w->qd && issued < w->ops; i++, issued++) {
		req_random(&r[i], &s, pages);
		r[i].buf = buf + (size_t)i * IO_BYTES;
		batch[nb++] = &r[i];
	}
	w->failed += submit_batch(q, batch, nb);
	done += w->failed;
	while (done < w->ops) {
		/* Every finished request is refilled; the refills go to the
		 * device together, as io_uring_enter submits its batch. */
		nb = 0;
		for (unsigned i = 0; i < w->qd; i++) {
			if (!r[i].buf ||
			    __atomic_load_n(&r[i].status, __ATOMIC_ACQUIRE) ==
				BLK_PENDING)
				continue;
			done++;
			w->failed += r[i].status != 0;
			if (issued == w->ops) {
				r[i].buf = NULL;
				continue;
			}
			req_random(&r[i], &s, pages);
			issued++;
			batch[nb++] = &r[i];
		}
		if (nb) {
			unsigned bad = submit_batch(q, batch, nb);
			w->failed += bad;
			done += bad;
		} else if (done < w->ops) {
			blk_reap_wait(q); /* as the queue's mode says */
		}
	}
out:
	kfree(r);
	kfree(batch);
	kfree(buf);
}

static uint64_t idle_sum(void)
{
	uint64_t idle = 0;
	for (unsigned c = 0; c < cpu_count(); c++)
		idle += sched_idle_ns(c);
	return idle;
}

static int qd32(struct blk_dev *d, unsigned ops, uint64_t *iops,
		uint64_t *cpu_ns)
{
	unsigned n = cpu_count(), failed = 0;
	volatile unsigned start = 0;
	struct worker *w = kcalloc(n, sizeof(*w));
	struct thread **t = kcalloc(n, sizeof(*t));
	if (!w || !t)
		return -1;
	for (unsigned i = 0; i < n; i++) {
		w[i] = (struct worker){
		    d, i, QD_TOTAL / n ? QD_TOTAL / n : 1, ops / n, &start, 0};
		struct thread_attr a = {.cpu = (int)i};
		t[i] = thread_create("bench-io", worker_run, &w[i], &a);
	}
	thread_sleep_ns(10000000); /* let every worker reach the start */
	uint64_t idle0 = idle_sum(), t0 = time_ns();
	__atomic_store_n(&start, 1, __ATOMIC_RELEASE);
	for (unsigned i = 0; i < n; i++)
		if (t[i])
			thread_join(t[i]);
	uint64_t wall = time_ns() - t0;
	uint64_t idle = idle_sum() - idle0, all = wall * n;
	uint64_t busy = all > idle ? all - idle : 0;
	unsigned total = 0;
	for (unsigned i = 0; i < n; i++) {
		failed += w[i].failed;
		total += w[i].ops;
	}
	*iops = wall ? (uint64_t)total * 1000000000ull / wall : 0;
	*cpu_ns = total ? busy / total : 0;
	kfree(w);
	kfree(t);
	return failed ? -1 : 0;
}

/* The sum of every queue's counters (what the diagnostics print). */
static struct blk_queue_stats stats_sum(struct blk_dev *d)
{
	struct blk_info in;
	struct blk_queue_stats sum = {0}, st;
	blk_info(d, &in);
	for (unsigned i = 0; i < in.nqueues; i++) {
		blk_queue_stats(d, i, &st);
		sum.completed += st.completed;
		sum.irqs += st.irqs;
		sum.reaped_irq += st.reaped_irq;
		sum.reaped_poll += st.reaped_poll;
		sum.parked += st.parked;
		sum.kicks += st.kicks;
	}
	return sum;
}

/* Why a figure is what it is: how the waits ended, doorbells per I/O. */
static void stats_print(const char *what, struct blk_dev *d,
			const struct blk_queue_stats *a)
{
	struct blk_queue_stats b = stats_sum(d);
	printk("bench io: %s: %lu requests, %lu doorbells, %lu interrupts, "
	       "%lu reaped by interrupt, %lu by polling, %lu waits parked\n",
	       what, b.completed - a->completed, b.kicks - a->kicks,
	       b.irqs - a->irqs, b.reaped_irq - a->reaped_irq,
	       b.reaped_poll - a->reaped_poll, b.parked - a->parked);
}

/* The queue mode named on the command line: 0, or -1 for another word. */
static int bench_io_mode(const char *name, enum blk_mode *m)
{
	static const char *const names[] = {"adaptive", "irq", "poll"};
	for (int i = 0; i <= BLK_POLL; i++) {
		if (!strcmp(name, names[i])) {
			*m = (enum blk_mode)i;
			return 0;
		}
	}
	return -1;
}

static int bench_io(int argc, char **argv)
{
	struct blk_dev *d = blk_open(0);
	unsigned ops1 = argc > 1 ? (unsigned)strtoul(argv[1], NULL, 10) : 1000;
	unsigned ops32 = argc > 2 ? (unsigned)strtoul(argv[2], NULL, 10) : 8000;
	if (!d) {
		printk("bench io: no block device (tools/run --disk FILE)\n");
		return 1;
	}
	struct blk_info in;
	blk_info(d, &in);
	uint64_t span = in.blocks * in.block_size;
	if (span > SPAN_MAX)
		span = SPAN_MAX;
	uint8_t *buf = kmalloc(IO_BYTES);
	if (!buf || span < IO_BYTES || !ops1 || !ops32)
		return 1;
	enum blk_mode mode;
	if (argc > 3 &&
	    (bench_io_mode(argv[3], &mode) || blk_set_mode(d, -1, mode))) {
		printk("bench io: mode wants adaptive, irq or poll\n");
		return 1;
	}
	struct blk_queue_stats st = stats_sum(d);
	uint64_t lat = qd1(d, span / IO_BYTES, ops1, buf);
	stats_print("qd1", d, &st);
	uint64_t iops = 0, cpu = 0;
	st = stats_sum(d);
	int err = qd32(d, ops32, &iops, &cpu);
	stats_print("qd32", d, &st);
	kfree(buf);
	if (!lat || err) {
		printk("bench io: requests failed\n");
		return 1;
	}
	printk("bench io: %s (%s), %u cpus: qd1 median %lu ns, qd32 %lu "
	       "IOPS, %lu ns busy per I/O\n",
	       in.name, in.kind, cpu_count(), lat, iops, cpu);
	printk("RESULT bench=io system=unidb qd1_lat_ns=%lu qd32_iops=%lu "
	       "cpu_per_io_ns=%lu\n",
	       lat, iops, cpu);
	return 0;
}
BENCH(io,
      "[qd1_ops] [qd32_ops] [adaptive|irq|poll]  random 4 KiB I/O on the first "
      "disk",
      bench_io);
