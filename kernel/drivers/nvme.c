/* SPDX-License-Identifier: MIT */
/* nvme.c: the NVMe driver (NVM Express Base Specification 1.4, "base").
 *
 * Bring-up (base 7.6.1): disable the controller and wait for CSTS.RDY = 0,
 * set up the admin queue pair, enable and wait for RDY = 1 (each wait
 * bounded by CAP.TO), Identify controller and namespace 1, ask for one
 * I/O queue pair per core (Set Features, Number of Queues; cores share
 * when fewer are granted), create each pair with its own MSI-X entry
 * aimed at its core. Admin commands run at boot only, polled.
 *
 * I/O: the block layer (blk.c) owns the command slots; a slot number is
 * the command identifier, and each slot has its own PRP list page, so
 * nothing is allocated per command. Submission and completion of a queue
 * happen under its blk_queue lock (interrupts off). Errors are decoded
 * (nvme_proto.c) and printed with the command. A controller fatal status
 * (CSTS.CFS) makes alive() false: the watchdog cancels what is in flight.
 */
#include <stdio.h>
#include <string.h>
#include <unidb/errno.h>
#include <unidb/heap.h>
#include <unidb/printk.h>
#include <unidb/thread.h>
#include <unidb/time.h>

#include "arch/x86_64/paging.h"
#include "drivers/blk_dev.h"
#include "drivers/nvme.h"
#include "drivers/nvme_proto.h"
#include "drivers/pci.h"

/* Controller registers (base 3.1, Figure 78). */
#define REG_CAP 0x00
#define REG_VS 0x08
#define REG_CC 0x14
#define REG_CSTS 0x1c
#define REG_AQA 0x24
#define REG_ASQ 0x28
#define REG_ACQ 0x30
#define REG_DOORBELLS 0x1000

#define CAP_MQES(c) ((unsigned)((c)&0xffff) + 1)
#define CAP_TO_MS(c) ((((c) >> 24) & 0xff) * 500ull)
#define CAP_DSTRD(c) ((unsigned)((c) >> 32) & 0xf)
#define CAP_MPSMIN(c) ((unsigned)((c) >> 48) & 0xf)
#define CC_EN 1u
#define CC_IOSQES (6u << 16) /* 2^6 = 64-byte SQ entries */
#define CC_IOCQES (4u << 20) /* 2^4 = 16-byte CQ entries */
#define CSTS_RDY 1u
#define CSTS_CFS 2u

/* Admin opcodes (base 5, Figure 139) and NVM opcodes (NVM set 6). */
#define ADM_CREATE_SQ 0x01
#define ADM_CREATE_CQ 0x05
#define ADM_IDENTIFY 0x06
#define ADM_SET_FEATURES 0x09
#define NVM_FLUSH 0x00
#define NVM_WRITE 0x01
#define NVM_READ 0x02
#define NVM_WRITE_ZEROES 0x08
#define CNS_NAMESPACE 0x00
#define CNS_CONTROLLER 0x01
#define FEAT_NUM_QUEUES 0x07
#define QUEUE_PHYS_CONTIG 1u
#define CQ_IRQ_ENABLED 2u

/* Identify controller (base 5.15.2.1, Figure 247) offsets. */
#define IDC_SN 4
#define IDC_MN 24
#define IDC_MDTS 77
#define IDC_ONCS 520
#define IDC_VWC 525
#define ONCS_WRITE_ZEROES (1u << 3)
/* Identify namespace (NVM set 4.1.5.1, Figure 114). */
#define IDN_NSZE 0
#define IDN_FLBAS 26
#define IDN_LBAF 128

#define ADMIN_DEPTH 32
#define IO_DEPTH 64 /* entries; IO_DEPTH - 1 commands in flight */
#define PRP_PER_PAGE (NVME_PAGE / 8)
#define ADMIN_TIMEOUT_NS 30000000000ull

struct nvme_ctrl;

struct nvme_q {
	struct nvme_ctrl *c;
	uint16_t qid, size, sq_tail;
	uint16_t sq_rung; /* sq_tail at the last doorbell write */
	struct nvme_sqe *sq;
	volatile struct nvme_cqe *cq;
	struct nvme_cq_state cqs;
	volatile uint32_t *sq_db, *cq_db;
	uint64_t *prp; /* a list page per slot */
	unsigned msix;
};

