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
 * What it is not (yet): transaction-consistent. A snapshot holds whole
 * statements, not whole transactions (issue 13 adds transactions; issue 15
 * takes snapshots at a commit boundary). And one snapshot per table at a
 * time (vm.h's rule): a second take of a table that has one fails with
 * -EBUSY; sharing one snapshot between readers is issue 15's.
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
	int n;
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
/* Destroys the vm snapshots (their private frames go back to the kernel)
 * and drops the references. NULL is ignored. */
void db_snapshot_release(struct db_snapshot *s);

/* The row at rowid of table i as of the snapshot: copies its datums into
 * vals (at most max; string pointers point into the snapshot and stay
 * valid until the release) and returns how many; 0 for an empty or
 * out-of-range slot. O(1). No lock needed. */
int db_snapshot_row(const struct db_snapshot *s, int i, uint64_t rowid,
		    struct datum *vals, int max);

#endif
