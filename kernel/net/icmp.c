/* SPDX-License-Identifier: MIT */
/* icmp.c: answers echo requests (RFC 792); everything else is ignored. */
#include <string.h>

#include "net/stack.h"

#define ICMP_ECHO_REPLY 0
#define ICMP_ECHO 8

void icmp_input(struct net_stack *st, unsigned q, uint32_t src,
		const uint8_t *p, size_t len)
{
	uint8_t *out = ip_payload(st);

	if (len < 8 || csum_fold(csum_add(0, p, len)) != 0) {
		st->stats.rx_bad++;
		return;
	}
	if (p[0] != ICMP_ECHO || len > ip_max_payload(st) || !st->addr ||
	    src == 0 || src == IP_BROADCAST)
		return;
	st->stats.icmp_echo++;
	memcpy(out, p, len);
	out[0] = ICMP_ECHO_REPLY;
	put16(out + 2, 0);
	put16(out + 2, csum_fold(csum_add(0, out, len)));
	ip_output(st, q, src, IP_PROTO_ICMP, len, -1);
}
