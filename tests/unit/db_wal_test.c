/* SPDX-License-Identifier: MIT */
/* db_wal_test.c: host tests of the database disk and its redo log
 * (db/wal) on a simulated disk that can crash.
 *
 * The simulated disk keeps what is durable apart from what was written
 * since the last flush, per 512-byte sector. A crash keeps a random subset
 * of the sectors written since the last flush (any order of persistence,
 * torn multi-sector writes) and loses the rest; a crash point makes the
 * Nth write or flush call crash in the middle (part of its sectors
 * written, the device dead afterwards), which is how a VM killed during a
 * group commit looks.
 *
 * The invariant every test checks after each crash and reopen: every
 * record whose wal_commit returned 0 is replayed, intact, in order; no
 * record is replayed that was not appended, or twice. */
#include <pthread.h>
#include <stdint.h>
#include <unidb/errno.h>

#include "../../db/wal/ckpt.h"
#include "../../db/wal/wal.h"
#include "unit.h"

#define SECTOR 512

struct sim {
	pthread_mutex_t mu;
	uint64_t size;
	uint8_t *durable, *cache; /* cache: what reads return */
	uint8_t *dirty;		  /* per sector: written since last flush */
	long calls;		  /* write and flush calls so far */
	long crash_at;		  /* that call crashes (0: never) */
	long fail_at;		  /* that call fails with -EIO (0: never) */
	bool dead;
	unsigned seed;
	/* Tests of one tearing: a crash keeps exactly the sectors written at
	 * or after this offset (0: a random subset, the default). */
	uint64_t tear_from;
};

static unsigned rnd(unsigned *s)
{
	*s = *s * 1103515245u + 12345u;
	return *s >> 8;
}

static void sim_persist_some(struct sim *d)
{
	for (uint64_t i = 0; i < d->size / SECTOR; i++) {
		if (!d->dirty[i])
			continue;
		if (d->tear_from || rnd(&d->seed) % 2)
			memcpy(d->durable + i * SECTOR, d->cache + i * SECTOR,
			       SECTOR);
		d->dirty[i] = 0;
	}
}

/* Power comes back: what persisted is what the disk holds. */
static void sim_restart(struct sim *d)
{
	sim_persist_some(d);
	memcpy(d->cache, d->durable, d->size);
	d->dead = false;
	d->crash_at = d->fail_at = 0;
	d->tear_from = 0;
}

/* Counts a call; true if it must fail (crash point reached or dead). */
static bool sim_call_fails(struct sim *d, int *rc)
{
	d->calls++;
	if (d->dead || d->calls == d->crash_at) {
		d->dead = true;
		*rc = -EIO;
		return true;
	}
	if (d->calls == d->fail_at) {
		*rc = -EIO;
		return true;
	}
	return false;
}

static int sim_read(void *ctx, uint64_t off, void *buf, uint32_t len)
{
	struct sim *d = ctx;

	if (off % SECTOR || len % SECTOR || off + len > d->size)
		return -EINVAL;
	pthread_mutex_lock(&d->mu);
	memcpy(buf, d->cache + off, len);
	pthread_mutex_unlock(&d->mu);
	return 0;
}

static int sim_write(void *ctx, uint64_t off, const void *buf, uint32_t len)
{
	struct sim *d = ctx;
	int rc = 0;

	if (off % SECTOR || len % SECTOR || off + len > d->size)
		return -EINVAL;
	pthread_mutex_lock(&d->mu);
	if (sim_call_fails(d, &rc)) {
		/* A crash in the middle: some sectors made it to the cache
		 * (and may persist), the others not. */
		if (d->dead)
			for (uint32_t s = 0; s < len; s += SECTOR)
				if (d->tear_from ? off + s >= d->tear_from
						 : rnd(&d->seed) % 2) {
					memcpy(d->cache + off + s,
					       (const uint8_t *)buf + s,
					       SECTOR);
					d->dirty[(off + s) / SECTOR] = 1;
				}
	} else {
		memcpy(d->cache + off, buf, len);
		memset(d->dirty + off / SECTOR, 1, len / SECTOR);
	}
	pthread_mutex_unlock(&d->mu);
	return rc;
}

