/* SPDX-License-Identifier: MIT */
/* power.h: the ways to end the VM besides QEMU's isa-debug-exit (which
 * poweroff() in <unidb/panic.h> tries first). */
#ifndef DRIVERS_POWER_H
#define DRIVERS_POWER_H

#define POWER_ACPI 1u	      /* S5 through the FADT and \_S5 */
#define POWER_I8042 2u	      /* keyboard controller pulse reset */
#define POWER_ACPI_RESET 4u   /* the FADT reset register */
#define POWER_TRIPLE_FAULT 8u /* empty IDT, then an exception */
#define POWER_ALL 15u

/* Tries the ways named, in the order above; each that returns is reported
 * on the console. Halts for good if none worked. Any context. */
void power_off_by(unsigned ways) __attribute__((noreturn));

#endif
