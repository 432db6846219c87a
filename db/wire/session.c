/* SPDX-License-Identifier: MIT */
/* session.c: one client connection speaking protocol v3 (see pgwire.h).
 *
 * State: the startup phase, then a loop over messages. Prepared statements
 * keep their query text, parameter types (given by the client or inferred
 * when the statement was parsed) and the RowDescription encoded once;
 * a portal re-parses its statement's text into its own arena, executes
 * it at its first Execute and keeps the materialized result, handing out
 * up to max_rows rows per Execute. Errors in the extended protocol set
 * skip_to_sync, so the rest of the client's pipeline is ignored up to
 * Sync, as PostgreSQL does.
 *
 * Transactions: every statement runs through db/txn (txn_exec), which
 * keeps the session's transaction state and takes the catalog lock while
 * the statement executes; ReadyForQuery asks it for the status letter.
 * Results own their bytes, so sending happens without the lock. */
#include "pgwire.h"

#include <stdio.h>
#include <string.h>
#include <unidb/errno.h>
#include <unidb/heap.h>
#include <unidb/time.h>

#include "../exec/copy.h"
#include "../exec/exec.h"
#include "../storage/table.h"
#include "../txn/txn.h"
#include "codec.h"
#include "scram.h"

#define PG_MAX_PARAMS 256
#define PG_RBUF 16384
#define PG_FLUSH_AT 65536

struct prepared {
	struct prepared *next;
	char *name, *query;
	int nparams;
	struct sql_type ptypes[PG_MAX_PARAMS];
	struct strbuf desc; /* RowDescription or NoData message, text formats */
	bool empty;
};

struct portal {
	struct portal *next;
	char *name;
	struct arena a;
	char *query;
	struct datum *params;
	int nparams;
	struct sql_type *ptypes;
	int16_t *rfmt;
	int nrfmt;
	bool ran, empty, done;
	struct result res;
	uint64_t pos;
};

struct session {
	struct db *db;
	struct pg_io *io;
	uint8_t rbuf[PG_RBUF];
	size_t rlen, roff;
	struct strbuf out, notices;
	struct setting settings[SETTING_MAX];
	int nsettings;
	char user[64], database[64];
	struct prepared *stmts;
	struct portal *portals;
	bool skip_to_sync;
	struct txn *txn; /* this session's transactions (db/txn) */
	struct seq_session seqs; /* currval/lastval (db/exec/seq.c) */
	const char *refuse_code, *refuse_msg; /* pg_refuse(): FATAL at once */
	const char *where; /* CONTEXT of the next ErrorResponse, or NULL */
	struct pg_backend *backend; /* for CancelRequest (cancel.c) */
};

/* ---- bytes in and out ---------------------------------------------------- */

static int flush(struct session *s)
{
	if (s->out.oom)
		return -ENOMEM;
	if (s->out.len && s->io->write(s->io->ctx, s->out.p, s->out.len) < 0)
		return -EIO;
	sb_reset(&s->out);
	return 0;
}

static int read_exact(struct session *s, void *buf, size_t n)
{
	uint8_t *p = buf;

	while (n) {
		size_t k;

		if (s->roff == s->rlen) {
			long r = s->io->read(s->io->ctx, s->rbuf, sizeof(s->rbuf));

			if (r <= 0)
				return r == 0 ? -ENOENT : -EIO;
			s->rlen = (size_t)r;
			s->roff = 0;
		}
		k = s->rlen - s->roff < n ? s->rlen - s->roff : n;
		memcpy(p, s->rbuf + s->roff, k);
		s->roff += k;
		p += k;
		n -= k;
	}
	return 0;
}

/* ---- messages the server sends ------------------------------------------ */

static void send_error(struct session *s, const struct db_error *e,
		       const char *severity, char type)
{
	size_t st = pg_begin(&s->out, type);
	char pos[16];

	sb_putc(&s->out, 'S');
	pg_put_str(&s->out, severity);
	sb_putc(&s->out, 'V');
	pg_put_str(&s->out, severity);
	sb_putc(&s->out, 'C');
	pg_put_str(&s->out, e->code[0] ? e->code : "XX000");
	sb_putc(&s->out, 'M');
	pg_put_str(&s->out, e->msg);
	if (e->detail[0]) {
		sb_putc(&s->out, 'D');
		pg_put_str(&s->out, e->detail);
	}
	if (e->hint) {
		sb_putc(&s->out, 'H');
		pg_put_str(&s->out, e->hint);
	}
	if (e->position > 0) {
		snprintf(pos, sizeof(pos), "%d", e->position);
		sb_putc(&s->out, 'P');
		pg_put_str(&s->out, pos);
	}
	if (s->where && s->where[0]) {
		sb_putc(&s->out, 'W');
		pg_put_str(&s->out, s->where);
	}
	sb_putc(&s->out, 0);
	pg_end(&s->out, st);
}

static void send_notices(struct session *s)
{
	size_t off = 0;

	while (off < s->notices.len) {
		struct db_error n = {.code = "00000"};
		const char *p = s->notices.p + off, *sev = "NOTICE";
		size_t len = strlen(p);
		char sevbuf[16];

		if (p[0] == 1 && len > 13 && p[8] == 1 && p[14] == 1) {
			/* "\1WARNING\1CODE\1message" (db/txn) */
			snprintf(sevbuf, sizeof(sevbuf), "%.7s", p + 1);
			memcpy(n.code, p + 9, 5);
			sev = sevbuf;
			p += 15;
		}
		snprintf(n.msg, sizeof(n.msg), "%s", p);
		send_error(s, &n, sev, 'N');
		off += len + 1;
	}
	sb_reset(&s->notices);
}

static void send_simple(struct session *s, char type)
{
	pg_end(&s->out, pg_begin(&s->out, type));
}

