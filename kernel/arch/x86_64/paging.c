/* SPDX-License-Identifier: MIT */
/* paging.c: builds the direct map and device mappings on boot_pml4.
 *
 * The boot page tables (boot.S) map the first 1 GiB twice: identically and
 * at KERNEL_VMA. Here we add the direct map of all RAM (PML4 slots 256..)
 * and uncached device mappings (slot 384..). Page-table pages come from a
 * bump allocator just above the kernel image until the frame allocator
 * runs, and from it afterwards. Lock order: kmap_lock only.
 *
 * W^X: paging_protect_kernel() then replaces the boot mappings. The image
 * at KERNEL_VMA gets code read + execute, read-only data read only, data
 * read + write (linker.ld); the direct map's alias of code and read-only
 * data becomes read only; the identity map shrinks to the AP trampoline's
 * page (read, write, execute, for AP start-up only) until
 * paging_drop_identity(). Everything else that is not code is mapped
 * with PTE_NX. */
#include <string.h>
#include <unidb/panic.h>
#include <unidb/printk.h>
#include <unidb/spinlock.h>

#include "arch/x86_64/layout.h"
#include "arch/x86_64/paging.h"
#include "arch/x86_64/pte.h"
#include "arch/x86_64/x86.h"
#include "core/ksyms.h"

#define GIB (1UL << 30)
#define MIB2 (1UL << 21)
#define CR0_WP (1UL << 16)   /* SDM 3A, 2.5: ring 0 honours read-only pages */
#define EFER_NXE (1UL << 11) /* SDM 3A, 2.2.1: execute-disable enabled */

extern uint64_t boot_pml4[512];
extern char __kernel_start[], __rodata_start[], __rodata_end[], __kernel_end[];

paddr_t early_alloc_end;
static bool direct_mapped;
static bool frames_ready;
static bool has_1g_pages;
/* Written once by paging_init(), read only once the kernel is protected:
 * a stray write cannot turn NX off. */
uint64_t pte_nx __ro_after_init;

void paging_init(void)
{
	uint32_t r[4];

	cpuid(0x80000001, 0, r);
	has_1g_pages = r[3] & (1u << 26); /* CPUID: Page1GB */
	/* boot.S sets EFER.NXE where the CPU has NX; without it bit 63 of an
	 * entry is reserved, so no entry may carry it. */
	pte_nx = (rdmsr(MSR_EFER) & EFER_NXE) ? PTE_NX_BIT : 0;
}

void *phys_to_virt(paddr_t pa)
{
	if (!direct_mapped)
		return (void *)(pa + KERNEL_VMA); /* boot alias, first 1 GiB */
	return (void *)(pa + DIRECT_MAP);
}

paddr_t virt_to_phys(const void *va)
{
	uint64_t a = (uint64_t)va;
	return a >= KERNEL_VMA ? a - KERNEL_VMA : a - DIRECT_MAP;
}

static uint64_t *new_table(void)
{
	paddr_t pa;

	if (frames_ready) {
		pa = frame_alloc(0);
		if (!pa)
			panic("paging: out of memory for page tables");
	} else {
		if (!early_alloc_end)
			early_alloc_end = (uint64_t)__kernel_end - KERNEL_VMA;
		pa = early_alloc_end;
		early_alloc_end += 4096;
		if (early_alloc_end > GIB)
			panic("paging: early page tables beyond 1 GiB");
	}
	uint64_t *t = phys_to_virt(pa);
	memset(t, 0, 4096);
	return t;
}

/* Returns the table that `level`'s entry for va points to, creating it. */
static uint64_t *walk_create(uint64_t *table, uint64_t va, int level)
{
	uint64_t *e = &table[PT_INDEX(va, level)];
	if (!(*e & PTE_P)) {
		uint64_t *t = new_table();
		*e = virt_to_phys(t) | PTE_P | PTE_W;
	}
	return phys_to_virt(*e & PTE_ADDR);
}

void direct_map_add(paddr_t start, paddr_t end)
{
	start &= ~(MIB2 - 1);
	end = (end + MIB2 - 1) & ~(MIB2 - 1);
	for (paddr_t pa = start; pa < end;) {
		uint64_t va = DIRECT_MAP + pa;
		uint64_t *pdpt = walk_create(boot_pml4, va, 4);
		uint64_t *e = &pdpt[PT_INDEX(va, 3)];
		if ((*e & (PTE_P | PTE_PS)) == (PTE_P | PTE_PS)) {
			pa = (pa + GIB) & ~(GIB - 1); /* already mapped */
			continue;
		}
		if (!*e && has_1g_pages && !(pa & (GIB - 1)) &&
		    end - pa >= GIB) {
			*e = pa | PTE_P | PTE_W | PTE_PS | PTE_NX;
			pa += GIB;
			continue;
		}
		uint64_t *pd = walk_create(pdpt, va, 3);
		uint64_t *pde = &pd[PT_INDEX(va, 2)];
		/* Present already (ACPI tables in low memory, mapped again):
		 * keep it, it may have been split by paging_protect_kernel().
		 */
		if (!(*pde & PTE_P))
			*pde = pa | PTE_P | PTE_W | PTE_PS | PTE_NX;
		pa += MIB2;
	}
}

