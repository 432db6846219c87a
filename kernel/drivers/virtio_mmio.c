/* SPDX-License-Identifier: MIT */
/* virtio_mmio.c: the virtio MMIO transport, version 2 (virtio 1.2, 4.2).
 *
 * Devices have no discovery mechanism of their own: the command line
 * names them as Linux takes them, virtio_mmio.device=<size>@<addr>:<irq>
 * (size with an optional K/M suffix, addresses in C notation). A device
 * has one interrupt line for all its queues: the handler acknowledges
 * the interrupt status and calls every queue's handler. The line is an
 * input of the first I/O APIC: an ISA IRQ (0-15, edge, as Firecracker
 * has them) or a GSI above (level; QEMU's microvm with ACPI puts virtio
 * at GSI 16-23, on its first I/O APIC with ioapic2=off). Without a
 * usable line the driver falls back to timed polls. */
#include <stdio.h>
#include <stdlib.h>
#include <unidb/cpu.h>
#include <unidb/errno.h>
#include <unidb/heap.h>
#include <unidb/printk.h>

#include "arch/x86_64/ioapic.h"
#include "arch/x86_64/irqvec.h"
#include "arch/x86_64/paging.h"
#include "core/param.h"
#include "drivers/virtio.h"

/* Registers (4.2.2). */
#define MMIO_MAGIC 0x000
#define MMIO_VERSION 0x004
#define MMIO_DEVICE_ID 0x008
#define MMIO_DEV_FEATURES 0x010
#define MMIO_DEV_FEATURES_SEL 0x014
#define MMIO_DRV_FEATURES 0x020
#define MMIO_DRV_FEATURES_SEL 0x024
#define MMIO_QUEUE_SEL 0x030
#define MMIO_QUEUE_NUM_MAX 0x034
#define MMIO_QUEUE_NUM 0x038
#define MMIO_QUEUE_READY 0x044
#define MMIO_QUEUE_NOTIFY 0x050
#define MMIO_INT_STATUS 0x060
#define MMIO_INT_ACK 0x064
#define MMIO_STATUS 0x070
#define MMIO_QUEUE_DESC 0x080
#define MMIO_QUEUE_AVAIL 0x090
#define MMIO_QUEUE_USED 0x0a0
#define MMIO_CONFIG_GEN 0x0fc
#define MMIO_CONFIG 0x100
#define MMIO_MAGIC_VALUE 0x74726976 /* "virt" */
#define MMIO_MIN_SIZE 0x200

#define VMMIO_MAX_DEVS 8
#define VMMIO_MAX_HANDLERS (2 * 64 + 1)

struct vmmio_handler {
	virtio_irq_fn fn;
	void *arg;
};

struct vmmio {
	struct virtio_dev vd;
	volatile uint8_t *regs;
	paddr_t addr;
	unsigned irq;
	int vector; /* 0 until the line is routed */
	unsigned nhandlers;
	struct vmmio_handler handlers[VMMIO_MAX_HANDLERS];
};

struct vmmio_spec {
	uint64_t size, addr;
	unsigned irq;
};

static struct vmmio_spec specs[VMMIO_MAX_DEVS];
static unsigned nspecs;

static struct vmmio *vm(struct virtio_dev *d)
{
	return d->tp;
}

static uint32_t rd(struct vmmio *v, unsigned off)
{
	return *(volatile uint32_t *)(v->regs + off);
}

static void wr(struct vmmio *v, unsigned off, uint32_t val)
{
	*(volatile uint32_t *)(v->regs + off) = val;
}

static uint64_t vmmio_features(struct virtio_dev *d)
{
	wr(vm(d), MMIO_DEV_FEATURES_SEL, 0);
	uint64_t lo = rd(vm(d), MMIO_DEV_FEATURES);
	wr(vm(d), MMIO_DEV_FEATURES_SEL, 1);
	return lo | (uint64_t)rd(vm(d), MMIO_DEV_FEATURES) << 32;
}

