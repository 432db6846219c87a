/* SPDX-License-Identifier: MIT */
/* wal.c: the redo log: append, group commit, recovery (see wal.h). */
#include "wal.h"

#include <string.h>
#include <unidb/errno.h>
#include <unidb/heap.h>

#define ALIGN8(n) (((n) + 7) & ~(uint64_t)7)

static uint64_t align_up(uint64_t n, uint64_t a)
{
	return (n + a - 1) & ~(a - 1);
}

static uint64_t block_of(const struct wal *w, uint64_t lsn)
{
	return lsn & ~(w->bs - 1);
}

static uint64_t rec_bytes(uint32_t len)
{
	return ALIGN8(sizeof(struct wal_hdr) + (uint64_t)len);
}

/* Stream bytes [lsn, lsn + n) to or from the device, wrapping at the end
 * of the log region; lsn and n are block multiples. */
static int stream_io(const struct wal *w, bool write, uint64_t lsn,
		     uint8_t *buf, uint64_t n)
{
	while (n) {
		uint64_t pos = lsn % w->size, k = w->size - pos;
		int rc;

		if (k > n)
			k = n;
		if (k > DISK_IO_MAX)
			k = DISK_IO_MAX;
		rc = write ? w->dev->write(w->dev->ctx, w->off + pos, buf,
					   (uint32_t)k)
			   : w->dev->read(w->dev->ctx, w->off + pos, buf,
					  (uint32_t)k);
		if (rc)
			return rc;
		lsn += k;
		buf += k;
		n -= k;
	}
	return 0;
}

static void ring_put(struct wal *w, uint64_t lsn, const void *src, uint64_t n)
{
	uint64_t pos = lsn % w->cap, first = w->cap - pos;

	if (first > n)
		first = n;
	if (src) {
		memcpy(w->ring + pos, src, first);
		memcpy(w->ring, (const uint8_t *)src + first, n - first);
	} else {
		memset(w->ring + pos, 0, first);
		memset(w->ring, 0, n - first);
	}
}

static void ring_get(const struct wal *w, uint64_t lsn, void *dst, uint64_t n)
{
	uint64_t pos = lsn % w->cap, first = w->cap - pos;

	if (first > n)
		first = n;
	memcpy(dst, w->ring + pos, first);
	memcpy((uint8_t *)dst + first, w->ring, n - first);
}

/* Called with the lock held and no leader: becomes the leader, writes
 * every block from the durable position to the current end, flushes, and
 * wakes the waiters. Drops the lock during the I/O. Appenders meanwhile
 * write only past `to`, and cannot wrap the ring onto [from, to): their
 * room is counted from block_of(durable), which stays put until we are
 * done. */
static void flush_locked(struct wal *w)
{
	uint64_t from = block_of(w, w->durable), to = w->end;
	uint64_t n = align_up(to, w->bs) - from;
	int rc;

	w->flushing = true;
	mutex_unlock(&w->lock);
	ring_get(w, from, w->io, to - from);
	memset(w->io + (to - from), 0, n - (to - from));
	rc = stream_io(w, true, from, w->io, n);
	if (!rc)
		rc = w->dev->flush(w->dev->ctx);
	mutex_lock(&w->lock);
	w->flushing = false;
	if (rc) {
		if (!w->failed)
			w->failed = rc;
	} else {
		w->durable = to;
		w->st.flushes++;
		w->st.flushed_bytes += n;
	}
	condvar_broadcast(&w->cv);
}

int wal_append(struct wal *w, uint16_t type, uint64_t txid, const void *data,
	       uint32_t len, uint64_t *end_lsn)
{
	struct wal_hdr h = {0};
	uint64_t n = rec_bytes(len);
	uint32_t crc;
	int rc = 0;

	if (len > WAL_REC_MAX)
		return -EINVAL;
	crc = crc32c(0, data, len); /* outside the lock: the payload part */
	mutex_lock(&w->lock);
	for (;;) {
		if (w->failed) {
			rc = w->failed;
			goto out;
		}
		if (w->end + n > w->limit) {
			rc = -ENOSPC;
			goto out;
		}
		if (w->end + n - block_of(w, w->durable) <= w->cap)
			break;
		if (!w->flushing)
			flush_locked(w);
		else
			condvar_wait(&w->cv, &w->lock);
	}
	h.len = len;
	h.lsn = w->end;
	h.epoch = w->epoch;
	h.type = type;
	h.txid = txid;
	h.crc = crc32c(crc, (const uint8_t *)&h + 4, sizeof(h) - 4);
	ring_put(w, w->end, &h, sizeof(h));
	ring_put(w, w->end + sizeof(h), data, len);
	ring_put(w, w->end + sizeof(h) + len, NULL, n - sizeof(h) - len);
	w->end += n;
	w->st.records++;
	w->st.bytes += n;
	if (end_lsn)
		*end_lsn = w->end;
out:
	mutex_unlock(&w->lock);
	return rc;
}

int wal_commit(struct wal *w, uint64_t lsn)
{
	int rc = 0;

	mutex_lock(&w->lock);
	if (w->durable < lsn)
		w->st.commits++;
	while (w->durable < lsn) {
		if (w->failed) {
			rc = w->failed;
			break;
		}
		if (!w->flushing)
			flush_locked(w);
		else
			condvar_wait(&w->cv, &w->lock);
	}
	mutex_unlock(&w->lock);
	return rc;
}

void wal_set_redo(struct wal *w, uint64_t lsn)
{
	mutex_lock(&w->lock);
	/* Block-aligned: a flush pads the last block up to its end, which
	 * must not reach the block holding the redo position. */
	w->limit = block_of(w, lsn) + w->size;
	condvar_broadcast(&w->cv);
	mutex_unlock(&w->lock);
}

