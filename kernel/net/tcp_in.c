/* SPDX-License-Identifier: MIT */
/* tcp_in.c: TCP segment arrival (RFC 793 3.9 "SEGMENT ARRIVES", with
 * RFC 5961's challenge ACKs, RFC 5681/6582 congestion control and RFC
 * 6298 RTT sampling on ACKs).
 *
 * Order of checks for a synchronized connection: sequence acceptability,
 * RST, SYN, ACK (window, congestion, state), data, FIN, then output. */
#include <string.h>

#include "net/stack.h"

#define OPT_EOL 0
#define OPT_NOP 1
#define OPT_MSS 2
#define OPT_WSCALE 3
#define OPT_SACK_PERM 4
#define OPT_SACK 5

struct seg {
	uint32_t seq, ack;
	uint8_t flags;
	uint32_t wnd; /* raw 16-bit field */
	const uint8_t *data;
	uint32_t dlen;
	int mss;	/* -1: absent */
	int wscale; /* -1: absent */
	bool sack_perm;
	struct tcp_sack_in sack;
};

static void parse_options(const uint8_t *o, size_t len, struct seg *s)
{
	size_t i = 0;

	while (i < len) {
		uint8_t kind = o[i], n;
		if (kind == OPT_EOL)
			break;
		if (kind == OPT_NOP) {
			i++;
			continue;
		}
		if (i + 1 >= len || (n = o[i + 1]) < 2 || n > len - i)
			break;
		if (kind == OPT_MSS && n == 4)
			s->mss = get16(o + i + 2);
		else if (kind == OPT_WSCALE && n == 3)
			s->wscale = o[i + 2] > 14 ? 14 : o[i + 2];
		else if (kind == OPT_SACK_PERM && n == 2)
			s->sack_perm = true;
		else if (kind == OPT_SACK && n >= 10 && (n - 2) % 8 == 0)
			for (size_t b = i + 2; b < i + n && s->sack.n < 4;
			     b += 8, s->sack.n++) {
				s->sack.start[s->sack.n] = get32(o + b);
				s->sack.end[s->sack.n] = get32(o + b + 4);
			}
		i += n;
	}
}

/* Applies the options of the peer's SYN. */
static void syn_options_apply(struct tcp_conn *c, const struct seg *s,
			      bool we_sent_ws)
{
	uint16_t ours = (uint16_t)(c->st->nif->mtu - IP_HLEN - TCP_HLEN);

	c->mss = s->mss > 0 && s->mss < ours ? (uint16_t)s->mss : ours;
	if (s->mss < 0 && c->mss > 536)
		c->mss = 536; /* RFC 1122 4.2.2.6: default send MSS */
	if (c->mss < 64)
		c->mss = 64; /* a tiny MSS would only burn CPU */
	c->wscale_ok = s->wscale >= 0 && we_sent_ws;
	c->snd_wscale = c->wscale_ok ? (uint8_t)s->wscale : 0;
	c->sack_ok = s->sack_perm && we_sent_ws; /* we always offer both */
	if (!c->wscale_ok)
		c->rcv_wscale = 0;
	c->cwnd = 10u * c->mss; /* RFC 6928 initial window */
}

/* RFC 6298 2.3 from srtt and rttvar, clamped to the configured range. */
void tcp_rto_set(struct tcp_conn *c)
{
	const struct net_config *cfg = &c->st->cfg;

	c->rto = c->srtt + (4 * c->rttvar > 1000000 ? 4 * c->rttvar : 1000000);
	if (c->rto < cfg->rto_min_ns)
		c->rto = cfg->rto_min_ns;
	if (c->rto > cfg->rto_max_ns)
		c->rto = cfg->rto_max_ns;
}

void tcp_rtt_sample(struct tcp_conn *c, uint64_t r)
{
	if (!c->srtt) {
		c->srtt = r ? r : 1;
		c->rttvar = r / 2;
	} else {
		uint64_t d = c->srtt > r ? c->srtt - r : r - c->srtt;
		c->rttvar = (3 * c->rttvar + d) / 4;
		c->srtt = (7 * c->srtt + r) / 8;
	}
	tcp_rto_set(c);
	c->retries = 0;
}

