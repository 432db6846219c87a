/* SPDX-License-Identifier: MIT */
/* virtio_net.c: the virtio network device driver (virtio 1.2, 5.1).
 *
 * One RX/TX queue pair per core, up to what the device offers
 * (VIRTIO_NET_F_MQ; the control queue tells the device how many pairs we
 * use). RX queue i is serviced by thread "vnetN-rxi", pinned to core i,
 * woken by the queue's MSI-X interrupt aimed at that core (netdev.h has
 * the modes). RX buffers are allocated once and handed back to the
 * device after the stack's input() returns, so the hot path allocates
 * nothing. TX copies each frame into a per-slot buffer of its queue;
 * descriptors are reclaimed lazily by the next xmit on that queue.
 *
 * Offloads where the device has them: checksums both ways, TCP
 * segmentation (HOST_TSO4: the stack hands us TCP frames up to 64 KiB
 * with gso_size = MSS; they go into a few large TX slots) and large
 * receive (GUEST_TSO4 with MRG_RXBUF: the device merges a flow's
 * segments into one of up to 64 KiB; RX buffers are then 64 KiB, so a
 * merged frame normally fills one, and a frame spread over several is
 * copied into one assembly buffer per queue). `virtio_net.offload=off`
 * on the command line turns segmentation and large receive off
 * (checksums stay).
 *
 * Held RX buffers (netif.h, NETIF_RX_HOLDABLE): the stack may keep a
 * frame's buffer past input() so that TCP data is copied once, into the
 * reader's buffer. The ring never waits for it: the buffer's place in the
 * ring is taken by one from a pool of spares allocated at set-up, and the
 * held one joins the pool when the stack releases it. With the pool empty
 * (or data too small for its buffer) rx_hold refuses and the stack
 * copies, as before.
 *
 * Locking: an RX queue (its virtq, buffers and rx counters) belongs to its
 * thread; irqs is written by the interrupt handler only. A TX queue is
 * under its spinlock (xmit may come from any core). Mode fields are
 * written by netdev_set_mode() and read by the thread (single words). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unidb/command.h>
#include <unidb/errno.h>
#include <unidb/heap.h>
#include <unidb/netdev.h>
#include <unidb/printk.h>
#include <unidb/spinlock.h>
#include <unidb/thread.h>
#include <unidb/time.h>

#include "arch/x86_64/paging.h"
#include "core/param.h"
#include "drivers/virtio.h"
#include "drivers/virtio_net_hdr.h"
#include "net/netif.h"

/* Feature bits (5.1.3). */
#define VIRTIO_NET_F_CSUM 0
#define VIRTIO_NET_F_GUEST_CSUM 1
#define VIRTIO_NET_F_MTU 3
#define VIRTIO_NET_F_MAC 5
#define VIRTIO_NET_F_GUEST_TSO4 7
#define VIRTIO_NET_F_HOST_TSO4 11
#define VIRTIO_NET_F_MRG_RXBUF 15
#define VIRTIO_NET_F_CTRL_VQ 17
#define VIRTIO_NET_F_MQ 22

/* struct virtio_net_config (5.1.4). */
#define CFG_MAC 0
#define CFG_MAX_PAIRS 8
#define CFG_MTU 10

/* Control queue (5.1.6.5): class, command, data, then the device's ack. */
#define CTRL_MQ 4
#define CTRL_MQ_VQ_PAIRS_SET 0
#define CTRL_OK 0

#define ETH_HLEN 14
#define VLAN_SLACK 4
#define RING_MAX 256	       /* entries per queue we ask for */
#define RX_BUDGET 64	       /* frames per pass before the next yield */
#define NOIRQ_SLEEP_NS 1000000 /* without an interrupt: look every 1 ms */
#define CTRL_TIMEOUT_NS 5000000000ull
#define BIG_SLOTS 16	    /* TX slots per queue for TSO frames */
#define BIG_SLOT_SIZE 65536 /* header + TSO frame */
#define LRO_BUF_SIZE 65536  /* RX buffer with large receive: one frame */
#define LRO_BUFS 128	    /* of them per queue (8 MiB) */
#define RX_SPARES 64	    /* spare RX buffers per queue (held ones) */
#define LRO_FRAME_MAX (65535 + ETH_HLEN + VLAN_SLACK)

struct vnet;

