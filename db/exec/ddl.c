/* SPDX-License-Identifier: MIT */
/* ddl.c: CREATE INDEX, DROP INDEX, ALTER TABLE and the UNIQUE / PRIMARY
 * KEY constraints of CREATE TABLE.
 *
 * Indexes and constraints are built by db/storage (index.c, table.c), which
 * leave the table unchanged when a build fails (23505 for duplicates). An
 * ALTER TABLE command is checked before it changes anything, so each one
 * either applies whole or not at all; ADD/DROP COLUMN rewrite every row
 * through table_rewrite(). The caller holds db->lock exclusively. */
#include <stdio.h>
#include <string.h>
#include <unidb/errno.h>
#include <unidb/heap.h>

#include "internal.h"

static void notice(struct exec_ctx *x, const char *msg, const char *a,
		   const char *b)
{
	sb_printf(x->notices, msg, a, b);
	sb_putc(x->notices, 0);
}

static int find_col(const struct table *t, const char *name)
{
	int i;

	for (i = 0; i < t->ncols; i++)
		if (!strcmp(t->cols[i].name, name))
			return i;
	return -1;
}

static int no_column(struct exec_ctx *x, const struct table *t,
		     const char *name)
{
	return db_err(x->err, "42703",
		      "column \"%s\" of relation \"%s\" does not exist", name,
		      t->name);
}

/* The table column numbers of d's columns (42703 for an unknown one). */
enum key_ctx { IN_INDEX, IN_CREATE, IN_ALTER }; /* who names the columns */

static int resolve_cols(struct exec_ctx *x, const struct table *t,
			const struct index_def *d, enum key_ctx how, int *cols)
{
	int k;

	if (d->ncols > INDEX_MAX_COLUMNS)
		return db_err(x->err, "54011",
			      "cannot use more than %d columns in an index",
			      INDEX_MAX_COLUMNS);
	for (k = 0; k < d->ncols; k++) {
		cols[k] = find_col(t, d->cols[k]);
		if (cols[k] < 0 && how == IN_INDEX)
			return db_err(x->err, "42703",
				      "column \"%s\" does not exist", d->cols[k]);
		if (cols[k] < 0 && how == IN_ALTER)
			return no_column(x, t, d->cols[k]);
		if (cols[k] < 0)
			return db_err_pos(x->err, sql_char_pos(x->query, d->pos),
					  "42703",
					  "column \"%s\" named in key does not "
					  "exist",
					  d->cols[k]);
	}
	return 0;
}

static int name_taken(struct exec_ctx *x, const char *name)
{
	return db_err(x->err, "42P07", "relation \"%s\" already exists", name);
}

/* Adds d (a constraint or an index) to t; name_out gets the name used. */
static int add_index(struct exec_ctx *x, struct table *t,
		     const struct index_def *d, enum key_ctx how)
{
	bool constraint = how != IN_INDEX;
	int cols[INDEX_MAX_COLUMNS];
	char name[64];

	if (resolve_cols(x, t, d, how, cols) < 0)
		return -EINVAL;
	if (d->primary && t->npk)
		return db_err(x->err, "42P16",
			      "multiple primary keys for table \"%s\" are not "
			      "allowed",
			      t->name);
	if (d->name)
		snprintf(name, sizeof(name), "%s", d->name);
	else if (d->primary)
		index_choose_name(x->db, t, cols, 0, "pkey", name, sizeof(name));
	else
		index_choose_name(x->db, t, cols, d->ncols,
				  constraint ? "key" : "idx", name, sizeof(name));
	if (db_name_taken(x->db, name))
		return name_taken(x, name);
	if (d->primary)
		return table_add_primary_key(t, cols, d->ncols, name,
					     x->db->next_oid++, x->err);
	return index_create(x->db, t, name, cols, d->desc, d->ncols, d->unique,
			    constraint, x->err);
}

