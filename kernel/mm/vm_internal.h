/* SPDX-License-Identifier: MIT */
/* vm_internal.h: the kernel's side of vm areas (boot and the #PF path). */
#ifndef MM_VM_INTERNAL_H
#define MM_VM_INTERNAL_H

#include <stdint.h>

struct trap_frame;

/* Sets up the lower-half page table and the shootdown IPI. Idempotent and
 * thread-safe (vm_area_create() calls it too); call it once at boot after
 * the scheduler and the APs are up. May sleep. */
void vm_init(void);

/* The page-fault handler of vm areas, called by trap_dispatch() for every
 * #PF with CR2 and the error code. Returns 0 if the fault was resolved
 * (the access is retried), nonzero if it is not ours or a real violation
 * (the caller then reports and panics). Never sleeps; runs with
 * interrupts disabled (the #PF gate is an interrupt gate). */
int vm_fault(uint64_t addr, uint64_t error, struct trap_frame *f);

#endif
