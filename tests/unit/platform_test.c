/* SPDX-License-Identifier: MIT */
/* platform_test.c: host tests of CPUID decoding, x2APIC/xAPIC destination
 * encoding and firmware-table parsing: the paths QEMU 7.2's TCG cannot
 * take (x2APIC, CPUID 0x15, the hypervisor timing leaf, kvmclock) and
 * tables recorded from QEMU. */
#include <stdint.h>
#include <string.h>

#include "arch/x86_64/apic_encode.h"
#include "arch/x86_64/cpuid.h"
#include "drivers/acpi.h"
#include "unit.h"

/* ---- CPUID ---------------------------------------------------------- */

UNIT_TEST(hv_timing_leaf_gives_khz_when_present)
{
	uint32_t l[4] = {2400000, 1000000, 0, 0}; /* Cloud Hypervisor style */

	CHECK_EQ(cpuid_tsc_hz_hv(0x40000010, l), 2400000000ULL);
	CHECK_EQ(cpuid_tsc_hz_hv(0x40000001, l), 0); /* TCG: leaf absent */
	CHECK_EQ(cpuid_tsc_hz_hv(0, l), 0);
	CHECK_EQ(cpuid_tsc_hz_hv(0x7fffffff, l), 0); /* garbage maximum */
}

UNIT_TEST(crystal_leaf_with_and_without_crystal_frequency)
{
	uint32_t l15[4] = {2, 176, 24000000, 0}, l16[4] = {0};

	/* 24 MHz crystal * 176 / 2 */
	CHECK_EQ(cpuid_tsc_hz_crystal(0x16, l15, l16), 2112000000ULL);
	/* ECX 0 (Skylake client): TSC = base frequency of leaf 0x16. */
	uint32_t sky15[4] = {2, 300, 0, 0}, sky16[4] = {3200, 4600, 100, 0};
	CHECK_EQ(cpuid_tsc_hz_crystal(0x16, sky15, sky16), 3200000000ULL);
	CHECK_EQ(cpuid_tsc_hz_crystal(0x15, sky15, sky16), 0); /* no 0x16 */
	uint32_t zero[4] = {0};
	CHECK_EQ(cpuid_tsc_hz_crystal(0x16, zero, sky16), 0);
	CHECK_EQ(cpuid_tsc_hz_crystal(0x14, l15, l16), 0); /* above max */
}

static long long absdiff(uint64_t a, uint64_t b)
{
	return a > b ? (long long)(a - b) : (long long)(b - a);
}

UNIT_TEST(pvclock_scale_inverts_to_tsc_hz)
{
	/* KVM's kvm_get_time_scale() for 2.5 GHz: 0.4 ns a tick. */
	CHECK(absdiff(pvclock_tsc_hz(1717986918u, 0), 2500000000ULL) <= 2);
	/* 1 GHz: ratio 1 = 2^31 / 2^32 << 1. */
	CHECK_EQ(pvclock_tsc_hz(0x80000000u, 1), 1000000000ULL);
	/* 100 MHz: 10 ns a tick = (10 / 16) << 4. */
	CHECK_EQ(pvclock_tsc_hz(2684354560u, 4), 100000000ULL);
	/* 4 GHz: 0.25 = 0.5 >> 1. */
	CHECK_EQ(pvclock_tsc_hz(0x80000000u, -1), 4000000000ULL);
	CHECK_EQ(pvclock_tsc_hz(0, 0), 0);
}

UNIT_TEST(apic_id_comes_from_topology_leaves_in_full)
{
	uint32_t l1[4] = {0, 0x05000000, 0, 0}; /* initial APIC ID 5 */
	uint32_t l0b[4] = {1, 2, 0x100, 300}, l1f[4] = {1, 2, 0x100, 300};
	uint32_t bad[4] = {0, 0, 0, 0x1234};

	CHECK_EQ(cpuid_apic_id(0x1f, l1, l0b, l1f), 300);
	CHECK_EQ(cpuid_apic_id(0x1f, l1, l0b, bad), 300); /* 0x1F empty */
	CHECK_EQ(cpuid_apic_id(0x0a, l1, l0b, l1f), 5);	  /* no leaf 0xB */
	CHECK_EQ(cpuid_apic_id(0x0d, l1, bad, bad), 5);
	CHECK_EQ(cpuid_apic_id(0x16, l1, bad, bad), 5); /* 0xB invalid */
}

