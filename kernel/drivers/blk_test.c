/* SPDX-License-Identifier: MIT */
/* blk_test.c: in-guest tests of the block layer and its drivers (NVMe,
 * virtio-blk) against the disk tools/run --disk attaches. Without a
 * device each test says so and passes; tests/run's blk suite boots guests
 * with a disk and fails if none was found. The tests write the first
 * 32 MiB of the disk (at most). */
#include <string.h>
#include <unidb/blk.h>
#include <unidb/errno.h>
#include <unidb/heap.h>
#include <unidb/printk.h>
#include <unidb/test.h>
#include <unidb/thread.h>
#include <unidb/time.h>
#include <unidb/vm.h>

#include "arch/x86_64/layout.h"
#include "drivers/blk_dev.h"
#include "drivers/blk_pattern.h"

#define AREA_BYTES (32u << 20)
#define REGION_MAX (8u << 20)
#define BUF_BYTES (BLK_MAX_BYTES + 4096)
#define RW_ROUNDS 14

#define DISK_MIN (4u << 20)

static struct blk_dev *dev_or_skip(const char *test)
{
	struct blk_dev *d = blk_open(0);
	struct blk_info in;
	if (!d) {
		printk("%s: no block device (tools/run --disk FILE), skipped\n",
		       test);
		return NULL;
	}
	blk_info(d, &in);
	if (in.blocks * in.block_size < DISK_MIN) {
		printk("%s: %s has %lu bytes, fewer than %u, skipped\n", test,
		       in.name, in.blocks * in.block_size, DISK_MIN);
		return NULL;
	}
	return d;
}

static uint64_t rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* ---- random reads and writes from every core ---------------------------- */

struct rw_arg {
	struct blk_dev *d;
	unsigned cpu;
	uint64_t base, size; /* the thread's own region of the disk */
	int failures;
};

/* Sizes every thread does first: the edges (one block, a page, a page
 * and a block, just below and at 1 MiB); then random ones. */
static uint32_t rw_size(struct rw_arg *a, unsigned round, uint64_t *s,
			uint32_t bs)
{
	const uint32_t fixed[] = {
	    bs, 2 * bs, 4096, 4096 + bs, BLK_MAX_BYTES - bs, BLK_MAX_BYTES};
	if (round < sizeof(fixed) / sizeof(fixed[0]))
		return fixed[round];
	return (uint32_t)(1 + rnd(s) % (BLK_MAX_BYTES / bs)) * bs;
}

static void rw_thread(void *arg)
{
	struct rw_arg *a = arg;
	struct blk_info in;
	blk_info(a->d, &in);
	uint32_t bs = in.block_size;
	uint64_t s = 0x9e3779b97f4a7c15ull * (a->cpu + 1);
	uint8_t *wbuf = kmalloc(BUF_BYTES);
	/* Reads land in a vm area (demand-zero pages faulted in at submit). */
	struct vm_area *area = vm_area_create(BUF_BYTES, VM_DEMAND_ZERO);
	if (!wbuf || !area) {
		a->failures++;
		goto out;
	}
	uint8_t *rbuf = vm_area_base(area);
	for (unsigned round = 0; round < RW_ROUNDS; round++) {
		uint32_t len = rw_size(a, round, &s, bs);
		uint64_t blocks = (a->size - len) / bs;
		uint64_t off = a->base + (rnd(&s) % (blocks + 1)) * bs;
		uint32_t wmis = (uint32_t)(rnd(&s) % 1024) * 4;
		uint32_t rmis = (uint32_t)(rnd(&s) % 1024) * 4;
		uint64_t seed = rnd(&s);
		blk_pattern_fill(wbuf + wmis, len, seed, off);
		int w = blk_rw_sync(a->d, BLK_WRITE, off, wbuf + wmis, len);
		memset(rbuf + rmis, 0, len);
		int r = blk_rw_sync(a->d, BLK_READ, off, rbuf + rmis, len);
		int64_t bad = blk_pattern_check(rbuf + rmis, len, seed, off);
		if (w || r || bad >= 0) {
			printk("blk_rw: cpu %u: %u bytes at %lu (buffers +%u, "
			       "+%u): write %d, read %d, first bad byte %ld\n",
			       a->cpu, len, off, wmis, rmis, w, r, bad);
			a->failures++;
		}
	}
out:
	kfree(wbuf);
	if (area)
		vm_area_destroy(area);
}

