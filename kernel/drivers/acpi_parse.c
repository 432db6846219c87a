/* SPDX-License-Identifier: MIT */
/* acpi_parse.c: reading firmware tables already mapped in memory: the
 * ACPI MADT and FADT, the \_S5 object in the DSDT's AML, and the MP
 * Specification 1.4 table. Pure (no kernel services): the host unit tests
 * run it over tables recorded from QEMU.
 *
 * Every read is bounded by the length the caller mapped: a table that
 * claims more than that, or an entry that runs past its table's end, ends
 * the walk instead of being trusted. */
#include <string.h>
#include <unidb/errno.h>

#include "drivers/acpi.h"

/* ACPI 6.5, table 5.21: MADT entry types. */
#define MADT_LAPIC 0
#define MADT_IOAPIC 1
#define MADT_OVERRIDE 2
#define MADT_X2APIC 9
#define MADT_ENABLED 1
#define MADT_HEADER 44 /* SDT header 36 + local APIC address + flags */

/* ACPI 6.5, table 5.9: FADT field offsets. */
#define FADT_DSDT 40
#define FADT_PM1A_CNT 64
#define FADT_PM1B_CNT 68
#define FADT_FLAGS 112
#define FADT_RESET_REG 116
#define FADT_RESET_VALUE 128
#define FADT_X_DSDT 140
#define FADT_X_PM1A_CNT 172
#define FADT_X_PM1B_CNT 184
#define FADT_SLEEP_CTL 244
#define FADT_RESET_REG_SUP (1u << 10)

/* ACPI 6.5, 20.3: AML opcodes met in \_S5. */
#define AML_ZERO 0x00
#define AML_ONE 0x01
#define AML_NAME 0x08
#define AML_BYTE 0x0a
#define AML_WORD 0x0b
#define AML_DWORD 0x0c
#define AML_PACKAGE 0x12
#define AML_ONES 0xff

/* MP Specification 1.4, chapter 4. */
#define MP_CONFIG_HEADER 44
#define MP_PROCESSOR 0
#define MP_BUS 1
#define MP_IOAPIC 2
#define MP_IOINT 3
#define MP_LOCALINT 4
#define MP_PROCESSOR_LEN 20
#define MP_OTHER_LEN 8
#define MP_CPU_ENABLED 1
#define MP_IOAPIC_ENABLED 1
#define MP_INT_VECTORED 0
#define MP_MAX_BUSES 256

static uint16_t get16(const uint8_t *p)
{
	uint16_t v;
	memcpy(&v, p, 2);
	return v;
}

static uint32_t get32(const uint8_t *p)
{
	uint32_t v;
	memcpy(&v, p, 4);
	return v;
}

static uint64_t get64(const uint8_t *p)
{
	uint64_t v;
	memcpy(&v, p, 8);
	return v;
}

bool acpi_checksum_ok(const void *p, size_t len)
{
	uint8_t sum = 0;
	for (size_t i = 0; i < len; i++)
		sum += ((const uint8_t *)p)[i];
	return sum == 0;
}

void acpi_info_reset(struct acpi_info *out, uint32_t boot_apic_id)
{
	memset(out, 0, sizeof(*out));
	out->ncpus = 1;
	out->apic_ids[0] = boot_apic_id;
	out->source = "nothing";
	for (unsigned i = 0; i < 16; i++)
		out->isa_gsi[i] = i;
}

static void add_cpu(struct acpi_info *out, uint32_t apic_id,
		    uint32_t boot_apic_id)
{
	if (apic_id == boot_apic_id)
		return; /* already entry 0 */
	for (unsigned i = 1; i < out->ncpus; i++)
		if (out->apic_ids[i] == apic_id)
			return; /* listed twice (LAPIC and x2APIC entries) */
	if (out->ncpus == MAX_CPUS) {
		out->cpus_ignored++;
		return;
	}
	out->apic_ids[out->ncpus++] = apic_id;
}

/* The I/O APIC that serves the ISA IRQs is the one whose GSIs start at
 * 0; the others (GSI 24 and up) serve nothing unidb routes. */
static void add_ioapic(struct acpi_info *out, uint32_t addr, uint32_t gsi)
{
	if (out->has_ioapic && (out->ioapic_gsi_base == 0 || gsi != 0))
		return;
	out->has_ioapic = true;
	out->ioapic_addr = addr;
	out->ioapic_gsi_base = gsi;
}

