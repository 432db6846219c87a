/* SPDX-License-Identifier: MIT */
/* virtq_test.c: the split virtqueue against a simulated device (index
 * wrap-around, event index suppression both ways, chains), and the PCI
 * capability walk over fake configuration spaces. */
#include <stdint.h>
#include <stdlib.h>

#include "drivers/pci_cap.h"
#include "drivers/virtq.h"
#include "unit.h"
#include <unidb/errno.h>

/* ---- a simulated device -----------------------------------------------------
 */

struct sim {
	struct virtq vq;
	void *mem;
	void **cookies;
	uint16_t dev_avail; /* next avail entry the device reads */
	uint16_t dev_used;  /* device's used idx */
	uint16_t signalled; /* used idx at the last interrupt decision */
	unsigned irqs;
};

static void sim_init(struct sim *s, uint16_t size, bool event_idx)
{
	s->mem = calloc(1, virtq_mem_size(size));
	s->cookies = calloc(size, sizeof(void *));
	CHECK_EQ(virtq_init(&s->vq, s->mem, s->cookies, size, event_idx), 0);
	s->dev_avail = s->dev_used = s->signalled = 0;
	s->irqs = 0;
}

static void sim_free(struct sim *s)
{
	free(s->mem);
	free(s->cookies);
}

static uint16_t used_event_of(struct sim *s)
{
	return s->vq.avail->ring[s->vq.size];
}

static void set_avail_event(struct sim *s, uint16_t v)
{
	*(uint16_t *)&s->vq.used->ring[s->vq.size] = v;
}

/* The device consumes every available chain, writes `len` for each, and
 * decides once whether to interrupt (virtio 1.2, 2.7.10). */
static unsigned sim_consume(struct sim *s, uint32_t len)
{
	unsigned n = 0;
	uint16_t old = s->dev_used;
	while (s->dev_avail != s->vq.avail->idx) {
		uint16_t head =
		    s->vq.avail->ring[s->dev_avail & (s->vq.size - 1)];
		struct virtq_used_elem *e =
		    &s->vq.used->ring[s->dev_used & (s->vq.size - 1)];
		e->id = head;
		e->len = len;
		s->dev_avail++;
		s->dev_used++;
		n++;
	}
	s->vq.used->idx = s->dev_used;
	if (n && s->vq.event_idx &&
	    virtq_need_event(used_event_of(s), s->dev_used, old))
		s->irqs++;
	return n;
}

UNIT_TEST(virtq_need_event_arithmetic)
{
	CHECK(virtq_need_event(0, 1, 0));	  /* crossed 0 -> 1 */
	CHECK(!virtq_need_event(5, 3, 0));	  /* not there yet */
	CHECK(virtq_need_event(5, 6, 0));	  /* passed 5 */
	CHECK(!virtq_need_event(5, 5, 0));	  /* event means "after 5" */
	CHECK(virtq_need_event(65535, 2, 65530)); /* across the wrap */
	CHECK(!virtq_need_event(3, 2, 65530));
	CHECK(!virtq_need_event(10, 20, 20)); /* nothing moved */
}

UNIT_TEST(virtq_rejects_bad_sizes)
{
	struct virtq vq;
	void *mem = calloc(1, virtq_mem_size(256)), *c[256];
	CHECK_EQ(virtq_init(&vq, mem, c, 0, false), -EINVAL);
	CHECK_EQ(virtq_init(&vq, mem, c, 3, false), -EINVAL);
	CHECK_EQ(virtq_init(&vq, mem, c, 256, false), 0);
	CHECK_EQ((uintptr_t)vq.used % 4, 0);
	free(mem);
}

/* 200000 single-buffer round trips through a ring of 8: indices wrap
 * three times; every cookie comes back once, in order. */
UNIT_TEST(virtq_wraps_indices)
{
	struct sim s;
	sim_init(&s, 8, true);
	uintptr_t next_in = 1, next_out = 1;
	for (int round = 0; round < 200000 / 8; round++) {
		for (int i = 0; i < 8; i++) {
			struct virtq_buf b = {0x1000 * (next_in % 7), 64};
			CHECK_EQ(virtq_add(&s.vq, &b, 0, 1, (void *)next_in++),
				 0);
		}
		struct virtq_buf b = {0, 1};
		CHECK_EQ(virtq_add(&s.vq, &b, 1, 0, (void *)1), -ENOSPC);
		virtq_publish(&s.vq);
		CHECK_EQ(sim_consume(&s, 60), 8);
		uint32_t len;
		void *c;
		while ((c = virtq_get_used(&s.vq, &len))) {
			CHECK_EQ((uintptr_t)c, next_out++);
			CHECK_EQ(len, 60);
		}
	}
	CHECK_EQ(next_out, next_in);
	CHECK_EQ(s.vq.num_free, 8);
	CHECK_EQ(s.vq.avail->idx, (uint16_t)200000);
	sim_free(&s);
}

