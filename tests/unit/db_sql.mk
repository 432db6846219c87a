# SPDX-License-Identifier: MIT
# db_sql.mk: host tests of db/ (the database engine) with the host shim.
UNIT_TESTS += db_sql
unit_db_sql_SRCS = tests/unit/db_sql_test.c $(DB_OBJ)
$(BUILD)/unit/db_sql: $(DB_HDR)
