/* SPDX-License-Identifier: MIT */
/* db_host.c: host stand-ins for the parts of include/unidb/ that db/ uses.
 *
 * kmalloc and friends are malloc (with kmalloc's size limit, so a db/
 * path that would fail in the kernel fails here too); the reader-writer
 * lock, mutexes and condition variables are built from one pthread mutex
 * and condition variable. Used by the
 * db unit tests and by the host server build/host/unidb-pg. */
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <unidb/heap.h>
#include <time.h>
#include <unidb/sync.h>
#include <unidb/time.h>

#include "../../db/exec/exec.h"

void *kmalloc(size_t size)
{
	return size > KMALLOC_MAX ? NULL : malloc(size ? size : 1);
}

void *kzalloc(size_t size)
{
	return size > KMALLOC_MAX ? NULL : calloc(1, size ? size : 1);
}

void *kcalloc(size_t n, size_t size)
{
	if (size && n > KMALLOC_MAX / size)
		return NULL;
	return kzalloc(n * size);
}

void *krealloc(void *p, size_t size)
{
	if (size == 0) {
		free(p);
		return NULL;
	}
	return size > KMALLOC_MAX ? NULL : realloc(p, size);
}

void kfree(void *p)
{
	free(p);
}

static pthread_mutex_t rw_mutex = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t rw_cond = PTHREAD_COND_INITIALIZER;

void rwlock_init(struct rwlock *l)
{
	memset(l, 0, sizeof(*l));
}

void rwlock_read_lock(struct rwlock *l)
{
	pthread_mutex_lock(&rw_mutex);
	while (l->writer || l->writers_waiting)
		pthread_cond_wait(&rw_cond, &rw_mutex);
	l->readers++;
	pthread_mutex_unlock(&rw_mutex);
}

void rwlock_read_unlock(struct rwlock *l)
{
	pthread_mutex_lock(&rw_mutex);
	if (--l->readers == 0)
		pthread_cond_broadcast(&rw_cond);
	pthread_mutex_unlock(&rw_mutex);
}

void rwlock_write_lock(struct rwlock *l)
{
	pthread_mutex_lock(&rw_mutex);
	l->writers_waiting++;
	while (l->writer || l->readers)
		pthread_cond_wait(&rw_cond, &rw_mutex);
	l->writers_waiting--;
	l->writer = true;
	pthread_mutex_unlock(&rw_mutex);
}

void rwlock_write_unlock(struct rwlock *l)
{
	pthread_mutex_lock(&rw_mutex);
	l->writer = false;
	pthread_cond_broadcast(&rw_cond);
	pthread_mutex_unlock(&rw_mutex);
}

/* Mutexes and condition variables share the one pthread mutex and
 * condition above: every wake-up is a broadcast, which sync.h allows
 * (waiters re-check their condition), and a condvar_wait that releases m
 * and sleeps under the same pthread mutex cannot miss a signal. */
void mutex_init(struct mutex *m, const char *name)
{
	memset(m, 0, sizeof(*m));
	m->name = name;
}

void mutex_lock(struct mutex *m)
{
	pthread_mutex_lock(&rw_mutex);
	while (m->owner)
		pthread_cond_wait(&rw_cond, &rw_mutex);
	m->owner = 1;
	pthread_mutex_unlock(&rw_mutex);
}

bool mutex_trylock(struct mutex *m)
{
	bool got;

	pthread_mutex_lock(&rw_mutex);
	got = !m->owner;
	if (got)
		m->owner = 1;
	pthread_mutex_unlock(&rw_mutex);
	return got;
}

void mutex_unlock(struct mutex *m)
{
	pthread_mutex_lock(&rw_mutex);
	if (!m->owner)
		abort();
	m->owner = 0;
	pthread_cond_broadcast(&rw_cond);
	pthread_mutex_unlock(&rw_mutex);
}

void condvar_init(struct condvar *c)
{
	memset(c, 0, sizeof(*c));
}

void condvar_wait(struct condvar *c, struct mutex *m)
{
	(void)c;
	pthread_mutex_lock(&rw_mutex);
	m->owner = 0;
	pthread_cond_broadcast(&rw_cond);
	pthread_cond_wait(&rw_cond, &rw_mutex);
	while (m->owner)
		pthread_cond_wait(&rw_cond, &rw_mutex);
	m->owner = 1;
	pthread_mutex_unlock(&rw_mutex);
}

