/* SPDX-License-Identifier: MIT */
/* redo.c: redo records, replay, checkpoints of the tables (see redo.h). */
#include "redo.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unidb/errno.h>
#include <unidb/heap.h>
#include <unidb/time.h>

#include "../exec/exec.h"
#include "../storage/snapshot.h"
#include "../storage/table.h"
#include "../txn/txn.h"

#define CKPT_MAGIC "unidbck1"
#define REPLAY_BUDGET ((size_t)64 << 20) /* arena of one replayed statement */

/* ---- encoding --------------------------------------------------------------- */

static void put_u8(struct strbuf *sb, uint8_t v) { sb_put(sb, &v, 1); }
static void put_u64(struct strbuf *sb, uint64_t v) { sb_put(sb, &v, 8); }

static void put_name(struct strbuf *sb, const char *name)
{
	size_t n = strnlen(name, 63);

	put_u8(sb, (uint8_t)n);
	sb_put(sb, name, n);
}

/* Datums are encoded in place (one reservation per row, no call per
 * field): checkpoints encode every row of the database. */
static size_t datums_size(const struct datum *vals, int n)
{
	size_t size = 2;
	int i;

	for (i = 0; i < n; i++)
		size += 6 + (row_datum_has_bytes(&vals[i]) ? vals[i].len : 8);
	return size;
}

static void enc_datums(uint8_t *p, const struct datum *vals, int n)
{
	uint16_t n16 = (uint16_t)n;
	int i;

	memcpy(p, &n16, 2);
	p += 2;
	for (i = 0; i < n; i++) {
		const struct datum *d = &vals[i];
		uint64_t v = (uint64_t)d->i;

		p[0] = d->type;
		p[1] = d->null;
		memcpy(p + 2, &d->len, 4);
		if (row_datum_has_bytes(d)) {
			memcpy(p + 6, d->s, d->len);
			p += 6 + d->len;
		} else {
			memcpy(p + 6, &v, 8);
			p += 14;
		}
	}
}

static void put_datums(struct strbuf *sb, const struct datum *vals, int n)
{
	uint8_t *p = (uint8_t *)sb_extend(sb, datums_size(vals, n));

	if (p)
		enc_datums(p, vals, n);
}

static void put_row(struct strbuf *sb, const struct table *t, uint64_t rowid,
		  const struct datum *vals, int ncols)
{
	put_u8(sb, 'R');
	put_name(sb, t->name);
	put_u64(sb, rowid);
	put_datums(sb, vals, ncols);
}

static void put_delete(struct strbuf *sb, const struct table *t,
		       uint64_t rowid)
{
	put_u8(sb, 'D');
	put_name(sb, t->name);
	put_u64(sb, rowid);
}

static void put_seq(struct strbuf *sb, const char *name, int64_t last,
		    bool called)
{
	put_u8(sb, 'S');
	put_name(sb, name);
	put_u64(sb, (uint64_t)last);
	put_u8(sb, called);
}

/* ---- decoding and applying ------------------------------------------------- */

struct rd {
	const uint8_t *p, *end;
	bool bad;
};

static const void *take(struct rd *r, size_t n)
{
	const void *p = r->p;

	if (r->bad || (size_t)(r->end - r->p) < n) {
		r->bad = true;
		return NULL;
	}
	r->p += n;
	return p;
}

#define GET(r, type)                                                          \
	({                                                                    \
		type v_ = 0;                                                  \
		const void *p_ = take(r, sizeof(type));                       \
		if (p_)                                                       \
			memcpy(&v_, p_, sizeof(type));                        \
		v_;                                                           \
	})

static void get_name(struct rd *r, char *name)
{
	uint8_t n = GET(r, uint8_t);
	const char *s = take(r, n);

	name[0] = 0;
	if (s) {
		memcpy(name, s, n);
		name[n] = 0;
	}
}

/* Datums of a row image; strings point into the record. */
static int get_datums(struct rd *r, struct datum *vals, int max)
{
	int n = GET(r, uint16_t), i;

	if (n > max) {
		r->bad = true;
		return -1;
	}
	for (i = 0; i < n && !r->bad; i++) {
		struct datum *d = &vals[i];

		memset(d, 0, sizeof(*d));
		d->type = GET(r, uint8_t);
		d->null = GET(r, uint8_t);
		d->len = GET(r, uint32_t);
		if (row_datum_has_bytes(d))
			d->s = take(r, d->len);
		else
			d->i = (int64_t)GET(r, uint64_t);
	}
	return r->bad ? -1 : n;
}

static int corrupt(struct db_error *err, const char *what)
{
	return db_err(err, "XX001", "redo: %s is malformed", what);
}

/* A sequence takes the logged state as it is, also a lower value (setval
 * moving it backwards). The order of the log is the order of the values:
 * put_seqs reads a sequence's live state under the log's append mutex,
 * so a later record never holds an older state. */
static void apply_seq(struct db *db, const char *name, int64_t last,
		      bool called)
{
	struct sequence *s = seq_find(db, name);

	if (!s)
		return;
	s->last = last;
	s->called = called;
}

/* Applies the complete ops at r. more: the stream goes on in the next
 * piece, so an op cut off at the end is left at r->p for it. */
static int apply_ops(struct db *db, struct rd *r, bool more,
		     struct db_error *err)
{
	struct datum vals[TABLE_MAX_COLUMNS];
	char name[64];