struct nvme_ctrl {
	struct blk_dev blk;
	struct pci_dev *pci;
	volatile uint8_t *regs;
	uint64_t cap;
	uint64_t ready_ns; /* CAP.TO */
	uint32_t nsid;
	struct nvme_q admin;
	struct nvme_q *io;
	char serial[21], model[41];
};

static unsigned nvme_count;

static uint32_t rd32(struct nvme_ctrl *c, unsigned off)
{
	return *(volatile uint32_t *)(c->regs + off);
}

static void wr32(struct nvme_ctrl *c, unsigned off, uint32_t v)
{
	*(volatile uint32_t *)(c->regs + off) = v;
}

static uint64_t rd64(struct nvme_ctrl *c, unsigned off)
{
	return rd32(c, off) | (uint64_t)rd32(c, off + 4) << 32;
}

static void wr64(struct nvme_ctrl *c, unsigned off, uint64_t v)
{
	wr32(c, off, (uint32_t)v);
	wr32(c, off + 4, (uint32_t)(v >> 32));
}

/* ---- queues ----------------------------------------------------------------
 */

static int q_alloc(struct nvme_ctrl *c, struct nvme_q *q, uint16_t qid,
		   uint16_t size, unsigned slots)
{
	unsigned stride = 4u << CAP_DSTRD(c->cap);
	q->c = c;
	q->qid = qid;
	q->size = size;
	/* Power-of-two heap blocks are aligned to their size: page-aligned
	 * and physically contiguous, as PC = 1 queues must be. */
	q->sq = kzalloc(NVME_PAGE);
	q->cq = kzalloc(NVME_PAGE);
	q->prp = slots ? kzalloc((size_t)slots * NVME_PAGE) : NULL;
	if (!q->sq || !q->cq || (slots && !q->prp))
		return -ENOMEM;
	q->cqs = (struct nvme_cq_state){0, size, 1};
	q->sq_db = (volatile uint32_t *)(c->regs + REG_DOORBELLS +
					 (2u * qid) * stride);
	q->cq_db = (volatile uint32_t *)(c->regs + REG_DOORBELLS +
					 (2u * qid + 1) * stride);
	return 0;
}

/* Copies e into the next SQ slot; the device sees it at q_ring(). */
static void q_put(struct nvme_q *q, const struct nvme_sqe *e)
{
	q->sq[q->sq_tail] = *e;
	q->sq_tail = nvme_sq_next(q->sq_tail, q->size);
}

/* Writes the SQ tail doorbell if entries were put since the last write:
 * one MMIO write (a VM exit when virtualised) for all of them. */
static void q_ring(struct nvme_q *q)
{
	if (q->sq_rung == q->sq_tail)
		return;
	/* The entries must be in memory before the doorbell (x86 keeps
	 * stores in order; the compiler must too). */
	__atomic_thread_fence(__ATOMIC_RELEASE);
	*q->sq_db = q->sq_tail;
	q->sq_rung = q->sq_tail;
}

/* The next new CQ entry, or NULL. */
static volatile struct nvme_cqe *q_peek(struct nvme_q *q)
{
	volatile struct nvme_cqe *e = &q->cq[q->cqs.head];
	if (!nvme_cqe_is_new(&q->cqs, e->status))
		return NULL;
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	return e;
}

/* ---- admin commands (boot, polled) ------------------------------------------
 */

static void print_status(struct nvme_ctrl *c, const char *what, uint16_t st)
{
	char s[128];
	nvme_status_str(st, s, sizeof(s));
	printk("nvme: %s: %s failed: %s\n", c->blk.info.name, what, s);
}

static int admin(struct nvme_ctrl *c, struct nvme_sqe *e, const char *what,
		 uint32_t *result)
{
	struct nvme_q *q = &c->admin;
	e->cid = q->sq_tail;
	q_put(q, e);
	q_ring(q);
	uint64_t t0 = time_ns();
	volatile struct nvme_cqe *ce;
	while (!(ce = q_peek(q))) {
		if (rd32(c, REG_CSTS) & CSTS_CFS) {
			printk("nvme: %s: controller fatal status during %s\n",
			       c->blk.info.name, what);
			return -EIO;
		}
		if (time_ns() - t0 > ADMIN_TIMEOUT_NS) {
			printk("nvme: %s: %s timed out\n", c->blk.info.name,
			       what);
			return -ETIMEDOUT;
		}
		thread_yield();
	}
	uint16_t st = ce->status;
	if (result)
		*result = ce->result;
	nvme_cq_advance(&q->cqs);
	*q->cq_db = q->cqs.head;
	if (NVME_STATUS_SC(st) || NVME_STATUS_SCT(st)) {
		print_status(c, what, st);
		return nvme_status_errno(st);
	}
	return 0;
}

