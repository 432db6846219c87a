/* SPDX-License-Identifier: MIT */
/* ksyms.h: symbolising code addresses for backtraces. */
#ifndef CORE_KSYMS_H
#define CORE_KSYMS_H

#include <stdint.h>

/* Returns the name of the function containing addr and the offset into
 * it, or NULL if addr is not in the kernel's code. O(log n). */
const char *ksym_lookup(uint64_t addr, uint64_t *offset);

#endif