int exec_create_index(struct exec_ctx *x, struct stmt *st, struct result *res)
{
	struct table *t = db_find_table(x->db, st->table);
	const struct index_def *d = &st->ddl->idx[0];
	int cols[INDEX_MAX_COLUMNS];

	snprintf(res->tag, sizeof(res->tag), "CREATE INDEX");
	if (!t)
		return db_err(x->err, "42P01", "relation \"%s\" does not exist",
			      st->table);
	if (resolve_cols(x, t, d, IN_INDEX, cols) < 0)
		return -EINVAL;
	if (d->name && db_name_taken(x->db, d->name)) {
		if (!d->if_not_exists)
			return name_taken(x, d->name);
		notice(x, "relation \"%s\" already exists, skipping", d->name,
		       NULL);
		return 0;
	}
	if (x->describe_only)
		return 0;
	return add_index(x, t, d, IN_INDEX);
}

/* "You can drop constraint c on table t instead." (the hint lives in
 * the statement's arena, which outlives the error's sending). */
static void constraint_hint(struct exec_ctx *x, const char *c, const char *t)
{
	size_t n = strlen(c) + strlen(t) + 64;
	char *h = arena_alloc(x->a, n);

	if (h) {
		snprintf(h, n, "You can drop constraint %s on table %s instead.",
			 c, t);
		x->err->hint = h;
	}
}

int exec_drop_index(struct exec_ctx *x, struct stmt *st, struct result *res)
{
	struct table *t;
	int i, pos;

	snprintf(res->tag, sizeof(res->tag), "DROP INDEX");
	for (i = 0; i < st->nnames; i++) {
		struct index *ix = index_find(x->db, st->names[i], &t, &pos);

		if (db_find_table(x->db, st->names[i]) ||
		    seq_find(x->db, st->names[i])) {
			db_err(x->err, "42809", "\"%s\" is not an index",
			       st->names[i]);
			x->err->hint = seq_find(x->db, st->names[i])
					       ? "Use DROP SEQUENCE to remove a "
						 "sequence."
					       : "Use DROP TABLE to remove a table.";
			return -EINVAL;
		}
		if ((ix && ix->constraint) ||
		    (!ix && db_name_taken(x->db, st->names[i]))) {
			for (pos = 0; pos < x->db->ntables; pos++)
				if (x->db->tables[pos]->npk &&
				    !strcmp(table_pk_name(x->db->tables[pos]),
					    st->names[i]))
					t = x->db->tables[pos];
			db_err(x->err, "2BP01",
			       "cannot drop index %s because constraint %s on "
			       "table %s requires it",
			       st->names[i], st->names[i], t->name);
			constraint_hint(x, st->names[i], t->name);
			return -EINVAL;
		}
		if (!ix && !st->if_exists)
			return db_err(x->err, "42704",
				      "index \"%s\" does not exist",
				      st->names[i]);
	}
	if (x->describe_only)
		return 0;
	for (i = 0; i < st->nnames; i++) {
		if (!index_find(x->db, st->names[i], &t, &pos)) {
			notice(x, "index \"%s\" does not exist, skipping",
			       st->names[i], NULL);
			continue;
		}
		index_drop(t, pos);
	}
	return 0;
}

/* CREATE TABLE's UNIQUE and named PRIMARY KEY constraints, after the
 * table (with its unnamed primary key) exists. */
