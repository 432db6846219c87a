/* SPDX-License-Identifier: MIT */
/* printk.h: formatted output to the console (serial port). */
#ifndef UNIDB_PRINTK_H
#define UNIDB_PRINTK_H

#include <stdarg.h>

/* Formats like snprintf (no floating point) and writes the result to the
 * console as one unit: output of concurrent callers on other cores is
 * never interleaved within one call. Safe from any core and context,
 * including interrupt handlers; spins while another core writes. Returns
 * the number of characters written. */
int printk(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int vprintk(const char *fmt, va_list ap);

#endif
