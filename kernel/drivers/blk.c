/* SPDX-License-Identifier: MIT */
/* blk.c: the block layer (include/unidb/blk.h, driver side blk_dev.h):
 * request checks, buffer translation, splitting into device commands,
 * command slots, completion, waiting, queue modes and the watchdog.
 *
 * Locking: each queue's spinlock (interrupts off) covers its slots, its
 * list of finished requests and the driver's ring state; it is a leaf.
 * Callbacks run after it is dropped, on the core that reaped. The device
 * list is written at boot only. */
#include <string.h>
#include <unidb/blk.h>
#include <unidb/errno.h>
#include <unidb/heap.h>
#include <unidb/printk.h>
#include <unidb/thread.h>
#include <unidb/time.h>

#include "arch/x86_64/layout.h"
#include "arch/x86_64/paging.h"
#include "arch/x86_64/pte.h"
#include "arch/x86_64/x86.h"
#include "drivers/blk_dev.h"
#include "mm/vm_internal.h"

#define BLK_DEVS_MAX 8
#define WATCHDOG_NS 250000000ull
#define LOWER_HALF_END (1ull << 47)
/* Intel SDM 3A, 4.7: page-fault error code bits P and W/R. */
#define PF_PRESENT (1ul << 0)
#define PF_WRITE_ACCESS (1ul << 1)
#define SG_PAGES_MAX (BLK_MAX_BYTES / BLK_PAGE + 1)

static struct blk_dev *devs[BLK_DEVS_MAX];
static unsigned ndevs;
static struct thread *watchdog;

unsigned blk_count(void)
{
	return __atomic_load_n(&ndevs, __ATOMIC_ACQUIRE);
}

struct blk_dev *blk_open(unsigned index)
{
	return index < blk_count() ? devs[index] : NULL;
}

void blk_info(const struct blk_dev *dev, struct blk_info *info)
{
	*info = dev->info;
}

struct blk_queue *blk_queue(struct blk_dev *dev, unsigned index)
{
	return &dev->q[index % dev->info.nqueues];
}

struct blk_queue *blk_queue_of(struct blk_dev *dev)
{
	return blk_queue(dev, cpu_id());
}

/* ---- locking and completion ------------------------------------------- */

static uint64_t q_lock(struct blk_queue *q)
{
	uint64_t f = irq_save();
	spin_lock(&q->lock);
	return f;
}

/* Drops the lock, then completes what was finished under it. After the
 * status store a request without done may be reused at once: nothing of
 * it is read after that. */
static void q_unlock(struct blk_queue *q, uint64_t f)
{
	struct blk_req *r = q->done_head;
	struct blk_waiter *waiter = NULL;
	q->done_head = NULL;
	q->done_tail = &q->done_head;
	if (r) { /* blk_reap_wait's thread, woken after the statuses */
		waiter = q->waiter;
		q->waiter = NULL;
	}
	spin_unlock(&q->lock);
	irq_restore(f);
	while (r) {
		struct blk_req *next = r->next;
		void (*done)(struct blk_req *) = r->done;
		__atomic_store_n(&r->status, r->err, __ATOMIC_RELEASE);
		if (done)
			done(r);
		r = next;
	}
	if (waiter) {
		thread_unpark(waiter->t);
		__atomic_store_n(&waiter->unparked, true, __ATOMIC_RELEASE);
	}
}

/* Under q->lock: tells the device about what was queued. */
static void q_kick(struct blk_queue *q)
{
	q->kicks++;
	q->dev->ops->kick(q);
}

static void slot_free(struct blk_queue *q, unsigned slot)
{
	q->slots[slot].state = SLOT_FREE;
	q->slots[slot].req = NULL;
	q->free[q->nfree++] = (uint16_t)slot;
}

/* One command of req ended with status; the last one finishes req. */
static void req_part_done(struct blk_queue *q, struct blk_req *r, int status)
{
	if (status && !r->err)
		r->err = status;
	if (--r->parts_left)
		return;
	q->completed++;
	if (r->err)
		q->errors++;
	/* status stays BLK_PENDING until q_unlock() has dropped the lock. */
	r->next = NULL;
	*q->done_tail = r;
	q->done_tail = &r->next;
}

void blk_slot_done(struct blk_queue *q, unsigned slot, int status)
{
	if (slot >= q->nslots)
		return;
	struct blk_slot *s = &q->slots[slot];
	if (s->state == SLOT_LOST) { /* failed already: just free it */
		slot_free(q, slot);
		return;
	}
	if (s->state != SLOT_BUSY)
		return;
	struct blk_req *r = s->req;
	slot_free(q, slot);
	req_part_done(q, r, status);
}

