/* SPDX-License-Identifier: MIT */
/* ipv4.c: IPv4 input checks and output (RFC 791).
 *
 * Input: version 4, header checksum, total length within the frame; our
 * address or a broadcast (before an address is configured, anything, so
 * that DHCP offers reach us). Fragments are counted and dropped: nothing
 * this stack speaks needs them, and reassembly is a memory-exhaustion
 * target. Output: no options, DF set (we never fragment; TCP's MSS keeps
 * segments within the MTU), TTL 64. */
#include <string.h>

#include "net/stack.h"

#define IP_DF 0x4000
#define IP_MF 0x2000
#define IP_OFFMASK 0x1fff
#define IP_TTL 64

/* The Ethernet source and type and the IPv4 header of a frame in
 * st->txbuf whose L4 part is l4len bytes. */
static void ip_header(struct net_stack *st, uint8_t *ip, uint32_t dst,
		      uint8_t proto, size_t l4len)
{
	memcpy(st->txbuf + 6, st->nif->mac, 6);
	put16(st->txbuf + 12, ETH_P_IP);
	ip[0] = 0x45;
	ip[1] = 0;
	put16(ip + 2, (uint16_t)(IP_HLEN + l4len));
	put16(ip + 4, st->ip_id++);
	put16(ip + 6, IP_DF);
	ip[8] = IP_TTL;
	ip[9] = proto;
	put16(ip + 10, 0);
	put32(ip + 12, st->addr);
	put32(ip + 16, dst);
	put16(ip + 10, csum_fold(csum_add(0, ip, IP_HLEN)));
}

static bool ip_is_ours(struct net_stack *st, uint32_t dst)
{
	if (!st->addr)
		return true;
	return dst == st->addr || dst == IP_BROADCAST ||
	       (st->mask != IP_BROADCAST && (dst | st->mask) == IP_BROADCAST &&
		(dst & st->mask) == (st->addr & st->mask));
}

void ip_input(struct net_stack *st, unsigned q, const uint8_t *p, size_t len,
	      unsigned flags)
{
	size_t hlen, tlen;
	uint32_t src, dst;
	bool csum_ok = flags & NETIF_RX_CSUM_OK;

	if (len < IP_HLEN || p[0] >> 4 != 4)
		goto bad;
	hlen = (size_t)(p[0] & 15) * 4;
	tlen = get16(p + 2);
	if (hlen < IP_HLEN || tlen < hlen || tlen > len)
		goto bad;
	if (csum_fold(csum_add(0, p, hlen)) != 0) {
		st->stats.rx_csum_bad++;
		return;
	}
	if (get16(p + 6) & (IP_MF | IP_OFFMASK)) {
		st->stats.ip_frag_dropped++;
		return;
	}
	src = get32(p + 12);
	dst = get32(p + 16);
	if (!ip_is_ours(st, dst)) {
		st->stats.ip_not_ours++;
		return;
	}
	/* Frames may carry Ethernet padding beyond tlen: cut it off. */
	switch (p[9]) {
	case IP_PROTO_ICMP:
		icmp_input(st, q, src, p + hlen, tlen - hlen);
		break;
	case IP_PROTO_UDP:
		udp_input(st, src, dst, p + hlen, tlen - hlen, csum_ok);
		break;
	case IP_PROTO_TCP:
		if (dst != st->addr) /* no TCP to broadcasts or unconfigured */
			return;
		tcp_input(st, q, src, dst, p + hlen, tlen - hlen, csum_ok);
		break;
	default:
		break;
	}
	return;
bad:
	st->stats.rx_bad++;
}

size_t ip_max_payload(struct net_stack *st)
{
	return (size_t)st->nif->mtu - IP_HLEN;
}

static uint32_t next_hop(struct net_stack *st, uint32_t dst)
{
	if (dst != IP_BROADCAST && st->addr &&
	    (dst & st->mask) != (st->addr & st->mask))
		return st->gw;
	return dst;
}

size_t ip_gso_max(struct net_stack *st, uint32_t dst)
{
	uint32_t need = NETIF_F_TSO4 | NETIF_F_TX_CSUM;
	uint32_t hop = next_hop(st, dst);

	if ((st->nif->features & need) != need || st->no_tso || !hop ||
	    !arp_resolved(st, hop))
		return 0;
	return st->txbuf_size - ETH_HLEN - IP_HLEN;
}

int ip_output(struct net_stack *st, unsigned q, uint32_t dst, uint8_t proto,
	      size_t l4len, int csum_off)
{
	uint8_t *f = st->txbuf, *ip = f + ETH_HLEN, *l4 = ip + IP_HLEN;
	uint32_t hop = next_hop(st, dst);
	bool partial = false;

	if (l4len > ip_max_payload(st))
		return -EMSGSIZE;
	if (!hop)
		return -ENETUNREACH;
	ip_header(st, ip, dst, proto, l4len);
	if (csum_off >= 0) {
		uint32_t sum = csum_pseudo(st->addr, dst, proto, l4len);
		put16(l4 + csum_off, 0);
		/* Offload only when the frame leaves now; a frame that waits
		 * for ARP is queued with a finished checksum. */
		if ((st->nif->features & NETIF_F_TX_CSUM) &&
		    arp_resolved(st, hop)) {
			partial = true;
			put16(l4 + csum_off, (uint16_t)~csum_fold(sum));
		} else {
			uint16_t c = csum_fold(csum_add(sum, l4, l4len));
			if (proto == IP_PROTO_UDP && c == 0)
				c = 0xffff; /* RFC 768: 0 means none */
			put16(l4 + csum_off, c);
		}
	}
	return arp_output(st, q, hop, f, ETH_HLEN + IP_HLEN + l4len, partial,
			  ETH_HLEN + IP_HLEN,
			  (uint16_t)(csum_off < 0 ? 0 : csum_off), 0);
}

int ip_output_gso(struct net_stack *st, unsigned q, uint32_t dst, size_t l4len,
		  int csum_off, uint16_t gso_size)
{
	uint8_t *ip = st->txbuf + ETH_HLEN, *l4 = ip + IP_HLEN;

	if (!gso_size)
		return ip_output(st, q, dst, IP_PROTO_TCP, l4len, csum_off);
	if (l4len > ip_gso_max(st, dst))
		return -EAGAIN;
	ip_header(st, ip, dst, IP_PROTO_TCP, l4len);
	put16(l4 + csum_off, (uint16_t)~csum_fold(csum_pseudo(
				 st->addr, dst, IP_PROTO_TCP, l4len)));
	return arp_output(st, q, next_hop(st, dst), st->txbuf,
			  ETH_HLEN + IP_HLEN + l4len, true, ETH_HLEN + IP_HLEN,
			  (uint16_t)csum_off, gso_size);
}