struct vnet_rxq {
	struct vnet *n;
	unsigned index, cpu, vqi;
	struct virtq vq;
	struct thread *thread;
	uint8_t **bufs;
	struct vnet_mrg mrg;	 /* a frame spread over mergeable buffers */
	const uint8_t *in_place; /* the frame input() has now, holdable */
	uint8_t *refill; /* a spare to post instead of the held buffer */
	volatile enum netdev_mode mode;
	volatile bool polling;
	bool has_irq;
	uint64_t last_rx_ns;
	volatile uint64_t rx_packets, rx_bytes, rx_drops, polls;
	volatile uint64_t irqs;
};

struct vnet_txq {
	struct spinlock lock; /* everything below */
	unsigned vqi;
	struct virtq vq;
	uint8_t *bufs;	/* slots of slot_size bytes: header + frame */
	uint16_t *free; /* free slot numbers, nfree of them */
	uint16_t nfree;
	uint8_t *big[BIG_SLOTS]; /* TSO frames; slot vq.size + i */
	uint16_t big_free[BIG_SLOTS], nbig_free;
	volatile uint64_t tx_packets, tx_bytes, tx_drops;
};

struct vnet {
	struct netif nif;
	struct virtio_dev *d;
	unsigned npairs, max_pairs;
	uint32_t frame_max;    /* mtu + Ethernet header */
	uint32_t rx_frame_max; /* frame_max, or LRO_FRAME_MAX */
	uint32_t rx_buf_size, tx_slot_size;
	bool mrg; /* MRG_RXBUF: num_buffers is meaningful */
	volatile uint64_t idle_ns;
	struct vnet_rxq *rx;
	struct vnet_txq *tx;
	struct virtq ctrl; /* exists if has_ctrl; used at set-up only */
	bool has_ctrl;
	struct spinlock pool_lock; /* spare RX buffers, and held counts */
	uint8_t **spare;
	unsigned nspare;
	volatile uint64_t holds, held, hold_refused;
};

static unsigned vnet_count;
static const struct netif_ops vnet_ops;

/* ---- checksums ------------------------------------------------------------
 */

/* RFC 1071 Internet checksum of p[start, len), stored at start + off. */
static void csum_fill(uint8_t *p, size_t len, unsigned start, unsigned off)
{
	uint32_t sum = 0;
	size_t i = start;

	for (; i + 1 < len; i += 2)
		sum += (uint32_t)p[i] << 8 | p[i + 1];
	if (i < len)
		sum += (uint32_t)p[i] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	uint16_t c = (uint16_t)~sum;
	p[start + off] = c >> 8;
	p[start + off + 1] = c & 0xff;
}

static bool csum_range_ok(size_t len, unsigned start, unsigned off)
{
	return start < len && (size_t)start + off + 2 <= len;
}

/* ---- RX
 * ----------------------------------------------------------------------- */

/* buf: the frame's header and data, in one RX buffer (in_place) or in
 * the queue's assembly buffer. */
static void rx_frame(struct vnet_rxq *r, uint8_t *buf, size_t len,
		     bool in_place)
{
	struct vnet *n = r->n;
	struct vnet_hdr *h = (struct vnet_hdr *)buf;
	uint8_t *frame = buf + sizeof(*h);
	unsigned flags = 0;

	if (len < sizeof(*h) + ETH_HLEN || len > sizeof(*h) + n->rx_frame_max) {
		r->rx_drops++;
		return;
	}
	size_t flen = len - sizeof(*h);
	if (h->flags & VNET_HDR_F_NEEDS_CSUM) {
		/* The host left the checksum to us: a local sender's
		 * partial one, its data never crossed a wire. Like Linux
		 * (CHECKSUM_PARTIAL) we trust it; the stack consumes the
		 * frame and forwards nothing, so the field is not filled
		 * (a 64 KiB merged segment would cost a pass over it). */
		if (!csum_range_ok(flen, h->csum_start, h->csum_offset)) {
			r->rx_drops++;
			return;
		}
		flags |= NETIF_RX_CSUM_OK;
	} else if (h->flags & VNET_HDR_F_DATA_VALID) {
		flags |= NETIF_RX_CSUM_OK;
	}
	void (*input)(struct netif *, unsigned, const void *, size_t,
		      unsigned) =
	    __atomic_load_n(&n->nif.input, __ATOMIC_ACQUIRE);
	if (!input) {
		r->rx_drops++;
		return;
	}
	if (in_place) {
		flags |= NETIF_RX_HOLDABLE;
		r->in_place = frame;
	}
	input(&n->nif, r->index, frame, flen, flags);
	r->in_place = NULL;
	r->rx_packets++;
	r->rx_bytes += flen;
}