int create_constraints(struct exec_ctx *x, struct stmt *st, struct table *t)
{
	int i;

	if (t->npk)
		index_choose_name(x->db, t, t->pk, 0, "pkey", t->pk_name,
				  sizeof(t->pk_name));

	for (i = 0; i < st->ncols; i++) {
		struct column_def *c = &st->cols[i];
		struct index_def d = {.name = c->constraint,
				      .unique = true,
				      .cols = &c->name,
				      .col_pos = &c->pos,
				      .ncols = 1};

		if (c->primary_key && c->constraint)
			snprintf(t->pk_name, sizeof(t->pk_name), "%s",
				 c->constraint);
		if (c->unique && add_index(x, t, &d, IN_CREATE) < 0)
			return -EINVAL;
	}
	for (i = 0; st->ddl && i < st->ddl->nidx; i++) {
		struct index_def *d = &st->ddl->idx[i];

		if (d->primary && t->npk)
			return db_err_pos(x->err, sql_char_pos(x->query, d->pos),
					  "42P16",
					  "multiple primary keys for table \"%s\" "
					  "are not allowed",
					  t->name);
		if (d->primary && d->name && db_name_taken(x->db, d->name))
			return name_taken(x, d->name);
		if (add_index(x, t, d, IN_CREATE) < 0)
			return -EINVAL;
		if (d->primary)
			t->pk_oid = t->oid + 1;
	}
	return 0;
}

/* ---- ALTER TABLE ---------------------------------------------------------- */

static bool rows_have_null(const struct table *t, int c)
{
	uint64_t id;

	for (id = 0; id < t->nslots; id++) {
		const struct row *r = table_row(t, id);

		if (r && !r->dead && r->vals[c].null)
			return true;
	}
	return false;
}

static int contains_nulls(struct exec_ctx *x, const struct table *t, int c)
{
	return db_err(x->err, "23502",
		      "column \"%s\" of relation \"%s\" contains null values",
		      t->cols[c].name, t->name);
}

static char *heap_strndup(const char *s, size_t n)
{
	char *p = kmalloc(n + 1);

	if (p) {
		memcpy(p, s, n);
		p[n] = 0;
	}
	return p;
}

/* Binds def as column c's default and evaluates it (the value ADD COLUMN
 * stores in existing rows). */
static int bind_default(struct exec_ctx *x, struct column_def *c,
			struct datum *out)
{
	struct bind_ctx b = {.x = x, .agg_forbidden = "DEFAULT expressions"};
	struct eval_env env = {0};

	*out = datum_null(c->type.id);
	if (!c->def)
		return 0;
	if (bind_expr(&b, &c->def) < 0 ||
	    coerce(&b, &c->def, c->type, CAST_ASSIGNMENT, c->name) < 0)
		return -EINVAL;
	if (eval(x, c->def, &env, out) < 0 || datums_own(x, out, 1) < 0)
		return -EINVAL;
	return 0;
}

static int drop_column(struct exec_ctx *x, struct table *t,
		       struct alter_cmd *cmd);

static int add_column(struct exec_ctx *x, struct table *t,
		      struct alter_cmd *cmd)
{
	struct column_def *c = cmd->col;
	struct column *cols;
	struct datum *fill;
	int *map, i, n = t->ncols + 1;

