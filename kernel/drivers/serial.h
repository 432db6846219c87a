/* SPDX-License-Identifier: MIT */
/* serial.h: 16550 UART on COM1, polled output. */
#ifndef DRIVERS_SERIAL_H
#define DRIVERS_SERIAL_H

#include <stddef.h>

void serial_init(void);
/* Writes n bytes, "\n" as "\r\n". Caller serialises (console lock). */
void serial_write(const char *s, size_t n);

#endif
