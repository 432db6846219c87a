/* SPDX-License-Identifier: MIT */
/* db_exec_test.c: host tests of the executor and storage (db/exec,
 * db/storage): statements run through sql_parse + exec_stmt, results
 * compared as text. */
#include "../../db/exec/exec.h"
#include "../../db/exec/internal.h"
#include "../../db/storage/btree.h"
#include "../../db/storage/table.h"
#include "unit.h"

static struct db DB;
static struct setting settings[SETTING_MAX];
static int nsettings;
/* Large enough for the whole output of the parallel tests' joins: a
 * truncated one would hide a difference in order past its end. */
static char out[1 << 21];
static struct db_error err;
static size_t run_budget = 64 << 20; /* of each run()'s arena */

/* Runs the statements of q (exec_sql_text); the last one's rows go to
 * out as "v|v\n" lines (NULL as "N"), or its error code. 0 or -1. */
static int run(const char *q)
{
	struct exec_ctx x = {.db = &DB, .err = &err, .settings = settings,
			     .nsettings = &nsettings, .user = "u",
			     .database = "d"};
	struct strbuf sb = STRBUF_INIT;
	int rc = exec_sql_text(&x, q, run_budget, &sb);

	snprintf(out, sizeof(out), "%s", sb.p ? sb.p : "");
	sb_free(&sb);
	return rc;
}

static void setup(void)
{
	db_destroy(&DB);
	db_init(&DB);
	settings_init(settings, &nsettings, NULL);
}

UNIT_TEST(exec_basic_rows)
{
	setup();
	CHECK_EQ(run("create table t (a int primary key, b text)"), 0);
	CHECK_EQ(run("insert into t values (2, 'two'), (1, 'one'), (3, NULL)"), 0);
	CHECK_EQ(run("select a, b from t order by a"), 0);
	CHECK_STR(out, "1|one\n2|two\n3|N\n");
	CHECK_EQ(run("select b from t where a = 2"), 0);
	CHECK_STR(out, "two\n");
	CHECK_EQ(run("select count(*), sum(a), max(b) from t where b is not null"), 0);
	CHECK_STR(out, "2|3|two\n");
}

UNIT_TEST(exec_primary_key_index)
{
	char q[128];
	int i, bad = 0;

	setup();
	CHECK_EQ(run("create table k (id bigint, v int, primary key (id))"), 0);
	for (i = 0; i < 5000; i++) {
		snprintf(q, sizeof(q), "insert into k values (%d, %d)", i * 7, i);
		bad += run(q) != 0;
	}
	CHECK_EQ(bad, 0);
	CHECK_EQ(run("insert into k values (35, 0)"), -1);
	CHECK_STR(out, "23505");
	CHECK_EQ(run("select v from k where id = 35"), 0);
	CHECK_STR(out, "5\n");
	CHECK_EQ(run("select v from k where id = 36"), 0);
	CHECK_STR(out, "");
	/* deleting and re-inserting keys goes through tombstones */
	CHECK_EQ(run("delete from k where v < 4000"), 0);
	CHECK_EQ(run("insert into k values (35, 99)"), 0);
	CHECK_EQ(run("select v from k where id = 35"), 0);
	CHECK_STR(out, "99\n");
	CHECK_EQ(run("update k set id = id + 1 where id = 35"), 0);
	CHECK_EQ(run("select count(*) from k where id = 35"), 0);
	CHECK_STR(out, "0\n");
	CHECK_EQ(run("select v from k where id = 36"), 0);
	CHECK_STR(out, "99\n");
	CHECK_EQ(run("select count(*) from k"), 0);
	CHECK_STR(out, "1001\n");
}

UNIT_TEST(exec_statement_atomicity)
{
	setup();
	CHECK_EQ(run("create table t (a int primary key, b int not null)"), 0);
	CHECK_EQ(run("insert into t values (1, 1)"), 0);
	/* the third row fails: the first two must not stay */
	CHECK_EQ(run("insert into t values (2, 2), (3, 3), (1, 4)"), -1);
	CHECK_STR(out, "23505");
	CHECK_EQ(run("insert into t values (4, 4), (5, NULL)"), -1);
	CHECK_STR(out, "23502");
	CHECK_EQ(run("select count(*) from t"), 0);
	CHECK_STR(out, "1\n");
	/* an update that collides half-way is undone */
	CHECK_EQ(run("insert into t values (2, 2), (3, 3)"), 0);
	CHECK_EQ(run("update t set a = a + 1"), -1);
	CHECK_STR(out, "23505");
	CHECK_EQ(run("select a, b from t order by a"), 0);
	CHECK_STR(out, "1|1\n2|2\n3|3\n");
	CHECK_EQ(run("update t set a = 10 - a"), 0);
	CHECK_EQ(run("select a, b from t order by a"), 0);
	CHECK_STR(out, "7|3\n8|2\n9|1\n");
}

UNIT_TEST(exec_joins_agree)
{
	char q[128];
	int i;

	setup();
	run("create table l (id int primary key, k int)");
	run("create table r (id int primary key, k int)");
	for (i = 0; i < 300; i++) {
		snprintf(q, sizeof(q), "insert into l values (%d, %d)", i, i % 17);
		run(q);
		snprintf(q, sizeof(q), "insert into r values (%d, %d)", i, i % 13);
		run(q);
	}
	run("insert into l values (1000, NULL)");
	/* hash join (equality ON) and nested loop (other ON) must agree */
	CHECK_EQ(run("select count(*), sum(l.id), sum(r.id) from l join r on l.k = r.k"), 0);
	{
		char hash[128];

		snprintf(hash, sizeof(hash), "%.100s", out);
		CHECK_EQ(run("select count(*), sum(l.id), sum(r.id) from l join r "
			     "on l.k <= r.k and l.k >= r.k"),
			 0);
		CHECK_STR(out, hash);
	}
	CHECK_EQ(run("select count(*) from l left join r on l.k = r.k where r.id is null"), 0);
	CHECK_STR(out, "69\n"); /* l.k in 13..16: 4 * 17 rows, and the NULL */
}

