/* SPDX-License-Identifier: MIT */
/* db_crypto_test.c: SHA-256 (FIPS 180-2 examples), HMAC-SHA-256 (RFC
 * 4231), PBKDF2-HMAC-SHA-256 (published vectors, RFC 7914 section 11) and
 * the server side of SCRAM-SHA-256 replaying RFC 7677's example. */
#include <stdio.h>
#include <string.h>
#include <unidb/errno.h>

#include "../../db/wire/scram.h"
#include "../../db/wire/sha256.h"
#include "unit.h"

static const char *hex(const uint8_t *p, size_t n)
{
	static char buf[257];
	size_t i;

	for (i = 0; i < n && i < 128; i++)
		snprintf(buf + 2 * i, 3, "%02x", p[i]);
	buf[2 * i] = 0;
	return buf;
}

static const char *sha_hex(const char *s, size_t n)
{
	uint8_t d[SHA256_LEN];

	sha256(s, n, d);
	return hex(d, SHA256_LEN);
}

UNIT_TEST(sha256_fips_examples)
{
	static char million[1000000];
	struct sha256 c;
	uint8_t d[SHA256_LEN];
	int i;

	CHECK_STR(sha_hex("abc", 3), "ba7816bf8f01cfea414140de5dae2223b00361a3"
				     "96177a9cb410ff61f20015ad");
	CHECK_STR(sha_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
			  56),
		  "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
	CHECK_STR(sha_hex("", 0), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b9"
				  "34ca495991b7852b855");
	memset(million, 'a', sizeof(million));
	CHECK_STR(sha_hex(million, sizeof(million)),
		  "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
	/* the same in uneven pieces */
	sha256_init(&c);
	for (i = 0; i < 1000000; i += 997)
		sha256_update(&c, million, 1000000 - i < 997 ? 1000000 - (size_t)i : 997);
	sha256_final(&c, d);
	CHECK_STR(hex(d, SHA256_LEN),
		  "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

UNIT_TEST(hmac_sha256_rfc4231)
{
	uint8_t key[131], d[SHA256_LEN];
	static const char big[] = "Test Using Larger Than Block-Size Key - Hash "
				  "Key First";

	memset(key, 0x0b, 20);
	hmac_sha256(key, 20, "Hi There", 8, d);
	CHECK_STR(hex(d, SHA256_LEN), "b0344c61d8db38535ca8afceaf0bf12b881dc200"
				      "c9833da726e9376c2e32cff7");
	hmac_sha256("Jefe", 4, "what do ya want for nothing?", 28, d);
	CHECK_STR(hex(d, SHA256_LEN), "5bdcc146bf60754e6a042426089575c75a003f08"
				      "9d2739839dec58b964ec3843");
	memset(key, 0xaa, sizeof(key));
	hmac_sha256(key, sizeof(key), big, strlen(big), d);
	CHECK_STR(hex(d, SHA256_LEN), "60e431591ee0b67f0d8a26aacbf5b77f8e0bc621"
				      "3728c5140546040f0ee37f54");
}

UNIT_TEST(pbkdf2_sha256_vectors)
{
	uint8_t d[64];

	pbkdf2_sha256("password", 8, "salt", 4, 1, d, 32);
	CHECK_STR(hex(d, 32), "120fb6cffcf8b32c43e7225256c4f837a86548c92ccc35480805987cb70be17b");
	pbkdf2_sha256("password", 8, "salt", 4, 2, d, 32);
	CHECK_STR(hex(d, 32), "ae4d0c95af6b46d32d0adff928f06dd02a303f8ef3c251dfd6e2d85a95474c43");
	pbkdf2_sha256("password", 8, "salt", 4, 4096, d, 32);
	CHECK_STR(hex(d, 32), "c5e478d59288c841aa530db6845c4c8d962893a001ce4e11a4963873aa98134a");
	pbkdf2_sha256("passwd", 6, "salt", 4, 1, d, 64); /* RFC 7914 */
	CHECK_STR(hex(d, 64), "55ac046e56e3089fec1691c22544b605f94185216dde0465e68b9d57c20dacbc"
			      "49ca9cccf179b645991664b39d77ef317c71b845b1e30bd509112041d3a19783");
}

UNIT_TEST(base64_round_trip)
{
	uint8_t b[16];
	char s[32];

	CHECK_EQ(b64_encode((const uint8_t *)"n,,", 3, s, sizeof(s)), 4);
	CHECK_STR(s, "biws");
	CHECK_EQ(b64_encode((const uint8_t *)"ab", 2, s, sizeof(s)), 4);
	CHECK_STR(s, "YWI=");
	CHECK_EQ(b64_decode("YWI=", 4, b, sizeof(b)), 2);
	CHECK(!memcmp(b, "ab", 2));
	CHECK_EQ(b64_decode("YW*=", 4, b, sizeof(b)), -1);
	CHECK_EQ(b64_decode("YWI", 3, b, sizeof(b)), -1);
}

/* RFC 7677 section 3: user "user", password "pencil". */
UNIT_TEST(scram_rfc7677_exchange)
{
	static const char cfirst[] = "n,,n=user,r=rOprNGfwEbeRWgbNEkqO";
	static const char cfinal[] =
		"c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,"
		"p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=";
	struct scram sc;
	uint8_t salt[16];
	char out[SCRAM_MSG_MAX], bad[sizeof(cfinal)];

	CHECK_EQ(b64_decode("W22ZaJ0SNY7soEsUEjb6gQ==", 24, salt, sizeof(salt)), 16);
	CHECK(scram_server_first(&sc, "pencil", salt, 16, 4096,
				 "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0", cfirst,
				 strlen(cfirst), out, sizeof(out)) > 0);
	CHECK_STR(out, "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,"
		       "s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096");
	CHECK_EQ(scram_server_final(&sc, cfinal, strlen(cfinal), out, sizeof(out)), 0);
	CHECK_STR(out, "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=");

	/* a wrong password: the same client messages fail the proof */
	CHECK(scram_server_first(&sc, "pencil2", salt, 16, 4096,
				 "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0", cfirst,
				 strlen(cfirst), out, sizeof(out)) > 0);
	CHECK_EQ(scram_server_final(&sc, cfinal, strlen(cfinal), out, sizeof(out)),
		 -EPERM);
	/* a changed nonce or binding flag is malformed, not a wrong proof */
	CHECK(scram_server_first(&sc, "pencil", salt, 16, 4096,
				 "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0", cfirst,
				 strlen(cfirst), out, sizeof(out)) > 0);
	memcpy(bad, cfinal, sizeof(cfinal));
	bad[9] = 'X';
	CHECK_EQ(scram_server_final(&sc, bad, strlen(bad), out, sizeof(out)), -EINVAL);
	memcpy(bad, cfinal, sizeof(cfinal));
	bad[2] = 'e';
	CHECK_EQ(scram_server_final(&sc, bad, strlen(bad), out, sizeof(out)), -EINVAL);
	/* channel binding requested: refused */
	CHECK_EQ(scram_server_first(&sc, "pencil", salt, 16, 4096, "x",
				    "p=tls-server-end-point,,n=,r=abc", 32, out,
				    sizeof(out)),
		 -EOPNOTSUPP);
	CHECK_EQ(scram_server_first(&sc, "pencil", salt, 16, 4096, "x", "n,,n=", 5,
				    out, sizeof(out)),
		 -EINVAL);
}

UNIT_MAIN()
