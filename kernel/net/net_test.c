/* SPDX-License-Identifier: MIT */
/* net_test.c: in-guest tests of the stack with the kernel environment
 * (env_kernel.c): real threads, the mutex, park/unpark waits with timer
 * deadlines, and the timer thread. Two stacks are joined by a wire: each
 * side's xmit copies the frame into a ring (it must not sleep) and a
 * delivery thread hands it to the other side's input. */
#include <string.h>
#include <unidb/heap.h>
#include <unidb/spinlock.h>
#include <unidb/test.h>
#include <unidb/thread.h>
#include <unidb/time.h>

#include "net/stack.h"

#define WIRE_SLOTS 128
#define WIRE_FRAME 1514

struct wire_end {
	struct netif nif;
	struct wire_end *peer;
	struct spinlock lock; /* protects the ring */
	uint8_t (*ring)[WIRE_FRAME];
	uint16_t len[WIRE_SLOTS];
	unsigned head, count;
	struct thread *deliverer; /* delivers this ring to the peer */
	volatile bool stop;
	uint64_t drops;
};

static int wire_xmit(struct netif *nif, unsigned q, const struct netif_tx *tx)
{
	struct wire_end *w = (struct wire_end *)nif;
	uint8_t *f;

	if (tx->len > WIRE_FRAME)
		return -EMSGSIZE;
	spin_lock(&w->lock);
	if (w->count == WIRE_SLOTS) {
		w->drops++;
		spin_unlock(&w->lock);
		return -ENOBUFS; /* TCP retransmits */
	}
	f = w->ring[(w->head + w->count) % WIRE_SLOTS];
	netif_tx_copy(f, tx);
	w->len[(w->head + w->count) % WIRE_SLOTS] = (uint16_t)tx->len;
	w->count++;
	spin_unlock(&w->lock);
	thread_unpark(w->deliverer);
	return 0;
}

static const struct netif_ops wire_ops = {.xmit = wire_xmit};

static void deliver(void *arg)
{
	struct wire_end *w = arg;
	static uint8_t frames[2][WIRE_FRAME];
	uint8_t *f = frames[w->nif.mac[5] & 1];

	while (!w->stop) {
		size_t n = 0;
		spin_lock(&w->lock);
		if (w->count) {
			n = w->len[w->head];
			memcpy(f, w->ring[w->head], n);
			w->head = (w->head + 1) % WIRE_SLOTS;
			w->count--;
		}
		spin_unlock(&w->lock);
		if (n)
			w->peer->nif.input(&w->peer->nif, 0, f, n, 0);
		else
			thread_park();
	}
}

struct wire {
	struct wire_end a, b;
	struct net_stack *sa, *sb;
};

static bool wire_up(struct wire *w)
{
	memset(w, 0, sizeof(*w));
	struct wire_end *e[2] = {&w->a, &w->b};
	for (int i = 0; i < 2; i++) {
		e[i]->peer = e[1 - i];
		e[i]->nif.mtu = 1500;
		e[i]->nif.nqueues = 1;
		e[i]->nif.ops = &wire_ops;
		e[i]->nif.mac[0] = 2;
		e[i]->nif.mac[5] = (uint8_t)(i + 1);
		e[i]->ring = kmalloc(WIRE_SLOTS * WIRE_FRAME);
		if (!e[i]->ring)
			return false;
	}
	w->sa = net_stack_new(&w->a.nif, NULL);
	w->sb = net_stack_new(&w->b.nif, NULL);
	if (!w->sa || !w->sb)
		return false;
	net_config_static(w->sa, NET_IP(10, 9, 0, 1), NET_IP(255, 255, 255, 0), 0);
	net_config_static(w->sb, NET_IP(10, 9, 0, 2), NET_IP(255, 255, 255, 0), 0);
	for (int i = 0; i < 2; i++)
		e[i]->deliverer = thread_create("wire", deliver, e[i], NULL);
	return w->a.deliverer && w->b.deliverer &&
	       net_timers_start(w->sa) == 0 && net_timers_start(w->sb) == 0;
}

static void wire_down(struct wire *w)
{
	struct wire_end *e[2] = {&w->a, &w->b};
	for (int i = 0; i < 2; i++) {
		if (e[i]->deliverer) {
			e[i]->stop = true;
			thread_unpark(e[i]->deliverer);
			thread_join(e[i]->deliverer);
		}
	}
	if (w->sa) {
		net_timers_stop(w->sa);
		net_stack_free(w->sa);
	}
	if (w->sb) {
		net_timers_stop(w->sb);
		net_stack_free(w->sb);
	}
	kfree(w->a.ring);
	kfree(w->b.ring);
}

#define ECHO_BYTES (1u << 20)
static volatile long server_result;

