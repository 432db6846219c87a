/* SPDX-License-Identifier: MIT */
/* index.h: secondary indexes (CREATE [UNIQUE] INDEX, UNIQUE constraints).
 *
 * A secondary index is a B+-tree (btree.h) whose key is the indexed
 * columns' values followed by the rowid (an int8 datum): the rowid makes
 * every key unique, so one B+-tree serves unique and non-unique indexes,
 * and NULLs (which sort last) may repeat. A unique index checks, before
 * it enters a key without NULLs, that no other row has the same column
 * values (seek to the prefix); NULLs never conflict, as in PostgreSQL.
 *
 * The primary key keeps its own tree (struct table.pk_index, unique on the
 * key columns alone); the iteration API in table.h (table_index_info)
 * shows it as index 0 named t_pkey, before the secondary ones.
 *
 * Maintenance: table.c calls index_row_changed() wherever it changes a
 * row (insert, update, delete and their undo) and index_clear() on
 * truncate; that one hook keeps every secondary index in step. Readers
 * re-check each row they find against their predicate, so an entry that
 * points at a row changed since is harmless. Locking: the caller holds
 * the table's lock (db->lock), as for the table itself. */
#ifndef DB_STORAGE_INDEX_H
#define DB_STORAGE_INDEX_H

#include <stdbool.h>
#include <stdint.h>

#include "btree.h"

#define INDEX_MAX_COLUMNS 16 /* PostgreSQL's INDEX_MAX_KEYS is 32 */

struct table;
struct row;
struct db;
struct db_error;
struct datum;

struct index {
	char name[64];
	uint32_t oid;
	int ncols;
	int cols[INDEX_MAX_COLUMNS]; /* table column numbers, key order */
	bool desc[INDEX_MAX_COLUMNS]; /* as declared (the tree is ascending) */
	bool unique;
	bool constraint; /* made by a UNIQUE constraint (DROP CONSTRAINT) */
	struct btree bt; /* key: cols' values, then the rowid */
};

/* Builds an index of t over cols (entries for every row) and adds it to
 * t. 23505 if unique and two rows share a key; 53200 out of memory; t is
 * unchanged on error. The oid comes from db's counter. */
int index_create(struct db *db, struct table *t, const char *name,
		 const int *cols, const bool *desc, int ncols, bool unique,
		 bool constraint, struct db_error *err);
/* 23505 for a duplicate key (cols of the full row vals) in the unique
 * index or constraint name: PostgreSQL's message for a row that
 * conflicts, or (building) for an index that cannot be built. */
int index_dup_error(const struct table *t, const char *name, const int *cols,
		    int n, const struct datum *vals, bool building,
		    struct db_error *err);
/* Removes index i of t's secondary indexes and frees it. */
void index_drop(struct table *t, int i);
/* The hook: row rowid of t changes from old to new (old NULL: inserted,
 * new NULL: deleted). Enters and removes keys in every index; 23505 (a
 * unique index) or 53200 leave every index as it was. */
int index_row_changed(struct table *t, uint64_t rowid, const struct row *old,
		      const struct row *new, struct db_error *err);
/* Empties every index of t (TRUNCATE). */
void index_clear(struct table *t);
/* Frees every index of t (the table is being freed). */
void index_free_all(struct table *t);
/* The secondary index named name in any table of db (NULL: none); *owner
 * gets its table and *pos its place in owner's list. */
struct index *index_find(struct db *db, const char *name,
			 struct table **owner, int *pos);
/* Whether any relation (table or index) of db is named name. */
bool db_name_taken(struct db *db, const char *name);
/* PostgreSQL's name for a new index or constraint: table_col1_col2_suffix
 * (suffix "idx", "key" or "pkey"), each part cut so the whole fits in 63
 * bytes, then a number appended (1, 2, ...) until no relation has it. */
void index_choose_name(struct db *db, const struct table *t, const int *cols,
		       int ncols, const char *suffix, char *out, size_t size);

#endif
