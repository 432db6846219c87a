/* SPDX-License-Identifier: MIT */
/* db_sql_test.c: host tests of the SQL lexer, parser and value functions
 * (db/sql). */
#include "../../db/exec/expr.h"
#include "../../db/sql/ast.h"
#include "../../db/sql/datetime.h"
#include "../../db/sql/float.h"
#include "../../db/sql/numeric.h"
#include "unit.h"

static struct arena A;

static int lex(const char *q, struct token **t, struct db_error *err)
{
	int n = 0;

	arena_free(&A);
	if (sql_lex(&A, q, strlen(q), t, &n, err) < 0)
		return -1;
	return n;
}

UNIT_TEST(lexer_tokens)
{
	struct token *t;
	struct db_error err = {0};
	int n = lex("SELECT a,'it''s' E'x\\ny' \"Q q\" 1.5 42 $3 <= :: -- c\n"
		    "/* a /* nested */ comment */ x",
		    &t, &err);

	CHECK_EQ(n, 13);
	CHECK(t[0].kind == TOK_IDENT && !strcmp(t[0].text, "select"));
	CHECK(t[2].kind == TOK_PUNCT && t[2].text[0] == ',');
	CHECK(t[3].kind == TOK_STRING && !strcmp(t[3].text, "it's"));
	CHECK(t[4].kind == TOK_STRING && !strcmp(t[4].text, "x\ny"));
	CHECK(t[5].kind == TOK_QIDENT && !strcmp(t[5].text, "Q q"));
	CHECK_EQ(t[6].kind, TOK_NUM);
	CHECK(t[7].kind == TOK_INT && t[7].ival == 42);
	CHECK(t[8].kind == TOK_PARAM && t[8].ival == 3);
	CHECK(t[9].kind == TOK_OP && t[9].len == 2);
	CHECK(t[10].kind == TOK_OP && t[10].len == 2);
	CHECK(t[11].kind == TOK_IDENT && !strcmp(t[11].text, "x"));
	CHECK_EQ(t[12].kind, TOK_EOF);
}

UNIT_TEST(lexer_errors)
{
	struct token *t;
	struct db_error err = {0};

	CHECK_EQ(lex("select 'abc", &t, &err), -1);
	CHECK_STR(err.code, "42601");
	CHECK_EQ(err.position, 8);
	CHECK_EQ(lex("select /* open", &t, &err), -1);
	CHECK_STR(err.code, "42601");
	CHECK_EQ(lex("select \"\"", &t, &err), -1);
	/* an operator never swallows a comment start; "a<-1" is a < -1 */
	CHECK_EQ(lex("a<-1", &t, &err), 5);
	CHECK(t[1].len == 1 && t[2].len == 1);
	CHECK_EQ(lex("1--2", &t, &err), 2);
}

static int parse(const char *q, struct stmt ***st, struct db_error *err)
{
	int n = 0;

	arena_free(&A);
	if (sql_parse(&A, q, strlen(q), st, &n, err) < 0)
		return -1;
	return n;
}

UNIT_TEST(parser_statements)
{
	struct stmt **st;
	struct db_error err = {0};

	CHECK_EQ(parse("", &st, &err), 0);
	CHECK_EQ(parse(" ; ;", &st, &err), 0);
	CHECK_EQ(parse("select 1; select 2;", &st, &err), 2);
	CHECK_EQ(parse("create table if not exists t (a int primary key, "
		       "b varchar(5) not null default 'x', c bigint) "
		       "with (fillfactor=100)",
		       &st, &err),
		 1);
	CHECK_EQ(st[0]->kind, ST_CREATE_TABLE);
	CHECK(st[0]->if_exists);
	CHECK_EQ(st[0]->ncols, 3);
	CHECK(st[0]->cols[0].primary_key && st[0]->cols[1].not_null);
	CHECK_EQ(st[0]->cols[1].type.id, TYPE_VARCHAR);
	CHECK_EQ(st[0]->cols[1].type.mod, 5);
	CHECK(st[0]->cols[1].def_len == 3 && !memcmp(st[0]->cols[1].def_src, "'x'", 3));
	CHECK_EQ(parse("insert into t (a, b) values (1, 'a'), (2, default) "
		       "returning a",
		       &st, &err),
		 1);
	CHECK(st[0]->nrows == 2 && st[0]->row_len[1] == 2 && st[0]->nnames == 2);
	CHECK_EQ(st[0]->nreturning, 1);
	CHECK_EQ(parse("update t set a = a + 1, b = 'z' where a > 1", &st, &err), 1);
	CHECK(st[0]->kind == ST_UPDATE && st[0]->nsets == 2 && st[0]->where);
	CHECK_EQ(parse("drop table if exists a, b", &st, &err), 1);
	CHECK(st[0]->kind == ST_DROP_TABLE && st[0]->nnames == 2);
	CHECK_EQ(parse("select distinct a.x, count(*) c from t1 a left join t2 b "
		       "on a.x = b.y, t3 where a.x in (1, 2) group by 1 "
		       "having count(*) > 1 order by 2 desc nulls last, 1 "
		       "limit 5 offset 2",
		       &st, &err),
		 1);
	CHECK(st[0]->select->distinct && st[0]->select->nfrom == 3);
	CHECK_EQ(st[0]->select->from[1].join, JOIN_LEFT);
	CHECK_EQ(st[0]->select->from[2].join, JOIN_CROSS);
	CHECK(st[0]->select->norder == 2 && st[0]->select->order[0].desc);
	CHECK_EQ(st[0]->select->order[0].nulls_first, 0);
	CHECK(st[0]->select->limit && st[0]->select->offset);
}

