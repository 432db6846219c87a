/* SPDX-License-Identifier: MIT */
/* exec.c: statement dispatch, DDL (CREATE/DROP TABLE), SET/SHOW, and the
 * helpers the other executor files share (scopes, targets, results). */
#include <stdio.h>
#include <string.h>
#include <unidb/errno.h>
#include <unidb/heap.h>
#include <unidb/time.h>

#include "internal.h"
#include "../txn/txn.h"

int no_relation(struct exec_ctx *x, const char *name, int pos)
{
	return db_err_pos(x->err, sql_char_pos(x->query, pos), "42P01",
			  "relation \"%s\" does not exist", name);
}

int scope_of_table(struct exec_ctx *x, const struct table *t,
		   const char *alias, struct scope *sc)
{
	int i;

	sc->n = t->ncols;
	sc->cols = arena_alloc(x->a, sizeof(*sc->cols) * (size_t)(t->ncols + 1));
	if (!sc->cols)
		return db_err_oom(x->err);
	for (i = 0; i < t->ncols; i++) {
		sc->cols[i].table = alias;
		sc->cols[i].name = t->cols[i].name;
		sc->cols[i].type = t->cols[i].type;
		sc->cols[i].table_oid = t->oid;
		sc->cols[i].attnum = (int16_t)(i + 1);
	}
	return 0;
}

int result_add(struct exec_ctx *x, struct result *res, struct datum *row)
{
	if (res->nrows == res->cap) {
		uint64_t cap = res->cap ? res->cap * 2 : 64;
		struct datum **n = arena_realloc(
		    x->a, res->rows, sizeof(*n) * res->cap, sizeof(*n) * cap);

		if (!n)
			return db_err_oom(x->err);
		res->rows = n;
		res->cap = cap;
	}
	res->rows[res->nrows++] = row;
	return 0;
}

int datums_own(struct exec_ctx *x, struct datum *vals, int n)
{
	int i;

	for (i = 0; i < n; i++) {
		char *p;

		if (vals[i].null || !type_is_varlen(vals[i].type))
			continue;
		p = arena_strndup(x->a, vals[i].s, vals[i].len);
		if (!p)
			return db_err_oom(x->err);
		vals[i].s = p;
	}
	return 0;
}

static int add_col(struct exec_ctx *x, struct result *res, struct expr ***tl,
		   int *n, int *cap, struct expr *e, const char *name,
		   const struct scope_col *from)
{
	if (*n == *cap) {
		int nc = *cap ? *cap * 2 : 16;
		struct expr **ne = arena_alloc(x->a, sizeof(*ne) * (size_t)nc);
		struct result_col *rc = arena_alloc(x->a, sizeof(*rc) * (size_t)nc);

		if (!ne || !rc)
			return db_err_oom(x->err);
		if (*n) {
			memcpy(ne, *tl, sizeof(*ne) * (size_t)*n);
			memcpy(rc, res->cols, sizeof(*rc) * (size_t)*n);
		}
		*tl = ne;
		res->cols = rc;
		*cap = nc;
	}
	(*tl)[*n] = e;
	res->cols[*n].name = name;
	res->cols[*n].type = e->type;
	if (from) {
		res->cols[*n].table_oid = from->table_oid;
		res->cols[*n].attnum = from->attnum;
	}
	(*n)++;
	return 0;
}

static int expand_star(struct bind_ctx *b, struct expr *star,
		       struct result *res, struct expr ***tl, int *n, int *cap)
{
	struct scope *sc = b->sc;
	bool any = false;
	int i;

