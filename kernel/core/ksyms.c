/* SPDX-License-Identifier: MIT */
/* ksyms.c: address -> function name, from the table tools/ksyms embeds. */
#include <stddef.h>
#include <stdint.h>

#include "core/ksyms.h"

extern const uint64_t ksyms_count;
extern const uint64_t ksyms_addr[];
extern const uint32_t ksyms_name[];
extern const char ksyms_strings[];
extern const char __text_end[];

const char *ksym_lookup(uint64_t addr, uint64_t *offset)
{
	size_t lo = 0, hi = ksyms_count;

	if (!hi || addr < ksyms_addr[0] || addr >= (uint64_t)__text_end)
		return NULL;
	while (hi - lo > 1) { /* invariant: ksyms_addr[lo] <= addr */
		size_t mid = lo + (hi - lo) / 2;
		if (ksyms_addr[mid] <= addr)
			lo = mid;
		else
			hi = mid;
	}
	*offset = addr - ksyms_addr[lo];
	return ksyms_strings + ksyms_name[lo];
}