UNIT_TEST(exec_grouping)
{
	setup();
	run("create table g (k text, v int)");
	run("insert into g values ('a', 1), ('b', 2), ('a', 3), (NULL, 4), (NULL, 5), ('b', NULL)");
	CHECK_EQ(run("select k, count(*), count(v), sum(v) from g group by k order by k"), 0);
	CHECK_STR(out, "a|2|2|4\nb|2|1|2\nN|2|2|9\n");
	CHECK_EQ(run("select k from g group by k having sum(v) > 3 order by 1 desc"), 0);
	CHECK_STR(out, "N\na\n");
	CHECK_EQ(run("select count(distinct k), count(k) from g"), 0);
	CHECK_STR(out, "2|4\n");
	CHECK_EQ(run("select distinct k from g order by k nulls first"), 0);
	CHECK_STR(out, "N\na\nb\n");
	CHECK_EQ(run("select v from g group by k"), -1);
	CHECK_STR(out, "42803");
}

UNIT_TEST(exec_errors)
{
	setup();
	run("create table t (a int, b varchar(2))");
	CHECK_EQ(run("select * from nosuch"), -1);
	CHECK_STR(out, "42P01");
	CHECK_EQ(run("select c from t"), -1);
	CHECK_STR(out, "42703");
	CHECK_EQ(run("select 2147483647 + 1"), -1);
	CHECK_STR(out, "22003");
	CHECK_EQ(run("select -9223372036854775807 - 1 - 1"), -1);
	CHECK_STR(out, "22003");
	CHECK_EQ(run("select (-9223372036854775807 - 1) / -1"), -1);
	CHECK_STR(out, "22003");
	CHECK_EQ(run("select 5 % 0"), -1);
	CHECK_STR(out, "22012");
	CHECK_EQ(run("insert into t values (1, 'abc')"), -1);
	CHECK_STR(out, "22001");
	CHECK_EQ(run("insert into t values (true, 'a')"), -1);
	CHECK_STR(out, "42804");
	CHECK_EQ(run("select 1 + 'a'"), -1);
	CHECK_STR(out, "22P02");
	CHECK_EQ(run("select a from t, t"), -1);
	CHECK_STR(out, "42712");
	CHECK_EQ(run("create table t (x int)"), -1);
	CHECK_STR(out, "42P07");
	CHECK_EQ(run("show nosuch"), -1);
	CHECK_STR(out, "42704");
	CHECK_EQ(run("set DateStyle = 'ISO'; show datestyle"), 0);
	CHECK_STR(out, "ISO\n");
}

/* The B+-tree against a model (a presence array), with random inserts
 * and deletes: lookups, duplicate refusal, ordered iteration, seeks. */
UNIT_TEST(btree_matches_model)
{
	enum { N = 20000 };
	static bool present[N];
	struct btree t;
	unsigned seed = 7;
	int i, errors = 0;
	uint64_t live = 0, id;
	struct btree_iter it;
	const struct datum *key;
	int64_t prev = -1;

	btree_init(&t, 1);
	for (i = 0; i < 200000; i++) {
		int k;
		struct datum d;

		seed = seed * 1103515245 + 12345;
		k = (int)((seed >> 8) % N);
		d = datum_int(TYPE_INT4, k);
		if ((seed >> 4) % 3) {
			int r = btree_insert(&t, &d, (uint64_t)k * 2);

			errors += present[k] ? r != -17 /* EEXIST */ : r != 0;
			live += !present[k];
			present[k] = true;
		} else {
			int r = btree_delete(&t, &d);

			errors += present[k] ? r != 0 : r != -2 /* ENOENT */;
			live -= present[k];
			present[k] = false;
		}
	}
	CHECK_EQ(errors, 0);
	CHECK_EQ(t.count, live);
	for (i = 0; i < N; i++) {
		struct datum d = datum_int(TYPE_INT4, i);
		int64_t r = btree_lookup(&t, &d);

		errors += present[i] ? r != (int64_t)i * 2 : r != -1;
	}
	CHECK_EQ(errors, 0);
	btree_seek(&t, NULL, &it);
	live = 0;
	while (btree_next(&it, &key, &id)) {
		errors += key->i <= prev || !present[key->i] ||
			  id != (uint64_t)key->i * 2;
		prev = key->i;
		live++;
	}
	CHECK_EQ(errors, 0);
	CHECK_EQ(t.count, live);
	{
		struct datum d = datum_int(TYPE_INT4, N / 2);

		btree_seek(&t, &d, &it);
		CHECK(btree_next(&it, &key, &id));
		for (i = N / 2; i < N && !present[i]; i++)
			;
		CHECK_EQ(key->i, i);
	}
	btree_free(&t);
}

/* Range predicates on the primary key use the index; the answers must be
 * those of a full scan (id + 0 hides the key from the planner). */
