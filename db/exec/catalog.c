/* SPDX-License-Identifier: MIT */
/* catalog.c: the pg_catalog relations and functions psql and drivers use.
 *
 * The relations are virtual: a query naming pg_class (or
 * pg_catalog.pg_class; pg_catalog is searched before public, as in
 * PostgreSQL) gets rows built at that moment from unidb's catalog
 * (struct db), under the lock the statement already holds. Only the
 * columns the captured queries of psql 15 read exist
 * (tests/sql/psql-catalog-queries.log); relations that describe features
 * unidb lacks (policies, publications, inheritance, extended statistics)
 * are empty. Oids are bigint here (PostgreSQL: oid), names and "char"
 * are text; arrays are their text form ('{a,b}').
 *
 * Fixed oids are PostgreSQL's: namespaces pg_catalog 11 and public 2200,
 * the bootstrap role 10 (its name is postgres) and pg_database_owner 6171,
 * access methods heap 2 and btree 403, the default collation 100, database
 * 5, type oids from value.c. A table's oid comes from the catalog and its
 * primary-key index has the next one (table.c reserves it).
 *
 * The functions (format_type, pg_get_indexdef, pg_table_is_visible, the
 * regex operators ~ ~* !~ !~*, casts to regclass/regtype/oid/name, ...)
 * are bound by catalog_func_bind when expr.c does not know a name. */
#include <stdio.h>
#include <string.h>
#include <unidb/errno.h>

#include "catalog.h"
#include "../sql/regex.h"

#define NS_CATALOG 11
#define NS_PUBLIC 2200
#define ROLE_BOOTSTRAP 10
#define ROLE_DB_OWNER 6171
#define AM_HEAP 2
#define AM_BTREE 403
#define COLL_DEFAULT 100
#define DB_OID 5
#define CONSTRAINT_OID_BASE 0x40000000u

/* ---- indexes of a table --------------------------------------------------- */

/* The indexes of t, primary key first. Only the primary key so far;
 * secondary indexes (CREATE INDEX) are added here when table.h lists them. */
int catalog_indexes(const struct table *t, struct cat_index *out, int max)
{
	struct index_info info;
	int n = 0;

	/* table_index_info: the primary key first, then CREATE INDEX's and
	 * UNIQUE constraints' (db/storage/index.h). */
	while (n < max && table_index_info(t, n, &info)) {
		snprintf(out[n].name, sizeof(out[n].name), "%s", info.name);
		/* a key declared with CREATE TABLE has no oid of its own */
		out[n].oid = info.oid ? info.oid : t->oid + 1;
		out[n].primary = info.primary;
		out[n].unique = info.unique;
		out[n].constraint = info.constraint;
		out[n].ncols = info.ncols;
		out[n].cols = info.cols;
		n++;
	}
	return n;
}

struct table *catalog_table_by_oid(struct db *db, int64_t oid)
{
	int i;

	for (i = 0; i < db->ntables; i++)
		if (db->tables[i] && db->tables[i]->oid == oid)
			return db->tables[i];
	return NULL;
}

/* The table owning index oid, and the index. */
struct table *catalog_index_by_oid(struct db *db, int64_t oid,
				   struct cat_index *ix)
{
	struct cat_index list[CATALOG_MAX_INDEXES];
	int i, k, n;

	for (i = 0; i < db->ntables; i++) {
		if (!db->tables[i])
			continue;
		n = catalog_indexes(db->tables[i], list, CATALOG_MAX_INDEXES);
		for (k = 0; k < n; k++)
			if (list[k].oid == oid) {
				*ix = list[k];
				return db->tables[i];
			}
	}
	return NULL;
}

/* ---- building rows ------------------------------------------------------ */

struct cat_col {
	const char *name;
	uint8_t type;
};

struct builder {
	struct exec_ctx *x;
	struct result *res;
	struct datum *row;
	int col;
};

static int start(struct builder *b, const struct cat_col *cols, int n)
{
	struct result *res = b->res;
	int i;

	memset(res, 0, sizeof(*res));
	res->has_rows = true;
	res->ncols = n;
	res->cols = arena_alloc(b->x->a, sizeof(*res->cols) * (size_t)n);
	if (!res->cols)
		return db_err_oom(b->x->err);
	for (i = 0; i < n; i++) {
		res->cols[i].name = cols[i].name;
		res->cols[i].type = (struct sql_type){cols[i].type, -1};
	}
	return 0;
}

static int row(struct builder *b)
{
	b->row = arena_alloc(b->x->a, sizeof(*b->row) * (size_t)b->res->ncols);
	b->col = 0;
	if (!b->row)
		return db_err_oom(b->x->err);
	for (int i = 0; i < b->res->ncols; i++)
		b->row[i] = datum_null(b->res->cols[i].type.id);
	return result_add(b->x, b->res, b->row);
}

static void put_int(struct builder *b, int64_t v)
{
	b->row[b->col] = datum_int(b->res->cols[b->col].type.id, v);
	b->col++;
}

static void put_bool(struct builder *b, bool v)
{
	b->row[b->col++] = datum_bool(v);
}

static void put_str(struct builder *b, const char *s)
{
	if (s)
		b->row[b->col] = datum_str(TYPE_TEXT, s, (uint32_t)strlen(s));
	b->col++;
}

static void put_null(struct builder *b)
{
	b->col++;
}

static const char *dup_str(struct exec_ctx *x, const char *s)
{
	return arena_strndup(x->a, s, strlen(s));
}

