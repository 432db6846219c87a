/* SPDX-License-Identifier: MIT */
/* ast.h: tokens and the parse tree of SQL statements.
 *
 * The lexer turns a query string into an array of tokens; the parser (a
 * recursive-descent parser, one function per grammar rule, precedence
 * climbing for expressions with PostgreSQL's operator precedence) builds
 * statements from them. Everything lives in the statement's arena.
 * Positions are byte offsets into the query string; errors carry them as
 * 1-based character positions, as PostgreSQL's ErrorResponse does.
 *
 * Names are folded to lower case unless double-quoted, as PostgreSQL does.
 * The binder (db/exec) later resolves names and fills the `type` and
 * `slot` fields of expressions; the parser leaves them zero. */
#ifndef DB_SQL_AST_H
#define DB_SQL_AST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../common.h"
#include "value.h"

#define SQL_NAME_MAX 63 /* PostgreSQL's NAMEDATALEN - 1 */

enum tok_kind {
	TOK_EOF,
	TOK_IDENT,  /* folded to lower case; keywords are identifiers too */
	TOK_QIDENT, /* "Quoted" identifier */
	TOK_INT,    /* integer literal that fits in 64 bits */
	TOK_NUM,    /* other numeric literal (not supported yet) */
	TOK_STRING, /* 'string', E'string' (decoded) */
	TOK_PARAM,  /* $n */
	TOK_OP,	    /* operator: + - * / % ^ = < > <= >= <> != || :: */
	TOK_PUNCT,  /* ( ) , ; . [ ] */
};

struct token {
	uint8_t kind;
	int pos;	  /* byte offset in the query */
	int end;	  /* byte offset after the token */
	const char *text; /* identifier (folded), string (decoded), op, punct */
	size_t len;	  /* bytes at text */
	int64_t ival;	  /* TOK_INT, TOK_PARAM */
};

/* Tokenizes q[0..n) into *toks (arena; ends with TOK_EOF). 42601 on an
 * unterminated string, quoted identifier or comment. */
int sql_lex(struct arena *a, const char *q, size_t n, struct token **toks,
	    int *ntoks, struct db_error *err);

/* 1-based character position of byte offset off in q (what ErrorResponse
 * reports). */
int sql_char_pos(const char *q, int off);

enum expr_kind {
	EX_CONST,
	EX_PARAM,  /* $n: slot = n - 1 */
	EX_COLUMN, /* [qual.]name; bound: slot = index in the input row */
	EX_STAR,   /* * or qual.* in a select list */
	EX_UNOP,   /* op l: OP_NEG, OP_NOT */
	EX_BINOP,  /* l op r */
	EX_ISNULL, /* l IS [NOT] NULL */
	EX_ISBOOL, /* l IS [NOT] TRUE/FALSE: val holds the boolean */
	EX_CAST,   /* CAST(l AS type), l::type */
	EX_FUNC,   /* name(args); aggregates too (agg != AGG_NONE) */
	EX_CASE,   /* CASE [x] WHEN args[2i] THEN args[2i+1] ... ELSE r END */
	EX_IN,	   /* l [NOT] IN (args) */
	EX_BETWEEN, /* x [NOT] BETWEEN l AND r */
	EX_LIKE,   /* l [NOT] LIKE r */
	EX_AGGREF, /* bound: reads aggregate slot of the current group */
	EX_SUBLINK, /* (SELECT ...), EXISTS, l op ANY/ALL (SELECT ...):
		       sublink says which (subquery.c) */
	EX_OUTER,  /* bound: column `slot` of the query `level` sublinks out */
};

enum sublink_kind { SUB_SCALAR, SUB_EXISTS, SUB_ANY, SUB_ALL, SUB_ARRAY };

enum op {
	OP_NONE,
	OP_ADD, OP_SUB, OP_MUL, OP_DIV, OP_MOD,
	OP_EQ, OP_NE, OP_LT, OP_LE, OP_GT, OP_GE,
	OP_AND, OP_OR, OP_NOT, OP_NEG, OP_CONCAT,
};

enum agg_kind { AGG_NONE, AGG_COUNT, AGG_SUM, AGG_MIN, AGG_MAX, AGG_AVG,
		AGG_STRING_AGG };