static void send_ready(struct session *s)
{
	size_t st = pg_begin(&s->out, 'Z');

	sb_putc(&s->out, txn_status(s->txn));
	pg_end(&s->out, st);
}

static void send_param_status(struct session *s, const char *k, const char *v)
{
	size_t st = pg_begin(&s->out, 'S');

	pg_put_str(&s->out, k);
	pg_put_str(&s->out, v);
	pg_end(&s->out, st);
}

static int16_t fmt_of(const int16_t *f, int nf, int col)
{
	return nf == 0 ? 0 : nf == 1 ? f[0] : col < nf ? f[col] : 0;
}

static void put_rowdesc(struct strbuf *sb, const struct result *res,
			const int16_t *f, int nf)
{
	size_t st;
	int i;

	if (!res->has_rows) {
		pg_end(sb, pg_begin(sb, 'n'));
		return;
	}
	st = pg_begin(sb, 'T');
	pg_put_i16(sb, (int16_t)res->ncols);
	for (i = 0; i < res->ncols; i++) {
		const struct result_col *c = &res->cols[i];
		unsigned id = c->type.id == TYPE_UNKNOWN ? TYPE_TEXT : c->type.id;

		pg_put_str(sb, c->name);
		pg_put_i32(sb, (int32_t)c->table_oid);
		pg_put_i16(sb, c->attnum);
		pg_put_i32(sb, (int32_t)type_info(id)->oid);
		pg_put_i16(sb, type_info(id)->len);
		pg_put_i32(sb, type_wire_mod(c->type));
		pg_put_i16(sb, fmt_of(f, nf, i));
	}
	pg_end(sb, st);
}

static int put_datarow(struct session *s, const struct result *res,
		       const struct datum *row, const int16_t *f, int nf)
{
	size_t st = pg_begin(&s->out, 'D');
	int i;

	pg_put_i16(&s->out, (int16_t)res->ncols);
	for (i = 0; i < res->ncols; i++) {
		size_t lenpos = s->out.len;

		if (row[i].null) {
			pg_put_i32(&s->out, -1);
			continue;
		}
		pg_put_i32(&s->out, 0);
		if (fmt_of(f, nf, i) == 1) {
			if (pg_binary_out(&s->out, &row[i]) < 0)
				return -ENOSYS;
		} else {
			datum_out(&s->out, &row[i]);
		}
		if (!s->out.oom) {
			uint32_t n = (uint32_t)(s->out.len - lenpos - 4);

			s->out.p[lenpos] = (char)(n >> 24);
			s->out.p[lenpos + 1] = (char)(n >> 16);
			s->out.p[lenpos + 2] = (char)(n >> 8);
			s->out.p[lenpos + 3] = (char)n;
		}
	}
	pg_end(&s->out, st);
	if (s->out.len > PG_FLUSH_AT)
		return flush(s);
	return 0;
}

static void send_complete(struct session *s, const char *tag)
{
	size_t st = pg_begin(&s->out, 'C');

	pg_put_str(&s->out, tag);
	pg_end(&s->out, st);
}

/* ---- running statements -------------------------------------------------- */

/* exec_ctx.client_gone: reads what the client sent meanwhile into rbuf
 * (it is kept for the message loop); end of stream or an error means the
 * client is gone. */
static bool client_gone(void *ctx)
{
	struct session *s = ctx;
	long r;

	if (!s->io->read_nowait)
		return false;
	if (s->roff == s->rlen)
		s->roff = s->rlen = 0;
	if (s->rlen == sizeof(s->rbuf))
		return false;
	r = s->io->read_nowait(s->io->ctx, s->rbuf + s->rlen,
			       sizeof(s->rbuf) - s->rlen);
	if (r > 0)
		s->rlen += (size_t)r;
	return r == 0 || (r < 0 && r != -EAGAIN);
}

/* What stops a statement: a CancelRequest from now on (an earlier one
 * is forgotten, as in PostgreSQL), statement_timeout, a gone client. */
static void statement_limits(struct session *s, struct exec_ctx *x)
{
	long long ms = setting_duration_ms(
		setting_get(s->settings, s->nsettings, "statement_timeout"));

	if (s->backend)
		*pg_backend_flag(s->backend) = false;
	x->cancel = pg_backend_flag(s->backend);
	x->deadline_ns = ms > 0 ? time_ns() + (uint64_t)ms * 1000000 : 0;
	x->client_gone = client_gone;
	x->client_ctx = s;
	x->next_probe_ns = time_ns() + EXEC_PROBE_NS;
	x->a->budget = statement_budget(s->settings, s->nsettings);
}

static void exec_init(struct session *s, struct exec_ctx *x, struct arena *a,
		      struct db_error *err, const char *q)
{
	memset(x, 0, sizeof(*x));
	x->db = s->db;
	x->a = a;
	x->err = err;
	x->query = q;
	x->notices = &s->notices;
	x->settings = s->settings;
	x->nsettings = &s->nsettings;
	x->user = s->user;
	x->database = s->database;
	statement_limits(s, x);
	x->txn = s->txn;
	x->seqs = &s->seqs;
}

/* Executes st in the session's transaction (db/txn takes the catalog
 * lock). */
static int run_locked(struct exec_ctx *x, struct stmt *st, struct result *res)
{
	return txn_exec(x, st, res);
}

static int fatal(struct session *s, const char *code, const char *msg);

/* ---- COPY (db/exec/copy.h) ----------------------------------------------- */

/* CopyInResponse ('G') or CopyOutResponse ('H'): text format overall and
 * for each column. */
static void send_copy_response(struct session *s, char type, int ncols)
{
	size_t st = pg_begin(&s->out, type);
	int i;

	sb_putc(&s->out, 0);
	pg_put_i16(&s->out, (int16_t)ncols);
	for (i = 0; i < ncols; i++)
		pg_put_i16(&s->out, 0);
	pg_end(&s->out, st);
}