static int identify(struct nvme_ctrl *c, unsigned cns, uint32_t nsid, void *buf)
{
	struct nvme_sqe e = {.opcode = ADM_IDENTIFY, .nsid = nsid};
	e.prp1 = virt_to_phys(buf);
	e.cdw10 = cns;
	return admin(c, &e,
		     cns == CNS_CONTROLLER ? "identify controller"
					   : "identify namespace",
		     NULL);
}

/* ---- bring-up --------------------------------------------------------------
 */

/* Waits until CSTS.RDY == rdy, at most CAP.TO. */
static int wait_ready(struct nvme_ctrl *c, uint32_t rdy)
{
	uint64_t t0 = time_ns();
	for (;;) {
		uint32_t s = rd32(c, REG_CSTS);
		if (s == 0xffffffffu)
			return -ENODEV; /* the function is gone */
		if ((s & CSTS_RDY) == rdy)
			return 0;
		if (rdy && (s & CSTS_CFS))
			return -EIO;
		if (time_ns() - t0 > c->ready_ns)
			return -ETIMEDOUT;
		thread_sleep_ns(1000000);
	}
}

static int ctrl_enable(struct nvme_ctrl *c)
{
	c->cap = rd64(c, REG_CAP);
	uint64_t to_ms = CAP_TO_MS(c->cap);
	c->ready_ns = (to_ms ? to_ms : 500) * 1000000;
	if (CAP_MPSMIN(c->cap) != 0) {
		printk("nvme: %s: minimum page size above 4 KiB\n",
		       c->blk.info.name);
		return -ENODEV;
	}
	wr32(c, REG_CC, rd32(c, REG_CC) & ~CC_EN);
	int err = wait_ready(c, 0);
	if (err) {
		printk("nvme: %s: controller did not stop (%d)\n",
		       c->blk.info.name, err);
		return err;
	}
	if ((err = q_alloc(c, &c->admin, 0, ADMIN_DEPTH, 0)))
		return err;
	wr32(c, REG_AQA, (ADMIN_DEPTH - 1) << 16 | (ADMIN_DEPTH - 1));
	wr64(c, REG_ASQ, virt_to_phys(c->admin.sq));
	wr64(c, REG_ACQ, virt_to_phys((void *)c->admin.cq));
	wr32(c, REG_CC, CC_IOSQES | CC_IOCQES | CC_EN);
	err = wait_ready(c, CSTS_RDY);
	if (err)
		printk("nvme: %s: controller did not become ready (%d%s)\n",
		       c->blk.info.name, err,
		       rd32(c, REG_CSTS) & CSTS_CFS ? ", fatal status" : "");
	return err;
}

static void copy_string(char *dst, const uint8_t *src, unsigned n)
{
	memcpy(dst, src, n);
	dst[n] = 0;
	while (n && (dst[n - 1] == ' ' || !dst[n - 1]))
		dst[--n] = 0;
}

static int identify_all(struct nvme_ctrl *c)
{
	uint8_t *id = kzalloc(NVME_PAGE);
	if (!id)
		return -ENOMEM;
	int err = identify(c, CNS_CONTROLLER, 0, id);
	if (err)
		goto out;
	copy_string(c->serial, id + IDC_SN, 20);
	copy_string(c->model, id + IDC_MN, 40);
	unsigned mdts = id[IDC_MDTS];
	uint16_t oncs = (uint16_t)(id[IDC_ONCS] | id[IDC_ONCS + 1] << 8);
	struct blk_info *in = &c->blk.info;
	in->flush = id[IDC_VWC] & 1;
	in->write_zeroes = oncs & ONCS_WRITE_ZEROES;
	uint64_t max = BLK_MAX_BYTES;
	if (mdts && ((uint64_t)NVME_PAGE << mdts) < max)
		max = (uint64_t)NVME_PAGE << mdts;
	in->max_cmd_bytes = (uint32_t)max;

	c->nsid = 1;
	memset(id, 0, NVME_PAGE);
	if ((err = identify(c, CNS_NAMESPACE, c->nsid, id)))
		goto out;
	uint64_t nsze;
	memcpy(&nsze, id + IDN_NSZE, 8);
	uint32_t lbaf;
	memcpy(&lbaf, id + IDN_LBAF + 4 * (id[IDN_FLBAS] & 0xf), 4);
	unsigned lbads = (lbaf >> 16) & 0xff;
	if (!nsze || lbads < 9 || lbads > 12) {
		printk("nvme: %s: namespace 1 inactive or unusable (size %lu, "
		       "block 2^%u)\n",
		       in->name, nsze, lbads);
		err = -ENODEV;
		goto out;
	}
	in->blocks = nsze;
	in->block_size = 1u << lbads;
out:
	kfree(id);
	return err;
}

