/* SPDX-License-Identifier: MIT */
/* netsrv.c: `netsrv PORT`, the unidb server of `make bench-net` (Linux
 * side: bench/linux/netsrv.c; protocol and per-connection logic shared in
 * bench/net/workload.h). One thread per connection with blocking calls
 * and NODELAY, as `echo` does. A quit request ends the command (and so
 * the VM) with status 0, or 1 if a connection ended in an error. */
#include <stdlib.h>
#include <unidb/command.h>
#include <unidb/errno.h>
#include <unidb/heap.h>
#include <unidb/net.h>
#include <unidb/netdev.h>
#include <unidb/printk.h>
#include <unidb/thread.h>

#include "../workload.h"

#define NETSRV_IDLE_NS (300ull * 1000000000ull) /* as echo's, echo_cmd.c */
#define NETSRV_BACKLOG 128

static uint8_t *netsrv_pat;
static int netsrv_quit;
static unsigned long netsrv_errors;

static long netsrv_recv(void *c, void *buf, size_t len)
{
	return net_recv(c, buf, len, NETSRV_IDLE_NS);
}

static long netsrv_send(void *c, const void *buf, size_t len)
{
	return net_send(c, buf, len, NETSRV_IDLE_NS);
}

static void netsrv_conn(void *arg)
{
	struct netb_io io = {arg, netsrv_recv, netsrv_send};
	uint8_t *buf = kmalloc(NETB_BUF);
	long r = buf ? netb_serve(&io, buf, netsrv_pat) : -ENOMEM;

	if (r < 0) {
		__atomic_add_fetch(&netsrv_errors, 1, __ATOMIC_RELAXED);
		printk("netsrv: connection ended with error %ld\n", r);
	}
	if (r == 1) {
		/* The client closes once it has our answer: wait for that
		 * (at most 5 s), so that the VM does not power off with the
		 * answer still on its way (the client then waited forever). */
		if (buf)
			net_recv(arg, buf, 1, 5000000000ull);
		__atomic_store_n(&netsrv_quit, 1, __ATOMIC_RELEASE);
	}
	net_close(arg);
	kfree(buf);
}

/* The core of the RX queue s's frames come in on: its thread runs
 * there, beside the queue's service thread, and is not moved to the
 * other core whenever both are runnable (each move costs an IPI and, on
 * a host without a spare core, waiting for that vCPU to be scheduled).
 * The Linux server does the same with SO_INCOMING_CPU. */
static int netsrv_cpu(struct net_sock *s)
{
	struct netdev_queue_stats qs;
	int q = net_sock_queue(s);

	if (q < 0 || netdev_queue_stats(0, (unsigned)q, &qs))
		return THREAD_ANY_CPU;
	return (int)qs.cpu;
}

static int netsrv_serve(struct net_sock *l)
{
	struct net_sock *s;

	while (!__atomic_load_n(&netsrv_quit, __ATOMIC_ACQUIRE)) {
		/* Wakes every 100 ms to see a quit request. */
		int err = net_accept(l, &s, 100000000ull);
		if (err == -ETIMEDOUT || err == -EAGAIN)
			continue;
		if (err) {
			printk("netsrv: accept: %d\n", err);
			thread_sleep_ns(10000000); /* e.g. -ENOMEM: back off */
			continue;
		}
		struct thread_attr at = {.cpu = netsrv_cpu(s)};
		struct thread *t =
		    thread_create("netsrv", netsrv_conn, s, &at);
		if (!t) {
			net_close(s);
			continue;
		}
		thread_detach(t);
	}
	net_close(l);
	printk("netsrv: quit, %lu connection errors\n", netsrv_errors);
	struct netdev_queue_stats qs;
	if (!netdev_queue_stats(0, 0, &qs))
		printk("netsrv: eth0 queue 0: rx %lu frames %lu bytes, tx %lu "
		       "frames %lu bytes, %lu drops; rx buffers kept %lu "
		       "times (%lu refused)\n",
		       qs.rx_packets, qs.rx_bytes, qs.tx_packets, qs.tx_bytes,
		       qs.tx_drops, qs.rx_holds, qs.rx_holds_refused);
	return netsrv_errors ? 1 : 0;
}

static int cmd_netsrv(int argc, char **argv)
{
	struct net_stack *st = net_default();
	struct net_sock *l;
	uint32_t addr;
	char *end;
	unsigned long port = argc == 2 ? strtoul(argv[1], &end, 10) : 0;

	if (!port || *end || port > 65535) {
		printk("netsrv: usage: netsrv PORT\n");
		return 1;
	}
	if (!st) {
		printk("netsrv: no network device\n");
		return 1;
	}
	int err =
	    net_wait_configured(st, 120ull * 1000000000ull, &addr, NULL, NULL);
	if (err) {
		printk("netsrv: no address (%d)\n", err);
		return 1;
	}
	netsrv_pat = kmalloc(NETB_BUF);
	if (!netsrv_pat)
		return 1;
	netb_fill(netsrv_pat, NETB_BUF, 0);
	err = net_listen((uint16_t)port, NETSRV_BACKLOG, &l);
	if (err) {
		printk("netsrv: listen on port %lu: %d\n", port, err);
		return 1;
	}
	net_setopt(l, NET_OPT_NODELAY, 1);
	printk("netsrv: listening on %u.%u.%u.%u:%lu\n", addr >> 24,
	       (addr >> 16) & 255, (addr >> 8) & 255, addr & 255, port);
	return netsrv_serve(l);
}
COMMAND(netsrv, "PORT  bench-net server (echo, sink, source; see bench/net)",
	cmd_netsrv);
