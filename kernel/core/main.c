/* SPDX-License-Identifier: MIT */
/* main.c: the boot sequence, from the PVH entry to the command line.
 *
 * Order matters: exceptions are reported from the first lines on; the
 * direct map comes before anything that reads memory above 1 GiB; ACPI is
 * read before the frame allocator may reuse the frames its tables live
 * in; the clock is calibrated before APs are started (their start-up
 * waits are timed). */
#include <string.h>
#include <unidb/heap.h>
#include <unidb/panic.h>
#include <unidb/printk.h>
#include <unidb/time.h>

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/cpuid.h"
#include "arch/x86_64/ioapic.h"
#include "arch/x86_64/lapic.h"
#include "arch/x86_64/layout.h"
#include "arch/x86_64/paging.h"
#include "arch/x86_64/smp.h"
#include "arch/x86_64/tsc.h"
#include "arch/x86_64/x86.h"
#include "core/boot.h"
#include "core/console.h"
#include "core/stack_protector.h"
#include "drivers/acpi.h"
#include "drivers/nvme.h"
#include "drivers/pci.h"
#include "drivers/virtio.h"
#include "mm/frame.h"
#include "net/boot.h"
#include "mm/vm_internal.h"
#include "sched/sched.h"

extern char boot_stack_top[];

/* Xen PVH boot ABI: xen/include/public/arch-x86/hvm/start_info.h. */
#define XEN_HVM_START_MAGIC 0x336ec578
struct hvm_start_info {
	uint32_t magic;
	uint32_t version;
	uint32_t flags;
	uint32_t nr_modules;
	uint64_t modlist_paddr;
	uint64_t cmdline_paddr;
	uint64_t rsdp_paddr;
	uint64_t memmap_paddr; /* version >= 1 */
	uint32_t memmap_entries;
	uint32_t reserved;
};

struct hvm_memmap_entry {
	uint64_t addr;
	uint64_t size;
	uint32_t type;
	uint32_t reserved;
};

/* E820 / ACPI address range types. */
#define MEM_RAM 1
#define MEM_ACPI 3
#define MEM_NVS 4

#define MEMMAP_MAX 64
#define CMDLINE_MAX 1024
#define LOW_RESERVED 0x100000 /* BIOS data, trampoline, VMM tables */

struct boot_info boot_info;
static struct cpu cpu0;
static char cmdline[CMDLINE_MAX];
static struct hvm_memmap_entry memmap[MEMMAP_MAX];
static unsigned memmap_n;
static paddr_t rsdp;

static void read_start_info(uint32_t pa)
{
	const struct hvm_start_info *si = phys_to_virt(pa);

	if (si->magic != XEN_HVM_START_MAGIC)
		panic("not started through the PVH entry (magic %#x)",
		      si->magic);
	if (si->cmdline_paddr)
		strlcpy(cmdline, phys_to_virt(si->cmdline_paddr),
			sizeof(cmdline));
	if (si->version < 1 || !si->memmap_paddr)
		panic("PVH start info without a memory map (version %u)",
		      si->version);
	rsdp = si->rsdp_paddr;
	memmap_n = si->memmap_entries;
	if (memmap_n > MEMMAP_MAX) {
		printk("boot: memory map truncated to %u entries\n",
		       MEMMAP_MAX);
		memmap_n = MEMMAP_MAX;
	}
	memcpy(memmap, phys_to_virt(si->memmap_paddr),
	       memmap_n * sizeof(memmap[0]));
}

static void map_memory(void)
{
	direct_map_add(0, LOW_RESERVED);
	for (unsigned i = 0; i < memmap_n; i++) {
		const struct hvm_memmap_entry *e = &memmap[i];
		if (e->type == MEM_RAM || e->type == MEM_ACPI ||
		    e->type == MEM_NVS)
			direct_map_add(e->addr, e->addr + e->size);
	}
	direct_map_done();
}

/* paging.c takes its early page tables from just past the image before
 * any memory map is read. Every VMM has RAM from 1 MiB up well past it;
 * confirm that instead of assuming, since a table in a hole would be
 * lost writes (or device registers). */
static void check_early_tables_in_ram(void)
{
	paddr_t end = early_alloc_end ? early_alloc_end : KERNEL_PHYS;

	for (unsigned i = 0; i < memmap_n; i++) {
		const struct hvm_memmap_entry *e = &memmap[i];
		if (e->type == MEM_RAM && e->addr <= KERNEL_PHYS &&
		    e->addr + e->size >= end)
			return;
	}
	panic("boot: the image and early page tables [%#lx, %#lx) are not "
	      "in one RAM range of the memory map",
	      (uint64_t)KERNEL_PHYS, (uint64_t)end);
}

/* Everything below early_alloc_end (low memory, the image, boot page
 * tables) stays out of the frame allocator. */
