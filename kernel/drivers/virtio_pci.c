/* SPDX-License-Identifier: MIT */
/* virtio_pci.c: the virtio PCI transport, modern interface only (virtio
 * 1.2, 4.1).
 *
 * Vendor-specific capabilities name the BAR ranges of the common
 * configuration, notification area, ISR and device configuration.
 * Interrupts are MSI-X only: one table entry per queue that wants them,
 * aimed at the queue's core; configuration changes get no vector. */
#include <stdio.h>
#include <unidb/errno.h>
#include <unidb/heap.h>
#include <unidb/printk.h>

#include "drivers/pci.h"
#include "drivers/virtio.h"

#define VIRTIO_PCI_VENDOR 0x1af4
#define VIRTIO_PCI_DEV_LEGACY_FIRST 0x1000 /* transitional: type in subsys */
#define VIRTIO_PCI_DEV_LEGACY_LAST 0x103f
#define VIRTIO_PCI_DEV_MODERN 0x1040 /* + type */
#define VIRTIO_PCI_DEV_MODERN_LAST 0x107f

/* struct virtio_pci_cap (4.1.4). */
#define CAP_CFG_TYPE 3
#define CAP_BAR 4
#define CAP_OFFSET 8
#define CAP_LENGTH 12
#define CAP_NOTIFY_MULT 16
#define CFG_COMMON 1
#define CFG_NOTIFY 2
#define CFG_ISR 3
#define CFG_DEVICE 4

/* struct virtio_pci_common_cfg (4.1.4.3). */
#define COMMON_DFSELECT 0
#define COMMON_DF 4
#define COMMON_GFSELECT 8
#define COMMON_GF 12
#define COMMON_MSIX 16
#define COMMON_NUMQ 18
#define COMMON_STATUS 20
#define COMMON_CFGGEN 21
#define COMMON_Q_SELECT 22
#define COMMON_Q_SIZE 24
#define COMMON_Q_MSIX 26
#define COMMON_Q_ENABLE 28
#define COMMON_Q_NOFF 30
#define COMMON_Q_DESC 32
#define COMMON_Q_AVAIL 40
#define COMMON_Q_USED 48
#define VIRTIO_MSI_NO_VECTOR 0xffff
#define RESET_POLLS_MAX 1000000
#define VPCI_MAX_QUEUES (2 * 64 + 1) /* 64 pairs and a control queue */

struct vpci {
	struct virtio_dev vd;
	struct pci_dev *pci;
	volatile uint8_t *common, *notify, *isr, *device;
	uint32_t notify_mult, notify_len;
	unsigned msix_n, msix_next;
	volatile uint16_t **qnotify; /* [VPCI_MAX_QUEUES] */
};

static struct vpci *vp(struct virtio_dev *d)
{
	return d->tp;
}

static void w8(volatile uint8_t *b, unsigned o, uint8_t v)
{
	b[o] = v;
}
static void w16(volatile uint8_t *b, unsigned o, uint16_t v)
{
	*(volatile uint16_t *)(b + o) = v;
}
static void w32(volatile uint8_t *b, unsigned o, uint32_t v)
{
	*(volatile uint32_t *)(b + o) = v;
}
static void w64(volatile uint8_t *b, unsigned o, uint64_t v)
{
	w32(b, o, (uint32_t)v);
	w32(b, o + 4, (uint32_t)(v >> 32));
}
static uint8_t r8(volatile uint8_t *b, unsigned o)
{
	return b[o];
}
static uint16_t r16(volatile uint8_t *b, unsigned o)
{
	return *(volatile uint16_t *)(b + o);
}
static uint32_t r32(volatile uint8_t *b, unsigned o)
{
	return *(volatile uint32_t *)(b + o);
}

static uint64_t vpci_features(struct virtio_dev *d)
{
	volatile uint8_t *c = vp(d)->common;
	w32(c, COMMON_DFSELECT, 0);
	uint64_t lo = r32(c, COMMON_DF);
	w32(c, COMMON_DFSELECT, 1);
	return lo | (uint64_t)r32(c, COMMON_DF) << 32;
}

