/* SPDX-License-Identifier: MIT */
/* stack.h: the network stack's internal interface (kernel/net/).
 *
 * One struct net_stack per network interface. Layering:
 *   eth.c   frames in and out, dispatch by EtherType
 *   arp.c   address resolution: cache with expiry, pending-frame queue
 *   ipv4.c  header checks, checksums, routing to the gateway, output
 *   icmp.c  echo replies; udp.c datagrams; dhcp.c the address
 *   tcp_*.c TCP; sock.c the blocking calls of <unidb/net.h>
 *
 * Locking: ONE lock per stack (st->lock, an env_lock) protects everything
 * in it: caches, connections, buffers, counters. Every entry point
 * (net_input, net_timers, the socket calls) takes it; everything below
 * runs with it held. Lock order: st->lock before the driver's queue locks
 * (taken inside nif->ops->xmit, which never sleeps). Blocking calls sleep
 * in env_wait, which drops st->lock while asleep. One lock keeps the
 * protocol code simple and obviously race-free; its cost is that all
 * cores serialise on one stack (see docs/net.md, Limits).
 *
 * Byte order: addresses and ports are host order in every struct and
 * argument; conversion happens only where headers are read or written
 * (get16/put16...). No header is accessed through a struct cast, so
 * unaligned frames are fine. */
#ifndef UNIDB_NET_STACK_H
#define UNIDB_NET_STACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <unidb/errno.h>
#include <unidb/net.h>

#include "net/env.h"
#include "net/netif.h"

/* ---- wire helpers ------------------------------------------------------ */
static inline uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}
static inline uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}
static inline void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}
static inline void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* Internet checksum (RFC 1071): sum 16-bit big-endian words, fold. */
uint32_t csum_add(uint32_t sum, const void *data, size_t len);
uint16_t csum_fold(uint32_t sum); /* complemented, ready to store */
uint32_t csum_pseudo(uint32_t src, uint32_t dst, uint8_t proto, size_t len);

/* Sequence-number arithmetic modulo 2^32 (RFC 793 3.3). */
static inline bool seq_lt(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) < 0;
}
static inline bool seq_le(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) <= 0;
}
#define seq_gt(a, b) seq_lt(b, a)
#define seq_ge(a, b) seq_le(b, a)

/* SipHash-2-4 (Aumasson, Bernstein 2012): the keyed hash behind ISNs and
 * flow-to-queue hashing. */
uint64_t siphash(const uint8_t key[16], const void *data, size_t len);

/* ---- wire constants ---------------------------------------------------- */
#define ETH_HLEN 14
#define ETH_P_IP 0x0800
#define ETH_P_ARP 0x0806
#define IP_HLEN 20
#define IP_PROTO_ICMP 1
#define IP_PROTO_TCP 6
#define IP_PROTO_UDP 17
#define UDP_HLEN 8
#define TCP_HLEN 20
#define IP_BROADCAST 0xffffffffu

/* ---- ARP --------------------------------------------------------------- */
#define ARP_ENTRIES 64
#define ARP_PENDING 4 /* frames queued per unresolved address */
#define ARP_TTL_NS (60ull * 1000000000)
#define ARP_RETRY_NS (1000ull * 1000000)
#define ARP_TRIES 3

struct arp_entry {
	uint32_t ip;   /* 0: free */
	uint8_t mac[6];
	bool resolved;
	uint8_t tries;	   /* requests sent while unresolved */
	uint64_t deadline; /* resolved: expiry; else: next retry */
	struct {
		uint8_t *frame; /* env_alloc'd copy, destination MAC unset */
		uint16_t len;
		uint8_t q;
	} pending[ARP_PENDING];
	unsigned npending;
};

/* ---- UDP --------------------------------------------------------------- */
#define UDP_BINDS 8
typedef void (*udp_handler)(struct net_stack *st, uint32_t src,
			    uint16_t sport, const uint8_t *data, size_t len,
			    void *arg);
struct udp_bind {
	uint16_t port; /* 0: free */
	udp_handler fn;
	void *arg;
};

/* ---- DHCP -------------------------------------------------------------- */
enum dhcp_state { DHCP_OFF, DHCP_SELECTING, DHCP_REQUESTING, DHCP_BOUND };
struct dhcp {
	enum dhcp_state state;
	uint32_t xid;
	uint32_t offered, server;
	uint64_t next;	   /* retransmit or renew time; 0: none */
	uint64_t interval; /* current retransmit interval */
};