UNIT_TEST(exec_pk_range_scans)
{
	static const char *const conds[][2] = {
		{"id >= 100 and id < 2000", "id + 0 >= 100 and id + 0 < 2000"},
		{"id between 7 and 700", "id + 0 between 7 and 700"},
		{"500 < id", "500 < id + 0"},
		{"id <= 35 and id > 0", "id + 0 <= 35 and id + 0 > 0"},
		{"id > 10 and id < 5", "id + 0 > 10 and id + 0 < 5"},
	};
	char q[256], a[256];
	unsigned i;

	setup();
	run("create table k (id int primary key, v int)");
	for (i = 0; i < 3000; i += 3) {
		snprintf(q, sizeof(q), "insert into k values (%u, %u)", i, i % 7);
		run(q);
	}
	run("delete from k where v = 2");
	for (i = 0; i < sizeof(conds) / sizeof(conds[0]); i++) {
		snprintf(q, sizeof(q),
			 "select count(*), sum(id), min(id), max(id) from k "
			 "where %s",
			 conds[i][0]);
		CHECK_EQ(run(q), 0);
		snprintf(a, sizeof(a), "%.200s", out);
		snprintf(q, sizeof(q),
			 "select count(*), sum(id), min(id), max(id) from k "
			 "where %s",
			 conds[i][1]);
		CHECK_EQ(run(q), 0);
		CHECK_STR(out, a);
	}
	CHECK_EQ(run("select count(*) from k where id > 10 and id < 20"), 0);
	CHECK_STR(out, "3\n"); /* 12, 15, 18 */
}

/* The output of q with parallel_threshold = thr, into res. */
static int run_with(const char *thr, const char *q, char *res, size_t size)
{
	char set[64];
	int rc;

	snprintf(set, sizeof(set), "set parallel_threshold = %s", thr);
	CHECK_EQ(run(set), 0);
	rc = run(q);
	snprintf(res, size, "%s", out);
	return rc;
}

/* A fresh database with table p of 20000 rows (some v NULL). */
static void par_table(void)
{
	static char ins[65536];
	int k, r;

	setup();
	CHECK_EQ(run("create table p (id int primary key, g int, v int, s text)"), 0);
	for (k = 0; k < 20000; k += 1000) {
		size_t n = (size_t)snprintf(ins, sizeof(ins), "insert into p values ");

		for (r = k; r < k + 1000; r++) {
			char v[16] = "NULL"; /* every 11th value */

			if (r % 11)
				snprintf(v, sizeof(v), "%d", r * 37 % 101);
			n += (size_t)snprintf(ins + n, sizeof(ins) - n,
					      "%s(%d, %d, %s, 'S%d')",
					      r > k ? ", " : "", r, r * 7 % 13, v,
					      r * 3 % 17);
		}
		CHECK(n < sizeof(ins));
		CHECK_EQ(run(ins), 0);
	}
}

/* The morsel-parallel scan and aggregation (db/exec/parallel.c, on the
 * host's pthread job shim) gives exactly the serial path's rows, in the
 * same order, errors included. */
UNIT_TEST(exec_parallel_aggregation_equals_serial)
{
	static const char *const queries[] = {
	    "select count(*), sum(v), min(v), max(v), avg(v) from p",
	    "select g, count(*), sum(v), min(s), max(s), avg(v) from p group by g",
	    "select g % 3, count(*), sum(id) from p where v > 10 group by g % 3"
	    " having count(*) > 5",
	    "select s, count(v), max(id) from p where id % 7 = 0 group by s",
	    "select count(*), sum(v), max(s) from p where v < -1",
	    "select g, count(*) from p where v < -1 group by g",
	    "select lower(s) || 'x', min(id) from p group by lower(s) || 'x'",
	    "select sum(v / (g - g)) from p",
	    "select count(distinct g) from p",
	};
	static char a[8192], b[8192];
	uint64_t jobs;
	unsigned i;
	int ra, rb;

	par_table();
	for (i = 0; i < sizeof(queries) / sizeof(queries[0]); i++) {
		jobs = par_jobs_run();
		ra = run_with("0", queries[i], a, sizeof(a));
		CHECK_EQ(par_jobs_run(), jobs);
		rb = run_with("1000", queries[i], b, sizeof(b));
		CHECK_EQ(ra, rb);
		if (strcmp(a, b))
			printf("  query %u: serial %s\n  parallel %s\n", i, a, b);
		CHECK_STR(a, b);
		/* one job each: count(distinct) aggregates serially, but
		 * over a parallel scan (select.c) */
		CHECK_EQ(par_jobs_run(), jobs + 1);
	}
	/* over the statement's budget: 53200 on both paths, then on as usual */
	run_budget = 2 << 20;
	CHECK_EQ(run_with("0", "select id, s, count(*) from p group by id, s",
			  a, sizeof(a)), -1);
	CHECK_STR(a, "53200");
	CHECK_EQ(run_with("1000", "select id, s, count(*) from p group by id, s",
			  b, sizeof(b)), -1);
	CHECK_STR(b, "53200");
	run_budget = 64 << 20;
	CHECK_EQ(run_with("1000", "select count(*) from p", b, sizeof(b)), 0);
	CHECK_STR(b, "20000\n");
}

/* eval_cond's short ways (expr.c: cond for AND, cond_column_const for
 * `column [cast] op constant` and BETWEEN) find what eval finds: each
 * condition keeps the rows `(condition) IS TRUE` keeps (which eval
 * evaluates down the tree), NULLs, casts and errors included. */
