# SPDX-License-Identifier: MIT
# fuzz_tcp_segs.mk: replays the checked-in corpus of fuzz target tcp_segs
# (tests/fuzz/tcp_segs.c) with gcc and the sanitizers; `make fuzz` runs the
# fuzzer itself (clang, libFuzzer).
UNIT_TESTS += fuzz_tcp_segs
unit_fuzz_tcp_segs_SRCS = tests/fuzz/tcp_segs.c tests/fuzz/replay.c $(NET_OBJ)
unit_fuzz_tcp_segs_CFLAGS = -DFUZZ_TARGET='"tcp_segs"'
$(BUILD)/unit/fuzz_tcp_segs: $(wildcard kernel/net/*.h) include/unidb/net.h \
	tests/unit/net_host.h tests/fuzz/fuzz.h
