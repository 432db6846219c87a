/* SPDX-License-Identifier: MIT */
/* parallel.c: scan, filter and hash aggregation of one table as a morsel
 * job (job.h) on all cores.
 *
 * The job's items are the table's row slots; the job system hands each
 * worker ranges of them (morsels). Each core has a partial: its own arena,
 * error, exec_ctx and hash table of groups, so workers share nothing
 * while they run (job.h: cpu_id() is stable inside a morsel and distinct
 * between morsels running at once). A group remembers the smallest rowid
 * it was seen at and the row there. At the end the submitting thread
 * merges the partials into one table in the statement's arena (counts and
 * sums add, min/max compare), copies the strings it keeps out of the
 * partial arenas, and sorts the groups by that rowid: the order in which
 * the serial path finds them, so results are identical with or without
 * the job, ORDER BY or not.
 *
 * Memory accounting: every partial arena gets an equal share of what is
 * left of the statement's budget, so the statement as a whole stays
 * within it and a query over its budget still ends in 53200.
 *
 * Taken only when every expression involved can run on several cores at
 * once: column references, constants, parameters, operators, casts, CASE,
 * IN, BETWEEN, LIKE and functions other than volatile ones; no DISTINCT
 * aggregate; a full scan (no key lookup or range).
 *
 * Over a snapshot (x->snap, db/txn/htap.h) the workers read the copy
 * (db_snapshot_row: datums with translated strings into a per-core
 * buffer; a group's representative row is copied, first into the partial
 * arena, then into the statement's); a statement that runs unlocked
 * takes db->lock only when they read the live table (exec_live_lock). */
#include <stdlib.h>
#include <string.h>
#include <unidb/cpu.h>
#include <unidb/errno.h>
#include <unidb/heap.h>
#include <unidb/job.h>

#include "../storage/snapshot.h"
#include "../txn/htap.h"
#include "../txn/txn.h"
#include "internal.h"

#define PAR_DEFAULT_THRESHOLD 10000
#define PAR_MAX_DEPTH 12

static uint64_t jobs_run; /* atomic */

uint64_t par_jobs_run(void)
{
	return __atomic_load_n(&jobs_run, __ATOMIC_RELAXED);
}

struct pgroup {
	struct datum *key;
	uint64_t first; /* smallest rowid seen */
	struct group g;
};

/* One core's share of a parallel scan: what its rows need while workers
 * share nothing. */
struct par_part {
	struct arena a;
	struct db_error err;
	struct strbuf notices;
	struct exec_ctx x;
	struct datum *row; /* over a snapshot: the current row */
	void *state;	   /* the scan's (par_scan's row function) */
	/* over a snapshot: a batch of rows (their versions and rowids), the
	 * filter's columns as vectors, the rows still in */
	const struct row **vers;
	uint64_t *ids;
	struct vecs b;
	uint16_t *sel;
	bool used, failed;
};

/* Over a snapshot, instead of a par_row_fn: the rows that passed the
 * filter, b->n of them, as vectors of every column read (b->col), with
 * their rowids in ids. */
typedef int (*par_vec_fn)(struct exec_ctx *px, void *arg, void **state,
			  const struct vecs *b, const uint64_t *ids);

struct par_run {
	struct exec_ctx *x;
	struct table *t;
	par_row_fn row;
	par_vec_fn vec; /* over a snapshot, if set: instead of row */
	void *arg;
	const struct stage *filter; /* NULL: none */
	int base;		    /* the scope slot of a row's column 0 */
	int *fcols, nfcols;	    /* the columns filter reads */
	const struct datum *const *rows; /* par_batch: the rows (else a table) */
	struct par_part *parts;
	unsigned nparts;
	size_t budget; /* per partial */
	bool stop;     /* atomic: a partial failed */
	const struct db_snapshot *snap; /* read the copy (NULL: live) */
	int *cols, ncols_read;		/* of the copy: those read (NULL: all) */
	int snap_i;			/* the table's index in it */
	int ncols;			/* datums per row over a snapshot */
};

bool expr_volatile_func(const char *name)
{
	static const char *const v[] = {"random", "setseed", "nextval",
					"currval", "now", "clock_timestamp"};
	unsigned i;

	for (i = 0; name && i < sizeof(v) / sizeof(v[0]); i++)
		if (db_ieq(name, strlen(name), v[i]))
			return true;
	return false;
}