/* ---- APIC encodings --------------------------------------------------- */

UNIT_TEST(x2apic_icr_keeps_32_bit_destinations)
{
	CHECK_EQ(x2apic_icr(256, 0x400), 0x0000010000000400ULL);
	CHECK_EQ(x2apic_icr(0xffffffffu, 0x4500), 0xffffffff00004500ULL);
	CHECK_EQ(x2apic_icr(0, 0x4500), 0x4500);
	CHECK_EQ(x2apic_msr(0x020), 0x802); /* ID */
	CHECK_EQ(x2apic_msr(0x0b0), 0x80b); /* EOI */
	CHECK_EQ(x2apic_msr(0x300), 0x830); /* ICR */
	CHECK_EQ(x2apic_msr(0x390), 0x839); /* timer current count */
}

UNIT_TEST(xapic_destination_never_truncates)
{
	uint32_t hi = 0xdead;

	CHECK_EQ(xapic_dest(0, &hi), 0);
	CHECK_EQ(hi, 0);
	CHECK_EQ(xapic_dest(0xfe, &hi), 0);
	CHECK_EQ(hi, 0xfe000000u);
	hi = 0xdead;
	CHECK_EQ(xapic_dest(0xff, &hi), -ERANGE); /* broadcast */
	CHECK_EQ(xapic_dest(256, &hi), -ERANGE);  /* would become 0 */
	CHECK_EQ(xapic_dest(300, &hi), -ERANGE);
	CHECK_EQ(hi, 0xdead);
}

UNIT_TEST(x2apic_mode_when_offered_or_already_on)
{
	CHECK(apic_use_x2apic(1u << 21, 0xfee00900));
	CHECK(!apic_use_x2apic(0, 0xfee00900));
	CHECK(apic_use_x2apic(0, 0xfee00d00)); /* EXTD set by the VMM */
}

/* ---- MP table: recorded from QEMU 7.2 -M pc,acpi=off -smp 4 (SeaBIOS
 * 1.16), at 0xf5bb0 (floating pointer) and 0xf5bc0 (configuration). ---- */
static const uint8_t seabios_mp_floating[] = {
    0x5f, 0x4d, 0x50, 0x5f, 0xc0, 0x5b, 0x0f, 0x00,
    0x01, 0x04, 0x76, 0x00, 0x00, 0x00, 0x00, 0x00,
};
static const uint8_t seabios_mp_config[] = {
    0x50, 0x43, 0x4d, 0x50, 0xc0, 0x00, 0x04, 0x28, 0x42, 0x4f, 0x43, 0x48,
    0x53, 0x43, 0x50, 0x55, 0x30, 0x2e, 0x31, 0x20, 0x20, 0x20, 0x20, 0x20,
    0x20, 0x20, 0x20, 0x20, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x11, 0x00,
    0x00, 0x00, 0xe0, 0xfe, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x14, 0x03,
    0xb1, 0x0f, 0x06, 0x00, 0xfd, 0xfb, 0xcb, 0x1f, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x50, 0x43, 0x49, 0x20, 0x20, 0x20,
    0x01, 0x01, 0x49, 0x53, 0x41, 0x20, 0x20, 0x20, 0x02, 0x00, 0x11, 0x01,
    0x00, 0x00, 0xc0, 0xfe, 0x03, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x02,
    0x03, 0x00, 0x00, 0x00, 0x01, 0x01, 0x00, 0x01, 0x03, 0x00, 0x00, 0x00,
    0x01, 0x03, 0x00, 0x03, 0x03, 0x00, 0x00, 0x00, 0x01, 0x04, 0x00, 0x04,
    0x03, 0x00, 0x00, 0x00, 0x01, 0x06, 0x00, 0x06, 0x03, 0x00, 0x00, 0x00,
    0x01, 0x07, 0x00, 0x07, 0x03, 0x00, 0x00, 0x00, 0x01, 0x08, 0x00, 0x08,
    0x03, 0x00, 0x00, 0x00, 0x01, 0x0c, 0x00, 0x0c, 0x03, 0x00, 0x00, 0x00,
    0x01, 0x0d, 0x00, 0x0d, 0x03, 0x00, 0x00, 0x00, 0x01, 0x0e, 0x00, 0x0e,
    0x03, 0x00, 0x00, 0x00, 0x01, 0x0f, 0x00, 0x0f, 0x04, 0x03, 0x00, 0x00,
    0x01, 0x00, 0x00, 0x00, 0x04, 0x01, 0x00, 0x00, 0x01, 0x00, 0xff, 0x01,
};

