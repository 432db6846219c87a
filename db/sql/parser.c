/* SPDX-License-Identifier: MIT */
/* parser.c: recursive-descent SQL parser (tokens -> struct stmt).
 *
 * One function per grammar rule; expressions by precedence levels, lowest
 * first, as PostgreSQL's gram.y orders them:
 *   OR < AND < NOT < IS < comparison < BETWEEN/IN/LIKE < other operators
 *   (||) < + - < * / % < unary minus < ::
 * Keywords are identifiers compared case-insensitively (the lexer already
 * folded them); a reserved word cannot be a bare column alias or a table
 * alias, which is how "select 1 frm t" fails at "t" as in PostgreSQL.
 *
 * Every syntax error is 42601 "syntax error at or near \"TOKEN\"" (the
 * token's original text) or "... at end of input", positioned at the token,
 * as PostgreSQL reports it. */
#include <stdio.h>
#include <string.h>
#include <unidb/errno.h>

#include "ast.h"
#include "interval.h"

struct parser {
	struct arena *a;
	const char *q;
	size_t qlen;
	struct token *t;
	int n, i;
	int depth; /* nesting of expressions and subqueries */
	int sublinks; /* nesting of subqueries in expressions and of
			 parenthesised set-operation operands */
	struct db_error *err;
};

/* Nesting limit: parsing, binding and evaluation recurse once per level,
 * and a connection's kernel thread has a small stack. PostgreSQL's
 * equivalent is max_stack_depth (54001). */
#define SQL_MAX_DEPTH 100
/* Running a subquery nests the executor's frames (bind, run, evaluate)
 * once per level; a connection thread's stack (16 KiB) allows few. */
#define SQL_MAX_SUBLINK_DEPTH 8

static int too_deep(struct parser *p, int pos);

/* Words that cannot be used as a bare alias (PostgreSQL's reserved
 * keywords that matter for the grammar parsed here). */
static const char *const reserved[] = {
	"all", "and", "any", "as", "asc", "between", "by", "case", "cast",
	"create", "cross", "default", "delete", "desc", "distinct", "drop",
	"else", "end", "except", "false", "fetch", "for", "from", "full",
	"group", "having", "in", "inner", "insert", "intersect", "into", "is",
	"join", "left", "like", "limit", "not", "null", "nulls", "offset",
	"on", "or", "order", "outer", "returning", "right", "select", "set",
	"table", "then", "true", "union", "update", "using", "values", "when",
	"where", "window", "with", NULL};

static struct token *cur(struct parser *p)
{
	return &p->t[p->i];
}

static bool is_kw(struct token *t, const char *kw)
{
	return t->kind == TOK_IDENT && strcmp(t->text, kw) == 0;
}

static bool peek_kw(struct parser *p, const char *kw)
{
	return is_kw(cur(p), kw);
}

static bool accept_kw(struct parser *p, const char *kw)
{
	if (!peek_kw(p, kw))
		return false;
	p->i++;
	return true;
}

static bool is_punct(struct token *t, char c)
{
	return t->kind == TOK_PUNCT && t->text[0] == c;
}

static bool accept_punct(struct parser *p, char c)
{
	if (!is_punct(cur(p), c))
		return false;
	p->i++;
	return true;
}

static bool is_op(struct token *t, const char *op)
{
	return t->kind == TOK_OP && t->len == strlen(op) &&
	       memcmp(t->text, op, t->len) == 0;
}

static bool accept_op(struct parser *p, const char *op)
{
	if (!is_op(cur(p), op))
		return false;
	p->i++;
	return true;
}

static bool is_reserved(const char *w)
{
	int k;

	for (k = 0; reserved[k]; k++)
		if (strcmp(reserved[k], w) == 0)
			return true;
	return false;
}

static int syntax_error(struct parser *p)
{
	struct token *t = cur(p);
	int pos = sql_char_pos(p->q, t->pos);

	if (t->kind == TOK_EOF)
		return db_err_pos(p->err, pos, "42601",
				  "syntax error at end of input");
	return db_err_pos(p->err, pos, "42601", "syntax error at or near \"%.*s\"",
			  t->end - t->pos > 200 ? 200 : t->end - t->pos,
			  p->q + t->pos);
}

static int expect_kw(struct parser *p, const char *kw)
{
	return accept_kw(p, kw) ? 0 : syntax_error(p);
}

static int expect_punct(struct parser *p, char c)
{
	return accept_punct(p, c) ? 0 : syntax_error(p);
}

static void *alloc(struct parser *p, size_t n)
{
	void *m = arena_alloc(p->a, n);

	if (!m)
		db_err_oom(p->err);
	return m;
}

/* A growable array of pointers-or-structs in the arena. */
static void *grow(struct parser *p, void *arr, int n, size_t elem)
{
	void *m;

	if (n & (n - 1) && n > 4)
		return arr; /* capacity is the next power of two */
	m = arena_realloc(p->a, arr, elem * (size_t)n,
			  elem * (size_t)(n < 4 ? 4 : n * 2));
	if (!m)
		db_err_oom(p->err);
	return m;
}

#define PUSH(p, arr, n, val)                                                   \
	({                                                                     \
		__typeof__(arr) na_ = grow(p, arr, n, sizeof(*(arr)));        \
		if (na_) {                                                     \
			na_[n] = (val);                                        \
			(arr) = na_;                                           \
			(n)++;                                                 \
		}                                                              \
		na_ != NULL;                                                   \
	})

/* A name: identifier or quoted identifier; reserved words only if quoted
 * (or allow_reserved, for column labels after AS). */
static const char *parse_name(struct parser *p, int *pos, bool allow_reserved)
{
	struct token *t = cur(p);

	if (t->kind == TOK_QIDENT ||
	    (t->kind == TOK_IDENT && (allow_reserved || !is_reserved(t->text)))) {
		p->i++;
		if (pos)
			*pos = t->pos;
		return t->text;
	}
	syntax_error(p);
	return NULL;
}

static struct expr *new_expr(struct parser *p, int kind, int pos)
{
	struct expr *e = alloc(p, sizeof(*e));

	if (e) {
		e->kind = (uint8_t)kind;
		e->pos = pos;
	}
	return e;
}

static struct expr *parse_expr(struct parser *p);
static struct expr *parse_other(struct parser *p);
static struct select *parse_select(struct parser *p);

/* numeric[(p[,s])]: precision 1..1000, scale 0..p. */
static int parse_numeric_mod(struct parser *p, struct sql_type *t, int pos)
{
	int64_t prec, scale = 0;
	struct token *tk;

	t->id = TYPE_NUMERIC;
	if (!accept_punct(p, '('))
		return 0;
	tk = cur(p);
	if (tk->kind != TOK_INT)
		return syntax_error(p);
	prec = tk->ival;
	p->i++;
	if (accept_punct(p, ',')) {
		if (cur(p)->kind != TOK_INT)
			return syntax_error(p);
		scale = cur(p)->ival;
		p->i++;
	}
	if (prec < 1 || prec > 1000)
		return db_err_pos(p->err, sql_char_pos(p->q, pos), "22023",
				  "NUMERIC precision %lld must be between 1 "
				  "and 1000",
				  (long long)prec);
	if (scale < 0 || scale > prec)
		return db_err_pos(p->err, sql_char_pos(p->q, pos), "0A000",
				  "NUMERIC scale %lld must be between 0 and "
				  "precision %lld in unidb",
				  (long long)scale, (long long)prec);
	t->mod = (int32_t)(prec << 16 | scale);
	return expect_punct(p, ')');
}

/* "(SELECT ...)" of a subquery expression, at the '(' (subquery.c runs
 * it). */
static struct expr *parse_sublink(struct parser *p, int kind, int pos)
{
	struct expr *e = new_expr(p, EX_SUBLINK, pos);

	if (!e || expect_punct(p, '(') < 0 || expect_kw(p, "select") < 0)
		return NULL;
	if (++p->depth > SQL_MAX_DEPTH) {
		db_err_pos(p->err, sql_char_pos(p->q, pos), "54001",
			   "stack depth limit exceeded");
		return NULL;
	}
	e->sublink = (uint8_t)kind;
	if (++p->sublinks > SQL_MAX_SUBLINK_DEPTH) {
		too_deep(p, pos);
		return NULL;
	}
	if (!(e->sub = parse_select(p)) || expect_punct(p, ')') < 0)
		return NULL;
	p->depth--;
	p->sublinks--;
	return e;
}

static bool peek_subselect(struct parser *p)
{
	return is_punct(cur(p), '(') && p->i + 1 < p->n &&
	       is_kw(&p->t[p->i + 1], "select");
}

/* The SQL standard qualifier after interval ('...'): YEAR, MONTH, DAY,
 * HOUR, MINUTE, SECOND, or a range "DAY TO SECOND"; into t->mod
 * (interval.h). */
static int interval_fields(struct parser *p, struct sql_type *t)
{
	int lo = cur(p)->kind == TOK_IDENT ? interval_field_of(cur(p)->text) : 0;
	int hi = 0;

	if (!lo)
		return 0;
	p->i++;
	if (accept_kw(p, "to")) {
		hi = lo;
		lo = cur(p)->kind == TOK_IDENT ? interval_field_of(cur(p)->text)
					       : 0;
		if (lo <= hi)
			return syntax_error(p);
		p->i++;
	}
	t->mod = lo | hi << 4;
	return 0;
}

