/* SPDX-License-Identifier: MIT */
/* mm_host.c: host stand-ins for the kernel services kernel/mm uses. */
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>
#include <unidb/cpu.h>
#include <unidb/panic.h>

#include "mm/frame.h"
#include "mm_host.h"

char *mm_host_ram_base;
size_t mm_host_ram_size;
static unsigned ncpus = 1;
static __thread unsigned this_cpu;
static __thread int preempt_depth;

bool mm_host_ram(size_t bytes)
{
	if (mm_host_ram_base)
		munmap(mm_host_ram_base, mm_host_ram_size);
	mm_host_ram_base = NULL;
	void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED)
		return false;
	mm_host_ram_base = p;
	mm_host_ram_size = bytes;
	return true;
}

void *phys_to_virt(paddr_t pa)
{
	if (pa >= mm_host_ram_size) {
		fprintf(stderr, "phys_to_virt: 0x%lx beyond simulated RAM\n",
			(unsigned long)pa);
		abort();
	}
	return mm_host_ram_base + pa;
}

paddr_t virt_to_phys(const void *va)
{
	uintptr_t a = (uintptr_t)va, b = (uintptr_t)mm_host_ram_base;

	/* Like the kernel's, garbage for pointers outside RAM; this one is
	 * never managed RAM. */
	return a - b < mm_host_ram_size ? a - b : ~(paddr_t)0 << 12;
}

unsigned host_cpu_id(void)
{
	return this_cpu;
}

unsigned cpu_count(void)
{
	return ncpus;
}

void host_preempt_disable(void)
{
	preempt_depth++;
}

void host_preempt_enable(void)
{
	if (--preempt_depth < 0) {
		fprintf(stderr, "preempt_enable without preempt_disable\n");
		abort();
	}
}

void mm_host_set_cpu(unsigned id)
{
	if (id >= MAX_CPUS)
		abort();
	this_cpu = id;
}

void mm_host_set_cpu_count(unsigned n)
{
	ncpus = n;
}

void panic(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fprintf(stderr, "PANIC: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	abort();
}

bool mm_host_panics(void (*fn)(void *), void *arg)
{
	int status;

	fflush(stdout);
	fflush(stderr);
	pid_t pid = fork();
	if (pid == 0) {
		fn(arg);
		_exit(0);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid)
		return false;
	return WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT;
}