static void vpci_set_features(struct virtio_dev *d, uint64_t f)
{
	volatile uint8_t *c = vp(d)->common;
	w32(c, COMMON_GFSELECT, 0);
	w32(c, COMMON_GF, (uint32_t)f);
	w32(c, COMMON_GFSELECT, 1);
	w32(c, COMMON_GF, (uint32_t)(f >> 32));
}

static uint8_t vpci_status(struct virtio_dev *d)
{
	return r8(vp(d)->common, COMMON_STATUS);
}

static void vpci_set_status(struct virtio_dev *d, uint8_t s)
{
	w8(vp(d)->common, COMMON_STATUS, s);
	/* 4.1.4.3.2: the reset is done when status reads 0; a device that
	 * never gets there fails at FEATURES_OK instead of hanging us. */
	for (unsigned i = 0; s == 0 && i < RESET_POLLS_MAX; i++)
		if (r8(vp(d)->common, COMMON_STATUS) == 0)
			break;
}

static uint32_t vpci_config_generation(struct virtio_dev *d)
{
	return r8(vp(d)->common, COMMON_CFGGEN);
}

static uint32_t vpci_config_read(struct virtio_dev *d, unsigned off,
				 unsigned len)
{
	volatile uint8_t *b = vp(d)->device;
	if (!b)
		return 0;
	return len == 1 ? r8(b, off) : len == 2 ? r16(b, off) : r32(b, off);
}

static uint16_t vpci_queue_max(struct virtio_dev *d, unsigned q)
{
	struct vpci *v = vp(d);
	/* num_queues is read now: it may grow with the features (virtio-net
	 * adds its queue pairs once MQ is negotiated). */
	if (q >= VPCI_MAX_QUEUES || q >= r16(v->common, COMMON_NUMQ))
		return 0;
	w16(v->common, COMMON_Q_SELECT, q);
	return r16(v->common, COMMON_Q_SIZE);
}

static unsigned vpci_queue_irqs(struct virtio_dev *d)
{
	return vp(d)->msix_n;
}

static int vpci_queue_irq(struct virtio_dev *d, unsigned q, unsigned cpu,
			  virtio_irq_fn fn, void *arg)
{
	struct vpci *v = vp(d);
	if (v->msix_next >= v->msix_n)
		return -ENOSPC;
	unsigned entry = v->msix_next;
	int vec = pci_msix_route(v->pci, entry, cpu, fn, arg);
	if (vec < 0)
		return vec;
	v->msix_next++;
	w16(v->common, COMMON_Q_SELECT, q);
	w16(v->common, COMMON_Q_MSIX, entry);
	if (r16(v->common, COMMON_Q_MSIX) == VIRTIO_MSI_NO_VECTOR)
		return -EIO; /* the device could not take the vector */
	return 0;
}

static int vpci_queue_enable(struct virtio_dev *d, unsigned q, uint16_t size,
			     uint64_t desc, uint64_t avail, uint64_t used)
{
	struct vpci *v = vp(d);
	volatile uint8_t *c = v->common;

	w16(c, COMMON_Q_SELECT, q);
	w16(c, COMMON_Q_SIZE, size);
	w64(c, COMMON_Q_DESC, desc);
	w64(c, COMMON_Q_AVAIL, avail);
	w64(c, COMMON_Q_USED, used);
	uint64_t off = (uint64_t)r16(c, COMMON_Q_NOFF) * v->notify_mult;
	if (off + 2 > v->notify_len)
		return -EIO; /* would write outside the notify area */
	v->qnotify[q] = (volatile uint16_t *)(v->notify + off);
	w16(c, COMMON_Q_ENABLE, 1);
	return 0;
}

static void vpci_notify(struct virtio_dev *d, unsigned q)
{
	*vp(d)->qnotify[q] = (uint16_t)q;
}

