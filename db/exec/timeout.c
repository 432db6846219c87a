/* SPDX-License-Identifier: MIT */
/* timeout.c: durations of the timeout settings, and pg_sleep.
 *
 * statement_timeout and lock_timeout take PostgreSQL's time units (a
 * bare number is milliseconds); the session turns statement_timeout into
 * exec_ctx.deadline_ns when a statement starts. pg_sleep sleeps in slices
 * of at most PG_SLEEP_SLICE_NS so that a cancel, a timeout or a vanished
 * client stops it promptly. */
#include <stdio.h>
#include <string.h>
#include <unidb/errno.h>
#include <unidb/time.h>

#include "internal.h"

#define PG_SLEEP_SLICE_NS 10000000ull /* 10 ms */

long long setting_duration_ms(const char *v)
{
	static const struct {
		const char *unit;
		long long us;
	} units[] = {{"us", 1}, {"ms", 1000}, {"s", 1000000},
		     {"min", 60000000}, {"h", 3600000000ll},
		     {"d", 86400000000ll}, {"", 1000}};
	long long n = 0;
	unsigned i;

	while (*v == ' ')
		v++;
	if (*v < '0' || *v > '9')
		return -1;
	while (*v >= '0' && *v <= '9' && n < 1000000000000ll)
		n = n * 10 + (*v++ - '0');
	while (*v == ' ')
		v++;
	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (!strcmp(v, units[i].unit))
			return n * units[i].us / 1000 +
			       (n && n * units[i].us < 1000); /* round up to 1 ms */
	return -1;
}

bool setting_is_duration(const char *name)
{
	return !strcmp(name, "statement_timeout") ||
	       !strcmp(name, "lock_timeout") ||
	       !strcmp(name, "idle_session_timeout");
}

int setting_duration_norm(char *v, size_t n)
{
	static const struct {
		const char *unit;
		long long ms;
	} units[] = {{"d", 86400000}, {"h", 3600000}, {"min", 60000},
		     {"s", 1000}, {"ms", 1}};
	long long ms = setting_duration_ms(v);
	unsigned i;

	if (ms < 0 || ms > 0x7fffffff) /* PostgreSQL's int range */
		return -1;
	for (i = 0; ms && ms % units[i].ms; i++)
		;
	if (ms)
		snprintf(v, n, "%lld%s", ms / units[i].ms, units[i].unit);
	else
		snprintf(v, n, "0");
	return 0;
}

/* Seconds as text ("1", "0.25", "1e-1" is not read) to ns; 0 if <= 0. */
static uint64_t seconds_ns(const char *s, size_t n)
{
	uint64_t ns = 0, scale = 1000000000ull;
	size_t i = 0;

	while (i < n && s[i] == ' ')
		i++;
	if (i < n && s[i] == '-')
		return 0;
	for (; i < n && s[i] >= '0' && s[i] <= '9'; i++)
		if (ns < 1000000000ull * 86400 * 365)
			ns = ns * 10 + (uint64_t)(s[i] - '0');
	ns *= 1000000000ull;
	if (i < n && s[i] == '.')
		for (i++; i < n && s[i] >= '0' && s[i] <= '9' && scale > 1; i++) {
			scale /= 10;
			ns += scale * (uint64_t)(s[i] - '0');
		}
	return ns;
}

int exec_sleep(struct exec_ctx *x, const struct datum *secs, struct datum *out)
{
	struct strbuf sb = STRBUF_INIT;
	uint64_t ns, end, now;

	datum_out(&sb, secs);
	ns = sb.p ? seconds_ns(sb.p, sb.len) : 0;
	sb_free(&sb);
	end = time_ns() + ns;
	/* DDL of other sessions need not wait for a lone pg_sleep */
	if (x->sleep_unlocks)
		rwlock_read_unlock(&x->db->lock);
	while ((now = time_ns()) < end) {
		if (exec_check_interrupt(x) < 0)
			break;
		db_sleep_ns(end - now < PG_SLEEP_SLICE_NS ? end - now
							   : PG_SLEEP_SLICE_NS);
	}
	if (x->sleep_unlocks)
		rwlock_read_lock(&x->db->lock);
	if (x->err->code[0])
		return -EINVAL;
	*out = datum_str(TYPE_TEXT, "", 0);
	return exec_check_interrupt(x);
}
