/* SPDX-License-Identifier: MIT */
/* bench.h: benchmarks that run inside unidb ("bench NAME [args]").
 *
 * BENCH(name, usage, fn) registers a benchmark like COMMAND() registers a
 * command, in the linker section .unidb_benches. The kernel command line
 * "bench NAME args..." runs it with argv[0] = NAME; its return value is
 * the VM's exit status. A benchmark prints its table and ends with one
 * machine-readable line, "RESULT bench=NAME key=value ...", which the
 * host-side runner reads. */
#ifndef UNIDB_BENCH_H
#define UNIDB_BENCH_H

#include <unidb/command.h>

#define BENCH(bname, busage, fn)                                               \
	COMMAND_IN(".unidb_benches", bench_desc_##bname, #bname, busage, fn)

#endif
