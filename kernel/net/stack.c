/* SPDX-License-Identifier: MIT */
/* stack.c: a stack's life (create, configure, free), frame input, timers,
 * and the small shared helpers (checksum, SipHash). */
#include <string.h>

#include "net/stack.h"

uint32_t csum_add(uint32_t sum, const void *data, size_t len)
{
	const uint8_t *p = data;

	/* 64-bit accumulation would be faster; 32 bits cannot overflow for
	 * frames (at most 2^16 words of 2^16 each plus the carry-in is
	 * folded below before it matters). */
	while (len > 1) {
		sum += get16(p);
		p += 2;
		len -= 2;
		if (sum & 0x80000000u)
			sum = (sum & 0xffff) + (sum >> 16);
	}
	if (len)
		sum += (uint32_t)p[0] << 8;
	return sum;
}

uint16_t csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

uint32_t csum_pseudo(uint32_t src, uint32_t dst, uint8_t proto, size_t len)
{
	return (src >> 16) + (src & 0xffff) + (dst >> 16) + (dst & 0xffff) +
	       proto + (uint32_t)len;
}

/* ---- SipHash-2-4 -------------------------------------------------------- */
#define ROTL(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))

static uint64_t le64(const uint8_t *p)
{
	uint64_t v = 0;
	for (int i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

static void sipround(uint64_t v[4])
{
	v[0] += v[1];
	v[1] = ROTL(v[1], 13);
	v[1] ^= v[0];
	v[0] = ROTL(v[0], 32);
	v[2] += v[3];
	v[3] = ROTL(v[3], 16);
	v[3] ^= v[2];
	v[0] += v[3];
	v[3] = ROTL(v[3], 21);
	v[3] ^= v[0];
	v[2] += v[1];
	v[1] = ROTL(v[1], 17);
	v[1] ^= v[2];
	v[2] = ROTL(v[2], 32);
}

uint64_t siphash(const uint8_t key[16], const void *data, size_t len)
{
	const uint8_t *p = data;
	uint64_t k0 = le64(key), k1 = le64(key + 8);
	uint64_t v[4] = {k0 ^ 0x736f6d6570736575ull, k1 ^ 0x646f72616e646f6dull,
			 k0 ^ 0x6c7967656e657261ull, k1 ^ 0x7465646279746573ull};
	uint64_t m;
	size_t i;

	for (i = 0; i + 8 <= len; i += 8) {
		m = le64(p + i);
		v[3] ^= m;
		sipround(v);
		sipround(v);
		v[0] ^= m;
	}
	m = (uint64_t)len << 56;
	for (size_t j = 0; i + j < len; j++)
		m |= (uint64_t)p[i + j] << (8 * j);
	v[3] ^= m;
	sipround(v);
	sipround(v);
	v[0] ^= m;
	v[2] ^= 0xff;
	for (int r = 0; r < 4; r++)
		sipround(v);
	return v[0] ^ v[1] ^ v[2] ^ v[3];
}

/* ---- the stack ---------------------------------------------------------- */
void net_config_default(struct net_config *cfg)
{
	*cfg = (struct net_config){
		.sndbuf = 128 * 1024,
		.rcvbuf = 128 * 1024,
		.sndbuf_max = 2048 * 1024,
		.rcvbuf_max = 2048 * 1024,
		.max_conns = 1024,
		.max_timewait = 4096,
		.mem_max = 128u << 20,
		.msl_ns = 30ull * 1000000000,
		.rto_min_ns = 200ull * 1000000,
		.rto_max_ns = 60ull * 1000000000,
		.rto_init_ns = 1000ull * 1000000,
		.max_retries = 12,
		.delack_ns = 40ull * 1000000,
		.fin_wait2_ns = 60ull * 1000000000,
	};
}

struct net_stack *net_stack_new(struct netif *nif, const struct net_config *cfg)
{
	struct net_stack *st = env_alloc(sizeof(*st));

	if (!st)
		return NULL;
	if (cfg)
		st->cfg = *cfg;
	else
		net_config_default(&st->cfg);
	st->nif = nif;
	st->txbuf_size = (size_t)nif->mtu + ETH_HLEN;
	if ((nif->features & NETIF_F_TSO4) && nif->gso_max > st->txbuf_size)
		st->txbuf_size = nif->gso_max; /* one TSO frame */
	st->txbuf = env_alloc(st->txbuf_size);
	st->lock = env_lock_new();
	if (!st->txbuf || !st->lock || nif->mtu < 576) {
		env_free(st->txbuf);
		if (st->lock)
			env_lock_free(st->lock);
		env_free(st);
		return NULL;
	}
	env_random(st->isn_key, sizeof(st->isn_key));
	env_random(st->flow_key, sizeof(st->flow_key));
	env_random(&st->ip_id, sizeof(st->ip_id));
	env_random(&st->next_port, sizeof(st->next_port));
	nif->stack = st;
	/* The driver's RX threads may already run: they load input with
	 * acquire, so stack must be visible before input is. */
	__atomic_store_n(&nif->input, net_input, __ATOMIC_RELEASE);
	return st;
}

void net_stack_free(struct net_stack *st)
{
	env_lock(st->lock);
	tcp_stack_free(st);
	arp_flush(st);
	env_unlock(st->lock);
	__atomic_store_n(&st->nif->input, NULL, __ATOMIC_RELEASE);
	st->nif->stack = NULL;
	env_lock_free(st->lock);
	env_free(st->txbuf);
	env_free(st);
}

static struct net_stack *default_stack;

void net_set_default(struct net_stack *st)
{
	default_stack = st;
}

struct net_stack *net_default(void)
{
	return default_stack;
}

int net_config_static(struct net_stack *st, uint32_t addr, uint32_t mask,
		      uint32_t gw)
{
	if (!addr || addr == IP_BROADCAST || (gw && (gw & mask) != (addr & mask)))
		return -EINVAL;
	env_lock(st->lock);
	st->dhcp.state = DHCP_OFF;
	st->addr = addr;
	st->mask = mask;
	st->gw = gw;
	env_wake(&st->cfg_ev);
	env_unlock(st->lock);
	return 0;
}

int net_wait_configured(struct net_stack *st, uint64_t timeout_ns,
			uint32_t *addr, uint32_t *mask, uint32_t *gw)
{
	uint64_t deadline = timeout_ns == NET_FOREVER ? ENV_FOREVER
						      : env_now() + timeout_ns;
	struct env_event *ev = &st->cfg_ev;
	int err = 0;

	env_lock(st->lock);
	while (!st->addr && !err)
		err = env_wait(st->lock, &ev, 1, deadline);
	if (st->addr) {
		err = 0;
		if (addr)
			*addr = st->addr;
		if (mask)
			*mask = st->mask;
		if (gw)
			*gw = st->gw;
	}
	env_unlock(st->lock);
	return err;
}

void net_input(struct netif *nif, unsigned q, const void *frame, size_t len,
	       unsigned flags)
{
	struct net_stack *st = nif->stack;

	env_lock(st->lock);
	net_input_locked(st, q, frame, len, flags);
	env_unlock(st->lock);
}

void net_input_locked(struct net_stack *st, unsigned q, const uint8_t *frame,
		      size_t len, unsigned flags)
{
	const struct netif_ops *ops = st->nif->ops;

	st->stats.rx_frames++;
	st->rx_frame = frame;
	st->rx_q = q;
	st->rx_holdable = (flags & NETIF_RX_HOLDABLE) && ops->rx_hold &&
			  ops->rx_release;
	eth_input(st, q, frame, len, flags);
	st->rx_holdable = false;
	st->rx_frame = NULL;
}

/* Records that *slot fires at `when` and makes sure the timer thread
 * wakes by then. */
void net_timer_arm(struct net_stack *st, uint64_t *slot, uint64_t when)
{
	if (!when)
		when = 1;
	*slot = when;
	if (!st->timer_next || when < st->timer_next) {
		st->timer_next = when;
		env_wake(&st->timer_ev);
	}
}

static uint64_t earliest(uint64_t a, uint64_t b)
{
	if (!a)
		return b;
	if (!b)
		return a;
	return a < b ? a : b;
}

uint64_t net_timers(struct net_stack *st)
{
	uint64_t now, next;

	env_lock(st->lock);
	now = env_now();
	next = arp_timers(st, now);
	next = earliest(next, dhcp_timers(st, now));
	next = earliest(next, tcp_timers(st, now));
	st->timer_next = next;
	env_unlock(st->lock);
	return next;
}
