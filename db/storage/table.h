/* SPDX-License-Identifier: MIT */
/* table.h: the catalog, tables and their primary-key index.
 *
 * A table is a chunked heap: rows are appended to fixed-size chunks of
 * TABLE_CHUNK_ROWS row slots, and a row is addressed by its slot number
 * (rowid = chunk * TABLE_CHUNK_ROWS + index). Slots never move, so indexes
 * store rowids; a deleted row leaves an empty slot. An update replaces the
 * row in its slot (in place from the index's point of view). Each row is
 * one heap block holding its datums and their string bytes, so a row is
 * copied or freed as a whole.
 *
 * The primary key (one or more columns) has an ordered index (a B+-tree,
 * btree.h) from key to rowid. It enforces uniqueness (23505) and answers
 * equality lookups and range scans in key order.
 *
 * Locking: one rwlock for the whole catalog (struct db.lock): statements
 * that only read take it shared, all others exclusive (db/txn takes it;
 * a writer waiting for a row lock releases it). Row versions, row locks
 * and transactions: db/txn/txn.h.
 *
 * Memory: rows, the chunk directory, the chunks and the index nodes of a
 * table live in the table's own vm area (t->mem, tmem.h), so a vm
 * snapshot of that area is a copy of the table (snapshot.h). Whatever a
 * table's structures point to must be allocated there too. */
#ifndef DB_STORAGE_TABLE_H
#define DB_STORAGE_TABLE_H

#include <stdbool.h>
#include <stdint.h>
#include <unidb/sync.h>

#include "../common.h"
#include "../sql/value.h"
#include "btree.h"
#include "tmem.h"
#include "index.h"
#include "sequence.h"

#define TABLE_CHUNK_ROWS 1024
#define TABLE_MAX_COLUMNS 256
#define TABLE_MAX_PK 16
#define CATALOG_MAX_TABLES 1024

/* A row version. The newest version of a row is in its slot; older ones
 * hang off it through `older` until no snapshot can see them (db/txn,
 * docs/db.md "Transactions"). stamp: the commit timestamp of the writer
 * (0: committed before every snapshot), or TXN_OWNER | xid while the
 * writer runs (then the version is the row's lock). dead: a deletion. */
struct row {
	uint32_t size; /* bytes of this block */
	uint16_t ncols;
	bool dead;
	uint64_t stamp; /* atomic: commit stamping runs beside readers */
	struct row *older;
	struct datum vals[];
};

struct column {
	char name[64];
	struct sql_type type;
	bool not_null;
	char *def_src; /* DEFAULT expression text (heap), or NULL */
	uint32_t def_len;
};

struct table {
	char name[64];
	uint32_t oid;
	int ncols;
	struct column *cols;
	int npk;
	int pk[TABLE_MAX_PK]; /* column numbers of the primary key */
	struct row ***chunks; /* chunks[c][i], NULL: free slot */
	uint64_t nchunks, nslots, nlive;
	struct btree pk_index; /* key: the pk columns in pk[] order */
	struct tmem *mem;      /* rows, chunks, index nodes (tmem.h) */
	uint64_t nversions; /* old versions made since the last pruning */
	char pk_name[64];      /* the primary key's name ("" : t_pkey) */
	uint32_t pk_oid;       /* its index's oid */
	struct index **idx;    /* secondary indexes (index.h) */
	int nidx;
	/* Slots written since the last checkpoint's cut, one bit each (heap,
	 * grown on demand): a delta checkpoint writes only those
	 * (db/wal/redo.c). dirty_lost: a bit could not be kept (no memory),
	 * so the next checkpoint writes every row. */
	uint64_t *dirty;
	uint64_t ndirty; /* words */
	bool dirty_lost;
};

struct txn_mgr;
struct redo;

struct db {
	struct rwlock lock; /* protects everything below and every table */
	struct table *tables[CATALOG_MAX_TABLES];
	int ntables;
	uint32_t next_oid;
	struct txn_mgr *txm; /* transactions (db/txn/txn.h) */
	struct htap *htap;   /* shared snapshots (db/txn/htap.h) */
	struct sequence **seqs; /* sequence.h */
	int nseqs;
	struct sequence *last_seq; /* lastval()'s sequence */
	struct redo *redo; /* the redo log (db/wal/redo.h); NULL: in memory */
};

void db_init(struct db *db);
void db_destroy(struct db *db);

