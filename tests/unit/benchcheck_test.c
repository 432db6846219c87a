/* SPDX-License-Identifier: MIT */
/* benchcheck_test.c: the benchmarks' self-checks (bench/vm/workload.h,
 * bench/snapshot/workload.h, bench/net/workload.h) accept a correct result and
 * reject the broken ones they exist to catch, with the same code the guests
 * run. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../bench/net/workload.h"
#include "../../bench/snapshot/workload.h"
#include "../../bench/vm/workload.h"
#include "unit.h"

#define NWORDS 4096 /* four 4 KiB pages of 32-bit words */
#define PAGE_WORDS 1024
#define NT 2

static uint32_t src[NWORDS], snap[NWORDS], old[NWORDS];
static struct wl_counter ctr[NT];

/* Runs `batches` batches of each thread, alternating, on src. */
static void run(unsigned batches)
{
	for (unsigned b = 0; b < batches; b++)
		for (unsigned t = 0; t < NT; t++)
			wl_batch(src, NWORDS, t, &ctr[t], NULL);
}

/* A history: 20 batches each, then the snapshot's window: before = the
 * counts then, the cut after 3 more batches each, after = 2 more, and 10
 * more before the check. old = the source at `before`. */
static void history(uint64_t *before, uint64_t *after, uint64_t *at_cut)
{
	memset(src, 0, sizeof(src));
	memset(ctr, 0, sizeof(ctr));
	run(20);
	wl_counts(ctr, NT, false, before);
	memcpy(old, src, sizeof(src));
	run(3);
	wl_counts(ctr, NT, false, at_cut);
	memcpy(snap, src, sizeof(src)); /* a correct snapshot: one cut */
	run(2);
	wl_counts(ctr, NT, true, after);
	run(10);
}

UNIT_TEST(snapshot_check_accepts_one_point_in_time)
{
	uint64_t before[NT], after[NT], at[NT], cut[NT];

	history(before, after, at);
	CHECK_EQ(wl_check_cut(snap, NWORDS, NT, before, after, ctr, cut), 0);
	for (unsigned t = 0; t < NT; t++)
		CHECK_EQ(cut[t], at[t]);
	/* The cut may lie at either end of the window too. */
	memcpy(snap, old, sizeof(snap));
	CHECK_EQ(wl_check_cut(snap, NWORDS, NT, before, after, ctr, cut), 0);
}

UNIT_TEST(snapshot_check_rejects_a_page_from_later)
{
	uint64_t before[NT], after[NT], at[NT], cut[NT];

	history(before, after, at);
	/* One page copied after creation returned: later updates leak in. */
	memcpy(snap + PAGE_WORDS, src + PAGE_WORDS, PAGE_WORDS * 4);
	CHECK(wl_check_cut(snap, NWORDS, NT, before, after, ctr, cut) > 0);
}

UNIT_TEST(snapshot_check_rejects_a_page_from_earlier)
{
	uint64_t before[NT], after[NT], at[NT], cut[NT];

	history(before, after, at);
	/* One page as it was before the cut: updates up to it are missing. */
	memcpy(snap + 2 * PAGE_WORDS, old + 2 * PAGE_WORDS, PAGE_WORDS * 4);
	CHECK(wl_check_cut(snap, NWORDS, NT, before, after, ctr, cut) > 0);
}

UNIT_TEST(snapshot_check_rejects_one_lost_update)
{
	uint64_t before[NT], after[NT], at[NT], cut[NT];

	history(before, after, at);
	/* The last update of thread 1 before the cut, undone. */
	uint64_t s = at[1];
	uint32_t *w = &snap[wl_word(wl_seed(1), s, NWORDS)];
	CHECK_EQ(*w, wl_tag(1, s));
	*w = 0;
	CHECK(wl_check_cut(snap, NWORDS, NT, before, after, ctr, cut) > 0);
}

static uint64_t fake_now(void)
{
	return 0;
}

