/* SPDX-License-Identifier: MIT */
/* modify.c: INSERT, UPDATE and DELETE, each atomic per statement.
 *
 * Every new row is computed, cast to the column types (assignment
 * casts: 42804 when none exists, 22001/22003 when the value does not
 * fit) and checked for NOT NULL (23502). Rows change through db/txn
 * (new versions, row locks); if one fails (23505, out of memory, a lock
 * wait that ends in 40001/40P01), txn_exec undoes the statement's
 * changes, so a failed statement leaves the table as it was. */
#include <stdio.h>
#include <string.h>
#include <unidb/errno.h>

#include "internal.h"
#include "../txn/txn.h"

static int not_null_check(struct exec_ctx *x, const struct table *t,
			  const struct datum *vals)
{
	struct strbuf sb = STRBUF_INIT;
	int i, k;

	for (i = 0; i < t->ncols; i++) {
		if (!t->cols[i].not_null || !vals[i].null)
			continue;
		db_err(x->err, "23502",
		       "null value in column \"%s\" of relation \"%s\" violates "
		       "not-null constraint",
		       t->cols[i].name, t->name);
		for (k = 0; k < t->ncols; k++) {
			sb_puts(&sb, k ? ", " : "");
			if (vals[k].null)
				sb_puts(&sb, "null");
			else
				datum_out(&sb, &vals[k]);
		}
		if (!sb.oom)
			db_err_detail(x->err, "Failing row contains (%s).",
				      sb.p ? sb.p : "");
		sb_free(&sb);
		return -EINVAL;
	}
	return 0;
}

/* The DEFAULT of column c (NULL if none), cast to the column type. */
static int column_default(struct exec_ctx *x, const struct table *t, int c,
			  struct datum *out)
{
	const struct column *col = &t->cols[c];
	struct bind_ctx b = {.x = x, .agg_forbidden = "DEFAULT expressions"};
	struct eval_env env = {0};
	struct expr *e;
	const char *saved = x->query;
	int r;

	if (!col->def_src) {
		*out = datum_null(col->type.id);
		return 0;
	}
	x->query = col->def_src;
	r = sql_parse_expr(x->a, col->def_src, col->def_len, &e, x->err);
	if (r == 0)
		r = bind_expr(&b, &e);
	if (r == 0)
		r = coerce(&b, &e, col->type, CAST_ASSIGNMENT, col->name);
	x->query = saved;
	x->err->position = 0;
	if (r < 0)
		return r;
	return eval(x, e, &env, out);
}

static int returning(struct exec_ctx *x, struct stmt *st, struct table *t,
		     struct result *res, struct expr ***tl, int *ntl)
{
	struct scope sc;
	struct bind_ctx b = {.x = x, .sc = &sc,
			     .agg_forbidden = "RETURNING"};

	if (!st->nreturning)
		return 0;
	if (scope_of_table(x, t, t->name, &sc) < 0)
		return -EINVAL;
	res->has_rows = true;
	return bind_targets(&b, st->returning, st->nreturning, res, tl, ntl);
}

static int return_row(struct exec_ctx *x, struct expr **tl, int ntl,
		      const struct datum *row, struct result *res)
{
	struct eval_env env = {.row = row};
	struct datum *out;

	if (!ntl)
		return 0;
	if (project(x, tl, ntl, &env, &out) < 0 || datums_own(x, out, ntl) < 0)
		return -EINVAL;
	return result_add(x, res, out);
}

/* The target column of each INSERT value (column list or all). */
static int insert_columns(struct exec_ctx *x, struct stmt *st,
			  struct table *t, int **cols, int *ncols)
{
	int i, k;

	*ncols = st->nnames ? st->nnames : t->ncols;
	*cols = arena_alloc(x->a, sizeof(int) * (size_t)(*ncols + 1));
	if (!*cols)
		return db_err_oom(x->err);
	for (i = 0; i < *ncols; i++) {
		if (!st->nnames) {
			(*cols)[i] = i;
			continue;
		}
		for (k = 0; k < t->ncols; k++)
			if (!strcmp(t->cols[k].name, st->names[i]))
				break;
		if (k == t->ncols)
			return db_err_pos(x->err,
					  sql_char_pos(x->query, st->name_pos[i]),
					  "42703",
					  "column \"%s\" of relation \"%s\" does "
					  "not exist",
					  st->names[i], t->name);
		for (int j = 0; j < i; j++)
			if ((*cols)[j] == k)
				return db_err_pos(x->err,
						  sql_char_pos(x->query,
							       st->name_pos[i]),
						  "42701",
						  "column \"%s\" specified more "
						  "than once",
						  st->names[i]);
		(*cols)[i] = k;
	}
	return 0;
}

