/* SPDX-License-Identifier: MIT */
/* netsrv.c: /bin/netsrv in the Linux baseline guest, the Linux server of
 * `make bench-net` (unidb side: bench/net/guest/netsrv.c; the protocol
 * and per-connection logic are shared, bench/net/workload.h). One thread
 * per connection with blocking calls and TCP_NODELAY, like unidb's.
 *
 *   netsrv PORT ADDR/PREFIX
 * loads the NIC's driver modules from /lib/modules/unidb (bench/net/run
 * puts them there), configures eth0 with ADDR/PREFIX (busybox ip), then
 * serves until a quit request; exit status 1 if a connection ended in an
 * error. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../net/workload.h"

static uint8_t netsrv_pat[NETB_BUF];
static unsigned long netsrv_errors;

static long netsrv_recv(void *c, void *buf, size_t len)
{
	for (;;) {
		ssize_t n = recv((int)(long)c, buf, len, 0);
		if (n >= 0 || errno != EINTR)
			return n < 0 ? -errno : n;
	}
}

static long netsrv_send(void *c, const void *buf, size_t len)
{
	const char *p = buf;
	size_t left = len;
	while (left) {
		ssize_t n = send((int)(long)c, p, left, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		p += n;
		left -= (size_t)n;
	}
	return (long)len;
}

static void *netsrv_conn(void *arg)
{
	struct netb_io io = {arg, netsrv_recv, netsrv_send};
	uint8_t *buf = malloc(NETB_BUF);
	long r = buf ? netb_serve(&io, buf, netsrv_pat) : -ENOMEM;

	if (r < 0) {
		__atomic_add_fetch(&netsrv_errors, 1, __ATOMIC_RELAXED);
		fprintf(stderr, "netsrv: connection ended with error %ld\n", r);
	}
	close((int)(long)arg);
	free(buf);
	if (r == 1) {
		printf("netsrv: quit, %lu connection errors\n", netsrv_errors);
		fflush(stdout);
		exit(netsrv_errors ? 1 : 0);
	}
	return NULL;
}

static int netsrv_setup(const char *cidr)
{
	char cmd[512];
	/* Up to 30 s for the driver to probe the device. */
	snprintf(
	    cmd, sizeof(cmd),
	    "for m in /lib/modules/unidb/*.ko; do insmod $m || exit 1; done; "
	    "i=0; while [ ! -e /sys/class/net/eth0 ] && [ $i -lt 300 ]; do "
	    "sleep 0.1; i=$((i+1)); done; "
	    "ip link set lo up && ip link set eth0 up && "
	    "ip addr add %s dev eth0",
	    cidr);
	return system(cmd);
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: netsrv PORT ADDR/PREFIX\n");
		return 2;
	}
	int port = atoi(argv[1]), one = 1;
	if (netsrv_setup(argv[2])) {
		fprintf(stderr, "netsrv: network set-up failed\n");
		return 1;
	}
	netb_fill(netsrv_pat, NETB_BUF, 0);
	int l = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = {.sin_family = AF_INET,
				.sin_port = htons((uint16_t)port),
				.sin_addr.s_addr = htonl(INADDR_ANY)};
	setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (l < 0 || bind(l, (struct sockaddr *)&a, sizeof(a)) ||
	    listen(l, 128)) {
		perror("netsrv: listen");
		return 1;
	}
	printf("netsrv: listening on %s:%d\n", argv[2], port);
	fflush(stdout);
	for (;;) {
		int s = accept(l, NULL, NULL);
		if (s < 0) {
			if (errno != EINTR)
				perror("netsrv: accept");
			continue;
		}
		setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		pthread_t t;
		if (pthread_create(&t, NULL, netsrv_conn, (void *)(long)s)) {
			close(s);
			continue;
		}
		pthread_detach(t);
	}
}
