/* SPDX-License-Identifier: MIT */
/* exec.h: binding, planning and execution of parsed statements.
 *
 * A statement runs in three steps, all in the statement's arena:
 *  1. bind: names are resolved against the catalog and the FROM scope
 *     (42P01, 42703, 42702), expression types are computed, literals and
 *     parameters of unknown type are coerced to the type their context
 *     needs (PostgreSQL's rules for the types unidb has), aggregates are
 *     collected (42803 for a column neither grouped nor aggregated);
 *  2. plan: the access path for each table (a primary-key lookup when
 *     the WHERE clause fixes every key column with an equality to a
 *     constant or parameter, else a scan), a hash join for an equality ON
 *     between the two sides, a nested loop otherwise;
 *  3. run: operators pass batches of rows (arrays of datum pointers) from
 *     the scans through joins, the filter, hash aggregation, projection,
 *     DISTINCT (hashing), ORDER BY (merge sort) and LIMIT/OFFSET; the
 *     result is materialized for the wire layer, which sends it, or a part
 *     of it per Execute.
 *
 * Writes go through db/txn (row versions, row locks); a failed statement
 * is undone by txn_exec, so it leaves no trace.
 *
 * exec_stmt is called by txn_exec (db/txn/txn.h), which holds db->lock
 * (shared for SELECT/SHOW, exclusive else); called with x->txn NULL, it
 * runs the statement in a transaction of its own through txn_exec. */
#ifndef DB_EXEC_EXEC_H
#define DB_EXEC_EXEC_H

#include "../common.h"
#include "../sql/ast.h"
#include "../storage/table.h"

struct result_col {
	const char *name;
	struct sql_type type;
	uint32_t table_oid;
	int16_t attnum;
};

struct result {
	int ncols; /* 0 and cols NULL: the statement returns no rows */
	bool has_rows; /* sends RowDescription (SELECT, RETURNING, SHOW) */
	struct result_col *cols;
	struct datum **rows;
	uint64_t nrows, cap;
	char tag[64]; /* CommandComplete tag */
};

#define SETTING_MAX 32

#define SEQ_SESSION_MAX 32

/* What this session's nextval and setval gave, per sequence (currval,
 * lastval are per session, as in PostgreSQL; seq.c). When full, the
 * oldest entry is forgotten. */
struct seq_session {
	uint32_t oid[SEQ_SESSION_MAX];
	int64_t val[SEQ_SESSION_MAX];
	int n, next;	   /* entries used; the one replaced when full */
	uint32_t last_oid; /* lastval's sequence, 0: none yet */
};

struct setting {
	char name[64];
	char value[128];
};

/* Per-session state the executor reads: parameters of the statement,
 * settings, notices produced. */
struct exec_ctx {
	struct db *db;
	struct arena *a;
	struct db_error *err;
	const char *query; /* text positions refer to */
	const struct datum *params; /* Bind values; NULL when describing */
	int nparams;
	struct sql_type *ptypes; /* parameter types: given, then inferred */
	int nptypes;
	struct strbuf *notices; /* NUL-separated notice messages */
	struct setting *settings;
	int *nsettings;
	const char *user, *database;
	bool describe_only; /* bind and describe, do not run */
	/* Why a running statement must stop: *cancel set by a CancelRequest
	 * or a client that went away (NULL: never), deadline_ns from
	 * statement_timeout (time_ns() clock; 0: none). Long loops (scans,
	 * sorts, joins) and lock waits call exec_check_interrupt. */
	const volatile bool *cancel;
	uint64_t deadline_ns;
	/* Enclosing queries of the subquery being bound or run (expr.h). */
	struct outer_frame *outer;
	/* Optional: whether the client closed its connection (the session's
	 * probe); asked at most every EXEC_PROBE_NS by exec_check_interrupt,
	 * a gone client stops the statement (08006). */
	bool (*client_gone)(void *ctx);
	void *client_ctx;
	uint64_t next_probe_ns;
	uint32_t ticks; /* exec_tick's row counter */
	int64_t now_us; /* now() of this statement (funcs.c), 0: not read */
	/* The session's transaction (db/txn/txn.h); NULL: each statement
	 * runs in a transaction of its own (exec_stmt opens one). */
	struct txn *txn;
	/* The snapshot the statement reads (db/txn/htap.h; NULL: the live
	 * tables), and whether the statement runs without db->lock: then
	 * live table structures are read only between exec_live_lock and
	 * exec_live_unlock. live_depth: their nesting. */
	struct db_snapshot *snap;
	bool unlocked;
	int live_depth;
	/* The session's currval/lastval state; NULL (callers without a
	 * session: in-guest tests, benchmarks): the values any session got
	 * last. */
	struct seq_session *seqs;
	/* pg_sleep may release db->lock (held shared) while it sleeps: the
	 * statement is a lone SELECT pg_sleep(x), which holds nothing of the
	 * catalog across the call (exec_stmt decides). */
	bool sleep_unlocks;
	/* EXPLAIN collecting bound SELECTs (explain.c); NULL otherwise. */
	struct explain *explain;
};

