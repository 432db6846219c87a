/* SPDX-License-Identifier: MIT */
/* sync_test.c: stress tests of the sleeping locks; every counter is
 * checked exactly. Threads are unpinned, so on several cores they really
 * run in parallel, and on one core preemption interleaves them. */
#include <unidb/sync.h>
#include <unidb/test.h>
#include <unidb/thread.h>

#define WORKERS 8
#define ROUNDS 2000

static void run_workers(void (*fn)(void *), void *arg)
{
	struct thread *t[WORKERS];
	for (int i = 0; i < WORKERS; i++)
		t[i] = thread_create("worker", fn, arg, NULL);
	for (int i = 0; i < WORKERS; i++)
		if (t[i])
			thread_join(t[i]);
}

struct counted {
	struct mutex m;
	volatile unsigned long a, b;
};

static void mutex_worker(void *arg)
{
	struct counted *c = arg;
	for (int i = 0; i < ROUNDS; i++) {
		mutex_lock(&c->m);
		/* A non-atomic read-modify-write with a window in it. */
		unsigned long v = c->a;
		for (volatile int k = 0; k < 10; k++)
			;
		c->a = v + 1;
		mutex_unlock(&c->m);
	}
}

TEST(sync_mutex_counts_exactly)
{
	static struct counted c = {.m = MUTEX_INIT(c.m, "counted")};

	c.a = 0;
	run_workers(mutex_worker, &c);
	EXPECT_EQ(c.a, WORKERS * ROUNDS);
	EXPECT(mutex_trylock(&c.m));
	mutex_unlock(&c.m);
}

#define SLOTS 4
struct queue {
	struct mutex m;
	struct condvar not_full, not_empty;
	unsigned long buf[SLOTS];
	unsigned head, count;
	unsigned long produced_sum, consumed_sum, consumed;
};

static void producer(void *arg)
{
	struct queue *q = arg;
	for (unsigned long i = 1; i <= ROUNDS; i++) {
		mutex_lock(&q->m);
		while (q->count == SLOTS)
			condvar_wait(&q->not_full, &q->m);
		q->buf[(q->head + q->count++) % SLOTS] = i;
		q->produced_sum += i;
		condvar_signal(&q->not_empty);
		mutex_unlock(&q->m);
	}
}

static void consumer(void *arg)
{
	struct queue *q = arg;
	for (;;) {
		mutex_lock(&q->m);
		while (q->count == 0 && q->consumed < 4UL * ROUNDS)
			condvar_wait(&q->not_empty, &q->m);
		if (q->consumed == 4UL * ROUNDS) {
			condvar_broadcast(&q->not_empty);
			mutex_unlock(&q->m);
			return;
		}
		q->consumed_sum += q->buf[q->head];
		q->head = (q->head + 1) % SLOTS;
		q->count--;
		if (++q->consumed == 4UL * ROUNDS)
			condvar_broadcast(&q->not_empty);
		condvar_signal(&q->not_full);
		mutex_unlock(&q->m);
	}
}

TEST(sync_condvar_bounded_queue)
{
	static struct queue q = {.m = MUTEX_INIT(q.m, "queue"),
				 .not_full = CONDVAR_INIT(q.not_full),
				 .not_empty = CONDVAR_INIT(q.not_empty)};
	struct thread *t[8];

	for (int i = 0; i < 4; i++) {
		t[i] = thread_create("producer", producer, &q, NULL);
		t[4 + i] = thread_create("consumer", consumer, &q, NULL);
		ASSERT(t[i] && t[4 + i]);
	}
	for (int i = 0; i < 8; i++)
		thread_join(t[i]);
	EXPECT_EQ(q.consumed, 4UL * ROUNDS);
	EXPECT_EQ(q.produced_sum, 4UL * ROUNDS * (ROUNDS + 1) / 2);
	EXPECT_EQ(q.consumed_sum, q.produced_sum);
	EXPECT_EQ(q.count, 0);
}

struct pair {
	struct rwlock l;
	volatile unsigned long x, y; /* equal whenever no writer holds l */
	volatile unsigned long torn, reads;
};

static void rw_worker(void *arg)
{
	struct pair *p = arg;
	for (int i = 0; i < ROUNDS / 4; i++) {
		if (i % 4 == 0) {
			rwlock_write_lock(&p->l);
			p->x++;
			for (volatile int k = 0; k < 20; k++)
				;
			p->y++;
			rwlock_write_unlock(&p->l);
		} else {
			rwlock_read_lock(&p->l);
			if (p->x != p->y)
				__atomic_fetch_add(&p->torn, 1,
						   __ATOMIC_RELAXED);
			__atomic_fetch_add(&p->reads, 1, __ATOMIC_RELAXED);
			rwlock_read_unlock(&p->l);
		}
	}
}

TEST(sync_rwlock_readers_never_see_half_writes)
{
	static struct pair p = {.l = RWLOCK_INIT(p.l)};

	run_workers(rw_worker, &p);
	EXPECT_EQ(p.torn, 0);
	EXPECT_EQ(p.x, WORKERS * (ROUNDS / 16));
	EXPECT_EQ(p.y, p.x);
	EXPECT_EQ(p.reads, WORKERS * (ROUNDS / 4 - ROUNDS / 16));
	EXPECT_EQ(p.l.readers, 0);
	EXPECT(!p.l.writer);
}

struct gate {
	struct semaphore slots;
	struct completion go;
	volatile int inside, max_inside;
};

static void gated(void *arg)
{
	struct gate *g = arg;
	completion_wait(&g->go);
	for (int i = 0; i < 200; i++) {
		semaphore_down(&g->slots);
		int n = __atomic_add_fetch(&g->inside, 1, __ATOMIC_ACQ_REL);
		int m = g->max_inside;
		while (n > m && !__atomic_compare_exchange_n(
				    &g->max_inside, &m, n, false,
				    __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
			;
		thread_yield();
		__atomic_sub_fetch(&g->inside, 1, __ATOMIC_ACQ_REL);
		semaphore_up(&g->slots);
	}
}

TEST(sync_semaphore_limits_and_completion_releases_all)
{
	static struct gate g = {.slots = SEMAPHORE_INIT(g.slots, 2),
				.go = COMPLETION_INIT(g.go)};
	struct thread *t[WORKERS];

	for (int i = 0; i < WORKERS; i++) {
		t[i] = thread_create("gated", gated, &g, NULL);
		ASSERT(t[i]);
	}
	thread_yield(); /* let them block on the completion */
	completion_complete(&g.go);
	for (int i = 0; i < WORKERS; i++)
		thread_join(t[i]);
	EXPECT(g.max_inside >= 1);
	EXPECT(g.max_inside <= 2);
	EXPECT_EQ(g.inside, 0);
	EXPECT_EQ(g.slots.count, 2);
	completion_wait(&g.go); /* already done: returns at once */
}
