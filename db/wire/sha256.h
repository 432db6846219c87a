/* SPDX-License-Identifier: MIT */
/* sha256.h: SHA-256 (FIPS 180-4), HMAC-SHA-256 (RFC 2104) and
 * PBKDF2-HMAC-SHA-256 (RFC 8018), what SCRAM-SHA-256 needs.
 * Portable, no allocation; checked against the FIPS 180-2 examples, RFC
 * 4231 and published PBKDF2 vectors in tests/unit/db_crypto_test.c. */
#ifndef DB_WIRE_SHA256_H
#define DB_WIRE_SHA256_H

#include <stddef.h>
#include <stdint.h>

#define SHA256_LEN 32

struct sha256 {
	uint32_t h[8];
	uint64_t len; /* bytes hashed so far */
	uint8_t buf[64];
	size_t nbuf;
};

void sha256_init(struct sha256 *c);
void sha256_update(struct sha256 *c, const void *p, size_t n);
void sha256_final(struct sha256 *c, uint8_t out[SHA256_LEN]);
void sha256(const void *p, size_t n, uint8_t out[SHA256_LEN]);

void hmac_sha256(const void *key, size_t klen, const void *msg, size_t n,
		 uint8_t out[SHA256_LEN]);

/* dklen bytes derived from password and salt with iters iterations. */
void pbkdf2_sha256(const void *pw, size_t pwlen, const void *salt,
		   size_t saltlen, uint32_t iters, uint8_t *out, size_t dklen);

#endif
