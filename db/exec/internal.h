/* SPDX-License-Identifier: MIT */
/* internal.h: what the files of db/exec share (not for other stages). */
#ifndef DB_EXEC_INTERNAL_H
#define DB_EXEC_INTERNAL_H

#include "exec.h"
#include "expr.h"

/* Hash table from a tuple of w datums to a payload, in the arena. Keys
 * compare with NULL equal to NULL (grouping and DISTINCT semantics). */
struct hentry {
	struct hentry *next;
	uint64_t hash;
	const struct datum *key;
	void *val;
};

struct htab {
	struct hentry **b;
	uint64_t nb, n;
	int w;
	struct arena *a;
};

int htab_init(struct htab *h, struct arena *a, int w);
uint64_t tuple_hash(const struct datum *key, int w);
/* The entry for key; if absent and add, a new one (*added true) whose key
 * is the caller's pointer (keep it alive). NULL: absent or out of memory
 * (h->a->over tells). */
struct hentry *htab_get(struct htab *h, const struct datum *key, bool add,
			bool *added);
/* The same, hash being tuple_hash(key, h->w). */
struct hentry *htab_get_hashed(struct htab *h, const struct datum *key,
			       uint64_t hash, bool add, bool *added);

/* Scope of one table's columns, qualified by alias (or the table name). */
int scope_of_table(struct exec_ctx *x, const struct table *t,
		   const char *alias, struct scope *sc);
/* Appends a row (the pointer is kept) to a result. */
int result_add(struct exec_ctx *x, struct result *res, struct datum *row);
/* Copies the string bytes of vals into the arena (results outlive the
 * catalog lock). */
int datums_own(struct exec_ctx *x, struct datum *vals, int n);
/* Binds a RETURNING or select list over scope sc into res->cols; stars
 * expanded. *out gets the bound expressions. */
int bind_targets(struct bind_ctx *b, struct target *tg, int ntg,
		 struct result *res, struct expr ***out, int *nout);
/* Evaluates exprs over env into a new arena row. */
int project(struct exec_ctx *x, struct expr **exprs, int n,
	    const struct eval_env *env, struct datum **out);

int exec_select(struct exec_ctx *x, struct select *s, struct result *res);
/* A SELECT bound once and run many times (subqueries, subquery.c). */
struct sel;
int select_bind(struct exec_ctx *x, struct select *s, struct result *res,
		struct sel **out);
int select_run(struct exec_ctx *x, struct sel *q, struct result *res);
/* LIMIT/OFFSET value (-1: none); 2201W/2201X if negative. */
int bind_limit(struct exec_ctx *x, struct expr *e, const char *what,
	       int64_t *out);
/* ORDER BY (output columns order_cols[i] for s->order[i]), OFFSET and
 * LIMIT of s over rows of ncols datums, into res (set operations). */
int sort_limit_rows(struct exec_ctx *x, struct select *s, int ncols,
		    const int *order_cols, struct datum **rows, uint64_t n,
		    struct result *res);
/* UNION/INTERSECT/EXCEPT [ALL] (setop.c). */
int exec_setop(struct exec_ctx *x, struct select *s, struct result *res);
int exec_insert(struct exec_ctx *x, struct stmt *st, struct result *res);
int exec_update(struct exec_ctx *x, struct stmt *st, struct result *res);
int exec_delete(struct exec_ctx *x, struct stmt *st, struct result *res);
/* ddl.c */
int exec_create_index(struct exec_ctx *x, struct stmt *st, struct result *res);
int exec_drop_index(struct exec_ctx *x, struct stmt *st, struct result *res);
int exec_alter(struct exec_ctx *x, struct stmt *st, struct result *res);
/* CREATE TABLE's UNIQUE and named PRIMARY KEY constraints on the new t. */
int create_constraints(struct exec_ctx *x, struct stmt *st, struct table *t);
/* seq.c */
int exec_create_seq(struct exec_ctx *x, struct stmt *st, struct result *res);
int exec_drop_seq(struct exec_ctx *x, struct stmt *st, struct result *res);
/* The sequences and defaults of CREATE TABLE's serial columns. */
int create_serials(struct exec_ctx *x, struct stmt *st, struct table *t);
bool is_seq_func(const char *name);
int bind_seq_func(struct bind_ctx *b, struct expr *e);
int eval_seq_func(struct exec_ctx *x, const struct expr *e,
		  const struct eval_env *env, struct datum *out);
/* A full row for table t from the values given for cols (INSERT's
 * defaults and NOT NULL check); used by COPY FROM. */
