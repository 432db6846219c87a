/* SPDX-License-Identifier: MIT */
/* codec.h: PostgreSQL protocol v3 message encoding and decoding.
 *
 * Every message after the startup packet is a type byte, a big-endian
 * int32 length that counts itself but not the type byte, and the body.
 * The reader never trusts a length: every field read is bounds-checked
 * against the body, and a read past the end (or a string without its NUL)
 * marks the reader bad, which the session answers with 08P01
 * protocol_violation. The writer appends messages to a strbuf; pg_end()
 * patches the length once the body is complete.
 *
 * Reference: PostgreSQL documentation, chapter 55 "Frontend/Backend
 * Protocol", 55.7 "Message Formats". */
#ifndef DB_WIRE_CODEC_H
#define DB_WIRE_CODEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../common.h"
#include "../sql/value.h"

/* Startup packet codes (55.7: SSLRequest, GSSENCRequest, CancelRequest). */
#define PG_PROTOCOL_3_0 196608u /* 3 << 16 */
#define PG_SSL_REQUEST 80877103u
#define PG_GSSENC_REQUEST 80877104u
#define PG_CANCEL_REQUEST 80877102u

#define PG_STARTUP_MAX 10000	      /* MAX_STARTUP_PACKET_LENGTH */
#define PG_MSG_MAX ((size_t)1 << 20)   /* unidb's limit for one message */

struct pg_reader {
	const uint8_t *p;
	size_t n, off;
	bool bad; /* a read ran past the end or a string had no NUL */
};

void pg_reader_init(struct pg_reader *r, const void *p, size_t n);
uint8_t pg_get_u8(struct pg_reader *r);
int16_t pg_get_i16(struct pg_reader *r);
int32_t pg_get_i32(struct pg_reader *r);
/* NUL-terminated string inside the body ("" and bad if none). */
const char *pg_get_str(struct pg_reader *r);
/* n bytes (NULL and bad if fewer remain). */
const uint8_t *pg_get_bytes(struct pg_reader *r, size_t n);
bool pg_at_end(const struct pg_reader *r);

uint32_t pg_be32(const uint8_t *p);

/* Starts a message of type t (0: startup-style without type byte) and
 * returns its start offset for pg_end(). */
size_t pg_begin(struct strbuf *sb, char t);
void pg_end(struct strbuf *sb, size_t start);
void pg_put_i16(struct strbuf *sb, int16_t v);
void pg_put_i32(struct strbuf *sb, int32_t v);
void pg_put_str(struct strbuf *sb, const char *s);

/* Binary send/receive formats of the supported types (55.x: typsend/
 * typreceive): integers big-endian, boolean one byte, strings as is,
 * numeric as base-10000 digits (numeric.h). Values built come from a. */
int pg_binary_out(struct strbuf *sb, const struct datum *d);
int pg_binary_in(struct arena *a, struct sql_type t, const uint8_t *p, size_t n,
		 struct datum *out, struct db_error *err);
/* The SQL type of a pg_type oid (TYPE_NULL for 0 = unspecified); -1 if
 * unidb does not have the type. */
int pg_type_of_oid(uint32_t oid);

#endif
