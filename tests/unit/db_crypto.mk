# SPDX-License-Identifier: MIT
# db_crypto.mk: SHA-256, HMAC, PBKDF2 and SCRAM-SHA-256 (db/wire) on the host.
UNIT_TESTS += db_crypto
unit_db_crypto_SRCS = tests/unit/db_crypto_test.c db/wire/sha256.c db/wire/scram.c
$(BUILD)/unit/db_crypto: db/wire/sha256.h db/wire/scram.h