UNIT_TEST(mp_table_recorded_from_seabios)
{
	static uint8_t area[0x10000];
	struct acpi_info a;

	memset(area, 0, sizeof(area));
	memcpy(area + 0x5bb0, seabios_mp_floating, sizeof(seabios_mp_floating));
	CHECK_EQ(mp_find_floating(area, sizeof(area)), 0x5bb0);
	CHECK_EQ(mp_config_addr(area + 0x5bb0), 0xf5bc0);

	acpi_info_reset(&a, 0);
	CHECK_EQ(mp_parse(seabios_mp_config, sizeof(seabios_mp_config), 0, &a),
		 0);
	/* SeaBIOS lists the first logical processor of each package. */
	CHECK_EQ(a.ncpus, 1);
	CHECK(a.has_ioapic);
	CHECK_EQ(a.ioapic_addr, 0xfec00000);
	CHECK_EQ(a.isa_gsi[0], 2); /* the PIT's IRQ 0 on INTIN 2 */
	CHECK_EQ(a.isa_gsi[1], 1);
	CHECK_EQ(a.isa_gsi[9], 9);
	CHECK_EQ(a.isa_flags[0], 0);
	/* -smp 4 = 1 socket x 4 cores: CPUID 1 EBX[23:16] = 4. */
	mp_add_siblings(&a, 4, 0);
	CHECK_EQ(a.ncpus, 4);
	for (unsigned i = 0; i < a.ncpus; i++)
		CHECK_EQ(a.apic_ids[i], i);
	/* Adding again changes nothing. */
	mp_add_siblings(&a, 4, 0);
	CHECK_EQ(a.ncpus, 4);
}

/* Recorded from QEMU 7.2 -M microvm,acpi=off -smp 4 (qboot), at 0x9fc00
 * (floating pointer, in the last KiB of base memory) and 0x9fc10. */
