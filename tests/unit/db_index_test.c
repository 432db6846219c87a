/* SPDX-License-Identifier: MIT */
/* db_index_test.c: secondary indexes kept in step with the table through
 * inserts, updates, deletes and the undo of failed statements (checked
 * against full scans and entry counts), ALTER TABLE, and the planner's
 * choice of index. */
#include "../../db/exec/internal.h"
#include "unit.h"

static struct db DB;
static struct setting settings[SETTING_MAX];
static int nsettings;
static struct db_error err;
static char out[4096];

/* Runs one statement (with x's arena a); the first column of the first
 * row (or the error code) goes to out. */
static int run_in(struct arena *a, const char *q, struct stmt **st_out)
{
	struct stmt **st;
	struct result res;
	struct strbuf sb = STRBUF_INIT, notices = STRBUF_INIT;
	struct exec_ctx x = {.db = &DB, .a = a, .err = &err, .query = q,
			     .notices = &notices, .settings = settings,
			     .nsettings = &nsettings, .user = "u", .database = "d"};
	int n, rc;

	out[0] = 0;
	if (sql_parse(a, q, strlen(q), &st, &n, &err) < 0) {
		snprintf(out, sizeof(out), "%s", err.code);
		return -1;
	}
	if (st_out) {
		*st_out = st[0];
		return 0;
	}
	rc = exec_stmt(&x, st[0], &res);
	if (rc < 0)
		snprintf(out, sizeof(out), "%s", err.code);
	else if (res.nrows && res.ncols)
		datum_out(&sb, &res.rows[0][0]);
	if (rc == 0)
		snprintf(out, sizeof(out), "%s", sb.p ? sb.p : "");
	sb_free(&sb);
	sb_free(&notices);
	return rc < 0 ? -1 : 0;
}

static int run(const char *q)
{
	struct arena a;
	int rc;

	arena_init(&a, 16 << 20);
	rc = run_in(&a, q, NULL);
	arena_free(&a);
	return rc;
}

static void setup(void)
{
	db_destroy(&DB);
	db_init(&DB);
	settings_init(settings, &nsettings, NULL);
}

/* Every index of t has exactly one entry per live row. */
static bool counts_match(const struct table *t)
{
	int i;

	for (i = 0; i < t->nidx; i++)
		if (t->idx[i]->bt.count != t->nlive)
			return false;
	return !t->npk || t->pk_index.count == t->nlive;
}

/* The count through the index (b = v) equals the count by a scan
 * (b + 0 = v defeats the planner). */
static bool same_count(const char *col, int v)
{
	char q[128], via_index[sizeof(out)];

	snprintf(q, sizeof(q), "select count(*) from t where %s = %d", col, v);
	if (run(q) < 0)
		return false;
	snprintf(via_index, sizeof(via_index), "%s", out);
	snprintf(q, sizeof(q), "select count(*) from t where %s + 0 = %d", col, v);
	return run(q) == 0 && !strcmp(out, via_index);
}

UNIT_TEST(index_maintenance_random)
{
	struct table *t;
	uint64_t seed = 12345;
	int step, v;

	setup();
	CHECK_EQ(run("create table t (a int primary key, b int, c int unique)"), 0);
	CHECK_EQ(run("create index on t (b)"), 0);
	CHECK_EQ(run("create index on t (c, b)"), 0);
	t = db_find_table(&DB, "t");
	for (step = 0; step < 3000; step++) {
		char q[160];
		int op, a, b, c;

		seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
		op = (int)(seed >> 60) % 5;
		a = (int)(seed >> 20) % 200;
		b = (int)(seed >> 30) % 10;
		c = (int)(seed >> 40) % 300;
		if (op == 0)
			snprintf(q, sizeof(q), "delete from t where a = %d", a);
		else if (op == 1)
			snprintf(q, sizeof(q), "update t set b = %d, c = %d where a = %d",
				 b, c, a);
		else if (op == 2) /* fails when c repeats: nothing may stay */
			snprintf(q, sizeof(q),
				 "insert into t values (%d, %d, %d), (%d, %d, %d)",
				 a, b, c, a + 1000, b, c);
		else if (op == 3)
			snprintf(q, sizeof(q), "update t set c = c + 1 where b = %d", b);
		else
			snprintf(q, sizeof(q), "insert into t values (%d, %d, NULL)",
				 a + 2000, b);
		run(q); /* duplicates fail; the table must stay consistent */
		if (!counts_match(t)) {
			CHECK(counts_match(t));
			return;
		}
	}
	for (v = 0; v < 10; v++)
		CHECK(same_count("b", v));
	for (v = 0; v < 300; v += 7)
		CHECK(same_count("c", v));
	CHECK(t->nlive > 100);
}