UNIT_TEST(parser_precedence)
{
	struct stmt **st;
	struct db_error err = {0};
	struct expr *e;

	CHECK_EQ(parse("select 1 + 2 * 3", &st, &err), 1);
	e = st[0]->select->targets[0].e;
	CHECK(e->kind == EX_BINOP && e->op == OP_ADD && e->r->op == OP_MUL);
	CHECK_EQ(parse("select not a = b and c or d", &st, &err), 1);
	e = st[0]->select->targets[0].e;
	CHECK(e->op == OP_OR && e->l->op == OP_AND);
	CHECK(e->l->l->kind == EX_UNOP && e->l->l->l->op == OP_EQ);
	CHECK_EQ(parse("select -2147483648, 'a' || 'b' = 'ab', x::int::text",
		       &st, &err),
		 1);
	e = st[0]->select->targets[0].e;
	CHECK(e->kind == EX_CONST && e->val.i == -2147483648LL &&
	      e->val.type == TYPE_INT4);
	e = st[0]->select->targets[1].e;
	CHECK(e->op == OP_EQ && e->l->op == OP_CONCAT);
	e = st[0]->select->targets[2].e;
	CHECK(e->kind == EX_CAST && e->type.id == TYPE_TEXT &&
	      e->l->kind == EX_CAST && e->l->type.id == TYPE_INT4);
}

UNIT_TEST(parser_errors)
{
	struct stmt **st;
	struct db_error err = {0};

	CHECK_EQ(parse("select 1 frm t", &st, &err), -1);
	CHECK_STR(err.code, "42601");
	CHECK_STR(err.msg, "syntax error at or near \"t\"");
	CHECK_EQ(err.position, 14);
	CHECK_EQ(parse("select 1 +", &st, &err), -1);
	CHECK_STR(err.msg, "syntax error at end of input");
	CHECK_EQ(err.position, 11);
	CHECK_EQ(parse("select 1; selekt 2", &st, &err), -1);
	CHECK_EQ(err.position, 11);
	CHECK_EQ(parse("create table t (a wibble)", &st, &err), -1);
	CHECK_STR(err.code, "42704");
	CHECK_EQ(parse("create table t (a float(54))", &st, &err), -1);
	CHECK_STR(err.code, "22023");
	CHECK_EQ(parse("select $0", &st, &err), -1);
	CHECK_STR(err.code, "42P02");
	/* deep nesting ends in an error or a tree, never a crash */
	{
		static char deep[4000];

		memset(deep, '(', sizeof(deep) - 1);
		memcpy(deep, "select ", 7);
		CHECK_EQ(parse(deep, &st, &err), -1);
		CHECK_STR(err.code, "54001");
		memset(deep, '+', sizeof(deep) - 1);
		deep[sizeof(deep) - 2] = '1';
		memcpy(deep, "select ", 7);
		CHECK_EQ(parse(deep, &st, &err), -1);
		CHECK_STR(err.code, "54001");
	}
}