/* Fails every command in flight (timeout or dead device). */
static void slots_fail(struct blk_queue *q, uint64_t now, int status)
{
	for (unsigned i = 0; i < q->nslots; i++) {
		struct blk_slot *s = &q->slots[i];
		if (s->state != SLOT_BUSY || (now && now < s->deadline))
			continue;
		s->state = SLOT_LOST;
		if (status == -ETIMEDOUT)
			q->timeouts++;
		req_part_done(q, s->req, status);
		s->req = NULL;
	}
}

void blk_irq(struct blk_queue *q)
{
	spin_lock(&q->lock); /* interrupts are off in a handler */
	q->irqs++;
	q->reaped_irq += q->dev->ops->reap(q);
	q_unlock(q, 0);
}

unsigned blk_poll(struct blk_queue *q)
{
	uint64_t f = q_lock(q);
	unsigned n = q->dev->ops->reap(q);
	q->reaped_poll += n;
	q_unlock(q, f);
	return n;
}

/* ---- buffers --------------------------------------------------------------
 */

/* Physical address of a vm-area page, faulting it in (writable if the
 * device writes it). 0 if it is not in an area or not writable. */
static uint64_t area_page(uint64_t va, bool dev_writes)
{
	paddr_t pa;
	uint64_t flags;

	for (int tries = 0; tries < 2; tries++) {
		int err = pt_walk(&vm_pt, va, &pa, &flags, NULL);
		if (!err && (!dev_writes || (flags & PTE_W)))
			return pa;
		unsigned long code =
		    (err ? 0 : PF_PRESENT) | (dev_writes ? PF_WRITE_ACCESS : 0);
		if (vm_fault(va, code, NULL))
			return 0;
	}
	return 0;
}

/* Fills pg[] with the physical pages of [buf, buf + len) and *off with
 * buf's offset in the first. 0 or -EFAULT. */
static int buf_pages(void *buf, uint32_t len, bool dev_writes, uint64_t *pg,
		     uint32_t *off)
{
	uint64_t va = (uint64_t)buf, first = va & ~(uint64_t)(BLK_PAGE - 1);
	unsigned n = (unsigned)((va + len - first + BLK_PAGE - 1) / BLK_PAGE);

	*off = (uint32_t)(va - first);
	bool direct =
	    (va >= DIRECT_MAP && va + len <= KSTACK_BASE) || va >= KERNEL_VMA;
	bool area = va + len <= LOWER_HALF_END;
	if (!direct && !area)
		return -EFAULT;
	for (unsigned i = 0; i < n; i++) {
		uint64_t p = first + (uint64_t)i * BLK_PAGE;
		pg[i] =
		    direct ? virt_to_phys((void *)p) : area_page(p, dev_writes);
		if (!pg[i])
			return -EFAULT;
	}
	return 0;
}

/* ---- submission ---------------------------------------------------------- */

static int req_check(const struct blk_dev *d, const struct blk_req *r)
{
	uint32_t bs = d->info.block_size;

	if (r->op > BLK_WRITE_ZEROES)
		return -EINVAL;
	if (r->op == BLK_FLUSH)
		return 0;
	if (!r->len || r->len > BLK_MAX_BYTES || r->len % bs || r->off % bs)
		return -EINVAL;
	if (r->op != BLK_WRITE_ZEROES && ((uintptr_t)r->buf & 3))
		return -EINVAL;
	if (r->off / bs >= d->info.blocks ||
	    d->info.blocks - r->off / bs < r->len / bs)
		return -ERANGE;
	if (r->op == BLK_WRITE_ZEROES && !d->info.write_zeroes)
		return -EOPNOTSUPP;
	return 0;
}

static unsigned req_parts(const struct blk_dev *d, const struct blk_req *r)
{
	if (r->op == BLK_FLUSH)
		return 1;
	return (r->len + d->info.max_cmd_bytes - 1) / d->info.max_cmd_bytes;
}

/* Under q->lock: one command per part. Parts never fail to start once
 * slots are reserved, unless the driver refuses (then the request is
 * failed through its parts, as if the device had). */
