/* SPDX-License-Identifier: MIT */
/* tcp_sack.c: selective acknowledgements and the loss recovery built on
 * them, plus repeated window updates.
 *
 * Receiver (RFC 2018, 2883): ACKs carry up to four SACK blocks made from
 * the out-of-order ranges of the receive ring, the newest first, and a
 * D-SACK block for a duplicate segment. A segment that arrives out of
 * order or twice is answered by a pure ACK even when data is waiting to
 * go: a data segment has no room for the blocks beside a full MSS, and a
 * sender without SACK counts only pure ACKs as duplicates (RFC 5681).
 *
 * Sender (RFC 6675 with RACK's time-based loss marking, RFC 8985): the
 * scoreboard holds the SACKed ranges above snd_una, each with the time it
 * was first reported. A hole below a range reported more than the
 * reordering window ago is lost; so is, until reordering has been seen,
 * a hole with three segments SACKed above it (DupThresh). The window
 * starts at srtt/4 and grows by srtt/4 (up to 2 srtt) with each D-SACK of
 * a fast retransmission: a network that reorders stops triggering
 * spurious retransmissions, one that loses still gets its holes filled
 * within a fraction of an RTT rather than an RTO. Recovery sends while
 * the pipe (bytes in the network: not SACKed, not lost unless resent) is
 * below cwnd: lost holes first, then new data. When every fast
 * retransmission of an episode was D-SACKed, cwnd and ssthresh are put
 * back (undo, RFC 2883 section 5 / Linux). Memory stays bounded: at most
 * TCP_SACK_MAX ranges; a range that does not fit is forgotten (its data
 * is only resent needlessly). */
#include "net/stack.h"

#define OPT_NOP 1
#define OPT_SACK 5
#define SACK_BLOCKS 4 /* 4 + 8 * 4 = 36 bytes of the 40 option bytes */
#define REO_STEPS_MAX 8

/* ---- receiver ------------------------------------------------------------ */

void tcp_sack_rcv_dup(struct tcp_conn *c, uint32_t seq, uint32_t end)
{
	c->dsack_start = seq;
	c->dsack_end = end;
	c->sack_news = true;
	c->ack_now = true;
}

/* Data [seq, end) arrived beyond rcv_nxt; called before it is recorded. */
void tcp_sack_rcv_ooo(struct tcp_conn *c, uint32_t seq, uint32_t end)
{
	for (unsigned i = 0; i < c->nooo; i++)
		if (seq_le(c->ooo[i].start, seq) && seq_le(end, c->ooo[i].end))
			tcp_sack_rcv_dup(c, seq, end);
	c->sack_last = seq;
	c->sack_news = true;
}

static unsigned add_blk(uint32_t (*b)[2], unsigned n, uint32_t s, uint32_t e)
{
	if (n < SACK_BLOCKS) {
		b[n][0] = s;
		b[n][1] = e;
		n++;
	}
	return n;
}

/* Writes the SACK option of an ACK carrying len data bytes into o (room
 * bytes free in the header and frame); returns its length. *deferred: news the
 * segment could not carry; the caller leaves a pure ACK pending. */
unsigned tcp_sack_options(struct tcp_conn *c, uint8_t *o, uint32_t len,
			  uint32_t room, bool *deferred)
{
	uint32_t b[SACK_BLOCKS][2];
	unsigned n = 0, newest = c->nooo;

	*deferred = false;
	if (!c->sack_ok) {
		*deferred = c->sack_news && len;
		if (!*deferred)
			c->sack_news = false;
		return 0;
	}
	if (c->dsack_start != c->dsack_end)
		n = add_blk(b, n, c->dsack_start, c->dsack_end);
	for (unsigned i = 0; i < c->nooo; i++)
		if (seq_le(c->ooo[i].start, c->sack_last) &&
		    seq_lt(c->sack_last, c->ooo[i].end))
			newest = i;
	if (newest < c->nooo)
		n = add_blk(b, n, c->ooo[newest].start, c->ooo[newest].end);
	for (unsigned i = 0; i < c->nooo; i++)
		if (i != newest)
			n = add_blk(b, n, c->ooo[i].start, c->ooo[i].end);
	if (!n) {
		c->sack_news = false;
		return 0;
	}
	if (4 + 8 * n > room) {
		*deferred = c->sack_news;
		return 0;
	}
	o[0] = OPT_NOP;
	o[1] = OPT_NOP;
	o[2] = OPT_SACK;
	o[3] = (uint8_t)(2 + 8 * n);
	for (unsigned i = 0; i < n; i++) {
		put32(o + 4 + 8 * i, b[i][0]);
		put32(o + 8 + 8 * i, b[i][1]);
	}
	c->dsack_start = c->dsack_end;
	c->sack_news = false;
	return 4 + 8 * n;
}

