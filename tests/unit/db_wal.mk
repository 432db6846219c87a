# SPDX-License-Identifier: MIT
# db_wal.mk: host tests of the database disk and redo log (db/wal) on a
# simulated disk that crashes.
UNIT_TESTS += db_wal
unit_db_wal_SRCS = tests/unit/db_wal_test.c $(DB_OBJ)
$(BUILD)/unit/db_wal: $(DB_HDR)