	if (!sc || sc->n == 0) {
		if (star->qual)
			return db_err_pos(b->x->err,
					  sql_char_pos(b->x->query, star->pos),
					  "42P01",
					  "missing FROM-clause entry for table "
					  "\"%s\"",
					  star->qual);
		if (!sc)
			return db_err_pos(b->x->err,
					  sql_char_pos(b->x->query, star->pos),
					  "42601",
					  "SELECT * with no tables specified is "
					  "not valid");
	}
	for (i = 0; sc && i < sc->n; i++) {
		struct expr *e;

		if (star->qual && (!sc->cols[i].table ||
				   strcmp(sc->cols[i].table, star->qual)))
			continue;
		any = true;
		e = arena_alloc(b->x->a, sizeof(*e));
		if (!e)
			return db_err_oom(b->x->err);
		e->kind = EX_COLUMN;
		e->pos = star->pos;
		e->name = sc->cols[i].name;
		e->slot = i;
		e->type = sc->cols[i].type;
		if (add_col(b->x, res, tl, n, cap, e, e->name, &sc->cols[i]) < 0)
			return -EINVAL;
	}
	if (star->qual && !any)
		return db_err_pos(b->x->err, sql_char_pos(b->x->query, star->pos),
				  "42P01",
				  "missing FROM-clause entry for table \"%s\"",
				  star->qual);
	return 0;
}

int bind_targets(struct bind_ctx *b, struct target *tg, int ntg,
		 struct result *res, struct expr ***out, int *nout)
{
	int i, cap = 0;

	*nout = 0;
	*out = NULL;
	for (i = 0; i < ntg; i++) {
		struct expr **ep = &tg[i].e;
		const struct scope_col *from = NULL;

		if ((*ep)->kind == EX_STAR) {
			if (expand_star(b, *ep, res, out, nout, &cap) < 0)
				return -EINVAL;
			continue;
		}
		if (bind_expr(b, ep) < 0)
			return -EINVAL;
		/* An unknown-typed output is text, as in PostgreSQL 10+. */
		if (((*ep)->type.id == TYPE_UNKNOWN ||
		     (*ep)->type.id == TYPE_NULL) &&
		    coerce(b, ep, (struct sql_type){TYPE_TEXT, -1},
			   CAST_IMPLICIT, NULL) < 0)
			return -EINVAL;
		if ((*ep)->kind == EX_COLUMN)
			from = &b->sc->cols[(*ep)->slot];
		if (add_col(b->x, res, out, nout, &cap, *ep,
			    tg[i].alias ? tg[i].alias : expr_colname(*ep),
			    from) < 0)
			return -EINVAL;
	}
	res->ncols = *nout;
	return 0;
}

int project(struct exec_ctx *x, struct expr **exprs, int n,
	    const struct eval_env *env, struct datum **out)
{
	struct datum *row = arena_alloc(x->a, sizeof(*row) * (size_t)(n + 1));
	int i;

	if (!row)
		return db_err_oom(x->err);
	for (i = 0; i < n; i++)
		if (eval(x, exprs[i], env, &row[i]) < 0)
			return -EINVAL;
	*out = row;
	return 0;
}

/* ---- CREATE TABLE / DROP TABLE ----------------------------------------- */

static int check_create(struct exec_ctx *x, struct stmt *st)
{
	int i, k, npk = 0, second = -1;

	for (i = 0; i < st->ncols; i++) {
		for (k = 0; k < i; k++)
			if (!strcmp(st->cols[i].name, st->cols[k].name))
				return db_err(x->err, "42701",
						  "column \"%s\" specified more "
						  "than once",
						  st->cols[i].name);
		if (st->cols[i].primary_key && npk++ == 1)
			second = st->cols[i].pk_pos;
	}
	if (st->npk && npk++ == 1)
		second = st->pk_clause_pos;
	if (npk > 1)
		return db_err_pos(x->err, sql_char_pos(x->query, second), "42P16",
			      "multiple primary keys for table \"%s\" are not "
			      "allowed",
			      st->table);
	if (st->ncols > TABLE_MAX_COLUMNS || st->npk > TABLE_MAX_PK)
		return db_err(x->err, "54011", "too many columns");
	for (i = 0; i < st->ncols; i++) {
		struct bind_ctx b = {.x = x, .agg_forbidden = "DEFAULT expressions",
				     .no_fold = true}; /* runs at INSERT */

		if (st->cols[i].def &&
		    (bind_expr(&b, &st->cols[i].def) < 0 ||
		     coerce(&b, &st->cols[i].def, st->cols[i].type,
			    CAST_ASSIGNMENT, st->cols[i].name) < 0))
			return -EINVAL;
	}
	return 0;
}

