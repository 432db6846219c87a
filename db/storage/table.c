/* SPDX-License-Identifier: MIT */
/* table.c: catalog, chunked row heap and primary-key hash index (see
 * table.h for the design and the locking). */
#include "table.h"

#include <stdio.h>
#include <string.h>
#include <unidb/errno.h>
#include <unidb/heap.h>

#include "../txn/htap.h"
#include "../txn/txn.h"

void db_init(struct db *db)
{
	memset(db, 0, sizeof(*db));
	rwlock_init(&db->lock);
	db->next_oid = 16384; /* PostgreSQL's FirstNormalObjectId */
	db->txm = txn_mgr_new();
	db->htap = htap_new();
}

void db_destroy(struct db *db)
{
	int i;

	for (i = 0; i < db->ntables; i++)
		table_free(db->tables[i]);
	db->ntables = 0;
	htap_free(db->htap);
	db->htap = NULL;
	txn_mgr_free(db->txm);
	db->txm = NULL;
	seq_free_all(db);
}

struct table *db_find_table(struct db *db, const char *name)
{
	int i;

	for (i = 0; i < db->ntables; i++)
		if (strcmp(db->tables[i]->name, name) == 0)
			return db->tables[i];
	return NULL;
}

int db_add_table(struct db *db, struct table *t, struct db_error *err)
{
	if (db_find_table(db, t->name))
		return db_err(err, "42P07", "relation \"%s\" already exists",
			      t->name);
	if (db->ntables == CATALOG_MAX_TABLES)
		return db_err(err, "54000", "too many tables (at most %d)",
			      CATALOG_MAX_TABLES);
	t->oid = db->next_oid;
	db->next_oid += 2; /* the table and its primary-key index */
	db->tables[db->ntables++] = t;
	return 0;
}

void db_drop_table(struct db *db, struct table *t)
{
	int i;

	for (i = 0; i < db->ntables; i++) {
		if (db->tables[i] == t) {
			db->tables[i] = db->tables[--db->ntables];
			break;
		}
	}
	table_free(t);
}

struct table *table_new(const char *name, int ncols)
{
	struct table *t = kzalloc(sizeof(*t));

	if (!t)
		return NULL;
	t->cols = kcalloc((size_t)ncols, sizeof(*t->cols));
	t->mem = t->cols ? tmem_new() : NULL;
	if (!t->mem) {
		kfree(t->cols);
		kfree(t);
		return NULL;
	}
	snprintf(t->name, sizeof(t->name), "%s", name);
	t->ncols = ncols;
	return t;
}

void row_free(struct table *t, struct row *r)
{
	tmem_free(t->mem, r);
}

void row_free_chain(struct table *t, struct row *r)
{
	while (r) {
		struct row *older = r->older;

		row_free(t, r);
		r = older;
	}
}

void table_truncate(struct table *t)
{
	/* Rows, chunks and index nodes are all in t->mem: one reset frees
	 * them (and returns the frames unless a snapshot shares them). */
	index_clear(t);
	tmem_reset(t->mem);
	btree_init_in(&t->pk_index, t->pk_index.nkey, t->mem);
	t->chunks = NULL;
	t->nchunks = t->nslots = t->nlive = t->nversions = 0;
}

void table_free(struct table *t)
{
	int i;

	if (!t)
		return;
	table_truncate(t);
	index_free_all(t);
	for (i = 0; i < t->ncols; i++)
		kfree(t->cols[i].def_src);
	kfree(t->cols);
	tmem_put(t->mem);
	kfree(t->dirty);
	kfree(t);
}

struct row *table_row(const struct table *t, uint64_t rowid)
{
	if (rowid >= t->nslots)
		return NULL;
	return t->chunks[rowid / TABLE_CHUNK_ROWS][rowid % TABLE_CHUNK_ROWS];
}

struct row *row_copy(const struct datum *vals, int n)
{
	return row_copy_in(NULL, vals, n);
}

/* One block: header, datums, then the string bytes they point to. */
struct row *row_copy_in(struct tmem *m, const struct datum *vals, int n)
{
	size_t size = sizeof(struct row) + sizeof(struct datum) * (size_t)n;
	struct row *r;
	char *p;
	int i;

