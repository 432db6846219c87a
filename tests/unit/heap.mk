# SPDX-License-Identifier: MIT
# heap.mk: host tests of the kernel heap (kernel/mm/heap.c).
UNIT_TESTS += heap
unit_heap_SRCS := tests/unit/heap_test.c tests/unit/mm_host.c \
	kernel/mm/heap.c kernel/mm/frame.c
