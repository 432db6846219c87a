/* SPDX-License-Identifier: MIT */
/* session_test.c: in-guest test of the database engine: a protocol v3
 * session over an in-memory stream, on a kernel thread with the stack a
 * connection thread gets, against the kernel's heap and locks. (The same
 * paths run on the host in tests/unit/db_wire_test.c and tests/sql.) */
#include <string.h>
#include <unidb/heap.h>
#include <unidb/test.h>
#include <unidb/thread.h>

#include "../storage/table.h"
#include "pgwire.h"

#define SESSION_STACK (64 * 1024)

struct script {
	char in[8192];
	size_t n, off;
	char out[16384];
	size_t outlen;
	int rc;
	struct db *db;
};

static long s_read(void *ctx, void *buf, size_t n)
{
	struct script *s = ctx;
	size_t k = s->n - s->off < n ? s->n - s->off : n;

	if (k > 100)
		k = 100; /* short reads, as from a socket */
	memcpy(buf, s->in + s->off, k);
	s->off += k;
	return (long)k;
}

static long s_write(void *ctx, const void *buf, size_t n)
{
	struct script *s = ctx;

	if (s->outlen + n > sizeof(s->out))
		return -1;
	memcpy(s->out + s->outlen, buf, n);
	s->outlen += n;
	return 0;
}

static void put32(struct script *s, uint32_t v)
{
	s->in[s->n++] = (char)(v >> 24);
	s->in[s->n++] = (char)(v >> 16);
	s->in[s->n++] = (char)(v >> 8);
	s->in[s->n++] = (char)v;
}

static void add_query(struct script *s, const char *q)
{
	size_t len = strlen(q) + 1;

	s->in[s->n++] = 'Q';
	put32(s, (uint32_t)(len + 4));
	memcpy(s->in + s->n, q, len);
	s->n += len;
}

static void session_thread(void *arg)
{
	struct script *s = arg;
	struct pg_io io = {s, s_read, s_write, NULL};

	s->rc = pg_session_run(s->db, &io, 1, 2);
}

/* The payload of the k-th DataRow's first column, NUL-terminated. */
static const char *first_value(struct script *s, int k, char *buf,
			       size_t size)
{
	size_t off = 0;

	while (off + 5 <= s->outlen) {
		const unsigned char *m = (const unsigned char *)s->out + off;
		uint32_t len = (uint32_t)m[1] << 24 | m[2] << 16 | m[3] << 8 | m[4];

		if (m[0] == 'D' && k-- == 0) {
			uint32_t vl = (uint32_t)m[7] << 24 | m[8] << 16 |
				      m[9] << 8 | m[10];

			if (vl >= size)
				return "";
			memcpy(buf, m + 11, vl);
			buf[vl] = 0;
			return buf;
		}
		off += 1 + len;
	}
	return "";
}

static bool has_message(struct script *s, char type)
{
	size_t off = 0;

	while (off + 5 <= s->outlen) {
		const unsigned char *m = (const unsigned char *)s->out + off;

		if (m[0] == (unsigned char)type)
			return true;
		off += 1 + ((uint32_t)m[1] << 24 | m[2] << 16 | m[3] << 8 | m[4]);
	}
	return false;
}

TEST(db_session_runs_sql_in_the_guest)
{
	static const char startup[] = "\0\0\0\x14\0\x03\0\0user\0guest\0\0";
	struct script *s = kzalloc(sizeof(*s));
	struct db *db = kzalloc(sizeof(*db));
	struct thread_attr attr = {.stack_size = SESSION_STACK, .cpu = THREAD_ANY_CPU};
	struct thread *t;
	char v[64];

	ASSERT(s && db);
	db_init(db);
	s->db = db;
	memcpy(s->in, startup, sizeof(startup) - 1);
	s->n = sizeof(startup) - 1;
	add_query(s, "create table a (id int primary key, g int, name text)");
	add_query(s, "create table b (g int primary key, label varchar(8))");
	add_query(s, "insert into b values (0, 'zero'), (1, 'one'), (2, 'two')");
	add_query(s, "insert into a values (1, 0, 'x'), (2, 1, 'y'), (3, 1, 'z'),"
		     " (4, 2, NULL), (5, 2, 'w'), (6, 2, 'v')");
	add_query(s, "select b.label || ':' || count(a.id) || ':' || sum(a.id)"
		     " from a join b on a.g = b.g group by b.label"
		     " order by count(*) desc, 1 limit 1");
	add_query(s, "select avg(id) from a where name is not null");
	add_query(s, "select 2147483647 + id from a where id = 1");
	s->in[s->n++] = 'X';
	put32(s, 4);
	t = thread_create("db-session", session_thread, s, &attr);
	ASSERT(t);
	thread_join(t);
	EXPECT_EQ(s->rc, 0);
	EXPECT(strcmp(first_value(s, 0, v, sizeof(v)), "two:3:15") == 0);
	EXPECT(strcmp(first_value(s, 1, v, sizeof(v)), "3.4000000000000000") == 0);
	EXPECT(has_message(s, 'E')); /* integer out of range */
	db_destroy(db);
	kfree(db);
	kfree(s);
}
