/* SPDX-License-Identifier: MIT */
/* net.h: TCP stream sockets for threads, and the stack's set-up.
 *
 * The model is one thread per connection with blocking calls (threads are
 * cheap in unidb). Every blocking call takes a timeout in nanoseconds,
 * relative to the call: NET_FOREVER waits without limit, 0 never sleeps
 * (the call fails with -EAGAIN instead, net_poll returns 0). A call that
 * runs out of time returns -ETIMEDOUT.
 *
 * Context: every call may sleep (thread.h's sense), if only to take the
 * stack's lock (a mutex, one per interface, shared with packet input and
 * the stack's timers): never from interrupt handlers, with preemption
 * disabled or a spinlock held. A call copies the user's bytes and may send
 * segments through the driver; its cost is O(bytes copied + segments
 * sent) plus, for the blocking calls, the wait. "Does not wait" below
 * means it does not wait for the network, only for the lock.
 *
 * Errors are negative errno values (<unidb/errno.h>): -ECONNREFUSED (RST
 * answered our SYN), -ECONNRESET (the peer reset), -ETIMEDOUT (no answer
 * after the retransmission limit, or the call's own timeout), -EPIPE
 * (send after shutdown), -ENOTCONN, -EADDRINUSE, -ENOMEM/-ENOBUFS
 * (connection or memory limit reached), -ENETUNREACH (no address yet),
 * -EINVAL. A socket is used by one thread at a time, except that net_poll
 * may watch it from another thread. */
#ifndef UNIDB_NET_H
#define UNIDB_NET_H

#include <stddef.h>
#include <stdint.h>

#define NET_FOREVER UINT64_MAX

