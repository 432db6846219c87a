/* SPDX-License-Identifier: MIT */
/* vacuum.c: VACUUM and ANALYZE. unidb updates rows in place and frees a
 * deleted row at once, so there are no dead row versions to reclaim, and
 * its planner uses no statistics, so there is nothing to analyze: both
 * statements check that the named tables exist (42P01 otherwise, as in
 * PostgreSQL) and do nothing else. pgbench sends them after loading and
 * before every run. */
#include <stdio.h>

#include "internal.h"

int exec_vacuum(struct exec_ctx *x, struct stmt *st, struct result *res)
{
	int i;

	snprintf(res->tag, sizeof(res->tag), "%s",
		 st->kind == ST_ANALYZE ? "ANALYZE" : "VACUUM");
	for (i = 0; i < st->nnames; i++)
		if (!db_find_table(x->db, st->names[i]))
			return db_err(x->err, "42P01", /* no position here */
				      "relation \"%s\" does not exist",
				      st->names[i]);
	return 0;
}