TEST(blk_random_rw_all_cores)
{
	struct blk_dev *d = dev_or_skip("blk_random_rw_all_cores");
	if (!d)
		return;
	struct blk_info in;
	blk_info(d, &in);
	uint64_t disk = in.blocks * in.block_size;
	if (disk > AREA_BYTES)
		disk = AREA_BYTES;
	/* A thread per core, each with 2 MiB of the disk at least. */
	unsigned n = cpu_count();
	if (n > disk / (2 * BLK_MAX_BYTES))
		n = (unsigned)(disk / (2 * BLK_MAX_BYTES));
	uint64_t region = disk / n;
	if (region > REGION_MAX)
		region = REGION_MAX;
	region -= region % 4096;
	struct rw_arg *args = kcalloc(n, sizeof(*args));
	struct thread **t = kcalloc(n, sizeof(*t));
	ASSERT(args && t);
	for (unsigned i = 0; i < n; i++) {
		args[i] = (struct rw_arg){d, i, i * region, region, 0};
		struct thread_attr at = {.cpu = (int)i};
		t[i] = thread_create("blk-rw", rw_thread, &args[i], &at);
		ASSERT(t[i]);
	}
	for (unsigned i = 0; i < n; i++) {
		thread_join(t[i]);
		EXPECT_EQ(args[i].failures, 0);
	}
	kfree(args);
	kfree(t);
}

/* ---- asynchronous requests, many in flight --------------------------------
 */

static void count_done(struct blk_req *r)
{
	__atomic_fetch_add((volatile unsigned *)r->arg, 1, __ATOMIC_RELEASE);
}

/* Runs n requests of 4 KiB on queue q with up to everything in flight,
 * retrying on -EAGAIN (a full queue). Returns how many failed. */
static unsigned async_batch(struct blk_queue *q, struct blk_req *reqs,
			    unsigned n)
{
	volatile unsigned done = 0;
	unsigned bad = 0;

	for (unsigned i = 0; i < n; i++) {
		reqs[i].done = count_done;
		reqs[i].arg = (void *)&done;
		int err;
		while ((err = blk_submit(q, &reqs[i])) == -EAGAIN)
			if (!blk_poll(q))
				thread_yield();
		if (err) {
			bad++;
			done++;
		}
	}
	while (__atomic_load_n(&done, __ATOMIC_ACQUIRE) < n)
		if (!blk_poll(q))
			thread_yield();
	for (unsigned i = 0; i < n; i++)
		bad += reqs[i].status != 0;
	return bad;
}

TEST(blk_async_many_in_flight)
{
	struct blk_dev *d = dev_or_skip("blk_async_many_in_flight");
	if (!d)
		return;
	const unsigned n = 200; /* more than a queue holds */
	struct blk_req *reqs = kcalloc(n, sizeof(*reqs));
	uint8_t *buf = kmalloc((size_t)n * 4096);
	ASSERT(reqs && buf);
	struct blk_queue *q = blk_queue(d, 0);
	for (unsigned i = 0; i < n; i++) {
		blk_pattern_fill(buf + i * 4096, 4096, 42, i * 4096ull);
		reqs[i] = (struct blk_req){.op = BLK_WRITE,
					   .off = i * 4096ull,
					   .len = 4096,
					   .buf = buf + i * 4096};
	}
	EXPECT_EQ(async_batch(q, reqs, n), 0);
	memset(buf, 0, (size_t)n * 4096);
	for (unsigned i = 0; i < n; i++)
		reqs[i] = (struct blk_req){.op = BLK_READ,
					   .off = i * 4096ull,
					   .len = 4096,
					   .buf = buf + i * 4096};
	EXPECT_EQ(async_batch(q, reqs, n), 0);
	EXPECT_EQ(blk_pattern_check(buf, (size_t)n * 4096, 42, 0), -1);
	kfree(reqs);
	kfree(buf);
}

/* ---- flush and write-zeroes
 * ---------------------------------------------------- */

