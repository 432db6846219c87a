# SPDX-License-Identifier: MIT
UNIT_TESTS += libstring
unit_libstring_SRCS := tests/unit/libstring_test.c $(BUILD)/unit/ulib/string.o
# The test includes the kernel headers (through lib_rename.h) too.
$(BUILD)/unit/libstring: $(wildcard kernel/lib/include/*.h)
