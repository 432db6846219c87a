/* SPDX-License-Identifier: MIT */
/* nvme_proto.h: NVMe data structures and the portable pieces of the
 * driver (host-tested): PRP lists, queue ring and phase arithmetic,
 * status decoding. References are to the NVM Express Base Specification
 * 1.4 ("base") and the NVM Command Set. */
#ifndef DRIVERS_NVME_PROTO_H
#define DRIVERS_NVME_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define NVME_PAGE 4096u /* CC.MPS = 0: memory page size 4 KiB */

/* Submission queue entry (base 4.2, Figure 105): 64 bytes. */
struct nvme_sqe {
	uint8_t opcode;
	uint8_t flags;
	uint16_t cid;
	uint32_t nsid;
	uint64_t rsvd;
	uint64_t mptr;
	uint64_t prp1, prp2;
	uint32_t cdw10, cdw11, cdw12, cdw13, cdw14, cdw15;
};

/* Completion queue entry (base 4.6, Figure 124): 16 bytes. */
struct nvme_cqe {
	uint32_t result; /* command specific (DW0) */
	uint32_t rsvd;
	uint16_t sq_head, sq_id;
	uint16_t cid;
	uint16_t status; /* bit 0: phase tag; then the status field */
};

/* Status field (base 4.6.1, Figure 125), as in nvme_cqe.status. */
#define NVME_STATUS_SC(s) (((s) >> 1) & 0xff)
#define NVME_STATUS_SCT(s) (((s) >> 9) & 0x7)
#define NVME_STATUS_DNR (1u << 15)
#define NVME_SCT_GENERIC 0
#define NVME_SCT_CMD_SPECIFIC 1
#define NVME_SCT_MEDIA 2
#define NVME_SCT_PATH 3
#define NVME_SCT_VENDOR 7
#define NVME_SC_LBA_RANGE 0x80 /* generic, NVM command set */
#define NVME_SC_INVALID_FIELD 0x02
#define NVME_SC_INVALID_OPCODE 0x01

/* A completion queue's consumer state: the entry at head is new when its
 * phase tag equals phase; the expected phase flips at every wrap. */
struct nvme_cq_state {
	uint16_t head, size;
	uint8_t phase;
};

static inline bool nvme_cqe_is_new(const struct nvme_cq_state *c,
				   uint16_t status)
{
	return (status & 1) == c->phase;
}

static inline void nvme_cq_advance(struct nvme_cq_state *c)
{
	if (++c->head == c->size) {
		c->head = 0;
		c->phase ^= 1;
	}
}

/* The submission tail after `tail` in a ring of size entries. */
static inline uint16_t nvme_sq_next(uint16_t tail, uint16_t size)
{
	return (uint16_t)(tail + 1 == size ? 0 : tail + 1);
}

/* Builds the PRP entries of a transfer (base 4.3): byte 0 at pg[0] + off,
 * pg[i] the following pages (page-aligned), len bytes. prp1 is the first
 * byte; prp2 is 0 (one page), the second page (two), or list_pa, the
 * physical address of `list`, which receives the entries of pages 1..n-1
 * (one list page: no chaining). Returns the number of list entries used,
 * or -EINVAL (off not dword aligned or >= a page, len 0, a page not
 * aligned) or -E2BIG (more than list_max entries needed). */
int nvme_prp_build(const uint64_t *pg, uint32_t off, uint32_t len,
		   uint64_t *prp1, uint64_t *prp2, uint64_t *list,
		   unsigned list_max, uint64_t list_pa);

/* Writes a one-line description of a status field into buf:
 * "SCT 0x0 generic, SC 0x80 LBA Out of Range" (and " (DNR)"). */
void nvme_status_str(uint16_t status, char *buf, size_t size);

/* The name of a status code, or NULL for a reserved/unknown one. */
const char *nvme_status_name(unsigned sct, unsigned sc);

/* The errno.h code for a failed status: -ERANGE (LBA out of range),
 * -EINVAL (invalid field or opcode), -EIO otherwise; 0 for success. */
int nvme_status_errno(uint16_t status);

#endif