/* As condvar_wait, with a deadline for the one sleep. */
void condvar_wait_ns(struct condvar *c, struct mutex *m, uint64_t ns)
{
	struct timespec ts;
	uint64_t at;

	(void)c;
	clock_gettime(CLOCK_REALTIME, &ts);
	at = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec + ns;
	ts.tv_sec = (time_t)(at / 1000000000u);
	ts.tv_nsec = (long)(at % 1000000000u);
	pthread_mutex_lock(&rw_mutex);
	m->owner = 0;
	pthread_cond_broadcast(&rw_cond);
	pthread_cond_timedwait(&rw_cond, &rw_mutex, &ts);
	while (m->owner)
		pthread_cond_wait(&rw_cond, &rw_mutex);
	m->owner = 1;
	pthread_mutex_unlock(&rw_mutex);
}

void condvar_signal(struct condvar *c)
{
	condvar_broadcast(c);
}

void condvar_broadcast(struct condvar *c)
{
	(void)c;
	pthread_mutex_lock(&rw_mutex);
	pthread_cond_broadcast(&rw_cond);
	pthread_mutex_unlock(&rw_mutex);
}

uint64_t time_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* ---- vm areas, jobs and the rest that db/storage and db/exec use ------
 *
 * vm areas are anonymous mmap()s (MAP_NORESERVE: reserving is free, pages
 * are backed on first touch, as in the kernel). A snapshot is a plain
 * copy of the source's resident pages (mincore) into a new mapping made
 * read-only: the same contract as vm_snapshot() (a point-in-time copy at
 * another address) without copy-on-write, which is the kernel's business
 * and is tested there. vm_stats counts areas and resident frames. */
#include <stdarg.h>
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>
#include <unidb/cpu.h>
#include <unidb/errno.h>
#include <unidb/job.h>
#include <unidb/panic.h>
#include <unidb/vm.h>

void panic(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	abort();
}

struct vm_area {
	char *base;
	uint64_t size;
	bool is_snapshot;
	struct vm_area *snap; /* the live snapshot of this area */
	struct vm_area *src;  /* of a snapshot: its source */
	struct vm_area *next; /* all areas */
};

static pthread_mutex_t vm_mutex = PTHREAD_MUTEX_INITIALIZER;
static struct vm_area *vm_list;

static struct vm_area *area_map(uint64_t size)
{
	struct vm_area *a = calloc(1, sizeof(*a));

	size = (size + 4095) & ~(uint64_t)4095;
	if (!a)
		return NULL;
	a->base = mmap(NULL, size, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (a->base == MAP_FAILED) {
		free(a);
		return NULL;
	}
	a->size = size;
	pthread_mutex_lock(&vm_mutex);
	a->next = vm_list;
	vm_list = a;
	pthread_mutex_unlock(&vm_mutex);
	return a;
}

static void area_unmap(struct vm_area *a)
{
	struct vm_area **p;

	pthread_mutex_lock(&vm_mutex);
	for (p = &vm_list; *p != a; p = &(*p)->next)
		;
	*p = a->next;
	pthread_mutex_unlock(&vm_mutex);
	munmap(a->base, a->size);
	free(a);
}

struct vm_area *vm_area_create(uint64_t size, unsigned flags)
{
	return size && !flags ? area_map(size) : NULL;
}

int vm_area_destroy(struct vm_area *area)
{
	if (!area)
		return -EINVAL;
	area_unmap(area);
	return 0;
}

void *vm_area_base(const struct vm_area *area)
{
	return area ? area->base : NULL;
}

uint64_t vm_area_size(const struct vm_area *area)
{
	return area ? area->size : 0;
}

int vm_unmap(struct vm_area *area, uint64_t offset, uint64_t len)
{
	if (!area || !len || (offset | len) & 4095 || offset + len > area->size)
		return -EINVAL;
	if (area->snap || area->is_snapshot)
		return -EBUSY;
	return madvise(area->base + offset, len, MADV_DONTNEED) ? -EINVAL : 0;
}

/* mmap'd memory is demand-zero already: checks the arguments only. */
int vm_populate(struct vm_area *area, uint64_t offset, uint64_t len)
{
	if (!area || !len || (offset | len) & 4095 || offset + len > area->size)
		return -EINVAL;
	return area->snap || area->is_snapshot ? -EBUSY : 0;
}

/* Resident pages of a (under vm_mutex), copied to copy_to if not NULL. */
static uint64_t resident(struct vm_area *a, struct vm_area *copy_to)
{
	const uint64_t step = (uint64_t)1 << 30;
	static unsigned char vec[(1 << 30) / 4096];
	uint64_t off, k, n = 0;

	for (off = 0; off < a->size; off += step) {
		uint64_t len = a->size - off < step ? a->size - off : step;

		if (mincore(a->base + off, len, vec))
			continue;
		for (k = 0; k < len / 4096; k++) {
			if (!(vec[k] & 1))
				continue;
			n++;
			if (copy_to)
				memcpy(copy_to->base + off + k * 4096,
				       a->base + off + k * 4096, 4096);
		}
	}
	return n;
}

struct vm_area *vm_snapshot(struct vm_area *src, unsigned flags)
{
	struct vm_area *s;

