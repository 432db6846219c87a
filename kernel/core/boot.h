/* SPDX-License-Identifier: MIT */
/* boot.h: what the boot sequence knows and hands on. */
#ifndef CORE_BOOT_H
#define CORE_BOOT_H

#include <stdint.h>

struct boot_info {
	uint64_t ram_bytes;	   /* usable RAM in the memory map */
	uint64_t ready_ns;	   /* time_ns() when all cores were up */
	char hypervisor[13];	   /* CPUID 0x40000000 signature, or "" */
};

extern struct boot_info boot_info;

/* Splits the command line into words and runs the command the first word
 * names (an empty line runs "db", the database server); returns its exit
 * status. */
int command_run(char *cmdline);
/* Runs the command argv[0] with its words (a prefix command's tail). */
int command_run_argv(int argc, char **argv);

#endif
