/* SPDX-License-Identifier: MIT */
/* virtio.c: the transport-independent part of virtio 1.x (virtio.h):
 * device initialisation (virtio 1.2, 3.1.1) and queue set-up. */
#include <string.h>
#include <unidb/errno.h>
#include <unidb/heap.h>
#include <unidb/printk.h>

#include "arch/x86_64/paging.h"
#include "drivers/virtio.h"

void virtio_init(char *cmdline)
{
	virtio_net_params(cmdline);
	virtio_mmio_probe(cmdline);
	virtio_pci_probe();
}

void virtio_device_found(struct virtio_dev *d)
{
	int err;

	switch (d->type) {
	case VIRTIO_ID_NET:
		err = virtio_net_probe(d);
		break;
	case VIRTIO_ID_BLOCK:
		err = virtio_blk_probe(d);
		break;
	default:
		printk("virtio: %s: device type %u, no driver\n", d->name,
		       d->type);
		return;
	}
	if (err)
		printk("virtio: %s: driver failed (%d)\n", d->name, err);
}

static void add_status(struct virtio_dev *d, uint8_t bits)
{
	d->t->set_status(d, d->t->status(d) | bits);
}

int virtio_negotiate(struct virtio_dev *d, uint64_t wanted)
{
	d->t->set_status(d, 0); /* reset; the transport waits for it */
	add_status(d, VIRTIO_STATUS_ACKNOWLEDGE);
	add_status(d, VIRTIO_STATUS_DRIVER);
	uint64_t offered = d->t->features(d);
	if (!(offered & VIRTIO_BIT(VIRTIO_F_VERSION_1))) {
		printk("virtio: %s: legacy device (no VERSION_1), ignored\n",
		       d->name);
		virtio_fail(d);
		return -ENODEV;
	}
	d->features = offered & (wanted | VIRTIO_BIT(VIRTIO_F_VERSION_1));
	d->t->set_features(d, d->features);
	add_status(d, VIRTIO_STATUS_FEATURES_OK);
	if (!(d->t->status(d) & VIRTIO_STATUS_FEATURES_OK)) {
		virtio_fail(d);
		return -EIO;
	}
	return 0;
}

int virtio_queue_create(struct virtio_dev *d, unsigned q, uint16_t size_max,
			struct virtq *vq, unsigned cpu, virtio_irq_fn fn,
			void *arg)
{
	uint16_t max = d->t->queue_max(d, q), size = 1;

	if (!max) {
		printk("virtio: %s: no queue %u\n", d->name, q);
		return -ENOENT;
	}
	while (size * 2 <= max && size * 2 <= size_max)
		size *= 2;
	/* Heap blocks are physically contiguous (slabs and large blocks
	 * are runs of frames), as the device needs the rings to be. */
	void *mem = kmalloc(virtq_mem_size(size));
	void **cookies = kmalloc(sizeof(void *) * size);
	if (!mem || !cookies) {
		kfree(mem);
		kfree(cookies);
		return -ENOMEM;
	}
	virtq_init(vq, mem, cookies, size,
		   d->features & VIRTIO_BIT(VIRTIO_F_EVENT_IDX));
	int err = fn ? d->t->queue_irq(d, q, cpu, fn, arg) : 0;
	if (!err) {
		paddr_t pa = virt_to_phys(mem);
		err = d->t->queue_enable(d, q, size, pa,
					 pa + virtq_avail_offset(size),
					 pa + virtq_used_offset(size));
	}
	if (err) {
		kfree(mem);
		kfree(cookies);
	}
	return err;
}

void virtio_driver_ok(struct virtio_dev *d)
{
	add_status(d, VIRTIO_STATUS_DRIVER_OK);
}

void virtio_fail(struct virtio_dev *d)
{
	add_status(d, VIRTIO_STATUS_FAILED);
}
