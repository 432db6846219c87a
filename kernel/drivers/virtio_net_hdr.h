/* SPDX-License-Identifier: MIT */
/* virtio_net_hdr.h: the virtio-net packet header (virtio 1.2, 5.1.6) and
 * the portable parts of the driver that deal with it: filling it for a
 * frame to send (checksum and segmentation offload) and putting a
 * received frame back together from mergeable RX buffers
 * (VIRTIO_NET_F_MRG_RXBUF, 5.1.6.3.2). Host-tested
 * (tests/unit/vnet_hdr_test.c). */
#ifndef UNIDB_DRIVERS_VIRTIO_NET_HDR_H
#define UNIDB_DRIVERS_VIRTIO_NET_HDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "net/netif.h"

/* struct virtio_net_hdr; num_buffers is there with VERSION_1. */
struct vnet_hdr {
	uint8_t flags;
	uint8_t gso_type;
	uint16_t hdr_len;
	uint16_t gso_size;
	uint16_t csum_start;
	uint16_t csum_offset;
	uint16_t num_buffers;
};
#define VNET_HDR_F_NEEDS_CSUM 1
#define VNET_HDR_F_DATA_VALID 2
#define VNET_GSO_NONE 0
#define VNET_GSO_TCPV4 1

/* Fills h for tx (the frame itself is not changed). dev_csum: the device
 * completes partial checksums (VIRTIO_NET_F_CSUM); without it the caller
 * must finish tx->csum_partial itself. A TSO frame (gso_size) must be
 * TCP/IPv4 with a partial checksum at the TCP header, dev_csum set.
 * Returns 0 or -EINVAL for a frame that does not fit its metadata. */
int vnet_hdr_tx(struct vnet_hdr *h, const struct netif_tx *tx, bool dev_csum);

/* One received frame assembled from num_buffers mergeable buffers: the
 * first holds the header, the rest follow in the used ring. buf (cap
 * bytes, allocated once per queue) receives header and frame. */
struct vnet_mrg {
	uint8_t *buf;
	size_t cap, len;
	uint16_t left; /* buffers of this frame still to come */
	bool bad;      /* too large: its buffers are consumed and dropped */
};

/* Starts a frame with its first buffer (header first, len bytes) that
 * announces n buffers. Returns true when the frame is complete (n <= 1:
 * the caller should rather use the buffer in place). */
bool vnet_mrg_begin(struct vnet_mrg *m, const uint8_t *b, size_t len,
		    uint16_t n);
/* Adds the next buffer; true when the frame is complete (then m->bad
 * says whether to drop it, else m->buf holds m->len bytes). */
bool vnet_mrg_add(struct vnet_mrg *m, const uint8_t *b, size_t len);

#endif