#define COLS(a) a, (int)(sizeof(a) / sizeof(a[0]))

/* ---- the relations ------------------------------------------------------ */

static const struct cat_col pg_class_cols[] = {
	{"oid", TYPE_INT8},	     {"relname", TYPE_TEXT},
	{"relnamespace", TYPE_INT8}, {"relkind", TYPE_TEXT},
	{"relowner", TYPE_INT8},     {"relam", TYPE_INT8},
	{"relchecks", TYPE_INT2},    {"relhasindex", TYPE_BOOL},
	{"relhasrules", TYPE_BOOL},  {"relhastriggers", TYPE_BOOL},
	{"relrowsecurity", TYPE_BOOL}, {"relforcerowsecurity", TYPE_BOOL},
	{"relispartition", TYPE_BOOL}, {"reltablespace", TYPE_INT8},
	{"reloftype", TYPE_INT8},    {"relpersistence", TYPE_TEXT},
	{"relreplident", TYPE_TEXT}, {"reltoastrelid", TYPE_INT8},
	{"reloptions", TYPE_TEXT},   {"relpartbound", TYPE_TEXT},
	{"relnatts", TYPE_INT2},     {"reltuples", TYPE_INT8},
	{"relpages", TYPE_INT4},     {"relisshared", TYPE_BOOL},
	{"relacl", TYPE_TEXT},	     {"reltype", TYPE_INT8},
};

static int class_row(struct builder *b, int64_t oid, const char *name,
		     const char *kind, int64_t am, bool hasindex, int natts,
		     int64_t tuples)
{
	if (row(b) < 0)
		return -EINVAL;
	put_int(b, oid);
	put_str(b, name);
	put_int(b, NS_PUBLIC);
	put_str(b, kind);
	put_int(b, ROLE_BOOTSTRAP);
	put_int(b, am);
	put_int(b, 0);
	put_bool(b, hasindex);
	put_bool(b, false);
	put_bool(b, false);
	put_bool(b, false);
	put_bool(b, false);
	put_bool(b, false);
	put_int(b, 0);
	put_int(b, 0);
	put_str(b, "p");
	put_str(b, kind[0] == 'r' ? "d" : "n");
	put_int(b, 0);
	put_null(b);
	put_null(b);
	put_int(b, natts);
	put_int(b, tuples);
	put_int(b, 0);
	put_bool(b, false);
	put_null(b);
	put_int(b, 0);
	return 0;
}

static int build_pg_class(struct builder *b)
{
	struct cat_index ix[CATALOG_MAX_INDEXES];
	int i, k, n;

	if (start(b, COLS(pg_class_cols)) < 0)
		return -EINVAL;
	for (i = 0; i < b->x->db->ntables; i++) {
		struct table *t = b->x->db->tables[i];

		if (!t)
			continue;
		n = catalog_indexes(t, ix, CATALOG_MAX_INDEXES);
		if (class_row(b, t->oid, t->name, "r", AM_HEAP, n > 0, t->ncols,
			      (int64_t)t->nlive) < 0)
			return -EINVAL;
		for (k = 0; k < n; k++)
			if (class_row(b, ix[k].oid, dup_str(b->x, ix[k].name),
				      "i", AM_BTREE, false, ix[k].ncols,
				      (int64_t)t->nlive) < 0)
				return -EINVAL;
	}
	return 0;
}

static const struct cat_col pg_namespace_cols[] = {
	{"oid", TYPE_INT8}, {"nspname", TYPE_TEXT}, {"nspowner", TYPE_INT8},
	{"nspacl", TYPE_TEXT}};

static int build_pg_namespace(struct builder *b)
{
	static const struct {
		int64_t oid;
		const char *name;
		int64_t owner;
	} ns[] = {{NS_CATALOG, "pg_catalog", ROLE_BOOTSTRAP},
		  {NS_PUBLIC, "public", ROLE_DB_OWNER}};
	unsigned i;

	if (start(b, COLS(pg_namespace_cols)) < 0)
		return -EINVAL;
	for (i = 0; i < sizeof(ns) / sizeof(ns[0]); i++) {
		if (row(b) < 0)
			return -EINVAL;
		put_int(b, ns[i].oid);
		put_str(b, ns[i].name);
		put_int(b, ns[i].owner);
	}
	return 0;
}

static const struct cat_col pg_am_cols[] = {
	{"oid", TYPE_INT8}, {"amname", TYPE_TEXT}, {"amtype", TYPE_TEXT}};

static int build_pg_am(struct builder *b)
{
	if (start(b, COLS(pg_am_cols)) < 0 || row(b) < 0)
		return -EINVAL;
	put_int(b, AM_HEAP);
	put_str(b, "heap");
	put_str(b, "t");
	if (row(b) < 0)
		return -EINVAL;
	put_int(b, AM_BTREE);
	put_str(b, "btree");
	put_str(b, "i");
	return 0;
}

/* int2vector's text form: "1 2" (1-based column numbers). */
static const char *key_list(struct exec_ctx *x, const struct cat_index *ix)
{
	struct strbuf sb = STRBUF_INIT;
	const char *s;
	int k;

	for (k = 0; k < ix->ncols; k++)
		sb_printf(&sb, "%s%d", k ? " " : "", ix->cols[k] + 1);
	s = arena_strndup(x->a, sb.p ? sb.p : "", sb.p ? sb.len : 0);
	sb_free(&sb);
	return s;
}

