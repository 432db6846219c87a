/* SPDX-License-Identifier: MIT */
/* snapshot.c: copy-on-write snapshots of vm areas (vm.h has the contract).
 *
 * Creation walks the source one page table (2 MiB of address space, a
 * "chunk") at a time. For every present page it takes a reference on the
 * frame, maps it read-only into the snapshot, and only then clears W and
 * sets PTE_COW in the source's entry -- in that order, so a write fault
 * on the now read-only page always finds the frame shared. A thread that
 * still holds a writable translation may write the shared frame until the
 * final shootdown; such writes overlap the call, which the contract
 * allows. The shootdown at the end makes every later write fault, and
 * copy-on-write faults wait for it: a copy made before it could miss a
 * write through such a translation (a lost update).
 *
 * A copy-on-write fault copies the frame into a new one and swaps it in
 * with one compare-and-swap on the PTE, or, when the snapshot no longer
 * holds the frame (refcount 1), sets W again. Refcounts decide: the
 * frame allocator keeps one per frame.
 *
 * With VM_SNAP_COPY_AHEAD the copy goes the other way: the snapshot's
 * entry gets the new frame and the source keeps its own, regaining W
 * (copy_out). Whoever swaps the snapshot's entry, the creator walking
 * the area or a writer that got to the page first, drops the snapshot's
 * reference on the old frame. The source's translations never change
 * frames, so nothing is flushed: a core with a stale read-only entry
 * takes one spurious fault.
 *
 * Work that helpers may share (creating with VM_SNAP_PARALLEL, destroying
 * with VM_SNAP_NOFREE) is published in `work` and handed out a chunk at a
 * time by fetch-and-add. There is one operation at a time (vm_lock); the
 * owner takes chunks too and, before it returns, withdraws `active` and
 * waits until no helper is inside (helpers count themselves in `helpers`
 * before they look at `active` again, so none can start late).
 *
 * Frames freed by destroy go back to the frame allocator, or with
 * VM_SNAP_NOFREE to a pool: a stack of batches under pool_lock, from which
 * copy-on-write faults take a batch at a time into a per-core cache.
 *
 * Lock order: vm_lock, then pool_lock (a spinlock, never held while
 * taking another). Faults take no lock except pool_lock. */
#include <string.h>
#include <unidb/errno.h>
#include <unidb/heap.h>
#include <unidb/spinlock.h>
#include <unidb/thread.h>
#include <unidb/vm.h>

#include "arch/x86_64/x86.h"
#include "core/delay.h"
#include "mm/frame.h"
#include "mm/tlb.h"
#include "mm/vm_internal.h"

#define CHUNK PT_HUGE_PAGE
#define PTE_SNAP (PTE_P | PTE_NX) /* a snapshot's pages: read-only data */
#define BATCH_FRAMES 510

struct work {
	struct vm_area *src, *snap;
	bool destroy;
	bool lazy; /* share page tables, not pages */
	uint64_t nchunks;
	uint64_t next;	  /* next chunk to hand out (atomic) */
	uint64_t done;	  /* chunks finished (atomic) */
	int error;	  /* first error of a helper (atomic) */
	unsigned helpers; /* helpers inside (atomic) */
};

static struct work work;
static struct work *active; /* &work while helpers are welcome */

/* A batch of free frames; lives in one of them. */
struct batch {
	struct batch *next;
	uint64_t n;
	paddr_t pa[BATCH_FRAMES];
};
_Static_assert(sizeof(struct batch) <= FRAME_SIZE, "batch fits a frame");

static struct spinlock pool_lock = SPINLOCK_INIT;
static struct batch *pool;	       /* full batches, under pool_lock */
static uint64_t pool_frames;	       /* frames in pool, incl. batch frames */
static struct batch *cache[MAX_CPUS];  /* per core, interrupts off */
/* Per core: pages copied by faults, taken over by faults, copied ahead. */
static uint64_t copies[MAX_CPUS], takeovers[MAX_CPUS], ahead[MAX_CPUS];

uint64_t snap_pooled(void)
{
	uint64_t n = __atomic_load_n(&pool_frames, __ATOMIC_RELAXED);
	for (unsigned c = 0; c < MAX_CPUS; c++) {
		const struct batch *b = __atomic_load_n(&cache[c],
							__ATOMIC_ACQUIRE);
		n += b ? b->n + 1 : 0; /* exact only while nothing changes */
	}
	return n;
}