static int rx_post(struct vnet_rxq *r, uint8_t *buf)
{
	struct virtq_buf b = {virt_to_phys(buf), r->n->rx_buf_size};
	return virtq_add(&r->vq, &b, 0, 1, buf);
}

/* One used RX buffer: a whole frame, or part of one spread over
 * mergeable buffers (assembled in r->mrg, a copy, then handed on). */
static void rx_buffer(struct vnet_rxq *r, uint8_t *buf, uint32_t len)
{
	const struct vnet_hdr *h = (const struct vnet_hdr *)buf;
	bool done;

	if (r->mrg.left) {
		done = vnet_mrg_add(&r->mrg, buf, len);
	} else if (!r->n->mrg || len < sizeof(*h) || h->num_buffers <= 1) {
		rx_frame(r, buf, len, true);
		return;
	} else {
		done = vnet_mrg_begin(&r->mrg, buf, len, h->num_buffers);
	}
	if (!done)
		return;
	if (r->mrg.bad)
		r->rx_drops++;
	else
		rx_frame(r, r->mrg.buf, r->mrg.len, false);
}

/* Takes up to RX_BUDGET buffers and gives them straight back, or a
 * spare in place of one the stack kept. */
static unsigned rx_pass(struct vnet_rxq *r)
{
	unsigned n = 0;
	uint32_t len;
	uint8_t *buf;

	while (n < RX_BUDGET && (buf = virtq_get_used(&r->vq, &len))) {
		rx_buffer(r, buf, len);
		if (r->refill) {
			buf = r->refill;
			r->refill = NULL;
		}
		/* Cannot fail: the buffer's descriptor just came back. */
		rx_post(r, buf);
		n++;
	}
	if (n && virtq_publish(&r->vq))
		virtio_notify(r->n->d, r->vqi);
	return n;
}

/* netif_ops.rx_hold: keeps the frame input() has on queue q if a spare
 * can take its buffer's place in the ring and the data fills at least a
 * sixteenth of the buffer (less is cheaper copied than pinned). */
static bool vnet_rx_hold(struct netif *nif, unsigned q, const void *frame,
			 size_t keep)
{
	struct vnet *n = nif->priv;
	struct vnet_rxq *r;
	bool ok = false;

	if (q >= n->npairs)
		return false;
	r = &n->rx[q];
	if (frame != r->in_place || r->refill || keep < n->rx_buf_size / 16)
		return false;
	spin_lock(&n->pool_lock);
	if (n->nspare) {
		r->refill = n->spare[--n->nspare];
		n->held++;
		n->holds++;
		ok = true;
	} else {
		n->hold_refused++;
	}
	spin_unlock(&n->pool_lock);
	return ok;
}

/* netif_ops.rx_release: the held buffer becomes a spare (every held
 * buffer replaced one, so the pool never overflows). */
static void vnet_rx_release(struct netif *nif, const void *frame)
{
	struct vnet *n = nif->priv;

	spin_lock(&n->pool_lock);
	n->spare[n->nspare++] = (uint8_t *)frame - sizeof(struct vnet_hdr);
	n->held--;
	spin_unlock(&n->pool_lock);
}

static void rx_irq(void *arg)
{
	struct vnet_rxq *r = arg;
	struct thread *t = __atomic_load_n(&r->thread, __ATOMIC_ACQUIRE);

	r->irqs++;
	if (t) /* else not started yet: its first pass takes the frames */
		thread_unpark(t);
}

static bool want_poll(struct vnet_rxq *r, uint64_t now)
{
	switch (r->mode) {
	case NETDEV_POLL:
		return true;
	case NETDEV_IRQ:
		return false;
	default:
		return now - r->last_rx_ns < r->n->idle_ns;
	}
}

static void rx_thread(void *arg)
{
	struct vnet_rxq *r = arg;

	for (;;) {
		uint64_t now = time_ns();
		if (rx_pass(r))
			r->last_rx_ns = now;
		if (want_poll(r, now)) {
			if (!r->polling) {
				virtq_irq_off(&r->vq);
				r->polling = true;
			}
			r->polls++;
			thread_yield();
			continue;
		}
		r->polling = false;
		if (!r->has_irq) {
			thread_sleep_ns(NOIRQ_SLEEP_NS);
			continue;
		}
		if (!virtq_irq_on(&r->vq))
			continue; /* frames came in meanwhile */
		thread_park();
	}
}

/* ---- TX ---------------------------------------------------------------------
 */