/* Replaces the large leaf *e (level 3 or 2) by a table one level down
 * that maps the same frames with the same rights. The table is complete
 * before it is linked in, so the range stays mapped throughout. */
static uint64_t *split_leaf(uint64_t *e, int level)
{
	uint64_t *t = new_table();
	paddr_t pa = *e & PTE_ADDR & ~((1UL << PT_SHIFT(level)) - 1);
	uint64_t flags = *e & ~PTE_ADDR;

	if (level == 2)
		flags &= ~PTE_PS; /* a 4 KiB entry's bit 7 is PAT */
	for (uint64_t i = 0; i < 512; i++)
		t[i] = (pa + (i << PT_SHIFT(level - 1))) | flags;
	*e = virt_to_phys(t) | PTE_P | PTE_W;
	return t;
}

static uint64_t *walk_split(uint64_t *table, uint64_t va, int level)
{
	uint64_t *e = &table[PT_INDEX(va, level)];
	if ((*e & (PTE_P | PTE_PS)) == (PTE_P | PTE_PS))
		return split_leaf(e, level);
	return walk_create(table, va, level);
}

/* Maps [va, va + len) to pa.. with flags (besides present) under table,
 * whose entries are at `level`: 2 MiB pages where both addresses are
 * aligned and the rest is long enough, else 4 KiB pages. Large pages in
 * the way are split first. Boot only (no lock, no TLB flush). */
static void map_range(uint64_t *table, int level, uint64_t va, paddr_t pa,
		      uint64_t len, uint64_t flags)
{
	for (uint64_t off = 0; off < len;) {
		uint64_t v = va + off;
		paddr_t p = pa + off;
		bool big = !((v | p) & (MIB2 - 1)) && len - off >= MIB2;
		int leaf = big ? 2 : 1;
		uint64_t *t = table;

		for (int l = level; l > leaf; l--)
			t = walk_split(t, v, l);
		t[PT_INDEX(v, leaf)] = p | PTE_P | flags | (big ? PTE_PS : 0);
		off += big ? MIB2 : 4096;
	}
}

extern const char trampoline_start[], trampoline_end[];

void paging_protect_kernel(void)
{
	uint64_t text = (uint64_t)__kernel_start, ro = (uint64_t)__rodata_start;
	uint64_t data = (uint64_t)__rodata_end, end = (uint64_t)__kernel_end;
	uint64_t tramp = (uint64_t)(trampoline_end - trampoline_start);

	/* The image at KERNEL_VMA: a new directory, linked in with one store
	 * once complete (the code running here is mapped by it). */
	uint64_t *pd = new_table();
	map_range(pd, 2, text, virt_to_phys(__kernel_start), ro - text, 0);
	map_range(pd, 2, ro, virt_to_phys(__rodata_start), data - ro, PTE_NX);
	map_range(pd, 2, data, virt_to_phys(__rodata_end), end - data,
		  PTE_W | PTE_NX);
	uint64_t *pdpt =
	    phys_to_virt(boot_pml4[PT_INDEX(KERNEL_VMA, 4)] & PTE_ADDR);
	pdpt[PT_INDEX(KERNEL_VMA, 3)] = virt_to_phys(pd) | PTE_P | PTE_W;

	/* The direct map's alias of code and read-only data. */
	paddr_t pa = virt_to_phys(__kernel_start);
	map_range(boot_pml4, 4, DIRECT_MAP + pa, pa, data - text, PTE_NX);

	/* Identity: only the AP trampoline's page, which an AP executes
	 * while it switches paging on. Writable too, the one exception to
	 * W^X: the AP writes its parameter block there and the CPU the GDT's
	 * accessed bits. Low memory, never reachable from data pointers, and
	 * gone once every AP is up (paging_drop_identity()). */
	if (tramp > 4096)
		panic("paging: AP trampoline larger than its page");
	uint64_t *low = new_table();
	map_range(low, 3, TRAMPOLINE_PHYS, TRAMPOLINE_PHYS, 4096, PTE_W);
	boot_pml4[0] = virt_to_phys(low) | PTE_P | PTE_W;

	write_cr0(read_cr0() | CR0_WP);
	write_cr3(read_cr3());
}

bool paging_nx(void)
{
	return pte_nx != 0;
}