void snap_counts(uint64_t *c, uint64_t *t, uint64_t *a)
{
	*c = *t = *a = 0;
	for (unsigned i = 0; i < MAX_CPUS; i++) {
		*c += __atomic_load_n(&copies[i], __ATOMIC_RELAXED);
		*t += __atomic_load_n(&takeovers[i], __ATOMIC_RELAXED);
		*a += __atomic_load_n(&ahead[i], __ATOMIC_RELAXED);
	}
}

/* Returns every pooled frame to the frame allocator. Under vm_lock, with
 * no snapshot operation running. */
void snap_pool_drain(void)
{
	uint64_t irq = irq_save();
	for (unsigned c = 0; c < MAX_CPUS; c++) {
		/* An exchange: see frame_for_copy(). */
		struct batch *b = __atomic_exchange_n(&cache[c], NULL,
						      __ATOMIC_ACQ_REL);
		spin_lock(&pool_lock);
		if (b) {
			b->next = pool;
			pool = b;
			pool_frames += b->n + 1;
		}
		spin_unlock(&pool_lock);
	}
	spin_lock(&pool_lock);
	struct batch *list = pool;
	pool = NULL;
	pool_frames = 0;
	spin_unlock(&pool_lock);
	irq_restore(irq);
	while (list) {
		struct batch *b = list;
		list = b->next;
		for (uint64_t i = 0; i < b->n; i++)
			frame_free(b->pa[i], 0);
		frame_free(virt_to_phys(b), 0);
	}
}

/* A frame for a copy (contents undefined, refcount 1). Interrupts off.
 * The core's cached batch is taken out of its slot while frames are
 * popped from it, and put back after: snap_pool_drain() on another core
 * empties the slots with an exchange as well, so a batch is either
 * drained or in use here, never both (a plain load here and a plain store
 * there let a drain free the batch, and the frame being popped, under
 * a fault). */
static paddr_t frame_for_copy(void)
{
	struct batch **slot = &cache[cpu_id()];
	struct batch *b = __atomic_exchange_n(slot, NULL, __ATOMIC_ACQUIRE);

	if (!b && __atomic_load_n(&pool, __ATOMIC_RELAXED)) {
		spin_lock(&pool_lock);
		if ((b = pool)) {
			pool = b->next;
			pool_frames -= b->n + 1;
		}
		spin_unlock(&pool_lock);
	}
	if (!b)
		return frame_alloc(0);
	DELAY_POINT("snap.frame_for_copy.before_pop");
	paddr_t pa;
	if (b->n) {
		pa = b->pa[--b->n];
		__atomic_store_n(slot, b, __ATOMIC_RELEASE);
	} else {
		pa = virt_to_phys(b); /* the batch's own frame goes last */
	}
	frame_ref(pa); /* pooled frames have refcount 0 */
	return pa;
}

/* Frames whose last reference was dropped, on their way out: listed in
 * batches, not linked through the frames themselves. Until the shootdown
 * that follows, a core may still read such a frame through a stale
 * translation (a page of the source copied by a VM_SNAP_READER fault
 * keeps its old entry on other cores until they refresh or that
 * shootdown), and the contract says it then reads the snapshot's value,
 * so nothing is written into a freed frame before the shootdown: a batch
 * is a fresh frame from the allocator (only when none is left, the
 * freed frame itself). Released after the shootdown: to the frame
 * allocator, or with VM_SNAP_NOFREE the 4 KiB batches whole onto the
 * pool. */
struct freed {
	struct batch *small; /* 4 KiB frames; the first batch is filling */
	struct batch *huge;  /* 2 MiB frames (never pooled), likewise */
	uint64_t n;	     /* in 4 KiB frames */
	bool pool;
};

/* Destroy: what helpers freed, under pool_lock; the owner takes it over
 * once they have left (run_work). */
static struct freed helped;