static int create_pk(struct exec_ctx *x, struct stmt *st, struct table *t)
{
	int i, k;

	for (i = 0; i < st->ncols; i++)
		if (st->cols[i].primary_key)
			t->pk[t->npk++] = i;
	for (i = 0; i < st->npk; i++) {
		for (k = 0; k < t->ncols; k++)
			if (!strcmp(t->cols[k].name, st->pk[i]))
				break;
		if (k == t->ncols)
			return db_err_pos(x->err,
					  sql_char_pos(x->query, st->pk_clause_pos),
					  "42703",
					  "column \"%s\" named in key does not "
					  "exist",
					  st->pk[i]);
		t->cols[k].not_null = true;
		t->pk[t->npk++] = k;
	}
	return 0;
}

static int exec_create(struct exec_ctx *x, struct stmt *st, struct result *res)
{
	struct table *t;
	int i;

	snprintf(res->tag, sizeof(res->tag), "CREATE TABLE");
	if (db_find_table(x->db, st->table)) {
		if (!st->if_exists)
			return db_err(x->err, "42P07",
				      "relation \"%s\" already exists",
				      st->table);
		sb_printf(x->notices, "relation \"%s\" already exists, skipping",
			  st->table);
		sb_putc(x->notices, 0);
		return 0;
	}
	if (check_create(x, st) < 0)
		return -EINVAL;
	if (x->describe_only)
		return 0;
	t = table_new(st->table, st->ncols);
	if (!t)
		return db_err_oom(x->err);
	for (i = 0; i < st->ncols; i++) {
		struct column *c = &t->cols[i];

		snprintf(c->name, sizeof(c->name), "%s", st->cols[i].name);
		c->type = st->cols[i].type;
		c->not_null = st->cols[i].not_null;
		if (st->cols[i].def_src) {
			c->def_src = kmalloc(st->cols[i].def_len + 1);
			if (!c->def_src) {
				table_free(t);
				return db_err_oom(x->err);
			}
			memcpy(c->def_src, st->cols[i].def_src, st->cols[i].def_len);
			c->def_src[st->cols[i].def_len] = 0;
			c->def_len = (uint32_t)st->cols[i].def_len;
		}
	}
	if (create_pk(x, st, t) < 0 || db_add_table(x->db, t, x->err) < 0) {
		table_free(t);
		return -EINVAL;
	}
	t->pk_oid = t->oid + 1;
	if (create_serials(x, st, t) < 0 || create_constraints(x, st, t) < 0) {
		seq_drop_owned(x->db, t->oid);
		db_drop_table(x->db, t);
		return -EINVAL;
	}
	return 0;
}

static int exec_drop(struct exec_ctx *x, struct stmt *st, struct result *res)
{
	int i;

	snprintf(res->tag, sizeof(res->tag), "DROP TABLE");
	for (i = 0; i < st->nnames; i++) {
		if (db_find_table(x->db, st->names[i]) || st->if_exists)
			continue;
		return db_err(x->err, "42P01", "table \"%s\" does not exist",
			      st->names[i]);
	}
	if (x->describe_only)
		return 0;
	for (i = 0; i < st->nnames; i++) {
		struct table *t = db_find_table(x->db, st->names[i]);

		if (t && txn_ddl(x, t) < 0)
			return -EINVAL;
		if (t) {
			seq_drop_owned(x->db, t->oid);
			db_drop_table(x->db, t);
			continue;
		}
		sb_printf(x->notices, "table \"%s\" does not exist, skipping",
			  st->names[i]);
		sb_putc(x->notices, 0);
	}
	return 0;
}

static int exec_truncate(struct exec_ctx *x, struct stmt *st,
			 struct result *res)
{
	int i;

	snprintf(res->tag, sizeof(res->tag), "TRUNCATE TABLE");
	for (i = 0; i < st->nnames; i++)
		if (!db_find_table(x->db, st->names[i])) /* no position here */
			return db_err(x->err, "42P01",
				      "relation \"%s\" does not exist",
				      st->names[i]);
	if (x->describe_only)
		return 0;
	for (i = 0; i < st->nnames; i++)
		if (txn_ddl(x, db_find_table(x->db, st->names[i])) < 0)
			return -EINVAL;
	for (i = 0; i < st->nnames; i++)
		table_truncate(db_find_table(x->db, st->names[i]));
	return 0;
}

