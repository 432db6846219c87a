/* SPDX-License-Identifier: MIT */
/* arp.c: ARP for IPv4 over Ethernet (RFC 826).
 *
 * A fixed table of ARP_ENTRIES. A resolved entry lives ARP_TTL_NS and is
 * then forgotten (the next send asks again). An unresolved entry holds
 * up to ARP_PENDING frames (copies) until the reply comes; after
 * ARP_TRIES requests without a reply they are dropped (TCP retransmits).
 * When the table is full the entry closest to expiry is reused. */
#include <string.h>

#include "net/stack.h"

#define ARP_LEN 28
#define ARP_REQUEST 1
#define ARP_REPLY 2

static void pending_free(struct arp_entry *e)
{
	for (unsigned i = 0; i < e->npending; i++)
		env_free(e->pending[i].frame);
	e->npending = 0;
}

static struct arp_entry *arp_find(struct net_stack *st, uint32_t ip)
{
	for (unsigned i = 0; i < ARP_ENTRIES; i++)
		if (st->arp[i].ip == ip)
			return &st->arp[i];
	return NULL;
}

/* A free entry, else the one that expires first. */
static struct arp_entry *arp_victim(struct net_stack *st)
{
	struct arp_entry *v = &st->arp[0];

	for (unsigned i = 0; i < ARP_ENTRIES; i++) {
		struct arp_entry *e = &st->arp[i];
		if (!e->ip)
			return e;
		if (e->deadline < v->deadline)
			v = e;
	}
	pending_free(v);
	memset(v, 0, sizeof(*v));
	return v;
}

static const uint8_t mac_bcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
static const uint8_t mac_zero[6];

/* A request (tha unused) or a reply to tha/tip. */
static void arp_send(struct net_stack *st, uint16_t op, const uint8_t *tha,
		     uint32_t tip)
{
	uint8_t f[ETH_HLEN + ARP_LEN];
	uint8_t *a = f + ETH_HLEN;
	bool req = op == ARP_REQUEST;

	memcpy(f, req ? mac_bcast : tha, 6);
	memcpy(f + 6, st->nif->mac, 6);
	put16(f + 12, ETH_P_ARP);
	put16(a, 1); /* hardware: Ethernet */
	put16(a + 2, ETH_P_IP);
	a[4] = 6;
	a[5] = 4;
	put16(a + 6, op);
	memcpy(a + 8, st->nif->mac, 6);
	put32(a + 14, st->addr);
	memcpy(a + 18, req ? mac_zero : tha, 6);
	put32(a + 24, tip);
	if (req)
		st->stats.arp_requests++;
	else
		st->stats.arp_replies++;
	eth_xmit(st, 0, f, sizeof(f), false, 0, 0, 0);
}

/* Sends the frames waiting for e, now that its MAC is known. */
static void arp_flush_pending(struct net_stack *st, struct arp_entry *e)
{
	for (unsigned i = 0; i < e->npending; i++) {
		uint8_t *fr = e->pending[i].frame;
		memcpy(fr, e->mac, 6);
		/* Queued frames have their full checksums filled in:
		 * offload is not used for them (see arp_output). */
		eth_xmit(st, e->pending[i].q, fr, e->pending[i].len, false, 0,
			 0, 0);
		env_free(fr);
	}
	e->npending = 0;
}

void arp_input(struct net_stack *st, unsigned q, const uint8_t *a, size_t len)
{
	uint32_t sip, tip;
	struct arp_entry *e;

	if (len < ARP_LEN || get16(a) != 1 || get16(a + 2) != ETH_P_IP ||
	    a[4] != 6 || a[5] != 4) {
		st->stats.rx_bad++;
		return;
	}
	sip = get32(a + 14);
	tip = get32(a + 24);
	if (!sip || !st->addr)
		return;
	/* RFC 826 merge: update a known sender; add it only if the
	 * packet is for us (we will talk back to it). */
	e = arp_find(st, sip);
	if (!e && tip == st->addr)
		e = arp_victim(st);
	if (e) {
		e->ip = sip;
		memcpy(e->mac, a + 8, 6);
		e->resolved = true;
		e->tries = 0;
		e->deadline = env_now() + ARP_TTL_NS;
		arp_flush_pending(st, e);
		net_timer_arm(st, &e->deadline, e->deadline);
	}
	if (tip == st->addr && get16(a + 6) == ARP_REQUEST)
		arp_send(st, ARP_REPLY, a + 8, sip);
}

int arp_output(struct net_stack *st, unsigned q, uint32_t ip, uint8_t *frame,
	       size_t len, bool csum_partial, uint16_t cs_start, uint16_t cs_off,
	       uint16_t gso_size)
{
	struct arp_entry *e;
	uint8_t *copy;

	if (ip == IP_BROADCAST || (st->mask != IP_BROADCAST && st->addr &&
				   (ip | st->mask) == IP_BROADCAST)) {
		memcpy(frame, mac_bcast, 6);
		return eth_xmit(st, q, frame, len, csum_partial, cs_start,
				cs_off, gso_size);
	}
	e = arp_find(st, ip);
	if (e && e->resolved) {
		memcpy(frame, e->mac, 6);
		return eth_xmit(st, q, frame, len, csum_partial, cs_start,
				cs_off, gso_size);
	}
	if (!e) {
		e = arp_victim(st);
		e->ip = ip;
		e->tries = 1;
		net_timer_arm(st, &e->deadline, env_now() + ARP_RETRY_NS);
		arp_send(st, ARP_REQUEST, NULL, ip);
	}
	/* The caller finished the checksum in software when it could not
	 * know whether the frame would wait here (csum_partial false). A
	 * partial frame is dropped rather than queued: its owner (TCP)
	 * retransmits. */
	if (csum_partial || e->npending == ARP_PENDING) {
		st->stats.arp_drops++;
		return -ENOBUFS;
	}
	copy = env_alloc(len);
	if (!copy) {
		st->stats.arp_drops++;
		return -ENOMEM;
	}
	memcpy(copy, frame, len);
	e->pending[e->npending].frame = copy;
	e->pending[e->npending].len = (uint16_t)len;
	e->pending[e->npending].q = (uint8_t)q;
	e->npending++;
	return 0;
}

/* Whether ip_output may use checksum offload for next hop ip: only when
 * the frame will go out at once. */
bool arp_resolved(struct net_stack *st, uint32_t ip)
{
	struct arp_entry *e = arp_find(st, ip);
	return ip == IP_BROADCAST || (e && e->resolved);
}

uint64_t arp_timers(struct net_stack *st, uint64_t now)
{
	uint64_t next = 0;

	for (unsigned i = 0; i < ARP_ENTRIES; i++) {
		struct arp_entry *e = &st->arp[i];
		if (!e->ip)
			continue;
		if (e->deadline <= now) {
			if (e->resolved || e->tries >= ARP_TRIES) {
				pending_free(e);
				memset(e, 0, sizeof(*e));
				continue;
			}
			e->tries++;
			e->deadline = now + ARP_RETRY_NS;
			arp_send(st, ARP_REQUEST, NULL, e->ip);
		}
		if (!next || e->deadline < next)
			next = e->deadline;
	}
	return next;
}

void arp_flush(struct net_stack *st)
{
	for (unsigned i = 0; i < ARP_ENTRIES; i++) {
		pending_free(&st->arp[i]);
		memset(&st->arp[i], 0, sizeof(st->arp[i]));
	}
}
