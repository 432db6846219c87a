/* SPDX-License-Identifier: MIT */
/* htab.c: chained hash table over datum tuples, in a statement's arena,
 * used by hash aggregation, DISTINCT and hash joins. Doubles its bucket
 * array at load 1; entries never move, so callers may keep pointers. */
#include <string.h>
#include <unidb/errno.h>

#include "internal.h"

int htab_init(struct htab *h, struct arena *a, int w)
{
	h->a = a;
	h->w = w;
	h->n = 0;
	h->nb = 64;
	h->b = arena_alloc(a, sizeof(*h->b) * h->nb);
	return h->b ? 0 : -ENOMEM;
}

uint64_t tuple_hash(const struct datum *key, int w)
{
	uint64_t h = 0x243f6a8885a308d3ull;
	int i;

	for (i = 0; i < w; i++)
		h = (h ^ datum_hash(&key[i])) * 0x100000001b3ull;
	return h ^ (h >> 32);
}

static bool tuple_eq(const struct datum *a, const struct datum *b, int w)
{
	int i;

	for (i = 0; i < w; i++) {
		if (a[i].null != b[i].null)
			return false;
		if (!a[i].null && !datum_eq(&a[i], &b[i]))
			return false;
	}
	return true;
}

static void grow(struct htab *h)
{
	uint64_t nb = h->nb * 2, i;
	struct hentry **b = arena_alloc(h->a, sizeof(*b) * nb), *e, *next;

	if (!b)
		return; /* keep the longer chains */
	for (i = 0; i < h->nb; i++) {
		for (e = h->b[i]; e; e = next) {
			next = e->next;
			e->next = b[e->hash & (nb - 1)];
			b[e->hash & (nb - 1)] = e;
		}
	}
	arena_release(h->a, h->b, sizeof(*b) * h->nb);
	h->b = b;
	h->nb = nb;
}

struct hentry *htab_get(struct htab *h, const struct datum *key, bool add,
			bool *added)
{
	return htab_get_hashed(h, key, tuple_hash(key, h->w), add, added);
}

struct hentry *htab_get_hashed(struct htab *h, const struct datum *key,
			       uint64_t hash, bool add, bool *added)
{
	struct hentry *e;

	if (added)
		*added = false;
	for (e = h->b[hash & (h->nb - 1)]; e; e = e->next)
		if (e->hash == hash && tuple_eq(e->key, key, h->w))
			return e;
	if (!add)
		return NULL;
	e = arena_alloc(h->a, sizeof(*e));
	if (!e)
		return NULL;
	e->hash = hash;
	e->key = key;
	e->next = h->b[hash & (h->nb - 1)];
	h->b[hash & (h->nb - 1)] = e;
	if (++h->n > h->nb)
		grow(h);
	if (added)
		*added = true;
	return e;
}