/* Whether e can be evaluated on several cores at once (see above), and
 * nests at most PAR_MAX_DEPTH deep: job workers run on the kernel's
 * default 16 KiB stacks, sessions on larger ones. */
static bool par_safe_at(const struct expr *e, int depth)
{
	int i;

	if (!e)
		return true;
	/* string_agg depends on the order rows arrive in */
	if (depth > PAR_MAX_DEPTH || e->kind > EX_LIKE || e->kind == EX_STAR ||
	    e->distinct || e->agg == AGG_STRING_AGG)
		return false;
	if (e->kind == EX_FUNC && expr_volatile_func(e->name))
		return false;
	if (!par_safe_at(e->l, depth + 1) || !par_safe_at(e->r, depth + 1) ||
	    !par_safe_at(e->x, depth + 1))
		return false;
	for (i = 0; i < e->nargs; i++)
		if (!par_safe_at(e->args[i], depth + 1))
			return false;
	return true;
}

bool par_safe(const struct expr *e)
{
	return par_safe_at(e, 0);
}

uint64_t par_threshold(struct exec_ctx *x)
{
	const char *v = x->settings ? setting_get(x->settings, *x->nsettings,
						  "parallel_threshold")
				    : NULL;
	uint64_t n = 0;

	if (!v)
		return PAR_DEFAULT_THRESHOLD;
	while (*v >= '0' && *v <= '9')
		n = n * 10 + (uint64_t)(*v++ - '0');
	return n;
}


/* ---- the scan ------------------------------------------------------------ */

bool par_rows_wanted(struct exec_ctx *x, uint64_t n)
{
	uint64_t min = par_threshold(x);

	return min && n >= min && !x->describe_only;
}

bool par_scan_wanted(struct exec_ctx *x, const struct table *t)
{
	return par_rows_wanted(x, t->nslots);
}

size_t par_budget_share(const struct exec_ctx *x, unsigned n)
{
	if (!x->a->budget)
		return 0;
	return x->a->budget > x->a->used ? (x->a->budget - x->a->used) / n : 1;
}

void par_ctx_init(struct exec_ctx *px, const struct exec_ctx *x,
		  struct arena *a, size_t budget, struct db_error *err)
{
	arena_init(a, budget);
	*px = *x;
	px->a = a;
	px->err = err;
}

/* The columns a scan of the copy reads: read_col(run, 0..read_count). */
static int read_count(const struct par_run *run)
{
	return run->cols ? run->ncols_read : run->ncols;
}

static int read_col(const struct par_run *run, int k)
{
	return run->cols ? run->cols[k] : k;
}

/* pp's batch of VEC_ROWS rows over a snapshot (vectors for the filter's
 * columns, and for run->vec every column read): 0, or -ENOMEM. */
static int part_vecs(struct par_run *run, struct par_part *pp)
{
	struct arena *a = pp->x.a;
	struct vecs *b = &pp->b;
	int k;

	pp->vers = arena_alloc(a, sizeof(*pp->vers) * VEC_ROWS);
	pp->ids = arena_alloc(a, sizeof(*pp->ids) * VEC_ROWS);
	pp->sel = arena_alloc(a, sizeof(*pp->sel) * VEC_ROWS);
	b->col = arena_alloc(a, sizeof(*b->col) * (size_t)(run->ncols + 1));
	if (!pp->vers || !pp->ids || !pp->sel || !b->col ||
	    !(b->row = row_buf(&pp->x, run->ncols)))
		return -ENOMEM;
	memset(b->col, 0, sizeof(*b->col) * (size_t)run->ncols);
	b->ncols = run->ncols;
	b->base = run->base;
	for (k = 0; k < run->nfcols; k++)
		if (!(b->col[run->fcols[k]] =
			      arena_alloc(a, sizeof(struct datum) * VEC_ROWS)))
			return -ENOMEM;
	for (k = 0; run->vec && k < read_count(run); k++)
		if (!b->col[read_col(run, k)] &&
		    !(b->col[read_col(run, k)] =
			      arena_alloc(a, sizeof(struct datum) * VEC_ROWS)))
			return -ENOMEM;
	return 0;
}

