/* SPDX-License-Identifier: MIT */
/* net_sack_test.c: SACK (RFC 2018/2883) and the loss recovery of
 * kernel/net/tcp_sack.c against a hand-driven peer: negotiation, the
 * blocks and D-SACKs we report, the scoreboard, loss marking by
 * DupThresh and by the reordering window (fake clock), undo on D-SACK,
 * limited transmit, skipping SACKed data after an RTO, and repeated
 * window updates. */
#include "net_host.h"
#include "unit.h"

static const uint8_t MAC[6] = {0x52, 0x54, 0, 0, 0, 1};
#define ADDR NET_IP(10, 0, 0, 1)
#define PEER NET_IP(10, 0, 0, 2)
#define LPORT 80
#define PPORT 5555
#define PISS 1000u

static struct fnif dev;
static struct net_stack *st;
static struct peer pr;
static struct tseg sg;
static uint8_t buf[2048];
static struct net_config cfg;

static void teardown(void)
{
	net_stack_free(st);
	fnif_clear(&dev);
	CHECK_EQ(host_live_allocs(), 0);
}

/* A segment from the peer with up to two SACK blocks (n of them). */
static void send_s(uint32_t seq, uint32_t ack, uint8_t flags,
		   const void *d, size_t len, unsigned n, uint32_t s0,
		   uint32_t e0, uint32_t s1, uint32_t e1)
{
	uint8_t f[2048];
	struct tseg s = {.sip = PEER, .dip = ADDR, .sport = PPORT,
			 .dport = LPORT, .seq = seq, .ack = ack,
			 .flags = flags, .win = 65535, .mss = -1,
			 .wscale = -1, .data = d, .dlen = len, .nsack = n,
			 .sack = {{s0, e0}, {s1, e1}}};
	memcpy(s.smac, pr.mac, 6);
	memcpy(s.dmac, MAC, 6);
	net_input(&dev.nif, 0, f, mk_tcp(f, &s), 0);
}

static bool recv_p(void)
{
	return peer_recv(&pr, &sg, buf);
}

/* Passive open; the peer offers SACK if sack. Window 65535 unscaled. */
static struct tcp_conn *open_sack(bool sack, uint32_t rcvbuf, uint32_t *iss)
{
	struct tcp_conn *l, *c = NULL;
	uint8_t f[128];

	net_config_default(&cfg);
	if (rcvbuf)
		cfg.rcvbuf = rcvbuf;
	cfg.rcvbuf_max = 0; /* the ring stays: windows in exact bytes */
	fnif_init(&dev, MAC, 4, 0);
	st = net_stack_new(&dev.nif, &cfg);
	net_config_static(st, ADDR, NET_IP(255, 255, 255, 0), 0);
	pr = (struct peer){st, &dev, PEER, {0x52, 0x54, 0, 0, 0, 2}};
	peer_arp(&pr);
	CHECK_EQ(tcp_usr_listen(st, LPORT, 8, &l), 0);
	struct tseg s = {.sip = PEER, .dip = ADDR, .sport = PPORT,
			 .dport = LPORT, .seq = PISS, .flags = TCP_SYN,
			 .win = 65535, .mss = 1460, .wscale = 0,
			 .sack_perm = sack};
	memcpy(s.smac, pr.mac, 6);
	memcpy(s.dmac, MAC, 6);
	net_input(&dev.nif, 0, f, mk_tcp(f, &s), 0);
	CHECK(recv_p());
	CHECK_EQ(sg.flags, TCP_SYN | TCP_ACK);
	CHECK_EQ(sg.sack_perm, sack); /* offered only if the peer did */
	*iss = sg.seq;
	send_s(PISS + 1, *iss + 1, TCP_ACK, NULL, 0, 0, 0, 0, 0, 0);
	CHECK_EQ(tcp_usr_accept(l, &c), 0);
	tcp_usr_close(l);
	CHECK_EQ(c->sack_ok, sack);
	return c;
}