static int parse_type(struct parser *p, struct sql_type *t)
{
	struct token *tk = cur(p);
	int pos = tk->pos;
	const char *w;

	if (tk->kind != TOK_IDENT && tk->kind != TOK_QIDENT)
		return syntax_error(p);
	w = tk->text;
	p->i++;
	t->mod = -1;
	if (!strcmp(w, "int") || !strcmp(w, "integer") || !strcmp(w, "int4"))
		t->id = TYPE_INT4;
	else if (!strcmp(w, "smallint") || !strcmp(w, "int2"))
		t->id = TYPE_INT2;
	else if (!strcmp(w, "bigint") || !strcmp(w, "int8"))
		t->id = TYPE_INT8;
	else if (!strcmp(w, "boolean") || !strcmp(w, "bool"))
		t->id = TYPE_BOOL;
	else if (!strcmp(w, "text"))
		t->id = TYPE_TEXT;
	else if (!strcmp(w, "varchar") || (!strcmp(w, "character") &&
					   accept_kw(p, "varying")))
		t->id = TYPE_VARCHAR;
	else if (!strcmp(w, "numeric") || !strcmp(w, "decimal"))
		return parse_numeric_mod(p, t, pos);
	else if (!strcmp(w, "char") || !strcmp(w, "character") ||
		 !strcmp(w, "bpchar")) {
		t->id = TYPE_BPCHAR;
		if (!is_punct(cur(p), '(') && strcmp(w, "bpchar"))
			t->mod = 1; /* char alone is char(1) */
	} else if (!strcmp(w, "date"))
		t->id = TYPE_DATE;
	else if (!strcmp(w, "interval")) {
		t->id = TYPE_INTERVAL;
		return interval_fields(p, t);
	}
	else if (!strcmp(w, "timestamptz"))
		t->id = TYPE_TIMESTAMPTZ;
	else if (!strcmp(w, "timestamp")) {
		t->id = TYPE_TIMESTAMP;
		if (peek_kw(p, "with") || peek_kw(p, "without")) {
			if (accept_kw(p, "with"))
				t->id = TYPE_TIMESTAMPTZ;
			else
				p->i++;
			if (expect_kw(p, "time") < 0 || expect_kw(p, "zone") < 0)
				return -EINVAL;
		}
	}
	else if (!strcmp(w, "real") || !strcmp(w, "float4"))
		t->id = TYPE_FLOAT4;
	else if (!strcmp(w, "float8") ||
		 (!strcmp(w, "double") && accept_kw(p, "precision")))
		t->id = TYPE_FLOAT8;
	else if (!strcmp(w, "float")) { /* float(p): real up to 24 bits */
		t->id = TYPE_FLOAT8;
		if (accept_punct(p, '(')) {
			if (cur(p)->kind != TOK_INT || cur(p)->ival < 1 ||
			    cur(p)->ival > 53)
				return db_err_pos(p->err,
						  sql_char_pos(p->q, cur(p)->pos),
						  "22023",
						  "precision for type float must "
						  "be between 1 and 53 bits");
			if (cur(p)->ival <= 24)
				t->id = TYPE_FLOAT4;
			p->i++;
			if (expect_punct(p, ')') < 0)
				return -EINVAL;
		}
	} else if (!strcmp(w, "serial") || !strcmp(w, "bigserial"))
		return db_err_pos(p->err, sql_char_pos(p->q, pos), "0A000",
				  "type \"%s\" is not supported by unidb yet",
				  w);
	else
		return db_err_pos(p->err, sql_char_pos(p->q, pos), "42704",
				  "type \"%s\" does not exist", w);
	if ((t->id == TYPE_VARCHAR || t->id == TYPE_BPCHAR) &&
	    accept_punct(p, '(')) {
		tk = cur(p);
		if (tk->kind != TOK_INT)
			return syntax_error(p);
		if (tk->ival < 1 || tk->ival > 10485760)
			return db_err_pos(p->err, sql_char_pos(p->q, tk->pos),
					  "22023",
					  "length for type varchar must be at "
					  "least 1");
		t->mod = (int32_t)tk->ival;
		p->i++;
		return expect_punct(p, ')');
	}
	return 0;
}

static struct expr *parse_case(struct parser *p, int pos)
{
	struct expr *e = new_expr(p, EX_CASE, pos), *w;

	if (!e)
		return NULL;
	if (!peek_kw(p, "when") && !(e->x = parse_expr(p)))
		return NULL;
	if (!peek_kw(p, "when")) {
		syntax_error(p);
		return NULL;
	}
	while (accept_kw(p, "when")) {
		if (!(w = parse_expr(p)) || !PUSH(p, e->args, e->nargs, w))
			return NULL;
		if (expect_kw(p, "then") < 0)
			return NULL;
		if (!(w = parse_expr(p)) || !PUSH(p, e->args, e->nargs, w))
			return NULL;
	}
	if (accept_kw(p, "else") && !(e->r = parse_expr(p)))
		return NULL;
	return expect_kw(p, "end") < 0 ? NULL : e;
}

static struct expr *const_int(struct parser *p, int64_t v, int pos)
{
	struct expr *e = new_expr(p, EX_CONST, pos);

	if (e)
		e->val = datum_int(TYPE_INT4, v);
	return e;
}

/* SQL's keyword argument forms, rewritten to plain calls as gram.y does:
 * SUBSTRING(s FROM a FOR b) -> substring(s, a, b); TRIM([BOTH|LEADING|
 * TRAILING] [chars] FROM s) -> btrim/ltrim/rtrim(s, chars); POSITION(a IN
 * b) -> position(b, a); EXTRACT(field FROM x) -> extract('field', x).
 * Returns 1 (nothing consumed) for the ordinary comma form. */
static int parse_special_args(struct parser *p, struct expr *e)
{
	struct expr *a = NULL, *b = NULL, *c = NULL;
	int save = p->i;

	if (!strcmp(e->name, "substring")) {
		if (!(a = parse_expr(p)))
			return -1;
		if (accept_kw(p, "from") && !(b = parse_expr(p)))
			return -1;
		if (accept_kw(p, "for") && !(c = parse_expr(p)))
			return -1;
		if (!b && !c) {
			p->i = save;
			return 1;
		}
		if (!b && !(b = const_int(p, 1, e->pos)))
			return -1;
	} else if (!strcmp(e->name, "trim")) {
		e->name = accept_kw(p, "leading")    ? "ltrim"
			  : accept_kw(p, "trailing") ? "rtrim"
						     : "btrim";
		accept_kw(p, "both");
		if (!accept_kw(p, "from")) {
			if (!(c = parse_expr(p)))
				return -1;
			if (!accept_kw(p, "from")) {
				a = c;
				c = NULL;
				if (accept_punct(p, ',') && !(c = parse_expr(p)))
					return -1;
			}
		}
		if (!a && !(a = parse_expr(p)))
			return -1;
		b = c;
		c = NULL;
	} else if (!strcmp(e->name, "position")) {
		if (!(b = parse_other(p)) || expect_kw(p, "in") < 0 ||
		    !(a = parse_other(p)))
			return -1;
	} else if (!strcmp(e->name, "extract")) {
		struct token *t = cur(p);

		if ((t->kind != TOK_IDENT && t->kind != TOK_STRING) ||
		    !(b = new_expr(p, EX_CONST, t->pos)))
			return t->kind != TOK_IDENT && t->kind != TOK_STRING
				       ? syntax_error(p)
				       : -1;
		b->val = datum_str(TYPE_UNKNOWN, t->text, (uint32_t)t->len);
		p->i++;
		if (expect_kw(p, "from") < 0 || !(a = parse_expr(p)))
			return -1;
		c = a, a = b, b = c, c = NULL;
	} else {
		return 1;
	}
	if (!PUSH(p, e->args, e->nargs, a) ||
	    (b && !PUSH(p, e->args, e->nargs, b)) ||
	    (c && !PUSH(p, e->args, e->nargs, c)))
		return -1;
	return expect_punct(p, ')');
}

static struct expr *parse_func(struct parser *p, const char *name, int pos)
{
	struct expr *e = new_expr(p, EX_FUNC, pos), *a;
	int r;

	if (!e)
		return NULL;
	e->name = name;
	p->i++; /* '(' */
	if (!is_punct(cur(p), ')') && (r = parse_special_args(p, e)) <= 0)
		return r < 0 ? NULL : e;
	if (accept_op(p, "*")) {
		e->star = true;
		return expect_punct(p, ')') < 0 ? NULL : e;
	}
	if (accept_kw(p, "distinct"))
		e->distinct = true;
	else
		accept_kw(p, "all");
	if (accept_punct(p, ')'))
		return e;
	do {
		if (!(a = parse_expr(p)) || !PUSH(p, e->args, e->nargs, a))
			return NULL;
	} while (accept_punct(p, ','));
	return expect_punct(p, ')') < 0 ? NULL : e;
}

static struct expr *parse_const(struct parser *p, struct datum d, int pos)
{
	struct expr *e = new_expr(p, EX_CONST, pos);

	if (e)
		e->val = d;
	p->i++;
	return e;
}

/* Identifier-led primaries: keywords with meaning, functions, columns. */
static struct expr *parse_ident_primary(struct parser *p)
{
	struct token *t = cur(p);
	int pos = t->pos;
	struct expr *e;

	if (t->kind == TOK_IDENT) {
		if (is_kw(t, "null"))
			return parse_const(p, datum_null(TYPE_NULL), pos);
		if (is_kw(t, "true"))
			return parse_const(p, datum_bool(true), pos);
		if (is_kw(t, "false"))
			return parse_const(p, datum_bool(false), pos);
		if (is_kw(t, "case")) {
			p->i++;
			return parse_case(p, pos);
		}
		if (is_kw(t, "array") && is_punct(&p->t[p->i + 1], '(')) {
			p->i++;
			return parse_sublink(p, SUB_ARRAY, pos);
		}
		if (is_kw(t, "exists") && is_punct(&p->t[p->i + 1], '(')) {
			p->i++;
			return parse_sublink(p, SUB_EXISTS, pos);
		}
		if (is_kw(t, "cast")) {
			p->i++;
			if (expect_punct(p, '(') < 0 ||
			    !(e = new_expr(p, EX_CAST, pos)) ||
			    !(e->l = parse_expr(p)) || expect_kw(p, "as") < 0 ||
			    parse_type(p, &e->type) < 0 ||
			    expect_punct(p, ')') < 0)
				return NULL;
			return e;
		}
		if (p->t[p->i + 1].kind == TOK_STRING &&
		    (is_kw(t, "date") || is_kw(t, "timestamp") ||
		     is_kw(t, "timestamptz") || is_kw(t, "numeric") ||
		     is_kw(t, "decimal") || is_kw(t, "interval"))) {
			/* a typed literal: date '...', interval '1' day */
			if (!(e = new_expr(p, EX_CAST, pos)) ||
			    parse_type(p, &e->type) < 0 ||
			    !(e->l = parse_const(p,
						 datum_str(TYPE_UNKNOWN,
							   cur(p)->text,
							   (uint32_t)cur(p)->len),
						 cur(p)->pos)))
				return NULL;
			if (e->type.id == TYPE_INTERVAL &&
			    interval_fields(p, &e->type) < 0)
				return NULL;
			return e;
		}
		if ((is_kw(t, "current_date") || is_kw(t, "current_timestamp") ||
		     is_kw(t, "localtimestamp")) &&
		    !is_punct(&p->t[p->i + 1], '(')) {
			if (!(e = new_expr(p, EX_FUNC, pos)))
				return NULL;
			e->name = t->text;
			p->i++;
			return e;
		}
		if (is_reserved(t->text) && !is_punct(&p->t[p->i + 1], '(')) {
			syntax_error(p);
			return NULL;
		}
	}
	p->i++;
	if (t->kind == TOK_IDENT && is_punct(cur(p), '('))
		return parse_func(p, t->text, pos);
	e = new_expr(p, EX_COLUMN, pos);
	if (!e)
		return NULL;
	e->name = t->text;
	if (accept_punct(p, '.')) {
		e->qual = e->name;
		if (accept_op(p, "*")) {
			e->kind = EX_STAR;
			return e;
		}
		if (!(e->name = parse_name(p, NULL, true)))
			return NULL;
		if (!strcmp(e->qual, "pg_catalog") && is_punct(cur(p), '('))
			return parse_func(p, e->name, pos);
	}
	return e;
}

