/* SPDX-License-Identifier: MIT */
/* net_host.c: see net_host.h. */
#include "net_host.h"

#include <stdlib.h>
#include <string.h>

static int fnif_xmit(struct netif *nif, unsigned q, const struct netif_tx *tx)
{
	struct fnif *f = (struct fnif *)nif;
	uint8_t *copy;

	f->xmit_calls++;
	if (q >= nif->nqueues)
		abort(); /* the stack must respect nqueues */
	if (f->fail_next) {
		int e = f->fail_next;
		f->fail_next = 0;
		return e;
	}
	if (tx->gso_size) {
		/* What the stack may hand a TSO device: a TCP/IPv4 frame
		 * with a partial checksum, within gso_max. */
		if (!(nif->features & NETIF_F_TSO4) || !tx->csum_partial ||
		    tx->len > nif->gso_max || tx->len < ETH_HLEN + IP_HLEN ||
		    ((const uint8_t *)tx->frame)[ETH_HLEN + 9] != IP_PROTO_TCP)
			abort();
		f->gso_calls++;
	} else if (tx->len > (size_t)nif->mtu + ETH_HLEN) {
		return -EMSGSIZE;
	}
	if (f->count == FNIF_FRAMES)
		return -ENOBUFS;
	copy = malloc(tx->len);
	netif_tx_copy(copy, tx);
	if (tx->csum_partial) {
		/* What a device does: sum from csum_start to the end (the
		 * pseudo-header sum is already in the field), store. */
		f->partial_calls++;
		uint16_t c = csum_fold(csum_add(0, copy + tx->csum_start,
						tx->len - tx->csum_start));
		put16(copy + tx->csum_start + tx->csum_offset, c);
	}
	unsigned slot = (f->head + f->count) % FNIF_FRAMES;
	f->frames[slot] = copy;
	f->lens[slot] = (uint16_t)tx->len;
	f->queues[slot] = (uint8_t)q;
	f->gso[slot] = tx->gso_size;
	f->count++;
	return 0;
}

static bool fnif_rx_hold(struct netif *nif, unsigned q, const void *frame,
			 size_t keep)
{
	struct fnif *f = (struct fnif *)nif;

	if (q >= nif->nqueues || frame != f->in_place || f->kept)
		abort(); /* only the frame in input, only once */
	if (f->held >= f->hold_max || keep < f->hold_min) {
		f->holds_refused++;
		return false;
	}
	f->kept = true;
	f->held++;
	f->holds++;
	return true;
}

static void fnif_rx_release(struct netif *nif, const void *frame)
{
	struct fnif *f = (struct fnif *)nif;

	if (!f->held)
		abort(); /* released more than held */
	f->held--;
	free((void *)frame);
}

static const struct netif_ops fnif_ops = {
    .xmit = fnif_xmit,
    .rx_hold = fnif_rx_hold,
    .rx_release = fnif_rx_release,
};

void fnif_input(struct fnif *f, unsigned q, const void *frame, size_t len,
		unsigned flags)
{
	void *copy;

	if (!f->hold_max) {
		net_input(&f->nif, q, frame, len, flags);
		return;
	}
	copy = malloc(len ? len : 1);
	memcpy(copy, frame, len);
	f->in_place = copy;
	f->kept = false;
	net_input(&f->nif, q, copy, len, flags | NETIF_RX_HOLDABLE);
	f->in_place = NULL;
	if (!f->kept)
		free(copy);
	f->kept = false;
}

void fnif_init(struct fnif *f, const uint8_t mac[6], unsigned nqueues,
	       uint32_t features)
{
	memset(f, 0, sizeof(*f));
	strcpy(f->nif.name, "fake0");
	memcpy(f->nif.mac, mac, 6);
	f->nif.mtu = 1500;
	f->nif.nqueues = nqueues;
	f->nif.features = features;
	f->nif.gso_max = 65535;
	f->nif.ops = &fnif_ops;
}

size_t fnif_pop(struct fnif *f, uint8_t *buf)
{
	size_t len;

	if (!f->count)
		return 0;
	len = f->lens[f->head];
	memcpy(buf, f->frames[f->head], len);
	free(f->frames[f->head]);
	f->head = (f->head + 1) % FNIF_FRAMES;
	f->count--;
	return len;
}