/* ---- SET / SHOW ---------------------------------------------------------- */

static const struct setting defaults[] = {
	{"application_name", ""},
	{"client_encoding", "UTF8"},
	{"DateStyle", "ISO, MDY"},
	{"default_transaction_isolation", "read committed"},
	{"default_transaction_read_only", "off"},
	{"extra_float_digits", "1"},
	{"in_hot_standby", "off"},
	{"integer_datetimes", "on"},
	{"IntervalStyle", "postgres"},
	{"lock_timeout", "0"},
	{"idle_session_timeout", "0"},
	{"is_superuser", "on"},
	{"lock_timeout", "0"},
	{"max_connections", "100"},
	{"parallel_threshold", "10000"}, /* rows; 0: no parallel scans */
	{"search_path", "\"$user\", public"},
	{"server_encoding", "UTF8"},
	{"server_version", "15.0"},
	{"session_authorization", "postgres"},
	{"snapshot_refresh_interval", "5"}, /* ms; db/txn/htap.h */
	{"standard_conforming_strings", "on"},
	{"statement_mem", "512MB"}, /* a statement's arena budget (mem.c) */
	{"statement_timeout", "0"},
	{"synchronous_commit", "on"}, /* db/txn/log.c */
	{"TimeZone", "UTC"},
	{"transaction_isolation", "read committed"},
	{"transaction_read_only", "off"},
};

void settings_init(struct setting *s, int *n, const char *app_name)
{
	unsigned i;

	*n = 0;
	for (i = 0; i < sizeof(defaults) / sizeof(defaults[0]); i++) {
		s[*n] = defaults[i];
		if (!strcmp(s[*n].name, "application_name") && app_name)
			snprintf(s[*n].value, sizeof(s[*n].value), "%s", app_name);
		(*n)++;
	}
}

static struct setting *setting_find(struct setting *s, int n, const char *name)
{
	int i;

	for (i = 0; i < n; i++)
		if (db_ieq(s[i].name, strlen(s[i].name), name))
			return &s[i];
	return NULL;
}

const char *setting_get(struct setting *s, int n, const char *name)
{
	struct setting *f = setting_find(s, n, name);

	return f ? f->value : NULL;
}

static int exec_set(struct exec_ctx *x, struct stmt *st, struct result *res)
{
	struct setting *s = setting_find(x->settings, *x->nsettings, st->setting);
	char v[sizeof(s->value)];
	unsigned i;

	if (!s)
		return db_err(x->err, "42704",
			      "unrecognized configuration parameter \"%s\"",
			      st->setting);
	snprintf(res->tag, sizeof(res->tag), st->kind == ST_SET ? "SET" : "SHOW");
	if (st->kind == ST_SHOW) {
		struct datum *row;

		res->has_rows = true;
		res->ncols = 1;
		res->cols = arena_alloc(x->a, sizeof(*res->cols));
		row = arena_alloc(x->a, sizeof(*row));
		if (!res->cols || !row)
			return db_err_oom(x->err);
		res->cols[0].name = s->name;
		res->cols[0].type = (struct sql_type){TYPE_TEXT, -1};
		*row = datum_str(TYPE_TEXT, s->value, (uint32_t)strlen(s->value));
		return x->describe_only ? 0 : result_add(x, res, row);
	}
	if (x->describe_only)
		return 0;
	for (i = 0; i < sizeof(defaults) / sizeof(defaults[0]); i++)
		if (!strcmp(defaults[i].name, s->name) && !st->value)
			*s = defaults[i];
	if (st->value)
		snprintf(v, sizeof(v), "%s", st->value);
	if (st->value && setting_is_duration(s->name) &&
	    setting_duration_norm(v, sizeof(v)) < 0) {
		db_err(x->err, "22023",
		       "invalid value for parameter \"%s\": \"%s\"", s->name,
		       st->value);
		if (st->value[0] >= '0' && st->value[0] <= '9')
			x->err->hint = "Valid units for this parameter are \"us\", "
				       "\"ms\", \"s\", \"min\", \"h\", and \"d\".";
		return -EINVAL;
	}
	if (st->value && setting_is_memory(s->name) &&
	    setting_mem_norm(v, sizeof(v)) < 0) {
		db_err(x->err, "22023",
		       "invalid value for parameter \"%s\": \"%s\"", s->name,
		       st->value);
		x->err->hint = "Valid units for this parameter are \"kB\", "
			       "\"MB\", \"GB\", and \"TB\"; the range is "
			       "1MB to 64GB.";
		return -EINVAL;
	}
	if (st->value)
		memcpy(s->value, v, sizeof(v));
	return 0;
}