/* ---- TCP --------------------------------------------------------------- */
enum tcp_state {
	TCP_CLOSED,
	TCP_LISTEN,
	TCP_SYN_SENT,
	TCP_SYN_RECEIVED,
	TCP_ESTABLISHED,
	TCP_FIN_WAIT_1,
	TCP_FIN_WAIT_2,
	TCP_CLOSE_WAIT,
	TCP_CLOSING,
	TCP_LAST_ACK,
	TCP_TIME_WAIT,
};
const char *tcp_state_name(enum tcp_state s);

/* A byte ring. Send: [head, head+len) is the data from snd_una on.
 * Receive: [head, head+len) is in-order data the user has not read;
 * out-of-order bytes are stored beyond it at their final place. */
struct ring {
	uint8_t *buf;
	uint32_t size, head, len;
};

#define TCP_OOO_MAX 8 /* out-of-order ranges kept per connection */
/* Driver RX buffers one connection may keep (NETIF_RX_HOLDABLE): its
 * in-order data waits there for the reader, copied once (tcp_rcvq.c).
 * Bounded so that a reader that stalls pins at most this many buffers;
 * beyond it, and whenever the driver refuses, data is copied into the
 * ring as before. */
#define TCP_HELD_MAX 32
#define TCP_SACK_MAX 16 /* SACKed ranges the sender remembers */

#define TCP_FIN 0x01
#define TCP_SYN 0x02
#define TCP_RST 0x04
#define TCP_PSH 0x08
#define TCP_ACK 0x10

struct tcp_conn {
	struct tcp_conn *next, **pprev; /* hash chain or listener list */
	struct net_stack *st;
	enum tcp_state state;
	uint32_t laddr, raddr;
	uint16_t lport, rport;
	uint8_t txq; /* TX queue: the RX queue the flow last came in on */

	/* Send side (RFC 793 names). snd_max: highest seq sent; snd_nxt
	 * is pulled back to snd_una on a timeout (go-back-N). */
	uint32_t iss, snd_una, snd_nxt, snd_max, snd_wnd, snd_wl1, snd_wl2;
	uint32_t max_snd_wnd; /* largest window the peer offered */
	uint16_t mss;	      /* payload bytes per segment we send */
	uint8_t snd_wscale, rcv_wscale;
	bool wscale_ok;	 /* both sides sent the option */
	bool fin_queued; /* user shut the write side: FIN after the data */
	bool fin_sent;	 /* our FIN has been sent (seq snd_max - 1) */
	struct ring snd;

	/* Receive side. */
	uint32_t irs, rcv_nxt, rcv_adv; /* rcv_adv: right edge advertised */
	struct ring rcv;
	struct {
		uint32_t start, end; /* seq range held beyond rcv_nxt */
	} ooo[TCP_OOO_MAX];
	unsigned nooo;
	/* In-order data still in driver RX buffers, oldest first (a ring
	 * of TCP_HELD_MAX from held_first): each covers seq range [seq,
	 * seq + len) of the receive ring, whose own bytes there are unused
	 * (the space stays reserved, so windows and memory bounds are the
	 * ring's as before). */
	struct tcp_held {
		const void *frame; /* for rx_release */
		const uint8_t *data;
		uint32_t seq, len;
	} held[TCP_HELD_MAX];
	unsigned held_first, nheld;
	bool fin_rcvd;	   /* peer's FIN reached rcv_nxt */
	bool ooo_fin;	   /* a FIN arrived beyond rcv_nxt */
	uint32_t fin_seq;  /* its sequence number */
	unsigned unacked;  /* full segments received since our last ACK */
	bool rcv_full;	   /* data nearly filled the ring (tcp_tune.c) */
	bool ack_now;

	/* Congestion control: RFC 5681 + NewReno (RFC 6582). */
	uint32_t cwnd, ssthresh, recover;
	unsigned dupacks;
	bool in_recovery;

	/* SACK (RFC 2018/2883/6675, tcp_sack.c). Receiver: sack_last is
	 * the start of the newest out-of-order segment (its range is
	 * reported first); dsack a duplicate to report once. Sender: the
	 * scoreboard of SACKed ranges above snd_una (bounded; each with the
	 * time it was first reported: a hole below a range older than the
	 * reordering window is lost, as in RACK, RFC 8985). */
	bool sack_ok;
	bool sack_news;	/* out-of-order or duplicate data since our last
			 * pure ACK: report it in one (dupack or SACK) */
	uint32_t sack_last;
	uint32_t dsack_start, dsack_end; /* equal: nothing to report */
	struct tcp_sack_blk {
		uint32_t start, end;
		uint64_t when;
	} sacked[TCP_SACK_MAX];
	unsigned nsacked;
	uint32_t high_rxt;	       /* recovery: resent up to here */
	uint64_t rxt_pass;	       /* when the resends from snd_una began */
	bool rto_loss;	/* since a timeout whose window is not all ACKed:
			 * every byte not SACKed is lost, rto backed off */
	uint32_t prior_cwnd, prior_ssthresh; /* for undo */
	unsigned undo_rexmts;	       /* fast retransmits not yet DSACKed */
	unsigned reo_steps;	       /* reordering window, srtt/4 units */
	uint64_t t_reo;		       /* re-check holes then (timer) */
	uint64_t t_wupd;	       /* repeat a window update then */
	unsigned wupd_left;	       /* repeats left */
	uint32_t wupd_seq;	       /* rcv_nxt when the update went out */