static int sim_flush(void *ctx)
{
	struct sim *d = ctx;
	int rc = 0;

	pthread_mutex_lock(&d->mu);
	if (!sim_call_fails(d, &rc)) {
		for (uint64_t i = 0; i < d->size / SECTOR; i++)
			if (d->dirty[i]) {
				memcpy(d->durable + i * SECTOR,
				       d->cache + i * SECTOR, SECTOR);
				d->dirty[i] = 0;
			}
	}
	pthread_mutex_unlock(&d->mu);
	return rc;
}

static void sim_init(struct sim *d, struct disk_dev *dev, uint64_t size,
		     uint32_t bs, unsigned seed)
{
	memset(d, 0, sizeof(*d));
	pthread_mutex_init(&d->mu, NULL);
	d->size = size;
	d->durable = calloc(1, size);
	d->cache = calloc(1, size);
	d->dirty = calloc(1, size / SECTOR);
	d->seed = seed;
	dev->ctx = d;
	dev->block_size = bs;
	dev->size = size;
	dev->read = sim_read;
	dev->write = sim_write;
	dev->flush = sim_flush;
}

static void sim_free(struct sim *d)
{
	free(d->durable);
	free(d->cache);
	free(d->dirty);
}

UNIT_TEST(wal_crc32c_vectors)
{
	/* RFC 3720, B.4, and the usual check value. */
	uint8_t z[32] = {0}, ff[32], up[33], down[32];
	int i;

	memset(ff, 0xff, sizeof(ff));
	for (i = 0; i < 32; i++) {
		up[i + 1] = (uint8_t)i;
		down[i] = (uint8_t)(31 - i);
	}
	CHECK_EQ(crc32c(0, "123456789", 9), 0xe3069283u);
	CHECK_EQ(crc32c(0, z, 32), 0x8a9136aau);
	CHECK_EQ(crc32c(0, ff, 32), 0x62a8ab43u);
	CHECK_EQ(crc32c(0, up + 1, 32), 0x46dd794eu); /* unaligned too */
	CHECK_EQ(crc32c(0, down, 32), 0x113fdb5cu);
	CHECK_EQ(crc32c(crc32c(0, "1234", 4), "56789", 5), 0xe3069283u);
	/* Eight bytes at a time and the tail agree wherever a buffer is cut. */
	for (i = 0; i <= 32; i++)
		CHECK_EQ(crc32c(crc32c(0, up + 1, (size_t)i), up + 1 + i,
				(size_t)(32 - i)),
			 0x46dd794eu);
}