static void echo_server(void *arg)
{
	struct net_stack *st = arg;
	struct tcp_conn *l;
	struct net_sock *c;
	static char b[4096];
	long n, total = 0;

	server_result = tcp_usr_listen(st, 7, 4, &l);
	if (server_result)
		return;
	server_result = net_accept((struct net_sock *)l, &c, 30000000000ull);
	if (server_result) {
		net_close((struct net_sock *)l);
		return;
	}
	while ((n = net_recv(c, b, sizeof(b), 30000000000ull)) > 0) {
		if (net_send(c, b, (size_t)n, 30000000000ull) != n)
			break;
		total += n;
	}
	net_close(c);
	net_close((struct net_sock *)l);
	server_result = n == 0 ? total : n;
}

static uint8_t pat(size_t i)
{
	return (uint8_t)(i * 7 + (i >> 9));
}

static void echo_client(void *arg)
{
	struct tcp_conn *c = arg;
	static uint8_t out[8192];

	for (size_t off = 0; off < ECHO_BYTES; off += sizeof(out)) {
		for (size_t i = 0; i < sizeof(out); i++)
			out[i] = pat(off + i);
		if (net_send((struct net_sock *)c, out, sizeof(out),
			     30000000000ull) != (long)sizeof(out))
			return;
	}
	net_shutdown((struct net_sock *)c, NET_SHUT_WR);
}

TEST(net_echo_1mb_between_two_stacks)
{
	static struct wire w;
	static uint8_t in[4096];
	struct tcp_conn *c = NULL;
	struct thread *srv, *cli = NULL;
	size_t got = 0;
	long n;
	bool ok = true;

	server_result = 1;
	ASSERT(wire_up(&w));
	srv = thread_create("echo-srv", echo_server, w.sb, NULL);
	ASSERT(srv != NULL);
	/* Wait for the listener; connect (SYN retransmits cover a race). */
	for (bool up = false; !up && server_result == 1;) {
		env_lock(w.sb->lock);
		up = tcp_lookup(w.sb, 0, 7, 0, 0) != NULL;
		env_unlock(w.sb->lock);
		thread_sleep_ns(1000000);
	}
	EXPECT_EQ(tcp_usr_connect(w.sa, NET_IP(10, 9, 0, 2), 7, &c), 0);
	if (c)
		cli = thread_create("echo-cli", echo_client, c, NULL);
	while (c && (n = net_recv((struct net_sock *)c, in, sizeof(in),
				  30000000000ull)) > 0) {
		for (long i = 0; i < n; i++)
			ok &= in[i] == pat(got + (size_t)i);
		got += (size_t)n;
	}
	EXPECT(c != NULL);
	EXPECT(ok);
	EXPECT_EQ(got, ECHO_BYTES);
	if (cli)
		thread_join(cli);
	thread_join(srv);
	EXPECT_EQ(server_result, ECHO_BYTES);
	if (c)
		net_close((struct net_sock *)c);
	wire_down(&w);
}

TEST(net_timeouts_and_poll_with_kernel_waits)
{
	static struct wire w;
	struct tcp_conn *l = NULL, *c = NULL;
	struct net_sock *s = NULL;
	char b[8];

	ASSERT(wire_up(&w));
	EXPECT_EQ(tcp_usr_listen(w.sb, 8, 4, &l), 0);
	EXPECT_EQ(tcp_usr_connect(w.sa, NET_IP(10, 9, 0, 2), 8, &c), 0);
	EXPECT_EQ(net_accept((struct net_sock *)l, &s, 10000000000ull), 0);
	if (c && s) {
		/* Nothing arrives: the wait ends by its deadline (a kernel
		 * timer), not before. */
		uint64_t t0 = time_ns();
		EXPECT_EQ(net_recv(s, b, sizeof(b), 20000000), -ETIMEDOUT);
		EXPECT(time_ns() - t0 >= 20000000);
		EXPECT_EQ(net_recv(s, b, sizeof(b), 0), -EAGAIN);
		struct net_pollfd pf[2] = {{s, NET_POLLIN, 0},
					   {(struct net_sock *)l, NET_POLLIN, 0}};
		EXPECT_EQ(net_poll(pf, 2, 10000000), 0);
		EXPECT_EQ(net_send((struct net_sock *)c, "hi", 2, 1000000000), 2);
		EXPECT_EQ(net_poll(pf, 2, 10000000000ull), 1);
		EXPECT_EQ(pf[0].revents, NET_POLLIN);
		EXPECT_EQ(net_recv(s, b, sizeof(b), 0), 2);
		net_close(s);
		net_close((struct net_sock *)c);
	}
	net_close((struct net_sock *)l);
	wire_down(&w);
}
