/* SPDX-License-Identifier: MIT */
/* tcp_timer.c: TCP's timers. Each connection has five deadlines (0 =
 * off): retransmission (RFC 6298), delayed ACK, persist (zero-window
 * probes), keepalive, and 2 MSL (TIME_WAIT, or an orphan's FIN_WAIT_2
 * lifetime). tcp_timers() runs the expired ones of every connection and
 * returns the earliest deadline left; O(connections) per call. */
#include "net/stack.h"

/* Retransmission timeout (RFC 6298 5.4-5.7; RFC 5681 3.1 eq. 4; RFC
 * 6582 4 for recover). Back off, resend from snd_una (go-back-N). */
static void rexmt_fire(struct tcp_conn *c)
{
	const struct net_config *cfg = &c->st->cfg;
	uint32_t half = (c->snd_max - c->snd_una) / 2;

	if (++c->retries > cfg->max_retries) {
		c->st->stats.tcp_timeouts++;
		if (c->state != TCP_SYN_SENT)
			tcp_send_reset(c);
		tcp_conn_drop(c, -ETIMEDOUT);
		return;
	}
	c->rto = c->rto * 2 > cfg->rto_max_ns ? cfg->rto_max_ns : c->rto * 2;
	c->rtt_timing = false;
	c->st->stats.tcp_rexmt++;
	if (c->state == TCP_SYN_SENT || c->state == TCP_SYN_RECEIVED) {
		tcp_xmit_seg(c, c->iss,
			     c->state == TCP_SYN_SENT ? TCP_SYN
						      : TCP_SYN | TCP_ACK,
			     0, 0);
		tcp_rexmt_arm(c);
		return;
	}
	c->ssthresh = half > 2u * c->mss ? half : 2u * c->mss;
	c->cwnd = c->mss;
	c->in_recovery = false;
	c->dupacks = 0;
	c->recover = c->snd_max;
	c->snd_nxt = c->snd_una;
	c->t_rexmt = 0;
	tcp_sack_rto(c);
	tcp_output(c);
	if (!c->t_rexmt && c->snd_una != c->snd_max)
		tcp_rexmt_arm(c);
}

/* Zero-window probe: a segment with an old sequence number (snd_una -
 * 1) makes the receiver answer with its current window. The persist
 * timer never gives up by itself (RFC 1122 4.2.2.17); keepalive or the
 * user's timeouts end a connection to a peer that is gone. */
static void persist_fire(struct tcp_conn *c)
{
	c->persist_shift++;
	tcp_xmit_seg(c, c->snd_una - 1, TCP_ACK, 0, 0);
	tcp_output(c); /* re-arms with the next backoff */
}

static void keep_fire(struct tcp_conn *c, uint64_t now)
{
	if (!c->keepalive || c->state != TCP_ESTABLISHED)
		return;
	if (now < c->last_rcv + c->keep_idle) {
		net_timer_arm(c->st, &c->t_keep, c->last_rcv + c->keep_idle);
		return;
	}
	if (c->keep_probes >= c->keep_cnt) {
		c->st->stats.tcp_timeouts++;
		tcp_send_reset(c);
		tcp_conn_drop(c, -ETIMEDOUT);
		return;
	}
	c->keep_probes++;
	tcp_xmit_seg(c, c->snd_una - 1, TCP_ACK, 0, 0);
	net_timer_arm(c->st, &c->t_keep, now + c->keep_intvl);
}

static bool due(uint64_t *t, uint64_t now)
{
	if (!*t || *t > now)
		return false;
	*t = 0;
	return true;
}

static uint64_t min_deadline(uint64_t m, uint64_t t)
{
	return t && (!m || t < m) ? t : m;
}

/* Runs c's expired timers; returns false if c was freed. */
static bool conn_timers(struct tcp_conn *c, uint64_t now)
{
	if (due(&c->t_2msl, now)) {
		bool orphan = c->user_closed || c->parent;
		tcp_conn_drop(c, 0);
		return !orphan;
	}
	if (due(&c->t_delack, now)) {
		c->ack_now = true;
		tcp_output(c);
	}
	if (due(&c->t_rexmt, now)) {
		bool orphan = c->user_closed || c->parent;
		rexmt_fire(c);
		if (orphan && c->state == TCP_CLOSED)
			return false;
	}
	if (due(&c->t_persist, now))
		persist_fire(c);
	if (due(&c->t_reo, now))
		tcp_sack_timer(c);
	if (due(&c->t_wupd, now))
		tcp_wupd_timer(c);
	if (c->keepalive && !c->t_keep && c->state == TCP_ESTABLISHED)
		net_timer_arm(c->st, &c->t_keep, c->last_rcv + c->keep_idle);
	if (due(&c->t_keep, now)) {
		bool orphan = c->user_closed || c->parent;
		keep_fire(c, now);
		if (orphan && c->state == TCP_CLOSED)
			return false;
	}
	return true;
}

/* Runs c's expired timers and lowers *next to its earliest deadline. */
void tcp_conn_timers(struct tcp_conn *c, uint64_t now, uint64_t *next)
{
	if (!conn_timers(c, now))
		return;
	*next = min_deadline(*next, c->t_rexmt);
	*next = min_deadline(*next, c->t_delack);
	*next = min_deadline(*next, c->t_persist);
	*next = min_deadline(*next, c->t_keep);
	*next = min_deadline(*next, c->t_2msl);
	*next = min_deadline(*next, c->t_reo);
	*next = min_deadline(*next, c->t_wupd);
}
