/* SPDX-License-Identifier: MIT */
/* tcp_out.c: building and sending TCP segments; what to send when.
 *
 * tcp_output() sends as much queued data as the send window (the
 * smaller of the peer's window and cwnd) allows, in segments of c->mss,
 * then the FIN. Small segments wait while data is unacknowledged
 * (Nagle, RFC 896) unless nodelay is set; the sender avoids silly
 * windows (RFC 1122 4.2.3.4). A pending ACK rides on the first segment,
 * else goes out alone. With unsent data and a zero window and nothing in
 * flight, the persist timer probes the window (tcp_timer.c). */
#include <string.h>

#include "net/stack.h"

#define OPT_MSS 2
#define OPT_WSCALE 3
#define OPT_SACK_PERM 4

uint32_t tcp_rcv_window(struct tcp_conn *c)
{
	uint32_t free, win, edge;

	if (!c->rcv.buf) /* before buffers exist: what we will have */
		free = c->st->cfg.rcvbuf;
	else
		free = c->rcv.size - c->rcv.len;
	win = free >> c->rcv_wscale;
	if (win > 65535)
		win = 65535;
	/* Never move the right edge left (RFC 793 3.7 "shrinking the
	 * window"): free space only shrinks by data that advanced rcv_nxt
	 * by as much, so this holds unless rounding by the scale bites. */
	edge = c->rcv_nxt + (win << c->rcv_wscale);
	if (seq_lt(edge, c->rcv_adv))
		win = (c->rcv_adv - c->rcv_nxt + (1u << c->rcv_wscale) - 1) >>
		      c->rcv_wscale;
	else
		c->rcv_adv = edge;
	return win;
}

/* Writes the options of a SYN or SYN-ACK; returns their length. */
static unsigned syn_options(struct tcp_conn *c, uint8_t *o, bool synack)
{
	uint16_t mss = (uint16_t)(c->st->nif->mtu - IP_HLEN - TCP_HLEN);
	unsigned n = 0;

	o[n++] = OPT_MSS;
	o[n++] = 4;
	put16(o + n, mss);
	n += 2;
	if (!synack || c->wscale_ok) {
		o[n++] = 1; /* NOP: keep the header 32-bit aligned */
		o[n++] = OPT_WSCALE;
		o[n++] = 3;
		o[n++] = c->rcv_wscale;
	}
	if (!synack || c->sack_ok) { /* RFC 2018 2 */
		o[n++] = 1;
		o[n++] = 1;
		o[n++] = OPT_SACK_PERM;
		o[n++] = 2;
	}
	return n;
}

/* A TSO frame's payload, len bytes of the send ring from offset off,
 * goes to the driver where it lies (netif_tx.tail): one copy fewer for
 * every byte of a bulk send. Only TSO frames: they are never queued
 * behind ARP (ip_gso_max) and always have the device checksum them, so
 * nothing but the driver reads the payload, and it copies it before
 * xmit returns. */
static void tx_tail_set(struct tcp_conn *c, uint32_t off, uint32_t len)
{
	struct net_stack *st = c->st;
	uint32_t pos = (c->snd.head + off) % c->snd.size;
	uint32_t first = len < c->snd.size - pos ? len : c->snd.size - pos;

	st->tx_tail[0] = c->snd.buf + pos;
	st->tx_tail_len[0] = first;
	st->tx_tail[1] = c->snd.buf;
	st->tx_tail_len[1] = len - first;
}

/* Sends one segment: seq, flags, and len bytes of the send ring from
 * offset off (bytes after snd_una). Carries an ACK unless it is a bare
 * SYN; an ACK makes any pending (delayed) ACK unnecessary. Returns what
 * the IP layer said (-ENOBUFS: the device's queue was full). */