	while (r->p < r->end) {
		const uint8_t *start = r->p;
		uint8_t op = GET(r, uint8_t);
		struct table *t;
		uint64_t rowid;
		int n = 0;

		get_name(r, name);
		if (op == 'S') {
			int64_t last = (int64_t)GET(r, uint64_t);
			bool called = GET(r, uint8_t);

			if (r->bad)
				goto cut;
			apply_seq(db, name, last, called);
			continue;
		}
		rowid = GET(r, uint64_t);
		if (op == 'R')
			n = get_datums(r, vals, TABLE_MAX_COLUMNS);
		if (r->bad)
			goto cut;
		if (op != 'R' && op != 'D')
			return corrupt(err, "a transaction record");
		t = db_find_table(db, name);
		if (!t)
			return db_err(err, "XX001",
				      "redo: table \"%s\" does not exist", name);
		if (op == 'R' && n != t->ncols)
			return db_err(err, "XX001",
				      "redo: a row of \"%s\" has %d columns, "
				      "the table %d",
				      name, n, t->ncols);
		if (table_put(t, rowid, op == 'R' ? vals : NULL, err) < 0)
			return -EINVAL;
		continue;
cut:
		if (!more)
			return corrupt(err, "a transaction record");
		r->p = start;
		r->bad = false;
		return 0;
	}
	return 0;
}

/* Runs a catalog statement during recovery (db->redo is NULL then, so it
 * is not logged again). */
static int apply_ddl(struct db *db, const char *text, size_t len,
		     struct db_error *err)
{
	struct setting settings[SETTING_MAX];
	struct exec_ctx x = {0};
	struct strbuf out = STRBUF_INIT;
	char *q = kmalloc(len + 1);
	int nsettings, rc;

	if (!q)
		return db_err_oom(err);
	memcpy(q, text, len);
	q[len] = 0;
	settings_init(settings, &nsettings, "recovery");
	x.db = db;
	x.err = err;
	x.settings = settings;
	x.nsettings = &nsettings;
	x.user = "postgres";
	x.database = "postgres";
	rc = exec_sql_text(&x, q, REPLAY_BUDGET, &out);
	if (rc < 0)
		db_err_detail(err, "while replaying: %.200s", q);
	sb_free(&out);
	kfree(q);
	return rc < 0 ? -EINVAL : 0;
}

static int keep_ddl(struct redo *r, const char *text, size_t len)
{
	char *s;

	if (r->nddl == r->capddl) {
		int cap = r->capddl ? r->capddl * 2 : 64;
		char **d = krealloc(r->ddl, sizeof(*d) * (size_t)cap);

		if (!d)
			return -ENOMEM;
		r->ddl = d;
		r->capddl = cap;
	}
	if (!(s = kmalloc(len + 1)))
		return -ENOMEM;
	memcpy(s, text, len);
	s[len] = 0;
	r->ddl[r->nddl++] = s;
	return 0;
}

/* ---- recovery --------------------------------------------------------------- */

struct replay {
	struct db *db;
	struct redo *r;
	uint8_t **pieces; /* REDO_PART payloads of the transaction at hand */
	uint32_t *plen;
	int npieces, cap;
	uint64_t part_txid;
	struct redo_report *rep;
	struct db_error *err;
};

static void drop_pieces(struct replay *rp)
{
	while (rp->npieces)
		kfree(rp->pieces[--rp->npieces]);
}

static int keep_piece(struct replay *rp, const struct wal_rec *rec)
{
	uint8_t *p;

	if (rp->npieces && rec->txid != rp->part_txid)
		drop_pieces(rp); /* cannot happen: pieces are contiguous */
	rp->part_txid = rec->txid;
	if (rp->npieces == rp->cap) {
		int cap = rp->cap ? rp->cap * 2 : 16;
		uint8_t **np = krealloc(rp->pieces, sizeof(*np) * (size_t)cap);
		uint32_t *nl = np ? krealloc(rp->plen, sizeof(*nl) * (size_t)cap)
				  : NULL;

		if (np)
			rp->pieces = np;
		if (!nl)
			return -ENOMEM;
		rp->plen = nl;
		rp->cap = cap;
	}
	if (!(p = kmalloc(rec->len)))
		return -ENOMEM;
	memcpy(p, rec->data, rec->len);
	rp->pieces[rp->npieces] = p;
	rp->plen[rp->npieces++] = rec->len;
	return 0;
}

/* The transaction's pieces and its final record, as one stream: an op
 * may straddle two pieces (they are cut at WAL_REC_MAX bytes), so what
 * is left of one is carried to the next (memory: a piece and an op). */
static int apply_txn(struct replay *rp, const struct wal_rec *rec,
		     struct db_error *err)
{
	struct strbuf buf = STRBUF_INIT;
	int i, rc = 0;

	if (rp->npieces && rec->txid != rp->part_txid)
		drop_pieces(rp);
	for (i = 0; i <= rp->npieces && rc == 0; i++) {
		bool last = i == rp->npieces;
		struct rd r;

		sb_put(&buf, last ? rec->data : rp->pieces[i],
		       last ? rec->len : rp->plen[i]);
		if (buf.oom) {
			rc = db_err_oom(err);
			break;
		}
		r = (struct rd){(const uint8_t *)buf.p,
				(const uint8_t *)buf.p + buf.len, false};
		rc = apply_ops(rp->db, &r, !last, err);
		memmove(buf.p, r.p, (size_t)(r.end - r.p));
		buf.len = (size_t)(r.end - r.p);
	}
	drop_pieces(rp);
	sb_free(&buf);
	return rc;
}

static int redo_rec(void *arg, const struct wal_rec *rec)
{
	struct replay *rp = arg;
	struct db_error *err = rp->err;
	int rc = 0;

	switch (rec->type) {
	case REDO_PART:
		rc = keep_piece(rp, rec) < 0 ? db_err_oom(err) : 0;
		break;
	case REDO_TXN:
		rc = apply_txn(rp, rec, err);
		rp->rep->txns++;
		break;
	case REDO_DDL:
		rc = apply_ddl(rp->db, rec->data, rec->len, err);
		if (rc == 0 && keep_ddl(rp->r, rec->data, rec->len) < 0)
			rc = db_err_oom(err);
		rp->rep->ddls++;
		break;
	default:
		return 0;
	}
	if (rc < 0 && !err->detail[0])
		db_err_detail(err, "in the log record at LSN %llu",
			      (unsigned long long)rec->lsn);
	return rc < 0 ? -EINVAL : 0;
}