static int part_init(struct par_run *run, struct par_part *pp)
{
	par_ctx_init(&pp->x, run->x, &pp->a, run->budget, &pp->err);
	pp->x.notices = &pp->notices;
	pp->used = true;
	if (run->snap && !(pp->row = row_buf(&pp->x, run->ncols)))
		return -ENOMEM;
	if (run->snap && part_vecs(run, pp) < 0)
		return -ENOMEM;
	return 0;
}

/* run's row function for a row that passes its filter. */
static int part_row(struct par_run *run, struct par_part *pp, uint64_t id,
		    const struct datum *row)
{
	bool ok = true;

	if (run->filter &&
	    stage_check(&pp->x, run->filter, row, run->base, &ok) < 0)
		return -EINVAL;
	return ok ? run->row(&pp->x, run->arg, &pp->state, id, row) : 0;
}

/* The n rows of pp's batch that passed (pp->sel) to run->vec, as
 * vectors of every column read. */
static int part_vec_rows(struct par_run *run, struct par_part *pp, int n)
{
	int j, k;

	for (j = 0; j < n; j++) { /* sel ascends: compacts in place */
		pp->vers[j] = pp->vers[pp->sel[j]];
		pp->ids[j] = pp->ids[pp->sel[j]];
	}
	for (k = 0; k < read_count(run); k++)
		db_snapshot_column(run->snap, run->snap_i, pp->vers, n,
				   read_col(run, k), pp->b.col[read_col(run, k)]);
	pp->b.n = n;
	return n ? run->vec(&pp->x, run->arg, &pp->state, &pp->b, pp->ids) : 0;
}

/* The rows [begin, end) of the snapshot copy, a batch at a time: the
 * filter's columns as vectors (vec_filter), then each row that passes
 * with the columns the scan reads. */
static int part_snap_rows(struct par_run *run, struct par_part *pp,
			  uint64_t begin, uint64_t end)
{
	const struct db_snapshot *s = run->snap;
	uint64_t id, last;
	int j, k, n;

	for (id = begin; id < end; id = last) {
		last = end - id > VEC_ROWS ? id + VEC_ROWS : end;
		n = db_snapshot_versions(s, run->snap_i, id, last, pp->vers,
					 pp->ids);
		for (j = 0; j < n; j++)
			pp->sel[j] = (uint16_t)j;
		if (run->filter) {
			for (k = 0; k < run->nfcols; k++)
				db_snapshot_column(s, run->snap_i, pp->vers, n,
						   run->fcols[k],
						   pp->b.col[run->fcols[k]]);
			pp->b.n = n;
			if (vec_filter(&pp->x, run->filter, &pp->b, pp->sel,
				       &n) < 0)
				return -EINVAL;
		}
		if (run->vec) {
			if (part_vec_rows(run, pp, n) < 0)
				return -EINVAL;
			continue;
		}
		for (j = 0; j < n; j++) {
			k = pp->sel[j];
			db_snapshot_values(s, run->snap_i, pp->vers[k], pp->row,
					   run->ncols, run->cols,
					   run->ncols_read);
			if (run->row(&pp->x, run->arg, &pp->state, pp->ids[k],
				     pp->row) < 0)
				return -EINVAL;
		}
	}
	return 0;
}

static void par_morsel(void *arg, uint64_t begin, uint64_t end)
{
	struct par_run *run = arg;
	struct par_part *pp = &run->parts[cpu_id() % run->nparts];
	uint64_t id;

	if (__atomic_load_n(&run->stop, __ATOMIC_RELAXED) || pp->failed)
		return;
	if (!pp->used && part_init(run, pp) < 0) {
		db_err_oom(&pp->err);
		goto failed;
	}
	if (exec_check_interrupt(&pp->x) < 0)
		goto failed;
	if (run->snap && part_snap_rows(run, pp, begin, end) < 0)
		goto failed;
	for (id = begin; id < end && run->rows; id++)
		if (part_row(run, pp, id, run->rows[id]) < 0)
			goto failed;
	for (id = begin; id < end && !run->snap && !run->rows; id++) {
		/* The version the statement's snapshot sees (db/txn). */
		const struct row *r = txn_row(&pp->x, run->t, id);

		if (r && part_row(run, pp, id, r->vals) < 0)
			goto failed;
	}
	return;
failed:
	pp->failed = true;
	__atomic_store_n(&run->stop, true, __ATOMIC_RELAXED);
}