/* ---- sender: the scoreboard ---------------------------------------------- */

/* Records [s, e) as SACKed at time now; keeps the ranges sorted and
 * disjoint. A merged range keeps the oldest report time. */
static void sb_add(struct tcp_conn *c, uint32_t s, uint32_t e, uint64_t now)
{
	uint64_t when = now;
	unsigned i = 0, at;

	if (seq_lt(s, c->snd_una))
		s = c->snd_una;
	if (seq_gt(e, c->snd_max))
		e = c->snd_max;
	if (!seq_lt(s, e))
		return;
	while (i < c->nsacked) {
		struct tcp_sack_blk *b = &c->sacked[i];
		if (seq_le(s, b->end) && seq_ge(e, b->start)) {
			if (seq_lt(b->start, s))
				s = b->start;
			if (seq_gt(b->end, e))
				e = b->end;
			if (b->when < when)
				when = b->when;
			for (unsigned j = i + 1; j < c->nsacked; j++)
				c->sacked[j - 1] = c->sacked[j];
			c->nsacked--;
			continue;
		}
		i++;
	}
	for (at = 0; at < c->nsacked && seq_lt(c->sacked[at].start, s); at++)
		;
	if (c->nsacked == TCP_SACK_MAX) {
		if (at == TCP_SACK_MAX)
			return; /* the highest range is the one forgotten */
		c->nsacked--;
	}
	for (i = c->nsacked; i > at; i--)
		c->sacked[i] = c->sacked[i - 1];
	c->sacked[at] = (struct tcp_sack_blk){s, e, when};
	c->nsacked++;
}

/* snd_una moved: forget what it passed. */
void tcp_sack_acked(struct tcp_conn *c)
{
	unsigned i = 0, k = 0;

	for (; i < c->nsacked; i++) {
		struct tcp_sack_blk b = c->sacked[i];
		if (seq_le(b.end, c->snd_una))
			continue;
		if (seq_lt(b.start, c->snd_una))
			b.start = c->snd_una;
		c->sacked[k++] = b;
	}
	c->nsacked = k;
	if (seq_lt(c->high_rxt, c->snd_una))
		c->high_rxt = c->snd_una;
	/* Everything out at the last timeout is ACKed: drop the backoff.
	 * Karn's rule allows no sample from resent data, and losses in the
	 * next window would otherwise each wait a doubled RTO (seen as 2 and
	 * 4 s stalls under 10% loss). */
	if (c->rto_loss && seq_ge(c->snd_una, c->recover)) {
		c->rto_loss = false;
		if (c->srtt)
			tcp_rto_set(c);
	}
}

/* The first byte at or after seq that is not SACKed. */
uint32_t tcp_sack_skip(const struct tcp_conn *c, uint32_t seq)
{
	for (unsigned i = 0; i < c->nsacked; i++)
		if (seq_le(c->sacked[i].start, seq) &&
		    seq_lt(seq, c->sacked[i].end))
			seq = c->sacked[i].end;
	return seq;
}

/* A D-SACK: the peer got something twice. If it was a fast
 * retransmission, the network reorders: widen the window and, once every
 * retransmission of the episode proved needless, undo its reduction. */
static void dsack_seen(struct tcp_conn *c)
{
	if (!c->undo_rexmts)
		return;
	c->reo_steps = c->reo_steps < 2 ? 2 : c->reo_steps + 1;
	if (c->reo_steps > REO_STEPS_MAX)
		c->reo_steps = REO_STEPS_MAX;
	if (--c->undo_rexmts || !c->prior_cwnd)
		return;
	if (c->cwnd < c->prior_cwnd)
		c->cwnd = c->prior_cwnd;
	if (c->ssthresh < c->prior_ssthresh)
		c->ssthresh = c->prior_ssthresh;
	c->prior_cwnd = 0;
	c->st->stats.tcp_undo++;
}