static void start_parts(struct blk_queue *q, struct blk_req *r, unsigned parts,
			const uint64_t *pg, uint32_t off)
{
	const struct blk_dev *d = q->dev;
	uint32_t bs = d->info.block_size, max = d->info.max_cmd_bytes;
	uint64_t deadline = time_ns() + BLK_TIMEOUT_NS;

	r->parts_left = (uint16_t)parts;
	for (unsigned k = 0; k < parts; k++) {
		unsigned slot = q->free[--q->nfree];
		uint32_t at = k * max,
			 len = r->len - at < max ? r->len - at : max;
		uint32_t boff = off + at;
		struct blk_sg sg = {pg + boff / BLK_PAGE, boff % BLK_PAGE, len};
		q->slots[slot] = (struct blk_slot){r, deadline, SLOT_BUSY};
		int err = d->ops->submit(q, slot, r->op, (r->off + at) / bs,
					 len / bs, &sg);
		if (err) {
			slot_free(q, slot);
			req_part_done(q, r, err);
		}
	}
	q->submitted++;
}

/* blk_submit without telling the device unless `kick`. */
static int submit_one(struct blk_queue *q, struct blk_req *r, bool kick)
{
	struct blk_dev *d = q->dev;
	uint64_t pg[SG_PAGES_MAX];
	uint32_t off = 0;

	int err = req_check(d, r);
	if (err)
		return err;
	if (d->dead)
		return -EIO;
	if (r->op == BLK_READ || r->op == BLK_WRITE) {
		err = buf_pages(r->buf, r->len, r->op == BLK_READ, pg, &off);
		if (err)
			return err;
	}
	unsigned parts = req_parts(d, r);
	if (parts > q->nslots)
		return -EINVAL; /* would never fit: not worth a retry */
	r->status = BLK_PENDING;
	r->err = 0;
	r->next = NULL;
	uint64_t f = q_lock(q);
	if (q->nfree < parts ||
	    (d->ops->has_room && !d->ops->has_room(q, r, parts))) {
		q_unlock(q, f);
		return -EAGAIN;
	}
	start_parts(q, r, parts, pg, off);
	if (kick)
		q_kick(q);
	q_unlock(q, f);
	return 0;
}

int blk_submit(struct blk_queue *q, struct blk_req *r)
{
	return submit_one(q, r, true);
}

int blk_submit_many(struct blk_queue *q, struct blk_req *const *reqs,
		    unsigned n, unsigned *started)
{
	int err = 0;
	unsigned k = 0;

	while (k < n && !(err = submit_one(q, reqs[k], k + 1 == n)))
		k++;
	if (err && k) { /* the last one started was not kicked */
		uint64_t f = q_lock(q);
		q_kick(q);
		q_unlock(q, f);
	}
	if (started)
		*started = k;
	return err;
}

/* ---- waiting ------------------------------------------------------------- */

static bool finished(const struct blk_req *r)
{
	return __atomic_load_n(&r->status, __ATOMIC_ACQUIRE) != BLK_PENDING;
}

int blk_wait(struct blk_queue *q, struct blk_req *r)
{
	while (!finished(r))
		if (!blk_poll(q))
			thread_yield();
	return r->status;
}

/* ADAPTIVE's choice, per queue and kind of wait: poll for the spin
 * interval only if recent waits (ewma) took no longer, else park at once.
 * A wait that straddles the interval (device latency close to it, as
 * under TCG) would otherwise end half the time by polling and half by the
 * interrupt, and a median of such waits lands in either mode. */
static uint64_t spin_budget(const struct blk_queue *q, uint64_t ewma)
{
	uint64_t spin = q->dev->spin_ns;
	return ewma <= spin ? spin : 0;
}

/* Moving average over about the last 8 waits (racy updates only blur
 * it). */
static void ewma_add(volatile uint64_t *e, uint64_t ns)
{
	uint64_t old = *e;
	*e = old - old / 8 + ns / 8;
}

