/* SPDX-License-Identifier: MIT */
/* snapshot.c: table snapshots over vm snapshots (see snapshot.h). */
#include "snapshot.h"

#include <string.h>
#include <unidb/errno.h>
#include <unidb/heap.h>
#include <unidb/vm.h>

#include "../txn/txn.h"

static void release_tables(struct db_snapshot *s, int n)
{
	int i;

	for (i = 0; i < n; i++) {
		vm_snapshot_destroy(s->t[i].area, 0);
		tmem_put(s->t[i].mem);
	}
}

static int take_one(struct table *t, unsigned vm_flags, struct snap_table *st)
{
	struct vm_area *live = tmem_area(t->mem);

	st->area = vm_snapshot(live, vm_flags);
	if (!st->area)
		return -EBUSY; /* or no memory; vm.h does not tell them apart */
	memcpy(st->name, t->name, sizeof(st->name));
	st->ncols = t->ncols;
	st->nslots = t->nslots;
	st->nlive = t->nlive;
	st->chunks = (struct row *const *const *)t->chunks;
	st->live_base = (uintptr_t)vm_area_base(live);
	st->snap_base = (uintptr_t)vm_area_base(st->area);
	st->mem = t->mem;
	tmem_get(t->mem);
	return 0;
}

int db_snapshot_take_locked(struct db *db, const char *const *names, int n,
			    unsigned vm_flags, struct db_snapshot **out)
{
	struct db_snapshot *s;
	int i, r = 0, cap;

	*out = NULL;
	if (n < 0)
		return -EINVAL;
	/* room for every table there is, for db_snapshot_extend_locked */
	cap = n > db->ntables ? n : db->ntables;
	s = kzalloc(sizeof(*s) + sizeof(s->t[0]) * (size_t)cap);
	if (!s)
		return -ENOMEM;
	s->cap = cap;
	for (i = 0; i < n && r == 0; i++) {
		struct table *t = db_find_table(db, names[i]);

		r = t ? take_one(t, vm_flags, &s->t[i]) : -ENOENT;
	}
	if (r < 0) {
		release_tables(s, i - 1);
		kfree(s);
		return r;
	}
	s->n = n;
	*out = s;
	return 0;
}

int db_snapshot_take_all_locked(struct db *db, unsigned vm_flags,
				struct db_snapshot **out)
{
	const char **names = kmalloc(sizeof(*names) * (size_t)(db->ntables + 1));
	int i, r;

	*out = NULL;
	if (!names)
		return -ENOMEM;
	for (i = 0; i < db->ntables; i++)
		names[i] = db->tables[i]->name;
	r = db_snapshot_take_locked(db, names, db->ntables, vm_flags, out);
	kfree(names);
	return r;
}

int db_snapshot_extend_locked(struct db *db, struct db_snapshot *s,
			      const char *const *names, int n,
			      unsigned vm_flags)
{
	int i, added = 0;

	for (i = 0; i < n && s->n < s->cap; i++) {
		struct table *t = db_find_table(db, names[i]);

		if (!t || db_snapshot_find(s, t) >= 0 ||
		    take_one(t, vm_flags, &s->t[s->n]) < 0)
			continue;
		__atomic_store_n(&s->n, s->n + 1, __ATOMIC_RELEASE);
		added++;
	}
	return added;
}

int db_snapshot_find(const struct db_snapshot *s, const struct table *t)
{
	int i, n = s ? __atomic_load_n(&s->n, __ATOMIC_ACQUIRE) : 0;

	for (i = 0; i < n; i++)
		if (s->t[i].mem == t->mem)
			return s->t[i].ncols == t->ncols ? i : -1;
	return -1;
}

int db_snapshot_take(struct db *db, const char *const *names, int n,
		     unsigned vm_flags, struct db_snapshot **out)
{
	int r;

	rwlock_read_lock(&db->lock);
	r = db_snapshot_take_locked(db, names, n, vm_flags, out);
	rwlock_read_unlock(&db->lock);
	return r;
}

