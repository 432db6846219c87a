/* SPDX-License-Identifier: MIT */
/* paging_test.c: in-guest tests of the kernel's W^X mappings. */
#include <stdint.h>
#include <unidb/heap.h>
#include <unidb/test.h>

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/layout.h"
#include "arch/x86_64/paging.h"
#include "arch/x86_64/pte.h"
#include "arch/x86_64/x86.h"
#include "core/stack_protector.h"

#define CR0_WP (1UL << 16)

static const char rodata_probe[] = "probe";
static char data_probe[8];

#define RIGHTS(p) paging_rights((uint64_t)(uintptr_t)(p))
#define RO_X PTE_P
#define RO_NX (PTE_P | (PTE_NX ? PTE_NX_BIT : 0))
#define RW_NX (PTE_P | PTE_W | (PTE_NX ? PTE_NX_BIT : 0))

TEST(paging_image_is_w_xor_x)
{
	EXPECT_EQ(RIGHTS(paging_rights), RO_X);
	EXPECT_EQ(RIGHTS(rodata_probe), RO_NX);
	EXPECT_EQ(RIGHTS(&__stack_chk_guard), RO_NX);
	EXPECT_EQ(RIGHTS(&pte_nx), RO_NX);
	EXPECT_EQ(RIGHTS(data_probe), RW_NX);

	struct {
		uint16_t limit;
		uint64_t base;
	} __attribute__((packed)) idtr;
	__asm__ volatile("sidt %0" : "=m"(idtr));
	EXPECT_EQ(RIGHTS(idtr.base), RO_NX); /* __ro_after_init */
}

TEST(paging_direct_map_alias_of_image_is_read_only)
{
	EXPECT_EQ(RIGHTS(phys_to_virt(
		      virt_to_phys((void *)(uintptr_t)paging_rights))),
		  RO_NX);
	EXPECT_EQ(RIGHTS(phys_to_virt(virt_to_phys(rodata_probe))), RO_NX);
	EXPECT_EQ(RIGHTS(phys_to_virt(virt_to_phys(data_probe))), RW_NX);
}

TEST(paging_heap_and_stack_are_not_executable)
{
	char local[8];
	void *p = kmalloc(64);

	ASSERT(p != 0);
	EXPECT_EQ(RIGHTS(p), RW_NX);
	EXPECT_EQ(RIGHTS(local), RW_NX);
	kfree(p);
}

TEST(paging_no_identity_map_left)
{
	EXPECT_EQ(RIGHTS(0), 0);
	EXPECT_EQ(RIGHTS(TRAMPOLINE_PHYS), 0);
	EXPECT_EQ(RIGHTS(KERNEL_PHYS), 0);
}

static void record_wp(void *arg)
{
	((bool *)arg)[cpu_id()] = read_cr0() & CR0_WP;
}

TEST(paging_write_protect_on_every_cpu)
{
	bool wp[MAX_CPUS] = {0};

	cpu_call_all(record_wp, wp);
	for (unsigned i = 0; i < cpu_count(); i++)
		EXPECT(wp[i]);
}

TEST(paging_nx_matches_efer)
{
	EXPECT_EQ(paging_nx(), !!(rdmsr(MSR_EFER) & (1UL << 11)));
}

extern uint64_t boot_pml4[512];
extern const char __kernel_start[], __rodata_start[];

struct wx_scan {
	unsigned long leaves, writable_exec, exec_outside_code;
};

/* Visits every leaf under the table at `level` with the rights its upper
 * levels allow, as the MMU combines them. */
static void scan_table(const uint64_t *t, int level, uint64_t base,
		       uint64_t w, uint64_t nx, struct wx_scan *s)
{
	for (uint64_t i = 0; i < 512; i++) {
		uint64_t e = t[i], va = base + (i << PT_SHIFT(level));
		if (!(e & PTE_P))
			continue;
		if (level == 4 && i >= 256)
			va |= 0xffff000000000000UL; /* canonical upper half */
		uint64_t ew = w & e, enx = nx | (e & PTE_NX_BIT);
		if (level > 1 && !(level <= 3 && (e & PTE_PS))) {
			scan_table(phys_to_virt(e & PTE_ADDR), level - 1, va, ew,
				   enx, s);
			continue;
		}
		s->leaves++;
		if (enx)
			continue;
		if (ew & PTE_W)
			s->writable_exec++;
		if (va < (uint64_t)__kernel_start ||
		    va >= (uint64_t)__rodata_start)
			s->exec_outside_code++;
	}
}

/* The whole kernel address space, not just the probes above: no page is
 * writable and executable, and only the image's code is executable. */
TEST(paging_no_page_is_writable_and_executable)
{
	struct wx_scan s = {0};

	scan_table(boot_pml4, 4, 0, PTE_W, 0, &s);
	EXPECT(s.leaves > 0);
	if (!paging_nx())
		return; /* without NX every data page executes */
	EXPECT_EQ(s.writable_exec, 0);
	EXPECT_EQ(s.exec_outside_code, 0);
}