int insert_build_row(struct exec_ctx *x, struct table *t, const int *cols,
		     int n, struct datum *given, struct datum **out);

/* An access path (plan.c): a scan of the table, or of one index: the
 * first neq columns equal to key[], then the next one within [lo, hi]
 * or equal to one of in[0..nin). */
struct access_path {
	bool use_index;
	struct index_info ix;
	int neq;
	struct datum key[INDEX_MAX_COLUMNS];
	bool has_lo, has_hi;
	struct datum lo, hi;
	struct datum *in;
	int nin;
	int score; /* how selective: 1000 for at most one row */
};

/* Whether the function of that name may answer differently for the same
 * arguments (random, nextval, now, ...): evaluated once per row, never
 * moved (parallel.c). */
bool expr_volatile_func(const char *name);
/* The AND-ed conjuncts of w, in order, after the n in out already: the
 * first cap are stored, the total count is returned. */
int expr_conjuncts(const struct expr *w, const struct expr **out, int cap,
		   int n);
/* Chooses the access path of t for where (see plan.c). */
int plan_access(struct exec_ctx *x, struct table *t, const struct expr *where,
		struct access_path *p);
/* A row a scan found: its rowid and the values of the version the
 * statement sees (live, or copied from its vm snapshot into the arena:
 * valid until the statement ends either way). */
typedef int (*row_emit_fn)(void *ctx, uint64_t rowid, const struct datum *vals);
/* What an emit function returns when it did not keep vals (filtered out,
 * or copied): the scan reuses a copied row's memory for the next one,
 * instead of filling the arena with every row of a table. */
#define ROW_NOT_KEPT 1
/* Calls emit for every row the path finds (taking exec_live_lock for
 * what it reads live). cols (NULL: all): the columns the caller reads;
 * a full scan of a snapshot copies only those, the others are NULL. */
int path_run(struct exec_ctx *x, struct table *t, const struct access_path *p,
	     const bool *cols, row_emit_fn emit, void *ctx);
/* plan_access then path_run: every row of t that may satisfy where. The
 * caller still applies where to each row. */
int table_scan(struct exec_ctx *x, struct table *t, const struct expr *where,
	       const bool *cols, row_emit_fn emit, void *ctx);

/* Whether the access path plan_access chooses reads every row (no index
 * lookup or range). */
bool table_scan_is_full(struct exec_ctx *x, struct table *t,
			const struct expr *where);

/* Hash aggregation's per-group state (select.c, parallel.c). parallel.c
 * merges partial states (merge_state): a new field or aggregate needs its
 * merge rule there too. */
struct agg_state {
	int64_t count;
	__int128 sum;
	/* sum of numerics: nsmall while every addend was small (numeric.h),
	 * then nsum (a numeric datum; nbig set) */
	struct numeric_small nsmall;
	bool nbig;
	struct datum nsum;
	double fsum;	   /* sum of floats */
	struct datum best; /* min/max */
	struct htab *seen; /* DISTINCT */
	char *str;	   /* string_agg: the text so far (arena) */
	uint32_t len, cap;
};

struct group {
	const struct datum *rep; /* a row of the group (grouped columns) */
	struct agg_state *st;
	struct datum *vals;	 /* final aggregate values */
};

/* s's numeric sum += v; its value so far. */
int numeric_sum_add(struct exec_ctx *x, struct agg_state *s,
		    const struct datum *v);
int numeric_sum_get(struct exec_ctx *x, const struct agg_state *s,
		    struct datum *out);

/* Adds one input row to the states of g (naggs aggregates). */
int agg_step(struct exec_ctx *x, struct expr **aggs, int naggs,
	     struct group *g, const struct datum *row);
/* s's numeric sum += n (a sum or avg of a numeric). */
int numeric_sum_small(struct exec_ctx *x, struct agg_state *s,
		      const struct numeric_small *n);
/* Whether e is a sum or avg (not DISTINCT) of a numeric, which adds
 * small numerics on machine words (numeric_sum_small). */
bool agg_sums_numeric(const struct expr *e);
/* Adds one input row (env) to the state s of aggregate e. */
int agg_step_one(struct exec_ctx *x, const struct expr *e,
		 struct agg_state *s, const struct eval_env *env);

