/* SPDX-License-Identifier: MIT */
/* blk_cmd.c: the `blk` command: devices, queue modes and counters, and a
 * pattern to write in one boot and check in the next. */
#include <stdlib.h>
#include <string.h>
#include <unidb/blk.h>
#include <unidb/command.h>
#include <unidb/errno.h>
#include <unidb/heap.h>
#include <unidb/printk.h>
#include <unidb/thread.h>

#include "drivers/blk_pattern.h"

#define PATTERN_BYTES_DEFAULT (1u << 20)

static const char *const mode_names[] = {"adaptive", "irq", "poll"};

static void print_dev(struct blk_dev *d)
{
	struct blk_info in;
	struct blk_queue_stats st;

	blk_info(d, &in);
	printk("%s: %s at %s, %lu blocks of %u bytes, %u queue%s\n", in.name,
	       in.kind, in.where, in.blocks, in.block_size, in.nqueues,
	       in.nqueues == 1 ? "" : "s");
	printk("  q cpu mode     irq depth inflight  submitted  completed "
	       "errors timeouts     irqs  by_irq by_poll  parked   kicks\n");
	for (unsigned q = 0; q < in.nqueues; q++) {
		blk_queue_stats(d, q, &st);
		printk("%3u %3u %-8s %-3s %5u %8u %10lu %10lu %6lu %8lu %8lu "
		       "%7lu %7lu %7lu %7lu\n",
		       q, st.cpu, mode_names[st.mode],
		       st.has_irq ? "yes" : "no", st.depth, st.inflight,
		       st.submitted, st.completed, st.errors, st.timeouts,
		       st.irqs, st.reaped_irq, st.reaped_poll, st.parked,
		       st.kicks);
	}
}

/* Writes (check = false) or checks the pattern of `seed` over the first
 * bytes of d, 1 MiB per request. Returns 0, or 1 after printing why. */
static int pattern(struct blk_dev *d, uint64_t seed, uint64_t bytes, bool check)
{
	struct blk_info in;
	blk_info(d, &in);
	bytes -= bytes % in.block_size;
	if (!bytes || bytes / in.block_size > in.blocks) {
		printk("blk: %s: pattern of %lu bytes does not fit (%lu blocks "
		       "of %u)\n",
		       in.name, bytes, in.blocks, in.block_size);
		return 1;
	}
	uint8_t *buf = kmalloc(BLK_MAX_BYTES);
	if (!buf)
		return 1;
	int rc = 0;
	for (uint64_t off = 0; off < bytes && !rc; off += BLK_MAX_BYTES) {
		uint32_t len =
		    (uint32_t)(bytes - off < BLK_MAX_BYTES ? bytes - off
							   : BLK_MAX_BYTES);
		if (!check)
			blk_pattern_fill(buf, len, seed, off);
		int err =
		    blk_rw_sync(d, check ? BLK_READ : BLK_WRITE, off, buf, len);
		if (err) {
			printk("blk: %s: %s at %lu failed (%d)\n", in.name,
			       check ? "read" : "write", off, err);
			rc = 1;
		} else if (check) {
			int64_t bad = blk_pattern_check(buf, len, seed, off);
			if (bad >= 0) {
				printk("blk: %s: pattern %lu differs at byte "
				       "%lu\n",
				       in.name, seed, off + (uint64_t)bad);
				rc = 1;
			}
		}
	}
	if (!rc && !check && blk_rw_sync(d, BLK_FLUSH, 0, NULL, 0)) {
		printk("blk: %s: flush failed\n", in.name);
		rc = 1;
	}
	if (!rc)
		printk("blk: %s: pattern %lu %s over %lu bytes\n", in.name,
		       seed, check ? "verified" : "written", bytes);
	kfree(buf);
	return rc;
}

static int parse_mode(const char *s)
{
	for (int m = 0; m <= BLK_POLL; m++)
		if (!strcmp(s, mode_names[m]))
			return m;
	return -EINVAL;
}

static int usage(void)
{
	printk("blk: usage: blk [mode adaptive|irq|poll [q]] [spin US] "
	       "[write SEED [BYTES]] [check SEED [BYTES]] [sleep S]\n");
	return 1;
}

static bool is_num(const char *s)
{
	return s && *s >= '0' && *s <= '9';
}

/* Words apply in order to device 0; then every device is listed. */
static int cmd_blk(int argc, char **argv)
{
	struct blk_dev *d = blk_open(0);
	if (!d) {
		printk("blk: no block device (attach one with tools/run "
		       "--disk FILE)\n");
		return argc > 1 ? 1 : 0;
	}
	for (int i = 1; i < argc; i++) {
		const char *w = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (!strcmp(w, "mode") && v) {
			int m = parse_mode(argv[++i]), q = -1;
			if (i + 1 < argc && is_num(argv[i + 1]))
				q = (int)strtol(argv[++i], NULL, 10);
			if (m < 0 || blk_set_mode(d, q, (enum blk_mode)m))
				return usage();
		} else if (!strcmp(w, "spin") && is_num(v)) {
			blk_set_spin_ns(d, strtoul(argv[++i], NULL, 10) * 1000);
		} else if ((!strcmp(w, "write") || !strcmp(w, "check")) &&
			   is_num(v)) {
			uint64_t seed = strtoul(argv[++i], NULL, 10);
			uint64_t bytes = PATTERN_BYTES_DEFAULT;
			if (i + 1 < argc && is_num(argv[i + 1]))
				bytes = strtoul(argv[++i], NULL, 10);
			if (pattern(d, seed, bytes, w[0] == 'c'))
				return 1;
		} else if (!strcmp(w, "sleep") && is_num(v)) {
			thread_sleep_ns(strtoul(argv[++i], NULL, 10) *
					1000000000ull);
		} else {
			return usage();
		}
	}
	for (unsigned i = 0; i < blk_count(); i++)
		print_dev(blk_open(i));
	return 0;
}
COMMAND(blk,
	"[mode adaptive|irq|poll [q]] [spin US] [write|check SEED [BYTES]]  "
	"block devices",
	cmd_blk);