static const uint8_t qboot_mp_floating[] = {
    0x5f, 0x4d, 0x50, 0x5f, 0x10, 0xfc, 0x09, 0x00,
    0x01, 0x04, 0x8b, 0x00, 0x00, 0x00, 0x00, 0x00,
};
static const uint8_t qboot_mp_config[] = {
    0x50, 0x43, 0x4d, 0x50, 0x14, 0x01, 0x04, 0x2e, 0x51, 0x42, 0x4f, 0x4f,
    0x54, 0x20, 0x20, 0x20, 0x30, 0x30, 0x30, 0x30, 0x30, 0x30, 0x30, 0x30,
    0x30, 0x30, 0x30, 0x30, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0xe0, 0xfe, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x14, 0x03,
    0xb1, 0x0f, 0x06, 0x00, 0xfd, 0xfb, 0xcb, 0x1f, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x14, 0x01, 0xb1, 0x0f, 0x06, 0x00,
    0xfd, 0xfb, 0xcb, 0x1f, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x02, 0x14, 0x01, 0xb1, 0x0f, 0x06, 0x00, 0xfd, 0xfb, 0xcb, 0x1f,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03, 0x14, 0x01,
    0xb1, 0x0f, 0x06, 0x00, 0xfd, 0xfb, 0xcb, 0x1f, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x49, 0x53, 0x41, 0x20, 0x20, 0x20,
    0x02, 0x05, 0x14, 0x01, 0x00, 0x00, 0xc0, 0xfe, 0x03, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x05, 0x02, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01, 0x05, 0x01,
    0x03, 0x00, 0x00, 0x00, 0x00, 0x03, 0x05, 0x03, 0x03, 0x00, 0x00, 0x00,
    0x00, 0x04, 0x05, 0x04, 0x03, 0x00, 0x00, 0x00, 0x00, 0x05, 0x05, 0x05,
    0x03, 0x00, 0x00, 0x00, 0x00, 0x06, 0x05, 0x06, 0x03, 0x00, 0x00, 0x00,
    0x00, 0x07, 0x05, 0x07, 0x03, 0x00, 0x00, 0x00, 0x00, 0x08, 0x05, 0x08,
    0x03, 0x00, 0x00, 0x00, 0x00, 0x09, 0x05, 0x09, 0x03, 0x00, 0x00, 0x00,
    0x00, 0x0a, 0x05, 0x0a, 0x03, 0x00, 0x00, 0x00, 0x00, 0x0b, 0x05, 0x0b,
    0x03, 0x00, 0x00, 0x00, 0x00, 0x0c, 0x05, 0x0c, 0x03, 0x00, 0x00, 0x00,
    0x00, 0x0d, 0x05, 0x0d, 0x03, 0x00, 0x00, 0x00, 0x00, 0x0e, 0x05, 0x0e,
    0x03, 0x00, 0x00, 0x00, 0x00, 0x0f, 0x05, 0x0f, 0x04, 0x03, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x04, 0x01, 0x00, 0x00, 0x00, 0x00, 0xff, 0x01,
};

UNIT_TEST(mp_table_recorded_from_qboot)
{
	static uint8_t base_last_kib[1024];
	struct acpi_info a;

	memcpy(base_last_kib, qboot_mp_floating, sizeof(qboot_mp_floating));
	CHECK_EQ(mp_find_floating(base_last_kib, sizeof(base_last_kib)), 0);
	CHECK_EQ(mp_config_addr(base_last_kib), 0x9fc10);
	acpi_info_reset(&a, 0);
	CHECK_EQ(mp_parse(qboot_mp_config, sizeof(qboot_mp_config), 0, &a), 0);
	CHECK_EQ(a.ncpus, 4); /* qboot lists every processor */
	for (unsigned i = 0; i < a.ncpus; i++)
		CHECK_EQ(a.apic_ids[i], i);
	CHECK_EQ(a.ioapic_addr, 0xfec00000);
	CHECK_EQ(a.isa_gsi[0], 2);
	CHECK_EQ(a.isa_gsi[4], 4);
	mp_add_siblings(&a, 4, 0); /* nothing new */
	CHECK_EQ(a.ncpus, 4);
	/* The boot core need not be APIC ID 0. */
	acpi_info_reset(&a, 2);
	CHECK_EQ(mp_parse(qboot_mp_config, sizeof(qboot_mp_config), 2, &a), 0);
	CHECK_EQ(a.ncpus, 4);
	CHECK_EQ(a.apic_ids[0], 2);
}

UNIT_TEST(mp_table_damage_is_rejected)
{
	uint8_t t[sizeof(seabios_mp_config)];
	struct acpi_info a;

	memcpy(t, seabios_mp_config, sizeof(t));
	t[50] ^= 1; /* checksum now wrong */
	acpi_info_reset(&a, 0);
	CHECK_EQ(mp_parse(t, sizeof(t), 0, &a), -EINVAL);
	CHECK_EQ(mp_parse(seabios_mp_config, 100, 0, &a), -EINVAL); /* short */
	CHECK_EQ(mp_parse(seabios_mp_config, 20, 0, &a), -EINVAL);
	uint8_t fp[16];
	memcpy(fp, seabios_mp_floating, 16);
	fp[4] ^= 1;
	CHECK_EQ(mp_find_floating(fp, 16), -1);
	CHECK_EQ(a.ncpus, 1);
}