/* ---- passive open ------------------------------------------------------ */
static void listen_input(struct net_stack *st, struct tcp_conn *l, unsigned q,
			 uint32_t src, uint32_t dst, const uint8_t *p,
			 size_t len, const struct seg *s)
{
	struct tcp_conn *c;

	if (s->flags & TCP_RST)
		return;
	if (s->flags & TCP_ACK) {
		tcp_send_rst_for(st, q, src, dst, p, len);
		return;
	}
	if (!(s->flags & TCP_SYN))
		return;
	/* A full backlog or stack drops the SYN silently: the peer
	 * retries, by when there may be room. */
	if (l->nsyn >= l->backlog || l->nacc >= l->backlog ||
	    st->nconns >= st->cfg.max_conns) {
		st->stats.tcp_syn_drops++;
		return;
	}
	c = tcp_conn_new(st);
	if (!c) {
		st->stats.tcp_syn_drops++;
		return;
	}
	c->laddr = dst;
	c->lport = l->lport;
	c->raddr = src;
	c->rport = get16(p);
	c->txq = (uint8_t)q;
	c->parent = l;
	c->nodelay = l->nodelay;
	c->keepalive = l->keepalive;
	c->keep_idle = l->keep_idle;
	c->irs = s->seq;
	c->rcv_nxt = s->seq + 1;
	c->rcv_adv = c->rcv_nxt;
	c->iss = tcp_isn(st, dst, c->lport, src, c->rport);
	c->snd_una = c->snd_nxt = c->snd_max = c->iss;
	c->rcv_wscale = tcp_rcv_wscale(st);
	syn_options_apply(c, s, true);
	c->snd_wnd = s->wnd; /* never scaled in a SYN */
	c->max_snd_wnd = c->snd_wnd;
	c->snd_wl1 = s->seq;
	l->nsyn++;
	tcp_set_state(c, TCP_SYN_RECEIVED);
	c->rtt_start = env_now();
	tcp_xmit_seg(c, c->iss, TCP_SYN | TCP_ACK, 0, 0);
	c->snd_nxt = c->snd_max = c->iss + 1;
	tcp_rexmt_arm(c);
}

/* ---- active open -------------------------------------------------------- */
static void syn_sent_input(struct tcp_conn *c, const struct seg *s)
{
	if (s->flags & TCP_ACK) {
		if (seq_le(s->ack, c->iss) || seq_gt(s->ack, c->snd_max)) {
			if (!(s->flags & TCP_RST)) {
				c->st->stats.tcp_rst_tx++;
				tcp_xmit_seg(c, s->ack, TCP_RST, 0, 0);
			}
			return;
		}
	}
	if (s->flags & TCP_RST) {
		if (s->flags & TCP_ACK)
			tcp_conn_drop(c, -ECONNREFUSED);
		return;
	}
	if (!(s->flags & TCP_SYN))
		return;
	c->irs = s->seq;
	c->rcv_nxt = s->seq + 1;
	c->rcv_adv = c->rcv_nxt;
	syn_options_apply(c, s, true);
	c->snd_wnd = s->wnd;
	c->snd_wl1 = s->seq;
	c->snd_wl2 = s->ack;
	if (s->flags & TCP_ACK) {
		c->snd_una = s->ack;
		if (c->retries == 0)
			tcp_rtt_sample(c, env_now() - c->rtt_start);
		c->retries = 0;
		c->t_rexmt = 0;
		c->max_snd_wnd = c->snd_wnd; /* a SYN's window is unscaled */
		c->last_rcv = env_now();
		tcp_set_state(c, TCP_ESTABLISHED);
		c->ack_now = true;
		tcp_output(c);
		return;
	}
	/* Simultaneous open (RFC 793 figure 8): SYN-ACK with our ISS. */
	tcp_set_state(c, TCP_SYN_RECEIVED);
	c->snd_wnd = s->wnd;
	tcp_xmit_seg(c, c->iss, TCP_SYN | TCP_ACK, 0, 0);
}

