/* SPDX-License-Identifier: MIT */
/* copy.c: COPY's statement, its text and CSV line formats, and the
 * streamed, all-or-nothing COPY FROM (see copy.h).
 *
 * The formats follow PostgreSQL's copyfromparse.c/copyto.c: text fields
 * are separated by the delimiter and backslash-escaped (\b \f \n \r \t \v
 * \\ \ooo \xhh, any other escaped byte is itself); the NULL string is
 * compared with the field before de-escaping. CSV fields are quoted when
 * they hold the delimiter, the quote, a newline or equal the NULL
 * string; inside quotes the escape byte (the quote by default) makes the
 * next quote or escape literal, and a quoted field is never NULL. */
#include "copy.h"

#include <stdio.h>
#include <string.h>
#include <unidb/errno.h>
#include <unidb/heap.h>

#include "internal.h"
#include "../wal/redo.h"

#define COPY_DISPLAY_MAX 100 /* PostgreSQL's MAX_COPY_DATA_DISPLAY */
#define COPY_IDS_PER_BLOCK 8192

/* ---- the statement ------------------------------------------------------- */

struct cparse {
	struct arena *a;
	const char *q;
	struct token *t;
	int i, n;
	struct db_error *err;
	bool seen[8]; /* options given, for "conflicting or redundant" */
	int opt_pos;  /* byte offset of the option being parsed */
};

static bool is_kw(struct cparse *p, const char *kw)
{
	const struct token *t = &p->t[p->i];

	return t->kind == TOK_IDENT && db_ieq(t->text, t->len, kw);
}

static bool take_kw(struct cparse *p, const char *kw)
{
	if (!is_kw(p, kw))
		return false;
	p->i++;
	return true;
}

static bool is_punct(struct cparse *p, char c)
{
	const struct token *t = &p->t[p->i];

	return t->kind == TOK_PUNCT && t->len == 1 && t->text[0] == c;
}

static int syntax(struct cparse *p)
{
	const struct token *t = &p->t[p->i];

	if (t->kind == TOK_EOF)
		return db_err_pos(p->err, sql_char_pos(p->q, t->pos), "42601",
				  "syntax error at end of input");
	return db_err_pos(p->err, sql_char_pos(p->q, t->pos), "42601",
			  "syntax error at or near \"%.*s\"",
			  (int)(t->end - t->pos), p->q + t->pos);
}

static const char *name_tok(struct cparse *p)
{
	const struct token *t = &p->t[p->i];

	if (t->kind != TOK_IDENT && t->kind != TOK_QIDENT)
		return NULL;
	p->i++;
	return arena_strndup(p->a, t->text, t->len);
}

enum { OPT_FORMAT, OPT_HEADER, OPT_DELIM, OPT_NULL, OPT_QUOTE, OPT_ESCAPE,
       OPT_FREEZE };

static int once(struct cparse *p, int opt)
{
	if (p->seen[opt])
		return db_err_pos(p->err, sql_char_pos(p->q, p->opt_pos),
				  "42601", "conflicting or redundant options");
	p->seen[opt] = true;
	return 0;
}

/* A one-byte option value (DELIMITER, QUOTE, ESCAPE). */
static int one_byte(struct cparse *p, const struct token *v, const char *what,
		    char *out)
{
	if (v->kind != TOK_STRING)
		return syntax(p);
	if (v->len != 1)
		return db_err(p->err, "0A000",
			      "COPY %s must be a single one-byte character",
			      what);
	*out = v->text[0];
	return 0;
}

static int bool_value(struct cparse *p, const struct token *v, bool *out)
{
	if (!v || (v->kind == TOK_INT && v->ival == 1)) {
		*out = true;
		return 0;
	}
	if (v->kind == TOK_INT && v->ival == 0) {
		*out = false;
		return 0;
	}
	if (v->kind == TOK_IDENT || v->kind == TOK_STRING) {
		static const char *const yes[] = {"true", "on", "yes"};
		static const char *const no[] = {"false", "off", "no"};
		unsigned k;

		for (k = 0; k < 3; k++) {
			if (db_ieq(v->text, v->len, yes[k]))
				return *out = true, 0;
			if (db_ieq(v->text, v->len, no[k]))
				return *out = false, 0;
		}
	}
	return syntax(p);
}

/* One option: name [value]. v is NULL when no value was given. */
static int option(struct cparse *p, const char *name, const struct token *v,
		  struct copy_opts *o)
{
	bool b;

