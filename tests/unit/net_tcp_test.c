/* SPDX-License-Identifier: MIT */
/* net_tcp_test.c: TCP at the packet level against a hand-driven peer:
 * the state diagram (active, passive and simultaneous open and close,
 * RST, TIME_WAIT), timers under the fake clock (RTO and backoff, delayed
 * ACK, persist, keepalive), fast retransmit and NewReno, windows, Nagle,
 * limits and memory bounds. */
#include "net_host.h"
#include "unit.h"

static const uint8_t MAC[6] = {0x52, 0x54, 0, 0, 0, 1};
#define ADDR NET_IP(10, 0, 0, 1)
#define PEER NET_IP(10, 0, 0, 2)
#define LPORT 80
#define PPORT 5555
#define PISS 1000u /* the peer's initial sequence number */

static struct fnif dev;
static struct net_stack *st;
static struct peer pr;
static struct tseg sg;
static uint8_t buf[FNIF_FRAME_MAX];
static struct net_config cfg;
static uint32_t dev_features; /* of the next setup's device */

static void setup_cfg(const struct net_config *c)
{
	fnif_init(&dev, MAC, 4, dev_features);
	st = net_stack_new(&dev.nif, c);
	net_config_static(st, ADDR, NET_IP(255, 255, 255, 0), 0);
	pr = (struct peer){st, &dev, PEER, {0x52, 0x54, 0, 0, 0, 2}};
	peer_arp(&pr);
}

static void setup(void)
{
	net_config_default(&cfg);
	setup_cfg(&cfg);
}

static void teardown(void)
{
	net_stack_free(st);
	fnif_clear(&dev);
	CHECK_EQ(host_live_allocs(), 0); /* nothing leaked */
}

static void send_p(uint32_t seq, uint32_t ack, uint8_t flags, uint16_t win,
		   const void *d, size_t n)
{
	peer_send(&pr, PPORT, LPORT, seq, ack, flags, win, d, n);
}

static bool recv_p(void)
{
	return peer_recv(&pr, &sg, buf);
}

/* SYN with options from the peer. */
static void send_syn(uint32_t seq, int mss, int ws, uint8_t flags,
		     uint32_t ack)
{
	uint8_t f[128];
	struct tseg s = {.sip = PEER, .dip = ADDR, .sport = PPORT,
			 .dport = LPORT, .seq = seq, .ack = ack,
			 .flags = flags, .win = 65535, .mss = mss,
			 .wscale = ws};
	memcpy(s.smac, pr.mac, 6);
	memcpy(s.dmac, MAC, 6);
	net_input(&dev.nif, 0, f, mk_tcp(f, &s), 0);
}

/* Passive open on LPORT; returns the accepted connection; *iss gets the
 * stack's ISS. The peer's window is 65535 << ws. */
static struct tcp_conn *open_passive(int ws, uint32_t *iss)
{
	struct tcp_conn *l, *c = NULL;

	CHECK_EQ(tcp_usr_listen(st, LPORT, 8, &l), 0);
	send_syn(PISS, 1460, ws, TCP_SYN, 0);
	CHECK(recv_p());
	CHECK_EQ(sg.flags, TCP_SYN | TCP_ACK);
	CHECK_EQ(sg.ack, PISS + 1);
	*iss = sg.seq;
	CHECK_EQ(tcp_usr_accept(l, &c), -EAGAIN);
	send_p(PISS + 1, *iss + 1, TCP_ACK, 65535, NULL, 0);
	CHECK_EQ(tcp_usr_accept(l, &c), 0);
	tcp_usr_close(l);
	return c;
}

UNIT_TEST(passive_open_negotiates_mss_and_window_scale)
{
	struct tcp_conn *l, *c = NULL;
	setup();
	CHECK_EQ(tcp_usr_listen(st, LPORT, 8, &l), 0);
	CHECK_EQ(tcp_usr_listen(st, LPORT, 8, &c), -EADDRINUSE);
	send_syn(PISS, 1200, 7, TCP_SYN, 0);
	CHECK(recv_p());
	CHECK_EQ(sg.flags, TCP_SYN | TCP_ACK);
	CHECK_EQ(sg.ack, PISS + 1);
	CHECK_EQ(sg.mss, 1460);
	CHECK_EQ(sg.wscale, 6); /* rings grow up to 2 MiB (rcvbuf_max) */
	CHECK_EQ(sg.sport, LPORT);
	uint32_t iss = sg.seq;
	send_p(PISS + 1, iss + 1, TCP_ACK, 100, NULL, 0);
	CHECK_EQ(tcp_usr_accept(l, &c), 0);
	CHECK_EQ(c->state, TCP_ESTABLISHED);
	CHECK_EQ(c->mss, 1200);
	CHECK_EQ(c->snd_wscale, 7);
	CHECK_EQ(c->snd_wnd, 100 << 7);
	tcp_usr_close(c);
	tcp_usr_close(l);
	teardown();
}

UNIT_TEST(passive_open_without_wscale_from_peer_uses_none)
{
	struct tcp_conn *l;
	setup();
	CHECK_EQ(tcp_usr_listen(st, LPORT, 8, &l), 0);
	send_syn(PISS, -1, -1, TCP_SYN, 0);
	CHECK(recv_p());
	CHECK_EQ(sg.wscale, -1);
	send_p(PISS + 1, sg.seq + 1, TCP_ACK, 65535, NULL, 0);
	struct tcp_conn *c;
	CHECK_EQ(tcp_usr_accept(l, &c), 0);
	CHECK_EQ(c->mss, 536); /* no MSS option: RFC 1122 default */
	CHECK_EQ(c->rcv_wscale, 0);
	tcp_usr_close(c);
	tcp_usr_close(l);
	teardown();
}

