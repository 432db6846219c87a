/* SPDX-License-Identifier: MIT */
/* seq.c: CREATE/DROP SEQUENCE, serial columns, and the functions nextval,
 * currval, setval and lastval (sequences live in db/storage/sequence.c). */
#include <stdio.h>
#include <string.h>
#include <unidb/errno.h>
#include <unidb/heap.h>

#include "internal.h"

bool is_seq_func(const char *name)
{
	return !strcmp(name, "nextval") || !strcmp(name, "currval") ||
	       !strcmp(name, "setval") || !strcmp(name, "lastval");
}

static struct sql_type ty(unsigned id)
{
	return (struct sql_type){(uint8_t)id, -1};
}

int bind_seq_func(struct bind_ctx *b, struct expr *e)
{
	bool set = !strcmp(e->name, "setval");
	int want = !strcmp(e->name, "lastval") ? 0 : 1, i;

	if (e->star || e->distinct || e->nargs < want ||
	    e->nargs > (set ? 3 : want) || (set && e->nargs < 2))
		return db_err_pos(b->x->err, sql_char_pos(b->x->query, e->pos),
				  "42883",
				  "function %s with %d arguments does not exist",
				  e->name, e->nargs);
	for (i = 0; i < e->nargs; i++) {
		static const uint8_t types[] = {TYPE_TEXT, TYPE_INT8, TYPE_BOOL};

		if (bind_expr(b, &e->args[i]) < 0 ||
		    coerce(b, &e->args[i], ty(types[i]), CAST_IMPLICIT, NULL) < 0)
			return -EINVAL;
	}
	e->type = ty(TYPE_INT8);
	/* A literal name is looked up now, as PostgreSQL's regclass input
	 * does, so the error points at it. */
	if (e->nargs && e->args[0]->kind == EX_CONST && !e->args[0]->val.null) {
		const struct datum *d = &e->args[0]->val;
		char buf[80];

		snprintf(buf, sizeof(buf), "%.*s",
			 (int)(d->len < 70 ? d->len : 70), d->s);
		if (!seq_find(b->x->db, buf))
			return db_err_pos(b->x->err,
					  sql_char_pos(b->x->query,
						       e->args[0]->pos),
					  "42P01",
					  "relation \"%s\" does not exist", buf);
	}
	return 0;
}

static int find_seq(struct exec_ctx *x, const struct datum *name,
		    struct sequence **s)
{
	char buf[80];

	snprintf(buf, sizeof(buf), "%.*s", (int)(name->len < 70 ? name->len : 70),
		 name->s);
	*s = seq_find(x->db, buf);
	if (!*s)
		return db_err(x->err, "42P01", "relation \"%s\" does not exist",
			      buf);
	return 0;
}

/* The session's value of sequence oid, or NULL; with add, a new entry
 * (replacing the oldest when full). */
static int64_t *session_val(struct seq_session *ss, uint32_t oid, bool add)
{
	int i;

	for (i = 0; i < ss->n; i++)
		if (ss->oid[i] == oid)
			return &ss->val[i];
	if (!add)
		return NULL;
	if (ss->n < SEQ_SESSION_MAX) {
		i = ss->n++;
	} else {
		i = ss->next;
		ss->next = (ss->next + 1) % SEQ_SESSION_MAX;
	}
	ss->oid[i] = oid;
	return &ss->val[i];
}

/* currval and lastval from the session's own values. */
static int session_read(struct exec_ctx *x, struct sequence *s, int64_t *v)
{
	int64_t *p = session_val(x->seqs, s ? s->oid : x->seqs->last_oid, false);

	if (s && !p)
		return db_err(x->err, "55000",
			      "currval of sequence \"%s\" is not yet defined in "
			      "this session",
			      s->name);
	if (!p)
		return db_err(x->err, "55000",
			      "lastval is not yet defined in this session");
	*v = *p;
	return 0;
}

/* Remembers what nextval (and setval with is_called) gave. */
static int session_note(struct exec_ctx *x, struct sequence *s, int64_t v,
			bool next)
{
	if (x->seqs) {
		*session_val(x->seqs, s->oid, true) = v;
		if (next)
			x->seqs->last_oid = s->oid;
	}
	return 0;
}

