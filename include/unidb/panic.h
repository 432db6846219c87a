/* SPDX-License-Identifier: MIT */
/* panic.h: stop everything with a report. */
#ifndef UNIDB_PANIC_H
#define UNIDB_PANIC_H

/* Prints "PANIC: <message>", the cpu, thread and a symbolised backtrace,
 * stops all other cores and ends the VM with exit status 3
 * (POWEROFF_PANIC). Never returns. Callable from any context. */
void panic(const char *fmt, ...)
    __attribute__((noreturn, format(printf, 1, 2)));

#define BUG_ON(cond)                                                           \
	do {                                                                   \
		if (__builtin_expect(!!(cond), 0))                             \
			panic("BUG_ON(%s) at %s:%d", #cond, __FILE__,          \
			      __LINE__);                                       \
	} while (0)

/* Ends the VM with `status` as the exit status of tools/run (QEMU's
 * isa-debug-exit). Without that device (other hypervisors) it prints the
 * status and powers off through ACPI S5, an i8042 reset or a triple
 * fault (kernel/drivers/power.c). Never returns. */
void poweroff(int status) __attribute__((noreturn));

#define POWEROFF_OK 0
#define POWEROFF_FAIL 1
#define POWEROFF_PANIC 3

#endif
