/* SPDX-License-Identifier: MIT */
/* sqltext.c: run SQL text and get the last statement's rows as text, for
 * in-guest tests and benchmarks that drive the engine without a client
 * (see exec_sql_text in exec.h). */
#include <string.h>

#include "../txn/txn.h"
#include "exec.h"

static void rows_text(const struct result *res, struct strbuf *out)
{
	uint64_t k;
	int i;

	for (k = 0; k < res->nrows; k++) {
		for (i = 0; i < res->ncols; i++) {
			if (i)
				sb_putc(out, '|');
			if (res->rows[k][i].null)
				sb_putc(out, 'N');
			else
				datum_out(out, &res->rows[k][i]);
		}
		sb_putc(out, '\n');
	}
}

int exec_sql_text(struct exec_ctx *tmpl, const char *q, size_t budget,
		  struct strbuf *out)
{
	struct exec_ctx x = *tmpl;
	struct arena a;
	struct stmt **st;
	struct result res;
	struct strbuf notices = STRBUF_INIT;
	int n, i, rc;

	arena_init(&a, budget);
	x.a = &a;
	x.query = q;
	x.notices = &notices;
	sb_reset(out);
	rc = sql_parse(&a, q, strlen(q), &st, &n, x.err);
	/* Each statement in a transaction of its own: db/txn takes the
	 * catalog lock as the statement needs (x.txn is NULL). */
	for (i = 0; rc == 0 && i < n; i++) {
		/* tmpl->txn: a session's transaction (BEGIN ... COMMIT
		 * across calls), run as the session does */
		rc = x.txn ? txn_exec(&x, st[i], &res)
			   : exec_stmt(&x, st[i], &res);
		if (rc == 0 && i == n - 1)
			rows_text(&res, out);
	}
	if (rc < 0)
		sb_puts(out, x.err->code);
	sb_free(&notices);
	arena_free(&a);
	return rc < 0 ? -1 : 0;
}
