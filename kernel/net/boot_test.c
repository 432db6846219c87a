/* SPDX-License-Identifier: MIT */
/* boot_test.c: the ip= parameter's parser (boot.c). */
#include <unidb/errno.h>
#include <unidb/net.h>
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