static struct expr *parse_primary(struct parser *p)
{
	struct token *t = cur(p);
	struct expr *e;

	switch (t->kind) {
	case TOK_INT:
		return parse_const(p,
				   datum_int(t->ival > INT32_MAX ? TYPE_INT8
								 : TYPE_INT4,
					     t->ival),
				   t->pos);
	case TOK_NUM: {
		struct sql_type nt = {TYPE_NUMERIC, -1};
		struct datum d;

		if (datum_in(p->a, nt, t->text, t->len, &d, p->err) < 0) {
			p->err->position = sql_char_pos(p->q, t->pos);
			return NULL;
		}
		return parse_const(p, d, t->pos);
	}
	case TOK_STRING:
		return parse_const(p,
				   datum_str(TYPE_UNKNOWN, t->text,
					     (uint32_t)t->len),
				   t->pos);
	case TOK_PARAM:
		if (t->ival < 1 || t->ival > 65535) {
			db_err_pos(p->err, sql_char_pos(p->q, t->pos), "42P02",
				   "there is no parameter $%lld",
				   (long long)t->ival);
			return NULL;
		}
		if ((e = new_expr(p, EX_PARAM, t->pos)))
			e->slot = (int)t->ival - 1;
		p->i++;
		return e;
	case TOK_IDENT:
	case TOK_QIDENT:
		return parse_ident_primary(p);
	case TOK_PUNCT:
		if (peek_subselect(p))
			return parse_sublink(p, SUB_SCALAR, t->pos);
		if (is_punct(t, '(')) {
			p->i++;
			e = parse_expr(p);
			if (!e || expect_punct(p, ')') < 0)
				return NULL;
			return e;
		}
		break;
	default:
		break;
	}
	syntax_error(p);
	return NULL;
}

/* Casts to the catalog's own types (regclass, oid, name, arrays...) are
 * functions of db/exec/catalog.c named "::type"; NULL if not one. */
static struct expr *catalog_cast(struct parser *p, struct expr *e, int pos)
{
	static const char *const types[] = {"regclass", "regtype",
					    "regnamespace", "regproc", "regrole",
					    "oid", "name", "char", NULL};
	struct token *t = cur(p);
	struct expr *f;
	int k;

	if (t->kind != TOK_IDENT && t->kind != TOK_QIDENT)
		return NULL;
	for (k = 0; types[k]; k++)
		if (!strcmp(t->text, types[k]) &&
		    (k != 7 || t->kind == TOK_QIDENT) /* "char" */)
			break;
	if (!types[k] && !is_punct(&p->t[p->i + 1], '['))
		return NULL;
	if (!(f = new_expr(p, EX_FUNC, pos)) || !PUSH(p, f->args, f->nargs, e))
		return NULL;
	if (types[k]) {
		size_t n = strlen(types[k]) + 3;
		char *nm = alloc(p, n);

		if (!nm)
			return NULL;
		memcpy(nm, "::", 2);
		memcpy(nm + 2, types[k], n - 2);
		f->name = nm;
		p->i++;
	} else { /* type[]: arrays are their text form here */
		f->name = "::array";
		p->i++;
	}
	if (accept_punct(p, '[') && expect_punct(p, ']') < 0)
		return NULL;
	return f;
}

static struct expr *parse_cast_expr(struct parser *p)
{
	struct expr *e = parse_primary(p), *c;

	for (;;) {
		if (e && is_kw(cur(p), "collate")) {
			/* COLLATE "C" / pg_catalog.default: text compares
			 * byte-wise in every collation unidb has */
			p->i++;
			if (!parse_name(p, NULL, true) ||
			    (accept_punct(p, '.') && !parse_name(p, NULL, true)))
				return NULL;
			continue;
		}
		if (e && is_punct(cur(p), '[')) { /* a[i]: catalog_fn.c */
			c = new_expr(p, EX_FUNC, cur(p)->pos);
			p->i++;
			if (!c || !PUSH(p, c->args, c->nargs, e) ||
			    !(e = parse_expr(p)) ||
			    !PUSH(p, c->args, c->nargs, e) ||
			    expect_punct(p, ']') < 0)
				return NULL;
			c->name = "subscript";
			e = c;
			continue;
		}
		if (!e || !is_op(cur(p), "::"))
			return e;
		int pos = cur(p)->pos;

		p->i++;
		if (is_kw(cur(p), "pg_catalog") && is_punct(&p->t[p->i + 1], '.'))
			p->i += 2;
		if ((c = catalog_cast(p, e, pos))) {
			e = c;
			continue;
		}
		if (p->err->code[0])
			return NULL;
		c = new_expr(p, EX_CAST, pos);
		if (!c || parse_type(p, &c->type) < 0)
			return NULL;
		if (accept_punct(p, '[')) { /* int2[] etc.: see catalog_cast */
			if (expect_punct(p, ']') < 0)
				return NULL;
			c->kind = EX_FUNC;
			c->name = "::array";
			if (!PUSH(p, c->args, c->nargs, e))
				return NULL;
		} else {
			c->l = e;
		}
		e = c;
	}
}

static struct expr *binop(struct parser *p, int op, struct expr *l,
			  struct expr *r, int pos)
{
	struct expr *e;

	if (!l || !r || !(e = new_expr(p, EX_BINOP, pos)))
		return NULL;
	e->op = (uint8_t)op;
	e->l = l;
	e->r = r;
	return e;
}

static struct expr *parse_unary(struct parser *p)
{
	struct token *t = cur(p);
	struct expr *e;

	if (is_op(t, "-") || is_op(t, "+")) {
		bool neg = is_op(t, "-");

		p->i++;
		if (++p->depth > SQL_MAX_DEPTH) {
			db_err_pos(p->err, sql_char_pos(p->q, t->pos), "54001",
				   "stack depth limit exceeded");
			return NULL;
		}
		e = parse_unary(p);
		p->depth--;
		if (!e || !neg)
			return e;
		/* PostgreSQL folds a minus into a numeric constant. */
		if (e->kind == EX_CONST && type_is_int(e->val.type) &&
		    !e->val.null) {
			e->val.i = -e->val.i;
			if (e->val.i == INT32_MIN)
				e->val.type = TYPE_INT4;
			e->pos = t->pos;
			return e;
		}
		if (e->kind == EX_CONST && e->val.type == TYPE_NUMERIC &&
		    !e->val.null && e->val.s[0] != '-') {
			char *m = alloc(p, e->val.len + 1);
			uint32_t k = 0;

			if (!m)
				return NULL;
			m[0] = '-';
			memcpy(m + 1, e->val.s, e->val.len);
			while (k < e->val.len && (e->val.s[k] == '0' ||
						  e->val.s[k] == '.'))
				k++;
			if (k < e->val.len) /* -0 is 0 */
				e->val = datum_str(TYPE_NUMERIC, m,
						   e->val.len + 1);
			e->pos = t->pos;
			return e;
		}
		struct expr *u = new_expr(p, EX_UNOP, t->pos);

		if (u) {
			u->op = OP_NEG;
			u->l = e;
		}
		return u;
	}
	return parse_cast_expr(p);
}

static struct expr *parse_mul(struct parser *p)
{
	struct expr *e = parse_unary(p);

	for (;;) {
		struct token *t = cur(p);
		int op = is_op(t, "*") ? OP_MUL : is_op(t, "/") ? OP_DIV
				: is_op(t, "%")		       ? OP_MOD
							       : OP_NONE;
		if (!e || op == OP_NONE)
			return e;
		p->i++;
		e = binop(p, op, e, parse_unary(p), t->pos);
	}
}

static struct expr *parse_add(struct parser *p)
{
	struct expr *e = parse_mul(p);

	for (;;) {
		struct token *t = cur(p);
		int op = is_op(t, "+") ? OP_ADD : is_op(t, "-") ? OP_SUB
								: OP_NONE;
		if (!e || op == OP_NONE)
			return e;
		p->i++;
		e = binop(p, op, e, parse_mul(p), t->pos);
	}
}

/* The regular-expression operators ~ ~* !~ !~*, also written
 * OPERATOR(pg_catalog.~): functions named by the operator (catalog.c). */
static const char *regex_op(struct parser *p)
{
	static const char *const ops[] = {"~", "~*", "!~", "!~*", NULL};
	struct token *t = cur(p);
	int k, save = p->i;

	if (is_kw(t, "operator") && is_punct(&p->t[p->i + 1], '(')) {
		p->i += 2;
		if (is_kw(cur(p), "pg_catalog") && is_punct(&p->t[p->i + 1], '.'))
			p->i += 2;
		t = cur(p);
		if (t->kind != TOK_OP || !is_punct(&p->t[p->i + 1], ')')) {
			p->i = save;
			return NULL;
		}
		p->i++;
	} else if (t->kind != TOK_OP) {
		return NULL;
	}
	for (k = 0; ops[k]; k++)
		if (is_op(t, ops[k])) {
			p->i = t == &p->t[save] ? save + 1 : p->i + 1;
			return ops[k];
		}
	p->i = save;
	return NULL;
}

static struct expr *parse_other(struct parser *p)
{
	struct expr *e = parse_add(p), *f;
	const char *rop;

