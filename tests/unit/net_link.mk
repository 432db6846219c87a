# SPDX-License-Identifier: MIT
# net_link.mk: host tests of the network stack (kernel/net/) over a fake
# device and a fake clock (net_host.c, net_env_host.c).
UNIT_TESTS += net_link
unit_net_link_SRCS = tests/unit/net_link_test.c $(NET_OBJ)
$(BUILD)/unit/net_link: $(wildcard kernel/net/*.h) include/unidb/net.h \
	tests/unit/net_host.h
