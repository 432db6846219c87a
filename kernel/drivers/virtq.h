/* SPDX-License-Identifier: MIT */
/* virtq.h: the driver's side of a virtio split virtqueue (portable; the
 * host unit tests run it against a simulated device).
 *
 * Virtio 1.2, 2.7: a descriptor table, the available ring (driver ->
 * device) and the used ring (device -> driver), all little-endian (as is
 * x86). With VIRTIO_F_EVENT_IDX (2.7.10) the driver tells the device at
 * which used index it wants the next interrupt (used_event, after the
 * avail ring) and the device tells the driver after which avail index it
 * wants the next notification (avail_event, after the used ring).
 *
 * A virtq is not thread-safe: its owner (one thread, or a lock) serialises
 * every call. Nothing here allocates or sleeps. */
#ifndef DRIVERS_VIRTQ_H
#define DRIVERS_VIRTQ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VIRTQ_DESC_F_NEXT 1
#define VIRTQ_DESC_F_WRITE 2
#define VIRTQ_USED_F_NO_NOTIFY 1
#define VIRTQ_SIZE_MAX 32768

struct virtq_desc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags;
	uint16_t next;
};

struct virtq_avail {
	uint16_t flags;
	uint16_t idx;
	uint16_t ring[]; /* [size], then used_event */
};

struct virtq_used_elem {
	uint32_t id;
	uint32_t len;
};

struct virtq_used {
	uint16_t flags;
	uint16_t idx;
	struct virtq_used_elem ring[]; /* [size], then avail_event */
};

/* One buffer of a chain: device address and length. */
struct virtq_buf {
	uint64_t addr;
	uint32_t len;
};

struct virtq {
	uint16_t size; /* power of two */
	bool event_idx;
	bool irq_off; /* virtq_irq_off() in force */
	struct virtq_desc *desc;
	struct virtq_avail *avail;
	struct virtq_used *used;
	uint16_t free_head, num_free;
	uint16_t avail_idx;  /* next avail index (published or not) */
	uint16_t kicked_idx; /* avail->idx at the last virtq_publish() */
	uint16_t last_used;  /* next used entry to read */
	void **cookie;	     /* [size], by head descriptor */
};

/* Bytes of memory virtq_init() needs for a ring of `size` entries. */
size_t virtq_mem_size(uint16_t size);

/* Lays the rings out in mem (zeroed here; 16-byte aligned, device-visible)
 * and cookies (size pointers). Returns 0, or -EINVAL unless size is a
 * power of two in 1..VIRTQ_SIZE_MAX. */
int virtq_init(struct virtq *vq, void *mem, void **cookies, uint16_t size,
	       bool event_idx);

/* Offsets of the avail and used rings from the start of mem. */
size_t virtq_avail_offset(uint16_t size);
size_t virtq_used_offset(uint16_t size);

/* Chains n_out device-readable then n_in device-writable buffers and
 * queues the chain (not yet visible: see virtq_publish). cookie (not NULL)
 * comes back from virtq_get_used. Returns 0, -ENOSPC without enough free
 * descriptors, -EINVAL for an empty chain. */
int virtq_add(struct virtq *vq, const struct virtq_buf *bufs, unsigned n_out,
	      unsigned n_in, void *cookie);

/* Makes queued chains visible to the device; returns whether the device
 * must be notified. */
bool virtq_publish(struct virtq *vq);

/* The next chain the device has finished with: returns its cookie and
 * stores the bytes the device wrote in *len; NULL if there is none. */
void *virtq_get_used(struct virtq *vq, uint32_t *len);

/* Whether the device has finished chains not yet taken. */
bool virtq_has_used(const struct virtq *vq);

/* Asks the device not to interrupt (a hint: it may still). */
void virtq_irq_off(struct virtq *vq);

/* Asks for an interrupt at the next used chain. Returns false if chains
 * arrived meanwhile: the caller must take them rather than wait. */
bool virtq_irq_on(struct virtq *vq);

/* Virtio 1.2, 2.7.10: whether moving an index from old to new_idx passed
 * event (the other side asked to be told at event). */
static inline bool virtq_need_event(uint16_t event, uint16_t new_idx,
				    uint16_t old)
{
	return (uint16_t)(new_idx - event - 1) < (uint16_t)(new_idx - old);
}

#endif
