# SPDX-License-Identifier: MIT
# net_sack.mk: host tests of TCP's SACK and loss recovery (kernel/net/
# tcp_sack.c) at the packet level, over the fake device and clock.
UNIT_TESTS += net_sack
unit_net_sack_SRCS = tests/unit/net_sack_test.c $(NET_OBJ)
$(BUILD)/unit/net_sack: $(wildcard kernel/net/*.h) include/unidb/net.h \
	tests/unit/net_host.h
