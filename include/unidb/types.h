/* SPDX-License-Identifier: MIT */
/* types.h: small types shared by the kernel and the database. */
#ifndef UNIDB_TYPES_H
#define UNIDB_TYPES_H

#include <stdint.h>

/* A physical address. Reach the memory behind it through phys_to_virt(). */
typedef uint64_t paddr_t;

#endif
