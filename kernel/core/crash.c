/* SPDX-License-Identifier: MIT */
/* crash.c: deliberate failures, so that end-to-end tests can check that
 * every kind ends in a readable report and a failure exit, never a hang. */
#include <stdint.h>
#include <string.h>
#include <unidb/command.h>
#include <unidb/heap.h>
#include <unidb/panic.h>
#include <unidb/printk.h>
#include <unidb/sync.h>
#include <unidb/thread.h>

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/layout.h"
#include "arch/x86_64/paging.h"
#include "arch/x86_64/x86.h"

/* noipa + a volatile pointer: the backtrace must name this function,
 * and the compiler must not prove the store undefined and drop it. */
__attribute__((noipa)) static void crash_null_write(void)
{
	volatile int *volatile p = NULL;
	*p = 42; /* cppcheck-suppress nullPointer */
}

__attribute__((noipa)) static void crash_invalid_opcode(void)
{
	__asm__ volatile("ud2");
}

__attribute__((noipa)) static void crash_bug_on(void)
{
	BUG_ON(cpu_count() > 0);
}

/* W^X (paging_protect_kernel()): each of these must fault. */
__attribute__((noipa)) static void crash_write_text(void)
{
	volatile uint8_t *p = (volatile uint8_t *)(uintptr_t)crash_write_text;
	*p = 0xcc; /* int3 over our own first byte */
}

static const uint8_t crash_rodata_target[4] = {1, 2, 3, 4};

__attribute__((noipa)) static void crash_write_rodata(void)
{
	volatile uint8_t *p =
	    (volatile uint8_t *)(uintptr_t)crash_rodata_target;
	*p = 0;
}

/* The same frames through the direct map must not be writable either. */
__attribute__((noipa)) static void crash_write_alias(void)
{
	volatile uint8_t *p = phys_to_virt(
	    virt_to_phys((const void *)(uintptr_t)crash_write_alias));
	*p = 0xcc;
}

#define X86_RET 0xc3

/* Calls a `ret` placed in data: without NX it would simply return. */
__attribute__((noipa)) static void call_data(uint8_t *code)
{
	void (*volatile fn)(void) = (void (*)(void))(uintptr_t)code;
	*(volatile uint8_t *)code = X86_RET;
	fn();
}

__attribute__((noipa)) static void crash_exec_heap(void)
{
	uint8_t *code = kmalloc(64);
	if (code)
		call_data(code);
	kfree(code);
}

/* On a thread's own stack (KSTACK_BASE..), not the boot stack. */
__attribute__((noipa)) static void crash_exec_stack(void *unused)
{
	uint8_t code[16];
	call_data(code);
}

/* Overwrites everything from a local buffer up to the saved frame
 * pointer, as an unchecked copy would: the canary lies in between; the
 * saved frame pointer and return address stay intact, so the backtrace
 * still reaches the callers. */
__attribute__((noipa)) static void crash_smash_stack(void)
{
	char buf[16];
	volatile char *p = buf;
	const char *end = __builtin_frame_address(0);

	while ((const char *)p < end)
		*p++ = 'A';
}

static void crash_on_this_cpu(void *unused)
{
	crash_null_write();
}

/* Each frame keeps a buffer alive across the recursive call; the bound
 * (far beyond any stack) only keeps the compiler from calling it
 * infinite. */
__attribute__((noipa)) static unsigned recurse(unsigned depth)
{
	volatile char buf[512];
	buf[0] = (char)depth;
	if (depth > 1000000)
		return 0;
	return recurse(depth + 1) + buf[0];
}

static void overflow_entry(void *arg)
{
	recurse(0);
}

/* A read through a PTE with a reserved address bit (MAXPHYADDR..51, SDM
 * 3A, 4.5): the page fault's RSVD error bit, as a CPU without NX gives
 * for PTE_NX. The page is the last of the thread-stack region, which
 * stacks never reach. */
__attribute__((noipa)) static void crash_reserved_bit(void)
{
	uint32_t r[4];
	uint64_t va = KSTACK_BASE + KSTACK_SIZE_ALL - 4096;

	cpuid(0x80000008, 0, r);
	unsigned maxphys = r[0] & 0xff;
	if (maxphys >= 52) {
		printk("crash rsvd: no reserved address bit (MAXPHYADDR 52)\n");
		return;
	}
	kmap_4k(va, 0x1000, 1UL << maxphys);
	(void)*(volatile uint64_t *)va;
}

static struct mutex lock_a = MUTEX_INIT(lock_a, "crash-a");
static struct mutex lock_b = MUTEX_INIT(lock_b, "crash-b");

/* a then b, later b then a: the second order can deadlock against the
 * first, even though this single thread never blocks. */
__attribute__((noipa)) static void lock_order_inversion(void)
{
	mutex_lock(&lock_a);
	mutex_lock(&lock_b);
	mutex_unlock(&lock_b);
	mutex_unlock(&lock_a);
	mutex_lock(&lock_b);
	mutex_lock(&lock_a);
}

__attribute__((noipa)) static void self_deadlock(void)
{
	mutex_lock(&lock_a);
	mutex_lock(&lock_a);
}

static int cmd_crash(int argc, char **argv)
{
	const char *what = argc > 1 ? argv[1] : "";

	if (!strcmp(what, "null"))
		crash_null_write();
	else if (!strcmp(what, "ud"))
		crash_invalid_opcode();
	else if (!strcmp(what, "bug"))
		crash_bug_on();
	else if (!strcmp(what, "write-text"))
		crash_write_text();
	else if (!strcmp(what, "write-rodata"))
		crash_write_rodata();
	else if (!strcmp(what, "write-alias"))
		crash_write_alias();
	else if (!strcmp(what, "exec-heap"))
		crash_exec_heap();
	else if (!strcmp(what, "exec-stack")) {
		struct thread *t =
		    thread_create("stackexec", crash_exec_stack, NULL, NULL);
		if (t)
			thread_join(t);
	} else if (!strcmp(what, "smash"))
		crash_smash_stack();
	else if (!strcmp(what, "ap")) {
		if (cpu_count() < 2) {
			printk("crash ap: needs at least 2 cpus\n");
			return POWEROFF_FAIL;
		}
		cpu_call(cpu_count() - 1, crash_on_this_cpu, NULL);
	} else if (!strcmp(what, "stack")) {
		struct thread *t =
		    thread_create("overflower", overflow_entry, NULL, NULL);
		if (t)
			thread_join(t);
	} else if (!strcmp(what, "rsvd")) {
		crash_reserved_bit();
	} else if (!strcmp(what, "lockorder")) {
		lock_order_inversion();
	} else if (!strcmp(what, "deadlock")) {
		self_deadlock();
	} else if (!strcmp(what, "hang")) {
		printk("crash: hanging with interrupts off\n");
		__asm__ volatile("cli");
		for (;;)
			__asm__ volatile("pause");
	} else {
		printk("crash: unknown kind '%s' (null, ud, bug, ap, stack, "
		       "write-text, write-rodata, write-alias, exec-heap, "
		       "exec-stack, smash, rsvd, lockorder, deadlock, hang)\n",
		       what);
		return POWEROFF_FAIL;
	}
	printk("crash: %s did not crash\n", what);
	return POWEROFF_FAIL;
}
COMMAND(crash,
	"null|ud|bug|ap|stack|write-text|write-rodata|write-alias|exec-heap|"
	"exec-stack|smash|rsvd|lockorder|deadlock|hang  fail on purpose "
	"(end-to-end tests)",
	cmd_crash);