struct expr {
	uint8_t kind;	  /* enum expr_kind */
	uint8_t op;	  /* enum op */
	uint8_t agg;	  /* enum agg_kind */
	bool negated;	  /* NOT IN, NOT BETWEEN, IS NOT, NOT LIKE */
	bool distinct;	  /* count(DISTINCT x) */
	bool star;	  /* count(*) */
	int pos;	  /* byte offset of the expression's first token */
	struct expr *l, *r, *x;
	struct expr **args;
	int nargs;
	const char *name; /* column or function name */
	const char *qual; /* table qualifier of a column, or NULL */
	struct datum val; /* EX_CONST; EX_ISBOOL: the boolean */
	struct sql_type type; /* EX_CAST: target; after binding: result */
	int slot;	  /* bound column index, parameter, aggregate slot */
	const void *fn;	  /* EX_FUNC bound to a funcs.c entry, or NULL */
	uint8_t sublink;  /* EX_SUBLINK: enum sublink_kind (op: comparison) */
	uint8_t level;	  /* EX_OUTER */
	struct select *sub; /* EX_SUBLINK */
	void *plan;	  /* EX_SUBLINK after binding (subquery.c) */
	struct datum *folded; /* bound: a constant expression's value
				 (db/exec/fold.c), else NULL */
};

struct target {
	struct expr *e;
	const char *alias; /* AS name, or NULL */
};

enum join_kind { JOIN_FIRST, JOIN_CROSS, JOIN_INNER, JOIN_LEFT };

struct select;

struct from_item {
	const char *table; /* NULL for a subquery or a function */
	struct select *sub;
	struct expr *func; /* FROM f(args): a set-returning function */
	const char *alias;
	int pos;
	uint8_t join; /* how it joins the items before it */
	struct expr *on;
};

struct order_item {
	struct expr *e;
	bool desc;
	int8_t nulls_first; /* -1: default (NULLs count as largest) */
};

struct select {
	bool distinct;
	struct target *targets;
	int ntargets;
	struct from_item *from;
	int nfrom;
	struct expr *where;
	struct expr **group;
	int ngroup;
	struct expr *having;
	struct order_item *order;
	int norder;
	struct expr *limit, *offset;
	/* A set operation (setop != SETOP_NONE): larg setop rarg, with order,
	 * limit and offset applying to the whole; the fields above unused. */
	uint8_t setop;
	bool setop_all;
	struct select *larg, *rarg;
	int setop_pos;
};

enum setop_kind { SETOP_NONE, SETOP_UNION, SETOP_INTERSECT, SETOP_EXCEPT };

struct column_def {
	const char *name;
	int pos;
	struct sql_type type;
	bool not_null, primary_key;
	int pk_pos;	      /* where PRIMARY KEY was written */
	bool unique;	      /* UNIQUE */
	bool serial;	      /* serial, bigserial, smallserial (type set) */
	const char *constraint; /* CONSTRAINT name before PRIMARY KEY/UNIQUE */
	struct expr *def;     /* DEFAULT expression, or NULL */
	const char *def_src;  /* its text, kept by the catalog */
	size_t def_len;
};

/* An index or a UNIQUE / PRIMARY KEY constraint: CREATE INDEX, a column
 * or table constraint of CREATE TABLE, ALTER TABLE ADD. */
struct index_def {
	const char *name; /* given name, or NULL: PostgreSQL's default */
	int pos;
	bool unique, primary;
	bool if_not_exists; /* CREATE INDEX IF NOT EXISTS */
	const char **cols;
	int *col_pos;
	bool *desc;
	int ncols;
};

enum alter_kind {
	AT_ADD_CONSTRAINT, /* idx */
	AT_ADD_COLUMN,	   /* col */
	AT_DROP_COLUMN,	   /* name */
	AT_RENAME_COLUMN,  /* name -> new_name */
	AT_RENAME,	   /* the table -> new_name */
	AT_SET_DEFAULT,	   /* name, col.def */
	AT_DROP_DEFAULT,
	AT_SET_NOT_NULL,
	AT_DROP_NOT_NULL,
	AT_DROP_CONSTRAINT, /* name */
};

struct alter_cmd {
	uint8_t kind; /* enum alter_kind */
	int pos;
	const char *name, *new_name;
	bool if_exists; /* ADD COLUMN IF NOT EXISTS, DROP ... IF EXISTS */
	struct column_def *col;
	struct index_def *idx;
};

/* CREATE SEQUENCE's options (has_*: given). */
struct seq_def {
	uint8_t type; /* TYPE_INT2/4/8; 0: bigint */
	int64_t inc, start, min, max;
	bool has_inc, has_start, has_min, has_max;
};