	if (!strcmp(name, "format")) {
		if (once(p, OPT_FORMAT) < 0)
			return -EINVAL;
		if (!v || (v->kind != TOK_IDENT && v->kind != TOK_STRING))
			return syntax(p);
		if (db_ieq(v->text, v->len, "csv"))
			o->csv = true;
		else if (db_ieq(v->text, v->len, "binary"))
			return db_err(p->err, "0A000",
				      "COPY BINARY is not supported by unidb");
		else if (!db_ieq(v->text, v->len, "text"))
			return db_err_pos(p->err, sql_char_pos(p->q, p->opt_pos),
					  "22023",
					  "COPY format \"%.*s\" not recognized",
					  (int)v->len, v->text);
		return 0;
	}
	if (!strcmp(name, "header")) {
		if (once(p, OPT_HEADER) < 0 || bool_value(p, v, &b) < 0)
			return -EINVAL;
		o->header = b;
		return 0;
	}
	if (!strcmp(name, "freeze"))
		return once(p, OPT_FREEZE) < 0 ? -EINVAL : bool_value(p, v, &b);
	if (!v)
		return syntax(p);
	if (!strcmp(name, "delimiter"))
		return once(p, OPT_DELIM) < 0 ? -EINVAL
					       : one_byte(p, v, "delimiter",
							  &o->delim);
	if (!strcmp(name, "quote"))
		return once(p, OPT_QUOTE) < 0 ? -EINVAL
					       : one_byte(p, v, "quote", &o->quote);
	if (!strcmp(name, "escape"))
		return once(p, OPT_ESCAPE) < 0 ? -EINVAL
						: one_byte(p, v, "escape",
							   &o->escape);
	if (!strcmp(name, "null")) {
		if (once(p, OPT_NULL) < 0)
			return -EINVAL;
		if (v->kind != TOK_STRING)
			return syntax(p);
		o->null = v->text;
		o->null_len = v->len;
		return 0;
	}
	return db_err_pos(p->err, sql_char_pos(p->q, p->opt_pos), "42601",
			  "option \"%s\" not recognized", name);
}

/* ( name [value], ... ) */
static int new_options(struct cparse *p, struct copy_opts *o)
{
	p->i++;
	for (;;) {
		const struct token *v = NULL;
		const char *name;
		int r;

		p->opt_pos = p->t[p->i].pos;
		name = name_tok(p);
		if (!name)
			return syntax(p);
		if (!is_punct(p, ',') && !is_punct(p, ')'))
			v = &p->t[p->i++];
		r = option(p, name, v, o);
		if (r < 0)
			return r;
		if (is_punct(p, ')')) {
			p->i++;
			return 0;
		}
		if (!is_punct(p, ','))
			return syntax(p);
		p->i++;
	}
}

/* The pre-9.0 options: BINARY, DELIMITER [AS] 'c', NULL [AS] 's', CSV,
 * HEADER, QUOTE [AS] 'c', ESCAPE [AS] 'c', FREEZE. */
static int old_options(struct cparse *p, struct copy_opts *o)
{
	static const char *const valued[] = {"delimiter", "null", "quote",
					     "escape"};
	static const struct token tcsv = {TOK_IDENT, 0, 0, "csv", 3, 0};

	while (p->t[p->i].kind == TOK_IDENT) {
		const struct token *kw = &p->t[p->i];
		char name[16];
		unsigned k;
		int r;

		snprintf(name, sizeof(name), "%.*s", (int)kw->len, kw->text);
		p->opt_pos = kw->pos;
		p->i++;
		if (!strcmp(name, "csv")) {
			r = option(p, "format", &tcsv, o);
		} else if (!strcmp(name, "binary")) {
			r = db_err(p->err, "0A000",
				   "COPY BINARY is not supported by unidb");
		} else if (!strcmp(name, "header") || !strcmp(name, "freeze")) {
			r = option(p, name, NULL, o);
		} else {
			for (k = 0; k < 4 && strcmp(name, valued[k]); k++)
				;
			if (k == 4) {
				p->i--;
				return syntax(p);
			}
			take_kw(p, "as");
			r = option(p, name, &p->t[p->i++], o);
		}
		if (r < 0)
			return r;
	}
	return 0;
}

static int check_opts(struct copy_opts *o, struct db_error *err)
{
	if (!o->delim)
		o->delim = o->csv ? ',' : '\t';
	if (!o->null) {
		o->null = o->csv ? "" : "\\N";
		o->null_len = strlen(o->null);
	}
	if (!o->csv && (o->quote || o->escape))
		return db_err(err, "0A000", "COPY %s available only in CSV mode",
			      o->quote ? "quote" : "escape");
	if (!o->quote)
		o->quote = '"';
	if (!o->escape)
		o->escape = o->quote;
	if (o->delim == '\n' || o->delim == '\r')
		return db_err(err, "22023", "COPY delimiter cannot be newline "
					    "or carriage return");
	if (memchr(o->null, '\n', o->null_len) || memchr(o->null, '\r', o->null_len))
		return db_err(err, "22023", "COPY null representation cannot "
					    "use newline or carriage return");
	if (!o->csv && (o->delim == '\\' || (o->delim >= 'a' && o->delim <= 'z') ||
			(o->delim >= '0' && o->delim <= '9') || o->delim == '.'))
		return db_err(err, "22023", "COPY delimiter cannot be \"%c\"",
			      o->delim);
	if (o->csv && o->delim == o->quote)
		return db_err(err, "22023", "COPY delimiter and quote must be "
					    "different");
	if (memchr(o->null, o->delim, o->null_len))
		return db_err(err, "22023", "COPY delimiter must not appear in "
					    "the NULL specification");
	return 0;
}