unsigned blk_reap_wait(struct blk_queue *q)
{
	enum blk_mode m = q->mode;
	bool may_park = m != BLK_POLL && q->has_irq;
	uint64_t t0 = time_ns();
	uint64_t spin = m == BLK_IRQ ? 0 : spin_budget(q, q->reap_ewma);
	struct blk_waiter self = {thread_current(), false};

	for (;;) {
		uint64_t f = q_lock(q);
		unsigned n = q->dev->ops->reap(q);
		q->reaped_poll += n;
		/* Nothing in flight (or a dead device): nothing to wait for. */
		bool wait = !n && q->nfree < q->nslots && !q->dev->dead;
		bool park = wait && may_park && !q->waiter &&
			    (m == BLK_IRQ || time_ns() - t0 >= spin);
		if (park) {
			q->waiter = &self;
			q->parked++;
		}
		q_unlock(q, f);
		if (!wait) {
			if (n)
				ewma_add(&q->reap_ewma, time_ns() - t0);
			return n;
		}
		if (!park) {
			thread_yield();
			continue;
		}
		thread_park(); /* q_unlock unparks after a completion */
		f = q_lock(q);
		bool taken = q->waiter != &self;
		if (!taken) /* woken by an old token: stop waiting */
			q->waiter = NULL;
		q_unlock(q, f);
		/* A waker holds &self until its unpark is done. */
		while (taken &&
		       !__atomic_load_n(&self.unparked, __ATOMIC_ACQUIRE))
			thread_yield();
		ewma_add(&q->reap_ewma, time_ns() - t0);
		return 0;
	}
}

/* A synchronous request: the waiter watches `woken`, which the callback
 * sets as its last access to the request (status alone would let the
 * waiter leave while the callback still reads the request). */
struct sync_req {
	struct blk_req r;
	struct thread *t;
	uint64_t t_submit, t_done; /* for the queue's latency average */
	volatile bool woken;
};

static void sync_done(struct blk_req *r)
{
	struct sync_req *s = (struct sync_req *)r;
	struct thread *t = s->t;
	s->t_done = time_ns(); /* read by the waiter after woken */
	__atomic_store_n(&s->woken, true, __ATOMIC_RELEASE);
	thread_unpark(t); /* a stale token at worst: t is alive */
}

static bool woken(const struct sync_req *s)
{
	return __atomic_load_n(&s->woken, __ATOMIC_ACQUIRE);
}

/* Polls for up to ns (0: for ever). Returns whether s completed. */
static bool sync_poll(struct blk_queue *q, struct sync_req *s, uint64_t ns)
{
	uint64_t t0 = ns ? time_ns() : 0;
	while (!woken(s)) {
		if (ns && time_ns() - t0 > ns)
			return false;
		if (!blk_poll(q))
			thread_yield();
	}
	return true;
}

/* ADAPTIVE's spin for a sync wait: twice the queue's recent completion
 * latency (submit to completion callback), at least the spin interval and
 * at most BLK_SPIN_NS_MAX. A fixed interval close to the device's latency
 * (50 us under TCG) made half the waits end by polling and half by the
 * interrupt, and QD1 medians jump between the two from boot to boot. The
 * latency is taken at the callback, not at the waiter's wake-up, so
 * parked waits do not inflate it with the wake-up time: a device that
 * gets faster is caught by polling again. */
static uint64_t sync_spin(const struct blk_queue *q)
{
	uint64_t spin = 2 * q->sync_ewma;
	if (spin < q->dev->spin_ns)
		spin = q->dev->spin_ns;
	return spin < BLK_SPIN_NS_MAX ? spin : BLK_SPIN_NS_MAX;
}

static int sync_wait(struct blk_queue *q, struct sync_req *s)
{
	enum blk_mode m = q->mode;
	uint64_t spin = m == BLK_ADAPTIVE ? sync_spin(q) : 0;

	if (m == BLK_POLL || !q->has_irq)
		sync_poll(q, s, 0);
	else if (!spin || !sync_poll(q, s, spin)) {
		if (!woken(s))
			q->parked++;
		while (!woken(s))
			thread_park();
	}
	ewma_add(&q->sync_ewma, s->t_done - s->t_submit);
	return s->r.status;
}

int blk_rw_sync(struct blk_dev *dev, enum blk_op op, uint64_t off, void *buf,
		uint32_t len)
{
	struct sync_req s = {
	    .r = {.op = op, .off = off, .len = len, .buf = buf}};
	s.r.done = sync_done;
	s.t = thread_current();
	for (;;) {
		struct blk_queue *q = blk_queue_of(dev);
		s.t_submit = time_ns();
		int err = blk_submit(q, &s.r);
		if (err == -EAGAIN) {
			if (!blk_poll(q))
				thread_yield();
			continue;
		}
		return err ? err : sync_wait(q, &s);
	}
}

/* ---- modes and counters ----------------------------------------------------
 */