TEST(blk_flush_and_write_zeroes)
{
	struct blk_dev *d = dev_or_skip("blk_flush_and_write_zeroes");
	if (!d)
		return;
	struct blk_info in;
	blk_info(d, &in);
	uint8_t *buf = kmalloc(65536);
	ASSERT(buf);
	uint64_t off = 1u << 20;
	blk_pattern_fill(buf, 65536, 5, off);
	EXPECT_EQ(blk_rw_sync(d, BLK_WRITE, off, buf, 65536), 0);
	EXPECT_EQ(blk_rw_sync(d, BLK_FLUSH, 0, NULL, 0), 0);
	int wz = blk_rw_sync(d, BLK_WRITE_ZEROES, off + 4096, NULL, 8192);
	EXPECT_EQ(blk_rw_sync(d, BLK_READ, off, buf, 65536), 0);
	EXPECT_EQ(blk_pattern_check(buf, 4096, 5, off), -1);
	if (in.write_zeroes) {
		EXPECT_EQ(wz, 0);
		bool zero = true;
		for (unsigned i = 4096; i < 4096 + 8192; i++)
			zero &= buf[i] == 0;
		EXPECT(zero);
	} else {
		EXPECT_EQ(wz, -EOPNOTSUPP);
	}
	EXPECT_EQ(blk_pattern_check(buf + 12288, 65536 - 12288, 5, off + 12288),
		  -1);
	kfree(buf);
}

/* ---- bad requests
 * ------------------------------------------------------------- */

TEST(blk_bad_requests)
{
	struct blk_dev *d = dev_or_skip("blk_bad_requests");
	if (!d)
		return;
	struct blk_info in;
	blk_info(d, &in);
	uint32_t bs = in.block_size;
	uint64_t end = in.blocks * bs;
	uint8_t *buf = kmalloc(BUF_BYTES);
	ASSERT(buf);
	EXPECT_EQ(blk_rw_sync(d, BLK_READ, 1, buf, bs), -EINVAL);
	EXPECT_EQ(blk_rw_sync(d, BLK_READ, 0, buf, bs + 1), -EINVAL);
	EXPECT_EQ(blk_rw_sync(d, BLK_READ, 0, buf, 0), -EINVAL);
	EXPECT_EQ(blk_rw_sync(d, BLK_READ, 0, buf, BLK_MAX_BYTES + bs),
		  -EINVAL);
	EXPECT_EQ(blk_rw_sync(d, BLK_WRITE, 0, buf + 2, bs), -EINVAL);
	EXPECT_EQ(blk_rw_sync(d, (enum blk_op)9, 0, buf, bs), -EINVAL);
	EXPECT_EQ(blk_rw_sync(d, BLK_READ, end, buf, bs), -ERANGE);
	EXPECT_EQ(blk_rw_sync(d, BLK_WRITE, end - bs, buf, 2 * bs), -ERANGE);
	EXPECT_EQ(blk_rw_sync(d, BLK_READ, ~0ull - (bs - 1), buf, bs), -ERANGE);
	/* Thread stacks and device registers: not DMA-able here. */
	EXPECT_EQ(blk_rw_sync(d, BLK_READ, 0, (void *)(KSTACK_BASE + 8192), bs),
		  -EFAULT);
	EXPECT_EQ(blk_rw_sync(d, BLK_READ, 0, (void *)MMIO_BASE, bs), -EFAULT);
	EXPECT_EQ(blk_rw_sync(d, BLK_READ, 0, (void *)0x1000, bs), -EFAULT);
	EXPECT_EQ(blk_set_mode(d, 99, BLK_POLL), -EINVAL);
	EXPECT_EQ(blk_set_mode(d, -1, (enum blk_mode)7), -EINVAL);
	/* Still works, at the very end too. */
	EXPECT_EQ(blk_rw_sync(d, BLK_READ, end - bs, buf, bs), 0);
	kfree(buf);
}

/* ---- queue modes ------------------------------------------------------------
 */

static void flag_done(struct blk_req *r)
{
	__atomic_store_n((volatile bool *)r->arg, true, __ATOMIC_RELEASE);
}

/* n reads on queue 0; in IRQ mode nothing polls, so the interrupt must
 * deliver them. Returns how many failed. */
static unsigned mode_reads(struct blk_queue *q, bool poll, uint8_t *buf,
			   unsigned n)
{
	unsigned bad = 0;
	for (unsigned i = 0; i < n; i++) {
		volatile bool done = false;
		struct blk_req r = {.op = BLK_READ,
				    .off = i * 4096ull,
				    .len = 4096,
				    .buf = buf,
				    .done = flag_done,
				    .arg = (void *)&done};
		if (blk_submit(q, &r)) {
			bad++;
			continue;
		}
		while (!__atomic_load_n(&done, __ATOMIC_ACQUIRE))
			if (!poll || !blk_poll(q))
				thread_yield();
		bad += r.status != 0;
	}
	return bad;
}

