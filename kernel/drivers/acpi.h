/* SPDX-License-Identifier: MIT */
/* acpi.h: what the boot needs from the ACPI tables (MADT). */
#ifndef DRIVERS_ACPI_H
#define DRIVERS_ACPI_H

#include <stdbool.h>
#include <stdint.h>
#include <unidb/cpu.h>

#include "mm/frame.h"

struct acpi_info {
	unsigned ncpus;		    /* enabled processors, boot core first */
	uint32_t apic_ids[MAX_CPUS];
	unsigned cpus_ignored;	    /* enabled but beyond MAX_CPUS */
	bool has_ioapic;
	paddr_t ioapic_addr;
	uint32_t ioapic_gsi_base;
	uint32_t isa_gsi[16];	    /* ISA IRQ -> GSI (overrides applied) */
	uint16_t isa_flags[16];	    /* MPS INTI flags: polarity, trigger */
	/* PCI Express ECAM of segment 0 (MCFG), 0 without one. */
	paddr_t ecam_addr;
	uint8_t ecam_bus_start, ecam_bus_end;
};

extern struct acpi_info acpi;

/* Finds the RSDP (rsdp if non-zero, else by scanning the BIOS area),
 * validates checksums and reads the MADT (and MCFG, if any) into `acpi`. Returns 0, -ENOENT
 * without usable tables (acpi then describes one core: the boot core),
 * or -EINVAL for a table with a bad checksum. Boot only. */
int acpi_init(paddr_t rsdp, uint32_t boot_apic_id);

#endif