int eval_seq_func(struct exec_ctx *x, const struct expr *e,
		  const struct eval_env *env, struct datum *out)
{
	struct datum a[3];
	struct sequence *s;
	int64_t v = 0;
	int i, r;

	for (i = 0; i < e->nargs; i++) {
		if (eval(x, e->args[i], env, &a[i]) < 0)
			return -EINVAL;
		if (a[i].null) { /* strict functions */
			*out = datum_null(TYPE_INT8);
			return 0;
		}
	}
	if (!strcmp(e->name, "lastval"))
		r = x->seqs ? session_read(x, NULL, &v)
			    : seq_lastval(x->db, &v, x->err);
	else if (find_seq(x, &a[0], &s) < 0)
		return -EINVAL;
	else if (!strcmp(e->name, "nextval"))
		r = seq_nextval(x->db, s, &v, x->err) < 0
			    ? -EINVAL
			    : session_note(x, s, v, true);
	else if (!strcmp(e->name, "currval"))
		r = x->seqs ? session_read(x, s, &v)
			    : seq_currval(s, &v, x->err);
	else
		r = seq_setval(x->db, s, v = a[1].i, e->nargs < 3 || a[2].i,
			       x->err) < 0
			    ? -EINVAL
		    : e->nargs < 3 || a[2].i ? session_note(x, s, v, false)
					     : 0;
	if (r < 0)
		return -EINVAL;
	*out = datum_int(TYPE_INT8, v);
	return 0;
}

int exec_create_seq(struct exec_ctx *x, struct stmt *st, struct result *res)
{
	const struct seq_def *d = &st->ddl->seq;
	struct seq_options o = {.type = d->type, .inc = d->inc,
				.start = d->start, .min = d->min, .max = d->max,
				.has_inc = d->has_inc, .has_start = d->has_start,
				.has_min = d->has_min, .has_max = d->has_max};

	snprintf(res->tag, sizeof(res->tag), "CREATE SEQUENCE");
	if (st->if_exists && db_name_taken(x->db, st->table)) {
		sb_printf(x->notices, "relation \"%s\" already exists, skipping",
			  st->table);
		sb_putc(x->notices, 0);
		return 0;
	}
	if (x->describe_only)
		return 0;
	return seq_create(x->db, st->table, &o, 0, x->err);
}

int exec_drop_seq(struct exec_ctx *x, struct stmt *st, struct result *res)
{
	int i;

	snprintf(res->tag, sizeof(res->tag), "DROP SEQUENCE");
	for (i = 0; i < st->nnames; i++)
		if (!seq_find(x->db, st->names[i]) && !st->if_exists)
			return db_err(x->err, "42P01",
				      "sequence \"%s\" does not exist",
				      st->names[i]);
	if (x->describe_only)
		return 0;
	for (i = 0; i < st->nnames; i++) {
		struct sequence *s = seq_find(x->db, st->names[i]);

		if (s) {
			seq_drop(x->db, s);
			continue;
		}
		sb_printf(x->notices, "sequence \"%s\" does not exist, skipping",
			  st->names[i]);
		sb_putc(x->notices, 0);
	}
	return 0;
}

int create_serials(struct exec_ctx *x, struct stmt *st, struct table *t)
{
	struct seq_options o = {0};
	char name[64], def[96];
	int i;

	for (i = 0; i < st->ncols; i++) {
		struct column *c = &t->cols[i];

		if (!st->cols[i].serial)
			continue;
		if (c->def_src)
			return db_err(x->err, "42601",
				      "multiple default values specified for "
				      "column \"%s\" of table \"%s\"",
				      c->name, t->name);
		index_choose_name(x->db, t, &i, 1, "seq", name, sizeof(name));
		o.type = c->type.id;
		if (seq_create(x->db, name, &o, t->oid, x->err) < 0)
			return -EINVAL;
		snprintf(def, sizeof(def), "nextval('%s')", name);
		c->def_src = kmalloc(strlen(def) + 1);
		if (!c->def_src)
			return db_err_oom(x->err);
		memcpy(c->def_src, def, strlen(def) + 1);
		c->def_len = (uint32_t)strlen(def);
	}
	return 0;
}