static void list_add(struct batch **head, paddr_t pa)
{
	struct batch *b = *head;
	if (!b || b->n == BATCH_FRAMES) {
		paddr_t bpa = frame_alloc(0);
		struct batch *nb = phys_to_virt(bpa ? bpa : pa);
		nb->n = 0;
		nb->next = b;
		*head = nb;
		if (!bpa)
			return; /* out of memory: the frame is the batch */
		frame_unref(bpa); /* like every frame it lists (pooled: 0) */
		b = nb;
	}
	b->pa[b->n++] = pa;
}

static void freed_add_huge(struct freed *f, paddr_t pa)
{
	list_add(&f->huge, pa);
	f->n += 512;
}

static void freed_add(struct freed *f, paddr_t pa)
{
	list_add(&f->small, pa);
	f->n++;
}

/* Moves a helper's frames to the owner's list (under pool_lock). */
static void freed_move(struct freed *to, struct freed *from)
{
	struct batch **heads[2][2] = {{&from->small, &to->small},
				      {&from->huge, &to->huge}};
	for (int i = 0; i < 2; i++) {
		struct batch *b = *heads[i][0], *last = b;
		if (!b)
			continue;
		while (last->next)
			last = last->next;
		last->next = *heads[i][1];
		*heads[i][1] = b;
		*heads[i][0] = NULL;
	}
	to->n += from->n;
	from->n = 0;
}

/* After the shootdown: frees the frames or hands them to the pool. Each
 * batch's own frame goes with its frames. */
static void freed_release(struct freed *f)
{
	while (f->huge) {
		struct batch *b = f->huge;
		f->huge = b->next;
		for (uint64_t i = 0; i < b->n; i++)
			frame_free(b->pa[i], FRAME_ORDER_MAX);
		frame_free(virt_to_phys(b), 0);
	}
	while (f->small) {
		struct batch *b = f->small;
		f->small = b->next;
		if (!f->pool) {
			for (uint64_t i = 0; i < b->n; i++)
				frame_free(b->pa[i], 0);
			frame_free(virt_to_phys(b), 0);
			continue;
		}
		spin_lock(&pool_lock);
		b->next = pool;
		pool = b;
		pool_frames += b->n + 1;
		spin_unlock(&pool_lock);
	}
	vm_count_frames(-(int64_t)f->n);
}

/* ---- creation ----------------------------------------------------------- */

/* Shares one source entry (a 4 KiB or 2 MiB leaf) through *dst, then
 * write-protects it. */
static void share_leaf(uint64_t *src, uint64_t e, uint64_t *dst)
{
	paddr_t pa = e & PTE_ADDR;
	frame_ref(pa); /* a 2 MiB frame counts on its first 4 KiB frame */
	__atomic_store_n(dst, pa | PTE_SNAP | (e & PT_HUGE), __ATOMIC_RELEASE);
	DELAY_POINT("snap.share_leaf.before_cas");
	/* The MMU may set A or D meanwhile: a CAS loop keeps them. The
	 * entry always changes (PTE_SHARE_GEN), even when it was copy-on-write
	 * already: see PTE_SHARE_GEN. */
	while (!__atomic_compare_exchange_n(src, &e,
					    ((e & ~PTE_W) | PTE_COW) ^
						PTE_SHARE_GEN,
					    false, __ATOMIC_ACQ_REL,
					    __ATOMIC_ACQUIRE))
		;
}

/* VM_SNAP_LAZY: shares the page table itself, write-protected in both
 * page-directory entries. */
static int share_table(uint64_t *spde, uint64_t v, uint64_t dva)
{
	paddr_t pt = v & PTE_ADDR;
	uint64_t *dpde = pt_entry(&vm_pt, dva, 2, true);

	if (!dpde)
		return -ENOMEM;
	frame_ref(pt);
	__atomic_store_n(dpde, pt | PTE_P | PDE_SHARED, __ATOMIC_RELEASE);
	while (!__atomic_compare_exchange_n(spde, &v,
					    ((v & ~PTE_W) | PDE_SHARED) ^
						PTE_SHARE_GEN,
					    false, __ATOMIC_ACQ_REL,
					    __ATOMIC_ACQUIRE))
		;
	return 0;
}

