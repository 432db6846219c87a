# SPDX-License-Identifier: MIT
# db_copy.mk: COPY (db/exec/copy.c) and the timeout units, on the host.
UNIT_TESTS += db_copy
unit_db_copy_SRCS = tests/unit/db_copy_test.c $(DB_OBJ)
$(BUILD)/unit/db_copy: $(DB_HDR)
