/* SPDX-License-Identifier: MIT */
/* nvme_proto.c: PRP lists and status decoding (nvme_proto.h; portable). */
#include <stdio.h>
#include <unidb/errno.h>

#include "drivers/nvme_proto.h"

int nvme_prp_build(const uint64_t *pg, uint32_t off, uint32_t len,
		   uint64_t *prp1, uint64_t *prp2, uint64_t *list,
		   unsigned list_max, uint64_t list_pa)
{
	if (!len || off >= NVME_PAGE || (off & 3) || (pg[0] & (NVME_PAGE - 1)))
		return -EINVAL;
	uint64_t npages = ((uint64_t)off + len + NVME_PAGE - 1) / NVME_PAGE;
	*prp1 = pg[0] + off;
	*prp2 = 0;
	if (npages == 1)
		return 0;
	for (uint64_t i = 1; i < npages; i++)
		if (pg[i] & (NVME_PAGE - 1))
			return -EINVAL;
	if (npages == 2) {
		*prp2 = pg[1];
		return 0;
	}
	if (npages - 1 > list_max)
		return -E2BIG;
	for (uint64_t i = 1; i < npages; i++)
		list[i - 1] = pg[i];
	*prp2 = list_pa;
	return (int)(npages - 1);
}

struct code_name {
	uint8_t sc;
	const char *name;
};

/* Base 4.6.1.2.1 (Figure 127) and NVM Command Set (Figure 128). */
static const struct code_name generic[] = {
    {0x00, "Successful Completion"},
    {0x01, "Invalid Command Opcode"},
    {0x02, "Invalid Field in Command"},
    {0x03, "Command ID Conflict"},
    {0x04, "Data Transfer Error"},
    {0x05, "Commands Aborted due to Power Loss Notification"},
    {0x06, "Internal Error"},
    {0x07, "Command Abort Requested"},
    {0x08, "Command Aborted due to SQ Deletion"},
    {0x09, "Command Aborted due to Failed Fused Command"},
    {0x0a, "Command Aborted due to Missing Fused Command"},
    {0x0b, "Invalid Namespace or Format"},
    {0x0c, "Command Sequence Error"},
    {0x0d, "Invalid SGL Segment Descriptor"},
    {0x0e, "Invalid Number of SGL Descriptors"},
    {0x0f, "Data SGL Length Invalid"},
    {0x10, "Metadata SGL Length Invalid"},
    {0x11, "SGL Descriptor Type Invalid"},
    {0x12, "Invalid Use of Controller Memory Buffer"},
    {0x13, "PRP Offset Invalid"},
    {0x14, "Atomic Write Unit Exceeded"},
    {0x15, "Operation Denied"},
    {0x16, "SGL Offset Invalid"},
    {0x18, "Host Identifier Inconsistent Format"},
    {0x19, "Keep Alive Timer Expired"},
    {0x1a, "Keep Alive Timeout Invalid"},
    {0x1b, "Command Aborted due to Preempt and Abort"},
    {0x1c, "Sanitize Failed"},
    {0x1d, "Sanitize In Progress"},
    {0x1e, "SGL Data Block Granularity Invalid"},
    {0x1f, "Command Not Supported for Queue in CMB"},
    {0x20, "Namespace is Write Protected"},
    {0x21, "Command Interrupted"},
    {0x22, "Transient Transport Error"},
    {0x80, "LBA Out of Range"},
    {0x81, "Capacity Exceeded"},
    {0x82, "Namespace Not Ready"},
    {0x83, "Reservation Conflict"},
    {0x84, "Format In Progress"},
};

