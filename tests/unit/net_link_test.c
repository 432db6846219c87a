/* SPDX-License-Identifier: MIT */
/* net_link_test.c: two stacks talking over a fake link. Large streams in
 * both directions must arrive intact through deterministic loss,
 * reordering and duplication (a seeded PRNG decides each frame's fate);
 * a peer that vanishes ends in -ETIMEDOUT; and the blocking calls of
 * <unidb/net.h> work from a thread while the test drives the clock.
 * With TCP segmentation offload on, the link either hands TSO frames
 * over whole (as large receive would) or cuts them into MSS-sized wire
 * segments as a device does, each with its own fate. */
#include <pthread.h>
#include <unistd.h>

#include "net_host.h"
#include "unit.h"

#define A_IP NET_IP(10, 1, 0, 1)
#define B_IP NET_IP(10, 1, 0, 2)

struct side {
	struct fnif dev;
	struct net_stack *st;
	uint8_t held[FNIF_FRAME_MAX]; /* a frame held back to reorder */
	size_t held_len;
};

struct impair {
	unsigned loss, dup, reorder; /* per mille */
	bool cut;		     /* deliver nothing */
	bool segment;		     /* cut TSO frames into MSS segments */
};

static struct side A, B;
static struct net_config cfg;
static bool tso; /* both sides offer NETIF_F_TSO4 */

static void sides_up(void)
{
	uint32_t off = NETIF_F_TX_CSUM | NETIF_F_TSO4;
	fnif_init(&A.dev, (uint8_t[6]){2, 0, 0, 0, 0, 1}, 2,
		  tso ? off : NETIF_F_TX_CSUM);
	fnif_init(&B.dev, (uint8_t[6]){2, 0, 0, 0, 0, 2}, 1, tso ? off : 0);
	A.held_len = B.held_len = 0;
	/* Received data stays in the "driver's" buffers where allowed
	 * (tcp_rcvq.c): A with a large pool, B with 3 buffers and only
	 * for 600 bytes or more, so both the held and the copied paths
	 * and their mix carry every stream. */
	A.dev.hold_max = 64;
	A.dev.hold_min = 1;
	B.dev.hold_max = 3;
	B.dev.hold_min = 600;
	A.st = net_stack_new(&A.dev.nif, &cfg);
	B.st = net_stack_new(&B.dev.nif, &cfg);
	net_config_static(A.st, A_IP, NET_IP(255, 255, 0, 0), 0);
	net_config_static(B.st, B_IP, NET_IP(255, 255, 0, 0), 0);
}

static void sides_down(void)
{
	net_stack_free(A.st);
	net_stack_free(B.st);
	fnif_clear(&A.dev);
	fnif_clear(&B.dev);
	CHECK_EQ(host_live_allocs(), 0); /* nothing leaked */
	CHECK_EQ(A.dev.held + B.dev.held, 0); /* every RX buffer back */
}

/* One frame on the wire from `from` to `to`, impaired. */
static void wire(struct side *from, struct side *to, const struct impair *im,
		 const uint8_t *f, size_t n)
{
	unsigned r = (unsigned)(host_random() % 1000);
	if (im->cut || r < im->loss)
		return;
	if (r < im->loss + im->reorder && !from->held_len) {
		memcpy(from->held, f, n);
		from->held_len = n;
		return;
	}
	fnif_input(&to->dev, 0, f, n, 0);
	if (r < im->loss + im->reorder + im->dup)
		fnif_input(&to->dev, 0, f, n, 0);
	if (from->held_len) {
		fnif_input(&to->dev, 0, from->held, from->held_len, 0);
		from->held_len = 0;
	}
}

/* What a device does with a TSO frame (headers without options, as the
 * stack sends data): wire segments of mss payload bytes, each with its
 * IP length, ID and checksum, sequence number and TCP checksum; FIN and
 * PSH only on the last. */