/* Fills a full row from the values given for cols (n of them, NULL
 * entries meaning DEFAULT), the rest from the defaults. */
static int build_row(struct exec_ctx *x, struct table *t, const int *cols,
		     int n, struct datum *given, struct datum **out)
{
	struct datum *row = arena_alloc(x->a, sizeof(*row) * (size_t)(t->ncols + 1));
	bool set[TABLE_MAX_COLUMNS + 1] = {0};
	int i;

	if (!row)
		return db_err_oom(x->err);
	for (i = 0; i < n; i++) {
		if (given[i].type == TYPE_COUNT)
			continue; /* DEFAULT */
		row[cols[i]] = given[i];
		set[cols[i]] = true;
	}
	for (i = 0; i < t->ncols; i++)
		if (!set[i] && column_default(x, t, i, &row[i]) < 0)
			return -EINVAL;
	if (not_null_check(x, t, row) < 0)
		return -EINVAL;
	*out = row;
	return 0;
}

static int values_rows(struct exec_ctx *x, struct stmt *st, struct table *t,
		       const int *cols, int ncols, struct datum ***rows,
		       uint64_t *nrows)
{
	struct bind_ctx b = {.x = x, .agg_forbidden = "VALUES"};
	struct eval_env env = {0};
	int r, i;

	*rows = arena_alloc(x->a, sizeof(**rows) * (size_t)(st->nrows + 1));
	if (!*rows)
		return db_err_oom(x->err);
	for (r = 0; r < st->nrows; r++) {
		struct datum *given = arena_alloc(x->a, sizeof(*given) *
							       (size_t)(ncols + 1));

		if (!given)
			return db_err_oom(x->err);
		if (st->row_len[r] > ncols)
			return db_err_pos(x->err,
					  sql_char_pos(x->query,
						       st->rows[r][ncols]->pos),
					  "42601",
					  "INSERT has more expressions than "
					  "target columns");
		if (st->row_len[r] < ncols && st->nnames)
			return db_err_pos(x->err,
					  sql_char_pos(x->query,
						       st->name_pos[st->row_len[r]]),
					  "42601",
					  "INSERT has more target columns than "
					  "expressions");
		for (i = 0; i < ncols; i++) {
			struct expr *e = i < st->row_len[r] ? st->rows[r][i] : NULL;
			const struct column *c = &t->cols[cols[i]];

			if (!e || (e->kind == EX_CONST && e->star)) {
				given[i].type = TYPE_COUNT; /* DEFAULT */
				continue;
			}
			if (bind_expr(&b, &st->rows[r][i]) < 0 ||
			    coerce(&b, &st->rows[r][i], c->type, CAST_ASSIGNMENT,
				   c->name) < 0)
				return -EINVAL;
			if (!x->describe_only &&
			    eval(x, st->rows[r][i], &env, &given[i]) < 0)
				return -EINVAL;
		}
		if (!x->describe_only &&
		    build_row(x, t, cols, ncols, given, &(*rows)[r]) < 0)
			return -EINVAL;
	}
	*nrows = (uint64_t)st->nrows;
	return 0;
}