void acpi_madt_parse(const void *madt, size_t len, uint32_t boot_apic_id,
		     struct acpi_info *out)
{
	const uint8_t *p = (const uint8_t *)madt + MADT_HEADER;
	const uint8_t *end = (const uint8_t *)madt + len;

	for (; p + 2 <= end && p[1] >= 2 && p + p[1] <= end; p += p[1]) {
		switch (p[0]) {
		case MADT_LAPIC: /* uid8, apic_id8, flags32 */
			if (p[1] >= 8 && (get32(p + 4) & MADT_ENABLED))
				add_cpu(out, p[3], boot_apic_id);
			break;
		case MADT_X2APIC: /* reserved16, x2apic_id32, flags32, uid */
			if (p[1] >= 12 && (get32(p + 8) & MADT_ENABLED))
				add_cpu(out, get32(p + 4), boot_apic_id);
			break;
		case MADT_IOAPIC: /* id8, res8, addr32, gsi_base32 */
			if (p[1] >= 12)
				add_ioapic(out, get32(p + 4), get32(p + 8));
			break;
		case MADT_OVERRIDE: /* bus8, source8, gsi32, flags16 */
			if (p[1] >= 10 && p[3] < 16) {
				out->isa_gsi[p[3]] = get32(p + 4);
				out->isa_flags[p[3]] = get16(p + 8);
			}
			break;
		}
	}
}

static bool gas_at(const uint8_t *f, size_t len, size_t off, struct acpi_gas *g)
{
	if (len < off + sizeof(*g))
		return false;
	memcpy(g, f + off, sizeof(*g));
	return g->address != 0;
}

uint64_t acpi_fadt_parse(const void *fadt, size_t len, struct acpi_info *out)
{
	const uint8_t *f = fadt;
	struct acpi_gas g;
	uint64_t dsdt = 0;

	if (len >= FADT_DSDT + 4)
		dsdt = get32(f + FADT_DSDT);
	if (len >= FADT_X_DSDT + 8 && get64(f + FADT_X_DSDT))
		dsdt = get64(f + FADT_X_DSDT);
	for (int i = 0; i < 2; i++) {
		size_t legacy = i ? FADT_PM1B_CNT : FADT_PM1A_CNT;
		size_t x = i ? FADT_X_PM1B_CNT : FADT_X_PM1A_CNT;
		if (len >= legacy + 4)
			out->pm1_cnt[i] = (uint16_t)get32(f + legacy);
		if (gas_at(f, len, x, &g) && g.space == ACPI_SPACE_IO)
			out->pm1_cnt[i] = (uint16_t)g.address;
	}
	gas_at(f, len, FADT_SLEEP_CTL, &out->sleep_ctl);
	if (len >= FADT_FLAGS + 4 &&
	    (get32(f + FADT_FLAGS) & FADT_RESET_REG_SUP) &&
	    gas_at(f, len, FADT_RESET_REG, &out->reset_reg) &&
	    len > FADT_RESET_VALUE)
		out->reset_value = f[FADT_RESET_VALUE];
	else
		memset(&out->reset_reg, 0, sizeof(out->reset_reg));
	return dsdt;
}

/* One integer element of a package (ACPI 6.5, 20.2.3); its low byte in
 * *v. Returns the bytes used, or 0 for anything else. */
static size_t aml_integer(const uint8_t *p, const uint8_t *end, uint8_t *v)
{
	if (p >= end)
		return 0;
	switch (p[0]) {
	case AML_ZERO:
		*v = 0;
		return 1;
	case AML_ONE:
		*v = 1;
		return 1;
	case AML_ONES:
		*v = 0xff;
		return 1;
	case AML_BYTE:
	case AML_WORD:
	case AML_DWORD: {
		size_t n = p[0] == AML_BYTE ? 1 : p[0] == AML_WORD ? 2 : 4;
		if (p + 1 + n > end)
			return 0;
		*v = p[1];
		return 1 + n;
	}
	}
	return 0;
}

/* Name(_S5, Package(){typ_a, typ_b, ...}): NameOp, the name (maybe with
 * a root prefix), PackageOp, PkgLength, NumElements, the elements. */