	/* RTT and RTO (RFC 6298), in ns. One segment timed at a time. */
	uint64_t srtt, rttvar, rto;
	bool rtt_timing;
	uint32_t rtt_seq;
	uint64_t rtt_start;
	unsigned retries; /* consecutive timeouts (backoff exponent) */

	/* Timer deadlines in env_now() ns; 0 = not armed. */
	uint64_t t_rexmt, t_delack, t_persist, t_keep, t_2msl;
	unsigned persist_shift, keep_probes;
	uint64_t last_rcv; /* for keepalive idleness */

	/* Options the user set. */
	bool nodelay, keepalive;
	uint64_t keep_idle, keep_intvl;
	unsigned keep_cnt;

	/* User side. */
	struct env_event ev;	  /* readable/writable/state changes */
	int err;		  /* sticky error, negative errno */
	bool user_closed;	  /* net_close called: tcb is an orphan */
	bool mem_charged;	  /* buffers counted in st->mem_used */
	struct tcp_conn *parent;  /* listener, until accepted */
	struct tcp_conn *acc_next; /* in parent's accept queue */
	bool acc_queued;	   /* established, waiting for accept */
	/* Listener only. */
	struct tcp_conn *acc_head, **acc_tail;
	unsigned backlog, nacc, nsyn;
	uint64_t stamp; /* when entered TIME_WAIT (oldest is recycled) */
};

/* ---- the stack --------------------------------------------------------- */
struct net_stats {
	uint64_t rx_frames, tx_frames, tx_drops, rx_bad, rx_csum_bad;
	uint64_t ip_frag_dropped, ip_not_ours, arp_requests, arp_replies;
	uint64_t arp_drops, icmp_echo, udp_rx, udp_no_port, tcp_rx, tcp_tx;
	uint64_t tcp_tso_tx; /* segments above the MSS handed to TSO */
	uint64_t tcp_lro_rx; /* received segments above our MSS */
	uint64_t tcp_rexmt, tcp_fast_rexmt, tcp_timeouts, tcp_rst_tx;
	uint64_t tcp_syn_drops, tcp_ooo, tcp_rx_dropped, tcp_conn_limit;
	uint64_t tcp_undo; /* recoveries undone: all resends were D-SACKed */
	uint64_t tcp_rx_held; /* segments left in their RX buffers */
	uint64_t tcp_rcv_grown, tcp_snd_grown; /* rings doubled (tcp_tune.c) */
	uint64_t tcp_tx_busy; /* sends held back: the device queue was full */
};

struct net_stack {
	struct netif *nif;
	struct env_lock *lock;
	struct net_config cfg;
	uint32_t addr, mask, gw, dns; /* 0 until configured */
	uint16_t ip_id;
	uint8_t isn_key[16], flow_key[16];
	uint8_t *txbuf; /* one frame being built; under lock */
	size_t txbuf_size; /* mtu + 14, or nif->gso_max with TSO */
	bool no_tso;	   /* TSO turned off: MSS-sized frames only */
	/* The TCP payload of the TSO frame being sent from txbuf, where it
	 * lies in the send ring (netif_tx.tail); zeroes otherwise. */
	const void *tx_tail[2];
	size_t tx_tail_len[2];

	struct arp_entry arp[ARP_ENTRIES];
	struct udp_bind udp[UDP_BINDS];
	struct dhcp dhcp;

	struct tcp_table *tcp_table; /* every tcb, by 4-tuple; listeners */
	unsigned nconns;	/* not in TIME_WAIT, listeners excluded */
	unsigned ntimewait;
	size_t mem_used;	/* ring bytes of all connections */
	uint16_t next_port;	/* ephemeral port cursor */

