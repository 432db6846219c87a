/* SPDX-License-Identifier: MIT */
/* sock.c: the blocking calls of <unidb/net.h> over the non-blocking
 * tcp_usr_* calls: try, and if the answer is -EAGAIN sleep on the
 * connection's event until something changed or the deadline passed.
 * A struct net_sock is a struct tcp_conn. */
#include "net/stack.h"

static inline struct tcp_conn *conn(struct net_sock *s)
{
	return (struct tcp_conn *)s;
}

static uint64_t deadline_of(uint64_t timeout_ns)
{
	uint64_t now = env_now();

	if (timeout_ns == NET_FOREVER || now + timeout_ns < now)
		return ENV_FOREVER;
	return now + timeout_ns;
}

/* Sleeps until c's state changes or the deadline passes. Takes the lock
 * for the wait only: the tcp_usr_* calls take it themselves. Returns 0
 * or -ETIMEDOUT (also when timeout 0 asked not to sleep). */
static int wait_event(struct tcp_conn *c, uint64_t deadline, bool nonblock,
		      unsigned (*ready)(struct tcp_conn *))
{
	struct env_event *ev = &c->ev;
	int err = 0;

	if (nonblock)
		return -EAGAIN;
	env_lock(c->st->lock);
	if (!ready(c))
		err = env_wait(c->st->lock, &ev, 1, deadline);
	env_unlock(c->st->lock);
	return err;
}

static unsigned ready_in(struct tcp_conn *c)
{
	return tcp_usr_events(c) & (NET_POLLIN | NET_POLLERR | NET_POLLHUP);
}

static unsigned ready_out(struct tcp_conn *c)
{
	/* Also "ready" when sending can no longer work: the retry fails. */
	return (tcp_usr_events(c) & (NET_POLLOUT | NET_POLLERR | NET_POLLHUP)) ||
	       (c->state != TCP_ESTABLISHED && c->state != TCP_CLOSE_WAIT &&
		c->state != TCP_SYN_SENT && c->state != TCP_SYN_RECEIVED);
}

static unsigned ready_connected(struct tcp_conn *c)
{
	return c->state != TCP_SYN_SENT && c->state != TCP_SYN_RECEIVED;
}

int net_listen(uint16_t port, unsigned backlog, struct net_sock **out)
{
	struct net_stack *st = net_default();

	if (!st || !out)
		return -ENETUNREACH;
	return tcp_usr_listen(st, port, backlog, (struct tcp_conn **)out);
}

int net_accept(struct net_sock *l, struct net_sock **out, uint64_t timeout_ns)
{
	uint64_t deadline = deadline_of(timeout_ns);
	int err;

	for (;;) {
		err = tcp_usr_accept(conn(l), (struct tcp_conn **)out);
		if (err != -EAGAIN)
			return err;
		err = wait_event(conn(l), deadline, timeout_ns == 0, ready_in);
		if (err)
			return err;
	}
}

int net_connect(uint32_t addr, uint16_t port, struct net_sock **out,
		uint64_t timeout_ns)
{
	struct net_stack *st = net_default();
	uint64_t deadline = deadline_of(timeout_ns);
	struct tcp_conn *c;
	int err;

	if (!st || !out)
		return -ENETUNREACH;
	err = tcp_usr_connect(st, addr, port, &c);
	if (err)
		return err;
	do {
		err = wait_event(c, deadline, false, ready_connected);
	} while (!err && !ready_connected(c));
	if (!err && c->state != TCP_ESTABLISHED && c->state != TCP_CLOSE_WAIT)
		err = c->err ? c->err : -ECONNREFUSED;
	if (err) {
		tcp_usr_close(c);
		return err;
	}
	*out = (struct net_sock *)c;
	return 0;
}

long net_send(struct net_sock *s, const void *buf, size_t len,
	      uint64_t timeout_ns)
{
	uint64_t deadline = deadline_of(timeout_ns);
	const uint8_t *p = buf;
	size_t done = 0;

	while (done < len) {
		long n = tcp_usr_send(conn(s), p + done, len - done);
		if (n > 0) {
			done += (size_t)n;
			continue;
		}
		if (n != -EAGAIN)
			return n;
		n = wait_event(conn(s), deadline, timeout_ns == 0, ready_out);
		if (n)
			return n;
	}
	return (long)len;
}

long net_recv(struct net_sock *s, void *buf, size_t len, uint64_t timeout_ns)
{
	uint64_t deadline = deadline_of(timeout_ns);

	for (;;) {
		long n = tcp_usr_recv(conn(s), buf, len);
		if (n != -EAGAIN)
			return n;
		n = wait_event(conn(s), deadline, timeout_ns == 0, ready_in);
		if (n)
			return n;
	}
}

int net_sock_queue(struct net_sock *s)
{
	struct tcp_conn *c = conn(s);
	int q;

	env_lock(c->st->lock);
	q = c->state == TCP_CLOSED || c->state == TCP_LISTEN ? -ENOTCONN
							     : c->txq;
	env_unlock(c->st->lock);
	return q;
}

int net_shutdown(struct net_sock *s, int how)
{
	if (how != NET_SHUT_WR)
		return -EINVAL;
	return tcp_usr_shutdown(conn(s));
}

int net_close(struct net_sock *s)
{
	if (!s)
		return -EINVAL;
	tcp_usr_close(conn(s));
	return 0;
}

int net_poll(struct net_pollfd *fds, unsigned n, uint64_t timeout_ns)
{
	struct env_event *evs[ENV_WAIT_MAX];
	uint64_t deadline = deadline_of(timeout_ns);
	struct net_stack *st;
	int ready, err = 0;

	if (n == 0 || n > ENV_WAIT_MAX)
		return -EINVAL;
	st = conn(fds[0].sock)->st;
	for (unsigned i = 0; i < n; i++) {
		if (conn(fds[i].sock)->st != st)
			return -EINVAL;
		evs[i] = &conn(fds[i].sock)->ev;
	}
	env_lock(st->lock);
	for (;;) {
		ready = 0;
		for (unsigned i = 0; i < n; i++) {
			/* Errors and hang-ups are reported unasked. */
			fds[i].revents = tcp_usr_events(conn(fds[i].sock)) &
					 (fds[i].events | NET_POLLERR |
					  NET_POLLHUP);
			ready += fds[i].revents != 0;
		}
		if (ready || err || timeout_ns == 0)
			break;
		err = env_wait(st->lock, evs, n, deadline);
	}
	env_unlock(st->lock);
	return ready;
}

int net_setopt(struct net_sock *s, enum net_opt opt, long value)
{
	struct tcp_conn *c = conn(s);
	int err = 0;

	env_lock(c->st->lock);
	switch (opt) {
	case NET_OPT_NODELAY:
		c->nodelay = value != 0;
		if (c->nodelay)
			tcp_output(c);
		break;
	case NET_OPT_KEEPALIVE:
		c->keepalive = value != 0;
		if (c->keepalive && c->state == TCP_ESTABLISHED)
			net_timer_arm(c->st, &c->t_keep,
				      c->last_rcv + c->keep_idle);
		break;
	case NET_OPT_KEEPIDLE_S:
		if (value <= 0 || value > 86400 * 7)
			err = -EINVAL;
		else
			c->keep_idle = (uint64_t)value * 1000000000;
		break;
	default:
		err = -EINVAL;
	}
	env_unlock(c->st->lock);
	return err;
}