UNIT_TEST(receiver_reports_sack_blocks_newest_first_and_dsack)
{
	uint32_t iss;
	static uint8_t d[1000];
	struct tcp_conn *c = open_sack(true, 0, &iss);
	uint32_t b = PISS + 1;
	send_s(b + 1000, iss + 1, TCP_ACK, d, 1000, 0, 0, 0, 0, 0);
	CHECK(recv_p()); /* at once: a hole */
	CHECK_EQ(sg.ack, b);
	CHECK_EQ(sg.nsack, 1);
	CHECK_EQ(sg.sack[0][0], b + 1000);
	CHECK_EQ(sg.sack[0][1], b + 2000);
	send_s(b + 3000, iss + 1, TCP_ACK, d, 1000, 0, 0, 0, 0, 0);
	CHECK(recv_p());
	CHECK_EQ(sg.nsack, 2);
	CHECK_EQ(sg.sack[0][0], b + 3000); /* the newest first */
	CHECK_EQ(sg.sack[1][0], b + 1000);
	/* The same out-of-order segment again: D-SACK first (RFC 2883). */
	send_s(b + 1000, iss + 1, TCP_ACK, d, 1000, 0, 0, 0, 0, 0);
	CHECK(recv_p());
	CHECK_EQ(sg.nsack, 3);
	CHECK_EQ(sg.sack[0][0], b + 1000);
	CHECK_EQ(sg.sack[0][1], b + 2000);
	/* Fill the first hole; then an old segment: D-SACK below ack. */
	send_s(b, iss + 1, TCP_ACK, d, 1000, 0, 0, 0, 0, 0);
	CHECK(recv_p());
	CHECK_EQ(sg.ack, b + 2000);
	CHECK_EQ(sg.nsack, 1);
	CHECK_EQ(sg.sack[0][0], b + 3000);
	send_s(b, iss + 1, TCP_ACK, d, 1000, 0, 0, 0, 0, 0);
	CHECK(recv_p());
	CHECK_EQ(sg.nsack, 2);
	CHECK_EQ(sg.sack[0][0], b);
	CHECK_EQ(sg.sack[0][1], b + 1000);
	CHECK(!recv_p());
	tcp_usr_close(c);
	teardown();
}

UNIT_TEST(out_of_order_news_goes_in_a_pure_ack_even_with_data_to_send)
{
	for (int sack = 0; sack < 2; sack++) {
		uint32_t iss;
		static uint8_t d[1460], out[20 * 1460];
		struct tcp_conn *c = open_sack(sack, 0, &iss);
		uint32_t b = PISS + 1;
		/* Our window is full of unacked data, more waits: the ACK
		 * below lets one full segment go, which has no room for
		 * blocks (and a dupack must carry no data, RFC 5681). */
		CHECK_EQ(tcp_usr_send(c, out, sizeof(out)), (long)sizeof(out));
		fnif_clear(&dev);
		send_s(b + 1460, iss + 1 + 1460, TCP_ACK, d, 1460, 0, 0, 0, 0, 0);
		bool pure = false, data = false;
		while (recv_p()) {
			if (sg.dlen) {
				data = true;
				CHECK_EQ(sg.nsack, 0);
			} else {
				pure = true;
				CHECK_EQ(sg.ack, b);
				CHECK_EQ(sg.nsack, sack ? 1u : 0u);
			}
		}
		CHECK(data);
		CHECK(pure);
		tcp_usr_close(c);
		teardown();
	}
}

/* Sends 10 full segments from c (the initial window) and pops them. */
static void ten_out(struct tcp_conn *c)
{
	static uint8_t out[40 * 1460];
	CHECK_EQ(tcp_usr_send(c, out, sizeof(out)), (long)sizeof(out));
	for (int i = 0; i < 10; i++) {
		CHECK(recv_p());
		CHECK_EQ(sg.dlen, c->mss);
	}
	CHECK(!recv_p());
}

