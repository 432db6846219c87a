# SPDX-License-Identifier: MIT
# net_rcvq.mk: host tests of TCP's receive queue with held RX buffers
# (kernel/net/tcp_rcvq.c) over the fake device.
UNIT_TESTS += net_rcvq
unit_net_rcvq_SRCS = tests/unit/net_rcvq_test.c $(NET_OBJ)
$(BUILD)/unit/net_rcvq: $(wildcard kernel/net/*.h) include/unidb/net.h \
	tests/unit/net_host.h