struct table *db_find_table(struct db *db, const char *name);
/* Adds t (taken over; freed by the catalog). 42P07 if the name exists. */
int db_add_table(struct db *db, struct table *t, struct db_error *err);
/* Removes and frees the table. */
void db_drop_table(struct db *db, struct table *t);

struct table *table_new(const char *name, int ncols);
void table_free(struct table *t);

/* Stores a copy of vals (t->ncols datums, already of the column types)
 * in a new slot; *rowid gets the slot. 23505 on a duplicate primary key,
 * 53200 if out of memory. */
int table_insert(struct table *t, const struct datum *vals, uint64_t *rowid,
		 struct db_error *err);
/* Replaces the row at rowid by a copy of vals (23505 if the new key
 * exists in another row). */
int table_update(struct table *t, uint64_t rowid, const struct datum *vals,
		 struct db_error *err);
void table_delete(struct table *t, uint64_t rowid);
/* Recovery: sets slot rowid (grown as needed) to a copy of vals, or
 * empties it (vals NULL), indexes following; a key held by another slot
 * is taken over. 53200, or a secondary index's 23505. */
int table_put(struct table *t, uint64_t rowid, const struct datum *vals,
	      struct db_error *err);
void table_truncate(struct table *t);
/* The row at rowid, or NULL for a free or out-of-range slot. */
struct row *table_row(const struct table *t, uint64_t rowid);
/* Rowid of the row whose primary key equals key (npk datums), or -1. */
int64_t table_pk_lookup(const struct table *t, const struct datum *key);
/* A copy of n datums and their bytes in one heap block (NULL: no memory). */
struct row *row_copy(const struct datum *vals, int n);
/* The same in m (tmem.h; NULL: the heap). Free with tmem_free(m, r). */
struct row *row_copy_in(struct tmem *m, const struct datum *vals, int n);
/* Whether a row keeps d's bytes (d->s) in its block. */
static inline bool row_datum_has_bytes(const struct datum *d)
{
	return !d->null && type_is_varlen(d->type);
}
/* Frees a row of t (NULL: nothing), or r and every older version chained
 * to it. */
void row_free(struct table *t, struct row *r);
void row_free_chain(struct table *t, struct row *r);
/* The slot of rowid (rowid < nslots): db/txn pushes and pops versions. */
static inline struct row **table_slot(struct table *t, uint64_t rowid)
{
	return &t->chunks[rowid / TABLE_CHUNK_ROWS][rowid % TABLE_CHUNK_ROWS];
}
/* 23505 for the primary key of vals (-EINVAL). */
int table_dup_key_err(const struct table *t, const struct datum *vals,
		      struct db_error *err);
/* Records that slot rowid changed (every writer of a slot calls it,
 * holding db->lock exclusively). */
void table_mark_dirty(struct table *t, uint64_t rowid);
/* A new empty slot at the end (-ENOMEM). */
int table_new_slot(struct table *t, uint64_t *rowid);

/* Indexes of a table for the catalog (pg_class, pg_index): index 0 is
 * the primary key when there is one, then the secondary indexes in
 * creation order. */
struct index_info {
	const char *name;
	uint32_t oid;
	int ncols;
	const int *cols; /* table column numbers (0-based), key order */
	bool unique, primary;
	bool constraint; /* a UNIQUE constraint's index */
	const struct index *index; /* NULL for the primary key */
};

int table_nindexes(const struct table *t);
/* Fills *out for index i (0 <= i < table_nindexes); false otherwise. */
bool table_index_info(const struct table *t, int i, struct index_info *out);
/* The primary key's name: pk_name, or t_pkey. */
const char *table_pk_name(const struct table *t);
/* Makes cols (n of them) t's primary key named name (NULL: t_pkey) and
 * indexes every row: 23505 on a duplicate key, 23502 on a NULL; t is
 * unchanged on error. The caller checks that t has no primary key. */
int table_add_primary_key(struct table *t, const int *cols, int n,
			  const char *name, uint32_t oid, struct db_error *err);
void table_drop_primary_key(struct table *t);
/* Changes the row format: every row is rebuilt with ncols columns, column
 * i from old column map[i] or, for map[i] < 0, fill[i]; then cols (taken
 * over) replaces t->cols. Indexes are not touched (the caller renumbers
 * or drops those on removed columns). 53200 leaves t unchanged. */
int table_rewrite(struct table *t, struct column *cols, int ncols,
		  const int *map, const struct datum *fill,
		  struct db_error *err);

#endif
