# SPDX-License-Identifier: MIT
# net_proto.mk: host tests of the network stack (kernel/net/) over a fake
# device and a fake clock (net_host.c, net_env_host.c).
UNIT_TESTS += net_proto
unit_net_proto_SRCS = tests/unit/net_proto_test.c $(NET_OBJ)
$(BUILD)/unit/net_proto: $(wildcard kernel/net/*.h) include/unidb/net.h \
	tests/unit/net_host.h
