/* SPDX-License-Identifier: MIT */
/* ring.c: byte rings for TCP's send and receive buffers.
 *
 * Offsets are relative to head; callers guarantee off + n <= size, so a
 * copy wraps at most once. */
#include <string.h>

#include "net/stack.h"

void ring_write_at(struct ring *r, uint32_t off, const void *src, uint32_t n)
{
	uint32_t pos = (r->head + off) % r->size;
	uint32_t first = n < r->size - pos ? n : r->size - pos;

	memcpy(r->buf + pos, src, first);
	memcpy(r->buf, (const uint8_t *)src + first, n - first);
}

void ring_read_at(const struct ring *r, uint32_t off, void *dst, uint32_t n)
{
	uint32_t pos = (r->head + off) % r->size;
	uint32_t first = n < r->size - pos ? n : r->size - pos;

	memcpy(dst, r->buf + pos, first);
	memcpy((uint8_t *)dst + first, r->buf, n - first);
}

void ring_drop(struct ring *r, uint32_t n)
{
	r->head = (r->head + n) % r->size;
	r->len -= n;
}
