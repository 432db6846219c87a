/* SPDX-License-Identifier: MIT */
/* dbscan.c: "bench dbscan [ROWS]": a count/sum/avg over a table of ROWS
 * rows (default 1000000), serial and as a morsel job (db/exec/parallel.c),
 * best of 3 each. Run it at -smp 1 and -smp 4 to see the job widen:
 *     tools/run --smp 4 --mem 1G --append "bench dbscan 1000000"
 * Prints "RESULT bench=dbscan rows=N cpus=C serial_ms=S parallel_ms=P". */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unidb/bench.h>
#include <unidb/cpu.h>
#include <unidb/heap.h>
#include <unidb/printk.h>
#include <unidb/time.h>

#include "../../../db/exec/exec.h"

static uint64_t best_ms(struct exec_ctx *x, const char *threshold,
			struct strbuf *out)
{
	uint64_t best = ~0ull;
	char set[64];
	int i;

	snprintf(set, sizeof(set), "set parallel_threshold = %s", threshold);
	exec_sql_text(x, set, ARENA_DEFAULT_BUDGET, out);
	for (i = 0; i < 3; i++) {
		uint64_t t0 = time_ns(), t;

		exec_sql_text(x, "select count(*), sum(v), avg(v) from b "
				 "where g >= 0",
			      ARENA_DEFAULT_BUDGET, out);
		t = (time_ns() - t0) / 1000000;
		best = t < best ? t : best;
	}
	return best;
}

static int load(struct db *db, uint64_t rows)
{
	struct table *t = table_new("b", 2);
	struct db_error err;
	uint64_t i, id;

	if (!t)
		return -1;
	memcpy(t->cols[0].name, "g", 2);
	memcpy(t->cols[1].name, "v", 2);
	t->cols[0].type.id = TYPE_INT4;
	t->cols[1].type.id = TYPE_INT8;
	if (db_add_table(db, t, &err) < 0)
		return -1;
	for (i = 0; i < rows; i++) {
		struct datum d[2] = {datum_int(TYPE_INT4, (int64_t)(i % 7)),
				     datum_int(TYPE_INT8, (int64_t)(i * 31 % 1000))};

		if (table_insert(t, d, &id, &err) < 0)
			return -1;
	}
	return 0;
}

static int bench_dbscan(int argc, char **argv)
{
	uint64_t rows = argc > 1 ? strtoul(argv[1], NULL, 0) : 1000000;
	struct db *db = kzalloc(sizeof(*db));
	struct setting *set = kcalloc(SETTING_MAX, sizeof(*set));
	struct db_error err;
	int nset = 0;
	struct exec_ctx x = {.db = db, .err = &err, .settings = set,
			     .nsettings = &nset, .user = "u", .database = "d"};
	struct strbuf a = STRBUF_INIT, b = STRBUF_INIT;
	uint64_t ser, par;

	if (!db || !set)
		return 1;
	db_init(db);
	settings_init(set, &nset, NULL);
	if (load(db, rows) < 0) {
		printk("dbscan: loading %llu rows failed\n",
		       (unsigned long long)rows);
		return 1;
	}
	ser = best_ms(&x, "0", &a);
	par = best_ms(&x, "1", &b);
	printk("dbscan: serial   %s", a.p ? a.p : "?\n");
	printk("dbscan: parallel %s", b.p ? b.p : "?\n");
	printk("RESULT bench=dbscan rows=%llu cpus=%u serial_ms=%llu "
	       "parallel_ms=%llu same=%d\n",
	       (unsigned long long)rows, cpu_count(), (unsigned long long)ser,
	       (unsigned long long)par, a.p && b.p && !strcmp(a.p, b.p));
	return a.p && b.p && !strcmp(a.p, b.p) ? 0 : 1;
}

BENCH(dbscan, "[ROWS]  count/sum/avg over ROWS rows: serial vs morsel job",
      bench_dbscan);
