/* SPDX-License-Identifier: MIT */
/* vm.c: vm areas in the lower half, and their demand-zero fault path.
 *
 * Design. One struct pt (vm_pt) manages the lower half of the one page
 * table every core runs on (CR3 never changes). Areas take virtual space
 * from a bump pointer over PML4 slots 1..255 (slot 0 held the boot
 * identity map), 2 MiB-aligned, each followed by an unmapped 2 MiB guard;
 * when the last areas are destroyed the pointer moves back, so create and
 * destroy in a loop reuse the same range.
 *
 * Area lookup. The live areas are an immutable array sorted by base
 * (struct vm_dir), published by one pointer store and searched by binary
 * search without a lock. Writers (create, destroy; under vm_lock) publish
 * a new copy and free the old one, and a destroyed area, only after a
 * grace period: each core's fault path makes its counter odd while it runs
 * (interrupts off, so a section never spans a switch), and the writer
 * waits until no core is inside a section that may have seen the old
 * array. The counter is a store + full fence on the fault path, and the
 * writer's publish + full fence pairs with it (Dekker): a fault either
 * sees the new array or is waited for.
 *
 * Fault fast path (vm_fault). Find the area, take a zeroed frame from the
 * core's pool (else the frame allocator, zeroed), and install it with one
 * CAS on the PTE (pt_install_leaf_cas); no lock. If another core won the
 * race for the page, the frame goes back to the pool, still zeroed. A #PF
 * on a present page is a stale TLB entry (spurious: invlpg, retry) when
 * the page table allows the access, else a real protection fault.
 *
 * Destroy while another core faults in the area is the caller's bug. What
 * happens: the area leaves the array first and destroy waits out the
 * faults that found it, so later touches find no area and panic with the
 * normal report; nothing is installed into a dying area's tables.
 *
 * Frames. Unmap returns frames, after the shootdown, zeroed to the
 * calling core's pool (at most POOL_MAX, the rest to the allocator);
 * destroy returns them to the allocator. Page-table frames go through
 * tlb_defer_free(): freed after the next shootdown, never while a core may
 * still walk them. 2 MiB frames are never pooled. A page that faults back
 * in while an unmap runs (the caller's race) is never lost with a freed
 * table: the unmap unlinks a table, waits out the faults that may have
 * walked into it (table_unlinked), and only then empties it (pt.c).
 *
 * Locks: vm_lock (a mutex) serialises every change to areas and mappings
 * except faults: create, destroy, map, unmap, protect, populate. Faults
 * and vm_is_present take none. Per-core pools are touched with interrupts
 * off. Lock order: vm_lock, then tlb_lock (inside tlb_shootdown). */
#include <string.h>
#include <unidb/errno.h>
#include <unidb/heap.h>
#include <unidb/sync.h>
#include <unidb/thread.h>
#include <unidb/vm.h>

#include "arch/x86_64/x86.h"
#include "core/delay.h"
#include "mm/frame.h"
#include "mm/pt.h"
#include "mm/tlb.h"
#include "mm/vm_internal.h"

#define VM_BASE (1UL << 39) /* PML4 slot 1 */
#define VM_END PT_VA_END    /* end of slot 255 */
#define VM_GUARD PT_HUGE_PAGE
#define POOL_MAX 256 /* zeroed frames per core */
#define BATCH 128    /* leaves unmapped per shootdown round */
#define PTE_AREA (PTE_NX) /* every area page: data, never code */

/* #PF error code bits (Intel SDM 3A, 4.7). */
#define PF_P (1UL << 0)	   /* the page was present: a protection fault */
#define PF_W (1UL << 1)	   /* write access */
#define PF_U (1UL << 2)	   /* user mode */
#define PF_RSVD (1UL << 3) /* reserved bit set in a paging entry */
#define PF_I (1UL << 4)	   /* instruction fetch */

/* The live areas, sorted by base. Immutable once published. */
struct vm_dir {
	unsigned n;
	struct vm_area *a[];
};

/* Per core; only the owning core writes, except where noted. */
struct vm_cpu {
	uint64_t seq;	 /* odd while the core is in the fault path */
	unsigned npool;	 /* zeroed frames in pool; interrupts off */
	int64_t mapped;	 /* frames mapped here minus unmapped here (atomic) */
	uint64_t faults, fast_faults;
	paddr_t pool[POOL_MAX];
} __attribute__((aligned(64)));

