/* SPDX-License-Identifier: MIT */
/* string.c: memory and string primitives (see string.h).
 *
 * memcpy and memset use rep movs/stos (8 bytes per step for large copies,
 * see copy_up), which CPUs with ERMS (Ivy Bridge and later, Zen) run at
 * close to full bandwidth for sizes above a few dozen bytes and without
 * any SSE state, which the kernel may not touch.
 * The string functions are plain byte loops: short inputs dominate, and
 * reading a word at a time could run past the end of a string. */
#include <stdint.h>
#include <string.h>

/* gcc turns copy and fill loops into calls to memcpy/memmove/memset; inside
 * those functions (and their helpers) that would recurse forever. */
#define NO_LOOP_CALLS                                                          \
	__attribute__((optimize("no-tree-loop-distribute-patterns")))

/* rep movsb copies upwards one byte at a time as far as the architecture
 * is concerned, so it is also a correct memmove when dst is below src. */
static inline void copy_bytes(void *dst, const void *src, size_t n)
{
	__asm__ volatile("rep movsb"
			 : "+D"(dst), "+S"(src), "+c"(n)
			 :
			 : "memory");
}

/* Large copies go 8 bytes per iteration: under QEMU's TCG each iteration
 * of a rep prefix costs about the same whatever its width, so rep movsq
 * moves 8x the bytes of rep movsb in the same time (it made the network
 * streams of bench/net 5-10x faster); hardware with ERMS runs both near
 * bandwidth. Still a correct upward memmove: each 8-byte load completes
 * before its store, and with dst below src a store never reaches a byte
 * not yet loaded. */
static inline void copy_up(void *dst, const void *src, size_t n)
{
	if (n >= 64) {
		size_t q = n / 8;
		__asm__ volatile("rep movsq"
				 : "+D"(dst), "+S"(src), "+c"(q)
				 :
				 : "memory");
		n %= 8;
	}
	copy_bytes(dst, src, n);
}

void *memcpy(void *restrict dst, const void *restrict src, size_t n)
{
	copy_up(dst, src, n);
	return dst;
}

void *memset(void *dst, int c, size_t n)
{
	void *d = dst;

	if (n >= 64) { /* 8 bytes per step, as copy_up */
		size_t q = n / 8;
		uint64_t v = (uint8_t)c * 0x0101010101010101ull;
		__asm__ volatile("rep stosq"
				 : "+D"(d), "+c"(q)
				 : "a"(v)
				 : "memory");
		n %= 8;
	}
	__asm__ volatile("rep stosb" : "+D"(d), "+c"(n) : "a"(c) : "memory");
	return dst;
}

/* Copying upwards is correct unless dst starts inside src; only that
 * overlap needs the downward loop, which moves 8 bytes at a time (each
 * load completes before its store, and all later loads are below it). */
NO_LOOP_CALLS void *memmove(void *dst, const void *src, size_t n)
{
	unsigned char *d = dst;
	const unsigned char *s = src;

	if ((uintptr_t)d - (uintptr_t)s >= n) {
		copy_up(dst, src, n);
		return dst;
	}
	while (n >= 8) {
		uint64_t w;

		n -= 8;
		__builtin_memcpy(&w, s + n, 8);
		__builtin_memcpy(d + n, &w, 8);
	}
	while (n > 0) {
		n--;
		d[n] = s[n];
	}
	return dst;
}

NO_LOOP_CALLS int memcmp(const void *a, const void *b, size_t n)
{
	const unsigned char *p = a, *q = b;

	/* Skip equal 8-byte blocks quickly; the first differing byte is then
	 * found in the byte loop. */
	for (; n >= 8; n -= 8, p += 8, q += 8) {
		uint64_t x, y;

		__builtin_memcpy(&x, p, 8);
		__builtin_memcpy(&y, q, 8);
		if (x != y)
			break;
	}
	for (; n > 0; n--, p++, q++)
		if (*p != *q)
			return *p - *q;
	return 0;
}

NO_LOOP_CALLS void *memchr(const void *s, int c, size_t n)
{
	const unsigned char *p = s;

	for (; n > 0; n--, p++)
		if (*p == (unsigned char)c)
			return (void *)p;
	return NULL;
}

NO_LOOP_CALLS size_t strlen(const char *s)
{
	const char *p = s;

	while (*p)
		p++;
	return p - s;
}

NO_LOOP_CALLS size_t strnlen(const char *s, size_t max)
{
	size_t n = 0;

	while (n < max && s[n])
		n++;
	return n;
}

int strcmp(const char *a, const char *b)
{
	const unsigned char *p = (const unsigned char *)a;
	const unsigned char *q = (const unsigned char *)b;

	while (*p && *p == *q)
		p++, q++;
	return *p - *q;
}

int strncmp(const char *a, const char *b, size_t n)
{
	const unsigned char *p = (const unsigned char *)a;
	const unsigned char *q = (const unsigned char *)b;

	for (; n > 0; n--, p++, q++)
		if (*p != *q || !*p)
			return *p - *q;
	return 0;
}

char *strchr(const char *s, int c)
{
	for (;; s++) {
		if (*s == (char)c)
			return (char *)s;
		if (!*s)
			return NULL;
	}
}

char *strrchr(const char *s, int c)
{
	const char *last = NULL;

	for (;; s++) {
		if (*s == (char)c)
			last = s;
		if (!*s)
			return (char *)last;
	}
}

char *strstr(const char *haystack, const char *needle)
{
	size_t n = strlen(needle);

	if (n == 0)
		return (char *)haystack;
	for (; (haystack = strchr(haystack, *needle)); haystack++)
		if (strncmp(haystack, needle, n) == 0)
			return (char *)haystack;
	return NULL;
}

size_t strlcpy(char *restrict dst, const char *restrict src, size_t size)
{
	size_t len = strlen(src);

	if (size > 0) {
		size_t n = len < size - 1 ? len : size - 1;

		memcpy(dst, src, n);
		dst[n] = '\0';
	}
	return len;
}
