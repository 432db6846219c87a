/* SPDX-License-Identifier: MIT */
/* netif.h: the boundary between a network device driver and the stack.
 *
 * A driver (kernel/drivers/virtio_net.c) fills a struct netif and registers
 * it; the stack (kernel/net/) attaches to it by setting `input` and `stack`
 * and then sends frames through ops->xmit. Nothing else crosses the
 * boundary, so the stack also runs on the host over a fake netif in tests.
 *
 * Frames are Ethernet II frames without the FCS. Queues: the driver offers
 * nqueues RX/TX pairs; RX queue q is serviced on one core, and the stack
 * sends a flow's frames on the TX queue of the same index, so a connection
 * stays on one core when the device hashes flows to queues. */
#ifndef UNIDB_NET_NETIF_H
#define UNIDB_NET_NETIF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define NETIF_MAX_QUEUES 64

/* Features a device offers (netif.features). */
#define NETIF_F_TX_CSUM (1u << 0) /* may send with csum_partial set */
#define NETIF_F_RX_CSUM (1u << 1) /* may deliver with NETIF_RX_CSUM_OK */
/* TCP segmentation offload: xmit takes TCP/IPv4 frames up to gso_max
 * bytes with gso_size set (and csum_partial); the device cuts the payload
 * into gso_size pieces, fixing IP lengths, IDs, sequence numbers, flags
 * and checksums as Linux's GSO does. Needs NETIF_F_TX_CSUM. Received
 * frames are not bounded by the MTU either way: a device with large
 * receive offload hands the stack TCP segments up to 64 KiB. */
#define NETIF_F_TSO4 (1u << 2)

/* Flags a driver passes with a received frame. */
#define NETIF_RX_CSUM_OK (1u << 0) /* L4 checksum verified by the device */
/* The frame sits in a driver RX buffer that the stack may keep past the
 * input call (ops->rx_hold), so that received TCP data is copied once,
 * from that buffer into the reader's, instead of through the connection's
 * ring. Only with ops->rx_hold and ops->rx_release set. */
#define NETIF_RX_HOLDABLE (1u << 1)

/* One frame to send. If csum_partial, the device computes the Internet
 * checksum over bytes [csum_start, len) and stores it at csum_start +
 * csum_offset; the stack has put the pseudo-header sum there (as Linux's
 * CHECKSUM_PARTIAL / virtio's VIRTIO_NET_HDR_F_NEEDS_CSUM). */
struct netif_tx {
	const void *frame;
	size_t len; /* of the whole frame, tail included */
	bool csum_partial;
	uint16_t csum_start, csum_offset;
	uint16_t gso_size; /* 0, or TCP payload bytes per wire segment */
	/* Only with gso_size: the frame's last tail_len[0] + tail_len[1]
	 * bytes are not in `frame` (which holds the rest, the headers) but
	 * at tail[0] and tail[1], in that order: the TCP payload straight
	 * from the connection's send ring (wrapped at most once), so that
	 * it is copied once, by the driver, not first into a frame. */
	const void *tail[2];
	size_t tail_len[2];
};

/* Copies the whole frame (tail included) to dst: for drivers. */
static inline void netif_tx_copy(uint8_t *dst, const struct netif_tx *tx)
{
	size_t head = tx->len - tx->tail_len[0] - tx->tail_len[1];

	__builtin_memcpy(dst, tx->frame, head);
	for (int i = 0; i < 2; i++) {
		if (tx->tail_len[i])
			__builtin_memcpy(dst + head, tx->tail[i],
					 tx->tail_len[i]);
		head += tx->tail_len[i];
	}
}

struct netif;

struct netif_ops {
	/* Queues one frame on TX queue q (q < nqueues). The frame is copied
	 * before the call returns; the caller keeps its buffer. Returns 0,
	 * -ENOBUFS when the ring is full (the stack drops or retries later),
	 * -EMSGSIZE when len > mtu + 14 (gso_max with gso_size). Never
	 * sleeps; callable with
	 * preemption disabled. */
	int (*xmit)(struct netif *nif, unsigned q, const struct netif_tx *tx);

	/* Optional (NETIF_RX_HOLDABLE). rx_hold: called during input() on
	 * queue q for the frame being input, keep bytes of which the stack
	 * wants to keep: true if the driver lets it (the frame's buffer
	 * then stays valid and out of the device's ring until rx_release),
	 * false if it cannot spare it now (its pool of spare buffers is
	 * empty, or the buffer is too large for so few bytes): the stack
	 * copies instead. A frame is held at most once. rx_release gives a
	 * held frame back; any thread, callable with the stack's lock held
	 * (so never sleeps). Both O(1). */
	bool (*rx_hold)(struct netif *nif, unsigned q, const void *frame,
			size_t keep);
	void (*rx_release)(struct netif *nif, const void *frame);
};

struct netif {
	char name[16];
	uint8_t mac[6];
	uint16_t mtu; /* IP MTU: a frame holds at most mtu + 14 bytes */
	unsigned nqueues;
	uint32_t features;
	uint32_t gso_max; /* NETIF_F_TSO4: largest frame, <= 65535 + 14 */
	const struct netif_ops *ops;
	void *priv; /* the driver's */

	/* Set by the stack before it starts the device's queues: called for
	 * every received frame, in thread context (the RX queue's service
	 * thread), one call at a time per queue. frame is valid only during
	 * the call, unless flags has NETIF_RX_HOLDABLE and the stack
	 * called ops->rx_hold for it. */
	void (*input)(struct netif *nif, unsigned q, const void *frame,
		      size_t len, unsigned flags);
	void *stack; /* the stack's */
};

/* Kernel side only (kernel/net/netif.c): the registry of devices. */
int netif_register(struct netif *nif); /* 0 or -ENOSPC */
struct netif *netif_get(unsigned index); /* NULL past the last */

#endif