static struct vm_cpu vm_cpus[MAX_CPUS];
struct pt vm_pt;
static struct vm_dir *vm_dir;	 /* published with release, read acquire */
struct mutex vm_lock = MUTEX_INIT(vm_lock, "vm");
static uint64_t va_next = VM_BASE; /* under vm_lock */
static unsigned nareas;		   /* written under vm_lock */
static bool vm_ready;		   /* set once, under vm_lock */

/* Zeroes 2^order frames with 8-byte stores (0 passes through). memset's
 * rep stosb is as fast on hardware (ERMS) but about 14x slower under QEMU
 * TCG, which emulates it a byte at a time (7.2 vs 0.5 us per 4 KiB,
 * measured); volatile keeps gcc from turning the loop into memset. */
static paddr_t zero_frames(paddr_t pa, unsigned order)
{
	volatile uint64_t *p = pa ? phys_to_virt(pa) : NULL;

	for (uint64_t i = 0; pa && i < (PT_PAGE << order) / 8; i += 4) {
		p[i] = 0;
		p[i + 1] = 0;
		p[i + 2] = 0;
		p[i + 3] = 0;
	}
	return pa;
}

static paddr_t alloc_table(void *ctx)
{
	return zero_frames(frame_alloc(0), 0);
}

static void free_table(void *ctx, paddr_t pa)
{
	tlb_defer_free(pa);
}

static void faults_sync(void);

/* An unmap cleared the entry linking a table it frees: faults that walked
 * into the table before have installed all they will there once every
 * core has left the fault-path section it was in. */
static void table_unlinked(void *ctx)
{
	faults_sync();
}

static struct pt_ops vm_pt_ops = {
    .alloc_table = alloc_table,
    .free_table = free_table,
    .unlinked = table_unlinked,
};

void vm_init(void)
{
	if (__atomic_load_n(&vm_ready, __ATOMIC_ACQUIRE))
		return;
	mutex_lock(&vm_lock);
	if (!vm_ready) {
		vm_pt_ops.direct_map = (uintptr_t)phys_to_virt(0);
		pt_init(&vm_pt, &vm_pt_ops, read_cr3() & PTE_ADDR);
		tlb_init();
		__atomic_store_n(&vm_ready, true, __ATOMIC_RELEASE);
	}
	mutex_unlock(&vm_lock);
}

static uint64_t page_size(const struct vm_area *a)
{
	return a->flags & VM_HUGE ? PT_HUGE_PAGE : PT_PAGE;
}

static uint64_t round_up(uint64_t x, uint64_t align)
{
	return (x + align - 1) & ~(align - 1);
}

/* ---- per-core frame pools ---------------------------------------------- */

/* A zeroed 4 KiB frame: from the pool if it has one (*fast = true), else
 * from the allocator. Interrupts must be off. 0 if out of memory. */
static paddr_t frame_take(struct vm_cpu *c, bool *fast)
{
	*fast = c->npool > 0;
	if (*fast)
		return c->pool[--c->npool];
	return zero_frames(frame_alloc(0), 0);
}

/* Gives back a zeroed 4 KiB frame. Interrupts must be off. */
static void frame_give(struct vm_cpu *c, paddr_t pa)
{
	if (c->npool < POOL_MAX)
		c->pool[c->npool++] = pa;
	else
		frame_free(pa, 0);
}

static void count_mapped(struct vm_cpu *c, int64_t frames)
{
	__atomic_fetch_add(&c->mapped, frames, __ATOMIC_RELAXED);
}

void vm_count_frames(int64_t frames)
{
	preempt_disable();
	count_mapped(&vm_cpus[cpu_id()], frames);
	preempt_enable();
}

/* Backs the page at va with a zeroed frame unless it is present. Interrupts
 * must be off. Returns 0, 1 if something was there already (another
 * core's page, normally), or -ENOMEM. */
static int install(struct vm_cpu *c, const struct vm_area *a, uint64_t va,
		   uint64_t pte, bool *fast)
{
	bool huge = a->flags & VM_HUGE;
	paddr_t pa = huge ? zero_frames(frame_alloc(FRAME_ORDER_MAX),
					FRAME_ORDER_MAX)
			  : frame_take(c, fast);

	if (!pa)
		return -ENOMEM;
	int err = pt_install_leaf_cas(&vm_pt, va, pa,
				      pte | (huge ? PT_HUGE : 0));
	if (!err) {
		count_mapped(c, huge ? 512 : 1);
		return 0;
	}
	if (huge) /* never mapped: still zeroed, but not poolable */
		frame_free(pa, FRAME_ORDER_MAX);
	else
		frame_give(c, pa);
	return err == -EEXIST ? 1 : err;
}

