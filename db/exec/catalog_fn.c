/* SPDX-License-Identifier: MIT */
/* catalog_fn.c: the functions of pg_catalog that psql's and drivers'
 * catalog queries call (see catalog.c), the regular-expression operators
 * (~ ~* !~ !~*, regex.c) and casts to the catalog's types (regclass,
 * regtype, regnamespace, oid, name, "char", arrays), which the parser
 * turns into calls of functions named "::type".
 *
 * Each function is a row of `funcs`: its name, argument count, the types
 * its arguments are coerced to (TYPE_NULL: any, an untyped literal
 * becomes text), its result type and whether NULL in gives NULL out. A
 * name may be written pg_catalog.name. */
#include <stdio.h>
#include <string.h>
#include <unidb/errno.h>

#include "catalog.h"
#include "../sql/regex.h"

struct fn_call {
	struct exec_ctx *x;
	const struct expr *e;
	struct datum *a; /* evaluated arguments */
	int n;
	struct datum *out;
};

struct cat_func {
	const char *name;
	int8_t nmin, nmax;
	uint8_t args[3];
	uint8_t result;
	bool strict;
	int (*fn)(struct fn_call *c);
};

/* What a bound call keeps (e->plan). */
struct fn_plan {
	const struct cat_func *f;
	struct regex *re; /* the last pattern compiled, and its text */
	const char *pat;
	uint32_t plen;
};

static int ret_text(struct fn_call *c, const char *s)
{
	*c->out = s ? datum_str(TYPE_TEXT, s, (uint32_t)strlen(s))
		    : datum_null(TYPE_TEXT);
	return 0;
}

static int ret_sb(struct fn_call *c, struct strbuf *sb)
{
	char *s;

	if (sb->oom) {
		sb_free(sb);
		return db_err_oom(c->x->err);
	}
	s = arena_strndup(c->x->a, sb->p ? sb->p : "", sb->p ? sb->len : 0);
	sb_free(sb);
	if (!s)
		return db_err_oom(c->x->err);
	return ret_text(c, s);
}

static int ret_null(struct fn_call *c)
{
	*c->out = datum_null(c->e->type.id);
	return 0;
}

static int fn_true(struct fn_call *c)
{
	*c->out = datum_bool(true);
	return 0;
}

static int fn_false(struct fn_call *c)
{
	*c->out = datum_bool(false);
	return 0;
}

static int fn_userbyid(struct fn_call *c)
{
	char buf[48];

	if (c->a[0].i == 10)
		return ret_text(c, "postgres");
	if (c->a[0].i == 6171)
		return ret_text(c, "pg_database_owner");
	snprintf(buf, sizeof(buf), "unknown (OID=%lld)", (long long)c->a[0].i);
	return ret_text(c, arena_strndup(c->x->a, buf, strlen(buf)));
}

static int fn_encoding(struct fn_call *c)
{
	return ret_text(c, c->a[0].i == 6 ? "UTF8" : "");
}

static const struct type_info *type_by_oid(int64_t oid, unsigned *id)
{
	unsigned k;

	for (k = 1; k < TYPE_COUNT; k++)
		if (type_info(k) && type_info(k)->oid == oid) {
			*id = k;
			return type_info(k);
		}
	return NULL;
}

/* format_type(oid, typmod): the name \d prints. */
static int fn_format_type(struct fn_call *c)
{
	struct sql_type t = {0, -1};
	unsigned id;
	char buf[96];

	if (c->a[0].null)
		return ret_null(c);
	if (!type_by_oid(c->a[0].i, &id))
		return ret_text(c, "???");
	t.id = (uint8_t)id;
	if (c->n > 1 && !c->a[1].null && c->a[1].i >= 0) {
		/* the typmod type_wire_mod gives back */
		int32_t m = (int32_t)c->a[1].i;

		t.mod = m - 4;
		if (type_wire_mod(t) != m) {
			t.mod = m;
			if (type_wire_mod(t) != m)
				t.mod = -1;
		}
	}
	type_display(t, buf, sizeof(buf));
	return ret_text(c, arena_strndup(c->x->a, buf, strlen(buf)));
}

static int fn_regtype(struct fn_call *c)
{
	struct datum m = datum_int(TYPE_INT4, -1);
	struct datum a[2] = {c->a[0], m};
	struct fn_call f = *c;

	f.a = a;
	f.n = 2;
	return fn_format_type(&f);
}

