/* SPDX-License-Identifier: MIT */
/* vnet_hdr_test.c: the virtio-net header for checksum and segmentation
 * offload, and frames reassembled from mergeable RX buffers
 * (kernel/drivers/virtio_net_hdr.c). */
#include <string.h>
#include <unidb/errno.h>

#include "drivers/virtio_net_hdr.h"
#include "unit.h"

/* An Ethernet + IPv4 (ihl words) + TCP (doff words) frame of len bytes. */
static size_t mk_frame(uint8_t *f, size_t len, unsigned ihl, unsigned doff)
{
	memset(f, 0, len);
	f[12] = 0x08;
	f[14] = (uint8_t)(0x40 | ihl);
	f[14 + 9] = 6;
	f[14 + ihl * 4 + 12] = (uint8_t)(doff << 4);
	return len;
}

UNIT_TEST(plain_and_checksum_offload_headers)
{
	static uint8_t f[1514];
	struct vnet_hdr h;
	struct netif_tx tx = {.frame = f, .len = mk_frame(f, 1514, 5, 5)};

	CHECK_EQ(vnet_hdr_tx(&h, &tx, true), 0);
	CHECK_EQ(h.flags, 0);
	CHECK_EQ(h.gso_type, VNET_GSO_NONE);
	tx.csum_partial = true;
	tx.csum_start = 34;
	tx.csum_offset = 16;
	CHECK_EQ(vnet_hdr_tx(&h, &tx, true), 0);
	CHECK_EQ(h.flags, VNET_HDR_F_NEEDS_CSUM);
	CHECK_EQ(h.csum_start, 34);
	CHECK_EQ(h.csum_offset, 16);
	/* Without device checksums the caller finishes it: no flag. */
	CHECK_EQ(vnet_hdr_tx(&h, &tx, false), 0);
	CHECK_EQ(h.flags, 0);
	/* A checksum field past the end. */
	tx.csum_start = 1510;
	CHECK_EQ(vnet_hdr_tx(&h, &tx, true), -EINVAL);
}

UNIT_TEST(tso_header_says_tcpv4_mss_and_header_length)
{
	static uint8_t f[65524];
	struct vnet_hdr h;
	struct netif_tx tx = {.frame = f,
			      .len = mk_frame(f, sizeof(f), 5, 8),
			      .csum_partial = true,
			      .csum_start = 34,
			      .csum_offset = 16,
			      .gso_size = 1448};

	CHECK_EQ(vnet_hdr_tx(&h, &tx, true), 0);
	CHECK_EQ(h.gso_type, VNET_GSO_TCPV4);
	CHECK_EQ(h.gso_size, 1448);
	CHECK_EQ(h.hdr_len, 14 + 20 + 32); /* TCP options counted */
	CHECK_EQ(h.flags, VNET_HDR_F_NEEDS_CSUM);
	/* IP options move the TCP header: csum_start must follow. */
	tx.len = mk_frame(f, 2000, 6, 5);
	CHECK_EQ(vnet_hdr_tx(&h, &tx, true), -EINVAL);
	tx.csum_start = 38;
	CHECK_EQ(vnet_hdr_tx(&h, &tx, true), 0);
	CHECK_EQ(h.hdr_len, 14 + 24 + 20);
	/* Refused: no device checksum, no partial checksum, not TCP,
	 * truncated headers, a bad data offset. */
	CHECK_EQ(vnet_hdr_tx(&h, &tx, false), -EINVAL);
	tx.csum_partial = false;
	CHECK_EQ(vnet_hdr_tx(&h, &tx, true), -EINVAL);
	tx.csum_partial = true;
	f[14 + 9] = 17;
	CHECK_EQ(vnet_hdr_tx(&h, &tx, true), -EINVAL);
	tx.len = mk_frame(f, 50, 5, 5);
	tx.csum_start = 34;
	CHECK_EQ(vnet_hdr_tx(&h, &tx, true), -EINVAL);
	tx.len = mk_frame(f, 2000, 5, 2);
	CHECK_EQ(vnet_hdr_tx(&h, &tx, true), -EINVAL);
	tx.len = mk_frame(f, 2000, 5, 15);
	CHECK_EQ(vnet_hdr_tx(&h, &tx, true), 0);
	CHECK_EQ(h.hdr_len, 14 + 20 + 60);
}

UNIT_TEST(mergeable_buffers_assemble_in_order)
{
	static uint8_t out[70000], b[4096], want[70000];
	struct vnet_mrg m = {.buf = out, .cap = sizeof(out)};
	size_t total = 0;

	/* 17 buffers of 4096 and a short last one, as a 64 KiB frame. */
	for (unsigned i = 0; i < 17; i++) {
		size_t len = i == 16 ? 100 : sizeof(b);
		for (size_t k = 0; k < len; k++)
			b[k] = (uint8_t)(i * 31 + k);
		memcpy(want + total, b, len);
		total += len;
		bool done = i == 0 ? vnet_mrg_begin(&m, b, len, 17)
				   : vnet_mrg_add(&m, b, len);
		CHECK_EQ(done, i == 16);
	}
	CHECK(!m.bad);
	CHECK_EQ(m.len, total);
	CHECK(!memcmp(out, want, total));
	/* The next frame starts clean. */
	CHECK(vnet_mrg_begin(&m, b, 10, 1));
	CHECK_EQ(m.len, 10);
	CHECK(!m.bad);
}

UNIT_TEST(mergeable_frame_too_large_is_consumed_and_dropped)
{
	static uint8_t out[8192], b[4096];
	struct vnet_mrg m = {.buf = out, .cap = sizeof(out)};

	/* A device that claims 5 buffers of 4 KiB for a 8 KiB assembly
	 * buffer: every buffer is still taken, the frame is marked bad. */
	CHECK(!vnet_mrg_begin(&m, b, sizeof(b), 5));
	CHECK(!vnet_mrg_add(&m, b, sizeof(b)));
	CHECK(!m.bad);
	CHECK(!vnet_mrg_add(&m, b, sizeof(b)));
	CHECK(m.bad);
	CHECK(!vnet_mrg_add(&m, b, sizeof(b)));
	CHECK(vnet_mrg_add(&m, b, 1));
	CHECK(m.bad);
	CHECK_EQ(m.left, 0);
	/* No assembly buffer at all (large receive not negotiated): any
	 * multi-buffer frame is dropped whole. */
	struct vnet_mrg none = {0};
	CHECK(!vnet_mrg_begin(&none, b, 100, 2));
	CHECK(vnet_mrg_add(&none, b, 100));
	CHECK(none.bad);
	/* num_buffers 0 (invalid) counts as 1. */
	CHECK(vnet_mrg_begin(&m, b, 100, 0));
	CHECK(!m.bad);
}

UNIT_MAIN()