static void segment(struct side *from, struct side *to,
		    const struct impair *im, const uint8_t *f, size_t n,
		    uint16_t mss)
{
	static uint8_t s[2048];
	const size_t hl = ETH_HLEN + IP_HLEN + TCP_HLEN;
	uint8_t *ip = s + ETH_HLEN, *th = ip + IP_HLEN;

	CHECK(n > hl && (f[ETH_HLEN + IP_HLEN + 12] >> 4) * 4 == TCP_HLEN);
	for (size_t off = hl; off < n; off += mss) {
		size_t k = n - off < mss ? n - off : mss;
		bool last = off + k == n;
		memcpy(s, f, hl);
		memcpy(s + hl, f + off, k);
		put16(ip + 2, (uint16_t)(IP_HLEN + TCP_HLEN + k));
		put16(ip + 4, (uint16_t)(get16(ip + 4) + (off - hl) / mss));
		put16(ip + 10, 0);
		put16(ip + 10, csum_fold(csum_add(0, ip, IP_HLEN)));
		put32(th + 4, get32(th + 4) + (uint32_t)(off - hl));
		if (!last)
			th[13] &= (uint8_t)~(TCP_FIN | TCP_PSH);
		put16(th + 16, 0);
		uint32_t sum = csum_pseudo(get32(ip + 12), get32(ip + 16),
					   IP_PROTO_TCP, TCP_HLEN + k);
		put16(th + 16, csum_fold(csum_add(sum, th, TCP_HLEN + k)));
		wire(from, to, im, s, hl + k);
	}
}

/* Moves the frames `from` sent to `to`, impaired; returns how many. */
static unsigned pump(struct side *from, struct side *to,
		     const struct impair *im)
{
	static uint8_t f[FNIF_FRAME_MAX];
	unsigned moved = 0;
	size_t n;
	uint16_t gso;

	/* The ring is filled under the sender's stack lock, also by the
	 * echo thread of blocking_calls_echo_from_a_thread: pop under it. */
	for (;;) {
		env_lock(from->st->lock);
		gso = from->dev.count ? from->dev.gso[from->dev.head] : 0;
		n = fnif_pop(&from->dev, f);
		env_unlock(from->st->lock);
		if (!n)
			break;
		moved++;
		if (gso && im->segment)
			segment(from, to, im, f, n, gso);
		else
			wire(from, to, im, f, n);
	}
	return moved;
}

/* Moves frames both ways; when the link is quiet, time passes (the
 * held frame is released first) and timers run. */
static void step(const struct impair *ab, const struct impair *ba)
{
	unsigned moved = pump(&A, &B, ab) + pump(&B, &A, ba);

	host_clock_advance(moved ? 100000 : 5 * MS); /* 0.1 ms per burst */
	if (!moved) {
		for (struct side *s = &A; s; s = s == &A ? &B : NULL) {
			if (s->held_len) {
				struct side *to = s == &A ? &B : &A;
				fnif_input(&to->dev, 0, s->held, s->held_len,
					  0);
				s->held_len = 0;
			}
		}
	}
	net_timers(A.st);
	net_timers(B.st);
}

static uint8_t pattern(uint64_t i, unsigned salt)
{
	return (uint8_t)((i * 2654435761u) >> 13 ^ salt);
}

/* A streaming endpoint: sends `total` bytes of pattern(salt), then a
 * FIN; checks what it receives against the other side's pattern. */
struct flow {
	struct tcp_conn *c;
	uint64_t total, sent, rcvd, expect;
	unsigned salt, peer_salt;
	bool shut, eof, bad;
};

static void flow_run(struct flow *f)
{
	static uint8_t b[16384];
	long n;

	while (f->sent < f->total) {
		size_t k = f->total - f->sent < sizeof(b) ? f->total - f->sent
							  : sizeof(b);
		for (size_t i = 0; i < k; i++)
			b[i] = pattern(f->sent + i, f->salt);
		n = tcp_usr_send(f->c, b, k);
		if (n <= 0)
			break;
		f->sent += (uint64_t)n;
	}
	if (f->sent == f->total && !f->shut) {
		tcp_usr_shutdown(f->c);
		f->shut = true;
	}
	if (f->c->err)
		f->bad = true; /* the connection died: the test fails */
	while ((n = tcp_usr_recv(f->c, b, sizeof(b))) > 0) {
		for (long i = 0; i < n; i++)
			if (b[i] != pattern(f->rcvd + (uint64_t)i, f->peer_salt))
				f->bad = true;
		f->rcvd += (uint64_t)n;
	}
	if (n == 0)
		f->eof = true;
}

/* Opens A -> B and streams `bytes` each way; returns steps taken. */
static unsigned long transfer(uint64_t bytes, const struct impair *ab,
			      const struct impair *ba, struct flow *fa,
			      struct flow *fb)
{
	struct tcp_conn *l;
	unsigned long steps = 0;