static int fn_regclass(struct fn_call *c)
{
	struct table *t;
	struct cat_index ix;
	char buf[32];

	if ((t = catalog_table_by_oid(c->x->db, c->a[0].i)))
		return ret_text(c, t->name);
	if (catalog_index_by_oid(c->x->db, c->a[0].i, &ix))
		return ret_text(c, arena_strndup(c->x->a, ix.name,
						 strlen(ix.name)));
	snprintf(buf, sizeof(buf), "%lld", (long long)c->a[0].i);
	return ret_text(c, arena_strndup(c->x->a, buf, strlen(buf)));
}

/* 'name'::regclass: the oid of a relation (42P01 if none). Here the
 * value is the oid itself (bigint), so ::oid and comparisons with oid
 * columns work; PostgreSQL would print the name. */
static int fn_regclass_in(struct fn_call *c)
{
	char name[SQL_NAME_MAX + 1];
	struct table *t;
	uint32_t n = c->a[0].len;
	const char *s = c->a[0].s;

	if (n > 11 && !memcmp(s, "pg_catalog.", 11))
		s += 11, n -= 11;
	else if (n > 7 && !memcmp(s, "public.", 7))
		s += 7, n -= 7;
	if (n > SQL_NAME_MAX)
		n = SQL_NAME_MAX;
	memcpy(name, s, n);
	name[n] = 0;
	if (!(t = db_find_table(c->x->db, name)))
		return db_err(c->x->err, "42P01",
			      "relation \"%s\" does not exist", name);
	*c->out = datum_int(TYPE_INT8, t->oid);
	return 0;
}

static int fn_regnamespace(struct fn_call *c)
{
	char buf[32];

	if (c->a[0].i == 11)
		return ret_text(c, "pg_catalog");
	if (c->a[0].i == 2200)
		return ret_text(c, "public");
	snprintf(buf, sizeof(buf), "%lld", (long long)c->a[0].i);
	return ret_text(c, arena_strndup(c->x->a, buf, strlen(buf)));
}

/* ::oid from an integer or from text (a number). */
static int fn_oid(struct fn_call *c)
{
	if (type_is_int(c->a[0].type)) {
		*c->out = datum_int(TYPE_INT8, c->a[0].i);
		return 0;
	}
	return datum_cast(c->x->a, &c->a[0], (struct sql_type){TYPE_INT8, -1},
			  CAST_EXPLICIT, c->out, c->x->err);
}

/* ::name, ::"char", ::type[]: text here ("char" keeps one byte). */
static int fn_to_text(struct fn_call *c)
{
	if (datum_cast(c->x->a, &c->a[0], (struct sql_type){TYPE_TEXT, -1},
		       CAST_EXPLICIT, c->out, c->x->err) < 0)
		return -EINVAL;
	if (!strcmp(c->e->name, "::char") && c->out->len > 1)
		c->out->len = 1;
	return 0;
}

static int fn_identity(struct fn_call *c)
{
	*c->out = c->a[0];
	c->out->type = c->e->type.id;
	return 0;
}

int array_elems(struct exec_ctx *x, const struct datum *arr,
		int (*each)(struct exec_ctx *x, const char *s, uint32_t n,
			    bool null, void *ctx),
		void *ctx)
{
	const char *s = arr->s;
	uint32_t n = arr->len, i = 1;
	char *buf = arena_alloc(x->a, n + 1);

	if (!buf)
		return db_err_oom(x->err);
	if (n < 2 || s[0] != '{' || s[n - 1] != '}')
		return db_err(x->err, "22P02", "malformed array literal: "
				  "\"%.*s\"", (int)(n > 200 ? 200 : n), s);
	if (n == 2)
		return 0;
	while (i < n) {
		uint32_t len = 0;
		bool quoted = s[i] == '"';

		if (quoted) {
			for (i++; i < n && s[i] != '"'; i++) {
				if (s[i] == '\\' && i + 1 < n)
					i++;
				buf[len++] = s[i];
			}
			i++;
		} else {
			while (i < n - 1 && s[i] != ',')
				buf[len++] = s[i++];
		}
		if (each(x, buf, len, !quoted && len == 4 &&
					      !memcmp(buf, "NULL", 4),
			 ctx) < 0)
			return -EINVAL;
		buf += len;
		i++; /* ',' or '}' */
	}
	return 0;
}

struct join_ctx {
	struct strbuf sb;
	const struct datum *sep, *null_as;
	int count;
};

