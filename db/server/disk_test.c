/* SPDX-License-Identifier: MIT */
/* disk_test.c: the redo log on a real device (NVMe or virtio-blk), run by
 * tests/run's blk suite on a fresh disk file (named blk_ so that it runs
 * there, and only there). The log's crash behaviour is tested on the host
 * (tests/unit/db_wal_test.c); this checks the device path and group
 * commit from threads on every core. */
#include <string.h>
#include <unidb/cpu.h>
#include <unidb/errno.h>
#include <unidb/printk.h>
#include <unidb/test.h>
#include <unidb/thread.h>

#include "../wal/wal.h"
#include "disk.h"

#define THREADS 8
#define COMMITS 150

struct committer {
	struct wal *w;
	unsigned id;
	int fails;
};

static void commit_loop(void *arg)
{
	struct committer *c = arg;
	uint8_t rec[100];

	for (unsigned i = 0; i < COMMITS; i++) {
		uint64_t end;

		memset(rec, (int)c->id, sizeof(rec));
		memcpy(rec, &i, sizeof(i));
		if (wal_append(c->w, 1, (uint64_t)c->id << 32 | i, rec,
			       sizeof(rec), &end) ||
		    wal_commit(c->w, end))
			c->fails++;
	}
}

struct tally {
	unsigned next[THREADS];
	int bad;
};

static int tally_rec(void *arg, const struct wal_rec *r)
{
	struct tally *t = arg;
	unsigned id = (unsigned)(r->txid >> 32), i = (unsigned)r->txid;
	const uint8_t *p = r->data;

	if (id >= THREADS || i != t->next[id] || r->len != 100 ||
	    p[99] != id)
		t->bad++;
	else
		t->next[id]++;
	return 0;
}

TEST(blk_wal_group_commit_on_device)
{
	static struct wal w;
	static struct committer c[THREADS];
	static struct tally t;
	struct thread *th[THREADS];
	struct disk_dev dev;
	struct disk_super sb;
	struct db_error err = {0};
	struct wal_stats st;

	if (db_disk_open(0, &dev)) {
		printk("blk_wal: no block device, skipped\n");
		return;
	}
	ASSERT_EQ(disk_format(&dev, 8 << 20, &sb, &err), 0);
	ASSERT_EQ(wal_open(&w, &dev, &sb, 0, NULL, NULL, &err), 0);
	for (unsigned i = 0; i < THREADS; i++) {
		c[i] = (struct committer){&w, i, 0};
		th[i] = thread_create("wal-commit", commit_loop, &c[i], NULL);
		ASSERT(th[i] != NULL);
	}
	for (unsigned i = 0; i < THREADS; i++) {
		thread_join(th[i]);
		ASSERT_EQ(c[i].fails, 0);
	}
	wal_stats(&w, &st);
	printk("blk_wal: %u commits on %u cores: %lu waited for a flush, %lu "
	       "device flushes\n", THREADS * COMMITS, cpu_count(),
	       st.commits, st.flushes);
	wal_close(&w);

	/* Read back from the device, as recovery at boot does. */
	ASSERT_EQ(disk_super_read(&dev, &sb, &err), 0);
	ASSERT_EQ(wal_open(&w, &dev, &sb, 0, tally_rec, &t, &err), 0);
	ASSERT_EQ(t.bad, 0);
	for (unsigned i = 0; i < THREADS; i++)
		ASSERT_EQ(t.next[i], COMMITS);
	wal_close(&w);
}
