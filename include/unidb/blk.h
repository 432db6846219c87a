/* SPDX-License-Identifier: MIT */
/* blk.h: block devices (NVMe, virtio-blk) with per-core queues.
 *
 * A device has one or more queues, normally one per core (cores share
 * when the device grants fewer; blk_queue_of() picks the calling core's).
 * The database submits straight into the device's own submission ring
 * and reaps its completion ring: there is no second queue in between.
 *
 * Requests are asynchronous: blk_submit() starts one and returns at once;
 * the request completes later, when its queue is reaped, either by the
 * queue's interrupt handler (interrupt context, on the queue's core) or by
 * whoever calls blk_poll() on the queue. Completion stores the result in
 * req->status and then calls req->done(req) if set; done must be short
 * and must not sleep (waking a thread is fine). Without done, the owner
 * may reuse req as soon as status is no longer BLK_PENDING; with done,
 * only once done has been called. blk_rw_sync() wraps this
 * for a thread that just waits.
 *
 * Buffers: in the direct map (the heap: kmalloc, frame memory) or in a vm
 * area (vm.h); not on a thread stack. Pages of a vm area are faulted in
 * and translated at submit; the area must not be unmapped or snapshotted
 * while the request is in flight. A buffer must be 4-byte aligned; offset
 * and length are bytes, multiples of the device's block size.
 *
 * Queue modes, switchable at run time (blk_set_mode, command `blk mode`):
 *   BLK_IRQ      the queue's interrupt is on; waiters park.
 *   BLK_POLL     the interrupt is off; completions come only from
 *                blk_poll(), which waiters call between yields (burns the
 *                core, lowest latency on real hardware).
 *   BLK_ADAPTIVE (default) the interrupt is on; a waiter polls first and
 *                parks only if the request has not completed by then. A
 *                sync wait polls for twice the queue's recent latency,
 *                clamped to [spin interval (BLK_SPIN_NS_DEFAULT),
 *                BLK_SPIN_NS_MAX]; blk_reap_wait polls for the spin
 *                interval only if its recent waits were that short.
 *                Polling yields between passes: it takes the time of an
 *                otherwise idle core, or shares it with runnable threads.
 *
 * Errors are negative errno.h codes, in return values and req->status. */
#ifndef UNIDB_BLK_H
#define UNIDB_BLK_H

#include <stdbool.h>
#include <stdint.h>

struct blk_dev;
struct blk_queue;

enum blk_op { BLK_READ, BLK_WRITE, BLK_FLUSH, BLK_WRITE_ZEROES };
enum blk_mode { BLK_ADAPTIVE, BLK_IRQ, BLK_POLL };

#define BLK_MAX_BYTES (1u << 20)  /* largest request; split into commands */
#define BLK_SPIN_NS_DEFAULT 50000 /* ADAPTIVE polls at least this long */
#define BLK_SPIN_NS_MAX 1000000	  /* ... and at most this long */
#define BLK_PENDING 1		  /* req->status while in flight */

struct blk_req {
	/* Set by the caller. */
	enum blk_op op;
	uint64_t off; /* bytes from the start of the device */
	uint32_t len; /* bytes; 0 for BLK_FLUSH */
	void *buf;    /* len bytes; none for FLUSH and WRITE_ZEROES */
	void (*done)(struct blk_req *req); /* may be NULL */
	void *arg;			   /* for done */
	/* Result: BLK_PENDING, then 0 or a negative error. */
	volatile int status;
	/* The block layer's. */
	uint16_t parts_left;
	int err; /* first error of its commands */
	struct blk_req *next;
};

struct blk_info {
	char name[16];	     /* "nvme0", "vblk0" */
	const char *kind;    /* "nvme", "virtio-blk" */
	char where[32];	     /* "pci 00:04.0", "mmio 0xfeb00e00" */
	uint32_t block_size; /* bytes */
	uint64_t blocks;
	uint32_t max_cmd_bytes; /* one device command; larger are split */
	unsigned nqueues;
	bool flush; /* has a volatile cache that FLUSH writes back */
	bool write_zeroes;
};

struct blk_queue_stats {
	unsigned cpu;	    /* interrupts go to this core */
	enum blk_mode mode; /* as set */
	bool has_irq;	    /* false: completions only by polling */
	unsigned depth;	    /* commands in flight at most */
	unsigned inflight;
	uint64_t submitted, completed, errors, timeouts; /* requests */
	uint64_t irqs;					 /* interrupts taken */
	uint64_t reaped_irq;  /* device commands completed by the handler */
	uint64_t reaped_poll; /* ... by blk_poll() */
	uint64_t parked;      /* waits that parked (sync, blk_reap_wait) */
	uint64_t kicks;	      /* device notifications (doorbell writes) */
};