static void tx_reclaim(struct vnet_txq *t)
{
	uint32_t len;
	void *cookie;

	while ((cookie = virtq_get_used(&t->vq, &len))) {
		uint16_t slot = (uint16_t)((uintptr_t)cookie - 1);
		if (slot >= t->vq.size)
			t->big_free[t->nbig_free++] = slot;
		else
			t->free[t->nfree++] = slot;
	}
}

/* A free slot for a frame of len bytes (TSO frames take big ones);
 * -1 if none. */
static int tx_slot(struct vnet *n, struct vnet_txq *t, size_t len, uint8_t **p)
{
	uint16_t slot;

	if (sizeof(struct vnet_hdr) + len <= n->tx_slot_size) {
		if (!t->nfree)
			return -1;
		slot = t->free[--t->nfree];
		*p = t->bufs + (size_t)slot * n->tx_slot_size;
	} else {
		if (!t->nbig_free)
			return -1;
		slot = t->big_free[--t->nbig_free];
		*p = t->big[slot - t->vq.size];
	}
	return slot;
}

static int vnet_xmit(struct netif *nif, unsigned q, const struct netif_tx *tx)
{
	struct vnet *n = nif->priv;

	bool dev_csum = n->nif.features & NETIF_F_TX_CSUM;
	struct vnet_hdr hdr;

	if (q >= n->npairs || tx->len < ETH_HLEN)
		return -EINVAL;
	if (tx->len > (tx->gso_size ? n->nif.gso_max : n->frame_max) ||
	    (tx->gso_size && !(n->nif.features & NETIF_F_TSO4)))
		return -EMSGSIZE;
	if (tx->csum_partial &&
	    !csum_range_ok(tx->len, tx->csum_start, tx->csum_offset))
		return -EINVAL;
	if (vnet_hdr_tx(&hdr, tx, dev_csum))
		return -EINVAL;
	struct vnet_txq *t = &n->tx[q];
	uint8_t *p;
	spin_lock(&t->lock);
	tx_reclaim(t);
	int slot = tx_slot(n, t, tx->len, &p);
	if (slot < 0) {
		t->tx_drops++;
		spin_unlock(&t->lock);
		return -ENOBUFS;
	}
	memcpy(p, &hdr, sizeof(hdr));
	netif_tx_copy(p + sizeof(hdr), tx);
	if (tx->csum_partial && !dev_csum)
		csum_fill(p + sizeof(hdr), tx->len, tx->csum_start,
			  tx->csum_offset);
	struct virtq_buf b = {virt_to_phys(p), sizeof(hdr) + tx->len};
	virtq_add(&t->vq, &b, 1, 0, (void *)(uintptr_t)(slot + 1));
	if (virtq_publish(&t->vq))
		virtio_notify(n->d, t->vqi);
	t->tx_packets++;
	t->tx_bytes += tx->len;
	spin_unlock(&t->lock);
	return 0;
}

static const struct netif_ops vnet_ops = {
    .xmit = vnet_xmit,
    .rx_hold = vnet_rx_hold,
    .rx_release = vnet_rx_release,
};

/* ---- set-up
 * ------------------------------------------------------------------ */

static int rxq_setup(struct vnet *n, unsigned i)
{
	struct vnet_rxq *r = &n->rx[i];
	r->n = n;
	r->index = i;
	r->cpu = i % cpu_count();
	r->vqi = 2 * i;
	r->mode = NETDEV_ADAPTIVE;
	int err = virtio_queue_create(n->d, r->vqi, RING_MAX, &r->vq, r->cpu,
				      rx_irq, r);
	if (err == -ENOSPC || err == -ENODEV) {
		/* No interrupt for this queue: poll it on a timer. */
		err = virtio_queue_create(n->d, r->vqi, RING_MAX, &r->vq,
					  r->cpu, NULL, NULL);
	} else if (!err) {
		r->has_irq = true;
	}
	if (err)
		return err;
	r->bufs = kcalloc(r->vq.size, sizeof(*r->bufs));
	if (!r->bufs)
		return -ENOMEM;
	if (n->mrg && n->rx_frame_max > n->frame_max) {
		r->mrg.cap = sizeof(struct vnet_hdr) + n->rx_frame_max;
		r->mrg.buf = kmalloc(r->mrg.cap);
		if (!r->mrg.buf)
			return -ENOMEM;
	}
	unsigned nbufs = r->vq.size;
	if (n->rx_buf_size == LRO_BUF_SIZE && nbufs > LRO_BUFS)
		nbufs = LRO_BUFS; /* enough for 8 MiB in flight */
	for (unsigned k = 0; k < nbufs; k++) {
		r->bufs[k] = kmalloc(n->rx_buf_size);
		if (!r->bufs[k] || rx_post(r, r->bufs[k]))
			return -ENOMEM;
	}
	for (unsigned k = 0; k < RX_SPARES; k++) {
		n->spare[n->nspare] = kmalloc(n->rx_buf_size);
		if (!n->spare[n->nspare++])
			return -ENOMEM;
	}
	virtq_publish(&r->vq); /* the notification follows DRIVER_OK */
	return 0;
}

