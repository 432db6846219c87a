/* SPDX-License-Identifier: MIT */
/* db_wire_test.c: host tests of the protocol v3 session (db/wire) over an
 * in-memory transport: a client script of bytes in, the server's messages
 * out, checked as a string of message types and selected fields. */
#include <stdint.h>

#include "../../db/storage/table.h"
#include <unidb/errno.h>

#include "../../db/sql/interval.h"
#include "../../db/wire/codec.h"
#include "../../db/wire/pgwire.h"
#include "unit.h"

static struct db DB;

struct pipe {
	const unsigned char *in;
	size_t n, off, chunk; /* chunk: bytes per read (tests short reads) */
	unsigned char out[1 << 16];
	size_t outlen;
};

static long p_read(void *ctx, void *buf, size_t n)
{
	struct pipe *p = ctx;
	size_t k = p->n - p->off;

	if (k > n)
		k = n;
	if (p->chunk && k > p->chunk)
		k = p->chunk;
	memcpy(buf, p->in + p->off, k);
	p->off += k;
	return (long)k;
}

static long p_write(void *ctx, const void *buf, size_t n)
{
	struct pipe *p = ctx;

	if (p->outlen + n > sizeof(p->out))
		return -1;
	memcpy(p->out + p->outlen, buf, n);
	p->outlen += n;
	return 0;
}

/* The client script being built. */
static unsigned char msg[1 << 16];
static size_t mlen;

static void put8(int v) { msg[mlen++] = (unsigned char)v; }
static void put16(int v) { put8(v >> 8); put8(v); }
static void put32(uint32_t v) { put16((int)(v >> 16)); put16((int)(v & 0xffff)); }
static void puts0(const char *s) { memcpy(msg + mlen, s, strlen(s) + 1); mlen += strlen(s) + 1; }

static size_t start_msg(int type)
{
	size_t at;

	if (type)
		put8(type);
	at = mlen;
	put32(0);
	return at;
}

static void end_msg(size_t at)
{
	uint32_t n = (uint32_t)(mlen - at);

	msg[at] = (unsigned char)(n >> 24);
	msg[at + 1] = (unsigned char)(n >> 16);
	msg[at + 2] = (unsigned char)(n >> 8);
	msg[at + 3] = (unsigned char)n;
}

static void startup(const char *user)
{
	size_t at = start_msg(0);

	put32(196608);
	if (user) {
		puts0("user");
		puts0(user);
	}
	puts0("application_name");
	puts0("unit");
	put8(0);
	end_msg(at);
}

static void query(const char *q)
{
	size_t at = start_msg('Q');

	puts0(q);
	end_msg(at);
}

static struct pipe P;
static char types[4096];

/* Runs the script; types gets the server's message types in order. */
static int serve(size_t chunk)
{
	size_t off = 0, t = 0;
	int rc;

	memset(&P, 0, sizeof(P));
	P.in = msg;
	P.n = mlen;
	P.chunk = chunk;
	rc = pg_session_run(&DB, &(struct pg_io){&P, p_read, p_write, NULL}, 42, 7);
	if (P.outlen && P.out[0] == 'N' && P.outlen > 1 && P.out[1] == 'R')
		types[t++] = 'n', off = 1; /* the answer to SSLRequest */
	while (off + 5 <= P.outlen && t + 1 < sizeof(types)) {
		uint32_t n = (uint32_t)P.out[off + 1] << 24 |
			     (uint32_t)P.out[off + 2] << 16 |
			     (uint32_t)P.out[off + 3] << 8 | P.out[off + 4];

		types[t++] = (char)P.out[off];
		off += 1 + n;
	}
	types[t] = 0;
	return rc;
}

/* Field f of the k-th message of type m ("" if none). */
static const char *field(char m, int k, char f)
{
	static char buf[256];
	size_t off = P.out[0] == 'N' ? 1 : 0;

	while (off + 5 <= P.outlen) {
		uint32_t n = (uint32_t)P.out[off + 1] << 24 |
			     (uint32_t)P.out[off + 2] << 16 |
			     (uint32_t)P.out[off + 3] << 8 | P.out[off + 4];

		if (P.out[off] == m && k-- == 0) {
			const char *p = (const char *)P.out + off + 5;

			while (*p) {
				if (*p == f) {
					snprintf(buf, sizeof(buf), "%s", p + 1);
					return buf;
				}
				p += strlen(p) + 1;
			}
			return "";
		}
		off += 1 + n;
	}
	return "";
}