static int select_rows(struct exec_ctx *x, struct stmt *st, struct table *t,
		       const int *cols, int ncols, struct datum ***rows,
		       uint64_t *nrows)
{
	struct result sub;
	struct arena *a = x->a;
	uint64_t r;
	int i;

	if (exec_select(x, st->select, &sub) < 0)
		return -EINVAL;
	if (sub.ncols > ncols)
		return db_err(x->err, "42601",
			      "INSERT has more expressions than target columns");
	for (i = 0; i < sub.ncols; i++)
		if (!cast_exists(sub.cols[i].type.id, t->cols[cols[i]].type.id,
				 CAST_ASSIGNMENT)) {
			char t1[64], t2[64];

			return db_err(x->err, "42804",
				      "column \"%s\" is of type %s but expression "
				      "is of type %s",
				      t->cols[cols[i]].name,
				      type_display(t->cols[cols[i]].type, t1,
						   sizeof(t1)),
				      type_display(sub.cols[i].type, t2,
						   sizeof(t2)));
		}
	if (x->describe_only)
		return 0;
	/* build_row copies given: one buffer for every row (an INSERT of
	 * a million rows must fit its statement_mem). */
	struct datum *given = arena_alloc(a, sizeof(*given) * (size_t)(ncols + 1));

	*rows = arena_alloc(a, sizeof(**rows) * (sub.nrows + 1));
	if (!*rows || !given)
		return db_err_oom(x->err);
	for (r = 0; r < sub.nrows; r++) {
		for (i = 0; i < ncols; i++) {
			if (i >= sub.ncols) {
				given[i].type = TYPE_COUNT;
				continue;
			}
			if (datum_cast(a, &sub.rows[r][i], t->cols[cols[i]].type,
				       CAST_ASSIGNMENT, &given[i], x->err) < 0)
				return -EINVAL;
		}
		if (build_row(x, t, cols, ncols, given, &(*rows)[r]) < 0)
			return -EINVAL;
	}
	*nrows = sub.nrows;
	return 0;
}

int exec_insert(struct exec_ctx *x, struct stmt *st, struct result *res)
{
	struct table *t = db_find_table(x->db, st->table);
	struct datum **rows = NULL;
	struct expr **tl = NULL;
	uint64_t nrows = 0, k, *ids;
	int *cols, ncols, ntl = 0;

	if (!t)
		return no_relation(x, st->table, st->table_pos);
	if (insert_columns(x, st, t, &cols, &ncols) < 0 ||
	    returning(x, st, t, res, &tl, &ntl) < 0)
		return -EINVAL;
	if ((st->select ? select_rows : values_rows)(x, st, t, cols, ncols, &rows,
						      &nrows) < 0)
		return -EINVAL;
	if (x->describe_only)
		return 0;
	ids = arena_alloc(x->a, sizeof(*ids) * (nrows + 1));
	if (!ids)
		return db_err_oom(x->err);
	for (k = 0; k < nrows; k++)
		if (txn_insert(x, t, rows[k], &ids[k]) < 0)
			return -EINVAL;
	for (k = 0; k < nrows; k++)
		if (return_row(x, tl, ntl, txn_row(x, t, ids[k])->vals, res) < 0)
			return -EINVAL;
	snprintf(res->tag, sizeof(res->tag), "INSERT 0 %llu",
		 (unsigned long long)nrows);
	return 0;
}

struct match {
	struct exec_ctx *x;
	struct table *t;
	const struct expr *where;
	uint64_t *ids, n, cap;
};

static int collect(void *ctx, uint64_t id, const struct datum *vals)
{
	struct match *m = ctx;
	struct eval_env env = {.row = vals};
	bool ok = true;

	if (m->where && eval_cond(m->x, m->where, &env, &ok) < 0)
		return -EINVAL;
	if (!ok)
		return 0;
	if (m->n == m->cap) {
		uint64_t cap = m->cap ? m->cap * 2 : 16;
		uint64_t *ids = arena_realloc(m->x->a, m->ids,
					      sizeof(*ids) * m->cap, sizeof(*ids) * cap);

		if (!ids)
			return db_err_oom(m->x->err);
		m->ids = ids;
		m->cap = cap;
	}
	m->ids[m->n++] = id;
	return 0;
}

/* Rows of t matching WHERE (all without one), as rowids in scan order. */
static int matching(struct exec_ctx *x, struct table *t, struct expr *where,
		    uint64_t **ids, uint64_t *n)
{
	struct match m = {.x = x, .t = t, .where = where};

	if (table_scan(x, t, where, NULL, collect, &m) < 0)
		return -EINVAL;
	*ids = m.ids;
	*n = m.n;
	return 0;
}

static int bind_where(struct exec_ctx *x, struct stmt *st, struct scope *sc)
{
	struct bind_ctx b = {.x = x, .sc = sc, .agg_forbidden = "WHERE"};

	return st->where ? bind_bool(&b, &st->where, "WHERE") : 0;
}