	for (;;) {
		int pos = cur(p)->pos;

		if (e && is_op(cur(p), "||")) {
			p->i++;
			e = binop(p, OP_CONCAT, e, parse_add(p), pos);
			continue;
		}
		if (!e || !(rop = regex_op(p)))
			return e;
		if (!(f = new_expr(p, EX_FUNC, pos)) ||
		    !PUSH(p, f->args, f->nargs, e) || !(e = parse_add(p)) ||
		    !PUSH(p, f->args, f->nargs, e))
			return NULL;
		f->name = rop;
		e = f;
	}
}

static struct expr *parse_in_list(struct parser *p, struct expr *l, int pos)
{
	struct expr *e, *a;

	if (peek_subselect(p)) { /* l IN (SELECT ...) is l = ANY (...) */
		if ((e = parse_sublink(p, SUB_ANY, pos))) {
			e->op = OP_EQ;
			e->l = l;
		}
		return e;
	}
	e = new_expr(p, EX_IN, pos);
	if (!e || expect_punct(p, '(') < 0)
		return NULL;
	e->l = l;
	do {
		if (!(a = parse_expr(p)) || !PUSH(p, e->args, e->nargs, a))
			return NULL;
	} while (accept_punct(p, ','));
	return expect_punct(p, ')') < 0 ? NULL : e;
}

/* BETWEEN, IN, LIKE, each optionally negated. */
static struct expr *parse_pattern(struct parser *p)
{
	struct expr *e = parse_other(p), *n;
	bool neg;
	int pos;

	while (e) {
		int save = p->i;

		pos = cur(p)->pos;
		neg = accept_kw(p, "not");
		if (accept_kw(p, "between")) {
			if (!(n = new_expr(p, EX_BETWEEN, pos)))
				return NULL;
			n->x = e;
			if (!(n->l = parse_other(p)) || expect_kw(p, "and") < 0 ||
			    !(n->r = parse_other(p)))
				return NULL;
		} else if (accept_kw(p, "in")) {
			n = parse_in_list(p, e, pos);
		} else if (accept_kw(p, "like")) {
			if (!(n = new_expr(p, EX_LIKE, pos)) ||
			    !(n->r = parse_other(p)))
				return NULL;
			n->l = e;
		} else {
			p->i = save;
			return e;
		}
		if (!n)
			return NULL;
		n->negated = neg;
		e = n;
	}
	return e;
}

static struct expr *parse_cmp(struct parser *p)
{
	static const struct {
		const char *op;
		int code;
	} ops[] = {{"=", OP_EQ},  {"<>", OP_NE}, {"!=", OP_NE}, {"<", OP_LT},
		   {"<=", OP_LE}, {">", OP_GT},	 {">=", OP_GE}};
	struct expr *e = parse_pattern(p);
	unsigned k;

	if (!e)
		return NULL;
	for (k = 0; k < sizeof(ops) / sizeof(ops[0]); k++) {
		struct token *t = cur(p);

		if (is_op(t, ops[k].op)) {
			struct token *q = &p->t[p->i + 1];
			struct expr *sl;

			p->i++;
			if ((is_kw(q, "any") || is_kw(q, "some") ||
			     is_kw(q, "all")) && p->i + 2 < p->n &&
			    is_punct(&p->t[p->i + 1], '(') &&
			    is_kw(&p->t[p->i + 2], "select")) {
				p->i++;
				sl = parse_sublink(p, is_kw(q, "all") ? SUB_ALL
								     : SUB_ANY,
						   t->pos);
				if (sl) {
					sl->op = (uint8_t)ops[k].code;
					sl->l = e;
				}
				return sl;
			}
			if ((is_kw(q, "any") || is_kw(q, "some") ||
			     is_kw(q, "all")) && is_punct(&p->t[p->i + 1], '(')) {
				/* op ANY (array): catalog_fn.c */
				p->i += 2;
				if (!(sl = new_expr(p, EX_FUNC, t->pos)) ||
				    !PUSH(p, sl->args, sl->nargs, e) ||
				    !(e = parse_expr(p)) ||
				    !PUSH(p, sl->args, sl->nargs, e) ||
				    expect_punct(p, ')') < 0)
					return NULL;
				sl->name = is_kw(q, "all") ? "all" : "any";
				sl->op = (uint8_t)ops[k].code;
				return sl;
			}
			return binop(p, ops[k].code, e, parse_pattern(p),
				     t->pos);
		}
	}
	if (cur(p)->kind == TOK_OP && !is_op(cur(p), "::")) {
		struct token *t = cur(p);

		db_err_pos(p->err, sql_char_pos(p->q, t->pos), "42883",
			   "operator does not exist: %.*s", (int)t->len,
			   t->text);
		return NULL;
	}
	return e;
}

static struct expr *parse_is(struct parser *p)
{
	struct expr *e = parse_cmp(p), *n;

	while (e && peek_kw(p, "is")) {
		int pos = cur(p)->pos;

		p->i++;
		n = new_expr(p, EX_ISNULL, pos);
		if (!n)
			return NULL;
		n->l = e;
		n->negated = accept_kw(p, "not");
		if (accept_kw(p, "true")) {
			n->kind = EX_ISBOOL;
			n->val = datum_bool(true);
		} else if (accept_kw(p, "false")) {
			n->kind = EX_ISBOOL;
			n->val = datum_bool(false);
		} else if (!accept_kw(p, "null")) {
			syntax_error(p);
			return NULL;
		}
		e = n;
	}
	return e;
}

static struct expr *parse_not(struct parser *p)
{
	struct expr *e;

	if (peek_kw(p, "not")) {
		int pos = cur(p)->pos;

		p->i++;
		e = new_expr(p, EX_UNOP, pos);
		if (++p->depth > SQL_MAX_DEPTH) {
			db_err_pos(p->err, sql_char_pos(p->q, pos), "54001",
				   "stack depth limit exceeded");
			return NULL;
		}
		if (!e || !(e->l = parse_not(p)))
			return NULL;
		p->depth--;
		e->op = OP_NOT;
		return e;
	}
	return parse_is(p);
}

static struct expr *parse_and(struct parser *p)
{
	struct expr *e = parse_not(p);

	while (e && peek_kw(p, "and")) {
		int pos = cur(p)->pos;

		p->i++;
		e = binop(p, OP_AND, e, parse_not(p), pos);
	}
	return e;
}

static struct expr *parse_expr(struct parser *p)
{
	struct expr *e;

	if (++p->depth > SQL_MAX_DEPTH) {
		db_err_pos(p->err, sql_char_pos(p->q, cur(p)->pos), "54001",
			   "stack depth limit exceeded");
		return NULL;
	}
	e = parse_and(p);
	p->depth--;
	while (e && peek_kw(p, "or")) {
		int pos = cur(p)->pos;

		p->i++;
		e = binop(p, OP_OR, e, parse_and(p), pos);
	}
	return e;
}

/* [AS] alias: with AS any word; without, only a non-reserved one. */
static int parse_alias(struct parser *p, const char **alias)
{
	struct token *t = cur(p);

	*alias = NULL;
	if (accept_kw(p, "as")) {
		*alias = parse_name(p, NULL, true);
		return *alias ? 0 : -EINVAL;
	}
	if (t->kind == TOK_QIDENT ||
	    (t->kind == TOK_IDENT && !is_reserved(t->text))) {
		*alias = t->text;
		p->i++;
	}
	return 0;
}

static int parse_targets(struct parser *p, struct target **out, int *n)
{
	do {
		struct target tg = {0};
		struct token *t = cur(p);

		if (is_op(t, "*")) {
			tg.e = new_expr(p, EX_STAR, t->pos);
			p->i++;
		} else {
			tg.e = parse_expr(p);
			if (tg.e && parse_alias(p, &tg.alias) < 0)
				return -EINVAL;
		}
		if (!tg.e || !PUSH(p, *out, *n, tg))
			return -EINVAL;
	} while (accept_punct(p, ','));
	return 0;
}

static int parse_from_item(struct parser *p, struct from_item *f)
{
	struct token *t = cur(p);

	f->pos = t->pos;
	if (accept_punct(p, '(')) {
		if (!peek_kw(p, "select"))
			return syntax_error(p);
		p->i++;
		if (++p->depth > SQL_MAX_DEPTH)
			return db_err_pos(p->err, sql_char_pos(p->q, f->pos),
					  "54001", "stack depth limit exceeded");
		if (!(f->sub = parse_select(p)) || expect_punct(p, ')') < 0)
			return -EINVAL;
		p->depth--;
		if (parse_alias(p, &f->alias) < 0)
			return -EINVAL;
		if (!f->alias)
			return db_err_pos(p->err, sql_char_pos(p->q, f->pos),
					  "42601",
					  "subquery in FROM must have an "
					  "alias");
		return 0;
	}
	if (!(f->table = parse_name(p, NULL, false)))
		return -EINVAL;
	if (is_punct(cur(p), '(')) { /* FROM generate_series(...) */
		if (!(f->func = parse_func(p, f->table, f->pos)))
			return -EINVAL;
		f->table = NULL;
		return parse_alias(p, &f->alias);
	}
	if (accept_punct(p, '.')) { /* schema.table: public and pg_catalog */
		const char *schema = f->table;

		if (!(f->table = parse_name(p, NULL, true)))
			return -EINVAL;
		if (!strcmp(schema, "information_schema") &&
		    !is_punct(cur(p), '(')) { /* catalog.c's relations */
			size_t n = strlen(f->table) + 20;
			char *q = alloc(p, n);

			if (!q)
				return -EINVAL;
			snprintf(q, n, "information_schema.%s", f->table);
			if (parse_alias(p, &f->alias) < 0)
				return -EINVAL;
			if (!f->alias)
				f->alias = f->table;
			f->table = q;
			return 0;
		}
	}
	if (is_punct(cur(p), '(')) { /* pg_catalog.generate_series(...) */
		if (!(f->func = parse_func(p, f->table, f->pos)))
			return -EINVAL;
		f->table = NULL;
	}
	return parse_alias(p, &f->alias);
}