UNIT_TEST(active_open_and_data_both_ways)
{
	struct tcp_conn *c;
	char rb[16];
	setup();
	CHECK_EQ(tcp_usr_connect(st, PEER, LPORT, &c), 0);
	CHECK(recv_p());
	CHECK_EQ(sg.flags, TCP_SYN);
	CHECK_EQ(sg.mss, 1460);
	CHECK(sg.wscale >= 0);
	CHECK(sg.sport >= 49152);
	CHECK_EQ(c->state, TCP_SYN_SENT);
	uint32_t iss = sg.seq;
	uint16_t lp = sg.sport;
	/* SYN-ACK from the peer (it listens on LPORT, we are lp). */
	uint8_t f[128];
	struct tseg s = {.sip = PEER, .dip = ADDR, .sport = LPORT, .dport = lp,
			 .seq = PISS, .ack = iss + 1,
			 .flags = TCP_SYN | TCP_ACK, .win = 1000, .mss = 1000,
			 .wscale = 1};
	memcpy(s.smac, pr.mac, 6);
	memcpy(s.dmac, MAC, 6);
	net_input(&dev.nif, 0, f, mk_tcp(f, &s), 0);
	CHECK_EQ(c->state, TCP_ESTABLISHED);
	CHECK(recv_p());
	CHECK_EQ(sg.flags, TCP_ACK);
	CHECK_EQ(sg.ack, PISS + 1);
	CHECK_EQ(c->snd_wnd, 1000);
	CHECK_EQ(c->mss, 1000);
	CHECK_EQ(tcp_usr_send(c, "hello", 5), 5);
	CHECK(recv_p());
	CHECK_EQ(sg.dlen, 5);
	CHECK(!memcmp(sg.data, "hello", 5));
	CHECK(sg.flags & TCP_PSH);
	peer_send(&pr, LPORT, lp, PISS + 1, iss + 6, TCP_ACK | TCP_PSH, 1000,
		  "world", 5);
	CHECK_EQ(tcp_usr_recv(c, rb, sizeof(rb)), 5);
	CHECK(!memcmp(rb, "world", 5));
	CHECK_EQ(tcp_usr_recv(c, rb, sizeof(rb)), -EAGAIN);
	CHECK_EQ(c->snd_una, iss + 6);
	tcp_usr_close(c);
	teardown();
}

UNIT_TEST(connect_refused_by_rst)
{
	struct tcp_conn *c;
	setup();
	CHECK_EQ(tcp_usr_connect(st, PEER, LPORT, &c), 0);
	CHECK(recv_p());
	uint32_t iss = sg.seq;
	/* An RST with a wrong ACK is ignored... */
	peer_send(&pr, LPORT, sg.sport, 0, iss + 7, TCP_RST | TCP_ACK, 0,
		  NULL, 0);
	CHECK_EQ(c->state, TCP_SYN_SENT);
	/* ...the right one refuses. */
	peer_send(&pr, LPORT, sg.sport, 0, iss + 1, TCP_RST | TCP_ACK, 0,
		  NULL, 0);
	CHECK_EQ(c->state, TCP_CLOSED);
	CHECK_EQ(c->err, -ECONNREFUSED);
	char b[4];
	CHECK_EQ(tcp_usr_recv(c, b, 4), -ECONNREFUSED);
	tcp_usr_close(c);
	teardown();
}

UNIT_TEST(simultaneous_open)
{
	struct tcp_conn *c;
	setup();
	CHECK_EQ(tcp_usr_connect(st, PEER, LPORT, &c), 0);
	CHECK(recv_p());
	uint32_t iss = sg.seq;
	uint16_t lp = sg.sport;
	/* The peer's own SYN crosses ours (RFC 793 figure 8). */
	uint8_t f[128];
	struct tseg s = {.sip = PEER, .dip = ADDR, .sport = LPORT, .dport = lp,
			 .seq = PISS, .flags = TCP_SYN, .win = 5000,
			 .mss = 1460, .wscale = 0};
	memcpy(s.smac, pr.mac, 6);
	memcpy(s.dmac, MAC, 6);
	net_input(&dev.nif, 0, f, mk_tcp(f, &s), 0);
	CHECK_EQ(c->state, TCP_SYN_RECEIVED);
	CHECK(recv_p());
	CHECK_EQ(sg.flags, TCP_SYN | TCP_ACK);
	CHECK_EQ(sg.seq, iss);
	CHECK_EQ(sg.ack, PISS + 1);
	/* The peer's SYN-ACK completes it. */
	s.flags = TCP_SYN | TCP_ACK;
	s.ack = iss + 1;
	net_input(&dev.nif, 0, f, mk_tcp(f, &s), 0);
	/* A SYN-ACK in SYN_RECEIVED: the SYN is old (challenge), the ACK
	 * part completes on the peer's next ACK. */
	peer_send(&pr, LPORT, lp, PISS + 1, iss + 1, TCP_ACK, 5000, NULL, 0);
	CHECK_EQ(c->state, TCP_ESTABLISHED);
	CHECK_EQ(tcp_usr_send(c, "x", 1), 1);
	tcp_usr_close(c);
	teardown();
}

/* Establishes and returns c with the peer at PISS+1, us at iss+1. */
static struct tcp_conn *established(uint32_t *iss)
{
	setup();
	return open_passive(0, iss);
}

UNIT_TEST(active_close_through_time_wait)
{
	uint32_t iss;
	struct tcp_conn *c = established(&iss);
	CHECK_EQ(tcp_usr_shutdown(c), 0);
	CHECK_EQ(c->state, TCP_FIN_WAIT_1);
	CHECK(recv_p());
	CHECK_EQ(sg.flags, TCP_FIN | TCP_ACK);
	CHECK_EQ(sg.seq, iss + 1);
	CHECK_EQ(tcp_usr_send(c, "x", 1), -EPIPE);
	send_p(PISS + 1, iss + 2, TCP_ACK, 65535, NULL, 0);
	CHECK_EQ(c->state, TCP_FIN_WAIT_2);
	send_p(PISS + 1, iss + 2, TCP_FIN | TCP_ACK, 65535, NULL, 0);
	CHECK_EQ(c->state, TCP_TIME_WAIT);
	CHECK(recv_p());
	CHECK_EQ(sg.ack, PISS + 2);
	char b[4];
	CHECK_EQ(tcp_usr_recv(c, b, 4), 0); /* end of stream */
	/* A retransmitted FIN is ACKed again. */
	send_p(PISS + 1, iss + 2, TCP_FIN | TCP_ACK, 65535, NULL, 0);
	CHECK(recv_p());
	CHECK_EQ(sg.flags, TCP_ACK);
	CHECK_EQ(sg.ack, PISS + 2);
	CHECK_EQ(st->ntimewait, 1);
	host_clock_advance(2 * cfg.msl_ns - 1);
	net_timers(st);
	CHECK_EQ(c->state, TCP_TIME_WAIT);
	host_clock_advance(1);
	net_timers(st);
	CHECK_EQ(c->state, TCP_CLOSED);
	CHECK_EQ(st->ntimewait, 0);
	CHECK_EQ(st->nconns, 0);
	tcp_usr_close(c);
	teardown();
}