UNIT_TEST(exec_condition_shortcuts_equal_eval)
{
	static const char *const conds[] = {
	    "v > 50", "v = 37", "v <> 37", "v <= 0", "v >= 100", "v < 50.5",
	    "v between 10 and 20", "v not between 10 and 20",
	    "v between null and 20", "v not between null and 20",
	    "v not between 30 and null", "v > null", "v = 37::bigint",
	    "s = 'S3'", "s < 'S10'", "s >= 'S5'", "s::int > 1",
	    "g::numeric > 6.5", "g::text = '7'", "n between 1.5 and 7.25",
	    "n > 3", "d >= date '2020-01-05'",
	    "d::timestamp < timestamp '2020-01-05 12:00'",
	    "d < date '2020-01-01' + interval '9' day",
	    "v > 50 and g < 3", "v is null and g = 1", "g > 20 and v > 1",
	    "v > 50 and v / (g - g) = 1", "v < -1 and v / (g - g) = 1",
	    "v > 50 and (g = 1 or g = 2) and n < 5",
	    "v < g", "v >= g", "v::numeric >= n", "n < v", "g = v", "v <> v",
	    "v in (37, 50, 99)", "v not in (37, 50)", "v not in (37, null)",
	    "v in (null, 37)", "s in ('S1', 'S3')", "g::text in ('1', '2')",
	    "s::int in (1, 2)", "v > s::int",
	};
	static char a[sizeof(out)], b[sizeof(out)];
	char q[256];
	unsigned i;
	int k, between = 0;

	setup();
	CHECK_EQ(run("create table t (v int, g int, s text, n numeric, d date)"), 0);
	for (k = 0; k < 300; k++) {
		char v[16] = "NULL", n[24] = "NULL";

		if (k % 7)
			snprintf(v, sizeof(v), "%d", k * 37 % 101);
		between += k % 7 && k * 37 % 101 >= 10 && k * 37 % 101 <= 20;
		if (k % 5)
			snprintf(n, sizeof(n), "%d.%02d", k % 9, k * 13 % 100);
		snprintf(q, sizeof(q),
			 "insert into t values (%s, %d, 'S%d', %s, "
			 "date '2020-01-01' + %d)",
			 v, k % 13, k % 11, n, k % 17);
		CHECK_EQ(run(q), 0);
	}
	/* each conjunct of WHERE is a condition of its own, serially and
	 * in the parallel aggregation; "(c) is true" takes c whole */
	for (i = 0; i < 2 * sizeof(conds) / sizeof(conds[0]); i++) {
		const char *c = conds[i / 2];
		int ra, rb;

		CHECK_EQ(run(i % 2 ? "set parallel_threshold = 100"
				   : "set parallel_threshold = 0"), 0);
		snprintf(q, sizeof(q), "select count(*) from t where %s", c);
		ra = run(q);
		snprintf(a, sizeof(a), "%s", out);
		snprintf(q, sizeof(q), "select count(*) from t where (%s) is true",
			 c);
		rb = run(q);
		snprintf(b, sizeof(b), "%s", out);
		if (ra != rb || strcmp(a, b))
			printf("  %s: %d %s, through eval %d %s", c, ra, a, rb, b);
		CHECK_EQ(ra, rb);
		CHECK_STR(a, b);
	}
	/* and what they find is right */
	CHECK_EQ(run("select count(*) from t where v between 10 and 20"), 0);
	snprintf(a, sizeof(a), "%d\n", between);
	CHECK_STR(out, a);
}

/* par_table() and d: names for the even values of p.g (0..12). */
static void par_join_tables(void)
{
	int k;

	par_table();
	CHECK_EQ(run("create table d (k int, name text)"), 0);
	for (k = 0; k < 13; k += 2) {
		char ins[64];

		snprintf(ins, sizeof(ins), "insert into d values (%d, 'd%d')", k, k);
		CHECK_EQ(run(ins), 0);
	}
}

/* Query i, q, run serially (into par_out[0]) and with jobs (par_out[1]):
 * checks they give the same output and status, and returns it. */
static char par_out[2][sizeof(out)];
static int par_same(unsigned i, const char *q)
{
	int ra = run_with("0", q, par_out[0], sizeof(par_out[0]));
	int rb = run_with("1000", q, par_out[1], sizeof(par_out[1]));

	CHECK_EQ(ra, rb);
	if (strcmp(par_out[0], par_out[1]))
		printf("  query %u: serial %.200s\n  parallel %.200s\n", i,
		       par_out[0], par_out[1]);
	CHECK_STR(par_out[0], par_out[1]);
	return ra;
}

/* Joins whose scans and probes run as jobs (select.c, par_scan) give the
 * serial path's rows in its order, with and without ORDER BY. */
UNIT_TEST(exec_parallel_joins_equal_serial)
{
	static const char *const queries[] = {
	    /* probe of a hash join built on the (smaller) left side */
	    "select d.k, p.id, p.v from d, p where d.k = p.g and p.v > 90"
	    " and d.k < 5",
	    /* the big table first: a parallel filtered scan, then a probe */
	    "select p.id, d.name from p, d where p.g = d.k and p.id % 97 = 0",
	    "select p.g, count(*), sum(p.v) from d join p on d.k = p.g"
	    " where p.s like 'S1%' group by p.g order by 1",
	    /* a filter over both sides, and one that errs in a worker */
	    "select p.id from d, p where d.k = p.g and p.v + d.k = 77",
	    "select p.id from d, p where d.k = p.g and p.v / (d.k - d.k) = 1",
	};
	unsigned i;

	par_join_tables();
	for (i = 0; i < sizeof(queries) / sizeof(queries[0]); i++) {
		uint64_t jobs = par_jobs_run();

		par_same(i, queries[i]);
		CHECK(par_jobs_run() > jobs);
	}
}

/* A join built on item i's rows whose left rows (the big side, already
 * joined or scanned) are probed as a job (select.c, par_probe_left):
 * the serial rows in their order, a LEFT JOIN's unmatched rows, a
 * join without an equality (every pair tested), a worker's error. */