/* Chains of 3 (2 out, 1 in) take three descriptors; freeing returns all. */
UNIT_TEST(virtq_chains)
{
	struct sim s;
	sim_init(&s, 16, false);
	struct virtq_buf b[3] = {{0x1000, 2}, {0x2000, 2}, {0x3000, 1}};
	for (int i = 0; i < 5; i++)
		CHECK_EQ(virtq_add(&s.vq, b, 2, 1, (void *)(uintptr_t)(i + 1)),
			 0);
	CHECK_EQ(s.vq.num_free, 1);
	CHECK_EQ(virtq_add(&s.vq, b, 2, 1, (void *)9), -ENOSPC);
	uint16_t h = s.vq.avail->ring[0];
	CHECK_EQ(s.vq.desc[h].flags, VIRTQ_DESC_F_NEXT);
	uint16_t h2 = s.vq.desc[h].next, h3 = s.vq.desc[h2].next;
	CHECK_EQ(s.vq.desc[h3].flags, VIRTQ_DESC_F_WRITE);
	CHECK_EQ(s.vq.desc[h3].addr, 0x3000);
	virtq_publish(&s.vq);
	sim_consume(&s, 1);
	uint32_t len;
	int n = 0;
	while (virtq_get_used(&s.vq, &len))
		n++;
	CHECK_EQ(n, 5);
	CHECK_EQ(s.vq.num_free, 16);
	sim_free(&s);
}

/* Notifications: with event index the device's avail_event decides. */
UNIT_TEST(virtq_publish_respects_avail_event)
{
	struct sim s;
	sim_init(&s, 16, true);
	struct virtq_buf b = {0x1000, 100};
	set_avail_event(&s, 0);
	virtq_add(&s.vq, &b, 0, 1, (void *)1);
	CHECK(virtq_publish(&s.vq)); /* 0 -> 1 passes event 0 */
	virtq_add(&s.vq, &b, 0, 1, (void *)2);
	CHECK(!virtq_publish(&s.vq)); /* device asked at 0 only */
	set_avail_event(&s, 3);
	virtq_add(&s.vq, &b, 0, 1, (void *)3);
	CHECK(!virtq_publish(&s.vq)); /* idx 3: not past 3 */
	virtq_add(&s.vq, &b, 0, 1, (void *)4);
	CHECK(virtq_publish(&s.vq));  /* idx 4: past 3 */
	CHECK(!virtq_publish(&s.vq)); /* nothing new */
	sim_free(&s);

	sim_init(&s, 16, false); /* without: the used flags decide */
	virtq_add(&s.vq, &b, 0, 1, (void *)1);
	CHECK(virtq_publish(&s.vq));
	s.vq.used->flags = VIRTQ_USED_F_NO_NOTIFY;
	virtq_add(&s.vq, &b, 0, 1, (void *)2);
	CHECK(!virtq_publish(&s.vq));
	sim_free(&s);
}

/* Interrupts: irq_off suppresses them however far the device gets;
 * irq_on asks for the next one, and reports chains that slipped in. */
UNIT_TEST(virtq_interrupt_suppression)
{
	struct sim s;
	sim_init(&s, 8, true);
	struct virtq_buf b = {0x1000, 100};
	uint32_t len;
	virtq_add(&s.vq, &b, 0, 1, (void *)1);
	virtq_publish(&s.vq);
	sim_consume(&s, 10);
	CHECK_EQ(s.irqs, 1); /* used_event 0 at start: interrupt wanted */
	virtq_get_used(&s.vq, &len);

	virtq_irq_off(&s.vq);
	for (int i = 0; i < 70000; i++) { /* wraps the 16-bit indices */
		virtq_add(&s.vq, &b, 0, 1, (void *)1);
		virtq_publish(&s.vq);
		sim_consume(&s, 10);
		CHECK(virtq_get_used(&s.vq, &len) != NULL);
	}
	CHECK_EQ(s.irqs, 1);

	CHECK(virtq_irq_on(&s.vq)); /* nothing pending: may sleep */
	virtq_add(&s.vq, &b, 0, 1, (void *)1);
	virtq_publish(&s.vq);
	sim_consume(&s, 10);
	CHECK_EQ(s.irqs, 2);
	/* A chain finished before irq_on: the caller must not sleep. */
	virtq_irq_off(&s.vq);
	virtq_get_used(&s.vq, &len);
	virtq_add(&s.vq, &b, 0, 1, (void *)1);
	virtq_publish(&s.vq);
	sim_consume(&s, 10);
	CHECK(!virtq_irq_on(&s.vq));
	CHECK(virtq_get_used(&s.vq, &len) != NULL);
	sim_free(&s);
}

