/* SPDX-License-Identifier: MIT */
/* cancel.c: the sessions a CancelRequest can reach (see pgwire.h).
 *
 * A fixed table of slots, never freed, so a canceller that raced with a
 * session's end writes a flag nobody reads instead of freed memory. A
 * slot is FREE, being CLAIMED (pid and secret not written yet) or LIVE;
 * only LIVE slots match. O(slots) per cancel, which is rare. */
#include "pgwire.h"

#include <stdbool.h>

#define PG_BACKENDS 4096

enum { SLOT_FREE, SLOT_CLAIMED, SLOT_LIVE };

struct pg_backend {
	int state;
	int32_t pid, secret;
	volatile bool cancel;
};

static struct pg_backend backends[PG_BACKENDS];

struct pg_backend *pg_backend_add(int32_t pid, int32_t secret)
{
	unsigned i;

	for (i = 0; i < PG_BACKENDS; i++) {
		int want = SLOT_FREE;
		struct pg_backend *b = &backends[i];

		if (!__atomic_compare_exchange_n(&b->state, &want, SLOT_CLAIMED,
						 false, __ATOMIC_ACQUIRE,
						 __ATOMIC_RELAXED))
			continue;
		b->pid = pid;
		b->secret = secret;
		b->cancel = false;
		__atomic_store_n(&b->state, SLOT_LIVE, __ATOMIC_RELEASE);
		return b;
	}
	return NULL; /* more sessions than slots: not cancellable */
}

void pg_backend_remove(struct pg_backend *b)
{
	if (b)
		__atomic_store_n(&b->state, SLOT_FREE, __ATOMIC_RELEASE);
}

volatile bool *pg_backend_flag(struct pg_backend *b)
{
	return b ? &b->cancel : NULL;
}

bool pg_cancel(int32_t pid, int32_t secret)
{
	unsigned i;

	for (i = 0; i < PG_BACKENDS; i++) {
		struct pg_backend *b = &backends[i];

		if (__atomic_load_n(&b->state, __ATOMIC_ACQUIRE) == SLOT_LIVE &&
		    b->pid == pid && b->secret == secret) {
			b->cancel = true;
			return true;
		}
	}
	return false;
}