/* An IPv4 address in host byte order: NET_IP(10, 0, 2, 15). */
#define NET_IP(a, b, c, d)                                                     \
	((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 |      \
	 (uint32_t)(d))

struct net_sock; /* a TCP connection or listener */
struct net_stack;

/* Listens on TCP port (host order) of every address of the default
 * stack. backlog bounds both the connections waiting in net_accept and
 * the half-open ones (SYN received); further SYNs are dropped, so the
 * peer retries. -EADDRINUSE if the port has a listener. */
int net_listen(uint16_t port, unsigned backlog, struct net_sock **out);

/* Waits for an established connection on listener l. */
int net_accept(struct net_sock *l, struct net_sock **out,
	       uint64_t timeout_ns);

/* Opens a connection to addr:port and waits until it is established.
 * On a timeout the attempt is aborted. */
int net_connect(uint32_t addr, uint16_t port, struct net_sock **out,
		uint64_t timeout_ns);

/* Queues all len bytes for sending, waiting for buffer space as needed.
 * Returns len, or an error; after an error or timeout an unknown prefix
 * may have been queued, so the caller closes the connection. */
long net_send(struct net_sock *s, const void *buf, size_t len,
	      uint64_t timeout_ns);

/* Waits until at least one byte (or the end of the stream) is there,
 * then copies up to len bytes. Returns the count, 0 at the end of the
 * stream (the peer's FIN), or an error. */
long net_recv(struct net_sock *s, void *buf, size_t len, uint64_t timeout_ns);

/* The device RX queue the connection's frames last came in on (its own
 * frames go out on the TX queue of that index), or -ENOTCONN. Each RX
 * queue is serviced on one core (netdev_queue_stats' cpu): a server
 * that runs the connection's thread there keeps the connection on one
 * core, as a unikernel can (bench/net/guest/netsrv.c does). O(1). */
int net_sock_queue(struct net_sock *s);

/* Ends the write direction: a FIN follows the queued data. Does not
 * wait. -ENOTCONN if not connected, -EINVAL for another how. */
#define NET_SHUT_WR 1
int net_shutdown(struct net_sock *s, int how);

/* Releases s. Unread received data or a listener's unaccepted
 * connections make it an abort (RST); otherwise the queued data and a
 * FIN are still delivered in the background (bounded by the
 * retransmission limit and a 60 s FIN_WAIT_2 limit). s must not be used
 * afterwards, nor be in a net_poll of another thread. Does not wait. */
int net_close(struct net_sock *s);

/* Readiness of several sockets: fills each entry's revents and returns
 * how many entries have a non-zero revents, 0 on timeout, or an error.
 * At most 64 entries (-EINVAL otherwise); all on the same stack. */
#define NET_POLLIN 1u  /* data, end of stream, or a connection to accept */
#define NET_POLLOUT 2u /* send buffer space */
#define NET_POLLERR 4u /* reset or timed out; net_recv says which */
#define NET_POLLHUP 8u /* closed in both directions */
struct net_pollfd {
	struct net_sock *sock;
	unsigned events, revents;
};
int net_poll(struct net_pollfd *fds, unsigned n, uint64_t timeout_ns);

/* Socket options; -EINVAL for an unknown one or a bad value. Does not
 * wait. A listener passes NODELAY and KEEPALIVE on to the connections it
 * accepts. */
enum net_opt {
	NET_OPT_NODELAY,    /* 1: send small segments at once (no Nagle) */
	NET_OPT_KEEPALIVE,  /* 1: probe an idle connection */
	NET_OPT_KEEPIDLE_S, /* idle seconds before the first probe */
};
int net_setopt(struct net_sock *s, enum net_opt opt, long value);

/* ---- set-up (kernel boot code and tests) ------------------------------ */

/* Limits and timing of one stack. net_config_default() gives the
 * defaults documented in docs/net.md. */
struct net_config {
	uint32_t sndbuf, rcvbuf;   /* bytes per connection, each way */
	/* A bulk transfer's rings grow up to these (kernel/net/tcp_tune.c);
	 * no larger than sndbuf/rcvbuf: they never grow. */
	uint32_t sndbuf_max, rcvbuf_max;
	unsigned max_conns;	   /* connections (not listeners, TIME_WAIT) */
	unsigned max_timewait;	   /* TIME_WAIT entries; the oldest recycled */
	size_t mem_max;		   /* all connections' buffers together */
	uint64_t msl_ns;	   /* TIME_WAIT lasts 2 * msl */
	uint64_t rto_min_ns, rto_max_ns, rto_init_ns;
	unsigned max_retries;	   /* timeouts in a row before giving up */
	uint64_t delack_ns;	   /* delayed-ACK timeout */
	uint64_t fin_wait2_ns;	   /* orphaned FIN_WAIT_2 lifetime */
};
void net_config_default(struct net_config *cfg);

struct netif;
/* Creates a stack on nif (cfg NULL: defaults) and attaches to it
 * (sets nif->input and nif->stack). Does not start timers or DHCP. NULL
 * if out of memory. */
struct net_stack *net_stack_new(struct netif *nif,
				const struct net_config *cfg);
void net_stack_free(struct net_stack *st); /* no socket may remain */

/* The stack the net_listen/net_connect calls use. */
void net_set_default(struct net_stack *st);
struct net_stack *net_default(void);

/* Static address: addr/mask/gateway in host order (gateway 0: none). */
int net_config_static(struct net_stack *st, uint32_t addr, uint32_t mask,
		      uint32_t gw);
/* Starts the DHCP client (QEMU user networking: 10.0.2.15, gateway
 * 10.0.2.2, DNS 10.0.2.3). */
void net_dhcp_start(struct net_stack *st);
/* Waits until the stack has an address; fills what is non-NULL. */
int net_wait_configured(struct net_stack *st, uint64_t timeout_ns,
			uint32_t *addr, uint32_t *mask, uint32_t *gw);

/* The frame input function the stack puts in nif->input. */
void net_input(struct netif *nif, unsigned q, const void *frame, size_t len,
	       unsigned flags);

/* Kernel only (kernel/net/env_kernel.c): net_stack_new + the stack's
 * timer thread + the default stack if it is the first. */
struct net_stack *net_attach(struct netif *nif);

#endif