UNIT_TEST(passive_close_through_last_ack)
{
	uint32_t iss;
	char b[8];
	struct tcp_conn *c = established(&iss);
	send_p(PISS + 1, iss + 1, TCP_FIN | TCP_ACK, 65535, "bye", 3);
	CHECK_EQ(c->state, TCP_CLOSE_WAIT);
	CHECK(recv_p());
	CHECK_EQ(sg.ack, PISS + 5);
	CHECK_EQ(tcp_usr_recv(c, b, 8), 3);
	CHECK_EQ(tcp_usr_recv(c, b, 8), 0);
	CHECK_EQ(tcp_usr_send(c, "ok", 2), 2); /* half-close: still sends */
	CHECK(recv_p());
	tcp_usr_close(c); /* orphan from here on */
	CHECK(recv_p());
	CHECK(sg.flags & TCP_FIN);
	CHECK_EQ(sg.seq, iss + 3);
	send_p(PISS + 5, iss + 4, TCP_ACK, 65535, NULL, 0);
	CHECK_EQ(st->nconns, 0); /* LAST_ACK -> CLOSED, freed (ASan) */
	teardown();
}

UNIT_TEST(simultaneous_close_through_closing)
{
	uint32_t iss;
	struct tcp_conn *c = established(&iss);
	tcp_usr_shutdown(c);
	CHECK(recv_p());
	CHECK(sg.flags & TCP_FIN);
	/* The peer's FIN crosses ours, not acking it. */
	send_p(PISS + 1, iss + 1, TCP_FIN | TCP_ACK, 65535, NULL, 0);
	CHECK_EQ(c->state, TCP_CLOSING);
	send_p(PISS + 2, iss + 2, TCP_ACK, 65535, NULL, 0);
	CHECK_EQ(c->state, TCP_TIME_WAIT);
	tcp_usr_close(c);
	host_clock_advance(2 * cfg.msl_ns);
	net_timers(st);
	CHECK_EQ(st->ntimewait, 0);
	teardown();
}

UNIT_TEST(rst_for_unknown_connections)
{
	setup();
	/* A SYN to a closed port: RST|ACK acking it. */
	send_syn(PISS, 1460, -1, TCP_SYN, 0);
	CHECK(recv_p());
	CHECK_EQ(sg.flags, TCP_RST | TCP_ACK);
	CHECK_EQ(sg.seq, 0);
	CHECK_EQ(sg.ack, PISS + 1);
	/* A stray ACK with data: RST with seq = its ack. */
	send_p(PISS, 777, TCP_ACK, 100, "abc", 3);
	CHECK(recv_p());
	CHECK_EQ(sg.flags, TCP_RST);
	CHECK_EQ(sg.seq, 777);
	/* Never an RST for an RST. */
	send_p(PISS, 777, TCP_RST, 0, NULL, 0);
	CHECK(!recv_p());
	teardown();
}

UNIT_TEST(rst_must_match_exactly_else_challenge_ack)
{
	uint32_t iss;
	struct tcp_conn *c = established(&iss);
	send_p(PISS + 100, 0, TCP_RST, 0, NULL, 0); /* in window, inexact */
	CHECK_EQ(c->state, TCP_ESTABLISHED);
	CHECK(recv_p());
	CHECK_EQ(sg.flags, TCP_ACK);
	CHECK_EQ(sg.ack, PISS + 1);
	send_p(PISS + 1, 0, TCP_RST, 0, NULL, 0);
	CHECK_EQ(c->state, TCP_CLOSED);
	CHECK_EQ(c->err, -ECONNRESET);
	CHECK_EQ(tcp_usr_send(c, "x", 1), -ECONNRESET);
	tcp_usr_close(c);
	teardown();
}

UNIT_TEST(syn_in_synchronized_state_gets_challenge_ack)
{
	uint32_t iss;
	struct tcp_conn *c = established(&iss);
	send_syn(PISS + 1, 1460, -1, TCP_SYN, 0);
	CHECK_EQ(c->state, TCP_ESTABLISHED);
	CHECK(recv_p());
	CHECK_EQ(sg.flags, TCP_ACK);
	tcp_usr_close(c);
	teardown();
}

UNIT_TEST(lost_synack_is_retransmitted_and_on_dup_syn)
{
	struct tcp_conn *l;
	setup();
	CHECK_EQ(tcp_usr_listen(st, LPORT, 8, &l), 0);
	send_syn(PISS, 1460, -1, TCP_SYN, 0);
	CHECK(recv_p());
	uint32_t iss = sg.seq;
	send_syn(PISS, 1460, -1, TCP_SYN, 0); /* peer retries */
	CHECK(recv_p());
	CHECK_EQ(sg.flags, TCP_SYN | TCP_ACK);
	CHECK_EQ(sg.seq, iss);
	host_clock_advance(cfg.rto_init_ns);
	net_timers(st);
	CHECK(recv_p());
	CHECK_EQ(sg.flags, TCP_SYN | TCP_ACK);
	tcp_usr_close(l); /* resets the half-open child */
	CHECK(recv_p());
	CHECK(sg.flags & TCP_RST);
	CHECK_EQ(st->nconns, 0);
	teardown();
}

UNIT_TEST(syn_backlog_and_connection_limit)
{
	struct tcp_conn *l;
	setup();
	CHECK_EQ(tcp_usr_listen(st, LPORT, 2, &l), 0);
	for (int i = 0; i < 3; i++) {
		peer_send(&pr, (uint16_t)(PPORT + i), LPORT, PISS, 0, TCP_SYN,
			  1000, NULL, 0);
		CHECK_EQ(recv_p(), i < 2);
	}
	CHECK_EQ(st->stats.tcp_syn_drops, 1);
	CHECK_EQ(l->nsyn, 2);
	tcp_usr_close(l);
	teardown();

	net_config_default(&cfg);
	cfg.max_conns = 1;
	setup_cfg(&cfg);
	CHECK_EQ(tcp_usr_listen(st, LPORT, 8, &l), 0);
	peer_send(&pr, PPORT, LPORT, PISS, 0, TCP_SYN, 1000, NULL, 0);
	CHECK(recv_p());
	peer_send(&pr, PPORT + 1, LPORT, PISS, 0, TCP_SYN, 1000, NULL, 0);
	CHECK(!recv_p());
	struct tcp_conn *c;
	CHECK_EQ(tcp_usr_connect(st, PEER, 9, &c), -ENOBUFS);
	tcp_usr_close(l);
	teardown();
}

