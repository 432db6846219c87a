/* SPDX-License-Identifier: MIT */
/* btree.c: B+-tree index (see btree.h for the layout and invariants). */
#include "btree.h"

#include <string.h>
#include <unidb/errno.h>
#include <unidb/heap.h>

#include "table.h"

void btree_init(struct btree *t, int nkey)
{
	btree_init_in(t, nkey, NULL);
}

void btree_init_in(struct btree *t, int nkey, struct tmem *mem)
{
	t->root = NULL;
	t->nkey = nkey;
	t->count = 0;
	t->mem = mem;
}

static void node_free(struct tmem *m, struct bt_node *n)
{
	int i;

	if (!n)
		return;
	for (i = 0; i < n->n; i++)
		tmem_free(m, n->keys[i]);
	if (!n->leaf)
		for (i = 0; i <= n->n; i++)
			node_free(m, n->kids[i]);
	tmem_free(m, n);
}

void btree_free(struct btree *t)
{
	node_free(t->mem, t->root);
	t->root = NULL;
	t->count = 0;
}

/* Compares the first n datums; a NULL sorts after every value (as in
 * PostgreSQL's default NULLS LAST for ascending indexes). */
static int prefix_cmp(const struct datum *a, const struct datum *b, int n)
{
	int i, c;

	for (i = 0; i < n; i++) {
		if (a[i].null || b[i].null) {
			if (a[i].null && b[i].null)
				continue;
			return a[i].null ? 1 : -1;
		}
		if ((c = datum_cmp(&a[i], &b[i])) != 0)
			return c;
	}
	return 0;
}

static int key_cmp(const struct btree *t, const struct datum *a,
		   const struct datum *b)
{
	return prefix_cmp(a, b, t->nkey);
}

