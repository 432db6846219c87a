/* SPDX-License-Identifier: MIT */
/* ioapic.c: I/O APIC (82093AA datasheet) and the legacy 8259 PICs.
 *
 * The 8259s are remapped away from the exception vectors and fully masked:
 * with APICs, external interrupts arrive through the I/O APIC only. Every
 * I/O APIC input starts masked; ioapic_route() opens one. */
#include <unidb/errno.h>
#include <unidb/spinlock.h>

#include "arch/x86_64/apic_encode.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/ioapic.h"
#include "arch/x86_64/paging.h"
#include "arch/x86_64/x86.h"
#include "drivers/acpi.h"

#define IOAPIC_REGSEL 0x00
#define IOAPIC_WIN 0x10
#define IOAPIC_VER 0x01
#define IOAPIC_REDTBL(n) (0x10 + 2 * (n))
#define RTE_MASKED (1u << 16)
#define RTE_LEVEL (1u << 15)
#define RTE_ACTIVE_LOW (1u << 13)
/* MPS INTI flags (ACPI 6.5, table 5.26). */
#define INTI_POLARITY_LOW 0x3
#define INTI_TRIGGER_LEVEL (0x3 << 2)

#define PIC1_CMD 0x20
#define PIC1_DATA 0x21
#define PIC2_CMD 0xa0
#define PIC2_DATA 0xa1

static volatile uint8_t *ioapic;
static unsigned ioapic_pins;
static struct spinlock ioapic_lock = SPINLOCK_INIT;

static uint32_t rd(unsigned reg)
{
	mmio_write32(ioapic + IOAPIC_REGSEL, reg);
	return mmio_read32(ioapic + IOAPIC_WIN);
}

static void wr(unsigned reg, uint32_t v)
{
	mmio_write32(ioapic + IOAPIC_REGSEL, reg);
	mmio_write32(ioapic + IOAPIC_WIN, v);
}

static void pic_disable(void)
{
	/* ICW1-4: cascade, vectors VEC_IRQ_BASE.., 8086 mode; then mask. */
	outb(PIC1_CMD, 0x11);
	outb(PIC2_CMD, 0x11);
	outb(PIC1_DATA, VEC_IRQ_BASE);
	outb(PIC2_DATA, VEC_IRQ_BASE + 8);
	outb(PIC1_DATA, 4);
	outb(PIC2_DATA, 2);
	outb(PIC1_DATA, 1);
	outb(PIC2_DATA, 1);
	outb(PIC1_DATA, 0xff);
	outb(PIC2_DATA, 0xff);
}

void ioapic_init(void)
{
	pic_disable();
	if (!acpi.has_ioapic)
		return;
	ioapic = mmio_map(acpi.ioapic_addr, 4096);
	ioapic_pins = ((rd(IOAPIC_VER) >> 16) & 0xff) + 1;
	for (unsigned i = 0; i < ioapic_pins; i++) {
		wr(IOAPIC_REDTBL(i), RTE_MASKED);
		wr(IOAPIC_REDTBL(i) + 1, 0);
	}
}

int ioapic_route_isa(unsigned isa_irq, unsigned vector, unsigned cpu)
{
	if (!ioapic || isa_irq >= 16)
		return -ENODEV;
	unsigned pin = acpi.isa_gsi[isa_irq] - acpi.ioapic_gsi_base;
	if (pin >= ioapic_pins)
		return -ENODEV;
	uint32_t hi;
	/* An RTE names 8 bits of destination (no interrupt remapping). */
	if (xapic_dest(cpus[cpu]->apic_id, &hi))
		return -ERANGE;
	uint32_t lo = vector;
	if ((acpi.isa_flags[isa_irq] & INTI_POLARITY_LOW) == INTI_POLARITY_LOW)
		lo |= RTE_ACTIVE_LOW;
	if ((acpi.isa_flags[isa_irq] & INTI_TRIGGER_LEVEL) ==
	    INTI_TRIGGER_LEVEL)
		lo |= RTE_LEVEL;
	spin_lock(&ioapic_lock);
	wr(IOAPIC_REDTBL(pin) + 1, hi);
	wr(IOAPIC_REDTBL(pin), lo);
	spin_unlock(&ioapic_lock);
	return 0;
}

int ioapic_route_gsi(unsigned gsi, unsigned vector, unsigned cpu)
{
	unsigned pin = gsi - acpi.ioapic_gsi_base;
	if (!ioapic || gsi < acpi.ioapic_gsi_base || pin >= ioapic_pins)
		return -ENODEV;
	uint32_t hi;
	if (xapic_dest(cpus[cpu]->apic_id, &hi))
		return -ERANGE;
	spin_lock(&ioapic_lock);
	wr(IOAPIC_REDTBL(pin) + 1, hi);
	wr(IOAPIC_REDTBL(pin), vector | RTE_LEVEL);
	spin_unlock(&ioapic_lock);
	return 0;
}