static void reset(void)
{
	mlen = 0;
	db_destroy(&DB);
	db_init(&DB);
}

#define STARTUP_REPLY "RSSSSSSSSSSSSSKZ"

UNIT_TEST(wire_startup_and_ssl)
{
	reset();
	put32(8);
	put32(80877103); /* SSLRequest */
	startup("alice");
	put8('X');
	put32(4);
	CHECK_EQ(serve(8), 0); /* the client waits for 'N' before going on */
	CHECK_STR(types, "n" STARTUP_REPLY);
	/* bytes sent along with the SSLRequest could be injected by a third
	 * party (CVE-2021-23214): refused as PostgreSQL does */
	CHECK(serve(0) < 0);
	CHECK_STR(field('E', 0, 'C'), "08P01");
}

UNIT_TEST(wire_startup_errors)
{
	reset();
	startup(NULL);
	serve(0);
	CHECK_STR(types, "E");
	CHECK_STR(field('E', 0, 'C'), "28000");
	reset();
	put32(8);
	put32(2 << 16); /* protocol 2.0 */
	serve(0);
	CHECK_STR(field('E', 0, 'C'), "0A000");
	CHECK_STR(field('E', 0, 'S'), "FATAL");
	reset();
	put32(100000); /* startup packet too long */
	serve(0);
	CHECK_STR(field('E', 0, 'C'), "08P01");
}

UNIT_TEST(wire_simple_query)
{
	reset();
	startup("u");
	query("select 1 as a, 'x' as b; select 2");
	query("");
	query("create table t (a int); insert into t values (1), (2); "
	      "select * from nosuch; select 3");
	CHECK_EQ(serve(1), 0); /* one byte per read */
	CHECK_STR(types, STARTUP_REPLY "TDCTDCZ" "IZ" "CCEZ");
	CHECK_STR(field('C', 0, 0), ""); /* tags checked below */
	CHECK_STR(field('E', 0, 'C'), "42P01");
	CHECK_STR(field('E', 0, 'P'), "70"); /* within the whole message */
	CHECK_STR(field('E', 0, 'M'), "relation \"nosuch\" does not exist");
}

UNIT_TEST(wire_syntax_error_runs_nothing)
{
	reset();
	startup("u");
	query("create table t (a int); select from from");
	query("select * from t");
	serve(0);
	CHECK_STR(types, STARTUP_REPLY "EZ" "EZ");
	CHECK_STR(field('E', 0, 'C'), "42601");
	CHECK_STR(field('E', 1, 'C'), "42P01");
}

static void parse_msg(const char *name, const char *q, int ntypes,
		      const uint32_t *oids)
{
	size_t at = start_msg('P');
	int i;

	puts0(name);
	puts0(q);
	put16(ntypes);
	for (i = 0; i < ntypes; i++)
		put32(oids[i]);
	end_msg(at);
}

static void bind_msg(const char *portal, const char *stmt, int nparams,
		     const char *const *vals, int binary_result)
{
	size_t at = start_msg('B');
	int i;

	puts0(portal);
	puts0(stmt);
	put16(0); /* all parameters in text */
	put16(nparams);
	for (i = 0; i < nparams; i++) {
		if (!vals[i]) {
			put32(0xffffffff);
			continue;
		}
		put32((uint32_t)strlen(vals[i]));
		memcpy(msg + mlen, vals[i], strlen(vals[i]));
		mlen += strlen(vals[i]);
	}
	put16(binary_result ? 1 : 0);
	if (binary_result)
		put16(1);
	end_msg(at);
}

static void simple_msg(int type, int sub, const char *name)
{
	size_t at = start_msg(type);

	if (sub) {
		put8(sub);
		puts0(name);
	}
	end_msg(at);
}

static void execute_msg(const char *portal, int max)
{
	size_t at = start_msg('E');

	puts0(portal);
	put32((uint32_t)max);
	end_msg(at);
}