static void send_copy_data(struct session *s, const struct strbuf *line)
{
	size_t st = pg_begin(&s->out, 'd');

	sb_put(&s->out, line->p, line->len);
	pg_end(&s->out, st);
}

static int emit_copy_data(void *ctx, const struct strbuf *line)
{
	send_copy_data(ctx, line);
	return 0;
}

/* COPY t TO STDOUT: the table in chunks, flushed between them (outside
 * the catalog lock). */
static int copy_out_table(struct session *s, const struct copy_stmt *cs,
			  struct arena *a, struct db_error *err)
{
	struct strbuf line = STRBUF_INIT;
	struct copy_out *co;
	struct exec_ctx x;
	char tag[32];
	int ncols, r;

	exec_init(s, &x, a, err, "");
	if (copy_out_start(&x, cs, &co, &ncols) < 0) {
		copy_out_end(co);
		return -EAGAIN;
	}
	send_copy_response(s, 'H', ncols);
	if (copy_out_header_line(co)) {
		sb_puts(&line, copy_out_header_line(co));
		send_copy_data(s, &line);
	}
	do {
		r = copy_out_next(co, &line, emit_copy_data, s);
		if (r >= 0 && flush(s) < 0)
			r = -EIO;
	} while (r > 0);
	sb_free(&line);
	snprintf(tag, sizeof(tag), "COPY %llu",
		 (unsigned long long)copy_out_rows(co));
	copy_out_end(co);
	if (r == -EIO)
		return r;
	if (r < 0) /* CopyOut is under way: PostgreSQL ends it with the error */
		return -EAGAIN;
	send_simple(s, 'c');
	send_complete(s, tag);
	return 0;
}

/* COPY (query) TO STDOUT: runs the query, then one CopyData per row. */
static int copy_out(struct session *s, const struct copy_stmt *cs,
		    struct arena *a, struct db_error *err)
{
	struct strbuf line = STRBUF_INIT;
	struct stmt **stmts;
	struct exec_ctx x;
	struct result res;
	char tag[32];
	uint64_t k;
	int n, rc = 0;

	if (sql_parse(a, cs->query, strlen(cs->query), &stmts, &n, err) < 0)
		return -EAGAIN;
	if (n != 1 || stmts[0]->kind != ST_SELECT)
		return db_err(err, "0A000", "COPY query must be a SELECT");
	exec_init(s, &x, a, err, cs->query);
	if (run_locked(&x, stmts[0], &res) < 0) {
		err->position = 0; /* the position is in the query COPY ran */
		return -EAGAIN;
	}
	send_copy_response(s, 'H', res.ncols);
	if (cs->o.header) {
		copy_out_header(&line, &cs->o, &res);
		send_copy_data(s, &line);
	}
	for (k = 0; k < res.nrows && rc == 0; k++) {
		sb_reset(&line);
		copy_out_row(&line, &cs->o, res.rows[k], res.ncols);
		send_copy_data(s, &line);
		if (s->out.len > PG_FLUSH_AT)
			rc = flush(s);
	}
	sb_free(&line);
	send_simple(s, 'c');
	snprintf(tag, sizeof(tag), "COPY %llu", (unsigned long long)res.nrows);
	send_complete(s, tag);
	return rc;
}

/* The messages of COPY FROM STDIN until CopyDone or CopyFail. An error
 * in the data is reported at once (the rest of the data is then ignored
 * by the message loop, as in PostgreSQL); another message type is a
 * protocol violation. */
static int copy_in_messages(struct session *s, struct copy_in *ci,
			    struct db_error *err)
{
	uint8_t hdr[5], *body;
	uint64_t nrows;
	char tag[32];
	uint32_t len;
	int rc;

	for (;;) {
		if (read_exact(s, hdr, 5) < 0)
			return -EIO;
		len = pg_be32(hdr + 1);
		if (len < 4 || len - 4 > PG_MSG_MAX)
			return fatal(s, "08P01", "invalid message length");
		if (hdr[0] != 'd' && hdr[0] != 'c' && hdr[0] != 'f' &&
		    hdr[0] != 'H' && hdr[0] != 'S') {
			char msg[64];

			snprintf(msg, sizeof(msg), "unexpected message type 0x%02X "
				 "during COPY from stdin", hdr[0]);
			return fatal(s, "08P01", msg);
		}
		body = kmalloc(len - 4 + 1);
		if (!body)
			return fatal(s, "53200", "out of memory");
		if (read_exact(s, body, len - 4) < 0) {
			kfree(body);
			return -EIO;
		}
		body[len - 4] = 0;
		rc = 0;
		if (hdr[0] == 'd')
			rc = copy_in_feed(ci, (const char *)body, len - 4);
		else if (hdr[0] == 'f')
			rc = db_err(err, "57014", "COPY from stdin failed: %s",
				    (const char *)body);
		kfree(body);
		if (rc < 0)
			return -EAGAIN;
		if (hdr[0] == 'c')
			break;
	}
	if (copy_in_finish(ci, &nrows) < 0)
		return -EAGAIN;
	snprintf(tag, sizeof(tag), "COPY %llu", (unsigned long long)nrows);
	send_complete(s, tag);
	return 0;
}

static int copy_in(struct session *s, const struct copy_stmt *cs,
		   struct arena *a, struct db_error *err)
{
	struct copy_in *ci;
	struct exec_ctx x;
	int ncols, rc;

	exec_init(s, &x, a, err, "");
	if (copy_in_start(&x, cs, &ci, &ncols) < 0) {
		copy_in_end(ci);
		return -EAGAIN;
	}
	send_copy_response(s, 'G', ncols);
	rc = flush(s);
	if (rc == 0)
		rc = copy_in_messages(s, ci, err);
	if (rc == -EAGAIN && err->code[0] && strcmp(err->code, "57014"))
		s->where = copy_in_context(ci);
	if (rc == -EAGAIN)
		send_error(s, err, "ERROR", 'E');
	s->where = NULL;
	copy_in_end(ci);
	return rc == -EAGAIN ? 0 : rc;
}