UNIT_TEST(value_input)
{
	struct db_error err = {0};
	struct datum d;
	struct sql_type i2 = {TYPE_INT2, -1}, i4 = {TYPE_INT4, -1},
			i8 = {TYPE_INT8, -1}, b = {TYPE_BOOL, -1},
			v3 = {TYPE_VARCHAR, 3};

	CHECK(datum_in(&A, i4, " -42 ", 5, &d, &err) == 0 && d.i == -42);
	CHECK(datum_in(&A, i2, "32767", 5, &d, &err) == 0 && d.i == 32767);
	CHECK(datum_in(&A, i2, "32768", 5, &d, &err) < 0);
	CHECK_STR(err.code, "22003");
	CHECK_STR(err.msg, "value \"32768\" is out of range for type smallint");
	CHECK(datum_in(&A, i8, "-9223372036854775808", 20, &d, &err) == 0 &&
	      d.i == INT64_MIN);
	CHECK(datum_in(&A, i8, "99999999999999999999999999", 26, &d, &err) < 0);
	CHECK(datum_in(&A, i4, "1x", 2, &d, &err) < 0);
	CHECK_STR(err.code, "22P02");
	CHECK(datum_in(&A, i4, "", 0, &d, &err) < 0);
	CHECK(datum_in(&A, b, "TRU", 3, &d, &err) == 0 && d.i == 1);
	CHECK(datum_in(&A, b, "of", 2, &d, &err) == 0 && d.i == 0);
	CHECK(datum_in(&A, b, "o", 1, &d, &err) < 0);
	CHECK(datum_in(&A, v3, "abcd", 4, &d, &err) < 0);
	CHECK_STR(err.code, "22001");
	CHECK(datum_in(&A, v3, "ab  ", 4, &d, &err) == 0 && d.len == 3);
	CHECK(datum_in(&A, v3, "\xc3\xa9\xc3\xa9\xc3\xa9", 6, &d, &err) == 0);
}

static const char *avg(__int128 sum, int64_t count)
{
	static char buf[128];
	struct db_error err;
	struct datum d;

	arena_free(&A);
	if (numeric_avg(&A, sum, count, &d, &err) < 0)
		return "error";
	snprintf(buf, sizeof(buf), "%.*s", (int)d.len, d.s);
	return buf;
}

UNIT_TEST(value_avg_like_postgres)
{
	/* PostgreSQL 15's output for avg() of these sums and counts */
	CHECK_STR(avg(3, 2), "1.5000000000000000");
	CHECK_STR(avg(2, 2), "1.00000000000000000000");
	CHECK_STR(avg(1, 3), "0.33333333333333333333");
	CHECK_STR(avg(2, 3), "0.66666666666666666667");
	CHECK_STR(avg(-1, 3), "-0.33333333333333333333");
	CHECK_STR(avg(300, 2), "150.0000000000000000");
	CHECK_STR(avg(0, 5), "0.00000000000000000000");
	CHECK_STR(avg(123456789, 1), "123456789.000000000000");
}

UNIT_TEST(value_compare)
{
	struct datum a = datum_str(TYPE_NUMERIC, "-1.5", 4),
		     b = datum_str(TYPE_NUMERIC, "-10.0", 5),
		     c = datum_str(TYPE_NUMERIC, "2", 1),
		     d = datum_str(TYPE_NUMERIC, "2.00", 4);
	struct datum x = datum_int(TYPE_INT2, 5), y = datum_int(TYPE_INT8, 5);

	CHECK(datum_cmp(&b, &a) < 0 && datum_cmp(&a, &c) < 0);
	CHECK_EQ(datum_cmp(&c, &d), 0);
	CHECK(datum_eq(&x, &y) && datum_hash(&x) == datum_hash(&y));
}

UNIT_MAIN()

/* a op b through numeric.c, printed; op 'r' rounds a to b digits. */
static const char *num(const char *a, char op, const char *b)
{
	static char buf[256];
	static struct db_error err;
	struct numeric x, y, r;
	struct datum d;
	int rc;

	arena_free(&A);
	if (numeric_parse(&A, a, strlen(a), &x, &err) < 0 ||
	    numeric_parse(&A, b, strlen(b), &y, &err) < 0)
		return err.code;
	switch (op) {
	case '+': rc = numeric_add(&A, &x, &y, &r, &err); break;
	case '-': rc = numeric_sub(&A, &x, &y, &r, &err); break;
	case '*': rc = numeric_mul(&A, &x, &y, &r, &err); break;
	case '/': rc = numeric_div(&A, &x, &y, &r, &err); break;
	case '%': rc = numeric_mod(&A, &x, &y, &r, &err); break;
	case 'r': rc = numeric_round(&A, &x, atoi(b), NUM_ROUND, &r, &err); break;
	case 't': rc = numeric_round(&A, &x, atoi(b), NUM_TRUNC, &r, &err); break;
	case 'c': rc = numeric_round(&A, &x, 0, NUM_CEIL, &r, &err); break;
	case 'f': rc = numeric_round(&A, &x, 0, NUM_FLOOR, &r, &err); break;
	default: rc = numeric_typmod(&A, &x, atoi(b), &r, &err); break;
	}
	if (rc < 0 || numeric_datum(&A, &r, &d, &err) < 0)
		return err.code;
	snprintf(buf, sizeof(buf), "%.*s", (int)d.len, d.s);
	return buf;
}