/* The first partial's error, into x->err. */
static int part_error(struct exec_ctx *x, struct par_run *run)
{
	unsigned i;

	for (i = 0; i < run->nparts; i++) {
		if (run->parts[i].failed) {
			*x->err = run->parts[i].err;
			return -EINVAL;
		}
	}
	return 0;
}

/* Allocates run's partials, each with an equal share of what is left of
 * the statement's budget. */
static int parts_alloc(struct exec_ctx *x, struct par_run *run)
{
	run->nparts = cpu_count();
	run->budget = par_budget_share(x, run->nparts);
	run->parts = kcalloc(run->nparts, sizeof(*run->parts));
	if (!run->parts)
		return db_err_oom(x->err);
	__atomic_add_fetch(&jobs_run, 1, __ATOMIC_RELAXED);
	return 0;
}

/* Runs run over its items [0, n) as a morsel job and waits for it (none
 * to run for n == 0: job_start refuses zero items). 0, or -ENOMEM. */
static int parts_run(struct par_run *run, uint64_t n)
{
	struct job *j = n ? job_start("db-scan", n, par_morsel, NULL, run, 0)
			  : NULL;

	if (n && !j)
		return -ENOMEM;
	if (j)
		job_wait(j, NULL);
	return 0;
}

/* After parts_run (r its result): the first partial's error, or every
 * partial merged; then frees them. */
static int parts_end(struct exec_ctx *x, struct par_run *run, int r,
		     par_merge_fn merge, void *arg)
{
	unsigned i;

	r = r < 0 ? db_err_oom(x->err) : part_error(x, run);
	for (i = 0; r == 0 && i < run->nparts; i++)
		if (run->parts[i].used && merge(x, arg, run->parts[i].state) < 0)
			r = -EINVAL;
	for (i = 0; i < run->nparts; i++) {
		arena_free(&run->parts[i].a);
		sb_free(&run->parts[i].notices);
	}
	kfree(run->parts);
	return r < 0 ? -EINVAL : 0;
}

/* par_scan, with vec (if not NULL) instead of row over a snapshot. */
static int scan_run(struct exec_ctx *x, struct table *t, const bool *cols,
		    const struct stage *filter, int base, par_row_fn row,
		    par_vec_fn vec, par_merge_fn merge, void *arg)
{
	struct par_run run = {.x = x, .t = t, .row = row, .arg = arg,
			      .base = base};
	int r;

	if (filter && filter->n)
		run.filter = filter;
	if ((run.snap_i = db_snapshot_find(x->snap, t)) >= 0) {
		run.snap = x->snap;
		run.vec = vec;
		run.ncols = t->ncols;
		run.ncols_read = cols_list(x, cols, t->ncols, &run.cols);
		if (run.ncols_read < 0)
			return -EINVAL;
		if (run.filter && (run.nfcols = stage_cols(x, run.filter, base,
							   t->ncols,
							   &run.fcols)) < 0)
			return -EINVAL;
	}
	if (parts_alloc(x, &run) < 0)
		return -EINVAL;
	if (run.snap) {
		r = parts_run(&run, x->snap->t[run.snap_i].nslots);
	} else { /* the workers read the live table */
		exec_live_lock(x);
		r = parts_run(&run, t->nslots);
		exec_live_unlock(x);
	}
	return parts_end(x, &run, r, merge, arg);
}

int par_scan(struct exec_ctx *x, struct table *t, const bool *cols,
	     const struct stage *filter, int base, par_row_fn row,
	     par_merge_fn merge, void *arg)
{
	return scan_run(x, t, cols, filter, base, row, NULL, merge, arg);
}

int par_batch(struct exec_ctx *x, const struct datum *const *rows, uint64_t n,
	     par_row_fn row, par_merge_fn merge, void *arg)
{
	struct par_run run = {.x = x, .rows = rows, .row = row, .arg = arg};

	if (parts_alloc(x, &run) < 0)
		return -EINVAL;
	return parts_end(x, &run, parts_run(&run, n), merge, arg);
}

/* ---- aggregation on it ----------------------------------------------------- */

struct agg_run {
	const struct par_agg *p;
	bool copied; /* rows are copies from a snapshot, in a reused buffer */
	int ncols;
	struct htab h; /* merged: key -> pgroup in the statement's arena */
	uint64_t n;
};

