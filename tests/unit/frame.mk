# SPDX-License-Identifier: MIT
# frame.mk: host tests of the frame allocator (kernel/mm/frame.c).
UNIT_TESTS += frame
unit_frame_SRCS := tests/unit/frame_test.c tests/unit/mm_host.c kernel/mm/frame.c