UNIT_TEST(numeric_like_postgres)
{
	/* PostgreSQL 15's output for the same expressions */
	CHECK_STR(num("1.5", '+', "2.25"), "3.75");
	CHECK_STR(num("1.5", '-', "2.25"), "-0.75");
	CHECK_STR(num("0.1", '*', "0.2"), "0.02");
	CHECK_STR(num("1.0", '/', "3"), "0.33333333333333333333");
	CHECK_STR(num("2", '/', "3.000"), "0.66666666666666666667");
	CHECK_STR(num("100", '/', "7"), "14.2857142857142857");
	CHECK_STR(num("123456789012345678901234567890", '/', "7"),
		  "17636684144620811271604938270");
	CHECK_STR(num("0.0001", '/', "3"), "0.000033333333333333333333");
	CHECK_STR(num("10", '%', "3.5"), "3.0");
	CHECK_STR(num("-7.5", '%', "2"), "-1.5");
	CHECK_STR(num("7.5", '%', "-2"), "1.5");
	CHECK_STR(num("1e3", '+', "0"), "1000");
	CHECK_STR(num("1.5e-3", '+', "0"), "0.0015");
	CHECK_STR(num("  -0.000 ", '+', "0"), "0.000");
	CHECK_STR(num("2.5", 'r', "0"), "3");
	CHECK_STR(num("-2.5", 'r', "0"), "-3");
	CHECK_STR(num("1234.567", 'r', "-2"), "1200");
	CHECK_STR(num("1.5", 'r', "3"), "1.500");
	CHECK_STR(num("-1.99", 't', "0"), "-1");
	CHECK_STR(num("-1.5", 'c', "0"), "-1");
	CHECK_STR(num("-1.5", 'f', "0"), "-2");
	CHECK_STR(num("1.2", 'c', "0"), "2");
	CHECK_STR(num("99999999999999999999", '*', "99999999999999999999"),
		  "9999999999999999999800000000000000000001");
	CHECK_STR(num("1", '/', "0.0003"), "3333.3333333333333333");
	CHECK_STR(num("0.00001", '/', "100000"), "0.0000000001000000000000000000");
	CHECK_STR(num("5.00", '-', "5"), "0.00");
	CHECK_STR(num("1e-20", '*', "1e-20"),
		  "0.0000000000000000000000000000000000000001");
	CHECK_STR(num("1", '/', "0"), "22012");
	CHECK_STR(num("1", '%', "0.0"), "22012");
	CHECK_STR(num("1x", '+', "0"), "22P02");
	CHECK_STR(num("", '+', "0"), "22P02");
	CHECK_STR(num("1e100000", '+', "0"), "22P02");
	/* numeric(5,2): mod = 5 << 16 | 2 */
	CHECK_STR(num("123.456", 'm', "327682"), "123.46");
	CHECK_STR(num("999.995", 'm', "327682"), "22003");
	CHECK_STR(num("-999.994", 'm', "327682"), "-999.99");
}

