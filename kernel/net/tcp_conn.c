/* SPDX-License-Identifier: MIT */
/* tcp_conn.c: TCP connection blocks: creation, lookup, state changes,
 * limits, ISNs, and the non-blocking user calls.
 *
 * Ownership: a tcb belongs to its user until net_close (user_closed),
 * or to its listener until accepted (parent != NULL). An unowned tcb
 * (an "orphan") finishes its close in the background and is freed when
 * it reaches CLOSED. A tcb the user still holds stays allocated in state
 * CLOSED, unhashed, until net_close.
 *
 * Memory: a connection's rings (cfg.sndbuf + cfg.rcvbuf) are allocated
 * when it is established and freed when it enters TIME_WAIT or CLOSED;
 * all rings together stay below cfg.mem_max (a bulk transfer's rings may
 * grow while they stay below half of it: tcp_tune.c). Half-open connections (SYN
 * received) hold only the tcb and are bounded by each listener's backlog
 * and by cfg.max_conns. Out-of-order data lives inside the receive ring,
 * so a peer cannot make us allocate anything beyond these bounds. */
#include <string.h>

#include "net/stack.h"

#define TCP_HASH 256
#define EPHEMERAL_LO 49152

/* The hash table and listener list live in the stack; kept here to keep
 * stack.h short. */
struct tcp_table {
	struct tcp_conn *bucket[TCP_HASH];
	struct tcp_conn *listeners;
};

static const char *const state_names[] = {
	"CLOSED",      "LISTEN",     "SYN_SENT",   "SYN_RECEIVED",
	"ESTABLISHED", "FIN_WAIT_1", "FIN_WAIT_2", "CLOSE_WAIT",
	"CLOSING",     "LAST_ACK",   "TIME_WAIT",
};

const char *tcp_state_name(enum tcp_state s)
{
	return (unsigned)s <= TCP_TIME_WAIT ? state_names[s] : "?";
}

static struct tcp_table *table(struct net_stack *st)
{
	if (!st->tcp_table)
		st->tcp_table = env_alloc(sizeof(struct tcp_table));
	return st->tcp_table;
}

static unsigned hash4(uint16_t lp, uint32_t ra, uint16_t rp)
{
	uint32_t h = (ra ^ ((uint32_t)lp << 16 | rp)) * 0x9e3779b1u;
	return h >> 24; /* TCP_HASH == 256 */
}

uint32_t tcp_isn(struct net_stack *st, uint32_t la, uint16_t lp, uint32_t ra,
		 uint16_t rp)
{
	/* RFC 6528: ISN = M + F(localip, localport, remoteip, remoteport,
	 * secretkey), M a 4 us clock, F a keyed hash. */
	uint8_t t[12];

	put32(t, la);
	put16(t + 4, lp);
	put32(t + 6, ra);
	put16(t + 10, rp);
	return (uint32_t)(env_now() / 4000) + (uint32_t)siphash(st->isn_key, t, 12);
}

struct tcp_conn *tcp_lookup(struct net_stack *st, uint32_t la, uint16_t lp,
			    uint32_t ra, uint16_t rp)
{
	struct tcp_table *t = table(st);
	struct tcp_conn *c;

	if (!t)
		return NULL;
	for (c = t->bucket[hash4(lp, ra, rp)]; c; c = c->next)
		if (c->lport == lp && c->rport == rp && c->raddr == ra &&
		    c->laddr == la)
			return c;
	for (c = t->listeners; c; c = c->next)
		if (c->lport == lp)
			return c;
	return NULL;
}

static void tcp_hash_insert(struct tcp_conn *c)
{
	struct tcp_table *t = c->st->tcp_table;
	struct tcp_conn **head = c->state == TCP_LISTEN
					 ? &t->listeners
					 : &t->bucket[hash4(c->lport, c->raddr,
							    c->rport)];
	c->next = *head;
	if (*head)
		(*head)->pprev = &c->next;
	c->pprev = head;
	*head = c;
}

static void tcp_hash_remove(struct tcp_conn *c)
{
	if (!c->pprev)
		return;
	*c->pprev = c->next;
	if (c->next)
		c->next->pprev = c->pprev;
	c->next = NULL;
	c->pprev = NULL;
}

