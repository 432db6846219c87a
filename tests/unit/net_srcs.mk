# SPDX-License-Identifier: MIT
# net_srcs.mk: the network stack as the host tests and fuzz replays build it:
# every portable file of kernel/net/ (not the kernel environment, the
# device registry or the in-guest tests) plus the host environment.
NET_SRCS = $(filter-out kernel/net/env_kernel.c kernel/net/netif.c \
	kernel/net/boot.c kernel/net/echo_cmd.c \
	kernel/net/%_test.c,$(wildcard kernel/net/*.c)) \
	tests/unit/net_env_host.c tests/unit/net_host.c

# Compiled once for every host test that links the stack.
NET_OBJ = $(patsubst %.c,$(BUILD)/unit/obj/%.o,$(NET_SRCS))
$(patsubst %.c,$(BUILD)/unit/obj/%.o,$(NET_SRCS)): $(BUILD)/unit/obj/%.o: %.c \
		$(wildcard kernel/net/*.h) include/unidb/net.h \
		$(wildcard tests/unit/*.h)
	@mkdir -p $(dir $@)
	@echo "  HOSTCC  $@"
	$(V)$(CC) $(UNIT_CFLAGS) -c $< -o $@