uint64_t paging_rights(uint64_t va)
{
	uint64_t *t = boot_pml4, w = PTE_W, nx = 0;

	for (int level = 4; level >= 1; level--) {
		uint64_t e = t[PT_INDEX(va, level)];
		if (!(e & PTE_P))
			return 0;
		w &= e;
		nx |= e & PTE_NX_BIT;
		if (level == 1 || (level <= 3 && (e & PTE_PS)))
			return PTE_P | w | nx;
		t = phys_to_virt(e & PTE_ADDR);
	}
	return 0;
}

/* Intel SDM 3A, 4.7: page-fault error code bits. */
#define PF_PRESENT (1u << 0) /* 0: not present; 1: protection violation */
#define PF_WRITE (1u << 1)
#define PF_RSVD (1u << 3) /* a reserved bit set in a paging entry */
#define PF_FETCH (1u << 4)

static const char *const pf_bit_names[] = {"P", "W/R", "U/S", "RSVD", "I/D"};

static const char *fault_reason(uint64_t err)
{
	if (err & PF_RSVD)
		return "reserved bit set in a page-table entry";
	if (!(err & PF_PRESENT))
		return "page not present";
	if (err & PF_FETCH)
		return "instruction fetch from non-executable page";
	if (err & PF_WRITE)
		return "write to read-only page";
	return "read refused";
}

/* Which part of the address space va lies in (layout.h, linker.ld). */
static const char *region(uint64_t va)
{
	if (va >= (uint64_t)__kernel_start && va < (uint64_t)__rodata_start)
		return "kernel code";
	if (va >= (uint64_t)__rodata_start && va < (uint64_t)__rodata_end)
		return "kernel read-only data";
	if (va >= (uint64_t)__rodata_end && va < (uint64_t)__kernel_end)
		return "kernel data";
	if (va >= DIRECT_MAP && va < KSTACK_BASE)
		return "direct map (heap, frames)";
	if (va >= KSTACK_BASE && va < KSTACK_BASE + KSTACK_SIZE_ALL)
		return "thread stacks";
	if (va >= MMIO_BASE && va < MMIO_BASE + MMIO_SIZE)
		return "device registers";
	if (va < (1UL << 47))
		return "vm areas (lower half)";
	return "unmapped kernel space";
}

void paging_explain_fault(uint64_t cr2, uint64_t err, uint64_t rip,
			  uint64_t rsp)
{
	uint64_t off;

	printk("reason: %s\nerror code:", fault_reason(err));
	for (unsigned i = 0; i < 5; i++)
		printk(" %s=%lu", pf_bit_names[i], (err >> i) & 1);
	const char *fn = ksym_lookup(cr2, &off);
	if (fn)
		printk("\naddress in: %s (%s+0x%lx)\n", region(cr2), fn, off);
	else
		printk("\naddress in: %s\n", region(cr2));
	/* A call into data faults before the callee builds a frame: the
	 * return address on top of the stack names the caller. */
	if ((err & PF_FETCH) && rip == cr2 && (paging_rights(rsp) & PTE_P)) {
		uint64_t ret = *(const uint64_t *)rsp;
		fn = ksym_lookup(ret - 1, &off);
		if (fn)
			printk("jumped to from: %016lx %s+0x%lx\n", ret, fn,
			       off + 1);
	}
}

void direct_map_done(void)
{
	direct_mapped = true;
}

void paging_frames_ready(void)
{
	frames_ready = true;
}

void paging_drop_identity(void)
{
	boot_pml4[0] = 0;
	write_cr3(read_cr3());
}

/* Serialises changes to the kernel's higher-half tables below. */
static struct spinlock kmap_lock = SPINLOCK_INIT;
static uint64_t mmio_next = MMIO_BASE;

static void map_4k_locked(uint64_t va, paddr_t pa, uint64_t flags)
{
	uint64_t *pt = walk_create(
	    walk_create(walk_create(boot_pml4, va, 4), va, 3), va, 2);
	pt[PT_INDEX(va, 1)] = pa | PTE_P | flags;
}

void kmap_4k(uint64_t va, paddr_t pa, uint64_t flags)
{
	spin_lock(&kmap_lock);
	map_4k_locked(va, pa, flags);
	spin_unlock(&kmap_lock);
}

void *mmio_map(paddr_t pa, size_t len)
{
	paddr_t first = pa & ~0xfffUL;
	size_t n = (pa + len - first + 4095) / 4096;

	spin_lock(&kmap_lock);
	uint64_t va = mmio_next;
	mmio_next += n * 4096;
	if (mmio_next > MMIO_BASE + MMIO_SIZE)
		panic("mmio_map: region exhausted");
	for (size_t i = 0; i < n; i++)
		map_4k_locked(va + i * 4096, first + i * 4096,
			      PTE_W | PTE_PCD | PTE_PWT | PTE_NX);
	spin_unlock(&kmap_lock);
	return (void *)(va + (pa - first));
}
