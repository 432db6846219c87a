/* SPDX-License-Identifier: MIT */
/* acpi.c: RSDP -> XSDT/RSDT -> MADT (ACPI 6.5, sections 5.2.5-5.2.12).
 *
 * Only reads tables, once, at boot; nothing is kept pointing into them,
 * so the frames they live in may later be reused. */
#include <string.h>
#include <unidb/errno.h>
#include <unidb/printk.h>

#include "arch/x86_64/paging.h"
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

struct madt {
	struct sdt_header h;
	uint32_t lapic_addr;
	uint32_t flags;
	uint8_t entries[];
} __attribute__((packed));

/* MCFG (PCI Firmware spec 3.2, 4.1.2): after the header, 8 reserved
 * bytes, then 16-byte entries: base64, segment16, bus_start8, bus_end8. */
#define MCFG_ENTRIES 44
#define MCFG_ENTRY_SIZE 16

/* MADT entry types (ACPI 6.5, table 5.21). */
#define MADT_LAPIC 0
#define MADT_IOAPIC 1
#define MADT_OVERRIDE 2
#define MADT_X2APIC 9
#define MADT_ENABLED 1

struct acpi_info acpi;

static bool checksum_ok(const void *p, size_t len)
{
	uint8_t sum = 0;
	for (size_t i = 0; i < len; i++)
		sum += ((const uint8_t *)p)[i];
	return sum == 0;
}

/* Tables may lie outside RAM the memory map calls usable. */
static void *acpi_map(paddr_t pa, size_t len)
{
	direct_map_add(pa, pa + len);
	return phys_to_virt(pa);
}

static paddr_t rsdp_scan(void)
{
	/* ACPI 6.5, 5.2.5.1: on a 16-byte boundary in 0xe0000-0xfffff. */
	const char *p = acpi_map(0xe0000, 0x20000);
	for (size_t off = 0; off < 0x20000; off += 16)
		if (!memcmp(p + off, "RSD PTR ", 8) && checksum_ok(p + off, 20))
			return 0xe0000 + off;
	return 0;
}

static const struct sdt_header *table_map(paddr_t pa)
{
	const struct sdt_header *h = acpi_map(pa, sizeof(*h));
	return acpi_map(pa, h->length);
}

static void add_cpu(uint32_t apic_id, uint32_t boot_apic_id)
{
	if (apic_id == boot_apic_id)
		return; /* already entry 0 */
	if (acpi.ncpus == MAX_CPUS) {
		acpi.cpus_ignored++;
		return;
	}
	acpi.apic_ids[acpi.ncpus++] = apic_id;
}

static void madt_parse(const struct madt *m, uint32_t boot_apic_id)
{
	const uint8_t *p = m->entries, *end = (const uint8_t *)m + m->h.length;

	for (; p + 2 <= end && p[1] >= 2 && p + p[1] <= end; p += p[1]) {
		uint32_t flags, id, gsi;
		switch (p[0]) {
		case MADT_LAPIC: /* uid8, apic_id8, flags32 */
			memcpy(&flags, p + 4, 4);
			if (flags & MADT_ENABLED)
				add_cpu(p[3], boot_apic_id);
			break;
		case MADT_X2APIC: /* reserved16, x2apic_id32, flags32, uid */
			memcpy(&id, p + 4, 4);
			memcpy(&flags, p + 8, 4);
			if (flags & MADT_ENABLED)
				add_cpu(id, boot_apic_id);
			break;
		case MADT_IOAPIC: /* id8, res8, addr32, gsi_base32 */
			if (acpi.has_ioapic)
				break; /* one is enough for the ISA IRQs */
			memcpy(&id, p + 4, 4);
			memcpy(&gsi, p + 8, 4);
			acpi.has_ioapic = true;
			acpi.ioapic_addr = id;
			acpi.ioapic_gsi_base = gsi;
			break;
		case MADT_OVERRIDE: /* bus8, source8, gsi32, flags16 */
			if (p[3] < 16) {
				memcpy(&acpi.isa_gsi[p[3]], p + 4, 4);
				memcpy(&acpi.isa_flags[p[3]], p + 8, 2);
			}
			break;
		}
	}
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

int acpi_init(paddr_t rsdp_pa, uint32_t boot_apic_id)
{
	acpi.ncpus = 1;
	acpi.apic_ids[0] = boot_apic_id;
	for (unsigned i = 0; i < 16; i++)
		acpi.isa_gsi[i] = i;

	if (!rsdp_pa)
		rsdp_pa = rsdp_scan();
	if (!rsdp_pa)
		return -ENOENT;
	const struct rsdp *r = acpi_map(rsdp_pa, sizeof(*r));
	if (memcmp(r->sig, "RSD PTR ", 8) || !checksum_ok(r, 20))
		return -EINVAL;

	bool x = r->revision >= 2 && r->xsdt;
	const struct sdt_header *root = table_map(x ? r->xsdt : r->rsdt);
	if (!checksum_ok(root, root->length))
		return -EINVAL;
	size_t esz = x ? 8 : 4;
	size_t n = (root->length - sizeof(*root)) / esz;
	int err = -ENOENT;
	for (size_t i = 0; i < n; i++) {
		uint64_t pa = 0;
		memcpy(&pa, (const char *)(root + 1) + i * esz, esz);
		const struct sdt_header *t = table_map(pa);
		if (!memcmp(t->sig, "MCFG", 4) && checksum_ok(t, t->length))
			mcfg_parse(t);
		if (memcmp(t->sig, "APIC", 4) || err != -ENOENT)
			continue;
		if (!checksum_ok(t, t->length))
			return -EINVAL;
		madt_parse((const struct madt *)t, boot_apic_id);
		err = 0;
	}
	return err;
}
