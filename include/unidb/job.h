/* SPDX-License-Identifier: MIT */
/* job.h: parallel jobs made of morsels (morsel-driven parallelism).
 *
 * A job is `items` units of work and a function that processes a range of
 * them. The submitter does not choose a degree of parallelism: every core
 * has one job worker, and the scheduler sends it to the highest-priority
 * job with work left whenever that core has nothing else to run. So a job
 * widens when cores become idle, and its workers move to a job of higher
 * priority between two morsels when one arrives. A worker is a background
 * thread (thread.h): a thread woken on its core runs at once, and the
 * morsel goes on when that thread waits again, so sessions come first. Morsels start small and
 * are sized from the measured cost per item so that each takes about
 * JOB_MORSEL_NS, and shrink at the end so that workers finish together. */
#ifndef UNIDB_JOB_H
#define UNIDB_JOB_H

#include <stdint.h>

#define JOB_MORSEL_NS 500000 /* target duration of one morsel */

struct job;

/* Processes items [begin, end). Runs on a worker pinned to its core:
 * cpu_id() is stable during the call and differs between calls that run
 * at the same time, so per-core partial results need no locks. */
typedef void (*job_run_fn)(void *arg, uint64_t begin, uint64_t end);

struct job_stats {
	uint64_t morsels;      /* ranges handed out */
	uint64_t morsel_min;   /* smallest and largest range, in items */
	uint64_t morsel_max;
	unsigned workers_max;  /* most workers at the same time */
	uint64_t cpu_mask;     /* cores 0-63 that processed a morsel (bit n:
				* core n; cores from 64 on are not shown) */
	uint64_t ns;	       /* from start to the last item done */
};

/* Starts a job of `items` items at `priority` (higher runs first; 0 is
 * normal). finish(arg), if not NULL, runs once after the last item, on
 * the worker that did it. Returns NULL without memory or for items == 0.
 * Does not block. */
struct job *job_start(const char *name, uint64_t items, job_run_fn run,
		      void (*finish)(void *arg), void *arg, int priority);

/* Waits until the job is done (finish() included), fills *stats if not
 * NULL and frees the job. May sleep. Returns 0. */
int job_wait(struct job *j, struct job_stats *stats);

/* Items done so far (for progress reports and tests). */
uint64_t job_progress(const struct job *j);

#endif