static int join_one(struct exec_ctx *x, const char *s, uint32_t n, bool null,
		    void *ctx)
{
	struct join_ctx *j = ctx;

	(void)x;
	if (null && !j->null_as)
		return 0;
	if (j->count++)
		sb_put(&j->sb, j->sep->s, j->sep->len);
	if (null)
		sb_put(&j->sb, j->null_as->s, j->null_as->len);
	else
		sb_put(&j->sb, s, n);
	return 0;
}

static int fn_array_to_string(struct fn_call *c)
{
	struct join_ctx j = {STRBUF_INIT, &c->a[1],
			     c->n > 2 && !c->a[2].null ? &c->a[2] : NULL, 0};

	if (array_elems(c->x, &c->a[0], join_one, &j) < 0) {
		sb_free(&j.sb);
		return -EINVAL;
	}
	return ret_sb(c, &j.sb);
}

static int count_one(struct exec_ctx *x, const char *s, uint32_t n, bool null,
		     void *ctx)
{
	(void)x, (void)s, (void)n, (void)null;
	(*(int *)ctx)++;
	return 0;
}

static int fn_array_upper(struct fn_call *c)
{
	int count = 0;

	if (array_elems(c->x, &c->a[0], count_one, &count) < 0)
		return -EINVAL;
	*c->out = count && c->a[1].i == 1 ? datum_int(TYPE_INT4, count)
					  : datum_null(TYPE_INT4);
	return 0;
}

/* pg_size_pretty(bigint), PostgreSQL 15's rounding. */
static int fn_size_pretty(struct fn_call *c)
{
	static const char *const units[] = {"kB", "MB", "GB", "TB"};
	int64_t size = c->a[0].i, limit = 10 * 1024, limit2 = limit * 2 - 1;
	char buf[64];
	unsigned u;

	if ((size < 0 ? -size : size) < limit) {
		snprintf(buf, sizeof(buf), "%lld bytes", (long long)size);
	} else {
		size >>= 9; /* one extra bit for rounding */
		for (u = 0; u < 3 && (size < 0 ? -size : size) >= limit2; u++)
			size >>= 10;
		snprintf(buf, sizeof(buf), "%lld %s",
			 (long long)((size + (size < 0 ? -1 : 1)) / 2), units[u]);
	}
	return ret_text(c, arena_strndup(c->x->a, buf, strlen(buf)));
}

/* pg_table_size and friends: the bytes of the table's stored rows. */
static int fn_table_size(struct fn_call *c)
{
	struct table *t = catalog_table_by_oid(c->x->db, c->a[0].i);
	uint64_t id, bytes = 0;

	if (!t)
		return ret_null(c);
	exec_live_lock(c->x);
	for (id = 0; id < t->nslots; id++) {
		struct row *r = table_row(t, id);

		if (r)
			bytes += r->size;
	}
	exec_live_unlock(c->x);
	*c->out = datum_int(TYPE_INT8, (int64_t)bytes);
	return 0;
}

static void index_columns(struct strbuf *sb, const struct table *t,
			  const struct cat_index *ix)
{
	int k;

	for (k = 0; k < ix->ncols; k++)
		sb_printf(sb, "%s%s", k ? ", " : "", t->cols[ix->cols[k]].name);
}

static int fn_indexdef(struct fn_call *c)
{
	struct cat_index ix;
	struct table *t = catalog_index_by_oid(c->x->db, c->a[0].i, &ix);
	struct strbuf sb = STRBUF_INIT;

	if (!t)
		return ret_null(c);
	/* public is on the search path: PostgreSQL leaves it out */
	sb_printf(&sb, "CREATE %sINDEX %s ON %s USING btree (",
		  ix.unique ? "UNIQUE " : "", ix.name, t->name);
	index_columns(&sb, t, &ix);
	sb_putc(&sb, ')');
	return ret_sb(c, &sb);
}

static int fn_constraintdef(struct fn_call *c)
{
	struct cat_index ix;
	struct table *t = catalog_index_by_oid(
		c->x->db, c->a[0].i - (int64_t)0x40000000, &ix);
	struct strbuf sb = STRBUF_INIT;

	if (!t || !ix.unique)
		return ret_null(c);
	sb_printf(&sb, "%s (", ix.primary ? "PRIMARY KEY" : "UNIQUE");
	index_columns(&sb, t, &ix);
	sb_putc(&sb, ')');
	return ret_sb(c, &sb);
}

static int fn_current_schema(struct fn_call *c)
{
	return ret_text(c, "public");
}

static int fn_current_schemas(struct fn_call *c)
{
	return ret_text(c, c->a[0].i ? "{pg_catalog,public}" : "{public}");
}