static int s5_at(const uint8_t *p, const uint8_t *start, const uint8_t *end,
		 uint8_t typ[2])
{
	const uint8_t *n = p > start && p[-1] == '\\' ? p - 1 : p;
	if (n == start || n[-1] != AML_NAME)
		return -ENOENT;
	p += 4;
	if (p + 2 > end || p[0] != AML_PACKAGE)
		return -ENOENT;
	p += 2 + (p[1] >> 6); /* PkgLength: lead byte bits 7:6 = extra bytes */
	if (p >= end || *p < 1)
		return -ENOENT;
	p++;
	size_t used = aml_integer(p, end, &typ[0]);
	if (!used)
		return -ENOENT;
	if (!aml_integer(p + used, end, &typ[1]))
		typ[1] = typ[0]; /* one element: hardware-reduced firmware */
	return 0;
}

int acpi_s5_find(const uint8_t *aml, size_t len, uint8_t typ[2])
{
	for (size_t i = 0; i + 4 <= len; i++)
		if (!memcmp(aml + i, "_S5_", 4) &&
		    s5_at(aml + i, aml, aml + len, typ) == 0)
			return 0;
	return -ENOENT;
}

long mp_find_floating(const uint8_t *area, size_t len)
{
	for (size_t off = 0; off + 16 <= len; off += 16)
		if (!memcmp(area + off, "_MP_", 4) && area[off + 8] == 1 &&
		    acpi_checksum_ok(area + off, 16))
			return (long)off;
	return -1;
}

uint32_t mp_config_addr(const uint8_t *floating)
{
	if (floating[11] != 0) /* feature byte 1: a default configuration */
		return 0;
	return get32(floating + 4);
}

/* Vectored interrupts from an ISA bus's IRQ 0-15 to the ISA I/O APIC are
 * the table's equivalent of MADT interrupt source overrides. */
static void mp_ioint(const uint8_t *e, const bool *isa_bus,
		     struct acpi_info *out)
{
	if (e[1] != MP_INT_VECTORED || !isa_bus[e[4]] || e[5] >= 16)
		return;
	out->isa_gsi[e[5]] = out->ioapic_gsi_base + e[7];
	out->isa_flags[e[5]] = get16(e + 2);
}

int mp_parse(const uint8_t *cfg, size_t len, uint32_t boot_apic_id,
	     struct acpi_info *out)
{
	bool isa_bus[MP_MAX_BUSES] = {false};

	if (len < MP_CONFIG_HEADER || memcmp(cfg, "PCMP", 4))
		return -EINVAL;
	size_t base = get16(cfg + 4);
	if (base < MP_CONFIG_HEADER || base > len ||
	    !acpi_checksum_ok(cfg, base))
		return -EINVAL;
	const uint8_t *p = cfg + MP_CONFIG_HEADER, *end = cfg + base;
	/* Two passes: buses and the I/O APIC before the interrupts that
	 * name them (the spec orders entries so, but does not require it). */
	for (int pass = 0; pass < 2; pass++) {
		for (p = cfg + MP_CONFIG_HEADER; p < end;) {
			size_t n = p[0] == MP_PROCESSOR ? MP_PROCESSOR_LEN
							: MP_OTHER_LEN;
			if (p[0] > MP_LOCALINT || p + n > end)
				break; /* unknown entry: its length is too */
			if (pass == 0 && p[0] == MP_PROCESSOR &&
			    (p[3] & MP_CPU_ENABLED))
				add_cpu(out, p[1], boot_apic_id);
			if (pass == 0 && p[0] == MP_BUS &&
			    !memcmp(p + 2, "ISA   ", 6))
				isa_bus[p[1]] = true;
			if (pass == 0 && p[0] == MP_IOAPIC &&
			    (p[3] & MP_IOAPIC_ENABLED) && !out->has_ioapic)
				add_ioapic(out, get32(p + 4), 0);
			if (pass == 1 && p[0] == MP_IOINT)
				mp_ioint(p, isa_bus, out);
			p += n;
		}
	}
	return 0;
}

void mp_add_siblings(struct acpi_info *out, unsigned per_package,
		     uint32_t boot_apic_id)
{
	unsigned span = 1, listed = out->ncpus;

	if (per_package < 2)
		return;
	while (span < per_package)
		span <<= 1; /* IDs of a package: a power-of-two block */
	for (unsigned i = 0; i < listed; i++) {
		uint32_t base = out->apic_ids[i] & ~(uint32_t)(span - 1);
		for (uint32_t id = base; id < base + per_package; id++)
			add_cpu(out, id, boot_apic_id);
	}
}
