/* SPDX-License-Identifier: MIT */
/* tcp_rcvq.c: a connection's receive queue: the receive ring, plus
 * in-order segments left in the driver's RX buffers.
 *
 * Why: copied through the ring, a received byte is copied twice by the
 * stack (RX buffer -> ring -> reader). A driver that marks a frame
 * NETIF_RX_HOLDABLE lets the stack keep the frame's buffer instead
 * (netif.h, rx_hold): the segment's data then waits there and is copied
 * once, into the reader's buffer, and the buffer goes back to the driver
 * (rx_release) when the last byte is read or the connection drops its
 * buffers.
 *
 * A held segment still reserves its place in the ring (rcv.len counts
 * it; the ring's bytes there are simply unused), so the advertised
 * window, out-of-order data (always written into the ring, beyond
 * rcv_nxt) and the memory bounds are exactly the ring's. Segments are
 * held only at rcv_nxt, so held ranges are in sequence order and never
 * overlap. Bounds on pinned buffers: TCP_HELD_MAX per connection, and
 * the driver's pool of spare buffers (it refuses when that is empty, or
 * when the data is small for its buffer); every refusal falls back to
 * the copy into the ring. All under st->lock. */
#include <string.h>

#include "net/stack.h"

/* Sequence number of the first unread byte. A received FIN counts in
 * rcv_nxt but has no byte in the ring. */
static uint32_t read_seq(const struct tcp_conn *c)
{
	return c->rcv_nxt - c->rcv.len - (c->fin_rcvd ? 1u : 0u);
}

bool tcp_rcvq_hold(struct tcp_conn *c, const uint8_t *d, uint32_t n)
{
	struct net_stack *st = c->st;
	struct netif *nif = st->nif;
	struct tcp_held *h;

	if (!st->rx_holdable || c->nheld == TCP_HELD_MAX ||
	    !nif->ops->rx_hold(nif, st->rx_q, st->rx_frame, n))
		return false;
	st->rx_holdable = false; /* one holder per frame */
	h = &c->held[(c->held_first + c->nheld++) % TCP_HELD_MAX];
	*h = (struct tcp_held){st->rx_frame, d, c->rcv_nxt, n};
	st->stats.tcp_rx_held++;
	return true;
}

static void held_pop(struct tcp_conn *c)
{
	struct netif *nif = c->st->nif;

	nif->ops->rx_release(nif, c->held[c->held_first].frame);
	c->held_first = (c->held_first + 1) % TCP_HELD_MAX;
	c->nheld--;
}

void tcp_rcvq_read(struct tcp_conn *c, void *dst, uint32_t n)
{
	uint8_t *out = dst;
	uint32_t seq = read_seq(c), off = 0;

	while (off < n) {
		struct tcp_held *h = c->nheld ? &c->held[c->held_first] : NULL;
		uint32_t k = n - off;

		if (h && h->seq == seq + off) {
			if (k > h->len)
				k = h->len;
			memcpy(out + off, h->data, k);
			h->data += k;
			h->seq += k;
			h->len -= k;
			if (!h->len)
				held_pop(c);
		} else {
			/* Ring bytes up to the next held segment. */
			if (h && h->seq - (seq + off) < k)
				k = h->seq - (seq + off);
			ring_read_at(&c->rcv, off, out + off, k);
		}
		off += k;
	}
	ring_drop(&c->rcv, n);
}

void tcp_rcvq_release(struct tcp_conn *c)
{
	while (c->nheld)
		held_pop(c);
	c->held_first = 0;
}