static void vmmio_set_features(struct virtio_dev *d, uint64_t f)
{
	wr(vm(d), MMIO_DRV_FEATURES_SEL, 0);
	wr(vm(d), MMIO_DRV_FEATURES, (uint32_t)f);
	wr(vm(d), MMIO_DRV_FEATURES_SEL, 1);
	wr(vm(d), MMIO_DRV_FEATURES, (uint32_t)(f >> 32));
}

static uint8_t vmmio_status(struct virtio_dev *d)
{
	return (uint8_t)rd(vm(d), MMIO_STATUS);
}

static void vmmio_set_status(struct virtio_dev *d, uint8_t s)
{
	wr(vm(d), MMIO_STATUS, s);
}

static uint32_t vmmio_config_generation(struct virtio_dev *d)
{
	return rd(vm(d), MMIO_CONFIG_GEN);
}

static uint32_t vmmio_config_read(struct virtio_dev *d, unsigned off,
				  unsigned len)
{
	volatile uint8_t *p = vm(d)->regs + MMIO_CONFIG + off;
	return len == 1	  ? *p
	       : len == 2 ? *(volatile uint16_t *)p
			  : *(volatile uint32_t *)p;
}

static uint16_t vmmio_queue_max(struct virtio_dev *d, unsigned q)
{
	wr(vm(d), MMIO_QUEUE_SEL, q);
	if (rd(vm(d), MMIO_QUEUE_READY))
		return 0; /* already in use: not ours to set up */
	uint32_t n = rd(vm(d), MMIO_QUEUE_NUM_MAX);
	return n > VIRTQ_SIZE_MAX ? VIRTQ_SIZE_MAX : (uint16_t)n;
}

static unsigned vmmio_queue_irqs(struct virtio_dev *d)
{
	return VMMIO_MAX_HANDLERS; /* all share the one line */
}

static void vmmio_irq(void *arg)
{
	struct vmmio *v = arg;

	/* The line stays raised while any status bit is set: acknowledge
	 * until none is, so an edge is not lost to a bit set meanwhile. */
	for (uint32_t st; (st = rd(v, MMIO_INT_STATUS)) != 0;)
		wr(v, MMIO_INT_ACK, st);
	unsigned n = __atomic_load_n(&v->nhandlers, __ATOMIC_ACQUIRE);
	for (unsigned i = 0; i < n; i++)
		v->handlers[i].fn(v->handlers[i].arg);
}

static int vmmio_queue_irq(struct virtio_dev *d, unsigned q, unsigned cpu,
			   virtio_irq_fn fn, void *arg)
{
	struct vmmio *v = vm(d);
	if (v->nhandlers == VMMIO_MAX_HANDLERS)
		return -ENOSPC;
	if (!v->vector) {
		int vec = irqvec_alloc(vmmio_irq, v);
		if (vec < 0)
			return vec;
		int err = v->irq < 16
			      ? ioapic_route_isa(v->irq, (unsigned)vec, cpu)
			      : ioapic_route_gsi(v->irq, (unsigned)vec, cpu);
		if (err) {
			irqvec_free((unsigned)vec);
			return err;
		}
		v->vector = vec;
	}
	/* The handler may run on another core meanwhile: publish the entry
	 * before the count that makes it visible. */
	v->handlers[v->nhandlers] = (struct vmmio_handler){fn, arg};
	__atomic_store_n(&v->nhandlers, v->nhandlers + 1, __ATOMIC_RELEASE);
	return 0;
}

static int vmmio_queue_enable(struct virtio_dev *d, unsigned q, uint16_t size,
			      uint64_t desc, uint64_t avail, uint64_t used)
{
	struct vmmio *v = vm(d);
	wr(v, MMIO_QUEUE_SEL, q);
	wr(v, MMIO_QUEUE_NUM, size);
	wr(v, MMIO_QUEUE_DESC, (uint32_t)desc);
	wr(v, MMIO_QUEUE_DESC + 4, (uint32_t)(desc >> 32));
	wr(v, MMIO_QUEUE_AVAIL, (uint32_t)avail);
	wr(v, MMIO_QUEUE_AVAIL + 4, (uint32_t)(avail >> 32));
	wr(v, MMIO_QUEUE_USED, (uint32_t)used);
	wr(v, MMIO_QUEUE_USED + 4, (uint32_t)(used >> 32));
	wr(v, MMIO_QUEUE_READY, 1);
	return 0;
}

