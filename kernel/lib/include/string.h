/* SPDX-License-Identifier: MIT */
/* string.h: memory and NUL-terminated string primitives.
 *
 * C semantics unless noted. gcc emits calls to memcpy, memmove, memset and
 * memcmp on its own (struct copies, zeroing), so those four must exist
 * under exactly these names. Pointers must be valid for the lengths given;
 * with a length of 0 they are not dereferenced.
 * None of these sleep or take locks; all are callable from any context.
 * Deliberately absent: strcpy, strcat, strncpy (use strlcpy). */
#ifndef UNIDB_LIB_STRING_H
#define UNIDB_LIB_STRING_H

#include <stddef.h>

/* Copies n bytes; the ranges must not overlap. Returns dst. O(n), uses
 * rep movsb (fast on CPUs with ERMS). */
void *memcpy(void *restrict dst, const void *restrict src, size_t n);

/* Copies n bytes; the ranges may overlap. Returns dst. O(n). */
void *memmove(void *dst, const void *src, size_t n);

/* Sets n bytes to (unsigned char)c. Returns dst. O(n), rep stosb. */
void *memset(void *dst, int c, size_t n);

/* Compares n bytes as unsigned char: <0, 0 or >0. O(n). */
int memcmp(const void *a, const void *b, size_t n);

/* First byte equal to (unsigned char)c in s[0..n), or NULL. O(n). */
void *memchr(const void *s, int c, size_t n);

/* Length of s, without the NUL. O(length). */
size_t strlen(const char *s);

/* strlen(s) but at most max; reads no byte beyond s[max - 1]. */
size_t strnlen(const char *s, size_t max);

/* Compares as unsigned char: <0, 0 or >0. */
int strcmp(const char *a, const char *b);

/* strcmp() limited to the first n bytes. */
int strncmp(const char *a, const char *b, size_t n);

/* First (strchr) or last (strrchr) occurrence of (char)c in s, or NULL.
 * c == '\0' finds the terminator. */
char *strchr(const char *s, int c);
char *strrchr(const char *s, int c);

/* First occurrence of needle in haystack, or NULL; an empty needle returns
 * haystack. O(strlen(haystack) * strlen(needle)) worst case: meant for
 * short needles (command lines, identifiers), not bulk search. */
char *strstr(const char *haystack, const char *needle);

/* Copies src into dst[0..size), truncating, and NUL-terminates whenever
 * size > 0. Returns strlen(src): truncation happened iff the result is
 * >= size. src and dst must not overlap. */
size_t strlcpy(char *restrict dst, const char *restrict src, size_t size);

#endif
