# SPDX-License-Identifier: MIT
# db_redo.mk: host tests of the database's redo records, checkpoints and
# recovery (db/wal/redo.c, db/txn/log.c) on a disk that forgets unflushed
# writes.
UNIT_TESTS += db_redo
unit_db_redo_SRCS = tests/unit/db_redo_test.c $(DB_OBJ)
$(BUILD)/unit/db_redo: $(DB_HDR)
