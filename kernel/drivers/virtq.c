/* SPDX-License-Identifier: MIT */
/* virtq.c: split virtqueue, driver side (virtq.h).
 *
 * Ordering (virtio 1.2, 2.7.13): descriptors and ring entries are written
 * before avail->idx (release store); the device's avail_event or
 * used->flags is read only after a full fence that follows the idx store,
 * else a device that just went to sleep could be missed. On the used side
 * used->idx is read with acquire before the entries it covers. */
#include <string.h>
#include <unidb/errno.h>

#include "drivers/virtq.h"

#define ALIGN_UP(x, a) (((x) + (a)-1) & ~((size_t)(a)-1))
#define RING_ALIGN 64 /* used ring on its own cache line */

size_t virtq_avail_offset(uint16_t size)
{
	return sizeof(struct virtq_desc) * size;
}

size_t virtq_used_offset(uint16_t size)
{
	return ALIGN_UP(virtq_avail_offset(size) + 6 + 2 * (size_t)size,
			RING_ALIGN);
}

size_t virtq_mem_size(uint16_t size)
{
	return virtq_used_offset(size) + 6 +
	       sizeof(struct virtq_used_elem) * (size_t)size;
}

static volatile uint16_t *used_event(struct virtq *vq)
{
	return &vq->avail->ring[vq->size];
}

static volatile uint16_t *avail_event(const struct virtq *vq)
{
	return (volatile uint16_t *)&vq->used->ring[vq->size];
}

int virtq_init(struct virtq *vq, void *mem, void **cookies, uint16_t size,
	       bool event_idx)
{
	if (size == 0 || size > VIRTQ_SIZE_MAX || (size & (size - 1)))
		return -EINVAL;
	memset(mem, 0, virtq_mem_size(size));
	memset(cookies, 0, sizeof(void *) * size);
	*vq = (struct virtq){
	    .size = size,
	    .event_idx = event_idx,
	    .desc = mem,
	    .avail = (void *)((char *)mem + virtq_avail_offset(size)),
	    .used = (void *)((char *)mem + virtq_used_offset(size)),
	    .num_free = size,
	    .cookie = cookies,
	};
	for (uint16_t i = 0; i + 1 < size; i++)
		vq->desc[i].next = i + 1;
	return 0;
}

int virtq_add(struct virtq *vq, const struct virtq_buf *bufs, unsigned n_out,
	      unsigned n_in, void *cookie)
{
	unsigned n = n_out + n_in;

	if (n == 0 || !cookie)
		return -EINVAL;
	if (n > vq->num_free)
		return -ENOSPC;
	uint16_t head = vq->free_head, i = head, last = head;
	for (unsigned k = 0; k < n; k++) {
		struct virtq_desc *d = &vq->desc[i];
		d->addr = bufs[k].addr;
		d->len = bufs[k].len;
		d->flags = (k >= n_out ? VIRTQ_DESC_F_WRITE : 0) |
			   (k + 1 < n ? VIRTQ_DESC_F_NEXT : 0);
		last = i;
		i = d->next;
	}
	vq->free_head = vq->desc[last].next;
	vq->num_free -= n;
	vq->cookie[head] = cookie;
	vq->avail->ring[vq->avail_idx & (vq->size - 1)] = head;
	vq->avail_idx++;
	return 0;
}

bool virtq_publish(struct virtq *vq)
{
	uint16_t old = vq->kicked_idx, new_idx = vq->avail_idx;

	__atomic_store_n(&vq->avail->idx, new_idx, __ATOMIC_RELEASE);
	vq->kicked_idx = new_idx;
	if (old == new_idx)
		return false;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (vq->event_idx)
		return virtq_need_event(*avail_event(vq), new_idx, old);
	return !(__atomic_load_n(&vq->used->flags, __ATOMIC_RELAXED) &
		 VIRTQ_USED_F_NO_NOTIFY);
}

bool virtq_has_used(const struct virtq *vq)
{
	return __atomic_load_n(&vq->used->idx, __ATOMIC_ACQUIRE) !=
	       vq->last_used;
}

/* Puts the chain starting at head back on the free list. */
static void free_chain(struct virtq *vq, uint16_t head)
{
	uint16_t i = head, n = 1;

	while (vq->desc[i].flags & VIRTQ_DESC_F_NEXT) {
		i = vq->desc[i].next;
		n++;
	}
	vq->desc[i].next = vq->free_head;
	vq->free_head = head;
	vq->num_free += n;
}

void *virtq_get_used(struct virtq *vq, uint32_t *len)
{
	if (!virtq_has_used(vq))
		return NULL;
	struct virtq_used_elem *e =
	    &vq->used->ring[vq->last_used & (vq->size - 1)];
	uint32_t id = e->id;
	*len = e->len;
	vq->last_used++;
	if (id >= vq->size || !vq->cookie[id])
		return NULL; /* a broken device: ignore the entry */
	void *cookie = vq->cookie[id];
	vq->cookie[id] = NULL;
	free_chain(vq, (uint16_t)id);
	if (vq->event_idx && vq->irq_off)
		*used_event(vq) = vq->last_used + 0x8000; /* keep it ahead */
	return cookie;
}

void virtq_irq_off(struct virtq *vq)
{
	vq->irq_off = true;
	if (vq->event_idx)
		*used_event(vq) = vq->last_used + 0x8000; /* far away */
	else
		vq->avail->flags = 1; /* VIRTQ_AVAIL_F_NO_INTERRUPT */
}

bool virtq_irq_on(struct virtq *vq)
{
	vq->irq_off = false;
	if (vq->event_idx)
		*used_event(vq) = vq->last_used;
	else
		vq->avail->flags = 0;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	return !virtq_has_used(vq);
}
