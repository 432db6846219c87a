/* SPDX-License-Identifier: MIT */
/* command.c: runs what the command line asks for; built-in commands. */
#include <string.h>
#include <unidb/bench.h>
#include <unidb/command.h>
#include <unidb/panic.h>
#include <unidb/printk.h>
#include <unidb/thread.h>

#include "core/boot.h"
#include "drivers/power.h"

#define ARGS_MAX 32

extern const struct command __commands_start[], __commands_end[];
extern const struct command __benches_start[], __benches_end[];

static int split(char *s, char **argv)
{
	int argc = 0;
	for (char *p = s; *p && argc < ARGS_MAX;) {
		while (*p == ' ' || *p == '\t')
			*p++ = '\0';
		if (!*p)
			break;
		argv[argc++] = p;
		while (*p && *p != ' ' && *p != '\t')
			p++;
	}
	return argc;
}

static void usage(void)
{
	printk("commands:\n");
	for (const struct command *c = __commands_start; c < __commands_end;
	     c++)
		printk("  %-10s %s\n", c->name, c->usage);
}

int command_run(char *cmdline)
{
	char *argv[ARGS_MAX + 1] = {0};
	int argc = split(cmdline, argv);

	if (argc == 0) { /* the main job: the database server */
		static char db[] = "db";
		argv[argc++] = db;
	}
	return command_run_argv(argc, argv);
}

int command_run_argv(int argc, char **argv)
{
	for (const struct command *c = __commands_start; c < __commands_end;
	     c++)
		if (!strcmp(c->name, argv[0]))
			return c->run(argc, argv);
	printk("unidb: unknown command '%s'\n", argv[0]);
	usage();
	return POWEROFF_FAIL;
}

/* With a way named, power off by that way alone, skipping QEMU's
 * isa-debug-exit: the way other hypervisors end the VM, tested under
 * QEMU (tests/e2e/cases.sh). */
static int cmd_poweroff(int argc, char **argv)
{
	static const struct {
		const char *name;
		unsigned way;
	} ways[] = {{"acpi", POWER_ACPI},
		    {"i8042", POWER_I8042},
		    {"acpi-reset", POWER_ACPI_RESET},
		    {"triple-fault", POWER_TRIPLE_FAULT}};

	if (argc < 2)
		return 0;
	for (unsigned i = 0; i < sizeof(ways) / sizeof(ways[0]); i++)
		if (!strcmp(argv[1], ways[i].name)) {
			printk("poweroff: by %s alone\n", ways[i].name);
			power_off_by(ways[i].way);
		}
	printk("poweroff: unknown way '%s' (acpi, i8042, acpi-reset, "
	       "triple-fault)\n",
	       argv[1]);
	return POWEROFF_FAIL;
}
COMMAND(poweroff,
	"[acpi|i8042|acpi-reset|triple-fault]  power off at once (boot "
	"benchmark); by one way alone if named",
	cmd_poweroff);

static int cmd_help(int argc, char **argv)
{
	usage();
	return 0;
}
COMMAND(help, "list the commands", cmd_help);

static int cmd_bench(int argc, char **argv)
{
	const struct command *b;

	for (b = __benches_start; b < __benches_end; b++)
		if (argc > 1 && !strcmp(b->name, argv[1]))
			return b->run(argc - 1, argv + 1);
	printk("bench: %s '%s'; benchmarks:\n",
	       argc > 1 ? "unknown benchmark" : "which benchmark?",
	       argc > 1 ? argv[1] : "");
	for (b = __benches_start; b < __benches_end; b++)
		printk("  %-10s %s\n", b->name, b->usage);
	return POWEROFF_FAIL;
}
COMMAND(bench, "NAME [args]  run a benchmark (bench alone lists them)",
	cmd_bench);

static int cmd_threads(int argc, char **argv)
{
	sched_dump();
	return 0;
}
COMMAND(threads, "list threads: state, cpu, what they wait for, where",
	cmd_threads);