/* Shares the pages of chunk i of src with snap. Any context. */
static int copy_chunk(struct vm_area *src, struct vm_area *snap, uint64_t i,
		      bool lazy)
{
	uint64_t sva = src->base + i * CHUNK, dva = snap->base + i * CHUNK;
	uint64_t *spde = pt_entry(&vm_pt, sva, 2, false);
	uint64_t v = spde ? __atomic_load_n(spde, __ATOMIC_ACQUIRE) : 0;

	if (!v)
		return 0; /* nothing mapped in this chunk */
	if (lazy && !(v & PT_HUGE))
		return share_table(spde, v, dva);
	if (v & PDE_SHARED) /* left by an old lazy snapshot: take it back */
		snap_unshare(src, sva);
	v = __atomic_load_n(spde, __ATOMIC_ACQUIRE);
	if (v & PT_HUGE) {
		uint64_t *dpde = pt_entry(&vm_pt, dva, 2, true);
		if (!dpde)
			return -ENOMEM;
		share_leaf(spde, v, dpde);
		return 0;
	}
	uint64_t *st = pt_table(&vm_pt, v);
	uint64_t *dt = NULL;
	for (int j = 0; j < 512; j++) {
		uint64_t e = __atomic_load_n(&st[j], __ATOMIC_ACQUIRE);
		if (!(e & PTE_P))
			continue;
		if (!dt && !(dt = pt_entry(&vm_pt, dva, 1, true)))
			return -ENOMEM;
		share_leaf(&st[j], e, &dt[j]);
	}
	return 0;
}

static int destroy_chunk(struct vm_area *snap, uint64_t i, struct freed *f);

/* Takes and does chunks of w until none is left. Any context. */
static void do_chunks(struct work *w, struct freed *f)
{
	for (;;) {
		uint64_t i = __atomic_fetch_add(&w->next, 1, __ATOMIC_RELAXED);
		if (i >= w->nchunks)
			return;
		int err = w->destroy ? destroy_chunk(w->snap, i, f)
				     : copy_chunk(w->src, w->snap, i, w->lazy);
		if (err)
			__atomic_store_n(&w->error, err, __ATOMIC_RELAXED);
		__atomic_fetch_add(&w->done, 1, __ATOMIC_RELEASE);
	}
}

/* Helps with the published operation, if any. A helper that destroys
 * collects frames in its own list and hands it to the owner before it
 * leaves: they may be reused only after the owner's shootdown. */
static void help(struct vm_area *only_src)
{
	if (!__atomic_load_n(&active, __ATOMIC_RELAXED))
		return;
	__atomic_fetch_add(&work.helpers, 1, __ATOMIC_SEQ_CST);
	struct work *w = __atomic_load_n(&active, __ATOMIC_SEQ_CST);
	if (w && (!only_src || (w->src == only_src && !w->destroy))) {
		struct freed f = {.pool = true};
		do_chunks(w, &f);
		if (f.n) {
			uint64_t irq = irq_save();
			spin_lock(&pool_lock);
			freed_move(&helped, &f);
			spin_unlock(&pool_lock);
			irq_restore(irq);
		}
	}
	__atomic_fetch_sub(&work.helpers, 1, __ATOMIC_RELEASE);
}

void vm_snapshot_help(void)
{
	help(NULL);
}

/* Runs w with helpers if `shared`, and returns when all chunks are done
 * and no helper is inside any more. */
static int run_work(struct vm_area *src, struct vm_area *snap, bool destroy,
		    bool lazy, bool shared, struct freed *f)
{
	work.src = src;
	work.snap = snap;
	work.destroy = destroy;
	work.lazy = lazy;
	work.nchunks = snap->span / CHUNK; /* the same as the source's */
	work.next = work.done = 0;
	work.error = 0;
	if (shared)
		__atomic_store_n(&active, &work, __ATOMIC_SEQ_CST);
	do_chunks(&work, f);
	while (__atomic_load_n(&work.done, __ATOMIC_ACQUIRE) < work.nchunks)
		cpu_relax(); /* helpers finish their last chunk */
	__atomic_store_n(&active, NULL, __ATOMIC_SEQ_CST);
	while (__atomic_load_n(&work.helpers, __ATOMIC_SEQ_CST))
		cpu_relax();
	if (f)
		freed_move(f, &helped); /* no helper is left to add */
	return work.error;
}