UNIT_TEST(exec_parallel_probe_of_left_rows_equals_serial)
{
	static const char *const queries[] = {
	    "select p.id, d.name from p, d where p.g = d.k and p.id % 3 = 0",
	    "select p.id, d.name from p left join d on p.g = d.k"
	    " where p.id % 3 = 1",
	    "select p.id, d.k from p, d where p.g < d.k and p.id % 5 = 0",
	    "select p.s, d.name, count(*) from p join d on p.g = d.k"
	    " group by 1, 2 order by 3 desc, 1, 2 limit 5",
	    "select p.id from p, d where p.g = d.k and p.v / (d.k - d.k) = 1",
	};
	unsigned i;
	int r = 0;

	par_join_tables();
	for (i = 0; i < sizeof(queries) / sizeof(queries[0]); i++) {
		uint64_t jobs = par_jobs_run();

		r = par_same(i, queries[i]);
		CHECK(par_jobs_run() >= jobs + 2); /* p's scan, then the probe */
	}
	CHECK_EQ(r, -1);
	CHECK_STR(par_out[0], "22012");
}

/* Hash joins whose build side has parallel_threshold rows file them in
 * partitions built as a job (select.c, build): the serial rows in their
 * order (every key's rows in input order), NULL keys never matching, the
 * statement's budget still bounding the build. */
UNIT_TEST(exec_parallel_hash_build_equals_serial)
{
	static const char *const queries[] = {
	    /* built on the left rows (10000), item b's scan probing */
	    "select a.id, b.id, a.s from p a, p b where a.id % 2 = 0"
	    " and a.g = b.g and b.id < 12",
	    /* built on item b's rows (keys with NULLs), the left probing */
	    "select a.id, b.id from p a, p b where a.id = b.v and b.id % 3 = 0",
	    "select a.s, count(*), sum(b.v) from p a join p b on a.id = b.v"
	    " group by a.s order by a.s",
	};
	unsigned i;

	par_table();
	for (i = 0; i < sizeof(queries) / sizeof(queries[0]); i++) {
		uint64_t jobs = build_jobs_run();

		CHECK_EQ(par_same(i, queries[i]), 0);
		CHECK_EQ(build_jobs_run(), jobs + 1);
	}
	/* a build over the budget fails with 53200, then all goes on */
	run_budget = 3 << 20;
	CHECK_EQ(run_with("1000", queries[2], par_out[1], sizeof(par_out[1])), -1);
	CHECK_STR(par_out[1], "53200");
	run_budget = 64 << 20;
	CHECK_EQ(run_with("1000", queries[2], par_out[1], sizeof(par_out[1])), 0);
	CHECK_STR(par_out[1], par_out[0]);
}

/* ORDER BY as a morsel job (db/exec/sort.c): runs sorted on several
 * cores and merged give the serial sort's rows in the same order (it is
 * stable: ties keep the scan's order), with and without a LIMIT (top-N:
 * runs cut to the first rows), NULLs placed as PostgreSQL places them. */
UNIT_TEST(exec_parallel_sort_equals_serial)
{
	static const char *const queries[] = {
	    "select id, g from p order by g limit 40",
	    "select id, g from p order by g offset 19980",
	    "select id, v from p order by v desc limit 30",
	    "select id, v from p order by v nulls first, s desc offset 9990"
	    " limit 25",
	    "select id, s, v from p order by s, v desc nulls last"
	    " offset 4000 limit 15",
	    "select g, count(*) from p group by g order by 2 desc, 1",
	    "select id from p where v > 50 order by v, id desc limit 10"
	    " offset 7000",
	};
	static char a[1 << 16], b[1 << 16];
	unsigned i;
	int ra, rb;

	par_table();
	for (i = 0; i < sizeof(queries) / sizeof(queries[0]); i++) {
		uint64_t sorts = sort_jobs_run();

		ra = run_with("0", queries[i], a, sizeof(a));
		CHECK_EQ(sort_jobs_run(), sorts);
		rb = run_with("1000", queries[i], b, sizeof(b));
		CHECK_EQ(ra, 0);
		CHECK_EQ(ra, rb);
		if (strcmp(a, b))
			printf("  query %u: serial %.200s\n  parallel %.200s\n",
			       i, a, b);
		CHECK_STR(a, b);
		/* a grouped result has 13 rows: too few to sort in parallel */
		CHECK_EQ(sort_jobs_run() > sorts, i != 5);
	}
}

/* Two tables of pseudo-random keys (some NULL) for the subquery tests. */
static void subquery_tables(void)
{
	char q[128];
	uint32_t seed = 12345;
	int i;

	setup();
	CHECK_EQ(run("create table l (id int primary key, k int)"), 0);
	CHECK_EQ(run("create table r (id int primary key, k int)"), 0);
	for (i = 0; i < 300; i++) {
		seed = seed * 1103515245 + 12345;
		if ((seed >> 16) % 10 == 0)
			snprintf(q, sizeof(q), "insert into %s values (%d, NULL)",
				 i % 2 ? "l" : "r", i);
		else
			snprintf(q, sizeof(q), "insert into %s values (%d, %u)",
				 i % 2 ? "l" : "r", i,
				 (seed >> 16) % (i % 2 ? 40u : 25u));
		CHECK_EQ(run(q), 0);
	}
}

static void same(const char *a, const char *b)
{
	static char first[sizeof(out)];

	CHECK_EQ(run(a), 0);
	snprintf(first, sizeof(first), "%s", out);
	CHECK_EQ(run(b), 0);
	CHECK_STR(out, first);
}

