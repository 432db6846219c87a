/* SPDX-License-Identifier: MIT */
/* disk.c: the database disk over <unidb/blk.h> (see disk.h). */
#include "disk.h"

#include <unidb/blk.h>
#include <unidb/errno.h>

static int bd_read(void *ctx, uint64_t off, void *buf, uint32_t len)
{
	return blk_rw_sync(ctx, BLK_READ, off, buf, len);
}

static int bd_write(void *ctx, uint64_t off, const void *buf, uint32_t len)
{
	return blk_rw_sync(ctx, BLK_WRITE, off, (void *)buf, len);
}

static int bd_flush(void *ctx)
{
	return blk_rw_sync(ctx, BLK_FLUSH, 0, NULL, 0);
}

static int bd_no_flush(void *ctx)
{
	return 0;
}

int db_disk_open(unsigned index, struct disk_dev *dev)
{
	struct blk_dev *b = blk_open(index);
	struct blk_info in;

	if (!b)
		return -ENODEV;
	blk_info(b, &in);
	dev->ctx = b;
	dev->block_size = in.block_size;
	dev->size = in.blocks * in.block_size;
	dev->read = bd_read;
	dev->write = bd_write;
	dev->flush = in.flush ? bd_flush : bd_no_flush;
	return 0;
}