/* ---- area lookup ------------------------------------------------------- */

static struct vm_area *area_find(uint64_t addr)
{
	const struct vm_dir *d = __atomic_load_n(&vm_dir, __ATOMIC_ACQUIRE);
	unsigned lo = 0, hi = d ? d->n : 0;

	while (lo < hi) {
		unsigned mid = (lo + hi) / 2;
		struct vm_area *a = d->a[mid];
		if (addr < a->base)
			hi = mid;
		else if (addr - a->base >= a->size)
			lo = mid + 1;
		else
			return a;
	}
	return NULL;
}

/* Waits until no core is in a fault-path section that began before the
 * call. Pairs with the fence in vm_fault(). */
static void faults_sync(void)
{
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	for (unsigned i = 0; i < MAX_CPUS; i++) {
		uint64_t s = __atomic_load_n(&vm_cpus[i].seq, __ATOMIC_ACQUIRE);
		if (s & 1)
			while (__atomic_load_n(&vm_cpus[i].seq,
					       __ATOMIC_ACQUIRE) == s)
				cpu_relax();
	}
}

/* Publishes the array with add inserted and/or del removed (either may be
 * NULL), then frees the old array after a grace period. Under vm_lock.
 * Returns 0 or -ENOMEM (nothing changed). */
static int dir_change(struct vm_area *add, struct vm_area *del)
{
	struct vm_dir *old = vm_dir;
	unsigned n = old ? old->n : 0, k = 0;
	struct vm_dir *d = kmalloc(sizeof(*d) + (n + 1) * sizeof(d->a[0]));

	if (!d)
		return -ENOMEM;
	for (unsigned i = 0; i < n; i++) {
		struct vm_area *a = old->a[i];
		if (add && add->base < a->base) {
			d->a[k++] = add;
			add = NULL;
		}
		if (a != del)
			d->a[k++] = a;
	}
	if (add)
		d->a[k++] = add;
	d->n = k;
	__atomic_store_n(&vm_dir, d, __ATOMIC_RELEASE);
	faults_sync();
	kfree(old);
	return 0;
}

/* ---- the fault handler ------------------------------------------------- */

/* A #PF on a present page: spurious if the page table now allows the
 * access (this core's TLB held an older, stricter entry), a copy-on-write
 * fault if the page is shared with a snapshot, else real. Returns as
 * snap_cow_fault(). */
static int fault_present(struct vm_area *a, uint64_t addr, uint64_t error,
			 paddr_t *late)
{
	uint64_t flags;

	if (pt_walk(&vm_pt, addr, NULL, &flags, NULL))
		return 0; /* unmapped meanwhile: retry, refault if needed */
	if ((error & PF_W) && !(flags & PTE_W))
		return flags & PTE_COW || a->cow
			   ? snap_cow_fault(a, addr, late)
			   : -EFAULT;
	invlpg((const void *)addr);
	return 0;
}

int vm_fault(uint64_t addr, uint64_t error, struct trap_frame *f)
{
	if (addr < VM_BASE || addr >= VM_END || (error & (PF_U | PF_RSVD | PF_I)))
		return -EFAULT;
	uint64_t irq = irq_save();
	struct vm_cpu *c = &vm_cpus[cpu_id()];
	int r = -EFAULT;
	paddr_t late = 0;

	if (!(c->seq & 1)) { /* not a fault inside the fault path */
		__atomic_store_n(&c->seq, c->seq + 1, __ATOMIC_RELAXED);
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		struct vm_area *a = area_find(addr);
		if (a && (error & PF_P)) {
			r = fault_present(a, addr, error, &late);
		} else if (a) {
			/* A page table shared by a lazy snapshot gets a
			 * private copy before a page is added to it. */
			r = a->cow ? snap_unshare(a, addr) : 0;
			bool fast = false;
			/* A snapshot's never-touched pages read as zeroes. */
			if (!r)
				r = install(c, a, addr & ~(page_size(a) - 1),
					    a->src ? PTE_AREA
						   : PTE_W | PTE_AREA,
					    &fast);
			c->faults += !r;
			c->fast_faults += !r && fast;
			/* Lost the race, or in the way: which? A 4 KiB
			 * leaf that was there and is gone again lost a race
			 * with an unmap: retry (found by
			 * stress_vm_ranges_racing_faults). */
			if (r == 1)
				r = pt_is_present(&vm_pt, addr) ||
					    !(a->flags & VM_HUGE)
					? 0
					: -EFAULT;
		}
		__atomic_store_n(&c->seq, c->seq + 1, __ATOMIC_RELEASE);
	}
	if (r == SNAP_FAULT_SHOOTDOWN) {
		/* Outside the section: tlb_shootdown() may free tables. */
		uint64_t va = addr & ~(PT_PAGE - 1);
		tlb_shootdown(&va, 1);
		if (late)
			frame_free(late & ~1UL, late & 1 ? FRAME_ORDER_MAX : 0);
		r = 0;
	}
	irq_restore(irq);
	return r;
}