/* Asks for one pair per core; returns how many were granted (>= 1). */
static unsigned set_queue_count(struct nvme_ctrl *c, unsigned want)
{
	struct nvme_sqe e = {.opcode = ADM_SET_FEATURES};
	uint32_t res = 0;
	e.cdw10 = FEAT_NUM_QUEUES;
	e.cdw11 = (want - 1) << 16 | (want - 1);
	if (admin(c, &e, "set features (number of queues)", &res))
		return 1;
	unsigned nsq = (res & 0xffff) + 1, ncq = (res >> 16) + 1;
	unsigned n = want < nsq ? want : nsq;
	return n < ncq ? n : ncq;
}

static void nvme_irq(void *arg)
{
	blk_irq(arg);
}

static int io_queue_create(struct nvme_ctrl *c, unsigned i)
{
	struct blk_queue *bq = &c->blk.q[i];
	struct nvme_q *q = &c->io[i];
	uint16_t size = IO_DEPTH;
	if (CAP_MQES(c->cap) < size)
		size = (uint16_t)CAP_MQES(c->cap);
	int err = q_alloc(c, q, (uint16_t)(i + 1), size, bq->nslots);
	if (err)
		return err;
	bq->priv = q;
	q->msix = i + 1;
	bq->has_irq =
	    pci_msix_route(c->pci, q->msix, bq->cpu, nvme_irq, bq) >= 0;
	struct nvme_sqe e = {.opcode = ADM_CREATE_CQ};
	e.prp1 = virt_to_phys((void *)q->cq);
	e.cdw10 = (uint32_t)(size - 1) << 16 | q->qid;
	e.cdw11 = QUEUE_PHYS_CONTIG |
		  (bq->has_irq ? CQ_IRQ_ENABLED | q->msix << 16 : 0);
	if ((err = admin(c, &e, "create I/O completion queue", NULL)))
		return err;
	e = (struct nvme_sqe){.opcode = ADM_CREATE_SQ};
	e.prp1 = virt_to_phys(q->sq);
	e.cdw10 = (uint32_t)(size - 1) << 16 | q->qid;
	e.cdw11 = QUEUE_PHYS_CONTIG | (uint32_t)q->qid << 16;
	return admin(c, &e, "create I/O submission queue", NULL);
}

static int io_queues_setup(struct nvme_ctrl *c)
{
	unsigned want = cpu_count();
	int msix = pci_msix_enable(c->pci);
	if (msix > 1 && want > (unsigned)msix - 1)
		want = (unsigned)msix - 1; /* entry 0 is the admin queue's */
	unsigned n = set_queue_count(c, want);
	uint16_t size = IO_DEPTH;
	if (CAP_MQES(c->cap) < size)
		size = (uint16_t)CAP_MQES(c->cap);
	int err = blk_queues_alloc(&c->blk, n, size - 1u);
	c->io = kcalloc(n, sizeof(*c->io));
	if (err || !c->io)
		return -ENOMEM;
	for (unsigned i = 0; i < n; i++)
		if ((err = io_queue_create(c, i)))
			return err;
	return 0;
}

/* ---- block layer operations -------------------------------------------------
 */