struct tcp_conn *tcp_conn_new(struct net_stack *st)
{
	struct tcp_conn *c;

	if (!table(st))
		return NULL;
	c = env_alloc(sizeof(*c));
	if (!c)
		return NULL;
	c->st = st;
	c->mss = 536; /* RFC 1122 default until the peer says more */
	c->rto = st->cfg.rto_init_ns;
	c->keep_idle = 7200ull * 1000000000;
	c->keep_intvl = 75ull * 1000000000;
	c->keep_cnt = 9;
	c->ssthresh = UINT32_MAX;
	return c;
}

int tcp_conn_buffers(struct tcp_conn *c)
{
	struct net_stack *st = c->st;
	size_t need = (size_t)st->cfg.sndbuf + st->cfg.rcvbuf;

	if (c->mem_charged)
		return 0;
	if (st->mem_used + need > st->cfg.mem_max)
		return -ENOBUFS;
	c->snd.buf = env_alloc_buf(st->cfg.sndbuf);
	c->rcv.buf = env_alloc_buf(st->cfg.rcvbuf);
	if (!c->snd.buf || !c->rcv.buf) {
		env_free(c->snd.buf);
		env_free(c->rcv.buf);
		c->snd.buf = c->rcv.buf = NULL;
		return -ENOMEM;
	}
	c->snd.size = st->cfg.sndbuf;
	c->rcv.size = st->cfg.rcvbuf;
	c->mem_charged = true;
	st->mem_used += need;
	return 0;
}

static void tcp_conn_free_buffers(struct tcp_conn *c)
{
	if (!c->mem_charged)
		return;
	tcp_rcvq_release(c);
	/* The rings' sizes now: they may have grown (tcp_tune.c). */
	c->st->mem_used -= (size_t)c->snd.size + c->rcv.size;
	env_free(c->snd.buf);
	env_free(c->rcv.buf);
	memset(&c->snd, 0, sizeof(c->snd));
	memset(&c->rcv, 0, sizeof(c->rcv));
	c->nooo = 0;
	c->mem_charged = false;
}

/* Removes an unaccepted child from its listener's books. */
static void tcp_unparent(struct tcp_conn *c)
{
	struct tcp_conn *l = c->parent, **pp;

	if (!l)
		return;
	if (c->state == TCP_SYN_RECEIVED && !c->acc_queued) {
		l->nsyn--;
	} else if (c->acc_queued) {
		for (pp = &l->acc_head; *pp; pp = &(*pp)->acc_next) {
			if (*pp == c) {
				*pp = c->acc_next;
				break;
			}
		}
		if (l->acc_tail == &c->acc_next)
			l->acc_tail = pp;
		c->acc_queued = false;
		l->nacc--;
	}
	c->parent = NULL;
	c->user_closed = true; /* nobody will ever see it */
}

/* Ends the oldest TIME_WAIT other than keep (the one just entered). */
static void tcp_recycle_oldest_timewait(struct net_stack *st,
					struct tcp_conn *keep)
{
	struct tcp_table *t = st->tcp_table;
	struct tcp_conn *old = NULL;

	for (unsigned i = 0; i < TCP_HASH; i++)
		for (struct tcp_conn *c = t->bucket[i]; c; c = c->next)
			if (c->state == TCP_TIME_WAIT && c != keep &&
			    (!old || c->stamp < old->stamp))
				old = c;
	if (old)
		tcp_set_state(old, TCP_CLOSED);
}