struct agg_part {
	struct htab h;	   /* key -> pgroup */
	struct datum *key; /* the current row's group key */
	/* agg_vec's, for a batch: each row's group; an aggregate's argument
	 * as small numerics (ok: it is one); each column's values as small
	 * numerics, parsed when first used in batch number `parsed[c]`; a
	 * scratch vector per level of an expression */
	struct pgroup **g;
	struct small_vec {
		struct numeric_small *v;
		bool *ok;
	} arg, *col, tmp[PAR_MAX_DEPTH + 1];
	uint64_t *parsed, batch;
};

bool par_wanted(struct exec_ctx *x, const struct par_agg *p)
{
	int i;

	if (!par_scan_wanted(x, p->t) || !par_safe(p->where))
		return false;
	for (i = 0; i < p->ngroup; i++)
		if (!par_safe(p->group[i]))
			return false;
	for (i = 0; i < p->naggs; i++)
		if (!par_safe(p->aggs[i]))
			return false;
	return table_scan_is_full(x, p->t, p->where);
}

/* The row a group keeps: over a snapshot a copy (the buffer is reused),
 * else the row itself. NULL: out of memory. */
static const struct datum *rep_of(const struct agg_run *run, struct arena *a,
				  const struct datum *row)
{
	struct datum *c;

	if (!run->copied)
		return row;
	c = arena_alloc(a, sizeof(*c) * (size_t)(run->ncols + 1));
	if (c)
		memcpy(c, row, sizeof(*c) * (size_t)run->ncols);
	return c;
}

/* row, or for row NULL row j of b (gathered only now: most rows of a
 * batch fall into a group that has its row). */
static const struct datum *row_of(const struct datum *row,
				  const struct vecs *b, int j)
{
	if (row)
		return row;
	vecs_gather(b, j);
	return b->row;
}

/* The group of key in ap, made for row id if new; NULL: out of memory.
 * The row: row, or for row NULL row j of b. */
static struct pgroup *part_group(struct exec_ctx *px, const struct agg_run *run,
				 struct agg_part *ap, const struct datum *key,
				 uint64_t id, const struct datum *row,
				 const struct vecs *b, int j)
{
	const struct par_agg *p = run->p;
	struct hentry *e = htab_get(&ap->h, key, false, NULL);
	struct pgroup *g;
	bool added;

	if (e) {
		g = e->val;
		if (id < g->first) {
			g->first = id;
			if (!(g->g.rep = rep_of(run, px->a, row_of(row, b, j))))
				return NULL;
		}
		return g;
	}
	g = arena_alloc(px->a, sizeof(*g));
	if (!g)
		return NULL;
	g->key = arena_alloc(px->a, sizeof(*key) * (size_t)(p->ngroup + 1));
	g->g.st = arena_alloc(px->a, sizeof(struct agg_state) *
					     (size_t)(p->naggs + 1));
	if (!g->key || !g->g.st)
		return NULL;
	memcpy(g->key, key, sizeof(*key) * (size_t)p->ngroup);
	g->first = id;
	if (!(g->g.rep = rep_of(run, px->a, row_of(row, b, j))))
		return NULL;
	e = htab_get(&ap->h, g->key, true, &added);
	if (!e)
		return NULL;
	e->val = g;
	return g;
}

/* The worker's agg_part, made at its first row; NULL: out of memory. */
static struct agg_part *agg_part_of(struct exec_ctx *px,
				    const struct par_agg *p, void **state)
{
	struct agg_part *ap = *state;

	if (ap)
		return ap;
	ap = *state = arena_alloc(px->a, sizeof(*ap));
	if (!ap)
		return NULL;
	memset(ap, 0, sizeof(*ap));
	if (!(ap->key = arena_alloc(px->a, sizeof(*ap->key) *
						   (size_t)(p->ngroup + 1))) ||
	    htab_init(&ap->h, px->a, p->ngroup) < 0)
		return NULL;
	return ap;
}

static int agg_row(struct exec_ctx *px, void *arg, void **state, uint64_t id,
		   const struct datum *row)
{
	const struct agg_run *run = arg;
	const struct par_agg *p = run->p;
	struct eval_env env = {.row = row};
	struct agg_part *ap = agg_part_of(px, p, state);
	struct pgroup *g;
	int i;

	if (!ap)
		return db_err_oom(px->err);
	for (i = 0; i < p->ngroup; i++)
		if (eval(px, p->group[i], &env, &ap->key[i]) < 0)
			return -EINVAL;
	g = part_group(px, run, ap, ap->key, id, row, NULL, 0);
	if (!g)
		return db_err_oom(px->err);
	return agg_step(px, p->aggs, p->naggs, &g->g, row);
}

