# SPDX-License-Identifier: MIT
# fuzz_net_frames.mk: replays the checked-in corpus of fuzz target net_frames
# (tests/fuzz/net_frames.c) with gcc and the sanitizers; `make fuzz` runs the
# fuzzer itself (clang, libFuzzer).
UNIT_TESTS += fuzz_net_frames
unit_fuzz_net_frames_SRCS = tests/fuzz/net_frames.c tests/fuzz/replay.c $(NET_OBJ)
unit_fuzz_net_frames_CFLAGS = -DFUZZ_TARGET='"net_frames"'
$(BUILD)/unit/fuzz_net_frames: $(wildcard kernel/net/*.h) include/unidb/net.h \
	tests/unit/net_host.h tests/fuzz/fuzz.h