void tcp_set_state(struct tcp_conn *c, enum tcp_state s)
{
	struct net_stack *st = c->st;
	enum tcp_state was = c->state;

	if (was == s)
		return;
	c->state = s;
	if (was == TCP_CLOSED && s != TCP_LISTEN) {
		st->nconns++;
		tcp_hash_insert(c);
	} else if (was == TCP_CLOSED) {
		tcp_hash_insert(c);
	}
	if (s == TCP_TIME_WAIT || s == TCP_CLOSED) {
		c->t_rexmt = c->t_persist = c->t_delack = c->t_keep = 0;
		if (was != TCP_TIME_WAIT && was != TCP_LISTEN)
			st->nconns--;
		/* Unread data stays readable until the user closes. */
		if (c->user_closed || c->parent || !c->rcv.len)
			tcp_conn_free_buffers(c);
	}
	if (s == TCP_TIME_WAIT) {
		c->stamp = env_now();
		net_timer_arm(st, &c->t_2msl, c->stamp + 2 * st->cfg.msl_ns);
		if (++st->ntimewait > st->cfg.max_timewait)
			tcp_recycle_oldest_timewait(st, c);
	}
	if (was == TCP_TIME_WAIT)
		st->ntimewait--;
	if (s == TCP_CLOSED) {
		c->t_2msl = 0;
		tcp_hash_remove(c);
	}
	if (s == TCP_ESTABLISHED && c->keepalive)
		net_timer_arm(st, &c->t_keep, env_now() + c->keep_idle);
	if (s == TCP_FIN_WAIT_2 && c->user_closed)
		net_timer_arm(st, &c->t_2msl, env_now() + st->cfg.fin_wait2_ns);
	env_wake(&c->ev);
	if (c->parent)
		env_wake(&c->parent->ev);
	if (s == TCP_CLOSED)
		tcp_conn_maybe_free(c);
}

void tcp_conn_maybe_free(struct tcp_conn *c)
{
	if (c->state != TCP_CLOSED)
		return;
	if (c->parent)
		tcp_unparent(c);
	if (!c->user_closed)
		return;
	tcp_conn_free_buffers(c);
	env_free(c);
}

/* Ends c with err (0: a clean end); the user sees err from then on. */
void tcp_conn_drop(struct tcp_conn *c, int err)
{
	if (err && !c->err)
		c->err = err;
	tcp_set_state(c, TCP_CLOSED);
}

/* ---- user calls (non-blocking; each takes the stack lock) --------------- */

int tcp_usr_listen(struct net_stack *st, uint16_t port, unsigned backlog,
		   struct tcp_conn **out)
{
	struct tcp_conn *c;
	int err = 0;

	if (!port || !backlog)
		return -EINVAL;
	env_lock(st->lock);
	if (!table(st)) {
		err = -ENOMEM;
		goto out;
	}
	for (c = st->tcp_table->listeners; c; c = c->next)
		if (c->lport == port)
			err = -EADDRINUSE;
	if (err)
		goto out;
	c = tcp_conn_new(st);
	if (!c) {
		err = -ENOMEM;
		goto out;
	}
	c->lport = port;
	c->backlog = backlog;
	c->acc_tail = &c->acc_head;
	tcp_set_state(c, TCP_LISTEN);
	*out = c;
out:
	env_unlock(st->lock);
	return err;
}

int tcp_usr_accept(struct tcp_conn *l, struct tcp_conn **out)
{
	struct tcp_conn *c;
	int err = -EAGAIN;

	env_lock(l->st->lock);
	if (l->state != TCP_LISTEN) {
		err = -EINVAL;
	} else if ((c = l->acc_head)) {
		l->acc_head = c->acc_next;
		if (!l->acc_head)
			l->acc_tail = &l->acc_head;
		l->nacc--;
		c->acc_queued = false;
		c->acc_next = NULL;
		c->parent = NULL;
		*out = c;
		err = 0;
	}
	env_unlock(l->st->lock);
	return err;
}

static uint16_t tcp_pick_port(struct net_stack *st, uint32_t ra, uint16_t rp)
{
	for (unsigned tries = 0; tries < 65536 - EPHEMERAL_LO; tries++) {
		uint16_t p = (uint16_t)(EPHEMERAL_LO +
					st->next_port++ % (65536 - EPHEMERAL_LO));
		if (!tcp_lookup(st, st->addr, p, ra, rp) ||
		    tcp_lookup(st, st->addr, p, ra, rp)->state == TCP_LISTEN)
			return p;
	}
	return 0;
}

