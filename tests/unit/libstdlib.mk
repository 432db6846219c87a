# SPDX-License-Identifier: MIT
UNIT_TESTS += libstdlib
unit_libstdlib_SRCS := tests/unit/libstdlib_test.c $(BUILD)/unit/ulib/strtol.o \
	$(BUILD)/unit/ulib/qsort.o
# The test includes the kernel headers (through lib_rename.h) too.
$(BUILD)/unit/libstdlib: $(wildcard kernel/lib/include/*.h)