UNIT_TEST(three_sacked_segments_mark_the_hole_lost_and_recovery_runs_by_pipe)
{
	uint32_t iss;
	struct tcp_conn *c = open_sack(true, 0, &iss);
	uint32_t m = c->mss, b = iss + 1;
	ten_out(c);
	/* Segment 0 lost; 1 and 2 SACKed: not yet (two below DupThresh),
	 * but limited transmit sends new data for them (RFC 3042). */
	send_s(PISS + 1, b, TCP_ACK, NULL, 0, 1, b + m, b + 3 * m, 0, 0);
	CHECK(!c->in_recovery);
	CHECK(recv_p());
	CHECK_EQ(sg.seq, b + 10 * m);
	fnif_clear(&dev);
	uint32_t cwnd = c->cwnd;
	send_s(PISS + 1, b, TCP_ACK, NULL, 0, 1, b + m, b + 4 * m, 0, 0);
	CHECK(c->in_recovery);
	CHECK_EQ(st->stats.tcp_fast_rexmt, 1);
	CHECK(recv_p());
	CHECK_EQ(sg.seq, b); /* the hole at once */
	CHECK_EQ(sg.dlen, m);
	CHECK_EQ(c->prior_cwnd, cwnd);
	CHECK_EQ(c->cwnd, c->ssthresh);
	/* Segment 5 lost too: SACKs above it resend it, not the rest. */
	fnif_clear(&dev);
	send_s(PISS + 1, b, TCP_ACK, NULL, 0, 2, b + 6 * m, b + 9 * m, b + m,
	       b + 5 * m);
	bool five = false;
	while (recv_p()) {
		CHECK(sg.seq != b); /* already resent */
		CHECK(!(sg.seq >= b + m && sg.seq < b + 5 * m));
		CHECK(!(sg.seq >= b + 6 * m && sg.seq < b + 9 * m));
		five |= sg.seq == b + 5 * m;
	}
	CHECK(five);
	/* Cumulative ACK beyond the recovery point ends it. */
	send_s(PISS + 1, c->recover, TCP_ACK, NULL, 0, 0, 0, 0, 0, 0);
	CHECK(!c->in_recovery);
	CHECK_EQ(c->nsacked, 0);
	CHECK_EQ(st->stats.tcp_timeouts, 0);
	tcp_usr_close(c);
	teardown();
}

UNIT_TEST(dsack_of_every_resend_undoes_and_widens_the_reordering_window)
{
	uint32_t iss;
	struct tcp_conn *c = open_sack(true, 0, &iss);
	uint32_t m = c->mss, b = iss + 1;
	c->srtt = 40 * MS;
	ten_out(c);
	uint32_t cwnd = c->cwnd, ssthresh = c->ssthresh;
	send_s(PISS + 1, b, TCP_ACK, NULL, 0, 1, b + m, b + 4 * m, 0, 0);
	CHECK(c->in_recovery);
	CHECK(c->cwnd < cwnd);
	/* Segment 0 was only late: everything is ACKed, then the resend
	 * comes back as a D-SACK below the cumulative ACK. */
	uint32_t all = c->snd_max;
	send_s(PISS + 1, all, TCP_ACK, NULL, 0, 0, 0, 0, 0, 0);
	CHECK(!c->in_recovery);
	send_s(PISS + 1, all, TCP_ACK, NULL, 0, 1, b, b + m, 0, 0);
	CHECK_EQ(st->stats.tcp_undo, 1);
	CHECK(c->cwnd >= cwnd);
	CHECK_EQ(c->ssthresh, ssthresh);
	CHECK_EQ(c->reo_steps, 2);
	/* Now three SACKed segments are not enough: the hole waits for the
	 * reordering window (2 x srtt/4 = 20 ms), on the timer. */
	fnif_clear(&dev);
	uint32_t h = c->snd_una;
	send_s(PISS + 1, h, TCP_ACK, NULL, 0, 1, h + m, h + 5 * m, 0, 0);
	CHECK(!c->in_recovery);
	CHECK(c->t_reo != 0);
	while (recv_p())
		CHECK(sg.seq != h);
	host_clock_advance(19 * MS);
	net_timers(st);
	CHECK(!c->in_recovery);
	host_clock_advance(1 * MS);
	net_timers(st);
	CHECK(c->in_recovery);
	CHECK(recv_p());
	CHECK_EQ(sg.seq, h);
	CHECK_EQ(st->stats.tcp_timeouts, 0);
	tcp_usr_close(c);
	teardown();
}

