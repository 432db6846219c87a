/* SPDX-License-Identifier: MIT */
/* stack_protector.h: the canary of -fstack-protector-strong. */
#ifndef CORE_STACK_PROTECTOR_H
#define CORE_STACK_PROTECTOR_H

#include <stdint.h>

/* The canary every protected function places below its return address
 * (gcc -mstack-protector-guard=global reads this symbol). */
extern uint64_t __stack_chk_guard;
/* Where the canary came from: "RDRAND" or "TSC". */
extern const char *stack_guard_source;

/* Chooses the canary. MUST run before any protected function: boot.S
 * calls it before kmain(). Boot core, once. */
void stack_guard_init(void);

/* Called by a protected function whose canary changed: panics, naming
 * the function. */
void __stack_chk_fail(void) __attribute__((noreturn));

#endif
