# SPDX-License-Identifier: MIT
# benchcheck.mk: host tests of the benchmarks' self-checks (the shared
# bench/*/workload.h): they must pass a correct result and fail a broken one.
UNIT_TESTS += benchcheck
unit_benchcheck_SRCS := tests/unit/benchcheck_test.c
$(BUILD)/unit/benchcheck: bench/vm/workload.h bench/snapshot/workload.h \
	bench/net/workload.h
