/* SPDX-License-Identifier: MIT */
/* ctype.h: ASCII character classes (no locales).
 *
 * Every function accepts any int: values outside 0..127 (EOF, bytes of
 * UTF-8 sequences) belong to no class and are returned unchanged by
 * toupper()/tolower(). All are O(1) and callable from any context. */
#ifndef UNIDB_LIB_CTYPE_H
#define UNIDB_LIB_CTYPE_H

/* '0'..'9'. */
static inline int isdigit(int c)
{
	return (unsigned)c - '0' < 10;
}

/* 'A'..'Z'. */
static inline int isupper(int c)
{
	return (unsigned)c - 'A' < 26;
}

/* 'a'..'z'. */
static inline int islower(int c)
{
	return (unsigned)c - 'a' < 26;
}

static inline int isalpha(int c)
{
	return isupper(c) || islower(c);
}

static inline int isalnum(int c)
{
	return isalpha(c) || isdigit(c);
}

/* 0-9, a-f, A-F. */
static inline int isxdigit(int c)
{
	return isdigit(c) || (unsigned)(c | 0x20) - 'a' < 6;
}

/* ' ', '\t', '\n', '\v', '\f', '\r'. */
static inline int isspace(int c)
{
	return c == ' ' || (unsigned)c - '\t' < 5;
}

/* 0x00..0x1f and DEL. */
static inline int iscntrl(int c)
{
	return (unsigned)c < 0x20 || c == 0x7f;
}

/* 0x20 (space) ..0x7e. */
static inline int isprint(int c)
{
	return (unsigned)c - 0x20 < 0x5f;
}

/* Printable and not space. */
static inline int isgraph(int c)
{
	return (unsigned)c - 0x21 < 0x5e;
}

/* Graphic but not alphanumeric: !"#$%&'()*+,-./:;<=>?@[\]^_`{|}~ */
static inline int ispunct(int c)
{
	return isgraph(c) && !isalnum(c);
}

static inline int toupper(int c)
{
	return islower(c) ? c - 'a' + 'A' : c;
}

static inline int tolower(int c)
{
	return isupper(c) ? c - 'A' + 'a' : c;
}

#endif
