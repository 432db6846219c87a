/* SPDX-License-Identifier: MIT */
/* regex.c: POSIX ERE compiled to a Thompson NFA program (see regex.h).
 *
 * The compiler is recursive descent over the pattern's characters and
 * emits instructions as it goes. Jumps are relative to their own
 * instruction, so a piece of program can be moved (a quantifier inserts a
 * SPLIT before its operand) or copied ({m,n} repeats its operand) without
 * fixing targets: every jump stays inside its piece or lands just after
 * it. The matcher keeps the set of live program counters for the current
 * input position (at most one thread per instruction) and adds a thread at
 * the start for every position, which makes the search unanchored. */
#include "regex.h"

#include <string.h>
#include <unidb/errno.h>

enum {
	RX_CHAR,  /* c */
	RX_ANY,	  /* any character */
	RX_CLASS, /* cls */
	RX_BOL,
	RX_EOL,
	RX_SPLIT, /* continue at pc + x and pc + y */
	RX_JMP,	  /* pc + x */
	RX_MATCH,
};

struct rx_range {
	uint32_t lo, hi;
};

struct rx_class {
	struct rx_range *r;
	int n;
	bool neg;
};

struct rx_inst {
	uint8_t op;
	int32_t x, y;
	uint32_t c;
	const struct rx_class *cls;
};

struct regex {
	struct rx_inst *prog;
	int n;
	bool icase;
};

struct rx_comp {
	struct arena *a;
	const char *p;
	size_t i, n;
	struct rx_inst *prog;
	int len, cap;
	int depth;
	bool icase;
	struct db_error *err;
};

static int rx_error(struct rx_comp *c, const char *what)
{
	return db_err(c->err, "2201B", "invalid regular expression: %s", what);
}

/* Next UTF-8 character of s[*i..n) (a stray byte stands for itself). */
static uint32_t utf8_next(const char *s, size_t n, size_t *i)
{
	unsigned char b = (unsigned char)s[*i];
	uint32_t cp;
	int more, k;

	if (b < 0xc0 || b >= 0xf8) {
		(*i)++;
		return b;
	}
	more = b >= 0xf0 ? 3 : b >= 0xe0 ? 2 : 1;
	cp = b & (0x3f >> more);
	if (*i + (size_t)more >= n) { /* truncated sequence */
		(*i)++;
		return b;
	}
	for (k = 1; k <= more; k++) {
		unsigned char t = (unsigned char)s[*i + (size_t)k];

		if ((t & 0xc0) != 0x80) {
			(*i)++;
			return b;
		}
		cp = (cp << 6) | (t & 0x3f);
	}
	*i += (size_t)more + 1;
	return cp;
}

static uint32_t fold(uint32_t c)
{
	return c >= 'A' && c <= 'Z' ? c + 32 : c;
}

static struct rx_inst *emit(struct rx_comp *c, int op)
{
	if (c->len == c->cap) {
		int cap = c->cap ? c->cap * 2 : 32;
		struct rx_inst *n;

		if (cap > REGEX_MAX_PROG) {
			if (c->cap >= REGEX_MAX_PROG) {
				rx_error(c, "regular expression is too complex");
				return NULL;
			}
			cap = REGEX_MAX_PROG;
		}
		n = arena_alloc(c->a, sizeof(*n) * (size_t)cap);
		if (!n) {
			db_err_oom(c->err);
			return NULL;
		}
		if (c->len)
			memcpy(n, c->prog, sizeof(*n) * (size_t)c->len);
		c->prog = n;
		c->cap = cap;
	}
	memset(&c->prog[c->len], 0, sizeof(c->prog[0]));
	c->prog[c->len].op = (uint8_t)op;
	return &c->prog[c->len++];
}

/* Opens a one-instruction gap at pc (the instructions from pc move up). */
static struct rx_inst *insert(struct rx_comp *c, int pc, int op)
{
	if (!emit(c, RX_MATCH))
		return NULL;
	memmove(&c->prog[pc + 1], &c->prog[pc],
		sizeof(c->prog[0]) * (size_t)(c->len - 1 - pc));
	memset(&c->prog[pc], 0, sizeof(c->prog[0]));
	c->prog[pc].op = (uint8_t)op;
	return &c->prog[pc];
}

static bool at_end(struct rx_comp *c)
{
	return c->i >= c->n;
}

static char peek(struct rx_comp *c)
{
	return at_end(c) ? 0 : c->p[c->i];
}