/* A simple query whose first token is COPY: the one statement of the
 * message. */
static int copy_query(struct session *s, const char *q)
{
	struct db_error err = {0};
	struct copy_stmt cs;
	struct arena a;
	int rc = 0;

	arena_init(&a, ARENA_DEFAULT_BUDGET);
	if (copy_parse(&a, q, &cs, &err) < 0)
		rc = -EAGAIN;
	else
		rc = cs.from    ? copy_in(s, &cs, &a, &err)
		     : cs.table ? copy_out_table(s, &cs, &a, &err)
				: copy_out(s, &cs, &a, &err);
	arena_free(&a);
	if (rc == -EAGAIN || (rc < 0 && err.code[0])) {
		send_notices(s);
		send_error(s, &err, "ERROR", 'E');
		rc = 0;
	}
	if (rc < 0) /* -EINVAL: the FATAL is sent already, not another one */
		return rc == -EINVAL ? -ECONNABORTED : rc;
	send_ready(s);
	return flush(s);
}

static int simple_query(struct session *s, struct pg_reader *r)
{
	const char *q = pg_get_str(r);
	struct db_error err = {0};
	struct arena pa, a;
	struct stmt **stmts;
	int n, i, rc = 0;

	if (!pg_at_end(r))
		return -EINVAL;
	if (copy_is_copy(q))
		return copy_query(s, q);
	arena_init(&pa, ARENA_DEFAULT_BUDGET);
	if (sql_parse(&pa, q, strlen(q), &stmts, &n, &err) < 0) {
		send_error(s, &err, "ERROR", 'E');
		n = -1;
	} else if (n == 0) {
		send_simple(s, 'I');
	}
	for (i = 0; i < n && rc == 0; i++) {
		struct exec_ctx x;
		struct result res;
		uint64_t k;

		arena_init(&a, ARENA_DEFAULT_BUDGET);
		exec_init(s, &x, &a, &err, q);
		if (run_locked(&x, stmts[i], &res) < 0) {
			send_notices(s);
			send_error(s, &err, "ERROR", 'E');
			arena_free(&a);
			break;
		}
		send_notices(s);
		if (res.has_rows)
			put_rowdesc(&s->out, &res, NULL, 0);
		for (k = 0; k < res.nrows && rc == 0; k++)
			rc = put_datarow(s, &res, res.rows[k], NULL, 0);
		send_complete(s, res.tag);
		arena_free(&a);
	}
	arena_free(&pa);
	send_ready(s);
	return rc < 0 ? rc : flush(s);
}

/* ---- extended query ------------------------------------------------------ */

static struct prepared *find_stmt(struct session *s, const char *name)
{
	struct prepared *p;

	for (p = s->stmts; p; p = p->next)
		if (!strcmp(p->name, name))
			return p;
	return NULL;
}

static struct portal *find_portal(struct session *s, const char *name)
{
	struct portal *p;

	for (p = s->portals; p; p = p->next)
		if (!strcmp(p->name, name))
			return p;
	return NULL;
}

static void free_stmt(struct session *s, struct prepared *ps)
{
	struct prepared **pp;

	for (pp = &s->stmts; *pp; pp = &(*pp)->next)
		if (*pp == ps) {
			*pp = ps->next;
			break;
		}
	kfree(ps->name);
	kfree(ps->query);
	sb_free(&ps->desc);
	kfree(ps);
}

static void portal_destroy(struct portal *po)
{
	arena_free(&po->a);
	kfree(po->name);
	kfree(po);
}

static void free_portal(struct session *s, struct portal *po)
{
	struct portal **pp;

	for (pp = &s->portals; *pp; pp = &(*pp)->next)
		if (*pp == po) {
			*pp = po->next;
			break;
		}
	portal_destroy(po);
}

static char *heap_str(const char *s)
{
	size_t n = strlen(s);
	char *p = kmalloc(n + 1);

	if (p)
		memcpy(p, s, n + 1);
	return p;
}

static bool is_utility(const struct stmt *st)
{
	return st->kind == ST_CREATE_TABLE || st->kind == ST_DROP_TABLE ||
	       st->kind == ST_SET || st->kind == ST_TRUNCATE ||
	       st->kind == ST_VACUUM || st->kind == ST_ANALYZE;
}

/* Parses and binds ps's query once: errors, inferred parameter types and
 * the row description come from here. */
static int describe_stmt(struct session *s, struct prepared *ps,
			 struct db_error *err)
{
	struct arena a;
	struct stmt **stmts;
	struct exec_ctx x;
	struct result res;
	int n, r, i;

	arena_init(&a, ARENA_DEFAULT_BUDGET);
	r = sql_parse(&a, ps->query, strlen(ps->query), &stmts, &n, err);
	if (r == 0 && n > 1)
		r = db_err(err, "42601",
			   "cannot insert multiple commands into a prepared "
			   "statement");
	if (r == 0 && n == 0)
		ps->empty = true;
	memset(&res, 0, sizeof(res));
	if (r == 0 && n == 1 && !is_utility(stmts[0])) {
		exec_init(s, &x, &a, err, ps->query);
		x.describe_only = true;
		x.ptypes = ps->ptypes;
		x.nptypes = PG_MAX_PARAMS;
		r = run_locked(&x, stmts[0], &res);
		sb_reset(&s->notices);
	}
	if (r == 0) {
		for (i = PG_MAX_PARAMS - 1; i >= 0 && ps->nparams <= i; i--)
			if (ps->ptypes[i].id != TYPE_NULL)
				ps->nparams = i + 1;
		for (i = 0; i < ps->nparams; i++)
			if (ps->ptypes[i].id == TYPE_NULL ||
			    ps->ptypes[i].id == TYPE_UNKNOWN)
				ps->ptypes[i] = (struct sql_type){TYPE_TEXT, -1};
		put_rowdesc(&ps->desc, &res, NULL, 0);
		if (ps->desc.oom)
			r = db_err_oom(err);
	}
	arena_free(&a);
	return r;
}

