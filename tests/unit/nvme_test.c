/* SPDX-License-Identifier: MIT */
/* nvme_test.c: PRP list building, completion-queue phase and submission
 * ring arithmetic, status decoding (kernel/drivers/nvme_proto.c). */
#include <stdint.h>

#include "drivers/nvme_proto.h"
#include "unit.h"
#include <unidb/errno.h>

#define PG(i) (0x100000ull + (uint64_t)(i)*0x3000) /* scattered pages */
#define LIST_PA 0xabc000ull

static uint64_t pages[300];
static uint64_t list[512];

static void pages_init(void)
{
	for (unsigned i = 0; i < 300; i++)
		pages[i] = PG(i);
}

static uint16_t status(unsigned sct, unsigned sc, unsigned phase)
{
	return (uint16_t)(sct << 9 | sc << 1 | phase);
}

UNIT_TEST(prp_one_page)
{
	uint64_t p1, p2;
	pages_init();
	CHECK_EQ(nvme_prp_build(pages, 0, 4096, &p1, &p2, list, 512, LIST_PA),
		 0);
	CHECK_EQ(p1, PG(0));
	CHECK_EQ(p2, 0);
	CHECK_EQ(nvme_prp_build(pages, 512, 512, &p1, &p2, list, 512, LIST_PA),
		 0);
	CHECK_EQ(p1, PG(0) + 512);
	CHECK_EQ(p2, 0);
	/* Ends exactly at the page boundary: still one page. */
	CHECK_EQ(nvme_prp_build(pages, 3584, 512, &p1, &p2, list, 512, LIST_PA),
		 0);
	CHECK_EQ(p2, 0);
}

UNIT_TEST(prp_two_pages)
{
	uint64_t p1, p2;
	pages_init();
	CHECK_EQ(
	    nvme_prp_build(pages, 3584, 1024, &p1, &p2, list, 512, LIST_PA), 0);
	CHECK_EQ(p1, PG(0) + 3584);
	CHECK_EQ(p2, PG(1));
	CHECK_EQ(nvme_prp_build(pages, 0, 8192, &p1, &p2, list, 512, LIST_PA),
		 0);
	CHECK_EQ(p2, PG(1));
}

UNIT_TEST(prp_list)
{
	uint64_t p1, p2;
	pages_init();
	CHECK_EQ(nvme_prp_build(pages, 0, 12288, &p1, &p2, list, 512, LIST_PA),
		 2);
	CHECK_EQ(p1, PG(0));
	CHECK_EQ(p2, LIST_PA);
	CHECK_EQ(list[0], PG(1));
	CHECK_EQ(list[1], PG(2));
	/* 1 MiB starting 4 bytes into a page: 257 pages, 256 list entries. */
	memset(list, 0, sizeof(list));
	CHECK_EQ(
	    nvme_prp_build(pages, 4, 1u << 20, &p1, &p2, list, 512, LIST_PA),
	    256);
	CHECK_EQ(p1, PG(0) + 4);
	for (unsigned i = 0; i < 256; i++)
		CHECK_EQ(list[i], PG(i + 1));
	CHECK_EQ(list[256], 0);
	/* Every size from one block to 1 MiB at every 512-byte offset has
	 * ceil((off + len) / 4096) pages. */
	for (uint32_t len = 512; len <= (1u << 20); len += 512 * 7)
		for (uint32_t off = 0; off < 4096; off += 512) {
			int n = nvme_prp_build(pages, off, len, &p1, &p2, list,
					       512, LIST_PA);
			int want = (int)((off + len + 4095) / 4096) - 1;
			CHECK_EQ(n, want <= 1 ? 0 : want);
			CHECK_EQ(p1, PG(0) + off);
			CHECK_EQ(p2, want == 0	 ? 0
				     : want == 1 ? PG(1)
						 : LIST_PA);
		}
}

UNIT_TEST(prp_errors)
{
	uint64_t p1, p2, bad[3] = {PG(0), PG(1) + 8, PG(2)};
	pages_init();
	CHECK_EQ(nvme_prp_build(pages, 3, 512, &p1, &p2, list, 512, LIST_PA),
		 -EINVAL); /* not dword aligned */
	CHECK_EQ(nvme_prp_build(pages, 4096, 512, &p1, &p2, list, 512, LIST_PA),
		 -EINVAL);
	CHECK_EQ(nvme_prp_build(pages, 0, 0, &p1, &p2, list, 512, LIST_PA),
		 -EINVAL);
	CHECK_EQ(nvme_prp_build(bad, 0, 8192, &p1, &p2, list, 512, LIST_PA),
		 -EINVAL);
	CHECK_EQ(nvme_prp_build(pages, 0, 5 * 4096, &p1, &p2, list, 3, LIST_PA),
		 -E2BIG);
	CHECK_EQ(nvme_prp_build(pages, 0, 4 * 4096, &p1, &p2, list, 3, LIST_PA),
		 3);
}

