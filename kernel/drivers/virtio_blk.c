/* SPDX-License-Identifier: MIT */
/* virtio_blk.c: the virtio block device driver (virtio 1.2, 5.2) behind
 * the block layer (blk_dev.h), on the virtio core (PCI or MMIO).
 *
 * One request queue per core, up to what the device offers
 * (VIRTIO_BLK_F_MQ) and the transport has interrupts for. A command is a
 * chain: the request header (device-readable), one descriptor per data
 * page, the status byte (device-writable), in an indirect table
 * (VIRTIO_F_INDIRECT_DESC, required) so that each command takes one ring
 * descriptor whatever its size. Header, status and table live in per-slot
 * arrays of the queue, so nothing is allocated per command; the virtq
 * cookie is the slot number + 1. Ring descriptors are counted before a
 * request starts (has_room), so a request never starts half-way.
 *
 * Locking: the block layer's queue lock covers the virtq. */
#include <stdio.h>
#include <string.h>
#include <unidb/errno.h>
#include <unidb/heap.h>
#include <unidb/printk.h>

#include "arch/x86_64/paging.h"
#include "drivers/blk_dev.h"
#include "drivers/virtio.h"

/* Feature bits (5.2.3). */
#define VIRTIO_BLK_F_SIZE_MAX 1
#define VIRTIO_BLK_F_SEG_MAX 2
#define VIRTIO_BLK_F_RO 5
#define VIRTIO_BLK_F_BLK_SIZE 6
#define VIRTIO_BLK_F_FLUSH 9
#define VIRTIO_BLK_F_MQ 12
#define VIRTIO_BLK_F_WRITE_ZEROES 14
#define VIRTIO_F_INDIRECT_DESC 28 /* virtio 1.2, 6 and 2.7.5.3 */
#define VIRTQ_DESC_F_INDIRECT 4

/* struct virtio_blk_config (5.2.4) offsets. */
#define CFG_CAPACITY 0 /* in 512-byte sectors */
#define CFG_SEG_MAX 12
#define CFG_BLK_SIZE 20
#define CFG_NUM_QUEUES 34

/* Request types and status (5.2.6). */
#define VIRTIO_BLK_T_IN 0
#define VIRTIO_BLK_T_OUT 1
#define VIRTIO_BLK_T_FLUSH 4
#define VIRTIO_BLK_T_WRITE_ZEROES 13
#define VIRTIO_BLK_S_OK 0
#define VIRTIO_BLK_S_IOERR 1
#define VIRTIO_BLK_S_UNSUPP 2
#define SECTOR 512

#define RING_MAX 256
#define STATUS_NONE 0xff /* what the device overwrites */

struct vblk_cmd { /* per slot, device-visible */
	struct {
		uint32_t type, reserved;
		uint64_t sector;
	} hdr;
	struct {
		uint64_t sector;
		uint32_t num_sectors, flags;
	} wz;
	uint8_t status;
} __attribute__((aligned(64)));

struct vblk_q {
	struct virtio_dev *d;
	unsigned vqi;
	struct virtq vq;
	struct vblk_cmd *cmd;	/* [slots] */
	struct virtq_desc *ind; /* [slots][ind_max] indirect tables */
	unsigned ind_max;
};

static unsigned vblk_count;

static unsigned pages_of(uint32_t off, uint32_t len)
{
	return (off + len + BLK_PAGE - 1) / BLK_PAGE;
}

/* Appends a descriptor to the indirect table t of n entries. */
static void ind_add(struct virtq_desc *t, unsigned *n, uint64_t addr,
		    uint32_t len, bool dev_writes)
{
	if (*n) {
		t[*n - 1].flags |= VIRTQ_DESC_F_NEXT;
		t[*n - 1].next = (uint16_t)*n;
	}
	t[*n] = (struct virtq_desc){addr, len,
				    dev_writes ? VIRTQ_DESC_F_WRITE : 0, 0};
	(*n)++;
}