UNIT_TEST(wire_extended_query)
{
	static const char *const one[] = {"1"};
	static const char *const none[] = {NULL};

	reset();
	startup("u");
	query("create table t (a int primary key, b text);"
	      "insert into t values (1, 'x'), (2, 'y'), (3, 'z')");
	/* inferred parameter type, Describe, row limit with PortalSuspended */
	parse_msg("s1", "select a, b from t where a >= $1 order by a", 0, NULL);
	simple_msg('D', 'S', "s1");
	bind_msg("p1", "s1", 1, one, 0);
	execute_msg("p1", 2);
	execute_msg("p1", 2);
	simple_msg('S', 0, NULL);
	/* binary results, a NULL parameter, the unnamed statement */
	parse_msg("", "select a + 1 from t where a = $1 or $1 is null", 0, NULL);
	bind_msg("", "", 1, none, 1);
	simple_msg('D', 'P', "");
	execute_msg("", 0);
	simple_msg('S', 0, NULL);
	/* an error skips everything up to Sync */
	parse_msg("", "select nosuch from t", 0, NULL);
	bind_msg("", "", 0, NULL, 0);
	execute_msg("", 0);
	simple_msg('S', 0, NULL);
	/* wrong parameter count; Close; unknown statement */
	bind_msg("", "s1", 0, NULL, 0);
	simple_msg('S', 0, NULL);
	simple_msg('C', 'S', "s1");
	bind_msg("", "s1", 1, one, 0);
	simple_msg('S', 0, NULL);
	CHECK_EQ(serve(3), 0);
	CHECK_STR(types, STARTUP_REPLY "CCZ"
				       "1tT2DDsDCZ"
				       "12TDDDCZ"
				       "EZ"
				       "EZ"
				       "3EZ");
	CHECK_STR(field('E', 0, 'C'), "42703");
	CHECK_STR(field('E', 1, 'C'), "08P01");
	CHECK_STR(field('E', 2, 'C'), "26000");
}

UNIT_TEST(wire_protocol_violations)
{
	reset();
	startup("u");
	put8('Q');
	put32(1 << 30); /* far too long */
	CHECK(serve(0) < 0);
	CHECK_STR(types, STARTUP_REPLY "E");
	CHECK_STR(field('E', 0, 'C'), "08P01");
	CHECK_STR(field('E', 0, 'S'), "FATAL");

	reset();
	startup("u");
	put8('@');
	put32(4);
	CHECK(serve(0) < 0);
	CHECK_STR(field('E', 0, 'C'), "08P01");

	reset();
	startup("u");
	put8('Q');
	put32(7);
	put8('a'); put8('b'); put8('c'); /* no NUL */
	CHECK(serve(0) < 0);
	CHECK_STR(field('E', 0, 'C'), "08P01");

	reset();
	startup("u");
	put8('Q');
	put32(100); /* the stream ends inside the message */
	put8('x');
	CHECK_EQ(serve(0), 0);
}

/* Random bytes after a good startup: the session ends or goes on, but
 * never crashes (the sanitizers watch). */
UNIT_TEST(wire_random_garbage)
{
	unsigned seed = 12345;
	int round, i;

	for (round = 0; round < 300; round++) {
		reset();
		startup("u");
		for (i = 0; i < 200; i++) {
			seed = seed * 1103515245 + 12345;
			put8((int)(seed >> 16));
		}
		if (round % 3 == 0) { /* a valid frame with random body */
			msg[mlen - 200] = "QPBDESCH"[round % 8];
			msg[mlen - 199] = 0;
			msg[mlen - 198] = 0;
			msg[mlen - 197] = 0;
			msg[mlen - 196] = 199;
		}
		serve(0);
	}
	CHECK(1);
}

/* interval's binary format is PostgreSQL's: int64 microseconds, int32
 * days, int32 months, big-endian; it reads back, and a wrong length is
 * 22P03. */
UNIT_TEST(wire_interval_binary)
{
	static const uint8_t want[16] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
					 0xff, 0x9c, 0, 0, 0, 3, 0, 0, 0, 14};
	struct arena a;
	struct db_error err;
	struct datum d, back;
	struct strbuf sb = STRBUF_INIT;
	struct interval v = {-100, 3, 14}, w;

	arena_init(&a, 1 << 20);
	CHECK_EQ(interval_datum(&a, &v, &d, &err), 0);
	CHECK_EQ(pg_binary_out(&sb, &d), 0);
	CHECK_EQ(sb.len, 16);
	CHECK(!memcmp(sb.p, want, 16));
	CHECK_EQ(pg_binary_in(&a, (struct sql_type){TYPE_INTERVAL, -1},
			      (const uint8_t *)sb.p, 16, &back, &err), 0);
	w = interval_of(&back);
	CHECK(w.us == -100 && w.days == 3 && w.months == 14);
	CHECK_EQ(pg_binary_in(&a, (struct sql_type){TYPE_INTERVAL, -1},
			      (const uint8_t *)sb.p, 12, &back, &err), -EINVAL);
	CHECK_STR(err.code, "22P03");
	sb_free(&sb);
	arena_free(&a);
}

UNIT_MAIN()