/* The checkpoint stream: magic, the catalog statements, the sequences,
 * then per table its name and rows ('R' rowid datums), 'E' after the
 * last row of a table and once more after the last table (0xff). Delta
 * checkpoints may follow in the same stream, each: its magic, the
 * sequences, then per table the slots written since the one before ('R'
 * a row, 'D' an empty slot), ends as above (redo_checkpoint). */
#define CKPT_DELTA_MAGIC "unidbdl1"

struct ck_in {
	struct ckpt_stream s;
	int err;
};

/* buf holds len bytes (to be overwritten). */
static int fill_len(struct strbuf *b, size_t len)
{
	static const char zero[256];

	sb_reset(b);
	while (b->len < len && !b->oom)
		sb_put(b, zero, len - b->len < 256 ? len - b->len : 256);
	sb_putc(b, 0);
	return b->oom ? -ENOMEM : 0;
}

static int ck_get(struct ck_in *c, void *p, size_t n)
{
	if (!c->err)
		c->err = ckpt_read(&c->s, p, n);
	return c->err;
}

static int load_rows(struct db *db, struct ck_in *c, struct table *t,
		     struct strbuf *buf, struct redo_report *rep,
		     struct db_error *err)
{
	struct datum vals[TABLE_MAX_COLUMNS];

	for (;;) {
		uint8_t op = 0;
		uint32_t len = 0;
		uint64_t rowid = 0;
		struct rd r;
		int n;

		if (ck_get(c, &op, 1) || op == 'E')
			return c->err ? db_err(err, "XX001", "the checkpoint "
							    "ends early") : 0;
		if (op == 'D' && ck_get(c, &rowid, 8) == 0) {
			if (table_put(t, rowid, NULL, err) < 0)
				return -EINVAL;
			continue;
		}
		if (op != 'R' || ck_get(c, &rowid, 8) || ck_get(c, &len, 4) ||
		    len > (64u << 20))
			return corrupt(err, "the checkpoint");
		if (fill_len(buf, len) < 0)
			return db_err_oom(err);
		if (ck_get(c, buf->p, len))
			return corrupt(err, "the checkpoint");
		r = (struct rd){(const uint8_t *)buf->p,
				(const uint8_t *)buf->p + len, false};
		n = get_datums(&r, vals, TABLE_MAX_COLUMNS);
		if (n != t->ncols)
			return corrupt(err, "a checkpoint row");
		if (table_put(t, rowid, vals, err) < 0)
			return -EINVAL;
		rep->ckpt_rows++;
	}
}

/* The catalog statements, run on the empty database. */
static int load_catalog(struct db *db, struct redo *r, struct ck_in *c,
			struct strbuf *buf, struct db_error *err)
{
	uint32_t n = 0, i, len;
	int rc = 0;

	if (ck_get(c, &n, 4))
		return corrupt(err, "the checkpoint's header");
	for (i = 0; i < n && rc == 0; i++) {
		len = 0;
		if (ck_get(c, &len, 4) || len > (1u << 20) ||
		    fill_len(buf, len) < 0 || ck_get(c, buf->p, len))
			return corrupt(err, "the checkpoint's catalog");
		rc = apply_ddl(db, buf->p, len, err);
		if (rc == 0 && keep_ddl(r, buf->p, len) < 0)
			rc = db_err_oom(err);
	}
	return rc;
}

static void load_seqs(struct db *db, struct ck_in *c)
{
	uint32_t n = 0, i;
	char name[64];

	if (ck_get(c, &n, 4))
		return;
	for (i = 0; i < n && !c->err; i++) {
		int64_t last = 0;
		uint8_t called = 0, nl = 0;

		ck_get(c, &nl, 1);
		memset(name, 0, sizeof(name));
		ck_get(c, name, nl & 63);
		ck_get(c, &last, 8);
		ck_get(c, &called, 1);
		if (!c->err)
			apply_seq(db, name, last, called);
	}
}

/* Each table's rows, up to the end mark (0xff). */
static int load_tables(struct db *db, struct ck_in *c, struct strbuf *buf,
		       struct redo_report *rep, struct db_error *err)
{
	char name[64];
	int rc = 0;

	while (rc == 0 && !c->err) {
		uint8_t nl = 0;
		struct table *t;

		if (ck_get(c, &nl, 1) || nl == 0xff)
			break;
		memset(name, 0, sizeof(name));
		if (ck_get(c, name, nl & 63))
			break;
		if (!(t = db_find_table(db, name)))
			return db_err(err, "XX001", "the checkpoint holds rows "
						    "of a table \"%s\" it does "
						    "not create", name);
		rc = load_rows(db, c, t, buf, rep, err);
	}
	return rc;
}

/* The full checkpoint, then every delta after it. */
static int load_parts(struct db *db, struct redo *r, struct ck_in *c,
		      struct strbuf *buf, struct redo_report *rep,
		      struct db_error *err)
{
	char magic[8];
	int rc;

	if (ck_get(c, magic, 8) || memcmp(magic, CKPT_MAGIC, 8))
		return corrupt(err, "the checkpoint's header");
	rc = load_catalog(db, r, c, buf, err);
	while (rc == 0 && !c->err) {
		load_seqs(db, c);
		rc = load_tables(db, c, buf, rep, err);
		if (rc || c->err || !ckpt_read_more(&c->s))
			break;
		if (ck_get(c, magic, 8) || memcmp(magic, CKPT_DELTA_MAGIC, 8))
			return corrupt(err, "a delta checkpoint's header");
		rep->ckpt_deltas++;
	}
	return rc;
}

static int load_ckpt(struct db *db, struct redo *r, struct redo_report *rep,
		     struct db_error *err)
{
	struct ck_in c = {0};
	struct strbuf buf = STRBUF_INIT;
	int rc = ckpt_read_begin(&c.s, &r->dev, &r->sb);

