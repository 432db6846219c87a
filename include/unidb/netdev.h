/* SPDX-License-Identifier: MIT */
/* netdev.h: control of network device queues (kernel/drivers/virtio_net.c).
 *
 * Each RX queue of a device is serviced by its own kernel thread pinned to
 * one core. The thread waits for the queue's interrupt (IRQ mode), or
 * spins on the ring, yielding to other threads of its core between passes
 * (POLL mode: lowest latency, burns the core), or does both by load
 * (ADAPTIVE, the default: polls while packets keep coming, and goes back
 * to interrupts after an idle interval without any). Devices are numbered
 * as the netif registry numbers them (netif_get()). */
#ifndef UNIDB_NETDEV_H
#define UNIDB_NETDEV_H

#include <stdbool.h>
#include <stdint.h>

enum netdev_mode { NETDEV_ADAPTIVE, NETDEV_IRQ, NETDEV_POLL };

#define NETDEV_IDLE_NS_DEFAULT 50000 /* adaptive: back to IRQ after 50 us */

struct netdev_queue_stats {
	unsigned cpu;	       /* the core servicing RX queue and its thread */
	enum netdev_mode mode; /* as set */
	bool polling;	       /* what the thread does now */
	bool has_irq;	       /* false: no interrupt line, timed polls */
	uint64_t rx_packets, rx_bytes;
	uint64_t rx_drops; /* bad frames, or no stack attached */
	uint64_t tx_packets, tx_bytes;
	uint64_t tx_drops; /* ring full */
	uint64_t irqs;	   /* interrupts taken for the queue */
	uint64_t polls;	   /* passes over the ring while polling */
	/* The device's RX buffers the stack kept (netif.h rx_hold): how
	 * often, how many are held now, how often none could be spared. */
	uint64_t rx_holds, rx_held, rx_holds_refused;
};

/* Sets the mode of RX queue `queue` of device `ifindex` (queue -1: all
 * of them). Takes effect at the service thread's next pass (it is woken).
 * Returns 0, -ENODEV (no such device, or not one of ours), -EINVAL. Any
 * thread context; O(queues). */
int netdev_set_mode(unsigned ifindex, int queue, enum netdev_mode mode);

/* ADAPTIVE's idle interval for every queue of the device. 0 or -ENODEV. */
int netdev_set_idle_ns(unsigned ifindex, uint64_t ns);

/* Copies queue `queue`'s counters (a snapshot; counters only grow).
 * Returns 0, -ENODEV or -EINVAL. O(1). */
int netdev_queue_stats(unsigned ifindex, unsigned queue,
		       struct netdev_queue_stats *st);

#endif
