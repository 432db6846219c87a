# SPDX-License-Identifier: MIT
# pt.mk: host tests of the page tables (kernel/mm/pt.c).
UNIT_TESTS += pt
unit_pt_SRCS := tests/unit/pt_test.c kernel/mm/pt.c
