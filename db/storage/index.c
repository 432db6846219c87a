/* SPDX-License-Identifier: MIT */
/* index.c: secondary indexes on the B+-tree (see index.h for the key
 * layout, uniqueness and the maintenance hook). */
#include "index.h"

#include <stdio.h>
#include <string.h>
#include <unidb/errno.h>
#include <unidb/heap.h>

#include "table.h"

/* The key of row vals in ix: its column values, then the rowid. */
static void key_of(const struct index *ix, const struct datum *vals,
		   uint64_t rowid, struct datum *key)
{
	int k;

	for (k = 0; k < ix->ncols; k++)
		key[k] = vals[ix->cols[k]];
	key[ix->ncols] = datum_int(TYPE_INT8, (int64_t)rowid);
}

static bool same_values(const struct index *ix, const struct datum *a,
			const struct datum *b)
{
	int k;

	for (k = 0; k < ix->ncols; k++) {
		const struct datum *x = &a[ix->cols[k]], *y = &b[ix->cols[k]];

		if (x->null != y->null || (!x->null && !datum_eq(x, y)))
			return false;
	}
	return true;
}

int index_dup_error(const struct table *t, const char *name, const int *cols,
		    int n, const struct datum *vals, bool building,
		    struct db_error *err)
{
	struct strbuf cs = STRBUF_INIT, vs = STRBUF_INIT;
	int k;

	for (k = 0; k < n; k++) {
		sb_puts(&cs, k ? ", " : "");
		sb_puts(&cs, t->cols[cols[k]].name);
		sb_puts(&vs, k ? ", " : "");
		datum_out(&vs, &vals[cols[k]]);
	}
	if (building)
		db_err(err, "23505", "could not create unique index \"%s\"",
		       name);
	else
		db_err(err, "23505",
		       "duplicate key value violates unique constraint \"%s\"",
		       name);
	if (!cs.oom && !vs.oom)
		db_err_detail(err, building ? "Key (%s)=(%s) is duplicated."
					    : "Key (%s)=(%s) already exists.",
			      cs.p, vs.p);
	sb_free(&cs);
	sb_free(&vs);
	return -EEXIST;
}

/* Whether another row than rowid has key's column values (unique
 * indexes; a key with a NULL never conflicts). */
static bool conflicts(const struct index *ix, const struct datum *key,
		      uint64_t rowid)
{
	struct btree_iter it;
	const struct datum *k;
	uint64_t id;
	int c;

	for (c = 0; c < ix->ncols; c++)
		if (key[c].null)
			return false;
	btree_seek_prefix(&ix->bt, key, ix->ncols, &it);
	while (btree_next(&it, &k, &id)) {
		for (c = 0; c < ix->ncols; c++)
			if (k[c].null || !datum_eq(&k[c], &key[c]))
				return false;
		if (id != rowid)
			return true;
	}
	return false;
}

static int enter(const struct table *t, struct index *ix,
		 const struct datum *vals, uint64_t rowid, bool building,
		 struct db_error *err)
{
	struct datum key[INDEX_MAX_COLUMNS + 1];

	key_of(ix, vals, rowid, key);
	if (ix->unique && conflicts(ix, key, rowid))
		return index_dup_error(t, ix->name, ix->cols, ix->ncols, vals,
				       building, err);
	if (btree_insert(&ix->bt, key, rowid) < 0)
		return db_err_oom(err);
	return 0;
}

static void remove_key(struct index *ix, const struct datum *vals,
		       uint64_t rowid)
{
	struct datum key[INDEX_MAX_COLUMNS + 1];

	key_of(ix, vals, rowid, key);
	btree_delete(&ix->bt, key);
}

int index_row_changed(struct table *t, uint64_t rowid, const struct row *old,
		      const struct row *new, struct db_error *err)
{
	int i;

	/* New keys first (they can fail), then the old ones go. */
	for (i = 0; new && i < t->nidx; i++) {
		struct index *ix = t->idx[i];

		if (old && same_values(ix, old->vals, new->vals))
			continue;
		if (enter(t, ix, new->vals, rowid, false, err) < 0) {
			while (i--)
				if (!old || !same_values(t->idx[i], old->vals,
							 new->vals))
					remove_key(t->idx[i], new->vals, rowid);
			return -EINVAL;
		}
	}
	for (i = 0; old && i < t->nidx; i++)
		if (!new || !same_values(t->idx[i], old->vals, new->vals))
			remove_key(t->idx[i], old->vals, rowid);
	return 0;
}

static void index_free(struct index *ix)
{
	btree_free(&ix->bt);
	kfree(ix);
}