TEST(blk_queue_modes)
{
	struct blk_dev *d = dev_or_skip("blk_queue_modes");
	if (!d)
		return;
	struct blk_queue *q = blk_queue(d, 0);
	struct blk_queue_stats a, b;
	uint8_t *buf = kmalloc(65536);
	ASSERT(buf);
	blk_queue_stats(d, 0, &a);
	if (a.has_irq) {
		EXPECT_EQ(blk_set_mode(d, 0, BLK_IRQ), 0);
		blk_queue_stats(d, 0, &a);
		EXPECT_EQ(mode_reads(q, false, buf, 8), 0);
		blk_queue_stats(d, 0, &b);
		EXPECT_EQ(b.mode, BLK_IRQ);
		EXPECT_EQ(b.reaped_irq - a.reaped_irq, 8);
		EXPECT_EQ(b.reaped_poll - a.reaped_poll, 0);
	}
	EXPECT_EQ(blk_set_mode(d, 0, BLK_POLL), 0);
	blk_queue_stats(d, 0, &a);
	EXPECT_EQ(mode_reads(q, true, buf, 8), 0);
	blk_queue_stats(d, 0, &b);
	EXPECT_EQ(b.mode, BLK_POLL);
	EXPECT_EQ(b.reaped_poll - a.reaped_poll, 8);
	EXPECT_EQ(b.reaped_irq - a.reaped_irq, 0);
	/* The synchronous wrapper works in every mode, on every core's
	 * queue. */
	for (int m = BLK_ADAPTIVE; m <= BLK_POLL; m++) {
		EXPECT_EQ(blk_set_mode(d, -1, (enum blk_mode)m), 0);
		for (unsigned i = 0; i < 4; i++)
			EXPECT_EQ(
			    blk_rw_sync(d, BLK_READ, i * 65536ull, buf, 65536),
			    0);
	}
	EXPECT_EQ(blk_set_mode(d, -1, BLK_ADAPTIVE), 0);
	kfree(buf);
}

/* ---- timeouts and a failed controller, on a fake device -------------------
 */

/* A device that keeps every command until told to finish one. */
static struct {
	int finish; /* slot to report finished at the next reap, or -1 */
	bool dead;
	unsigned queued, told; /* commands submitted; of them at the kick */
} fake;

static int fake_submit(struct blk_queue *q, unsigned slot, enum blk_op op,
		       uint64_t lba, uint32_t nblocks, const struct blk_sg *sg)
{
	fake.queued++;
	return 0;
}

static unsigned fake_reap(struct blk_queue *q)
{
	if (fake.finish < 0)
		return 0;
	blk_slot_done(q, (unsigned)fake.finish, 0);
	fake.finish = -1;
	return 1;
}

static void fake_set_irq(struct blk_queue *q, bool on)
{
}

static void fake_kick(struct blk_queue *q)
{
	fake.told = fake.queued;
}

static bool fake_alive(struct blk_dev *d)
{
	return !fake.dead;
}

static const struct blk_ops fake_ops = {
    .submit = fake_submit,
    .kick = fake_kick,
    .reap = fake_reap,
    .set_irq = fake_set_irq,
    .alive = fake_alive,
};

/* A fake device with one queue of `slots` slots and no interrupt. */
static struct blk_dev *fake_dev(unsigned slots)
{
	struct blk_dev *d = kzalloc(sizeof(*d));
	if (!d)
		return NULL;
	d->info = (struct blk_info){.name = "fake0",
				    .kind = "fake",
				    .block_size = 512,
				    .blocks = 4096,
				    .max_cmd_bytes = 65536};
	d->ops = &fake_ops;
	fake = (typeof(fake)){.finish = -1};
	return blk_queues_alloc(d, 1, slots) ? NULL : d;
}

