/* SPDX-License-Identifier: MIT */
/* panic.h: the pieces of a panic report, shared with the trap handler. */
#ifndef CORE_PANIC_H
#define CORE_PANIC_H

#include <stdbool.h>
#include <stdint.h>

/* Makes the calling core the only one that runs: interrupts off, other
 * cores stopped by NMI, console owned. A second core that panics at the
 * same time halts here; a nested panic on the owner powers off at once. */
void panic_enter(void);
/* True once a core has entered panic (read by the NMI handler). */
bool panic_active(void);
/* Called by a core stopped through NMI; never returns. */
void panic_park(void) __attribute__((noreturn));
/* Prints the frame-pointer chain starting at rip/rbp, symbolised. */
void panic_backtrace(uint64_t rip, uint64_t rbp);

#endif
