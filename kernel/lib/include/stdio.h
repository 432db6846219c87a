/* SPDX-License-Identifier: MIT */
/* stdio.h: formatted output into buffers or through a callback.
 *
 * There are no streams in the kernel; the console builds printk on
 * vcbprintf(), which formats without an intermediate buffer.
 *
 * Supported, with C99 meaning: flags '-' '0' '+' ' ' '#', field width and
 * precision (either may be '*'), length modifiers hh h l ll z t j, and the
 * conversions d i u o x X c s p %%. Deviations:
 *   - No floating point (the kernel is built without SSE): f F e E g G a A,
 *     %n, and any unknown conversion are copied to the output literally,
 *     e.g. "%5.2f", and consume no argument.
 *   - %p is printed as by %#lx, so NULL prints "0x0" (glibc: "(nil)").
 *   - A NULL %s prints "(null)", cut to the precision if one is given.
 *   - Length modifiers affect integer conversions only; %lc and %ls are
 *     treated as %c and %s (no wide characters).
 * All functions are reentrant, take no locks and do not allocate; they use
 * about 400 bytes of stack (x86_64, -O2) plus what out() uses. */
#ifndef UNIDB_LIB_STDIO_H
#define UNIDB_LIB_STDIO_H

#include <stdarg.h>
#include <stddef.h>

/* Formats fmt and hands the output to out() in pieces, in order; a piece
 * is never empty, not NUL-terminated, and valid only during the call.
 * Returns the number of bytes handed out, or -ERANGE if that exceeds
 * INT_MAX (all of it is still handed out). */
int vcbprintf(void (*out)(void *ctx, const char *s, size_t n), void *ctx,
	      const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));
int cbprintf(void (*out)(void *ctx, const char *s, size_t n), void *ctx,
	     const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Formats into buf[0..size): writes at most size - 1 bytes plus a NUL when
 * size > 0; buf may be NULL when size is 0. Returns the length the full
 * output has (excluding the NUL), so the output was cut iff the result is
 * >= size; -ERANGE as for vcbprintf(). */
int vsnprintf(char *restrict buf, size_t size, const char *restrict fmt,
	      va_list ap) __attribute__((format(printf, 3, 0)));
int snprintf(char *restrict buf, size_t size, const char *restrict fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