	CHECK_EQ(tcp_usr_listen(B.st, 7, 4, &l), 0);
	*fa = (struct flow){.total = bytes, .salt = 1, .peer_salt = 2};
	*fb = (struct flow){.total = bytes, .salt = 2, .peer_salt = 1};
	CHECK_EQ(tcp_usr_connect(A.st, B_IP, 7, &fa->c), 0);
	while (!fb->c && steps < 100000) {
		step(ab, ba);
		steps++;
		tcp_usr_accept(l, &fb->c);
	}
	CHECK(fb->c != NULL);
	tcp_usr_close(l);
	if (!fb->c)
		return steps;
	while (!(fa->eof && fb->eof) && !fa->bad && !fb->bad &&
	       steps < 2000000) {
		flow_run(fa);
		flow_run(fb);
		step(ab, ba);
		steps++;
		if (getenv("NET_LINK_DEBUG") && (steps % 20000 == 0 || fa->bad || fb->bad))
			printf("step %lu: a %s sent %llu rcvd %llu una %u nxt %u "
			       "max %u wnd %u cwnd %u rto %llu | b %s sent %llu "
			       "rcvd %llu una %u nxt %u rcvnxt %u wnd %u\n",
			       steps, tcp_state_name(fa->c->state),
			       (unsigned long long)fa->sent,
			       (unsigned long long)fa->rcvd, fa->c->snd_una,
			       fa->c->snd_nxt, fa->c->snd_max, fa->c->snd_wnd,
			       fa->c->cwnd, (unsigned long long)fa->c->rto,
			       tcp_state_name(fb->c->state),
			       (unsigned long long)fb->sent,
			       (unsigned long long)fb->rcvd, fb->c->snd_una,
			       fb->c->snd_nxt, fb->c->rcv_nxt, fb->c->snd_wnd);
		if (getenv("NET_LINK_DEBUG") && (fa->bad || fb->bad))
			printf("a: rcv_nxt %u rcv.len %u nooo %u adv %u\n", fa->c->rcv_nxt, fa->c->rcv.len, fa->c->nooo, fa->c->rcv_adv);
	}
	CHECK(fa->eof && fb->eof);
	CHECK(!fa->bad && !fb->bad);
	CHECK_EQ(fa->rcvd, bytes);
	CHECK_EQ(fb->rcvd, bytes);
	return steps;
}

UNIT_TEST(clean_link_streams_8mb_each_way_without_retransmission)
{
	struct impair none = {0};
	struct flow fa, fb;
	net_config_default(&cfg);
	host_random_seed(1);
	sides_up();
	transfer(8u << 20, &none, &none, &fa, &fb);
	CHECK_EQ(A.st->stats.tcp_rexmt, 0);
	CHECK_EQ(B.st->stats.tcp_rexmt, 0);
	CHECK(A.dev.partial_calls > 0); /* A offloads checksums */
	/* Data stayed in RX buffers where the devices allowed it. */
	CHECK(A.dev.holds > 1000 && B.dev.holds > 0);
	CHECK(B.dev.holds_refused > 0);
	tcp_usr_close(fa.c);
	tcp_usr_close(fb.c);
	for (int i = 0; i < 100; i++)
		step(&none, &none);
	CHECK_EQ(A.st->mem_used + B.st->mem_used, 0);
	sides_down();
}

UNIT_TEST(tso_streams_8mb_each_way_in_large_segments)
{
	struct impair none = {0};
	struct flow fa, fb;
	net_config_default(&cfg);
	host_random_seed(1);
	tso = true;
	sides_up();
	transfer(8u << 20, &none, &none, &fa, &fb);
	tso = false;
	/* Both send frames of many MSS and receive them whole (large
	 * receive), ACKing each at once; nothing is lost. */
	CHECK(A.dev.gso_calls > 0 && B.dev.gso_calls > 0);
	CHECK(A.st->stats.tcp_tso_tx > 0 && B.st->stats.tcp_lro_rx > 0);
	CHECK(B.st->stats.tcp_tso_tx > 0 && A.st->stats.tcp_lro_rx > 0);
	CHECK_EQ(A.st->stats.tcp_rexmt + B.st->stats.tcp_rexmt, 0);
	/* Far fewer frames than MSS-sized segments would need. */
	/* Far fewer frames than MSS-sized segments would need (data, ACKs
	 * included: about 1500 where the data alone takes 5745 MSS). */
	CHECK(A.st->stats.tcp_tx < (8u << 20) / 1460 / 2);
	tcp_usr_close(fa.c);
	tcp_usr_close(fb.c);
	for (int i = 0; i < 100; i++)
		step(&none, &none);
	CHECK_EQ(A.st->mem_used + B.st->mem_used, 0);
	sides_down();
}

