/* SPDX-License-Identifier: MIT */
/* boot.c: joins the stack to the devices at boot (kernel only).
 *
 * Every registered netif gets a stack (net_attach) and an address: the
 * kernel command line's `ip=A.B.C.D/N[,gw=A.B.C.D]` for the first device,
 * else DHCP. A thread per device waits for the address and prints one
 * line, so boot does not wait for a DHCP server that may not exist (tap). */
#include <stdbool.h>
#include <string.h>
#include <unidb/errno.h>
#include <unidb/net.h>
#include <unidb/printk.h>
#include <unidb/thread.h>

#include "core/param.h"
#include "net/boot.h"
#include "net/netif.h"

struct ip_param {
	bool given, bad;
	uint32_t addr, mask, gw;
};

static struct ip_param ip_param;

/* Parses "a.b.c.d" at *p, advancing it. */
static bool parse_quad(const char **p, uint32_t *out)
{
	uint32_t v = 0;

	for (int i = 0; i < 4; i++) {
		unsigned n = 0, digits = 0;
		while (**p >= '0' && **p <= '9' && digits < 4) {
			n = n * 10 + (unsigned)(**p - '0');
			(*p)++;
			digits++;
		}
		if (!digits || n > 255)
			return false;
		v = v << 8 | n;
		if (i < 3 && *(*p)++ != '.')
			return false;
	}
	*out = v;
	return true;
}

int net_parse_ip(const char *s, uint32_t *addr, uint32_t *mask, uint32_t *gw)
{
	unsigned bits = 24;

	*gw = 0;
	if (!parse_quad(&s, addr))
		return -EINVAL;
	if (*s == '/') {
		s++;
		if (*s < '0' || *s > '9')
			return -EINVAL;
		bits = 0;
		while (*s >= '0' && *s <= '9' && bits <= 32)
			bits = bits * 10 + (unsigned)(*s++ - '0');
		if (bits < 1 || bits > 32)
			return -EINVAL;
	}
	*mask = bits == 32 ? 0xffffffffu : ~(0xffffffffu >> bits);
	if (*s == ',') {
		s++;
		if (strncmp(s, "gw=", 3))
			return -EINVAL;
		s += 3;
		if (!parse_quad(&s, gw))
			return -EINVAL;
	}
	if (*s || !*addr || (*gw && (*gw & *mask) != (*addr & *mask)))
		return -EINVAL;
	return 0;
}

static void take_ip(const char *value, void *arg)
{
	struct ip_param *ip = arg;

	ip->given = true;
	ip->bad = net_parse_ip(value, &ip->addr, &ip->mask, &ip->gw) < 0;
	if (ip->bad)
		printk("net: bad ip=%s (want ip=A.B.C.D/N[,gw=A.B.C.D]); "
		       "using DHCP\n",
		       value);
}

static unsigned mask_bits(uint32_t mask)
{
	unsigned n = 0;

	for (; mask; mask <<= 1)
		n++; /* masks are contiguous: count the leading ones */
	return n;
}

#define IP4(a) (a) >> 24, ((a) >> 16) & 255, ((a) >> 8) & 255, (a)&255

struct cfg_wait {
	struct netif *nif;
	struct net_stack *st;
	bool dhcp;
};

static struct cfg_wait waits[8];

static void report_thread(void *arg)
{
	struct cfg_wait *w = arg;
	uint32_t addr, mask, gw;

	if (net_wait_configured(w->st, NET_FOREVER, &addr, &mask, &gw) < 0)
		return;
	printk("net: %s %u.%u.%u.%u/%u gw %u.%u.%u.%u (%s)\n", w->nif->name,
	       IP4(addr), mask_bits(mask), IP4(gw),
	       w->dhcp ? "dhcp" : "static");
}

void net_boot(char *cmdline)
{
	struct netif *nif;

	param_take(cmdline, "ip", take_ip, &ip_param);
	for (unsigned i = 0; i < 8 && (nif = netif_get(i)); i++) {
		struct net_stack *st = net_attach(nif);
		if (!st) {
			printk("net: %s: no memory for a stack\n", nif->name);
			continue;
		}
		struct cfg_wait *w = &waits[i];
		w->nif = nif;
		w->st = st;
		w->dhcp = !(i == 0 && ip_param.given && !ip_param.bad);
		if (w->dhcp)
			net_dhcp_start(st);
		else
			net_config_static(st, ip_param.addr, ip_param.mask,
					  ip_param.gw);
		struct thread *t =
		    thread_create("net-cfg", report_thread, w, NULL);
		if (t)
			thread_detach(t);
		else
			printk("net: %s: no thread to report its address\n",
			       nif->name);
	}
}
