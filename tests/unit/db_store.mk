# SPDX-License-Identifier: MIT
# db_store.mk: host tests of table memory in vm areas and snapshots.
UNIT_TESTS += db_store
unit_db_store_SRCS = tests/unit/db_store_test.c $(DB_OBJ)
$(BUILD)/unit/db_store: $(DB_HDR)