static int parse_from(struct parser *p, struct select *s)
{
	struct from_item f = {0};

	if (parse_from_item(p, &f) < 0 || !PUSH(p, s->from, s->nfrom, f))
		return -EINVAL;
	for (;;) {
		memset(&f, 0, sizeof(f));
		if (accept_punct(p, ',')) {
			f.join = JOIN_CROSS;
		} else if (accept_kw(p, "cross")) {
			if (expect_kw(p, "join") < 0)
				return -EINVAL;
			f.join = JOIN_CROSS;
		} else if (accept_kw(p, "join") ||
			   (accept_kw(p, "inner") && expect_kw(p, "join") == 0)) {
			f.join = JOIN_INNER;
		} else if (accept_kw(p, "left")) {
			accept_kw(p, "outer");
			if (expect_kw(p, "join") < 0)
				return -EINVAL;
			f.join = JOIN_LEFT;
		} else {
			return p->err->code[0] ? -EINVAL : 0;
		}
		if (parse_from_item(p, &f) < 0)
			return -EINVAL;
		if (f.join != JOIN_CROSS &&
		    (expect_kw(p, "on") < 0 || !(f.on = parse_expr(p))))
			return -EINVAL;
		if (!PUSH(p, s->from, s->nfrom, f))
			return -EINVAL;
	}
}

static int parse_order(struct parser *p, struct select *s)
{
	do {
		struct order_item o = {.nulls_first = -1};

		if (!(o.e = parse_expr(p)))
			return -EINVAL;
		if (accept_kw(p, "desc"))
			o.desc = true;
		else
			accept_kw(p, "asc");
		if (accept_kw(p, "nulls")) {
			if (accept_kw(p, "first"))
				o.nulls_first = 1;
			else if (accept_kw(p, "last"))
				o.nulls_first = 0;
			else
				return syntax_error(p);
		}
		if (!PUSH(p, s->order, s->norder, o))
			return -EINVAL;
	} while (accept_punct(p, ','));
	return 0;
}

/* After SELECT: the list, FROM, WHERE, GROUP BY, HAVING. */
static struct select *parse_select_core(struct parser *p)
{
	struct select *s = alloc(p, sizeof(*s));
	struct expr *e;

	if (!s)
		return NULL;
	if (accept_kw(p, "distinct"))
		s->distinct = true;
	else
		accept_kw(p, "all");
	if (parse_targets(p, &s->targets, &s->ntargets) < 0)
		return NULL;
	if (accept_kw(p, "from") && parse_from(p, s) < 0)
		return NULL;
	if (accept_kw(p, "where") && !(s->where = parse_expr(p)))
		return NULL;
	if (accept_kw(p, "group")) {
		if (expect_kw(p, "by") < 0)
			return NULL;
		do {
			if (!(e = parse_expr(p)) ||
			    !PUSH(p, s->group, s->ngroup, e))
				return NULL;
		} while (accept_punct(p, ','));
	}
	if (accept_kw(p, "having") && !(s->having = parse_expr(p)))
		return NULL;
	return s;
}

/* An operand of a set operation: SELECT core or ( full select ). */
static struct select *parse_set_term(struct parser *p)
{
	struct select *s;
	int pos = cur(p)->pos;

	if (accept_kw(p, "select"))
		return parse_select_core(p);
	if (!accept_punct(p, '(') || expect_kw(p, "select") < 0) {
		if (!p->err->code[0])
			syntax_error(p);
		return NULL;
	}
	if (++p->depth > SQL_MAX_DEPTH) {
		db_err_pos(p->err, sql_char_pos(p->q, pos), "54001",
			   "stack depth limit exceeded");
		return NULL;
	}
	if (++p->sublinks > SQL_MAX_SUBLINK_DEPTH) {
		too_deep(p, pos);
		return NULL;
	}
	s = parse_select(p);
	p->depth--;
	p->sublinks--;
	return s && expect_punct(p, ')') == 0 ? s : NULL;
}

static int too_deep(struct parser *p, int pos)
{
	return db_err_pos(p->err, sql_char_pos(p->q, pos), "54001",
			  "subqueries nest at most %d deep in unidb",
			  SQL_MAX_SUBLINK_DEPTH);
}

static struct select *setop_node(struct parser *p, int kind, bool all,
				 struct select *l, struct select *r, int pos)
{
	struct select *s;

	if (!l || !r || !(s = alloc(p, sizeof(*s))))
		return NULL;
	s->setop = (uint8_t)kind;
	s->setop_all = all;
	s->larg = l;
	s->rarg = r;
	s->setop_pos = pos;
	return s;
}

static bool accept_all(struct parser *p)
{
	if (accept_kw(p, "all"))
		return true;
	accept_kw(p, "distinct");
	return false;
}

/* INTERSECT binds tighter than UNION and EXCEPT (gram.y). */
static struct select *parse_intersect(struct parser *p, struct select *l)
{
	while (l && peek_kw(p, "intersect")) {
		int pos = cur(p)->pos;
		bool all;

		p->i++;
		all = accept_all(p);
		l = setop_node(p, SETOP_INTERSECT, all, l, parse_set_term(p),
			       pos);
	}
	return l;
}

/* After SELECT: a query with set operations, then ORDER BY and LIMIT of
 * the whole. */
static struct select *parse_select(struct parser *p)
{
	struct select *s = parse_intersect(p, parse_select_core(p));

	while (s && (peek_kw(p, "union") || peek_kw(p, "except"))) {
		int kind = peek_kw(p, "union") ? SETOP_UNION : SETOP_EXCEPT;
		int pos = cur(p)->pos;
		bool all;

		p->i++;
		all = accept_all(p);
		s = setop_node(p, kind, all, s,
			       parse_intersect(p, parse_set_term(p)), pos);
	}
	if (!s)
		return NULL;
	if (accept_kw(p, "order") &&
	    (expect_kw(p, "by") < 0 || parse_order(p, s) < 0))
		return NULL;
	for (;;) {
		if (accept_kw(p, "limit")) {
			if (accept_kw(p, "all"))
				continue;
			if (!(s->limit = parse_expr(p)))
				return NULL;
		} else if (accept_kw(p, "offset")) {
			if (!(s->offset = parse_expr(p)))
				return NULL;
			if (!accept_kw(p, "rows"))
				accept_kw(p, "row");
		} else {
			break;
		}
	}
	return s;
}

static int parse_returning(struct parser *p, struct stmt *st)
{
	if (!accept_kw(p, "returning"))
		return 0;
	return parse_targets(p, &st->returning, &st->nreturning);
}

static int parse_name_list(struct parser *p, const char ***names, int **pos,
			   int *n)
{
	int k;

	do {
		const char *nm = parse_name(p, &k, false);

		if (!nm || !PUSH(p, *names, *n, nm))
			return -EINVAL;
		(*n)--;
		if (!PUSH(p, *pos, *n, k))
			return -EINVAL;
	} while (accept_punct(p, ','));
	return 0;
}

static int parse_values(struct parser *p, struct stmt *st)
{
	do {
		struct expr **row = NULL, *e;
		int len = 0;

		if (expect_punct(p, '(') < 0)
			return -EINVAL;
		do {
			struct token *t = cur(p);

			if (is_kw(t, "default")) {
				e = new_expr(p, EX_CONST, t->pos);
				if (!e)
					return -EINVAL;
				e->star = true; /* DEFAULT marker */
				p->i++;
			} else if (!(e = parse_expr(p))) {
				return -EINVAL;
			}
			if (!PUSH(p, row, len, e))
				return -EINVAL;
		} while (accept_punct(p, ','));
		if (expect_punct(p, ')') < 0 || !PUSH(p, st->rows, st->nrows, row))
			return -EINVAL;
		st->nrows--;
		if (!PUSH(p, st->row_len, st->nrows, len))
			return -EINVAL;
	} while (accept_punct(p, ','));
	return 0;
}

static int parse_insert(struct parser *p, struct stmt *st)
{
	st->kind = ST_INSERT;
	if (expect_kw(p, "into") < 0 ||
	    !(st->table = parse_name(p, &st->table_pos, false)))
		return -EINVAL;
	if (accept_punct(p, '(') &&
	    (parse_name_list(p, &st->names, &st->name_pos, &st->nnames) < 0 ||
	     expect_punct(p, ')') < 0))
		return -EINVAL;
	if (accept_kw(p, "values")) {
		if (parse_values(p, st) < 0)
			return -EINVAL;
	} else if (accept_kw(p, "select")) {
		if (!(st->select = parse_select(p)))
			return -EINVAL;
	} else {
		return syntax_error(p);
	}
	return parse_returning(p, st);
}

static int parse_update(struct parser *p, struct stmt *st)
{
	st->kind = ST_UPDATE;
	if (!(st->table = parse_name(p, &st->table_pos, false)) ||
	    expect_kw(p, "set") < 0)
		return -EINVAL;
	do {
		struct set_item si = {0};

		if (!(si.column = parse_name(p, &si.pos, false)) ||
		    (!accept_op(p, "=") && syntax_error(p)) ||
		    !(si.e = parse_expr(p)) || !PUSH(p, st->sets, st->nsets, si))
			return -EINVAL;
	} while (accept_punct(p, ','));
	if (accept_kw(p, "where") && !(st->where = parse_expr(p)))
		return -EINVAL;
	return parse_returning(p, st);
}

static int parse_delete(struct parser *p, struct stmt *st)
{
	st->kind = ST_DELETE;
	if (expect_kw(p, "from") < 0 ||
	    !(st->table = parse_name(p, &st->table_pos, false)))
		return -EINVAL;
	if (accept_kw(p, "where") && !(st->where = parse_expr(p)))
		return -EINVAL;
	return parse_returning(p, st);
}

/* serial types: integer columns whose default is a new sequence. */
static bool parse_serial(struct parser *p, struct column_def *c)
{
	static const struct {
		const char *name;
		uint8_t type;
	} serials[] = {{"serial", TYPE_INT4},	  {"serial4", TYPE_INT4},
		       {"bigserial", TYPE_INT8},  {"serial8", TYPE_INT8},
		       {"smallserial", TYPE_INT2}, {"serial2", TYPE_INT2}};
	unsigned k;

	for (k = 0; k < sizeof(serials) / sizeof(serials[0]); k++)
		if (peek_kw(p, serials[k].name)) {
			p->i++;
			c->type = (struct sql_type){serials[k].type, -1};
			c->serial = c->not_null = true;
			return true;
		}
	return false;
}