static int class_range(struct rx_comp *c, struct rx_class *k, uint32_t lo,
		       uint32_t hi, bool other_case);

static int class_add(struct rx_comp *c, struct rx_class *k, uint32_t lo,
		     uint32_t hi)
{
	return class_range(c, k, lo, hi, c->icase);
}

static int class_range(struct rx_comp *c, struct rx_class *k, uint32_t lo,
		       uint32_t hi, bool other_case)
{
	struct rx_range *r = arena_alloc(c->a, sizeof(*r) * (size_t)(k->n + 1));

	if (!r)
		return db_err_oom(c->err);
	if (k->n)
		memcpy(r, k->r, sizeof(*r) * (size_t)k->n);
	r[k->n].lo = lo;
	r[k->n].hi = hi;
	k->r = r;
	k->n++;
	if (other_case && lo <= 'z' && hi >= 'A') { /* the other case too */
		uint32_t a = lo < 'A' ? 'A' : lo, b = hi > 'Z' ? 'Z' : hi;

		if (a <= b && class_range(c, k, a + 32, b + 32, false) < 0)
			return -EINVAL;
		a = lo < 'a' ? 'a' : lo, b = hi > 'z' ? 'z' : hi;
		if (a <= b && class_range(c, k, a - 32, b - 32, false) < 0)
			return -EINVAL;
	}
	return 0;
}

/* The POSIX class named name (digit, alpha, ...) as ranges. */
static int named_class(struct rx_comp *c, struct rx_class *k, const char *name,
		       size_t len)
{
	static const struct {
		const char *name;
		const char *ranges; /* pairs lo hi */
	} tab[] = {
		{"digit", "09"},     {"alpha", "azAZ"},	  {"alnum", "azAZ09"},
		{"upper", "AZ"},     {"lower", "az"},	  {"space", "  \t\r\v\v\f\f"},
		{"xdigit", "09afAF"}, {"word", "azAZ09__"}, {"blank", "  \t\t"},
		{"punct", "!/:@[`{~"}, {"cntrl", "\x01\x1f\x7f\x7f"},
		{"print", " ~"},     {"graph", "!~"},
	};
	unsigned t;
	const char *r;

	for (t = 0; t < sizeof(tab) / sizeof(tab[0]); t++) {
		if (strlen(tab[t].name) != len || memcmp(tab[t].name, name, len))
			continue;
		for (r = tab[t].ranges; *r; r += 2)
			if (class_add(c, k, (unsigned char)r[0],
				      (unsigned char)r[1]) < 0)
				return -EINVAL;
		return 0;
	}
	return rx_error(c, "invalid character class");
}

static struct rx_class *new_class(struct rx_comp *c)
{
	struct rx_class *k = arena_alloc(c->a, sizeof(*k));

	if (!k)
		db_err_oom(c->err);
	return k;
}

/* \d \w \s and their negations as a class; 0 if e is not one. */
static int escape_class(struct rx_comp *c, char e, struct rx_class **out)
{
	const char *name = e == 'd' || e == 'D' ? "digit"
			   : e == 'w' || e == 'W' ? "word"
			   : e == 's' || e == 'S' ? "space"
						  : NULL;

	*out = NULL;
	if (!name)
		return 0;
	if (!(*out = new_class(c)))
		return -EINVAL;
	(*out)->neg = e >= 'A' && e <= 'Z';
	return named_class(c, *out, name, strlen(name));
}

/* The character an escape stands for (\n, \t, \., \\ ...). */
static int escape_char(struct rx_comp *c, uint32_t *out)
{
	char e;

	if (at_end(c))
		return rx_error(c, "invalid escape \\ sequence");
	e = c->p[c->i];
	if ((e >= 'a' && e <= 'z' && !strchr("ntrfv", e)) ||
	    (e >= 'A' && e <= 'Z') || (e >= '0' && e <= '9'))
		return rx_error(c, "invalid escape \\ sequence");
	c->i++;
	*out = e == 'n' ? '\n' : e == 't' ? '\t' : e == 'r' ? '\r'
	     : e == 'f' ? '\f' : e == 'v' ? '\v' : (uint32_t)(unsigned char)e;
	return 0;
}

