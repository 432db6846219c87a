/* SPDX-License-Identifier: MIT */
/* irqvec.h: interrupt vectors for devices, allocated at run time.
 *
 * Device interrupts (MSI-X, I/O APIC lines of drivers) take vectors from
 * VEC_DYN_FIRST..VEC_DYN_LAST, above the fixed I/O APIC block and below
 * the kernel's own (cpu.h). Each vector carries a handler and an argument;
 * the handler runs in interrupt context, with interrupts disabled, on the
 * core the device aims at, and the EOI is sent for it. */
#ifndef ARCH_IRQVEC_H
#define ARCH_IRQVEC_H

#define VEC_DYN_FIRST 0x50
#define VEC_DYN_LAST 0xef

typedef void (*irqvec_fn)(void *arg);

/* Returns a free vector whose interrupts call fn(arg), or -ENOSPC.
 * O(vectors); takes a spinlock. */
int irqvec_alloc(irqvec_fn fn, void *arg);

/* Gives the vector back; the device must no longer send it. */
void irqvec_free(unsigned vector);

#endif
