/* SPDX-License-Identifier: MIT */
/* net_host.h: host-test helpers for kernel/net: the fake clock, a fake
 * network device that records what the stack sends, and builders and
 * parsers of Ethernet/IPv4/ARP/UDP/TCP frames for packet-level tests. */
#ifndef NET_HOST_H
#define NET_HOST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "net/stack.h"

void host_clock_advance(uint64_t ns);
void host_random_seed(uint64_t seed);
uint64_t host_random(void);
/* Blocks the stack has allocated and not freed (leak checks). */
long host_live_allocs(void);
#define MS 1000000ull
#define SEC 1000000000ull

/* A fake device: frames the stack sends are kept in a FIFO (checksum
 * offload done as a device would, when csum_partial is set). With
 * NETIF_F_TSO4 in features it takes frames up to gso_max (65535) with
 * gso_size set and keeps them whole (gso[] says how a device would cut
 * them), so a receiving stack sees them as large receive would. */
#define FNIF_FRAMES 4096
#define FNIF_FRAME_MAX 65536
struct fnif {
	struct netif nif;
	uint8_t *frames[FNIF_FRAMES];
	uint16_t lens[FNIF_FRAMES];
	uint8_t queues[FNIF_FRAMES];
	uint16_t gso[FNIF_FRAMES];
	unsigned head, count;
	unsigned xmit_calls, partial_calls, gso_calls;
	int fail_next; /* if set, the next xmit returns it */
	/* Held RX buffers (netif.h NETIF_RX_HOLDABLE), with fnif_input:
	 * at most hold_max held at once (0: frames are not holdable), only
	 * for keep >= hold_min. Each holdable frame is a malloc'd copy of
	 * exactly its length, so ASan sees reads past it and after its
	 * release. */
	unsigned hold_max, hold_min;
	unsigned held, holds, holds_refused;
	const void *in_place; /* the frame in input now */
	bool kept;	      /* ... and the stack holds it */
};
/* Hands a received frame to the stack as a driver would: holdable (a
 * copy) when hold_max is set, else straight through net_input. */
void fnif_input(struct fnif *f, unsigned q, const void *frame, size_t len,
		unsigned flags);
void fnif_init(struct fnif *f, const uint8_t mac[6], unsigned nqueues,
	       uint32_t features);
/* Pops the oldest frame into buf (size >= 2048, FNIF_FRAME_MAX with
 * TSO); returns its length or 0 if none. */
size_t fnif_pop(struct fnif *f, uint8_t *buf);
void fnif_clear(struct fnif *f);

/* A TCP segment as tests write and read it. */
struct tseg {
	uint32_t sip, dip;
	uint16_t sport, dport;
	uint32_t seq, ack;
	uint8_t flags;
	uint16_t win;
	int mss, wscale; /* options; -1 absent */
	bool sack_perm;	 /* SACK-permitted option */
	unsigned nsack;	 /* SACK blocks (option 5) */
	uint32_t sack[4][2];
	const uint8_t *data;
	size_t dlen;
	uint8_t smac[6], dmac[6];
};
/* Builds an Ethernet frame carrying s; returns its length. */
size_t mk_tcp(uint8_t *f, const struct tseg *s);
/* Parses a TCP frame, verifying IP and TCP checksums; false if it is
 * not one or a checksum is wrong. data points into f. */
bool parse_tcp(const uint8_t *f, size_t len, struct tseg *s);
size_t mk_udp(uint8_t *f, const uint8_t smac[6], const uint8_t dmac[6],
	      uint32_t sip, uint32_t dip, uint16_t sport, uint16_t dport,
	      const void *data, size_t dlen);
size_t mk_arp(uint8_t *f, uint16_t op, const uint8_t smac[6], uint32_t sip,
	      const uint8_t tmac[6], uint32_t tip);
/* Fills an IPv4 header (20 bytes, no options) at ip. */
void mk_ip(uint8_t *ip, uint32_t src, uint32_t dst, uint8_t proto,
	   size_t l4len);

/* A test "peer": our hand-driven side of a TCP conversation with one
 * stack. */
struct peer {
	struct net_stack *st;
	struct fnif *dev;
	uint32_t ip;
	uint8_t mac[6];
};
/* Makes dev's stack learn the peer's MAC (an ARP request from the
 * peer), and drops the stack's reply. */
void peer_arp(struct peer *p);
/* Sends a segment from the peer to the stack. */
void peer_send(struct peer *p, uint16_t sport, uint16_t dport, uint32_t seq,
	       uint32_t ack, uint8_t flags, uint16_t win, const void *data,
	       size_t dlen);
/* Pops the next TCP segment the stack sent (skipping other frames);
 * false if none. */
bool peer_recv(struct peer *p, struct tseg *s, uint8_t *buf);

#endif