UNIT_TEST(wal_superblock_states)
{
	struct sim d;
	struct disk_dev dev;
	struct disk_super sb, rd;
	struct db_error err = {0};

	sim_init(&d, &dev, 16 << 20, 4096, 1);
	CHECK_EQ(disk_super_read(&dev, &rd, &err), -EINVAL);
	CHECK_STR(err.code, "58P01");

	memset(&err, 0, sizeof(err));
	CHECK_EQ(disk_format(&dev, 0, &sb, &err), 0);
	CHECK_EQ(sb.log_size, 4 << 20); /* a quarter of the disk */
	CHECK_EQ(sb.ckpt_slot, -1);
	CHECK(sb.ckpt_off[1] + sb.ckpt_size <= dev.size);
	CHECK_EQ(disk_super_read(&dev, &rd, &err), 0);
	CHECK_EQ(rd.generation, 2);

	/* A new generation; then the newer copy torn: the older one is read. */
	rd.redo_lsn = 4096;
	CHECK_EQ(disk_super_write(&dev, &rd), 0);
	CHECK_EQ(disk_super_read(&dev, &sb, &err), 0);
	CHECK_EQ(sb.generation, 3);
	CHECK_EQ(sb.redo_lsn, 4096);
	d.cache[DISK_SUPER_BYTES + 100] ^= 1; /* generation 3 is copy B */
	CHECK_EQ(disk_super_read(&dev, &sb, &err), 0);
	CHECK_EQ(sb.generation, 2);
	CHECK_EQ(sb.redo_lsn, 0);

	/* Both corrupt: an error, not a guess and not a reformat. */
	d.cache[100] ^= 1;
	memset(&err, 0, sizeof(err));
	CHECK_EQ(disk_super_read(&dev, &sb, &err), -EINVAL);
	CHECK_STR(err.code, "XX001");

	/* A version this build does not know. */
	CHECK_EQ(disk_format(&dev, 0, &sb, &err), 0);
	sb.version = DISK_VERSION + 1;
	CHECK_EQ(disk_super_write(&dev, &sb), 0);
	sb.version = DISK_VERSION + 1;
	CHECK_EQ(disk_super_write(&dev, &sb), 0);
	memset(&err, 0, sizeof(err));
	CHECK_EQ(disk_super_read(&dev, &sb, &err), -EINVAL);
	CHECK_STR(err.code, "0A000");
	CHECK(strstr(err.msg, "version 3") != NULL);

	/* Version 1 (before delta checkpoints) is read. */
	CHECK_EQ(disk_format(&dev, 0, &sb, &err), 0);
	sb.version = 1;
	CHECK_EQ(disk_super_write(&dev, &sb), 0);
	CHECK_EQ(disk_super_read(&dev, &sb, &err), 0);
	CHECK_EQ(sb.version, 1);

	/* A disk file that shrank under its superblock. */
	CHECK_EQ(disk_format(&dev, 0, &sb, &err), 0);
	dev.size = 8 << 20;
	memset(&err, 0, sizeof(err));
	CHECK_EQ(disk_super_read(&dev, &sb, &err), -EINVAL);
	CHECK_STR(err.code, "22023");

	/* Too small to format. */
	dev.size = 1 << 20;
	memset(&err, 0, sizeof(err));
	CHECK_EQ(disk_format(&dev, 0, &sb, &err), -EINVAL);
	CHECK_STR(err.code, "22023");
	sim_free(&d);
}

/* The records a test appended, by txid (txids are 1, 2, 3, ... in log
 * order); a record's payload is a function of its txid. */
#define MAXTX 200000

struct model {
	uint32_t len[MAXTX];
	bool acked[MAXTX];     /* its commit returned 0 */
	bool in_ckpt[MAXTX];   /* before the newest checkpoint's redo LSN */
	uint64_t end_lsn[MAXTX];
	uint64_t next;	       /* next txid */
	uint64_t first_live;   /* first txid appended since the last open */
	/* One replay: */
	bool seen[MAXTX];
	uint64_t last_seen;
	int bad;
};

/* A new model and a freshly formatted simulated disk (default layout). */
static void fresh_disk(struct model *m, struct sim *d, struct disk_dev *dev,
		       uint64_t size, uint32_t bs, unsigned seed,
		       struct disk_super *sb)
{
	struct db_error err = {0};

	memset(m, 0, sizeof(*m));
	m->next = 1;
	sim_init(d, dev, size, bs, seed);
	CHECK_EQ(disk_format(dev, 0, sb, &err), 0);
}

static void payload(uint64_t txid, uint32_t len, uint8_t *out)
{
	unsigned s = (unsigned)txid * 2654435761u;

	for (uint32_t i = 0; i < len; i++)
		out[i] = (uint8_t)(rnd(&s) ^ i);
}

static int check_rec(void *arg, const struct wal_rec *r)
{
	struct model *m = arg;
	static uint8_t buf[WAL_REC_MAX];

	if (r->txid == 0 || r->txid >= m->next || m->seen[r->txid] ||
	    r->txid <= m->last_seen || r->len != m->len[r->txid] ||
	    r->type != (r->txid & 0xff)) {
		m->bad++;
		return 0;
	}
	payload(r->txid, r->len, buf);
	if (memcmp(buf, r->data, r->len))
		m->bad++;
	m->seen[r->txid] = true;
	m->last_seen = r->txid;
	return 0;
}