/* Table name and optional column list. */
static int target(struct cparse *p, struct copy_stmt *cs)
{
	const char *n = name_tok(p);

	if (!n)
		return syntax(p);
	if (is_punct(p, '.')) { /* schema: only public / pg_catalog exist */
		p->i++;
		if (!(n = name_tok(p)))
			return syntax(p);
	}
	cs->table = n;
	if (!is_punct(p, '('))
		return 0;
	p->i++;
	cs->cols = arena_alloc(p->a, sizeof(char *) * TABLE_MAX_COLUMNS);
	if (!cs->cols)
		return db_err_oom(p->err);
	for (;;) {
		const char *c = name_tok(p);

		if (!c || cs->ncols == TABLE_MAX_COLUMNS)
			return syntax(p);
		cs->cols[cs->ncols++] = c;
		if (is_punct(p, ')')) {
			p->i++;
			return 0;
		}
		if (!is_punct(p, ','))
			return syntax(p);
		p->i++;
	}
}

/* ( query ): the text between the parentheses. */
static int subquery(struct cparse *p, struct copy_stmt *cs)
{
	int depth = 0, start = p->t[p->i].end;

	do {
		if (is_punct(p, '('))
			depth++;
		else if (is_punct(p, ')'))
			depth--;
		else if (p->t[p->i].kind == TOK_EOF)
			return syntax(p);
		p->i++;
	} while (depth);
	cs->query = arena_strndup(p->a, p->q + start,
				  (size_t)(p->t[p->i - 1].pos - start));
	return cs->query ? 0 : db_err_oom(p->err);
}

bool copy_is_copy(const char *q)
{
	while (*q == ' ' || *q == '\t' || *q == '\n' || *q == '\r')
		q++;
	return db_ieq(q, 4, "copy") &&
	       !((q[4] >= 'a' && q[4] <= 'z') || (q[4] >= 'A' && q[4] <= 'Z') ||
		 (q[4] >= '0' && q[4] <= '9') || q[4] == '_');
}

static int endpoint(struct cparse *p, struct copy_stmt *cs)
{
	if (take_kw(p, "from"))
		cs->from = true;
	else if (!take_kw(p, "to"))
		return syntax(p);
	if (cs->query && cs->from)
		return p->i--, syntax(p);
	if (take_kw(p, cs->from ? "stdin" : "stdout"))
		return 0;
	if (p->t[p->i].kind == TOK_STRING || is_kw(p, "program"))
		return db_err(p->err, "0A000",
			      "COPY %s a file is not supported by unidb; use "
			      "%s (psql's \\copy)",
			      cs->from ? "from" : "to",
			      cs->from ? "STDIN" : "STDOUT");
	return syntax(p);
}

int copy_parse(struct arena *a, const char *q, struct copy_stmt *cs,
	       struct db_error *err)
{
	struct cparse p = {.a = a, .q = q, .err = err};
	int r;

	memset(cs, 0, sizeof(*cs));
	if (sql_lex(a, q, strlen(q), &p.t, &p.n, err) < 0)
		return -EINVAL;
	p.i = 1; /* COPY */
	if (take_kw(&p, "binary"))
		return db_err(err, "0A000", "COPY BINARY is not supported by unidb");
	r = is_punct(&p, '(') ? subquery(&p, cs) : target(&p, cs);
	if (r < 0 || endpoint(&p, cs) < 0)
		return -EINVAL;
	take_kw(&p, "with");
	r = is_punct(&p, '(') ? new_options(&p, &cs->o) : old_options(&p, &cs->o);
	if (r < 0)
		return r;
	if (is_punct(&p, ';'))
		p.i++;
	if (p.t[p.i].kind != TOK_EOF)
		return syntax(&p);
	if (check_opts(&cs->o, err) < 0)
		return -EINVAL;
	return 0;
}