/* Base 4.6.1.2.2 (Figure 129) and NVM Command Set (Figure 130). */
static const struct code_name cmd_specific[] = {
    {0x00, "Completion Queue Invalid"},
    {0x01, "Invalid Queue Identifier"},
    {0x02, "Invalid Queue Size"},
    {0x03, "Abort Command Limit Exceeded"},
    {0x05, "Asynchronous Event Request Limit Exceeded"},
    {0x06, "Invalid Firmware Slot"},
    {0x07, "Invalid Firmware Image"},
    {0x08, "Invalid Interrupt Vector"},
    {0x09, "Invalid Log Page"},
    {0x0a, "Invalid Format"},
    {0x0b, "Firmware Activation Requires Conventional Reset"},
    {0x0c, "Invalid Queue Deletion"},
    {0x0d, "Feature Identifier Not Saveable"},
    {0x0e, "Feature Not Changeable"},
    {0x0f, "Feature Not Namespace Specific"},
    {0x10, "Firmware Activation Requires NVM Subsystem Reset"},
    {0x11, "Firmware Activation Requires Controller Level Reset"},
    {0x12, "Firmware Activation Requires Maximum Time Violation"},
    {0x13, "Firmware Activation Prohibited"},
    {0x14, "Overlapping Range"},
    {0x15, "Namespace Insufficient Capacity"},
    {0x16, "Namespace Identifier Unavailable"},
    {0x18, "Namespace Already Attached"},
    {0x19, "Namespace Is Private"},
    {0x1a, "Namespace Not Attached"},
    {0x1b, "Thin Provisioning Not Supported"},
    {0x1c, "Controller List Invalid"},
    {0x1d, "Device Self-test In Progress"},
    {0x1e, "Boot Partition Write Prohibited"},
    {0x1f, "Invalid Controller Identifier"},
    {0x20, "Invalid Secondary Controller State"},
    {0x21, "Invalid Number of Controller Resources"},
    {0x22, "Invalid Resource Identifier"},
    {0x23, "Sanitize Prohibited While Persistent Memory Region is Enabled"},
    {0x24, "ANA Group Identifier Invalid"},
    {0x25, "ANA Attach Failed"},
    {0x80, "Conflicting Attributes"},
    {0x81, "Invalid Protection Information"},
    {0x82, "Attempted Write to Read Only Range"},
};

/* Base 4.6.1.2.3 (Figure 131) and NVM Command Set (Figure 132). */
static const struct code_name media[] = {
    {0x80, "Write Fault"},
    {0x81, "Unrecovered Read Error"},
    {0x82, "End-to-end Guard Check Error"},
    {0x83, "End-to-end Application Tag Check Error"},
    {0x84, "End-to-end Reference Tag Check Error"},
    {0x85, "Compare Failure"},
    {0x86, "Access Denied"},
    {0x87, "Deallocated or Unwritten Logical Block"},
};

/* Base 4.6.1.2.4 (Figure 133). */
static const struct code_name path[] = {
    {0x00, "Internal Path Error"},
    {0x01, "Asymmetric Access Persistent Loss"},
    {0x02, "Asymmetric Access Inaccessible"},
    {0x03, "Asymmetric Access Transition"},
    {0x60, "Controller Pathing Error"},
    {0x70, "Host Pathing Error"},
    {0x71, "Command Aborted By Host"},
};

#define TABLE(t)                                                               \
	{                                                                      \
		t, sizeof(t) / sizeof(t[0])                                    \
	}
static const struct {
	const struct code_name *codes;
	size_t n;
} tables[4] = {TABLE(generic), TABLE(cmd_specific), TABLE(media), TABLE(path)};

static const char *const sct_names[8] = {
    "generic",	    "command specific", "media and data integrity",
    "path related", "reserved",		"reserved",
    "reserved",	    "vendor specific"};

const char *nvme_status_name(unsigned sct, unsigned sc)
{
	if (sct >= 4)
		return NULL;
	for (size_t i = 0; i < tables[sct].n; i++)
		if (tables[sct].codes[i].sc == sc)
			return tables[sct].codes[i].name;
	return NULL;
}

void nvme_status_str(uint16_t status, char *buf, size_t size)
{
	unsigned sct = NVME_STATUS_SCT(status), sc = NVME_STATUS_SC(status);
	const char *name = nvme_status_name(sct, sc);

	snprintf(buf, size, "SCT 0x%x %s, SC 0x%02x %s%s", sct, sct_names[sct],
		 sc, name ? name : "(reserved or unknown code)",
		 status & NVME_STATUS_DNR ? " (DNR)" : "");
}

int nvme_status_errno(uint16_t status)
{
	unsigned sct = NVME_STATUS_SCT(status), sc = NVME_STATUS_SC(status);

	if (!sct && !sc)
		return 0;
	if (sct == NVME_SCT_GENERIC && sc == NVME_SC_LBA_RANGE)
		return -ERANGE;
	if (sct == NVME_SCT_GENERIC &&
	    (sc == NVME_SC_INVALID_FIELD || sc == NVME_SC_INVALID_OPCODE))
		return -EINVAL;
	return -EIO;
}