/* ---- synchronized states ------------------------------------------------ */
static bool seq_acceptable(struct tcp_conn *c, const struct seg *s,
			   uint32_t seglen)
{
	uint32_t wnd = c->rcv.buf ? c->rcv.size - c->rcv.len : 0;
	uint32_t end = c->rcv_nxt + wnd;

	/* A window we advertised earlier stays valid (rcv_adv). */
	if (seq_gt(c->rcv_adv, end))
		end = c->rcv_adv;
	if (seglen == 0)
		return end == c->rcv_nxt ? s->seq == c->rcv_nxt
					 : seq_le(c->rcv_nxt, s->seq) &&
						   seq_lt(s->seq, end);
	if (end == c->rcv_nxt)
		return false;
	return seq_lt(s->seq, end) && seq_gt(s->seq + seglen, c->rcv_nxt);
}

/* SYN_RECEIVED -> ESTABLISHED; false if out of memory (c is reset and,
 * being a listener's child nobody has seen, freed). */
static bool tcp_established(struct tcp_conn *c)
{
	struct tcp_conn *l = c->parent;

	if (tcp_conn_buffers(c) < 0) {
		bool orphan = c->parent || c->user_closed;
		tcp_send_reset(c);
		tcp_conn_drop(c, -ENOBUFS);
		if (orphan)
			return false;
		return true;
	}
	c->last_rcv = env_now();
	tcp_set_state(c, TCP_ESTABLISHED);
	if (l) {
		l->nsyn--;
		c->acc_queued = true;
		*l->acc_tail = c;
		l->acc_tail = &c->acc_next;
		l->nacc++;
		env_wake(&l->ev);
	}
	return true;
}

static void retransmit_head(struct tcp_conn *c)
{
	uint32_t len = c->snd.len < c->mss ? c->snd.len : c->mss;
	uint8_t flags = TCP_ACK;

	if (tcp_can_send_fin(c) && len == c->snd.len &&
	    seq_gt(c->snd_max, c->snd_una + len))
		flags |= TCP_FIN;
	if (!len && !(flags & TCP_FIN))
		return;
	c->rtt_timing = false; /* Karn: no sample from a retransmission */
	c->st->stats.tcp_rexmt++;
	tcp_xmit_seg(c, c->snd_una, flags, 0, len);
}

static uint32_t flight(const struct tcp_conn *c)
{
	return c->snd_max - c->snd_una;
}

static void enter_recovery(struct tcp_conn *c)
{
	uint32_t half = flight(c) / 2;

	c->ssthresh = half > 2u * c->mss ? half : 2u * c->mss;
	c->recover = c->snd_max;
	c->in_recovery = true;
	c->st->stats.tcp_fast_rexmt++;
	retransmit_head(c);
	c->cwnd = c->ssthresh + 3u * c->mss;
}

/* Opens cwnd for `acked` newly acknowledged bytes, counting bytes, not
 * ACKs (RFC 3465; as Linux counts segments): one ACK often covers many
 * segments (the peer's delayed ACKs, and its large receive merging our
 * TSO frames, ACKed as one), and growing by one MSS per ACK then made
 * slow start crawl. Slow start up to ssthresh, the rest by congestion
 * avoidance: about one MSS per cwnd of bytes ACKed. */
static void cwnd_grow(struct tcp_conn *c, uint32_t acked)
{
	uint64_t inc;

	if (c->cwnd < c->ssthresh) {
		uint32_t ss = c->ssthresh - c->cwnd;
		ss = acked < ss ? acked : ss;
		c->cwnd += ss;
		acked -= ss;
		if (!acked)
			return;
	}
	inc = (uint64_t)c->mss * (acked < c->mss ? c->mss : acked) / c->cwnd;
	c->cwnd += inc ? (uint32_t)inc : 1;
}

