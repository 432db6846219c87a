/* SPDX-License-Identifier: MIT */
/* fuzz.h: what the network fuzz targets share: a stack on a fake device
 * (tests/unit/net_host.h) with a listener, and a "user" that drives the
 * socket calls from fuzzer bytes. */
#ifndef FUZZ_H
#define FUZZ_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../unit/net_host.h"

#define FZ_ADDR NET_IP(10, 0, 0, 1)
#define FZ_PEER NET_IP(10, 0, 0, 2)
#define FZ_SOCKS 8

struct fuzz_ctx {
	struct fnif dev;
	struct net_stack *st;
	struct tcp_conn *listener;
	struct tcp_conn *socks[FZ_SOCKS];
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static inline struct fuzz_ctx *fuzz_setup(uint8_t conf)
{
	static struct fuzz_ctx fz;
	struct net_config cfg;

	memset(&fz, 0, sizeof(fz));
	net_config_default(&cfg);
	if (conf & 1) { /* tiny limits, to reach the limit paths */
		cfg.sndbuf = cfg.rcvbuf = 2048;
		cfg.max_conns = 2;
		cfg.max_timewait = 1;
		cfg.mem_max = 3 * 4096;
	}
	fnif_init(&fz.dev, (const uint8_t[6]){2, 0, 0, 0, 0, 1},
		  1 + (conf >> 4 & 3),
		  (conf & 2 ? NETIF_F_TX_CSUM : 0) |
		      (conf & 8 ? NETIF_F_TX_CSUM | NETIF_F_TSO4 : 0)); /* TSO */
	/* Frames are holdable (NETIF_RX_HOLDABLE, a copy each): a pool of
	 * 16 or of 1 (refusals), data of any size or from 100 bytes. */
	fz.dev.hold_max = conf & 0x10 ? 1 : 16;
	fz.dev.hold_min = conf & 0x20 ? 100 : 1;
	fz.st = net_stack_new(&fz.dev.nif, &cfg);
	if (conf & 4)
		net_dhcp_start(fz.st);
	else
		net_config_static(fz.st, FZ_ADDR, NET_IP(255, 255, 255, 0),
				  NET_IP(10, 0, 0, 254));
	tcp_usr_listen(fz.st, 80, 1 + (conf >> 6), &fz.listener);
	return &fz;
}

/* One user action per byte: accept, read, write, shut down, close,
 * connect, set options. */
static inline void fuzz_user(struct fuzz_ctx *fz, const uint8_t *d, size_t n)
{
	static uint8_t b[8192];

	for (size_t i = 0; i < n; i++) {
		unsigned k = d[i] % FZ_SOCKS;
		struct tcp_conn **s = &fz->socks[k];
		switch (d[i] >> 3 & 7) {
		case 0:
			if (!*s && fz->listener)
				tcp_usr_accept(fz->listener, s);
			break;
		case 1:
			if (*s)
				tcp_usr_recv(*s, b, 1u + d[i] * 31u);
			break;
		case 2:
			if (*s)
				tcp_usr_send(*s, b, 1u + (size_t)d[i] * 37u);
			break;
		case 3:
			if (*s)
				tcp_usr_shutdown(*s);
			break;
		case 4:
			if (*s) {
				tcp_usr_close(*s);
				*s = NULL;
			}
			break;
		case 5:
			if (!*s)
				tcp_usr_connect(fz->st, FZ_PEER, 80, s);
			break;
		case 6:
			if (*s) {
				env_lock(fz->st->lock);
				(*s)->nodelay = d[i] & 64;
				(*s)->keepalive = d[i] & 128;
				(*s)->keep_idle = 1000000000;
				(*s)->keep_intvl = 100000000;
				env_unlock(fz->st->lock);
			}
			break;
		default:
			if (fz->listener) {
				tcp_usr_close(fz->listener);
				fz->listener = NULL;
			}
			break;
		}
	}
}

static inline void fuzz_teardown(struct fuzz_ctx *fz)
{
	for (unsigned k = 0; k < FZ_SOCKS; k++)
		if (fz->socks[k])
			tcp_usr_close(fz->socks[k]);
	if (fz->listener)
		tcp_usr_close(fz->listener);
	/* Orphans finish in the background; the stack frees them. */
	net_stack_free(fz->st);
	fnif_clear(&fz->dev);
	if (fz->dev.held) {
		fprintf(stderr, "leak: %u RX buffers still held\n",
			fz->dev.held);
		abort();
	}
	memset(fz, 0, sizeof(*fz));
	if (host_live_allocs() != 0) {
		fprintf(stderr, "leak: %ld blocks of the stack not freed\n",
			host_live_allocs());
		abort();
	}
}

#endif