	for (i = 0; i < n; i++)
		if (row_datum_has_bytes(&vals[i]))
			size += vals[i].len;
	r = tmem_alloc(m, size);
	if (!r)
		return NULL;
	r->size = (uint32_t)size;
	r->ncols = (uint16_t)n;
	r->dead = false;
	r->stamp = 0;
	r->older = NULL;
	p = (char *)&r->vals[n];
	for (i = 0; i < n; i++) {
		r->vals[i] = vals[i];
		if (row_datum_has_bytes(&vals[i])) {
			memcpy(p, vals[i].s, vals[i].len);
			r->vals[i].s = p;
			p += vals[i].len;
		}
	}
	return r;
}

/* The primary-key columns of a full row, in pk order. */
static void pk_of(const struct table *t, const struct datum *vals,
		  struct datum *key)
{
	int k;

	for (k = 0; k < t->npk; k++)
		key[k] = vals[t->pk[k]];
}

int64_t table_pk_lookup(const struct table *t, const struct datum *key)
{
	return t->npk ? btree_lookup(&t->pk_index, key) : -1;
}

static int dup_key(const struct table *t, const struct datum *vals,
		   bool building, struct db_error *err)
{
	return index_dup_error(t, table_pk_name(t), t->pk, t->npk, vals,
			       building, err);
}

/* PostgreSQL's default name of a primary key, when none was given. */
static void name_pk(struct table *t)
{
	if (!t->pk_name[0])
		snprintf(t->pk_name, sizeof(t->pk_name), "%.58s_pkey", t->name);
}

int table_dup_key_err(const struct table *t, const struct datum *vals,
		      struct db_error *err)
{
	dup_key(t, vals, false, err);
	return -EINVAL;
}

/* Enters rowid under the key in vals; 23505 if another row has it. */
static int pk_add(struct table *t, const struct datum *vals, uint64_t rowid,
		  struct db_error *err)
{
	struct datum key[TABLE_MAX_PK];
	int r;

	if (!t->npk)
		return 0;
	if (!t->pk_index.nkey) {
		btree_init_in(&t->pk_index, t->npk, t->mem);
		name_pk(t);
	}
	pk_of(t, vals, key);
	r = btree_insert(&t->pk_index, key, rowid);
	if (r == -EEXIST)
		return dup_key(t, vals, false, err);
	return r < 0 ? db_err_oom(err) : 0;
}

static void pk_remove(struct table *t, const struct row *r)
{
	struct datum key[TABLE_MAX_PK];

	if (!t->npk)
		return;
	pk_of(t, r->vals, key);
	btree_delete(&t->pk_index, key);
}

static int grow_chunks(struct table *t)
{
	struct row ***chunks;
	struct row **chunk;

	chunk = tmem_zalloc(t->mem, TABLE_CHUNK_ROWS * sizeof(*chunk));
	chunks = chunk ? tmem_realloc(t->mem, t->chunks,
				      sizeof(*chunks) * (t->nchunks + 1))
		       : NULL;
	if (!chunks) {
		tmem_free(t->mem, chunk);
		return -ENOMEM;
	}
	chunks[t->nchunks++] = chunk;
	t->chunks = chunks;
	return 0;
}

void table_mark_dirty(struct table *t, uint64_t rowid)
{
	uint64_t w = rowid / 64, n;
	uint64_t *d;

	if (w >= t->ndirty) {
		n = w + 1 > 2 * t->ndirty ? w + 1 : 2 * t->ndirty;
		d = krealloc(t->dirty, sizeof(*d) * n);
		if (!d) {
			t->dirty_lost = true;
			return;
		}
		memset(d + t->ndirty, 0, sizeof(*d) * (n - t->ndirty));
		t->dirty = d;
		t->ndirty = n;
	}
	t->dirty[w] |= 1ull << (rowid % 64);
}

int table_new_slot(struct table *t, uint64_t *rowid)
{
	if (t->nslots == t->nchunks * TABLE_CHUNK_ROWS && grow_chunks(t) < 0)
		return -ENOMEM;
	*rowid = t->nslots++;
	return 0;
}