/* A full scan of one table as a morsel job on all cores (parallel.c).
 * Each core's worker has its own exec_ctx px (own arena with a share of
 * the statement's budget, own error) and calls row for every row the
 * statement sees that passes filter (NULL: every row; conjuncts over the
 * table's row, whose column 0 is scope slot base: vec_filter's batches
 * over a snapshot, else stage_check), with *state its own (NULL at
 * first: row makes it, in px->a); vals is valid during the call only. After the job the
 * submitting thread calls merge(x, arg, state) for every worker that ran,
 * before the workers' arenas are freed: it copies out what it keeps.
 * row must be safe to run on several cores at once (par_safe
 * expressions; shared structures only read). 0, or -EINVAL with x->err
 * set (the first worker's error). */
struct stage;
typedef int (*par_row_fn)(struct exec_ctx *px, void *arg, void **state,
			  uint64_t rowid, const struct datum *vals);
typedef int (*par_merge_fn)(struct exec_ctx *x, void *arg, void *state);
int par_scan(struct exec_ctx *x, struct table *t, const bool *cols,
	     const struct stage *filter, int base, par_row_fn row,
	     par_merge_fn merge, void *arg);
/* The same over rows[0..n), rows an intermediate result (read only):
 * row gets each with its index as the rowid. */
int par_batch(struct exec_ctx *x, const struct datum *const *rows, uint64_t n,
	     par_row_fn row, par_merge_fn merge, void *arg);
/* What each of n workers may allocate: an equal share of what is left
 * of x's statement budget (0: x's is unlimited), so that the statement
 * as a whole stays within it. */
size_t par_budget_share(const struct exec_ctx *x, unsigned n);
/* px: x for a worker, with an arena of its own (of budget) and its own
 * error. */
void par_ctx_init(struct exec_ctx *px, const struct exec_ctx *x,
		  struct arena *a, size_t budget, struct db_error *err);
/* Whether a scan of t is worth a job: at least parallel_threshold rows
 * (setting; 0: never), and not EXPLAIN. */
bool par_scan_wanted(struct exec_ctx *x, const struct table *t);
/* The columns mask[0..n) marks, as a list in x's arena, and their count
 * (*list NULL and 0 for mask NULL: all of them); -EINVAL without memory
 * (plan.c). For db_snapshot_row. */
int cols_list(struct exec_ctx *x, const bool *mask, int n, int **list);
/* n + 1 NULL datums in x's arena (NULL and x->err set without memory):
 * a row buffer db_snapshot_row fills only the read columns of. */
struct datum *row_buf(struct exec_ctx *x, int n);
/* The setting parallel_threshold (rows; 0: no job), 10000 if unset. */
uint64_t par_threshold(struct exec_ctx *x);
/* Whether n rows are worth a job: at least parallel_threshold (setting;
 * 0: never), and not EXPLAIN. */
bool par_rows_wanted(struct exec_ctx *x, uint64_t n);
/* Whether e can be evaluated on several cores at once. */
bool par_safe(const struct expr *e);

/* A row to sort: its output values and its ORDER BY keys (s->order). */
struct sort_row {
	struct datum *vals;
	struct datum *keys;
};
/* Sorts v[0..n) by s's ORDER BY keys, stably (sort.c): as a morsel job
 * when n is large (par_rows_wanted); only v[0..keep) need come out
 * sorted (a LIMIT: the rows after them are then undefined). 0, or
 * -EINVAL with x->err set (out of memory, a cancel). */
int sort_rows(struct exec_ctx *x, const struct select *s, struct sort_row *v,
	      uint64_t n, uint64_t keep);
/* Parallel sorts run so far (tests). */
uint64_t sort_jobs_run(void);
/* Parallel hash builds run so far (tests). */
uint64_t build_jobs_run(void);

/* A one-table grouped query, for the parallel operator (parallel.c). */
struct par_agg {
	struct table *t;
	const struct expr *where;
	struct expr **group;
	int ngroup;
	struct expr **aggs;
	int naggs;
	const bool *cols; /* the columns of t the query reads (NULL: all) */
};

/* Runs the scan, filter and hash aggregation of p as a morsel job over
 * the table's rows on all cores when the table has at least
 * parallel_threshold rows (setting; 0: never) and the query allows it;
 * *out gets the groups (states merged, not finalised) in the order the
 * serial path finds them. 1: done; 0: not taken (run the serial path);
 * -EINVAL: error in x->err. */
int par_aggregate(struct exec_ctx *x, const struct par_agg *p,
		  struct group **out, uint64_t *nout);
/* Parallel aggregations started so far (tests). */
uint64_t par_jobs_run(void);

