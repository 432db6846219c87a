/* SPDX-License-Identifier: MIT */
/* paging.c: builds the direct map and device mappings on boot_pml4.
 *
 * The boot page tables (boot.S) map the first 1 GiB twice: identically and
 * at KERNEL_VMA. Here we add the direct map of all RAM (PML4 slots 256..)
 * and uncached device mappings (slot 384..). Page-table pages come from a
 * bump allocator just above the kernel image until the frame allocator
 * runs, and from it afterwards. Lock order: kmap_lock only. */
#include <string.h>
#include <unidb/panic.h>
#include <unidb/spinlock.h>

#include "arch/x86_64/layout.h"
#include "arch/x86_64/paging.h"
#include "arch/x86_64/pte.h"
#include "arch/x86_64/x86.h"

#define GIB (1UL << 30)
#define MIB2 (1UL << 21)

extern uint64_t boot_pml4[512];
extern char __kernel_end[];

paddr_t early_alloc_end;
static bool direct_mapped;
static bool frames_ready;
static bool has_1g_pages;

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
	uint32_t r[4];

	cpuid(0x80000001, 0, r);
	has_1g_pages = r[3] & (1u << 26); /* CPUID: Page1GB */
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
		pd[PT_INDEX(va, 2)] = pa | PTE_P | PTE_W | PTE_PS | PTE_NX;
		pa += MIB2;
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