static int msg_parse(struct session *s, struct pg_reader *r,
		     struct db_error *err)
{
	const char *name = pg_get_str(r), *q = pg_get_str(r);
	int n = pg_get_i16(r), i;
	struct prepared *ps, *old;

	if (r->bad || n < 0)
		return -EINVAL;
	if (n > PG_MAX_PARAMS)
		return db_err(err, "54000", "too many parameters (at most %d)",
			      PG_MAX_PARAMS);
	old = find_stmt(s, name);
	if (old && name[0])
		return db_err(err, "42P05",
			      "prepared statement \"%s\" already exists", name);
	ps = kzalloc(sizeof(*ps));
	if (!ps)
		return db_err_oom(err);
	ps->name = heap_str(name);
	ps->query = heap_str(q);
	ps->nparams = n;
	for (i = 0; i < n; i++) {
		int t = pg_type_of_oid((uint32_t)pg_get_i32(r));

		ps->ptypes[i] = (struct sql_type){(uint8_t)(t < 0 ? TYPE_TEXT : t), -1};
		if (t < 0) {
			free_stmt(s, ps);
			return db_err(err, "0A000",
				      "parameter type is not supported by unidb");
		}
	}
	if (!pg_at_end(r)) {
		free_stmt(s, ps);
		return -EINVAL;
	}
	if (!ps->name || !ps->query || describe_stmt(s, ps, err) < 0) {
		if (!err->code[0])
			db_err_oom(err);
		free_stmt(s, ps);
		return -EAGAIN;
	}
	if (old)
		free_stmt(s, old);
	ps->next = s->stmts;
	s->stmts = ps;
	send_simple(s, '1');
	return 0;
}

static int bind_params(struct session *s, struct pg_reader *r,
		       struct portal *po, const struct prepared *ps,
		       struct db_error *err)
{
	int nf = pg_get_i16(r), np, i;
	int16_t *f;

	if (nf < 0 || nf > PG_MAX_PARAMS)
		return -EINVAL;
	f = arena_alloc(&po->a, sizeof(*f) * (size_t)(nf + 1));
	for (i = 0; f && i < nf; i++)
		f[i] = pg_get_i16(r);
	np = pg_get_i16(r);
	if (!f || r->bad)
		return f ? -EINVAL : db_err_oom(err);
	if (np != ps->nparams)
		return db_err(err, "08P01",
			      "bind message supplies %d parameters, but prepared "
			      "statement \"%s\" requires %d",
			      np, ps->name, ps->nparams);
	po->params = arena_alloc(&po->a, sizeof(struct datum) * (size_t)(np + 1));
	if (!po->params)
		return db_err_oom(err);
	po->nparams = np;
	for (i = 0; i < np; i++) {
		int32_t len = pg_get_i32(r);
		const uint8_t *p;
		char *copy;
		int16_t fmt = fmt_of(f, nf, i);

		if (len == -1) {
			po->params[i] = datum_null(ps->ptypes[i].id);
			continue;
		}
		p = len < 0 ? NULL : pg_get_bytes(r, (size_t)len);
		if (!p)
			return -EINVAL;
		copy = arena_strndup(&po->a, (const char *)p, (size_t)len);
		if (!copy)
			return db_err_oom(err);
		if ((fmt == 1 ? pg_binary_in(&po->a, ps->ptypes[i],
					     (uint8_t *)copy, (size_t)len,
					     &po->params[i], err)
			      : datum_in(&po->a, ps->ptypes[i], copy,
					 (size_t)len, &po->params[i], err)) < 0) {
			if (fmt == 1)
				snprintf(err->msg, sizeof(err->msg),
					 "incorrect binary data format in bind "
					 "parameter %d",
					 i + 1);
			return -EAGAIN;
		}
	}
	return 0;
}

static int msg_bind(struct session *s, struct pg_reader *r,
		    struct db_error *err)
{
	const char *pname = pg_get_str(r), *sname = pg_get_str(r);
	struct prepared *ps;
	struct portal *po, *old;
	int i, rc;

	if (r->bad)
		return -EINVAL;
	ps = find_stmt(s, sname);
	if (!ps)
		return db_err(err, "26000",
			      "prepared statement \"%s\" does not exist", sname);
	old = find_portal(s, pname);
	if (old && pname[0])
		return db_err(err, "42P03", "cursor \"%s\" already exists",
			      pname);
	po = kzalloc(sizeof(*po));
	if (!po || !(po->name = heap_str(pname))) {
		kfree(po);
		return db_err_oom(err);
	}
	arena_init(&po->a, ARENA_DEFAULT_BUDGET);
	po->query = arena_strndup(&po->a, ps->query, strlen(ps->query));
	po->ptypes = arena_alloc(&po->a, sizeof(struct sql_type) * PG_MAX_PARAMS);
	po->empty = ps->empty;
	rc = po->query && po->ptypes ? bind_params(s, r, po, ps, err)
				     : db_err_oom(err);
	if (rc == 0) {
		memcpy(po->ptypes, ps->ptypes, sizeof(ps->ptypes));
		po->nrfmt = pg_get_i16(r);
		if (po->nrfmt < 0 || po->nrfmt > 4096)
			rc = -EINVAL;
		else if (!(po->rfmt = arena_alloc(&po->a, sizeof(int16_t) *
							     (size_t)(po->nrfmt + 1))))
			rc = db_err_oom(err);
		for (i = 0; rc == 0 && i < po->nrfmt; i++) {
			po->rfmt[i] = pg_get_i16(r);
			if (po->rfmt[i] != 0 && po->rfmt[i] != 1)
				rc = db_err(err, "22023",
					    "unsupported format code: %d",
					    po->rfmt[i]);
		}
		if (rc == 0 && !pg_at_end(r))
			rc = -EINVAL;
	}
	if (rc < 0) {
		portal_destroy(po);
		return rc;
	}
	if (old)
		free_portal(s, old);
	po->next = s->portals;
	s->portals = po;
	send_simple(s, '2');
	return 0;
}