UNIT_TEST(mp_siblings_of_three_core_packages)
{
	struct acpi_info a;

	/* -smp 6,sockets=2,cores=3: packages at IDs 0 and 4. */
	acpi_info_reset(&a, 0);
	a.apic_ids[a.ncpus++] = 4;
	mp_add_siblings(&a, 3, 0);
	CHECK_EQ(a.ncpus, 6);
	uint32_t want[] = {0, 4, 1, 2, 5, 6};
	for (unsigned i = 0; i < 6; i++)
		CHECK_EQ(a.apic_ids[i], want[i]);
}

/* ---- MADT, FADT, \_S5 (constructed per ACPI 6.5) ------------------------ */

static void put32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, 4);
}

UNIT_TEST(madt_full_ids_gsi_base_and_overrides)
{
	uint8_t m[160] = "APIC";
	size_t n = 44;
	struct acpi_info a;

	/* LAPIC id 0 (boot), id 1, id 2 disabled; x2APIC 300; x2APIC 1
	 * again (listed twice); I/O APICs at GSI 24 then 0; IRQ0 -> GSI 2. */
	uint8_t lapic0[8] = {0, 8, 0, 0, 1}, lapic1[8] = {0, 8, 1, 1, 1};
	uint8_t lapic2[8] = {0, 8, 2, 2, 0};
	uint8_t x300[16] = {9, 16}, x1[16] = {9, 16};
	uint8_t io24[12] = {1, 12, 1}, io0[12] = {1, 12, 0};
	uint8_t ovr[10] = {2, 10, 0, 0, 2, 0, 0, 0, 0x0d, 0};
	put32(x300 + 4, 300);
	put32(x300 + 8, 1);
	put32(x1 + 4, 1);
	put32(x1 + 8, 1);
	put32(io24 + 4, 0xfec01000);
	put32(io24 + 8, 24);
	put32(io0 + 4, 0xfec00000);
	const uint8_t *e[] = {lapic0, lapic1, lapic2, x300, x1, io24, io0, ovr};
	for (unsigned i = 0; i < 8; i++) {
		memcpy(m + n, e[i], e[i][1]);
		n += e[i][1];
	}
	acpi_info_reset(&a, 0);
	acpi_madt_parse(m, n, 0, &a);
	CHECK_EQ(a.ncpus, 3);
	CHECK_EQ(a.apic_ids[1], 1);
	CHECK_EQ(a.apic_ids[2], 300);
	CHECK_EQ(a.ioapic_addr, 0xfec00000);
	CHECK_EQ(a.ioapic_gsi_base, 0);
	CHECK_EQ(a.isa_gsi[0], 2);
	CHECK_EQ(a.isa_flags[0], 0x0d);
	/* An entry running past the end stops the walk. */
	acpi_info_reset(&a, 0);
	acpi_madt_parse(m, 44 + 8 + 4, 0, &a);
	CHECK_EQ(a.ncpus, 1);
}

UNIT_TEST(madt_counts_cpus_beyond_the_cap)
{
	static uint8_t m[44 + 16 * (MAX_CPUS + 3)];
	struct acpi_info a;
	size_t n = 44;

	memcpy(m, "APIC", 4);
	for (uint32_t id = 0; id < MAX_CPUS + 3; id++, n += 16) {
		uint8_t e[16] = {9, 16};
		put32(e + 4, id);
		put32(e + 8, 1);
		memcpy(m + n, e, 16);
	}
	acpi_info_reset(&a, 0);
	acpi_madt_parse(m, n, 0, &a);
	CHECK_EQ(a.ncpus, MAX_CPUS);
	CHECK_EQ(a.cpus_ignored, 3);
}