	void *timer_thread;	   /* kernel: runs net_timers() */
	bool stopping;		   /* kernel: the timer thread must end */
	uint64_t timer_next;	   /* earliest deadline known; 0: none */
	struct env_event timer_ev; /* wakes the timer thread */
	struct env_event cfg_ev;   /* address configured */
	/* The frame being input, while net_input_locked runs: one
	 * connection may keep it (NETIF_RX_HOLDABLE, tcp_rcvq.c). */
	const void *rx_frame;
	unsigned rx_q;
	bool rx_holdable;
	struct net_stats stats;
};

/* stack.c */
void net_timer_arm(struct net_stack *st, uint64_t *slot, uint64_t when);
void net_input_locked(struct net_stack *st, unsigned q, const uint8_t *frame,
		      size_t len, unsigned flags);

/* eth.c: frame layout helpers; sending through the driver. */
void eth_input(struct net_stack *st, unsigned q, const uint8_t *f, size_t len,
	       unsigned flags);
int eth_xmit(struct net_stack *st, unsigned q, const uint8_t *frame,
	     size_t len, bool csum_partial, uint16_t csum_start,
	     uint16_t csum_off, uint16_t gso_size);

/* arp.c */
void arp_input(struct net_stack *st, unsigned q, const uint8_t *p,
	       size_t len);
/* Sends frame (IPv4 in it, destination MAC left to fill) to next hop ip:
 * at once if resolved, else queued behind an ARP request. */
int arp_output(struct net_stack *st, unsigned q, uint32_t ip, uint8_t *frame,
	       size_t len, bool csum_partial, uint16_t cs_start,
	       uint16_t cs_off, uint16_t gso_size);
bool arp_resolved(struct net_stack *st, uint32_t ip);
uint64_t arp_timers(struct net_stack *st, uint64_t now);
void arp_flush(struct net_stack *st);

/* ipv4.c: frame = st->txbuf with the L4 payload at ETH_HLEN + IP_HLEN.
 * csum_off (L4 checksum offset inside the payload) is used for offload:
 * when the device computes checksums, l4 must hold the pseudo-header sum
 * at csum_off; ip_output fills in the full checksum otherwise. */
void ip_input(struct net_stack *st, unsigned q, const uint8_t *p, size_t len,
	      unsigned flags);
int ip_output(struct net_stack *st, unsigned q, uint32_t dst, uint8_t proto,
	      size_t l4len, int csum_off);
/* ip_output of a TCP frame the device cuts into gso_size-byte payloads
 * (netif.h, NETIF_F_TSO4); gso_size 0 is ip_output. Only after
 * ip_gso_max(dst) said yes: -EAGAIN if the offload cannot be used. */
int ip_output_gso(struct net_stack *st, unsigned q, uint32_t dst,
		  size_t l4len, int csum_off, uint16_t gso_size);
/* Largest L4 length of one offloaded frame to dst, or 0 when offload
 * cannot be used now (no device support, turned off, or the next hop is
 * unresolved: frames waiting for ARP are sent whole, never offloaded). */
size_t ip_gso_max(struct net_stack *st, uint32_t dst);
static inline uint8_t *ip_payload(struct net_stack *st)
{
	return st->txbuf + ETH_HLEN + IP_HLEN;
}
size_t ip_max_payload(struct net_stack *st);

/* icmp.c, udp.c */
void icmp_input(struct net_stack *st, unsigned q, uint32_t src,
		const uint8_t *p, size_t len);
void udp_input(struct net_stack *st, uint32_t src, uint32_t dst,
	       const uint8_t *p, size_t len, bool csum_ok);
int udp_bind(struct net_stack *st, uint16_t port, udp_handler fn, void *arg);
int udp_send(struct net_stack *st, uint16_t sport, uint32_t dst,
	     uint16_t dport, const void *data, size_t len);

/* dhcp.c */
uint64_t dhcp_timers(struct net_stack *st, uint64_t now);

/* tcp_in.c, tcp_out.c, tcp_timer.c, tcp_conn.c */
void tcp_input(struct net_stack *st, unsigned q, uint32_t src, uint32_t dst,
	       const uint8_t *p, size_t len, bool csum_ok);
void tcp_output(struct tcp_conn *c);
void tcp_send_ack(struct tcp_conn *c);
void tcp_send_rst_for(struct net_stack *st, unsigned q, uint32_t src,
		      uint32_t dst, const uint8_t *seg, size_t seglen);
void tcp_send_reset(struct tcp_conn *c);
int tcp_xmit_seg(struct tcp_conn *c, uint32_t seq, uint8_t flags,
		 uint32_t off, uint32_t len);
