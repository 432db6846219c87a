/* SPDX-License-Identifier: MIT */
/* fmt.c: printf-style formatting (see stdio.h for what is supported).
 *
 * vcbprintf() is the one formatter: it parses a directive into a struct
 * spec, fetches the argument, and emits the field as sign, prefix, zeros,
 * digits with space padding on either side. The snprintf family is
 * vcbprintf() with a sink that fills a bounded buffer. */
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unidb/errno.h>

enum {
	F_LEFT = 1 << 0,  /* '-' */
	F_ZERO = 1 << 1,  /* '0' */
	F_PLUS = 1 << 2,  /* '+' */
	F_SPACE = 1 << 3, /* ' ' */
	F_ALT = 1 << 4,	  /* '#' */
};

/* Length modifiers, one letter each ("hh" is 'H', "ll" is 'L'). */
struct spec {
	unsigned flags;
	int width; /* >= 0 */
	int prec;  /* -1 when not given */
	char len;  /* 0, 'H', 'h', 'l', 'L', 'z', 't' or 'j' */
};

struct sink {
	void (*out)(void *ctx, const char *s, size_t n);
	void *ctx;
	size_t total;
};

static void emit(struct sink *o, const char *s, size_t n)
{
	if (n == 0)
		return;
	o->out(o->ctx, s, n);
	o->total += n;
}

static void pad(struct sink *o, char c, size_t n)
{
	static const char spaces[] = "                ";
	static const char zeros[] = "0000000000000000";
	const char *run = c == '0' ? zeros : spaces;

	while (n > 0) {
		size_t k = n < sizeof(spaces) - 1 ? n : sizeof(spaces) - 1;

		emit(o, run, k);
		n -= k;
	}
}

/* Emits s[0..n) in a field of sp->width; '0' does not apply to text. */
static void put_text(struct sink *o, const struct spec *sp, const char *s,
		     size_t n)
{
	size_t fill = (size_t)sp->width > n ? sp->width - n : 0;

	if (!(sp->flags & F_LEFT))
		pad(o, ' ', fill);
	emit(o, s, n);
	if (sp->flags & F_LEFT)
		pad(o, ' ', fill);
}

/* Emits the magnitude v (negative if neg) in base 8, 10 or 16 with the
 * given prefix ("", "0x" or "0X"). Zero has no digits of its own: the
 * default precision of 1 supplies its "0", and precision 0 prints none. */
static void put_int(struct sink *o, const struct spec *sp, unsigned long long v,
		    bool neg, unsigned base, const char *prefix, bool upper)
{
	const char *digit = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char buf[24]; /* 2^64 has 22 octal digits */
	size_t nd = 0, nz, np = strlen(prefix), len, fill;
	size_t prec = sp->prec < 0 ? 1 : (size_t)sp->prec;
	char sign = 0;

	for (; v; v /= base)
		buf[sizeof(buf) - ++nd] = digit[v % base];
	nz = prec > nd ? prec - nd : 0;
	if ((sp->flags & F_ALT) && base == 8 && nz == 0)
		nz = 1; /* '#' makes the first octal digit a 0 */
	if (neg)
		sign = '-';
	else if (sp->flags & F_PLUS)
		sign = '+';
	else if (sp->flags & F_SPACE)
		sign = ' ';

	len = (sign != 0) + np + nz + nd;
	fill = (size_t)sp->width > len ? sp->width - len : 0;
	/* '0' pads between sign/prefix and digits, unless '-' or a
	 * precision is given (C99 7.19.6.1p6). */
	if (!(sp->flags & F_LEFT) && (sp->flags & F_ZERO) && sp->prec < 0) {
		nz += fill;
		fill = 0;
	}
	if (!(sp->flags & F_LEFT))
		pad(o, ' ', fill);
	if (sign)
		emit(o, &sign, 1);
	emit(o, prefix, np);
	pad(o, '0', nz);
	emit(o, buf + sizeof(buf) - nd, nd);
	if (sp->flags & F_LEFT)
		pad(o, ' ', fill);
}

static long long arg_signed(va_list *ap, char len)
{
	switch (len) {
	case 'H':
		return (signed char)va_arg(*ap, int);
	case 'h':
		return (short)va_arg(*ap, int);
	case 'l':
		return va_arg(*ap, long);
	case 'L':
		return va_arg(*ap, long long);
	case 'z': /* the signed type of size_t's width */
	case 't':
		return va_arg(*ap, ptrdiff_t);
	case 'j':
		return va_arg(*ap, intmax_t);
	default:
		return va_arg(*ap, int);
	}
}

static unsigned long long arg_unsigned(va_list *ap, char len)
{
	switch (len) {
	case 'H':
		return (unsigned char)va_arg(*ap, unsigned);
	case 'h':
		return (unsigned short)va_arg(*ap, unsigned);
	case 'l':
		return va_arg(*ap, unsigned long);
	case 'L':
		return va_arg(*ap, unsigned long long);
	case 'z':
	case 't': /* the unsigned type of ptrdiff_t's width */
		return va_arg(*ap, size_t);
	case 'j':
		return va_arg(*ap, uintmax_t);
	default:
		return va_arg(*ap, unsigned);
	}
}

/* Reads a decimal field, saturating at INT_MAX. */
static int parse_num(const char **fmt)
{
	int n = 0;

	for (; **fmt >= '0' && **fmt <= '9'; (*fmt)++)
		n = n > (INT_MAX - 9) / 10 ? INT_MAX : n * 10 + (**fmt - '0');
	return n;
}

/* Parses flags, width, precision and length after a '%'; returns a pointer
 * to the conversion character. */