UNIT_TEST(memory_limit_refuses_connections_with_rst)
{
	struct tcp_conn *l, *c;
	net_config_default(&cfg);
	cfg.mem_max = cfg.sndbuf + cfg.rcvbuf; /* room for one */
	setup_cfg(&cfg);
	CHECK_EQ(tcp_usr_listen(st, LPORT, 8, &l), 0);
	for (int i = 0; i < 2; i++) {
		peer_send(&pr, (uint16_t)(PPORT + i), LPORT, PISS, 0, TCP_SYN,
			  1000, NULL, 0);
		CHECK(recv_p());
		peer_send(&pr, (uint16_t)(PPORT + i), LPORT, PISS + 1,
			  sg.seq + 1, TCP_ACK, 1000, NULL, 0);
	}
	CHECK(recv_p());
	CHECK(sg.flags & TCP_RST); /* the second one */
	CHECK_EQ(st->mem_used, cfg.mem_max);
	CHECK_EQ(tcp_usr_accept(l, &c), 0);
	CHECK_EQ(tcp_usr_accept(l, &c), -EAGAIN);
	tcp_usr_close(l);
	teardown();
}

UNIT_TEST(delayed_ack_every_second_segment_or_timer)
{
	uint32_t iss;
	uint8_t d[1460] = {0};
	struct tcp_conn *c = established(&iss);
	send_p(PISS + 1, iss + 1, TCP_ACK, 65535, d, 1000);
	CHECK(!recv_p()); /* delayed */
	host_clock_advance(cfg.delack_ns);
	net_timers(st);
	CHECK(recv_p());
	CHECK_EQ(sg.ack, PISS + 1001);
	send_p(PISS + 1001, iss + 1, TCP_ACK, 65535, d, 1000);
	CHECK(!recv_p());
	send_p(PISS + 2001, iss + 1, TCP_ACK, 65535, d, 1000);
	CHECK(recv_p()); /* second segment: at once */
	CHECK_EQ(sg.ack, PISS + 3001);
	CHECK(!c->t_delack);
	tcp_usr_close(c);
	teardown();
}

UNIT_TEST(out_of_order_data_is_held_and_acked)
{
	uint32_t iss;
	char b[64];
	struct tcp_conn *c = established(&iss);
	send_p(PISS + 6, iss + 1, TCP_ACK, 65535, "world", 5);
	CHECK(recv_p()); /* immediate duplicate ACK */
	CHECK_EQ(sg.ack, PISS + 1);
	send_p(PISS + 16, iss + 1, TCP_ACK | TCP_FIN, 65535, "!", 1);
	CHECK(recv_p());
	CHECK_EQ(sg.ack, PISS + 1);
	send_p(PISS + 11, iss + 1, TCP_ACK, 65535, "12345", 5);
	CHECK(recv_p());
	CHECK_EQ(sg.ack, PISS + 1);
	CHECK_EQ(tcp_usr_recv(c, b, sizeof(b)), -EAGAIN);
	send_p(PISS + 1, iss + 1, TCP_ACK, 65535, "hello", 5);
	CHECK(recv_p());
	CHECK_EQ(sg.ack, PISS + 18); /* all data and the FIN */
	CHECK_EQ(c->state, TCP_CLOSE_WAIT);
	CHECK_EQ(tcp_usr_recv(c, b, sizeof(b)), 16);
	CHECK(!memcmp(b, "helloworld12345!", 16));
	CHECK_EQ(tcp_usr_recv(c, b, sizeof(b)), 0);
	/* Duplicates of old data are ACKed and ignored. */
	send_p(PISS + 1, iss + 1, TCP_ACK, 65535, "hello", 5);
	CHECK(recv_p());
	CHECK_EQ(sg.ack, PISS + 18);
	tcp_usr_close(c);
	teardown();
}

UNIT_TEST(rto_backoff_then_timeout)
{
	uint32_t iss;
	struct tcp_conn *c = established(&iss);
	uint64_t rto = c->rto;
	CHECK_EQ(rto, cfg.rto_min_ns); /* handshake RTT 0 on the fake clock */
	CHECK_EQ(tcp_usr_send(c, "data", 4), 4);
	CHECK(recv_p());
	for (unsigned i = 0; i < cfg.max_retries; i++) {
		host_clock_advance(rto - 1);
		net_timers(st);
		CHECK(!recv_p());
		peer_arp(&pr); /* keep the ARP entry fresh (60 s TTL) */
		host_clock_advance(1);
		net_timers(st);
		CHECK(recv_p());
		CHECK_EQ(sg.seq, iss + 1);
		CHECK_EQ(sg.dlen, 4);
		rto = rto * 2 > cfg.rto_max_ns ? cfg.rto_max_ns : rto * 2;
		CHECK_EQ(c->rto, rto);
	}
	CHECK_EQ(c->cwnd, c->mss);
	host_clock_advance(rto - 1);
	peer_arp(&pr);
	host_clock_advance(1);
	net_timers(st);
	CHECK(recv_p());
	CHECK(sg.flags & TCP_RST);
	CHECK_EQ(c->state, TCP_CLOSED);
	CHECK_EQ(tcp_usr_send(c, "x", 1), -ETIMEDOUT);
	tcp_usr_close(c);
	teardown();
}

UNIT_TEST(rtt_estimation_rfc6298)
{
	uint32_t iss;
	struct tcp_conn *c = established(&iss);
	/* Undo the handshake sample to test from a clean state. */
	c->srtt = 0;
	tcp_rtt_sample(c, 400 * MS);
	CHECK_EQ(c->srtt, 400 * MS);
	CHECK_EQ(c->rttvar, 200 * MS);
	CHECK_EQ(c->rto, 1200 * MS); /* srtt + 4 rttvar */
	tcp_rtt_sample(c, 200 * MS);
	CHECK_EQ(c->rttvar, (3 * 200 * MS + 200 * MS) / 4);
	CHECK_EQ(c->srtt, (7 * 400 * MS + 200 * MS) / 8);
	CHECK_EQ(c->rto, c->srtt + 4 * c->rttvar);
	/* An ACK samples the timed segment. */
	tcp_usr_send(c, "x", 1);
	CHECK(recv_p());
	host_clock_advance(300 * MS);
	uint64_t srtt = c->srtt;
	send_p(PISS + 1, iss + 2, TCP_ACK, 65535, NULL, 0);
	CHECK_EQ(c->srtt, (7 * srtt + 300 * MS) / 8);
	/* Karn: a retransmitted segment gives no sample. */
	tcp_usr_send(c, "y", 1);
	CHECK(recv_p());
	host_clock_advance(c->rto);
	net_timers(st);
	CHECK(recv_p());
	srtt = c->srtt;
	send_p(PISS + 1, iss + 3, TCP_ACK, 65535, NULL, 0);
	CHECK_EQ(c->srtt, srtt);
	tcp_usr_close(c);
	teardown();
}