int index_create(struct db *db, struct table *t, const char *name,
		 const int *cols, const bool *desc, int ncols, bool unique,
		 bool constraint, struct db_error *err)
{
	struct index *ix, **list;
	uint64_t id;

	if (ncols < 1 || ncols > INDEX_MAX_COLUMNS)
		return db_err(err, "54011",
			      "cannot use more than %d columns in an index",
			      INDEX_MAX_COLUMNS);
	ix = kzalloc(sizeof(*ix));
	list = ix ? krealloc(t->idx, sizeof(*list) * (size_t)(t->nidx + 1))
		  : NULL;
	if (!list) {
		kfree(ix);
		return db_err_oom(err);
	}
	t->idx = list;
	snprintf(ix->name, sizeof(ix->name), "%s", name);
	ix->ncols = ncols;
	memcpy(ix->cols, cols, sizeof(int) * (size_t)ncols);
	if (desc)
		memcpy(ix->desc, desc, sizeof(bool) * (size_t)ncols);
	ix->unique = unique;
	ix->constraint = constraint;
	btree_init_in(&ix->bt, ncols + 1, t->mem);
	for (id = 0; id < t->nslots; id++) {
		struct row *r = table_row(t, id);

		if (r && !r->dead && enter(t, ix, r->vals, id, true, err) < 0) {
			index_free(ix);
			return -EINVAL;
		}
	}
	ix->oid = db->next_oid++;
	t->idx[t->nidx++] = ix;
	return 0;
}

void index_drop(struct table *t, int i)
{
	index_free(t->idx[i]);
	memmove(&t->idx[i], &t->idx[i + 1],
		sizeof(t->idx[0]) * (size_t)(t->nidx - i - 1));
	t->nidx--;
}

void index_clear(struct table *t)
{
	int i;

	for (i = 0; i < t->nidx; i++)
		btree_free(&t->idx[i]->bt);
}

void index_free_all(struct table *t)
{
	while (t->nidx)
		index_drop(t, t->nidx - 1);
	kfree(t->idx);
	t->idx = NULL;
}

struct index *index_find(struct db *db, const char *name,
			 struct table **owner, int *pos)
{
	int i, k;

	for (i = 0; i < db->ntables; i++)
		for (k = 0; k < db->tables[i]->nidx; k++)
			if (!strcmp(db->tables[i]->idx[k]->name, name)) {
				*owner = db->tables[i];
				*pos = k;
				return db->tables[i]->idx[k];
			}
	return NULL;
}

bool db_name_taken(struct db *db, const char *name)
{
	struct table *t;
	int i, pos;

	if (db_find_table(db, name) || index_find(db, name, &t, &pos) ||
	    seq_find(db, name))
		return true;
	for (i = 0; i < db->ntables; i++)
		if (db->tables[i]->npk && !strcmp(table_pk_name(db->tables[i]), name))
			return true;
	return false;
}

void index_choose_name(struct db *db, const struct table *t, const int *cols,
		       int ncols, const char *suffix, char *out, size_t size)
{
	char base[128], cand[80];
	size_t n;
	int k, num;

	n = (size_t)snprintf(base, sizeof(base), "%s", t->name);
	for (k = 0; k < ncols && n < sizeof(base); k++)
		n += (size_t)snprintf(base + n, sizeof(base) - n, "_%s",
				      t->cols[cols[k]].name);
	for (num = 0;; num++) {
		char tail[24];
		int tl = snprintf(tail, sizeof(tail), "_%s", suffix);
		size_t keep;

		if (num)
			tl += snprintf(tail + tl, sizeof(tail) - (size_t)tl, "%d",
				       num);
		keep = strlen(base);
		if (keep + (size_t)tl > 63)
			keep = 63 - (size_t)tl;
		snprintf(cand, sizeof(cand), "%.*s%s", (int)keep, base, tail);
		if (!db_name_taken(db, cand))
			break;
	}
	snprintf(out, size, "%s", cand);
}

int table_nindexes(const struct table *t)
{
	return (t->npk ? 1 : 0) + t->nidx;
}

bool table_index_info(const struct table *t, int i, struct index_info *out)
{
	const struct index *ix;

	if (i < 0 || i >= table_nindexes(t))
		return false;
	memset(out, 0, sizeof(*out));
	if (t->npk && i == 0) {
		out->name = table_pk_name(t);
		out->oid = t->pk_oid;
		out->ncols = t->npk;
		out->cols = t->pk;
		out->unique = out->primary = true;
		return true;
	}
	ix = t->idx[i - (t->npk ? 1 : 0)];
	out->name = ix->name;
	out->oid = ix->oid;
	out->ncols = ix->ncols;
	out->cols = ix->cols;
	out->unique = ix->unique;
	out->constraint = ix->constraint;
	out->index = ix;
	return true;
}
