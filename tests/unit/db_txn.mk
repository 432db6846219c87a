# SPDX-License-Identifier: MIT
# db_txn.mk: host tests of db/txn (transactions, MVCC, row locks) with
# several sessions on threads.
UNIT_TESTS += db_txn
unit_db_txn_SRCS = tests/unit/db_txn_test.c $(DB_OBJ)
$(BUILD)/unit/db_txn: $(DB_HDR)
