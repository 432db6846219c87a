/* SPDX-License-Identifier: MIT */
/* blk_pattern.h: a reproducible data pattern for block tests: every
 * 8-byte word is a hash of (seed, its byte offset on the device), so data
 * read back from anywhere can be checked without a copy. */
#ifndef DRIVERS_BLK_PATTERN_H
#define DRIVERS_BLK_PATTERN_H

#include <stddef.h>
#include <stdint.h>

static inline uint64_t blk_pattern_word(uint64_t seed, uint64_t off)
{
	uint64_t x = seed * 0x9e3779b97f4a7c15ull ^ off;
	x ^= x >> 31;
	x *= 0xbf58476d1ce4e5b9ull;
	x ^= x >> 29;
	return x | 1; /* never 0: a zeroed block never passes */
}

/* buf (8-byte multiple) holds device bytes [off, off + len). */
static inline void blk_pattern_fill(void *buf, size_t len, uint64_t seed,
				    uint64_t off)
{
	uint64_t *w = buf;
	for (size_t i = 0; i < len / 8; i++)
		w[i] = blk_pattern_word(seed, off + 8 * i);
}

/* Offset in buf of the first wrong word, or -1. */
static inline int64_t blk_pattern_check(const void *buf, size_t len,
					uint64_t seed, uint64_t off)
{
	const uint64_t *w = buf;
	for (size_t i = 0; i < len / 8; i++)
		if (w[i] != blk_pattern_word(seed, off + 8 * i))
			return (int64_t)(8 * i);
	return -1;
}

#endif
