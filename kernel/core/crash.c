/* SPDX-License-Identifier: MIT */
/* crash.c: deliberate failures, so that end-to-end tests can check that
 * every kind ends in a readable report and a failure exit, never a hang. */
#include <string.h>
#include <unidb/command.h>
#include <unidb/panic.h>
#include <unidb/printk.h>

#include "arch/x86_64/cpu.h"

/* noinline + a volatile pointer: the backtrace must name this function,
 * and the compiler must not prove the store undefined and drop it. */
__attribute__((noinline)) static void crash_null_write(void)
{
	volatile int *volatile p = NULL;
	*p = 42; /* cppcheck-suppress nullPointer */
}

__attribute__((noinline)) static void crash_invalid_opcode(void)
{
	__asm__ volatile("ud2");
}

__attribute__((noinline)) static void crash_bug_on(void)
{
	BUG_ON(cpu_count() > 0);
}

static void crash_on_this_cpu(void *unused)
{
	crash_null_write();
}

static int cmd_crash(int argc, char **argv)
{
	const char *what = argc > 1 ? argv[1] : "";

	if (!strcmp(what, "null"))
		crash_null_write();
	else if (!strcmp(what, "ud"))
		crash_invalid_opcode();
	else if (!strcmp(what, "bug"))
		crash_bug_on();
	else if (!strcmp(what, "ap")) {
		if (cpu_count() < 2) {
			printk("crash ap: needs at least 2 cpus\n");
			return POWEROFF_FAIL;
		}
		cpu_call(cpu_count() - 1, crash_on_this_cpu, NULL);
	} else if (!strcmp(what, "hang")) {
		printk("crash: hanging with interrupts off\n");
		__asm__ volatile("cli");
		for (;;)
			__asm__ volatile("pause");
	} else {
		printk("crash: unknown kind '%s' (null, ud, bug, ap, hang)\n",
		       what);
		return POWEROFF_FAIL;
	}
	printk("crash: %s did not crash\n", what);
	return POWEROFF_FAIL;
}
COMMAND(crash, "null|ud|bug|ap|hang  fail on purpose (end-to-end tests)",
	cmd_crash);