/* Recovery's write (redo): whatever rowid held is replaced by vals, or
 * removed (vals NULL); the key indexes follow, a key entry of another
 * slot is taken over rather than refused, as the log's last word counts. */
int table_put(struct table *t, uint64_t rowid, const struct datum *vals,
	      struct db_error *err)
{
	struct row **slot, *old, *r = NULL;
	struct datum key[TABLE_MAX_PK];
	uint64_t id;

	while (rowid >= t->nslots)
		if (table_new_slot(t, &id) < 0)
			return db_err_oom(err);
	table_mark_dirty(t, rowid);
	slot = table_slot(t, rowid);
	old = *slot;
	if (vals && !(r = row_copy_in(t->mem, vals, t->ncols)))
		return db_err_oom(err);
	if (old) {
		pk_of(t, old->vals, key);
		if (t->npk && btree_lookup(&t->pk_index, key) == (int64_t)rowid)
			btree_delete(&t->pk_index, key);
		if (index_row_changed(t, rowid, old, NULL, err) < 0)
			return -EINVAL;
		*slot = NULL;
		t->nlive--;
		row_free_chain(t, old);
	}
	if (!r)
		return 0;
	*slot = r;
	t->nlive++;
	if (t->npk) {
		pk_of(t, r->vals, key);
		if (t->pk_index.nkey)
			btree_delete(&t->pk_index, key);
		if (pk_add(t, r->vals, rowid, err) < 0)
			return -EINVAL;
	}
	return index_row_changed(t, rowid, NULL, r, err);
}

int table_insert(struct table *t, const struct datum *vals, uint64_t *rowid,
		 struct db_error *err)
{
	uint64_t id = t->nslots;
	struct row *r;

	if (id == t->nchunks * TABLE_CHUNK_ROWS && grow_chunks(t) < 0)
		return db_err_oom(err);
	r = row_copy_in(t->mem, vals, t->ncols);
	if (!r)
		return db_err_oom(err);
	t->chunks[id / TABLE_CHUNK_ROWS][id % TABLE_CHUNK_ROWS] = r;
	t->nslots++;
	if (pk_add(t, r->vals, id, err) < 0) {
		t->chunks[id / TABLE_CHUNK_ROWS][id % TABLE_CHUNK_ROWS] = NULL;
		t->nslots--;
		tmem_free(t->mem, r);
		return -EINVAL;
	}
	if (index_row_changed(t, id, NULL, r, err) < 0) {
		pk_remove(t, r);
		t->chunks[id / TABLE_CHUNK_ROWS][id % TABLE_CHUNK_ROWS] = NULL;
		t->nslots--;
		tmem_free(t->mem, r);
		return -EINVAL;
	}
	t->nlive++;
	table_mark_dirty(t, id);
	*rowid = id;
	return 0;
}

static bool key_changed(const struct table *t, const struct row *r,
			const struct datum *vals)
{
	int k;

	for (k = 0; k < t->npk; k++)
		if (!datum_eq(&r->vals[t->pk[k]], &vals[t->pk[k]]))
			return true;
	return false;
}

int table_update(struct table *t, uint64_t rowid, const struct datum *vals,
		 struct db_error *err)
{
	struct row **slot = &t->chunks[rowid / TABLE_CHUNK_ROWS]
				      [rowid % TABLE_CHUNK_ROWS];
	struct row *old = *slot, *r = row_copy_in(t->mem, vals, t->ncols);
	bool pk_moved;

	if (!r)
		return db_err_oom(err);
	pk_moved = key_changed(t, old, r->vals);
	if (pk_moved) {
		pk_remove(t, old);
		*slot = r;
		if (pk_add(t, r->vals, rowid, err) < 0) {
			struct db_error ignored;

			*slot = old;
			pk_add(t, old->vals, rowid, &ignored);
			tmem_free(t->mem, r);
			return -EINVAL;
		}
	}
	if (index_row_changed(t, rowid, old, r, err) < 0) {
		if (pk_moved) {
			struct db_error ignored;

			pk_remove(t, r);
			pk_add(t, old->vals, rowid, &ignored);
		}
		*slot = old;
		tmem_free(t->mem, r);
		return -EINVAL;
	}
	*slot = r;
	r->older = old->older;
	tmem_free(t->mem, old);
	table_mark_dirty(t, rowid);
	return 0;
}