static const struct cat_col pg_index_cols[] = {
	{"indexrelid", TYPE_INT8},    {"indrelid", TYPE_INT8},
	{"indnatts", TYPE_INT2},      {"indisunique", TYPE_BOOL},
	{"indisprimary", TYPE_BOOL},  {"indisclustered", TYPE_BOOL},
	{"indisvalid", TYPE_BOOL},    {"indisreplident", TYPE_BOOL},
	{"indkey", TYPE_TEXT},	      {"indisexclusion", TYPE_BOOL},
	{"indimmediate", TYPE_BOOL},  {"indisready", TYPE_BOOL},
	{"indislive", TYPE_BOOL},
};

static const struct cat_col pg_constraint_cols[] = {
	{"oid", TYPE_INT8},	     {"conname", TYPE_TEXT},
	{"connamespace", TYPE_INT8}, {"contype", TYPE_TEXT},
	{"condeferrable", TYPE_BOOL}, {"condeferred", TYPE_BOOL},
	{"conrelid", TYPE_INT8},     {"conindid", TYPE_INT8},
	{"conkey", TYPE_TEXT},	     {"convalidated", TYPE_BOOL},
	{"confrelid", TYPE_INT8},
};

/* pg_index, or (constraints) pg_constraint: one row per index, per
 * primary key or unique index. */
static int build_index_rows(struct builder *b, bool constraints)
{
	struct cat_index ix[CATALOG_MAX_INDEXES];
	int i, k, n;

	if (constraints ? start(b, COLS(pg_constraint_cols))
			: start(b, COLS(pg_index_cols)))
		return -EINVAL;
	for (i = 0; i < b->x->db->ntables; i++) {
		struct table *t = b->x->db->tables[i];

		if (!t)
			continue;
		n = catalog_indexes(t, ix, CATALOG_MAX_INDEXES);
		for (k = 0; k < n; k++) {
			const char *keys = key_list(b->x, &ix[k]);

			if (!keys)
				return db_err_oom(b->x->err);
			if (constraints && !ix[k].unique)
				continue;
			if (row(b) < 0)
				return -EINVAL;
			if (constraints) {
				put_int(b, CONSTRAINT_OID_BASE + ix[k].oid);
				put_str(b, dup_str(b->x, ix[k].name));
				put_int(b, NS_PUBLIC);
				put_str(b, ix[k].primary ? "p" : "u");
				put_bool(b, false);
				put_bool(b, false);
				put_int(b, t->oid);
				put_int(b, ix[k].oid);
				put_str(b, keys);
				put_bool(b, true);
				put_int(b, 0);
				continue;
			}
			put_int(b, ix[k].oid);
			put_int(b, t->oid);
			put_int(b, ix[k].ncols);
			put_bool(b, ix[k].unique);
			put_bool(b, ix[k].primary);
			put_bool(b, false);
			put_bool(b, true);
			put_bool(b, false);
			put_str(b, keys);
			put_bool(b, false);
			put_bool(b, true);
			put_bool(b, true);
			put_bool(b, true);
		}
	}
	return 0;
}

static int build_pg_index(struct builder *b)
{
	return build_index_rows(b, false);
}

static int build_pg_constraint(struct builder *b)
{
	return build_index_rows(b, true);
}

static const struct cat_col pg_database_cols[] = {
	{"oid", TYPE_INT8},	    {"datname", TYPE_TEXT},
	{"datdba", TYPE_INT8},	    {"encoding", TYPE_INT4},
	{"datlocprovider", TYPE_TEXT}, {"datistemplate", TYPE_BOOL},
	{"datallowconn", TYPE_BOOL}, {"datconnlimit", TYPE_INT4},
	{"datcollate", TYPE_TEXT},  {"datctype", TYPE_TEXT},
	{"daticulocale", TYPE_TEXT}, {"datacl", TYPE_TEXT},
	{"dattablespace", TYPE_INT8},
};

static int build_pg_database(struct builder *b)
{
	if (start(b, COLS(pg_database_cols)) < 0 || row(b) < 0)
		return -EINVAL;
	put_int(b, DB_OID);
	put_str(b, "postgres");
	put_int(b, ROLE_BOOTSTRAP);
	put_int(b, 6); /* PG_UTF8 */
	put_str(b, "c");
	put_bool(b, false);
	put_bool(b, true);
	put_int(b, -1);
	put_str(b, "C");
	put_str(b, "C");
	put_null(b);
	put_null(b);
	put_int(b, 1663);
	return 0;
}

static const struct cat_col pg_roles_cols[] = {
	{"oid", TYPE_INT8},	      {"rolname", TYPE_TEXT},
	{"rolsuper", TYPE_BOOL},      {"rolinherit", TYPE_BOOL},
	{"rolcreaterole", TYPE_BOOL}, {"rolcreatedb", TYPE_BOOL},
	{"rolcanlogin", TYPE_BOOL},   {"rolreplication", TYPE_BOOL},
	{"rolbypassrls", TYPE_BOOL},  {"rolconnlimit", TYPE_INT4},
	{"rolvaliduntil", TYPE_TEXT}, {"rolpassword", TYPE_TEXT},
	{"rolconfig", TYPE_TEXT},
};

static int build_pg_roles(struct builder *b)
{
	int k;

	if (start(b, COLS(pg_roles_cols)) < 0 || row(b) < 0)
		return -EINVAL;
	put_int(b, ROLE_BOOTSTRAP);
	put_str(b, "postgres");
	for (k = 0; k < 7; k++)
		put_bool(b, true);
	put_int(b, -1);
	put_null(b);
	put_str(b, "********");
	return 0;
}

