# SPDX-License-Identifier: MIT
# db_srcs.mk: the database engine as the host builds it (unit tests, the
# host server, the fuzzers): every portable file of db/ plus the host shim.
# db/server/ is the guest's transport (<unidb/net.h>); the host server has
# its own (tools/host/unidb-pg.c).
DB_SRC := $(filter-out %_test.c db/server/%,$(sort $(wildcard db/*.c db/*/*.c)))
DB_HDR := $(wildcard db/*.h db/*/*.h)