static void init_frames(void)
{
	struct mem_range r[MEMMAP_MAX];
	unsigned n = 0;
	paddr_t floor = early_alloc_end > LOW_RESERVED ? early_alloc_end
						       : LOW_RESERVED;

	for (unsigned i = 0; i < memmap_n; i++) {
		const struct hvm_memmap_entry *e = &memmap[i];
		paddr_t start = (e->addr + 4095) & ~4095UL;
		paddr_t end = (e->addr + e->size) & ~4095UL;
		if (e->type != MEM_RAM)
			continue;
		boot_info.ram_bytes += e->size;
		if (start < floor)
			start = floor;
		if (start < end)
			r[n++] = (struct mem_range){start, end};
	}
	int err = frame_init(r, n);
	if (err)
		panic("frame_init failed: %d", err);
	paging_frames_ready();
}

static void read_hypervisor(void)
{
	uint32_t r[4];

	cpuid(1, 0, r);
	if (!(r[2] & (1u << 31))) /* CPUID.1:ECX.hypervisor */
		return;
	cpuid(0x40000000, 0, r);
	memcpy(boot_info.hypervisor, &r[1], 4);
	memcpy(boot_info.hypervisor + 4, &r[2], 4);
	memcpy(boot_info.hypervisor + 8, &r[3], 4);
}

static void spurious_irq(struct trap_frame *f)
{
}

static void print_summary(void)
{
	struct frame_stats fs;
	uint64_t hz = time_tsc_hz();

	frame_stats(&fs);
	printk("unidb: memory %lu MiB usable, %lu MiB free for frames\n",
	       boot_info.ram_bytes >> 20, (fs.free * 4096) >> 20);
	printk("unidb: clock tsc %lu.%03lu GHz (from %s), lapic timer %lu "
	       "MHz\n",
	       hz / 1000000000, hz / 1000000 % 1000, time_source(),
	       lapic_timer_hz() / 1000000);
	if (!time_tsc_invariant())
		printk("unidb: warning: CPUID 0x80000007 does not promise an "
		       "invariant TSC; time_ns() assumes one\n");
	printk("unidb: local apic in %s mode\n",
	       lapic_x2apic() ? "x2APIC" : "xAPIC");
	printk("unidb: APIC ids");
	for (unsigned i = 0; i < cpu_count() && i < 16; i++)
		printk(" %u", cpus[i]->apic_id);
	printk("%s\n", cpu_count() > 16 ? " ..." : "");
	printk("unidb: %u cpus listed by %s; power-off by %s\n", acpi.ncpus,
	       acpi.source,
	       acpi.has_s5 ? (acpi.sleep_ctl.address ? "ACPI S5 (sleep control)"
						     : "ACPI S5 (PM1 control)")
			   : "i8042 reset");
	printk("unidb: hypervisor %s\n",
	       boot_info.hypervisor[0] ? boot_info.hypervisor : "none");
	printk("unidb: protection %s, stack canary from %s\n",
	       paging_nx() ? "W^X (code read-only, data no-execute)"
			   : "code read-only (no NX: data executable)",
	       stack_guard_source);
	printk("unidb: ready (%u cpus) in %lu.%03lu ms\n", cpu_count(),
	       boot_info.ready_ns / 1000000, boot_info.ready_ns / 1000 % 1000);
}

static void reload_cr3(void *unused)
{
	write_cr3(read_cr3());
}

/* The boot core's full APIC ID (x2APIC IDs need more than 8 bits). */
static uint32_t boot_apic_id(void)
{
	uint32_t max[4], l1[4], l0b[4] = {0}, l1f[4] = {0};

	cpuid(0, 0, max);
	cpuid(1, 0, l1);
	if (max[0] >= 0xb)
		cpuid(0xb, 0, l0b);
	if (max[0] >= 0x1f)
		cpuid(0x1f, 0, l1f);
	return cpuid_apic_id(max[0], l1, l0b, l1f);
}

void kmain(uint32_t start_info)
{
	uint64_t tsc0 = rdtsc();

	console_init();
	trap_init();
	cpu0.thread_name = "main";
	cpu_init(&cpu0, 0, boot_apic_id());

	read_start_info(start_info);
	paging_init();
	map_memory();
	paging_protect_kernel();
	int err = acpi_init(rsdp, cpu0.apic_id);
	if (err)
		printk("acpi: no usable MADT or MP table (%d); running on one "
		       "cpu\n",
		       err);
	check_early_tables_in_ram();
	init_frames();
	heap_init();
	acpi_power_init();

	lapic_init();
	ioapic_init();
	if (time_init(tsc0))
		panic("no clock to take the TSC frequency from (no CPUID "
		      "0x40000010, kvmclock, CPUID 0x15 or PIT)");
	lapic_timer_calibrate();
	irq_set_handler(VEC_SPURIOUS, spurious_irq);
	cpu_calls_init();
	read_hypervisor();

	cpu_set_online(&cpu0);
	sched_init((uint64_t)boot_stack_top - BOOT_STACK_SIZE,
		   (uint64_t)boot_stack_top);
	irq_enable();
	smp_start();
	paging_drop_identity();
	cpu_call_all(reload_cr3, NULL);
	vm_init();
	job_workers_start();
	boot_info.ready_ns = time_ns();
	print_summary();
	pci_init(cmdline); /* both take their words out of the command line */
	virtio_init(cmdline);
	nvme_init();
	net_boot(cmdline); /* after the drivers registered their netifs */

	poweroff(command_run(cmdline));
}