	if (rc == -ENOENT)
		return 0;
	if (rc < 0)
		return db_err(err, "58030", "could not read the checkpoint: %d",
			      rc);
	rep->had_ckpt = true;
	rc = load_parts(db, r, &c, &buf, rep, err);
	if (rc == 0 && c.err)
		rc = corrupt(err, "the checkpoint");
	sb_free(&buf);
	if (ckpt_read_end(&c.s) < 0 && rc == 0)
		rc = db_err(err, "XX001", "the checkpoint fails its checksum");
	return rc;
}

int redo_open(struct db *db, const struct disk_dev *dev, bool format,
	      struct redo_report *rep, struct db_error *err)
{
	struct redo *r = kzalloc(sizeof(*r));
	struct replay rp = {0};
	int rc;

	memset(rep, 0, sizeof(*rep));
	if (!r)
		return db_err_oom(err);
	r->dev = *dev;
	mutex_init(&r->lock, "redo");
	mutex_init(&r->ckpt_mu, "ckpt");
	rwlock_init(&r->cut);
	rc = disk_super_read(&r->dev, &r->sb, err);
	if (rc < 0 && format && !strcmp(err->code, "58P01")) {
		memset(err, 0, sizeof(*err));
		rc = disk_format(&r->dev, 0, &r->sb, err);
		rep->formatted = rc == 0;
	}
	if (rc == 0)
		rc = load_ckpt(db, r, rep, err);
	/* An older version's disk becomes this version's with the new
	 * epoch's superblock (wal_open), before anything else is written. */
	r->sb.version = DISK_VERSION;
	rp.db = db;
	rp.r = r;
	rp.rep = rep;
	rp.err = err;
	if (rc == 0)
		rc = wal_open(&r->wal, &r->dev, &r->sb, 0, redo_rec, &rp, err);
	drop_pieces(&rp);
	kfree(rp.pieces);
	kfree(rp.plen);
	if (rc < 0) {
		db->redo = r;
		redo_close(db); /* the tables loaded so far stay: the caller
				   stops */
		return rc;
	}
	rep->start_lsn = r->wal.st.start_lsn;
	rep->end_lsn = r->wal.st.end_lsn;
	r->recovered_txns = rep->txns;
	db->redo = r;
	return 0;
}

void redo_close(struct db *db)
{
	struct redo *r = db->redo;
	int i;

	if (!r)
		return;
	db->redo = NULL;
	wal_close(&r->wal);
	for (i = 0; i < r->nddl; i++)
		kfree(r->ddl[i]);
	kfree(r->ddl);
	kfree(r->seqs);
	kfree(r);
}

/* ---- the commit path -------------------------------------------------------- */

static struct redo_seq *seq_shadow(struct redo *r, const char *name)
{
	int i;

	for (i = 0; i < r->nseqs; i++)
		if (!strcmp(r->seqs[i].name, name))
			return &r->seqs[i];
	if (r->nseqs == r->capseqs) {
		int cap = r->capseqs ? r->capseqs * 2 : 16;
		struct redo_seq *s = krealloc(r->seqs, sizeof(*s) * (size_t)cap);

		if (!s)
			return NULL;
		r->seqs = s;
		r->capseqs = cap;
	}
	memset(&r->seqs[r->nseqs], 0, sizeof(r->seqs[0]));
	snprintf(r->seqs[r->nseqs].name, 64, "%s", name);
	r->seqs[r->nseqs].last = INT64_MIN;
	return &r->seqs[r->nseqs++];
}

/* Sequences that moved since last logged (r->lock held, db->lock shared). */
static void put_seqs(struct redo *r, struct db *db, struct strbuf *sb)
{
	int i;

	if (!db->nseqs)
		return;
	for (i = 0; i < db->nseqs; i++) {
		struct sequence *s = db->seqs[i];
		int64_t last = __atomic_load_n(&s->last, __ATOMIC_RELAXED);
		bool called = __atomic_load_n(&s->called, __ATOMIC_RELAXED);
		struct redo_seq *sh = seq_shadow(r, s->name);

		if (!sh || (sh->last == last && sh->called == called))
			continue;
		sh->last = last;
		sh->called = called;
		put_seq(sb, s->name, last, called);
	}
}

void redo_commit_begin(struct redo *r)
{
	rwlock_read_lock(&r->cut);
}

void redo_commit_end(struct redo *r)
{
	rwlock_read_unlock(&r->cut);
}

static int log_err(int rc, struct db_error *err)
{
	if (rc == -ENOSPC)
		return db_err(err, "53400", "the redo log is full: the "
					    "transaction is too large for "
					    "it, or checkpoints cannot keep "
					    "up");
	return db_err(err, "58030", "could not write to the redo log "
				    "(error %d); the transaction is not "
				    "committed",
		      rc);
}

/* Sends out the buffered bytes but a tail shorter than a record. */
static void spill(struct redo_txn *w)
{
	size_t off = 0;

	while (!w->rc && w->sb.len - off > WAL_REC_MAX) {
		w->rc = wal_append(&w->r->wal, REDO_PART, w->txid,
				   w->sb.p + off, WAL_REC_MAX, NULL);
		off += WAL_REC_MAX;
		w->parts++;
	}
	if (off) {
		memmove(w->sb.p, w->sb.p + off, w->sb.len - off);
		w->sb.len -= off;
	}
}

void redo_txn_begin(struct redo_txn *w, struct redo *r, struct db *db,
		    uint64_t txid)
{
	memset(w, 0, sizeof(*w));
	w->r = r;
	w->txid = txid;
	mutex_lock(&r->lock);
	put_seqs(r, db, &w->sb);
}

void redo_txn_row(struct redo_txn *w, const struct table *t, uint64_t rowid,
		  const struct datum *vals, int ncols)
{
	if (vals)
		put_row(&w->sb, t, rowid, vals, ncols);
	else
		put_delete(&w->sb, t, rowid);
	if (w->sb.len > WAL_REC_MAX)
		spill(w);
}

