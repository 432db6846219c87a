# SPDX-License-Identifier: MIT
# db_index.mk: host tests of secondary indexes, ALTER TABLE and the
# planner's access paths (db/storage/index.c, db/exec/ddl.c, plan.c).
UNIT_TESTS += db_index
unit_db_index_SRCS = tests/unit/db_index_test.c $(DB_OBJ)
$(BUILD)/unit/db_index: $(DB_HDR)
