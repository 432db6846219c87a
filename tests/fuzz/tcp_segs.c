/* SPDX-License-Identifier: MIT */
/* tcp_segs.c: fuzz target: sequences of well-formed TCP segments.
 *
 * Random frames rarely pass the checksums and sequence checks, so this
 * target builds valid segments and lets the fuzzer choose what matters:
 * which flow, flags, sequence and acknowledgement numbers near what the
 * stack expects (learned from the segments it sends), window, options,
 * payload length; interleaved with clock steps and user actions.
 *
 * Input: records of 8 bytes [op a b c d e f g], op % 4: 0 a segment
 * (payload: g bytes of the input that follow), 1 clock += a * 10 ms +
 * b ms, timers, 2 user actions (the next a % 16 bytes), 3 an ICMP echo
 * or ARP request (cheap non-TCP noise). */
#include "fuzz.h"

#define NFLOWS 6
struct flow {
	uint16_t sport, dport; /* peer's port, stack's port */
	uint32_t peer_next;    /* next sequence number the peer sends */
	uint32_t stack_next;   /* highest seq + len the stack sent */
	bool used;
};

static struct flow flows[NFLOWS];
static const uint8_t PEER_MAC[6] = {2, 0, 0, 0, 0, 2};

/* Learns the stack's sequence numbers from what it sent. */
static void learn(struct fuzz_ctx *fz)
{
	static uint8_t b[FNIF_FRAME_MAX]; /* TSO frames too */
	struct tseg s;
	size_t n;

	while ((n = fnif_pop(&fz->dev, b))) {
		if (!parse_tcp(b, n, &s) || s.dip != FZ_PEER)
			continue;
		struct flow *fl = NULL;
		for (int i = 0; i < NFLOWS; i++)
			if (flows[i].used && flows[i].sport == s.dport &&
			    flows[i].dport == s.sport)
				fl = &flows[i];
		for (int i = 0; i < NFLOWS && !fl; i++)
			if (!flows[i].used) {
				fl = &flows[i];
				*fl = (struct flow){s.dport, s.sport,
						    (uint32_t)i * 100000u, 0,
						    true};
			}
		if (!fl)
			continue;
		uint32_t end = s.seq + (uint32_t)s.dlen +
			       !!(s.flags & TCP_SYN) + !!(s.flags & TCP_FIN);
		if (seq_gt(end, fl->stack_next) || !fl->stack_next)
			fl->stack_next = end;
		if ((s.flags & TCP_ACK) && seq_gt(s.ack, fl->peer_next))
			fl->peer_next = s.ack;
	}
}

static void send_seg(struct fuzz_ctx *fz, const uint8_t *r,
		     const uint8_t *payload, size_t plen)
{
	static uint8_t f[2048];
	struct flow *fl = &flows[r[1] % NFLOWS];
	uint8_t flags = r[2] & 0x3f;
	/* Mostly exact, sometimes near, rarely anywhere. */
	int32_t sd = (int8_t)r[3], ad = (int8_t)r[4];
	uint32_t seq = fl->peer_next + (uint32_t)(r[3] & 0x80 ? sd * 1024 : sd);
	uint32_t ack = fl->stack_next + (uint32_t)(r[4] & 0x80 ? ad * 1024 : ad);

	if (!fl->used) { /* a new peer-initiated flow to the listener */
		*fl = (struct flow){(uint16_t)(2000 + (fl - flows)), 80,
				    (uint32_t)(fl - flows) * 100000u, 0, true};
	}
	if (r[3] == 0)
		seq = fl->peer_next;
	if (r[4] == 0)
		ack = fl->stack_next;
	struct tseg s = {.sip = FZ_PEER, .dip = FZ_ADDR, .sport = fl->sport,
			 .dport = fl->dport, .seq = seq, .ack = ack,
			 .flags = flags, .win = (uint16_t)(r[5] << 8 | r[6]),
			 .mss = (flags & TCP_SYN) && (r[6] & 1) ? 64 + r[5] * 8 : -1,
			 .wscale = (flags & TCP_SYN) && (r[6] & 2) ? r[5] & 15 : -1,
			 .data = payload, .dlen = plen,
			 .sack_perm = (flags & TCP_SYN) && (r[6] & 4)};
	/* SACK blocks near what the stack sent (some past it, some D-SACKs
	 * below the ACK): r[6] bits 3-4 give the count. */
	s.nsack = (flags & TCP_SYN) ? 0 : (r[6] >> 3) & 3;
	for (unsigned i = 0; i < s.nsack; i++) {
		uint32_t at = ack + (uint32_t)((int8_t)(r[5] + 37 * i) * 512);
		s.sack[i][0] = at;
		s.sack[i][1] = at + 1 + (uint32_t)((r[7] + 11 * i) % 8) * 730;
	}
	memcpy(s.smac, PEER_MAC, 6);
	memcpy(s.dmac, fz->dev.nif.mac, 6);
	fnif_input(&fz->dev, r[7] % fz->dev.nif.nqueues, f, mk_tcp(f, &s),
		  0);
	if (seq == fl->peer_next)
		fl->peer_next += (uint32_t)plen + !!(flags & TCP_SYN) +
				 !!(flags & TCP_FIN);
	if (flags & TCP_RST)
		fl->used = false, fl->stack_next = 0;
}

static void noise(struct fuzz_ctx *fz, const uint8_t *r)
{
	static uint8_t f[128];
	size_t n;

	if (r[1] & 1) {
		n = mk_arp(f, 1 + (r[2] & 1), PEER_MAC, FZ_PEER,
			   (const uint8_t[6]){0}, FZ_ADDR);
	} else {
		uint8_t *ic = f + ETH_HLEN + IP_HLEN;
		memcpy(f, fz->dev.nif.mac, 6);
		memcpy(f + 6, PEER_MAC, 6);
		put16(f + 12, ETH_P_IP);
		memcpy(ic, r, 8);
		ic[0] = r[2] & 8;
		put16(ic + 2, 0);
		put16(ic + 2, csum_fold(csum_add(0, ic, 8)));
		mk_ip(f + ETH_HLEN, FZ_PEER, FZ_ADDR, IP_PROTO_ICMP, 8);
		n = ETH_HLEN + IP_HLEN + 8;
	}
	fnif_input(&fz->dev, 0, f, n, 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_ctx *fz;
	uint8_t arp[64];
	size_t i = 1;

	if (size < 1)
		return 0;
	memset(flows, 0, sizeof(flows));
	fz = fuzz_setup(data[0] & ~4); /* static address: TCP needs one */
	fnif_input(&fz->dev, 0, arp,
		  mk_arp(arp, 1, PEER_MAC, FZ_PEER, (const uint8_t[6]){0},
			 FZ_ADDR),
		  0);
	fnif_clear(&fz->dev);
	while (i + 8 <= size) {
		const uint8_t *r = data + i;
		size_t extra = 0;
		i += 8;
		switch (r[0] % 4) {
		case 0:
			extra = r[7] < size - i ? r[7] : size - i;
			send_seg(fz, r, data + i, extra);
			break;
		case 1:
			host_clock_advance((uint64_t)r[1] * 10000000 +
					   (uint64_t)r[2] * 1000000);
			net_timers(fz->st);
			break;
		case 2:
			extra = (size_t)(r[1] % 16) < size - i ? r[1] % 16
							       : size - i;
			fuzz_user(fz, data + i, extra);
			break;
		default:
			noise(fz, r);
			break;
		}
		i += extra;
		learn(fz);
	}
	fuzz_teardown(fz);
	return 0;
}
