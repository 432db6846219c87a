/* SPDX-License-Identifier: MIT */
/* mem.c: statement_mem, the memory budget of one statement.
 *
 * Every statement allocates its parse tree, intermediate rows, hash
 * tables and sort arrays from one arena (common.h); the arena's budget is
 * statement_mem, read when the statement starts. A statement that needs
 * more fails with 53200 and gives everything back; the session goes on.
 * The value takes PostgreSQL's memory units (a bare number is kB, like
 * work_mem) and SHOW prints it normalised the way PostgreSQL does
 * ("1024kB" -> "1MB"). Unlike work_mem it bounds the whole statement, not
 * one sort or hash table. */
#include <stdio.h>
#include <string.h>

#include "internal.h"

#define MEM_MIN_KB 1024ll		/* 1MB */
#define MEM_MAX_KB (64ll << 20)		/* 64GB */

static const struct {
	const char *unit;
	long long kb;
} mem_units[] = {{"TB", 1ll << 30}, {"GB", 1ll << 20}, {"MB", 1ll << 10},
		 {"kB", 1}};

long long setting_mem_kb(const char *v)
{
	long long n = 0;
	unsigned i;

	if (!v)
		return -1;
	while (*v == ' ')
		v++;
	if (*v < '0' || *v > '9')
		return -1;
	while (*v >= '0' && *v <= '9' && n < (1ll << 40))
		n = n * 10 + (*v++ - '0');
	while (*v == ' ')
		v++;
	if (!*v)
		return n;
	for (i = 0; i < sizeof(mem_units) / sizeof(mem_units[0]); i++)
		if (!strcmp(v, mem_units[i].unit))
			return n > (1ll << 40) / mem_units[i].kb
				       ? (1ll << 40)
				       : n * mem_units[i].kb;
	return -1;
}

bool setting_is_memory(const char *name)
{
	return !strcmp(name, "statement_mem");
}

int setting_mem_norm(char *v, size_t n)
{
	long long kb = setting_mem_kb(v);
	unsigned i;

	if (kb < MEM_MIN_KB || kb > MEM_MAX_KB)
		return -1;
	for (i = 0; kb % mem_units[i].kb; i++)
		;
	snprintf(v, n, "%lld%s", kb / mem_units[i].kb, mem_units[i].unit);
	return 0;
}

size_t statement_budget(struct setting *s, int n)
{
	long long kb = setting_mem_kb(setting_get(s, n, "statement_mem"));

	return kb >= MEM_MIN_KB && kb <= MEM_MAX_KB ? (size_t)kb << 10
						    : ARENA_DEFAULT_BUDGET;
}