static const struct cat_col pg_user_cols[] = {
	{"usename", TYPE_TEXT},	 {"usesysid", TYPE_INT8},
	{"usecreatedb", TYPE_BOOL}, {"usesuper", TYPE_BOOL},
	{"userepl", TYPE_BOOL},	 {"usebypassrls", TYPE_BOOL},
	{"passwd", TYPE_TEXT},	 {"valuntil", TYPE_TEXT},
	{"useconfig", TYPE_TEXT},
};

static int build_pg_user(struct builder *b)
{
	int k;

	if (start(b, COLS(pg_user_cols)) < 0 || row(b) < 0)
		return -EINVAL;
	put_str(b, "postgres");
	put_int(b, ROLE_BOOTSTRAP);
	for (k = 0; k < 4; k++)
		put_bool(b, true);
	put_str(b, "********");
	return 0;
}

/* The deparsed DEFAULT expression as pg_get_expr(adbin) prints it, for
 * the common shapes (constants); other expressions as written. */
static const char *default_text(struct exec_ctx *x, const struct column *c)
{
	struct db_error err = {0};
	struct expr *e;
	struct strbuf sb = STRBUF_INIT;
	const char *s;
	uint32_t i;

	if (sql_parse_expr(x->a, c->def_src, c->def_len, &e, &err) < 0)
		return arena_strndup(x->a, c->def_src, c->def_len);
	if (e->kind == EX_FUNC && e->name && !strcmp(e->name, "nextval") &&
	    e->nargs == 1 && e->args[0]->kind == EX_CONST &&
	    type_is_text(e->args[0]->val.type)) { /* serial columns */
		sb_printf(&sb, "nextval('%.*s'::regclass)",
			  (int)e->args[0]->val.len, e->args[0]->val.s);
		goto done;
	}
	if (e->kind != EX_CONST)
		return arena_strndup(x->a, c->def_src, c->def_len);
	if (e->val.null)
		return "NULL";
	if (e->val.type == TYPE_BOOL)
		return e->val.i ? "true" : "false";
	if (type_is_int(e->val.type) && e->val.i >= 0) {
		sb_printf(&sb, "%lld", (long long)e->val.i);
	} else {
		struct datum d;

		if (datum_cast(x->a, &e->val, (struct sql_type){TYPE_TEXT, -1},
			       CAST_EXPLICIT, &d, &err) < 0)
			return arena_strndup(x->a, c->def_src, c->def_len);
		sb_puts(&sb, "'");
		for (i = 0; i < d.len; i++) {
			if (d.s[i] == '\'')
				sb_putc(&sb, '\'');
			sb_putc(&sb, d.s[i]);
		}
		/* a string takes the column's type; a negative number keeps
		 * its own (PostgreSQL casts it at run time) */
		sb_printf(&sb, "'::%s",
			  type_info(type_is_int(e->val.type) ? e->val.type
							     : c->type.id)
				  ->name);
	}
done:
	s = sb.oom ? NULL : arena_strndup(x->a, sb.p, sb.len);
	sb_free(&sb);
	return s ? s : "";
}

static const struct cat_col pg_attribute_cols[] = {
	{"attrelid", TYPE_INT8},     {"attname", TYPE_TEXT},
	{"atttypid", TYPE_INT8},     {"attlen", TYPE_INT2},
	{"attnum", TYPE_INT2},	     {"atttypmod", TYPE_INT4},
	{"attnotnull", TYPE_BOOL},   {"atthasdef", TYPE_BOOL},
	{"attisdropped", TYPE_BOOL}, {"attcollation", TYPE_INT8},
	{"attidentity", TYPE_TEXT},  {"attgenerated", TYPE_TEXT},
	{"attstorage", TYPE_TEXT},   {"attcompression", TYPE_TEXT},
	{"attstattarget", TYPE_INT4}, {"attislocal", TYPE_BOOL},
	{"attinhcount", TYPE_INT4},  {"attndims", TYPE_INT4},
};

static const struct cat_col pg_attrdef_cols[] = {
	{"oid", TYPE_INT8}, {"adrelid", TYPE_INT8}, {"adnum", TYPE_INT2},
	{"adbin", TYPE_TEXT}};

/* pg_attribute, or (defaults) pg_attrdef. */
static int build_columns(struct builder *b, bool defaults)
{
	int i, k;

	if (defaults ? start(b, COLS(pg_attrdef_cols))
		     : start(b, COLS(pg_attribute_cols)))
		return -EINVAL;
	for (i = 0; i < b->x->db->ntables; i++) {
		struct table *t = b->x->db->tables[i];

		for (k = 0; t && k < t->ncols; k++) {
			const struct column *c = &t->cols[k];
			bool text = type_is_text(c->type.id);

			if (defaults && !c->def_src)
				continue;
			if (row(b) < 0)
				return -EINVAL;
			if (defaults) {
				put_int(b, CONSTRAINT_OID_BASE / 2 + t->oid * 256 + k);
				put_int(b, t->oid);
				put_int(b, k + 1);
				put_str(b, default_text(b->x, c));
				continue;
			}
			put_int(b, t->oid);
			put_str(b, c->name);
			put_int(b, type_info(c->type.id)->oid);
			put_int(b, type_info(c->type.id)->len);
			put_int(b, k + 1);
			put_int(b, type_wire_mod(c->type));
			put_bool(b, c->not_null);
			put_bool(b, c->def_src != NULL);
			put_bool(b, false);
			put_int(b, text ? COLL_DEFAULT : 0);
			put_str(b, "");
			put_str(b, "");
			put_str(b, type_info(c->type.id)->len < 0 ? "x" : "p");
			put_str(b, "");
			put_int(b, -1);
			put_bool(b, true);
			put_int(b, 0);
			put_int(b, 0);
		}
	}
	return 0;
}