/* A vector of VEC_ROWS small numerics in px's arena, if v has none. */
static int small_vec_init(struct exec_ctx *px, struct small_vec *v)
{
	if (!v->v && (!(v->v = arena_alloc(px->a, sizeof(*v->v) * VEC_ROWS)) ||
		      !(v->ok = arena_alloc(px->a, VEC_ROWS))))
		return db_err_oom(px->err);
	return 0;
}

/* Column c of b's rows as small numerics, parsed once per batch. */
static const struct small_vec *small_col(struct exec_ctx *px,
					 struct agg_part *ap,
					 const struct vecs *b, int c)
{
	struct small_vec *v = &ap->col[c];
	int j;

	if (ap->parsed[c] == ap->batch)
		return v;
	if (small_vec_init(px, v) < 0)
		return NULL;
	for (j = 0; j < b->n; j++)
		v->ok[j] = !b->col[c][j].null &&
			   numeric_small_of(&b->col[c][j], &v->v[j]);
	ap->parsed[c] = ap->batch;
	return v;
}

/* eval_numeric_small of e for every row of b: out, or a column's
 * vector; ok[j] false where it is false (the row then takes eval's way).
 * NULL without memory. */
static const struct small_vec *vec_small(struct exec_ctx *px,
					 struct agg_part *ap,
					 const struct expr *e,
					 const struct vecs *b, int depth,
					 struct small_vec *out)
{
	const struct small_vec *l, *r;
	struct numeric_small k;
	char op;
	bool kok;
	int j;

	if (e->folded || e->kind == EX_CONST) {
		const struct datum *d = e->folded ? e->folded : &e->val;

		kok = !d->null && numeric_small_of(d, &k);
		for (j = 0; j < b->n; j++) {
			out->ok[j] = kok;
			out->v[j] = k;
		}
		return out;
	}
	if (e->kind == EX_COLUMN)
		return small_col(px, ap, b, e->slot - b->base);
	if (depth >= PAR_MAX_DEPTH || !(op = numeric_small_op(e))) {
		memset(out->ok, 0, (size_t)b->n);
		return out;
	}
	/* the left side into out, the right into this level's scratch */
	if (small_vec_init(px, &ap->tmp[depth]) < 0 ||
	    !(l = vec_small(px, ap, e->l, b, depth + 1, out)) ||
	    !(r = vec_small(px, ap, e->r, b, depth + 1, &ap->tmp[depth])))
		return NULL;
	for (j = 0; j < b->n; j++)
		out->ok[j] = l->ok[j] && r->ok[j] &&
			     numeric_small_arith(op, &l->v[j],
						 &r->v[j], &out->v[j]);
	return out;
}

/* agg_vec's scratch in ap, at its first batch. */
static int agg_vec_init(struct exec_ctx *px, struct agg_part *ap, int ncols)
{
	if (ap->g)
		return 0;
	ap->col = arena_alloc(px->a, sizeof(*ap->col) * (size_t)(ncols + 1));
	ap->parsed = arena_alloc(px->a, sizeof(*ap->parsed) *
						(size_t)(ncols + 1));
	if (!ap->col || !ap->parsed || small_vec_init(px, &ap->arg) < 0)
		return db_err_oom(px->err);
	memset(ap->col, 0, sizeof(*ap->col) * (size_t)ncols);
	memset(ap->parsed, 0, sizeof(*ap->parsed) * (size_t)ncols);
	if (!(ap->g = arena_alloc(px->a, sizeof(*ap->g) * VEC_ROWS)))
		return db_err_oom(px->err);
	return 0;
}

/* agg_row on a batch of column vectors: each row's group as agg_row
 * finds it, then aggregate by aggregate over the batch, a numeric sum or
 * avg from its argument evaluated on vectors of small numerics (each
 * column parsed once per batch, not once per use), any other, or a row
 * whose argument is not small, by agg_step_one on the row. A state sees
 * its rows in the same order as through agg_row, so every sum is the
 * same, a float one to the last bit. */
