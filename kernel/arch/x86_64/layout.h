/* SPDX-License-Identifier: MIT */
/* layout.h: the kernel's virtual and physical memory layout (C and asm). */
#ifndef ARCH_LAYOUT_H
#define ARCH_LAYOUT_H

/* The image is linked at KERNEL_VMA + KERNEL_PHYS and loaded (PVH: by the
 * VMM, at the ELF program headers' physical addresses) at KERNEL_PHYS. */
#define KERNEL_VMA 0xffffffff80000000
#define KERNEL_PHYS 0x100000

/* All RAM is mapped at DIRECT_MAP + physical address (PML4 slot 256..).
 * Device registers are mapped uncached from MMIO_BASE up (PML4 slot 384). */
#define DIRECT_MAP 0xffff800000000000
#define MMIO_BASE 0xffffc00000000000
#define MMIO_SIZE 0x0000008000000000

/* Thread stacks, each below an unmapped guard page (PML4 slot 320). */
#define KSTACK_BASE 0xffffa00000000000
#define KSTACK_SIZE_ALL 0x0000008000000000

/* The AP start-up trampoline is copied here (below 1 MiB, 4 KiB aligned:
 * the SIPI vector is its page number). */
#define TRAMPOLINE_PHYS 0x8000

#define BOOT_STACK_SIZE 16384

/* Boot GDT selectors, shared by boot.S and trampoline.S. */
#define SEL_CODE64 0x08
#define SEL_DATA 0x10
#define SEL_CODE32 0x18
#define SEL_TSS 0x20

#endif