UNIT_TEST(fadt_power_registers)
{
	uint8_t f[276] = "FACP";
	struct acpi_info a;
	struct acpi_gas sleep = {ACPI_SPACE_MEMORY, 8, 0, 1, 0xfea00014};
	struct acpi_gas reset = {ACPI_SPACE_IO, 8, 0, 1, 0xcf9};

	put32(f + 40, 0x7ffe0000); /* DSDT */
	put32(f + 64, 0x604);	   /* PM1a_CNT_BLK */
	put32(f + 112, 1u << 10);  /* RESET_REG_SUP */
	memcpy(f + 116, &reset, 12);
	f[128] = 6;
	memcpy(f + 244, &sleep, 12);
	acpi_info_reset(&a, 0);
	CHECK_EQ(acpi_fadt_parse(f, sizeof(f), &a), 0x7ffe0000);
	CHECK_EQ(a.pm1_cnt[0], 0x604);
	CHECK_EQ(a.pm1_cnt[1], 0);
	CHECK_EQ(a.sleep_ctl.address, 0xfea00014);
	CHECK_EQ(a.sleep_ctl.space, ACPI_SPACE_MEMORY);
	CHECK_EQ(a.reset_reg.address, 0xcf9);
	CHECK_EQ(a.reset_value, 6);
	/* An ACPI 1.0 FADT (116 bytes): no sleep or reset register. */
	acpi_info_reset(&a, 0);
	CHECK_EQ(acpi_fadt_parse(f, 116, &a), 0x7ffe0000);
	CHECK_EQ(a.pm1_cnt[0], 0x604);
	CHECK_EQ(a.sleep_ctl.address, 0);
	CHECK_EQ(a.reset_reg.address, 0);
}

/* Recorded from QEMU 7.2 q35's DSDT: the end of \_S4 and all of \_S5. */
static const uint8_t q35_dsdt_s5[] = {
    0x02, 0x0a, 0x02, 0x00, 0x00, 0x08, 0x5f, 0x53, 0x35,
    0x5f, 0x12, 0x06, 0x04, 0x00, 0x00, 0x00, 0x00, 0x10,
};

UNIT_TEST(s5_recorded_from_q35)
{
	uint8_t typ[2] = {9, 9};

	CHECK_EQ(acpi_s5_find(q35_dsdt_s5, sizeof(q35_dsdt_s5), typ), 0);
	CHECK_EQ(typ[0], 0);
	CHECK_EQ(typ[1], 0);
}

UNIT_TEST(s5_package_forms)
{
	uint8_t typ[2];
	/* QEMU q35/pc: Name (_S5, Package (4) {Zero, Zero, Zero, Zero}) */
	static const uint8_t q35[] = {0x10, 0x08, '_',	'S',  '5',  '_', 0x12,
				      0x06, 0x04, 0x00, 0x00, 0x00, 0x00};
	/* Name (\_S5, Package (2) {0x05, One}) */
	static const uint8_t rooted[] = {0x08, '\\', '_',  'S',	 '5',  '_',
					 0x12, 0x05, 0x02, 0x0a, 0x05, 0x01};
	/* One element (hardware-reduced firmware): typ_b = typ_a. */
	static const uint8_t one[] = {0x08, '_',  'S',	'5',  '_',
				      0x12, 0x04, 0x01, 0x0a, 0x05};
	/* "_S5_" that is not a Name(): a method call, then the real one. */
	static const uint8_t call_then_name[] = {
	    0x70, '_', 'S',  '5',  '_',	 0x60, 0x08, '_',  'S',
	    '5',  '_', 0x12, 0x05, 0x02, 0x0a, 0x07, 0x0a, 0x03};
	static const uint8_t cut[] = {0x08, '_',  'S',	'5', '_',
				      0x12, 0x06, 0x04, 0x0a};

	CHECK_EQ(acpi_s5_find(q35, sizeof(q35), typ), 0);
	CHECK_EQ(typ[0], 0);
	CHECK_EQ(typ[1], 0);
	CHECK_EQ(acpi_s5_find(rooted, sizeof(rooted), typ), 0);
	CHECK_EQ(typ[0], 5);
	CHECK_EQ(typ[1], 1);
	CHECK_EQ(acpi_s5_find(one, sizeof(one), typ), 0);
	CHECK_EQ(typ[1], 5);
	CHECK_EQ(acpi_s5_find(call_then_name, sizeof(call_then_name), typ), 0);
	CHECK_EQ(typ[0], 7);
	CHECK_EQ(typ[1], 3);
	CHECK_EQ(acpi_s5_find(cut, sizeof(cut), typ), -ENOENT);
	CHECK_EQ(acpi_s5_find(q35, 4, typ), -ENOENT);
}

UNIT_MAIN()
