/* SPDX-License-Identifier: MIT */
/* unidb-pg.c: unidb's database engine (db/) as a host program, serving the
 * PostgreSQL protocol on a POSIX TCP socket, one thread per connection.
 *
 * This is the host transport for db/wire: the engine is the same portable
 * code the unikernel links; only this file (sockets, pthreads) and the
 * shim tests/unit/db_host.c (heap, locks) are host-specific. It lets psql
 * and the SQL regression tests run against the engine before the guest
 * has a TCP stack.
 *
 * Usage: unidb-pg [--port N] [--max-connections N] [--password SECRET]
 * (--password: clients log in with SCRAM-SHA-256; default trust)
 * Prints "unidb: database ready on port N" once it accepts connections. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../../db/storage/table.h"
#include "../../db/wire/pgwire.h"

static struct db the_db;
static int max_conns = 100, nconns;
static pthread_mutex_t conns_lock = PTHREAD_MUTEX_INITIALIZER;

struct conn {
	int fd;
	int32_t pid;
};

static long sock_read(void *ctx, void *buf, size_t n)
{
	struct conn *c = ctx;
	ssize_t r;

	do
		r = read(c->fd, buf, n);
	while (r < 0 && errno == EINTR);
	return r < 0 ? -EIO : (long)r;
}

static long sock_read_nowait(void *ctx, void *buf, size_t n)
{
	struct conn *c = ctx;
	ssize_t r = recv(c->fd, buf, n, MSG_DONTWAIT);

	if (r < 0)
		return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR
			       ? -EAGAIN
			       : -EIO;
	return (long)r;
}

/* BackendKeyData's secret: unpredictable, so that only the client that
 * received it can cancel its statements. */
static int32_t random_secret(void)
{
	int32_t v = 0;

	if (getrandom(&v, sizeof(v), 0) != (ssize_t)sizeof(v))
		v = (int32_t)random();
	return v;
}

static void fill_random(void *buf, size_t n)
{
	char *p = buf;

	while (n) {
		ssize_t r = getrandom(p, n, 0);

		if (r <= 0) { /* no entropy source: weak, but never stuck */
			*p++ = (char)random();
			n--;
			continue;
		}
		p += r;
		n -= (size_t)r;
	}
}

static long sock_write(void *ctx, const void *buf, size_t n)
{
	struct conn *c = ctx;
	const char *p = buf;

	while (n) {
		ssize_t r = write(c->fd, p, n);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -EIO;
		p += r;
		n -= (size_t)r;
	}
	return 0;
}

static void *conn_main(void *arg)
{
	struct conn *c = arg;
	struct pg_io io = {c, sock_read, sock_write, sock_read_nowait};
	bool over;

	pthread_mutex_lock(&conns_lock);
	over = ++nconns > max_conns;
	pthread_mutex_unlock(&conns_lock);
	if (over)
		pg_refuse(&io, "53300", "sorry, too many clients already");
	else
		pg_session_run(&the_db, &io, c->pid, random_secret());
	close(c->fd);
	free(c);
	pthread_mutex_lock(&conns_lock);
	nconns--;
	pthread_mutex_unlock(&conns_lock);
	return NULL;
}

int main(int argc, char **argv)
{
	struct sockaddr_in sa = {.sin_family = AF_INET};
	int port = 5432, fd, one = 1, i;
	int32_t next_pid = 1000;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--port") && i + 1 < argc)
			port = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--max-connections") && i + 1 < argc)
			max_conns = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--password") && i + 1 < argc)
			pg_set_password(argv[++i], fill_random);
		else {
			fprintf(stderr, "usage: %s [--port N] [--max-connections N] "
				"[--password SECRET]\n",
				argv[0]);
			return 2;
		}
	}
	signal(SIGPIPE, SIG_IGN);
	db_init(&the_db);
	fd = socket(AF_INET, SOCK_STREAM, 0);
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	sa.sin_port = htons((uint16_t)port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    listen(fd, 64) < 0) {
		perror("unidb-pg: listen");
		return 1;
	}
	printf("unidb: database ready on port %d\n", port);
	fflush(stdout);
	for (;;) {
		int cfd = accept(fd, NULL, NULL);
		struct conn *c;
		pthread_t t;

		if (cfd < 0)
			continue;
		setsockopt(cfd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		c = malloc(sizeof(*c));
		if (!c) {
			close(cfd);
			continue;
		}
		c->fd = cfd;
		c->pid = next_pid++;
		if (pthread_create(&t, NULL, conn_main, c) != 0) {
			close(cfd);
			free(c);
			continue;
		}
		pthread_detach(t);
	}
}