/* Processes a new cumulative ACK (snd_una < ack <= snd_max). */
static void ack_new(struct tcp_conn *c, uint32_t ack)
{
	uint32_t acked = ack - c->snd_una;
	uint32_t data = acked < c->snd.len ? acked : c->snd.len;

	/* acked may include our SYN or FIN, which are not in the ring. */
	if (c->snd.buf)
		ring_drop(&c->snd, data);
	if (c->rtt_timing && seq_gt(ack, c->rtt_seq)) {
		c->rtt_timing = false;
		tcp_rtt_sample(c, env_now() - c->rtt_start);
	}
	c->retries = 0;
	c->persist_shift = 0;
	c->snd_una = ack;
	if (seq_lt(c->snd_nxt, ack))
		c->snd_nxt = ack;
	tcp_sack_acked(c);

	if (c->in_recovery) {
		if (seq_ge(ack, c->recover)) { /* full ACK: RFC 6582 3.2 (3) */
			uint32_t f = flight(c) + c->mss;
			f = c->ssthresh < f ? c->ssthresh : f;
			/* SACK recovery never inflated cwnd: only lower it. */
			if (!c->sack_ok || f < c->cwnd)
				c->cwnd = f;
			c->in_recovery = false;
		} else if (c->sack_ok) { /* tcp_sack_recover goes on */
			if (c->cwnd < c->ssthresh) /* after a timeout */
				c->cwnd += acked < c->mss ? acked : c->mss;
			tcp_rexmt_arm(c);
		} else { /* partial ACK: resend the next hole, deflate */
			retransmit_head(c);
			c->cwnd = (c->cwnd > acked ? c->cwnd - acked : 0) + c->mss;
			tcp_rexmt_arm(c);
		}
	} else {
		cwnd_grow(c, acked);
	}
	if (!c->in_recovery)
		c->dupacks = 0;
	if (c->snd_una == c->snd_max)
		c->t_rexmt = 0;
	else if (!c->in_recovery)
		tcp_rexmt_arm(c);
	env_wake(&c->ev);
}

/* Duplicate ACK (RFC 5681 2: no data, no window change, data out). */
static void ack_dup(struct tcp_conn *c)
{
	c->dupacks++;
	if (c->sack_ok)
		return; /* the scoreboard decides (tcp_sack.c) */
	if (c->in_recovery) {
		c->cwnd += c->mss; /* each dupack: a segment has left */
	} else if (c->dupacks == 3) {
		/* RFC 6582 3.2 (2): only if this loss is after the last
		 * recovery point, so one window is not halved twice. */
		if (seq_gt(c->snd_una, c->recover) || c->recover == 0)
			enter_recovery(c);
	}
}

/* Returns ACK_GO to go on with the segment, ACK_STOP to stop, ACK_GONE
 * when c has been freed. */
enum { ACK_GO, ACK_STOP, ACK_GONE };
static int ack_input(struct tcp_conn *c, const struct seg *s)
{
	uint32_t wnd = s->wnd << c->snd_wscale;
	bool fin_acked;

	if (c->state == TCP_SYN_RECEIVED) {
		if (!seq_gt(s->ack, c->snd_una) || seq_gt(s->ack, c->snd_max)) {
			c->st->stats.tcp_rst_tx++;
			tcp_xmit_seg(c, s->ack, TCP_RST, 0, 0);
			return ACK_STOP;
		}
		if (c->retries == 0)
			tcp_rtt_sample(c, env_now() - c->rtt_start);
		c->snd_una = s->ack;
		c->t_rexmt = 0;
		c->snd_wnd = wnd;
		c->max_snd_wnd = wnd;
		c->snd_wl1 = s->seq;
		c->snd_wl2 = s->ack;
		return tcp_established(c) ? ACK_GO : ACK_GONE;
	}
	if (seq_gt(s->ack, c->snd_max)) { /* acks what we never sent */
		c->ack_now = true;
		return ACK_STOP;
	}
	if (seq_lt(c->snd_wl1, s->seq) ||
	    (c->snd_wl1 == s->seq && seq_le(c->snd_wl2, s->ack))) {
		bool same = wnd == c->snd_wnd;
		c->snd_wnd = wnd;
		if (wnd > c->max_snd_wnd)
			c->max_snd_wnd = wnd;
		c->snd_wl1 = s->seq;
		c->snd_wl2 = s->ack;
		if (s->ack == c->snd_una && !s->dlen && same &&
		    !(s->flags & (TCP_SYN | TCP_FIN)) && flight(c))
			ack_dup(c);
		else if (s->ack == c->snd_una && !same)
			c->dupacks = 0;
	}
	tcp_sack_input(c, s->ack, &s->sack);
	if (seq_gt(s->ack, c->snd_una))
		ack_new(c, s->ack);
	if (c->sack_ok && c->state != TCP_CLOSED)
		tcp_sack_recover(c);

	/* Our FIN is acknowledged once everything we sent is. */
	fin_acked = c->fin_sent && c->snd_una == c->snd_max;
	if (c->state == TCP_CLOSED)
		return ACK_STOP;
	switch (c->state) {
	case TCP_FIN_WAIT_1:
		if (fin_acked)
			tcp_set_state(c, TCP_FIN_WAIT_2);
		break;
	case TCP_CLOSING:
		if (fin_acked)
			tcp_set_state(c, TCP_TIME_WAIT);
		return ACK_STOP;
	case TCP_LAST_ACK:
		if (!fin_acked)
			return ACK_STOP;
		if (c->user_closed) {
			tcp_conn_drop(c, 0);
			return ACK_GONE;
		}
		tcp_conn_drop(c, 0);
		return ACK_STOP;
	case TCP_TIME_WAIT:
		/* Only a retransmitted FIN arrives here: ACK it, restart
		 * the 2 MSL wait. */
		if (s->flags & TCP_FIN) {
			c->ack_now = true;
			net_timer_arm(c->st, &c->t_2msl,
				      env_now() + 2 * c->st->cfg.msl_ns);
		}
		return ACK_STOP;
	default:
		break;
	}
	return ACK_GO;
}