/* ---- creating and destroying areas ------------------------------------- */

/* Under vm_lock: the end of the highest live area's guard, or VM_BASE. */
static uint64_t va_top(void)
{
	const struct vm_dir *d = vm_dir;
	if (!d || !d->n)
		return VM_BASE;
	const struct vm_area *a = d->a[d->n - 1];
	return a->base + a->span + VM_GUARD;
}

struct vm_area *vm_area_create(uint64_t size, unsigned flags)
{
	if (!size || (flags & ~(VM_PREFAULT | VM_HUGE)) ||
	    size > VM_END - VM_BASE - VM_GUARD)
		return NULL;
	vm_init();
	struct vm_area *a = kzalloc(sizeof(*a));
	if (!a)
		return NULL;
	a->flags = flags;
	a->size = round_up(size, flags & VM_HUGE ? PT_HUGE_PAGE : PT_PAGE);
	a->span = round_up(size, PT_HUGE_PAGE);

	mutex_lock(&vm_lock);
	int err = -ENOMEM;
	if (a->span + VM_GUARD <= VM_END - va_next) {
		a->base = va_next;
		err = dir_change(a, NULL);
	}
	if (!err) {
		va_next = a->base + a->span + VM_GUARD;
		__atomic_store_n(&nareas, nareas + 1, __ATOMIC_RELAXED);
	}
	mutex_unlock(&vm_lock);
	if (err) {
		kfree(a);
		return NULL;
	}
	if ((flags & VM_PREFAULT) && vm_populate(a, 0, a->size)) {
		vm_area_destroy(a);
		return NULL;
	}
	return a;
}

/* Frames unmapped but maybe still cached in TLBs, with the addresses to
 * flush. */
struct batch {
	unsigned n;
	bool pool; /* to the pool (zeroed) rather than the allocator */
	struct batch *more; /* full batches of the same round (kmalloc'd) */
	paddr_t pa[BATCH];  /* bit 0: a 2 MiB frame */
	uint64_t va[BATCH];
};

static void batch_release(struct batch *b);

/* pt_unmap's callback. A pass may meet more leaves than one batch holds:
 * pages that fault back in during vm_unmap (the caller's race) are met
 * again by the last pass, which covers the whole range. A full batch moves
 * to a new block on b->more, all released in one shootdown after the
 * pass; releasing on the spot, one round per batch, is the fallback when
 * no block can be had. */
static void batch_leaf(void *arg, uint64_t va, paddr_t pa, uint64_t flags,
		       int level)
{
	struct batch *b = arg;
	if (b->n == BATCH) {
		/* Met only when pages faulted back in: the scan pauses in
		 * the middle of a table, with faults behind it. */
		DELAY_POINT("vm.unmap_range.batch_full");
		struct batch *full = kmalloc(sizeof(*full));
		if (full) {
			memcpy(full, b, sizeof(*full));
			b->more = full;
			b->n = 0;
		} else {
			batch_release(b);
		}
	}
	b->va[b->n] = va;
	b->pa[b->n++] = pa | (level > 1);
}

/* Frees the frames of one batch; the caller flushed them. Returns the
 * 4 KiB frames that left areas. */
static int64_t batch_free(struct batch *b)
{
	int64_t frames = 0;

	for (unsigned i = 0; i < b->n; i++) {
		paddr_t pa = b->pa[i] & ~1UL;
		if (frame_refcount(pa) > 1) { /* a snapshot still has it */
			frame_unref(pa);
			continue;
		}
		if (b->pa[i] & 1) {
			frame_free(pa, FRAME_ORDER_MAX);
			frames += 512;
		} else if (b->pool) {
			zero_frames(pa, 0);
			uint64_t irq = irq_save();
			frame_give(&vm_cpus[cpu_id()], pa);
			irq_restore(irq);
			frames++;
		} else {
			frame_free(pa, 0);
			frames++;
		}
	}
	b->n = 0;
	return frames;
}