	if (c->serial)
		return db_err(x->err, "0A000",
			      "serial columns in ALTER TABLE ADD COLUMN are not "
			      "supported by unidb yet");
	if (find_col(t, c->name) >= 0) {
		if (!cmd->if_exists)
			return db_err(x->err, "42701",
				      "column \"%s\" of relation \"%s\" already "
				      "exists",
				      c->name, t->name);
		notice(x, "column \"%s\" of relation \"%s\" already exists, "
			  "skipping",
		       c->name, t->name);
		return 0;
	}
	if (n > TABLE_MAX_COLUMNS)
		return db_err(x->err, "54011",
			      "tables can have at most %d columns",
			      TABLE_MAX_COLUMNS);
	fill = arena_alloc(x->a, sizeof(*fill) * (size_t)n);
	map = arena_alloc(x->a, sizeof(*map) * (size_t)n);
	if (!fill || !map)
		return db_err_oom(x->err);
	if (bind_default(x, c, &fill[n - 1]) < 0)
		return -EINVAL;
	if ((c->not_null || c->primary_key) && fill[n - 1].null && t->nlive)
		return db_err(x->err, "23502",
			      "column \"%s\" of relation \"%s\" contains null "
			      "values",
			      c->name, t->name);
	if (c->primary_key && t->npk)
		return db_err(x->err, "42P16",
			      "multiple primary keys for table \"%s\" are not "
			      "allowed",
			      t->name);
	cols = kcalloc((size_t)n, sizeof(*cols));
	if (!cols)
		return db_err_oom(x->err);
	memcpy(cols, t->cols, sizeof(*cols) * (size_t)t->ncols);
	snprintf(cols[n - 1].name, sizeof(cols[n - 1].name), "%s", c->name);
	cols[n - 1].type = c->type;
	cols[n - 1].not_null = c->not_null || c->primary_key;
	if (c->def_src) {
		cols[n - 1].def_src = heap_strndup(c->def_src, c->def_len);
		cols[n - 1].def_len = (uint32_t)c->def_len;
		if (!cols[n - 1].def_src) {
			kfree(cols);
			return db_err_oom(x->err);
		}
	}
	for (i = 0; i < n; i++)
		map[i] = i < t->ncols ? i : -1;
	if (table_rewrite(t, cols, n, map, fill, x->err) < 0) {
		kfree(cols[n - 1].def_src);
		kfree(cols);
		return -EINVAL;
	}
	if (c->primary_key || c->unique) {
		struct index_def d = {.name = c->constraint,
				      .unique = true,
				      .primary = c->primary_key,
				      .cols = &c->name,
				      .col_pos = &c->pos,
				      .ncols = 1};

		if (add_index(x, t, &d, IN_ALTER) < 0) {
			struct db_error keep = *x->err;
			struct alter_cmd undo = {.name = c->name};

			drop_column(x, t, &undo); /* fewer columns: no index */
			*x->err = keep;
			return -EINVAL;
		}
	}
	return 0;
}

static bool index_uses(const int *cols, int n, int c)
{
	int k;

	for (k = 0; k < n; k++)
		if (cols[k] == c)
			return true;
	return false;
}

static void renumber(int *cols, int n, int dropped)
{
	int k;

	for (k = 0; k < n; k++)
		if (cols[k] > dropped)
			cols[k]--;
}

static int drop_column(struct exec_ctx *x, struct table *t,
		       struct alter_cmd *cmd)
{
	int c = find_col(t, cmd->name), n = t->ncols - 1, i;
	struct column *cols;
	int *map;

	if (c < 0) {
		if (!cmd->if_exists)
			return no_column(x, t, cmd->name);
		notice(x, "column \"%s\" of relation \"%s\" does not exist, "
			  "skipping",
		       cmd->name, t->name);
		return 0;
	}
	cols = kcalloc((size_t)n + 1, sizeof(*cols));
	map = arena_alloc(x->a, sizeof(*map) * (size_t)(n + 1));
	if (!cols || !map) {
		kfree(cols);
		return db_err_oom(x->err);
	}
	for (i = 0; i < n; i++) {
		map[i] = i < c ? i : i + 1;
		cols[i] = t->cols[map[i]];
	}
	if (table_rewrite(t, cols, n, map, NULL, x->err) < 0) {
		kfree(cols);
		return -EINVAL;
	}
	if (index_uses(t->pk, t->npk, c))
		table_drop_primary_key(t);
	renumber(t->pk, t->npk, c);
	for (i = t->nidx - 1; i >= 0; i--) {
		if (index_uses(t->idx[i]->cols, t->idx[i]->ncols, c))
			index_drop(t, i);
		else
			renumber(t->idx[i]->cols, t->idx[i]->ncols, c);
	}
	return 0;
}

static int drop_constraint(struct exec_ctx *x, struct table *t,
			   struct alter_cmd *cmd)
{
	int i;

	if (t->npk && !strcmp(table_pk_name(t), cmd->name)) {
		table_drop_primary_key(t);
		return 0;
	}
	for (i = 0; i < t->nidx; i++)
		if (t->idx[i]->constraint && !strcmp(t->idx[i]->name, cmd->name)) {
			index_drop(t, i);
			return 0;
		}
	if (!cmd->if_exists)
		return db_err(x->err, "42704",
			      "constraint \"%s\" of relation \"%s\" does not "
			      "exist",
			      cmd->name, t->name);
	notice(x, "constraint \"%s\" of relation \"%s\" does not exist, "
		  "skipping",
	       cmd->name, t->name);
	return 0;
}

