/* SPDX-License-Identifier: MIT */
/* dhcp.c: DHCP client (RFC 2131, options RFC 2132).
 *
 * SELECTING: DISCOVER broadcast, retransmitted with doubling intervals
 * (4 s up to 64 s) until an OFFER arrives. REQUESTING: REQUEST for the
 * offered address, retransmitted the same way; an ACK binds (address,
 * mask, router, DNS), a NAK starts over. BOUND: at T1 (half the lease)
 * a new REQUEST goes out (REQUESTING again; the address stays in use
 * until a NAK). Replies are matched by xid and our MAC. */
#include <string.h>

#include "net/stack.h"

#define DHCP_CLIENT 68
#define DHCP_SERVER 67
#define DHCP_HLEN 236
#define DHCP_MAGIC 0x63825363u
#define DHCP_MSG_LEN 300
enum { DISCOVER = 1, OFFER = 2, REQUEST = 3, ACK = 5, NAK = 6 };
enum {
	OPT_MASK = 1,
	OPT_ROUTER = 3,
	OPT_DNS = 6,
	OPT_REQ_IP = 50,
	OPT_LEASE = 51,
	OPT_TYPE = 53,
	OPT_SERVER = 54,
	OPT_PARAMS = 55,
	OPT_END = 255,
};
#define DHCP_RETRY_NS (4ull * 1000000000)
#define DHCP_RETRY_MAX_NS (64ull * 1000000000)
#define S_NS 1000000000ull

static void dhcp_send(struct net_stack *st, uint8_t type)
{
	uint8_t m[DHCP_MSG_LEN], *o = m + DHCP_HLEN + 4;

	memset(m, 0, sizeof(m));
	m[0] = 1; /* BOOTREQUEST */
	m[1] = 1; /* Ethernet */
	m[2] = 6;
	put32(m + 4, st->dhcp.xid);
	put16(m + 10, 0x8000); /* broadcast replies: we have no address */
	put32(m + 12, st->addr);
	memcpy(m + 28, st->nif->mac, 6);
	put32(m + DHCP_HLEN, DHCP_MAGIC);
	*o++ = OPT_TYPE, *o++ = 1, *o++ = type;
	if (type == REQUEST) {
		*o++ = OPT_REQ_IP, *o++ = 4;
		put32(o, st->dhcp.offered), o += 4;
		*o++ = OPT_SERVER, *o++ = 4;
		put32(o, st->dhcp.server), o += 4;
	}
	*o++ = OPT_PARAMS, *o++ = 3, *o++ = OPT_MASK, *o++ = OPT_ROUTER,
	*o++ = OPT_DNS;
	*o++ = OPT_END;
	udp_send(st, DHCP_CLIENT, IP_BROADCAST, DHCP_SERVER, m, sizeof(m));
}

static void dhcp_retry_arm(struct net_stack *st, uint64_t now)
{
	net_timer_arm(st, &st->dhcp.next, now + st->dhcp.interval);
	st->dhcp.interval *= 2;
	if (st->dhcp.interval > DHCP_RETRY_MAX_NS)
		st->dhcp.interval = DHCP_RETRY_MAX_NS;
}

static void dhcp_enter(struct net_stack *st, enum dhcp_state s)
{
	uint64_t now = env_now();

	st->dhcp.state = s;
	st->dhcp.interval = DHCP_RETRY_NS;
	env_random(&st->dhcp.xid, sizeof(st->dhcp.xid));
	dhcp_send(st, s == DHCP_SELECTING ? DISCOVER : REQUEST);
	dhcp_retry_arm(st, now);
}

struct dhcp_opts {
	int type;
	uint32_t mask, router, dns, server, lease;
};

