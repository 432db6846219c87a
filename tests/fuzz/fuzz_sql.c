/* SPDX-License-Identifier: MIT */
/* fuzz_sql.c: libFuzzer target for the SQL lexer, parser and binder. The
 * input is a query string; it is parsed, and each statement is bound
 * (describe only: no execution, so no unbounded work) against a catalog
 * with two small tables. Build: make fuzz; run:
 * build/fuzz/fuzz_sql -max_total_time=600 -dict=tests/fuzz/fuzz_sql.dict */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../db/exec/exec.h"
#include "../../db/storage/table.h"

static struct db db;
static struct setting settings[SETTING_MAX];
static int nsettings;

static void run(const char *q, bool describe)
{
	struct arena a;
	struct db_error err = {0};
	struct strbuf notices = STRBUF_INIT;
	struct sql_type ptypes[16] = {{0}};
	struct stmt **st;
	int n, i;

	arena_init(&a, 16 << 20);
	if (sql_parse(&a, q, strlen(q), &st, &n, &err) == 0) {
		for (i = 0; i < n; i++) {
			struct exec_ctx x = {.db = &db, .a = &a, .err = &err,
					     .query = q, .notices = &notices,
					     .settings = settings,
					     .nsettings = &nsettings,
					     .user = "u", .database = "d",
					     .ptypes = ptypes, .nptypes = 16,
					     .describe_only = describe};
			struct result res;

			exec_stmt(&x, st[i], &res);
		}
	}
	sb_free(&notices);
	arena_free(&a);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool ready;
	char *q = malloc(size + 1);

	if (!ready) {
		db_init(&db);
		settings_init(settings, &nsettings, NULL);
		run("create table t (a int primary key, b text, c bigint);"
		    "create table u (a int, d varchar(3) not null, e boolean);"
		    "insert into t values (1, 'x', 10), (2, NULL, 20);"
		    "insert into u values (1, 'abc', true), (NULL, 'd', NULL)",
		    false);
		ready = true;
	}
	memcpy(q, data, size);
	q[size] = 0;
	run(q, true);
	free(q);
	return 0;
}