/* Opens (recovering) and checks the invariant. Returns wal_open's result. */
static int reopen(struct wal *w, struct disk_dev *dev, struct model *m)
{
	struct disk_super sb;
	struct db_error err = {0};
	int rc;

	CHECK_EQ(disk_super_read(dev, &sb, &err), 0);
	/* Records before the checkpoint's redo position are in it (a
	 * checkpoint is complete before its superblock names it), also when
	 * the crash came just after that superblock reached the disk. */
	for (uint64_t t = 1; t < m->next; t++)
		if (m->end_lsn[t] && m->end_lsn[t] <= sb.redo_lsn)
			m->in_ckpt[t] = true;
	memset(m->seen, 0, sizeof(m->seen));
	m->last_seen = 0;
	m->bad = 0;
	rc = wal_open(w, dev, &sb, 0, check_rec, m, &err);
	if (rc)
		return rc;
	CHECK_EQ(m->bad, 0);
	for (uint64_t t = 1; t < m->next; t++) {
		if (m->acked[t] && !m->in_ckpt[t] && !m->seen[t]) {
			printf("  acknowledged txid %llu lost\n",
			       (unsigned long long)t);
			CHECK(0);
			break;
		}
	}
	/* What was replayed is the database now: later records are new. */
	for (uint64_t t = 1; t < m->next; t++)
		if (m->seen[t])
			m->acked[t] = true;
	m->first_live = m->next;
	return 0;
}

static int append_one(struct wal *w, struct model *m, unsigned *seed)
{
	static uint8_t buf[WAL_REC_MAX];
	uint64_t t = m->next;
	uint32_t len = rnd(seed) % 8 ? rnd(seed) % 600 : rnd(seed) % 20000;
	int rc;

	if (t >= MAXTX)
		return -ENOSPC;
	payload(t, len, buf);
	m->len[t] = len;
	m->next++;
	rc = wal_append(w, (uint16_t)(t & 0xff), t, buf, len, &m->end_lsn[t]);
	if (rc)
		m->next--; /* never appended: the txid is free again */
	return rc;
}

/* Commits everything appended so far; marks acknowledged records. */
static int commit_all(struct wal *w, struct model *m)
{
	uint64_t end = wal_end(w);
	int rc = wal_commit(w, end);

	if (!rc)
		for (uint64_t t = m->first_live; t < m->next; t++)
			m->acked[t] = true;
	return rc;
}

/* A checkpoint, as the database will do it: everything so far is in it,
 * and redo starts at the current end. */
static void checkpoint(struct wal *w, struct disk_dev *dev, struct model *m)
{
	struct disk_super sb;
	struct db_error err = {0};
	uint64_t end = wal_end(w);

	if (commit_all(w, m) || disk_super_read(dev, &sb, &err))
		return;
	sb.redo_lsn = end;
	if (disk_super_write(dev, &sb))
		return;
	for (uint64_t t = 1; t < m->next; t++)
		m->in_ckpt[t] = m->acked[t];
	wal_set_redo(w, end);
}

UNIT_TEST(wal_append_commit_reopen)
{
	static struct model m;
	struct sim d;
	struct disk_dev dev;
	struct disk_super sb;
	struct wal w;
	struct wal_stats st;
	unsigned seed = 7;

	fresh_disk(&m, &d, &dev, 16 << 20, 512, 3, &sb);
	CHECK_EQ(reopen(&w, &dev, &m), 0);
	for (int i = 0; i < 500; i++) {
		CHECK_EQ(append_one(&w, &m, &seed), 0);
		if (i % 7 == 0)
			CHECK_EQ(commit_all(&w, &m), 0);
	}
	CHECK_EQ(commit_all(&w, &m), 0);
	wal_stats(&w, &st);
	CHECK_EQ(st.records, 500);
	wal_close(&w);
	CHECK_EQ(reopen(&w, &dev, &m), 0);
	wal_stats(&w, &st);
	CHECK_EQ(st.recovered, 500);
	/* Appending after recovery continues the log. */
	for (int i = 0; i < 50; i++)
		CHECK_EQ(append_one(&w, &m, &seed), 0);
	CHECK_EQ(commit_all(&w, &m), 0);
	wal_close(&w);
	CHECK_EQ(reopen(&w, &dev, &m), 0);
	wal_stats(&w, &st);
	CHECK_EQ(st.recovered, 550);
	wal_close(&w);
	sim_free(&d);
}