static int build_pg_attribute(struct builder *b)
{
	return build_columns(b, false);
}

static int build_pg_attrdef(struct builder *b)
{
	return build_columns(b, true);
}

static const struct cat_col pg_type_cols[] = {
	{"oid", TYPE_INT8},	    {"typname", TYPE_TEXT},
	{"typnamespace", TYPE_INT8}, {"typowner", TYPE_INT8},
	{"typlen", TYPE_INT2},	    {"typbyval", TYPE_BOOL},
	{"typtype", TYPE_TEXT},	    {"typcategory", TYPE_TEXT},
	{"typisdefined", TYPE_BOOL}, {"typdelim", TYPE_TEXT},
	{"typrelid", TYPE_INT8},    {"typelem", TYPE_INT8},
	{"typarray", TYPE_INT8},    {"typbasetype", TYPE_INT8},
	{"typtypmod", TYPE_INT4},   {"typnotnull", TYPE_BOOL},
	{"typcollation", TYPE_INT8}, {"typinput", TYPE_TEXT},
	{"typoutput", TYPE_TEXT},
};

static int build_pg_type(struct builder *b)
{
	unsigned id;

	if (start(b, COLS(pg_type_cols)) < 0)
		return -EINVAL;
	for (id = 1; id < TYPE_COUNT; id++) {
		const struct type_info *ti = type_info(id);
		char in[72], out[72];

		if (id == TYPE_UNKNOWN || !ti || !ti->name)
			continue;
		if (row(b) < 0)
			return -EINVAL;
		snprintf(in, sizeof(in), "%sin", ti->pgname);
		snprintf(out, sizeof(out), "%sout", ti->pgname);
		put_int(b, ti->oid);
		put_str(b, ti->pgname);
		put_int(b, NS_CATALOG);
		put_int(b, ROLE_BOOTSTRAP);
		put_int(b, ti->len);
		put_bool(b, ti->len > 0);
		put_str(b, "b");
		put_str(b, type_is_int(id) ? "N" : type_is_text(id) ? "S"
			   : id == TYPE_BOOL ? "B" : "U");
		put_bool(b, true);
		put_str(b, ",");
		put_int(b, 0);
		put_int(b, 0);
		put_int(b, 0);
		put_int(b, 0);
		put_int(b, -1);
		put_bool(b, false);
		put_int(b, type_is_text(id) ? COLL_DEFAULT : 0);
		put_str(b, dup_str(b->x, in));
		put_str(b, dup_str(b->x, out));
	}
	return 0;
}

static const struct cat_col pg_collation_cols[] = {
	{"oid", TYPE_INT8}, {"collname", TYPE_TEXT},
	{"collnamespace", TYPE_INT8}, {"collprovider", TYPE_TEXT}};

static int build_pg_collation(struct builder *b)
{
	static const struct {
		int64_t oid;
		const char *name, *provider;
	} colls[] = {{COLL_DEFAULT, "default", "d"}, {950, "C", "c"},
		     {951, "POSIX", "c"}};
	unsigned i;

	if (start(b, COLS(pg_collation_cols)) < 0)
		return -EINVAL;
	for (i = 0; i < sizeof(colls) / sizeof(colls[0]); i++) {
		if (row(b) < 0)
			return -EINVAL;
		put_int(b, colls[i].oid);
		put_str(b, colls[i].name);
		put_int(b, NS_CATALOG);
		put_str(b, colls[i].provider);
	}
	return 0;
}

static const struct cat_col pg_tablespace_cols[] = {
	{"oid", TYPE_INT8}, {"spcname", TYPE_TEXT}, {"spcowner", TYPE_INT8}};

static int build_pg_tablespace(struct builder *b)
{
	if (start(b, COLS(pg_tablespace_cols)) < 0 || row(b) < 0)
		return -EINVAL;
	put_int(b, 1663);
	put_str(b, "pg_default");
	put_int(b, ROLE_BOOTSTRAP);
	if (row(b) < 0)
		return -EINVAL;
	put_int(b, 1664);
	put_str(b, "pg_global");
	put_int(b, ROLE_BOOTSTRAP);
	return 0;
}

/* Relations of features unidb does not have: their columns, no rows. */
static const struct cat_col pg_policy_cols[] = {
	{"oid", TYPE_INT8},	 {"polname", TYPE_TEXT},
	{"polrelid", TYPE_INT8}, {"polcmd", TYPE_TEXT},
	{"polpermissive", TYPE_BOOL}, {"polroles", TYPE_TEXT},
	{"polqual", TYPE_TEXT},	 {"polwithcheck", TYPE_TEXT}};
static const struct cat_col pg_statistic_ext_cols[] = {
	{"oid", TYPE_INT8},	      {"stxrelid", TYPE_INT8},
	{"stxname", TYPE_TEXT},	      {"stxnamespace", TYPE_INT8},
	{"stxowner", TYPE_INT8},      {"stxstattarget", TYPE_INT4},
	{"stxkeys", TYPE_TEXT},	      {"stxkind", TYPE_TEXT}};
