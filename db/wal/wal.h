/* SPDX-License-Identifier: MIT */
/* wal.h: the redo log, with group commit and recovery.
 *
 * The log is a byte stream; a position in it is an LSN. On disk the
 * stream wraps around the log region (disk.h): byte `lsn` lives at
 * log_off + lsn % log_size. A record is a 40-byte header and its payload,
 * padded to 8 bytes:
 *
 *   crc    CRC-32C of the payload, then of the header after this field
 *   len    payload bytes (at most WAL_REC_MAX)
 *   lsn    the record's own position: a record left from an earlier lap of
 *          the circular region, at the same offset, has another LSN
 *   epoch  how often the database had been opened when it was written
 *   type, txid   the caller's
 *
 * Recovery (wal_open) reads records from the checkpoint's redo LSN and
 * stops at the first that is not valid: a wrong LSN or checksum, a length
 * out of range, or an epoch lower than its predecessor's. The epoch rule
 * covers the one case the others cannot: after a crash that tore a batch
 * of writes, the log continues (next epoch) before the torn batch's
 * surviving blocks, and once the new records end exactly where a surviving
 * old record starts, that record has the right LSN and checksum; its
 * older epoch ends the replay.
 *
 * Appending copies a record into an in-memory ring under the log's mutex
 * (one short critical section, no I/O). Durability comes from
 * wal_commit(lsn): group commit. The first waiter that finds no write in
 * progress becomes the leader: it writes every block from the durable
 * position to the current end (the partly filled last block is padded
 * with zeros and rewritten by the next flush), flushes the device, and
 * wakes everyone whose LSN is now durable; waiters that arrive meanwhile
 * park on a condition variable and are served by the next leader, so one
 * device flush serves every transaction waiting at that moment. Nobody
 * spins.
 *
 * A write or flush error is sticky: the failing commit and every later
 * append and commit get the error, and nothing is acknowledged that is not
 * durable. The server must then stop accepting writes (the log cannot be
 * trusted to have anything after the last durable position).
 *
 * Space: appends may run up to redo_lsn + log_size, where redo_lsn is the
 * newest checkpoint's; past that wal_append() returns -ENOSPC until a
 * checkpoint calls wal_set_redo().
 *
 * Portable: sync.h's mutex and condition variable, heap.h, and a disk_dev. */
#ifndef DB_WAL_WAL_H
#define DB_WAL_WAL_H

#include <stdbool.h>
#include <stdint.h>
#include <unidb/sync.h>

#include "disk.h"

/* Payload limit: a transaction logs one record per change, not one per
 * transaction. The ring must hold two of the largest records and come
 * from kmalloc (KMALLOC_MAX), hence 1 MiB. */
#define WAL_REC_MAX (256u << 10)
#define WAL_RING_DEFAULT ((uint64_t)1 << 20)

struct wal_hdr {
	uint32_t crc;
	uint32_t len;
	uint64_t lsn;
	uint64_t epoch;
	uint16_t type;
	uint16_t pad16;
	uint32_t pad32;
	uint64_t txid;
};

struct wal_rec {
	uint64_t lsn, epoch, txid;
	uint16_t type;
	uint32_t len;
	const void *data; /* valid during the callback only */
};

/* Called for each valid record during recovery, in log order; a nonzero
 * return stops recovery with that error. */
typedef int (*wal_redo_fn)(void *arg, const struct wal_rec *rec);

struct wal_stats {
	uint64_t records, bytes; /* appended since open */
	uint64_t commits;	 /* wal_commit calls that waited for a flush */
	uint64_t flushes;	 /* device flushes by leaders */
	uint64_t flushed_bytes;
	uint64_t recovered, recovered_bytes; /* replayed at open */
	uint64_t start_lsn, end_lsn;	     /* the replayed range */
};

struct wal {
	const struct disk_dev *dev;
	uint64_t off, size, bs; /* log region on the device, block size */
	uint64_t epoch;
	struct mutex lock; /* everything below */
	struct condvar cv; /* durable, flushing, limit or failed changed */
	uint8_t *ring;	   /* stream bytes [keep, end): ring[lsn % cap] */
	uint64_t cap;
	uint8_t *io; /* a leader's staging buffer: cap + bs bytes */
	uint64_t end;	  /* the next record's LSN */
	uint64_t durable; /* every byte before it is on the device, flushed */
	uint64_t limit;	  /* appends end at or before it */
	bool flushing;	  /* a leader is writing */
	int failed;	  /* first I/O error, sticky; 0: none */
	struct wal_stats st;
};

/* Opens the log of a database whose superblock is *sb: replays every valid
 * record from sb->redo_lsn through fn (may be NULL), positions the log
 * after the last one, and writes a new superblock generation with the
 * next epoch before returning, so the log can be appended to. ring_bytes
 * (0: WAL_RING_DEFAULT; rounded up to blocks, at least two of the
 * largest records, at most KMALLOC_MAX less a block) is
 * the in-memory ring. Errors in err: 53200 (memory), 58030 (I/O), or fn's.
 * O(log bytes replayed). */
int wal_open(struct wal *w, const struct disk_dev *dev, struct disk_super *sb,
	     uint64_t ring_bytes, wal_redo_fn fn, void *arg,
	     struct db_error *err);

/* Frees the ring (does not flush: wal_commit first). */
void wal_close(struct wal *w);

/* Appends one record; *end_lsn (may be NULL) gets the LSN just past it,
 * the position to pass to wal_commit. Returns 0, -EINVAL (len above
 * WAL_REC_MAX), -ENOSPC (the log is full until the next checkpoint), or
 * the sticky I/O error. May sleep (a full ring waits for, or performs, a
 * flush). */
int wal_append(struct wal *w, uint16_t type, uint64_t txid, const void *data,
	       uint32_t len, uint64_t *end_lsn);

/* Returns once every byte before lsn is durable: 0, or the sticky I/O
 * error (then lsn may not be durable: do not acknowledge). May sleep. */
int wal_commit(struct wal *w, uint64_t lsn);

/* A checkpoint made redo start at lsn durable (its superblock is
 * written): log space before it may be reused. */
void wal_set_redo(struct wal *w, uint64_t lsn);

/* The LSN the next record gets. */
uint64_t wal_end(struct wal *w);

void wal_stats(struct wal *w, struct wal_stats *st);

#endif
