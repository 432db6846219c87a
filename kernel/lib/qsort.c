/* SPDX-License-Identifier: MIT */
/* qsort.c: introsort and binary search (see stdlib.h).
 *
 * Quicksort with a median-of-three pivot and Hoare partitioning (both
 * scans stop on keys equal to the pivot, so runs of equal keys split
 * evenly), recursing into the smaller side only, which bounds the stack
 * at log2(n) frames. A range that needs more than 2*log2(n) partitioning
 * rounds is finished by heapsort, which bounds the time at O(n log n).
 * Short ranges are finished by insertion sort. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#define INSERTION_MAX 12

typedef int (*cmp_fn)(const void *, const void *);

static void swap(char *a, char *b, size_t size)
{
	if (a == b)
		return;
	/* Whole words first: elements are usually 8 or 16 bytes. */
	for (; size >= 8; size -= 8, a += 8, b += 8) {
		uint64_t x, y;

		__builtin_memcpy(&x, a, 8);
		__builtin_memcpy(&y, b, 8);
		__builtin_memcpy(a, &y, 8);
		__builtin_memcpy(b, &x, 8);
	}
	for (; size > 0; size--, a++, b++) {
		char t = *a;

		*a = *b;
		*b = t;
	}
}

static void insertion_sort(char *a, size_t n, size_t size, cmp_fn cmp)
{
	for (size_t i = 1; i < n; i++)
		for (char *p = a + i * size; p > a && cmp(p - size, p) > 0;
		     p -= size)
			swap(p - size, p, size);
}

/* Restores the max-heap property below node i of the heap a[0..n). */
static void sift_down(char *a, size_t i, size_t n, size_t size, cmp_fn cmp)
{
	for (;;) {
		size_t child = 2 * i + 1;

		if (child >= n)
			return;
		if (child + 1 < n &&
		    cmp(a + child * size, a + (child + 1) * size) < 0)
			child++;
		if (cmp(a + i * size, a + child * size) >= 0)
			return;
		swap(a + i * size, a + child * size, size);
		i = child;
	}
}

static void heap_sort(char *a, size_t n, size_t size, cmp_fn cmp)
{
	for (size_t i = n / 2; i-- > 0;)
		sift_down(a, i, n, size, cmp);
	for (size_t end = n - 1; end > 0; end--) {
		swap(a, a + end * size, size);
		sift_down(a, 0, end, size, cmp);
	}
}

/* Moves the median of a[0], a[n/2], a[n-1] to a[0]. */
static void pivot_to_front(char *a, size_t n, size_t size, cmp_fn cmp)
{
	char *lo = a, *mid = a + n / 2 * size, *hi = a + (n - 1) * size;

	if (cmp(mid, lo) < 0)
		swap(mid, lo, size);
	if (cmp(hi, mid) < 0) {
		swap(hi, mid, size);
		if (cmp(mid, lo) < 0)
			swap(mid, lo, size);
	}
	swap(lo, mid, size);
}

/* Partitions around the pivot a[0]; returns its final index j, with
 * a[0..j) <= pivot <= a(j..n). */
static size_t partition(char *a, size_t n, size_t size, cmp_fn cmp)
{
	size_t i = 0, j = n;

	for (;;) {
		do
			i++;
		while (i < n && cmp(a + i * size, a) < 0);
		do
			j--;
		while (j > 0 && cmp(a + j * size, a) > 0);
		if (i >= j)
			break;
		swap(a + i * size, a + j * size, size);
	}
	swap(a, a + j * size, size);
	return j;
}

static void intro_sort(char *a, size_t n, size_t size, cmp_fn cmp,
		       unsigned depth)
{
	while (n > INSERTION_MAX) {
		size_t p;

		if (depth-- == 0) {
			heap_sort(a, n, size, cmp);
			return;
		}
		pivot_to_front(a, n, size, cmp);
		p = partition(a, n, size, cmp);
		if (p < n - p - 1) {
			intro_sort(a, p, size, cmp, depth);
			a += (p + 1) * size;
			n -= p + 1;
		} else {
			intro_sort(a + (p + 1) * size, n - p - 1, size, cmp,
				   depth);
			n = p;
		}
	}
	insertion_sort(a, n, size, cmp);
}

void qsort(void *base, size_t n, size_t size,
	   int (*cmp)(const void *a, const void *b))
{
	unsigned depth = 0;

	for (size_t m = n; m > 1; m >>= 1)
		depth += 2;
	if (size > 0)
		intro_sort(base, n, size, cmp, depth);
}

void *bsearch(const void *key, const void *base, size_t n, size_t size,
	      int (*cmp)(const void *key, const void *elem))
{
	const char *lo = base;

	/* Invariant: a match, if any, lies in lo[0..n). */
	while (n > 0) {
		const char *mid = lo + n / 2 * size;
		int c = cmp(key, mid);

		if (c == 0)
			return (void *)mid;
		if (c > 0) {
			lo = mid + size;
			n -= n / 2 + 1;
		} else {
			n /= 2;
		}
	}
	return NULL;
}
