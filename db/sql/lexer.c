/* SPDX-License-Identifier: MIT */
/* lexer.c: SQL text to tokens, following PostgreSQL's scan.l for the
 * subset unidb parses.
 *
 * Whitespace and comments (-- to end of line, nested slash-star) separate
 * tokens. Identifiers start with a letter or '_' (or a byte >= 0x80) and
 * are folded to lower case and cut to 63 bytes; "quoted" identifiers keep
 * their case ("" is a quote). Strings are '...' with '' for a quote, or
 * E'...' with backslash escapes. An integer literal that does not fit in
 * 64 bits, or one with a fraction or exponent, is TOK_NUM. Operators are
 * maximal runs of operator characters, as in PostgreSQL, except that a
 * run never swallows the '-' or '/' that starts a comment. */
#include <ctype.h>
#include <string.h>
#include <unidb/errno.h>

#include "ast.h"

struct lexer {
	struct arena *a;
	const char *q;
	size_t n, i;
	struct token *toks;
	int ntoks, cap;
	struct db_error *err;
};

int sql_char_pos(const char *q, int off)
{
	int i, c = 0;

	for (i = 0; i < off; i++)
		c += ((unsigned char)q[i] & 0xc0) != 0x80;
	return c + 1;
}

static int lex_err(struct lexer *lx, int off, const char *msg)
{
	return db_err_pos(lx->err, sql_char_pos(lx->q, off), "42601", "%s",
			  msg);
}

static struct token *push(struct lexer *lx, int kind, int pos)
{
	struct token *t;

	if (lx->ntoks == lx->cap) {
		int cap = lx->cap ? lx->cap * 2 : 64;
		struct token *nt = arena_realloc(lx->a, lx->toks,
						 sizeof(*nt) * (size_t)lx->cap,
						 sizeof(*nt) * (size_t)cap);

		if (!nt)
			return NULL;
		lx->toks = nt;
		lx->cap = cap;
	}
	t = &lx->toks[lx->ntoks++];
	memset(t, 0, sizeof(*t));
	t->kind = (uint8_t)kind;
	t->pos = pos;
	return t;
}

static bool ident_start(unsigned char c)
{
	return isalpha(c) || c == '_' || c >= 0x80;
}

static bool ident_char(unsigned char c)
{
	return ident_start(c) || isdigit(c) || c == '$';
}

static bool op_char(char c)
{
	return c && strchr("+-*/<>=~!@#%^&|`?", c) != NULL;
}

/* Skips blanks and comments; 42601 for an unterminated block comment. */
static int skip_space(struct lexer *lx)
{
	while (lx->i < lx->n) {
		const char *p = lx->q + lx->i;
		size_t left = lx->n - lx->i;

		if (isspace((unsigned char)*p)) {
			lx->i++;
		} else if (left >= 2 && p[0] == '-' && p[1] == '-') {
			while (lx->i < lx->n && lx->q[lx->i] != '\n')
				lx->i++;
		} else if (left >= 2 && p[0] == '/' && p[1] == '*') {
			size_t start = lx->i;
			int depth = 1;

			lx->i += 2;
			while (depth && lx->i + 1 < lx->n) {
				if (lx->q[lx->i] == '*' && lx->q[lx->i + 1] == '/')
					depth--, lx->i += 2;
				else if (lx->q[lx->i] == '/' &&
					 lx->q[lx->i + 1] == '*')
					depth++, lx->i += 2;
				else
					lx->i++;
			}
			if (depth)
				return lex_err(lx, (int)start,
					       "unterminated /* comment at or "
					       "near \"/*\"");
		} else {
			break;
		}
	}
	return 0;
}

static int lex_ident(struct lexer *lx, struct token *t)
{
	size_t s = lx->i, n, k;
	char *p;

	while (lx->i < lx->n && ident_char((unsigned char)lx->q[lx->i]))
		lx->i++;
	n = lx->i - s;
	if (n > SQL_NAME_MAX)
		n = SQL_NAME_MAX;
	p = arena_strndup(lx->a, lx->q + s, n);
	if (!p)
		return db_err_oom(lx->err);
	for (k = 0; k < n; k++)
		p[k] = (char)tolower((unsigned char)p[k]);
	t->text = p;
	t->len = n;
	return 0;
}

