# SPDX-License-Identifier: MIT
UNIT_TESTS += libctype
unit_libctype_SRCS := tests/unit/libctype_test.c tests/unit/liblimits_values.c
# The test includes the kernel headers (through lib_rename.h) too.
$(BUILD)/unit/libctype: $(wildcard kernel/lib/include/*.h)