static int agg_vec(struct exec_ctx *px, void *arg, void **state,
		   const struct vecs *b, const uint64_t *ids)
{
	const struct agg_run *run = arg;
	const struct par_agg *p = run->p;
	struct eval_env env = {.row = b->row, .base = b->base};
	struct agg_part *ap = agg_part_of(px, p, state);
	const struct small_vec *v = NULL;
	int i, j;

	if (!ap)
		return db_err_oom(px->err);
	if (agg_vec_init(px, ap, b->ncols) < 0)
		return -EINVAL;
	ap->batch++;
	for (j = 0; j < b->n; j++) {
		const struct datum *row = NULL;

		for (i = 0; i < p->ngroup; i++) {
			const struct expr *k = p->group[i];

			if (k->kind == EX_COLUMN) { /* no row needed */
				ap->key[i] = b->col[k->slot - b->base][j];
				continue;
			}
			row = row_of(row, b, j);
			if (eval(px, k, &env, &ap->key[i]) < 0)
				return -EINVAL;
		}
		if (!(ap->g[j] = part_group(px, run, ap, ap->key, ids[j], row,
					    b, j)))
			return db_err_oom(px->err);
	}
	for (i = 0; i < p->naggs; i++) {
		const struct expr *e = p->aggs[i];
		bool small = agg_sums_numeric(e);

		if (small && !(v = vec_small(px, ap, e->args[0], b, 0,
					     &ap->arg)))
			return -EINVAL;
		for (j = 0; j < b->n; j++) {
			struct agg_state *st = &ap->g[j]->g.st[i];

			if (small && v->ok[j]) {
				st->count++;
				if (numeric_sum_small(px, st, &v->v[j]) < 0)
					return -EINVAL;
				continue;
			}
			if (!e->star) /* count(*) reads no column */
				vecs_gather(b, j);
			if (agg_step_one(px, e, st, &env) < 0)
				return -EINVAL;
		}
	}
	return 0;
}

static int own_group(struct exec_ctx *x, const struct par_agg *p,
		     struct pgroup *g)
{
	struct agg_state *st = arena_alloc(x->a, sizeof(*st) *
						      (size_t)(p->naggs + 1));
	struct datum *key = arena_alloc(x->a, sizeof(*key) *
						      (size_t)(p->ngroup + 1));
	int i;

	if (!st || !key)
		return db_err_oom(x->err);
	memcpy(st, g->g.st, sizeof(*st) * (size_t)p->naggs);
	memcpy(key, g->key, sizeof(*key) * (size_t)p->ngroup);
	for (i = 0; i < p->naggs; i++)
		if (datums_own(x, &st[i].best, 1) < 0 ||
		    datums_own(x, &st[i].nsum, 1) < 0)
			return -EINVAL;
	g->g.st = st;
	g->key = key;
	return datums_own(x, key, p->ngroup);
}

/* Sums of floats merge by addition, so a parallel float sum may differ
 * from the serial one in its last bits (as in PostgreSQL's parallel
 * aggregation); integer and numeric sums are exact either way. */
static int merge_state(struct exec_ctx *x, const struct expr *e,
		       struct agg_state *m, const struct agg_state *o)
{
	if (!o->count)
		return 0;
	if ((e->agg == AGG_MIN || e->agg == AGG_MAX) &&
	    (!m->count || (datum_cmp(&o->best, &m->best) < 0) == (e->agg == AGG_MIN)))
		m->best = o->best;
	if ((e->agg == AGG_SUM || e->agg == AGG_AVG) && e->args[0] &&
	    e->args[0]->type.id == TYPE_NUMERIC) {
		struct datum sum;

		if (numeric_sum_get(x, o, &sum) < 0 ||
		    numeric_sum_add(x, m, &sum) < 0)
			return -EINVAL;
	}
	m->count += o->count;
	m->sum += o->sum;
	m->fsum += o->fsum;
	return 0;
}

/* Merges partial group g into the statement's table h (whose entries'
 * values are pgroups in the statement's arena); *n counts the groups. */
static int merge_group(struct exec_ctx *x, const struct agg_run *run,
		       struct htab *h, struct pgroup *g, uint64_t *n)
{
	const struct par_agg *p = run->p;
	struct hentry *e = htab_get(h, g->key, false, NULL);
	struct pgroup *m;
	bool added;
	int i;