/* Queues 2n segments of data; the first n go out (the initial window
 * is 10); pops them. */
static void send_segments(struct tcp_conn *c, int n, uint8_t *data)
{
	CHECK_EQ(tcp_usr_send(c, data, (size_t)2 * n * c->mss), 2 * n * c->mss);
	for (int i = 0; i < n; i++) {
		CHECK(recv_p());
		CHECK_EQ(sg.dlen, c->mss);
	}
	CHECK(!recv_p());
}

UNIT_TEST(fast_retransmit_and_newreno_recovery)
{
	uint32_t iss;
	static uint8_t data[40 * 1460];
	struct tcp_conn *c = established(&iss);
	uint32_t mss = c->mss, base = iss + 1;
	send_segments(c, 10, data); /* initial window: 10 segments */
	/* Segments 1 and 5 are lost: ACK 0, then dupacks for 2..4. */
	send_p(PISS + 1, base + mss, TCP_ACK, 65535, NULL, 0);
	CHECK(recv_p()); /* cwnd grew: one or two new segments */
	fnif_clear(&dev);
	uint32_t flight = c->snd_max - c->snd_una;
	for (int i = 0; i < 3; i++)
		send_p(PISS + 1, base + mss, TCP_ACK, 65535, NULL, 0);
	CHECK_EQ(st->stats.tcp_fast_rexmt, 1);
	CHECK(c->in_recovery);
	CHECK(recv_p());
	CHECK_EQ(sg.seq, base + mss); /* the hole, before any timer */
	CHECK_EQ(c->ssthresh, flight / 2);
	CHECK_EQ(c->recover, c->snd_max);
	CHECK_EQ(c->cwnd, c->ssthresh + 3 * mss);
	/* A further dupack inflates cwnd by one segment. */
	send_p(PISS + 1, base + mss, TCP_ACK, 65535, NULL, 0);
	CHECK_EQ(c->cwnd, c->ssthresh + 4 * mss);
	fnif_clear(&dev);
	/* Partial ACK (up to the second hole): resend it at once. */
	send_p(PISS + 1, base + 5 * mss, TCP_ACK, 65535, NULL, 0);
	CHECK(c->in_recovery);
	CHECK(recv_p());
	CHECK_EQ(sg.seq, base + 5 * mss);
	/* Full ACK: leave recovery with cwnd = ssthresh (or flight+mss). */
	uint32_t recover = c->recover;
	send_p(PISS + 1, recover, TCP_ACK, 65535, NULL, 0);
	CHECK(!c->in_recovery);
	CHECK(c->cwnd <= c->ssthresh);
	CHECK_EQ(st->stats.tcp_timeouts, 0);
	tcp_usr_close(c);
	teardown();
}

UNIT_TEST(zero_window_probes_until_it_opens)
{
	uint32_t iss;
	static uint8_t data[3000];
	struct tcp_conn *c = established(&iss);
	send_p(PISS + 1, iss + 1, TCP_ACK, 0, NULL, 0); /* window closed */
	CHECK_EQ(c->snd_wnd, 0);
	CHECK_EQ(tcp_usr_send(c, data, 3000), 3000);
	CHECK(!recv_p()); /* nothing may go */
	CHECK(c->t_persist != 0);
	uint64_t d = c->t_persist - env_now();
	host_clock_advance(d);
	net_timers(st);
	CHECK(recv_p()); /* probe: old seq, no data */
	CHECK_EQ(sg.seq, iss);
	CHECK_EQ(sg.dlen, 0);
	CHECK(c->t_persist - env_now() >= 2 * d); /* backed off */
	/* The answer opens the window: data flows. */
	send_p(PISS + 1, iss + 1, TCP_ACK, 2000, NULL, 0);
	CHECK(recv_p());
	CHECK_EQ(sg.seq, iss + 1);
	CHECK(sg.dlen > 0);
	CHECK_EQ(c->t_persist, 0);
	tcp_usr_close(c);
	teardown();
}

UNIT_TEST(receive_window_closes_and_reopens)
{
	uint32_t iss;
	static uint8_t d[1460], b[65536];
	net_config_default(&cfg);
	cfg.rcvbuf = 8192;
	cfg.rcvbuf_max = 0; /* never grows: scale 0 */
	setup_cfg(&cfg);
	struct tcp_conn *c = open_passive(0, &iss);
	uint32_t seq = PISS + 1;
	for (int i = 0; i < 6; i++) { /* 6 x 1460 > 8192 */
		send_p(seq, iss + 1, TCP_ACK, 65535, d, 1460);
		seq += 1460;
	}
	fnif_clear(&dev);
	CHECK_EQ(c->rcv.len, 8192); /* the excess was cut off */
	send_p(seq - 1460 + (8192 - 5 * 1460), iss + 1, TCP_ACK, 65535, d, 10);
	CHECK(recv_p());
	CHECK_EQ(sg.win, 0);
	CHECK_EQ(sg.ack, PISS + 1 + 8192);
	CHECK_EQ(tcp_usr_recv(c, b, sizeof(b)), 8192);
	CHECK(recv_p()); /* window update */
	CHECK_EQ(sg.win, 8192);
	tcp_usr_close(c);
	teardown();
}

UNIT_TEST(nagle_coalesces_unless_nodelay)
{
	uint32_t iss;
	struct tcp_conn *c = established(&iss);
	tcp_usr_send(c, "a", 1);
	CHECK(recv_p()); /* nothing in flight: goes at once */
	tcp_usr_send(c, "b", 1);
	tcp_usr_send(c, "c", 1);
	CHECK(!recv_p()); /* waits for the ACK */
	send_p(PISS + 1, iss + 2, TCP_ACK, 65535, NULL, 0);
	CHECK(recv_p());
	CHECK_EQ(sg.dlen, 2);
	CHECK(!memcmp(sg.data, "bc", 2));
	c->nodelay = true;
	tcp_usr_send(c, "d", 1);
	CHECK(recv_p());
	tcp_usr_send(c, "e", 1);
	CHECK(recv_p()); /* no waiting with nodelay */
	tcp_usr_close(c);
	teardown();
}

