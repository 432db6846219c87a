/* SPDX-License-Identifier: MIT */
/* table.c: catalog, chunked row heap and primary-key hash index (see
 * table.h for the design and the locking). */
#include "table.h"

#include <stdio.h>
#include <string.h>
#include <unidb/errno.h>
#include <unidb/heap.h>

#include "../txn/txn.h"

void db_init(struct db *db)
{
	memset(db, 0, sizeof(*db));
	rwlock_init(&db->lock);
	db->next_oid = 16384; /* PostgreSQL's FirstNormalObjectId */
	db->txm = txn_mgr_new();
}

void db_destroy(struct db *db)
{
	int i;

	for (i = 0; i < db->ntables; i++)
		table_free(db->tables[i]);
	db->ntables = 0;
	txn_mgr_free(db->txm);
	db->txm = NULL;
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
	for (i = 0; i < t->ncols; i++)
		kfree(t->cols[i].def_src);
	kfree(t->cols);
	tmem_put(t->mem);
	kfree(t);
}

struct row *table_row(const struct table *t, uint64_t rowid)
{
	if (rowid >= t->nslots)
		return NULL;
	return t->chunks[rowid / TABLE_CHUNK_ROWS][rowid % TABLE_CHUNK_ROWS];
}

bool row_datum_has_bytes(const struct datum *d)
{
	return !d->null && type_is_varlen(d->type);
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
		   struct db_error *err)
{
	struct strbuf cols = STRBUF_INIT, keys = STRBUF_INIT;
	int k;

	for (k = 0; k < t->npk; k++) {
		sb_puts(&cols, k ? ", " : "");
		sb_puts(&cols, t->cols[t->pk[k]].name);
		sb_puts(&keys, k ? ", " : "");
		datum_out(&keys, &vals[t->pk[k]]);
	}
	db_err(err, "23505",
	       "duplicate key value violates unique constraint \"%s_pkey\"",
	       t->name);
	if (!cols.oom && !keys.oom)
		db_err_detail(err, "Key (%s)=(%s) already exists.", cols.p,
			      keys.p);
	sb_free(&cols);
	sb_free(&keys);
	return -EEXIST;
}

int table_dup_key_err(const struct table *t, const struct datum *vals,
		      struct db_error *err)
{
	dup_key(t, vals, err);
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
	if (!t->pk_index.nkey)
		btree_init_in(&t->pk_index, t->npk, t->mem);
	pk_of(t, vals, key);
	r = btree_insert(&t->pk_index, key, rowid);
	if (r == -EEXIST)
		return dup_key(t, vals, err);
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

int table_new_slot(struct table *t, uint64_t *rowid)
{
	if (t->nslots == t->nchunks * TABLE_CHUNK_ROWS && grow_chunks(t) < 0)
		return -ENOMEM;
	*rowid = t->nslots++;
	return 0;
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
	t->nlive++;
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

	if (!r)
		return db_err_oom(err);
	if (key_changed(t, old, r->vals)) {
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
	*slot = r;
	r->older = old->older;
	tmem_free(t->mem, old);
	return 0;
}

void table_delete(struct table *t, uint64_t rowid)
{
	struct row **slot = &t->chunks[rowid / TABLE_CHUNK_ROWS]
				      [rowid % TABLE_CHUNK_ROWS];

	if (!*slot)
		return;
	pk_remove(t, *slot);
	row_free_chain(t, *slot);
	*slot = NULL;
	t->nlive--;
}