/* After '[': a bracket expression up to its ']'. */
static int parse_bracket(struct rx_comp *c)
{
	struct rx_class *k = new_class(c);
	struct rx_inst *in;
	bool first = true;

	if (!k)
		return -EINVAL;
	if (peek(c) == '^') {
		k->neg = true;
		c->i++;
	}
	for (;;) {
		uint32_t lo, hi;

		if (at_end(c))
			return rx_error(c, "brackets [] not balanced");
		if (peek(c) == ']' && !first) {
			c->i++;
			break;
		}
		first = false;
		if (peek(c) == '[' && c->i + 1 < c->n && c->p[c->i + 1] == ':') {
			size_t s = c->i + 2, e = s;

			while (e + 1 < c->n && !(c->p[e] == ':' && c->p[e + 1] == ']'))
				e++;
			if (e + 1 >= c->n)
				return rx_error(c, "brackets [] not balanced");
			if (named_class(c, k, c->p + s, e - s) < 0)
				return -EINVAL;
			c->i = e + 2;
			continue;
		}
		if (peek(c) == '\\' && c->i + 1 < c->n &&
		    strchr("dwsDWS", c->p[c->i + 1])) {
			const char *n = strchr("dD", c->p[c->i + 1]) ? "digit"
				      : strchr("wW", c->p[c->i + 1]) ? "word"
								     : "space";

			if (c->p[c->i + 1] >= 'A' && c->p[c->i + 1] <= 'Z')
				return rx_error(c, "invalid escape \\ sequence");
			c->i += 2;
			if (named_class(c, k, n, strlen(n)) < 0)
				return -EINVAL;
			continue;
		}
		if (peek(c) == '\\') {
			c->i++;
			if (escape_char(c, &lo) < 0)
				return -EINVAL;
		} else {
			lo = utf8_next(c->p, c->n, &c->i);
		}
		hi = lo;
		if (peek(c) == '-' && c->i + 1 < c->n && c->p[c->i + 1] != ']') {
			c->i++;
			hi = utf8_next(c->p, c->n, &c->i);
			if (hi < lo)
				return rx_error(c, "invalid character range");
		}
		if (class_add(c, k, lo, hi) < 0)
			return -EINVAL;
	}
	if (!(in = emit(c, RX_CLASS)))
		return -EINVAL;
	in->cls = k;
	return 0;
}

static int parse_alt(struct rx_comp *c);

/* One atom; its code is appended at c->len. */
static int parse_atom(struct rx_comp *c)
{
	struct rx_inst *in;
	struct rx_class *k;
	uint32_t ch;
	char p = peek(c);

	switch (p) {
	case '(':
		c->i++;
		if (peek(c) == '?') {
			if (c->i + 1 < c->n && c->p[c->i + 1] == ':')
				c->i += 2;
			else
				return rx_error(c, "lookaround constraints are "
						   "not supported by unidb");
		}
		if (++c->depth > 20) /* nested groups nest the compiler */
			return rx_error(c, "regular expression is too complex");
		if (parse_alt(c) < 0)
			return -EINVAL;
		c->depth--;
		if (peek(c) != ')')
			return rx_error(c, "parentheses () not balanced");
		c->i++;
		return 0;
	case '[':
		c->i++;
		return parse_bracket(c);
	case '.':
		c->i++;
		return emit(c, RX_ANY) ? 0 : -EINVAL;
	case '^':
		c->i++;
		return emit(c, RX_BOL) ? 0 : -EINVAL;
	case '$':
		c->i++;
		return emit(c, RX_EOL) ? 0 : -EINVAL;
	case '*':
	case '+':
	case '?':
	case '{':
		return rx_error(c, "quantifier operand invalid");
	case '\\':
		c->i++;
		if (!at_end(c) && escape_class(c, c->p[c->i], &k) < 0)
			return -EINVAL;
		if (!at_end(c) && k) {
			c->i++;
			if (!(in = emit(c, RX_CLASS)))
				return -EINVAL;
			in->cls = k;
			return 0;
		}
		if (escape_char(c, &ch) < 0)
			return -EINVAL;
		break;
	default:
		ch = utf8_next(c->p, c->n, &c->i);
	}
	if (!(in = emit(c, RX_CHAR)))
		return -EINVAL;
	in->c = c->icase ? fold(ch) : ch;
	return 0;
}

static int parse_count(struct rx_comp *c, int *v)
{
	int n = 0;

	if (peek(c) < '0' || peek(c) > '9')
		return rx_error(c, "invalid repetition count(s)");
	while (peek(c) >= '0' && peek(c) <= '9') {
		n = n * 10 + (c->p[c->i++] - '0');
		if (n > 255)
			return rx_error(c, "invalid repetition count(s)");
	}
	*v = n;
	return 0;
}

