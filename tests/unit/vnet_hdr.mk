# SPDX-License-Identifier: MIT
# vnet_hdr.mk: host tests of virtio-net's header handling and mergeable
# RX buffer assembly (kernel/drivers/virtio_net_hdr.c).
UNIT_TESTS += vnet_hdr
unit_vnet_hdr_SRCS := tests/unit/vnet_hdr_test.c kernel/drivers/virtio_net_hdr.c
$(BUILD)/unit/vnet_hdr: kernel/drivers/virtio_net_hdr.h kernel/net/netif.h