UNIT_TEST(fault_check_reads_every_word)
{
	static uint64_t pages[4][FAULT_PAGE / 8] __attribute__((aligned(4096)));
	volatile unsigned go = 0;
	struct fault_slice s = {(char *)pages, 4, &go, 1, 0, 0};

	memset(pages, 0, sizeof(pages));
	fault_slice_touch(&s, fake_now);
	CHECK(fault_slice_ok(&s));
	pages[3][511] = 1; /* a page not cleared at its end */
	CHECK(!fault_slice_ok(&s));
	pages[3][511] = 0;
	pages[2][0] = 7; /* a write that went elsewhere */
	CHECK(!fault_slice_ok(&s));
}

UNIT_TEST(present_probes_hit_about_half)
{
	static uint64_t touched[PRESENT_TOUCHED];
	static uint8_t is_touched[PRESENT_PAGES];
	uint64_t x = 88172645463325252ULL, hits = 0, n = 100000;

	for (unsigned i = 0; i < PRESENT_TOUCHED; i++) {
		touched[i] = present_rnd(&x) % PRESENT_PAGES;
		is_touched[touched[i]] = 1;
	}
	for (uint64_t i = 0; i < n; i++) {
		uint64_t p = present_pick(&x, touched);
		CHECK(p < PRESENT_PAGES);
		hits += is_touched[p % PRESENT_PAGES];
	}
	/* Half the probes on written pages, the rest almost all absent. */
	CHECK(hits > n * 45 / 100 && hits < n * 55 / 100);
}

/* ---- bench-net's server (bench/net/workload.h) on a fake connection ---- */

/* The peer's bytes come in chunks of 1, 2, 3 ... 1000 bytes (as recv
 * may split them); what the server sends is collected. */
struct fake_conn {
	const uint8_t *in;
	size_t in_len, in_off, chunk;
	uint8_t out[300000];
	size_t out_len;
};

static long fake_recv(void *c, void *buf, size_t len)
{
	struct fake_conn *f = c;
	size_t n = f->in_len - f->in_off;
	f->chunk = f->chunk % 1000 + 1;
	if (n > f->chunk)
		n = f->chunk;
	if (n > len)
		n = len;
	memcpy(buf, f->in + f->in_off, n);
	f->in_off += n;
	return (long)n;
}

static long fake_send(void *c, const void *buf, size_t len)
{
	struct fake_conn *f = c;
	if (f->out_len + len > sizeof(f->out))
		return -1;
	memcpy(f->out + f->out_len, buf, len);
	f->out_len += len;
	return (long)len;
}

static uint8_t net_in[200001], net_buf[NETB_BUF], net_pat[NETB_BUF];
static struct fake_conn conn;

static long serve(size_t in_len)
{
	memset(&conn, 0, sizeof(conn));
	conn.in = net_in;
	conn.in_len = in_len;
	netb_fill(net_pat, NETB_BUF, 0);
	struct netb_io io = {&conn, fake_recv, fake_send};
	return netb_serve(&io, net_buf, net_pat);
}

UNIT_TEST(net_sink_counts_an_intact_stream_and_rejects_a_lost_byte)
{
	net_in[0] = 's';
	netb_fill(net_in + 1, 200000, 0);
	CHECK(serve(200001) == 0);
	CHECK(conn.out_len == 8 && netb_get64(conn.out) == 200000);
	memmove(net_in + 1000, net_in + 1001, 199000); /* byte 999 lost */
	CHECK(serve(200000) == 0);
	CHECK(conn.out_len == 8 && netb_get64(conn.out) == NETB_BAD_COUNT);
}

UNIT_TEST(net_source_sends_the_pattern_echo_echoes_quit_quits)
{
	net_in[0] = 'S';
	netb_put64(net_in + 1, 150000);
	CHECK(serve(9) == 0);
	CHECK(conn.out_len == 150000 && netb_check(conn.out, 150000, 0));
	conn.out[64 * 100] ^= 1; /* a sampled byte wrong */
	CHECK(!netb_check(conn.out, 150000, 0));
	CHECK(netb_check(conn.out + 100, 149900, 100) == false);
	memcpy(net_in, "eabc", 4);
	CHECK(serve(4) == 0);
	CHECK(conn.out_len == 3 && !memcmp(conn.out, "abc", 3));
	net_in[0] = 'q';
	CHECK(serve(1) == 1 && conn.out_len == 1 && conn.out[0] == 'q');
	net_in[0] = 'x';
	CHECK(serve(1) < 0);
}

UNIT_MAIN()