/* A quoted identifier or string: body up to the closing quote, doubled
 * quotes meaning one; with backslash escapes if esc. */
/* Input bytes from just after the opening quote at i to the closing
 * one (or the end): the body is never longer, so it is the size to
 * allocate (not the rest of the statement: a VALUES list of 10000 strings
 * would take quadratic memory). */
static size_t quoted_span(const struct lexer *lx, size_t i, char quote,
			  bool esc)
{
	size_t j = i + 1;

	while (j < lx->n) {
		if (lx->q[j] == quote && !(j + 1 < lx->n && lx->q[j + 1] == quote))
			break;
		j += lx->q[j] == quote || (esc && lx->q[j] == '\\') ? 2 : 1;
	}
	return (j < lx->n ? j : lx->n) - (i + 1);
}

static int lex_quoted(struct lexer *lx, struct token *t, char quote, bool esc)
{
	size_t start = lx->i;
	char *out = arena_alloc(lx->a, quoted_span(lx, lx->i, quote, esc) + 1);
	size_t o = 0;

	if (!out)
		return db_err_oom(lx->err);
	lx->i++; /* the opening quote */
	for (;;) {
		char c;

		if (lx->i >= lx->n) {
			if (quote == '"')
				return lex_err(lx, (int)start,
					       "unterminated quoted identifier "
					       "at or near \"\"\"");
			return db_err_pos(lx->err, sql_char_pos(lx->q, (int)start),
					  "42601",
					  "unterminated quoted string at or "
					  "near \"%.*s\"",
					  (int)(lx->n - start > 100 ? 100 : lx->n - start),
					  lx->q + start);
		}
		c = lx->q[lx->i++];
		if (c == quote) {
			if (lx->i < lx->n && lx->q[lx->i] == quote) {
				out[o++] = quote;
				lx->i++;
				continue;
			}
			break;
		}
		if (esc && c == '\\' && lx->i < lx->n) {
			c = lx->q[lx->i++];
			switch (c) {
			case 'n': c = '\n'; break;
			case 't': c = '\t'; break;
			case 'r': c = '\r'; break;
			case 'b': c = '\b'; break;
			case 'f': c = '\f'; break;
			default: break;
			}
		}
		out[o++] = c;
	}
	out[o] = 0;
	if (quote == '"' && o == 0)
		return lex_err(lx, (int)start,
			       "zero-length delimited identifier at or near "
			       "\"\"\"\"");
	if (quote == '"' && o > SQL_NAME_MAX)
		o = SQL_NAME_MAX, out[o] = 0;
	t->text = out;
	t->len = o;
	return 0;
}

static void lex_number(struct lexer *lx, struct token *t)
{
	size_t s = lx->i;
	bool frac = false, big = false;
	uint64_t v = 0;

	while (lx->i < lx->n && isdigit((unsigned char)lx->q[lx->i])) {
		unsigned d = (unsigned)(lx->q[lx->i++] - '0');

		if (v > (UINT64_MAX - d) / 10)
			big = true;
		v = v * 10 + d;
	}
	if (lx->i < lx->n && lx->q[lx->i] == '.' &&
	    !(lx->i + 1 < lx->n && lx->q[lx->i + 1] == '.')) {
		frac = true;
		lx->i++;
		while (lx->i < lx->n && isdigit((unsigned char)lx->q[lx->i]))
			lx->i++;
	}
	if (lx->i < lx->n && (lx->q[lx->i] | 0x20) == 'e') {
		size_t k = lx->i + 1;

		if (k < lx->n && (lx->q[k] == '+' || lx->q[k] == '-'))
			k++;
		if (k < lx->n && isdigit((unsigned char)lx->q[k])) {
			frac = true;
			lx->i = k;
			while (lx->i < lx->n &&
			       isdigit((unsigned char)lx->q[lx->i]))
				lx->i++;
		}
	}
	t->text = lx->q + s;
	t->len = lx->i - s;
	if (frac || big || v > INT64_MAX) {
		t->kind = TOK_NUM;
	} else {
		t->kind = TOK_INT;
		t->ival = (int64_t)v;
	}
}

