/* SPDX-License-Identifier: MIT */
/* net_proto_test.c: packet-level tests of Ethernet, ARP, IPv4, ICMP,
 * UDP, DHCP and the shared helpers (checksum, SipHash). */
#include "net_host.h"
#include "unit.h"

static const uint8_t MAC[6] = {0x52, 0x54, 0, 0x12, 0x34, 0x56};
static const uint8_t PEER_MAC[6] = {0x52, 0x55, 0x0a, 0, 2, 2};
static const uint8_t BCAST[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
#define ADDR NET_IP(10, 0, 2, 15)
#define GW NET_IP(10, 0, 2, 2)
#define MASK NET_IP(255, 255, 255, 0)

static struct fnif dev;
static struct net_stack *st;
static uint8_t buf[2048], f[2048];

static void setup(uint32_t features)
{
	fnif_init(&dev, MAC, 1, features);
	st = net_stack_new(&dev.nif, NULL);
	CHECK(st != NULL);
}

static void setup_static(uint32_t features)
{
	setup(features);
	CHECK_EQ(net_config_static(st, ADDR, MASK, GW), 0);
}

static void teardown(void)
{
	net_stack_free(st);
	fnif_clear(&dev);
	CHECK_EQ(host_live_allocs(), 0); /* nothing leaked */
}

static void input(const uint8_t *fr, size_t n)
{
	net_input(&dev.nif, 0, fr, n, 0);
}

UNIT_TEST(checksum_rfc1071_example)
{
	static const uint8_t d[] = {0x00, 0x01, 0xf2, 0x03,
				    0xf4, 0xf5, 0xf6, 0xf7};
	CHECK_EQ(csum_fold(csum_add(0, d, sizeof(d))), (uint16_t)~0xddf2);
	/* Odd length: the last byte is the high half of a word. */
	CHECK_EQ(csum_fold(csum_add(0, d, 3)), (uint16_t)~(0x0001 + 0xf200));
}

UNIT_TEST(siphash_reference_vectors)
{
	uint8_t key[16], msg[15];
	for (int i = 0; i < 16; i++)
		key[i] = (uint8_t)i;
	for (int i = 0; i < 15; i++)
		msg[i] = (uint8_t)i;
	/* Aumasson & Bernstein, SipHash paper, appendix A. */
	CHECK(siphash(key, msg, 15) == 0xa129ca6149be45e5ull);
	CHECK(siphash(key, msg, 0) == 0x726fdb47dd0e0e31ull);
}

UNIT_TEST(arp_request_for_us_is_answered_and_learned)
{
	setup_static(0);
	input(f, mk_arp(f, 1, PEER_MAC, GW, (uint8_t[6]){0}, ADDR));
	size_t n = fnif_pop(&dev, buf);
	CHECK_EQ(n, ETH_HLEN + 28);
	CHECK(!memcmp(buf, PEER_MAC, 6));
	CHECK(!memcmp(buf + 6, MAC, 6));
	CHECK_EQ(get16(buf + 12), ETH_P_ARP);
	CHECK_EQ(get16(buf + ETH_HLEN + 6), 2);
	CHECK(!memcmp(buf + ETH_HLEN + 8, MAC, 6));
	CHECK_EQ(get32(buf + ETH_HLEN + 14), ADDR);
	CHECK_EQ(get32(buf + ETH_HLEN + 24), GW);
	CHECK(arp_resolved(st, GW));
	teardown();
}

UNIT_TEST(arp_request_for_others_is_ignored)
{
	setup_static(0);
	input(f, mk_arp(f, 1, PEER_MAC, GW, (uint8_t[6]){0},
			NET_IP(10, 0, 2, 99)));
	CHECK_EQ(fnif_pop(&dev, buf), 0);
	CHECK(!arp_resolved(st, GW));
	/* Truncated and wrong-type ARP: counted as bad, no crash. */
	input(f, ETH_HLEN + 10);
	CHECK_EQ(st->stats.rx_bad, 1);
	teardown();
}

/* Sends a UDP datagram to dst through the stack. */
static int send_udp(uint32_t dst, const char *msg)
{
	int err;
	env_lock(st->lock);
	err = udp_send(st, 1234, dst, 5678, msg, strlen(msg));
	env_unlock(st->lock);
	return err;
}

UNIT_TEST(arp_queues_frames_until_resolved)
{
	setup_static(0);
	CHECK_EQ(send_udp(NET_IP(10, 0, 2, 7), "one"), 0);
	CHECK_EQ(send_udp(NET_IP(10, 0, 2, 7), "two"), 0);
	/* One request (broadcast), the datagrams wait. */
	size_t n = fnif_pop(&dev, buf);
	CHECK_EQ(get16(buf + 12), ETH_P_ARP);
	CHECK(!memcmp(buf, BCAST, 6));
	CHECK_EQ(get32(buf + ETH_HLEN + 24), NET_IP(10, 0, 2, 7));
	CHECK_EQ(fnif_pop(&dev, buf), 0);
	/* The reply releases both, addressed to the resolved MAC. */
	input(f, mk_arp(f, 2, PEER_MAC, NET_IP(10, 0, 2, 7), MAC, ADDR));
	for (int i = 0; i < 2; i++) {
		n = fnif_pop(&dev, buf);
		CHECK_EQ(n, ETH_HLEN + IP_HLEN + UDP_HLEN + 3);
		CHECK(!memcmp(buf, PEER_MAC, 6));
		CHECK(!memcmp(buf + n - 3, i ? "two" : "one", 3));
	}
	teardown();
}

UNIT_TEST(arp_retries_then_gives_up_and_entries_expire)
{
	setup_static(0);
	CHECK_EQ(send_udp(NET_IP(10, 0, 2, 8), "x"), 0);
	fnif_clear(&dev);
	for (int i = 0; i < 2; i++) { /* ARP_TRIES = 3 requests in all */
		host_clock_advance(ARP_RETRY_NS);
		net_timers(st);
		CHECK_EQ(fnif_pop(&dev, buf), ETH_HLEN + 28);
	}
	host_clock_advance(ARP_RETRY_NS);
	net_timers(st);
	CHECK_EQ(fnif_pop(&dev, buf), 0); /* gave up; the frame is gone */
	CHECK(!arp_resolved(st, NET_IP(10, 0, 2, 8)));

	input(f, mk_arp(f, 1, PEER_MAC, GW, (uint8_t[6]){0}, ADDR));
	fnif_clear(&dev);
	CHECK(arp_resolved(st, GW));
	host_clock_advance(ARP_TTL_NS + 1);
	net_timers(st);
	CHECK(!arp_resolved(st, GW));
	teardown();
}

UNIT_TEST(arp_pending_queue_is_bounded)
{
	setup_static(0);
	for (int i = 0; i < ARP_PENDING; i++)
		CHECK_EQ(send_udp(NET_IP(10, 0, 2, 9), "q"), 0);
	CHECK_EQ(send_udp(NET_IP(10, 0, 2, 9), "q"), -ENOBUFS);
	CHECK_EQ(st->stats.arp_drops, 1);
	teardown();
}

UNIT_TEST(off_subnet_goes_to_the_gateway)
{
	setup_static(0);
	CHECK_EQ(send_udp(NET_IP(8, 8, 8, 8), "dns"), 0);
	fnif_pop(&dev, buf);
	CHECK_EQ(get32(buf + ETH_HLEN + 24), GW); /* ARP asks for the gw */
	input(f, mk_arp(f, 2, PEER_MAC, GW, MAC, ADDR));
	size_t n = fnif_pop(&dev, buf);
	CHECK(n > 0);
	CHECK(!memcmp(buf, PEER_MAC, 6));
	CHECK_EQ(get32(buf + ETH_HLEN + 16), NET_IP(8, 8, 8, 8));
	CHECK_EQ(get16(buf + ETH_HLEN + 6), 0x4000); /* DF, no fragment */
	CHECK_EQ(buf[ETH_HLEN + 8], 64);
	CHECK_EQ(csum_fold(csum_add(0, buf + ETH_HLEN, IP_HLEN)), 0);
	teardown();
	/* No gateway: off-subnet is unreachable. */
	setup(0);
	CHECK_EQ(net_config_static(st, ADDR, MASK, 0), 0);
	CHECK_EQ(send_udp(NET_IP(8, 8, 8, 8), "x"), -ENETUNREACH);
	CHECK_EQ(net_config_static(st, 0, MASK, 0), -EINVAL);
	CHECK_EQ(net_config_static(st, ADDR, MASK, NET_IP(10, 9, 9, 9)),
		 -EINVAL);
	teardown();
}

static size_t mk_icmp_echo(uint8_t *fr, uint32_t src, uint32_t dst,
			   const char *payload)
{
	uint8_t *ic = fr + ETH_HLEN + IP_HLEN;
	size_t n = 8 + strlen(payload);

	memcpy(fr, MAC, 6);
	memcpy(fr + 6, PEER_MAC, 6);
	put16(fr + 12, ETH_P_IP);
	memset(ic, 0, 8);
	ic[0] = 8;
	put16(ic + 4, 0x1234);
	put16(ic + 6, 7);
	memcpy(ic + 8, payload, strlen(payload));
	put16(ic + 2, csum_fold(csum_add(0, ic, n)));
	mk_ip(fr + ETH_HLEN, src, dst, IP_PROTO_ICMP, n);
	return ETH_HLEN + IP_HLEN + n;
}

UNIT_TEST(icmp_echo_is_answered)
{
	setup_static(0);
	input(f, mk_arp(f, 2, PEER_MAC, GW, MAC, ADDR));
	fnif_clear(&dev);
	input(f, mk_icmp_echo(f, GW, ADDR, "ping!"));
	size_t n = fnif_pop(&dev, buf);
	uint8_t *ic = buf + ETH_HLEN + IP_HLEN;
	CHECK_EQ(n, ETH_HLEN + IP_HLEN + 8 + 5);
	CHECK_EQ(buf[ETH_HLEN + 9], IP_PROTO_ICMP);
	CHECK_EQ(get32(buf + ETH_HLEN + 16), GW);
	CHECK_EQ(ic[0], 0);
	CHECK_EQ(get16(ic + 4), 0x1234);
	CHECK_EQ(get16(ic + 6), 7);
	CHECK(!memcmp(ic + 8, "ping!", 5));
	CHECK_EQ(csum_fold(csum_add(0, ic, 13)), 0);
	CHECK_EQ(st->stats.icmp_echo, 1);
	teardown();
}

UNIT_TEST(ip_rejects_bad_checksum_fragments_and_strangers)
{
	setup_static(0);
	input(f, mk_arp(f, 2, PEER_MAC, GW, MAC, ADDR));
	fnif_clear(&dev);
	size_t n = mk_icmp_echo(f, GW, ADDR, "x");
	f[ETH_HLEN + 10] ^= 1; /* header checksum */
	input(f, n);
	CHECK_EQ(st->stats.rx_csum_bad, 1);
	n = mk_icmp_echo(f, GW, ADDR, "x");
	put16(f + ETH_HLEN + 6, 0x2000); /* MF */
	put16(f + ETH_HLEN + 10, 0);
	put16(f + ETH_HLEN + 10, csum_fold(csum_add(0, f + ETH_HLEN, 20)));
	input(f, n);
	put16(f + ETH_HLEN + 6, 0x0010); /* offset 128 */
	put16(f + ETH_HLEN + 10, 0);
	put16(f + ETH_HLEN + 10, csum_fold(csum_add(0, f + ETH_HLEN, 20)));
	input(f, n);
	CHECK_EQ(st->stats.ip_frag_dropped, 2);
	input(f, mk_icmp_echo(f, GW, NET_IP(10, 0, 2, 44), "x"));
	CHECK_EQ(st->stats.ip_not_ours, 1);
	n = mk_icmp_echo(f, GW, ADDR, "x");
	input(f, n - 5); /* total length beyond the frame */
	CHECK_EQ(st->stats.rx_bad, 1);
	CHECK_EQ(fnif_pop(&dev, buf), 0);
	/* Ethernet padding after the datagram is ignored. */
	n = mk_icmp_echo(f, GW, ADDR, "x");
	memset(f + n, 0xee, 20);
	input(f, n + 20);
	CHECK(fnif_pop(&dev, buf) > 0);
	teardown();
}

static char got[64];
static uint32_t got_src;
static void udp_handler_fn(struct net_stack *s, uint32_t src, uint16_t sport,
			   const uint8_t *d, size_t len, void *arg)
{
	(void)s;
	(void)sport;
	(void)arg;
	memcpy(got, d, len < 63 ? len : 63);
	got[len < 63 ? len : 63] = 0;
	got_src = src;
}

UNIT_TEST(udp_delivers_to_bound_port_and_checks_checksum)
{
	setup_static(0);
	env_lock(st->lock);
	CHECK_EQ(udp_bind(st, 9000, udp_handler_fn, NULL), 0);
	CHECK_EQ(udp_bind(st, 9000, udp_handler_fn, NULL), -EADDRINUSE);
	env_unlock(st->lock);
	size_t n = mk_udp(f, PEER_MAC, MAC, GW, ADDR, 40000, 9000, "hello", 5);
	input(f, n);
	CHECK_STR(got, "hello");
	CHECK_EQ(got_src, GW);
	f[n - 1] ^= 0x55; /* payload changed, checksum not */
	got[0] = 0;
	input(f, n);
	CHECK_STR(got, "");
	CHECK_EQ(st->stats.rx_csum_bad, 1);
	/* The device verified it: no software check. */
	net_input(&dev.nif, 0, f, n, NETIF_RX_CSUM_OK);
	CHECK(got[0] == 'h');
	input(f, mk_udp(f, PEER_MAC, MAC, GW, ADDR, 1, 9001, "x", 1));
	CHECK_EQ(st->stats.udp_no_port, 1);
	teardown();
}

UNIT_TEST(tx_checksum_offload_is_used_when_offered)
{
	setup_static(NETIF_F_TX_CSUM);
	input(f, mk_arp(f, 2, PEER_MAC, GW, MAC, ADDR));
	fnif_clear(&dev);
	CHECK_EQ(send_udp(GW, "offload"), 0);
	CHECK_EQ(dev.partial_calls, 1);
	size_t n = fnif_pop(&dev, buf);
	/* The fake device completed the checksum: it must verify. */
	uint8_t *u = buf + ETH_HLEN + IP_HLEN;
	CHECK_EQ(csum_fold(csum_add(csum_pseudo(ADDR, GW, IP_PROTO_UDP,
						n - ETH_HLEN - IP_HLEN),
				    u, n - ETH_HLEN - IP_HLEN)),
		 0);
	teardown();
}

/* ---- DHCP ---------------------------------------------------------------- */
static size_t mk_dhcp_reply(uint8_t *fr, uint8_t type, uint32_t xid,
			    uint32_t yiaddr, uint32_t lease)
{
	uint8_t m[300], *o = m + 240;

	memset(m, 0, sizeof(m));
	m[0] = 2;
	m[1] = 1;
	m[2] = 6;
	put32(m + 4, xid);
	put32(m + 16, yiaddr);
	memcpy(m + 28, MAC, 6);
	put32(m + 236, 0x63825363);
	*o++ = 53, *o++ = 1, *o++ = type;
	*o++ = 54, *o++ = 4, put32(o, GW), o += 4;
	*o++ = 1, *o++ = 4, put32(o, MASK), o += 4;
	*o++ = 3, *o++ = 4, put32(o, GW), o += 4;
	*o++ = 6, *o++ = 4, put32(o, NET_IP(10, 0, 2, 3)), o += 4;
	*o++ = 51, *o++ = 4, put32(o, lease), o += 4;
	*o++ = 255;
	return mk_udp(fr, PEER_MAC, BCAST, GW, IP_BROADCAST, 67, 68, m,
		      sizeof(m));
}

/* Pops a DHCP message the stack sent; returns its type (option 53). */
static int pop_dhcp(uint32_t *xid, uint32_t *req_ip)
{
	size_t n = fnif_pop(&dev, buf);
	uint8_t *u = buf + ETH_HLEN + IP_HLEN, *m = u + UDP_HLEN;
	int type = -1;

	if (n < ETH_HLEN + IP_HLEN + UDP_HLEN + 240 || get16(u) != 68 ||
	    get16(u + 2) != 67 || memcmp(buf, BCAST, 6) ||
	    get32(buf + ETH_HLEN + 16) != IP_BROADCAST)
		return -1;
	*xid = get32(m + 4);
	for (size_t i = 240; i < n - ETH_HLEN - IP_HLEN - UDP_HLEN && m[i] != 255;) {
		if (m[i] == 0) {
			i++;
			continue;
		}
		if (m[i] == 53)
			type = m[i + 2];
		if (m[i] == 50 && req_ip)
			*req_ip = get32(m + i + 2);
		i += 2 + m[i + 1];
	}
	return type;
}

UNIT_TEST(dhcp_gets_the_qemu_user_address)
{
	uint32_t xid, req = 0, a, m, g;

	setup(0);
	net_dhcp_start(st);
	CHECK_EQ(pop_dhcp(&xid, NULL), 1); /* DISCOVER */
	/* No answer: DISCOVER again after the retry interval. */
	host_clock_advance(4 * SEC);
	net_timers(st);
	CHECK_EQ(pop_dhcp(&xid, NULL), 1);
	/* An OFFER with the wrong xid is ignored. */
	input(f, mk_dhcp_reply(f, 2, xid + 1, ADDR, 86400));
	CHECK_EQ(fnif_pop(&dev, buf), 0);
	input(f, mk_dhcp_reply(f, 2, xid, ADDR, 86400));
	CHECK_EQ(pop_dhcp(&xid, &req), 3); /* REQUEST */
	CHECK_EQ(req, ADDR);
	CHECK_EQ(net_wait_configured(st, 0, &a, NULL, NULL), -ETIMEDOUT);
	input(f, mk_dhcp_reply(f, 5, xid, ADDR, 86400));
	CHECK_EQ(net_wait_configured(st, 0, &a, &m, &g), 0);
	CHECK_EQ(a, ADDR);
	CHECK_EQ(m, MASK);
	CHECK_EQ(g, GW);
	CHECK_EQ(st->dns, NET_IP(10, 0, 2, 3));
	/* Renewal at T1 = half the lease. */
	CHECK_EQ(fnif_pop(&dev, buf), 0);
	host_clock_advance(43200 * SEC);
	net_timers(st);
	CHECK_EQ(pop_dhcp(&xid, &req), 3);
	CHECK_EQ(st->addr, ADDR); /* still usable while renewing */
	/* A NAK starts over. */
	input(f, mk_dhcp_reply(f, 6, xid, 0, 0));
	CHECK_EQ(st->addr, 0);
	CHECK_EQ(pop_dhcp(&xid, NULL), 1);
	teardown();
}

UNIT_TEST(dhcp_ignores_malformed_options)
{
	uint32_t xid;

	setup(0);
	net_dhcp_start(st);
	CHECK_EQ(pop_dhcp(&xid, NULL), 1);
	size_t n = mk_dhcp_reply(f, 2, xid, ADDR, 100);
	/* Option length running past the end. */
	uint8_t *opts = f + ETH_HLEN + IP_HLEN + UDP_HLEN + 240;
	opts[1] = 250;
	uint8_t *u = f + ETH_HLEN + IP_HLEN;
	put16(u + 6, 0); /* no UDP checksum */
	input(f, n);
	CHECK_EQ(fnif_pop(&dev, buf), 0);
	CHECK_EQ(st->addr, 0);
	teardown();
}

UNIT_MAIN()