static int parse_column_def(struct parser *p, struct stmt *st)
{
	struct column_def c = {0};

	if (!(c.name = parse_name(p, &c.pos, false)) ||
	    (!parse_serial(p, &c) && parse_type(p, &c.type) < 0))
		return -EINVAL;
	for (;;) {
		if (accept_kw(p, "not")) {
			if (expect_kw(p, "null") < 0)
				return -EINVAL;
			c.not_null = true;
		} else if (accept_kw(p, "null")) {
			c.not_null = false;
		} else if (peek_kw(p, "primary")) {
			c.pk_pos = cur(p)->pos;
			p->i++;
			if (expect_kw(p, "key") < 0)
				return -EINVAL;
			c.primary_key = c.not_null = true;
		} else if (accept_kw(p, "unique")) {
			c.unique = true;
		} else if (accept_kw(p, "constraint")) {
			if (!(c.constraint = parse_name(p, NULL, false)))
				return -EINVAL;
		} else if (accept_kw(p, "default")) {
			int start = cur(p)->pos;

			if (!(c.def = parse_expr(p)))
				return -EINVAL;
			c.def_src = p->q + start;
			c.def_len = (size_t)(p->t[p->i - 1].end - start);
		} else {
			break;
		}
	}
	return PUSH(p, st->cols, st->ncols, c) ? 0 : -EINVAL;
}

static struct ddl *ddl_of(struct parser *p, struct stmt *st)
{
	if (!st->ddl)
		st->ddl = alloc(p, sizeof(*st->ddl));
	return st->ddl;
}

/* (col [ASC|DESC] [NULLS FIRST|LAST], ...) of an index or constraint;
 * with keys false (constraints) only names. */
static int parse_index_cols(struct parser *p, struct index_def *d, bool keys)
{
	if (expect_punct(p, '(') < 0)
		return -EINVAL;
	do {
		int pos = cur(p)->pos, n = d->ncols;
		const char *nm;
		bool desc = false;

		if (keys && cur(p)->kind != TOK_IDENT && cur(p)->kind != TOK_QIDENT)
			return db_err_pos(p->err, sql_char_pos(p->q, pos), "0A000",
					  "index expressions are not supported "
					  "by unidb yet");
		if (!(nm = parse_name(p, NULL, false)))
			return -EINVAL;
		if (keys && accept_kw(p, "desc"))
			desc = true;
		else if (keys)
			accept_kw(p, "asc");
		if (keys && accept_kw(p, "nulls") && !accept_kw(p, "first") &&
		    expect_kw(p, "last") < 0)
			return -EINVAL;
		if (keys && (peek_kw(p, "collate") || is_punct(cur(p), '(') ||
			     cur(p)->kind == TOK_OP))
			return db_err_pos(p->err, sql_char_pos(p->q, pos), "0A000",
					  "index expressions are not supported "
					  "by unidb yet");
		if (!PUSH(p, d->cols, d->ncols, nm))
			return -EINVAL;
		d->ncols = n;
		if (!PUSH(p, d->col_pos, d->ncols, pos))
			return -EINVAL;
		d->ncols = n;
		if (!PUSH(p, d->desc, d->ncols, desc))
			return -EINVAL;
	} while (accept_punct(p, ','));
	return expect_punct(p, ')');
}

/* [CONSTRAINT name] {PRIMARY KEY | UNIQUE} (cols): a table constraint. */
static int parse_table_constraint(struct parser *p, struct index_def *d)
{
	d->pos = cur(p)->pos;
	if (accept_kw(p, "constraint") && !(d->name = parse_name(p, NULL, false)))
		return -EINVAL;
	if (accept_kw(p, "primary")) {
		if (expect_kw(p, "key") < 0)
			return -EINVAL;
		d->primary = d->unique = true;
	} else if (accept_kw(p, "unique")) {
		d->unique = true;
	} else if (d->name && (peek_kw(p, "check") || peek_kw(p, "foreign") ||
			       peek_kw(p, "exclude"))) {
		return db_err_pos(p->err, sql_char_pos(p->q, cur(p)->pos),
				  "0A000",
				  "%s constraints are not supported by unidb "
				  "yet",
				  cur(p)->text);
	} else {
		return syntax_error(p);
	}
	return parse_index_cols(p, d, false);
}

static bool at_constraint(struct parser *p)
{
	return peek_kw(p, "constraint") || peek_kw(p, "unique") ||
	       (peek_kw(p, "primary") && is_kw(&p->t[p->i + 1], "key"));
}

/* CREATE [UNIQUE] INDEX [CONCURRENTLY] [IF NOT EXISTS] [name] ON [ONLY] t
 * [USING btree] (cols) [WITH (...)] */
static int parse_create_index(struct parser *p, struct stmt *st)
{
	struct index_def d = {0};

	st->kind = ST_CREATE_INDEX;
	d.unique = accept_kw(p, "unique");
	if (expect_kw(p, "index") < 0)
		return -EINVAL;
	accept_kw(p, "concurrently");
	if (accept_kw(p, "if")) {
		if (expect_kw(p, "not") < 0 || expect_kw(p, "exists") < 0)
			return -EINVAL;
		d.if_not_exists = true;
	}
	if (!peek_kw(p, "on") && !(d.name = parse_name(p, &d.pos, false)))
		return -EINVAL;
	if (d.if_not_exists && !d.name)
		return syntax_error(p);
	if (expect_kw(p, "on") < 0)
		return -EINVAL;
	accept_kw(p, "only");
	if (!(st->table = parse_name(p, &st->table_pos, false)))
		return -EINVAL;
	if (accept_kw(p, "using")) {
		struct token *m = cur(p);

		if (!parse_name(p, NULL, false))
			return -EINVAL;
		if (strcmp(m->text, "btree"))
			return db_err_pos(p->err, sql_char_pos(p->q, m->pos),
					  "0A000",
					  "access method \"%s\" is not supported "
					  "by unidb yet",
					  m->text);
	}
	if (parse_index_cols(p, &d, true) < 0 || !ddl_of(p, st))
		return -EINVAL;
	if (peek_kw(p, "where") || peek_kw(p, "include"))
		return db_err_pos(p->err, sql_char_pos(p->q, cur(p)->pos),
				  "0A000",
				  "%s in CREATE INDEX is not supported by unidb "
				  "yet",
				  cur(p)->text);
	if (accept_kw(p, "with")) { /* storage parameters: accepted, unused */
		if (expect_punct(p, '(') < 0)
			return -EINVAL;
		while (!accept_punct(p, ')')) {
			if (cur(p)->kind == TOK_EOF)
				return syntax_error(p);
			p->i++;
		}
	}
	return PUSH(p, st->ddl->idx, st->ddl->nidx, d) ? 0 : -EINVAL;
}

/* ALTER [COLUMN] c {SET DEFAULT e | DROP DEFAULT | SET NOT NULL |
 * DROP NOT NULL} */
static int parse_alter_column(struct parser *p, struct alter_cmd *c)
{
	accept_kw(p, "column");
	if (!(c->name = parse_name(p, &c->pos, false)))
		return -EINVAL;
	if (accept_kw(p, "set")) {
		if (accept_kw(p, "not"))
			return c->kind = AT_SET_NOT_NULL, expect_kw(p, "null");
		if (expect_kw(p, "default") < 0 ||
		    !(c->col = alloc(p, sizeof(*c->col))))
			return -EINVAL;
		c->kind = AT_SET_DEFAULT;
		c->col->def_src = p->q + cur(p)->pos;
		if (!(c->col->def = parse_expr(p)))
			return -EINVAL;
		c->col->def_len = (size_t)(p->t[p->i - 1].end -
					   (c->col->def_src - p->q));
		return 0;
	}
	if (accept_kw(p, "drop")) {
		if (accept_kw(p, "not"))
			return c->kind = AT_DROP_NOT_NULL, expect_kw(p, "null");
		c->kind = AT_DROP_DEFAULT;
		return expect_kw(p, "default");
	}
	if (peek_kw(p, "type"))
		return db_err_pos(p->err, sql_char_pos(p->q, cur(p)->pos),
				  "0A000",
				  "ALTER COLUMN TYPE is not supported by unidb "
				  "yet");
	return syntax_error(p);
}

static int parse_alter_add(struct parser *p, struct stmt *st,
			   struct alter_cmd *c)
{
	if (at_constraint(p)) {
		c->kind = AT_ADD_CONSTRAINT;
		c->idx = alloc(p, sizeof(*c->idx));
		return c->idx ? parse_table_constraint(p, c->idx) : -EINVAL;
	}
	c->kind = AT_ADD_COLUMN;
	accept_kw(p, "column");
	if (accept_kw(p, "if")) {
		if (expect_kw(p, "not") < 0 || expect_kw(p, "exists") < 0)
			return -EINVAL;
		c->if_exists = true;
	}
	if (parse_column_def(p, st) < 0)
		return -EINVAL;
	c->col = &st->cols[--st->ncols];
	return 0;
}

static int parse_alter_drop(struct parser *p, struct alter_cmd *c)
{
	c->kind = accept_kw(p, "constraint") ? AT_DROP_CONSTRAINT
					      : AT_DROP_COLUMN;
	if (c->kind == AT_DROP_COLUMN)
		accept_kw(p, "column");
	if (accept_kw(p, "if")) {
		if (expect_kw(p, "exists") < 0)
			return -EINVAL;
		c->if_exists = true;
	}
	if (!(c->name = parse_name(p, &c->pos, false)))
		return -EINVAL;
	if (!accept_kw(p, "restrict"))
		accept_kw(p, "cascade");
	return 0;
}

static int parse_alter_cmd(struct parser *p, struct stmt *st,
			   struct alter_cmd *c)
{
	c->pos = cur(p)->pos;
	if (accept_kw(p, "add"))
		return parse_alter_add(p, st, c);
	if (accept_kw(p, "drop"))
		return parse_alter_drop(p, c);
	if (accept_kw(p, "alter"))
		return parse_alter_column(p, c);
	if (!accept_kw(p, "rename"))
		return syntax_error(p);
	if (accept_kw(p, "to")) {
		c->kind = AT_RENAME;
		return (c->new_name = parse_name(p, NULL, false)) ? 0 : -EINVAL;
	}
	c->kind = AT_RENAME_COLUMN;
	accept_kw(p, "column");
	if (!(c->name = parse_name(p, &c->pos, false)) ||
	    expect_kw(p, "to") < 0 ||
	    !(c->new_name = parse_name(p, NULL, false)))
		return -EINVAL;
	return 0;
}