static int txq_setup(struct vnet *n, unsigned i)
{
	struct vnet_txq *t = &n->tx[i];
	t->lock = (struct spinlock)SPINLOCK_INIT;
	t->vqi = 2 * i + 1;
	int err =
	    virtio_queue_create(n->d, t->vqi, RING_MAX, &t->vq, 0, NULL, NULL);
	if (err)
		return err;
	t->bufs = kmalloc((size_t)t->vq.size * n->tx_slot_size);
	t->free = kcalloc(t->vq.size, sizeof(*t->free));
	if (!t->bufs || !t->free)
		return -ENOMEM;
	for (unsigned k = 0; k < t->vq.size; k++)
		t->free[k] = (uint16_t)k;
	t->nfree = t->vq.size;
	for (unsigned k = 0; (n->nif.features & NETIF_F_TSO4) && k < BIG_SLOTS;
	     k++) {
		t->big[k] = kmalloc(BIG_SLOT_SIZE);
		if (!t->big[k])
			return -ENOMEM;
		t->big_free[t->nbig_free++] = (uint16_t)(t->vq.size + k);
	}
	virtq_irq_off(&t->vq); /* reclaimed by xmit, never by interrupt */
	return 0;
}

/* Tells the device to use n->npairs pairs (5.1.6.5.5), after DRIVER_OK;
 * polls for the answer (boot only). Returns 0, -EIO if refused, or
 * -ETIMEDOUT. */
static int set_pairs(struct vnet *n)
{
	struct ctrl_mq {
		uint8_t class, cmd;
		uint16_t pairs;
		uint8_t ack;
	} __attribute__((packed)) *c = kmalloc(sizeof(struct ctrl_mq));
	if (!c)
		return -ENOMEM;
	*c = (struct ctrl_mq){CTRL_MQ, CTRL_MQ_VQ_PAIRS_SET,
			      (uint16_t)n->npairs, 0xff};
	paddr_t pa = virt_to_phys(c);
	struct virtq_buf b[3] = {{pa, 2}, {pa + 2, 2}, {pa + 4, 1}};
	int err = virtq_add(&n->ctrl, b, 2, 1, c);
	if (err) {
		kfree(c);
		return err;
	}
	if (virtq_publish(&n->ctrl))
		virtio_notify(n->d, 2 * n->max_pairs);
	uint64_t t0 = time_ns();
	uint32_t len;
	while (!virtq_get_used(&n->ctrl, &len)) {
		if (time_ns() - t0 > CTRL_TIMEOUT_NS)
			return -ETIMEDOUT; /* c stays with the device */
		thread_yield();
	}
	err = c->ack == CTRL_OK ? 0 : -EIO;
	kfree(c);
	return err;
}

static void read_config(struct vnet *n)
{
	struct virtio_dev *d = n->d;
	uint16_t mtu = 1500;

	if (d->features & VIRTIO_BIT(VIRTIO_NET_F_MAC)) {
		for (unsigned i = 0; i < 6; i++)
			n->nif.mac[i] =
			    (uint8_t)d->t->config_read(d, CFG_MAC + i, 1);
	} else {
		/* A locally administered address of our own. */
		uint64_t x = time_ns() * 0x9e3779b97f4a7c15ull;
		n->nif.mac[0] = 0x02;
		for (unsigned i = 1; i < 6; i++)
			n->nif.mac[i] = (uint8_t)(x >> (8 * i));
	}
	if (d->features & VIRTIO_BIT(VIRTIO_NET_F_MTU))
		mtu = (uint16_t)d->t->config_read(d, CFG_MTU, 2);
	if (mtu < 68)
		mtu = 68; /* RFC 791: every host takes 68-byte datagrams */
	n->nif.mtu = mtu;
	n->max_pairs = 1;
	if (d->features & VIRTIO_BIT(VIRTIO_NET_F_MQ))
		n->max_pairs = d->t->config_read(d, CFG_MAX_PAIRS, 2);
	if (n->max_pairs < 1)
		n->max_pairs = 1;
}

/* Pairs to use: one per core, within what the device and its interrupt
 * vectors allow (each RX queue wants its own). */