/* ---- line formats --------------------------------------------------------- */

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* One text-format field from line[*i] up to the delimiter, de-escaped. */
static void text_field(const struct copy_opts *o, const char *line, size_t n,
		       size_t *i, struct strbuf *buf)
{
	static const char from[] = "bfnrtv", to[] = "\b\f\n\r\t\v";

	while (*i < n && line[*i] != o->delim) {
		char c = line[(*i)++];
		const char *e;
		int v, k;

		if (c != '\\' || *i == n) {
			sb_putc(buf, c);
			continue;
		}
		c = line[(*i)++];
		if (c >= '0' && c <= '7') {
			v = c - '0';
			for (k = 0; k < 2 && *i < n && line[*i] >= '0' &&
				    line[*i] <= '7'; k++)
				v = v * 8 + line[(*i)++] - '0';
			c = (char)v;
		} else if (c == 'x' && *i < n && hexval(line[*i]) >= 0) {
			v = hexval(line[(*i)++]);
			if (*i < n && hexval(line[*i]) >= 0)
				v = v * 16 + hexval(line[(*i)++]);
			c = (char)v;
		} else if (c && (e = strchr(from, c))) {
			c = to[e - from];
		}
		sb_putc(buf, c);
	}
}

/* One CSV field; returns false for an unterminated quoted field. */
static bool csv_field(const struct copy_opts *o, const char *line, size_t n,
		      size_t *i, struct strbuf *buf, bool *quoted)
{
	bool inq = false;

	*quoted = false;
	while (*i < n) {
		char c = line[*i];

		if (!inq && c == o->delim)
			break;
		(*i)++;
		if (inq && c == o->escape && *i < n &&
		    (line[*i] == o->quote || line[*i] == o->escape)) {
			sb_putc(buf, line[(*i)++]);
			continue;
		}
		if (c == o->quote) {
			inq = !inq;
			*quoted = true;
			continue;
		}
		sb_putc(buf, c);
	}
	return !inq;
}

int copy_split(const struct copy_opts *o, const char *line, size_t n,
	       struct strbuf *buf, size_t *off, size_t *len, bool *nulls,
	       int max, struct db_error *err)
{
	size_t i = 0;
	int nf = 0;

	for (;;) {
		size_t start = i, boff = buf->len;
		bool quoted = false;

		if (nf == max)
			return max + 1; /* extra data */
		if (o->csv) {
			if (!csv_field(o, line, n, &i, buf, &quoted))
				return db_err(err, "22P04",
					      "unterminated CSV quoted field");
		} else {
			text_field(o, line, n, &i, buf);
		}
		off[nf] = boff;
		len[nf] = buf->len - boff;
		nulls[nf] = !quoted && i - start == o->null_len &&
			    !memcmp(line + start, o->null, o->null_len);
		sb_putc(buf, 0);
		nf++;
		if (i == n)
			return buf->oom ? db_err(err, "53200", "out of memory") : nf;
		i++; /* the delimiter */
	}
}

static void text_out(struct strbuf *sb, const struct copy_opts *o,
		     const char *s, size_t n)
{
	static const char from[] = "\b\f\n\r\t\v", to[] = "bfnrtv";
	size_t i;

	for (i = 0; i < n; i++) {
		const char *e = s[i] ? strchr(from, s[i]) : NULL;

		if (e) {
			sb_putc(sb, '\\');
			sb_putc(sb, to[e - from]);
			continue;
		}
		if (s[i] == '\\' || s[i] == o->delim)
			sb_putc(sb, '\\');
		sb_putc(sb, s[i]);
	}
}

static void csv_out(struct strbuf *sb, const struct copy_opts *o,
		    const char *s, size_t n)
{
	bool q = (n == o->null_len && !memcmp(s, o->null, n)) ||
		 (n == 2 && s[0] == '\\' && s[1] == '.');
	size_t i;

	for (i = 0; i < n && !q; i++)
		q = s[i] == o->delim || s[i] == o->quote || s[i] == '\n' ||
		    s[i] == '\r' || s[i] == o->escape;
	if (!q) {
		sb_put(sb, s, n);
		return;
	}
	sb_putc(sb, o->quote);
	for (i = 0; i < n; i++) {
		if (s[i] == o->quote || s[i] == o->escape)
			sb_putc(sb, o->escape);
		sb_putc(sb, s[i]);
	}
	sb_putc(sb, o->quote);
}

static void field_out(struct strbuf *sb, const struct copy_opts *o,
		      const char *s, size_t n)
{
	(o->csv ? csv_out : text_out)(sb, o, s, n);
}