static const struct virtio_transport vpci_transport = {
    .name = "pci",
    .features = vpci_features,
    .set_features = vpci_set_features,
    .status = vpci_status,
    .set_status = vpci_set_status,
    .config_generation = vpci_config_generation,
    .config_read = vpci_config_read,
    .queue_max = vpci_queue_max,
    .queue_irqs = vpci_queue_irqs,
    .queue_irq = vpci_queue_irq,
    .queue_enable = vpci_queue_enable,
    .notify = vpci_notify,
};

/* Maps the range a virtio capability at `cap` describes; NULL if its BAR
 * cannot be mapped or is too small. */
static volatile uint8_t *cap_map(struct pci_dev *p, unsigned cap)
{
	unsigned bar = pci_read8(p, cap + CAP_BAR);
	uint32_t off = pci_read32(p, cap + CAP_OFFSET);
	uint32_t len = pci_read32(p, cap + CAP_LENGTH);
	if (bar >= PCI_BARS)
		return NULL;
	uint8_t *base = pci_bar_map(p, bar);
	if (!base || (uint64_t)off + len > p->bar[bar].size)
		return NULL;
	return base + off;
}

/* Finds the four structures; the first capability of each type wins
 * (4.1.4: the driver uses the first it can). */
static int find_caps(struct vpci *v)
{
	struct pci_dev *p = v->pci;

	for (unsigned c = pci_cap(p, PCI_CAP_ID_VENDOR, 0); c;
	     c = pci_cap(p, PCI_CAP_ID_VENDOR, c)) {
		uint8_t type = pci_read8(p, c + CAP_CFG_TYPE);
		volatile uint8_t **slot = type == CFG_COMMON   ? &v->common
					  : type == CFG_NOTIFY ? &v->notify
					  : type == CFG_ISR    ? &v->isr
					  : type == CFG_DEVICE ? &v->device
							       : NULL;
		if (!slot || *slot)
			continue;
		*slot = cap_map(p, c);
		if (type == CFG_NOTIFY) {
			v->notify_mult = pci_read32(p, c + CAP_NOTIFY_MULT);
			v->notify_len = pci_read32(p, c + CAP_LENGTH);
		}
	}
	return v->common && v->notify ? 0 : -ENODEV;
}

static int device_type(const struct pci_dev *p)
{
	if (p->vendor != VIRTIO_PCI_VENDOR)
		return -1;
	if (p->device >= VIRTIO_PCI_DEV_MODERN &&
	    p->device <= VIRTIO_PCI_DEV_MODERN_LAST)
		return p->device - VIRTIO_PCI_DEV_MODERN;
	if (p->device >= VIRTIO_PCI_DEV_LEGACY_FIRST &&
	    p->device <= VIRTIO_PCI_DEV_LEGACY_LAST)
		return p->subsys_id;
	return -1;
}

static void probe_one(struct pci_dev *p, int type)
{
	struct vpci *v = kzalloc(sizeof(*v));
	if (!v)
		return;
	v->pci = p;
	v->vd.t = &vpci_transport;
	v->vd.tp = v;
	v->vd.type = (uint16_t)type;
	snprintf(v->vd.name, sizeof(v->vd.name), "pci %02x:%02x.%x", p->bus,
		 p->dev, p->fn);
	if (find_caps(v)) {
		printk("virtio: %s: no modern interface (legacy only?), "
		       "ignored\n",
		       v->vd.name);
		kfree(v);
		return;
	}
	int n = pci_msix_enable(p);
	v->msix_n = n > 0 ? (unsigned)n : 0;
	w16(v->common, COMMON_MSIX, VIRTIO_MSI_NO_VECTOR);
	v->qnotify = kcalloc(VPCI_MAX_QUEUES, sizeof(*v->qnotify));
	if (!v->qnotify) {
		kfree(v);
		return;
	}
	p->claimed = true;
	virtio_device_found(&v->vd);
}

void virtio_pci_probe(void)
{
	for (struct pci_dev *p = pci_next(NULL); p; p = pci_next(p)) {
		int type = device_type(p);
		if (type >= 0 && !p->claimed)
			probe_one(p, type);
	}
}
