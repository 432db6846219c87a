/* SPDX-License-Identifier: MIT */
/* db_copy_test.c: COPY's statement parser, its text and CSV line formats
 * (escapes, quoting, NULL strings; out then in gives the values back),
 * streamed all-or-nothing COPY FROM, and the timeout setting units. */
#include <stdio.h>
#include <string.h>

#include "../../db/exec/copy.h"
#include "../../db/storage/table.h"
#include "unit.h"

static struct db_error err;

static int parse(const char *q, struct copy_stmt *cs, struct arena *a)
{
	memset(&err, 0, sizeof(err));
	return copy_parse(a, q, cs, &err);
}

UNIT_TEST(copy_parse_forms_and_options)
{
	struct arena a;
	struct copy_stmt cs;

	arena_init(&a, 1 << 20);
	CHECK(copy_is_copy("  copy t from stdin"));
	CHECK(copy_is_copy("COPY(select 1) to stdout"));
	CHECK(!copy_is_copy("copying"));
	CHECK(!copy_is_copy("select 1"));
	CHECK_EQ(parse("copy t (a, \"B\") from stdin;", &cs, &a), 0);
	CHECK(cs.from);
	CHECK_STR(cs.table, "t");
	CHECK_EQ(cs.ncols, 2);
	CHECK_STR(cs.cols[1], "B");
	CHECK_EQ(cs.o.delim, '\t');
	CHECK_STR(cs.o.null, "\\N");
	CHECK_EQ(parse("copy t to stdout with (format csv, header, delimiter ';', "
		       "null 'NA', quote '''', escape '\\', freeze)", &cs, &a), 0);
	CHECK(!cs.from && cs.o.csv && cs.o.header);
	CHECK_EQ(cs.o.delim, ';');
	CHECK_EQ(cs.o.quote, '\'');
	CHECK_EQ(cs.o.escape, '\\');
	CHECK_STR(cs.o.null, "NA");
	CHECK_EQ(parse("COPY t FROM STDIN WITH CSV HEADER QUOTE AS '|'", &cs, &a), 0);
	CHECK(cs.o.csv && cs.o.header);
	CHECK_EQ(cs.o.quote, '|');
	CHECK_EQ(cs.o.escape, '|');
	CHECK_EQ(parse("copy (select a from t where b = ')') to stdout", &cs, &a), 0);
	CHECK_STR(cs.query, "select a from t where b = ')'");
	CHECK(!cs.table);
	CHECK(parse("copy (select 1) from stdin", &cs, &a) < 0);
	CHECK_STR(err.code, "42601");
	CHECK(parse("copy t from '/etc/passwd'", &cs, &a) < 0);
	CHECK_STR(err.code, "0A000");
	CHECK(parse("copy t to stdout (format binary)", &cs, &a) < 0);
	CHECK_STR(err.code, "0A000");
	CHECK(parse("copy t to stdout (header, header)", &cs, &a) < 0);
	CHECK_STR(err.code, "42601");
	CHECK(parse("copy t to stdout (delimiter E'\\n')", &cs, &a) < 0);
	CHECK_STR(err.code, "22023");
	CHECK(parse("copy t to stdout (format csv, quote ',')", &cs, &a) < 0);
	CHECK_STR(err.code, "22023");
	CHECK(parse("copy t to stdout (quote '\"')", &cs, &a) < 0);
	CHECK_STR(err.code, "0A000");
	CHECK(parse("copy t to stdout extra", &cs, &a) < 0);
	CHECK(parse("copy", &cs, &a) < 0);
	CHECK(parse("copy (select 1", &cs, &a) < 0);
	arena_free(&a);
}

/* Splits line and joins the fields as "[f]" or "N" for NULL. */
static const char *split(const struct copy_opts *o, const char *line)
{
	static char out[512];
	struct strbuf buf = STRBUF_INIT;
	size_t off[8], len[8];
	bool nulls[8];
	int n, i;

	memset(&err, 0, sizeof(err));
	n = copy_split(o, line, strlen(line), &buf, off, len, nulls, 6, &err);
	out[0] = 0;
	if (n < 0)
		snprintf(out, sizeof(out), "E%s", err.code);
	for (i = 0; i < n && i < 6; i++) {
		size_t k = strlen(out);

		if (nulls[i])
			snprintf(out + k, sizeof(out) - k, "N");
		else
			snprintf(out + k, sizeof(out) - k, "[%.*s]", (int)len[i],
				 buf.p + off[i]);
	}
	if (n > 6)
		strcat(out, "+");
	sb_free(&buf);
	return out;
}