/* Records [start, end) as held beyond rcv_nxt, merging ranges. */
static void ooo_add(struct tcp_conn *c, uint32_t start, uint32_t end)
{
	unsigned i;

	for (i = 0; i < c->nooo; i++) {
		if (seq_le(start, c->ooo[i].end) && seq_ge(end, c->ooo[i].start)) {
			if (seq_lt(start, c->ooo[i].start))
				c->ooo[i].start = start;
			if (seq_gt(end, c->ooo[i].end))
				c->ooo[i].end = end;
			return; /* may now touch another range: merged later */
		}
	}
	if (c->nooo < TCP_OOO_MAX)
		c->ooo[c->nooo++] = (typeof(c->ooo[0])){start, end};
	/* else: forgotten; the peer retransmits it. */
}

/* Moves rcv_nxt over every held range it reaches. */
static void ooo_advance(struct tcp_conn *c)
{
	bool moved = true;

	while (moved) {
		moved = false;
		for (unsigned i = 0; i < c->nooo; i++) {
			if (seq_gt(c->ooo[i].start, c->rcv_nxt))
				continue;
			if (seq_gt(c->ooo[i].end, c->rcv_nxt)) {
				c->rcv.len += c->ooo[i].end - c->rcv_nxt;
				c->rcv_nxt = c->ooo[i].end;
			}
			c->ooo[i] = c->ooo[--c->nooo];
			moved = true;
			break;
		}
	}
}

/* The MSS we advertised: what one wire segment to us carries at most. */
static uint32_t rcv_mss(const struct tcp_conn *c)
{
	return (uint32_t)c->st->nif->mtu - IP_HLEN - TCP_HLEN;
}

/* Stores the segment's data (already trimmed to the window). */
static void data_input(struct tcp_conn *c, uint32_t seq, const uint8_t *d,
		       uint32_t n)
{
	uint32_t off = seq - c->rcv_nxt;

	if (!n)
		return;
	/* In order: leave it in the driver's buffer if allowed, so it is
	 * copied once, by the reader (tcp_rcvq.c). */
	if (off || !tcp_rcvq_hold(c, d, n))
		ring_write_at(&c->rcv, c->rcv.len + off, d, n);
	if (off) {
		c->st->stats.tcp_ooo++;
		tcp_sack_rcv_ooo(c, seq, seq + n);
		ooo_add(c, seq, seq + n);
		c->ack_now = true; /* dupack tells the sender of the hole */
		return;
	}
	c->rcv.len += n;
	c->rcv_nxt += n;
	if (c->nooo) {
		ooo_advance(c);
		c->ack_now = true; /* a hole filled: ACK at once (RFC 5681) */
	}
	tcp_tune_rcv_data(c);
	/* Delayed ACK (RFC 1122 4.2.3.2): every second full segment at
	 * once, else within delack_ns. A segment above our MSS is several
	 * the device merged (large receive offload): ACK it at once. */
	if (n > rcv_mss(c)) {
		c->st->stats.tcp_lro_rx++;
		c->unacked = 1;
	}
	if (++c->unacked >= 2)
		c->ack_now = true;
	else if (!c->t_delack)
		net_timer_arm(c->st, &c->t_delack,
			      env_now() + c->st->cfg.delack_ns);
	env_wake(&c->ev);
}

