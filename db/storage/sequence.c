/* SPDX-License-Identifier: MIT */
/* sequence.c: sequences (see sequence.h). */
#include "sequence.h"

#include <stdio.h>
#include <string.h>
#include <unidb/errno.h>
#include <unidb/heap.h>

#include "table.h"

struct sequence *seq_find(struct db *db, const char *name)
{
	int i;

	for (i = 0; i < db->nseqs; i++)
		if (!strcmp(db->seqs[i]->name, name))
			return db->seqs[i];
	return NULL;
}

static int64_t type_max(unsigned type)
{
	return type == TYPE_INT2 ? 32767 : type == TYPE_INT4 ? 2147483647
							     : INT64_MAX;
}

static int check_options(struct sequence *s, const struct seq_options *o,
			 struct db_error *err)
{
	s->type = o->type ? o->type : TYPE_INT8;
	s->inc = o->has_inc ? o->inc : 1;
	if (s->inc == 0)
		return db_err(err, "22023", "INCREMENT must not be zero");
	s->max = o->has_max ? o->max : s->inc > 0 ? type_max(s->type) : -1;
	s->min = o->has_min ? o->min : s->inc > 0 ? 1 : -type_max(s->type);
	if (s->max > type_max(s->type) || s->min < -type_max(s->type) - 1)
		return db_err(err, "22023", "%s value out of range for sequence "
					    "data type",
			      s->max > type_max(s->type) ? "MAXVALUE" : "MINVALUE");
	if (s->min >= s->max)
		return db_err(err, "22023",
			      "MINVALUE (%lld) must be less than MAXVALUE (%lld)",
			      (long long)s->min, (long long)s->max);
	s->start = o->has_start ? o->start : s->inc > 0 ? s->min : s->max;
	if (s->start < s->min)
		return db_err(err, "22023",
			      "START value (%lld) cannot be less than MINVALUE "
			      "(%lld)",
			      (long long)s->start, (long long)s->min);
	if (s->start > s->max)
		return db_err(err, "22023",
			      "START value (%lld) cannot be greater than MAXVALUE "
			      "(%lld)",
			      (long long)s->start, (long long)s->max);
	s->last = s->start;
	return 0;
}

int seq_create(struct db *db, const char *name, const struct seq_options *o,
	       uint32_t owner, struct db_error *err)
{
	struct sequence *s, **list;

	if (db_name_taken(db, name))
		return db_err(err, "42P07", "relation \"%s\" already exists", name);
	s = kzalloc(sizeof(*s));
	if (!s)
		return db_err_oom(err);
	if (check_options(s, o, err) < 0) {
		kfree(s);
		return -EINVAL;
	}
	list = krealloc(db->seqs, sizeof(*list) * (size_t)(db->nseqs + 1));
	if (!list) {
		kfree(s);
		return db_err_oom(err);
	}
	snprintf(s->name, sizeof(s->name), "%s", name);
	s->owner = owner;
	s->oid = db->next_oid++;
	db->seqs = list;
	db->seqs[db->nseqs++] = s;
	return 0;
}

void seq_drop(struct db *db, struct sequence *s)
{
	int i;

	for (i = 0; i < db->nseqs; i++)
		if (db->seqs[i] == s) {
			db->seqs[i] = db->seqs[--db->nseqs];
			break;
		}
	if (db->last_seq == s)
		db->last_seq = NULL;
	kfree(s);
}

void seq_drop_owned(struct db *db, uint32_t owner)
{
	int i;

	for (i = db->nseqs - 1; i >= 0; i--)
		if (db->seqs[i]->owner == owner)
			seq_drop(db, db->seqs[i]);
}

void seq_free_all(struct db *db)
{
	while (db->nseqs)
		seq_drop(db, db->seqs[0]);
	kfree(db->seqs);
	db->seqs = NULL;
}

static void seq_lock(struct sequence *s)
{
	while (__atomic_test_and_set(&s->lock, __ATOMIC_ACQUIRE))
		;
}

static void seq_unlock(struct sequence *s)
{
	__atomic_clear(&s->lock, __ATOMIC_RELEASE);
}

int seq_nextval(struct db *db, struct sequence *s, int64_t *out,
		struct db_error *err)
{
	__int128 next;

	seq_lock(s);
	next = s->called ? (__int128)s->last + s->inc : s->last;
	if (next > s->max || next < s->min) {
		seq_unlock(s);
		return db_err(err, "2200H",
			      "nextval: reached %s value of sequence \"%s\" "
			      "(%lld)",
			      next > s->max ? "maximum" : "minimum", s->name,
			      (long long)(next > s->max ? s->max : s->min));
	}
	s->last = (int64_t)next;
	s->called = true;
	*out = s->last;
	seq_unlock(s);
	__atomic_store_n(&db->last_seq, s, __ATOMIC_RELEASE);
	return 0;
}

int seq_currval(struct sequence *s, int64_t *out, struct db_error *err)
{
	bool called;

	seq_lock(s);
	called = s->called;
	*out = s->last;
	seq_unlock(s);
	if (!called)
		return db_err(err, "55000",
			      "currval of sequence \"%s\" is not yet defined in "
			      "this session",
			      s->name);
	return 0;
}

int seq_setval(struct db *db, struct sequence *s, int64_t v, bool called,
	       struct db_error *err)
{
	(void)db;
	if (v < s->min || v > s->max)
		return db_err(err, "22003",
			      "setval: value %lld is out of bounds for sequence "
			      "\"%s\" (%lld..%lld)",
			      (long long)v, s->name, (long long)s->min,
			      (long long)s->max);
	seq_lock(s);
	s->last = v;
	s->called = called;
	seq_unlock(s);
	return 0;
}

int seq_lastval(struct db *db, int64_t *out, struct db_error *err)
{
	struct sequence *s = __atomic_load_n(&db->last_seq, __ATOMIC_ACQUIRE);

	if (!s)
		return db_err(err, "55000",
			      "lastval is not yet defined in this session");
	return seq_currval(s, out, err);
}
