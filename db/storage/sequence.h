/* SPDX-License-Identifier: MIT */
/* sequence.h: sequences (CREATE SEQUENCE, serial columns, nextval).
 *
 * A sequence is a catalog object of its own (named like a relation, with
 * an oid from the catalog's counter) holding its last value. nextval may
 * run in statements that hold the catalog lock only shared (SELECT
 * nextval(...)), so each sequence has its own tiny spin flag around its
 * value; creating and dropping one needs the catalog lock exclusive.
 *
 * Differences from PostgreSQL: currval and lastval report the last value
 * any session got (PostgreSQL: this session), and values handed out by a
 * failed statement are not reused (as in PostgreSQL). */
#ifndef DB_STORAGE_SEQUENCE_H
#define DB_STORAGE_SEQUENCE_H

#include <stdbool.h>
#include <stdint.h>

struct db;
struct db_error;

struct sequence {
	char name[64];
	uint32_t oid;
	uint32_t owner; /* oid of the table of a serial column, or 0 */
	uint8_t type;	/* TYPE_INT2/4/8: the range of values */
	int64_t start, inc, min, max;
	bool lock;	/* spin flag for last and called */
	int64_t last;	/* last value returned (or start, !called) */
	bool called;
};

struct seq_options {
	uint8_t type; /* 0: bigint */
	int64_t inc, start, min, max;
	bool has_inc, has_start, has_min, has_max;
};

struct sequence *seq_find(struct db *db, const char *name);
/* Creates a sequence (42P07 if the name is taken by any relation, 22023
 * for inconsistent options, 53200). */
int seq_create(struct db *db, const char *name, const struct seq_options *o,
	       uint32_t owner, struct db_error *err);
void seq_drop(struct db *db, struct sequence *s);
/* Drops the sequences owned by the table with oid owner. */
void seq_drop_owned(struct db *db, uint32_t owner);
void seq_free_all(struct db *db);
/* The next value (2200H past the end). */
int seq_nextval(struct db *db, struct sequence *s, int64_t *out,
		struct db_error *err);
/* 55000 before the first nextval. */
int seq_currval(struct sequence *s, int64_t *out, struct db_error *err);
/* Sets the last value (22003 outside min..max). */
int seq_setval(struct db *db, struct sequence *s, int64_t v, bool called,
	       struct db_error *err);
/* lastval(): 55000 before any nextval. */
int seq_lastval(struct db *db, int64_t *out, struct db_error *err);

#endif
