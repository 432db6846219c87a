/* SPDX-License-Identifier: MIT */
/* ckpt.c: checkpoint streams in the two slots of the disk (see ckpt.h). */
#include "ckpt.h"

#include <string.h>
#include <unidb/errno.h>
#include <unidb/heap.h>

static int stream_init(struct ckpt_stream *s, const struct disk_dev *dev,
		       const struct disk_super *sb, int slot)
{
	memset(s, 0, sizeof(*s));
	s->dev = dev;
	s->slot = slot;
	s->off = sb->ckpt_off[slot];
	s->cap = sb->ckpt_size;
	s->buf = kmalloc(DISK_IO_MAX);
	return s->buf ? 0 : -ENOMEM;
}

void ckpt_stream_free(struct ckpt_stream *s)
{
	kfree(s->buf);
	s->buf = NULL;
}

int ckpt_write_begin(struct ckpt_stream *s, const struct disk_dev *dev,
		     const struct disk_super *sb)
{
	return stream_init(s, dev, sb, sb->ckpt_slot == 0 ? 1 : 0);
}

int ckpt_append_begin(struct ckpt_stream *s, const struct disk_dev *dev,
		      const struct disk_super *sb)
{
	uint64_t head = sb->ckpt_len & (dev->block_size - 1);
	int rc = stream_init(s, dev, sb, sb->ckpt_slot);

	if (rc)
		return rc;
	s->pos = sb->ckpt_len;
	s->crc = sb->ckpt_crc;
	/* The buffer starts at the block holding the old end, with the old
	 * bytes in front (put_buf writes whole blocks). */
	if (head)
		rc = dev->read(dev->ctx, s->off + s->pos - head, s->buf,
			       dev->block_size);
	if (rc)
		ckpt_stream_free(s);
	s->fill = (uint32_t)head;
	return rc;
}

/* Writes the buffer (padded to blocks) at the slot position of its first
 * byte. */
static int put_buf(struct ckpt_stream *s)
{
	uint64_t at = s->pos - s->fill, bs = s->dev->block_size;
	uint32_t n = (uint32_t)((s->fill + bs - 1) & ~(bs - 1));

	if (!s->fill || s->err)
		return s->err;
	memset(s->buf + s->fill, 0, n - s->fill);
	s->err = s->dev->write(s->dev->ctx, s->off + at, s->buf, n);
	s->fill = 0;
	return s->err;
}

int ckpt_write(struct ckpt_stream *s, const void *p, size_t n)
{
	const uint8_t *b = p;

	if (s->err)
		return s->err;
	if (s->pos + n > s->cap)
		return s->err = -ENOSPC;
	s->crc = crc32c(s->crc, p, n);
	while (n) {
		uint32_t k = DISK_IO_MAX - s->fill;

		if (k > n)
			k = (uint32_t)n;
		memcpy(s->buf + s->fill, b, k);
		s->fill += k;
		s->pos += k;
		b += k;
		n -= k;
		if (s->fill == DISK_IO_MAX && put_buf(s))
			return s->err;
	}
	return 0;
}

int ckpt_write_commit(struct ckpt_stream *s, struct disk_super *sb,
		      uint64_t redo_lsn)
{
	struct disk_super next = *sb;
	int rc = put_buf(s);

	if (!rc)
		rc = s->dev->flush(s->dev->ctx);
	if (!rc) {
		next.ckpt_slot = s->slot;
		next.ckpt_len = s->pos;
		next.ckpt_crc = s->crc;
		next.redo_lsn = redo_lsn;
		rc = disk_super_write(s->dev, &next);
		if (!rc)
			*sb = next;
	}
	ckpt_stream_free(s);
	return rc;
}

int ckpt_read_begin(struct ckpt_stream *s, const struct disk_dev *dev,
		    const struct disk_super *sb)
{
	int rc;

	if (sb->ckpt_slot < 0)
		return -ENOENT;
	rc = stream_init(s, dev, sb, sb->ckpt_slot);
	s->len = sb->ckpt_len;
	s->want_crc = sb->ckpt_crc;
	return rc;
}

int ckpt_read(struct ckpt_stream *s, void *p, size_t n)
{
	uint8_t *b = p;

	if (s->err)
		return s->err;
	if (s->pos + n > s->len)
		return -ENODATA;
	while (n) {
		uint32_t k;

		if (s->at == s->fill) {
			uint64_t left = s->len - s->pos, bs = s->dev->block_size;
			uint32_t want = left < DISK_IO_MAX ? (uint32_t)left
							   : DISK_IO_MAX;

			want = (uint32_t)((want + bs - 1) & ~(bs - 1));
			s->err = s->dev->read(s->dev->ctx, s->off + s->pos,
					      s->buf, want);
			if (s->err)
				return s->err;
			s->fill = want;
			s->at = 0;
		}
		k = s->fill - s->at;
		if (k > n)
			k = (uint32_t)n;
		memcpy(b, s->buf + s->at, k);
		s->crc = crc32c(s->crc, b, k);
		s->at += k;
		s->pos += k;
		b += k;
		n -= k;
	}
	return 0;
}

int ckpt_read_end(struct ckpt_stream *s)
{
	int rc = s->err;

	if (!rc && (s->pos != s->len || s->crc != s->want_crc))
		rc = -EBADMSG;
	ckpt_stream_free(s);
	return rc;
}
