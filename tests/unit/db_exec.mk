# SPDX-License-Identifier: MIT
# db_exec.mk: host tests of db/ (the database engine) with the host shim.
UNIT_TESTS += db_exec
unit_db_exec_SRCS = tests/unit/db_exec_test.c $(DB_OBJ)
$(BUILD)/unit/db_exec: $(DB_HDR)