	if (!e) {
		m = arena_alloc(x->a, sizeof(*m));
		if (!m)
			return db_err_oom(x->err);
		*m = *g;
		/* a snapshot row copy lives in a partial arena, freed soon */
		if (own_group(x, p, m) < 0 ||
		    !(m->g.rep = rep_of(run, x->a, g->g.rep)))
			return m->g.rep ? -EINVAL : db_err_oom(x->err);
		e = htab_get(h, m->key, true, &added);
		if (!e)
			return db_err_oom(x->err);
		e->val = m;
		(*n)++;
		return 0;
	}
	m = e->val;
	for (i = 0; i < p->naggs; i++)
		if (merge_state(x, p->aggs[i], &m->g.st[i], &g->g.st[i]) < 0)
			return -EINVAL;
	if (g->first < m->first) {
		m->first = g->first;
		if (!(m->g.rep = rep_of(run, x->a, g->g.rep)))
			return db_err_oom(x->err);
	}
	/* a min/max or numeric sum taken from g may point into g's arena */
	for (i = 0; i < p->naggs; i++)
		if (datums_own(x, &m->g.st[i].best, 1) < 0 ||
		    datums_own(x, &m->g.st[i].nsum, 1) < 0)
			return -EINVAL;
	return 0;
}

static int by_first(const void *a, const void *b)
{
	const struct pgroup *x = *(struct pgroup *const *)a,
			    *y = *(struct pgroup *const *)b;

	return x->first < y->first ? -1 : x->first > y->first;
}

/* The merged groups, in serial order, into *out. */
/* Merges one partial's groups into the statement's (par_scan's merge). */
static int agg_merge(struct exec_ctx *x, void *arg, void *state)
{
	struct agg_run *run = arg;
	struct agg_part *ap = state;
	struct hentry *e;
	uint64_t b;

	for (b = 0; ap && b < ap->h.nb; b++)
		for (e = ap->h.b[b]; e; e = e->next)
			if (merge_group(x, run, &run->h, e->val, &run->n) < 0)
				return -EINVAL;
	return 0;
}

/* The merged groups, in serial order, into *out. */
static int collect(struct exec_ctx *x, struct agg_run *run, struct group **out)
{
	const struct par_agg *p = run->p;
	uint64_t n = run->n, b, k = 0;
	struct pgroup **v = arena_alloc(x->a, sizeof(*v) * (n + 1));
	struct group *gs = arena_alloc(x->a, sizeof(*gs) * (n + 1));
	struct hentry *e;

	if (!v || !gs)
		return db_err_oom(x->err);
	for (b = 0; b < run->h.nb; b++)
		for (e = run->h.b[b]; e; e = e->next)
			v[k++] = e->val;
	qsort(v, n, sizeof(*v), by_first);
	for (k = 0; k < n; k++) /* reps were copied by merge_group */
		gs[k] = v[k]->g;
	if (n == 0 && p->ngroup == 0) {
		/* no row: one group of empty aggregates, as the serial path */
		memset(&gs[0], 0, sizeof(gs[0]));
		gs[0].st = arena_alloc(x->a, sizeof(struct agg_state) *
						     (size_t)(p->naggs + 1));
		if (!gs[0].st)
			return db_err_oom(x->err);
	}
	*out = gs;
	return 0;
}

int par_aggregate(struct exec_ctx *x, const struct par_agg *p,
		  struct group **out, uint64_t *nout)
{
	struct agg_run run = {.p = p, .ncols = p->t->ncols};
	struct stage filter = {0};

	if (!par_wanted(x, p))
		return 0;
	/* WHERE's conjuncts, as the serial path applies them */
	filter.n = expr_conjuncts(p->where, NULL, 0, 0);
	if (!(filter.v = arena_alloc(x->a, sizeof(*filter.v) *
						  (size_t)(filter.n + 1))))
		return db_err_oom(x->err);
	expr_conjuncts(p->where, filter.v, filter.n, 0);
	run.copied = db_snapshot_find(x->snap, p->t) >= 0;
	if (htab_init(&run.h, x->a, p->ngroup) < 0)
		return db_err_oom(x->err);
	if (scan_run(x, p->t, p->cols, &filter, 0, agg_row, agg_vec,
		     agg_merge, &run) < 0 ||
	    collect(x, &run, out) < 0)
		return -EINVAL;
	*nout = run.n ? run.n : p->ngroup == 0;
	return 1;
}
