/* SPDX-License-Identifier: MIT */
/* console.c: printk onto the serial port, one call at a time.
 *
 * console_lock serialises whole printk calls across cores and is taken
 * with interrupts off, so a handler on the same core cannot deadlock on
 * it. Once a panic starts, the panicking core owns the console: it stops
 * taking the lock (the lock holder may be a core that is now halted). */
#include <stdio.h>
#include <unidb/cpu.h>
#include <unidb/printk.h>
#include <unidb/spinlock.h>

#include "arch/x86_64/x86.h"
#include "core/console.h"
#include "drivers/serial.h"

static struct spinlock console_lock = SPINLOCK_INIT;
static volatile int console_owner = -1; /* cpu id during a panic */

void console_init(void)
{
	serial_init();
}

void console_take_over(int cpu)
{
	console_owner = cpu;
}

static void out(void *ctx, const char *s, size_t n)
{
	serial_write(s, n);
}

int vprintk(const char *fmt, va_list ap)
{
	if (console_owner >= 0) {
		/* Others wait for the NMI that halts them. */
		while (console_owner != (int)cpu_id())
			cpu_relax();
		return vcbprintf(out, NULL, fmt, ap);
	}
	uint64_t f = irq_save();
	spin_lock(&console_lock);
	int n = vcbprintf(out, NULL, fmt, ap);
	spin_unlock(&console_lock);
	irq_restore(f);
	return n;
}

int printk(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vprintk(fmt, ap);
	va_end(ap);
	return n;
}
