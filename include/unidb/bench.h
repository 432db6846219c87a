/* SPDX-License-Identifier: MIT */
/* bench.h: benchmarks that run inside unidb ("bench NAME [args]").
 *
 * BENCH(name, usage, fn) registers a benchmark through the linker section
 * .unidb_benches. The kernel command line "bench NAME args..." runs it
 * with argv[0] = NAME; its return value is the VM's exit status. A
 * benchmark prints its table and ends with one machine-readable line,
 * "RESULT bench=NAME key=value ...", which the host-side runner reads. */
#ifndef UNIDB_BENCH_H
#define UNIDB_BENCH_H

struct bench {
	const char *name;
	const char *usage;
	int (*run)(int argc, char **argv);
};

#define BENCH(bname, busage, fn)                                               \
	static const struct bench bench_desc_##bname                                \
	    __attribute__((used, section(".unidb_benches"), aligned(8))) = {   \
		#bname, busage, fn}

#endif