/* Crash at random calls, many times, with the log wrapping around its
 * region many times (a small log and checkpoints), at both block sizes. */
static void crash_loop(uint32_t bs, unsigned seed0, int rounds)
{
	static struct model m;
	struct sim d;
	struct disk_dev dev;
	struct disk_super sb;
	struct db_error err = {0};
	struct wal w;
	unsigned seed = seed0;
	int crashes = 0, opened = 0, wraps_lsn = 0;

	memset(&m, 0, sizeof(m));
	m.next = 1;
	sim_init(&d, &dev, 8 << 20, bs, seed0);
	CHECK_EQ(disk_format(&dev, 0, &sb, &err), 0); /* log: 2 MiB */
	for (int r = 0; r < rounds && !unit_failed_checks; r++) {
		d.crash_at = d.calls + 1 + rnd(&seed) % 40;
		if (reopen(&w, &dev, &m)) {
			sim_restart(&d); /* crashed while opening */
			crashes++;
			continue;
		}
		opened++;
		for (int i = 0; i < 400; i++) {
			int op = rnd(&seed) % 16, rc;

			if (op < 10)
				rc = append_one(&w, &m, &seed);
			else if (op < 15)
				rc = commit_all(&w, &m);
			else {
				checkpoint(&w, &dev, &m);
				rc = 0;
			}
			if (rc == -ENOSPC) {
				checkpoint(&w, &dev, &m);
				continue;
			}
			if (rc)
				break; /* the device crashed */
		}
		if (wal_end(&w) > 2 * (2u << 20))
			wraps_lsn = 1;
		wal_close(&w);
		sim_restart(&d);
		crashes++;
	}
	CHECK(opened > rounds / 4);
	CHECK(wraps_lsn);
	printf("  block %u: %d crashes, %d opens, %llu records\n", bs, crashes,
	       opened, (unsigned long long)m.next - 1);
	sim_free(&d);
}

UNIT_TEST(wal_crash_anywhere_loses_no_commit)
{
	crash_loop(512, 11, 300);
	crash_loop(4096, 12, 300);
}

struct thr {
	struct wal *w;
	int id, n, fails;
	uint64_t acked_lsn[400];
};

static void *committer(void *arg)
{
	struct thr *t = arg;
	uint8_t rec[64];

	for (int i = 0; i < t->n; i++) {
		uint64_t end;

		memset(rec, t->id, sizeof(rec));
		memcpy(rec, &i, sizeof(i));
		if (wal_append(t->w, 1, (uint64_t)t->id << 32 | (unsigned)i,
			       rec, sizeof(rec), &end) ||
		    wal_commit(t->w, end))
			t->fails++;
		t->acked_lsn[i] = end;
	}
	return NULL;
}

struct count {
	int per[8];
	int bad;
};

static int count_rec(void *arg, const struct wal_rec *r)
{
	struct count *c = arg;
	unsigned id = (unsigned)(r->txid >> 32), i = (unsigned)r->txid;

	if (id >= 8 || (int)i != c->per[id] || r->len != 64)
		c->bad++;
	else
		c->per[id]++;
	return 0;
}

/* Many threads committing at once: every commit durable, and (reported,
 * not asserted: it depends on timing) fewer flushes than commits. */