/* Runs the portal's statement once, materializing its result. */
static int portal_run(struct session *s, struct portal *po,
		      struct db_error *err)
{
	struct stmt **stmts;
	struct exec_ctx x;
	int n;

	po->ran = true;
	if (sql_parse(&po->a, po->query, strlen(po->query), &stmts, &n, err) < 0)
		return -EAGAIN;
	if (n == 0) {
		po->empty = true;
		return 0;
	}
	exec_init(s, &x, &po->a, err, po->query);
	x.params = po->params;
	x.nparams = po->nparams;
	x.ptypes = po->ptypes;
	x.nptypes = PG_MAX_PARAMS;
	if (run_locked(&x, stmts[0], &po->res) < 0) {
		send_notices(s);
		return -EAGAIN;
	}
	send_notices(s);
	return 0;
}

static int msg_describe(struct session *s, struct pg_reader *r,
			struct db_error *err)
{
	char what = (char)pg_get_u8(r);
	const char *name = pg_get_str(r);
	struct prepared *ps;
	struct portal *po;
	size_t st;
	int i;

	if (!pg_at_end(r) || (what != 'S' && what != 'P'))
		return -EINVAL;
	if (what == 'S') {
		if (!(ps = find_stmt(s, name)))
			return db_err(err, "26000",
				      "prepared statement \"%s\" does not exist",
				      name);
		st = pg_begin(&s->out, 't');
		pg_put_i16(&s->out, (int16_t)ps->nparams);
		for (i = 0; i < ps->nparams; i++)
			pg_put_i32(&s->out, (int32_t)type_info(ps->ptypes[i].id)->oid);
		pg_end(&s->out, st);
		sb_put(&s->out, ps->desc.p, ps->desc.len);
		return 0;
	}
	if (!(po = find_portal(s, name)))
		return db_err(err, "34000", "portal \"%s\" does not exist", name);
	if (!po->ran && portal_run(s, po, err) < 0)
		return -EAGAIN;
	if (po->empty)
		send_simple(s, 'n');
	else
		put_rowdesc(&s->out, &po->res, po->rfmt, po->nrfmt);
	return 0;
}

static int msg_execute(struct session *s, struct pg_reader *r,
		       struct db_error *err)
{
	const char *name = pg_get_str(r);
	int32_t max = pg_get_i32(r);
	struct portal *po;
	uint64_t sent = 0;
	char tag[64];
	int rc;

	if (!pg_at_end(r))
		return -EINVAL;
	if (!(po = find_portal(s, name)))
		return db_err(err, "34000", "portal \"%s\" does not exist", name);
	if (!po->ran && portal_run(s, po, err) < 0)
		return -EAGAIN;
	if (po->empty) {
		send_simple(s, 'I');
		return 0;
	}
	while (po->pos < po->res.nrows && (max <= 0 || sent < (uint64_t)max)) {
		rc = put_datarow(s, &po->res, po->res.rows[po->pos++], po->rfmt,
				 po->nrfmt);
		if (rc == -ENOSYS)
			return db_err(err, "0A000",
				      "binary output of numeric is not "
				      "supported by unidb yet");
		if (rc < 0)
			return rc;
		sent++;
	}
	if (po->pos < po->res.nrows) {
		send_simple(s, 's');
		return 0;
	}
	snprintf(tag, sizeof(tag), "%s", po->res.tag);
	if (po->done && !strncmp(tag, "SELECT", 6))
		snprintf(tag, sizeof(tag), "SELECT %llu", (unsigned long long)sent);
	po->done = true;
	send_complete(s, tag);
	return 0;
}

static int msg_close(struct session *s, struct pg_reader *r)
{
	char what = (char)pg_get_u8(r);
	const char *name = pg_get_str(r);
	struct prepared *ps;
	struct portal *po;

	if (!pg_at_end(r) || (what != 'S' && what != 'P'))
		return -EINVAL;
	if (what == 'S' && (ps = find_stmt(s, name)))
		free_stmt(s, ps);
	if (what == 'P' && (po = find_portal(s, name)))
		free_portal(s, po);
	send_simple(s, '3');
	return 0;
}

/* ---- startup ------------------------------------------------------------- */

static int fatal(struct session *s, const char *code, const char *msg)
{
	struct db_error e = {0};

	db_err(&e, code, "%s", msg);
	send_error(s, &e, "FATAL", 'E');
	flush(s);
	return -EINVAL;
}

/* ---- authentication (SCRAM-SHA-256, scram.h) ---------------------------- */

#define SCRAM_SALT_LEN 16

static const char *auth_password;
static void (*auth_random)(void *buf, size_t n);
static uint8_t auth_salt[SCRAM_SALT_LEN];

void pg_set_password(const char *password, void (*random)(void *buf, size_t n))
{
	auth_password = password;
	auth_random = random;
	if (password)
		random(auth_salt, sizeof(auth_salt));
}

/* One message during authentication; *body (kmalloc'd, NUL-terminated)
 * for the caller to free. */
static int read_auth_msg(struct session *s, char want, uint8_t **body,
			 size_t *len)
{
	uint8_t hdr[5];
	uint32_t n;

	if (read_exact(s, hdr, 5) < 0)
		return -EIO;
	n = pg_be32(hdr + 1);
	if (hdr[0] != want) {
		char msg[64];

		snprintf(msg, sizeof(msg), "expected SASL response, got message "
			 "type %d", hdr[0]);
		return fatal(s, "08P01", msg);
	}
	if (n < 4 || n - 4 > SCRAM_MSG_MAX)
		return fatal(s, "08P01", "invalid message length");
	*len = n - 4;
	*body = kmalloc(*len + 1);
	if (!*body)
		return fatal(s, "53200", "out of memory");
	if (read_exact(s, *body, *len) < 0) {
		kfree(*body);
		return -EIO;
	}
	(*body)[*len] = 0;
	return 0;
}

