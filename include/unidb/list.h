/* SPDX-License-Identifier: MIT */
/* list.h: intrusive circular doubly-linked list (not thread-safe: the
 * owner of a list says which lock protects it). */
#ifndef UNIDB_LIST_H
#define UNIDB_LIST_H

#include <stdbool.h>
#include <stddef.h>

struct list_node {
	struct list_node *prev, *next;
};

#define LIST_INIT(name) {&(name), &(name)}
#define list_entry(node, type, member)                                         \
	((type *)((char *)(node) - offsetof(type, member)))

static inline void list_init(struct list_node *h)
{
	h->prev = h->next = h;
}

static inline bool list_empty(const struct list_node *h)
{
	return h->next == h;
}

static inline void list_add_tail(struct list_node *h, struct list_node *n)
{
	n->prev = h->prev;
	n->next = h;
	h->prev->next = n;
	h->prev = n;
}

static inline void list_del(struct list_node *n)
{
	n->prev->next = n->next;
	n->next->prev = n->prev;
	n->prev = n->next = n;
}

#endif