/* Number of block devices found at boot. O(1). */
unsigned blk_count(void);

/* Device `index` (0..blk_count()-1), or NULL. O(1). */
struct blk_dev *blk_open(unsigned index);

/* Fills *info. O(1). */
void blk_info(const struct blk_dev *dev, struct blk_info *info);

/* Queue `index` (taken modulo the device's queue count). O(1). */
struct blk_queue *blk_queue(struct blk_dev *dev, unsigned index);

/* The calling core's queue. O(1). */
struct blk_queue *blk_queue_of(struct blk_dev *dev);

/* Starts req on queue q. Returns 0 (req->status is BLK_PENDING until it
 * completes), or without starting it: -EINVAL (offset or length not a
 * multiple of the block size, length 0 or above BLK_MAX_BYTES, buffer not
 * 4-byte aligned, unknown op), -ERANGE (beyond the end of the device),
 * -EFAULT (buffer neither in the direct map nor in a vm area),
 * -EOPNOTSUPP (write-zeroes the device lacks), -EAGAIN (queue full: poll
 * or wait for a completion and retry), -EIO (the device failed). Never
 * sleeps; touching vm-area pages may take page faults. O(pages + commands);
 * one queue spinlock, held with interrupts off. */
int blk_submit(struct blk_queue *q, struct blk_req *req);

/* Starts reqs[0..n-1] on q in order, telling the device once for all of
 * them (NVMe: one SQ doorbell write instead of n; virtio: one publish and
 * at most one notification), the way Linux submits a plugged batch. Stops
 * at the first request that cannot start: returns 0 if all started, else
 * that request's error as blk_submit gives it (-EAGAIN: the queue is full;
 * reap and submit the rest later). *started (if not NULL) gets how many
 * started; those are in flight and were told to the device even when the
 * call fails. Never sleeps. O(n pages + commands); takes q's spinlock
 * (interrupts off) once per request plus once for the doorbell if a later
 * request fails; one MMIO write per call. */
int blk_submit_many(struct blk_queue *q, struct blk_req *const *reqs,
		    unsigned n, unsigned *started);

/* Reaps q's completion ring: completes finished requests (status, then
 * done) on the calling core. All new completion entries are taken in one
 * pass and acknowledged to the device once (NVMe: one CQ head doorbell
 * write per pass). Returns how many commands it took. Never sleeps; any
 * context but interrupt handlers of other queues. O(found). */
unsigned blk_poll(struct blk_queue *q);

/* For a thread that keeps many requests in flight on q (a benchmark, the
 * log writer): reaps q and, if nothing had finished, waits until something
 * on q completes, as q's mode says: POLL (or a queue without interrupt)
 * polls, yielding between passes; IRQ parks until a completion is
 * processed (by the interrupt handler, the watchdog or another poller);
 * ADAPTIVE polls for the spin interval and then parks. Returns at once,
 * with 0, when nothing is in flight on q or the device failed. Returns the
 * commands this call reaped itself (0 after a park: the handler reaped
 * them); it may return early (a stale wake-up token), so callers look at
 * their requests' status and loop. One parked waiter per queue: a second
 * thread waiting on the same queue polls instead. Done callbacks need not
 * wake anybody. May sleep (yields or parks). */
unsigned blk_reap_wait(struct blk_queue *q);

/* Waits for req (submitted on q): polls q, yielding the core between
 * passes, until req has completed. Returns req->status. May sleep (it
 * yields). For a thread that should park instead, see blk_rw_sync(). */
int blk_wait(struct blk_queue *q, struct blk_req *req);

/* Submits and waits, on the calling core's queue, retrying while the
 * queue is full; waits as the queue's mode says (poll, park until the
 * interrupt, or spin first and then park). Returns 0 or a negative error as
 * blk_submit or the device reports (-EIO for media or transfer errors,
 * -ETIMEDOUT after the command timeout, -ECANCELED if the controller failed
 * meanwhile). May sleep. */
int blk_rw_sync(struct blk_dev *dev, enum blk_op op, uint64_t off, void *buf,
		uint32_t len);

/* Sets the mode of queue `queue` of dev (-1: every queue). Takes effect
 * for the next wait; the interrupt is switched at once. Returns 0 or
 * -EINVAL. Any thread context. */
int blk_set_mode(struct blk_dev *dev, int queue, enum blk_mode mode);

/* ADAPTIVE's spin interval (the shortest poll before parking) for every
 * queue of dev. */
void blk_set_spin_ns(struct blk_dev *dev, uint64_t ns);

/* Snapshot of queue `queue`'s counters. 0 or -EINVAL. O(1). */
int blk_queue_stats(struct blk_dev *dev, unsigned queue,
		    struct blk_queue_stats *st);

#endif
