/* SPDX-License-Identifier: MIT */
/* scram.h: the server side of SCRAM-SHA-256 (RFC 5802, RFC 7677) as
 * PostgreSQL uses it (protocol section 55.3.1): no channel binding
 * (SCRAM-SHA-256 only, a client asking for binding with "p=" is
 * refused), the user name comes from the startup packet (the client
 * sends n=). Pure message transforms, so the unit tests replay RFC 7677's
 * example exchange. */
#ifndef DB_WIRE_SCRAM_H
#define DB_WIRE_SCRAM_H

#include <stddef.h>
#include <stdint.h>

#include "sha256.h"

#define SCRAM_MSG_MAX 512
#define SCRAM_ITERATIONS 4096 /* PostgreSQL's scram_iterations */

struct scram {
	uint8_t stored_key[SHA256_LEN], server_key[SHA256_LEN];
	char gs2[8];			     /* "n,," or "y,," */
	char client_first_bare[SCRAM_MSG_MAX];
	char server_first[SCRAM_MSG_MAX];
	char nonce[SCRAM_MSG_MAX];	     /* client's + server's */
};

/* Standard base64 (RFC 4648) with padding; out gets a NUL. Returns the
 * length written, or -1 if out is too small / the input is not base64. */
int b64_encode(const uint8_t *p, size_t n, char *out, size_t cap);
int b64_decode(const char *s, size_t n, uint8_t *out, size_t cap);

/* From the client-first-message (msg[0..n)) and the server's password,
 * salt, iteration count and nonce (printable, no ','): the
 * server-first-message into out. < 0 for a malformed message (-EINVAL)
 * or channel binding requested (-EOPNOTSUPP). */
int scram_server_first(struct scram *sc, const char *password,
		       const uint8_t *salt, size_t saltlen, uint32_t iters,
		       const char *snonce, const char *msg, size_t n,
		       char *out, size_t cap);

/* Checks the client-final-message; 0 and the server-final-message
 * ("v=...") in out when the proof is right, -EPERM when it is wrong,
 * -EINVAL when the message is malformed. */
int scram_server_final(struct scram *sc, const char *msg, size_t n,
		       char *out, size_t cap);

#endif
