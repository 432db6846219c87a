/* SPDX-License-Identifier: MIT */
/* boot_test.c: the ip= parameter's parser (boot.c). */
#include <unidb/errno.h>
#include <unidb/net.h>
#include <unidb/printk.h>
#include <unidb/test.h>

#include "net/boot.h"

TEST(net_boot_parses_ip_param)
{
	uint32_t a, m, g;

	ASSERT_EQ(net_parse_ip("10.0.0.2/24,gw=10.0.0.1", &a, &m, &g), 0);
	EXPECT_EQ(a, NET_IP(10, 0, 0, 2));
	EXPECT_EQ(m, NET_IP(255, 255, 255, 0));
	EXPECT_EQ(g, NET_IP(10, 0, 0, 1));
	ASSERT_EQ(net_parse_ip("192.168.7.9", &a, &m, &g), 0);
	EXPECT_EQ(m, NET_IP(255, 255, 255, 0));
	EXPECT_EQ(g, 0u);
	ASSERT_EQ(net_parse_ip("10.1.2.3/32", &a, &m, &g), 0);
	EXPECT_EQ(m, 0xffffffffu);
	ASSERT_EQ(net_parse_ip("10.1.2.3/8", &a, &m, &g), 0);
	EXPECT_EQ(m, NET_IP(255, 0, 0, 0));
	/* Bad input: a clear error, never a crash or a half-parsed value. */
	const char *bad[] = {"", "10.0.0", "10.0.0.256", "10.0.0.2/33",
			     "10.0.0.2/0", "10.0.0.2/", "10.0.0.2/24,gw=",
			     "10.0.0.2/24,gw=10.0.1.1", "10.0.0.2/24,x=1",
			     "0.0.0.0/24", "10.0.0.2 ", "10.0.0.2/24,gw=10.0.0.1x",
			     "1000000.0.0.1", "10..0.1"};
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		EXPECT_EQ(net_parse_ip(bad[i], &a, &m, &g), -EINVAL);
}

/* The driver and the stack together, against QEMU user networking: the
 * boot code's DHCP gave 10.0.2.15/24 via 10.0.2.2, and a TCP SYN to the
 * gateway's port 1 (slirp connects to the host's 127.0.0.1:1, where
 * nothing listens) comes back as a RST: -ECONNREFUSED, not a timeout.
 * Without a device, or without a DHCP answer in 60 s (tap: no server),
 * there is nothing to test. */
TEST(net_stack_dhcp_and_gateway_rst)
{
	struct net_stack *st = net_default();
	struct net_sock *s;
	uint32_t a, m, g;

	if (!st) {
		printk("net_stack: no network device; nothing to test\n");
		return;
	}
	if (net_wait_configured(st, 60ull * 1000000000ull, &a, &m, &g)) {
		printk("net_stack: no DHCP answer; nothing to test\n");
		return;
	}
	if (a != NET_IP(10, 0, 2, 15)) {
		printk("net_stack: not QEMU user networking; nothing to test\n");
		return;
	}
	EXPECT_EQ(m, NET_IP(255, 255, 255, 0));
	EXPECT_EQ(g, NET_IP(10, 0, 2, 2));
	EXPECT_EQ(net_connect(NET_IP(10, 0, 2, 2), 1, &s, 60ull * 1000000000ull),
		  -ECONNREFUSED);
}