UNIT_TEST(wal_group_commit_threads)
{
	struct sim d;
	struct disk_dev dev;
	struct disk_super sb;
	struct db_error err = {0};
	struct wal w;
	struct wal_stats st;
	static struct thr t[8];
	pthread_t th[8];
	struct count c = {{0}, 0};

	sim_init(&d, &dev, 16 << 20, 512, 5);
	CHECK_EQ(disk_format(&dev, 0, &sb, &err), 0);
	CHECK_EQ(wal_open(&w, &dev, &sb, 0, NULL, NULL, &err), 0);
	for (int i = 0; i < 8; i++) {
		t[i] = (struct thr){&w, i, 400, 0, {0}};
		pthread_create(&th[i], NULL, committer, &t[i]);
	}
	for (int i = 0; i < 8; i++) {
		pthread_join(th[i], NULL);
		CHECK_EQ(t[i].fails, 0);
	}
	wal_stats(&w, &st);
	printf("  3200 commits, %llu waited, %llu device flushes\n",
	       (unsigned long long)st.commits,
	       (unsigned long long)st.flushes);
	CHECK(st.flushes <= st.commits);
	wal_close(&w);
	sim_restart(&d); /* keeps only what was flushed */
	CHECK_EQ(disk_super_read(&dev, &sb, &err), 0);
	CHECK_EQ(wal_open(&w, &dev, &sb, 0, count_rec, &c, &err), 0);
	CHECK_EQ(c.bad, 0);
	for (int i = 0; i < 8; i++)
		CHECK_EQ(c.per[i], 400);
	wal_close(&w);
	sim_free(&d);
}

/* A failed flush: that commit and everything after it fail; nothing is
 * acknowledged that is not durable; a restart recovers what was. */
UNIT_TEST(wal_io_error_is_sticky)
{
	static struct model m;
	struct sim d;
	struct disk_dev dev;
	struct disk_super sb;
	struct wal w;
	unsigned seed = 9;

	fresh_disk(&m, &d, &dev, 16 << 20, 4096, 9, &sb);
	CHECK_EQ(reopen(&w, &dev, &m), 0);
	for (int i = 0; i < 20; i++)
		CHECK_EQ(append_one(&w, &m, &seed), 0);
	CHECK_EQ(commit_all(&w, &m), 0);
	CHECK_EQ(append_one(&w, &m, &seed), 0);
	d.fail_at = d.calls + 2; /* the flush after the write */
	CHECK_EQ(commit_all(&w, &m), -EIO);
	CHECK_EQ(append_one(&w, &m, &seed), -EIO);
	CHECK_EQ(wal_commit(&w, wal_end(&w)), -EIO);
	wal_close(&w);
	sim_restart(&d);
	CHECK_EQ(reopen(&w, &dev, &m), 0);
	wal_close(&w);
	sim_free(&d);
}

static int append_len(struct wal *w, struct model *m, uint32_t len)
{
	static uint8_t buf[WAL_REC_MAX];
	uint64_t t = m->next++;

	payload(t, len, buf);
	m->len[t] = len;
	return wal_append(w, (uint16_t)(t & 0xff), t, buf, len, &m->end_lsn[t]);
}

/* The case only the epoch rule catches: a torn batch (record B1 lost, B2
 * after it survived), then the next epoch's records end exactly where B2
 * starts, on a block boundary (else the flush's zero padding would have
 * overwritten B2). B2 has the right LSN and checksum; it must not be
 * replayed. */
UNIT_TEST(wal_torn_batch_not_resurrected)
{
	static struct model m;
	struct sim d;
	struct disk_dev dev;
	struct disk_super sb;
	struct wal w;
	struct wal_stats st;

	fresh_disk(&m, &d, &dev, 8 << 20, 512, 6, &sb);
	CHECK_EQ(reopen(&w, &dev, &m), 0);
	CHECK_EQ(append_len(&w, &m, 100), 0); /* A: [0, 144) */
	CHECK_EQ(commit_all(&w, &m), 0);
	CHECK_EQ(append_len(&w, &m, 840), 0); /* B1: [144, 1024) */
	CHECK_EQ(append_len(&w, &m, 100), 0); /* B2: [1024, 1168) */
	d.crash_at = d.calls + 1;
	d.tear_from = sb.log_off + 1024; /* only B2's block survives */
	CHECK_EQ(commit_all(&w, &m), -EIO);
	wal_close(&w);
	sim_restart(&d);
	CHECK_EQ(reopen(&w, &dev, &m), 0);
	wal_stats(&w, &st);
	CHECK_EQ(st.recovered, 1);
	CHECK_EQ(st.end_lsn, 144);
	CHECK_EQ(append_len(&w, &m, 840), 0); /* C: [144, 1024) */
	CHECK_EQ(commit_all(&w, &m), 0);
	wal_close(&w);
	sim_restart(&d);
	CHECK_EQ(reopen(&w, &dev, &m), 0);
	wal_stats(&w, &st);
	CHECK_EQ(st.recovered, 2);
	CHECK_EQ(st.end_lsn, 1024);
	wal_close(&w);
	sim_free(&d);
}