/* Both sides' counters of one seed's run, for the log. */
static void print_stats(uint64_t seed, const struct net_stats *s,
			const struct net_stats *t)
{
	printf("  seed %llu: tso frames %llu+%llu rexmt %llu+%llu "
	       "fast %llu+%llu timeouts %llu+%llu\n",
	       (unsigned long long)seed, (unsigned long long)s->tcp_tso_tx,
	       (unsigned long long)t->tcp_tso_tx,
	       (unsigned long long)s->tcp_rexmt,
	       (unsigned long long)t->tcp_rexmt,
	       (unsigned long long)s->tcp_fast_rexmt,
	       (unsigned long long)t->tcp_fast_rexmt,
	       (unsigned long long)s->tcp_timeouts,
	       (unsigned long long)t->tcp_timeouts);
}

UNIT_TEST(tso_cut_by_the_device_on_a_lossy_link_delivers_intact)
{
	/* Pieces of a TSO frame are lost, reordered, duplicated: the
	 * sender retransmits parts of its large segments (by timeout,
	 * fast retransmit and NewReno's partial ACKs). */
	struct impair bad = {.loss = 30, .dup = 20, .reorder = 100,
			     .segment = true};
	struct flow fa, fb;
	net_config_default(&cfg);
	for (uint64_t seed = 1; seed <= 3; seed++) {
		host_random_seed(seed);
		tso = true;
		sides_up();
		tso = false;
		transfer(2u << 20, &bad, &bad, &fa, &fb);
		struct net_stats *s = &A.st->stats, *t = &B.st->stats;
		CHECK(s->tcp_tso_tx > 0 && t->tcp_tso_tx > 0);
		CHECK(s->tcp_rexmt + t->tcp_rexmt > 0);
		CHECK(s->tcp_ooo + t->tcp_ooo > 0);
		print_stats(seed, s, t);
		tcp_usr_close(fa.c);
		tcp_usr_close(fb.c);
		sides_down();
	}
}

UNIT_TEST(lossy_reordering_duplicating_link_delivers_intact)
{
	struct impair bad = {.loss = 50, .dup = 20, .reorder = 100};
	struct flow fa, fb;
	net_config_default(&cfg);
	for (uint64_t seed = 1; seed <= 3; seed++) {
		host_random_seed(seed);
		sides_up();
		transfer(2u << 20, &bad, &bad, &fa, &fb);
		struct net_stats *s = &A.st->stats, *t = &B.st->stats;
		CHECK(s->tcp_rexmt + t->tcp_rexmt > 0);
		CHECK(s->tcp_fast_rexmt + t->tcp_fast_rexmt > 0);
		CHECK(s->tcp_ooo + t->tcp_ooo > 0);
		print_stats(seed, s, t);
		tcp_usr_close(fa.c);
		tcp_usr_close(fb.c);
		sides_down();
	}
}

UNIT_TEST(small_buffers_and_heavy_loss_still_deliver)
{
	struct impair bad = {.loss = 150, .dup = 50, .reorder = 200};
	struct flow fa, fb;
	net_config_default(&cfg);
	cfg.sndbuf = cfg.rcvbuf = 4096; /* windows below one MSS x 3 */
	host_random_seed(42);
	sides_up();
	transfer(256u << 10, &bad, &bad, &fa, &fb);
	tcp_usr_close(fa.c);
	tcp_usr_close(fb.c);
	sides_down();
}

