/* SPDX-License-Identifier: MIT */
/* scram.c: SCRAM-SHA-256, server side (see scram.h; RFC 5802 section 3):
 *   SaltedPassword = PBKDF2(password, salt, i)
 *   ClientKey = HMAC(SaltedPassword, "Client Key"), StoredKey = H(ClientKey)
 *   ServerKey = HMAC(SaltedPassword, "Server Key")
 *   AuthMessage = client-first-bare "," server-first "," client-final
 *                 without its proof
 *   ClientProof = ClientKey XOR HMAC(StoredKey, AuthMessage)
 * The server recovers ClientKey from the proof and compares its hash with
 * StoredKey; it answers with HMAC(ServerKey, AuthMessage). The password is
 * used as given (PostgreSQL applies SASLprep, which leaves ASCII
 * passwords unchanged). */
#include "scram.h"

#include <stdio.h>
#include <string.h>
#include <unidb/errno.h>

static const char b64[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

int b64_encode(const uint8_t *p, size_t n, char *out, size_t cap)
{
	size_t i, o = 0;

	if ((n + 2) / 3 * 4 + 1 > cap)
		return -1;
	for (i = 0; i < n; i += 3) {
		uint32_t v = (uint32_t)p[i] << 16 |
			     (i + 1 < n ? (uint32_t)p[i + 1] << 8 : 0) |
			     (i + 2 < n ? p[i + 2] : 0);

		out[o++] = b64[v >> 18];
		out[o++] = b64[(v >> 12) & 63];
		out[o++] = i + 1 < n ? b64[(v >> 6) & 63] : '=';
		out[o++] = i + 2 < n ? b64[v & 63] : '=';
	}
	out[o] = 0;
	return (int)o;
}

int b64_decode(const char *s, size_t n, uint8_t *out, size_t cap)
{
	uint32_t acc = 0;
	size_t i, o = 0;
	int bits = 0, pad = 0;

	if (n % 4)
		return -1;
	for (i = 0; i < n; i++) {
		const char *e = s[i] ? strchr(b64, s[i]) : NULL;

		if (s[i] == '=' && i >= n - 2) {
			pad++;
			continue;
		}
		if (!e || pad)
			return -1;
		acc = acc << 6 | (uint32_t)(e - b64);
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			if (o == cap)
				return -1;
			out[o++] = (uint8_t)(acc >> bits);
		}
	}
	return (int)o;
}

/* The value of attribute a ("r=") among msg's comma-separated fields. */
static const char *attr(const char *msg, size_t n, char a, size_t *len)
{
	size_t i = 0;

	while (i < n) {
		size_t e = i;

		while (e < n && msg[e] != ',')
			e++;
		if (e - i >= 2 && msg[i] == a && msg[i + 1] == '=') {
			*len = e - i - 2;
			return msg + i + 2;
		}
		i = e + 1;
	}
	return NULL;
}

int scram_server_first(struct scram *sc, const char *password,
		       const uint8_t *salt, size_t saltlen, uint32_t iters,
		       const char *snonce, const char *msg, size_t n,
		       char *out, size_t cap)
{
	uint8_t salted[SHA256_LEN], ck[SHA256_LEN];
	char salt64[128];
	const char *bare, *r;
	size_t rlen;
	int k;

	memset(sc, 0, sizeof(*sc));
	if (n >= 1 && msg[0] == 'p')
		return -EOPNOTSUPP;
	if (n < 3 || (msg[0] != 'n' && msg[0] != 'y') || msg[1] != ',')
		return -EINVAL;
	bare = memchr(msg + 2, ',', n - 2); /* after the authzid field */
	if (!bare || (size_t)(bare + 1 - msg) > sizeof(sc->gs2) - 1)
		return -EINVAL;
	bare++;
	memcpy(sc->gs2, msg, (size_t)(bare - msg));
	n -= (size_t)(bare - msg);
	r = attr(bare, n, 'r', &rlen);
	if (n >= sizeof(sc->client_first_bare) || !r || !rlen ||
	    b64_encode(salt, saltlen, salt64, sizeof(salt64)) < 0)
		return -EINVAL;
	memcpy(sc->client_first_bare, bare, n);
	k = snprintf(sc->nonce, sizeof(sc->nonce), "%.*s%s", (int)rlen, r, snonce);
	if (k < 0 || (size_t)k >= sizeof(sc->nonce))
		return -EINVAL;
	k = snprintf(sc->server_first, sizeof(sc->server_first),
		     "r=%s,s=%s,i=%u", sc->nonce, salt64, iters);
	if (k < 0 || (size_t)k >= sizeof(sc->server_first) || (size_t)k >= cap)
		return -EINVAL;
	memcpy(out, sc->server_first, (size_t)k + 1);
	pbkdf2_sha256(password, strlen(password), salt, saltlen, iters, salted,
		      SHA256_LEN);
	hmac_sha256(salted, SHA256_LEN, "Client Key", 10, ck);
	sha256(ck, SHA256_LEN, sc->stored_key);
	hmac_sha256(salted, SHA256_LEN, "Server Key", 10, sc->server_key);
	return k;
}

int scram_server_final(struct scram *sc, const char *msg, size_t n,
		       char *out, size_t cap)
{
	char auth[3 * SCRAM_MSG_MAX], want_c[16];
	uint8_t proof[64], sig[SHA256_LEN], key[SHA256_LEN], h[SHA256_LEN];
	const char *c, *r, *p;
	size_t clen, rlen, plen;
	unsigned diff = 0;
	int k, i;

	c = attr(msg, n, 'c', &clen);
	r = attr(msg, n, 'r', &rlen);
	p = attr(msg, n, 'p', &plen);
	if (!c || !r || !p || p < msg + 3 || p[-3] != ',')
		return -EINVAL;
	if (b64_encode((const uint8_t *)sc->gs2, strlen(sc->gs2), want_c,
		       sizeof(want_c)) < 0 ||
	    clen != strlen(want_c) || memcmp(c, want_c, clen) ||
	    rlen != strlen(sc->nonce) || memcmp(r, sc->nonce, rlen))
		return -EINVAL;
	if (b64_decode(p, plen, proof, sizeof(proof)) != SHA256_LEN)
		return -EINVAL;
	k = snprintf(auth, sizeof(auth), "%s,%s,%.*s", sc->client_first_bare,
		     sc->server_first, (int)(p - 3 - msg), msg);
	if (k < 0 || (size_t)k >= sizeof(auth))
		return -EINVAL;
	hmac_sha256(sc->stored_key, SHA256_LEN, auth, (size_t)k, sig);
	for (i = 0; i < SHA256_LEN; i++)
		key[i] = proof[i] ^ sig[i];
	sha256(key, SHA256_LEN, h);
	for (i = 0; i < SHA256_LEN; i++)
		diff |= h[i] ^ sc->stored_key[i]; /* constant time */
	if (diff)
		return -EPERM;
	hmac_sha256(sc->server_key, SHA256_LEN, auth, (size_t)k, sig);
	if (cap < 3)
		return -EINVAL;
	memcpy(out, "v=", 2);
	return b64_encode(sig, SHA256_LEN, out + 2, cap - 2) < 0 ? -EINVAL : 0;
}
