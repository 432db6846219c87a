/* SPDX-License-Identifier: MIT */
/* power.c: ending the VM, on every hypervisor unidb boots on.
 *
 * In order, each tried only if the one before returned:
 *   1. QEMU's isa-debug-exit (port 0xf4; tools/run adds it): the only way
 *      that carries an exit status, so QEMU runs keep theirs;
 *   2. ACPI S5: \_S5's SLP_TYP with SLP_EN into PM1a/b_CNT (full ACPI:
 *      q35, pc) or into the FADT's sleep control register (hardware-
 *      reduced ACPI: Cloud Hypervisor's shutdown device, QEMU microvm);
 *   3. the i8042's pulse-reset command (Firecracker ends the VM on it);
 *   4. the FADT's reset register;
 *   5. a triple fault (an empty IDT), which every VMM turns into a reset.
 * Nothing here allocates or locks: it runs at the end of panics. Outside
 * QEMU a line names the status before, since the VMM's exit code cannot. */
#include <unidb/panic.h>
#include <unidb/printk.h>
#include <unidb/time.h>

#include "arch/x86_64/x86.h"
#include "drivers/acpi.h"
#include "drivers/power.h"

#define DEBUG_EXIT_PORT 0xf4
#define PM1_SLP_TYP_SHIFT 10 /* ACPI 6.5, table 4.13 */
#define PM1_SLP_EN (1u << 13)
#define SLEEP_CTL_TYP_SHIFT 2 /* ACPI 6.5, 4.8.3.7 */
#define SLEEP_CTL_EN (1u << 5)
#define I8042_STATUS 0x64
#define I8042_INPUT_FULL 0x2
#define I8042_PULSE_RESET 0xfe
#define SETTLE_NS 100000000UL  /* for a way to take effect */
#define SETTLE_TSC (1UL << 28) /* the same before the clock runs */

/* Waits SETTLE_NS (or SETTLE_TSC cycles without a clock), or until
 * done() holds if given. */
static void settle(bool (*done)(void))
{
	bool clock = time_tsc_hz() != 0;
	uint64_t t0 = clock ? time_ns() : rdtsc();
	while ((clock ? time_ns() - t0 : rdtsc() - t0) <
	       (clock ? SETTLE_NS : SETTLE_TSC)) {
		if (done && done())
			return;
		cpu_relax();
	}
}

static void gas_write8(const struct acpi_gas *g, uint8_t v)
{
	if (g->space == ACPI_SPACE_IO)
		outb((uint16_t)g->address, v);
	else if (g->space == ACPI_SPACE_MEMORY && acpi.power_mapped)
		*(volatile uint8_t *)g->address = v; /* acpi_power_init */
}

static bool acpi_s5(void)
{
	if (!acpi.has_s5)
		return false;
	if (acpi.sleep_ctl.address) {
		gas_write8(&acpi.sleep_ctl,
			   (acpi.s5_typ[0] << SLEEP_CTL_TYP_SHIFT & 0x1c) |
			       SLEEP_CTL_EN);
	} else if (acpi.pm1_cnt[0]) {
		for (int i = 0; i < 2; i++)
			if (acpi.pm1_cnt[i])
				outw(acpi.pm1_cnt[i],
				     (acpi.s5_typ[i] & 7) << PM1_SLP_TYP_SHIFT |
					 PM1_SLP_EN);
	} else {
		return false;
	}
	settle(NULL);
	return true;
}

static bool i8042_ready(void)
{
	return !(inb(I8042_STATUS) & I8042_INPUT_FULL);
}

static void i8042_reset(void)
{
	settle(i8042_ready);
	outb(I8042_STATUS, I8042_PULSE_RESET);
	settle(NULL);
}

static bool acpi_reset(void)
{
	if (!acpi.reset_reg.address)
		return false;
	gas_write8(&acpi.reset_reg, acpi.reset_value);
	settle(NULL);
	return true;
}

static void __attribute__((noreturn)) triple_fault(void)
{
	struct {
		uint16_t limit;
		uint64_t base;
	} __attribute__((packed)) empty = {0, 0};
	__asm__ volatile("lidt %0; int3" ::"m"(empty));
	for (;;)
		halt();
}

void power_off_by(unsigned ways)
{
	irq_disable();
	if ((ways & POWER_ACPI) && acpi_s5())
		printk("poweroff: ACPI S5 did not stop the machine\n");
	if (ways & POWER_I8042) {
		i8042_reset();
		printk("poweroff: i8042 reset did not stop the machine\n");
	}
	if ((ways & POWER_ACPI_RESET) && acpi_reset())
		printk("poweroff: ACPI reset register did not stop the "
		       "machine\n");
	if (ways & POWER_TRIPLE_FAULT)
		triple_fault();
	printk("poweroff: halting\n");
	for (;;) {
		irq_disable();
		halt();
	}
}

void poweroff(int status)
{
	/* QEMU's isa-debug-exit: the VM exits with (status << 1) | 1, which
	 * tools/run maps back. */
	outb(DEBUG_EXIT_PORT, (uint8_t)status);
	irq_disable();
	printk("poweroff: exit status %d (no isa-debug-exit device)\n", status);
	power_off_by(POWER_ALL);
}
