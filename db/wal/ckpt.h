/* SPDX-License-Identifier: MIT */
/* ckpt.h: checkpoints: a byte stream written into the free checkpoint slot
 * and named by the superblock only once it is complete and durable.
 *
 * The writer fills the slot the superblock does not name (disk.h), in
 * DISK_IO_MAX pieces, with a CRC-32C over the whole stream; ckpt_commit()
 * pads, flushes, and then writes the superblock naming the new slot, its
 * length, CRC and the log position redo starts from. A crash before that
 * superblock is durable leaves the previous checkpoint in force; the log
 * after the previous redo position has not been reused (wal.h: space is
 * released only by wal_set_redo after the commit), so recovery still has
 * everything it needs.
 *
 * What the stream holds is the caller's (the tables' contents); the
 * reader returns it piece by piece and checks the CRC at the end, so a
 * loader must treat what it read as valid only once ckpt_read_end()
 * returns 0.
 *
 * Portable: a disk_dev, heap.h. Calls may sleep (device I/O). */
#ifndef DB_WAL_CKPT_H
#define DB_WAL_CKPT_H

#include <stdbool.h>

#include "disk.h"

struct ckpt_stream {
	const struct disk_dev *dev;
	uint64_t off, cap; /* the slot */
	uint64_t pos;	   /* stream bytes written or read */
	uint64_t len;	   /* reader: the stream's length */
	uint32_t crc, want_crc;
	int slot;
	uint8_t *buf; /* DISK_IO_MAX bytes */
	uint32_t fill, at;
	int err; /* sticky */
};

/* Starts a checkpoint into the slot sb does not name. 0 or -ENOMEM. */
int ckpt_write_begin(struct ckpt_stream *s, const struct disk_dev *dev,
		     const struct disk_super *sb);
/* Continues the checkpoint sb names (which must exist) in its slot: what
 * is written goes after its sb->ckpt_len bytes, and ckpt_write_commit
 * names the longer stream, its CRC continuing the old one (a delta
 * checkpoint after a full one, redo.c). Until then the superblock names
 * the old length and CRC, whose bytes the writes leave as they are (the
 * block holding the old end is rewritten with the same bytes in front).
 * 0, -ENOMEM or the device's error. */
int ckpt_append_begin(struct ckpt_stream *s, const struct disk_dev *dev,
		      const struct disk_super *sb);
/* Appends n bytes. 0, -ENOSPC (the slot is full: the database outgrew
 * half the disk after the log), or the device's error (sticky). */
int ckpt_write(struct ckpt_stream *s, const void *p, size_t n);
/* Makes the checkpoint durable and current: pads and writes the rest,
 * flushes, then writes *sb's next generation naming it with redo_lsn.
 * Frees the stream. 0 or the first error (then *sb is unchanged on disk
 * or names the new checkpoint: reread it). */
int ckpt_write_commit(struct ckpt_stream *s, struct disk_super *sb,
		      uint64_t redo_lsn);
/* Abandons a checkpoint being written; frees the stream. */
void ckpt_stream_free(struct ckpt_stream *s);

/* Opens the checkpoint sb names. -ENOENT if there is none (a new
 * database), -ENOMEM. */
int ckpt_read_begin(struct ckpt_stream *s, const struct disk_dev *dev,
		    const struct disk_super *sb);
/* Whether bytes of the stream are left to read. */
static inline bool ckpt_read_more(const struct ckpt_stream *s)
{
	return s->pos < s->len;
}
/* Reads exactly n bytes. 0, -ENODATA past the end of the stream, or the
 * device's error. */
int ckpt_read(struct ckpt_stream *s, void *p, size_t n);
/* 0 if every byte was read and the CRC matches, else -EBADMSG (corrupt)
 * or the first error; frees the stream. */
int ckpt_read_end(struct ckpt_stream *s);

#endif