UNIT_TEST(a_lost_resend_is_resent_again_before_the_rto)
{
	uint32_t iss;
	struct tcp_conn *c = open_sack(true, 0, &iss);
	uint32_t m = c->mss, b = iss + 1;
	c->srtt = 40 * MS;
	ten_out(c);
	send_s(PISS + 1, b, TCP_ACK, NULL, 0, 1, b + m, b + 4 * m, 0, 0);
	CHECK(c->in_recovery);
	CHECK(recv_p());
	CHECK_EQ(sg.seq, b);
	fnif_clear(&dev);
	/* More SACKs within an RTT: the resend may still be on its way. */
	host_clock_advance(30 * MS);
	send_s(PISS + 1, b, TCP_ACK, NULL, 0, 1, b + m, b + 5 * m, 0, 0);
	while (recv_p())
		CHECK(sg.seq != b);
	/* srtt + reordering window (10 ms) later, the hole is still there
	 * and ACKs still come: the resend was lost too. */
	host_clock_advance(21 * MS);
	CHECK(env_now() < c->t_rexmt);
	send_s(PISS + 1, b, TCP_ACK, NULL, 0, 1, b + m, b + 6 * m, 0, 0);
	bool again = false;
	while (recv_p())
		again |= sg.seq == b;
	CHECK(again);
	CHECK_EQ(st->stats.tcp_timeouts, 0);
	tcp_usr_close(c);
	teardown();
}

UNIT_TEST(after_a_timeout_sacked_data_is_not_sent_again)
{
	uint32_t iss;
	struct tcp_conn *c = open_sack(true, 0, &iss);
	uint32_t m = c->mss, b = iss + 1;
	ten_out(c);
	/* Two SACKed (below DupThresh), nothing else comes back. */
	send_s(PISS + 1, b, TCP_ACK, NULL, 0, 1, b + m, b + 3 * m, 0, 0);
	send_s(PISS + 1, b, TCP_ACK, NULL, 0, 1, b + 5 * m, b + 6 * m, 0, 0);
	fnif_clear(&dev);
	c->t_reo = 0; /* only the RTO this time */
	host_clock_advance(c->t_rexmt - env_now());
	net_timers(st);
	CHECK(recv_p());
	CHECK_EQ(sg.seq, b); /* go-back-N from snd_una, cwnd 1 */
	CHECK(!recv_p());
	/* The peer held 1..2: its ACK goes past them (3 MSS: slow start
	 * counts bytes, cwnd 4); 3 and 4 follow, then, past the SACKed 5,
	 * segments 6 and 7 (5 counts as delivered). */
	send_s(PISS + 1, b + 3 * m, TCP_ACK, NULL, 0, 1, b + 5 * m, b + 6 * m,
	       0, 0);
	CHECK(recv_p());
	CHECK_EQ(sg.seq, b + 3 * m);
	CHECK(recv_p());
	CHECK_EQ(sg.seq, b + 4 * m);
	CHECK(recv_p());
	CHECK_EQ(sg.seq, b + 6 * m);
	CHECK(recv_p());
	CHECK_EQ(sg.seq, b + 7 * m);
	CHECK(!recv_p());
	tcp_usr_close(c);
	teardown();
}

UNIT_TEST(window_update_after_a_closed_window_is_repeated_until_data_comes)
{
	uint32_t iss;
	static uint8_t d[1460], rb[65536];
	struct tcp_conn *c = open_sack(false, 8192, &iss);
	uint32_t seq = PISS + 1;
	for (int i = 0; i < 6; i++, seq += 1460)
		send_s(seq, iss + 1, TCP_ACK, d, 1460, 0, 0, 0, 0, 0);
	CHECK_EQ(c->rcv.len, 8192);
	fnif_clear(&dev);
	CHECK_EQ(tcp_usr_recv(c, rb, sizeof(rb)), 8192);
	CHECK(recv_p());
	CHECK_EQ(sg.win, 8192);
	CHECK(c->t_wupd != 0);
	host_clock_advance(c->t_wupd - env_now()); /* update lost */
	net_timers(st);
	CHECK(recv_p());
	CHECK_EQ(sg.win, 8192);
	CHECK_EQ(sg.ack, PISS + 1 + 8192);
	/* Data arrives: no more repeats. */
	send_s(PISS + 1 + 8192, iss + 1, TCP_ACK, d, 100, 0, 0, 0, 0, 0);
	fnif_clear(&dev);
	host_clock_advance(10 * SEC);
	net_timers(st);
	while (recv_p())
		CHECK(sg.win != 8192 || sg.ack != PISS + 1 + 8192);
	tcp_usr_close(c);
	teardown();
}

UNIT_MAIN()
