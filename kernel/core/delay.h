/* SPDX-License-Identifier: MIT */
/* delay.h: delay injection at named race windows.
 *
 * DELAY_POINT("sched.finish_switch.unlocked") marks a window where another
 * core's action between two steps would matter: after a lock release,
 * between a check and its CAS, before a store that publishes. While delay
 * injection is off (the default) a point costs one load and a branch.
 * While it is on, a point whose name contains the configured filter pauses,
 * with probability permille/1000, for a random time below max_ns, by
 * spinning: interrupts, preemption and held locks stay as they are, so a
 * point may sit anywhere, including in interrupt handlers.
 *
 * Turn it on for a whole run with the command prefix
 *     delay SEED[,MAX_US[,PERMILLE[,FILTER]]] COMMAND ...
 * (e.g. "delay 7,50,20 test stress"); SEED 0 picks one from the TSC. The
 * seed is printed so that a run can be repeated; under TCG the interleaving
 * still differs between runs, the delays drawn per core do not. At the end
 * it prints how often each point reached delayed.
 *
 * Tests that need a window widened set their own configuration with
 * delay_set() and put the previous one back afterwards. */
#ifndef UNIDB_CORE_DELAY_H
#define UNIDB_CORE_DELAY_H

#include <stdbool.h>
#include <stdint.h>

struct delay_config {
	uint64_t seed;
	uint64_t max_ns;   /* pauses are uniform in [0, max_ns) */
	unsigned permille; /* chance that a pass pauses, per 1000 */
	const char *filter; /* points whose name contains it ("" = all) */
};

/* One per DELAY_POINT site; registered on its first pass while enabled. */
struct delay_point {
	const char *name;
	struct delay_point *next;
	unsigned gen; /* configuration generation `armed` belongs to */
	bool armed;
	bool registered;
	uint64_t hits; /* pauses injected here */
};

/* 0 while off; changes with every delay_set(). */
extern unsigned delay_gen;

void delay_at(struct delay_point *p);

#define DELAY_POINT(pname)                                                     \
	do {                                                                   \
		static struct delay_point delay_point_ = {.name = (pname)};    \
		if (__builtin_expect(                                          \
			__atomic_load_n(&delay_gen, __ATOMIC_RELAXED), 0))     \
			delay_at(&delay_point_);                               \
	} while (0)

/* Sets the configuration (NULL or max_ns 0 or permille 0: off) and returns
 * the previous one. filter must stay valid while it is in use. */
struct delay_config delay_set(const struct delay_config *c);

/* Pauses injected so far at points whose name contains filter. */
uint64_t delay_hits(const char *filter);

#endif