UNIT_TEST(wal_full_log_needs_checkpoint)
{
	static struct model m;
	struct sim d;
	struct disk_dev dev;
	struct disk_super sb;
	struct wal w;
	unsigned seed = 4;
	int rc = 0, n = 0;

	fresh_disk(&m, &d, &dev, 8 << 20, 4096, 4, &sb);
	CHECK_EQ(reopen(&w, &dev, &m), 0);
	while (!rc && n++ < 100000)
		rc = append_one(&w, &m, &seed);
	CHECK_EQ(rc, -ENOSPC);
	CHECK(wal_end(&w) <= sb.log_size);
	checkpoint(&w, &dev, &m);
	CHECK_EQ(append_one(&w, &m, &seed), 0);
	CHECK_EQ(commit_all(&w, &m), 0);
	wal_close(&w);
	CHECK_EQ(reopen(&w, &dev, &m), 0);
	wal_close(&w);
	sim_free(&d);
}

static void ckpt_bytes(uint64_t gen, uint8_t *p, size_t n, uint64_t at)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)((at + i) * 31 + gen * 7 + ((at + i) >> 9));
}

/* Writes checkpoint `gen` of len bytes in odd pieces. */
static int write_ckpt(struct disk_dev *dev, struct disk_super *sb,
		      uint64_t gen, uint64_t len)
{
	static uint8_t piece[300000];
	struct ckpt_stream s;
	uint64_t at = 0;
	int rc = ckpt_write_begin(&s, dev, sb);

	while (!rc && at < len) {
		size_t n = (size_t)(len - at < 299999 ? len - at : 299999);

		ckpt_bytes(gen, piece, n, at);
		rc = ckpt_write(&s, piece, n);
		at += n;
	}
	if (rc) {
		ckpt_stream_free(&s);
		return rc;
	}
	return ckpt_write_commit(&s, sb, gen * 1000);
}

/* Reads the current checkpoint; returns its generation (from its redo
 * LSN), or -1 if its bytes are not checkpoint gen's. */
static long read_ckpt(struct disk_dev *dev, const struct disk_super *sb)
{
	static uint8_t piece[70000], want[70000];
	struct ckpt_stream s;
	uint64_t gen = sb->redo_lsn / 1000, at = 0;
	int bad = 0;

	if (ckpt_read_begin(&s, dev, sb))
		return -1;
	while (at < sb->ckpt_len) {
		size_t n = (size_t)(sb->ckpt_len - at < 65537 ? sb->ckpt_len - at
							       : 65537);

		if (ckpt_read(&s, piece, n))
			bad++;
		ckpt_bytes(gen, want, n, at);
		bad += memcmp(piece, want, n) != 0;
		at += n;
	}
	if (ckpt_read(&s, piece, 1) != -ENODATA)
		bad++;
	if (ckpt_read_end(&s) || bad)
		return -1;
	return (long)gen;
}

/* Every third step crashes at one of its first 8 device calls. */
static void crash_soon(struct sim *d, unsigned *seed, uint64_t step)
{
	if (step % 3 == 0)
		d->crash_at = d->calls + 1 + rnd(seed) % 8;
}

/* Power comes back after a step that crashed: the superblock as read. */
static void restart_read(struct sim *d, struct disk_dev *dev,
			 struct disk_super *sb)
{
	struct db_error err = {0};

	sim_restart(d);
	CHECK_EQ(disk_super_read(dev, sb, &err), 0);
}

/* A crash at any point of writing a checkpoint leaves either the old or
 * (once its superblock is durable) the new one, complete and intact. */