/* Copies with 8-byte moves (rep movsb is slow under QEMU TCG). */
static void copy_frame(paddr_t to, paddr_t from, uint64_t bytes)
{
	uint64_t *d = phys_to_virt(to);
	const uint64_t *s = phys_to_virt(from);
	for (uint64_t i = 0; i < bytes / 8; i += 4) {
		d[i] = s[i];
		d[i + 1] = s[i + 1];
		d[i + 2] = s[i + 2];
		d[i + 3] = s[i + 3];
	}
}

/* VM_SNAP_COPY_AHEAD: the source entry *spte (last seen as e) shares its
 * frame with the snapshot entry *dpte (or did). Gives the snapshot a copy
 * unless it has one, counting the copy in count[this core], then gives the
 * source write access back. Interrupts off. Returns 0, or -ENOMEM. */
static int copy_out(uint64_t *spte, uint64_t e, uint64_t *dpte, bool huge,
		    uint64_t *count)
{
	unsigned order = huge ? FRAME_ORDER_MAX : 0;
	paddr_t old = pt_leaf_pa(e, huge ? 2 : 1);
	uint64_t d = __atomic_load_n(dpte, __ATOMIC_ACQUIRE);

	if ((d & PTE_P) && (d & PTE_ADDR) == old) {
		paddr_t pa = huge ? frame_alloc(order) : frame_for_copy();
		if (!pa)
			return -ENOMEM;
		copy_frame(pa, old, FRAME_SIZE << order);
		if (__atomic_compare_exchange_n(dpte, &d, pa | (d & ~PTE_ADDR),
						false, __ATOMIC_ACQ_REL,
						__ATOMIC_RELAXED)) {
			frame_unref(old); /* the source still holds it */
			vm_count_frames(1L << order);
			count[cpu_id()]++;
		} else { /* copied by another core, or the snapshot went */
			frame_unref(pa);
			frame_free(pa, order);
		}
	}
	/* The MMU may set A or D meanwhile: a CAS loop keeps them. */
	while (!(e & PTE_W) &&
	       !__atomic_compare_exchange_n(spte, &e, (e | PTE_W) & ~PTE_COW,
					    false, __ATOMIC_ACQ_REL,
					    __ATOMIC_ACQUIRE))
		;
	return 0;
}

/* VM_SNAP_COPY_AHEAD after creation: copies every page still shared. */
static int copy_ahead(struct vm_area *src, struct vm_area *snap)
{
	for (uint64_t off = 0; off < src->span; off += CHUNK) {
		uint64_t *spde = pt_entry(&vm_pt, src->base + off, 2, false);
		uint64_t *dpde = pt_entry(&vm_pt, snap->base + off, 2, false);
		uint64_t v = spde ? __atomic_load_n(spde, __ATOMIC_ACQUIRE) : 0;
		uint64_t dv = dpde ? __atomic_load_n(dpde, __ATOMIC_ACQUIRE) : 0;
		int err = 0;
		if (!v || !dv)
			continue; /* nothing shared in this chunk */
		if (v & PT_HUGE) {
			uint64_t irq = irq_save();
			if (v & PTE_COW)
				err = copy_out(spde, v, dpde, true, ahead);
			irq_restore(irq);
			if (err)
				return err;
			continue;
		}
		uint64_t *st = pt_table(&vm_pt, v);
		uint64_t *dt = pt_table(&vm_pt, dv);
		/* Interrupts off for 16 pages (tens of us) at a time. */
		for (int j = 0; j < 512 && !err; j += 16) {
			uint64_t irq = irq_save();
			for (int k = j; k < j + 16 && !err; k++) {
				uint64_t e = __atomic_load_n(&st[k],
							     __ATOMIC_ACQUIRE);
				if (e & PTE_COW) /* else a writer was first */
					err = copy_out(&st[k], e, &dt[k], false,
						       ahead);
			}
			irq_restore(irq);
		}
		if (err)
			return err;
	}
	return 0;
}

struct vm_area *vm_snapshot(struct vm_area *src, unsigned flags)
{
	if (!src || src->src ||
	    (flags & ~(VM_SNAP_PARALLEL | VM_SNAP_READER | VM_SNAP_LAZY |
		       VM_SNAP_COPY_AHEAD)) ||
	    ((flags & VM_SNAP_LAZY) && (flags & VM_SNAP_COPY_AHEAD)))
		return NULL;
	if (flags & VM_SNAP_LAZY)
		flags |= VM_SNAP_READER; /* unsharing a table flushes nothing */
	struct vm_area *snap = vm_area_create(src->size, src->flags & VM_HUGE);
	if (!snap)
		return NULL;