static void send_auth(struct session *s, int32_t code, const char *data,
		      size_t n)
{
	size_t st = pg_begin(&s->out, 'R');

	pg_put_i32(&s->out, code);
	sb_put(&s->out, data, n);
	pg_end(&s->out, st);
}

/* The first SASL message: mechanism, then the client-first-message. */
static int scram_first(struct session *s, struct scram *sc, char *out)
{
	uint8_t *body, raw[18];
	char snonce[32];
	struct pg_reader r;
	const char *mech;
	const uint8_t *data;
	size_t len;
	int32_t n;
	int k;

	if (read_auth_msg(s, 'p', &body, &len) < 0)
		return -EIO;
	pg_reader_init(&r, body, len);
	mech = pg_get_str(&r);
	n = pg_get_i32(&r);
	data = n >= 0 ? pg_get_bytes(&r, (size_t)n) : NULL;
	if (r.bad || !data || strcmp(mech, "SCRAM-SHA-256")) {
		kfree(body);
		return fatal(s, "08P01", "client selected an invalid SASL "
					 "authentication mechanism");
	}
	auth_random(raw, sizeof(raw));
	b64_encode(raw, sizeof(raw), snonce, sizeof(snonce));
	k = scram_server_first(sc, auth_password, auth_salt, SCRAM_SALT_LEN,
			       SCRAM_ITERATIONS, snonce, (const char *)data,
			       (size_t)n, out, SCRAM_MSG_MAX);
	kfree(body);
	if (k < 0)
		return fatal(s, "08P01", k == -EOPNOTSUPP
						 ? "channel binding is not "
						   "supported by unidb"
						 : "malformed SCRAM message");
	send_auth(s, 11, out, (size_t)k); /* AuthenticationSASLContinue */
	return flush(s);
}

static int authenticate(struct session *s)
{
	static const char mechs[] = "SCRAM-SHA-256\0";
	struct scram *sc;
	char out[SCRAM_MSG_MAX];
	uint8_t *body;
	size_t len;
	int rc;

	if (!auth_password)
		return 0;
	sc = kzalloc(sizeof(*sc));
	if (!sc)
		return fatal(s, "53200", "out of memory");
	send_auth(s, 10, mechs, sizeof(mechs)); /* AuthenticationSASL */
	rc = flush(s);
	if (rc == 0)
		rc = scram_first(s, sc, out);
	if (rc == 0)
		rc = read_auth_msg(s, 'p', &body, &len);
	if (rc == 0) {
		rc = scram_server_final(sc, (const char *)body, len, out,
					sizeof(out));
		kfree(body);
		if (rc == -EPERM) {
			char msg[128];

			snprintf(msg, sizeof(msg), "password authentication "
				 "failed for user \"%s\"", s->user);
			rc = fatal(s, "28P01", msg);
		} else if (rc < 0) {
			rc = fatal(s, "08P01", "malformed SCRAM message");
		} else {
			send_auth(s, 12, out, strlen(out)); /* SASLFinal */
		}
	}
	kfree(sc);
	return rc;
}

static int startup_params(struct session *s, struct pg_reader *r)
{
	const char *app = NULL;
	unsigned i;

	for (;;) {
		const char *k = pg_get_str(r), *v;

		if (r->bad)
			return fatal(s, "08P01", "invalid startup packet layout: "
						 "expected terminator as last byte");
		if (!k[0])
			break;
		v = pg_get_str(r);
		if (r->bad)
			return fatal(s, "08P01", "invalid startup packet layout: "
						 "expected terminator as last byte");
		if (!strcmp(k, "user"))
			snprintf(s->user, sizeof(s->user), "%s", v);
		else if (!strcmp(k, "database"))
			snprintf(s->database, sizeof(s->database), "%s", v);
		else if (!strcmp(k, "application_name"))
			app = v;
	}
	if (!s->user[0])
		return fatal(s, "28000", "no PostgreSQL user name specified in "
					 "startup packet");
	if (!s->database[0])
		snprintf(s->database, sizeof(s->database), "%s", s->user);
	settings_init(s->settings, &s->nsettings, app);
	for (i = 0; i < (unsigned)s->nsettings; i++)
		if (!strcmp(s->settings[i].name, "session_authorization"))
			snprintf(s->settings[i].value,
				 sizeof(s->settings[i].value), "%s", s->user);
	return 0;
}