UNIT_TEST(window_scale_applies_to_the_peer_window)
{
	uint32_t iss;
	static uint8_t data[4000];
	setup();
	struct tcp_conn *c = open_passive(3, &iss);
	send_p(PISS + 1, iss + 1, TCP_ACK, 365, NULL, 0); /* 2920 bytes */
	CHECK_EQ(c->snd_wnd, 2920);
	tcp_usr_send(c, data, 4000);
	uint32_t sent = 0;
	while (recv_p())
		sent += (uint32_t)sg.dlen;
	CHECK_EQ(sent, 2920);
	tcp_usr_close(c);
	teardown();
}

UNIT_TEST(keepalive_probes_then_drops_a_silent_peer)
{
	uint32_t iss;
	struct tcp_conn *c = established(&iss);
	c->keepalive = true;
	c->keep_idle = 10 * SEC;
	c->keep_intvl = 1 * SEC;
	c->keep_cnt = 3;
	net_timers(st);
	host_clock_advance(10 * SEC);
	net_timers(st);
	CHECK(recv_p());
	CHECK_EQ(sg.seq, iss); /* snd_una - 1 */
	/* The peer answers: the connection is alive, probes stop. */
	send_p(PISS + 1, iss + 1, TCP_ACK, 65535, NULL, 0);
	host_clock_advance(1 * SEC);
	net_timers(st);
	CHECK(!recv_p());
	host_clock_advance(9 * SEC);
	net_timers(st);
	for (int i = 0; i < 3; i++) {
		CHECK(recv_p());
		host_clock_advance(1 * SEC);
		net_timers(st);
	}
	CHECK(recv_p());
	CHECK(sg.flags & TCP_RST);
	CHECK_EQ(c->err, -ETIMEDOUT);
	tcp_usr_close(c);
	teardown();
}

UNIT_TEST(close_with_unread_data_resets)
{
	uint32_t iss;
	struct tcp_conn *c = established(&iss);
	send_p(PISS + 1, iss + 1, TCP_ACK, 65535, "unread", 6);
	fnif_clear(&dev);
	tcp_usr_close(c);
	CHECK(recv_p());
	CHECK(sg.flags & TCP_RST);
	CHECK_EQ(st->nconns, 0);
	CHECK_EQ(st->mem_used, 0);
	teardown();
}

UNIT_TEST(data_after_close_resets_the_orphan)
{
	uint32_t iss;
	struct tcp_conn *c = established(&iss);
	tcp_usr_close(c);
	CHECK(recv_p());
	CHECK(sg.flags & TCP_FIN);
	send_p(PISS + 1, iss + 1, TCP_ACK, 65535, "late", 4);
	CHECK(recv_p());
	CHECK(sg.flags & TCP_RST);
	CHECK_EQ(st->nconns, 0);
	teardown();
}

UNIT_TEST(orphan_fin_wait_2_times_out)
{
	uint32_t iss;
	struct tcp_conn *c = established(&iss);
	tcp_usr_close(c);
	send_p(PISS + 1, iss + 2, TCP_ACK, 65535, NULL, 0);
	CHECK_EQ(st->nconns, 1);
	host_clock_advance(cfg.fin_wait2_ns);
	net_timers(st);
	CHECK_EQ(st->nconns, 0);
	teardown();
}

UNIT_TEST(time_wait_is_bounded)
{
	net_config_default(&cfg);
	cfg.max_timewait = 2;
	setup_cfg(&cfg);
	struct tcp_conn *l, *c;
	CHECK_EQ(tcp_usr_listen(st, LPORT, 8, &l), 0);
	for (int i = 0; i < 3; i++) {
		uint16_t pp = (uint16_t)(PPORT + i);
		peer_send(&pr, pp, LPORT, PISS, 0, TCP_SYN, 1000, NULL, 0);
		CHECK(recv_p());
		uint32_t iss = sg.seq;
		peer_send(&pr, pp, LPORT, PISS + 1, iss + 1, TCP_ACK, 1000,
			  NULL, 0);
		CHECK_EQ(tcp_usr_accept(l, &c), 0);
		tcp_usr_close(c);
		peer_send(&pr, pp, LPORT, PISS + 1, iss + 2, TCP_ACK | TCP_FIN,
			  1000, NULL, 0);
		fnif_clear(&dev);
		host_clock_advance(1);
	}
	CHECK_EQ(st->ntimewait, 2);
	tcp_usr_close(l);
	teardown();
}

UNIT_TEST(isns_differ_by_connection_and_advance_with_time)
{
	setup();
	uint32_t a = tcp_isn(st, ADDR, 80, PEER, 1000);
	uint32_t b = tcp_isn(st, ADDR, 80, PEER, 1001);
	CHECK(a != b);
	host_clock_advance(4000 * 1000); /* 1000 ticks of 4 us */
	CHECK_EQ(tcp_isn(st, ADDR, 80, PEER, 1000) - a, 1000);
	teardown();
}

UNIT_TEST(tx_queue_follows_the_rx_queue)
{
	uint32_t iss;
	setup();
	struct tcp_conn *l, *c;
	CHECK_EQ(tcp_usr_listen(st, LPORT, 8, &l), 0);
	uint8_t f[128];
	struct tseg s = {.sip = PEER, .dip = ADDR, .sport = PPORT,
			 .dport = LPORT, .seq = PISS, .flags = TCP_SYN,
			 .win = 1000, .mss = -1, .wscale = -1};
	memcpy(s.smac, pr.mac, 6);
	memcpy(s.dmac, MAC, 6);
	net_input(&dev.nif, 3, f, mk_tcp(f, &s), 0);
	CHECK_EQ(dev.count, 1);
	CHECK_EQ(dev.queues[dev.head], 3);
	CHECK(recv_p());
	iss = sg.seq;
	send_p(PISS + 1, iss + 1, TCP_ACK, 1000, NULL, 0);
	CHECK_EQ(tcp_usr_accept(l, &c), 0);
	/* The handshake's last ACK came in on queue 0: so does the flow. */
	CHECK_EQ(net_sock_queue((struct net_sock *)c), 0);
	CHECK_EQ(net_sock_queue((struct net_sock *)l), -ENOTCONN);
	tcp_usr_close(c);
	tcp_usr_close(l);
	teardown();
}

