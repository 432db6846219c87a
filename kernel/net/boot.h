/* SPDX-License-Identifier: MIT */
/* boot.h: the stack's start at boot (kernel only, boot.c). */
#ifndef UNIDB_NET_BOOT_H
#define UNIDB_NET_BOOT_H

#include <stdint.h>

/* Takes `ip=` words out of cmdline, attaches a stack to every registered
 * netif and starts its configuration (static for the first device if ip=
 * was given, else DHCP). Prints "net: eth0 A/N gw G (dhcp|static)" once
 * each device has an address. Without devices it does nothing. */
void net_boot(char *cmdline);

/* Parses "A.B.C.D[/N][,gw=A.B.C.D]" (N defaults to 24) into host-order
 * values; the gateway must be on the subnet. 0 or -EINVAL. */
int net_parse_ip(const char *s, uint32_t *addr, uint32_t *mask,
		 uint32_t *gw);

#endif
