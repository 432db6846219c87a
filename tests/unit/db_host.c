/* SPDX-License-Identifier: MIT */
/* db_host.c: host stand-ins for the parts of include/unidb/ that db/ uses.
 *
 * kmalloc and friends are malloc (with kmalloc's size limit, so a db/
 * path that would fail in the kernel fails here too); the reader-writer
 * lock, mutexes and condition variables are built from one pthread mutex
 * and condition variable. Used by the
 * db unit tests and by the host server build/host/unidb-pg. */
#include <pthread.h>
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

/* pg_sleep's slices (db/exec/timeout.c); the guest's is the scheduler's. */
void db_sleep_ns(uint64_t ns)
{
	struct timespec ts = {(time_t)(ns / 1000000000u),
			      (long)(ns % 1000000000u)};

	while (nanosleep(&ts, &ts) != 0)
		;
}
