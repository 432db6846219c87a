/* SPDX-License-Identifier: MIT */
/* ioapic.h: external interrupt routing. */
#ifndef ARCH_IOAPIC_H
#define ARCH_IOAPIC_H

/* Masks the legacy PICs and every I/O APIC input. Boot core, once. */
void ioapic_init(void);
/* Delivers ISA IRQ isa_irq (after ACPI overrides) as `vector` to core
 * `cpu`. Returns 0, -ENODEV without an I/O APIC or such an input, or
 * -ERANGE if the core's APIC ID needs more than 8 bits. */
int ioapic_route_isa(unsigned isa_irq, unsigned vector, unsigned cpu);
/* Delivers GSI gsi (>= 16: no ISA override applies) as `vector` to core
 * `cpu`, level-triggered and active-high (as QEMU's device lines beyond
 * the ISA range are). Returns 0, or -ENODEV without such an input. */
int ioapic_route_gsi(unsigned gsi, unsigned vector, unsigned cpu);

#endif