static unsigned pick_pairs(struct vnet *n)
{
	unsigned p = n->max_pairs, irqs = n->d->t->queue_irqs(n->d);

	if (!n->has_ctrl)
		p = 1; /* without the control queue only pair 0 runs */
	if (p > cpu_count())
		p = cpu_count();
	if (p > NETIF_MAX_QUEUES)
		p = NETIF_MAX_QUEUES;
	if (irqs && p > irqs)
		p = irqs;
	return p;
}

static int queues_setup(struct vnet *n)
{
	n->rx = kcalloc(n->npairs, sizeof(*n->rx));
	n->tx = kcalloc(n->npairs, sizeof(*n->tx));
	n->spare = kcalloc((size_t)n->npairs * RX_SPARES, sizeof(*n->spare));
	n->pool_lock = (struct spinlock)SPINLOCK_INIT;
	if (!n->rx || !n->tx || !n->spare)
		return -ENOMEM;
	for (unsigned i = 0; i < n->npairs; i++) {
		int err = rxq_setup(n, i);
		if (!err)
			err = txq_setup(n, i);
		if (err)
			return err;
	}
	if (n->has_ctrl)
		return virtio_queue_create(n->d, 2 * n->max_pairs, 64, &n->ctrl,
					   0, NULL, NULL);
	return 0;
}

static int threads_start(struct vnet *n)
{
	for (unsigned i = 0; i < n->npairs; i++) {
		struct vnet_rxq *r = &n->rx[i];
		char name[24];
		struct thread_attr a = {.cpu = (int)r->cpu};
		snprintf(name, sizeof(name), "%s-rx%u", n->nif.name, i);
		struct thread *t = thread_create(name, rx_thread, r, &a);
		if (!t)
			return -ENOMEM;
		thread_detach(t);
		__atomic_store_n(&r->thread, t, __ATOMIC_RELEASE);
		virtio_notify(n->d, r->vqi); /* buffers are there */
	}
	return 0;
}

static bool offload_off; /* virtio_net.offload=off */

static void take_offload(const char *v, void *arg)
{
	if (!strcmp(v, "off"))
		offload_off = true;
	else if (!strcmp(v, "on"))
		offload_off = false;
	else
		printk("virtio-net: bad virtio_net.offload=%s (on|off)\n", v);
}

void virtio_net_params(char *cmdline)
{
	param_take(cmdline, "virtio_net.offload", take_offload, NULL);
}

static uint64_t wanted_features(void)
{
	uint64_t f =
	    VIRTIO_BIT(VIRTIO_F_EVENT_IDX) | VIRTIO_BIT(VIRTIO_NET_F_CSUM) |
	    VIRTIO_BIT(VIRTIO_NET_F_GUEST_CSUM) | VIRTIO_BIT(VIRTIO_NET_F_MTU) |
	    VIRTIO_BIT(VIRTIO_NET_F_MAC) | VIRTIO_BIT(VIRTIO_NET_F_CTRL_VQ) |
	    VIRTIO_BIT(VIRTIO_NET_F_MQ);
	if (!offload_off)
		f |= VIRTIO_BIT(VIRTIO_NET_F_HOST_TSO4) |
		     VIRTIO_BIT(VIRTIO_NET_F_GUEST_TSO4) |
		     VIRTIO_BIT(VIRTIO_NET_F_MRG_RXBUF);
	return f;
}

/* Feature sets the spec forbids (5.1.3.1: TSO needs the checksum
 * offload of its direction) or that we do not handle (large receive
 * without mergeable buffers would need 64 KiB RX buffers): the wanted
 * set without the offending bit, or 0 if the negotiated one is fine. */
static uint64_t features_fixup(uint64_t got, uint64_t wanted)
{
	uint64_t tso = VIRTIO_BIT(VIRTIO_NET_F_HOST_TSO4),
		 lro = VIRTIO_BIT(VIRTIO_NET_F_GUEST_TSO4);

	if ((got & tso) && !(got & VIRTIO_BIT(VIRTIO_NET_F_CSUM)))
		return wanted & ~tso;
	if ((got & lro) && (!(got & VIRTIO_BIT(VIRTIO_NET_F_GUEST_CSUM)) ||
			    !(got & VIRTIO_BIT(VIRTIO_NET_F_MRG_RXBUF))))
		return wanted & ~lro;
	return 0;
}

/* virtio_negotiate, again (it resets the device) while a fixup drops a
 * feature. */