UNIT_TEST(exec_subqueries_agree_with_joins)
{
	subquery_tables();
	/* correlated EXISTS, uncorrelated IN (hashed) and a join agree */
	same("select count(*) from l where exists (select 1 from r where r.k = l.k)",
	     "select count(*) from (select distinct l.id from l join r on l.k = r.k) s");
	same("select count(*) from l where l.k in (select k from r)",
	     "select count(*) from (select distinct l.id from l join r on l.k = r.k) s");
	same("select count(*) from l where l.k = any (select k from r where r.k >= 0)",
	     "select count(*) from l where exists (select 1 from r where r.k = l.k)");
	/* a correlated scalar subquery per row sums to the join's size */
	same("select sum((select count(*) from r where r.k = l.k)) from l",
	     "select count(*) from l join r on l.k = r.k");
	/* outer column used for a primary-key lookup inside */
	same("select count(*) from l where (select r.k from r where r.id = l.id - 1) = l.k",
	     "select count(*) from l join r on r.id = l.id - 1 where r.k = l.k");
	/* NOT IN over a set holding NULL is never true; NOT EXISTS is */
	CHECK_EQ(run("select count(*) from l where k not in (select k from r)"), 0);
	CHECK_STR(out, "0\n");
	same("select count(*) from l where not exists (select 1 from r where r.k = l.k)",
	     "select count(*) from l left join r on l.k = r.k where r.id is null");
	same("select count(*) from l where k not in (select k from r where k is not null)",
	     "select count(*) from l left join r on l.k = r.k where r.id is null and l.k is not null");
	/* ALL: the maximum */
	same("select count(*) from l where k > all (select k from r where k is not null)",
	     "select count(*) from l where k > (select max(k) from r)");
	CHECK_EQ(run("select (select k from r)"), -1);
	CHECK_STR(out, "21000");
	CHECK_EQ(run("select 1 where 1 in (select id, k from r)"), -1);
	CHECK_STR(out, "42601");
}

UNIT_TEST(exec_set_operations_count)
{
	subquery_tables();
	same("select count(*) from (select k from l union all select k from r) s",
	     "select (select count(*) from l) + (select count(*) from r)");
	/* UNION: distinct values, NULL once */
	same("select count(*) from (select k from l union select k from r) s",
	     "select count(distinct k) + 1 from (select k from l union all select k from r) s");
	same("select count(*) from (select k from l intersect select k from r) s",
	     "select count(distinct k) + 1 from l where k in (select k from r) or k is null");
	same("select count(*) from (select k from l except select k from r) s",
	     "select count(distinct k) from l where k not in (select k from r where k is not null)");
	/* EXCEPT ALL then UNION ALL with the INTERSECT ALL gives l back */
	same("select count(*) from (select k from l except all select k from r "
	     "union all (select k from l intersect all select k from r)) s",
	     "select count(*) from l");
	CHECK_EQ(run("select 1 union select 1, 2"), -1);
	CHECK_STR(out, "42601");
	{
		/* a long chain runs as a loop; nesting is bounded (54001) */
		static char q[8192];
		int k, n = snprintf(q, sizeof(q), "select count(*) from (select 0 as v");

		for (k = 1; k < 300; k++)
			n += snprintf(q + n, sizeof(q) - (size_t)n,
				      " union select %d", k % 100);
		snprintf(q + n, sizeof(q) - (size_t)n, ") s");
		CHECK_EQ(run(q), 0);
		CHECK_STR(out, "100\n");
		for (int depth = 8; depth <= 9; depth++) {
			n = snprintf(q, sizeof(q), "select ");
			for (k = 0; k < depth; k++)
				n += snprintf(q + n, sizeof(q) - (size_t)n,
					      "(select ");
			n += snprintf(q + n, sizeof(q) - (size_t)n, "1");
			for (k = 0; k < depth; k++)
				n += snprintf(q + n, sizeof(q) - (size_t)n, ")");
			CHECK_EQ(run(q), depth == 8 ? 0 : -1);
			CHECK_STR(out, depth == 8 ? "1\n" : "54001");
		}
	}
	CHECK_EQ(run("select 1 union select 'a'::text"), -1);
	CHECK_STR(out, "42804");
}

/* EXPLAIN prints the plan the executor runs (explain.c): the access
 * path plan_access chooses, hash join or nested loop, each conjunct of
 * WHERE where select.c applies it, the parallel operator when par_wanted
 * takes the query, parallel join inputs; node layout as PostgreSQL's
 * text format. */