	if (!src || src->is_snapshot || src->snap || flags & ~0xfu)
		return NULL;
	s = area_map(src->size);
	if (!s)
		return NULL;
	pthread_mutex_lock(&vm_mutex); /* one copier at a time (vec) */
	resident(src, s);
	pthread_mutex_unlock(&vm_mutex);
	mprotect(s->base, s->size, PROT_READ);
	s->is_snapshot = true;
	src->snap = s;
	s->src = src;
	return s;
}

int vm_snapshot_destroy(struct vm_area *snap, unsigned flags)
{
	if (!snap || !snap->is_snapshot || flags & ~1u)
		return -EINVAL;
	snap->src->snap = NULL;
	area_unmap(snap);
	return 0;
}

void vm_stats(struct vm_stats *st)
{
	struct vm_area *a;

	memset(st, 0, sizeof(*st));
	pthread_mutex_lock(&vm_mutex);
	for (a = vm_list; a; a = a->next) {
		st->areas++;
		st->frames += resident(a, NULL);
	}
	pthread_mutex_unlock(&vm_mutex);
}

/* Jobs: JOB_HOST_WORKERS pthreads take fixed morsels with a fetch-and-add;
 * host_cpu_id() is the worker's index (the submitting thread is 0 outside
 * jobs, which db/ never relies on). */
#define JOB_HOST_WORKERS 4
#define JOB_HOST_MORSEL 4096

struct job {
	uint64_t items, next, done;
	job_run_fn run;
	void (*finish)(void *arg);
	void *arg;
	pthread_t th[JOB_HOST_WORKERS];
	struct job_stats stats;
};

static __thread unsigned host_worker_id;

unsigned host_cpu_id(void)
{
	return host_worker_id;
}

unsigned cpu_count(void)
{
	return JOB_HOST_WORKERS;
}

struct job_worker {
	struct job *j;
	unsigned id;
};

static void *job_worker(void *p)
{
	struct job_worker *w = p;
	struct job *j = w->j;
	uint64_t b;

	host_worker_id = w->id;
	while ((b = __atomic_fetch_add(&j->next, JOB_HOST_MORSEL,
				       __ATOMIC_RELAXED)) < j->items) {
		uint64_t e = b + JOB_HOST_MORSEL < j->items ? b + JOB_HOST_MORSEL
							    : j->items;

		j->run(j->arg, b, e);
		__atomic_fetch_or(&j->stats.cpu_mask, 1ull << w->id,
				  __ATOMIC_RELAXED);
		__atomic_fetch_add(&j->stats.morsels, 1, __ATOMIC_RELAXED);
		if (__atomic_add_fetch(&j->done, e - b, __ATOMIC_ACQ_REL) ==
			j->items &&
		    j->finish)
			j->finish(j->arg);
	}
	free(w);
	return NULL;
}

struct job *job_start(const char *name, uint64_t items, job_run_fn run,
		      void (*finish)(void *arg), void *arg, int priority)
{
	struct job *j = items ? calloc(1, sizeof(*j)) : NULL;
	unsigned i;

	(void)name;
	(void)priority;
	if (!j)
		return NULL;
	j->items = items;
	j->run = run;
	j->finish = finish;
	j->arg = arg;
	j->stats.workers_max = JOB_HOST_WORKERS;
	for (i = 0; i < JOB_HOST_WORKERS; i++) {
		struct job_worker *w = malloc(sizeof(*w));

		if (!w)
			abort();
		w->j = j;
		w->id = i;
		if (pthread_create(&j->th[i], NULL, job_worker, w))
			abort();
	}
	return j;
}

int job_wait(struct job *j, struct job_stats *stats)
{
	unsigned i;

	for (i = 0; i < JOB_HOST_WORKERS; i++)
		pthread_join(j->th[i], NULL);
	if (stats)
		*stats = j->stats;
	free(j);
	return 0;
}

uint64_t job_progress(const struct job *j)
{
	return __atomic_load_n(&j->done, __ATOMIC_RELAXED);
}

/* pg_sleep's slices (db/exec/timeout.c); the guest's is the scheduler's. */
void db_sleep_ns(uint64_t ns)
{
	struct timespec ts = {(time_t)(ns / 1000000000u),
			      (long)(ns % 1000000000u)};

	while (nanosleep(&ts, &ts) != 0)
		;
}

void db_yield(void)
{
	sched_yield();
}

bool db_background(bool on)
{
	(void)on;
	return false;
}

unsigned db_cores(void)
{
	return 1;
}

uint64_t db_idle_ns(void)
{
	return 0;
}

int64_t time_wall_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}