int redo_txn_end(struct redo_txn *w, uint64_t *lsn, struct db_error *err)
{
	int rc = w->sb.oom ? -ENOMEM : w->rc;

	*lsn = 0;
	if (!rc && (w->parts || w->sb.len))
		rc = wal_append(&w->r->wal, REDO_TXN, w->txid, w->sb.p,
				(uint32_t)w->sb.len, lsn);
	mutex_unlock(&w->r->lock);
	sb_free(&w->sb);
	if (rc == -ENOMEM)
		return db_err_oom(err);
	return rc < 0 ? log_err(rc, err) : 0;
}

int redo_flush(struct redo *r, uint64_t lsn, struct db_error *err)
{
	int rc = wal_commit(&r->wal, lsn);

	return rc < 0 ? log_err(rc, err) : 0;
}

int redo_ddl(struct redo *r, const char *text, size_t len,
	     struct db_error *err)
{
	uint64_t lsn = 0;
	int rc;

	if (len > WAL_REC_MAX)
		return db_err(err, "54000", "statement too long for the log");
	mutex_lock(&r->lock);
	rc = wal_append(&r->wal, REDO_DDL, 0, text, (uint32_t)len, &lsn);
	if (rc == 0 && keep_ddl(r, text, len) < 0)
		rc = -ENOMEM;
	mutex_unlock(&r->lock);
	if (rc == -ENOMEM)
		return db_err_oom(err);
	if (rc < 0)
		return log_err(rc, err);
	return redo_flush(r, lsn, err);
}

/* ---- checkpoints ------------------------------------------------------------ */

/* Bytes of log the newest checkpoint does not release. */
static uint64_t log_used(struct redo *r)
{
	return wal_end(&r->wal) - r->sb.redo_lsn;
}

bool redo_ckpt_due(struct redo *r)
{
	return log_used(r) > r->sb.log_size / 4;
}

/* Rows a checkpoint leaves out: those of the COPYs in progress at its
 * cut, per table, sorted. */
struct ck_skip {
	char table[64];
	uint64_t *ids;
	size_t n, cap;
	bool oom;
};

struct ck_out {
	struct ckpt_stream s;
	struct strbuf b; /* batches small writes */
	int err;
	struct redo *r;
	uint64_t slice_t, slice_idle; /* ck_pace: the slice so far */
	struct ck_skip *skip;
	int nskip;
	bool delta; /* asked for, then decided at the cut */
	bool lost;  /* a table's dirty bits were incomplete */
	int nddl;   /* catalog statements at the cut */
	/* A delta reads the live tables as of the cut through this
	 * transaction slot's snapshot; locked: it holds db->lock meanwhile
	 * (no device writes then). */
	struct txn *rd;
	bool locked;
	/* Per table at the cut: its name, the dirty bits taken then, and
	 * the slots to mark dirty again (mark_again). */
	struct ck_bits {
		char name[64];
		uint64_t *w, n;
	} *bits;
	struct ck_skip *again;
	int nbits;
};

void redo_copy_begin(struct redo *r, struct redo_copy *c)
{
	mutex_lock(&r->lock);
	if (!c->on) {
		c->next = r->copies;
		r->copies = c;
		c->on = true;
	}
	mutex_unlock(&r->lock);
}

void redo_copy_end(struct redo *r, struct redo_copy *c)
{
	struct redo_copy **p;

	mutex_lock(&r->lock);
	for (p = &r->copies; c->on && *p; p = &(*p)->next)
		if (*p == c) {
			*p = c->next;
			c->on = false;
			break;
		}
	mutex_unlock(&r->lock);
}