/* Sets up c (buffers charged) for addr:port and sends the SYN. */
static int tcp_connect_locked(struct net_stack *st, struct tcp_conn *c,
			      uint32_t addr, uint16_t port)
{
	c->laddr = st->addr;
	c->raddr = addr;
	c->rport = port;
	c->lport = tcp_pick_port(st, addr, port);
	if (!c->lport)
		return -EADDRINUSE;
	/* Until the peer answers on some RX queue, the flow hash picks
	 * the TX queue. */
	uint8_t t[12];
	put32(t, c->laddr);
	put16(t + 4, c->lport);
	put32(t + 6, addr);
	put16(t + 10, port);
	c->txq = (uint8_t)(siphash(st->flow_key, t, sizeof(t)) %
			   (st->nif->nqueues ? st->nif->nqueues : 1));
	c->iss = tcp_isn(st, c->laddr, c->lport, addr, port);
	c->snd_una = c->snd_nxt = c->snd_max = c->iss;
	c->rcv_wscale = tcp_rcv_wscale(st);
	tcp_set_state(c, TCP_SYN_SENT);
	c->rtt_start = env_now();
	tcp_xmit_seg(c, c->iss, TCP_SYN, 0, 0);
	c->snd_nxt = c->snd_max = c->iss + 1;
	tcp_rexmt_arm(c);
	return 0;
}

int tcp_usr_connect(struct net_stack *st, uint32_t addr, uint16_t port,
		    struct tcp_conn **out)
{
	struct tcp_conn *c = NULL;
	int err;

	if (!port || !addr || addr == IP_BROADCAST)
		return -EINVAL;
	env_lock(st->lock);
	if (!st->addr)
		err = -ENETUNREACH;
	else if (st->nconns >= st->cfg.max_conns)
		err = -ENOBUFS;
	else if (!(c = tcp_conn_new(st)))
		err = -ENOMEM;
	else if ((err = tcp_conn_buffers(c)) == 0)
		err = tcp_connect_locked(st, c, addr, port);
	if (err && c) {
		tcp_conn_free_buffers(c);
		env_free(c);
	} else if (!err) {
		*out = c;
	}
	env_unlock(st->lock);
	return err;
}

long tcp_usr_send(struct tcp_conn *c, const void *buf, size_t len)
{
	long n;

	env_lock(c->st->lock);
	if (c->err) {
		n = c->err;
	} else if (c->fin_queued) {
		n = -EPIPE;
	} else if (c->state != TCP_ESTABLISHED && c->state != TCP_CLOSE_WAIT) {
		n = c->state == TCP_SYN_SENT || c->state == TCP_SYN_RECEIVED
			    ? -EAGAIN
			    : -ENOTCONN;
	} else {
		if (c->snd.len == c->snd.size)
			tcp_tune_snd_full(c);
		uint32_t space = c->snd.size - c->snd.len;
		n = (long)(len < space ? len : space);
		if (n == 0) {
			n = -EAGAIN;
		} else {
			ring_write_at(&c->snd, c->snd.len, buf, (uint32_t)n);
			c->snd.len += (uint32_t)n;
			tcp_output(c);
		}
	}
	env_unlock(c->st->lock);
	return n;
}

long tcp_usr_recv(struct tcp_conn *c, void *buf, size_t len)
{
	long n;

	env_lock(c->st->lock);
	if (c->rcv.len) {
		n = (long)(len < c->rcv.len ? len : c->rcv.len);
		tcp_rcvq_read(c, buf, (uint32_t)n);
		if (c->state == TCP_CLOSED || c->state == TCP_TIME_WAIT) {
			if (!c->rcv.len)
				tcp_conn_free_buffers(c);
		} else {
			tcp_tune_rcv_read(c);
			tcp_recv_consumed(c);
		}
	} else if (c->fin_rcvd) {
		n = 0;
	} else if (c->err) {
		n = c->err;
	} else if (c->state == TCP_CLOSED || c->state == TCP_LISTEN) {
		n = -ENOTCONN;
	} else {
		n = -EAGAIN;
	}
	env_unlock(c->st->lock);
	return n;
}

/* Queues our FIN; the state change happens now (RFC 793 CLOSE). Lock
 * held. */