int exec_update(struct exec_ctx *x, struct stmt *st, struct result *res)
{
	struct table *t = db_find_table(x->db, st->table);
	struct scope sc;
	struct bind_ctx b = {.x = x, .sc = &sc, .agg_forbidden = "UPDATE"};
	struct expr **tl = NULL;
	uint64_t *ids, n, k, done = 0;
	int *col, i, ntl = 0;

	if (!t)
		return no_relation(x, st->table, st->table_pos);
	if (scope_of_table(x, t, t->name, &sc) < 0 || bind_where(x, st, &sc) < 0)
		return -EINVAL;
	col = arena_alloc(x->a, sizeof(int) * (size_t)(st->nsets + 1));
	if (!col)
		return db_err_oom(x->err);
	for (i = 0; i < st->nsets; i++) {
		for (col[i] = 0; col[i] < t->ncols; col[i]++)
			if (!strcmp(t->cols[col[i]].name, st->sets[i].column))
				break;
		if (col[i] == t->ncols)
			return db_err_pos(x->err,
					  sql_char_pos(x->query, st->sets[i].pos),
					  "42703",
					  "column \"%s\" of relation \"%s\" does "
					  "not exist",
					  st->sets[i].column, t->name);
		if (bind_expr(&b, &st->sets[i].e) < 0 ||
		    coerce(&b, &st->sets[i].e, t->cols[col[i]].type,
			   CAST_ASSIGNMENT, t->cols[col[i]].name) < 0)
			return -EINVAL;
	}
	if (returning(x, st, t, res, &tl, &ntl) < 0)
		return -EINVAL;
	if (x->describe_only)
		return 0;
	if (matching(x, t, st->where, &ids, &n) < 0)
		return -EINVAL;
	for (k = 0; k < n; k++) {
		struct datum *row;
		struct row *base;
		struct eval_env env;
		int r = txn_lock_row(x, &t, ids[k], st->where, &base);

		if (r < 0)
			return -EINVAL;
		if (r > 0)
			continue;
		/* From the newest version: under READ COMMITTED it may be
		 * newer than the one the scan saw. */
		env = (struct eval_env){.row = base->vals};
		row = arena_alloc(x->a, sizeof(*row) * (size_t)(t->ncols + 1));
		if (!row)
			return db_err_oom(x->err);
		memcpy(row, base->vals, sizeof(*row) * (size_t)t->ncols);
		for (i = 0; i < st->nsets; i++)
			if (eval(x, st->sets[i].e, &env, &row[col[i]]) < 0)
				return -EINVAL;
		if (not_null_check(x, t, row) < 0 || txn_update(x, t, ids[k], row) < 0)
			return -EINVAL;
		if (return_row(x, tl, ntl, txn_row(x, t, ids[k])->vals, res) < 0)
			return -EINVAL;
		done++;
		if ((done & 4095) == 0 && exec_check_interrupt(x) < 0)
			return -EINVAL;
	}
	snprintf(res->tag, sizeof(res->tag), "UPDATE %llu",
		 (unsigned long long)done);
	return 0;
}

int exec_delete(struct exec_ctx *x, struct stmt *st, struct result *res)
{
	struct table *t = db_find_table(x->db, st->table);
	struct expr **tl = NULL;
	struct scope sc;
	uint64_t *ids, n, k, done = 0;
	int ntl = 0;

	if (!t)
		return no_relation(x, st->table, st->table_pos);
	if (scope_of_table(x, t, t->name, &sc) < 0 || bind_where(x, st, &sc) < 0 ||
	    returning(x, st, t, res, &tl, &ntl) < 0)
		return -EINVAL;
	if (x->describe_only)
		return 0;
	if (matching(x, t, st->where, &ids, &n) < 0)
		return -EINVAL;
	for (k = 0; k < n; k++) {
		struct row *base;
		int r = txn_lock_row(x, &t, ids[k], st->where, &base);

		if (r < 0)
			return -EINVAL;
		if (r > 0)
			continue;
		if (return_row(x, tl, ntl, base->vals, res) < 0 ||
		    txn_delete(x, t, ids[k]) < 0)
			return -EINVAL;
		done++;
	}
	snprintf(res->tag, sizeof(res->tag), "DELETE %llu",
		 (unsigned long long)done);
	return 0;
}

/* COPY FROM's row (copy.c): the same defaults and NOT NULL check as
 * INSERT. */
int insert_build_row(struct exec_ctx *x, struct table *t, const int *cols,
		     int n, struct datum *given, struct datum **out)
{
	return build_row(x, t, cols, n, given, out);
}
