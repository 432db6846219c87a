# SPDX-License-Identifier: MIT
UNIT_TESTS += libfmt
unit_libfmt_SRCS := tests/unit/libfmt_test.c $(BUILD)/unit/ulib/fmt.o \
	$(BUILD)/unit/ulib/string.o
# The test includes the kernel headers (through lib_rename.h) too.
$(BUILD)/unit/libfmt: $(wildcard kernel/lib/include/*.h)