UNIT_TEST(numeric_binary_round_trip)
{
	static const char *const vals[] = {"0", "0.00", "1", "-1", "10000",
					   "123456789.000123", "0.00001",
					   "-99999999.99990", "1e40"};
	unsigned i;

	for (i = 0; i < sizeof(vals) / sizeof(vals[0]); i++) {
		struct strbuf sb = STRBUF_INIT;
		struct db_error err;
		struct numeric x, y;
		struct datum a, b;

		arena_free(&A);
		CHECK(numeric_parse(&A, vals[i], strlen(vals[i]), &x, &err) == 0);
		numeric_send(&sb, &x);
		CHECK(numeric_recv(&A, (const uint8_t *)sb.p, sb.len, &y, &err) == 0);
		CHECK(numeric_datum(&A, &x, &a, &err) == 0 &&
		      numeric_datum(&A, &y, &b, &err) == 0);
		CHECK(a.len == b.len && !memcmp(a.s, b.s, a.len));
		sb_free(&sb);
	}
	{ /* numeric_send's layout for 12345.678 (PostgreSQL's) */
		static const uint8_t want[] = {0, 3, 0, 1, 0, 0, 0, 3, 0, 1,
					       0x09, 0x29, 0x1a, 0x7c};
		struct strbuf sb = STRBUF_INIT;
		struct db_error err;
		struct numeric x;

		arena_free(&A);
		CHECK(numeric_parse(&A, "12345.678", 9, &x, &err) == 0);
		numeric_send(&sb, &x);
		CHECK(sb.len == sizeof(want) && !memcmp(sb.p, want, sb.len));
		sb_free(&sb);
	}
}

/* The calendar against a day-by-day walk from 0001-01-01 to 2500-12-31:
 * every date's day number is the previous one's plus one, and converts
 * back to the same year, month and day (leap years, month and year ends). */
UNIT_TEST(datetime_calendar_walk)
{
	static const int mdays[12] = {31, 28, 31, 30, 31, 30,
				      31, 31, 30, 31, 30, 31};
	int64_t y, prev = days_from_ymd(1, 1, 1) - 1, bad = 0;
	int m, d;

	for (y = 1; y <= 2500; y++) {
		bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

		for (m = 1; m <= 12; m++) {
			int n = mdays[m - 1] + (m == 2 && leap);

			for (d = 1; d <= n; d++) {
				int64_t k = days_from_ymd(y, m, d), y2;
				int m2, d2;

				ymd_from_days(k, &y2, &m2, &d2);
				bad += k != prev + 1 || y2 != y || m2 != m ||
				       d2 != d;
				prev = k;
			}
		}
	}
	CHECK_EQ(bad, 0);
	CHECK_EQ(days_from_ymd(2000, 1, 1), 0);
	CHECK_EQ(days_from_ymd(1970, 1, 1), -UNIX_EPOCH_DAYS);
}

static const char *dt(unsigned type, const char *in)
{
	static char buf[128];
	static struct db_error err;
	struct strbuf sb = STRBUF_INIT;
	struct datum d;

	if (datetime_in(type, in, strlen(in), &d, &err) < 0)
		return err.code;
	datetime_out(&sb, &d);
	snprintf(buf, sizeof(buf), "%.*s", (int)sb.len, sb.p);
	sb_free(&sb);
	return buf;
}

UNIT_TEST(datetime_input_output)
{
	/* PostgreSQL 15's output for the same input (DateStyle ISO) */
	CHECK_STR(dt(TYPE_DATE, "2024-02-29"), "2024-02-29");
	CHECK_STR(dt(TYPE_DATE, "2023-02-29"), "22008");
	CHECK_STR(dt(TYPE_DATE, "1900-02-29"), "22008");
	CHECK_STR(dt(TYPE_DATE, "2000-02-29"), "2000-02-29");
	CHECK_STR(dt(TYPE_DATE, "2024-04-31"), "22008");
	CHECK_STR(dt(TYPE_DATE, " 2024-1-5 "), "2024-01-05");
	CHECK_STR(dt(TYPE_DATE, "2024-01-31 23:59"), "2024-01-31");
	CHECK_STR(dt(TYPE_DATE, "20x4-01-01"), "22007");
	CHECK_STR(dt(TYPE_DATE, ""), "22007");
	CHECK_STR(dt(TYPE_DATE, "0001-01-01"), "0001-01-01");
	CHECK_STR(dt(TYPE_TIMESTAMP, "2024-01-31 12:34:56.789"),
		  "2024-01-31 12:34:56.789");
	CHECK_STR(dt(TYPE_TIMESTAMP, "2024-01-31T12:34:56.1234567"),
		  "2024-01-31 12:34:56.123457");
	CHECK_STR(dt(TYPE_TIMESTAMP, "2024-12-31 24:00"), "2025-01-01 00:00:00");
	CHECK_STR(dt(TYPE_TIMESTAMP, "2024-12-31 24:00:01"), "22008");
	CHECK_STR(dt(TYPE_TIMESTAMP, "1999-12-31 23:59:59.999999"),
		  "1999-12-31 23:59:59.999999");
	CHECK_STR(dt(TYPE_TIMESTAMPTZ, "2024-01-01 01:00:00+02"),
		  "2023-12-31 23:00:00+00");
	CHECK_STR(dt(TYPE_TIMESTAMPTZ, "2024-01-01 01:00:00-05:30"),
		  "2024-01-01 06:30:00+00");
	CHECK_STR(dt(TYPE_TIMESTAMPTZ, "1960-06-15 00:00:00.5 UTC"),
		  "1960-06-15 00:00:00.5+00");
	CHECK_STR(dt(TYPE_TIMESTAMP, "294277-01-01 00:00"), "22008");
}