int blk_set_mode(struct blk_dev *dev, int queue, enum blk_mode mode)
{
	if (queue < -1 ||
	    (queue >= 0 && (unsigned)queue >= dev->info.nqueues) ||
	    mode > BLK_POLL)
		return -EINVAL;
	for (unsigned i = 0; i < dev->info.nqueues; i++) {
		struct blk_queue *q = &dev->q[i];
		if (queue >= 0 && (unsigned)queue != i)
			continue;
		uint64_t f = q_lock(q);
		q->mode = mode;
		if (q->has_irq)
			dev->ops->set_irq(q, mode != BLK_POLL);
		q_unlock(q, f);
		/* Requests finished while the interrupt was off. */
		blk_poll(q);
	}
	return 0;
}

void blk_set_spin_ns(struct blk_dev *dev, uint64_t ns)
{
	dev->spin_ns = ns;
}

int blk_queue_stats(struct blk_dev *dev, unsigned queue,
		    struct blk_queue_stats *st)
{
	if (queue >= dev->info.nqueues)
		return -EINVAL;
	const struct blk_queue *q = &dev->q[queue];
	*st = (struct blk_queue_stats){
	    .cpu = q->cpu,
	    .mode = q->mode,
	    .has_irq = q->has_irq,
	    .depth = q->nslots,
	    .inflight = q->nslots - q->nfree,
	    .submitted = q->submitted,
	    .completed = q->completed,
	    .errors = q->errors,
	    .timeouts = q->timeouts,
	    .irqs = q->irqs,
	    .reaped_irq = q->reaped_irq,
	    .reaped_poll = q->reaped_poll,
	    .parked = q->parked,
	    .kicks = q->kicks,
	};
	return 0;
}

/* ---- registration and the watchdog ----------------------------------------
 */

int blk_queues_alloc(struct blk_dev *dev, unsigned n, unsigned depth)
{
	dev->q = kcalloc(n, sizeof(*dev->q));
	if (!dev->q)
		return -ENOMEM;
	dev->info.nqueues = n;
	dev->spin_ns = BLK_SPIN_NS_DEFAULT;
	for (unsigned i = 0; i < n; i++) {
		struct blk_queue *q = &dev->q[i];
		q->dev = dev;
		q->index = i;
		q->cpu = i % cpu_count();
		q->lock = (struct spinlock)SPINLOCK_INIT;
		q->done_tail = &q->done_head;
		q->mode = BLK_ADAPTIVE;
		q->nslots = q->nfree = depth;
		q->slots = kcalloc(depth, sizeof(*q->slots));
		q->free = kcalloc(depth, sizeof(*q->free));
		if (!q->slots || !q->free)
			return -ENOMEM;
		for (unsigned k = 0; k < depth; k++)
			q->free[k] = (uint16_t)(depth - 1 - k);
	}
	return 0;
}

void blk_watchdog_check(struct blk_dev *d, uint64_t now)
{
	if (!d->dead && !d->ops->alive(d)) {
		d->dead = true;
		printk("blk: %s: device failed; commands in flight are "
		       "cancelled\n",
		       d->info.name);
	}
	for (unsigned i = 0; i < d->info.nqueues; i++) {
		struct blk_queue *q = &d->q[i];
		uint64_t f = q_lock(q);
		if (q->nfree < q->nslots)
			slots_fail(q, d->dead ? 0 : now,
				   d->dead ? -ECANCELED : -ETIMEDOUT);
		q_unlock(q, f);
	}
}

static void watchdog_thread(void *arg)
{
	for (;;) {
		thread_sleep_ns(WATCHDOG_NS);
		uint64_t now = time_ns();
		for (unsigned i = 0; i < blk_count(); i++)
			blk_watchdog_check(devs[i], now);
	}
}

int blk_register(struct blk_dev *dev)
{
	const struct blk_info *in = &dev->info;
	if (ndevs == BLK_DEVS_MAX)
		return -ENOSPC;
	devs[ndevs] = dev;
	__atomic_store_n(&ndevs, ndevs + 1, __ATOMIC_RELEASE);
	printk("blk: %s (%s at %s): %lu blocks of %u bytes (%lu MiB), %u "
	       "queue%s%s%s%s\n",
	       in->name, in->kind, in->where, in->blocks, in->block_size,
	       in->blocks * in->block_size >> 20, in->nqueues,
	       in->nqueues == 1 ? "" : "s", in->flush ? ", flush" : "",
	       in->write_zeroes ? ", write-zeroes" : "",
	       dev->q[0].has_irq ? "" : ", no interrupts (polled)");
	if (!watchdog) {
		watchdog =
		    thread_create("blk-watchdog", watchdog_thread, NULL, NULL);
		if (watchdog)
			thread_detach(watchdog);
	}
	return 0;
}
