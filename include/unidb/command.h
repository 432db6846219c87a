/* SPDX-License-Identifier: MIT */
/* command.h: what the kernel command line can ask unidb to run.
 *
 * COMMAND(name, usage, fn) registers a command through the linker section
 * .unidb_commands. After boot, the first word of the command line picks
 * the command (none: "db", the database server); fn gets the words as argc/argv (argv[0] = name) and its
 * return value becomes the VM's exit status (0 = success). An unknown
 * command prints the list and exits with status 1. */
#ifndef UNIDB_COMMAND_H
#define UNIDB_COMMAND_H

struct command {
	const char *name;
	const char *usage;
	int (*run)(int argc, char **argv);
};

/* Registers fn in linker section sect (commands, benchmarks). */
#define COMMAND_IN(sect, var, cname, cusage, fn)                               \
	static const struct command var                                        \
	    __attribute__((used, section(sect), aligned(8))) = {cname, cusage, \
								fn}

#define COMMAND(cname, cusage, fn)                                             \
	COMMAND_IN(".unidb_commands", command_desc_##cname, #cname, cusage, fn)

#endif
