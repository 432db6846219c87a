/* SPDX-License-Identifier: MIT */
/* fuzz_wire.c: libFuzzer target for the protocol decoder and session
 * (db/wire). The input is what a client sends after a valid startup
 * packet; the session must end or go on without a crash, hang, leak or
 * sanitizer report. Build: make fuzz; run: build/fuzz/fuzz_wire -max_total_time=600 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../db/storage/table.h"
#include "../../db/wire/pgwire.h"

struct pipe {
	const uint8_t *in;
	size_t n, off;
};

static long p_read(void *ctx, void *buf, size_t n)
{
	struct pipe *p = ctx;
	size_t k = p->n - p->off < n ? p->n - p->off : n;

	if (k > 7) /* short reads exercise the reassembly */
		k = 7 + (p->off & 7);
	if (k > p->n - p->off)
		k = p->n - p->off;
	memcpy(buf, p->in + p->off, k);
	p->off += k;
	return (long)k;
}

static long p_write(void *ctx, const void *buf, size_t n)
{
	(void)ctx, (void)buf, (void)n;
	return 0;
}

static const uint8_t startup[] = {0, 0, 0, 17, 0, 3, 0, 0, 'u', 's', 'e',
				  'r', 0, 'u', 0, 0, 0};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct db db;
	uint8_t *in = malloc(sizeof(startup) + size);
	struct pipe p = {in, sizeof(startup) + size, 0};

	memcpy(in, startup, sizeof(startup));
	memcpy(in + sizeof(startup), data, size);
	db_init(&db);
	pg_session_run(&db, &(struct pg_io){&p, p_read, p_write, NULL}, 1, 2);
	db_destroy(&db);
	free(in);
	return 0;
}