/* The text elements of an array's text form '{a,"b c",NULL}'
 * (catalog_fn.c): calls each(x, elem, len, is_null, ctx) in order; the
 * element texts stay valid in x's arena. 22P02 if malformed. */
int array_elems(struct exec_ctx *x, const struct datum *arr,
		int (*each)(struct exec_ctx *x, const char *s, uint32_t n,
			    bool null, void *ctx),
		void *ctx);

/* Rows of a set-returning function in FROM (f->func; srf.c), one column
 * named by f->alias or the function; describe_only binds only. */
int srf_rows(struct exec_ctx *x, struct from_item *f, struct result *res);
/* VACUUM, ANALYZE: check the tables exist (vacuum.c). */
int exec_vacuum(struct exec_ctx *x, struct stmt *st, struct result *res);

/* EXPLAIN (explain.c). With x->explain set, exec_select in describe_only
 * mode keeps every bound SELECT (a copy of size bytes of q) for the plan
 * printer; select_view and select_src (select.c) describe one. */
int explain_keep(struct exec_ctx *x, const struct select *s, const struct sel *q,
		 size_t size);
struct sel_view {
	struct select *s;
	const struct scope *sc;
	bool grouped;
	struct expr **aggs;
	int naggs;
};
void select_view(const struct sel *q, struct sel_view *v);
/* FROM item i's table (NULL: a subquery, function or catalog relation);
 * *hashed: it is joined to the items before it by a hash join. */
struct table *select_src(const struct sel *q, int i, bool *hashed);
/* What a hash join of item i is keyed on: its ON, or the conjunct of
 * WHERE it took (which select.c also checks on the joined rows); NULL
 * for a nested loop. */
const struct expr *select_hash_cond(const struct sel *q, int i);
/* Where a SELECT applies the AND-ed conjuncts of its WHERE clause
 * (select.c, which says why): filters_split fills f in x's arena. A
 * stage is a list of conjuncts, all of which a row must pass. */
struct stage {
	const struct expr **v;
	int n;
};
struct filters {
	struct stage *scan;   /* [i]: on item i's own rows (base: its first) */
	struct stage *joined; /* [i]: on the rows once item i is joined */
	struct stage last;    /* on the rows of the whole FROM list */
};
int filters_split(struct exec_ctx *x, const struct sel *q, struct filters *f);

/* filter.c. Whether row (whose first datum is scope slot base) passes
 * every conjunct of st, into *ok. 0, or -EINVAL with x->err set. */
int stage_check(struct exec_ctx *x, const struct stage *st,
		const struct datum *row, int base, bool *ok);
/* The columns of a row of n (slots base..base + n) st reads, as
 * cols_list gives them. */
int stage_cols(struct exec_ctx *x, const struct stage *st, int base, int n,
	       int **list);
/* A batch of rows as column vectors: col[c][0..n) are column c's values
 * (scope slot base + c), for the columns a filter reads (NULL: not read);
 * row, of ncols datums (NULL where not read), is vec_filter's to gather
 * a row into. */
#define VEC_ROWS 256
struct vecs {
	int n, ncols, base;
	struct datum **col;
	struct datum *row;
};
/* Narrows sel[0..*n) (rows of b) to those that pass every conjunct of
 * st, in order: the rows, and the evaluations, of stage_check on each.
 * *n <= VEC_ROWS. 0, or -EINVAL with x->err set. */
int vec_filter(struct exec_ctx *x, const struct stage *st,
	       const struct vecs *b, uint16_t *sel, int *n);
/* Row k of b into b->row (the columns b has vectors of). */
void vecs_gather(const struct vecs *b, int k);
/* Batches vec_filter has filtered so far (tests). */
uint64_t vec_filter_batches(void);
/* Whether FROM item i's scan under the conjuncts scan runs as a morsel
 * job (after: for a probe streamed through the join, the filters of the
 * joined rows, which the workers then apply too; NULL: a plain scan). */
bool select_item_parallel(struct exec_ctx *x, const struct sel *q, int i,
			  const struct stage *scan, const struct stage *after);
/* An operator's SQL spelling: "+", "<>", "AND" (expr.c). */
const char *op_name(int op);
int exec_explain(struct exec_ctx *x, struct stmt *st, struct result *res);
/* Whether the parallel operator takes p (parallel.c; the one predicate). */
bool par_wanted(struct exec_ctx *x, const struct par_agg *p);

/* 42P01 "relation \"x\" does not exist" at pos. */
int no_relation(struct exec_ctx *x, const char *name, int pos);

#endif