/* First index in n whose key is > key (upper) or >= key (!upper). */
static int search(const struct btree *t, const struct bt_node *n,
		  const struct datum *key, bool upper)
{
	int lo = 0, hi = n->n;

	while (lo < hi) {
		int mid = (lo + hi) / 2, c = key_cmp(t, n->keys[mid]->vals, key);

		if (c < 0 || (upper && c == 0))
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* The leaf where key is or would be. */
static struct bt_node *find_leaf(const struct btree *t, const struct datum *key)
{
	struct bt_node *n = t->root;

	while (n && !n->leaf)
		n = n->kids[search(t, n, key, true)];
	return n;
}

int64_t btree_lookup(const struct btree *t, const struct datum *key)
{
	struct bt_node *n = find_leaf(t, key);
	int i;

	if (!n)
		return -1;
	i = search(t, n, key, false);
	if (i < n->n && key_cmp(t, n->keys[i]->vals, key) == 0)
		return (int64_t)n->ids[i];
	return -1;
}

static struct bt_node *node_new(struct btree *t, bool leaf)
{
	struct bt_node *n = tmem_zalloc(t->mem, sizeof(*n));

	if (n)
		n->leaf = leaf;
	return n;
}

/* Splits the full node n at its middle; the new right sibling and the
 * separator for it go to *right and *sep. */
static int split(struct btree *t, struct bt_node *n, struct bt_node **right,
		 struct row **sep)
{
	struct bt_node *r = node_new(t, n->leaf);
	int mid = n->n / 2;

	if (!r)
		return -ENOMEM;
	if (n->leaf) {
		*sep = row_copy_in(t->mem, n->keys[mid]->vals,
				   n->keys[mid]->ncols);
		if (!*sep) {
			tmem_free(t->mem, r);
			return -ENOMEM;
		}
		r->n = n->n - mid;
		memcpy(r->keys, n->keys + mid, sizeof(r->keys[0]) * (size_t)r->n);
		memcpy(r->ids, n->ids + mid, sizeof(r->ids[0]) * (size_t)r->n);
		r->next = n->next;
		n->next = r;
		n->n = mid;
	} else {
		/* the middle separator moves up */
		*sep = n->keys[mid];
		r->n = n->n - mid - 1;
		memcpy(r->keys, n->keys + mid + 1, sizeof(r->keys[0]) * (size_t)r->n);
		memcpy(r->kids, n->kids + mid + 1,
		       sizeof(r->kids[0]) * (size_t)(r->n + 1));
		n->n = mid;
	}
	*right = r;
	return 0;
}

/* Inserts into the subtree n; a split of n is reported in *right and
 * *sep. */
static int insert(struct btree *t, struct bt_node *n, const struct datum *key,
		  uint64_t rowid, struct bt_node **right, struct row **sep)
{
	struct bt_node *kid_right = NULL;
	struct row *kid_sep = NULL, *copy;
	int i, r;

	*right = NULL;
	if (n->leaf) {
		i = search(t, n, key, false);
		if (i < n->n && key_cmp(t, n->keys[i]->vals, key) == 0)
			return -EEXIST;
		copy = row_copy_in(t->mem, key, t->nkey);
		if (!copy)
			return -ENOMEM;
		memmove(n->keys + i + 1, n->keys + i,
			sizeof(n->keys[0]) * (size_t)(n->n - i));
		memmove(n->ids + i + 1, n->ids + i,
			sizeof(n->ids[0]) * (size_t)(n->n - i));
		n->keys[i] = copy;
		n->ids[i] = rowid;
		n->n++;
	} else {
		i = search(t, n, key, true);
		r = insert(t, n->kids[i], key, rowid, &kid_right, &kid_sep);
		if (r < 0 || !kid_right)
			return r;
		memmove(n->keys + i + 1, n->keys + i,
			sizeof(n->keys[0]) * (size_t)(n->n - i));
		memmove(n->kids + i + 2, n->kids + i + 1,
			sizeof(n->kids[0]) * (size_t)(n->n - i));
		n->keys[i] = kid_sep;
		n->kids[i + 1] = kid_right;
		n->n++;
	}
	/* Nodes are split when full, so one slot is always free above. */
	if (n->n == BT_MAX)
		return split(t, n, right, sep);
	return 0;
}

int btree_insert(struct btree *t, const struct datum *key, uint64_t rowid)
{
	struct bt_node *right, *root;
	struct row *sep;
	int r;

	if (!t->root && !(t->root = node_new(t, true)))
		return -ENOMEM;
	r = insert(t, t->root, key, rowid, &right, &sep);
	if (r == 0)
		t->count++;
	if (r < 0 || !right)
		return r;
	root = node_new(t, false);
	if (!root) /* the tree stays valid: the split is only unindexed */
		return -ENOMEM;
	root->n = 1;
	root->keys[0] = sep;
	root->kids[0] = t->root;
	root->kids[1] = right;
	t->root = root;
	return 0;
}

int btree_delete(struct btree *t, const struct datum *key)
{
	struct bt_node *n = find_leaf(t, key);
	int i;

	if (!n)
		return -ENOENT;
	i = search(t, n, key, false);
	if (i == n->n || key_cmp(t, n->keys[i]->vals, key) != 0)
		return -ENOENT;
	tmem_free(t->mem, n->keys[i]);
	memmove(n->keys + i, n->keys + i + 1,
		sizeof(n->keys[0]) * (size_t)(n->n - i - 1));
	memmove(n->ids + i, n->ids + i + 1,
		sizeof(n->ids[0]) * (size_t)(n->n - i - 1));
	n->n--;
	t->count--;
	return 0;
}

void btree_seek(const struct btree *t, const struct datum *key,
		struct btree_iter *it)
{
	const struct bt_node *n = t->root;

	if (!key) {
		while (n && !n->leaf)
			n = n->kids[0];
		it->leaf = n;
		it->i = 0;
		return;
	}
	n = find_leaf(t, key);
	it->leaf = n;
	it->i = n ? search(t, n, key, false) : 0;
}

bool btree_next(struct btree_iter *it, const struct datum **key,
		uint64_t *rowid)
{
	while (it->leaf && it->i >= it->leaf->n) {
		it->leaf = it->leaf->next;
		it->i = 0;
	}
	if (!it->leaf)
		return false;
	*key = it->leaf->keys[it->i]->vals;
	*rowid = it->leaf->ids[it->i];
	it->i++;
	return true;
}

void btree_seek_prefix(const struct btree *t, const struct datum *key, int n,
		       struct btree_iter *it)
{
	const struct bt_node *node = t->root;
	int i;

	/* Lower bound: kids[i] before the first separator >= key may still
	 * hold entries equal to key in their first n datums. */
	while (node) {
		for (i = 0; i < node->n; i++)
			if (prefix_cmp(node->keys[i]->vals, key, n) >= 0)
				break;
		if (node->leaf)
			break;
		node = node->kids[i];
	}
	it->leaf = node;
	it->i = node ? i : 0;
}