/* The host's printf/strtod as the reference: the shortest "%.*e" that
 * reads back, as digits and exponent. */
static void float_ref(double v, bool f4, char *dig, int *ex)
{
	char b[64], *e;
	int p, k = 0;

	for (p = 1; p <= 17; p++) {
		snprintf(b, sizeof(b), "%.*e", p - 1, v);
		if (f4 ? strtof(b, NULL) == (float)v : strtod(b, NULL) == v)
			break;
	}
	e = strchr(b, 'e');
	*ex = atoi(e + 1);
	for (char *c = b; c < e; c++)
		if (*c >= '0' && *c <= '9')
			dig[k++] = *c;
	while (k > 1 && dig[k - 1] == '0')
		k--;
	dig[k] = 0;
}

/* float_out's text as digits and exponent. */
static void float_norm(const char *s, char *dig, int *ex)
{
	int nd = 0, dp = -1, e = 0, lz = 0;

	if (*s == '-')
		s++;
	for (; *s && *s != 'e'; s++) {
		if (*s == '.')
			dp = nd;
		else
			dig[nd++] = *s;
	}
	if (dp < 0)
		dp = nd;
	if (*s == 'e')
		e = atoi(s + 1);
	dig[nd] = 0;
	while (lz < nd - 1 && dig[lz] == '0')
		lz++;
	memmove(dig, dig + lz, (size_t)(nd - lz + 1));
	nd -= lz;
	*ex = dp - lz - 1 + e;
	while (nd > 1 && dig[nd - 1] == '0')
		dig[--nd] = 0;
}

UNIT_TEST(float_round_trips_against_libc)
{
	uint64_t rs = 88172645463325252ull;
	struct db_error err;
	int it, bad = 0;

	for (it = 0; it < 40000; it++) {
		bool f4 = it & 1;
		char out[80], in[80], d1[40], d2[40];
		struct strbuf sb = STRBUF_INIT;
		double v, back, a, b;
		int e1, e2, k = 0, nd, j;

		rs ^= rs << 13, rs ^= rs >> 7, rs ^= rs << 17;
		if (f4) {
			uint32_t x = (uint32_t)rs;
			float f;

			memcpy(&f, &x, 4);
			v = f;
		} else {
			memcpy(&v, &rs, 8);
		}
		if (v - v != 0 || v == 0)
			continue;
		/* output: shortest, same digits as the reference, reads back */
		float_out(&sb, v, f4);
		snprintf(out, sizeof(out), "%.*s", (int)sb.len, sb.p);
		sb_free(&sb);
		float_ref(v, f4, d1, &e1);
		float_norm(out, d2, &e2);
		bad += float_parse(out, strlen(out), f4, &back, &err) != 0 ||
		       back != v || strcmp(d1, d2) || e1 != e2;
		/* input: random decimal strings, correctly rounded */
		nd = 1 + (int)(rs % 25);
		if (rs & 2)
			in[k++] = '-';
		for (j = 0; j < nd; j++) {
			in[k++] = (char)('0' + (rs >> (j % 50)) % 10);
			if (j == 0 && rs % 3 == 0)
				in[k++] = '.';
		}
		snprintf(in + k, sizeof(in) - (size_t)k, "e%d",
			 (int)((rs >> 20) % 700) - 350);
		a = f4 ? strtof(in, NULL) : strtod(in, NULL);
		if (float_parse(in, strlen(in), f4, &b, &err) == 0)
			bad += memcmp(&a, &b, 8) != 0;
		else
			bad += !(a - a != 0 || a == 0); /* only out of range */
	}
	CHECK_EQ(bad, 0);
	/* halfway and boundary cases */
	{
		static const char *const hw[] = {
			"9007199254740993", "9007199254740995",
			"2.2250738585072011e-308", "2.4703282292062327e-324",
			"2.4703282292062328e-324", "1.7976931348623158e308",
			"16777217", "1.00000005960464477539062499",
			"1.00000005960464477539062501", "8.5e-38"};
		unsigned i;

		for (i = 0; i < sizeof(hw) / sizeof(hw[0]); i++) {
			for (int f4 = 0; f4 < 2; f4++) {
				double a = f4 ? strtof(hw[i], NULL)
					      : strtod(hw[i], NULL),
				       b = 0;
				int r = float_parse(hw[i], strlen(hw[i]), f4, &b,
						    &err);

				CHECK(r == 0 ? !memcmp(&a, &b, 8)
					     : (a - a != 0 || a == 0));
			}
		}
	}
}