static void lex_op(struct lexer *lx, struct token *t)
{
	size_t s = lx->i;

	if (lx->q[lx->i] == ':' ) { /* "::" only; a lone ':' is punctuation */
		lx->i += 2;
	} else {
		while (lx->i < lx->n && op_char(lx->q[lx->i])) {
			if (lx->i > s && lx->i + 1 < lx->n &&
			    ((lx->q[lx->i] == '-' && lx->q[lx->i + 1] == '-') ||
			     (lx->q[lx->i] == '/' && lx->q[lx->i + 1] == '*')))
				break;
			lx->i++;
		}
		/* PostgreSQL: a multi-character operator may not end in + or -
		 * unless it contains one of ~ ! @ # % ^ & | ` ? ("a<-1"). */
		size_t k;
		bool special = false;

		for (k = s; k < lx->i && !special; k++)
			special = strchr("~!@#%^&|`?", lx->q[k]) != NULL;
		while (!special && lx->i - s > 1 &&
		       (lx->q[lx->i - 1] == '+' || lx->q[lx->i - 1] == '-'))
			lx->i--;
	}
	t->text = lx->q + s;
	t->len = lx->i - s;
}

static int lex_one(struct lexer *lx)
{
	char c = lx->q[lx->i];
	struct token *t = push(lx, TOK_EOF, (int)lx->i);
	int r = 0;

	if (!t)
		return db_err_oom(lx->err);
	if ((c == 'e' || c == 'E') && lx->i + 1 < lx->n &&
	    lx->q[lx->i + 1] == '\'') {
		lx->i++;
		t->kind = TOK_STRING;
		r = lex_quoted(lx, t, '\'', true);
	} else if (ident_start((unsigned char)c)) {
		t->kind = TOK_IDENT;
		r = lex_ident(lx, t);
	} else if (isdigit((unsigned char)c) ||
		   (c == '.' && lx->i + 1 < lx->n &&
		    isdigit((unsigned char)lx->q[lx->i + 1]))) {
		lex_number(lx, t);
	} else if (c == '\'') {
		t->kind = TOK_STRING;
		r = lex_quoted(lx, t, '\'', false);
	} else if (c == '"') {
		t->kind = TOK_QIDENT;
		r = lex_quoted(lx, t, '"', false);
	} else if (c == '$' && lx->i + 1 < lx->n &&
		   isdigit((unsigned char)lx->q[lx->i + 1])) {
		t->kind = TOK_PARAM;
		lx->i++;
		while (lx->i < lx->n && isdigit((unsigned char)lx->q[lx->i])) {
			if (t->ival < 100000000)
				t->ival = t->ival * 10 + (lx->q[lx->i] - '0');
			lx->i++;
		}
	} else if (c == ':' && lx->i + 1 < lx->n && lx->q[lx->i + 1] == ':') {
		t->kind = TOK_OP;
		lex_op(lx, t);
	} else if (op_char(c)) {
		t->kind = TOK_OP;
		lex_op(lx, t);
	} else if (strchr("(),;.[]:", c)) {
		t->kind = TOK_PUNCT;
		t->text = lx->q + lx->i++;
		t->len = 1;
	} else {
		return db_err_pos(lx->err, sql_char_pos(lx->q, (int)lx->i),
				  "42601", "syntax error at or near \"%c\"", c);
	}
	t = &lx->toks[lx->ntoks - 1]; /* push() may not move it, but be safe */
	t->end = (int)lx->i;
	return r;
}

int sql_lex(struct arena *a, const char *q, size_t n, struct token **toks,
	    int *ntoks, struct db_error *err)
{
	struct lexer lx = {.a = a, .q = q, .n = n, .err = err};
	struct token *t;
	int r;

	for (;;) {
		r = skip_space(&lx);
		if (r < 0)
			return r;
		if (lx.i >= lx.n)
			break;
		if (lx.q[lx.i] == 0)
			return db_err(err, "42601", "syntax error: NUL byte");
		r = lex_one(&lx);
		if (r < 0)
			return r;
	}
	t = push(&lx, TOK_EOF, (int)n);
	if (!t)
		return db_err_oom(err);
	t->end = (int)n;
	*toks = lx.toks;
	*ntoks = lx.ntoks;
	return 0;
}