/* Appends a copy of prog[s..e). */
static int copy_piece(struct rx_comp *c, int s, int e)
{
	int k;

	for (k = s; k < e; k++) {
		struct rx_inst *in = emit(c, RX_MATCH);

		if (!in)
			return -EINVAL;
		*in = c->prog[k];
	}
	return 0;
}

/* x* over the piece at [s, c->len). */
static int star(struct rx_comp *c, int s)
{
	int len = c->len - s;
	struct rx_inst *in = insert(c, s, RX_SPLIT);

	if (!in)
		return -EINVAL;
	in->x = 1;
	in->y = len + 2;
	if (!(in = emit(c, RX_JMP)))
		return -EINVAL;
	in->x = -(len + 1);
	return 0;
}

static int optional(struct rx_comp *c, int s)
{
	int len = c->len - s;
	struct rx_inst *in = insert(c, s, RX_SPLIT);

	if (!in)
		return -EINVAL;
	in->x = 1;
	in->y = len + 1;
	return 0;
}

static int parse_piece(struct rx_comp *c)
{
	int s = c->len, m, n, k, len;
	struct rx_inst *save;

	if (parse_atom(c) < 0)
		return -EINVAL;
	for (;;) {
		char q = peek(c);

		if (q == '*' || q == '+' || q == '?') {
			c->i++;
			if (peek(c) == '?')
				c->i++; /* lazy: same answer for a match test */
			if (q == '+') {
				len = c->len - s;
				if (copy_piece(c, s, s + len) < 0 ||
				    star(c, s + len) < 0)
					return -EINVAL;
			} else if ((q == '*' ? star(c, s) : optional(c, s)) < 0) {
				return -EINVAL;
			}
			continue;
		}
		if (q != '{')
			return 0;
		c->i++;
		if (parse_count(c, &m) < 0)
			return -EINVAL;
		n = m;
		if (peek(c) == ',') {
			c->i++;
			n = -1;
			if (peek(c) != '}' && parse_count(c, &n) < 0)
				return -EINVAL;
		}
		if (peek(c) != '}' || (n >= 0 && n < m))
			return rx_error(c, "invalid repetition count(s)");
		c->i++;
		if (peek(c) == '?')
			c->i++;
		len = c->len - s;
		/* Save the piece past the end, rebuild from the copy. */
		save = arena_alloc(c->a, sizeof(*save) * (size_t)(len + 1));
		if (!save)
			return db_err_oom(c->err);
		memcpy(save, &c->prog[s], sizeof(*save) * (size_t)len);
		c->len = s;
		for (k = 0; k < (n < 0 ? (m ? m : 1) : (n ? n : 0)); k++) {
			int at = c->len;

			if (c->len + len > REGEX_MAX_PROG)
				return rx_error(c, "regular expression is too "
						   "complex");
			for (int j = 0; j < len; j++) {
				struct rx_inst *in = emit(c, RX_MATCH);

				if (!in)
					return -EINVAL;
				*in = save[j];
			}
			if (n < 0 && k == (m ? m : 1) - 1) {
				/* the last copy repeats: x{m,} = x..x x* */
				if (m == 0 ? star(c, at) < 0
					   : (copy_piece(c, at, at + len) < 0 ||
					      star(c, at + len) < 0))
					return -EINVAL;
			} else if (n >= 0 && k >= m && optional(c, at) < 0) {
				return -EINVAL;
			}
		}
	}
}

static int parse_concat(struct rx_comp *c)
{
	while (!at_end(c) && peek(c) != '|' && peek(c) != ')')
		if (parse_piece(c) < 0)
			return -EINVAL;
	return 0;
}

/* Alternatives a|b|c, iteratively (each '|' would otherwise nest the
 * compiler's frames): every branch but the last is preceded by a SPLIT to
 * it and past its closing JMP; the JMPs go to the end of the whole. */
static int parse_alt(struct rx_comp *c)
{
	int s = c->len, *jmps = NULL, njmp = 0, cap = 0, k;
	struct rx_inst *in;

	for (;;) {
		if (parse_concat(c) < 0)
			return -EINVAL;
		if (peek(c) != '|')
			break;
		c->i++;
		if (!insert(c, s, RX_SPLIT) || !(in = emit(c, RX_JMP)))
			return -EINVAL;
		c->prog[s].x = 1;
		c->prog[s].y = c->len - s;
		if (njmp == cap) {
			int *n = arena_alloc(c->a, sizeof(int) * (size_t)(cap * 2 + 8));

			if (!n)
				return db_err_oom(c->err);
			if (njmp)
				memcpy(n, jmps, sizeof(int) * (size_t)njmp);
			jmps = n;
			cap = cap * 2 + 8;
		}
		jmps[njmp++] = c->len - 1;
		s = c->len;
	}
	for (k = 0; k < njmp; k++)
		c->prog[jmps[k]].x = c->len - jmps[k];
	return 0;
}

