/* SPDX-License-Identifier: MIT */
/* mem_used.c: the one number of memory in use that benchmarks report
 * (<unidb/heap.h>), from the frame allocator's counts. */
#include <unidb/heap.h>

#include "frame.h"

uint64_t mem_used_kib(void)
{
	struct frame_stats st;

	frame_stats(&st);
	return st.used * (FRAME_SIZE / 1024);
}