static int tcp_shutdown_locked(struct tcp_conn *c)
{
	switch (c->state) {
	case TCP_ESTABLISHED:
		tcp_set_state(c, TCP_FIN_WAIT_1);
		break;
	case TCP_CLOSE_WAIT:
		tcp_set_state(c, TCP_LAST_ACK);
		break;
	case TCP_FIN_WAIT_1:
	case TCP_FIN_WAIT_2:
	case TCP_CLOSING:
	case TCP_LAST_ACK:
	case TCP_TIME_WAIT:
		return 0;
	default:
		return -ENOTCONN;
	}
	c->fin_queued = true;
	tcp_output(c);
	return 0;
}

int tcp_usr_shutdown(struct tcp_conn *c)
{
	int err;

	env_lock(c->st->lock);
	err = tcp_shutdown_locked(c);
	env_unlock(c->st->lock);
	return err;
}

static void tcp_close_listener(struct tcp_conn *l)
{
	struct tcp_table *t = l->st->tcp_table;

	/* Reset every child, queued or half-open. */
	for (unsigned i = 0; i < TCP_HASH; i++) {
		struct tcp_conn *c = t->bucket[i], *next;
		for (; c; c = next) {
			next = c->next;
			if (c->parent == l) {
				tcp_send_reset(c);
				tcp_conn_drop(c, -ECONNABORTED);
			}
		}
	}
	l->user_closed = true;
	tcp_set_state(l, TCP_CLOSED);
}

void tcp_usr_close(struct tcp_conn *c)
{
	struct net_stack *st = c->st;

	env_lock(st->lock);
	if (c->state == TCP_LISTEN) {
		tcp_close_listener(c);
		env_unlock(st->lock);
		return;
	}
	c->user_closed = true;
	if (c->state == TCP_CLOSED) {
		tcp_conn_maybe_free(c); /* (unread data or not) */
	} else if (c->rcv.len || c->state == TCP_SYN_SENT ||
		   c->state == TCP_SYN_RECEIVED) {
		/* RFC 2525 2.17: closing with unread data is an abort. */
		if (c->state != TCP_TIME_WAIT)
			tcp_send_reset(c);
		tcp_conn_drop(c, 0);
	} else {
		tcp_shutdown_locked(c);
		if (c->state == TCP_FIN_WAIT_2)
			net_timer_arm(st, &c->t_2msl,
				      env_now() + st->cfg.fin_wait2_ns);
	}
	env_unlock(st->lock);
}

unsigned tcp_usr_events(struct tcp_conn *c)
{
	unsigned ev = 0;

	if (c->state == TCP_LISTEN)
		return c->acc_head ? NET_POLLIN : 0;
	if (c->rcv.len || c->fin_rcvd || c->err)
		ev |= NET_POLLIN;
	if ((c->state == TCP_ESTABLISHED || c->state == TCP_CLOSE_WAIT) &&
	    !c->fin_queued && c->snd.len < c->snd.size)
		ev |= NET_POLLOUT;
	if (c->err)
		ev |= NET_POLLERR;
	if (c->state == TCP_CLOSED || c->state == TCP_TIME_WAIT)
		ev |= NET_POLLHUP;
	return ev;
}

/* Frees every tcb, whoever holds it (stack teardown; tests). */
void tcp_stack_free(struct net_stack *st)
{
	struct tcp_table *t = st->tcp_table;

	if (!t)
		return;
	for (unsigned i = 0; i <= TCP_HASH; i++) {
		struct tcp_conn **head = i < TCP_HASH ? &t->bucket[i]
						      : &t->listeners;
		while (*head) {
			struct tcp_conn *c = *head;
			c->parent = NULL;
			c->user_closed = true;
			tcp_set_state(c, TCP_CLOSED);
		}
	}
	env_free(t);
	st->tcp_table = NULL;
}

uint64_t tcp_timers(struct net_stack *st, uint64_t now)
{
	struct tcp_table *t = st->tcp_table;
	uint64_t next = 0;

	if (!t)
		return 0;
	/* A timer only ever ends its own connection, so the saved next
	 * pointer stays valid. */
	for (unsigned i = 0; i < TCP_HASH; i++) {
		struct tcp_conn *c = t->bucket[i], *n;
		for (; c; c = n) {
			n = c->next;
			tcp_conn_timers(c, now, &next);
		}
	}
	return next;
}
