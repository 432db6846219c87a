/* SPDX-License-Identifier: MIT */
/* virtio_net_hdr.c: see virtio_net_hdr.h. */
#include "drivers/virtio_net_hdr.h"

#include <string.h>
#include <unidb/errno.h>

#define ETH_HLEN 14
#define IP_PROTO_TCP 6
#define TCP_CSUM_OFF 16

/* Length of the Ethernet, IPv4 and TCP headers of a TSO frame, or 0 if
 * the frame is not TCP/IPv4 with a TCP header inside it; *tcp = where
 * the TCP header starts. */
static size_t tso_hdr_len(const uint8_t *f, size_t len, size_t *tcp)
{
	size_t ihl, doff;

	if (len < ETH_HLEN + 20 || f[12] != 0x08 || f[13] != 0x00 ||
	    f[ETH_HLEN] >> 4 != 4 || f[ETH_HLEN + 9] != IP_PROTO_TCP)
		return 0;
	ihl = (size_t)(f[ETH_HLEN] & 15) * 4;
	if (ihl < 20 || len < ETH_HLEN + ihl + 20)
		return 0;
	doff = (size_t)(f[ETH_HLEN + ihl + 12] >> 4) * 4;
	if (doff < 20 || len < ETH_HLEN + ihl + doff)
		return 0;
	*tcp = ETH_HLEN + ihl;
	return ETH_HLEN + ihl + doff;
}

int vnet_hdr_tx(struct vnet_hdr *h, const struct netif_tx *tx, bool dev_csum)
{
	memset(h, 0, sizeof(*h));
	if (tx->csum_partial && dev_csum) {
		if (tx->csum_start >= tx->len ||
		    (size_t)tx->csum_start + tx->csum_offset + 2 > tx->len)
			return -EINVAL;
		h->flags = VNET_HDR_F_NEEDS_CSUM;
		h->csum_start = tx->csum_start;
		h->csum_offset = tx->csum_offset;
	}
	if (!tx->gso_size)
		return 0;
	size_t tcp = 0, hl = tso_hdr_len(tx->frame, tx->len, &tcp);
	if (!dev_csum || !tx->csum_partial || !hl || tx->csum_start != tcp ||
	    tx->csum_offset != TCP_CSUM_OFF)
		return -EINVAL;
	h->gso_type = VNET_GSO_TCPV4;
	h->gso_size = tx->gso_size;
	h->hdr_len = (uint16_t)hl;
	return 0;
}

bool vnet_mrg_begin(struct vnet_mrg *m, const uint8_t *b, size_t len,
		    uint16_t n)
{
	m->len = 0;
	m->bad = false;
	m->left = n > 1 ? (uint16_t)(n - 1) : 0;
	if (len > m->cap) {
		m->bad = true;
	} else {
		memcpy(m->buf, b, len);
		m->len = len;
	}
	return m->left == 0;
}

bool vnet_mrg_add(struct vnet_mrg *m, const uint8_t *b, size_t len)
{
	if (!m->left)
		return true; /* nothing begun: the caller's error */
	if (!m->bad && len <= m->cap - m->len) {
		memcpy(m->buf + m->len, b, len);
		m->len += len;
	} else {
		m->bad = true;
	}
	return --m->left == 0;
}
