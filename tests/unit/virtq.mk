# SPDX-License-Identifier: MIT
# virtq.mk: host tests of the split virtqueue (kernel/drivers/virtq.c) and
# the PCI capability walk (kernel/drivers/pci_cap.c).
UNIT_TESTS += virtq
unit_virtq_SRCS := tests/unit/virtq_test.c kernel/drivers/virtq.c \
	kernel/drivers/pci_cap.c
