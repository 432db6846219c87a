/* SPDX-License-Identifier: MIT */
/* netif.c: the registry of network devices (kernel side of netif.h).
 *
 * Drivers register at boot; entries are never removed, so a pointer from
 * netif_get() stays valid. Registration publishes the slot with a release
 * store of the count, so readers need no lock. */
#include <unidb/errno.h>
#include <unidb/spinlock.h>

#include "net/netif.h"

#define NETIF_MAX 8

static struct netif *netifs[NETIF_MAX];
static unsigned netif_count;
static struct spinlock netif_lock = SPINLOCK_INIT; /* serialises writers */

int netif_register(struct netif *nif)
{
	spin_lock(&netif_lock);
	unsigned n = netif_count;
	if (n == NETIF_MAX) {
		spin_unlock(&netif_lock);
		return -ENOSPC;
	}
	netifs[n] = nif;
	__atomic_store_n(&netif_count, n + 1, __ATOMIC_RELEASE);
	spin_unlock(&netif_lock);
	return 0;
}

struct netif *netif_get(unsigned index)
{
	if (index >= __atomic_load_n(&netif_count, __ATOMIC_ACQUIRE))
		return NULL;
	return netifs[index];
}