	mutex_lock(&vm_lock);
	if (src->snaps) { /* one snapshot of an area at a time */
		mutex_unlock(&vm_lock);
		vm_area_destroy(snap);
		return NULL;
	}
	snap->src = src;
	snap->cow = true;
	src->snaps++;
	__atomic_store_n(&src->snap, snap, __ATOMIC_RELEASE);
	src->cow = true;
	__atomic_store_n(&src->cow_flags, flags, __ATOMIC_RELEASE);
	__atomic_store_n(&src->creating, true, __ATOMIC_RELEASE);
	int err = run_work(src, snap, false, flags & VM_SNAP_LAZY,
			   flags & VM_SNAP_PARALLEL, NULL);
	/* From here on every write to src faults. */
	tlb_shootdown(NULL, 0);
	__atomic_store_n(&src->creating, false, __ATOMIC_RELEASE);
	if (!err && (flags & VM_SNAP_COPY_AHEAD))
		err = copy_ahead(src, snap);
	mutex_unlock(&vm_lock);
	if (err) {
		vm_snapshot_destroy(snap, 0);
		return NULL;
	}
	return snap;
}

/* ---- copy-on-write faults ---------------------------------------------- */

/* Drops a page table's references to its frames and frees it (the last
 * holder let go). Leaves of a table are 4 KiB pages. Any context. */
static void table_release(paddr_t pt, struct freed *f)
{
	uint64_t *t = phys_to_virt(pt);
	for (int j = 0; j < 512; j++) {
		uint64_t e = __atomic_load_n(&t[j], __ATOMIC_ACQUIRE);
		if (!(e & PTE_P))
			continue;
		paddr_t pa = e & PTE_ADDR;
		if (frame_unref(pa) != 0)
			continue;
		if (f) {
			freed_add(f, pa);
		} else {
			frame_free(pa, 0);
			vm_count_frames(-1);
		}
	}
	__atomic_fetch_add(&vm_pt.tables_freed, 1, __ATOMIC_RELAXED);
	tlb_defer_free(pt);
}

/* The snapshot took a private copy of a table it shared with the source,
 * which keeps the old one: from now on the frames are shared page by page
 * (the copy holds a reference on each), so the source's leaves become
 * copy-on-write like an eager snapshot's. Lazy sharing left them writable,
 * protected by the directory entry alone; once the source sees refcount 1
 * on the table it restores W there (snap_unshare), and a leaf that still
 * had W would write straight into a frame the snapshot maps. Done before
 * the table reference is dropped: until then the source's directory entry
 * has no W, so no write can pass. */
static void leaves_cow(uint64_t *t)
{
	for (int j = 0; j < 512; j++) {
		uint64_t e = __atomic_load_n(&t[j], __ATOMIC_ACQUIRE);
		/* The MMU may set A meanwhile: a CAS loop keeps it. */
		while ((e & PTE_P) && (e & PTE_W) &&
		       !__atomic_compare_exchange_n(&t[j], &e,
						    (e & ~PTE_W) | PTE_COW,
						    false, __ATOMIC_ACQ_REL,
						    __ATOMIC_ACQUIRE))
			;
	}
}

