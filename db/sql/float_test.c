/* SPDX-License-Identifier: MIT */
/* float_test.c: real and double precision in the guest, where db/ is
 * the only code built with SSE: the text forms come out as on the host,
 * and threads doing vector arithmetic side by side, preempted by the
 * timer, keep their own values (the scheduler saves the vector state). */
#include <string.h>
#include <unidb/test.h>
#include <unidb/thread.h>

#include "float.h"

static bool prints_as(const char *in, const char *want)
{
	struct db_error err;
	struct strbuf sb = STRBUF_INIT;
	double v;
	bool ok;

	if (float_parse(in, strlen(in), false, &v, &err) < 0)
		return false;
	float_out(&sb, v, false);
	ok = !sb.oom && sb.len == strlen(want) && !memcmp(sb.p, want, sb.len);
	sb_free(&sb);
	return ok;
}

TEST(db_float_text)
{
	EXPECT(prints_as("0.1", "0.1"));
	EXPECT(prints_as("1e15", "1e+15"));
	EXPECT(prints_as("123456789012345", "123456789012345"));
	EXPECT(prints_as("5e-324", "5e-324"));
	EXPECT(prints_as("1.7976931348623157e308", "1.7976931348623157e+308"));
	EXPECT(prints_as("0.3333333333333333333", "0.3333333333333333"));
	EXPECT(prints_as("-inf", "-Infinity"));
}

struct fsum {
	double step;
	int n;
	double sum;
};

static void add_up(void *arg)
{
	struct fsum *f = arg;
	volatile double s = 0;

	for (int i = 0; i < f->n; i++)
		s += f->step; /* exact: multiples of a power of two */
	f->sum = s;
}

TEST(db_float_threads_keep_their_vector_state)
{
	struct fsum f[4] = {{0.5, 3000000, 0}, {0.25, 3000000, 0},
			    {2.0, 3000000, 0}, {0.125, 3000000, 0}};
	struct thread *t[4];
	int i;

	for (i = 0; i < 4; i++)
		t[i] = thread_create("fsum", add_up, &f[i], NULL);
	for (i = 0; i < 4; i++) {
		ASSERT(t[i] != NULL);
		thread_join(t[i]);
	}
	for (i = 0; i < 4; i++)
		EXPECT(f[i].sum == f[i].step * f[i].n);
}