int regex_compile(struct arena *a, const char *pat, size_t n, bool icase,
		  struct regex **out, struct db_error *err)
{
	struct rx_comp c = {.a = a, .p = pat, .n = n, .icase = icase,
			    .err = err};
	struct regex *re;

	if (parse_alt(&c) < 0)
		return -EINVAL;
	if (!at_end(&c))
		return rx_error(&c, "parentheses () not balanced");
	if (!emit(&c, RX_MATCH))
		return -EINVAL;
	re = arena_alloc(a, sizeof(*re));
	if (!re)
		return db_err_oom(err);
	re->prog = c.prog;
	re->n = c.len;
	re->icase = icase;
	*out = re;
	return 0;
}

/* ---- matching ----------------------------------------------------------- */

struct rx_list {
	int *pc;
	int n;
};

static bool class_has(const struct rx_class *k, uint32_t ch)
{
	int i;

	for (i = 0; i < k->n; i++)
		if (ch >= k->r[i].lo && ch <= k->r[i].hi)
			return !k->neg;
	return k->neg;
}

/* Adds pc and what it reaches without input (SPLIT, JMP, anchors true at
 * this position); true if MATCH is reached. mark: generation stamps. */
static bool add(const struct regex *re, struct rx_list *l, int *mark, int gen,
		int pc, size_t at, size_t n, int *stack)
{
	int sp = 0;
	bool matched = false;

	stack[sp++] = pc;
	while (sp) {
		pc = stack[--sp];
		if (pc < 0 || pc >= re->n || mark[pc] == gen)
			continue;
		mark[pc] = gen;
		switch (re->prog[pc].op) {
		case RX_JMP:
			stack[sp++] = pc + re->prog[pc].x;
			break;
		case RX_SPLIT:
			stack[sp++] = pc + re->prog[pc].y;
			stack[sp++] = pc + re->prog[pc].x;
			break;
		case RX_BOL:
			if (at == 0)
				stack[sp++] = pc + 1;
			break;
		case RX_EOL:
			if (at == n)
				stack[sp++] = pc + 1;
			break;
		case RX_MATCH:
			matched = true;
			break;
		default:
			l->pc[l->n++] = pc;
		}
	}
	return matched;
}

int regex_match(struct arena *a, const struct regex *re, const char *s,
		size_t n, bool *match, struct db_error *err)
{
	int small[6 * 64];
	int *buf = small, gen = 0;
	struct rx_list cur, next;
	size_t at = 0;

	if (re->n > 64) {
		buf = arena_alloc(a, sizeof(int) * 6 * (size_t)re->n);
		if (!buf)
			return db_err_oom(err);
	}
	/* cur, next, mark, and the closure stack (3n: each instruction is
	 * expanded once per position and pushes at most two) */
	cur.pc = buf;
	next.pc = buf + re->n;
	int *mark = buf + 2 * re->n, *stack = buf + 3 * re->n;

	for (int k = 0; k < re->n; k++)
		mark[k] = -1;
	cur.n = 0;
	*match = add(re, &cur, mark, gen, 0, 0, n, stack);
	while (!*match && at < n) {
		uint32_t ch = utf8_next(s, n, &at);
		int t;

		if (re->icase)
			ch = fold(ch);
		next.n = 0;
		gen++;
		for (t = 0; t < cur.n && !*match; t++) {
			const struct rx_inst *in = &re->prog[cur.pc[t]];
			bool ok = in->op == RX_ANY ||
				  (in->op == RX_CHAR && in->c == ch) ||
				  (in->op == RX_CLASS && class_has(in->cls, ch));

			if (ok)
				*match = add(re, &next, mark, gen, cur.pc[t] + 1,
					     at, n, stack);
		}
		/* unanchored: a new attempt starts at every position */
		if (!*match)
			*match = add(re, &next, mark, gen, 0, at, n, stack);
		cur.n = next.n;
		memcpy(cur.pc, next.pc, sizeof(int) * (size_t)next.n);
	}
	return 0;
}
