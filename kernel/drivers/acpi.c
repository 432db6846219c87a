/* SPDX-License-Identifier: MIT */
/* acpi.c: finding the firmware's tables in physical memory.
 *
 * RSDP -> XSDT/RSDT -> MADT, FADT -> DSDT (ACPI 6.5, 5.2.5-5.2.12); when
 * there is no ACPI (QEMU -M pc,acpi=off or microvm,acpi=off, older
 * Firecracker), the MP table (MP Specification 1.4, 4.1). acpi_parse.c
 * reads the tables; this file only finds and maps them. Only reads, once,
 * at boot; nothing is kept pointing into them, so the frames they live in
 * may later be reused. */
#include <string.h>
#include <unidb/errno.h>
#include <unidb/printk.h>

#include "arch/x86_64/cpuid.h"
#include "arch/x86_64/paging.h"
#include "arch/x86_64/x86.h"
#include "drivers/acpi.h"

struct rsdp {
	char sig[8];
	uint8_t checksum;
	char oem[6];
	uint8_t revision;
	uint32_t rsdt;
	uint32_t length; /* revision >= 2 from here on */
	uint64_t xsdt;
	uint8_t xchecksum;
	uint8_t reserved[3];
} __attribute__((packed));

struct sdt_header {
	char sig[4];
	uint32_t length;
	uint8_t revision;
	uint8_t checksum;
	char oem[6];
	char oem_table[8];
	uint32_t oem_revision;
	uint32_t creator;
	uint32_t creator_revision;
} __attribute__((packed));

#define RSDP_V1_LEN 20
#define BIOS_AREA 0xe0000
#define BIOS_AREA_LEN 0x20000
#define BDA_EBDA_SEGMENT 0x40e
#define BASE_MEM_LAST_KB 0x9fc00
#define MP_BIOS_AREA 0xf0000
#define MP_BIOS_AREA_LEN 0x10000
#define TABLE_MAX_LEN (1u << 20) /* larger is corrupt, not a table */

/* MCFG (PCI Firmware spec 3.2, 4.1.2): after the header, 8 reserved
 * bytes, then 16-byte entries: base64, segment16, bus_start8, bus_end8. */
#define MCFG_ENTRIES 44
#define MCFG_ENTRY_SIZE 16

struct acpi_info acpi;

/* Tables may lie outside RAM the memory map calls usable. */
static void *acpi_map(paddr_t pa, size_t len)
{
	direct_map_add(pa, pa + len);
	return phys_to_virt(pa);
}

static paddr_t rsdp_scan(void)
{
	/* ACPI 6.5, 5.2.5.1: on a 16-byte boundary in 0xe0000-0xfffff. */
	const char *p = acpi_map(BIOS_AREA, BIOS_AREA_LEN);
	for (size_t off = 0; off < BIOS_AREA_LEN; off += 16)
		if (!memcmp(p + off, "RSD PTR ", 8) &&
		    acpi_checksum_ok(p + off, RSDP_V1_LEN))
			return BIOS_AREA + off;
	return 0;
}

static const struct sdt_header *table_map(paddr_t pa)
{
	const struct sdt_header *h = acpi_map(pa, sizeof(*h));
	if (h->length < sizeof(*h) || h->length > TABLE_MAX_LEN)
		return NULL;
	return acpi_map(pa, h->length);
}

static const struct sdt_header *table_checked(paddr_t pa)
{
	const struct sdt_header *t = pa ? table_map(pa) : NULL;
	return t && acpi_checksum_ok(t, t->length) ? t : NULL;
}

static void read_fadt(const struct sdt_header *t)
{
	uint64_t dsdt_pa = acpi_fadt_parse(t, t->length, &acpi);
	const struct sdt_header *dsdt = table_checked(dsdt_pa);
	if (dsdt &&
	    acpi_s5_find((const uint8_t *)(dsdt + 1),
			 dsdt->length - sizeof(*dsdt), acpi.s5_typ) == 0)
		acpi.has_s5 = true;
}

static void mcfg_parse(const struct sdt_header *t)
{
	const uint8_t *p = (const uint8_t *)t + MCFG_ENTRIES;
	const uint8_t *end = (const uint8_t *)t + t->length;

	for (; p + MCFG_ENTRY_SIZE <= end; p += MCFG_ENTRY_SIZE) {
		uint16_t seg;
		memcpy(&seg, p + 8, 2);
		if (seg != 0)
			continue; /* one segment is all we enumerate */
		memcpy(&acpi.ecam_addr, p, 8);
		acpi.ecam_bus_start = p[10];
		acpi.ecam_bus_end = p[11];
		return;
	}
}

/* ACPI 1.0 checksums the first 20 bytes; 2.0 adds the extended checksum
 * over `length` bytes, which covers the XSDT address. */