static void skip_put(void *arg, uint64_t id)
{
	struct ck_skip *k = arg;

	if (k->n == k->cap) {
		size_t cap = k->cap ? k->cap * 2 : 1024;
		uint64_t *ids = krealloc(k->ids, sizeof(*ids) * cap);

		if (!ids) {
			k->oom = true;
			return;
		}
		k->ids = ids;
		k->cap = cap;
	}
	k->ids[k->n++] = id;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static struct ck_skip *skip_of(struct ck_out *c, const char *table)
{
	int i;

	for (i = 0; i < c->nskip; i++)
		if (!strcmp(c->skip[i].table, table))
			return &c->skip[i];
	return NULL;
}

/* The rows of the COPYs in progress (at the cut: db->lock shared, so no
 * COPY loads or removes rows meanwhile). */
static int collect_skips(struct redo *r, struct ck_out *c)
{
	struct redo_copy *cp;
	int n = 0, i, rc = 0;

	mutex_lock(&r->lock);
	for (cp = r->copies; cp; cp = cp->next)
		n++;
	c->skip = n ? kmalloc(sizeof(*c->skip) * (size_t)n) : NULL;
	if (n && !c->skip)
		rc = -ENOMEM;
	for (cp = r->copies; rc == 0 && cp; cp = cp->next) {
		struct ck_skip *k = skip_of(c, cp->table);

		if (!k) {
			k = &c->skip[c->nskip++];
			memset(k, 0, sizeof(*k));
			snprintf(k->table, sizeof(k->table), "%s", cp->table);
		}
		cp->rows(cp, skip_put, k);
	}
	mutex_unlock(&r->lock);
	for (i = 0; i < c->nskip; i++) {
		if (c->skip[i].oom)
			rc = -ENOMEM;
		if (c->skip[i].n)
			qsort(c->skip[i].ids, c->skip[i].n, sizeof(uint64_t),
			      cmp_u64);
	}
	return rc;
}

static void free_skips(struct ck_out *c)
{
	int i;

	for (i = 0; i < c->nskip; i++)
		kfree(c->skip[i].ids);
	kfree(c->skip);
	c->skip = NULL;
	c->nskip = 0;
}

#define CK_BATCH (256u << 10) /* bytes batched before ckpt_write */

static void ck_flush(struct ck_out *c)
{
	if (!c->s.buf || c->locked)
		return; /* the cut's header waits for the stream to open */
	if (!c->err && c->b.len)
		c->err = ckpt_write(&c->s, c->b.p, c->b.len);
	if (!c->err && c->b.oom)
		c->err = -ENOMEM;
	sb_reset(&c->b);
}

static void ck_put(struct ck_out *c, const void *p, size_t n)
{
	sb_put(&c->b, p, n);
	if (c->b.len >= CK_BATCH)
		ck_flush(c);
}

/* Pacing: a checkpoint gives the cores back to the sessions. Every 256
 * rows it lets a thread waiting for its core go first (a session woken
 * there would otherwise wait for the end of the time slice, 10 ms, on
 * each statement). And under TCG, or on any host whose cores are shared,
 * a core the checkpoint keeps busy is taken from the emulator's I/O
 * thread and the clients too, so it also lets the core halt: after each
 * slice of CK_SLICE_NS of work, if the other cores were busy for more
 * than a quarter of it (sessions are running), it sleeps CK_PACE slices,
 * using at most a fifth of one core. Alone it runs at full speed; past
 * half of the log region it stops sleeping, so that the log cannot fill
 * up waiting for it. */
#define CK_SLICE_NS 500000ull
#define CK_PACE 4

static void ck_pace_start(struct ck_out *c)
{
	c->slice_t = time_ns();
	c->slice_idle = db_idle_ns();
}

static void ck_pace(struct ck_out *c)
{
	uint64_t w, all, idle, busy;

	db_yield();
	w = time_ns() - c->slice_t;
	if (w < CK_SLICE_NS)
		return;
	all = db_cores() * w;
	idle = db_idle_ns() - c->slice_idle;
	busy = all > idle ? all - idle : 0; /* ours included */
	if (busy > w + w / 4 && log_used(c->r) <= c->r->sb.log_size / 2)
		db_sleep_ns(CK_PACE * w);
	ck_pace_start(c);
}

/* The newest version of a row committed at the cut, as the snapshot
 * holds it (translated), or NULL; *pending: whether a newer version was
 * not committed then. */
static const struct row *committed(const struct snap_table *st,
				   uint64_t rowid, bool *pending)
{
	struct row *const *const *dir =
	    tmem_xlate(st->chunks, st->live_base, st->snap_base);
	struct row *const *chunk = tmem_xlate(dir[rowid / TABLE_CHUNK_ROWS],
					      st->live_base, st->snap_base);
	const struct row *v = tmem_xlate(chunk[rowid % TABLE_CHUNK_ROWS],
					 st->live_base, st->snap_base);

	*pending = v && (v->stamp & TXN_OWNER);
	for (; v; v = tmem_xlate(v->older, st->live_base, st->snap_base))
		if (!(v->stamp & TXN_OWNER))
			return v->dead ? NULL : v;
	return NULL;
}

/* One row, encoded straight into the batch: 'R', rowid, length, datums
 * (their bytes read through the snapshot). */
static void ck_row(struct ck_out *c, const struct snap_table *st, uint64_t id,
		   const struct row *v)
{
	struct datum vals[TABLE_MAX_COLUMNS];
	uint32_t len;
	uint8_t *p;
	int k;

	for (k = 0; k < v->ncols && k < TABLE_MAX_COLUMNS; k++) {
		vals[k] = v->vals[k];
		if (row_datum_has_bytes(&vals[k]))
			vals[k].s =
			    tmem_xlate(vals[k].s, st->live_base, st->snap_base);
	}
	len = (uint32_t)datums_size(vals, k);
	p = (uint8_t *)sb_extend(&c->b, 13 + len);
	if (!p) {
		c->err = -ENOMEM;
		return;
	}
	p[0] = 'R';
	memcpy(p + 1, &id, 8);
	memcpy(p + 9, &len, 4);
	enc_datums(p + 13, vals, k);
	if (c->b.len >= CK_BATCH)
		ck_flush(c);
}

/* Slot id as of the cut: v, its committed row there, or in a delta 'D'
 * if it has none. A slot that was not final at the cut (pending: a newer
 * version not committed then; or a row of a COPY not logged yet) is
 * marked dirty again: whatever its writer does after the cut reaches the
 * log after this checkpoint's redo position, so the next checkpoint
 * must write it. */
static void ck_slot(struct ck_out *c, const struct snap_table *st,
		    struct ck_skip *again, uint64_t id, const struct row *v,
		    bool pending, bool copy_row)
{
	if (pending || copy_row)
		skip_put(again, id);
	if (v && !copy_row)
		ck_row(c, st, id, v);
	else if (c->delta) {
		ck_put(c, "D", 1);
		ck_put(c, &id, 8);
	}
}

/* Whether id is a row of a COPY in progress at the cut (skip: sorted,
 * *k: where the last call left it). */
static bool copy_row(const struct ck_skip *skip, size_t *k, uint64_t id)
{
	while (skip && *k < skip->n && skip->ids[*k] < id)
		(*k)++;
	return skip && *k < skip->n && skip->ids[*k] == id;
}

/* The next dirty slot from *id on. */
static bool next_dirty(const struct ck_bits *b, uint64_t nslots, uint64_t *id)
{
	while (*id < nslots && *id / 64 < b->n) {
		uint64_t m = b->w[*id / 64] >> (*id % 64);

		if (m) {
			*id += (uint64_t)__builtin_ctzll(m);
			return *id < nslots;
		}
		*id = (*id / 64 + 1) * 64;
	}
	return false;
}

static void ck_table(struct ck_out *c, const struct snap_table *st, int i)
{
	uint8_t nl = (uint8_t)strnlen(st->name, 63);
	const struct ck_skip *skip = skip_of(c, st->name);
	size_t ks = 0;
	uint64_t id = 0, n = 0;

	ck_put(c, &nl, 1);
	ck_put(c, st->name, nl);
	for (; id < st->nslots && !c->err; id++) {
		const struct row *v;
		bool pending;

		if ((n++ & 255) == 0)
			ck_pace(c);
		v = committed(st, id, &pending);
		ck_slot(c, st, &c->again[i], id, v, pending,
			copy_row(skip, &ks, id));
	}
	ck_put(c, "E", 1);
}

/* Live rows need no translation. */
static const struct snap_table ck_live;

/* A delta's table: its dirty slots as the cut left them, read from the
 * live table through the reader's snapshot (no vm snapshot: the few rows
 * need none, and the sessions' writes then cost no copy-on-write
 * faults), with db->lock shared for CK_LIVE_ROWS slots at a time. A
 * catalog statement since the cut (the table may be gone or rewritten)
 * fails it with -EAGAIN (redo_checkpoint writes a full one instead). */
#define CK_LIVE_ROWS 64

static void ck_table_live(struct ck_out *c, struct db *db, int i)
{
	const struct ck_bits *b = &c->bits[i];
	const struct ck_skip *skip = skip_of(c, b->name);
	uint8_t nl = (uint8_t)strnlen(b->name, 63);
	struct table *t = NULL;
	size_t ks = 0;
	uint64_t id = 0, n = 0;

	ck_put(c, &nl, 1);
	ck_put(c, b->name, nl);
	for (;; id++) {
		const struct row *v;
		bool newer;

		if (n++ % CK_LIVE_ROWS == 0) {
			if (t)
				rwlock_read_unlock(&db->lock);
			c->locked = false;
			if (c->b.len >= CK_BATCH)
				ck_flush(c);
			ck_pace(c);
			rwlock_read_lock(&db->lock);
			c->locked = true;
			t = c->r->nddl == c->nddl ? db_find_table(db, b->name)
						  : NULL;
			if (!t) {
				c->err = c->err ? c->err : -EAGAIN;
				break;
			}
		}
		if (c->err || !next_dirty(b, t->nslots, &id))
			break;
		v = txn_row_at(c->rd, t, id, &newer);
		ck_slot(c, &ck_live, &c->again[i], id, v, newer,
			copy_row(skip, &ks, id));
	}
	rwlock_read_unlock(&db->lock);
	c->locked = false;
	ck_put(c, "E", 1);
}

/* At the cut (no statement writes): takes every table's dirty bits,
 * leaving empty ones. */
static int take_dirty(struct db *db, struct ck_out *c)
{
	int i, n = db->ntables;

	c->bits = kcalloc(n ? (size_t)n : 1, sizeof(*c->bits));
	c->again = kcalloc(n ? (size_t)n : 1, sizeof(*c->again));
	if (!c->bits || !c->again)
		return -ENOMEM;
	c->nbits = n;
	for (i = 0; i < n; i++) {
		struct table *t = db->tables[i];

		snprintf(c->bits[i].name, sizeof(c->bits[i].name), "%s",
			 t->name);
		c->bits[i].w = t->dirty;
		c->bits[i].n = t->ndirty;
		c->lost |= t->dirty_lost;
		t->dirty = NULL;
		t->ndirty = 0;
		t->dirty_lost = false;
	}
	return 0;
}

/* Marks the slots that were not final at the cut dirty again (with
 * db->lock exclusive, as every writer of the bits). */
static void mark_again(struct db *db, struct ck_out *c)
{
	bool any = false;
	uint64_t k;
	int i;

	for (i = 0; i < c->nbits; i++)
		any |= c->again[i].n || c->again[i].oom;
	if (!any)
		return;
	rwlock_write_lock(&db->lock);
	for (i = 0; i < c->nbits; i++) {
		struct table *t = db_find_table(db, c->bits[i].name);

		for (k = 0; t && k < c->again[i].n; k++)
			table_mark_dirty(t, c->again[i].ids[k]);
		if (t && c->again[i].oom)
			t->dirty_lost = true;
	}
	rwlock_write_unlock(&db->lock);
}

static void free_bits(struct ck_out *c)
{
	int i;

	for (i = 0; c->bits && i < c->nbits; i++)
		kfree(c->bits[i].w);
	for (i = 0; c->again && i < c->nbits; i++)
		kfree(c->again[i].ids);
	kfree(c->bits);
	kfree(c->again);
	c->bits = NULL;
	c->again = NULL;
	c->nbits = 0;
}

/* What the cut puts first: a full checkpoint's magic and catalog, or a
 * delta's magic; then the sequences. */
static void put_header(struct ck_out *c, struct redo *r, struct db *db)
{
	uint32_t n;
	int i;

	ck_put(c, c->delta ? CKPT_DELTA_MAGIC : CKPT_MAGIC, 8);
	mutex_lock(&r->lock);
	c->nddl = r->nddl;
	n = (uint32_t)r->nddl;
	if (!c->delta)
		ck_put(c, &n, 4);
	for (i = 0; !c->delta && i < r->nddl; i++) {
		uint32_t len = (uint32_t)strlen(r->ddl[i]);

		ck_put(c, &len, 4);
		ck_put(c, r->ddl[i], len);
	}
	mutex_unlock(&r->lock);
	n = (uint32_t)db->nseqs;
	ck_put(c, &n, 4);
	for (i = 0; i < db->nseqs; i++) {
		struct sequence *s = db->seqs[i];
		uint8_t nl = (uint8_t)strnlen(s->name, 63), called;
		int64_t last = __atomic_load_n(&s->last, __ATOMIC_RELAXED);

		called = __atomic_load_n(&s->called, __ATOMIC_RELAXED);
		ck_put(c, &nl, 1);
		ck_put(c, s->name, nl);
		ck_put(c, &last, 8);
		ck_put(c, &called, 1);
	}
}

/* Whether a table's dirty bits are incomplete. */
static bool bits_lost(const struct db *db)
{
	int i;

	for (i = 0; i < db->ntables; i++)
		if (db->tables[i]->dirty_lost)
			return true;
	return false;
}

/* The cut: the log position (redo.h), the rows as of then (a full one:
 * a vm snapshot of the tables; a delta: the reader's snapshot), the
 * dirty bits, the COPYs' rows, and the header. A delta only if no
 * catalog statement ran since the full checkpoint (DDL holds db->lock
 * exclusively while it logs itself, so none runs now) and every bit was
 * kept. */
static int cut(struct db *db, struct redo *r, struct ck_out *c,
	       struct db_snapshot **snap, uint64_t *lsn)
{
	const char **names;
	int i, rc = 0;

	rwlock_read_lock(&db->lock);
	names = kmalloc(sizeof(*names) * (size_t)(db->ntables + 1));
	if (!names) {
		rwlock_read_unlock(&db->lock);
		return -ENOMEM;
	}
	for (i = 0; i < db->ntables; i++)
		names[i] = db->tables[i]->name;
	rwlock_write_lock(&r->cut);
	*lsn = wal_end(&r->wal);
	c->delta = c->delta && r->nddl == r->base_nddl && !bits_lost(db);
	if (c->delta)
		txn_reader_begin(c->rd);
	else
		rc = db_snapshot_take_locked(db, names, db->ntables, 0, snap);
	if (rc == 0 && ((rc = collect_skips(r, c)) < 0 ||
			(rc = take_dirty(db, c)) < 0) && *snap) {
		db_snapshot_release(*snap);
		*snap = NULL;
	}
	rwlock_write_unlock(&r->cut);
	if (rc == 0)
		put_header(c, r, db);
	rwlock_read_unlock(&db->lock);
	kfree(names);
	return rc;
}

/* A delta checkpoint is allowed when the full one in force is this
 * process's (the dirty bits count from its cut), the deltas after it
 * are smaller than it (loading reads at most twice its size), and its
 * slot has room for one more of its size. */
static bool delta_allowed(const struct redo *r)
{
	return r->chain && r->sb.ckpt_len - r->base_len < r->base_len &&
	       r->sb.ckpt_size - r->sb.ckpt_len > r->base_len + CK_BATCH;
}

/* The rows, written as a background thread (whichever thread
 * checkpoints: the checkpointer, or a session's CHECKPOINT): a session
 * woken on this core runs at once instead of after our time slice. */
static void ck_rows(struct ck_out *c, struct db *db,
		    const struct db_snapshot *snap)
{
	bool was_bg = db_background(true);
	int i;

	ck_pace_start(c);
	for (i = 0; i < c->nbits && !c->err; i++)
		if (c->delta)
			ck_table_live(c, db, i);
		else
			ck_table(c, &snap->t[i], i);
	db_background(was_bg);
}

/* One checkpoint (ckpt_mu held): a delta if asked and the cut allows
 * (*delta says which it was). */
static int ck_write(struct db *db, struct redo *r, bool *delta)
{
	struct db_snapshot *snap = NULL;
	struct ck_out c = {.r = r};
	uint64_t lsn = 0;
	uint8_t end = 0xff;
	int rc, tries = 0;

	/* The reader's slot, taken before the cut (txn_open takes a mutex
	 * the cut's locks must not be held for). */
	c.rd = *delta ? txn_open(db) : NULL;
	/* A vm area has one snapshot at a time, and an analytical one
	 * (db/txn/htap.c) lives as long as its statements: wait a little for
	 * it before giving up with 55006 (the checkpointer tries again). */
	for (;;) {
		c.delta = c.rd != NULL;
		rc = cut(db, r, &c, &snap, &lsn);
		if (rc != -EBUSY || ++tries == 100)
			break;
		db_sleep_ns(20000000);
	}
	*delta = c.delta;
	if (rc == 0)
		rc = c.delta ? ckpt_append_begin(&c.s, &r->dev, &r->sb)
			     : ckpt_write_begin(&c.s, &r->dev, &r->sb);
	if (rc == 0)
		ck_rows(&c, db, snap);
	mark_again(db, &c);
	if (snap)
		db_snapshot_release(snap);
	if (c.rd) {
		txn_reader_end(c.rd);
		txn_close(db, c.rd);
	}
	free_skips(&c);
	free_bits(&c);
	if (rc == 0) {
		ck_put(&c, &end, 1);
		ck_flush(&c);
		rc = c.err;
	}
	sb_free(&c.b);
	/* The records up to lsn must be durable before a superblock says
	 * redo starts there (commits waiting at the cut are, all others
	 * only start after it). */
	if (rc == 0)
		rc = wal_commit(&r->wal, lsn);
	if (rc == 0) {
		rc = ckpt_write_commit(&c.s, &r->sb, lsn);
		if (rc == 0)
			wal_set_redo(&r->wal, lsn);
	} else {
		ckpt_stream_free(&c.s);
	}
	if (rc == 0 && !c.delta) {
		r->base_len = r->sb.ckpt_len;
		r->base_nddl = c.nddl;
	}
	r->chain = rc == 0; /* a failed one took bits it did not write */
	return rc;
}

int redo_checkpoint(struct db *db, struct db_error *err)
{
	struct redo *r = db->redo;
	uint64_t t0 = time_ns();
	bool delta;
	int rc;

	if (!r)
		return 0; /* in memory: nothing to do, as PostgreSQL without
			     durability would say nothing either */
	mutex_lock(&r->ckpt_mu);
	delta = delta_allowed(r);
	rc = ck_write(db, r, &delta);
	/* The slot is full, or a catalog statement came in the middle of a
	 * delta: a full one. */
	if ((rc == -ENOSPC || rc == -EAGAIN) && delta) {
		r->ckpt_fallbacks++;
		delta = false;
		rc = ck_write(db, r, &delta);
	}
	if (rc == 0) {
		r->ckpt_count++;
		r->ckpt_deltas += delta;
		r->ckpt_last_ms = (time_ns() - t0) / 1000000;
	}
	mutex_unlock(&r->ckpt_mu);
	if (rc == -EBUSY)
		return db_err(err, "55006", "checkpoint: a table has a snapshot "
					    "open; try again");
	if (rc == -ENOSPC)
		return db_err(err, "53100", "checkpoint: the database no longer "
					    "fits a checkpoint slot");
	if (rc == -ENOMEM)
		return db_err(err, "53200", "checkpoint: out of memory");
	if (rc < 0)
		return db_err(err, "58030", "checkpoint failed (error %d)", rc);
	return 0;
}