/* CREATE/DROP INDEX, ALTER TABLE, constraints of CREATE TABLE. */
struct ddl {
	struct seq_def seq; /* CREATE SEQUENCE */
	struct index_def *idx; /* CREATE INDEX; CREATE TABLE's constraints */
	int nidx;
	struct alter_cmd *cmds; /* ALTER TABLE */
	int ncmds;
};

struct set_item {
	const char *column;
	int pos;
	struct expr *e;
};

enum stmt_kind {
	ST_EMPTY,
	ST_SELECT,
	ST_INSERT,
	ST_UPDATE,
	ST_DELETE,
	ST_CREATE_TABLE,
	ST_DROP_TABLE,
	ST_SET,
	ST_SHOW,
	ST_TRUNCATE,
	ST_TXN, /* BEGIN, COMMIT, ROLLBACK, SAVEPOINT, ... (txn_op) */
	ST_CREATE_INDEX, /* ddl->idx[0] on table */
	ST_DROP_INDEX,	 /* names */
	ST_ALTER_TABLE,	 /* ddl->cmds on table */
	ST_CREATE_SEQUENCE, /* table: its name, ddl->seq */
	ST_DROP_SEQUENCE,   /* names */
	ST_VACUUM,  /* VACUUM and ANALYZE: names = the tables (may be none) */
	ST_ANALYZE,
	ST_EXPLAIN, /* EXPLAIN [options] inner (db/exec/explain.c) */
	ST_CHECKPOINT, /* CHECKPOINT (db/wal/redo.h) */
};

/* EXPLAIN's options. */
enum explain_flag {
	EXPLAIN_ANALYZE = 1,
	EXPLAIN_VERBOSE = 2,
	EXPLAIN_COSTS = 4, /* accepted: unidb prints no costs */
	EXPLAIN_JSON = 8,
};

struct stmt {
	uint8_t kind;	    /* enum stmt_kind */
	int pos;	    /* byte offset of the first token */
	int end;	    /* byte offset after the last token */
	struct select *select; /* SELECT; INSERT ... SELECT */
	const char *table;  /* INSERT/UPDATE/DELETE/CREATE target */
	int table_pos;
	bool if_exists;	    /* DROP ... IF EXISTS, CREATE ... IF NOT EXISTS */
	struct column_def *cols; /* CREATE TABLE */
	int ncols;
	const char **names; /* DROP/TRUNCATE TABLE list, INSERT column list,
			       CREATE TABLE's PRIMARY KEY (...) list */
	int *name_pos;
	int nnames;
	const char **pk;
	int *pk_pos;
	int pk_clause_pos; /* CREATE TABLE's PRIMARY KEY (...) */
	int npk;
	struct expr ***rows; /* INSERT VALUES: nrows lists of rowlen */
	int *row_len;
	int nrows;
	struct set_item *sets; /* UPDATE SET */
	int nsets;
	struct expr *where;
	struct target *returning;
	int nreturning;
	const char *setting; /* SET/SHOW name */
	const char *value;   /* SET value (NULL: DEFAULT) */
	uint8_t txn_op;	     /* ST_TXN: enum txn_op */
	int8_t txn_iso;	     /* ISOLATION LEVEL: enum txn_iso, -1 not given */
	int8_t txn_ro;	     /* READ ONLY 1, READ WRITE 0, -1 not given */
	const char *txn_tag; /* the command tag (BEGIN, START TRANSACTION) */
	const char *txn_name; /* savepoint name */
	struct ddl *ddl;     /* indexes, constraints, ALTER TABLE */
	struct stmt *inner;  /* EXPLAIN: the statement explained */
	uint8_t explain;     /* EXPLAIN: enum explain_flag bits */
};

enum txn_op {
	TXN_OP_BEGIN,
	TXN_OP_COMMIT,
	TXN_OP_ROLLBACK,
	TXN_OP_SAVEPOINT,
	TXN_OP_RELEASE,
	TXN_OP_ROLLBACK_TO,
	TXN_OP_SET, /* SET TRANSACTION */
};

/* Parses every statement of q[0..n) (separated by ';'). A syntax error
 * anywhere fails the whole string, as in PostgreSQL's simple query. */
int sql_parse(struct arena *a, const char *q, size_t n, struct stmt ***out,
	      int *nout, struct db_error *err);
/* Parses one expression (a stored DEFAULT). */
int sql_parse_expr(struct arena *a, const char *q, size_t n,
		   struct expr **out, struct db_error *err);

#endif
