/* SPDX-License-Identifier: MIT */
/* net_frames.c: fuzz target: arbitrary Ethernet frames into a stack.
 *
 * Input: records of [op][len16][len bytes]. Ops: 0 deliver the bytes as
 * a frame; 1 the same with NETIF_RX_CSUM_OK; 2 the same after fixing up
 * the IPv4 header and L4 checksums (so the fuzzer gets past them); 3
 * advance the fake clock by len ms and run timers; 4 let the "user"
 * accept, read, write and close sockets. The stack listens on TCP 80,
 * runs DHCP or a static address (first byte), and must neither crash
 * nor leak (ASan/UBSan, LeakSanitizer). */
#include "fuzz.h"

static void fix_checksums(uint8_t *f, size_t n)
{
	uint8_t *ip = f + ETH_HLEN;
	size_t hl, tl;

	if (n < ETH_HLEN + IP_HLEN || get16(f + 12) != ETH_P_IP)
		return;
	hl = (size_t)(ip[0] & 15) * 4;
	if (hl < IP_HLEN || ETH_HLEN + hl > n)
		return;
	tl = get16(ip + 2);
	if (tl < hl || ETH_HLEN + tl > n)
		tl = n - ETH_HLEN, put16(ip + 2, (uint16_t)tl);
	put16(ip + 10, 0);
	put16(ip + 10, csum_fold(csum_add(0, ip, hl)));
	uint8_t *l4 = ip + hl;
	size_t l4len = tl - hl;
	uint32_t src = get32(ip + 12), dst = get32(ip + 16);
	int off = ip[9] == IP_PROTO_TCP ? 16 : ip[9] == IP_PROTO_UDP ? 6
					 : ip[9] == IP_PROTO_ICMP ? 2 : -1;
	if (off < 0 || l4len < (size_t)off + 2)
		return;
	put16(l4 + off, 0);
	uint32_t sum = ip[9] == IP_PROTO_ICMP
			       ? 0
			       : csum_pseudo(src, dst, ip[9], l4len);
	put16(l4 + off, csum_fold(csum_add(sum, l4, l4len)));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_ctx *fz;
	size_t i = 1;

	if (size < 1)
		return 0;
	fz = fuzz_setup(data[0]);
	while (i + 3 <= size) {
		uint8_t op = data[i] % 5;
		size_t len = get16(data + i + 1);
		i += 3;
		if (len > size - i)
			len = size - i;
		static uint8_t f[65536]; /* large receive: up to 64 KiB */
		size_t n = len < sizeof(f) ? len : sizeof(f);
		memcpy(f, data + i, n);
		switch (op) {
		case 0:
		case 1:
			fnif_input(&fz->dev, 0, f, n,
				  op ? NETIF_RX_CSUM_OK : 0);
			break;
		case 2:
			fix_checksums(f, n);
			fnif_input(&fz->dev, n % fz->dev.nif.nqueues, f, n,
				  0);
			break;
		case 3:
			host_clock_advance((uint64_t)len * 1000000);
			net_timers(fz->st);
			break;
		default:
			fuzz_user(fz, data + i, len);
			break;
		}
		i += len;
		fnif_clear(&fz->dev);
	}
	fuzz_teardown(fz);
	return 0;
}