static const struct cat_col pg_publication_cols[] = {
	{"oid", TYPE_INT8},	     {"pubname", TYPE_TEXT},
	{"pubowner", TYPE_INT8},     {"puballtables", TYPE_BOOL},
	{"pubinsert", TYPE_BOOL},    {"pubupdate", TYPE_BOOL},
	{"pubdelete", TYPE_BOOL},    {"pubtruncate", TYPE_BOOL},
	{"pubviaroot", TYPE_BOOL}};
static const struct cat_col pg_publication_namespace_cols[] = {
	{"oid", TYPE_INT8}, {"pnpubid", TYPE_INT8}, {"pnnspid", TYPE_INT8}};
static const struct cat_col pg_publication_rel_cols[] = {
	{"oid", TYPE_INT8},	{"prpubid", TYPE_INT8},
	{"prrelid", TYPE_INT8}, {"prqual", TYPE_TEXT},
	{"prattrs", TYPE_TEXT}};
static const struct cat_col pg_inherits_cols[] = {
	{"inhrelid", TYPE_INT8},  {"inhparent", TYPE_INT8},
	{"inhseqno", TYPE_INT4},  {"inhdetachpending", TYPE_BOOL}};
static const struct cat_col pg_description_cols[] = {
	{"objoid", TYPE_INT8},	 {"classoid", TYPE_INT8},
	{"objsubid", TYPE_INT4}, {"description", TYPE_TEXT}};
static const struct cat_col pg_auth_members_cols[] = {
	{"roleid", TYPE_INT8},	 {"member", TYPE_INT8},
	{"grantor", TYPE_INT8},	 {"admin_option", TYPE_BOOL}};
static const struct cat_col pg_trigger_cols[] = {
	{"oid", TYPE_INT8},	  {"tgrelid", TYPE_INT8},
	{"tgname", TYPE_TEXT},	  {"tgisinternal", TYPE_BOOL},
	{"tgenabled", TYPE_TEXT}};
static const struct cat_col pg_rewrite_cols[] = {
	{"oid", TYPE_INT8}, {"rulename", TYPE_TEXT}, {"ev_class", TYPE_INT8}};

/* ---- information_schema ---------------------------------------------------
 * The views drivers and tools read (SQL standard names, PostgreSQL 15's
 * columns), built from the same catalog as pg_catalog's relations: the
 * user's tables in schema public (PostgreSQL also lists its own system
 * views), yes/no columns as 'YES'/'NO' text, cardinal numbers as int4. */

static const struct cat_col is_schemata_cols[] = {
	{"catalog_name", TYPE_TEXT}, {"schema_name", TYPE_TEXT},
	{"schema_owner", TYPE_TEXT}};

static int build_is_schemata(struct builder *b)
{
	static const char *const names[] = {"information_schema", "pg_catalog",
					    "pg_toast", "public"};
	unsigned k;

	if (start(b, COLS(is_schemata_cols)) < 0)
		return -EINVAL;
	for (k = 0; k < sizeof(names) / sizeof(names[0]); k++) {
		if (row(b) < 0)
			return -EINVAL;
		put_str(b, b->x->database);
		put_str(b, names[k]);
		put_str(b, "postgres");
	}
	return 0;
}

/* catalog, schema and name of a relation: the first columns of most
 * views. */
static void put_relname(struct builder *b, const char *name)
{
	put_str(b, b->x->database);
	put_str(b, "public");
	put_str(b, name);
}

static const struct cat_col is_tables_cols[] = {
	{"table_catalog", TYPE_TEXT}, {"table_schema", TYPE_TEXT},
	{"table_name", TYPE_TEXT}, {"table_type", TYPE_TEXT},
	{"self_referencing_column_name", TYPE_TEXT},
	{"reference_generation", TYPE_TEXT},
	{"user_defined_type_catalog", TYPE_TEXT},
	{"user_defined_type_schema", TYPE_TEXT},
	{"user_defined_type_name", TYPE_TEXT},
	{"is_insertable_into", TYPE_TEXT}, {"is_typed", TYPE_TEXT},
	{"commit_action", TYPE_TEXT}};

static int build_is_tables(struct builder *b)
{
	int i;

	if (start(b, COLS(is_tables_cols)) < 0)
		return -EINVAL;
	for (i = 0; i < b->x->db->ntables; i++) {
		struct table *t = b->x->db->tables[i];

		if (!t)
			continue;
		if (row(b) < 0)
			return -EINVAL;
		put_relname(b, t->name);
		put_str(b, "BASE TABLE");
		b->col += 5;
		put_str(b, "YES");
		put_str(b, "NO");
	}
	return 0;
}

static const struct cat_col is_columns_cols[] = {
	{"table_catalog", TYPE_TEXT}, {"table_schema", TYPE_TEXT},
	{"table_name", TYPE_TEXT}, {"column_name", TYPE_TEXT},
	{"ordinal_position", TYPE_INT4}, {"column_default", TYPE_TEXT},
	{"is_nullable", TYPE_TEXT}, {"data_type", TYPE_TEXT},
	{"character_maximum_length", TYPE_INT4},
	{"character_octet_length", TYPE_INT4},
	{"numeric_precision", TYPE_INT4},
	{"numeric_precision_radix", TYPE_INT4}, {"numeric_scale", TYPE_INT4},
	{"datetime_precision", TYPE_INT4}, {"interval_type", TYPE_TEXT},
	{"udt_catalog", TYPE_TEXT}, {"udt_schema", TYPE_TEXT},
	{"udt_name", TYPE_TEXT}, {"is_identity", TYPE_TEXT},
	{"is_generated", TYPE_TEXT}, {"is_updatable", TYPE_TEXT}};