void copy_out_row(struct strbuf *sb, const struct copy_opts *o,
		  const struct datum *row, int ncols)
{
	struct strbuf v = STRBUF_INIT;
	int i;

	for (i = 0; i < ncols; i++) {
		if (i)
			sb_putc(sb, o->delim);
		if (row[i].null) {
			sb_put(sb, o->null, o->null_len);
			continue;
		}
		sb_reset(&v);
		datum_out(&v, &row[i]);
		if (v.oom)
			sb->oom = true;
		field_out(sb, o, v.p ? v.p : "", v.len);
	}
	sb_putc(sb, '\n');
	sb_free(&v);
}

void copy_out_header(struct strbuf *sb, const struct copy_opts *o,
		     const struct result *res)
{
	int i;

	for (i = 0; i < res->ncols; i++) {
		if (i)
			sb_putc(sb, o->delim);
		field_out(sb, o, res->cols[i].name, strlen(res->cols[i].name));
	}
	sb_putc(sb, '\n');
}

/* ---- COPY FROM ----------------------------------------------------------- */

struct id_block {
	struct id_block *next;
	int n;
	uint64_t ids[COPY_IDS_PER_BLOCK];
};

struct copy_in {
	struct exec_ctx x;
	struct arena a; /* the batch's memory */
	char table[SQL_NAME_MAX + 1];
	uint32_t oid;
	int tcols;	/* the table's column count when COPY started */
	int ncols, *cols;
	struct copy_opts o;
	struct strbuf pend;   /* bytes after the last complete line */
	size_t scan;	      /* pend[0..scan) holds no line end */
	bool inq;	      /* CSV: scan is inside a quoted field */
	struct strbuf lines;  /* the batch: lines, NUL-terminated */
	int nlines;
	uint64_t lineno;      /* the last line read */
	bool eod, finished;
	uint64_t nrows;
	struct id_block *ids;
	struct strbuf fields, context;
	size_t *off, *len;
	bool *nulls;
	struct redo_copy rc; /* kept out of checkpoints until logged */
};

/* redo_copy's rows: every id loaded so far (db->lock held). */
static void copy_rows(struct redo_copy *c, void (*put)(void *, uint64_t),
		      void *arg)
{
	struct copy_in *ci = (struct copy_in *)((char *)c -
						offsetof(struct copy_in, rc));
	const struct id_block *b;
	int k;

	for (b = ci->ids; b; b = b->next)
		for (k = 0; k < b->n; k++)
			put(arg, b->ids[k]);
}

const char *copy_in_context(const struct copy_in *ci)
{
	return ci->context.p ? ci->context.p : "";
}

/* PostgreSQL shows at most 100 bytes of a line or value, then "...". */
static void context_set(struct copy_in *ci, uint64_t line, const char *col,
			const char *val, size_t n, bool show)
{
	size_t k = n > COPY_DISPLAY_MAX ? COPY_DISPLAY_MAX : n;

	while (k < n && k > 0 && ((unsigned char)val[k] & 0xc0) == 0x80)
		k--;
	sb_reset(&ci->context);
	sb_printf(&ci->context, "COPY %s, line %llu", ci->table,
		  (unsigned long long)line);
	if (col)
		sb_printf(&ci->context, ", column %s", col);
	if (show)
		sb_printf(&ci->context, ": \"%.*s%s\"", (int)k, val,
			  k < n ? "..." : "");
}

/* The table columns COPY reads or writes (cs's list, or all). */
static int resolve_columns(struct db_error *err, const struct table *t,
			   const struct copy_stmt *cs, int **cols, int *ncols)
{
	int i, k;

	*ncols = cs->cols ? cs->ncols : t->ncols;
	*cols = kcalloc((size_t)*ncols + 1, sizeof(int));
	if (!*cols)
		return db_err_oom(err);
	for (i = 0; i < *ncols; i++) {
		if (!cs->cols) {
			(*cols)[i] = i;
			continue;
		}
		for (k = 0; k < t->ncols && strcmp(t->cols[k].name, cs->cols[i]); k++)
			;
		if (k == t->ncols)
			return db_err(err, "42703",
				      "column \"%s\" of relation \"%s\" does not "
				      "exist",
				      cs->cols[i], t->name);
		for (int j = 0; j < i; j++)
			if ((*cols)[j] == k)
				return db_err(err, "42701",
					      "column \"%s\" specified more than "
					      "once",
					      cs->cols[i]);
		(*cols)[i] = k;
	}
	return 0;
}

int copy_in_start(struct exec_ctx *x, const struct copy_stmt *cs,
		  struct copy_in **out, int *ncols)
{
	struct copy_in *ci = kzalloc(sizeof(*ci));
	struct table *t;
	int r;