static void fin_input(struct tcp_conn *c)
{
	c->rcv_nxt++;
	c->fin_rcvd = true;
	c->ooo_fin = false;
	c->ack_now = true;
	switch (c->state) {
	case TCP_SYN_RECEIVED:
	case TCP_ESTABLISHED:
		tcp_set_state(c, TCP_CLOSE_WAIT);
		break;
	case TCP_FIN_WAIT_1:
		tcp_set_state(c, c->fin_sent && c->snd_una == c->snd_max
					 ? TCP_TIME_WAIT
					 : TCP_CLOSING);
		break;
	case TCP_FIN_WAIT_2:
		tcp_set_state(c, TCP_TIME_WAIT);
		break;
	default:
		break;
	}
	env_wake(&c->ev);
}

static void sync_input(struct tcp_conn *c, struct seg *s)
{
	uint32_t seglen = s->dlen + !!(s->flags & TCP_SYN) +
			  !!(s->flags & TCP_FIN);
	uint32_t wnd, skip;

	/* A retransmitted SYN: our SYN-ACK was lost. */
	if (c->state == TCP_SYN_RECEIVED && (s->flags & TCP_SYN) &&
	    !(s->flags & (TCP_ACK | TCP_RST)) && s->seq == c->irs) {
		tcp_xmit_seg(c, c->iss, TCP_SYN | TCP_ACK, 0, 0);
		return;
	}
	if (!seq_acceptable(c, s, seglen)) {
		if (s->flags & TCP_RST)
			return;
		/* Its data is old or beyond the window, but its ACK may be
		 * news (RFC 793 allows for this at a zero window; BSD does
		 * it always): a peer whose ACKs carry a sequence number we
		 * have passed must not stall us. */
		if (s->dlen && seq_le(s->seq + s->dlen, c->rcv_nxt))
			tcp_sack_rcv_dup(c, s->seq, s->seq + s->dlen);
		if ((s->flags & TCP_ACK) && !(s->flags & TCP_SYN) &&
		    c->state != TCP_SYN_RECEIVED) {
			if (ack_input(c, s) == ACK_GONE)
				return;
			if (c->state == TCP_CLOSED)
				return;
		}
		c->ack_now = true;
		tcp_output(c);
		return;
	}
	if (s->flags & TCP_RST) {
		/* RFC 5961 3.2: exact match resets, else challenge ACK. */
		if (s->seq != c->rcv_nxt) {
			c->ack_now = true;
			tcp_output(c);
			return;
		}
		tcp_conn_drop(c, c->state == TCP_SYN_RECEIVED && c->parent
					 ? 0
				 : c->state == TCP_CLOSING ||
						 c->state == TCP_LAST_ACK ||
						 c->state == TCP_TIME_WAIT
					 ? 0
					 : -ECONNRESET);
		return;
	}
	if (s->flags & TCP_SYN) { /* RFC 5961 4.2: challenge ACK */
		c->ack_now = true;
		tcp_output(c);
		return;
	}
	if (!(s->flags & TCP_ACK))
		return;
	c->last_rcv = env_now();
	c->keep_probes = 0;
	switch (ack_input(c, s)) {
	case ACK_GONE:
		return;
	case ACK_STOP:
		tcp_output(c);
		return;
	default:
		break;
	}
	if (c->state == TCP_CLOSED) /* user still holds it */
		return;

	/* Trim to what is new and fits. */
	if (seq_lt(s->seq, c->rcv_nxt)) {
		skip = c->rcv_nxt - s->seq;
		if (s->dlen)
			tcp_sack_rcv_dup(c, s->seq, s->seq + (skip < s->dlen ? skip : s->dlen));
		if (skip > s->dlen) { /* only old data; maybe the FIN again */
			skip = s->dlen;
			if ((s->flags & TCP_FIN) && c->fin_rcvd)
				s->flags &= (uint8_t)~TCP_FIN;
		}
		s->data += skip;
		s->dlen -= skip;
		s->seq += skip;
		c->ack_now = true; /* a duplicate: ACK so the peer stops */
	}
	if (s->dlen || (s->flags & TCP_FIN)) {
		if (c->state != TCP_ESTABLISHED && c->state != TCP_FIN_WAIT_1 &&
		    c->state != TCP_FIN_WAIT_2) {
			s->dlen = 0; /* the peer's FIN came already */
		} else if (c->user_closed && s->dlen) {
			/* Nobody will read it: RFC 1122 4.2.2.13. */
			tcp_send_reset(c);
			tcp_conn_drop(c, 0);
			return;
		}
	}
	wnd = c->rcv.buf ? c->rcv.size - c->rcv.len : 0;
	if (s->seq - c->rcv_nxt + s->dlen > wnd) {
		uint32_t room = s->seq - c->rcv_nxt < wnd ? wnd - (s->seq - c->rcv_nxt) : 0;
		s->dlen = room;
		s->flags &= (uint8_t)~TCP_FIN; /* the FIN is beyond it */
		c->ack_now = true;
		c->st->stats.tcp_rx_dropped++;
	}
	if (c->state == TCP_ESTABLISHED || c->state == TCP_FIN_WAIT_1 ||
	    c->state == TCP_FIN_WAIT_2)
		data_input(c, s->seq, s->data, s->dlen);
	if ((s->flags & TCP_FIN) && !c->fin_rcvd) {
		uint32_t fseq = s->seq + s->dlen;
		if (fseq == c->rcv_nxt) {
			fin_input(c);
		} else {
			c->ooo_fin = true;
			c->fin_seq = fseq;
		}
	}
	if (c->ooo_fin && c->fin_seq == c->rcv_nxt && !c->fin_rcvd)
		fin_input(c);
	tcp_output(c);
}

