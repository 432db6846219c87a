/* SPDX-License-Identifier: MIT */
/* disk.c: the superblock and the layout of a database disk (see disk.h). */
#include "disk.h"

#include <string.h>
#include <unidb/errno.h>
#include <unidb/heap.h>

static uint32_t crc_table[256];

static void crc_table_init(void)
{
	for (uint32_t i = 0; i < 256; i++) {
		uint32_t c = i;

		for (int k = 0; k < 8; k++)
			c = c & 1 ? (c >> 1) ^ 0x82f63b78u : c >> 1;
		crc_table[i] = c;
	}
}

uint32_t crc32c(uint32_t crc, const void *p, size_t n)
{
	const uint8_t *b = p;

	/* Racing first callers compute the same table: benign. */
	if (!crc_table[1])
		crc_table_init();
	crc = ~crc;
	while (n--)
		crc = crc_table[(crc ^ *b++) & 0xff] ^ (crc >> 8);
	return ~crc;
}

static uint32_t super_crc(const struct disk_super *sb)
{
	return crc32c(0, sb, offsetof(struct disk_super, crc));
}

int disk_super_write(const struct disk_dev *dev, struct disk_super *sb)
{
	uint8_t *blk = kzalloc(DISK_SUPER_BYTES);
	int rc;

	if (!blk)
		return -ENOMEM;
	sb->generation++;
	sb->crc = super_crc(sb);
	memcpy(blk, sb, sizeof(*sb));
	rc = dev->write(dev->ctx, (sb->generation % 2) * DISK_SUPER_BYTES, blk,
			DISK_SUPER_BYTES);
	if (!rc)
		rc = dev->flush(dev->ctx);
	kfree(blk);
	return rc;
}

int disk_format(const struct disk_dev *dev, uint64_t log_size,
		struct disk_super *sb, struct db_error *err)
{
	uint64_t bs = dev->block_size, rest;
	int rc;

	if (bs < 512 || bs > DISK_SUPER_BYTES || (bs & (bs - 1)))
		return db_err(err, "22023", "disk block size %llu unsupported",
			      (unsigned long long)bs);
	if (dev->size < DISK_MIN_BYTES)
		return db_err(err, "22023",
			      "disk of %llu bytes is too small for a database "
			      "(at least %llu MiB)",
			      (unsigned long long)dev->size,
			      (unsigned long long)(DISK_MIN_BYTES >> 20));
	if (!log_size)
		log_size = DISK_LOG_DEFAULT;
	if (log_size > dev->size / 4)
		log_size = dev->size / 4;
	log_size &= ~(bs - 1);

	memset(sb, 0, sizeof(*sb));
	memcpy(sb->magic, DISK_MAGIC, sizeof(sb->magic));
	sb->version = DISK_VERSION;
	sb->block_size = (uint32_t)bs;
	sb->disk_size = dev->size;
	sb->log_off = 2 * DISK_SUPER_BYTES;
	sb->log_size = log_size;
	rest = (dev->size - sb->log_off - log_size) / 2 & ~(bs - 1);
	sb->ckpt_off[0] = sb->log_off + log_size;
	sb->ckpt_off[1] = sb->ckpt_off[0] + rest;
	sb->ckpt_size = rest;
	sb->ckpt_slot = -1;
	/* Both copies: generation 1 (copy B), then 2 (copy A), so that no
	 * copy holds an older database's superblock. */
	rc = disk_super_write(dev, sb);
	if (!rc)
		rc = disk_super_write(dev, sb);
	if (rc)
		return db_err(err, "58030", "could not write the superblock: "
			      "error %d", rc);
	return 0;
}

enum copy_state { COPY_OK, COPY_BLANK, COPY_CORRUPT, COPY_VERSION };

static enum copy_state copy_check(const struct disk_super *s)
{
	if (memcmp(s->magic, DISK_MAGIC, sizeof(s->magic)))
		return COPY_BLANK;
	/* The version first: another version's layout has its CRC elsewhere. */
	if (s->version < DISK_VERSION_OLDEST || s->version > DISK_VERSION)
		return COPY_VERSION;
	if (s->crc != super_crc(s))
		return COPY_CORRUPT;
	return COPY_OK;
}

static int super_fits(const struct disk_dev *dev, const struct disk_super *s,
		      struct db_error *err)
{
	uint64_t end = s->ckpt_off[1] + s->ckpt_size;

	if (s->block_size != dev->block_size || s->disk_size > dev->size ||
	    s->log_off < 2 * DISK_SUPER_BYTES || !s->log_size ||
	    s->ckpt_off[0] < s->log_off + s->log_size ||
	    s->ckpt_off[1] < s->ckpt_off[0] + s->ckpt_size ||
	    end > dev->size || s->ckpt_slot < -1 || s->ckpt_slot > 1 ||
	    s->ckpt_len > s->ckpt_size)
		return db_err(err, "22023",
			      "the superblock does not fit this disk (%llu "
			      "bytes, block %u): was the disk file truncated?",
			      (unsigned long long)dev->size, dev->block_size);
	return 0;
}

int disk_super_read(const struct disk_dev *dev, struct disk_super *sb,
		    struct db_error *err)
{
	uint8_t *blk = kmalloc(2 * DISK_SUPER_BYTES);
	struct disk_super c[2];
	enum copy_state st[2];
	int rc, best = -1;

	if (!blk)
		return db_err(err, "53200", "out of memory");
	rc = dev->size < 2 * DISK_SUPER_BYTES
		 ? -ERANGE
		 : dev->read(dev->ctx, 0, blk, 2 * DISK_SUPER_BYTES);
	for (int i = 0; i < 2 && !rc; i++) {
		memcpy(&c[i], blk + i * DISK_SUPER_BYTES, sizeof(c[i]));
		st[i] = copy_check(&c[i]);
		if (st[i] == COPY_OK &&
		    (best < 0 || c[i].generation > c[best].generation))
			best = i;
	}
	kfree(blk);
	if (rc)
		return db_err(err, "58030", "could not read the superblock: "
			      "error %d", rc);
	if (best >= 0) {
		*sb = c[best];
		return super_fits(dev, sb, err);
	}
	if (st[0] == COPY_VERSION || st[1] == COPY_VERSION) {
		int i = st[0] == COPY_VERSION ? 0 : 1;

		return db_err(err, "0A000",
			      "the disk holds a unidb database of format "
			      "version %u; this build reads version %u",
			      c[i].version, DISK_VERSION);
	}
	if (st[0] == COPY_CORRUPT || st[1] == COPY_CORRUPT)
		return db_err(err, "XX001",
			      "both superblock copies are corrupt (checksum "
			      "mismatch): refusing to guess");
	return db_err(err, "58P01", "the disk holds no unidb database");
}