static void vmmio_notify(struct virtio_dev *d, unsigned q)
{
	wr(vm(d), MMIO_QUEUE_NOTIFY, q);
}

static const struct virtio_transport vmmio_transport = {
    .name = "mmio",
    .features = vmmio_features,
    .set_features = vmmio_set_features,
    .status = vmmio_status,
    .set_status = vmmio_set_status,
    .config_generation = vmmio_config_generation,
    .config_read = vmmio_config_read,
    .queue_max = vmmio_queue_max,
    .queue_irqs = vmmio_queue_irqs,
    .queue_irq = vmmio_queue_irq,
    .queue_enable = vmmio_queue_enable,
    .notify = vmmio_notify,
};

/* Parses <size>@<addr>:<irq>; returns 0 or -EINVAL. */
int virtio_mmio_parse(const char *s, uint64_t *size, uint64_t *addr,
		      unsigned *irq)
{
	char *end;

	*size = strtoull(s, &end, 0);
	if (end == s)
		return -EINVAL;
	if (*end == 'K' || *end == 'k')
		*size <<= 10, end++;
	else if (*end == 'M' || *end == 'm')
		*size <<= 20, end++;
	if (*end != '@')
		return -EINVAL;
	s = end + 1;
	*addr = strtoull(s, &end, 0);
	if (end == s || *end != ':')
		return -EINVAL;
	s = end + 1;
	unsigned long n = strtoul(s, &end, 0);
	if (end == s || *end || n > 255)
		return -EINVAL;
	*irq = (unsigned)n;
	if (*size < MMIO_MIN_SIZE || *size > (1u << 20) || (*addr & 3))
		return -EINVAL;
	return 0;
}

static void take_param(const char *value, void *arg)
{
	struct vmmio_spec sp;

	if (virtio_mmio_parse(value, &sp.size, &sp.addr, &sp.irq)) {
		printk("virtio_mmio: bad device '%s' (want "
		       "<size>@<addr>:<irq>)\n",
		       value);
		return;
	}
	if (nspecs == VMMIO_MAX_DEVS) {
		printk("virtio_mmio: more than %u devices; '%s' ignored\n",
		       VMMIO_MAX_DEVS, value);
		return;
	}
	specs[nspecs++] = sp;
}

static void probe_one(const struct vmmio_spec *sp)
{
	volatile uint8_t *regs = mmio_map(sp->addr, sp->size);
	uint32_t magic = *(volatile uint32_t *)(regs + MMIO_MAGIC);
	uint32_t version = *(volatile uint32_t *)(regs + MMIO_VERSION);
	uint32_t id = *(volatile uint32_t *)(regs + MMIO_DEVICE_ID);

	if (magic != MMIO_MAGIC_VALUE) {
		printk("virtio_mmio: nothing at %#lx\n", sp->addr);
		return;
	}
	if (id == 0) {
		printk("virtio_mmio: %#lx: empty slot\n", sp->addr);
		return;
	}
	if (version != 2) {
		printk("virtio_mmio: %#lx: version %u (legacy) not supported; "
		       "QEMU: -global virtio-mmio.force-legacy=false\n",
		       sp->addr, version);
		return;
	}
	struct vmmio *v = kzalloc(sizeof(*v));
	if (!v)
		return;
	v->regs = regs;
	v->addr = sp->addr;
	v->irq = sp->irq;
	v->vd.t = &vmmio_transport;
	v->vd.tp = v;
	v->vd.type = (uint16_t)id;
	snprintf(v->vd.name, sizeof(v->vd.name), "mmio %#lx", sp->addr);
	virtio_device_found(&v->vd);
}

void virtio_mmio_probe(char *cmdline)
{
	param_take(cmdline, "virtio_mmio.device", take_param, NULL);
	for (unsigned i = 0; i < nspecs; i++)
		probe_one(&specs[i]);
}
