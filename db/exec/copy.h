/* SPDX-License-Identifier: MIT */
/* copy.h: COPY ... FROM STDIN and COPY ... TO STDOUT (PostgreSQL's COPY,
 * text and CSV formats), the part independent of the protocol.
 *
 * Statement forms (PostgreSQL 15's grammar, the STDIN/STDOUT subset):
 *   COPY t [(cols)] FROM STDIN [[WITH] (option, ...)]
 *   COPY t [(cols)] | (SELECT ...) TO STDOUT [[WITH] (option, ...)]
 * options FORMAT text|csv, HEADER [bool], DELIMITER 'c', NULL 's',
 * QUOTE 'c', ESCAPE 'c', FREEZE [bool] (accepted, no effect), and the
 * pre-9.0 spelling [WITH] [DELIMITER [AS] 'c'] [NULL [AS] 's'] [CSV
 * [HEADER] [QUOTE [AS] 'c'] [ESCAPE [AS] 'c']]. Files and PROGRAM are
 * refused (0A000): the server has no file system for clients; psql's
 * \copy sends FROM STDIN / TO STDOUT.
 *
 * COPY FROM is streamed: the session feeds the bytes of each CopyData
 * message; complete lines are collected into a batch of COPY_BATCH lines,
 * and each batch is converted (column input functions, defaults, NOT
 * NULL) and inserted under the catalog lock, taken for that batch only,
 * so memory stays bounded and other sessions run between batches. The
 * rowids inserted are kept (8 bytes a row); if any line fails, or the
 * client fails or leaves, every row inserted so far is deleted again, so
 * the COPY loads all or nothing. Errors carry PostgreSQL's CONTEXT line
 * ("COPY t, line 3: ...", "COPY t, line 3, column b: ...").
 * Unlike PostgreSQL, a concurrent reader may see the rows of a COPY in
 * progress (no transaction isolation yet).
 *
 * COPY t TO scans the table in chunks (copy_out_next); COPY (query) TO
 * runs the query and formats each result row as one line
 * (copy_out_row). */
#ifndef DB_EXEC_COPY_H
#define DB_EXEC_COPY_H

#include "exec.h"

#define COPY_BATCH 1000

struct copy_opts {
	bool csv, header;
	char delim, quote, escape;
	const char *null; /* the NULL string */
	size_t null_len;
};

struct copy_stmt {
	bool from; /* FROM STDIN (else TO STDOUT) */
	const char *table; /* NULL for COPY (query) TO */
	const char **cols; /* column list, or NULL: all */
	int ncols;
	const char *query; /* the SELECT COPY TO runs (arena) */
	struct copy_opts o;
};

/* Whether q's first token is COPY (the session then uses copy_parse
 * instead of the SQL parser). */
bool copy_is_copy(const char *q);

/* Parses a COPY statement (one, with an optional ';'). 42601 for bad
 * syntax, 0A000 for files/PROGRAM/BINARY, 22023 for a bad option. */
int copy_parse(struct arena *a, const char *q, struct copy_stmt *cs,
	       struct db_error *err);

struct copy_in;

/* Starts COPY FROM: checks the table and the column list. x is copied;
 * its arena is not used after this call. *ncols gets the column count
 * (CopyInResponse). */
int copy_in_start(struct exec_ctx *x, const struct copy_stmt *cs,
		  struct copy_in **out, int *ncols);
/* Feeds n bytes of data. < 0: an error in err (and context). */
int copy_in_feed(struct copy_in *ci, const char *p, size_t n);
/* The end of data (CopyDone): the last line and batch. *nrows: rows
 * loaded. */
int copy_in_finish(struct copy_in *ci, uint64_t *nrows);
/* The error's CONTEXT line ("" if none). */
const char *copy_in_context(const struct copy_in *ci);
/* Ends COPY FROM; unless finished, every row it inserted is removed. */
void copy_in_end(struct copy_in *ci);

/* COPY t TO: the table's rows in slot order, COPY_OUT_ROWS per
 * copy_out_next call under the catalog's read lock (released between
 * calls, so a slow client does not hold it), each formatted into line
 * and passed to emit. x (and its arena) must outlive the copy_out. */
#define COPY_OUT_ROWS 4096
struct copy_out;
int copy_out_start(struct exec_ctx *x, const struct copy_stmt *cs,
		   struct copy_out **out, int *ncols);
/* The HEADER line (with its newline), or NULL without HEADER. */
const char *copy_out_header_line(const struct copy_out *co);
/* 1: more rows remain, 0: done, < 0: error in x->err. */
int copy_out_next(struct copy_out *co, struct strbuf *line,
		  int (*emit)(void *ctx, const struct strbuf *line), void *ctx);
uint64_t copy_out_rows(const struct copy_out *co);
void copy_out_end(struct copy_out *co);

/* Appends one row (ncols datums) formatted as a COPY line with its
 * newline. */
void copy_out_row(struct strbuf *sb, const struct copy_opts *o,
		  const struct datum *row, int ncols);
/* The HEADER line of COPY TO. */
void copy_out_header(struct strbuf *sb, const struct copy_opts *o,
		     const struct result *res);

/* Splits one line (without its newline) into at most max fields, each
 * de-escaped or de-quoted into buf (NUL-separated; NULL fields: nulls
 * set). Returns the number of fields, or < 0 with 22P04 (unterminated
 * CSV quoted field) in err. Exposed for the unit tests. */
int copy_split(const struct copy_opts *o, const char *line, size_t n,
	       struct strbuf *buf, size_t *off, size_t *len, bool *nulls,
	       int max, struct db_error *err);

#endif