void tcp_sack_input(struct tcp_conn *c, uint32_t ack,
		    const struct tcp_sack_in *in)
{
	uint64_t now = env_now();
	unsigned i = 0;

	if (!c->sack_ok || !in->n)
		return;
	/* RFC 2883 4: the first block is a D-SACK if it lies below the
	 * cumulative ACK or inside the second block. */
	if (seq_le(in->end[0], ack) ||
	    (in->n > 1 && seq_ge(in->start[0], in->start[1]) &&
	     seq_le(in->end[0], in->end[1]))) {
		dsack_seen(c);
		i = 1;
	}
	for (; i < in->n; i++)
		if (seq_lt(in->start[i], in->end[i]))
			sb_add(c, in->start[i], in->end[i], now);
}

/* ---- sender: loss marking and recovery ----------------------------------- */

static uint64_t reo_wnd(const struct tcp_conn *c)
{
	uint64_t w = c->srtt / 4 * (c->reo_steps ? c->reo_steps : 1);
	return w < 1000000 ? 1000000 : w; /* 1 ms: the clock's grain */
}

/* Holes below the returned sequence number are lost; *next: when the
 * next range ages past the window (0: none). */
static uint32_t lost_end(const struct tcp_conn *c, uint64_t now,
			 uint64_t *next)
{
	uint64_t w = reo_wnd(c);
	uint32_t above = 0;

	*next = 0;
	if (c->rto_loss)
		return c->snd_max;
	for (unsigned i = c->nsacked; i-- > 0;) {
		const struct tcp_sack_blk *b = &c->sacked[i];
		above += b->end - b->start;
		if (now - b->when >= w ||
		    (!c->reo_steps && above >= 3u * c->mss))
			return b->start;
		if (!*next || b->when + w < *next)
			*next = b->when + w;
	}
	return c->snd_una;
}

/* SACKed bytes in [from, to). */
static uint32_t sacked_in(const struct tcp_conn *c, uint32_t from,
			  uint32_t to)
{
	uint32_t n = 0;

	for (unsigned i = 0; i < c->nsacked; i++) {
		uint32_t s = c->sacked[i].start, e = c->sacked[i].end;
		if (seq_lt(s, from))
			s = from;
		if (seq_gt(e, to))
			e = to;
		if (seq_lt(s, e))
			n += e - s;
	}
	return n;
}

/* RFC 6675 SetPipe: sent, not SACKed, not lost-and-not-yet-resent. */
static uint32_t pipe(const struct tcp_conn *c, uint32_t lend)
{
	uint32_t flight = c->snd_max - c->snd_una;
	uint32_t sacked = sacked_in(c, c->snd_una, c->snd_max);
	uint32_t from = seq_lt(c->high_rxt, c->snd_una) ? c->snd_una
							: c->high_rxt;
	uint32_t lost = 0;

	if (seq_lt(from, lend))
		lost = lend - from - sacked_in(c, from, lend);
	return flight - sacked > lost ? flight - sacked - lost : 0;
}

/* Resends the next lost hole at or above high_rxt; false if none. */
static bool rexmit_hole(struct tcp_conn *c, uint32_t lend)
{
	uint32_t seq = tcp_sack_skip(c, seq_lt(c->high_rxt, c->snd_una)
						? c->snd_una
						: c->high_rxt);
	uint32_t off = seq - c->snd_una, len;

	if (!seq_lt(seq, lend) || off >= c->snd.len)
		return false;
	len = lend - seq;
	for (unsigned i = 0; i < c->nsacked; i++)
		if (seq_gt(c->sacked[i].start, seq) &&
		    c->sacked[i].start - seq < len)
			len = c->sacked[i].start - seq;
	if (len > c->mss)
		len = c->mss;
	if (len > c->snd.len - off)
		len = c->snd.len - off;
	if (c->rtt_timing && seq_le(seq, c->rtt_seq) &&
	    seq_lt(c->rtt_seq, seq + len))
		c->rtt_timing = false; /* Karn */
	c->st->stats.tcp_rexmt++;
	if (seq == c->snd_una)
		c->rxt_pass = env_now();
	tcp_xmit_seg(c, seq, TCP_ACK, off, len);
	c->high_rxt = seq + len;
	c->undo_rexmts++;
	if (!c->t_rexmt)
		tcp_rexmt_arm(c);
	return true;
}

/* Lets tcp_output send up to room new bytes beyond what is out. */
static bool send_new(struct tcp_conn *c, uint32_t room)
{
	uint32_t saved = c->cwnd, nxt = c->snd_nxt;

	c->cwnd = (c->snd_nxt - c->snd_una) + room;
	tcp_output(c);
	c->cwnd = saved;
	return c->snd_nxt != nxt;
}