/* ---- PCI capability list
 * ----------------------------------------------------- */

static uint8_t cfg_rd(const void *ctx, unsigned off)
{
	return ((const uint8_t *)ctx)[off & 0xff];
}

static void cap_at(uint8_t *cfg, unsigned off, uint8_t id, uint8_t next)
{
	cfg[off] = id;
	cfg[off + 1] = next;
}

UNIT_TEST(pci_cap_walk)
{
	uint8_t cfg[256] = {0};
	cfg[PCI_STATUS] = PCI_STATUS_CAP_LIST;
	cfg[PCI_CAP_PTR] = 0x98;
	/* As QEMU's virtio-net-pci: MSI-X, then vendor caps. */
	cap_at(cfg, 0x98, PCI_CAP_ID_MSIX, 0x84);
	cap_at(cfg, 0x84, PCI_CAP_ID_VENDOR, 0x70);
	cap_at(cfg, 0x70, PCI_CAP_ID_VENDOR, 0x60);
	cap_at(cfg, 0x60, PCI_CAP_ID_VENDOR, 0x00);
	CHECK_EQ(pci_cap_find(cfg, cfg_rd, PCI_CAP_ID_MSIX, 0), 0x98);
	CHECK_EQ(pci_cap_find(cfg, cfg_rd, PCI_CAP_ID_VENDOR, 0), 0x84);
	CHECK_EQ(pci_cap_find(cfg, cfg_rd, PCI_CAP_ID_VENDOR, 0x84), 0x70);
	CHECK_EQ(pci_cap_find(cfg, cfg_rd, PCI_CAP_ID_VENDOR, 0x70), 0x60);
	CHECK_EQ(pci_cap_find(cfg, cfg_rd, PCI_CAP_ID_VENDOR, 0x60), 0);
	CHECK_EQ(pci_cap_find(cfg, cfg_rd, PCI_CAP_ID_MSI, 0), 0);
	cfg[0x99] = 0x87; /* reserved low bits are ignored */
	CHECK_EQ(pci_cap_find(cfg, cfg_rd, PCI_CAP_ID_VENDOR, 0), 0x84);
}

UNIT_TEST(pci_cap_broken_lists)
{
	uint8_t cfg[256] = {0};
	cfg[PCI_CAP_PTR] = 0x40;
	cap_at(cfg, 0x40, PCI_CAP_ID_MSIX, 0);
	CHECK_EQ(pci_cap_find(cfg, cfg_rd, PCI_CAP_ID_MSIX, 0), 0); /* no bit */
	cfg[PCI_STATUS] = PCI_STATUS_CAP_LIST;
	CHECK_EQ(pci_cap_find(cfg, cfg_rd, PCI_CAP_ID_MSIX, 0), 0x40);
	cap_at(cfg, 0x40, PCI_CAP_ID_VENDOR, 0x10); /* into the header */
	CHECK_EQ(pci_cap_find(cfg, cfg_rd, PCI_CAP_ID_MSIX, 0), 0);
	/* A loop: 0x40 -> 0x50 -> 0x40 ... must end. */
	cap_at(cfg, 0x40, PCI_CAP_ID_VENDOR, 0x50);
	cap_at(cfg, 0x50, PCI_CAP_ID_VENDOR, 0x40);
	CHECK_EQ(pci_cap_find(cfg, cfg_rd, PCI_CAP_ID_MSIX, 0), 0);
	CHECK_EQ(pci_cap_find(cfg, cfg_rd, PCI_CAP_ID_VENDOR, 0x50), 0x40);
	/* All 0xff (a function that vanished): no valid pointer chain. */
	uint8_t ff[256];
	memset(ff, 0xff, sizeof(ff));
	CHECK_EQ(pci_cap_find(ff, cfg_rd, PCI_CAP_ID_MSIX, 0), 0);
}

UNIT_MAIN()
