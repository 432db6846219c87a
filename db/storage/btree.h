/* SPDX-License-Identifier: MIT */
/* btree.h: an ordered, unique index from a key (a tuple of datums) to a
 * rowid: a B+-tree.
 *
 * Nodes hold up to BT_MAX entries. Leaves hold (key, rowid) pairs in key
 * order and are chained left to right for range scans; internal nodes hold
 * separators: keys[i] is the smallest key in kids[i + 1]. Every key in the
 * tree (leaf entry or separator) is the index's own copy (one heap block,
 * as a table row), so the index never reads table rows and a separator
 * stays valid after its entry is deleted. Deletion removes the leaf entry
 * without rebalancing (a leaf may become empty; scans skip it), which
 * keeps the tree a valid search tree; the space comes back when the index
 * is rebuilt or dropped.
 *
 * A NULL in a key sorts after every value (secondary indexes hold NULLs;
 * primary keys cannot). Costs: lookup, insert
 * and delete O(log n) node visits with binary search inside a node;
 * a range scan O(log n + k). Not thread-safe: the caller holds the table's
 * lock. */
#ifndef DB_STORAGE_BTREE_H
#define DB_STORAGE_BTREE_H

#include <stdbool.h>
#include <stdint.h>

#include "../sql/value.h"

#define BT_MAX 32

struct row;
struct tmem;

struct bt_node {
	bool leaf;
	int n;				 /* entries (leaf) or separators */
	struct row *keys[BT_MAX];
	union {
		uint64_t ids[BT_MAX];	 /* leaf */
		struct bt_node *kids[BT_MAX + 1];
	};
	struct bt_node *next; /* leaf chain */
};

struct btree {
	struct bt_node *root; /* NULL when empty */
	int nkey;	      /* datums per key */
	uint64_t count;	      /* live entries */
	struct tmem *mem;     /* where nodes and keys live (NULL: heap) */
};

void btree_init(struct btree *t, int nkey);
/* The same, with nodes and keys allocated in mem (tmem.h). */
void btree_init_in(struct btree *t, int nkey, struct tmem *mem);
void btree_free(struct btree *t);
/* Adds key -> rowid. -EEXIST if the key is present, -ENOMEM. */
int btree_insert(struct btree *t, const struct datum *key, uint64_t rowid);
/* Removes key; -ENOENT if absent. */
int btree_delete(struct btree *t, const struct datum *key);
/* Rowid of key, or -1. */
int64_t btree_lookup(const struct btree *t, const struct datum *key);

/* Range scans: position at the first entry >= key (key NULL: the first
 * entry), then btree_next() until it returns false. */
struct btree_iter {
	const struct bt_node *leaf;
	int i;
};

void btree_seek(const struct btree *t, const struct datum *key,
		struct btree_iter *it);
/* Position at the first entry whose first n datums are >= key[0..n)
 * (a prefix of the key: the secondary indexes' column values without the
 * rowid that ends their keys). O(log n) node visits, linear in a node. */
void btree_seek_prefix(const struct btree *t, const struct datum *key, int n,
		       struct btree_iter *it);
/* The next entry's key and rowid; false at the end. */
bool btree_next(struct btree_iter *it, const struct datum **key,
		uint64_t *rowid);

#endif
