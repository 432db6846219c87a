/* SPDX-License-Identifier: MIT */
/* snapshot.h: read-only copies of tables as of one moment, from vm
 * snapshots of their areas (tmem.h).
 *
 * db_snapshot_take() makes one vm snapshot (vm.h) per table while it
 * holds db->lock shared, so no statement that writes is half-way through
 * any of the tables: the copies show every statement that finished before
 * the call and none that started after it. The lock is held only for the
 * vm_snapshot() calls (page-table work: O(present pages), or O(area /
 * 2 MiB) with VM_SNAP_LAZY), never while the snapshot is read. Writers go
 * on meanwhile; their first write to a shared page copies it.
 *
 * The copies hold whole statements, and with them every version chain
 * (db/txn): which versions a reader sees is decided by the visibility
 * rule in struct db_snapshot (S and the xids committed at or before it
 * whose versions may still carry their owner stamp), which db/txn/htap.c
 * fills in before the take so that the snapshot is transaction-consistent:
 * exactly the transactions committed at or before S. A snapshot taken
 * with db_snapshot_take() alone (S = 0, no xids) shows the newest version
 * of each row (statement-consistent). One snapshot per table at a time
 * (vm.h's rule): a second take of a table that has one fails with -EBUSY;
 * htap.c shares one snapshot between readers.
 *
 * Reading: the snapshot shows the table's bytes at another address; every
 * pointer loaded from it is translated (tmem_xlate), which
 * db_snapshot_row() does for the reader. A snapshot stays valid after its
 * table is dropped (it holds a reference on the table's memory).
 *
 * With VM_SNAP_READER or VM_SNAP_LAZY, code that reads the live tables
 * with plain loads while a snapshot exists must vm_refresh() first (vm.h);
 * the executor does not, so the default here is VM_SNAP_EAGER. */
#ifndef DB_STORAGE_SNAPSHOT_H
#define DB_STORAGE_SNAPSHOT_H

#include <stdbool.h>
#include <stdint.h>

#include "table.h"

struct snap_table {
	char name[64];
	int ncols;
	uint64_t nslots, nlive;
	struct row *const *const *chunks; /* live-area addresses */
	uintptr_t live_base, snap_base;
	struct tmem *mem; /* a reference */
	struct vm_area *area; /* the vm snapshot */
};

struct db_snapshot {
	/* Visibility: 0 shows the newest version; else a version stamped
	 * with a commit timestamp <= S, or with the owner stamp (txn.h) of
	 * an xid in done[0..ndone) (committed at or before S, restamping
	 * when the copy was taken), is in the snapshot. */
	uint64_t S;
	uint64_t *done; /* kmalloc'd, sorted */
	int ndone;
	/* Sharing (db/txn/htap.c, under its lock): readers, birth time,
	 * the transaction slot that publishes S for pruning. */
	int refs;
	uint64_t born_ns;
	void *pub;
	/* t[0..n) are the copies; db_snapshot_extend_locked appends up to
	 * cap (n is stored with release after t[n] is filled, so a reader
	 * that loads it with acquire sees whole entries; entries never
	 * move). */
	int n, cap;
	struct snap_table t[];
};

/* Snapshots the tables named in names[0..n) (vm_flags: VM_SNAP_*).
 * Takes db->lock shared; db_snapshot_take_locked() is for a caller that
 * holds it (shared or exclusive). Errors: -ENOENT (no such table), -EBUSY
 * (a table has a snapshot already), -ENOMEM; nothing is left behind. */
int db_snapshot_take(struct db *db, const char *const *names, int n,
		     unsigned vm_flags, struct db_snapshot **out);
int db_snapshot_take_locked(struct db *db, const char *const *names, int n,
			    unsigned vm_flags, struct db_snapshot **out);
/* Adds to s copies of the tables in names[0..n) it lacks, taken now
 * (db->lock held shared or exclusive): read with s's visibility rule they
 * show the same transactions as s's older copies (the versions S sees
 * are not pruned while S is published). A table that cannot be copied
 * (-EBUSY: it has another snapshot; no room) is skipped: its reader reads
 * it live at S. Returns how many were added. */
int db_snapshot_extend_locked(struct db *db, struct db_snapshot *s,
			      const char *const *names, int n,
			      unsigned vm_flags);
/* Snapshots every table of db (db->lock held, shared or exclusive). */
int db_snapshot_take_all_locked(struct db *db, unsigned vm_flags,
				struct db_snapshot **out);
/* The index in s of table t, or -1 when s holds no copy of it or t's
 * columns changed since (ALTER TABLE: the copy's rows would not match the
 * catalog; read t live then). O(tables). */
int db_snapshot_find(const struct db_snapshot *s, const struct table *t);
/* Destroys the vm snapshots (their private frames go back to the kernel)
 * and drops the references. NULL is ignored. */
void db_snapshot_release(struct db_snapshot *s);

/* The row at rowid of table i as of the snapshot (the version its
 * visibility rule picks): copies its datums into vals[0..max) (string
 * pointers point into the snapshot and stay valid until the release;
 * columns the row does not have, added by ALTER TABLE after it was
 * written, are NULL) and returns how many the row has; 0 for an empty or
 * out-of-range slot, or a row the snapshot does not see. cols, if not
 * NULL, lists the ncols columns the caller reads, and only those are
 * written: a scan reads few of a wide row's columns, and copying all of
 * them was most of its cost; the caller sets the others once (NULL, say)
 * in a vals it reuses. O(versions of the row + ncols). No lock needed. */
int db_snapshot_row(const struct db_snapshot *s, int i, uint64_t rowid,
		    struct datum *vals, int max, const int *cols, int ncols);

/* The same a batch at a time, for scans that work on column vectors
 * (db/exec/filter.c): the versions the snapshot sees of the rows in slots
 * [first, end) of table i, into rows[] (addresses in the snapshot, valid
 * until the release) with their rowids into ids[]; returns how many
 * (at most end - first; slots past the copy's end count as empty).
 * O(slots + versions). */
int db_snapshot_versions(const struct db_snapshot *s, int i, uint64_t first,
			 uint64_t end, const struct row **rows, uint64_t *ids);
/* Column c of rows[0..n) (from db_snapshot_versions) into vec[0..n), as
 * db_snapshot_row gives it. O(n). */
void db_snapshot_column(const struct db_snapshot *s, int i,
			const struct row *const *rows, int n, int c,
			struct datum *vec);
/* db_snapshot_row for a version from db_snapshot_versions. */
int db_snapshot_values(const struct db_snapshot *s, int i,
		       const struct row *r, struct datum *vals, int max,
		       const int *cols, int ncols);

#endif