static int nvme_submit(struct blk_queue *bq, unsigned slot, enum blk_op op,
		       uint64_t lba, uint32_t nblocks, const struct blk_sg *sg)
{
	static const uint8_t opcodes[] = {NVM_READ, NVM_WRITE, NVM_FLUSH,
					  NVM_WRITE_ZEROES};
	struct nvme_q *q = bq->priv;
	struct nvme_sqe e = {
	    .opcode = opcodes[op], .cid = (uint16_t)slot, .nsid = q->c->nsid};
	if (op == BLK_READ || op == BLK_WRITE) {
		uint64_t *list = q->prp + (size_t)slot * PRP_PER_PAGE;
		int n =
		    nvme_prp_build(sg->pg, sg->off, sg->len, &e.prp1, &e.prp2,
				   list, PRP_PER_PAGE, virt_to_phys(list));
		if (n < 0)
			return n;
	}
	if (op != BLK_FLUSH) {
		e.cdw10 = (uint32_t)lba;
		e.cdw11 = (uint32_t)(lba >> 32);
		e.cdw12 = nblocks - 1; /* 0's based */
	}
	q_put(q, &e);
	return 0;
}

static void nvme_kick(struct blk_queue *bq)
{
	q_ring(bq->priv);
}

static unsigned nvme_reap(struct blk_queue *bq)
{
	struct nvme_q *q = bq->priv;
	volatile struct nvme_cqe *ce;
	unsigned n = 0;

	while ((ce = q_peek(q))) {
		uint16_t st = ce->status, cid = ce->cid;
		nvme_cq_advance(&q->cqs);
		int err = nvme_status_errno(st);
		if (err) {
			char s[128];
			nvme_status_str(st, s, sizeof(s));
			printk("nvme: %s: queue %u command %u: %s\n",
			       q->c->blk.info.name, q->qid, cid, s);
		}
		blk_slot_done(bq, cid, err);
		n++;
	}
	if (n)
		*q->cq_db = q->cqs.head;
	return n;
}

static void nvme_set_irq(struct blk_queue *bq, bool on)
{
	struct nvme_q *q = bq->priv;
	pci_msix_mask(q->c->pci, q->msix, !on);
}

static bool nvme_alive(struct blk_dev *d)
{
	struct nvme_ctrl *c = d->priv;
	uint32_t s = rd32(c, REG_CSTS);
	return s != 0xffffffffu && !(s & CSTS_CFS);
}

static const struct blk_ops nvme_ops = {
    .submit = nvme_submit,
    .kick = nvme_kick,
    .reap = nvme_reap,
    .set_irq = nvme_set_irq,
    .alive = nvme_alive,
};

/* ---- probe -----------------------------------------------------------------
 */

static bool is_nvme(const struct pci_dev *p)
{
	/* Class 01h (mass storage), subclass 08h (NVM), prog-if 02h. */
	return p->class == 0x01 && p->subclass == 0x08 && p->prog_if == 0x02;
}

static int nvme_probe(struct pci_dev *p)
{
	struct nvme_ctrl *c = kzalloc(sizeof(*c));
	if (!c)
		return -ENOMEM;
	struct blk_info *in = &c->blk.info;
	snprintf(in->name, sizeof(in->name), "nvme%u", nvme_count);
	in->kind = "nvme";
	snprintf(in->where, sizeof(in->where), "pci %02x:%02x.%x", p->bus,
		 p->dev, p->fn);
	c->pci = p;
	c->blk.priv = c;
	c->blk.ops = &nvme_ops;
	c->regs = pci_bar_map(p, 0);
	if (!c->regs) {
		printk("nvme: %s: BAR 0 not mapped\n", in->where);
		return -ENODEV;
	}
	p->claimed = true;
	int err = ctrl_enable(c);
	if (!err)
		err = identify_all(c);
	if (!err)
		err = io_queues_setup(c);
	if (err)
		return err; /* what was allocated stays: boot-time, rare */
	printk("nvme: %s: %s, serial %s, version %x, %u-byte commands max\n",
	       in->name, c->model, c->serial, rd32(c, REG_VS),
	       in->max_cmd_bytes);
	nvme_count++;
	return blk_register(&c->blk);
}

void nvme_init(void)
{
	for (struct pci_dev *p = pci_next(NULL); p; p = pci_next(p)) {
		if (!is_nvme(p) || p->claimed)
			continue;
		int err = nvme_probe(p);
		if (err)
			printk("nvme: pci %02x:%02x.%x: not used (%d)\n",
			       p->bus, p->dev, p->fn, err);
	}
}