static int fn_regex(struct fn_call *c)
{
	struct fn_plan *p = c->e->plan;
	const char *op = c->e->name;
	bool neg = op[0] == '!', icase = op[strlen(op) - 1] == '*', m;

	if (!p->re || p->plen != c->a[1].len ||
	    memcmp(p->pat, c->a[1].s, c->a[1].len)) {
		char *pat = arena_strndup(c->x->a, c->a[1].s, c->a[1].len);

		if (!pat || regex_compile(c->x->a, pat, c->a[1].len, icase,
					  &p->re, c->x->err) < 0)
			return pat ? -EINVAL : db_err_oom(c->x->err);
		p->pat = pat;
		p->plen = c->a[1].len;
	}
	if (regex_match(c->x->a, p->re, c->a[0].s, c->a[0].len, &m,
			c->x->err) < 0)
		return -EINVAL;
	*c->out = datum_bool(m != neg);
	return 0;
}

enum { I2 = TYPE_INT2, I4 = TYPE_INT4, I8 = TYPE_INT8, B = TYPE_BOOL,
       T = TYPE_TEXT, ANY = TYPE_NULL };

struct any_ctx {
	const struct datum *l;
	int op;
	bool all, saw_null, decided;
};

static int any_one(struct exec_ctx *x, const char *s, uint32_t n, bool null,
		   void *ctx)
{
	struct any_ctx *a = ctx;
	struct datum el;

	if (a->decided)
		return 0;
	if (null) {
		a->saw_null = true;
		return 0;
	}
	if (datum_in(x->a, (struct sql_type){a->l->type, -1}, s, n, &el,
		     x->err) < 0)
		return -EINVAL;
	if (cmp_result(a->op, datum_cmp(a->l, &el)) != a->all)
		a->decided = true;
	return 0;
}

/* l op ANY (array) / ALL: over the array's elements read as l's type. */
static int fn_any(struct fn_call *c)
{
	struct any_ctx a = {&c->a[0], c->e->op, c->e->name[1] == 'l', false,
			    false};

	if (array_elems(c->x, &c->a[1], any_one, &a) < 0)
		return -EINVAL;
	if (a.decided)
		*c->out = datum_bool(!a.all);
	else
		*c->out = a.saw_null ? datum_null(TYPE_BOOL) : datum_bool(a.all);
	return 0;
}

struct nth_ctx {
	int64_t want, at;
	struct datum *out;
	struct arena *a;
};

static int nth_one(struct exec_ctx *x, const char *s, uint32_t n, bool null,
		   void *ctx)
{
	struct nth_ctx *t = ctx;
	char *copy;

	if (++t->at != t->want)
		return 0;
	if (null)
		return 0;
	if (!(copy = arena_strndup(t->a, s, n)))
		return db_err_oom(x->err);
	*t->out = datum_str(TYPE_UNKNOWN, copy, n);
	return 0;
}

/* a[i] (1-based): the element as an untyped value, NULL when out of
 * range; its type comes from the context as a literal's does. */
static int fn_subscript(struct fn_call *c)
{
	struct nth_ctx t = {c->a[1].i, 0, c->out, c->x->a};

	*c->out = datum_null(TYPE_UNKNOWN);
	return array_elems(c->x, &c->a[0], nth_one, &t);
}