void tcp_input(struct net_stack *st, unsigned q, uint32_t src, uint32_t dst,
	       const uint8_t *p, size_t len, bool csum_ok)
{
	struct seg s = {.mss = -1, .wscale = -1};
	struct tcp_conn *c;
	size_t hlen;

	if (len < TCP_HLEN) {
		st->stats.rx_bad++;
		return;
	}
	hlen = (size_t)(p[12] >> 4) * 4;
	if (hlen < TCP_HLEN || hlen > len) {
		st->stats.rx_bad++;
		return;
	}
	if (!csum_ok && csum_fold(csum_add(csum_pseudo(src, dst, IP_PROTO_TCP,
						       len),
					   p, len)) != 0) {
		st->stats.rx_csum_bad++;
		return;
	}
	st->stats.tcp_rx++;
	s.seq = get32(p + 4);
	s.ack = get32(p + 8);
	s.flags = p[13] & 0x3f;
	s.wnd = get16(p + 14);
	s.data = p + hlen;
	s.dlen = (uint32_t)(len - hlen);
	if (hlen > TCP_HLEN)
		parse_options(p + TCP_HLEN, hlen - TCP_HLEN, &s);

	c = tcp_lookup(st, dst, get16(p + 2), src, get16(p));
	if (!c || c->state == TCP_CLOSED) {
		tcp_send_rst_for(st, q, src, dst, p, len);
		return;
	}
	if (c->state == TCP_LISTEN) {
		listen_input(st, c, q, src, dst, p, len, &s);
		return;
	}
	c->txq = (uint8_t)q;
	if (c->state == TCP_SYN_SENT)
		syn_sent_input(c, &s);
	else
		sync_input(c, &s);
}
