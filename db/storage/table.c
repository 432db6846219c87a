/* SPDX-License-Identifier: MIT */
/* table.c: catalog, chunked row heap and primary-key hash index (see
 * table.h for the design and the locking). */
#include "table.h"

#include <stdio.h>
#include <string.h>
#include <unidb/errno.h>
#include <unidb/heap.h>

void db_init(struct db *db)
{
	memset(db, 0, sizeof(*db));
	rwlock_init(&db->lock);
	db->next_oid = 16384; /* PostgreSQL's FirstNormalObjectId */
}

void db_destroy(struct db *db)
{
	int i;

	for (i = 0; i < db->ntables; i++)
		table_free(db->tables[i]);
	db->ntables = 0;
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
	if (!t->cols) {
		kfree(t);
		return NULL;
	}
	snprintf(t->name, sizeof(t->name), "%s", name);
	t->ncols = ncols;
	return t;
}

void table_truncate(struct table *t)
{
	uint64_t c, i;

	for (c = 0; c < t->nchunks; c++) {
		for (i = 0; i < TABLE_CHUNK_ROWS; i++)
			kfree(t->chunks[c][i]);
		kfree(t->chunks[c]);
	}
	kfree(t->chunks);
	kfree(t->pk_index.slots);
	t->chunks = NULL;
	t->nchunks = t->nslots = t->nlive = 0;
	memset(&t->pk_index, 0, sizeof(t->pk_index));
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
	kfree(t);
}

struct row *table_row(const struct table *t, uint64_t rowid)
{
	if (rowid >= t->nslots)
		return NULL;
	return t->chunks[rowid / TABLE_CHUNK_ROWS][rowid % TABLE_CHUNK_ROWS];
}

/* One heap block: header, datums, then the string bytes they point to. */
static struct row *row_build(const struct datum *vals, int n)
{
	size_t size = sizeof(struct row) + sizeof(struct datum) * (size_t)n;
	struct row *r;
	char *p;
	int i;

	for (i = 0; i < n; i++)
		if (!vals[i].null && type_is_text(vals[i].type))
			size += vals[i].len;
	r = kmalloc(size);
	if (!r)
		return NULL;
	r->size = (uint32_t)size;
	r->ncols = (uint16_t)n;
	p = (char *)&r->vals[n];
	for (i = 0; i < n; i++) {
		r->vals[i] = vals[i];
		if (!vals[i].null && type_is_text(vals[i].type)) {
			memcpy(p, vals[i].s, vals[i].len);
			r->vals[i].s = p;
			p += vals[i].len;
		}
	}
	return r;
}

static uint64_t key_hash(const struct table *t, const struct datum *vals,
			 bool row_layout)
{
	uint64_t h = 0;
	int k;

	for (k = 0; k < t->npk; k++)
		h = h * 31 + datum_hash(&vals[row_layout ? t->pk[k] : k]);
	return h ^ (h >> 31);
}

/* Whether row r has key (npk datums, or a full row if row_layout). */
static bool key_match(const struct table *t, const struct row *r,
		      const struct datum *key, bool row_layout)
{
	int k;

	for (k = 0; k < t->npk; k++)
		if (!datum_eq(&r->vals[t->pk[k]],
			      &key[row_layout ? t->pk[k] : k]))
			return false;
	return true;
}

/* Slot of key's entry, or of the first free/tombstone slot for it
 * (*found tells which). Requires cap > used. */
static uint64_t pk_probe(const struct table *t, const struct datum *key,
			 bool row_layout, bool *found)
{
	const struct pk_index *ix = &t->pk_index;
	uint64_t mask = ix->cap - 1, i = key_hash(t, key, row_layout) & mask;
	uint64_t free_slot = UINT64_MAX;

	for (;; i = (i + 1) & mask) {
		uint64_t s = ix->slots[i];

		if (s == 0) {
			*found = false;
			return free_slot != UINT64_MAX ? free_slot : i;
		}
		if (s == 1) {
			if (free_slot == UINT64_MAX)
				free_slot = i;
			continue;
		}
		if (key_match(t, table_row(t, s - 2), key, row_layout)) {
			*found = true;
			return i;
		}
	}
}