/* ALTER TABLE [IF EXISTS] [ONLY] t cmd, ... */
static int parse_alter(struct parser *p, struct stmt *st)
{
	st->kind = ST_ALTER_TABLE;
	if (expect_kw(p, "table") < 0)
		return -EINVAL;
	if (accept_kw(p, "if")) {
		if (expect_kw(p, "exists") < 0)
			return -EINVAL;
		st->if_exists = true;
	}
	accept_kw(p, "only");
	if (!(st->table = parse_name(p, &st->table_pos, false)) ||
	    !ddl_of(p, st))
		return -EINVAL;
	do {
		struct alter_cmd c = {0};

		if (parse_alter_cmd(p, st, &c) < 0 ||
		    !PUSH(p, st->ddl->cmds, st->ddl->ncmds, c))
			return -EINVAL;
	} while (accept_punct(p, ','));
	return 0;
}

/* A signed integer literal of a sequence option. */
static int parse_seq_int(struct parser *p, int64_t *v)
{
	bool neg = accept_op(p, "-");

	if (cur(p)->kind != TOK_INT)
		return syntax_error(p);
	*v = neg ? -cur(p)->ival : cur(p)->ival;
	p->i++;
	return 0;
}

/* CREATE SEQUENCE [IF NOT EXISTS] name [AS type] [INCREMENT [BY] n]
 * [MINVALUE n | NO MINVALUE] [MAXVALUE n | NO MAXVALUE] [START [WITH] n]
 * [CACHE n] [NO CYCLE] */
static int parse_create_sequence(struct parser *p, struct stmt *st)
{
	struct seq_def *d;
	int64_t ignored;

	st->kind = ST_CREATE_SEQUENCE;
	if (accept_kw(p, "if")) {
		if (expect_kw(p, "not") < 0 || expect_kw(p, "exists") < 0)
			return -EINVAL;
		st->if_exists = true;
	}
	if (!(st->table = parse_name(p, &st->table_pos, false)) ||
	    !ddl_of(p, st))
		return -EINVAL;
	d = &st->ddl->seq;
	for (;;) {
		if (accept_kw(p, "as")) {
			struct sql_type t;

			if (parse_type(p, &t) < 0)
				return -EINVAL;
			if (!type_is_int(t.id))
				return db_err(p->err, "22023",
					      "sequence type must be smallint, "
					      "integer, or bigint");
			d->type = t.id;
		} else if (accept_kw(p, "increment")) {
			accept_kw(p, "by");
			if (parse_seq_int(p, &d->inc) < 0)
				return -EINVAL;
			d->has_inc = true;
		} else if (accept_kw(p, "minvalue")) {
			if (parse_seq_int(p, &d->min) < 0)
				return -EINVAL;
			d->has_min = true;
		} else if (accept_kw(p, "maxvalue")) {
			if (parse_seq_int(p, &d->max) < 0)
				return -EINVAL;
			d->has_max = true;
		} else if (accept_kw(p, "start")) {
			accept_kw(p, "with");
			if (parse_seq_int(p, &d->start) < 0)
				return -EINVAL;
			d->has_start = true;
		} else if (accept_kw(p, "cache")) {
			if (parse_seq_int(p, &ignored) < 0)
				return -EINVAL;
		} else if (accept_kw(p, "no")) {
			if (!accept_kw(p, "minvalue") && !accept_kw(p, "maxvalue") &&
			    expect_kw(p, "cycle") < 0)
				return -EINVAL;
		} else if (peek_kw(p, "cycle") || peek_kw(p, "owned")) {
			return db_err_pos(p->err, sql_char_pos(p->q, cur(p)->pos),
					  "0A000",
					  "%s is not supported by unidb yet",
					  cur(p)->text);
		} else {
			return 0;
		}
	}
}

static int parse_create(struct parser *p, struct stmt *st)
{
	st->kind = ST_CREATE_TABLE;
	if (peek_kw(p, "unique") || peek_kw(p, "index"))
		return parse_create_index(p, st);
	if (accept_kw(p, "sequence"))
		return parse_create_sequence(p, st);
	if (!peek_kw(p, "table")) {
		db_err_pos(p->err, sql_char_pos(p->q, cur(p)->pos), "0A000",
			   "only CREATE TABLE is supported by unidb yet");
		return -EINVAL;
	}
	p->i++;
	if (accept_kw(p, "if")) {
		if (expect_kw(p, "not") < 0 || expect_kw(p, "exists") < 0)
			return -EINVAL;
		st->if_exists = true;
	}
	if (!(st->table = parse_name(p, &st->table_pos, false)) ||
	    expect_punct(p, '(') < 0)
		return -EINVAL;
	do {
		if (peek_kw(p, "constraint") || peek_kw(p, "unique")) {
			struct index_def d = {0};

			if (!ddl_of(p, st) || parse_table_constraint(p, &d) < 0 ||
			    !PUSH(p, st->ddl->idx, st->ddl->nidx, d))
				return -EINVAL;
		} else if (peek_kw(p, "primary")) {
			st->pk_clause_pos = cur(p)->pos;
			p->i++;
			if (expect_kw(p, "key") < 0 || expect_punct(p, '(') < 0 ||
			    parse_name_list(p, &st->pk, &st->pk_pos, &st->npk) < 0 ||
			    expect_punct(p, ')') < 0)
				return -EINVAL;
		} else if (parse_column_def(p, st) < 0) {
			return -EINVAL;
		}
	} while (accept_punct(p, ','));
	if (expect_punct(p, ')') < 0)
		return -EINVAL;
	if (accept_kw(p, "with")) { /* storage parameters: accepted, unused */
		if (expect_punct(p, '(') < 0)
			return -EINVAL;
		while (!accept_punct(p, ')')) {
			if (cur(p)->kind == TOK_EOF)
				return syntax_error(p);
			p->i++;
		}
	}
	return 0;
}

static int parse_drop(struct parser *p, struct stmt *st)
{
	st->kind = ST_DROP_TABLE;
	if (peek_kw(p, "index") || peek_kw(p, "sequence")) {
		st->kind = accept_kw(p, "index") ? ST_DROP_INDEX
						 : ST_DROP_SEQUENCE;
		p->i += st->kind == ST_DROP_SEQUENCE;
		accept_kw(p, "concurrently");
		if (accept_kw(p, "if")) {
			if (expect_kw(p, "exists") < 0)
				return -EINVAL;
			st->if_exists = true;
		}
		if (parse_name_list(p, &st->names, &st->name_pos,
				    &st->nnames) < 0)
			return -EINVAL;
		if (!accept_kw(p, "cascade"))
			accept_kw(p, "restrict");
		return 0;
	}
	if (!peek_kw(p, "table")) {
		db_err_pos(p->err, sql_char_pos(p->q, cur(p)->pos), "0A000",
			   "only DROP TABLE is supported by unidb yet");
		return -EINVAL;
	}
	p->i++;
	if (accept_kw(p, "if")) {
		if (expect_kw(p, "exists") < 0)
			return -EINVAL;
		st->if_exists = true;
	}
	return parse_name_list(p, &st->names, &st->name_pos, &st->nnames);
}

/* TRUNCATE [TABLE] a, b [RESTART IDENTITY | CONTINUE IDENTITY]
 * [CASCADE | RESTRICT] (identity and cascade have nothing to act on). */
static int parse_truncate(struct parser *p, struct stmt *st)
{
	st->kind = ST_TRUNCATE;
	accept_kw(p, "table");
	if (parse_name_list(p, &st->names, &st->name_pos, &st->nnames) < 0)
		return -EINVAL;
	if (accept_kw(p, "restart") || accept_kw(p, "continue")) {
		if (expect_kw(p, "identity") < 0)
			return -EINVAL;
	}
	if (!accept_kw(p, "cascade"))
		accept_kw(p, "restrict");
	return 0;
}

/* Transaction modes: ISOLATION LEVEL ..., READ ONLY|WRITE, [NOT]
 * DEFERRABLE, optionally separated by commas. Isolation levels numbered
 * as db/txn's enum txn_iso (3: read uncommitted). */
static int parse_txn_modes(struct parser *p, struct stmt *st)
{
	st->txn_iso = st->txn_ro = -1;
	for (;;) {
		if (accept_kw(p, "isolation")) {
			if (expect_kw(p, "level") < 0)
				return -EINVAL;
			if (accept_kw(p, "serializable"))
				st->txn_iso = 2;
			else if (accept_kw(p, "repeatable")) {
				if (expect_kw(p, "read") < 0)
					return -EINVAL;
				st->txn_iso = 1;
			} else if (accept_kw(p, "read")) {
				if (accept_kw(p, "committed"))
					st->txn_iso = 0;
				else if (expect_kw(p, "uncommitted") == 0)
					st->txn_iso = 3;
				else
					return -EINVAL;
			} else {
				return syntax_error(p);
			}
		} else if (accept_kw(p, "read")) {
			if (accept_kw(p, "only"))
				st->txn_ro = 1;
			else if (expect_kw(p, "write") == 0)
				st->txn_ro = 0;
			else
				return -EINVAL;
		} else if (accept_kw(p, "not")) {
			if (expect_kw(p, "deferrable") < 0)
				return -EINVAL;
		} else if (!accept_kw(p, "deferrable")) {
			return 0;
		}
		accept_punct(p, ',');
	}
}

/* BEGIN, START TRANSACTION, COMMIT, END, ROLLBACK [TO], ABORT, SAVEPOINT,
 * RELEASE (t: the first word, already consumed). */
static int parse_txn(struct parser *p, struct stmt *st, struct token *t)
{
	st->kind = ST_TXN;
	st->txn_iso = st->txn_ro = -1;
	if (is_kw(t, "savepoint") || is_kw(t, "release")) {
		st->txn_op = is_kw(t, "savepoint") ? TXN_OP_SAVEPOINT
						   : TXN_OP_RELEASE;
		st->txn_tag = is_kw(t, "savepoint") ? "SAVEPOINT" : "RELEASE";
		if (st->txn_op == TXN_OP_RELEASE)
			accept_kw(p, "savepoint");
		return (st->txn_name = parse_name(p, NULL, true)) ? 0 : -EINVAL;
	}
	if (is_kw(t, "start") && expect_kw(p, "transaction") < 0)
		return -EINVAL;
	if (!is_kw(t, "start") && !accept_kw(p, "work"))
		accept_kw(p, "transaction");
	if (is_kw(t, "begin") || is_kw(t, "start")) {
		st->txn_op = TXN_OP_BEGIN;
		st->txn_tag = is_kw(t, "begin") ? "BEGIN" : "START TRANSACTION";
		return parse_txn_modes(p, st);
	}
	st->txn_op = is_kw(t, "commit") || is_kw(t, "end") ? TXN_OP_COMMIT
							   : TXN_OP_ROLLBACK;
	st->txn_tag = st->txn_op == TXN_OP_COMMIT ? "COMMIT" : "ROLLBACK";
	if (is_kw(t, "rollback") && accept_kw(p, "to")) {
		st->txn_op = TXN_OP_ROLLBACK_TO;
		accept_kw(p, "savepoint");
		return (st->txn_name = parse_name(p, NULL, true)) ? 0 : -EINVAL;
	}
	if (!is_kw(t, "end") && !is_kw(t, "abort") && accept_kw(p, "and")) {
		accept_kw(p, "no");
		return expect_kw(p, "chain");
	}
	return 0;
}

