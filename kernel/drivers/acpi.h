/* SPDX-License-Identifier: MIT */
/* acpi.h: what the boot needs from the firmware's tables: the processors
 * and interrupt routing (ACPI MADT, or the MP table when there is no ACPI)
 * and how to power off (FADT, DSDT \_S5). */
#ifndef DRIVERS_ACPI_H
#define DRIVERS_ACPI_H

#include <stdbool.h>
#include <stdint.h>
#include <unidb/cpu.h>

#include "mm/frame.h"

/* ACPI 6.5, 5.2.3.2: Generic Address Structure (space 0 memory, 1 I/O). */
struct acpi_gas {
	uint8_t space, bit_width, bit_offset, access_size;
	uint64_t address;
} __attribute__((packed));

#define ACPI_SPACE_MEMORY 0
#define ACPI_SPACE_IO 1

struct acpi_info {
	unsigned ncpus; /* enabled processors, boot core first */
	uint32_t apic_ids[MAX_CPUS];
	unsigned cpus_ignored; /* enabled but beyond MAX_CPUS */
	const char *source;    /* "ACPI", "MP table" or "nothing" */
	bool has_ioapic;
	paddr_t ioapic_addr;
	uint32_t ioapic_gsi_base;
	uint32_t isa_gsi[16];	/* ISA IRQ -> GSI (overrides applied) */
	uint16_t isa_flags[16]; /* MPS INTI flags: polarity, trigger */
	/* PCI Express ECAM of segment 0 (MCFG), 0 without one. */
	paddr_t ecam_addr;
	uint8_t ecam_bus_start, ecam_bus_end;

	/* Power-off: SLP_TYPa/b of \_S5 written to PM1a/b_CNT (full ACPI)
	 * or to the sleep control register (hardware-reduced ACPI). */
	bool has_s5;
	uint8_t s5_typ[2];
	uint16_t pm1_cnt[2];	   /* I/O ports; 0: none */
	struct acpi_gas sleep_ctl; /* address 0: none */
	struct acpi_gas reset_reg; /* address 0: none */
	uint8_t reset_value;
	/* Set by acpi_power_init(): memory-space registers above hold
	 * virtual addresses from then on (physical ones before). */
	bool power_mapped;
};

extern struct acpi_info acpi;

/* Finds the RSDP (rsdp if non-zero, else by scanning the BIOS area),
 * validates checksums and reads the MADT, FADT and MCFG into `acpi`; without
 * ACPI, reads the MP table. Returns 0, -ENOENT without usable tables
 * (acpi then describes one core: the boot core), or -EINVAL for a table
 * with a bad checksum. Boot only. */
int acpi_init(paddr_t rsdp, uint32_t boot_apic_id);

/* Maps a memory-space sleep control or reset register, so that the
 * power-off path (which must not allocate) can write it. Boot only, after
 * the frame allocator is up. */
void acpi_power_init(void);

/* ---- the pure parsers (acpi_parse.c, host-tested) ---- */

bool acpi_checksum_ok(const void *p, size_t len);
/* Resets *out to describe the boot core alone (ISA IRQs identity). */
void acpi_info_reset(struct acpi_info *out, uint32_t boot_apic_id);
/* Reads a whole MADT (len bytes from its header on). */
void acpi_madt_parse(const void *madt, size_t len, uint32_t boot_apic_id,
		     struct acpi_info *out);
/* Reads a whole FADT: power-off registers into *out; returns the DSDT's
 * physical address (0 if none). */
uint64_t acpi_fadt_parse(const void *fadt, size_t len, struct acpi_info *out);
/* Finds the \_S5 package in AML (a DSDT's body) and its SLP_TYPa/b.
 * Returns 0 or -ENOENT. */
int acpi_s5_find(const uint8_t *aml, size_t len, uint8_t typ[2]);

/* MP Specification 1.4: the floating pointer's offset in area (16-byte
 * aligned, checksummed), or -1. */
long mp_find_floating(const uint8_t *area, size_t len);
/* The configuration table's physical address from a floating pointer;
 * 0 if it names a default configuration instead (not supported). */
uint32_t mp_config_addr(const uint8_t *floating);
/* Reads a whole MP configuration table (len bytes, len >= its base
 * length) into *out. Returns 0 or -EINVAL (bad signature/checksum). */
int mp_parse(const uint8_t *cfg, size_t len, uint32_t boot_apic_id,
	     struct acpi_info *out);

/* SeaBIOS lists only the first logical processor of each package in
 * its MP table; adds the others: per_package IDs from the start of each
 * listed processor's package (CPUID 1 EBX[23:16] logical processors per
 * package, IDs in a power-of-two aligned block). */
void mp_add_siblings(struct acpi_info *out, unsigned per_package,
		     uint32_t boot_apic_id);

#endif