int snap_unshare(struct vm_area *a, uint64_t addr)
{
	uint64_t *pde = pt_entry(&vm_pt, addr, 2, false);
	uint64_t v = pde ? __atomic_load_n(pde, __ATOMIC_ACQUIRE) : 0;

	if ((v & (PTE_P | PT_HUGE | PDE_SHARED)) != (PTE_P | PDE_SHARED))
		return 0;
	paddr_t old = v & PTE_ADDR;
	bool source = !a->src; /* gets W back; a snapshot stays read-only */
	uint64_t mine = source ? PTE_P | PTE_W : PTE_P | PDE_SHARED;

	if (frame_refcount(old) == 1) { /* the other side let go */
		if (source)
			__atomic_compare_exchange_n(pde, &v, old | mine, false,
						    __ATOMIC_ACQ_REL,
						    __ATOMIC_RELAXED);
		return 0;
	}
	paddr_t npa = frame_alloc(0);
	if (!npa)
		return -ENOMEM;
	uint64_t *ot = phys_to_virt(old);
	uint64_t *nt = phys_to_virt(npa);
	for (int j = 0; j < 512; j++) {
		uint64_t e = __atomic_load_n(&ot[j], __ATOMIC_ACQUIRE);
		nt[j] = 0;
		if (!(e & PTE_P))
			continue;
		frame_ref(e & PTE_ADDR);
		nt[j] = source ? (e & ~(PTE_W | PTE_A | PTE_D)) | PTE_COW
			       : e & ~PTE_W;
	}
	DELAY_POINT("snap.unshare.before_cas");
	if (!__atomic_compare_exchange_n(pde, &v, npa | mine, false,
					 __ATOMIC_ACQ_REL, __ATOMIC_RELAXED)) {
		for (int j = 0; j < 512; j++) /* another core was first */
			if (nt[j] & PTE_P)
				frame_unref(nt[j] & PTE_ADDR);
		frame_free(npa, 0);
		return 0;
	}
	__atomic_fetch_add(&vm_pt.tables_allocated, 1, __ATOMIC_RELAXED);
	if (!source)
		leaves_cow(ot);
	if (frame_unref(old) == 0) /* the other side let go meanwhile */
		table_release(old, NULL);
	return 0;
}

int snap_cow_fault(struct vm_area *a, uint64_t addr, paddr_t *late)
{
	unsigned flags = __atomic_load_n(&a->cow_flags, __ATOMIC_ACQUIRE);
	unsigned me = cpu_id();

	if (flags & VM_SNAP_PARALLEL)
		help(a); /* creation in progress? share it first */
	if (a->src)
		return -EFAULT; /* a write to a snapshot */
	if (snap_unshare(a, addr))
		return -ENOMEM;
	uint64_t *pte = pt_entry(&vm_pt, addr, 1, false);
	if (!pte) /* a 2 MiB page is in the way of level 1 */
		pte = pt_entry(&vm_pt, addr, 2, false);
	uint64_t e = pte ? __atomic_load_n(pte, __ATOMIC_ACQUIRE) : 0;
	bool huge = e & PT_HUGE;
	unsigned order = huge ? FRAME_ORDER_MAX : 0;
	if (!(e & PTE_P))
		return 0; /* changed meanwhile: retry the access */
	if (e & PTE_W) { /* resolved by another core; our TLB was stale */
		invlpg((void *)addr);
		return 0;
	}
	if (!(e & PTE_COW))
		return -EFAULT;
	/* Until creation's shootdown, another core may still write the old
	 * frame through a writable translation: a copy made now could miss
	 * that write. So the access is retried until creation is over. Read
	 * after e: if this creation shared the page, its store of `creating`
	 * preceded that (acquire pairs with release). Creation that shares
	 * the page after this point changes the entry (PTE_SHARE_GEN), so the
	 * compare-and-swap below fails and the access is retried. Not by
	 * spinning here: interrupts are off, and the creating thread may be
	 * preempted on this very core; between retries they are on, so the
	 * timer can switch to it. */
	if (__atomic_load_n(&a->creating, __ATOMIC_ACQUIRE)) {
		tlb_poll();
		cpu_relax();
		return 0;
	}
	/* The snapshot outlives this fault: destroy clears a->snap, then
	 * waits for every fault in progress (vm_area_remove()) before it
	 * frees anything. */
	struct vm_area *snap = __atomic_load_n(&a->snap, __ATOMIC_ACQUIRE);
	if ((flags & VM_SNAP_COPY_AHEAD) && snap) {
		uint64_t *dpte = pt_entry(&vm_pt, snap->base + (addr - a->base),
					  huge ? 2 : 1, false);
		int err = dpte ? copy_out(pte, e, dpte, huge, copies) : -EFAULT;
		invlpg((void *)addr);
		return err;
	}
	paddr_t old = pt_leaf_pa(e, huge ? 2 : 1);
	/* A and D set, as the write being resolved would set them: else the
	 * retried access walks the tables again just to set them (costly
	 * under an emulator, and once per page for every page copied). */
	uint64_t keep = (e & (PTE_P | PT_PROT | PT_HUGE) & ~PTE_COW) | PTE_A |
			PTE_D;

	if (frame_refcount(old) == 1) { /* the snapshot let go: take over */
		DELAY_POINT("snap.cow_fault.takeover.before_cas");
		if (__atomic_compare_exchange_n(pte, &e, old | keep | PTE_W,
						false, __ATOMIC_ACQ_REL,
						__ATOMIC_RELAXED))
			takeovers[me]++;
		invlpg((void *)addr);
		return 0; /* more permission: no other TLB to flush */
	}
	paddr_t pa = huge ? frame_alloc(order) : frame_for_copy();
	if (!pa)
		return -ENOMEM;
	copy_frame(pa, old, FRAME_SIZE << order);
	DELAY_POINT("snap.cow_fault.copy.before_cas");
	if (!__atomic_compare_exchange_n(pte, &e, pa | keep | PTE_W, false,
					 __ATOMIC_ACQ_REL, __ATOMIC_RELAXED)) {
		frame_unref(pa); /* another core copied first */
		frame_free(pa, order);
		return 0;
	}
	copies[me]++;
	vm_count_frames(1L << order);
	DELAY_POINT("snap.cow_fault.copy.before_unref");
	invlpg((void *)addr);
	if (frame_unref(old) == 0) { /* the snapshot went meanwhile */
		/* Other cores may still read old through their entry for
		 * addr: it is freed after the shootdown (vm_fault). */
		vm_count_frames(-(1L << order));
		*late = old | huge;
		return SNAP_FAULT_SHOOTDOWN;
	}
	return flags & VM_SNAP_READER ? 0 : SNAP_FAULT_SHOOTDOWN;
}