/* character_maximum_length .. interval_type of a column of type t. */
static void put_type_facts(struct builder *b, struct sql_type t)
{
	bool chars = t.id == TYPE_VARCHAR || t.id == TYPE_BPCHAR;
	int prec = t.id == TYPE_INT2 ? 16 : t.id == TYPE_INT4 ? 32
		   : t.id == TYPE_INT8 ? 64 : t.id == TYPE_FLOAT4 ? 24
		   : t.id == TYPE_FLOAT8 ? 53 : 0;

	if (chars && t.mod >= 0)
		put_int(b, t.mod);
	else
		put_null(b);
	if (type_is_text(t.id))
		put_int(b, chars && t.mod >= 0 ? t.mod * 4 : 1073741824);
	else
		put_null(b);
	if (prec) {
		put_int(b, prec);
		put_int(b, 2);
		if (type_is_int(t.id))
			put_int(b, 0);
		else
			put_null(b);
	} else if (t.id == TYPE_NUMERIC) {
		if (t.mod >= 0)
			put_int(b, t.mod >> 16);
		else
			put_null(b);
		put_int(b, 10);
		if (t.mod >= 0)
			put_int(b, t.mod & 0xffff);
		else
			put_null(b);
	} else {
		b->col += 3;
	}
	if (t.id == TYPE_DATE)
		put_int(b, 0);
	else if (type_is_datetime(t.id) || t.id == TYPE_INTERVAL)
		put_int(b, 6);
	else
		put_null(b);
	put_null(b); /* interval_type */
}

static int build_is_columns(struct builder *b)
{
	char buf[64];
	int i, k;

	if (start(b, COLS(is_columns_cols)) < 0)
		return -EINVAL;
	for (i = 0; i < b->x->db->ntables; i++) {
		struct table *t = b->x->db->tables[i];

		for (k = 0; t && k < t->ncols; k++) {
			const struct column *c = &t->cols[k];
			struct sql_type bare = {c->type.id, -1};

			if (row(b) < 0)
				return -EINVAL;
			put_relname(b, t->name);
			put_str(b, c->name);
			put_int(b, k + 1);
			put_str(b, c->def_src ? default_text(b->x, c) : NULL);
			put_str(b, c->not_null ? "NO" : "YES");
			put_str(b, dup_str(b->x, type_display(bare, buf,
							      sizeof(buf))));
			put_type_facts(b, c->type);
			put_str(b, b->x->database);
			put_str(b, "pg_catalog");
			put_str(b, type_info(c->type.id)->pgname);
			put_str(b, "NO");
			put_str(b, "NEVER");
			put_str(b, "YES");
		}
	}
	return 0;
}

static const struct cat_col is_table_constraints_cols[] = {
	{"constraint_catalog", TYPE_TEXT}, {"constraint_schema", TYPE_TEXT},
	{"constraint_name", TYPE_TEXT}, {"table_catalog", TYPE_TEXT},
	{"table_schema", TYPE_TEXT}, {"table_name", TYPE_TEXT},
	{"constraint_type", TYPE_TEXT}, {"is_deferrable", TYPE_TEXT},
	{"initially_deferred", TYPE_TEXT}, {"enforced", TYPE_TEXT},
	{"nulls_distinct", TYPE_TEXT}};

static const struct cat_col is_key_column_usage_cols[] = {
	{"constraint_catalog", TYPE_TEXT}, {"constraint_schema", TYPE_TEXT},
	{"constraint_name", TYPE_TEXT}, {"table_catalog", TYPE_TEXT},
	{"table_schema", TYPE_TEXT}, {"table_name", TYPE_TEXT},
	{"column_name", TYPE_TEXT}, {"ordinal_position", TYPE_INT4},
	{"position_in_unique_constraint", TYPE_INT4}};

/* table_constraints, or (keys) key_column_usage: the primary keys and
 * unique constraints (unique indexes made by CREATE UNIQUE INDEX are
 * not constraints, as in PostgreSQL). */
static int build_constraint_rows(struct builder *b, bool keys)
{
	struct cat_index ix[CATALOG_MAX_INDEXES];
	int i, k, c, n;

	if (keys ? start(b, COLS(is_key_column_usage_cols))
		 : start(b, COLS(is_table_constraints_cols)))
		return -EINVAL;
	for (i = 0; i < b->x->db->ntables; i++) {
		struct table *t = b->x->db->tables[i];

		n = t ? catalog_indexes(t, ix, CATALOG_MAX_INDEXES) : 0;
		for (k = 0; k < n; k++) {
			if (!ix[k].primary && !ix[k].constraint)
				continue;
			for (c = 0; c < (keys ? ix[k].ncols : 1); c++) {
				if (row(b) < 0)
					return -EINVAL;
				put_relname(b, dup_str(b->x, ix[k].name));
				put_relname(b, t->name);
				if (keys) {
					put_str(b, t->cols[ix[k].cols[c]].name);
					put_int(b, c + 1);
					continue;
				}
				put_str(b, ix[k].primary ? "PRIMARY KEY"
							 : "UNIQUE");
				put_str(b, "NO");
				put_str(b, "NO");
				put_str(b, "YES");
				put_str(b, ix[k].primary ? NULL : "YES");
			}
		}
	}
	return 0;
}

