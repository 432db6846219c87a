/* SPDX-License-Identifier: MIT */
/* echo_cmd.c: `echo PORT`, a TCP echo server on the default stack (kernel
 * only). One thread per connection with blocking calls; it runs until the
 * guest is powered off. A connection whose peer stays silent or vanishes
 * ends by the recv/send timeout or by the stack's retransmission limit,
 * and its thread prints how it ended. */
#include <stdlib.h>
#include <unidb/command.h>
#include <unidb/errno.h>
#include <unidb/heap.h>
#include <unidb/net.h>
#include <unidb/printk.h>
#include <unidb/thread.h>

#define ECHO_BUF 16384
/* A peer silent this long is gone. Not shorter: QEMU's user networking
 * listens on the forwarded host port with a backlog of 1 and lets about
 * 2 connections per second through (docs/net.md), so a client opening
 * 200 connections before it uses any needs ~90 s; with 60 s the first
 * ones ended here before their data came (issue 10's "200 concurrent
 * connections lose data" over user networking). */
#define ECHO_IDLE_NS (300ull * 1000000000ull)
#define ECHO_BACKLOG 128

static unsigned long echo_conns, echo_errors;

static void echo_conn(void *arg)
{
	struct net_sock *s = arg;
	uint8_t *buf = kmalloc(ECHO_BUF);
	long n = -ENOMEM;
	unsigned long total = 0;
	const char *op = "recv";

	while (buf) {
		n = net_recv(s, buf, ECHO_BUF, ECHO_IDLE_NS);
		if (n <= 0)
			break;
		long w = net_send(s, buf, (size_t)n, ECHO_IDLE_NS);
		if (w < 0) {
			n = w;
			op = "send";
			break;
		}
		total += (unsigned long)n;
	}
	if (n < 0) {
		__atomic_add_fetch(&echo_errors, 1, __ATOMIC_RELAXED);
		printk("echo: connection ended: %s error %ld after %lu "
		       "bytes\n",
		       op, n, total);
	}
	net_close(s);
	kfree(buf);
}

static int cmd_echo(int argc, char **argv)
{
	struct net_stack *st = net_default();
	struct net_sock *l, *s;
	uint32_t addr;
	char *end;

	if (argc != 2)
		goto usage;
	unsigned long port = strtoul(argv[1], &end, 10);
	if (*end || !port || port > 65535)
		goto usage;
	if (!st) {
		printk("echo: no network device\n");
		return 1;
	}
	int err = net_wait_configured(st, 120ull * 1000000000ull, &addr, NULL,
				      NULL);
	if (err) {
		printk("echo: no address (%d)\n", err);
		return 1;
	}
	err = net_listen((uint16_t)port, ECHO_BACKLOG, &l);
	if (err) {
		printk("echo: listen on port %lu: %d\n", port, err);
		return 1;
	}
	net_setopt(l, NET_OPT_NODELAY, 1);
	printk("echo: listening on %u.%u.%u.%u:%lu\n", addr >> 24,
	       (addr >> 16) & 255, (addr >> 8) & 255, addr & 255, port);
	for (;;) {
		err = net_accept(l, &s, NET_FOREVER);
		if (err) {
			printk("echo: accept: %d\n", err);
			thread_sleep_ns(10000000); /* e.g. -ENOMEM: back off */
			continue;
		}
		struct thread *t = thread_create("echo", echo_conn, s, NULL);
		if (!t) {
			net_close(s);
			continue;
		}
		thread_detach(t);
		echo_conns++;
	}
usage:
	printk("echo: usage: echo PORT\n");
	return 1;
}
COMMAND(echo, "PORT  TCP echo server, one thread per connection",
	cmd_echo);