static const struct rsdp *rsdp_checked(paddr_t pa)
{
	const struct rsdp *r = acpi_map(pa, sizeof(*r));
	if (memcmp(r->sig, "RSD PTR ", 8) || !acpi_checksum_ok(r, RSDP_V1_LEN))
		return NULL;
	if (r->revision >= 2 &&
	    (r->length < sizeof(*r) || r->length > 4096 ||
	     !acpi_checksum_ok(acpi_map(pa, r->length), r->length)))
		return NULL;
	return r;
}

static int acpi_tables(paddr_t rsdp_pa, uint32_t boot_apic_id)
{
	if (!rsdp_pa)
		rsdp_pa = rsdp_scan();
	if (!rsdp_pa)
		return -ENOENT;
	const struct rsdp *r = rsdp_checked(rsdp_pa);
	if (!r)
		return -EINVAL;
	bool x = r->revision >= 2 && r->xsdt;
	const struct sdt_header *root = table_checked(x ? r->xsdt : r->rsdt);
	if (!root)
		return -EINVAL;
	size_t esz = x ? 8 : 4;
	size_t n = (root->length - sizeof(*root)) / esz;
	bool madt = false;
	for (size_t i = 0; i < n; i++) {
		uint64_t pa = 0;
		memcpy(&pa, (const char *)(root + 1) + i * esz, esz);
		const struct sdt_header *t = table_map(pa);
		if (!t)
			continue;
		if (!memcmp(t->sig, "MCFG", 4) && acpi_checksum_ok(t, t->length))
			mcfg_parse(t);
		bool is_madt = !memcmp(t->sig, "APIC", 4);
		if (!is_madt && memcmp(t->sig, "FACP", 4))
			continue;
		if (!acpi_checksum_ok(t, t->length))
			return -EINVAL;
		if (is_madt) {
			acpi_madt_parse(t, t->length, boot_apic_id, &acpi);
			madt = true;
		} else {
			read_fadt(t);
		}
	}
	return madt ? 0 : -ENOENT;
}

static paddr_t mp_scan(paddr_t start, size_t len)
{
	if (!start)
		return 0;
	long off = mp_find_floating(acpi_map(start, len), len);
	return off < 0 ? 0 : start + off;
}

/* MP 1.4, 4.1: the first KiB of the EBDA, the last KiB of base memory,
 * or the BIOS ROM 0xf0000-0xfffff. */
static int mp_table(uint32_t boot_apic_id)
{
	const uint16_t *bda = acpi_map(BDA_EBDA_SEGMENT, 2);
	paddr_t ebda = (paddr_t)*bda << 4;
	if (ebda < 0x80000 || ebda >= 0xa0000)
		ebda = 0;
	paddr_t fp = mp_scan(ebda, 1024);
	if (!fp)
		fp = mp_scan(BASE_MEM_LAST_KB, 1024);
	if (!fp)
		fp = mp_scan(MP_BIOS_AREA, MP_BIOS_AREA_LEN);
	if (!fp)
		return -ENOENT;
	paddr_t cfg = mp_config_addr(acpi_map(fp, 16));
	if (!cfg)
		return -ENOENT;
	const uint8_t *h = acpi_map(cfg, 8);
	uint16_t len;
	memcpy(&len, h + 4, 2);
	int err = mp_parse(acpi_map(cfg, len), len, boot_apic_id, &acpi);
	if (err)
		return err;
	uint32_t r[4];
	cpuid(1, 0, r);
	if (r[3] & CPUID_1_EDX_HTT)
		mp_add_siblings(&acpi, (r[1] >> 16) & 0xff, boot_apic_id);
	return 0;
}

int acpi_init(paddr_t rsdp_pa, uint32_t boot_apic_id)
{
	acpi_info_reset(&acpi, boot_apic_id);
	int err = acpi_tables(rsdp_pa, boot_apic_id);
	if (err == 0) {
		acpi.source = "ACPI";
		return 0;
	}
	/* A MADT may have been half read before a bad table turned up. */
	acpi_info_reset(&acpi, boot_apic_id);
	if (mp_table(boot_apic_id) == 0) {
		acpi.source = "MP table";
		return 0;
	}
	acpi_info_reset(&acpi, boot_apic_id);
	return err;
}

void acpi_power_init(void)
{
	struct acpi_gas *regs[] = {&acpi.sleep_ctl, &acpi.reset_reg};

	for (unsigned i = 0; i < 2; i++) {
		struct acpi_gas *g = regs[i];
		if (g->address && g->space == ACPI_SPACE_MEMORY)
			/* From now on the register's virtual address. */
			g->address = (uint64_t)mmio_map(g->address, 1);
	}
	acpi.power_mapped = true;
}