	*out = ci;
	if (!ci)
		return db_err_oom(x->err);
	ci->x = *x;
	ci->x.a = &ci->a;
	arena_init(&ci->a, ARENA_DEFAULT_BUDGET);
	ci->o = cs->o;
	ci->o.null = kmalloc(cs->o.null_len + 1);
	if (!ci->o.null)
		return db_err_oom(x->err);
	memcpy((char *)ci->o.null, cs->o.null, cs->o.null_len + 1);
	snprintf(ci->table, sizeof(ci->table), "%s", cs->table);
	rwlock_read_lock(&x->db->lock);
	t = db_find_table(x->db, cs->table);
	r = t ? 0 : db_err(x->err, "42P01", "relation \"%s\" does not exist",
			   cs->table);
	if (r == 0) {
		ci->oid = t->oid;
		ci->tcols = t->ncols;
		r = resolve_columns(x->err, t, cs, &ci->cols, &ci->ncols);
	}
	rwlock_read_unlock(&x->db->lock);
	ci->off = kcalloc((size_t)ci->ncols + 2, sizeof(size_t));
	ci->len = kcalloc((size_t)ci->ncols + 2, sizeof(size_t));
	ci->nulls = kcalloc((size_t)ci->ncols + 2, 1);
	if (r == 0 && (!ci->off || !ci->len || !ci->nulls))
		r = db_err_oom(x->err);
	*ncols = ci->ncols;
	return r;
}

static int remember(struct copy_in *ci, uint64_t id)
{
	if (!ci->ids || ci->ids->n == COPY_IDS_PER_BLOCK) {
		struct id_block *b = kmalloc(sizeof(*b));

		if (!b)
			return db_err_oom(ci->x.err);
		b->n = 0;
		b->next = ci->ids;
		ci->ids = b;
	}
	ci->ids->ids[ci->ids->n++] = id;
	return 0;
}

/* Converts and inserts one line of the batch; t is locked. */
static int load_line(struct copy_in *ci, struct table *t, const char *line,
		     size_t n, uint64_t lineno)
{
	struct datum *given = arena_alloc(&ci->a, sizeof(*given) *
						      (size_t)(ci->ncols + 1));
	struct datum *row;
	uint64_t id;
	int nf, i;

	if (!given)
		return db_err_oom(ci->x.err);
	sb_reset(&ci->fields);
	nf = copy_split(&ci->o, line, n, &ci->fields, ci->off, ci->len,
			ci->nulls, ci->ncols, ci->x.err);
	if (nf != ci->ncols) /* errors about the line as a whole */
		context_set(ci, lineno, NULL, line, n, true);
	if (nf < 0)
		return nf;
	if (nf > ci->ncols)
		return db_err(ci->x.err, "22P04",
			      "extra data after last expected column");
	if (nf < ci->ncols)
		return db_err(ci->x.err, "22P04", "missing data for column \"%s\"",
			      t->cols[ci->cols[nf]].name);
	for (i = 0; i < ci->ncols; i++) {
		const struct column *c = &t->cols[ci->cols[i]];
		const char *v = ci->fields.p + ci->off[i];

		if (ci->nulls[i]) {
			given[i] = datum_null(c->type.id);
			continue;
		}
		if (datum_in(ci->x.a, c->type, v, ci->len[i], &given[i],
			     ci->x.err) < 0) {
			context_set(ci, lineno, c->name, v, ci->len[i], true);
			return -EINVAL;
		}
	}
	if (insert_build_row(&ci->x, t, ci->cols, ci->ncols, given, &row) < 0) {
		context_set(ci, lineno, NULL, line, n, true);
		return -EINVAL;
	}
	if (table_insert(t, row, &id, ci->x.err) < 0) {
		context_set(ci, lineno, NULL, NULL, 0, false);
		return -EINVAL;
	}
	ci->nrows++;
	return remember(ci, id);
}

static int load_batch(struct copy_in *ci)
{
	struct db *db = ci->x.db;
	struct table *t;
	uint64_t lineno = ci->lineno - (uint64_t)ci->nlines + 1;
	size_t off = 0;
	int r = 0, k;

	if (!ci->nlines)
		return 0;
	if (ci->lines.oom)
		return db_err_oom(ci->x.err);
	rwlock_write_lock(&db->lock);
	t = db_find_table(db, ci->table);
	if (!t || t->oid != ci->oid || t->ncols != ci->tcols)
		r = db_err(ci->x.err, "42P01",
			   "relation \"%s\" was changed during COPY", ci->table);
	if (r == 0 && db->redo && !ci->rc.on) {
		snprintf(ci->rc.table, sizeof(ci->rc.table), "%s", t->name);
		ci->rc.rows = copy_rows;
		redo_copy_begin(db->redo, &ci->rc);
	}
	for (k = 0; r == 0 && k < ci->nlines; k++) {
		size_t n = strlen(ci->lines.p + off);

		r = exec_check_interrupt(&ci->x);
		if (r == 0)
			r = load_line(ci, t, ci->lines.p + off, n, lineno + (uint64_t)k);
		off += n + 1;
	}
	rwlock_write_unlock(&db->lock);
	if (r == 0 && ci->a.over)
		r = db_err_oom(ci->x.err);
	arena_free(&ci->a);
	sb_reset(&ci->lines);
	ci->nlines = 0;
	return r;
}