static int build_is_table_constraints(struct builder *b)
{
	return build_constraint_rows(b, false);
}

static int build_is_key_column_usage(struct builder *b)
{
	return build_constraint_rows(b, true);
}

static const struct cat_col is_sequences_cols[] = {
	{"sequence_catalog", TYPE_TEXT}, {"sequence_schema", TYPE_TEXT},
	{"sequence_name", TYPE_TEXT}, {"data_type", TYPE_TEXT},
	{"numeric_precision", TYPE_INT4},
	{"numeric_precision_radix", TYPE_INT4}, {"numeric_scale", TYPE_INT4},
	{"start_value", TYPE_TEXT}, {"minimum_value", TYPE_TEXT},
	{"maximum_value", TYPE_TEXT}, {"increment", TYPE_TEXT},
	{"cycle_option", TYPE_TEXT}};

static const char *int_text(struct exec_ctx *x, int64_t v)
{
	char buf[24];

	snprintf(buf, sizeof(buf), "%lld", (long long)v);
	return dup_str(x, buf);
}

static int build_is_sequences(struct builder *b)
{
	int i;

	if (start(b, COLS(is_sequences_cols)) < 0)
		return -EINVAL;
	for (i = 0; i < b->x->db->nseqs; i++) {
		struct sequence *s = b->x->db->seqs[i];
		unsigned ty = s && s->type ? s->type : TYPE_INT8;

		if (!s)
			continue;
		if (row(b) < 0)
			return -EINVAL;
		put_relname(b, s->name);
		put_str(b, type_info(ty)->name);
		put_int(b, ty == TYPE_INT2 ? 16 : ty == TYPE_INT4 ? 32 : 64);
		put_int(b, 2);
		put_int(b, 0);
		put_str(b, int_text(b->x, s->start));
		put_str(b, int_text(b->x, s->min));
		put_str(b, int_text(b->x, s->max));
		put_str(b, int_text(b->x, s->inc));
		put_str(b, "NO");
	}
	return 0;
}

static const struct cat_col is_views_cols[] = {
	{"table_catalog", TYPE_TEXT}, {"table_schema", TYPE_TEXT},
	{"table_name", TYPE_TEXT}, {"view_definition", TYPE_TEXT},
	{"check_option", TYPE_TEXT}, {"is_updatable", TYPE_TEXT},
	{"is_insertable_into", TYPE_TEXT}, {"is_trigger_updatable", TYPE_TEXT},
	{"is_trigger_deletable", TYPE_TEXT},
	{"is_trigger_insertable_into", TYPE_TEXT}};

static const struct {
	const char *name;
	int (*build)(struct builder *b);
	const struct cat_col *cols; /* empty relations: no builder */
	int ncols;
} relations[] = {
	{"pg_class", build_pg_class, NULL, 0},
	{"pg_namespace", build_pg_namespace, NULL, 0},
	{"pg_am", build_pg_am, NULL, 0},
	{"pg_index", build_pg_index, NULL, 0},
	{"pg_constraint", build_pg_constraint, NULL, 0},
	{"pg_database", build_pg_database, NULL, 0},
	{"pg_roles", build_pg_roles, NULL, 0},
	{"pg_authid", build_pg_roles, NULL, 0},
	{"pg_user", build_pg_user, NULL, 0},
	{"pg_attribute", build_pg_attribute, NULL, 0},
	{"pg_attrdef", build_pg_attrdef, NULL, 0},
	{"pg_type", build_pg_type, NULL, 0},
	{"pg_collation", build_pg_collation, NULL, 0},
	{"pg_tablespace", build_pg_tablespace, NULL, 0},
	{"pg_policy", NULL, COLS(pg_policy_cols)},
	{"pg_statistic_ext", NULL, COLS(pg_statistic_ext_cols)},
	{"pg_publication", NULL, COLS(pg_publication_cols)},
	{"pg_publication_namespace", NULL, COLS(pg_publication_namespace_cols)},
	{"pg_publication_rel", NULL, COLS(pg_publication_rel_cols)},
	{"pg_inherits", NULL, COLS(pg_inherits_cols)},
	{"pg_description", NULL, COLS(pg_description_cols)},
	{"pg_shdescription", NULL, COLS(pg_description_cols)},
	{"pg_auth_members", NULL, COLS(pg_auth_members_cols)},
	{"pg_trigger", NULL, COLS(pg_trigger_cols)},
	{"pg_rewrite", NULL, COLS(pg_rewrite_cols)},
	{"information_schema.schemata", build_is_schemata, NULL, 0},
	{"information_schema.tables", build_is_tables, NULL, 0},
	{"information_schema.columns", build_is_columns, NULL, 0},
	{"information_schema.table_constraints", build_is_table_constraints,
	 NULL, 0},
	{"information_schema.key_column_usage", build_is_key_column_usage,
	 NULL, 0},
	{"information_schema.sequences", build_is_sequences, NULL, 0},
	{"information_schema.views", NULL, COLS(is_views_cols)},
};

int catalog_relation(struct exec_ctx *x, const char *name, struct result *out)
{
	struct builder b = {.x = x, .res = out};
	unsigned k;

	for (k = 0; k < sizeof(relations) / sizeof(relations[0]); k++) {
		if (strcmp(relations[k].name, name))
			continue;
		if (relations[k].build)
			return relations[k].build(&b) < 0 ? -EINVAL : 1;
		return start(&b, relations[k].cols, relations[k].ncols) < 0
			       ? -EINVAL
			       : 1;
	}
	return 0;
}
