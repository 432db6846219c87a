/* SPDX-License-Identifier: MIT */
/* blk_dev.h: the driver's side of the block layer (blk.c; API in
 * include/unidb/blk.h).
 *
 * A driver (nvme.c, virtio_blk.c) fills a struct blk_dev with its queues
 * and operations and calls blk_register(). The block layer owns each
 * queue's command slots: it validates and translates a request, splits
 * it into commands of at most max_cmd_bytes, takes one slot per command
 * and calls ops->submit() with the queue's lock held; once the request (or
 * a batch of them, blk_submit_many) is queued it calls ops->kick() once, so
 * the device is told (one doorbell write) per batch, not per command. The
 * slot number is the driver's command identifier (NVMe CID, virtio
 * cookie). The driver
 * reports each finished command with blk_slot_done() from ops->reap()
 * (also under the lock). A watchdog thread fails commands past their
 * deadline (-ETIMEDOUT) and, when ops->alive() says the device failed,
 * every command in flight (-ECANCELED); such slots stay reserved until
 * the device returns them, so a late completion never reaches a reused
 * request.
 *
 * Lock order: a queue's lock is a leaf (taken with interrupts off, also
 * in interrupt handlers); done callbacks run after it is dropped. */
#ifndef DRIVERS_BLK_DEV_H
#define DRIVERS_BLK_DEV_H

#include <stdbool.h>
#include <stdint.h>
#include <unidb/blk.h>
#include <unidb/spinlock.h>

#define BLK_PAGE 4096u
#define BLK_TIMEOUT_NS 30000000000ull /* TCG under load is slow */

/* A command's buffer as the device sees it: byte 0 is at pg[0] + off;
 * pg[i] (i > 0) are the physical addresses of the following 4 KiB pages
 * (what NVMe's PRP entries are). */
struct blk_sg {
	const uint64_t *pg;
	uint32_t off; /* < BLK_PAGE */
	uint32_t len; /* bytes */
};

enum blk_slot_state { SLOT_FREE, SLOT_BUSY, SLOT_LOST };

struct blk_slot {
	struct blk_req *req;
	uint64_t deadline;
	uint8_t state;
};

/* A thread parked in blk_reap_wait (on its stack). Whoever takes it off
 * the queue unparks t and then sets `unparked`, its last access: the
 * waiter does not leave before, so t cannot end while being unparked. */
struct blk_waiter {
	struct thread *t;
	volatile bool unparked;
};

struct blk_queue {
	struct blk_dev *dev;
	unsigned index, cpu;
	bool has_irq;
	struct spinlock lock; /* everything below, and the driver's rings */
	struct blk_slot *slots;
	uint16_t *free; /* free slot numbers */
	unsigned nslots, nfree;
	struct blk_req *done_head, **done_tail; /* finished, to call back */
	volatile enum blk_mode mode;
	volatile uint64_t submitted, completed, errors, timeouts;
	volatile uint64_t irqs, reaped_irq, reaped_poll, parked;
	volatile uint64_t kicks;   /* ops->kick calls: doorbell writes */
	struct blk_waiter *waiter; /* parked in blk_reap_wait, or NULL */
	/* ADAPTIVE: moving averages, ns (blk.c): blk_reap_wait times and
	 * sync requests' latency. */
	volatile uint64_t reap_ewma, sync_ewma;
	void *priv; /* the driver's */
};

struct blk_ops {
	/* Queues command `slot` (op, lba and count in blocks; sg for READ
	 * and WRITE) without telling the device yet. Under q->lock. 0 or
	 * -error. */
	int (*submit)(struct blk_queue *q, unsigned slot, enum blk_op op,
		      uint64_t lba, uint32_t nblocks, const struct blk_sg *sg);
	/* Tells the device about the commands queued since the last kick
	 * (NVMe: one SQ tail doorbell write; virtio: publish and notify).
	 * Under q->lock. */
	void (*kick)(struct blk_queue *q);
	/* Takes finished commands off the completion ring, calling
	 * blk_slot_done() for each, and acknowledges them to the device
	 * once per pass (NVMe: one CQ head doorbell write). Under q->lock.
	 * Returns how many. */
	unsigned (*reap)(struct blk_queue *q);
	/* Turns q's interrupt on or off. Under q->lock. */
	void (*set_irq)(struct blk_queue *q, bool on);
	/* Whether the device still works (watchdog; thread context). */
	bool (*alive)(struct blk_dev *d);
	/* Optional: whether r's `parts` commands fit in the rings now
	 * (beyond a free slot each). Under q->lock. */
	bool (*has_room)(struct blk_queue *q, const struct blk_req *r,
			 unsigned parts);
};

struct blk_dev {
	struct blk_info info;
	const struct blk_ops *ops;
	struct blk_queue *q; /* info.nqueues */
	volatile bool dead;
	volatile uint64_t spin_ns;
	void *priv;
};

/* Allocates dev->q (n queues, each with `depth` slots; queue i's
 * interrupt core is i % cpus) and sets the defaults. 0 or -ENOMEM. */
int blk_queues_alloc(struct blk_dev *dev, unsigned n, unsigned depth);

/* Makes dev visible through blk_open() and prints it. Boot. */
int blk_register(struct blk_dev *dev);

/* Reports command `slot` of q finished with status (0 or -error). Under
 * q->lock (from ops->reap). Unknown or free slots are ignored. */
void blk_slot_done(struct blk_queue *q, unsigned slot, int status);

/* The watchdog's pass over d as at time `now` (tests call it with a
 * future now): fails commands past their deadline with -ETIMEDOUT, or
 * all in flight with -ECANCELED once ops->alive() says no. */
void blk_watchdog_check(struct blk_dev *d, uint64_t now);

/* A driver's interrupt handler for q: counts, reaps, calls back. */
void blk_irq(struct blk_queue *q);

#endif