UNIT_MAIN()

/* Segmentation offload: the stack hands the device frames of whole MSS
 * (gso_size = MSS) as far as the windows allow, and a timeout resends
 * from snd_una in what cwnd then allows: part of a large segment. */
UNIT_TEST(tso_sends_large_segments_and_retransmits_part_of_one)
{
	uint32_t iss;
	static uint8_t data[20 * 1460];
	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 7 + i / 251);
	dev_features = NETIF_F_TX_CSUM | NETIF_F_TSO4;
	struct tcp_conn *c = established(&iss);
	dev_features = 0;
	uint32_t mss = c->mss, base = iss + 1;
	CHECK_EQ(mss, 1460);
	CHECK_EQ(tcp_usr_send(c, data, sizeof(data)), (long)sizeof(data));
	CHECK(recv_p()); /* the initial window, 10 MSS, in one frame */
	CHECK_EQ(sg.seq, base);
	CHECK_EQ(sg.dlen, 10 * mss);
	CHECK(!memcmp(sg.data, data, 10 * mss));
	CHECK_EQ(dev.gso_calls, 1);
	CHECK_EQ(dev.gso[(dev.head + FNIF_FRAMES - 1) % FNIF_FRAMES], mss);
	CHECK(!recv_p());
	/* 3 MSS arrived: slow start counts bytes, cwnd 13 MSS, 7 in
	 * flight, 6 more go as one. */
	send_p(PISS + 1, base + 3 * mss, TCP_ACK, 65535, NULL, 0);
	CHECK(recv_p());
	CHECK_EQ(sg.seq, base + 10 * mss);
	CHECK_EQ(sg.dlen, 6 * mss);
	CHECK(!memcmp(sg.data, data + 10 * mss, 6 * mss));
	CHECK(!recv_p());
	/* Timeout: one MSS from snd_una, inside the first large segment,
	 * not offloaded. */
	host_clock_advance(c->rto);
	net_timers(st);
	CHECK(recv_p());
	CHECK_EQ(sg.seq, base + 3 * mss);
	CHECK_EQ(sg.dlen, mss);
	CHECK(!memcmp(sg.data, data + 3 * mss, mss));
	CHECK_EQ(dev.gso_calls, 2);
	CHECK(!recv_p());
	/* Its ACK: slow start from 1 MSS, the next 2 MSS in one frame. */
	send_p(PISS + 1, base + 4 * mss, TCP_ACK, 65535, NULL, 0);
	CHECK(recv_p());
	CHECK_EQ(sg.seq, base + 4 * mss);
	CHECK_EQ(sg.dlen, 2 * mss);
	CHECK(!memcmp(sg.data, data + 4 * mss, 2 * mss));
	CHECK_EQ(dev.gso_calls, 3);
	/* Everything acknowledged: the rest goes out, all of it intact. */
	uint32_t next = base + 6 * mss;
	for (int round = 0; round < 20 && seq_lt(c->snd_una, base + sizeof(data));
	     round++) {
		send_p(PISS + 1, c->snd_nxt, TCP_ACK, 65535, NULL, 0);
		while (recv_p()) {
			if (!sg.dlen)
				continue;
			CHECK_EQ(sg.seq, next);
			CHECK(!memcmp(sg.data, data + (sg.seq - base), sg.dlen));
			CHECK_EQ(sg.dlen % mss, 0);
			next += (uint32_t)sg.dlen;
		}
	}
	CHECK_EQ(next, base + sizeof(data));
	CHECK_EQ(c->snd_una, base + sizeof(data));
	tcp_usr_close(c);
	teardown();
}

UNIT_TEST(tso_unused_when_off_or_next_hop_unresolved)
{
	uint32_t iss;
	static uint8_t data[10 * 1460];
	dev_features = NETIF_F_TX_CSUM | NETIF_F_TSO4;
	struct tcp_conn *c = established(&iss);
	dev_features = 0;
	CHECK(ip_gso_max(st, PEER) > 60000);
	CHECK_EQ(ip_gso_max(st, NET_IP(10, 0, 0, 3)), 0); /* no ARP entry */
	st->no_tso = true;
	CHECK_EQ(ip_gso_max(st, PEER), 0);
	CHECK_EQ(tcp_usr_send(c, data, sizeof(data)), (long)sizeof(data));
	for (int i = 0; i < 10; i++) {
		CHECK(recv_p());
		CHECK_EQ(sg.dlen, c->mss);
	}
	CHECK_EQ(dev.gso_calls, 0);
	tcp_usr_close(c);
	teardown();
}

/* Large receive: a segment of many MSS is taken whole and ACKed at once;
 * beyond the window it is cut off like any other. */
UNIT_TEST(large_segment_taken_and_acked_at_once_within_the_window)
{
	uint32_t iss;
	static uint8_t d[40000], b[40000];
	for (size_t i = 0; i < sizeof(d); i++)
		d[i] = (uint8_t)(i * 13 + i / 257);
	struct tcp_conn *c = established(&iss);
	send_p(PISS + 1, iss + 1, TCP_ACK, 65535, d, 30000);
	CHECK(recv_p()); /* no delayed ACK */
	CHECK_EQ(sg.ack, PISS + 1 + 30000);
	CHECK_EQ(st->stats.tcp_lro_rx, 1);
	CHECK_EQ(tcp_usr_recv(c, b, sizeof(b)), 30000);
	CHECK(!memcmp(b, d, 30000));
	tcp_usr_close(c);
	teardown();

	net_config_default(&cfg);
	cfg.rcvbuf = 16384;
	setup_cfg(&cfg);
	c = open_passive(0, &iss);
	send_p(PISS + 1, iss + 1, TCP_ACK, 65535, d, sizeof(d));
	CHECK(recv_p());
	uint32_t got = c->rcv.len;
	CHECK(got <= 16384 && got > 0);
	CHECK_EQ(sg.ack, PISS + 1 + got);
	CHECK_EQ(tcp_usr_recv(c, b, sizeof(b)), (long)got);
	CHECK(!memcmp(b, d, got));
	tcp_usr_close(c);
	teardown();
}

/* Buffer autotuning (tcp_tune.c), receive side: a ring the peer nearly
 * filled doubles once the reader drains it, keeps every byte (in order
 * and out of order) at its place, offers the room in a window update,
 * and stops at rcvbuf_max. A reader that does not drain it gets
 * nothing. */