/* A complete line (without its newline). */
static int take_line(struct copy_in *ci, const char *p, size_t n)
{
	if (n && p[n - 1] == '\r')
		n--;
	if (ci->eod)
		return 0;
	if (n == 2 && p[0] == '\\' && p[1] == '.') {
		ci->eod = true;
		return 0;
	}
	ci->lineno++;
	if (ci->o.header && ci->lineno == 1)
		return 0;
	if (memchr(p, 0, n)) {
		context_set(ci, ci->lineno, NULL, NULL, 0, false);
		return db_err(ci->x.err, "22021",
			      "invalid byte sequence for encoding \"UTF8\": 0x00");
	}
	sb_put(&ci->lines, p, n);
	sb_putc(&ci->lines, 0);
	ci->nlines++;
	return ci->nlines >= COPY_BATCH ? load_batch(ci) : 0;
}

int copy_in_feed(struct copy_in *ci, const char *p, size_t n)
{
	size_t i, start = 0;
	int r = 0;

	sb_put(&ci->pend, p, n);
	if (ci->pend.oom)
		return db_err(ci->x.err, "54000", "COPY line is too long");
	for (i = ci->scan; i < ci->pend.len && r == 0; i++) {
		char c = ci->pend.p[i];

		if (ci->o.csv && ci->inq && c == ci->o.escape &&
		    ci->o.escape != ci->o.quote && i + 1 < ci->pend.len) {
			i++;
			continue;
		}
		if (ci->o.csv && c == ci->o.quote)
			ci->inq = !ci->inq;
		if (c != '\n' || ci->inq)
			continue;
		r = take_line(ci, ci->pend.p + start, i - start);
		start = i + 1;
	}
	memmove(ci->pend.p, ci->pend.p + start, ci->pend.len - start);
	ci->pend.len -= start;
	ci->scan = ci->pend.len;
	/* an escape byte at the very end may pair with the next message */
	if (ci->scan && ci->o.csv && ci->inq && ci->o.escape != ci->o.quote &&
	    ci->pend.p[ci->scan - 1] == ci->o.escape)
		ci->scan--;
	return r;
}

/* The loaded rows go to the redo log as one transaction (they were
 * inserted outside db/txn): the COPY succeeds only once they are durable
 * (docs/durability.md). */
static int log_rows(struct copy_in *ci)
{
	struct db *db = ci->x.db;
	struct redo_txn w;
	struct id_block *b;
	struct table *t;
	uint64_t lsn = 0;
	int k, r;

	if (!db->redo || !ci->ids)
		return 0;
	rwlock_read_lock(&db->lock);
	redo_commit_begin(db->redo);
	redo_txn_begin(&w, db->redo, db, 0);
	t = db_find_table(db, ci->table);
	for (b = ci->ids; t && t->oid == ci->oid && b; b = b->next)
		for (k = 0; k < b->n; k++) {
			struct row *row = table_row(t, b->ids[k]);

			if (row)
				redo_txn_row(&w, t, b->ids[k], row->vals,
					     row->ncols);
		}
	r = redo_txn_end(&w, &lsn, ci->x.err);
	rwlock_read_unlock(&db->lock);
	if (r == 0) /* logged: from the next cut on, a checkpoint has them */
		redo_copy_end(db->redo, &ci->rc);
	if (r == 0 && lsn)
		r = redo_flush(db->redo, lsn, ci->x.err);
	redo_commit_end(db->redo);
	return r;
}

int copy_in_finish(struct copy_in *ci, uint64_t *nrows)
{
	int r = 0;

	if (ci->pend.len && !ci->eod)
		r = take_line(ci, ci->pend.p, ci->pend.len);
	if (r == 0)
		r = load_batch(ci);
	if (r == 0)
		r = log_rows(ci);
	if (r < 0)
		return r;
	ci->finished = true;
	*nrows = ci->nrows;
	return 0;
}

/* Removes every row this COPY inserted (it failed). */
static void undo(struct copy_in *ci)
{
	struct db *db = ci->x.db;
	struct table *t;
	struct id_block *b;

	if (!ci->ids)
		return;
	rwlock_write_lock(&db->lock);
	t = db_find_table(db, ci->table);
	if (t && t->oid == ci->oid)
		for (b = ci->ids; b; b = b->next)
			while (b->n)
				table_delete(t, b->ids[--b->n]);
	if (db->redo)
		redo_copy_end(db->redo, &ci->rc);
	rwlock_write_unlock(&db->lock);
}

