/* SPDX-License-Identifier: MIT */
/* disk.h: the database's disk: its layout, the superblock, the device below.
 *
 * unidb keeps a database on one block device, with no file system between:
 *
 *   0              superblock, copy A (one 4 KiB block)
 *   4 KiB          superblock, copy B
 *   8 KiB          redo log: a circular byte stream of log_size bytes
 *                  (wal.h)
 *   log end        checkpoint slot 0, ckpt_size bytes
 *   ...            checkpoint slot 1, ckpt_size bytes
 *
 * Superblock updates alternate between the copies (generation g is written
 * to copy g % 2), so a write torn by a crash leaves the other copy, one
 * generation older, intact; reading takes the valid copy with the higher
 * generation. Each copy carries a magic, a format version and a CRC-32C.
 *
 * A checkpoint is written into the slot the superblock does not name, made
 * durable, and only then named by a new superblock generation: until that
 * moment the previous checkpoint and the log after its redo position stay
 * untouched, so a crash at any point leaves one complete checkpoint. A
 * delta checkpoint is appended to the stream in force instead (the
 * superblock names the longer stream only once it is durable).
 *
 * Nothing here formats a disk on its own: disk_super_read() on a disk that
 * holds no unidb database, a corrupt one or one of an unknown format
 * version fails with a message saying which, and only disk_format(), which
 * the caller runs when a user asked for it, writes a new database.
 *
 * Portable: the device is a table of functions (the guest's is over
 * <unidb/blk.h>, the host tests' a simulated disk that can crash). */
#ifndef DB_WAL_DISK_H
#define DB_WAL_DISK_H

#include <stddef.h>
#include <stdint.h>

#include "../common.h"

/* A block device. Calls may sleep; offsets and lengths are multiples of
 * block_size, lengths at most DISK_IO_MAX. Each returns 0 or a negative
 * errno.h code. A write is durable only after a later flush returns 0. */
struct disk_dev {
	void *ctx;
	uint32_t block_size; /* a power of two, 512..DISK_SUPER_BYTES */
	uint64_t size;	     /* bytes */
	int (*read)(void *ctx, uint64_t off, void *buf, uint32_t len);
	int (*write)(void *ctx, uint64_t off, const void *buf, uint32_t len);
	int (*flush)(void *ctx);
};

#define DISK_MAGIC "unidb-db"
/* Version 2: a checkpoint slot may hold delta checkpoints after the full
 * one (redo.c). A version 1 disk (no deltas) is read, and becomes version
 * 2 with the superblock of its next epoch (redo_open), so that a build
 * that knows no deltas refuses it from then on. */
#define DISK_VERSION 2
#define DISK_VERSION_OLDEST 1
#define DISK_SUPER_BYTES 4096
#define DISK_IO_MAX (1u << 20)
#define DISK_MIN_BYTES ((uint64_t)4 << 20)
#define DISK_LOG_DEFAULT ((uint64_t)64 << 20)

struct disk_super {
	char magic[8];
	uint32_t version;
	uint32_t block_size;
	uint64_t generation; /* bumped by every write; copy = generation % 2 */
	uint64_t disk_size;
	uint64_t log_off, log_size;
	uint64_t ckpt_off[2], ckpt_size;
	/* The newest complete checkpoint: its slot (-1: none yet), length,
	 * CRC-32C, and the log position its redo starts from. */
	int32_t ckpt_slot;
	uint32_t ckpt_crc;
	uint64_t ckpt_len;
	uint64_t redo_lsn;
	uint64_t epoch; /* bumped each time the database is opened */
	uint32_t crc;	/* CRC-32C of every byte before this field */
};

/* CRC-32C (Castagnoli) of p[0..n), continuing from crc (0 to start).
 * Table-driven, ~1 byte per cycle. */
uint32_t crc32c(uint32_t crc, const void *p, size_t n);

/* Writes a new, empty database: superblock generation 1 in both copies,
 * a log of log_size bytes (0: DISK_LOG_DEFAULT, capped at a quarter of the
 * disk), the rest split into two checkpoint slots; flushed. Fills *sb.
 * XX000-style errors in err: 22023 for a disk too small or a bad block
 * size, 58030 for an I/O error. */
int disk_format(const struct disk_dev *dev, uint64_t log_size,
		struct disk_super *sb, struct db_error *err);

/* Reads the newest valid superblock into *sb. Errors (in err, with a
 * message for the operator): 58P01 the disk holds no unidb database (both
 * copies blank or foreign), XX001 both copies corrupt, 0A000 an unknown
 * format version, 22023 a superblock that does not fit this disk, 58030
 * an I/O error. Never writes. */
int disk_super_read(const struct disk_dev *dev, struct disk_super *sb,
		    struct db_error *err);

/* Writes sb as the next generation (sb->generation is bumped, sb->crc
 * set) into the other copy and flushes. 0 or a negative errno. */
int disk_super_write(const struct disk_dev *dev, struct disk_super *sb);

#endif
