/* SPDX-License-Identifier: MIT */
/* server.c: the database server in the guest.
 *
 * The command `db [PORT] [password=SECRET]` (default 5432; a password
 * makes clients log in with SCRAM-SHA-256, else trust) listens on the default network
 * stack and serves every connection with its own thread running db/wire's
 * session over <unidb/net.h>: the paper's one-thread-per-connection model
 * with blocking calls (Figure 1a), cheap here because threads and socket
 * calls are. It is the guest twin of tools/host/unidb-pg.c; only the
 * transport (this file) differs, the engine is the same code.
 *
 * Connections beyond max_connections (100, as PostgreSQL) get FATAL
 * 53300. Idle connections are probed with TCP keepalive, so a client that
 * vanished is noticed and its thread ends. The command runs until the
 * machine is powered off. */
#include <stdlib.h>
#include <string.h>
#include <unidb/command.h>
#include <unidb/errno.h>
#include <unidb/heap.h>
#include <unidb/net.h>
#include <unidb/panic.h>
#include <unidb/printk.h>
#include <unidb/thread.h>
#include <unidb/time.h>

#include "arch/x86_64/entropy.h"

#include "../exec/exec.h"
#include "../storage/table.h"
#include "../wire/pgwire.h"
#include "durable.h"

#define DB_PORT 5432
#define MAX_CONNECTIONS 100
#define LISTEN_BACKLOG 128
#define NET_WAIT_S 30 /* how long boot waits for an address */
#define KEEPIDLE_S 60

static struct db the_db;

void db_sleep_ns(uint64_t ns)
{
	thread_sleep_ns(ns);
}

void db_yield(void)
{
	thread_yield();
}

bool db_background(bool on)
{
	return thread_set_background(on);
}

unsigned db_cores(void)
{
	return cpu_count();
}

uint64_t db_idle_ns(void)
{
	uint64_t ns = 0;
	unsigned c;

	for (c = 0; c < cpu_count(); c++)
		ns += sched_idle_ns(c);
	return ns;
}
static int nconns; /* connections being served; atomic */

struct conn {
	struct net_sock *sock;
	int32_t pid;
};

/* BackendKeyData's secret: RDRAND where the CPU has it (the stack
 * canary's source), so only the client that received it can cancel. */
static int32_t random_secret(void)
{
	const char *src;
	return (int32_t)arch_boot_random(&src);
}

static void fill_random(void *buf, size_t n)
{
	uint8_t *p = buf;
	const char *src;

	while (n) {
		uint64_t v = arch_boot_random(&src);
		size_t k = n < 8 ? n : 8;

		memcpy(p, &v, k);
		p += k;
		n -= k;
	}
}

static long conn_read(void *ctx, void *buf, size_t n)
{
	struct conn *c = ctx;
	return net_recv(c->sock, buf, n, NET_FOREVER);
}

static long conn_read_nowait(void *ctx, void *buf, size_t n)
{
	struct conn *c = ctx;
	return net_recv(c->sock, buf, n, 0);
}

static long conn_write(void *ctx, const void *buf, size_t n)
{
	struct conn *c = ctx;
	long r = net_send(c->sock, buf, n, NET_FOREVER);
	return r < 0 ? r : 0;
}

static void conn_main(void *arg)
{
	struct conn *c = arg;
	struct pg_io io = {c, conn_read, conn_write, conn_read_nowait};

	if (__atomic_add_fetch(&nconns, 1, __ATOMIC_ACQ_REL) > MAX_CONNECTIONS)
		pg_refuse(&io, "53300", "sorry, too many clients already");
	else
		pg_session_run(&the_db, &io, c->pid, random_secret());
	net_close(c->sock);
	kfree(c);
	/* The guest's memory whenever the server falls idle (e.g. after
	 * pgbench -i): bench/pgbench/run reads this line (docs/db.md). */
	if (__atomic_sub_fetch(&nconns, 1, __ATOMIC_ACQ_REL) == 0)
		printk("unidb: idle, memory used %llu KiB\n",
		       (unsigned long long)mem_used_kib());
}

static int cmd_db(int argc, char **argv)
{
	long port = DB_PORT;
	struct net_sock *l;
	int32_t next_pid = 1000;
	bool format = false;
	int err, i;

	for (i = 1; i < argc; i++) {
		if (!strncmp(argv[i], "password=", 9)) {
			pg_set_password(argv[i] + 9, fill_random);
			continue;
		}
		if (!strcmp(argv[i], "format")) { /* docs/durability.md */
			format = true;
			continue;
		}
		port = strtol(argv[i], NULL, 10);
		if (port <= 0 || port > 65535) {
			printk("db: bad argument '%s'\n", argv[i]);
			return POWEROFF_FAIL;
		}
	}

	if (!net_default()) {
		printk("db: no network device (boot with tools/run --net "
		       "user|tap)\n");
		return POWEROFF_FAIL;
	}
	err = net_wait_configured(net_default(), NET_WAIT_S * 1000000000ull,
				  NULL, NULL, NULL);
	if (err) {
		printk("db: no address after %d s (%d)\n", NET_WAIT_S, err);
		return POWEROFF_FAIL;
	}
	err = net_listen((uint16_t)port, LISTEN_BACKLOG, &l);
	if (err) {
		printk("db: cannot listen on port %ld (%d)\n", port, err);
		return POWEROFF_FAIL;
	}
	net_setopt(l, NET_OPT_NODELAY, 1);
	net_setopt(l, NET_OPT_KEEPALIVE, 1);
	net_setopt(l, NET_OPT_KEEPIDLE_S, KEEPIDLE_S);
	db_init(&the_db);
	if (db_durable_open(&the_db, format) < 0)
		return POWEROFF_FAIL;
	db_durable_start(&the_db);
	printk("unidb: database ready on port %ld\n", port);
	for (;;) {
		struct net_sock *s;
		struct conn *c;

		if (net_accept(l, &s, NET_FOREVER))
			continue;
		c = kmalloc(sizeof(*c));
		if (!c) {
			net_close(s);
			continue;
		}
		c->sock = s;
		c->pid = next_pid++;
		struct thread *t = thread_create("pg", conn_main, c, NULL);
		if (!t) {
			net_close(s);
			kfree(c);
			continue;
		}
		thread_detach(t);
	}
}
COMMAND(db, "[PORT] [password=SECRET] [format]  serve the database (PostgreSQL "
	    "protocol, default 5432; with a password, SCRAM-SHA-256 login; format: create a database on a blank disk)",
	cmd_db);