UNIT_TEST(cq_phase)
{
	struct nvme_cq_state c = {0, 4, 1};
	/* A zeroed queue: phase 0 entries are old until the device writes. */
	CHECK(!nvme_cqe_is_new(&c, status(0, 0, 0)));
	CHECK(nvme_cqe_is_new(&c, status(0, 0, 1)));
	CHECK(nvme_cqe_is_new(&c, status(2, 0x81, 1)));
	for (unsigned i = 0; i < 3; i++)
		nvme_cq_advance(&c);
	CHECK_EQ(c.head, 3);
	CHECK_EQ(c.phase, 1);
	nvme_cq_advance(&c); /* wrap: the expected phase flips */
	CHECK_EQ(c.head, 0);
	CHECK_EQ(c.phase, 0);
	CHECK(!nvme_cqe_is_new(&c, status(0, 0, 1))); /* last round's */
	CHECK(nvme_cqe_is_new(&c, status(0, 0, 0)));
	for (unsigned i = 0; i < 4; i++)
		nvme_cq_advance(&c);
	CHECK_EQ(c.phase, 1);
}

UNIT_TEST(sq_ring)
{
	CHECK_EQ(nvme_sq_next(0, 64), 1);
	CHECK_EQ(nvme_sq_next(62, 64), 63);
	CHECK_EQ(nvme_sq_next(63, 64), 0);
	CHECK_EQ(nvme_sq_next(1, 2), 0);
	uint16_t t = 0;
	for (unsigned i = 0; i < 1000; i++)
		t = nvme_sq_next(t, 7);
	CHECK_EQ(t, 1000 % 7);
}

UNIT_TEST(status_decoding)
{
	char s[160];
	nvme_status_str(status(0, 0x80, 1), s, sizeof(s));
	CHECK_STR(s, "SCT 0x0 generic, SC 0x80 LBA Out of Range");
	nvme_status_str((uint16_t)(status(2, 0x81, 0) | NVME_STATUS_DNR), s,
			sizeof(s));
	CHECK_STR(s, "SCT 0x2 media and data integrity, SC 0x81 Unrecovered "
		     "Read Error (DNR)");
	nvme_status_str(status(1, 0x02, 0), s, sizeof(s));
	CHECK_STR(s, "SCT 0x1 command specific, SC 0x02 Invalid Queue Size");
	nvme_status_str(status(0, 0x7f, 0), s, sizeof(s));
	CHECK_STR(s, "SCT 0x0 generic, SC 0x7f (reserved or unknown code)");
	nvme_status_str(status(7, 0x01, 0), s, sizeof(s));
	CHECK_STR(s, "SCT 0x7 vendor specific, SC 0x01 (reserved or unknown "
		     "code)");
	CHECK_STR(nvme_status_name(3, 0x71), "Command Aborted By Host");
	CHECK(nvme_status_name(0, 0x17) == NULL);
	/* Every generic code 0x00-0x22 but the reserved 0x17 has a name. */
	for (unsigned sc = 0; sc <= 0x22; sc++)
		CHECK((nvme_status_name(0, sc) != NULL) == (sc != 0x17));
}

UNIT_TEST(status_errno)
{
	CHECK_EQ(nvme_status_errno(status(0, 0, 1)), 0);
	CHECK_EQ(nvme_status_errno(status(0, 0x80, 1)), -ERANGE);
	CHECK_EQ(nvme_status_errno(status(0, 0x02, 0)), -EINVAL);
	CHECK_EQ(nvme_status_errno(status(0, 0x01, 0)), -EINVAL);
	CHECK_EQ(nvme_status_errno(status(2, 0x81, 0)), -EIO);
	CHECK_EQ(nvme_status_errno(status(0, 0x04, 0)), -EIO);
	CHECK_EQ(nvme_status_errno(status(1, 0x00, 0)), -EIO);
}

UNIT_MAIN()