static int vblk_submit(struct blk_queue *bq, unsigned slot, enum blk_op op,
		       uint64_t lba, uint32_t nblocks, const struct blk_sg *sg)
{
	static const uint32_t types[] = {VIRTIO_BLK_T_IN, VIRTIO_BLK_T_OUT,
					 VIRTIO_BLK_T_FLUSH,
					 VIRTIO_BLK_T_WRITE_ZEROES};
	struct vblk_q *q = bq->priv;
	struct vblk_cmd *c = &q->cmd[slot];
	struct virtq_desc *t = q->ind + (size_t)slot * q->ind_max;
	uint32_t spb = bq->dev->info.block_size / SECTOR;
	unsigned n = 0;

	c->hdr.type = types[op];
	c->hdr.reserved = 0;
	c->hdr.sector = op == BLK_FLUSH ? 0 : lba * spb;
	c->status = STATUS_NONE;
	ind_add(t, &n, virt_to_phys(&c->hdr), sizeof(c->hdr), false);
	if (op == BLK_WRITE_ZEROES) {
		c->wz.sector = lba * spb;
		c->wz.num_sectors = nblocks * spb;
		c->wz.flags = 0;
		ind_add(t, &n, virt_to_phys(&c->wz), sizeof(c->wz), false);
	}
	if (op == BLK_READ || op == BLK_WRITE) {
		uint32_t left = sg->len, off = sg->off;
		if (pages_of(off, left) + 3 > q->ind_max)
			return -E2BIG;
		for (unsigned i = 0; left; i++) {
			uint32_t l =
			    BLK_PAGE - off < left ? BLK_PAGE - off : left;
			ind_add(t, &n, sg->pg[i] + off, l, op == BLK_READ);
			left -= l;
			off = 0;
		}
	}
	ind_add(t, &n, virt_to_phys(&c->status), 1, true);
	uint16_t head = q->vq.free_head;
	struct virtq_buf b = {virt_to_phys(t), n * sizeof(*t)};
	int err = virtq_add(&q->vq, &b, 1, 0, (void *)(uintptr_t)(slot + 1));
	if (err)
		return err;
	/* virtq_add knows no indirect flag; the device reads the
	 * descriptor only once vblk_kick publishes it. */
	q->vq.desc[head].flags = VIRTQ_DESC_F_INDIRECT;
	return 0;
}

/* Publishes what vblk_submit added since the last kick; one notification
 * for all of it (none if the device asked not to be told, event index). */
static void vblk_kick(struct blk_queue *bq)
{
	struct vblk_q *q = bq->priv;
	if (virtq_publish(&q->vq))
		virtio_notify(q->d, q->vqi);
}

static int status_errno(uint8_t s)
{
	switch (s) {
	case VIRTIO_BLK_S_OK:
		return 0;
	case VIRTIO_BLK_S_UNSUPP:
		return -EOPNOTSUPP;
	default:
		return -EIO; /* IOERR, or a status the device never wrote */
	}
}

static unsigned vblk_reap(struct blk_queue *bq)
{
	struct vblk_q *q = bq->priv;
	unsigned n = 0;
	uint32_t len;
	void *cookie;

	for (;;) {
		while ((cookie = virtq_get_used(&q->vq, &len))) {
			unsigned slot = (unsigned)((uintptr_t)cookie - 1);
			if (slot >= bq->nslots)
				continue;
			uint8_t s = q->cmd[slot].status;
			if (s != VIRTIO_BLK_S_OK)
				printk("virtio-blk: %s: queue %u command %u: "
				       "status %u (%s)\n",
				       bq->dev->info.name, bq->index, slot, s,
				       s == VIRTIO_BLK_S_IOERR ? "I/O error"
				       : s == VIRTIO_BLK_S_UNSUPP
					   ? "unsupported"
					   : "not written");
			blk_slot_done(bq, slot, status_errno(s));
			n++;
		}
		/* Interrupts on: ask for the next one (event index); what
		 * arrived meanwhile is taken now. */
		if (q->vq.irq_off || !bq->has_irq || virtq_irq_on(&q->vq))
			return n;
	}
}

static void vblk_set_irq(struct blk_queue *bq, bool on)
{
	struct vblk_q *q = bq->priv;
	if (on)
		virtq_irq_on(&q->vq);
	else
		virtq_irq_off(&q->vq);
}

static bool vblk_alive(struct blk_dev *d)
{
	struct virtio_dev *vd = d->priv;
	return !(vd->t->status(vd) & VIRTIO_STATUS_NEEDS_RESET);
}

static bool vblk_has_room(struct blk_queue *bq, const struct blk_req *r,
			  unsigned parts)
{
	struct vblk_q *q = bq->priv;
	return q->vq.num_free >= parts; /* one ring descriptor each */
}

static const struct blk_ops vblk_ops = {
    .submit = vblk_submit,
    .kick = vblk_kick,
    .reap = vblk_reap,
    .set_irq = vblk_set_irq,
    .alive = vblk_alive,
    .has_room = vblk_has_room,
};

static void vblk_irq(void *arg)
{
	blk_irq(arg);
}

static int queue_setup(struct blk_dev *b, struct virtio_dev *d, unsigned i)
{
	struct blk_queue *bq = &b->q[i];
	struct vblk_q *q = kzalloc(sizeof(*q));
	if (!q)
		return -ENOMEM;
	q->d = d;
	q->vqi = i;
	bq->priv = q;
	int err =
	    virtio_queue_create(d, i, RING_MAX, &q->vq, bq->cpu, vblk_irq, bq);
	if (err == -ENOSPC || err == -ENODEV)
		err = virtio_queue_create(d, i, RING_MAX, &q->vq, bq->cpu, NULL,
					  NULL);
	else if (!err)
		bq->has_irq = true;
	if (err)
		return err;
	if (!bq->has_irq)
		virtq_irq_off(&q->vq);
	q->cmd = kzalloc((size_t)bq->nslots * sizeof(*q->cmd));
	q->ind_max = b->info.max_cmd_bytes / BLK_PAGE + 4;
	q->ind = kzalloc((size_t)bq->nslots * q->ind_max * sizeof(*q->ind));
	return q->cmd && q->ind ? 0 : -ENOMEM;
}

