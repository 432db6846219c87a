/* SPDX-License-Identifier: MIT */
/* client.c: the host client of `make bench-net` (bench/net/run builds it
 * with the host's gcc). Talks to `netsrv` in either guest (protocol in
 * bench/net/workload.h) and checks every answer.
 *
 *   client HOST PORT RR_N CPS_N STREAM_BYTES [quit]
 * rr:     one connection, 100 warm-up then RR_N 1-byte round trips, each
 *         reply must be the byte sent; mean and 99th percentile.
 *   cps:  CPS_N times: connect, send "e" + 1 byte, read it back, close.
 *   h2g:  STREAM_BYTES pattern bytes to the sink, timed until its count
 *         arrives (which must equal what was sent, pattern intact).
 *   g2h:  ask the source for STREAM_BYTES, timed until its end of stream;
 *         count and sampled bytes checked.
 * quit:   then ask the server to exit.
 * Prints one line "rr_mean_ns=.. rr_p99_ns=.. cps=.. h2g_kBps=..
 * g2h_kBps=.."; exit status 1 (with a message) on any wrong answer. */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "workload.h"

static struct sockaddr_in server;

static void die(const char *what)
{
	fprintf(stderr, "client: FAIL: %s%s%s\n", what, errno ? ": " : "",
		errno ? strerror(errno) : "");
	exit(1);
}

static uint64_t now_ns(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000000000ull + (uint64_t)t.tv_nsec;
}

static int dial(void)
{
	int one = 1, s = socket(AF_INET, SOCK_STREAM, 0);
	if (s < 0 || connect(s, (struct sockaddr *)&server, sizeof(server)))
		die("connect");
	setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	return s;
}

static void send_all(int s, const void *buf, size_t len)
{
	const char *p = buf;
	while (len) {
		ssize_t n = send(s, p, len, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			die("send");
		p += n;
		len -= (size_t)n;
	}
}

static void recv_all(int s, void *buf, size_t len)
{
	char *p = buf;
	while (len) {
		ssize_t n = recv(s, p, len, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (n == 0)
				errno = 0;
			die("short reply");
		}
		p += n;
		len -= (size_t)n;
	}
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return (x > y) - (x < y);
}

static void rr(long n, uint64_t *mean, uint64_t *p99)
{
	uint64_t *t = calloc((size_t)n, sizeof(*t)), sum = 0;
	int s = dial();
	uint8_t c;

	send_all(s, "e", 1);
	for (long i = -100; i < n; i++) {
		uint8_t b = (uint8_t)i;
		uint64_t t0 = now_ns();
		send_all(s, &b, 1);
		recv_all(s, &c, 1);
		if (c != b) {
			errno = 0;
			die("rr: reply differs from the request");
		}
		if (i >= 0)
			sum += t[i] = now_ns() - t0;
	}
	close(s);
	qsort(t, (size_t)n, sizeof(*t), cmp_u64);
	*mean = sum / (uint64_t)n;
	*p99 = t[(size_t)(n - 1) * 99 / 100];
	free(t);
}

static uint64_t cps(long n)
{
	uint64_t t0 = now_ns();
	for (long i = 0; i < n; i++) {
		uint8_t req[2] = {'e', (uint8_t)i}, c;
		int s = dial();
		send_all(s, req, 2);
		recv_all(s, &c, 1);
		if (c != req[1]) {
			errno = 0;
			die("cps: reply differs from the request");
		}
		close(s);
	}
	return (uint64_t)n * 1000000000ull / (now_ns() - t0);
}

static uint64_t h2g(uint64_t bytes, uint8_t *buf)
{
	uint8_t word[8];
	uint64_t t0 = now_ns(), off = 0;
	int s = dial();

	send_all(s, "s", 1);
	while (off < bytes) {
		size_t len = bytes - off < NETB_BUF ? bytes - off : NETB_BUF;
		send_all(s, buf, len); /* buf is one pattern period */
		off += len;
	}
	shutdown(s, SHUT_WR);
	recv_all(s, word, 8);
	uint64_t ns = now_ns() - t0;
	close(s);
	if (netb_get64(word) != bytes) {
		errno = 0;
		fprintf(stderr, "client: sink counted %llu of %llu bytes\n",
			(unsigned long long)netb_get64(word),
			(unsigned long long)bytes);
		die("h2g: count or pattern wrong (all ones = pattern)");
	}
	return bytes * 1000000ull / ns; /* kB/s, 1 kB = 1000 bytes */
}

static uint64_t g2h(uint64_t bytes, uint8_t *buf)
{
	uint8_t req[9] = {'S'};
	uint64_t t0 = now_ns(), got = 0;
	int s = dial();
	ssize_t n;

	netb_put64(req + 1, bytes);
	send_all(s, req, 9);
	while ((n = recv(s, buf, NETB_BUF, 0)) > 0 ||
	       (n < 0 && errno == EINTR)) {
		if (n < 0)
			continue;
		if (!netb_check(buf, (size_t)n, got)) {
			errno = 0;
			die("g2h: pattern wrong");
		}
		got += (uint64_t)n;
	}
	uint64_t ns = now_ns() - t0;
	close(s);
	if (n < 0)
		die("g2h: recv");
	if (got != bytes) {
		errno = 0;
		die("g2h: byte count wrong");
	}
	return bytes * 1000000ull / ns;
}

static void quit(void)
{
	uint8_t c;
	int s = dial();
	/* Never wait forever for the answer of a server that powers off. */
	struct timeval tv = {.tv_sec = 60};
	setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	send_all(s, "q", 1);
	recv_all(s, &c, 1);
	close(s);
}

int main(int argc, char **argv)
{
	static uint8_t buf[NETB_BUF];
	struct addrinfo *ai,
	    hints = {.ai_family = AF_INET, .ai_socktype = SOCK_STREAM};
	uint64_t mean, p99;

	if (argc < 6 || argc > 7) {
		fprintf(stderr, "usage: client HOST PORT RR_N CPS_N "
				"STREAM_BYTES [quit]\n");
		return 2;
	}
	if (getaddrinfo(argv[1], argv[2], &hints, &ai))
		die("address");
	memcpy(&server, ai->ai_addr, sizeof(server));
	freeaddrinfo(ai);
	long rr_n = atol(argv[3]), cps_n = atol(argv[4]);
	uint64_t bytes = strtoull(argv[5], NULL, 10);
	if (rr_n < 1 || cps_n < 1 || !bytes) {
		fprintf(stderr, "client: counts must be >= 1\n");
		return 2;
	}
	netb_fill(buf, NETB_BUF, 0);
	rr(rr_n, &mean, &p99);
	uint64_t c = cps(cps_n);
	uint64_t up = h2g(bytes, buf);
	uint64_t down = g2h(bytes, buf);
	printf("rr_mean_ns=%llu rr_p99_ns=%llu cps=%llu h2g_kBps=%llu "
	       "g2h_kBps=%llu\n",
	       (unsigned long long)mean, (unsigned long long)p99,
	       (unsigned long long)c, (unsigned long long)up,
	       (unsigned long long)down);
	fflush(stdout);
	if (argc == 7 && !strcmp(argv[6], "quit"))
		quit();
	return 0;
}