void fnif_clear(struct fnif *f)
{
	static uint8_t buf[FNIF_FRAME_MAX];
	while (fnif_pop(f, buf))
		;
}

void mk_ip(uint8_t *ip, uint32_t src, uint32_t dst, uint8_t proto,
	   size_t l4len)
{
	memset(ip, 0, IP_HLEN);
	ip[0] = 0x45;
	put16(ip + 2, (uint16_t)(IP_HLEN + l4len));
	put16(ip + 6, 0x4000);
	ip[8] = 64;
	ip[9] = proto;
	put32(ip + 12, src);
	put32(ip + 16, dst);
	put16(ip + 10, csum_fold(csum_add(0, ip, IP_HLEN)));
}

size_t mk_tcp(uint8_t *f, const struct tseg *s)
{
	uint8_t *ip = f + ETH_HLEN, *t = ip + IP_HLEN;
	size_t olen = 0;

	memcpy(f, s->dmac, 6);
	memcpy(f + 6, s->smac, 6);
	put16(f + 12, ETH_P_IP);
	memset(t, 0, TCP_HLEN);
	if (s->mss >= 0) {
		t[TCP_HLEN + olen] = 2;
		t[TCP_HLEN + olen + 1] = 4;
		put16(t + TCP_HLEN + olen + 2, (uint16_t)s->mss);
		olen += 4;
	}
	if (s->wscale >= 0) {
		t[TCP_HLEN + olen] = 1;
		t[TCP_HLEN + olen + 1] = 3;
		t[TCP_HLEN + olen + 2] = 3;
		t[TCP_HLEN + olen + 3] = (uint8_t)s->wscale;
		olen += 4;
	}
	if (s->sack_perm) {
		memcpy(t + TCP_HLEN + olen, "\1\1\4\2", 4);
		olen += 4;
	}
	if (s->nsack) {
		memcpy(t + TCP_HLEN + olen, "\1\1\5", 3);
		t[TCP_HLEN + olen + 3] = (uint8_t)(2 + 8 * s->nsack);
		for (unsigned i = 0; i < s->nsack; i++) {
			put32(t + TCP_HLEN + olen + 4 + 8 * i, s->sack[i][0]);
			put32(t + TCP_HLEN + olen + 8 + 8 * i, s->sack[i][1]);
		}
		olen += 4 + 8 * s->nsack;
	}
	put16(t, s->sport);
	put16(t + 2, s->dport);
	put32(t + 4, s->seq);
	put32(t + 8, s->ack);
	t[12] = (uint8_t)((TCP_HLEN + olen) / 4) << 4;
	t[13] = s->flags;
	put16(t + 14, s->win);
	if (s->dlen)
		memcpy(t + TCP_HLEN + olen, s->data, s->dlen);
	size_t l4 = TCP_HLEN + olen + s->dlen;
	put16(t + 16, csum_fold(csum_add(csum_pseudo(s->sip, s->dip,
						     IP_PROTO_TCP, l4),
					 t, l4)));
	mk_ip(ip, s->sip, s->dip, IP_PROTO_TCP, l4);
	return ETH_HLEN + IP_HLEN + l4;
}