static const struct copy_opts text_o = {false, false, '\t', '"', '"', "\\N", 2};
static const struct copy_opts csv_o = {true, false, ',', '"', '"', "", 0};

UNIT_TEST(copy_text_fields)
{
	CHECK_STR(split(&text_o, "a\tb\\tc\t\\N"), "[a][b\tc]N");
	CHECK_STR(split(&text_o, "\\\\N\t\\101\\x41\\x4a\\q"), "[\\N][AAJq]");
	CHECK_STR(split(&text_o, "x\\\tstill"), "[x\tstill]");
	CHECK_STR(split(&text_o, ""), "[]");
	CHECK_STR(split(&text_o, "\t"), "[][]");
	CHECK_STR(split(&text_o, "1\t2\t3\t4\t5\t6\t7"), "[1][2][3][4][5][6]+");
	CHECK_STR(split(&text_o, "a\\nb\\r\\f\\b\\v"), "[a\nb\r\f\b\v]");
}

UNIT_TEST(copy_csv_fields)
{
	struct copy_opts bs = csv_o;

	CHECK_STR(split(&csv_o, "a,\"b,c\",,\"\""), "[a][b,c]N[]");
	CHECK_STR(split(&csv_o, "\"say \"\"hi\"\"\",x"), "[say \"hi\"][x]");
	CHECK_STR(split(&csv_o, "\"multi\nline\""), "[multi\nline]");
	CHECK_STR(split(&csv_o, "\"open,1"), "E22P04");
	CHECK_STR(split(&csv_o, "a\"b\"c"), "[abc]");
	bs.escape = '\\';
	CHECK_STR(split(&bs, "\"it\\\"s\",\"a\\\\b\",\"c\\d\""), "[it\"s][a\\b][c\\d]");
}

/* Every byte value survives formatting then splitting, in both formats
 * and with odd delimiters and NULL strings. */
UNIT_TEST(copy_round_trip)
{
	struct copy_opts opts[4] = {text_o, csv_o, text_o, csv_o};
	char vals[3][64];
	int k, i, round;

	opts[2].delim = '|';
	opts[2].null = "\\NULL"; /* a bare NULL would read back as NULL, as in PostgreSQL */
	opts[2].null_len = 5;
	opts[3].delim = ';';
	opts[3].quote = '\'';
	opts[3].escape = '\\';
	opts[3].null = "-";
	opts[3].null_len = 1;
	for (round = 0; round < 8; round++)
		for (k = 0; k < 4; k++) {
			struct strbuf line = STRBUF_INIT, buf = STRBUF_INIT;
			struct datum row[4];
			size_t off[6], len[6];
			bool nulls[6];
			int n;

			for (i = 0; i < 3; i++) {
				int j;

				for (j = 0; j < 63; j++)
					vals[i][j] = (char)(1 + (round * 64 + i * 21 + j * 7) % 255);
				vals[i][round * 7 % 63] = opts[k].delim;
				row[i] = datum_str(TYPE_TEXT, vals[i], 63);
			}
			row[1] = datum_str(TYPE_TEXT, opts[k].null, (uint32_t)opts[k].null_len);
			row[3] = datum_null(TYPE_TEXT);
			copy_out_row(&line, &opts[k], row, 4);
			CHECK(line.len && line.p[line.len - 1] == '\n');
			n = copy_split(&opts[k], line.p, line.len - 1, &buf, off, len,
				       nulls, 5, &err);
			CHECK_EQ(n, 4);
			for (i = 0; i < 3 && n == 4; i++) {
				CHECK(!nulls[i]);
				CHECK_EQ(len[i], row[i].len);
				CHECK(!memcmp(buf.p + off[i], row[i].s, row[i].len));
			}
			CHECK(n == 4 && nulls[3]);
			sb_free(&line);
			sb_free(&buf);
		}
}

/* Runs COPY FROM over data fed in pieces of `piece` bytes. */
static int copy_from(struct db *db, const char *q, const char *data,
		     size_t piece, uint64_t *nrows, char *ctx, size_t ctxn)
{
	struct arena a;
	struct copy_stmt cs;
	struct copy_in *ci;
	struct setting settings[SETTING_MAX];
	int nsettings = 0, ncols, rc;
	struct exec_ctx x = {.db = db, .err = &err, .settings = settings,
			     .nsettings = &nsettings, .user = "u",
			     .database = "d"};
	size_t i, n = strlen(data);

	arena_init(&a, 1 << 20);
	x.a = &a;
	memset(&err, 0, sizeof(err));
	rc = copy_parse(&a, q, &cs, &err);
	if (rc == 0)
		rc = copy_in_start(&x, &cs, &ci, &ncols);
	for (i = 0; rc == 0 && i < n; i += piece)
		rc = copy_in_feed(ci, data + i, n - i < piece ? n - i : piece);
	if (rc == 0)
		rc = copy_in_finish(ci, nrows);
	snprintf(ctx, ctxn, "%s", rc < 0 && ci ? copy_in_context(ci) : "");
	copy_in_end(ci);
	arena_free(&a);
	return rc;
}