static int negotiate(struct virtio_dev *d)
{
	uint64_t wanted = wanted_features(), fix;
	int err;

	while (!(err = virtio_negotiate(d, wanted)) &&
	       (fix = features_fixup(d->features, wanted)))
		wanted = fix;
	return err;
}

static void print_device(const struct vnet *n)
{
	const uint8_t *m = n->nif.mac;
	printk("virtio-net: %s at %s, mac %02x:%02x:%02x:%02x:%02x:%02x, "
	       "mtu %u, %u of %u queue pairs%s%s%s%s%s\n",
	       n->nif.name, n->d->name, m[0], m[1], m[2], m[3], m[4], m[5],
	       n->nif.mtu, n->npairs, n->max_pairs,
	       n->nif.features & NETIF_F_TX_CSUM ? ", tx-csum" : "",
	       n->nif.features & NETIF_F_RX_CSUM ? ", rx-csum" : "",
	       n->nif.features & NETIF_F_TSO4 ? ", tso4" : "",
	       n->rx_frame_max == LRO_FRAME_MAX ? ", lro (mergeable buffers)"
						: "",
	       n->rx[0].has_irq ? "" : ", no interrupts (timed polls)");
}

int virtio_net_probe(struct virtio_dev *d)
{
	struct vnet *n = kzalloc(sizeof(*n));
	if (!n)
		return -ENOMEM;
	n->d = d;
	n->idle_ns = NETDEV_IDLE_NS_DEFAULT;
	int err = negotiate(d);
	if (err)
		return err;
	read_config(n);
	n->has_ctrl = (d->features & VIRTIO_BIT(VIRTIO_NET_F_CTRL_VQ)) &&
		      (d->features & VIRTIO_BIT(VIRTIO_NET_F_MQ));
	n->npairs = pick_pairs(n);
	n->frame_max = n->nif.mtu + ETH_HLEN;
	n->rx_frame_max = n->frame_max + VLAN_SLACK;
	n->mrg = d->features & VIRTIO_BIT(VIRTIO_NET_F_MRG_RXBUF);
	n->rx_buf_size = sizeof(struct vnet_hdr) + n->rx_frame_max;
	if (n->rx_buf_size <= 2048)
		n->rx_buf_size = 2048; /* aligned block: never crosses a page */
	if (d->features & VIRTIO_BIT(VIRTIO_NET_F_GUEST_TSO4)) {
		n->rx_frame_max = LRO_FRAME_MAX;
		n->rx_buf_size = LRO_BUF_SIZE;
	}
	n->tx_slot_size = (sizeof(struct vnet_hdr) + n->frame_max + 63) & ~63u;
	snprintf(n->nif.name, sizeof(n->nif.name), "eth%u", vnet_count);
	n->nif.nqueues = n->npairs;
	n->nif.ops = &vnet_ops;
	n->nif.priv = n;
	if (d->features & VIRTIO_BIT(VIRTIO_NET_F_CSUM))
		n->nif.features |= NETIF_F_TX_CSUM;
	if (d->features & VIRTIO_BIT(VIRTIO_NET_F_GUEST_CSUM))
		n->nif.features |= NETIF_F_RX_CSUM;
	if (d->features & VIRTIO_BIT(VIRTIO_NET_F_HOST_TSO4)) {
		n->nif.features |= NETIF_F_TSO4;
		n->nif.gso_max = BIG_SLOT_SIZE - sizeof(struct vnet_hdr);
	}
	err = queues_setup(n);
	if (err) {
		virtio_fail(d);
		return err; /* what was allocated stays: boot-time, rare */
	}
	virtio_driver_ok(d);
	if (n->npairs > 1 && (err = set_pairs(n))) {
		printk("virtio-net: %s: device refused %u queue pairs (%d); "
		       "using 1\n",
		       d->name, n->npairs, err);
		n->npairs = n->nif.nqueues = 1;
	}
	err = threads_start(n);
	if (err)
		return err;
	vnet_count++;
	print_device(n);
	return netif_register(&n->nif);
}

/* ---- netdev.h ---------------------------------------------------------------
 */

static struct vnet *vnet_get(unsigned ifindex)
{
	struct netif *nif = netif_get(ifindex);
	return nif && nif->ops == &vnet_ops ? nif->priv : NULL;
}

int netdev_set_mode(unsigned ifindex, int queue, enum netdev_mode mode)
{
	struct vnet *n = vnet_get(ifindex);
	if (!n)
		return -ENODEV;
	if ((queue >= 0 && (unsigned)queue >= n->npairs) || queue < -1 ||
	    mode > NETDEV_POLL)
		return -EINVAL;
	for (unsigned i = 0; i < n->npairs; i++) {
		if (queue >= 0 && (unsigned)queue != i)
			continue;
		n->rx[i].mode = mode;
		thread_unpark(n->rx[i].thread);
	}
	return 0;
}

