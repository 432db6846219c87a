# SPDX-License-Identifier: MIT
# db_wire.mk: host tests of db/ (the database engine) with the host shim.
UNIT_TESTS += db_wire
unit_db_wire_SRCS = tests/unit/db_wire_test.c $(DB_OBJ)
$(BUILD)/unit/db_wire: $(DB_HDR)
