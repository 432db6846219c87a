/* SPDX-License-Identifier: MIT */
/* catalog.h: pg_catalog relations and functions (catalog.c,
 * catalog_fn.c), built from unidb's own catalog at query time. */
#ifndef DB_EXEC_CATALOG_H
#define DB_EXEC_CATALOG_H

#include "internal.h"

#define CATALOG_MAX_INDEXES 64

/* One index of a table as the catalog shows it. */
struct cat_index {
	char name[80];
	uint32_t oid;
	bool primary, unique;
	bool constraint; /* a UNIQUE constraint's index */
	int ncols;
	const int *cols; /* column numbers (0-based) */
};

/* The indexes of t (primary key first), at most max; their count. */
int catalog_indexes(const struct table *t, struct cat_index *out, int max);

/* The rows of pg_catalog relation name into *out: 1; 0 if name is not
 * one; -EINVAL with x->err set on failure. */
int catalog_relation(struct exec_ctx *x, const char *name,
		     struct result *out);

/* Binds a call of a catalog function (format_type, ~, ::regclass, ...):
 * 0 bound, 1 not a catalog function, -EINVAL error. Arguments are bound. */
int catalog_func_bind(struct bind_ctx *b, struct expr *e);
int catalog_func_eval(struct exec_ctx *x, const struct expr *e,
		      const struct eval_env *env, struct datum *out);

/* Functions in FROM (srf.c): bind f->func and give its one-column
 * scope; produce its rows when the scan runs. */
int srf_bind(struct exec_ctx *x, struct from_item *f, struct scope *one);
int srf_scan(struct exec_ctx *x, const struct from_item *f,
	     int (*add)(void *ctx, const struct datum *row), void *ctx);

/* Lookups shared by the functions. */
struct table *catalog_table_by_oid(struct db *db, int64_t oid);
struct table *catalog_index_by_oid(struct db *db, int64_t oid,
				   struct cat_index *ix);

#endif