bool stmt_writes(const struct stmt *st)
{
	if (st->kind == ST_EXPLAIN)
		return (st->explain & EXPLAIN_ANALYZE) && stmt_writes(st->inner);
	return st->kind != ST_SELECT && st->kind != ST_SHOW &&
	       st->kind != ST_SET && st->kind != ST_EMPTY;
}

int exec_check_interrupt(struct exec_ctx *x)
{
	if (x->client_gone && time_ns() >= x->next_probe_ns) {
		x->next_probe_ns = time_ns() + EXEC_PROBE_NS;
		if (x->client_gone(x->client_ctx))
			return db_err(x->err, "08006",
				      "connection to client lost");
	}
	if (x->cancel && *x->cancel)
		return db_err(x->err, "57014",
			      "canceling statement due to user request");
	if (x->deadline_ns && time_ns() >= x->deadline_ns)
		return db_err(x->err, "57014",
			      "canceling statement due to statement timeout");
	return 0;
}

void exec_live_lock(struct exec_ctx *x)
{
	if (x->unlocked && x->live_depth++ == 0)
		rwlock_read_lock(&x->db->lock);
}

void exec_live_unlock(struct exec_ctx *x)
{
	if (x->unlocked && --x->live_depth == 0)
		rwlock_read_unlock(&x->db->lock);
}

/* SELECT pg_sleep(x) alone, without FROM or subqueries: nothing it
 * holds points into the catalog while it sleeps. */
static bool lone_sleep(const struct select *s)
{
	const struct expr *e = s->ntargets == 1 ? s->targets[0].e : NULL;

	return !s->setop && !s->nfrom && !s->where && e && e->kind == EX_FUNC &&
	       e->name && !strcmp(e->name, "pg_sleep") && e->nargs == 1 &&
	       (e->args[0]->kind == EX_CONST || e->args[0]->kind == EX_PARAM ||
		(e->args[0]->kind == EX_CAST &&
		 e->args[0]->l->kind == EX_CONST));
}

int exec_stmt(struct exec_ctx *x, struct stmt *st, struct result *res)
{
	memset(res, 0, sizeof(*res));
	x->err->code[0] = 0;
	if (!x->txn || st->kind == ST_TXN)
		return txn_exec(x, st, res);
	x->sleep_unlocks = st->kind == ST_SELECT && !x->unlocked &&
			   lone_sleep(st->select);
	switch (st->kind) {
	case ST_SELECT:
		return exec_select(x, st->select, res);
	case ST_INSERT:
		return exec_insert(x, st, res);
	case ST_UPDATE:
		return exec_update(x, st, res);
	case ST_DELETE:
		return exec_delete(x, st, res);
	case ST_CREATE_TABLE:
		return exec_create(x, st, res);
	case ST_DROP_TABLE:
		return exec_drop(x, st, res);
	case ST_SET:
	case ST_SHOW:
		return exec_set(x, st, res);
	case ST_TRUNCATE:
		return exec_truncate(x, st, res);
	case ST_CREATE_INDEX:
		return exec_create_index(x, st, res);
	case ST_DROP_INDEX:
		return exec_drop_index(x, st, res);
	case ST_ALTER_TABLE:
		return exec_alter(x, st, res);
	case ST_CREATE_SEQUENCE:
		return exec_create_seq(x, st, res);
	case ST_DROP_SEQUENCE:
		return exec_drop_seq(x, st, res);
	case ST_VACUUM:
	case ST_ANALYZE:
		return exec_vacuum(x, st, res);
	case ST_EXPLAIN:
		return exec_explain(x, st, res);
	default:
		return db_err(x->err, "0A000", "statement not supported");
	}
}