static int alter_rename(struct exec_ctx *x, struct table *t, struct alter_cmd *cmd)
{
	int c;

	if (cmd->kind == AT_RENAME) {
		if (db_name_taken(x->db, cmd->new_name))
			return name_taken(x, cmd->new_name);
		snprintf(t->name, sizeof(t->name), "%s", cmd->new_name);
		return 0;
	}
	c = find_col(t, cmd->name);
	if (c < 0)
		return db_err(x->err, "42703", "column \"%s\" does not exist",
			      cmd->name);
	if (find_col(t, cmd->new_name) >= 0)
		return db_err(x->err, "42701",
			      "column \"%s\" of relation \"%s\" already exists",
			      cmd->new_name, t->name);
	snprintf(t->cols[c].name, sizeof(t->cols[c].name), "%s", cmd->new_name);
	return 0;
}

static int alter_column(struct exec_ctx *x, struct table *t,
			struct alter_cmd *cmd)
{
	int c = find_col(t, cmd->name);
	struct column *col;
	struct datum ignored;
	char *src = NULL;

	if (c < 0)
		return no_column(x, t, cmd->name);
	col = &t->cols[c];
	switch (cmd->kind) {
	case AT_SET_DEFAULT:
		cmd->col->name = col->name;
		cmd->col->type = col->type;
		if (bind_default(x, cmd->col, &ignored) < 0) {
			x->err->position = 0; /* PostgreSQL reports none */
			return -EINVAL;
		}
		src = heap_strndup(cmd->col->def_src, cmd->col->def_len);
		if (!src)
			return db_err_oom(x->err);
		kfree(col->def_src);
		col->def_src = src;
		col->def_len = (uint32_t)cmd->col->def_len;
		return 0;
	case AT_DROP_DEFAULT:
		kfree(col->def_src);
		col->def_src = NULL;
		col->def_len = 0;
		return 0;
	case AT_SET_NOT_NULL:
		if (rows_have_null(t, c))
			return contains_nulls(x, t, c);
		col->not_null = true;
		return 0;
	default: /* AT_DROP_NOT_NULL */
		if (index_uses(t->pk, t->npk, c))
			return db_err(x->err, "42P16",
				      "column \"%s\" is in a primary key",
				      col->name);
		col->not_null = false;
		return 0;
	}
}

static int alter_one(struct exec_ctx *x, struct table *t,
		     struct alter_cmd *cmd)
{
	switch (cmd->kind) {
	case AT_ADD_CONSTRAINT:
		return add_index(x, t, cmd->idx, IN_ALTER);
	case AT_ADD_COLUMN:
		return add_column(x, t, cmd);
	case AT_DROP_COLUMN:
		return drop_column(x, t, cmd);
	case AT_DROP_CONSTRAINT:
		return drop_constraint(x, t, cmd);
	case AT_RENAME:
	case AT_RENAME_COLUMN:
		return alter_rename(x, t, cmd);
	default:
		return alter_column(x, t, cmd);
	}
}

int exec_alter(struct exec_ctx *x, struct stmt *st, struct result *res)
{
	struct table *t = db_find_table(x->db, st->table);
	int i;

	snprintf(res->tag, sizeof(res->tag), "ALTER TABLE");
	if (!t) {
		if (!st->if_exists)
			return db_err(x->err, "42P01",
				      "relation \"%s\" does not exist", st->table);
		notice(x, "relation \"%s\" does not exist, skipping", st->table,
		       NULL);
		return 0;
	}
	if (x->describe_only)
		return 0;
	for (i = 0; i < st->ddl->ncmds; i++)
		if (alter_one(x, t, &st->ddl->cmds[i]) < 0)
			return -EINVAL;
	return 0;
}