int tcp_xmit_seg(struct tcp_conn *c, uint32_t seq, uint8_t flags,
		  uint32_t off, uint32_t len)
{
	struct net_stack *st = c->st;
	uint8_t *h = ip_payload(st);
	unsigned optlen = 0, hlen;
	uint32_t win;
	bool deferred = false;

	if (!(flags & TCP_SYN) || c->state == TCP_SYN_RECEIVED)
		flags |= TCP_ACK;
	if (flags & TCP_SYN)
		optlen = syn_options(c, h + TCP_HLEN, flags & TCP_ACK);
	else if ((flags & TCP_ACK) && !(flags & TCP_RST))
		/* Options count against the MSS (RFC 6691). */
		optlen = tcp_sack_options(c, h + TCP_HLEN, len,
					  !len ? 40
					  : c->mss > len ? c->mss - len : 0,
					  &deferred);
	hlen = TCP_HLEN + optlen;
	put16(h, c->lport);
	put16(h + 2, c->rport);
	put32(h + 4, seq);
	put32(h + 8, flags & TCP_ACK ? c->rcv_nxt : 0);
	h[12] = (uint8_t)(hlen / 4) << 4;
	h[13] = flags;
	win = tcp_rcv_window(c);
	if (flags & TCP_SYN) /* the window of a SYN is never scaled */
		win = c->st->cfg.rcvbuf > 65535 ? 65535 : c->st->cfg.rcvbuf;
	put16(h + 14, (uint16_t)win);
	put16(h + 16, 0);
	put16(h + 18, 0);
	if (len > c->mss)
		tx_tail_set(c, off, len);
	else if (len)
		ring_read_at(&c->snd, off, h + hlen, len);
	if (flags & TCP_ACK) {
		c->ack_now = deferred; /* news left for a pure ACK */
		c->unacked = 0;
		c->t_delack = 0;
	}
	st->stats.tcp_tx++;
	if (len > c->mss) {
		int err;
		st->stats.tcp_tso_tx++;
		err = ip_output_gso(st, c->txq, c->raddr, hlen + len, 16,
				    c->mss);
		memset(st->tx_tail, 0, sizeof(st->tx_tail));
		memset(st->tx_tail_len, 0, sizeof(st->tx_tail_len));
		return err;
	}
	return ip_output(st, c->txq, c->raddr, IP_PROTO_TCP, hlen + len, 16);
}

/* Most payload bytes one segment may carry: c->mss, or with TSO as many
 * whole MSS as one offloaded frame holds. */
static uint32_t seg_max(struct tcp_conn *c)
{
	size_t l4 = ip_gso_max(c->st, c->raddr);
	uint32_t n;

	if (l4 <= TCP_HLEN)
		return c->mss;
	n = (uint32_t)(l4 - TCP_HLEN) / c->mss;
	return n > 1 ? n * c->mss : c->mss;
}

/* Bare ACKs and RSTs carry snd_max, the sequence number the peer expects
 * once it has everything we sent: snd_nxt may have been pulled back by
 * a retransmission timeout. */
void tcp_send_ack(struct tcp_conn *c)
{
	tcp_xmit_seg(c, c->snd_max, TCP_ACK, 0, 0);
}

void tcp_send_reset(struct tcp_conn *c)
{
	c->st->stats.tcp_rst_tx++;
	tcp_xmit_seg(c, c->snd_max, TCP_RST | TCP_ACK, 0, 0);
}

/* RST for a segment no connection wants (RFC 793 3.4, "Reset
 * Generation" 1): seq from its ACK, else ACK of everything it carried.
 * seg is the TCP header and payload. Never answers an RST. */
void tcp_send_rst_for(struct net_stack *st, unsigned q, uint32_t src,
		      uint32_t dst, const uint8_t *seg, size_t seglen)
{
	uint8_t *h = ip_payload(st), flags = seg[13];
	size_t dlen = seglen - (size_t)(seg[12] >> 4) * 4;

	if (flags & TCP_RST)
		return;
	put16(h, get16(seg + 2));
	put16(h + 2, get16(seg));
	if (flags & TCP_ACK) {
		put32(h + 4, get32(seg + 8));
		put32(h + 8, 0);
		h[13] = TCP_RST;
	} else {
		put32(h + 4, 0);
		put32(h + 8, get32(seg + 4) + (uint32_t)dlen +
				     !!(flags & TCP_SYN) + !!(flags & TCP_FIN));
		h[13] = TCP_RST | TCP_ACK;
	}
	h[12] = (TCP_HLEN / 4) << 4;
	memset(h + 14, 0, 6);
	st->stats.tcp_rst_tx++;
	ip_output(st, q, src, IP_PROTO_TCP, TCP_HLEN, 16);
	(void)dst;
}

void tcp_rexmt_arm(struct tcp_conn *c)
{
	net_timer_arm(c->st, &c->t_rexmt, env_now() + c->rto);
}

bool tcp_can_send_fin(const struct tcp_conn *c)
{
	return c->fin_queued && (c->state == TCP_FIN_WAIT_1 ||
				 c->state == TCP_CLOSING ||
				 c->state == TCP_LAST_ACK);
}

/* After the user read: tell the peer when the window opened enough to
 * matter (two segments or half the buffer; RFC 1122 4.2.3.3). */