void table_delete(struct table *t, uint64_t rowid)
{
	struct row **slot = &t->chunks[rowid / TABLE_CHUNK_ROWS]
				      [rowid % TABLE_CHUNK_ROWS];

	if (!*slot)
		return;
	table_mark_dirty(t, rowid);
	pk_remove(t, *slot);
	index_row_changed(t, rowid, *slot, NULL, NULL);
	row_free_chain(t, *slot);
	*slot = NULL;
	t->nlive--;
}

const char *table_pk_name(const struct table *t)
{
	return t->pk_name;
}

int table_add_primary_key(struct table *t, const int *cols, int n,
			  const char *name, uint32_t oid, struct db_error *err)
{
	uint64_t id;
	int k;

	for (k = 0; k < n; k++)
		for (id = 0; id < t->nslots; id++)
			if (table_row(t, id) && !table_row(t, id)->dead &&
			    table_row(t, id)->vals[cols[k]].null)
				return db_err(err, "23502",
					      "column \"%s\" of relation \"%s\" "
					      "contains null values",
					      t->cols[cols[k]].name, t->name);
	t->npk = n;
	memcpy(t->pk, cols, sizeof(int) * (size_t)n);
	snprintf(t->pk_name, sizeof(t->pk_name), "%s", name ? name : "");
	name_pk(t);
	btree_init_in(&t->pk_index, n, t->mem);
	for (id = 0; id < t->nslots; id++) {
		struct row *r = table_row(t, id);

		struct datum key[TABLE_MAX_PK];
		int e;

		if (!r || r->dead) /* a deleted row's version, until pruning */
			continue;
		pk_of(t, r->vals, key);
		e = btree_insert(&t->pk_index, key, id);
		if (e < 0) {
			if (e == -EEXIST)
				dup_key(t, r->vals, true, err);
			else
				db_err_oom(err);
			table_drop_primary_key(t);
			return -EINVAL;
		}
	}
	for (k = 0; k < n; k++)
		t->cols[cols[k]].not_null = true;
	t->pk_oid = oid;
	return 0;
}

void table_drop_primary_key(struct table *t)
{
	btree_free(&t->pk_index);
	btree_init_in(&t->pk_index, 0, t->mem);
	t->npk = 0;
	t->pk_name[0] = 0;
}

static bool kept(const int *map, int n, int old)
{
	int i;

	for (i = 0; i < n; i++)
		if (map[i] == old)
			return true;
	return false;
}

int table_rewrite(struct table *t, struct column *cols, int ncols,
		  const int *map, const struct datum *fill,
		  struct db_error *err)
{
	struct datum *vals = kcalloc((size_t)ncols + 1, sizeof(*vals));
	struct row **fresh = kcalloc(t->nslots + 1, sizeof(*fresh));
	uint64_t id;
	int i;

	if (!vals || !fresh)
		goto oom;
	for (id = 0; id < t->nslots; id++) {
		struct row *r = table_row(t, id);

		/* db/txn refused the DDL if another transaction has changes
		 * here: the newest version is the row (old versions go). */
		if (!r || r->dead)
			continue;
		for (i = 0; i < ncols; i++)
			vals[i] = map[i] >= 0 ? r->vals[map[i]] : fill[i];
		if (!(fresh[id] = row_copy_in(t->mem, vals, ncols)))
			goto oom;
	}
	for (id = 0; id < t->nslots; id++) {
		struct row **slot = &t->chunks[id / TABLE_CHUNK_ROWS]
					      [id % TABLE_CHUNK_ROWS];

		row_free_chain(t, *slot);
		*slot = fresh[id];
	}
	for (i = 0; i < t->ncols; i++)
		if (!kept(map, ncols, i))
			kfree(t->cols[i].def_src); /* kept ones moved to cols */
	kfree(t->cols);
	t->cols = cols;
	t->ncols = ncols;
	kfree(fresh);
	kfree(vals);
	return 0;
oom:
	for (id = 0; fresh && id < t->nslots; id++)
		row_free(t, fresh[id]);
	kfree(fresh);
	kfree(vals);
	return db_err_oom(err);
}
