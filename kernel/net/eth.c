/* SPDX-License-Identifier: MIT */
/* eth.c: Ethernet II frames: dispatch by EtherType, send via the driver. */
#include <string.h>

#include "net/stack.h"

void eth_input(struct net_stack *st, unsigned q, const uint8_t *f, size_t len,
	       unsigned flags)
{
	static const uint8_t bcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};

	if (len < ETH_HLEN) {
		st->stats.rx_bad++;
		return;
	}
	/* Unicast to us or broadcast; multicast is not used by anything
	 * this stack speaks. */
	if (memcmp(f, st->nif->mac, 6) && memcmp(f, bcast, 6))
		return;
	switch (get16(f + 12)) {
	case ETH_P_IP:
		ip_input(st, q, f + ETH_HLEN, len - ETH_HLEN, flags);
		break;
	case ETH_P_ARP:
		arp_input(st, q, f + ETH_HLEN, len - ETH_HLEN);
		break;
	default:
		break;
	}
}

int eth_xmit(struct net_stack *st, unsigned q, const uint8_t *frame,
	     size_t len, bool csum_partial, uint16_t csum_start,
	     uint16_t csum_off, uint16_t gso_size)
{
	struct netif *nif = st->nif;
	struct netif_tx tx = {.frame = frame,
			      .len = len,
			      .csum_partial = csum_partial,
			      .csum_start = csum_start,
			      .csum_offset = csum_off,
			      .gso_size = gso_size};
	int err;

	if (gso_size) { /* a TSO frame's payload may be in the send ring */
		for (int i = 0; i < 2; i++) {
			tx.tail[i] = st->tx_tail[i];
			tx.tail_len[i] = st->tx_tail_len[i];
		}
	}
	if (q >= nif->nqueues)
		q = 0;
	err = nif->ops->xmit(nif, q, &tx);
	if (err)
		st->stats.tx_drops++;
	else
		st->stats.tx_frames++;
	return err;
}