/* Flushes the batch's pages (and those of its full batches) from every
 * TLB, then frees their frames. */
static void batch_release(struct batch *b)
{
	if (!b->n && !b->more)
		return;
	/* invlpg of a 2 MiB page's start drops it */
	tlb_shootdown(b->more ? NULL : b->va, b->more ? 0 : b->n);
	int64_t frames = batch_free(b);
	while (b->more) {
		struct batch *full = b->more;
		b->more = full->more;
		frames += batch_free(full);
		kfree(full);
	}
	preempt_disable();
	count_mapped(&vm_cpus[cpu_id()], -frames);
	preempt_enable();
}

/* Removes every page of [va, end), BATCH leaves per shootdown round, then
 * frees the tables the range covers wholly (one more round if any).
 * Under vm_lock. */
static void unmap_range(uint64_t va, uint64_t end, uint64_t page, bool pool)
{
	struct batch *b = kmalloc(sizeof(*b));
	struct batch small;
	uint64_t start = va, chunk = BATCH * page;

	if (!b) /* no memory for a batch */
		b = &small;
	b->n = 0;
	b->pool = pool;
	b->more = NULL;
	for (; va < end; va += chunk) {
		uint64_t len = end - va < chunk ? end - va : chunk;
		pt_unmap(&vm_pt, va, len, batch_leaf, b);
		batch_release(b);
	}
	DELAY_POINT("vm.unmap_range.before_tables");
	uint64_t freed = vm_pt.tables_freed;
	pt_unmap(&vm_pt, start, end - start, batch_leaf, b);
	batch_release(b); /* leaves only if the caller raced its own unmap */
	if (vm_pt.tables_freed != freed)
		tlb_shootdown(NULL, 0);
	if (b != &small)
		kfree(b);
}

/* Under vm_lock. Out of the array first: faults that saw a have finished
 * after dir_change(), later ones find nothing. */
void vm_area_remove(struct vm_area *a)
{
	while (dir_change(NULL, a))
		thread_sleep_ns(1000000); /* no memory for the array: wait */
}

/* Under vm_lock, after vm_area_remove() and emptying a's range. */
void vm_area_forget(struct vm_area *a)
{
	va_next = va_top();
	__atomic_store_n(&nareas, nareas - 1, __ATOMIC_RELAXED);
	kfree(a);
}

int vm_area_destroy(struct vm_area *a)
{
	if (!a)
		return -EINVAL;
	if (a->src)
		return vm_snapshot_destroy(a, 0);
	mutex_lock(&vm_lock);
	if (a->snaps) {
		mutex_unlock(&vm_lock);
		return -EBUSY;
	}
	vm_area_remove(a);
	unmap_range(a->base, a->base + a->span, page_size(a), false);
	/* Frames pooled by VM_SNAP_NOFREE were kept for the copy-on-write
	 * faults of areas with snapshots: they go when such an area does,
	 * not with every temporary area. */
	if (a->cow)
		snap_pool_drain();
	vm_area_forget(a);
	mutex_unlock(&vm_lock);
	return 0;
}

void *vm_area_base(const struct vm_area *a)
{
	return a ? (void *)a->base : NULL;
}

uint64_t vm_area_size(const struct vm_area *a)
{
	return a ? a->size : 0;
}

/* ---- ranges inside an area --------------------------------------------- */

static bool range_ok(const struct vm_area *a, uint64_t off, uint64_t len)
{
	return a && len && !((off | len) & (page_size(a) - 1)) &&
	       off < a->size && len <= a->size - off;
}

static bool prot_ok(unsigned prot)
{
	return (prot & VM_READ) && !(prot & ~(VM_READ | VM_WRITE));
}

/* Under vm_lock. */
static int populate(struct vm_area *a, uint64_t off, uint64_t len)
{
	uint64_t page = page_size(a);

	for (uint64_t va = a->base + off; va < a->base + off + len; va += page) {
		if (pt_is_present(&vm_pt, va))
			continue;
		bool fast;
		uint64_t irq = irq_save();
		int err = install(&vm_cpus[cpu_id()], a, va, PTE_W | PTE_AREA,
				  &fast);
		irq_restore(irq);
		if (err < 0)
			return err;
	}
	return 0;
}