int netdev_set_idle_ns(unsigned ifindex, uint64_t ns)
{
	struct vnet *n = vnet_get(ifindex);
	if (!n)
		return -ENODEV;
	n->idle_ns = ns;
	return 0;
}

int netdev_queue_stats(unsigned ifindex, unsigned queue,
		       struct netdev_queue_stats *st)
{
	struct vnet *n = vnet_get(ifindex);
	if (!n)
		return -ENODEV;
	if (queue >= n->npairs)
		return -EINVAL;
	const struct vnet_rxq *r = &n->rx[queue];
	const struct vnet_txq *t = &n->tx[queue];
	*st = (struct netdev_queue_stats){
	    .cpu = r->cpu,
	    .mode = r->mode,
	    .polling = r->polling,
	    .has_irq = r->has_irq,
	    .rx_packets = r->rx_packets,
	    .rx_bytes = r->rx_bytes,
	    .rx_drops = r->rx_drops,
	    .tx_packets = t->tx_packets,
	    .tx_bytes = t->tx_bytes,
	    .tx_drops = t->tx_drops,
	    .irqs = r->irqs,
	    .polls = r->polls,
	    .rx_holds = n->holds,
	    .rx_held = n->held,
	    .rx_holds_refused = n->hold_refused,
	};
	return 0;
}

/* ---- the `net` command
 * ---------------------------------------------------------- */

static const char *const mode_names[] = {"adaptive", "irq", "poll"};

static void print_queues(unsigned ifindex)
{
	struct vnet *n = vnet_get(ifindex);
	struct netdev_queue_stats st;

	print_device(n);
	printk("  q cpu mode     now   rx_pkts   rx_bytes rx_drop   tx_pkts   "
	       "tx_bytes tx_drop     irqs     polls\n");
	for (unsigned q = 0; q < n->npairs; q++) {
		netdev_queue_stats(ifindex, q, &st);
		printk("%3u %3u %-8s %-4s %9lu %10lu %7lu %9lu %10lu %7lu %8lu "
		       "%9lu\n",
		       q, st.cpu, mode_names[st.mode],
		       st.polling   ? "poll"
		       : st.has_irq ? "irq"
				    : "tick",
		       st.rx_packets, st.rx_bytes, st.rx_drops, st.tx_packets,
		       st.tx_bytes, st.tx_drops, st.irqs, st.polls);
	}
	printk("  rx buffers: %u bytes; kept by the stack %lu times, %lu "
	       "now, %u spare, %lu refused\n",
	       n->rx_buf_size, n->holds, n->held, n->nspare, n->hold_refused);
}

static int parse_mode(const char *s)
{
	for (int m = 0; m <= NETDEV_POLL; m++)
		if (!strcmp(s, mode_names[m]))
			return m;
	return -EINVAL;
}

static int net_usage(void)
{
	printk("net: usage: net [mode adaptive|irq|poll [queue]] [idle US] "
	       "[sleep S]\n");
	return 1;
}

/* Words are applied in order: "net mode poll sleep 5" polls for 5 s and
 * then prints the counters. */
static int cmd_net(int argc, char **argv)
{
	if (!netif_get(0)) {
		printk("net: no network device\n");
		return 0;
	}
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "mode") && i + 1 < argc) {
			int m = parse_mode(argv[++i]), q = -1;
			if (i + 1 < argc && argv[i + 1][0] >= '0' &&
			    argv[i + 1][0] <= '9')
				q = (int)strtol(argv[++i], NULL, 10);
			if (m < 0 || netdev_set_mode(0, q, (enum netdev_mode)m))
				return net_usage();
		} else if (!strcmp(argv[i], "idle") && i + 1 < argc) {
			netdev_set_idle_ns(0,
					   strtoul(argv[++i], NULL, 10) * 1000);
		} else if (!strcmp(argv[i], "sleep") && i + 1 < argc) {
			thread_sleep_ns(strtoul(argv[++i], NULL, 10) *
					1000000000ull);
		} else {
			return net_usage();
		}
	}
	for (unsigned i = 0; vnet_get(i); i++)
		print_queues(i);
	return 0;
}
COMMAND(net,
	"[mode adaptive|irq|poll [q]] [idle US] [sleep S]  queues, counters",
	cmd_net);