#define EXEC_PROBE_NS 5000000ull /* 5 ms */
#define EXEC_TICK_EVERY 4096

/* Runs (or, with describe_only, only binds) one statement. */
int exec_stmt(struct exec_ctx *x, struct stmt *st, struct result *res);

/* 0, or 57014 in x->err when the statement was cancelled or ran past its
 * statement_timeout. O(1): one load and a clock read; call it every few
 * thousand rows, not per row. */
int exec_check_interrupt(struct exec_ctx *x);
/* Around every read of live table structures (slots, version chains,
 * index trees) by a statement that may run unlocked (x->unlocked,
 * htap.h): takes db->lock shared for it, outermost call only. May
 * sleep. */
void exec_live_lock(struct exec_ctx *x);
void exec_live_unlock(struct exec_ctx *x);

/* Per row of a long loop: exec_check_interrupt every EXEC_TICK_EVERY
 * calls. */
static inline int exec_tick(struct exec_ctx *x)
{
	return ++x->ticks % EXEC_TICK_EVERY ? 0 : exec_check_interrupt(x);
}

/* The statement_timeout (or lock_timeout) setting value in ms: "0",
 * "1000" (ms), "1s", "100ms", "2min", "1h", "1d", "500us"; -1 if not a
 * valid duration. */
long long setting_duration_ms(const char *v);
/* Whether the setting is one of those durations; rewriting v in place
 * as SHOW prints it ("1000" -> "1s"), -1 if v is not a duration. */
bool setting_is_duration(const char *name);
int setting_duration_norm(char *v, size_t n);
/* statement_mem (mem.c): the value in kB ("256MB", "1GB", a bare number
 * is kB), -1 if not a memory size; whether a setting is one; v rewritten
 * as SHOW prints it, -1 if invalid or outside 1MB..64GB; the budget in
 * bytes for a statement's arena under these settings. */
long long setting_mem_kb(const char *v);
bool setting_is_memory(const char *name);
int setting_mem_norm(char *v, size_t n);
size_t statement_budget(struct setting *s, int n);

/* pg_sleep(seconds): sleeps in slices, stopping with 57014 at a cancel
 * or timeout (timeout.c). out gets the empty string (void). */
int exec_sleep(struct exec_ctx *x, const struct datum *secs,
	       struct datum *out);
/* Sleeps the calling thread: the platform's (db/server/server.c in the
 * guest, thread_sleep_ns; tests/unit/db_host.c on the host, nanosleep). */
void db_sleep_ns(uint64_t ns);
/* Lets a thread waiting for this core run first (thread_yield). */
void db_yield(void);
/* Makes the calling thread a background one, or a normal one again
 * (thread_set_background; nothing on the host); returns the previous
 * setting. */
bool db_background(bool on);
/* The cores (1 on the host) and the time all of them together spent idle
 * since boot (0 on the host), for work that yields to busy sessions. */
unsigned db_cores(void);
uint64_t db_idle_ns(void);

/* Whether st changes data or the catalog (takes db->lock exclusively). */
bool stmt_writes(const struct stmt *st);

/* Runs the statements of q (each under db->lock, as a session does) in
 * a fresh arena of the given budget with tmpl's db, settings and error;
 * out gets the last statement's rows as "v|v\n" lines (NULL as N), or
 * the SQLSTATE of the first failing statement. 0 or -1. With tmpl->txn
 * (txn_open) the statements run in that session transaction, so a
 * BEGIN in one call and a COMMIT in a later one make one transaction.
 * For in-guest tests and benchmarks (sqltext.c). */
int exec_sql_text(struct exec_ctx *tmpl, const char *q, size_t budget,
		  struct strbuf *out);

/* Settings known to SHOW and reported at startup. */
void settings_init(struct setting *s, int *n, const char *app_name);
const char *setting_get(struct setting *s, int n, const char *name);

#endif
