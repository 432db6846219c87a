/* SPDX-License-Identifier: MIT */
/* sort.c: ORDER BY: a stable merge sort of rows by their ORDER BY keys,
 * as a morsel job on all cores when there are many rows, and top-N: with
 * a LIMIT only the first `keep` rows come out sorted.
 *
 * NULLs sort as larger than any value unless NULLS FIRST/LAST says
 * otherwise (PostgreSQL's default). Stability makes the result the same
 * however the rows are cut into runs, so serial and parallel sorts agree
 * row for row.
 *
 * The parallel sort cuts the rows into runs, sorts every run as one item
 * of a job, then merges pairs of neighbouring runs level by level, each
 * level a job again (its items: the pairs), alternating between the rows
 * and a scratch array of the same size. With a LIMIT, a run keeps only
 * its first `keep` rows and a merge stops after `keep` rows: a row that
 * is not among the first `keep` of its run cannot be among the first
 * `keep` of all rows. Comparing keys (datum_cmp) reads the rows only, so
 * workers share nothing they write. */
#include <string.h>
#include <unidb/errno.h>
#include <unidb/job.h>

#include "internal.h"

#define SORT_RUN_MIN 4096 /* rows per run of the parallel sort, at least */
#define SORT_RUNS_MAX 64

static uint64_t sort_jobs; /* atomic */

uint64_t sort_jobs_run(void)
{
	return __atomic_load_n(&sort_jobs, __ATOMIC_RELAXED);
}

static int key_cmp(const struct select *s, const struct sort_row *a,
		   const struct sort_row *b)
{
	int i;

	for (i = 0; i < s->norder; i++) {
		const struct order_item *o = &s->order[i];
		const struct datum *x = &a->keys[i], *y = &b->keys[i];
		bool nf = o->nulls_first < 0 ? o->desc : o->nulls_first;
		int c;

		if (x->null || y->null) {
			if (x->null && y->null)
				continue;
			return x->null == nf ? -1 : 1;
		}
		c = datum_cmp(x, y);
		if (c)
			return o->desc ? -c : c;
	}
	return 0;
}

/* Merges sorted a[0..na) and b[0..nb) (a's rows came first) into out,
 * at most keep rows; returns how many. Ties take a's row: stable. */
static uint64_t merge(const struct select *s, const struct sort_row *a,
		      uint64_t na, const struct sort_row *b, uint64_t nb,
		      struct sort_row *out, uint64_t keep)
{
	uint64_t i = 0, j = 0, k = 0;

	while (k < keep && i < na && j < nb)
		out[k++] = key_cmp(s, &b[j], &a[i]) < 0 ? b[j++] : a[i++];
	while (k < keep && i < na)
		out[k++] = a[i++];
	while (k < keep && j < nb)
		out[k++] = b[j++];
	return k;
}

/* Stable merge sort of v[0..n) (tmp: scratch of n). */
static void merge_sort(const struct select *s, struct sort_row *v,
		       struct sort_row *tmp, uint64_t n)
{
	uint64_t m = n / 2;

	if (n < 2)
		return;
	merge_sort(s, v, tmp, m);
	merge_sort(s, v + m, tmp, n - m);
	merge(s, v, m, v + m, n - m, tmp, n);
	memcpy(v, tmp, sizeof(*v) * n);
}

/* The parallel sort's state: run r starts at at[r] (in both arrays) and
 * holds len[r] sorted rows, in src; a level writes its merges into dst. */
struct psort {
	const struct select *s;
	struct sort_row *src, *dst;
	uint64_t at[SORT_RUNS_MAX + 1], len[SORT_RUNS_MAX];
	unsigned nruns, step; /* a level merges run r with run r + step */
	uint64_t keep;
};

static void sort_runs(void *arg, uint64_t begin, uint64_t end)
{
	struct psort *p = arg;

	for (uint64_t r = begin; r < end; r++) {
		merge_sort(p->s, p->src + p->at[r], p->dst + p->at[r],
			   p->at[r + 1] - p->at[r]);
		if (p->len[r] > p->keep)
			p->len[r] = p->keep;
	}
}

/* Item i merges run 2 * step * i with its neighbour step runs on. */
static void merge_pairs(void *arg, uint64_t begin, uint64_t end)
{
	struct psort *p = arg;

	for (uint64_t i = begin; i < end; i++) {
		unsigned a = (unsigned)(2 * p->step * i), b = a + p->step;
		uint64_t at = p->at[a];

		if (b >= p->nruns) { /* no neighbour: carried over */
			memcpy(p->dst + at, p->src + at,
			       sizeof(*p->dst) * p->len[a]);
			continue;
		}
		p->len[a] = merge(p->s, p->src + at, p->len[a],
				  p->src + p->at[b], p->len[b], p->dst + at,
				  p->keep);
	}
}

static void run_job(const char *name, uint64_t items, job_run_fn fn,
		    struct psort *p)
{
	struct job *j = items > 1 ? job_start(name, items, fn, NULL, p, 0)
				  : NULL;

	if (j)
		job_wait(j, NULL);
	else
		fn(p, 0, items); /* one item, or no memory for a job */
}

/* Returns where the sorted rows ended up (v or tmp). */
static struct sort_row *par_sort(const struct select *s, struct sort_row *v,
				 struct sort_row *tmp, uint64_t n,
				 uint64_t keep)
{
	struct psort p = {.s = s, .src = v, .dst = tmp, .keep = keep};
	uint64_t r;

	p.nruns = (unsigned)(n / SORT_RUN_MIN);
	if (p.nruns > SORT_RUNS_MAX)
		p.nruns = SORT_RUNS_MAX;
	for (r = 0; r <= p.nruns; r++)
		p.at[r] = n * r / p.nruns;
	for (r = 0; r < p.nruns; r++)
		p.len[r] = p.at[r + 1] - p.at[r];
	__atomic_fetch_add(&sort_jobs, 1, __ATOMIC_RELAXED);
	run_job("db-sort", p.nruns, sort_runs, &p);
	for (p.step = 1; p.step < p.nruns; p.step *= 2) {
		uint64_t pairs = (p.nruns + 2 * p.step - 1) / (2 * p.step);

		run_job("db-merge", pairs, merge_pairs, &p);
		struct sort_row *t = p.src;
		p.src = p.dst;
		p.dst = t;
	}
	return p.src;
}

int sort_rows(struct exec_ctx *x, const struct select *s, struct sort_row *v,
	      uint64_t n, uint64_t keep)
{
	struct sort_row *tmp, *out;

	if (n < 2 || !s->norder)
		return 0;
	tmp = arena_alloc(x->a, sizeof(*tmp) * n);
	if (!tmp)
		return db_err_oom(x->err);
	if (keep > n)
		keep = n;
	if (n < 2 * SORT_RUN_MIN || !par_rows_wanted(x, n))
		merge_sort(s, v, tmp, n);
	else if ((out = par_sort(s, v, tmp, n, keep)) != v)
		memcpy(v, out, sizeof(*v) * keep);
	return exec_check_interrupt(x) < 0 ? -EINVAL : 0;
}
