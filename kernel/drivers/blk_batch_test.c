/* SPDX-License-Identifier: MIT */
/* blk_batch_test.c: in-guest tests of batched submission
 * (blk_submit_many) and of blk_reap_wait in every queue mode, on the disk
 * tools/run --disk attaches (without one they say so and pass, as the
 * other blk_ tests). A watchdog thread turns a hang (what `bench io ...
 * poll` did: a waiter parked in POLL mode, where no interrupt comes) into
 * a failure. */
#include <string.h>
#include <unidb/blk.h>
#include <unidb/errno.h>
#include <unidb/heap.h>
#include <unidb/printk.h>
#include <unidb/test.h>
#include <unidb/thread.h>
#include <unidb/time.h>

#include "drivers/blk_pattern.h"

#define NREQ 96
#define QDEPTH 16
#define WATCHDOG_S 300 /* TCG on a loaded host is slow; a hang is for ever */

/* Shared with the watchdog thread and the completion callbacks: on the
 * heap, and left there if the watchdog expired (callbacks may still come). */
struct watchdog {
	struct thread *test; /* woken when the time is up */
	volatile bool stop, expired;
	volatile unsigned done; /* pipeline(): requests completed */
};

static void watchdog_run(void *arg)
{
	struct watchdog *w = arg;
	uint64_t end = time_ns() + WATCHDOG_S * 1000000000ull;
	while (!__atomic_load_n(&w->stop, __ATOMIC_ACQUIRE)) {
		if (time_ns() > end) {
			__atomic_store_n(&w->expired, true, __ATOMIC_RELEASE);
			thread_unpark(w->test); /* out of a park, if hung */
		}
		thread_sleep_ns(100000000);
	}
}

static void count_done(struct blk_req *r)
{
	__atomic_fetch_add((volatile unsigned *)r->arg, 1, __ATOMIC_RELEASE);
}

/* Runs r[0..n-1] on q with up to QDEPTH in flight: refills go to the
 * device in batches (blk_submit_many), waits are blk_reap_wait. Counts
 * the blk_submit_many calls that started something in *calls. Returns how
 * many requests failed, or -1 if the watchdog expired (requests may still
 * be in flight then: the caller must not free their buffers). */
static int pipeline(struct blk_queue *q, struct blk_req *r, unsigned n,
		    struct watchdog *w, unsigned *calls)
{
	volatile unsigned *done = &w->done;
	struct blk_req *batch[QDEPTH];
	unsigned next = 0;

	*done = 0;
	for (unsigned i = 0; i < n; i++) {
		r[i].done = count_done;
		r[i].arg = (void *)done;
	}
	while (__atomic_load_n(done, __ATOMIC_ACQUIRE) < n) {
		if (__atomic_load_n(&w->expired, __ATOMIC_ACQUIRE))
			return -1;
		unsigned nb = 0, k = 0;
		unsigned inflight =
		    next - __atomic_load_n(done, __ATOMIC_ACQUIRE);
		while (next < n && inflight + nb < QDEPTH)
			batch[nb++] = &r[next++];
		if (!nb) {
			blk_reap_wait(q);
			continue;
		}
		int err = blk_submit_many(q, batch, nb, &k);
		*calls += k > 0;
		next -= nb - k; /* the rest is submitted again */
		if (err && err != -EAGAIN)
			return -2;
		if (err)
			blk_reap_wait(q);
	}
	unsigned bad = 0;
	for (unsigned i = 0; i < n; i++)
		bad += r[i].status != 0;
	return (int)bad;
}

static void reqs_init(struct blk_req *r, enum blk_op op, uint8_t *buf,
		      uint64_t base)
{
	for (unsigned i = 0; i < NREQ; i++) /* every other 4 KiB block */
		r[i] = (struct blk_req){.op = op,
					.off = base + i * 8192ull,
					.len = 4096,
					.buf = buf + i * 4096};
}

/* Writes a pattern and reads it back through pipeline() in `mode`.
 * Returns false if the watchdog expired (buffers then stay allocated). */
static bool batch_round(struct blk_dev *d, enum blk_mode mode,
			struct watchdog *w, uint8_t *buf, struct blk_req *r)
{
	struct blk_queue *q = blk_queue(d, 0);
	struct blk_queue_stats a, b;
	uint64_t seed = 100 + mode, base = (8u << 20) + mode * (1u << 20);
	unsigned calls = 0;
	int res;

	EXPECT_EQ(blk_set_mode(d, 0, mode), 0);
	blk_queue_stats(d, 0, &a);
	for (unsigned i = 0; i < NREQ; i++)
		blk_pattern_fill(buf + i * 4096, 4096, seed,
				 base + i * 8192ull);
	reqs_init(r, BLK_WRITE, buf, base);
	res = pipeline(q, r, NREQ, w, &calls);
	if (res == -1) {
		printk("blk_batch_modes: mode %d: writes hung\n", mode);
		return false;
	}
	EXPECT_EQ(res, 0);
	memset(buf, 0, NREQ * 4096);
	reqs_init(r, BLK_READ, buf, base);
	res = pipeline(q, r, NREQ, w, &calls);
	if (res == -1) {
		printk("blk_batch_modes: mode %d: reads hung\n", mode);
		return false;
	}
	EXPECT_EQ(res, 0);
	for (unsigned i = 0; i < NREQ; i++)
		EXPECT_EQ(blk_pattern_check(buf + i * 4096, 4096, seed,
					    base + i * 8192ull),
			  -1);
	blk_queue_stats(d, 0, &b);
	/* One doorbell per batch: nobody else submits on queue 0 now. */
	EXPECT_EQ(b.kicks - a.kicks, calls);
	EXPECT(calls < 2 * NREQ);
	EXPECT_EQ(b.completed - a.completed, 2 * NREQ);
	if (mode == BLK_POLL)
		EXPECT_EQ(b.reaped_irq - a.reaped_irq, 0);
	return true;
}

TEST(blk_batch_modes)
{
	struct blk_dev *d = blk_open(0);
	struct blk_info in;
	if (!d) {
		printk("blk_batch_modes: no block device (tools/run --disk "
		       "FILE), skipped\n");
		return;
	}
	blk_info(d, &in);
	if (in.blocks * in.block_size < (12u << 20)) {
		printk("blk_batch_modes: %s smaller than 12 MiB, skipped\n",
		       in.name);
		return;
	}
	struct blk_queue_stats st;
	blk_queue_stats(d, 0, &st);
	uint8_t *buf = kmalloc(NREQ * 4096);
	struct blk_req *r = kcalloc(NREQ, sizeof(*r));
	struct watchdog *w = kzalloc(sizeof(*w));
	ASSERT(buf && r && w);
	w->test = thread_current();
	struct thread *wt =
	    thread_create("blk-test-watchdog", watchdog_run, w, NULL);
	ASSERT(wt);
	static const enum blk_mode modes[] = {BLK_POLL, BLK_ADAPTIVE, BLK_IRQ};
	bool ok = true;
	for (unsigned i = 0; ok && i < 3; i++) {
		if (modes[i] == BLK_IRQ && !st.has_irq)
			continue;
		ok = batch_round(d, modes[i], w, buf, r);
		EXPECT(ok);
	}
	EXPECT_EQ(blk_set_mode(d, -1, BLK_ADAPTIVE), 0);
	__atomic_store_n(&w->stop, true, __ATOMIC_RELEASE);
	thread_join(wt);
	if (ok) { /* else the device may still write into them */
		kfree(w);
		kfree(buf);
		kfree(r);
	}
}