static int startup(struct session *s, int32_t pid, int32_t secret)
{
	static const char *const reported[] = {
		"application_name", "client_encoding", "DateStyle",
		"default_transaction_read_only", "in_hot_standby",
		"integer_datetimes", "IntervalStyle", "is_superuser",
		"server_encoding", "server_version", "session_authorization",
		"standard_conforming_strings", "TimeZone"};
	uint8_t hdr[4], *body;
	struct pg_reader r;
	uint32_t len, code;
	unsigned i;
	int rc, tries;

	for (tries = 0;; tries++) {
		if (read_exact(s, hdr, 4) < 0)
			return -EIO;
		len = pg_be32(hdr);
		if (len < 8 || len > PG_STARTUP_MAX)
			return fatal(s, "08P01", "invalid length of startup packet");
		body = kmalloc(len - 4);
		if (!body)
			return -ENOMEM;
		if (read_exact(s, body, len - 4) < 0) {
			kfree(body);
			return -EIO;
		}
		code = pg_be32(body);
		if ((code == PG_SSL_REQUEST || code == PG_GSSENC_REQUEST) &&
		    len == 8 && tries < 2) {
			kfree(body);
			if (s->roff != s->rlen) /* data after the request */
				return fatal(s, "08P01", "received unencrypted "
							 "data after SSL request");
			sb_putc(&s->out, 'N');
			if (flush(s) < 0)
				return -EIO;
			continue;
		}
		break;
	}
	if (code == PG_CANCEL_REQUEST) { /* no answer, in any case */
		if (len == 16)
			pg_cancel((int32_t)pg_be32(body + 4),
				  (int32_t)pg_be32(body + 8));
		kfree(body);
		return 0;
	}
	if (code >> 16 != 3) {
		char msg[128];

		kfree(body);
		snprintf(msg, sizeof(msg),
			 "unsupported frontend protocol %u.%u: server supports "
			 "3.0 to 3.0",
			 code >> 16, code & 0xffff);
		return fatal(s, "0A000", msg);
	}
	pg_reader_init(&r, body + 4, len - 8);
	rc = startup_params(s, &r);
	kfree(body);
	if (rc < 0)
		return rc;
	if (s->refuse_code) /* after the packet, as PostgreSQL: no reset */
		return fatal(s, s->refuse_code, s->refuse_msg);
	if (authenticate(s) < 0)
		return -EINVAL;
	i = (unsigned)pg_begin(&s->out, 'R');
	pg_put_i32(&s->out, 0); /* AuthenticationOk */
	pg_end(&s->out, i);
	for (i = 0; i < sizeof(reported) / sizeof(reported[0]); i++)
		send_param_status(s, reported[i],
				  setting_get(s->settings, s->nsettings,
					      reported[i]));
	i = (unsigned)pg_begin(&s->out, 'K');
	pg_put_i32(&s->out, pid);
	pg_put_i32(&s->out, secret);
	pg_end(&s->out, i);
	send_ready(s);
	return flush(s);
}

/* ---- the message loop ---------------------------------------------------- */

/* One message; < 0 ends the session (protocol violation or I/O). */
static int dispatch(struct session *s, char type, struct pg_reader *r)
{
	struct db_error err = {0};
	int rc;

	if (s->skip_to_sync && type != 'S')
		return 0;
	switch (type) {
	case 'Q':
		rc = simple_query(s, r);
		return rc == -EINVAL
			       ? fatal(s, "08P01", "invalid string in message")
			       : rc;
	case 'P': rc = msg_parse(s, r, &err); break;
	case 'B': rc = msg_bind(s, r, &err); break;
	case 'D': rc = msg_describe(s, r, &err); break;
	case 'E': rc = msg_execute(s, r, &err); break;
	case 'C': rc = msg_close(s, r); break;
	case 'H': return pg_at_end(r) ? flush(s) : fatal(s, "08P01",
					"invalid message format");
	case 'S':
		if (!pg_at_end(r))
			return fatal(s, "08P01", "invalid message format");
		s->skip_to_sync = false;
		send_ready(s);
		return flush(s);
	case 'd': case 'c': case 'f':
		return 0; /* copy messages outside COPY are ignored */
	default: {
		char msg[64];

		snprintf(msg, sizeof(msg), "invalid frontend message type %d",
			 (unsigned char)type);
		return fatal(s, "08P01", msg);
	}
	}
	if (rc == -EINVAL && !err.code[0])
		return fatal(s, "08P01", "invalid message format");
	if (rc < 0 && err.code[0]) {
		send_error(s, &err, "ERROR", 'E');
		s->skip_to_sync = true;
		return 0;
	}
	if (rc < 0)
		return rc;
	return s->out.len > PG_FLUSH_AT ? flush(s) : 0;
}

static int serve(struct session *s)
{
	uint8_t hdr[5], *body;
	struct pg_reader r;
	uint32_t len;
	int rc;

	for (;;) {
		if (read_exact(s, hdr, 5) < 0)
			return 0; /* the client went away */
		len = pg_be32(hdr + 1);
		if (hdr[0] == 'X')
			return 0;
		if (len < 4 || len - 4 > PG_MSG_MAX)
			return fatal(s, "08P01", "invalid message length");
		body = kmalloc(len - 4 ? len - 4 : 1);
		if (!body)
			return fatal(s, "53200", "out of memory");
		if (read_exact(s, body, len - 4) < 0) {
			kfree(body);
			return 0;
		}
		pg_reader_init(&r, body, len - 4);
		rc = dispatch(s, (char)hdr[0], &r);
		kfree(body);
		if (rc < 0)
			return rc;
	}
}

static int run(struct db *db, struct pg_io *io, int32_t pid, int32_t secret,
	       const char *refuse_code, const char *refuse_msg)
{
	struct session *s = kzalloc(sizeof(*s));
	int rc;

	if (!s)
		return -ENOMEM;
	s->db = db;
	s->io = io;
	s->refuse_code = refuse_code;
	s->refuse_msg = refuse_msg;
	if (db)
		s->backend = pg_backend_add(pid, secret);
	if (db && !(s->txn = txn_open(db))) {
		s->refuse_code = "53300";
		s->refuse_msg = "sorry, too many clients already";
	}
	rc = startup(s, pid, secret);
	if (rc == 0 && s->user[0])
		rc = serve(s);
	pg_backend_remove(s->backend);
	while (s->stmts)
		free_stmt(s, s->stmts);
	while (s->portals)
		free_portal(s, s->portals);
	if (db)
		txn_close(db, s->txn);
	sb_free(&s->out);
	sb_free(&s->notices);
	kfree(s);
	return rc;
}

int pg_session_run(struct db *db, struct pg_io *io, int32_t pid,
		   int32_t secret)
{
	return run(db, io, pid, secret, NULL, NULL);
}

int pg_refuse(struct pg_io *io, const char *code, const char *msg)
{
	return run(NULL, io, 0, 0, code, msg);
}