/* Largest power-of-two command (<= 1 MiB) whose pages, plus a page for an
 * unaligned start, fit seg_max and the ring with header and status. */
static uint32_t max_cmd_bytes(struct virtio_dev *d, uint16_t ring)
{
	uint32_t segs = ring - 2u;
	if (d->features & VIRTIO_BIT(VIRTIO_BLK_F_SEG_MAX)) {
		uint32_t s = d->t->config_read(d, CFG_SEG_MAX, 4);
		if (s && s < segs)
			segs = s;
	}
	uint32_t max = BLK_MAX_BYTES;
	while (max > BLK_PAGE && max / BLK_PAGE + 1 > segs)
		max /= 2;
	return max;
}

static void read_config(struct blk_dev *b, struct virtio_dev *d)
{
	struct blk_info *in = &b->info;
	uint64_t sectors = d->t->config_read(d, CFG_CAPACITY, 4) |
			   (uint64_t)d->t->config_read(d, CFG_CAPACITY + 4, 4)
			       << 32;
	in->block_size = SECTOR;
	if (d->features & VIRTIO_BIT(VIRTIO_BLK_F_BLK_SIZE)) {
		uint32_t bs = d->t->config_read(d, CFG_BLK_SIZE, 4);
		if (bs >= SECTOR && bs <= BLK_PAGE && !(bs & (bs - 1)))
			in->block_size = bs;
	}
	in->blocks = sectors / (in->block_size / SECTOR);
	in->flush = d->features & VIRTIO_BIT(VIRTIO_BLK_F_FLUSH);
	in->write_zeroes = d->features & VIRTIO_BIT(VIRTIO_BLK_F_WRITE_ZEROES);
}

static unsigned pick_queues(struct virtio_dev *d)
{
	unsigned n = 1, irqs = d->t->queue_irqs(d);
	if (d->features & VIRTIO_BIT(VIRTIO_BLK_F_MQ))
		n = d->t->config_read(d, CFG_NUM_QUEUES, 2);
	if (n > cpu_count())
		n = cpu_count();
	if (irqs && n > irqs)
		n = irqs;
	return n ? n : 1;
}

int virtio_blk_probe(struct virtio_dev *d)
{
	struct blk_dev *b = kzalloc(sizeof(*b));
	if (!b)
		return -ENOMEM;
	uint64_t want =
	    VIRTIO_BIT(VIRTIO_F_EVENT_IDX) |
	    VIRTIO_BIT(VIRTIO_F_INDIRECT_DESC) |
	    VIRTIO_BIT(VIRTIO_BLK_F_SEG_MAX) |
	    VIRTIO_BIT(VIRTIO_BLK_F_BLK_SIZE) | VIRTIO_BIT(VIRTIO_BLK_F_FLUSH) |
	    VIRTIO_BIT(VIRTIO_BLK_F_MQ) | VIRTIO_BIT(VIRTIO_BLK_F_WRITE_ZEROES);
	int err = virtio_negotiate(d, want);
	if (err)
		return err;
	if (!(d->features & VIRTIO_BIT(VIRTIO_F_INDIRECT_DESC))) {
		printk("virtio-blk: %s: no indirect descriptors "
		       "(VIRTIO_F_INDIRECT_DESC), not used\n",
		       d->name);
		virtio_fail(d);
		return -ENODEV;
	}
	struct blk_info *in = &b->info;
	snprintf(in->name, sizeof(in->name), "vblk%u", vblk_count);
	in->kind = "virtio-blk";
	snprintf(in->where, sizeof(in->where), "%s", d->name);
	b->ops = &vblk_ops;
	b->priv = d;
	read_config(b, d);
	if (!in->blocks) {
		printk("virtio-blk: %s: capacity 0, not used\n", d->name);
		virtio_fail(d);
		return -ENODEV;
	}
	in->max_cmd_bytes = max_cmd_bytes(d, d->t->queue_max(d, 0) < RING_MAX
						 ? d->t->queue_max(d, 0)
						 : RING_MAX);
	unsigned n = pick_queues(d);
	err = blk_queues_alloc(b, n, RING_MAX / 4);
	for (unsigned i = 0; !err && i < n; i++)
		err = queue_setup(b, d, i);
	if (err) {
		virtio_fail(d);
		return err;
	}
	virtio_driver_ok(d);
	vblk_count++;
	return blk_register(b);
}
