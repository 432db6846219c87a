/* SPDX-License-Identifier: MIT */
/*
 * hello: smoke test for the Linux baseline guest's program runner.
 * Usage (guest cmdline): unidb.run=hello unidb.args=ARG1,ARG2,...
 * Prints its arguments and the CPU count; exits with the number of arguments
 * (so `tools/run ... --append "... unidb.run=hello unidb.args=a,b,c"` exits 3).
 */
#include <stdio.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	printf("hello from linux guest: %ld cpus, %d args:", sysconf(_SC_NPROCESSORS_ONLN),
	       argc - 1);
	for (int i = 1; i < argc; i++)
		printf(" %s", argv[i]);
	printf("\n");
	return argc - 1;
}
