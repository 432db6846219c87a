# SPDX-License-Identifier: MIT
# lib_objs.mk: kernel/lib objects for the host tests (defines no test).
#
# kernel/lib/X.c becomes build/unit/ulib/X.o, compiled as for the kernel
# (freestanding, kernel/lib/include instead of the host's headers) but with
# the sanitizers, and with every standard name renamed to ulib_<name> by
# lib_rename.h so that it links next to glibc. A test lists the objects it
# needs in its unit_<name>_SRCS.
ULIB_CFLAGS := $(UNIT_CFLAGS) -ffreestanding -nostdinc -isystem $(GCC_INC) \
	-fno-strict-aliasing -Ikernel/lib/include \
	-DLIB_RENAME_KEEP -include tests/unit/lib_rename.h

$(BUILD)/unit/ulib/%.o: kernel/lib/%.c $(wildcard kernel/lib/include/*.h) \
		tests/unit/lib_rename.h tests/unit/lib_objs.mk
	@mkdir -p $(dir $@)
	@echo "  HOSTCC  $@"
	$(V)$(CC) $(ULIB_CFLAGS) -c $< -o $@