UNIT_TEST(vanished_peer_ends_in_timeout)
{
	struct impair none = {0}, cut = {.cut = true};
	struct tcp_conn *l, *a, *b = NULL;
	static uint8_t data[200000];
	net_config_default(&cfg);
	host_random_seed(7);
	sides_up();
	CHECK_EQ(tcp_usr_listen(B.st, 7, 4, &l), 0);
	CHECK_EQ(tcp_usr_connect(A.st, B_IP, 7, &a), 0);
	for (int i = 0; i < 100 && !b; i++) {
		step(&none, &none);
		tcp_usr_accept(l, &b);
	}
	CHECK(b != NULL);
	CHECK(tcp_usr_send(a, data, sizeof(data)) > 0);
	step(&none, &none);
	/* B is gone: nothing gets through any more. */
	unsigned long steps = 0;
	while (a->state != TCP_CLOSED && steps++ < 1000000)
		step(&cut, &cut);
	CHECK_EQ(a->err, -ETIMEDOUT);
	CHECK_EQ(tcp_usr_send(a, data, 1), -ETIMEDOUT);
	tcp_usr_close(a);
	tcp_usr_close(b);
	tcp_usr_close(l);
	sides_down();
}

/* ---- the blocking API from a thread ---------------------------------- */
static volatile bool stop_pump;
static long echo_result, timeout_result;

static void *echo_server(void *arg)
{
	struct net_sock *l, *c;
	char b[4096];
	long n, total = 0;
	(void)arg;

	if (net_listen(9, 4, &l) != 0) {
		echo_result = -1000;
		return NULL;
	}
	echo_result = net_accept(l, &c, 60 * SEC);
	if (echo_result)
		return NULL;
	net_setopt(c, NET_OPT_NODELAY, 1);
	/* Nothing comes for a while: a receive with a timeout times out
	 * (on the fake clock, which the main thread moves). */
	timeout_result = net_recv(c, b, sizeof(b), 50 * MS);
	while ((n = net_recv(c, b, sizeof(b), NET_FOREVER)) > 0) {
		if (net_send(c, b, (size_t)n, NET_FOREVER) != n)
			break;
		total += n;
	}
	struct net_pollfd pf = {c, NET_POLLIN, 0};
	CHECK_EQ(net_poll(&pf, 1, 0), 1); /* end of stream is readable */
	net_close(c);
	net_close(l);
	echo_result = n == 0 ? total : n;
	return NULL;
}

UNIT_TEST(blocking_calls_echo_from_a_thread)
{
	struct impair none = {0};
	pthread_t t;
	struct tcp_conn *a = NULL;
	static uint8_t out[300000], in[300000];
	size_t sent = 0, got = 0;
	net_config_default(&cfg);
	host_random_seed(3);
	sides_up();
	net_set_default(B.st);
	for (size_t i = 0; i < sizeof(out); i++)
		out[i] = pattern(i, 9);
	stop_pump = false;
	pthread_create(&t, NULL, echo_server, NULL);
	/* The server must be listening before we connect. */
	for (bool up = false; !up; usleep(1000)) {
		env_lock(B.st->lock);
		up = tcp_lookup(B.st, B_IP, 9, A_IP, 1) != NULL;
		env_unlock(B.st->lock);
	}
	CHECK_EQ(tcp_usr_connect(A.st, B_IP, 9, &a), 0);
	/* Let the server's timed receive expire first. */
	while (a->state != TCP_ESTABLISHED)
		step(&none, &none);
	for (int i = 0; i < 20 && timeout_result == 0; i++) {
		step(&none, &none);
		usleep(5000);
	}
	unsigned long steps = 0;
	while (got < sizeof(out) && steps++ < 5000000) {
		if (sent < sizeof(out)) {
			long n = tcp_usr_send(a, out + sent, sizeof(out) - sent);
			if (n > 0)
				sent += (size_t)n;
		}
		long n = tcp_usr_recv(a, in + got, sizeof(in) - got);
		if (n > 0)
			got += (size_t)n;
		step(&none, &none);
		if (steps % 64 == 0)
			usleep(100); /* let the server thread run */
	}
	tcp_usr_shutdown(a);
	for (int i = 0; i < 2000 && echo_result == 0; i++) {
		step(&none, &none);
		usleep(1000);
	}
	pthread_join(t, NULL);
	CHECK_EQ(timeout_result, -ETIMEDOUT);
	CHECK_EQ(got, sizeof(out));
	CHECK(!memcmp(in, out, sizeof(out)));
	CHECK_EQ(echo_result, (long)sizeof(out));
	tcp_usr_close(a);
	net_set_default(NULL);
	sides_down();
}

UNIT_MAIN()