static void enter_recovery(struct tcp_conn *c)
{
	uint32_t half = (c->snd_max - c->snd_una) / 2;

	c->prior_cwnd = c->cwnd;
	c->prior_ssthresh = c->ssthresh;
	c->undo_rexmts = 0;
	c->ssthresh = half > 2u * c->mss ? half : 2u * c->mss;
	c->cwnd = c->ssthresh;
	c->recover = c->snd_max;
	c->high_rxt = c->snd_una;
	c->in_recovery = true;
	c->st->stats.tcp_fast_rexmt++;
}

/* After an ACK or the reordering timer: marks losses, enters recovery,
 * sends what the pipe allows (limited transmit outside recovery). */
void tcp_sack_recover(struct tcp_conn *c)
{
	uint64_t now = env_now(), next;
	uint32_t lend;

	c->t_reo = 0;
	if (!c->sack_ok || !c->nsacked || !c->snd.buf ||
	    c->snd_una == c->snd_max)
		return;
	lend = lost_end(c, now, &next);
	/* A resend lost too (RACK's rule, simplified): the hole at snd_una
	 * outlived its resend by an RTT plus the reordering window while
	 * ACKs kept coming. Resend the holes again rather than wait for
	 * the RTO. */
	if (c->in_recovery && seq_gt(c->high_rxt, c->snd_una) &&
	    now - c->rxt_pass > c->srtt + reo_wnd(c))
		c->high_rxt = c->snd_una;
	if (!c->in_recovery && seq_gt(lend, c->snd_una)) {
		if (c->recover == 0 || seq_ge(c->snd_una, c->recover)) {
			enter_recovery(c);
		} else { /* after a timeout: recover, cwnd stays reduced */
			c->in_recovery = true;
			c->recover = c->snd_max;
			c->high_rxt = c->snd_una;
		}
		/* The go-back-N resend after a timeout ends here: what it
		 * resent counts as resent, the rest is the scoreboard's. */
		if (seq_lt(c->snd_nxt, c->snd_max)) {
			if (seq_gt(c->snd_nxt, c->high_rxt))
				c->high_rxt = c->snd_nxt;
			c->snd_nxt = c->snd_max;
		}
		rexmit_hole(c, lend); /* RFC 6675 5 (4.3): whatever the pipe */
	}
	for (unsigned guard = 0; guard < 64; guard++) {
		uint32_t p = pipe(c, lend);
		if (p >= c->cwnd)
			break;
		if (c->in_recovery && rexmit_hole(c, lend))
			continue;
		if (!send_new(c, c->cwnd - p))
			break;
	}
	if (next)
		net_timer_arm(c->st, &c->t_reo, next);
}

void tcp_sack_timer(struct tcp_conn *c)
{
	tcp_sack_recover(c);
	if (c->ack_now)
		tcp_output(c);
}

/* A retransmission timeout: the episode's retransmissions are no longer
 * ours to undo; after two in a row the peer may have dropped what it
 * SACKed (RFC 2018 8), so the scoreboard goes too. */
void tcp_sack_rto(struct tcp_conn *c)
{
	c->undo_rexmts = 0;
	c->prior_cwnd = 0;
	c->high_rxt = c->snd_una;
	c->t_reo = 0;
	c->rto_loss = true;
	if (c->retries >= 2)
		c->nsacked = 0;
}

/* ---- window updates ------------------------------------------------------- */

/* The window opened after being (nearly) closed: a sender stuck at it
 * waits for our update, and if the update is lost, for its persist
 * timer, which backs off to minutes. Repeat the update a few times,
 * an RTO apart, until data arrives. */
void tcp_wupd_arm(struct tcp_conn *c)
{
	c->wupd_left = 3;
	c->wupd_seq = c->rcv_nxt;
	net_timer_arm(c->st, &c->t_wupd, env_now() + c->rto);
}

void tcp_wupd_timer(struct tcp_conn *c)
{
	if (!c->wupd_left || c->rcv_nxt != c->wupd_seq || c->fin_rcvd ||
	    !c->rcv.buf)
		return;
	c->wupd_left--;
	c->ack_now = true;
	tcp_output(c);
	if (c->wupd_left)
		net_timer_arm(c->st, &c->t_wupd,
			      env_now() + (c->rto << (3 - c->wupd_left)));
}
