/* SPDX-License-Identifier: MIT */
/* net_rcvq_test.c: received TCP data left in the driver's RX buffers
 * (NETIF_RX_HOLDABLE, kernel/net/tcp_rcvq.c) against a hand-driven peer:
 * held and copied segments read back in order with reads that cut across
 * them, out-of-order data, a FIN, the per-connection bound and the
 * driver's refusals, and every buffer given back (on reads, RST, close
 * and stack teardown; the fake device frees each one, so ASan sees any
 * use after that). */
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
static uint8_t buf[FNIF_FRAME_MAX];
static uint8_t data[64 * 1024]; /* what the peer sends: data[i] = f(i) */
static uint32_t iss;

static void setup(unsigned hold_max, unsigned hold_min)
{
	fnif_init(&dev, MAC, 1, 0);
	dev.hold_max = hold_max;
	dev.hold_min = hold_min;
	st = net_stack_new(&dev.nif, NULL);
	net_config_static(st, ADDR, NET_IP(255, 255, 255, 0), 0);
	pr = (struct peer){st, &dev, PEER, {0x52, 0x54, 0, 0, 0, 2}};
	peer_arp(&pr);
	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 7 + i / 251);
}

static void teardown(void)
{
	net_stack_free(st);
	fnif_clear(&dev);
	CHECK_EQ(dev.held, 0); /* every RX buffer given back */
	CHECK_EQ(host_live_allocs(), 0);
}

static struct tcp_conn *open_passive(void)
{
	struct tcp_conn *l, *c = NULL;

	CHECK_EQ(tcp_usr_listen(st, LPORT, 8, &l), 0);
	fnif_clear(&dev); /* what the previous connection sent */
	uint8_t f[128];
	struct tseg s = {.sip = PEER,
			 .dip = ADDR,
			 .sport = PPORT,
			 .dport = LPORT,
			 .seq = PISS,
			 .flags = TCP_SYN,
			 .win = 65535,
			 .mss = 1460,
			 .wscale = 2};
	memcpy(s.smac, pr.mac, 6);
	memcpy(s.dmac, MAC, 6);
	net_input(&dev.nif, 0, f, mk_tcp(f, &s), 0);
	CHECK(peer_recv(&pr, &sg, buf));
	CHECK_EQ(sg.flags, TCP_SYN | TCP_ACK);
	iss = sg.seq;
	peer_send(&pr, PPORT, LPORT, PISS + 1, iss + 1, TCP_ACK, 65535, NULL,
		  0);
	CHECK_EQ(tcp_usr_accept(l, &c), 0);
	tcp_usr_close(l);
	return c;
}

/* The peer sends data[off, off + n) (stream offset off) with flags. */
static void send_at(uint32_t off, uint32_t n, uint8_t flags)
{
	peer_send(&pr, PPORT, LPORT, PISS + 1 + off, iss + 1, TCP_ACK | flags,
		  65535, data + off, n);
}

/* Reads want bytes in pieces of `step` and checks them against data
 * from stream offset *at on. */
static void read_check(struct tcp_conn *c, uint32_t *at, uint32_t want,
		       uint32_t step)
{
	static uint8_t b[sizeof(data)];
	uint32_t got = 0;

	while (got < want) {
		uint32_t k = want - got < step ? want - got : step;
		long n = tcp_usr_recv(c, b, k);
		CHECK_EQ(n, (long)k);
		if (n != (long)k)
			return;
		CHECK(!memcmp(b, data + *at, k));
		*at += k;
		got += k;
	}
}

UNIT_TEST(held_segments_read_once_across_boundaries)
{
	uint32_t at = 0;
	setup(64, 1);
	struct tcp_conn *c = open_passive();
	send_at(0, 1000, 0);
	send_at(1000, 1460, 0);
	send_at(2460, 300, TCP_PSH);
	CHECK_EQ(dev.held, 3);
	CHECK_EQ(st->stats.tcp_rx_held, 3);
	read_check(c, &at, 1500, 7);   /* across the first boundary */
	CHECK_EQ(dev.held, 2);	       /* the first went back */
	read_check(c, &at, 1260, 333); /* the rest */
	CHECK_EQ(dev.held, 0);
	CHECK_EQ(tcp_usr_recv(c, buf, 10), -EAGAIN);
	tcp_usr_close(c);
	teardown();
}