/* The small fast path: v as canonical text (general path) and through
 * numeric_small_*; *small false if the fast path declined. */
static const char *small_op(const char *a, char op, const char *b, bool *small)
{
	static char buf[256];
	static struct db_error err;
	struct datum da = datum_str(TYPE_NUMERIC, a, (uint32_t)strlen(a)),
		     db = datum_str(TYPE_NUMERIC, b, (uint32_t)strlen(b)), d;
	struct numeric_small x, y, r;

	*small = numeric_small_of(&da, &x) && numeric_small_of(&db, &y) &&
		 numeric_small_arith(op, &x, &y, &r);
	if (!*small)
		return "";
	if (numeric_small_datum(&A, &r, &d, &err) < 0)
		return err.code;
	snprintf(buf, sizeof(buf), "%.*s", (int)d.len, d.s);
	return buf;
}

UNIT_TEST(numeric_small_path_equals_the_general_one)
{
	static const char *const vals[] = {
	    "0", "0.00", "1", "-1", "0.05", "-0.75", "1.5", "24", "901.00",
	    "-0.0001", "123456789.000123", "99999999.99990", "1000000",
	    "999999999999999999", "-999999999999999999.9",
	    "123456789012345678901234567890123456",	/* 36 digits */
	    "0.000000000000000000000000000000000001"};
	static const char ops[] = {'+', '-', '*'};
	char want[256];
	unsigned i, j, k;
	uint64_t seed = 42;
	bool small;
	int taken = 0;

	for (i = 0; i < sizeof(vals) / sizeof(vals[0]); i++)
		for (j = 0; j < sizeof(vals) / sizeof(vals[0]); j++)
			for (k = 0; k < 3; k++) {
				const char *got = small_op(vals[i], ops[k],
							   vals[j], &small);

				snprintf(want, sizeof(want), "%s",
					 num(vals[i], ops[k], vals[j]));
				if (small && strcmp(got, want))
					printf("  %s %c %s: %s, want %s\n",
					       vals[i], ops[k], vals[j], got,
					       want);
				CHECK(!small || !strcmp(got, want));
				taken += small;
			}
	/* random prices and discounts like TPC-H's, and their products */
	for (i = 0; i < 2000; i++) {
		char a[32], b[32];

		seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
		snprintf(a, sizeof(a), "%s%llu.%02llu", seed >> 63 ? "-" : "",
			 (unsigned long long)(seed >> 20) % 10000000,
			 (unsigned long long)(seed >> 8) % 100);
		snprintf(b, sizeof(b), "%llu.%0*llu",
			 (unsigned long long)(seed >> 40) % 1000,
			 (int)(seed % 5) + 1,
			 (unsigned long long)(seed >> 30) % 10);
		for (k = 0; k < 3; k++) {
			const char *got = small_op(a, ops[k], b, &small);

			snprintf(want, sizeof(want), "%s", num(a, ops[k], b));
			CHECK(small && !strcmp(got, want));
		}
	}
	CHECK(taken > 400);
	/* 36 digits times 10: no longer small, the general path's job */
	CHECK(!small_op("123456789012345678901234567890123456", '*', "10",
			&small)[0] && !small);
	/* not canonical text: declined */
	CHECK(!small_op("1e3", '+', "0", &small)[0] && !small);
	CHECK(!small_op(" 1", '+', "0", &small)[0] && !small);
	CHECK(!small_op("NaN", '+', "0", &small)[0] && !small);
	CHECK(!small_op("1.2.3", '+', "0", &small)[0] && !small);
	CHECK(!small_op("-", '+', "0", &small)[0] && !small);
}