static void fill_drain(struct tcp_conn *c, uint32_t *seq, uint32_t iss,
		       const uint8_t *d, uint8_t *b, uint32_t n)
{
	for (uint32_t off = 0, k; off < n; off += k, *seq += k) {
		k = n - off < 1460 ? n - off : 1460;
		send_p(*seq, iss + 1, TCP_ACK, 65535, d + off, k);
	}
	CHECK_EQ(tcp_usr_recv(c, b, n), (long)n);
	CHECK(!memcmp(b, d, n));
}

UNIT_TEST(receive_ring_grows_while_the_reader_keeps_up)
{
	uint32_t iss, seq = PISS + 1;
	static uint8_t d[2 << 20], b[2 << 20];
	for (size_t i = 0; i < sizeof(d); i++)
		d[i] = (uint8_t)(i * 11 + i / 263);
	struct tcp_conn *c = established(&iss);
	CHECK_EQ(c->rcv.size, 128u << 10);
	/* Half full, drained: the window was never the limit. */
	fill_drain(c, &seq, iss, d, b, 64 << 10);
	CHECK_EQ(c->rcv.size, 128u << 10);
	/* Nearly full; a hole, then data beyond it. The reader takes only
	 * part: no growth yet. */
	uint32_t n = 100000;
	for (uint32_t off = 0; off < n; off += 1000, seq += 1000)
		send_p(seq, iss + 1, TCP_ACK, 65535, d + off, 1000);
	send_p(seq + 1000, iss + 1, TCP_ACK, 65535, d + n + 1000, 500);
	CHECK(c->rcv_full);
	CHECK_EQ(tcp_usr_recv(c, b, 40 << 10), 40 << 10);
	CHECK_EQ(c->rcv.size, 128u << 10);
	/* The rest read: the ring doubles, the update offers 256 KiB. */
	fnif_clear(&dev);
	CHECK_EQ(tcp_usr_recv(c, b + (40 << 10), sizeof(b)), (long)n - (40 << 10));
	CHECK(!memcmp(b, d, n));
	CHECK_EQ(c->rcv.size, 256u << 10);
	CHECK_EQ(st->stats.tcp_rcv_grown, 1);
	CHECK(recv_p());
	CHECK_EQ((uint32_t)sg.win << 6, 256u << 10);
	/* The hole filled: the out-of-order bytes survived the move. */
	send_p(seq, iss + 1, TCP_ACK, 65535, d + n, 1000);
	CHECK_EQ(tcp_usr_recv(c, b, sizeof(b)), 1500);
	CHECK(!memcmp(b, d + n, 1500));
	seq += 1500;
	/* Fill and drain until the cap: 512 KiB, 1 MiB, 2 MiB, no more. */
	for (int i = 0; i < 5; i++) {
		n = c->rcv.size - c->rcv.size / 8;
		fill_drain(c, &seq, iss, d, b, n);
	}
	CHECK_EQ(c->rcv.size, 2u << 20);
	CHECK_EQ(st->stats.tcp_rcv_grown, 4);
	tcp_usr_close(c);
	teardown();
}

UNIT_TEST(receive_ring_growth_keeps_half_of_mem_max_free)
{
	uint32_t iss, seq = PISS + 1;
	static uint8_t d[120 << 10], b[120 << 10];
	net_config_default(&cfg);
	cfg.mem_max = 4 * cfg.rcvbuf; /* one connection: already half */
	setup_cfg(&cfg);
	struct tcp_conn *c = open_passive(0, &iss);
	fill_drain(c, &seq, iss, d, b, sizeof(d));
	CHECK_EQ(c->rcv.size, 128u << 10);
	CHECK_EQ(st->stats.tcp_rcv_grown, 0);
	CHECK_EQ(st->mem_used, 2 * cfg.rcvbuf);
	tcp_usr_close(c);
	teardown();
}

/* Send side: a full ring whose every byte is in flight, with cwnd and
 * the peer's window beyond it, doubles; the data goes out intact. */
UNIT_TEST(send_ring_grows_when_it_limits_the_flight)
{
	uint32_t iss;
	static uint8_t d[1 << 20];
	for (size_t i = 0; i < sizeof(d); i++)
		d[i] = (uint8_t)(i * 5 + i / 241);
	setup();
	struct tcp_conn *c = open_passive(7, &iss);
	uint32_t next = iss + 1, sent = 0;
	while (c->snd.size < 256u << 10 && sent < sizeof(d)) {
		long k = tcp_usr_send(c, d + sent, sizeof(d) - sent);
		if (k > 0)
			sent += (uint32_t)k;
		while (recv_p()) { /* every byte in order, once */
			CHECK_EQ(sg.seq, next);
			CHECK(!memcmp(sg.data, d + (next - iss - 1), sg.dlen));
			next += (uint32_t)sg.dlen;
		}
		if (k <= 0) /* full: the peer ACKs everything */
			send_p(PISS + 1, next, TCP_ACK, 65535, NULL, 0);
	}
	CHECK_EQ(c->snd.size, 256u << 10);
	CHECK_EQ(st->stats.tcp_snd_grown, 1);
	CHECK(c->cwnd > 128u << 10);
	CHECK_EQ(st->mem_used, (128u << 10) + (256u << 10));
	tcp_usr_close(c);
	teardown();
}

/* A device whose queue is full (-ENOBUFS) holds the data back: nothing
 * counts as sent, and the next chance sends it from where it stopped. */
UNIT_TEST(full_device_queue_holds_data_back)
{
	uint32_t iss;
	static const uint8_t d[3000] = {1, 2, 3};
	struct tcp_conn *c = established(&iss);
	dev.fail_next = -ENOBUFS;
	CHECK_EQ(tcp_usr_send(c, d, 1000), 1000);
	CHECK_EQ(c->snd_nxt, iss + 1);
	CHECK_EQ(st->stats.tcp_tx_busy, 1);
	CHECK(c->t_rexmt != 0); /* should nothing else come */
	CHECK(!recv_p());
	CHECK_EQ(tcp_usr_send(c, d + 1000, 2000), 2000);
	CHECK(recv_p());
	CHECK_EQ(sg.seq, iss + 1);
	CHECK_EQ(sg.dlen, 1460);
	CHECK(recv_p());
	CHECK_EQ(sg.seq, iss + 1 + 1460);
	CHECK_EQ(st->stats.tcp_rexmt, 0);
	tcp_usr_close(c);
	teardown();
}