static const char *parse_spec(const char *fmt, struct spec *sp, va_list *ap)
{
	sp->flags = 0;
	for (;; fmt++) {
		if (*fmt == '-')
			sp->flags |= F_LEFT;
		else if (*fmt == '0')
			sp->flags |= F_ZERO;
		else if (*fmt == '+')
			sp->flags |= F_PLUS;
		else if (*fmt == ' ')
			sp->flags |= F_SPACE;
		else if (*fmt == '#')
			sp->flags |= F_ALT;
		else
			break;
	}

	if (*fmt == '*') {
		int w = va_arg(*ap, int);

		fmt++;
		/* A negative '*' width means '-' and its magnitude. */
		if (w < 0) {
			sp->flags |= F_LEFT;
			w = w == INT_MIN ? INT_MAX : -w;
		}
		sp->width = w;
	} else {
		sp->width = parse_num(&fmt);
	}

	sp->prec = -1;
	if (*fmt == '.') {
		fmt++;
		if (*fmt == '*') {
			int p = va_arg(*ap, int);

			fmt++;
			sp->prec = p < 0 ? -1 : p; /* negative: as if omitted */
		} else {
			sp->prec = parse_num(&fmt);
		}
	}

	sp->len = 0;
	if (*fmt == 'h' || *fmt == 'l') {
		sp->len = *fmt++;
		if (*fmt == sp->len) {
			sp->len = sp->len == 'h' ? 'H' : 'L';
			fmt++;
		}
	} else if (*fmt == 'z' || *fmt == 't' || *fmt == 'j') {
		sp->len = *fmt++;
	}
	return fmt;
}

/* Formats one directive whose conversion character is *conv; returns false
 * if the conversion is not supported. */
static bool convert(struct sink *o, struct spec *sp, const char *conv,
		    va_list *ap)
{
	unsigned long long u;
	long long v;
	const char *s;
	char c;

	switch (*conv) {
	case 'd':
	case 'i':
		v = arg_signed(ap, sp->len);
		/* 0 - u avoids overflow on LLONG_MIN */
		u = v < 0 ? 0 - (unsigned long long)v : (unsigned long long)v;
		put_int(o, sp, u, v < 0, 10, "", false);
		return true;
	case 'u':
	case 'o':
	case 'x':
	case 'X':
		sp->flags &= ~(F_PLUS | F_SPACE); /* signed conversions only */
		u = arg_unsigned(ap, sp->len);
		if (*conv == 'u' || *conv == 'o') {
			put_int(o, sp, u, false, *conv == 'u' ? 10 : 8, "",
				false);
			return true;
		}
		s = "";
		if ((sp->flags & F_ALT) && u) /* no 0x before a zero */
			s = *conv == 'x' ? "0x" : "0X";
		put_int(o, sp, u, false, 16, s, *conv == 'X');
		return true;
	case 'p':
		sp->flags &= ~(F_PLUS | F_SPACE | F_ALT);
		u = (uintptr_t)va_arg(*ap, void *);
		put_int(o, sp, u, false, 16, "0x", false);
		return true;
	case 'c':
		c = (char)va_arg(*ap, int);
		put_text(o, sp, &c, 1);
		return true;
	case 's':
		s = va_arg(*ap, const char *);
		if (!s)
			s = "(null)";
		put_text(o, sp, s,
			 sp->prec < 0 ? strlen(s) : strnlen(s, sp->prec));
		return true;
	case '%':
		emit(o, "%", 1);
		return true;
	default:
		return false;
	}
}

int vcbprintf(void (*out)(void *ctx, const char *s, size_t n), void *ctx,
	      const char *fmt, va_list ap)
{
	struct sink o = {out, ctx, 0};
	struct spec sp;
	va_list args;

	/* A copy, so that helpers can share it through a pointer. */
	va_copy(args, ap);
	while (*fmt) {
		const char *start = fmt, *conv;

		if (*fmt != '%') {
			while (*fmt && *fmt != '%')
				fmt++;
			emit(&o, start, fmt - start);
			continue;
		}
		conv = parse_spec(fmt + 1, &sp, &args);
		if (*conv == '\0') { /* cut-off directive: print it as is */
			emit(&o, start, conv - start);
			break;
		}
		if (!convert(&o, &sp, conv, &args))
			emit(&o, start, conv + 1 - start);
		fmt = conv + 1;
	}
	va_end(args);
	return o.total > INT_MAX ? -ERANGE : (int)o.total;
}

int cbprintf(void (*out)(void *ctx, const char *s, size_t n), void *ctx,
	     const char *fmt, ...)
{
	va_list ap;
	int ret;

	va_start(ap, fmt);
	ret = vcbprintf(out, ctx, fmt, ap);
	va_end(ap);
	return ret;
}

/* Fills buf[0..room) and drops the rest; the NUL is added at the end. */
struct buf_sink {
	char *buf;
	size_t room; /* size - 1: the NUL's byte is kept free */
	size_t used;
};

static void buf_out(void *ctx, const char *s, size_t n)
{
	struct buf_sink *b = ctx;
	size_t k = b->room - b->used < n ? b->room - b->used : n;

	memcpy(b->buf + b->used, s, k);
	b->used += k;
}

int vsnprintf(char *restrict buf, size_t size, const char *restrict fmt,
	      va_list ap)
{
	struct buf_sink b = {buf, size ? size - 1 : 0, 0};
	int ret = vcbprintf(buf_out, &b, fmt, ap);

	if (size > 0)
		buf[b.used] = '\0';
	return ret;
}

int snprintf(char *restrict buf, size_t size, const char *restrict fmt, ...)
{
	va_list ap;
	int ret;

	va_start(ap, fmt);
	ret = vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return ret;
}
