# SPDX-License-Identifier: MIT
# db_arena.mk: host tests of the statement arena (db/common.c) on the
# host shim's vm areas.
UNIT_TESTS += db_arena
unit_db_arena_SRCS = tests/unit/db_arena_test.c tests/unit/db_host.c db/common.c
$(BUILD)/unit/db_arena: db/common.h