UNIT_TEST(per_connection_bound_and_refusals_copy_instead)
{
	uint32_t at = 0;
	setup(64, 1);
	struct tcp_conn *c = open_passive();
	for (uint32_t i = 0; i < TCP_HELD_MAX + 4; i++)
		send_at(i * 100, 100, 0);
	CHECK_EQ(dev.held, TCP_HELD_MAX); /* the rest went into the ring */
	send_at((TCP_HELD_MAX + 4) * 100, 50, 0);
	read_check(c, &at, (TCP_HELD_MAX + 4) * 100 + 50, 64);
	CHECK_EQ(dev.held, 0);
	tcp_usr_close(c);
	teardown();

	/* A driver with one spare buffer, holding only 500 bytes or more:
	 * a held, a small copied, a refused copied segment, in order. */
	at = 0;
	setup(1, 500);
	c = open_passive();
	send_at(0, 600, 0);
	send_at(600, 100, 0);
	send_at(700, 900, 0);
	CHECK_EQ(dev.held, 1);
	CHECK_EQ(dev.holds_refused, 2);
	read_check(c, &at, 1600, 599);
	CHECK_EQ(dev.held, 0);
	tcp_usr_close(c);
	teardown();
}

UNIT_TEST(out_of_order_then_held_hole_fill_and_duplicates)
{
	uint32_t at = 0;
	setup(64, 1);
	struct tcp_conn *c = open_passive();
	send_at(1000, 1000, 0); /* out of order: into the ring */
	CHECK_EQ(dev.held, 0);
	send_at(0, 1000, 0); /* fills the hole: held */
	CHECK_EQ(dev.held, 1);
	send_at(1500, 1500, 0); /* half old, half new: new half held */
	CHECK_EQ(dev.held, 2);
	send_at(500, 1000, 0); /* all old: nothing held */
	CHECK_EQ(dev.held, 2);
	read_check(c, &at, 3000, 1001);
	CHECK_EQ(dev.held, 0);
	tcp_usr_close(c);
	teardown();
}

UNIT_TEST(fin_after_held_data_reads_data_then_end)
{
	uint32_t at = 0;
	setup(64, 1);
	struct tcp_conn *c = open_passive();
	send_at(0, 2000, 0);
	send_at(2000, 1000, TCP_FIN);
	CHECK_EQ(dev.held, 2);
	CHECK_EQ(c->state, TCP_CLOSE_WAIT);
	read_check(c, &at, 3000, 2999);
	CHECK_EQ(tcp_usr_recv(c, buf, 10), 0);
	CHECK_EQ(dev.held, 0);
	tcp_usr_close(c);
	teardown();
}

UNIT_TEST(held_buffers_go_back_on_reset_close_and_teardown)
{
	uint32_t at = 0;
	setup(64, 1);
	/* RST with held data unread: still readable, then given back. */
	struct tcp_conn *c = open_passive();
	send_at(0, 1200, 0);
	send_at(1200, 800, 0);
	peer_send(&pr, PPORT, LPORT, PISS + 1 + 2000, iss + 1, TCP_RST, 0, NULL,
		  0);
	CHECK_EQ(c->state, TCP_CLOSED);
	CHECK_EQ(dev.held, 2);
	read_check(c, &at, 2000, 1500);
	CHECK_EQ(dev.held, 0);
	tcp_usr_close(c);
	/* Close with held data unread: an abort, buffers back at once. */
	c = open_passive();
	send_at(0, 1200, 0);
	CHECK_EQ(dev.held, 1);
	tcp_usr_close(c);
	CHECK_EQ(dev.held, 0);
	/* Teardown of a stack whose connection holds data. */
	c = open_passive();
	send_at(0, 1200, 0);
	(void)c;
	teardown();
}

UNIT_MAIN()