/* VACUUM [FULL] [FREEZE] [VERBOSE] [ANALYZE] [(option [value], ...)]
 * [table [(columns)], ...] and ANALYZE [VERBOSE] [(...)] [table, ...]:
 * unidb keeps no dead row versions and no statistics, so both only check
 * that the tables exist (pgbench sends them after loading). */
static int parse_vacuum(struct parser *p, struct stmt *st, bool analyze)
{
	static const char *const opts[] = {"full", "freeze", "verbose",
					   "analyze", "analyse"};
	size_t k;
	int depth = 0;

	st->kind = analyze ? ST_ANALYZE : ST_VACUUM;
	for (k = 0; k < sizeof(opts) / sizeof(opts[0]); k++)
		if (accept_kw(p, opts[k]))
			k = (size_t)-1; /* options come in any order */
	if (accept_punct(p, '(')) { /* (option [value], ...): skipped */
		for (depth = 1; depth > 0; p->i++) {
			if (cur(p)->kind == TOK_EOF)
				return syntax_error(p);
			depth += is_punct(cur(p), '(') - is_punct(cur(p), ')');
		}
	}
	if (cur(p)->kind != TOK_IDENT && cur(p)->kind != TOK_QIDENT)
		return 0;
	do {
		int pos;
		const char *nm = parse_name(p, &pos, false);

		if (!nm || !PUSH(p, st->names, st->nnames, nm))
			return -EINVAL;
		st->nnames--;
		if (!PUSH(p, st->name_pos, st->nnames, pos))
			return -EINVAL;
		if (accept_punct(p, '(')) { /* column list: not checked */
			while (!accept_punct(p, ')')) {
				if (cur(p)->kind == TOK_EOF)
					return syntax_error(p);
				p->i++;
			}
		}
	} while (accept_punct(p, ','));
	return 0;
}

/* SET name {TO | =} value | SET name TO DEFAULT; SHOW name. */
static int parse_set(struct parser *p, struct stmt *st, bool show)
{
	struct token *t;

	st->kind = show ? ST_SHOW : ST_SET;
	if (!show && accept_kw(p, "transaction")) {
		st->kind = ST_TXN;
		st->txn_op = TXN_OP_SET;
		st->txn_tag = "SET";
		return parse_txn_modes(p, st);
	}
	if (!show) {
		accept_kw(p, "session");
		accept_kw(p, "local");
	}
	if (!(st->setting = parse_name(p, NULL, true)))
		return -EINVAL;
	if (show)
		return 0;
	if (!accept_kw(p, "to") && !accept_op(p, "="))
		return syntax_error(p);
	t = cur(p);
	if (is_kw(t, "default")) {
		p->i++;
		return 0;
	}
	if (t->kind != TOK_IDENT && t->kind != TOK_STRING &&
	    t->kind != TOK_INT && t->kind != TOK_QIDENT && t->kind != TOK_NUM)
		return syntax_error(p);
	st->value = arena_strndup(p->a, t->kind == TOK_STRING ||
					       t->kind == TOK_QIDENT ||
					       t->kind == TOK_IDENT
					   ? t->text
					   : p->q + t->pos,
				  t->kind == TOK_STRING || t->kind == TOK_QIDENT ||
					  t->kind == TOK_IDENT
				      ? t->len
				      : (size_t)(t->end - t->pos));
	p->i++;
	return st->value ? 0 : db_err_oom(p->err);
}

static int parse_stmt(struct parser *p, struct stmt *st);

/* One EXPLAIN option of the parenthesised list: name [value]; value a
 * boolean word or (FORMAT) TEXT/JSON. */
static int explain_option(struct parser *p, struct stmt *st)
{
	static const char *const names[] = {"analyze", "verbose", "costs",
					    "format"};
	static const uint8_t bits[] = {EXPLAIN_ANALYZE, EXPLAIN_VERBOSE,
				       EXPLAIN_COSTS, EXPLAIN_JSON};
	struct token *t = cur(p), *v;
	bool on = true;
	size_t k;

	for (k = 0; k < 4 && !is_kw(t, names[k]); k++)
		;
	if (k == 4 && t->kind == TOK_IDENT)
		k = 5; /* other options (buffers, timing, ...): accepted */
	if (k == 4 + (t->kind != TOK_IDENT))
		return syntax_error(p);
	p->i++;
	v = cur(p);
	if (v->kind == TOK_IDENT || v->kind == TOK_STRING || v->kind == TOK_INT) {
		const char *w = v->kind == TOK_INT ? (v->ival ? "on" : "off")
						  : v->text;

		if (k == 3 && strcmp(w, "json") && strcmp(w, "text"))
			return db_err_pos(p->err, sql_char_pos(p->q, v->pos),
					  "0A000",
					  "EXPLAIN format \"%s\" is not supported",
					  w);
		on = k == 3 ? !strcmp(w, "json")
			    : strcmp(w, "off") && strcmp(w, "false") &&
				      strcmp(w, "0");
		p->i++;
	} else if (k == 3) {
		return syntax_error(p);
	}
	if (k < 4)
		st->explain = on ? st->explain | bits[k]
				 : st->explain & (uint8_t)~bits[k];
	return 0;
}

/* EXPLAIN [ANALYZE] [VERBOSE] stmt | EXPLAIN (option [value], ...) stmt. */
static int parse_explain(struct parser *p, struct stmt *st)
{
	st->kind = ST_EXPLAIN;
	st->explain = EXPLAIN_COSTS;
	if (accept_punct(p, '(')) {
		do {
			if (explain_option(p, st) < 0)
				return -EINVAL;
		} while (accept_punct(p, ','));
		if (expect_punct(p, ')') < 0)
			return -EINVAL;
	} else {
		if (accept_kw(p, "analyze") || accept_kw(p, "analyse"))
			st->explain |= EXPLAIN_ANALYZE;
		if (accept_kw(p, "verbose"))
			st->explain |= EXPLAIN_VERBOSE;
	}
	if (!peek_kw(p, "select") && !peek_kw(p, "insert") &&
	    !peek_kw(p, "update") && !peek_kw(p, "delete"))
		return syntax_error(p);
	st->inner = alloc(p, sizeof(*st->inner));
	if (!st->inner || parse_stmt(p, st->inner) < 0)
		return -EINVAL;
	st->inner->end = p->t[p->i - 1].end;
	return 0;
}

static int parse_stmt(struct parser *p, struct stmt *st)
{
	struct token *t = cur(p);

	st->pos = t->pos;
	if (t->kind != TOK_IDENT)
		return syntax_error(p);
	p->i++;
	if (is_kw(t, "select")) {
		st->kind = ST_SELECT;
		return (st->select = parse_select(p)) ? 0 : -EINVAL;
	}
	if (is_kw(t, "insert"))
		return parse_insert(p, st);
	if (is_kw(t, "update"))
		return parse_update(p, st);
	if (is_kw(t, "delete"))
		return parse_delete(p, st);
	if (is_kw(t, "create"))
		return parse_create(p, st);
	if (is_kw(t, "drop"))
		return parse_drop(p, st);
	if (is_kw(t, "set"))
		return parse_set(p, st, false);
	if (is_kw(t, "show"))
		return parse_set(p, st, true);
	if (is_kw(t, "truncate"))
		return parse_truncate(p, st);
	if (is_kw(t, "begin") || is_kw(t, "start") || is_kw(t, "commit") ||
	    is_kw(t, "end") || is_kw(t, "rollback") || is_kw(t, "abort") ||
	    is_kw(t, "savepoint") || is_kw(t, "release"))
		return parse_txn(p, st, t);
	if (is_kw(t, "alter"))
		return parse_alter(p, st);
	if (is_kw(t, "vacuum"))
		return parse_vacuum(p, st, false);
	if (is_kw(t, "analyze") || is_kw(t, "analyse"))
		return parse_vacuum(p, st, true);
	if (is_kw(t, "explain"))
		return parse_explain(p, st);
	if (is_kw(t, "checkpoint")) {
		st->kind = ST_CHECKPOINT;
		return 0;
	}
	p->i--;
	return syntax_error(p);
}

int sql_parse(struct arena *a, const char *q, size_t n, struct stmt ***out,
	      int *nout, struct db_error *err)
{
	struct parser p = {.a = a, .q = q, .qlen = n, .err = err};
	struct stmt **list = NULL, *st;
	int count = 0;

	err->code[0] = 0;
	if (sql_lex(a, q, n, &p.t, &p.n, err) < 0)
		return -EINVAL;
	while (cur(&p)->kind != TOK_EOF) {
		if (accept_punct(&p, ';'))
			continue;
		st = alloc(&p, sizeof(*st));
		if (!st || parse_stmt(&p, st) < 0)
			return -EINVAL;
		st->end = p.t[p.i - 1].end;
		if (!accept_punct(&p, ';') && cur(&p)->kind != TOK_EOF)
			return syntax_error(&p);
		if (!PUSH(&p, list, count, st))
			return -EINVAL;
	}
	*out = list;
	*nout = count;
	return 0;
}

int sql_parse_expr(struct arena *a, const char *q, size_t n,
		   struct expr **out, struct db_error *err)
{
	struct parser p = {.a = a, .q = q, .qlen = n, .err = err};

	err->code[0] = 0;
	if (sql_lex(a, q, n, &p.t, &p.n, err) < 0)
		return -EINVAL;
	*out = parse_expr(&p);
	if (!*out)
		return -EINVAL;
	return cur(&p)->kind == TOK_EOF ? 0 : syntax_error(&p);
}
