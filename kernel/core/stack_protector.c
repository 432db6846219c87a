/* SPDX-License-Identifier: MIT */
/* stack_protector.c: the canary of -fstack-protector-strong.
 *
 * gcc copies __stack_chk_guard into each protected function's frame,
 * between its locals and the saved frame pointer and return address, and
 * compares the copy before returning; a buffer overflow that reaches the
 * return address changes the copy on its way, and the function calls
 * __stack_chk_fail() instead of returning.
 *
 * One global canary (-mstack-protector-guard=global), not one per core at
 * %gs:N: gcc's default reads %fs:40, which we never set up; a per-core
 * slot in struct cpu would be read through %gs before cpu_init() sets
 * %gs's base (kmain's first calls, and each AP until its cpu_init()), and
 * would buy nothing in a single address space where every core trusts
 * every other. The global load costs the same as a %gs load. The canary
 * lives in .data.ro_after_init, read only once paging_protect_kernel()
 * has run, so a stray write cannot change it.
 *
 * Early boot: boot.S calls stack_guard_init() before kmain(), so no C
 * function is active while the canary changes but stack_guard_init()
 * itself and what it calls (arch_boot_random()), which are not
 * instrumented (no_stack_protector). The AP trampoline is assembly and
 * APs start long after. */
#include <unidb/panic.h>

#include "arch/x86_64/entropy.h"
#include "arch/x86_64/paging.h"
#include "core/ksyms.h"
#include "core/stack_protector.h"

uint64_t __stack_chk_guard __ro_after_init;
const char *stack_guard_source __ro_after_init;

__attribute__((no_stack_protector)) void stack_guard_init(void)
{
	uint64_t v = arch_boot_random(&stack_guard_source);

	/* A zero low byte (as glibc does): a string copy that overflows must
	 * write a NUL to pass it and then stops, and a string read stops
	 * before it. 56 random bits remain. */
	v &= ~0xffUL;
	__stack_chk_guard = v ? v : 0x5a5a5a5a5a5a5a00UL;
}

/* The return address lies in the smashed function's epilogue: naming it
 * is what the report is for. The backtrace under it follows the frame
 * chain, which the overflow may have cut. */
__attribute__((no_stack_protector)) void __stack_chk_fail(void)
{
	uint64_t ret = (uint64_t)__builtin_return_address(0), off = 0;
	const char *fn = ksym_lookup(ret - 1, &off);

	panic("stack smashing detected in %s (its stack canary was "
	      "overwritten; caught at %016lx %s+0x%lx)",
	      fn ? fn : "?", ret, fn ? fn : "?", off + 1);
}