uint64_t wal_end(struct wal *w)
{
	uint64_t e;

	mutex_lock(&w->lock);
	e = w->end;
	mutex_unlock(&w->lock);
	return e;
}

void wal_stats(struct wal *w, struct wal_stats *st)
{
	mutex_lock(&w->lock);
	*st = w->st;
	mutex_unlock(&w->lock);
}

/* Recovery reads the stream through w->io: [start, start + len). */
struct reader {
	struct wal *w;
	uint64_t start, len;
};

static int reader_get(struct reader *r, uint64_t lsn, uint64_t n,
		      const uint8_t **p)
{
	struct wal *w = r->w;
	uint64_t from, want;
	int rc;

	if (lsn >= r->start && lsn + n <= r->start + r->len) {
		*p = w->io + (lsn - r->start);
		return 0;
	}
	from = block_of(w, lsn);
	want = w->cap; /* read ahead; cap >= any record + a block */
	rc = stream_io(w, false, from, w->io, want);
	if (rc)
		return rc;
	r->start = from;
	r->len = want;
	*p = w->io + (lsn - from);
	return 0;
}

/* The record at pos if valid (see wal.h for the rules), else 0. */
static uint64_t valid_rec(struct reader *r, uint64_t pos, uint64_t prev_epoch,
			  uint64_t max_epoch, struct wal_rec *rec, int *rc)
{
	struct wal *w = r->w;
	const uint8_t *p;
	struct wal_hdr h;
	uint64_t n;

	if (pos + sizeof(h) > w->limit)
		return 0;
	*rc = reader_get(r, pos, sizeof(h), &p);
	if (*rc)
		return 0;
	memcpy(&h, p, sizeof(h));
	n = rec_bytes(h.len);
	if (h.lsn != pos || h.len > WAL_REC_MAX || h.epoch < prev_epoch ||
	    h.epoch > max_epoch || pos + n > w->limit)
		return 0;
	*rc = reader_get(r, pos, n, &p);
	if (*rc)
		return 0;
	if (h.crc != crc32c(crc32c(0, p + sizeof(h), h.len), p + 4,
			    sizeof(h) - 4))
		return 0;
	rec->lsn = pos;
	rec->epoch = h.epoch;
	rec->txid = h.txid;
	rec->type = h.type;
	rec->len = h.len;
	rec->data = p + sizeof(h);
	return n;
}

static int replay(struct wal *w, const struct disk_super *sb, wal_redo_fn fn,
		  void *arg, struct db_error *err)
{
	struct reader r = {w, 0, 0};
	uint64_t pos = sb->redo_lsn, prev_epoch = 0, n;
	const uint8_t *p;
	struct wal_rec rec;
	int rc = 0;

	w->st.start_lsn = pos;
	while ((n = valid_rec(&r, pos, prev_epoch, sb->epoch, &rec, &rc))) {
		if (fn && (rc = fn(arg, &rec)))
			return err->code[0] ? rc : db_err(err, "XX000",
				"redo of the record at LSN %llu failed: %d",
				(unsigned long long)pos, rc);
		prev_epoch = rec.epoch;
		pos += n;
		w->st.recovered++;
		w->st.recovered_bytes += n;
	}
	if (rc)
		return db_err(err, "58030", "could not read the log at LSN "
			      "%llu: error %d", (unsigned long long)pos, rc);
	w->st.end_lsn = pos;
	w->end = w->durable = pos;
	/* The next flush rewrites pos's block from its start: keep its
	 * valid part in the ring. */
	rc = reader_get(&r, block_of(w, pos), pos - block_of(w, pos), &p);
	if (rc)
		return db_err(err, "58030", "could not read the log: error %d",
			      rc);
	ring_put(w, block_of(w, pos), p, pos - block_of(w, pos));
	return 0;
}

int wal_open(struct wal *w, const struct disk_dev *dev, struct disk_super *sb,
	     uint64_t ring_bytes, wal_redo_fn fn, void *arg,
	     struct db_error *err)
{
	uint64_t min = 2 * rec_bytes(WAL_REC_MAX) + 2 * (uint64_t)dev->block_size;
	int rc;

	memset(w, 0, sizeof(*w));
	w->dev = dev;
	w->off = sb->log_off;
	w->size = sb->log_size;
	w->bs = sb->block_size;
	w->cap = align_up(ring_bytes ? ring_bytes : WAL_RING_DEFAULT, w->bs);
	if (w->cap < min)
		w->cap = align_up(min, w->bs);
	if (w->cap + w->bs > KMALLOC_MAX)
		w->cap = KMALLOC_MAX - w->bs;
	if (w->cap > w->size)
		return db_err(err, "22023", "the log region (%llu bytes) is "
			      "smaller than the log ring (%llu)",
			      (unsigned long long)w->size,
			      (unsigned long long)w->cap);
	mutex_init(&w->lock, "wal");
	condvar_init(&w->cv);
	w->ring = kzalloc(w->cap);
	w->io = kmalloc(w->cap + w->bs);
	if (!w->ring || !w->io) {
		wal_close(w);
		return db_err(err, "53200", "out of memory for the log ring");
	}
	w->limit = block_of(w, sb->redo_lsn) + w->size;
	rc = replay(w, sb, fn, arg, err);
	if (!rc) {
		sb->epoch++;
		w->epoch = sb->epoch;
		if ((rc = disk_super_write(dev, sb)))
			rc = db_err(err, "58030", "could not write the "
				    "superblock: error %d", rc);
	}
	if (rc)
		wal_close(w);
	return rc;
}

void wal_close(struct wal *w)
{
	kfree(w->ring);
	kfree(w->io);
	w->ring = w->io = NULL;
}