static const struct cat_func funcs[] = {
	{"~", 2, 2, {T, T}, B, true, fn_regex},
	{"~*", 2, 2, {T, T}, B, true, fn_regex},
	{"!~", 2, 2, {T, T}, B, true, fn_regex},
	{"!~*", 2, 2, {T, T}, B, true, fn_regex},
	{"any", 2, 2, {ANY, T}, B, true, fn_any},
	{"all", 2, 2, {ANY, T}, B, true, fn_any},
	{"subscript", 2, 2, {T, I8}, TYPE_UNKNOWN, true, fn_subscript},
	{"::regclass", 1, 1, {T}, I8, true, fn_regclass_in},
	{"::regclass", 1, 1, {I8}, T, true, fn_regclass},
	{"::regtype", 1, 1, {I8}, T, true, fn_regtype},
	{"::regnamespace", 1, 1, {I8}, T, true, fn_regnamespace},
	{"::regproc", 1, 1, {ANY}, T, true, fn_to_text},
	{"::regrole", 1, 1, {I8}, T, true, fn_userbyid},
	{"::oid", 1, 1, {ANY}, I8, true, fn_oid},
	{"::name", 1, 1, {ANY}, T, true, fn_to_text},
	{"::char", 1, 1, {ANY}, T, true, fn_to_text},
	{"::array", 1, 1, {ANY}, T, true, fn_to_text},
	{"pg_get_userbyid", 1, 1, {I8}, T, true, fn_userbyid},
	{"pg_table_is_visible", 1, 1, {I8}, B, true, fn_true},
	{"pg_type_is_visible", 1, 1, {I8}, B, true, fn_true},
	{"pg_encoding_to_char", 1, 1, {I4}, T, true, fn_encoding},
	{"format_type", 2, 2, {I8, I4}, T, false, fn_format_type},
	{"pg_get_expr", 2, 3, {T, I8, B}, T, true, fn_identity},
	{"pg_get_indexdef", 1, 3, {I8, I4, B}, T, true, fn_indexdef},
	{"pg_get_constraintdef", 1, 2, {I8, B}, T, true, fn_constraintdef},
	{"array_to_string", 2, 3, {T, T, T}, T, true, fn_array_to_string},
	{"array_upper", 2, 2, {T, I4}, I4, true, fn_array_upper},
	{"obj_description", 1, 2, {I8, T}, T, true, ret_null},
	{"col_description", 2, 2, {I8, I4}, T, true, ret_null},
	{"shobj_description", 2, 2, {I8, T}, T, true, ret_null},
	{"pg_get_statisticsobjdef_columns", 1, 1, {I8}, T, true, ret_null},
	{"pg_relation_is_publishable", 1, 1, {ANY}, B, true, fn_false},
	{"pg_size_pretty", 1, 1, {I8}, T, true, fn_size_pretty},
	{"pg_table_size", 1, 1, {I8}, I8, true, fn_table_size},
	{"pg_relation_size", 1, 1, {I8}, I8, true, fn_table_size},
	{"pg_total_relation_size", 1, 1, {I8}, I8, true, fn_table_size},
	{"current_schema", 0, 0, {0}, T, false, fn_current_schema},
	{"current_schemas", 1, 1, {B}, T, true, fn_current_schemas},
	{"has_table_privilege", 2, 3, {ANY, ANY, ANY}, B, false, fn_true},
	{"has_schema_privilege", 2, 3, {ANY, ANY, ANY}, B, false, fn_true},
	{"has_database_privilege", 2, 3, {ANY, ANY, ANY}, B, false, fn_true},
	{"has_column_privilege", 3, 4, {ANY, ANY, ANY}, B, false, fn_true},
};

int catalog_func_bind(struct bind_ctx *b, struct expr *e)
{
	const struct cat_func *f = NULL;
	struct fn_plan *p;
	unsigned k;
	int i;

	for (k = 0; k < sizeof(funcs) / sizeof(funcs[0]); k++)
		if (!strcmp(funcs[k].name, e->name) && e->nargs >= funcs[k].nmin &&
		    e->nargs <= funcs[k].nmax &&
		    /* a cast from text is its own function ('t'::regclass) */
		    !(e->name[0] == ':' && funcs[k].args[0] == T &&
		      !type_is_text(e->args[0]->type.id))) {
			f = &funcs[k];
			break;
		}
	if (!f)
		return 1;
	for (i = 0; i < e->nargs; i++) {
		unsigned want = i < 3 ? f->args[i] : TYPE_NULL;
		unsigned have = e->args[i]->type.id;

		if (want == TYPE_NULL)
			want = have == TYPE_UNKNOWN || have == TYPE_NULL ? TYPE_TEXT
									 : have;
		if (coerce(b, &e->args[i], (struct sql_type){(uint8_t)want, -1},
			   type_is_text(have) || have == TYPE_NULL
				   ? CAST_EXPLICIT
				   : CAST_IMPLICIT,
			   NULL) < 0)
			return -EINVAL;
	}
	p = arena_alloc(b->x->a, sizeof(*p));
	if (!p)
		return db_err_oom(b->x->err);
	p->f = f;
	e->plan = p;
	e->type = (struct sql_type){f->result, -1};
	return 0;
}

int catalog_func_eval(struct exec_ctx *x, const struct expr *e,
		      const struct eval_env *env, struct datum *out)
{
	const struct fn_plan *p = e->plan;
	struct datum a[4] = {{0}};
	struct fn_call c = {x, e, a, e->nargs, out};
	int i;

	for (i = 0; i < e->nargs && i < 4; i++) {
		if (eval(x, e->args[i], env, &a[i]) < 0)
			return -EINVAL;
		if (a[i].null && p->f->strict) {
			*out = datum_null(e->type.id);
			return 0;
		}
	}
	return p->f->fn(&c);
}
