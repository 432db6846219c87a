# SPDX-License-Identifier: MIT
# db_srcs.mk: the database engine as the host builds it (unit tests, the
# host server, the fuzzers): every portable file of db/ plus the host shim.
# db/server/ is the guest's transport (<unidb/net.h>); the host server has
# its own (tools/host/unidb-pg.c).
DB_SRC := $(filter-out %_test.c db/server/%,$(sort $(wildcard db/*.c db/*/*.c)))
DB_HDR := $(wildcard db/*.h db/*/*.h)

# Compiled once (with the unit tests' flags) for every host binary that
# links the engine, instead of once per binary.
DB_OBJ := $(patsubst %.c,$(BUILD)/unit/obj/%.o,$(DB_SRC) tests/unit/db_host.c)
$(DB_OBJ): $(BUILD)/unit/obj/%.o: %.c $(DB_HDR) $(wildcard tests/unit/*.h)
	@mkdir -p $(dir $@)
	@echo "  HOSTCC  $@"
	$(V)$(CC) $(UNIT_CFLAGS) -c $< -o $@
