/* SPDX-License-Identifier: MIT */
/* mm_host.h: host stand-ins for what the kernel gives kernel/mm.
 *
 * Physical memory is simulated by one mapping: physical address pa is
 * mm_host_ram_base + pa. cpu_id() is per thread (mm_host_set_cpu()),
 * preemption control only checks nesting, panic() prints and aborts. */
#ifndef MM_HOST_H
#define MM_HOST_H

#include <stdbool.h>
#include <stddef.h>
#include <unidb/types.h>

extern char *mm_host_ram_base;
extern size_t mm_host_ram_size;

/* Replaces the simulated RAM by bytes of zeroed memory, physical 0..bytes
 * (reserved lazily, so a sparse 24 GiB layout is fine). Returns false if
 * the host refuses the mapping. */
bool mm_host_ram(size_t bytes);

/* The calling thread's cpu_id() (0 until set). */
void mm_host_set_cpu(unsigned id);
void mm_host_set_cpu_count(unsigned n);

/* Runs fn in a child process; true if it ended by abort() (a panic). */
bool mm_host_panics(void (*fn)(void *), void *arg);

#endif
