/* SPDX-License-Identifier: MIT */
/* internal.h: what the files of db/exec share (not for other stages). */
#ifndef DB_EXEC_INTERNAL_H
#define DB_EXEC_INTERNAL_H

#include "exec.h"
#include "expr.h"

/* Hash table from a tuple of w datums to a payload, in the arena. Keys
 * compare with NULL equal to NULL (grouping and DISTINCT semantics). */
struct hentry {
	struct hentry *next;
	uint64_t hash;
	const struct datum *key;
	void *val;
};

struct htab {
	struct hentry **b;
	uint64_t nb, n;
	int w;
	struct arena *a;
};

int htab_init(struct htab *h, struct arena *a, int w);
uint64_t tuple_hash(const struct datum *key, int w);
/* The entry for key; if absent and add, a new one (*added true) whose key
 * is the caller's pointer (keep it alive). NULL: absent or out of memory
 * (h->a->over tells). */
struct hentry *htab_get(struct htab *h, const struct datum *key, bool add,
			bool *added);

/* Scope of one table's columns, qualified by alias (or the table name). */
int scope_of_table(struct exec_ctx *x, const struct table *t,
		   const char *alias, struct scope *sc);
/* Appends a row (the pointer is kept) to a result. */
int result_add(struct exec_ctx *x, struct result *res, struct datum *row);
/* Copies the string bytes of vals into the arena (results outlive the
 * catalog lock). */
int datums_own(struct exec_ctx *x, struct datum *vals, int n);
/* Binds a RETURNING or select list over scope sc into res->cols; stars
 * expanded. *out gets the bound expressions. */
int bind_targets(struct bind_ctx *b, struct target *tg, int ntg,
		 struct result *res, struct expr ***out, int *nout);
/* Evaluates exprs over env into a new arena row. */
int project(struct exec_ctx *x, struct expr **exprs, int n,
	    const struct eval_env *env, struct datum **out);

int exec_select(struct exec_ctx *x, struct select *s, struct result *res);
/* A SELECT bound once and run many times (subqueries, subquery.c). */
struct sel;
int select_bind(struct exec_ctx *x, struct select *s, struct result *res,
		struct sel **out);
int select_run(struct exec_ctx *x, struct sel *q, struct result *res);
/* LIMIT/OFFSET value (-1: none); 2201W/2201X if negative. */
int bind_limit(struct exec_ctx *x, struct expr *e, const char *what,
	       int64_t *out);
/* ORDER BY (output columns order_cols[i] for s->order[i]), OFFSET and
 * LIMIT of s over rows of ncols datums, into res (set operations). */
int sort_limit_rows(struct exec_ctx *x, struct select *s, int ncols,
		    const int *order_cols, struct datum **rows, uint64_t n,
		    struct result *res);
/* UNION/INTERSECT/EXCEPT [ALL] (setop.c). */
int exec_setop(struct exec_ctx *x, struct select *s, struct result *res);
int exec_insert(struct exec_ctx *x, struct stmt *st, struct result *res);
int exec_update(struct exec_ctx *x, struct stmt *st, struct result *res);
int exec_delete(struct exec_ctx *x, struct stmt *st, struct result *res);
/* A full row for table t from the values given for cols (INSERT's
 * defaults and NOT NULL check); used by COPY FROM. */
int insert_build_row(struct exec_ctx *x, struct table *t, const int *cols,
		     int n, struct datum *given, struct datum **out);

/* Calls emit for the rowid of every row of t that may satisfy where (all
 * rows, or those a primary-key lookup or range scan finds): the access
 * path. The caller still applies where to each row. */
int table_scan(struct exec_ctx *x, struct table *t, const struct expr *where,
	       int (*emit)(void *ctx, uint64_t rowid), void *ctx);

/* VACUUM, ANALYZE: check the tables exist (vacuum.c). */
int exec_vacuum(struct exec_ctx *x, struct stmt *st, struct result *res);

/* 42P01 "relation \"x\" does not exist" at pos. */
int no_relation(struct exec_ctx *x, const char *name, int pos);

#endif