void db_snapshot_release(struct db_snapshot *s)
{
	if (!s)
		return;
	release_tables(s, s->n);
	kfree(s->done);
	kfree(s);
}

static bool is_done(const struct db_snapshot *s, uint64_t xid)
{
	int lo = 0, hi = s->ndone;

	while (lo < hi) {
		int mid = (lo + hi) / 2;

		if (s->done[mid] == xid)
			return true;
		if (s->done[mid] < xid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return false;
}

/* Whether the copy of a version stamped st is in the snapshot. The copy
 * is immutable, so a plain load suffices. */
static bool visible(const struct db_snapshot *s, uint64_t st)
{
	if (!s->S)
		return true;
	if (st & TXN_OWNER)
		return is_done(s, st & ~TXN_OWNER);
	return st <= s->S;
}

/* The version of the row in slot of chunk the snapshot sees (translated),
 * NULL if none. */
static const struct row *version_of(const struct db_snapshot *s,
				    const struct snap_table *st,
				    struct row *const *chunk, uint64_t slot)
{
	const struct row *r = tmem_xlate(chunk[slot], st->live_base,
					 st->snap_base);

	while (r && !visible(s, r->stamp))
		r = tmem_xlate(r->older, st->live_base, st->snap_base);
	return r && !(s->S && r->dead) ? r : NULL;
}

/* Column k of version r as the reader gets it: NULL past the row's
 * columns, strings translated. */
static inline struct datum value_of(const struct snap_table *st,
				    const struct row *r, int k)
{
	struct datum d;

	if (k >= r->ncols)
		return (struct datum){.null = true};
	d = r->vals[k];
	if (row_datum_has_bytes(&d))
		d.s = tmem_xlate(d.s, st->live_base, st->snap_base);
	return d;
}

int db_snapshot_versions(const struct db_snapshot *s, int i, uint64_t first,
			 uint64_t end, const struct row **rows, uint64_t *ids)
{
	const struct snap_table *st = &s->t[i];
	struct row *const *const *dir;
	struct row *const *chunk = NULL;
	uint64_t id;
	int n = 0;

	if (end > st->nslots)
		end = st->nslots;
	dir = tmem_xlate(st->chunks, st->live_base, st->snap_base);
	for (id = first; id < end; id++) {
		if (!chunk || id % TABLE_CHUNK_ROWS == 0)
			chunk = tmem_xlate(dir[id / TABLE_CHUNK_ROWS],
					   st->live_base, st->snap_base);
		if ((rows[n] = version_of(s, st, chunk, id % TABLE_CHUNK_ROWS)))
			ids[n++] = id;
	}
	return n;
}

void db_snapshot_column(const struct db_snapshot *s, int i,
			const struct row *const *rows, int n, int c,
			struct datum *vec)
{
	const struct snap_table *st = &s->t[i];
	int k;

	for (k = 0; k < n; k++)
		vec[k] = value_of(st, rows[k], c);
}

int db_snapshot_values(const struct db_snapshot *s, int i,
		       const struct row *r, struct datum *vals, int max,
		       const int *cols, int ncols)
{
	const struct snap_table *st = &s->t[i];
	int j, k, n = r->ncols < max ? r->ncols : max;

	if (!cols)
		ncols = max;
	for (j = 0; j < ncols; j++) {
		k = cols ? cols[j] : j;
		vals[k] = value_of(st, r, k);
	}
	return n;
}

int db_snapshot_row(const struct db_snapshot *s, int i, uint64_t rowid,
		    struct datum *vals, int max, const int *cols, int ncols)
{
	const struct snap_table *st = &s->t[i];
	struct row *const *const *dir;
	const struct row *r;

	if (rowid >= st->nslots)
		return 0;
	dir = tmem_xlate(st->chunks, st->live_base, st->snap_base);
	r = version_of(s, st,
		       tmem_xlate(dir[rowid / TABLE_CHUNK_ROWS], st->live_base,
				  st->snap_base),
		       rowid % TABLE_CHUNK_ROWS);
	return r ? db_snapshot_values(s, i, r, vals, max, cols, ncols) : 0;
}
