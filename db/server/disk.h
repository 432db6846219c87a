/* SPDX-License-Identifier: MIT */
/* disk.h: the guest's database disk: a disk_dev (db/wal/disk.h) over a
 * block device of <unidb/blk.h>. Reads and writes wait on the calling
 * core's queue (blk_rw_sync: the thread parks or polls as the queue's
 * mode says); flush is the device's FLUSH when it has a volatile cache,
 * nothing otherwise (its writes are durable on completion). */
#ifndef DB_SERVER_DISK_H
#define DB_SERVER_DISK_H

#include "../wal/disk.h"

/* Fills dev for block device `index`. 0, or -ENODEV with no such device. */
int db_disk_open(unsigned index, struct disk_dev *dev);

#endif