UNIT_TEST(index_unique_nulls_and_undo)
{
	struct table *t;

	setup();
	CHECK_EQ(run("create table t (a int, b int, unique (a, b))"), 0);
	t = db_find_table(&DB, "t");
	CHECK_EQ(run("insert into t values (1, null), (1, null), (null, null)"), 0);
	CHECK_EQ(run("insert into t values (1, 2), (3, 4), (1, 2)"), -1);
	CHECK_STR(err.code, "23505");
	CHECK_STR(err.msg, "duplicate key value violates unique constraint "
			   "\"t_a_b_key\"");
	CHECK_STR(err.detail, "Key (a, b)=(1, 2) already exists.");
	CHECK_EQ(t->nlive, 3);
	CHECK(counts_match(t));
	CHECK_EQ(run("insert into t values (1, 2), (3, 4)"), 0);
	CHECK_EQ(run("update t set b = 4, a = 3 where b = 2"), -1);
	CHECK_EQ(run("select count(*) from t where a = 1 and b = 2"), 0);
	CHECK_STR(out, "1");
	CHECK(counts_match(t));
	CHECK_EQ(run("truncate t"), 0);
	CHECK(counts_match(t));
	CHECK_EQ(run("insert into t values (1, 2)"), 0);
	CHECK_EQ(run("select count(*) from t where a = 1 and b = 2"), 0);
	CHECK_STR(out, "1");
}

UNIT_TEST(alter_table_rewrite_keeps_indexes)
{
	struct table *t;

	setup();
	CHECK_EQ(run("create table t (a int, b text, c int)"), 0);
	CHECK_EQ(run("insert into t values (1, 'x', 10), (2, 'y', 20), (2, 'z', 30)"), 0);
	CHECK_EQ(run("alter table t add primary key (a)"), -1);
	CHECK_STR(err.code, "23505");
	t = db_find_table(&DB, "t");
	CHECK_EQ(t->npk, 0);
	CHECK_EQ(run("alter table t add primary key (c)"), 0);
	CHECK_EQ(run("create index on t (b)"), 0);
	CHECK_EQ(run("alter table t drop column a"), 0);
	CHECK_EQ(t->ncols, 2);
	CHECK_EQ(t->pk[0], 1);
	CHECK_EQ(t->idx[0]->cols[0], 0);
	CHECK_EQ(run("alter table t add column d int not null default 5"), 0);
	CHECK_EQ(run("select d from t where c = 20"), 0);
	CHECK_STR(out, "5");
	CHECK_EQ(run("select c from t where b = 'z'"), 0);
	CHECK_STR(out, "30");
	CHECK_EQ(run("alter table t add column e int unique default 1"), -1);
	CHECK_STR(err.code, "23505");
	CHECK_EQ(t->ncols, 3);
	CHECK(counts_match(t));
	CHECK_EQ(run("alter table t drop column b"), 0);
	CHECK_EQ(t->nidx, 0);
}

/* The name of the index the planner picks for where, "" for a scan. */
static const char *plan_for(const char *where)
{
	static char name[64];
	char q[256];
	struct arena a;
	struct stmt *st;
	struct access_path p;
	struct scope sc;
	struct exec_ctx x = {.db = &DB, .err = &err, .query = q};
	struct bind_ctx b = {.x = &x, .sc = &sc, .agg_forbidden = "WHERE"};
	struct table *t = db_find_table(&DB, "p");

	snprintf(q, sizeof(q), "select * from p where %s", where);
	arena_init(&a, 1 << 20);
	x.a = &a;
	name[0] = 0;
	if (run_in(&a, q, &st) == 0 && scope_of_table(&x, t, "p", &sc) == 0 &&
	    bind_bool(&b, &st->select->where, "WHERE") == 0 &&
	    plan_access(&x, t, st->select->where, &p) == 0 && p.use_index)
		snprintf(name, sizeof(name), "%s/%d%s%s", p.ix.name, p.neq,
			 p.has_lo || p.has_hi ? "r" : "", p.nin ? "in" : "");
	arena_free(&a);
	return name;
}

UNIT_TEST(planner_choices)
{
	setup();
	CHECK_EQ(run("create table p (a int primary key, b int, c text, d int)"), 0);
	CHECK_EQ(run("create index p_b on p (b)"), 0);
	CHECK_EQ(run("create unique index p_c on p (c)"), 0);
	CHECK_EQ(run("create index p_bd on p (b, d)"), 0);
	CHECK_STR(plan_for("a = 1"), "p_pkey/1");
	CHECK_STR(plan_for("1 = a and b = 2"), "p_pkey/1");
	CHECK_STR(plan_for("b = 2"), "p_b/1");
	CHECK_STR(plan_for("b = 2 and d > 3"), "p_bd/1r");
	CHECK_STR(plan_for("b = 2 and d = 3"), "p_bd/2");
	CHECK_STR(plan_for("c = 'x' and b = 2 and d = 3"), "p_c/1");
	CHECK_STR(plan_for("b > 2 and a < 5"), "p_pkey/0r");
	CHECK_STR(plan_for("d between 1 and 2"), "");
	CHECK_STR(plan_for("b in (1, 2, 3)"), "p_b/0in");
	CHECK_STR(plan_for("b = 2 or a = 1"), "");
	CHECK_STR(plan_for("b + 0 = 2"), "");
	CHECK_STR(plan_for("b = d"), "");
	CHECK_STR(plan_for("c = 'x' or c is null"), "");
	CHECK_STR(plan_for("b = null"), "");
}

UNIT_MAIN()
