/* SPDX-License-Identifier: MIT */
/* workload.h: the server side of `make bench-net`, one definition for both
 * back ends (bench/net/guest/netsrv.c in unidb, bench/linux/netsrv.c on
 * Linux; the host client is bench/net/client.c). Each connection starts
 * with one mode byte:
 *   'e'  echo: every byte read is sent back (request/response latency and
 *        connections per second: 1-byte requests).
 *   's'  sink: read until the peer shuts down its side, then answer with
 *        the byte count as 8 bytes little-endian (all ones if a sampled
 *        byte differed from the pattern): host -> guest stream.
 *   'S'  source: read a count as 8 bytes little-endian, send that many
 *        pattern bytes, close: guest -> host stream.
 *   'q'  quit: answer 'q'; the server then exits.
 * Plain C on <stdint.h>, <stddef.h> and <stdbool.h>. */
#ifndef BENCH_NET_WORKLOAD_H
#define BENCH_NET_WORKLOAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define NETB_PORT 7100
#define NETB_BUF 65536u /* server buffer; also the pattern's period */
#define NETB_SAMPLE 64u /* every 64th stream byte is checked */
#define NETB_BAD_COUNT UINT64_MAX

/* Byte k of a stream. Periodic in 65536 = NETB_BUF, so a source sends one
 * filled buffer again and again; a lost or repeated byte shifts every
 * sampled byte after it. */
static inline uint8_t netb_pattern(uint64_t k)
{
	return (uint8_t)(k * 7 + (k >> 8));
}

static inline void netb_fill(uint8_t *p, size_t n, uint64_t off)
{
	for (size_t i = 0; i < n; i++)
		p[i] = netb_pattern(off + i);
}

/* Checks the sampled bytes of p, which holds stream bytes off..off+n-1. */
static inline bool netb_check(const uint8_t *p, size_t n, uint64_t off)
{
	size_t i = (size_t)((NETB_SAMPLE - off % NETB_SAMPLE) % NETB_SAMPLE);
	for (; i < n; i += NETB_SAMPLE)
		if (p[i] != netb_pattern(off + i))
			return false;
	return true;
}

static inline void netb_put64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static inline uint64_t netb_get64(const uint8_t *p)
{
	uint64_t v = 0;
	for (int i = 0; i < 8; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

/* One connection of the server, given its system's calls: recv returns
 * bytes read (> 0), 0 at the peer's end of stream, < 0 on error; send
 * sends all bytes or returns < 0. */
struct netb_io {
	void *c;
	long (*recv)(void *c, void *buf, size_t len);
	long (*send)(void *c, const void *buf, size_t len);
};

/* Reads exactly len bytes: 0, or < 0 on an error or early end. */
static inline long netb_recv_all(const struct netb_io *io, uint8_t *buf,
				 size_t len)
{
	while (len) {
		long n = io->recv(io->c, buf, len);
		if (n <= 0)
			return n ? n : -1;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Serves one connection. buf: NETB_BUF bytes of scratch; pat: NETB_BUF
 * pattern bytes (netb_fill(pat, NETB_BUF, 0)). Returns 0 when the
 * connection is done, 1 after a quit request, < 0 on an error (a failed
 * call's value, or -1 for a protocol error). */
static inline long netb_serve(const struct netb_io *io, uint8_t *buf,
			      const uint8_t *pat)
{
	uint8_t mode, word[8];
	uint64_t total = 0, want;
	bool ok = true;
	long n = io->recv(io->c, &mode, 1);

	if (n <= 0)
		return n; /* closed without a request: nothing to do */
	switch (mode) {
	case 'e':
		while ((n = io->recv(io->c, buf, NETB_BUF)) > 0)
			if ((n = io->send(io->c, buf, (size_t)n)) < 0)
				return n;
		return n;
	case 's':
		while ((n = io->recv(io->c, buf, NETB_BUF)) > 0) {
			ok = ok && netb_check(buf, (size_t)n, total);
			total += (uint64_t)n;
		}
		if (n < 0)
			return n;
		netb_put64(word, ok ? total : NETB_BAD_COUNT);
		n = io->send(io->c, word, 8);
		return n < 0 ? n : 0;
	case 'S':
		if ((n = netb_recv_all(io, word, 8)) < 0)
			return n;
		want = netb_get64(word);
		while (total < want) {
			size_t len = want - total < NETB_BUF
					 ? (size_t)(want - total)
					 : NETB_BUF;
			if ((n = io->send(io->c, pat, len)) < 0)
				return n;
			total += len;
		}
		return 0;
	case 'q':
		n = io->send(io->c, &mode, 1);
		return n < 0 ? n : 1;
	default:
		return -1;
	}
}

#endif