UNIT_TEST(exec_explain_node_structure)
{
	uint64_t jobs;

	setup();
	CHECK_EQ(run("create table t (id int primary key, a int, b text);"
		     "create table u (id int primary key, tid int);"
		     "insert into t select g, g % 10, 'x' from "
		     "generate_series(1, 200) g;"
		     "insert into u select g, g % 50 from generate_series(1, 50) g"),
		 0);
	CHECK_EQ(run("explain select * from t"), 0);
	CHECK_STR(out, "Seq Scan on t\n");
	CHECK_EQ(run("explain select * from t x where id = 5"), 0);
	CHECK_STR(out, "Index Scan using t_pkey on t x\n"
		       "  Index Cond: (id = 5)\n  Filter: (id = 5)\n");
	CHECK_EQ(run("explain select * from t where a = 3"), 0);
	CHECK_STR(out, "Seq Scan on t\n  Filter: (a = 3)\n");
	CHECK_EQ(run("create index t_a on t (a);"
		     "explain select * from t where a between 3 and 4"), 0);
	CHECK_STR(out, "Index Scan using t_a on t\n"
		       "  Index Cond: ((a >= 3) AND (a <= 4))\n"
		       "  Filter: (a BETWEEN 3 AND 4)\n");
	CHECK_EQ(run("explain select a, count(*) from t join u on t.id = u.tid "
		     "where b = 'x' group by a order by 2 desc limit 2"), 0);
	CHECK_STR(out, "Limit\n"
		       "  ->  Sort\n"
		       "        Sort Key: 2 DESC\n"
		       "        ->  HashAggregate\n"
		       "              Group Key: t.a\n"
		       "              ->  Hash Join\n"
		       "                    Hash Cond: (t.id = u.tid)\n"
		       "                    ->  Seq Scan on t\n"
		       "                          Filter: (t.b = 'x'::text)\n"
		       "                    ->  Hash\n"
		       "                          ->  Seq Scan on u\n");
	CHECK_EQ(run("explain select * from t left join u on t.id < u.tid"), 0);
	CHECK_STR(out, "Nested Loop Left Join\n  Join Filter: (t.id < u.tid)\n"
		       "  ->  Seq Scan on t\n  ->  Seq Scan on u\n");
	CHECK_EQ(run("explain select distinct n from (select a, count(*) n "
		     "from t group by a) s"), 0);
	CHECK_STR(out, "HashAggregate\n  Group Key: n\n"
		       "  ->  Subquery Scan on s\n"
		       "        ->  HashAggregate\n"
		       "              Group Key: a\n"
		       "              ->  Seq Scan on t\n");
	CHECK_EQ(run("explain select a from t union all select tid from u"), 0);
	CHECK_STR(out, "Append\n  ->  Seq Scan on t\n  ->  Seq Scan on u\n");
	CHECK_EQ(run("explain update t set b = 'y' where id in (1, 2)"), 0);
	CHECK_STR(out, "Update on t\n  ->  Index Scan using t_pkey on t\n"
		       "        Index Cond: (id = ANY ('{1,2}'))\n"
		       "        Filter: (id IN (1, 2))\n");
	/* ANALYZE runs the statement: the top node has its rows */
	CHECK_EQ(run("explain analyze delete from t where id > 190"), 0);
	CHECK(!strncmp(out, "Delete on t (actual rows=10 loops=1)\n"
			    "  ->  Index Scan using t_pkey on t\n", 68));
	CHECK(strstr(out, "\nExecution Time: ") != NULL);
	CHECK_EQ(run("select count(*) from t"), 0);
	CHECK_STR(out, "190\n");
	/* the parallel operator: printed when it runs, and it does run */
	CHECK_EQ(run("set parallel_threshold = 100;"
		     "explain select a, sum(id) from t group by a"), 0);
	CHECK_STR(out, "Finalize HashAggregate\n  Group Key: a\n"
		       "  ->  Gather\n"
		       "        Workers Planned: all cores (morsel job)\n"
		       "        ->  Partial HashAggregate\n"
		       "              ->  Parallel Seq Scan on t\n"
		       "Snapshot: shared vm snapshot\n");
	/* the snapshot is a plan-level property (htap_stmt_reads_snapshot):
	 * u is below the threshold, so a plan reading only u reads live */
	CHECK_EQ(run("explain select count(*) from u"), 0);
	CHECK_STR(out, "Aggregate\n  ->  Seq Scan on u\n");
	CHECK_EQ(run("explain select count(*) from u, (select a from t) s "
		     "where tid = a"), 0);
	CHECK(strstr(out, "\nSnapshot: shared vm snapshot\n") != NULL);
	CHECK_EQ(run("explain (format json) select count(*) from t"), 0);
	CHECK(strstr(out, "\n    },\n    \"Snapshot\": \"shared vm snapshot\"\n"
			  "  }\n]") != NULL);
	CHECK_EQ(run("explain delete from t where id = 1"), 0);
	CHECK(strstr(out, "Snapshot") == NULL);
	/* each conjunct where select.c applies it: on a scan, on the joined
	 * rows, or at the end (a subquery); a big join input's scan as a
	 * morsel job */
	CHECK_EQ(run("explain select t.id from t, u where t.id = u.tid and "
		     "t.a > 1 and u.id < 40 and t.a + u.id > 3 and "
		     "t.b in (select 'x')"), 0);
	CHECK_STR(out, "Hash Join\n"
		       "  Hash Cond: (t.id = u.tid)\n"
		       "  Join Filter: ((t.a + u.id) > 3)\n"
		       "  Filter: (SubPlan)\n"
		       "  ->  Gather\n"
		       "        Workers Planned: all cores (morsel job)\n"
		       "        ->  Parallel Seq Scan on t\n"
		       "              Filter: (t.a > 1)\n"
		       "  ->  Hash\n"
		       "        ->  Seq Scan on u\n"
		       "              Filter: (u.id < 40)\n"
		       "Snapshot: shared vm snapshot\n");
	jobs = par_jobs_run();
	CHECK_EQ(run("explain analyze select a, sum(id) from t group by a"), 0);
	CHECK_EQ(par_jobs_run(), jobs + 1);
	CHECK(!strncmp(out, "Finalize HashAggregate (actual rows=10 loops=1)", 47));
	CHECK_EQ(run("set parallel_threshold = 0;"
		     "explain select a, sum(id) from t where id = 1 group by a"),
		 0);
	CHECK(!strncmp(out, "HashAggregate\n", 14));
	CHECK_EQ(run("explain (format json) select * from t where id = 5"), 0);
	CHECK(!strncmp(out, "[\n  {\n    \"Plan\": {\n"
			    "      \"Node Type\": \"Index Scan\",\n", 52));
	CHECK_EQ(run("explain select * from nosuch"), -1);
	CHECK_STR(out, "42P01");
	CHECK_EQ(run("explain create table z (a int)"), -1);
	CHECK_STR(out, "42601");
	CHECK_EQ(run("explain (format yaml) select 1"), -1);
	CHECK_STR(out, "0A000");
}

/* Runs one statement of q with $1..$n = the int4 values p (the extended
 * protocol's Bind), like run(). */