void copy_in_end(struct copy_in *ci)
{
	if (!ci)
		return;
	if (!ci->finished)
		undo(ci);
	if (ci->x.db->redo)
		redo_copy_end(ci->x.db->redo, &ci->rc);
	while (ci->ids) {
		struct id_block *b = ci->ids;

		ci->ids = b->next;
		kfree(b);
	}
	arena_free(&ci->a);
	sb_free(&ci->pend);
	sb_free(&ci->lines);
	sb_free(&ci->fields);
	sb_free(&ci->context);
	kfree(ci->cols);
	kfree(ci->off);
	kfree(ci->len);
	kfree(ci->nulls);
	kfree((char *)ci->o.null);
	kfree(ci);
}

/* ---- COPY t TO ----------------------------------------------------------- */

struct copy_out {
	struct exec_ctx *x;
	char table[SQL_NAME_MAX + 1];
	uint32_t oid;
	int tcols, ncols, *cols;
	struct copy_opts o;
	uint64_t pos, nrows;
	char *header; /* the HEADER line, or NULL */
};

static int header_of(struct copy_out *co, const struct table *t)
{
	struct arena *a = co->x->a;
	struct result res = {.ncols = co->ncols};
	struct strbuf line = STRBUF_INIT;
	int i;

	res.cols = arena_alloc(a, sizeof(*res.cols) * (size_t)(co->ncols + 1));
	for (i = 0; res.cols && i < co->ncols; i++)
		res.cols[i].name = t->cols[co->cols[i]].name;
	if (res.cols)
		copy_out_header(&line, &co->o, &res);
	if (res.cols && !line.oom)
		co->header = arena_strndup(a, line.p, line.len);
	sb_free(&line);
	return co->header ? 0 : db_err_oom(co->x->err);
}

int copy_out_start(struct exec_ctx *x, const struct copy_stmt *cs,
		   struct copy_out **out, int *ncols)
{
	struct copy_out *co = kzalloc(sizeof(*co));
	struct table *t;
	int r;

	*out = co;
	if (!co)
		return db_err_oom(x->err);
	co->x = x;
	co->o = cs->o;
	snprintf(co->table, sizeof(co->table), "%s", cs->table);
	rwlock_read_lock(&x->db->lock);
	t = db_find_table(x->db, cs->table);
	r = t ? 0 : db_err(x->err, "42P01", "relation \"%s\" does not exist",
			   cs->table);
	if (r == 0) {
		co->oid = t->oid;
		co->tcols = t->ncols;
		r = resolve_columns(x->err, t, cs, &co->cols, &co->ncols);
	}
	if (r == 0 && co->o.header) /* the names, as COPY (query) has them */
		r = header_of(co, t);
	rwlock_read_unlock(&x->db->lock);
	*ncols = co->ncols;
	return r;
}

const char *copy_out_header_line(const struct copy_out *co)
{
	return co->header;
}

int copy_out_next(struct copy_out *co, struct strbuf *line,
		  int (*emit)(void *ctx, const struct strbuf *line), void *ctx)
{
	struct exec_ctx *x = co->x;
	struct datum *vals = arena_alloc(x->a, sizeof(*vals) *
						     (size_t)(co->ncols + 1));
	struct table *t;
	int r = 0, k, i;

	if (!vals)
		return db_err_oom(x->err);
	rwlock_read_lock(&x->db->lock);
	t = db_find_table(x->db, co->table);
	if (!t || t->oid != co->oid || t->ncols != co->tcols)
		r = db_err(x->err, "42P01",
			   "relation \"%s\" was changed during COPY", co->table);
	for (k = 0; r == 0 && k < COPY_OUT_ROWS && co->pos < t->nslots;
	     co->pos++) {
		const struct row *row = table_row(t, co->pos);

		if (!row)
			continue;
		for (i = 0; i < co->ncols; i++)
			vals[i] = row->vals[co->cols[i]];
		sb_reset(line);
		copy_out_row(line, &co->o, vals, co->ncols);
		r = line->oom ? db_err_oom(x->err) : emit(ctx, line);
		co->nrows++;
		k++;
	}
	if (r == 0)
		r = co->pos < t->nslots ? 1 : 0;
	rwlock_read_unlock(&x->db->lock);
	if (r >= 0 && exec_check_interrupt(x) < 0)
		r = -EINVAL;
	return r;
}

uint64_t copy_out_rows(const struct copy_out *co)
{
	return co->nrows;
}

void copy_out_end(struct copy_out *co)
{
	if (!co)
		return;
	kfree(co->cols);
	kfree(co);
}
