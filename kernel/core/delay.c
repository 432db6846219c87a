/* SPDX-License-Identifier: MIT */
/* delay.c: delay injection (see delay.h) and the "delay" command prefix. */
#include <stdlib.h>
#include <string.h>
#include <unidb/command.h>
#include <unidb/panic.h>
#include <unidb/cpu.h>
#include <unidb/printk.h>
#include <unidb/spinlock.h>
#include <unidb/time.h>

#include "core/boot.h"
#include "core/delay.h"

unsigned delay_gen;

static struct delay_config config;
static struct spinlock config_lock; /* serialises delay_set() */
static struct delay_point *points; /* every point reached while on */

/* Per-core generators: a core draws from its own stream, so the pauses a
 * core sees depend on the seed and its own history only. A thread moved
 * between cores mid-draw at worst repeats a value. */
static struct {
	uint64_t state;
} __attribute__((aligned(64))) rng[MAX_CPUS];

static uint64_t splitmix64(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static void register_point(struct delay_point *p)
{
	if (__atomic_exchange_n(&p->registered, true, __ATOMIC_ACQ_REL))
		return;
	struct delay_point *head = __atomic_load_n(&points, __ATOMIC_ACQUIRE);
	do
		p->next = head;
	while (!__atomic_compare_exchange_n(&points, &head, p, true,
					    __ATOMIC_RELEASE,
					    __ATOMIC_ACQUIRE));
}

void delay_at(struct delay_point *p)
{
	unsigned gen = __atomic_load_n(&delay_gen, __ATOMIC_ACQUIRE);

	if (!gen)
		return;
	/* Cores racing here compute the same answer for the same gen. */
	if (__atomic_load_n(&p->gen, __ATOMIC_RELAXED) != gen) {
		bool armed = strstr(p->name, config.filter) != NULL;
		__atomic_store_n(&p->armed, armed, __ATOMIC_RELAXED);
		__atomic_store_n(&p->gen, gen, __ATOMIC_RELEASE);
		register_point(p);
	}
	if (!__atomic_load_n(&p->armed, __ATOMIC_RELAXED))
		return;
	uint64_t r = splitmix64(&rng[cpu_id() % MAX_CPUS].state);
	if (r % 1000 >= config.permille)
		return;
	__atomic_fetch_add(&p->hits, 1, __ATOMIC_RELAXED);
	time_delay_ns((r >> 10) % config.max_ns);
}

struct delay_config delay_set(const struct delay_config *c)
{
	static unsigned next_gen;

	spin_lock(&config_lock);
	struct delay_config old = config;
	bool on = c && c->max_ns && c->permille;
	/* Off first, so no point draws with a half-written configuration
	 * (a point already past the check may finish with the old one). */
	__atomic_store_n(&delay_gen, 0, __ATOMIC_RELEASE);
	if (on) {
		config = *c;
		if (!config.filter)
			config.filter = "";
		for (unsigned i = 0; i < MAX_CPUS; i++) {
			uint64_t s = config.seed ^ (i * 0x2545f4914f6cdd1dull);
			rng[i].state = splitmix64(&s);
		}
		if (++next_gen == 0)
			next_gen = 1;
		__atomic_store_n(&delay_gen, next_gen, __ATOMIC_RELEASE);
	} else {
		config = (struct delay_config){0};
	}
	spin_unlock(&config_lock);
	return old;
}

uint64_t delay_hits(const char *filter)
{
	uint64_t n = 0;
	for (struct delay_point *p = __atomic_load_n(&points, __ATOMIC_ACQUIRE);
	     p; p = p->next)
		if (strstr(p->name, filter))
			n += __atomic_load_n(&p->hits, __ATOMIC_RELAXED);
	return n;
}

/* "delay SEED[,MAX_US[,PERMILLE[,FILTER]]] COMMAND ...": runs COMMAND with
 * delay injection on. Defaults: 20 us, 50 per 1000, every point. */
static int cmd_delay(int argc, char **argv)
{
	static char filter[64];
	struct delay_config c = {.max_ns = 20000, .permille = 50};
	char *s;

	if (argc < 3) {
		printk("usage: delay SEED[,MAX_US[,PERMILLE[,FILTER]]] "
		       "COMMAND ...\n");
		return POWEROFF_FAIL;
	}
	c.seed = strtoull(argv[1], &s, 0);
	if (*s == ',')
		c.max_ns = strtoull(s + 1, &s, 0) * 1000;
	if (*s == ',')
		c.permille = strtoul(s + 1, &s, 0);
	if (*s == ',')
		strlcpy(filter, s + 1, sizeof(filter));
	else if (*s) {
		printk("delay: cannot parse '%s'\n", argv[1]);
		return POWEROFF_FAIL;
	}
	if (!c.seed)
		c.seed = time_ns() * 0x9e3779b97f4a7c15ull | 1;
	if (!c.max_ns || !c.permille || c.permille > 1000) {
		printk("delay: MAX_US must be > 0 and PERMILLE in 1..1000\n");
		return POWEROFF_FAIL;
	}
	c.filter = filter;
	printk("delay: seed %lu, pauses below %lu us at %u/1000 of passes, "
	       "points matching '%s'\n",
	       c.seed, c.max_ns / 1000, c.permille, filter);
	delay_set(&c);
	int rc = command_run_argv(argc - 2, argv + 2);
	delay_set(NULL);
	for (struct delay_point *p = points; p; p = p->next)
		printk("delay: %-44s %lu pauses\n", p->name, p->hits);
	printk("delay: seed %lu\n", c.seed);
	return rc;
}
COMMAND(delay, "SEED[,MAX_US[,PERMILLE[,FILTER]]] COMMAND  run with delay "
	       "injection",
	cmd_delay);
