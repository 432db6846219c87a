/* SPDX-License-Identifier: MIT */
/* virtio.h: virtio 1.x devices, independent of the transport.
 *
 * A transport (virtio_pci.c, virtio_mmio.c) finds devices, fills a struct
 * virtio_dev and calls virtio_device_found(); the core negotiates
 * features and sets up queues through the transport's operations, and
 * hands the device to the driver of its type (virtio_net.c). Only modern
 * (VERSION_1) devices are driven. Set-up calls may sleep; notify does not.
 *
 * Interrupts: a queue's handler runs in interrupt context on the core it
 * was aimed at (MSI-X: that queue's own vector), or, where the transport
 * has one shared line (MMIO), on the line's core for every interrupt of
 * the device: handlers must tolerate calls with nothing new. */
#ifndef DRIVERS_VIRTIO_H
#define DRIVERS_VIRTIO_H

#include <stdbool.h>
#include <stdint.h>

#include "drivers/virtq.h"

/* Device types (virtio 1.2, 5). */
#define VIRTIO_ID_NET 1
#define VIRTIO_ID_BLOCK 2

/* Device status (virtio 1.2, 2.1). */
#define VIRTIO_STATUS_ACKNOWLEDGE 1
#define VIRTIO_STATUS_DRIVER 2
#define VIRTIO_STATUS_DRIVER_OK 4
#define VIRTIO_STATUS_FEATURES_OK 8
#define VIRTIO_STATUS_NEEDS_RESET 64
#define VIRTIO_STATUS_FAILED 128

/* Transport-independent feature bits (virtio 1.2, 6). */
#define VIRTIO_F_EVENT_IDX 29
#define VIRTIO_F_VERSION_1 32

#define VIRTIO_BIT(n) (1ull << (n))

typedef void (*virtio_irq_fn)(void *arg);

struct virtio_dev;

struct virtio_transport {
	const char *name;
	uint64_t (*features)(struct virtio_dev *d);
	void (*set_features)(struct virtio_dev *d, uint64_t features);
	uint8_t (*status)(struct virtio_dev *d);
	void (*set_status)(struct virtio_dev *d, uint8_t status);
	uint32_t (*config_generation)(struct virtio_dev *d);
	/* Reads len bytes (1, 2 or 4) of device-specific configuration. */
	uint32_t (*config_read)(struct virtio_dev *d, unsigned off,
				unsigned len);
	/* Largest size of queue q, 0 if the device has no such queue. */
	uint16_t (*queue_max)(struct virtio_dev *d, unsigned q);
	/* How many queues may have interrupts of their own (the config
	 * interrupt aside). */
	unsigned (*queue_irqs)(struct virtio_dev *d);
	/* Before queue_enable: interrupts of queue q call fn(arg) on core
	 * cpu. Returns 0 or a negative error. */
	int (*queue_irq)(struct virtio_dev *d, unsigned q, unsigned cpu,
			 virtio_irq_fn fn, void *arg);
	int (*queue_enable)(struct virtio_dev *d, unsigned q, uint16_t size,
			    uint64_t desc, uint64_t avail, uint64_t used);
	void (*notify)(struct virtio_dev *d, unsigned q);
};

struct virtio_dev {
	const struct virtio_transport *t;
	void *tp;	   /* the transport's */
	uint16_t type;	   /* VIRTIO_ID_* */
	uint64_t features; /* negotiated */
	char name[32];	   /* where: "pci 00:03.0", "mmio 0xfeb00e00" */
};

/* Finds every device: MMIO ones named on the command line (the
 * virtio_mmio.device=<size>@<addr>:<irq> words are taken out of it) and
 * virtio PCI functions (after pci_init()). Boot, once. */
void virtio_init(char *cmdline);

/* A transport found d (which it keeps allocated): look for its driver. */
void virtio_device_found(struct virtio_dev *d);

/* Resets d and negotiates the features in `wanted` that it offers;
 * VERSION_1 is always required. Returns 0 (d->features set), or -ENODEV
 * (not a modern device; status FAILED) or -EIO (features refused). */
int virtio_negotiate(struct virtio_dev *d, uint64_t wanted);

/* Creates queue q with at most size_max entries (fewer if the device
 * says so; a power of two), its interrupts calling fn(arg) on core cpu
 * (fn NULL: no interrupt wanted). Returns 0, -ENOENT without such a
 * queue, -ENOMEM, or the transport's error. */
int virtio_queue_create(struct virtio_dev *d, unsigned q, uint16_t size_max,
			struct virtq *vq, unsigned cpu, virtio_irq_fn fn,
			void *arg);

/* Sets DRIVER_OK: the device runs. */
void virtio_driver_ok(struct virtio_dev *d);

/* Marks d FAILED after a set-up error. */
void virtio_fail(struct virtio_dev *d);

static inline void virtio_notify(struct virtio_dev *d, unsigned q)
{
	d->t->notify(d, q);
}

/* Transports and drivers (one call each from virtio_init / found). */
void virtio_pci_probe(void);
void virtio_mmio_probe(char *cmdline);
int virtio_net_probe(struct virtio_dev *d);
/* Takes virtio_net.offload=on|off out of the command line (before any
 * probe): off keeps segmentation and large receive offloads unused. */
void virtio_net_params(char *cmdline);
int virtio_blk_probe(struct virtio_dev *d);

/* Parses a virtio_mmio.device value, <size>@<addr>:<irq>. 0 or -EINVAL. */
int virtio_mmio_parse(const char *s, uint64_t *size, uint64_t *addr,
		      unsigned *irq);

#endif
