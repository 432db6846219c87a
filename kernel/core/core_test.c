/* SPDX-License-Identifier: MIT */
/* core_test.c: in-guest checks that the freestanding library and the
 * symbol table work in the kernel build (the host tests cover the
 * library in depth; here the compiler flags differ). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unidb/test.h>

#include "core/ksyms.h"

TEST(lib_formats_in_kernel_build)
{
	char buf[64];

	EXPECT_EQ(snprintf(buf, sizeof(buf), "%d %5s|%-4x|%016lx", -42, "ab",
			   0xbeefu, 0x1234UL),
		  31);
	EXPECT(!strcmp(buf, "-42    ab|beef|0000000000001234"));
	EXPECT_EQ(strtol("  -0x7f", NULL, 0), -127);
}

static int cmp_int(const void *a, const void *b)
{
	return *(const int *)a - *(const int *)b;
}

TEST(lib_sorts_in_kernel_build)
{
	int v[257];
	for (int i = 0; i < 257; i++)
		v[i] = (i * 7919) % 257;
	qsort(v, 257, sizeof(int), cmp_int);
	for (int i = 0; i < 257; i++)
		EXPECT_EQ(v[i], i);
}

TEST(ksyms_names_this_function)
{
	uint64_t off = ~0UL;
	const char *name =
	    ksym_lookup((uint64_t)test_fn_ksyms_names_this_function + 3, &off);

	ASSERT(name != NULL);
	EXPECT(!strcmp(name, "test_fn_ksyms_names_this_function"));
	EXPECT_EQ(off, 3);
	EXPECT(ksym_lookup(0x1000, &off) == NULL);
}