static int pk_grow(struct table *t)
{
	struct pk_index old = t->pk_index, *ix = &t->pk_index;
	uint64_t i;
	bool found;

	ix->cap = old.cap ? old.cap * 2 : 64;
	while (old.cap && ix->cap / 4 > old.used)
		ix->cap /= 2; /* mostly tombstones: rehash at the same size */
	ix->slots = kcalloc(ix->cap, sizeof(uint64_t));
	if (!ix->slots) {
		*ix = old;
		return -ENOMEM;
	}
	ix->used = 0;
	for (i = 0; i < old.cap; i++) {
		if (old.slots[i] < 2)
			continue;
		ix->slots[pk_probe(t, table_row(t, old.slots[i] - 2)->vals, true,
				   &found)] = old.slots[i];
		ix->used++;
	}
	kfree(old.slots);
	return 0;
}

int64_t table_pk_lookup(const struct table *t, const struct datum *key)
{
	uint64_t i;
	bool found;

	if (!t->npk || !t->pk_index.cap)
		return -1;
	i = pk_probe(t, key, false, &found);
	return found ? (int64_t)(t->pk_index.slots[i] - 2) : -1;
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

/* Enters rowid under the key in vals; 23505 if another row has it. */
static int pk_add(struct table *t, const struct datum *vals, uint64_t rowid,
		  struct db_error *err)
{
	uint64_t i;
	bool found;

	if (!t->npk)
		return 0;
	if ((t->pk_index.used + 1) * 2 > t->pk_index.cap && pk_grow(t) < 0)
		return db_err_oom(err);
	i = pk_probe(t, vals, true, &found);
	if (found)
		return dup_key(t, vals, err);
	if (t->pk_index.slots[i] == 0)
		t->pk_index.used++;
	t->pk_index.slots[i] = rowid + 2;
	return 0;
}

static void pk_remove(struct table *t, const struct row *r)
{
	uint64_t i;
	bool found;

	if (!t->npk)
		return;
	i = pk_probe(t, r->vals, true, &found);
	if (found)
		t->pk_index.slots[i] = 1;
}

static int grow_chunks(struct table *t)
{
	struct row ***chunks;
	struct row **chunk;

	chunk = kcalloc(TABLE_CHUNK_ROWS, sizeof(*chunk));
	chunks = chunk ? krealloc(t->chunks, sizeof(*chunks) * (t->nchunks + 1))
		       : NULL;
	if (!chunks) {
		kfree(chunk);
		return -ENOMEM;
	}
	chunks[t->nchunks++] = chunk;
	t->chunks = chunks;
	return 0;
}

int table_insert(struct table *t, const struct datum *vals, uint64_t *rowid,
		 struct db_error *err)
{
	uint64_t id = t->nslots;
	struct row *r;

	if (id == t->nchunks * TABLE_CHUNK_ROWS && grow_chunks(t) < 0)
		return db_err_oom(err);
	r = row_build(vals, t->ncols);
	if (!r)
		return db_err_oom(err);
	/* The index compares through table_row(), so the slot is filled
	 * first and emptied again on a duplicate. */
	t->chunks[id / TABLE_CHUNK_ROWS][id % TABLE_CHUNK_ROWS] = r;
	t->nslots++;
	if (pk_add(t, r->vals, id, err) < 0) {
		t->chunks[id / TABLE_CHUNK_ROWS][id % TABLE_CHUNK_ROWS] = NULL;
		t->nslots--;
		kfree(r);
		return -EINVAL;
	}
	t->nlive++;
	*rowid = id;
	return 0;
}

static bool key_changed(const struct table *t, const struct row *r,
			const struct datum *vals)
{
	return t->npk && !key_match(t, r, vals, true);
}

int table_update(struct table *t, uint64_t rowid, const struct datum *vals,
		 struct db_error *err)
{
	struct row **slot = &t->chunks[rowid / TABLE_CHUNK_ROWS]
				      [rowid % TABLE_CHUNK_ROWS];
	struct row *old = *slot, *r = row_build(vals, t->ncols);

	if (!r)
		return db_err_oom(err);
	if (key_changed(t, old, r->vals)) {
		pk_remove(t, old);
		*slot = r;
		if (pk_add(t, r->vals, rowid, err) < 0) {
			*slot = old;
			pk_add(t, old->vals, rowid, err);
			kfree(r);
			return -EINVAL;
		}
	}
	*slot = r;
	kfree(old);
	return 0;
}

void table_delete(struct table *t, uint64_t rowid)
{
	struct row **slot = &t->chunks[rowid / TABLE_CHUNK_ROWS]
				      [rowid % TABLE_CHUNK_ROWS];

	if (!*slot)
		return;
	pk_remove(t, *slot);
	kfree(*slot);
	*slot = NULL;
	t->nlive--;
}