uint64_t tcp_timers(struct net_stack *st, uint64_t now);
void tcp_conn_timers(struct tcp_conn *c, uint64_t now, uint64_t *next);
void tcp_stack_free(struct net_stack *st);
void tcp_rexmt_arm(struct tcp_conn *c);
uint32_t tcp_isn(struct net_stack *st, uint32_t la, uint16_t lp, uint32_t ra,
		 uint16_t rp);
struct tcp_conn *tcp_lookup(struct net_stack *st, uint32_t la, uint16_t lp,
			    uint32_t ra, uint16_t rp);
struct tcp_conn *tcp_conn_new(struct net_stack *st);
int tcp_conn_buffers(struct tcp_conn *c);
void tcp_set_state(struct tcp_conn *c, enum tcp_state s);
void tcp_conn_drop(struct tcp_conn *c, int err);
void tcp_conn_maybe_free(struct tcp_conn *c);
void tcp_rtt_sample(struct tcp_conn *c, uint64_t r);
void tcp_rto_set(struct tcp_conn *c);
uint32_t tcp_rcv_window(struct tcp_conn *c);
void tcp_recv_consumed(struct tcp_conn *c);
bool tcp_can_send_fin(const struct tcp_conn *c);

/* tcp_sack.c */
struct tcp_sack_in { /* SACK blocks of one arriving segment */
	unsigned n;
	uint32_t start[4], end[4];
};
unsigned tcp_sack_options(struct tcp_conn *c, uint8_t *o, uint32_t len,
			  uint32_t room, bool *deferred);
void tcp_sack_rcv_ooo(struct tcp_conn *c, uint32_t seq, uint32_t end);
void tcp_sack_rcv_dup(struct tcp_conn *c, uint32_t seq, uint32_t end);
void tcp_sack_input(struct tcp_conn *c, uint32_t ack,
		    const struct tcp_sack_in *in);
void tcp_sack_acked(struct tcp_conn *c);
void tcp_sack_recover(struct tcp_conn *c);
uint32_t tcp_sack_skip(const struct tcp_conn *c, uint32_t seq);
void tcp_sack_rto(struct tcp_conn *c);
void tcp_sack_timer(struct tcp_conn *c);
void tcp_wupd_arm(struct tcp_conn *c);
void tcp_wupd_timer(struct tcp_conn *c);

/* tcp_rcvq.c: the receive queue = the ring plus held RX buffers. */
bool tcp_rcvq_hold(struct tcp_conn *c, const uint8_t *d, uint32_t n);
void tcp_rcvq_read(struct tcp_conn *c, void *dst, uint32_t n);
void tcp_rcvq_release(struct tcp_conn *c);

/* tcp_tune.c: rings that grow while a bulk transfer is limited by them. */
uint8_t tcp_rcv_wscale(const struct net_stack *st);
void tcp_tune_rcv_data(struct tcp_conn *c); /* in-order data stored */
void tcp_tune_rcv_read(struct tcp_conn *c); /* the reader took some */
void tcp_tune_snd_full(struct tcp_conn *c); /* the writer found it full */

/* ring.c */
void ring_write_at(struct ring *r, uint32_t off, const void *src,
		   uint32_t n);
void ring_read_at(const struct ring *r, uint32_t off, void *dst, uint32_t n);
void ring_drop(struct ring *r, uint32_t n);

/* The non-blocking calls underneath <unidb/net.h>, for the blocking layer
 * and for host tests (which drive the stack from one thread). All take
 * st->lock themselves. */
int tcp_usr_listen(struct net_stack *st, uint16_t port, unsigned backlog,
		   struct tcp_conn **out);
int tcp_usr_connect(struct net_stack *st, uint32_t addr, uint16_t port,
		    struct tcp_conn **out);
int tcp_usr_accept(struct tcp_conn *l, struct tcp_conn **out); /* -EAGAIN */
long tcp_usr_send(struct tcp_conn *c, const void *buf, size_t len);
long tcp_usr_recv(struct tcp_conn *c, void *buf, size_t len);
int tcp_usr_shutdown(struct tcp_conn *c);
void tcp_usr_close(struct tcp_conn *c);
unsigned tcp_usr_events(struct tcp_conn *c); /* NET_POLL* bits */

/* Runs every expired timer; returns the next deadline (0: none). The
 * kernel calls it from the stack's timer thread, tests by hand. */
uint64_t net_timers(struct net_stack *st);

/* Kernel only (env_kernel.c): the thread that runs net_timers() at the
 * deadlines; stop joins it (before net_stack_free). */
int net_timers_start(struct net_stack *st);
void net_timers_stop(struct net_stack *st);

#endif
