/* SPDX-License-Identifier: MIT */
/* serial.c: 16550 UART on COM1 (I/O port 0x3f8), transmit only, polled. */
#include <stdbool.h>
#include <unidb/time.h>

#include "arch/x86_64/x86.h"
#include "drivers/serial.h"

#define COM1 0x3f8
/* 16550 registers (offsets from COM1; with LCR.DLAB set, 0/1 = divisor). */
#define UART_THR 0
#define UART_IER 1
#define UART_FCR 2
#define UART_LCR 3
#define UART_MCR 4
#define UART_LSR 5
#define LCR_DLAB 0x80
#define LCR_8N1 0x03
#define FCR_ENABLE_CLEAR 0x07
#define MCR_DTR_RTS 0x03
#define LSR_THRE 0x20 /* transmit holding register empty */
/* A character takes 87 us at 115200 baud; a UART that has not drained
 * in 1 ms is stuck (or a VMM's that never clears the bit). */
#define THRE_WAIT_NS 1000000
#define THRE_WAIT_TSC (1UL << 24) /* the same, before the clock runs */

static bool stuck; /* once stuck, write without waiting */

void serial_init(void)
{
	outb(COM1 + UART_IER, 0);
	outb(COM1 + UART_LCR, LCR_DLAB);
	outb(COM1 + 0, 1); /* divisor 1: 115200 baud */
	outb(COM1 + 1, 0);
	outb(COM1 + UART_LCR, LCR_8N1);
	outb(COM1 + UART_FCR, FCR_ENABLE_CLEAR);
	outb(COM1 + UART_MCR, MCR_DTR_RTS);
}

/* Bounded by time, not by a count of port reads (each a VM exit of
 * unknown cost): a UART that never drains must not hang a panic. */
static void wait_thre(void)
{
	bool clock = time_tsc_hz() != 0;
	uint64_t t0 = clock ? time_ns() : rdtsc();

	while (!(inb(COM1 + UART_LSR) & LSR_THRE)) {
		uint64_t waited = clock ? time_ns() - t0 : rdtsc() - t0;
		if (waited > (clock ? THRE_WAIT_NS : THRE_WAIT_TSC)) {
			stuck = true;
			return;
		}
		__builtin_ia32_pause();
	}
}

static void putc(char c)
{
	if (!stuck)
		wait_thre();
	outb(COM1 + UART_THR, c);
}

void serial_write(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\n')
			putc('\r');
		putc(s[i]);
	}
}