static int run_params(const char *q, const int64_t *p, int n)
{
	struct datum d[4];
	struct sql_type pt[4];
	struct arena a;
	struct stmt **st;
	struct result res;
	int ns, i, rc;

	arena_init(&a, run_budget);
	for (i = 0; i < 4; i++) {
		d[i] = datum_int(TYPE_INT4, i < n ? p[i] : 0);
		pt[i] = (struct sql_type){TYPE_INT4, -1};
	}
	rc = sql_parse(&a, q, strlen(q), &st, &ns, &err);
	if (rc == 0) {
		struct exec_ctx x = {.db = &DB, .a = &a, .err = &err, .query = q,
				     .settings = settings, .nsettings = &nsettings,
				     .user = "u", .database = "d", .params = d,
				     .nparams = n, .ptypes = pt, .nptypes = 4};

		rc = exec_stmt(&x, st[0], &res);
	}
	if (rc < 0)
		snprintf(out, sizeof(out), "%s", err.code);
	else if (res.nrows && res.ncols)
		snprintf(out, sizeof(out), "%lld",
			 (long long)res.rows[0][0].i);
	arena_free(&a);
	return rc < 0 ? -1 : 0;
}

/* Constant folding (fold.c): a constant expression is evaluated once, at
 * bind time (EXPLAIN prints the value the plan uses, as PostgreSQL); an
 * error in one is raised even if no row is read (PostgreSQL raises it at
 * planning), but not in a CASE arm, AND/OR operand or COALESCE argument
 * PostgreSQL's folding skips; volatile and stable functions are not
 * folded. */
UNIT_TEST(exec_constant_folding)
{
	setup();
	CHECK_EQ(run("create table t (id int primary key, a int, d date);"
		     "create table e (a int);"
		     "insert into t select g, g % 10, date '1994-01-01' + g "
		     "from generate_series(1, 400) g"), 0);
	CHECK_EQ(run("explain select * from t where a < 1 + 2 * 3"), 0);
	CHECK_STR(out, "Seq Scan on t\n  Filter: (a < 7)\n");
	CHECK_EQ(run("explain select * from t where d < date '1994-01-01' + "
		     "interval '1' year"), 0);
	CHECK_STR(out, "Seq Scan on t\n  Filter: ((d)::timestamp without time "
		       "zone < '1995-01-01 00:00:00'::timestamp without time "
		       "zone)\n");
	CHECK_EQ(run("select count(*) from t where d < date '1994-01-01' + "
		     "interval '1' year"), 0);
	CHECK_STR(out, "364\n");
	/* an index can use a folded bound */
	CHECK_EQ(run("explain select * from t where id = 2 + 3"), 0);
	CHECK(!strncmp(out, "Index Scan using t_pkey on t\n"
			    "  Index Cond: (id = 5)\n", 46));
	CHECK_EQ(run("select a from t where id = 2 + 3"), 0);
	CHECK_STR(out, "5\n");
	/* errors: raised with no row read, as PostgreSQL does */
	CHECK_EQ(run("select 1/0 from e"), -1);
	CHECK_STR(out, "22012");
	CHECK_EQ(run("select a from e where a = 2147483647 + 1"), -1);
	CHECK_STR(out, "22003");
	CHECK_EQ(run("explain select 1/0"), -1);
	CHECK_STR(out, "22012");
	CHECK_EQ(run("select sum(1/0) from e"), -1);
	CHECK_STR(out, "22012");
	/* ... but not where PostgreSQL's folding never looks */
	CHECK_EQ(run("select case when false then 1/0 else 2 end, "
		     "case when true then 3 else 1/0 end, false and 1/0 = 1, "
		     "true or 1/0 = 1, coalesce(4, 1/0)"), 0);
	CHECK_STR(out, "2|3|f|t|4\n");
	CHECK_EQ(run("select count(*) from t where a > 0 and false and 1/0 = 1"),
		 0);
	CHECK_STR(out, "0\n");
	CHECK_EQ(run("select 1/0 = 1 and false"), -1);
	CHECK_STR(out, "22012");
	CHECK_EQ(run("select case when a > 100 then 1/0 else 1 end from e"), -1);
	CHECK_STR(out, "22012");
	/* a CASE arm whose condition reads a row stays per row */
	CHECK_EQ(run("select sum(case when a > 4 then 10 / (a - 4) else 0 end) "
		     "from t where a <> 4"), 0);
	CHECK_STR(out, "880\n");
	/* volatile and stable functions run per row */
	CHECK_EQ(run("select count(distinct random() + 0) from "
		     "generate_series(1, 50)"), 0);
	CHECK_STR(out, "50\n");
	CHECK_EQ(run("create sequence s;"
		     "select max(nextval('s') + 1) from generate_series(1, 7)"),
		 0);
	CHECK_STR(out, "8\n");
	CHECK_EQ(run("explain select * from e where a < extract(year from now())"),
		 0);
	CHECK(strstr(out, "now()") != NULL);
	/* bound parameters are constants of the execution */
	CHECK_EQ(run_params("select count(*) from t where a = $1 + $2",
			    (const int64_t[]){1, 2}, 2), 0);
	CHECK_STR(out, "40");
	CHECK_EQ(run_params("select count(*) from e where a = $1 / $2",
			    (const int64_t[]){1, 0}, 2), -1);
	CHECK_STR(out, "22012");
	/* CREATE TABLE keeps a DEFAULT unevaluated (PostgreSQL too) */
	CHECK_EQ(run("create table z (a int, b int default 1/0)"), 0);
	CHECK_EQ(run("insert into z (a) values (1)"), -1);
	CHECK_STR(out, "22012");
}

UNIT_MAIN()
