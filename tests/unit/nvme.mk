# SPDX-License-Identifier: MIT
# nvme.mk: host tests of the NVMe driver's portable part
# (kernel/drivers/nvme_proto.c): PRP lists, queue rings, status decoding.
UNIT_TESTS += nvme
unit_nvme_SRCS := tests/unit/nvme_test.c kernel/drivers/nvme_proto.c