UNIT_TEST(ckpt_crash_keeps_a_complete_checkpoint)
{
	struct sim d;
	struct disk_dev dev;
	struct disk_super sb;
	struct db_error err = {0};
	unsigned seed = 21;
	long have = 0, got;
	int news = 0, olds = 0;

	sim_init(&d, &dev, 16 << 20, 512, 21);
	CHECK_EQ(disk_format(&dev, 1 << 20, &sb, &err), 0);
	CHECK_EQ(ckpt_read_begin(NULL, &dev, &sb), -ENOENT);
	for (uint64_t gen = 1; gen <= 60 && !unit_failed_checks; gen++) {
		uint64_t len = rnd(&seed) % (3u << 20);

		crash_soon(&d, &seed, gen);
		if (write_ckpt(&dev, &sb, gen, len) == 0 && !d.crash_at) {
			CHECK_EQ(read_ckpt(&dev, &sb), (long)gen);
			have = (long)gen;
			continue;
		}
		restart_read(&d, &dev, &sb);
		got = have ? read_ckpt(&dev, &sb) : (long)(sb.redo_lsn / 1000);
		CHECK(got == have || got == (long)gen);
		if (got == (long)gen)
			news++;
		else
			olds++;
		have = got;
	}
	printf("  20 crashes while checkpointing: %d kept the new one, %d the "
	       "old one\n", news, olds);
	/* Corruption in the slot is found at the end. */
	d.cache[sb.ckpt_off[sb.ckpt_slot] + 10] ^= 1;
	if (sb.ckpt_len > 10)
		CHECK_EQ(read_ckpt(&dev, &sb), -1);
	/* A checkpoint larger than its slot. */
	CHECK_EQ(write_ckpt(&dev, &sb, 99, sb.ckpt_size + 1), -ENOSPC);
	sim_free(&d);
}

/* Appends len bytes to the checkpoint in force: the pattern of
 * generation 0 going on from its end. */
static int append_ckpt(struct disk_dev *dev, struct disk_super *sb,
		       uint64_t len)
{
	static uint8_t piece[300000];
	struct ckpt_stream s;
	uint64_t at = sb->ckpt_len, end = at + len;
	int rc = ckpt_append_begin(&s, dev, sb);

	while (!rc && at < end) {
		size_t n = (size_t)(end - at < 299999 ? end - at : 299999);

		ckpt_bytes(0, piece, n, at);
		rc = ckpt_write(&s, piece, n);
		at += n;
	}
	if (rc) {
		ckpt_stream_free(&s);
		return rc;
	}
	return ckpt_write_commit(&s, sb, 0);
}

/* A crash at any point of appending to a checkpoint (a delta) leaves the
 * stream as it was or, once the superblock is durable, with the new
 * bytes, intact either way (the block holding the old end is rewritten). */
UNIT_TEST(ckpt_append_crash_keeps_a_complete_stream)
{
	struct sim d;
	struct disk_dev dev;
	struct disk_super sb;
	struct db_error err = {0};
	unsigned seed = 23;
	int news = 0, olds = 0;

	sim_init(&d, &dev, 32 << 20, 512, 23);
	CHECK_EQ(disk_format(&dev, 1 << 20, &sb, &err), 0);
	CHECK_EQ(write_ckpt(&dev, &sb, 0, 1000 + rnd(&seed) % 5000), 0);
	for (int i = 0; i < 60 && !unit_failed_checks; i++) {
		uint64_t old = sb.ckpt_len;
		uint64_t len = rnd(&seed) % (i % 6 ? 3000u : 1200000u);

		crash_soon(&d, &seed, (uint64_t)i);
		if (append_ckpt(&dev, &sb, len) == 0 && !d.crash_at) {
			CHECK_EQ(sb.ckpt_len, old + len);
			CHECK_EQ(read_ckpt(&dev, &sb), 0);
			continue;
		}
		restart_read(&d, &dev, &sb);
		CHECK(sb.ckpt_len == old || sb.ckpt_len == old + len);
		CHECK_EQ(read_ckpt(&dev, &sb), 0);
		if (sb.ckpt_len == old + len)
			news++;
		else
			olds++;
	}
	printf("  20 crashes while appending: %d kept the new bytes, %d the "
	       "old stream\n", news, olds);
	sim_free(&d);
}

UNIT_MAIN()