/* Parses the options; false if malformed. Unknown options are skipped. */
static bool dhcp_parse(const uint8_t *o, size_t len, struct dhcp_opts *r)
{
	size_t i = 0;

	memset(r, 0, sizeof(*r));
	r->type = -1;
	while (i < len) {
		uint8_t code = o[i++], n;
		if (code == OPT_END)
			break;
		if (code == 0)
			continue; /* pad */
		if (i >= len || o[i] > len - i - 1)
			return false;
		n = o[i++];
		if (code == OPT_TYPE && n >= 1)
			r->type = o[i];
		else if (n >= 4 && code == OPT_MASK)
			r->mask = get32(o + i);
		else if (n >= 4 && code == OPT_ROUTER)
			r->router = get32(o + i);
		else if (n >= 4 && code == OPT_DNS)
			r->dns = get32(o + i);
		else if (n >= 4 && code == OPT_SERVER)
			r->server = get32(o + i);
		else if (n >= 4 && code == OPT_LEASE)
			r->lease = get32(o + i);
		i += n;
	}
	return r->type >= 0;
}

static void dhcp_bind(struct net_stack *st, uint32_t yiaddr,
		      const struct dhcp_opts *o)
{
	uint64_t lease = o->lease ? o->lease : 3600;

	st->addr = yiaddr;
	st->mask = o->mask ? o->mask : NET_IP(255, 255, 255, 0);
	st->gw = o->router;
	st->dns = o->dns;
	st->dhcp.state = DHCP_BOUND;
	/* T1 = lease / 2 (RFC 2131 4.4.5); at least 10 s so a tiny lease
	 * cannot make us spin. */
	lease = lease / 2 < 10 ? 10 : lease / 2;
	net_timer_arm(st, &st->dhcp.next, env_now() + lease * S_NS);
	env_wake(&st->cfg_ev);
}

static void dhcp_input(struct net_stack *st, uint32_t src, uint16_t sport,
		       const uint8_t *m, size_t len, void *arg)
{
	struct dhcp_opts o;
	uint32_t yiaddr;

	if (len < DHCP_HLEN + 4 || m[0] != 2 || sport != DHCP_SERVER ||
	    get32(m + 4) != st->dhcp.xid || memcmp(m + 28, st->nif->mac, 6) ||
	    get32(m + DHCP_HLEN) != DHCP_MAGIC)
		return;
	if (!dhcp_parse(m + DHCP_HLEN + 4, len - DHCP_HLEN - 4, &o))
		return;
	yiaddr = get32(m + 16);
	if (st->dhcp.state == DHCP_SELECTING && o.type == OFFER && yiaddr &&
	    yiaddr != IP_BROADCAST) {
		st->dhcp.offered = yiaddr;
		st->dhcp.server = o.server ? o.server : src;
		dhcp_enter(st, DHCP_REQUESTING);
	} else if (st->dhcp.state == DHCP_REQUESTING && o.type == ACK &&
		   yiaddr == st->dhcp.offered) {
		dhcp_bind(st, yiaddr, &o);
	} else if (st->dhcp.state == DHCP_REQUESTING && o.type == NAK) {
		st->addr = 0;
		dhcp_enter(st, DHCP_SELECTING);
	}
}

void net_dhcp_start(struct net_stack *st)
{
	env_lock(st->lock);
	if (st->dhcp.state == DHCP_OFF &&
	    udp_bind(st, DHCP_CLIENT, dhcp_input, NULL) >= 0)
		dhcp_enter(st, DHCP_SELECTING);
	env_unlock(st->lock);
}

uint64_t dhcp_timers(struct net_stack *st, uint64_t now)
{
	if (st->dhcp.state == DHCP_OFF || !st->dhcp.next)
		return 0;
	if (st->dhcp.next > now)
		return st->dhcp.next;
	if (st->dhcp.state == DHCP_BOUND) {
		dhcp_enter(st, DHCP_REQUESTING); /* renew */
	} else {
		dhcp_send(st, st->dhcp.state == DHCP_SELECTING ? DISCOVER
							       : REQUEST);
		dhcp_retry_arm(st, now);
	}
	return st->dhcp.next;
}