void tcp_recv_consumed(struct tcp_conn *c)
{
	uint32_t free = c->rcv.size - c->rcv.len;
	uint32_t adv = c->rcv_adv - c->rcv_nxt;

	if (c->fin_rcvd || adv > free) /* adv <= free always; be safe */
		return;
	if (free - adv >= 2u * c->mss || free - adv >= c->rcv.size / 2) {
		c->ack_now = true;
		tcp_output(c);
		if (adv < c->mss)
			tcp_wupd_arm(c);
	}
}

static bool may_send_data(const struct tcp_conn *c)
{
	switch (c->state) {
	case TCP_ESTABLISHED:
	case TCP_CLOSE_WAIT:
	case TCP_FIN_WAIT_1:
	case TCP_CLOSING:
	case TCP_LAST_ACK:
		return true;
	default:
		return false;
	}
}

void tcp_output(struct tcp_conn *c)
{
	uint32_t data_end = c->snd_una + c->snd.len;
	uint32_t max = seg_max(c);

	while (may_send_data(c)) {
		uint32_t win = c->snd_wnd < c->cwnd ? c->snd_wnd : c->cwnd;
		uint32_t inflight = c->snd_nxt - c->snd_una;
		uint32_t room = win > inflight ? win - inflight : 0;
		uint32_t unsent = seq_lt(c->snd_nxt, data_end)
					  ? data_end - c->snd_nxt
					  : 0;
		uint32_t len = unsent < max ? unsent : max;
		bool fin;
		uint8_t flags = TCP_ACK;

		if (len > room)
			len = room;
		if (len > c->mss && len < unsent)
			len -= len % c->mss; /* no runt at an offload's end */
		fin = tcp_can_send_fin(c) && len == unsent &&
		      seq_le(c->snd_nxt, data_end);
		if (seq_lt(c->snd_nxt, c->snd_max)) { /* resending: skip */
			uint32_t nx = tcp_sack_skip(c, c->snd_nxt);
			if (nx != c->snd_nxt) {
				c->snd_nxt = nx;
				continue;
			}
		}
		if (len == 0 && !fin)
			break;
		if (len < c->mss && len < unsent) {
			/* Window-limited: avoid silly windows unless the
			 * window is half the largest the peer offered. */
			if (len < c->max_snd_wnd / 2)
				break;
		} else if (len < c->mss && !fin && !c->nodelay &&
			   c->snd_nxt != c->snd_una) {
			break; /* Nagle: wait for the ACK of what is out */
		}
		if (len == unsent && len)
			flags |= TCP_PSH;
		if (fin)
			flags |= TCP_FIN;
		if (tcp_xmit_seg(c, c->snd_nxt, flags, c->snd_nxt - c->snd_una,
				 len) == -ENOBUFS) {
			/* The device's queue is full: back-pressure, not a
			 * loss. Nothing is counted as sent; the next ACK (or
			 * the timer, should nothing be in flight) sends it. */
			c->st->stats.tcp_tx_busy++;
			if (!c->t_rexmt)
				tcp_rexmt_arm(c);
			break;
		}
		if (len && !c->rtt_timing && c->snd_nxt == c->snd_max) {
			c->rtt_timing = true;
			c->rtt_seq = c->snd_nxt;
			c->rtt_start = env_now();
		}
		c->snd_nxt += len + fin;
		if (fin)
			c->fin_sent = true;
		if (seq_gt(c->snd_nxt, c->snd_max))
			c->snd_max = c->snd_nxt;
		if (!c->t_rexmt)
			tcp_rexmt_arm(c);
		c->t_persist = 0;
		if (fin)
			break;
	}
	/* Data waiting and nothing in flight: the window is zero or too
	 * small to use (silly window avoidance). Probe: the answer tells
	 * the window, should an update have been lost (RFC 1122 4.2.3.4's
	 * override timeout). */
	if (may_send_data(c) && c->snd_nxt == c->snd_una &&
	    c->snd_una == c->snd_max && seq_lt(c->snd_nxt, data_end) &&
	    !c->t_persist && !c->t_rexmt) {
		uint64_t d = c->rto << (c->persist_shift < 6 ? c->persist_shift : 6);
		if (d > c->st->cfg.rto_max_ns)
			d = c->st->cfg.rto_max_ns;
		net_timer_arm(c->st, &c->t_persist, env_now() + d);
	}
	if (c->ack_now && c->state != TCP_CLOSED && c->state != TCP_LISTEN &&
	    c->state != TCP_SYN_SENT)
		tcp_send_ack(c);
}