/* ---- destruction -------------------------------------------------------- */

/* Drops the snapshot's references in chunk i. Any context. */
static int destroy_chunk(struct vm_area *snap, uint64_t i, struct freed *f)
{
	uint64_t *dpde = pt_entry(&vm_pt, snap->base + i * CHUNK, 2, false);
	uint64_t v = dpde ? __atomic_load_n(dpde, __ATOMIC_ACQUIRE) : 0;

	if (!v)
		return 0;
	if (v & PT_HUGE) {
		__atomic_store_n(dpde, 0, __ATOMIC_RELEASE);
		paddr_t pa = pt_leaf_pa(v, 2);
		if (frame_unref(pa) == 0)
			freed_add_huge(f, pa);
		return 0;
	}
	if (v & PDE_SHARED) { /* a lazily shared (or since copied) table */
		__atomic_store_n(dpde, 0, __ATOMIC_RELEASE);
		if (frame_unref(v & PTE_ADDR) == 0)
			table_release(v & PTE_ADDR, f);
		return 0;
	}
	uint64_t *dt = pt_table(&vm_pt, v);
	for (int j = 0; j < 512; j++) {
		uint64_t e = __atomic_exchange_n(&dt[j], 0, __ATOMIC_ACQ_REL);
		if (!(e & PTE_P))
			continue;
		paddr_t pa = e & PTE_ADDR;
		if (frame_unref(pa) == 0)
			freed_add(f, pa);
	}
	return 0;
}

int vm_snapshot_destroy(struct vm_area *snap, unsigned flags)
{
	if (!snap || !snap->src || (flags & ~VM_SNAP_NOFREE))
		return -EINVAL;
	struct freed f = {.pool = flags & VM_SNAP_NOFREE};

	mutex_lock(&vm_lock);
	__atomic_store_n(&snap->src->snap, NULL, __ATOMIC_RELEASE);
	vm_area_remove(snap);
	run_work(NULL, snap, true, false, flags & VM_SNAP_NOFREE, &f);
	/* The snapshot's page tables are empty now: unmapping frees them. */
	pt_unmap(&vm_pt, snap->base, snap->span, NULL, NULL);
	tlb_shootdown(NULL, 0); /* before any freed frame is reused */
	uint64_t irq = irq_save();
	freed_release(&f);
	irq_restore(irq);
	snap->src->snaps--;
	vm_area_forget(snap);
	mutex_unlock(&vm_lock);
	return 0;
}