UNIT_TEST(copy_from_streams_and_is_atomic)
{
	static struct db db;
	struct strbuf data = STRBUF_INIT;
	struct table *t = table_new("t", 2);
	uint64_t n = 0;
	char ctx[256];
	size_t piece;
	int i;

	db_init(&db);
	snprintf(t->cols[0].name, sizeof(t->cols[0].name), "a");
	t->cols[0].type = (struct sql_type){TYPE_INT4, -1};
	snprintf(t->cols[1].name, sizeof(t->cols[1].name), "b");
	t->cols[1].type = (struct sql_type){TYPE_TEXT, -1};
	t->cols[0].not_null = true;
	t->npk = 1;
	t->pk[0] = 0;
	CHECK_EQ(db_add_table(&db, t, &err), 0);
	for (i = 1; i <= 2500; i++) /* more than two batches */
		sb_printf(&data, "%d\t\"v%d\",\n", i, i);
	for (piece = 1; piece <= 4096; piece *= 8) {
		CHECK_EQ(copy_from(&db, "copy t from stdin", data.p, piece, &n, ctx,
				   sizeof(ctx)), 0);
		CHECK_EQ(n, 2500);
		CHECK_EQ(t->nlive, 2500);
		table_truncate(t);
	}
	/* a bad line after two batches were inserted: nothing stays */
	sb_printf(&data, "2501\tx\textra\n");
	CHECK(copy_from(&db, "copy t from stdin", data.p, 100, &n, ctx, sizeof(ctx)) < 0);
	CHECK_STR(err.code, "22P04");
	CHECK_STR(ctx, "COPY t, line 2501: \"2501\tx\textra\"");
	CHECK_EQ(t->nlive, 0);
	/* CSV with a quoted newline split across pieces; \. ends the data */
	CHECK_EQ(copy_from(&db, "copy t from stdin csv header", "a,b\n1,\"x\ny\"\n2,\n\\.\n3,z\n",
			   3, &n, ctx, sizeof(ctx)), 0);
	CHECK_EQ(n, 2);
	CHECK(copy_from(&db, "copy t (b) from stdin", "no\n", 3, &n, ctx, sizeof(ctx)) < 0);
	CHECK_STR(err.code, "23502"); /* a has no default and is the key */
	CHECK(copy_from(&db, "copy t from stdin", "1\tdup\n", 3, &n, ctx, sizeof(ctx)) < 0);
	CHECK_STR(err.code, "23505");
	CHECK_STR(ctx, "COPY t, line 1");
	CHECK(copy_from(&db, "copy t from stdin", "x\ty\n", 3, &n, ctx, sizeof(ctx)) < 0);
	CHECK_STR(err.code, "22P02");
	CHECK_STR(ctx, "COPY t, line 1, column a: \"x\"");
	CHECK(copy_from(&db, "copy nosuch from stdin", "", 1, &n, ctx, sizeof(ctx)) < 0);
	CHECK_STR(err.code, "42P01");
	CHECK_EQ(t->nlive, 2);
	sb_free(&data);
	db_destroy(&db);
}

UNIT_TEST(timeout_units)
{
	CHECK_EQ(setting_duration_ms("0"), 0);
	CHECK_EQ(setting_duration_ms("1000"), 1000);
	CHECK_EQ(setting_duration_ms("1s"), 1000);
	CHECK_EQ(setting_duration_ms("100ms"), 100);
	CHECK_EQ(setting_duration_ms("2min"), 120000);
	CHECK_EQ(setting_duration_ms("1h"), 3600000);
	CHECK_EQ(setting_duration_ms("1d"), 86400000);
	CHECK_EQ(setting_duration_ms("500us"), 1);
	CHECK_EQ(setting_duration_ms(" 5 s"), 5000);
	CHECK_EQ(setting_duration_ms("abc"), -1);
	CHECK_EQ(setting_duration_ms("5 parsecs"), -1);
	CHECK_EQ(setting_duration_ms("-1"), -1);
}

UNIT_MAIN()