bool parse_tcp(const uint8_t *f, size_t len, struct tseg *s)
{
	const uint8_t *ip = f + ETH_HLEN, *t;
	size_t tlen, hl;

	memset(s, 0, sizeof(*s));
	s->mss = s->wscale = -1;
	if (len < ETH_HLEN + IP_HLEN + TCP_HLEN || get16(f + 12) != ETH_P_IP ||
	    ip[9] != IP_PROTO_TCP)
		return false;
	if (csum_fold(csum_add(0, ip, IP_HLEN)) != 0)
		return false;
	tlen = get16(ip + 2) - IP_HLEN;
	t = ip + IP_HLEN;
	s->sip = get32(ip + 12);
	s->dip = get32(ip + 16);
	if (csum_fold(csum_add(csum_pseudo(s->sip, s->dip, IP_PROTO_TCP, tlen),
			       t, tlen)) != 0)
		return false;
	memcpy(s->dmac, f, 6);
	memcpy(s->smac, f + 6, 6);
	s->sport = get16(t);
	s->dport = get16(t + 2);
	s->seq = get32(t + 4);
	s->ack = get32(t + 8);
	s->flags = t[13];
	s->win = get16(t + 14);
	hl = (size_t)(t[12] >> 4) * 4;
	for (size_t i = TCP_HLEN; i < hl;) {
		if (t[i] == 0)
			break;
		if (t[i] == 1) {
			i++;
			continue;
		}
		if (t[i] == 2)
			s->mss = get16(t + i + 2);
		if (t[i] == 3)
			s->wscale = t[i + 2];
		if (t[i] == 4)
			s->sack_perm = true;
		for (unsigned b = 0; t[i] == 5 && b < (t[i + 1] - 2u) / 8 &&
				     s->nsack < 4; b++, s->nsack++) {
			s->sack[s->nsack][0] = get32(t + i + 2 + 8 * b);
			s->sack[s->nsack][1] = get32(t + i + 6 + 8 * b);
		}
		i += t[i + 1];
	}
	s->data = t + hl;
	s->dlen = tlen - hl;
	return true;
}

size_t mk_udp(uint8_t *f, const uint8_t smac[6], const uint8_t dmac[6],
	      uint32_t sip, uint32_t dip, uint16_t sport, uint16_t dport,
	      const void *data, size_t dlen)
{
	uint8_t *u = f + ETH_HLEN + IP_HLEN;

	memcpy(f, dmac, 6);
	memcpy(f + 6, smac, 6);
	put16(f + 12, ETH_P_IP);
	put16(u, sport);
	put16(u + 2, dport);
	put16(u + 4, (uint16_t)(UDP_HLEN + dlen));
	put16(u + 6, 0);
	memcpy(u + UDP_HLEN, data, dlen);
	put16(u + 6, csum_fold(csum_add(csum_pseudo(sip, dip, IP_PROTO_UDP,
						    UDP_HLEN + dlen),
					u, UDP_HLEN + dlen)));
	mk_ip(f + ETH_HLEN, sip, dip, IP_PROTO_UDP, UDP_HLEN + dlen);
	return ETH_HLEN + IP_HLEN + UDP_HLEN + dlen;
}

size_t mk_arp(uint8_t *f, uint16_t op, const uint8_t smac[6], uint32_t sip,
	      const uint8_t tmac[6], uint32_t tip)
{
	uint8_t *a = f + ETH_HLEN;

	memset(f, 0xff, 6);
	if (op == 2)
		memcpy(f, tmac, 6);
	memcpy(f + 6, smac, 6);
	put16(f + 12, ETH_P_ARP);
	put16(a, 1);
	put16(a + 2, ETH_P_IP);
	a[4] = 6;
	a[5] = 4;
	put16(a + 6, op);
	memcpy(a + 8, smac, 6);
	put32(a + 14, sip);
	memcpy(a + 18, tmac, 6);
	put32(a + 24, tip);
	return ETH_HLEN + 28;
}

void peer_arp(struct peer *p)
{
	uint8_t f[64];
	size_t n = mk_arp(f, 1, p->mac, p->ip, (uint8_t[6]){0}, p->st->addr);
	net_input(&p->dev->nif, 0, f, n, 0);
	fnif_clear(p->dev);
}

void peer_send(struct peer *p, uint16_t sport, uint16_t dport, uint32_t seq,
	       uint32_t ack, uint8_t flags, uint16_t win, const void *data,
	       size_t dlen)
{
	static uint8_t f[FNIF_FRAME_MAX];
	struct tseg s = {.sip = p->ip, .dip = p->st->addr, .sport = sport,
			 .dport = dport, .seq = seq, .ack = ack, .flags = flags,
			 .win = win, .mss = -1, .wscale = -1, .data = data,
			 .dlen = dlen};
	memcpy(s.smac, p->mac, 6);
	memcpy(s.dmac, p->dev->nif.mac, 6);
	fnif_input(p->dev, 0, f, mk_tcp(f, &s), 0);
}

bool peer_recv(struct peer *p, struct tseg *s, uint8_t *buf)
{
	size_t n;

	while ((n = fnif_pop(p->dev, buf)))
		if (parse_tcp(buf, n, s))
			return true;
	return false;
}
