# SPDX-License-Identifier: MIT
# db_regex.mk: host tests of the POSIX regular expressions (db/sql/regex.c).
UNIT_TESTS += db_regex
unit_db_regex_SRCS = tests/unit/db_regex_test.c $(DB_OBJ)
$(BUILD)/unit/db_regex: $(DB_HDR)
