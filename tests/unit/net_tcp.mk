# SPDX-License-Identifier: MIT
# net_tcp.mk: host tests of the network stack (kernel/net/) over a fake
# device and a fake clock (net_host.c, net_env_host.c).
UNIT_TESTS += net_tcp
unit_net_tcp_SRCS = tests/unit/net_tcp_test.c $(NET_OBJ)
$(BUILD)/unit/net_tcp: $(wildcard kernel/net/*.h) include/unidb/net.h \
	tests/unit/net_host.h
