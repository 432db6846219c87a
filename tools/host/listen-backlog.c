/*
 * listen-backlog.so: preloaded into QEMU by tools/run for user networking.
 *
 * libslirp listens on a forwarded host port with a backlog of 1, so the host
 * kernel keeps at most two connections waiting for QEMU's accept() and drops
 * further SYNs; clients retry them after 1, 3, 7, 15, 31 s. Thirty-two
 * clients connecting at once (pgbench -c 32) then wait up to a minute for
 * their connections, and a connect timeout of 60 s expires. A database
 * server's listener is not that shallow (PostgreSQL: 4096 on Linux), so the
 * forwarded port should not be either: raise any smaller backlog to
 * SOMAXCONN (the kernel caps it at net.core.somaxconn).
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <sys/socket.h>

int listen(int fd, int backlog)
{
	static int (*real)(int, int);

	if (!real)
		real = (int (*)(int, int))dlsym(RTLD_NEXT, "listen");
	if (!real)
		return -1;
	return real(fd, backlog < SOMAXCONN ? SOMAXCONN : backlog);
}