TEST(blk_submit_many_fake_device)
{
	struct blk_dev *d = fake_dev(4);
	uint8_t *buf = kmalloc(5 * 4096);
	ASSERT(d && buf);
	struct blk_queue *q = blk_queue(d, 0);
	struct blk_queue_stats st;
	struct blk_req r[6];
	struct blk_req *p[6];
	for (unsigned i = 0; i < 6; i++) {
		r[i] = (struct blk_req){.op = BLK_READ,
					.off = i * 4096ull,
					.len = 4096,
					.buf = buf + (i % 5) * 4096};
		p[i] = &r[i];
	}
	unsigned started = 99;

	/* Nothing in flight: nothing to wait for. */
	EXPECT_EQ(blk_reap_wait(q), 0);
	/* Three requests, one kick that sees all three. */
	EXPECT_EQ(blk_submit_many(q, p, 3, &started), 0);
	EXPECT_EQ(started, 3);
	EXPECT_EQ(fake.told, 3);
	blk_queue_stats(d, 0, &st);
	EXPECT_EQ(st.kicks, 1);
	EXPECT_EQ(st.inflight, 3);
	/* One slot left: the first starts (and is told), the second is
	 * refused with -EAGAIN. */
	EXPECT_EQ(blk_submit_many(q, p + 3, 2, &started), -EAGAIN);
	EXPECT_EQ(started, 1);
	EXPECT_EQ(fake.told, 4);
	blk_queue_stats(d, 0, &st);
	EXPECT_EQ(st.kicks, 2);
	/* A bad request first: nothing starts, nothing is told. */
	r[5].off = 100;
	EXPECT_EQ(blk_submit_many(q, p + 5, 1, &started), -EINVAL);
	EXPECT_EQ(started, 0);
	blk_queue_stats(d, 0, &st);
	EXPECT_EQ(st.kicks, 2);
	/* blk_reap_wait polls a queue without interrupt until something
	 * completes. Slots are taken from 0 up. */
	fake.finish = 1;
	EXPECT_EQ(blk_reap_wait(q), 1);
	EXPECT_EQ(r[1].status, 0);
	EXPECT_EQ(r[0].status, BLK_PENDING);
	/* A failed device cancels the rest; waiting returns at once. */
	fake.dead = true;
	blk_watchdog_check(d, time_ns());
	EXPECT_EQ(blk_reap_wait(q), 0);
	EXPECT_EQ(r[0].status, -ECANCELED);
	EXPECT_EQ(r[3].status, -ECANCELED);
	kfree(buf); /* the fake device stays: never registered */
}

TEST(blk_timeout_and_failed_device)
{
	struct blk_dev *d = kzalloc(sizeof(*d));
	uint8_t *buf = kmalloc(BLK_MAX_BYTES);
	ASSERT(d && buf);
	d->info = (struct blk_info){.name = "fake0",
				    .kind = "fake",
				    .block_size = 512,
				    .blocks = 4096,
				    .max_cmd_bytes = 65536};
	d->ops = &fake_ops;
	fake.finish = -1;
	fake.dead = false;
	ASSERT_EQ(blk_queues_alloc(d, 1, 4), 0);
	struct blk_queue *q = blk_queue(d, 0);
	struct blk_queue_stats st;

	/* More commands than the queue has slots: refused, not retried for
	 * ever. */
	struct blk_req big = {.op = BLK_READ, .len = BLK_MAX_BYTES, .buf = buf};
	EXPECT_EQ(blk_submit(q, &big), -EINVAL);

	struct blk_req r = {
	    .op = BLK_READ, .off = 512, .len = 4096, .buf = buf};
	ASSERT_EQ(blk_submit(q, &r), 0);
	blk_watchdog_check(d, time_ns());
	EXPECT_EQ(r.status, BLK_PENDING);
	blk_watchdog_check(d, time_ns() + BLK_TIMEOUT_NS + 1);
	EXPECT_EQ(r.status, -ETIMEDOUT);
	blk_queue_stats(d, 0, &st);
	EXPECT_EQ(st.timeouts, 1);
	EXPECT_EQ(st.inflight, 1); /* the device still has the slot */
	/* Its late completion frees the slot and touches nothing else. */
	r.status = 7;
	fake.finish = 0;
	EXPECT_EQ(blk_poll(q), 1);
	EXPECT_EQ(r.status, 7);
	blk_queue_stats(d, 0, &st);
	EXPECT_EQ(st.inflight, 0);

	/* A controller that fails cancels what is in flight and refuses
	 * more. */
	struct blk_req w = {.op = BLK_WRITE, .off = 0, .len = 8192, .buf = buf};
	ASSERT_EQ(blk_submit(q, &w), 0);
	fake.dead = true;
	blk_watchdog_check(d, time_ns());
	EXPECT_EQ(w.status, -ECANCELED);
	EXPECT_EQ(blk_submit(q, &w), -EIO);
	kfree(buf); /* the fake device and its queue stay: never registered */
}
