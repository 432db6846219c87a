/* SPDX-License-Identifier: MIT */
/* udp.c: UDP datagrams (RFC 768) for in-kernel users (DHCP). Ports are
 * bound to a handler that runs with the stack lock held. */
#include <string.h>

#include "net/stack.h"

void udp_input(struct net_stack *st, uint32_t src, uint32_t dst,
	       const uint8_t *p, size_t len, bool csum_ok)
{
	size_t ulen;
	uint16_t dport;

	if (len < UDP_HLEN) {
		st->stats.rx_bad++;
		return;
	}
	ulen = get16(p + 4);
	if (ulen < UDP_HLEN || ulen > len) {
		st->stats.rx_bad++;
		return;
	}
	if (!csum_ok && get16(p + 6) != 0 &&
	    csum_fold(csum_add(csum_pseudo(src, dst, IP_PROTO_UDP, ulen), p,
			       ulen)) != 0) {
		st->stats.rx_csum_bad++;
		return;
	}
	st->stats.udp_rx++;
	dport = get16(p + 2);
	for (unsigned i = 0; i < UDP_BINDS; i++) {
		if (st->udp[i].port == dport) {
			st->udp[i].fn(st, src, get16(p), p + UDP_HLEN,
				      ulen - UDP_HLEN, st->udp[i].arg);
			return;
		}
	}
	st->stats.udp_no_port++;
}

int udp_bind(struct net_stack *st, uint16_t port, udp_handler fn, void *arg)
{
	unsigned i, free = UDP_BINDS;

	for (i = 0; i < UDP_BINDS; i++) {
		if (st->udp[i].port == port)
			return -EADDRINUSE;
		if (!st->udp[i].port && free == UDP_BINDS)
			free = i;
	}
	if (free == UDP_BINDS)
		return -ENOSPC;
	st->udp[free] = (struct udp_bind){port, fn, arg};
	return 0;
}

int udp_send(struct net_stack *st, uint16_t sport, uint32_t dst,
	     uint16_t dport, const void *data, size_t len)
{
	uint8_t *u = ip_payload(st);

	if (len + UDP_HLEN > ip_max_payload(st))
		return -EMSGSIZE;
	put16(u, sport);
	put16(u + 2, dport);
	put16(u + 4, (uint16_t)(len + UDP_HLEN));
	memcpy(u + UDP_HLEN, data, len);
	return ip_output(st, 0, dst, IP_PROTO_UDP, len + UDP_HLEN, 6);
}
