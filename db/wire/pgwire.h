/* SPDX-License-Identifier: MIT */
/* pgwire.h: a PostgreSQL protocol v3 session over any byte stream.
 *
 * The transport is two callbacks, so the same session code runs over the
 * host's POSIX sockets (tools/unidb-pg) and, in the guest, over the
 * kernel's TCP sockets (<unidb/net.h>): one thread per connection calls
 * pg_session_run() and returns when the client leaves or breaks the
 * protocol.
 *
 * What the session does (PostgreSQL documentation, chapter 55):
 *  - startup: SSLRequest and GSSENCRequest are answered 'N' (no
 *    encryption), protocol 3.0 only (else FATAL 0A000), startup
 *    parameters (user required, database defaults to user), trust
 *    authentication or SCRAM-SHA-256 when a password is set, ParameterStatus for the settings clients read,
 *    BackendKeyData, ReadyForQuery;
 *  - simple query: every statement of the message in order, each with its
 *    RowDescription/DataRows/CommandComplete, the first error ends the
 *    message; an empty query gives EmptyQueryResponse;
 *  - extended query: Parse/Bind/Describe/Execute/Sync/Close/Flush with
 *    named and unnamed statements and portals, parameter types given or
 *    inferred from their use, text and binary parameters and results,
 *    Execute row limits with PortalSuspended; after an error every message
 *    up to Sync is skipped, as PostgreSQL does;
 *  - ErrorResponse with SQLSTATE, message, detail and position;
 *    NoticeResponse; ReadyForQuery with status 'I' (no transactions yet);
 *  - a message longer than PG_MSG_MAX, a malformed or unknown message
 *    gets FATAL 08P01 and the connection is closed.
 * Nothing a client sends can crash the server: every length is checked,
 * every allocation can fail into an error. */
#ifndef DB_WIRE_PGWIRE_H
#define DB_WIRE_PGWIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct db;

struct pg_io {
	void *ctx;
	/* Reads up to n bytes: > 0 bytes read, 0 at end of stream, < 0 error.
	 * May block. */
	long (*read)(void *ctx, void *buf, size_t n);
	/* Writes all n bytes; < 0 on error. May block. */
	long (*write)(void *ctx, const void *buf, size_t n);
	/* Optional: like read but never blocks (-EAGAIN when nothing is
	 * there). A running statement probes with it, every few ms, whether
	 * its client closed the connection (0: end of stream). */
	long (*read_nowait)(void *ctx, void *buf, size_t n);
};

/* Serves one client until it terminates or fails. pid and secret are
 * sent in BackendKeyData. Returns 0 after Terminate or end of stream,
 * < 0 (-EIO, -EINVAL for a protocol violation) otherwise. */
int pg_session_run(struct db *db, struct pg_io *io, int32_t pid,
		   int32_t secret);

/* Turns a client away (e.g. 53300, "sorry, too many clients already"):
 * reads its startup packet as a session would (SSL and GSSENC requests
 * answered 'N'), then sends FATAL code with msg. Reading first matters: a
 * client that is still sending when the server closes gets a reset
 * instead of the message. Returns -EINVAL once the error is sent, or the
 * transport's error. */
int pg_refuse(struct pg_io *io, const char *code, const char *msg);

/* Password authentication for every session started afterwards: with a
 * password, clients log in with SCRAM-SHA-256 (any user name, this one
 * password; a wrong one gets FATAL 28P01); NULL (the default) is trust.
 * random fills the salt (chosen here) and each session's nonce. The
 * string is not copied. */
void pg_set_password(const char *password,
		     void (*random)(void *buf, size_t n));

/* Sessions a CancelRequest can reach: pg_session_run registers itself
 * under its pid and secret; a CancelRequest with both (on another
 * connection, PostgreSQL's protocol) sets the session's flag, which its
 * running statement sees at its next exec_check_interrupt (57014). A
 * cancel for no statement is ignored, as in PostgreSQL. */
struct pg_backend;
struct pg_backend *pg_backend_add(int32_t pid, int32_t secret);
void pg_backend_remove(struct pg_backend *b);
volatile bool *pg_backend_flag(struct pg_backend *b);
/* Whether a session had that pid and secret (its flag is now set). */
bool pg_cancel(int32_t pid, int32_t secret);

#endif
