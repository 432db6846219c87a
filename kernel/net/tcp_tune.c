/* SPDX-License-Identifier: MIT */
/* tcp_tune.c: buffer autotuning: a connection's rings grow while a bulk
 * transfer is limited by them, as Linux grows its buffers (receive:
 * "dynamic right-sizing"; send: sndbuf following cwnd).
 *
 * Why: every connection starts with cfg.rcvbuf and cfg.sndbuf (128 KiB),
 * so that a thousand of them fit in cfg.mem_max. A bulk stream, though,
 * needs as many bytes in flight as the path carries in a round trip,
 * and under a VMM whose vCPUs are descheduled for milliseconds at a
 * time that is far more than 128 KiB: the peer stops at our window, and
 * while this guest does not run nothing moves (bench-net measured 2-3x
 * the host->guest throughput with 1 MiB rings on a loaded host).
 *
 * Receive: when in-order data leaves less than a quarter of the ring
 * free, the sender was (nearly) limited by our window (rcv_full). If the
 * reader then drains the ring to a quarter or less, it keeps up: the
 * window was the limit, so the ring doubles and the next window update
 * offers the room. A reader that stalls never drains, so a peer cannot
 * make a connection grow by sending alone.
 *
 * Send: when the writer finds the ring full, everything in it has been
 * sent, and the peer's window and cwnd would take more than the ring
 * holds, the ring is the limit: it doubles.
 *
 * Bounds: at most cfg.rcvbuf_max / cfg.sndbuf_max (a ring grows only
 * when max > the initial size; the window scale we offer is chosen for
 * rcvbuf_max), and only while all rings together stay within half of
 * cfg.mem_max, so that growth never locks out new connections. Growing
 * copies the ring once (allocation failure: it stays as it is). All
 * under st->lock. */
#include "net/stack.h"

/* The window scale we offer (RFC 7323 2.3): enough for the largest
 * receive ring a connection may grow to. */
uint8_t tcp_rcv_wscale(const struct net_stack *st)
{
	uint32_t b = st->cfg.rcvbuf > st->cfg.rcvbuf_max ? st->cfg.rcvbuf
							 : st->cfg.rcvbuf_max;
	uint8_t s = 0;

	while (s < 14 && (b >> s) > 65535)
		s++;
	return s;
}

/* Doubles ring r (up to max bytes) if the stack's memory allows. The
 * bytes keep their offsets from head: the old ring's whole contents
 * (out-of-order data beyond len included) move to the new one's start. */
static bool ring_grow(struct net_stack *st, struct ring *r, uint32_t max)
{
	uint32_t size = r->size * 2 > max ? max : r->size * 2;
	uint8_t *buf;

	if (size <= r->size ||
	    st->mem_used + (size - r->size) > st->cfg.mem_max / 2)
		return false;
	buf = env_alloc_buf(size);
	if (!buf)
		return false;
	ring_read_at(r, 0, buf, r->size);
	env_free(r->buf);
	st->mem_used += size - r->size;
	*r = (struct ring){buf, size, 0, r->len};
	return true;
}

void tcp_tune_rcv_data(struct tcp_conn *c)
{
	if (c->rcv.size - c->rcv.len < c->rcv.size / 4)
		c->rcv_full = true;
}

void tcp_tune_rcv_read(struct tcp_conn *c)
{
	/* The window field can say at most 65535 << scale. */
	uint32_t max = c->st->cfg.rcvbuf_max;
	uint32_t wmax = 65535u << c->rcv_wscale;

	if (!c->rcv_full || c->rcv.len > c->rcv.size / 4)
		return;
	c->rcv_full = false;
	if (ring_grow(c->st, &c->rcv, max < wmax ? max : wmax))
		c->st->stats.tcp_rcv_grown++;
}

void tcp_tune_snd_full(struct tcp_conn *c)
{
	uint32_t win = c->snd_wnd < c->cwnd ? c->snd_wnd : c->cwnd;

	if (c->snd.len == c->snd.size && c->snd_nxt == c->snd_una + c->snd.len &&
	    win > c->snd.size &&
	    ring_grow(c->st, &c->snd, c->st->cfg.sndbuf_max))
		c->st->stats.tcp_snd_grown++;
}