/* Under vm_lock. */
static int protect(struct vm_area *a, uint64_t off, uint64_t len,
		   unsigned prot)
{
	uint64_t va = a->base + off, npages = len / page_size(a);
	bool wr = prot & VM_WRITE;
	/* PTE_COW says "read-only only because a snapshot shares the frame,
	 * a write copies or takes it over". No snapshot exists here
	 * (frozen()), and from now on the protection is the caller's: the
	 * mark goes, or the next write would take the page over and set W
	 * against a read-only request. */
	long n = pt_protect(&vm_pt, va, len, wr ? PTE_W : 0,
			   wr ? PTE_COW : PTE_W | PTE_COW);

	if (n < 0)
		return (int)n;
	if (n && !wr) { /* removing a permission must reach every TLB */
		uint64_t vas[TLB_BATCH];
		bool each = !(a->flags & VM_HUGE) && npages <= TLB_BATCH;
		for (unsigned i = 0; each && i < npages; i++)
			vas[i] = va + i * PT_PAGE;
		tlb_shootdown(each ? vas : NULL, each ? npages : 0);
	}
	return 0;
}

/* Under vm_lock: a source with live snapshots shares its frames and page
 * tables, and a snapshot is read-only; neither may be changed. */
static bool frozen(const struct vm_area *a)
{
	return a->snaps || a->src;
}

int vm_populate(struct vm_area *a, uint64_t off, uint64_t len)
{
	if (!range_ok(a, off, len))
		return -EINVAL;
	mutex_lock(&vm_lock);
	int err = frozen(a) ? -EBUSY : populate(a, off, len);
	mutex_unlock(&vm_lock);
	return err;
}

int vm_map(struct vm_area *a, uint64_t off, uint64_t len, unsigned prot)
{
	if (!range_ok(a, off, len) || !prot_ok(prot))
		return -EINVAL;
	mutex_lock(&vm_lock);
	int err = frozen(a) ? -EBUSY : populate(a, off, len);
	if (!err)
		err = protect(a, off, len, prot);
	mutex_unlock(&vm_lock);
	return err;
}

int vm_protect(struct vm_area *a, uint64_t off, uint64_t len, unsigned prot)
{
	if (!range_ok(a, off, len) || !prot_ok(prot))
		return -EINVAL;
	mutex_lock(&vm_lock);
	int err = frozen(a) ? -EBUSY : protect(a, off, len, prot);
	mutex_unlock(&vm_lock);
	return err;
}

int vm_unmap(struct vm_area *a, uint64_t off, uint64_t len)
{
	if (!range_ok(a, off, len))
		return -EINVAL;
	mutex_lock(&vm_lock);
	bool busy = frozen(a);
	if (!busy)
		unmap_range(a->base + off, a->base + off + len, page_size(a),
			    true);
	mutex_unlock(&vm_lock);
	return busy ? -EBUSY : 0;
}

bool vm_is_present(const void *addr)
{
	return vm_ready && pt_is_present(&vm_pt, (uint64_t)addr);
}

void vm_refresh(const void *addr)
{
	invlpg(addr);
}

void vm_stats(struct vm_stats *st)
{
	int64_t mapped = 0;

	memset(st, 0, sizeof(*st));
	for (unsigned i = 0; i < MAX_CPUS; i++) {
		struct vm_cpu *c = &vm_cpus[i];
		mapped += __atomic_load_n(&c->mapped, __ATOMIC_RELAXED);
		st->pooled += __atomic_load_n(&c->npool, __ATOMIC_RELAXED);
		st->faults += __atomic_load_n(&c->faults, __ATOMIC_RELAXED);
		st->fast_faults +=
		    __atomic_load_n(&c->fast_faults, __ATOMIC_RELAXED);
	}
	st->frames = (uint64_t)mapped;
	st->pooled += snap_pooled();
	snap_counts(&st->cow_copies, &st->cow_takeovers, &st->ahead_copies);
	st->tables = __atomic_load_n(&vm_pt.tables_allocated, __ATOMIC_RELAXED) -
		     __atomic_load_n(&vm_pt.tables_freed, __ATOMIC_RELAXED);
	st->areas = __atomic_load_n(&nareas, __ATOMIC_RELAXED);
	tlb_counts(&st->shootdowns, &st->ipis);
}
