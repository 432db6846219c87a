/* SPDX-License-Identifier: MIT */
/* irqvec.c: the device vector allocator (irqvec.h).
 *
 * cpu.c's handler table passes only the trap frame; one shared handler
 * looks up the argument by the frame's vector. */
#include <stddef.h>
#include <unidb/errno.h>
#include <unidb/spinlock.h>

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/irqvec.h"

struct irqvec {
	irqvec_fn fn;
	void *arg;
};

static struct irqvec vecs[256];
static struct spinlock irqvec_lock = SPINLOCK_INIT; /* protects vecs[].fn */

static void irqvec_dispatch(struct trap_frame *f)
{
	struct irqvec *v = &vecs[f->vector];
	irqvec_fn fn = __atomic_load_n(&v->fn, __ATOMIC_ACQUIRE);

	if (fn)
		fn(v->arg);
}

int irqvec_alloc(irqvec_fn fn, void *arg)
{
	spin_lock(&irqvec_lock);
	for (unsigned v = VEC_DYN_FIRST; v <= VEC_DYN_LAST; v++) {
		if (vecs[v].fn)
			continue;
		vecs[v].arg = arg;
		__atomic_store_n(&vecs[v].fn, fn, __ATOMIC_RELEASE);
		irq_set_handler(v, irqvec_dispatch);
		spin_unlock(&irqvec_lock);
		return (int)v;
	}
	spin_unlock(&irqvec_lock);
	return -ENOSPC;
}

void irqvec_free(unsigned vector)
{
	if (vector < VEC_DYN_FIRST || vector > VEC_DYN_LAST)
		return;
	spin_lock(&irqvec_lock);
	__atomic_store_n(&vecs[vector].fn, NULL, __ATOMIC_RELEASE);
	spin_unlock(&irqvec_lock);
}
