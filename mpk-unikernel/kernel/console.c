/*
 * console.c - COM1 serial console and kprintf. Context: unikernel, safe
 * partition (port I/O, polled, no interrupts). Only the safe kernel prints.
 */
#include <stdarg.h>
#include "kernel.h"

#define COM1 0x3f8

void serial_init(void)
{
	outb(COM1 + 1, 0x00);   /* no interrupts */
	outb(COM1 + 3, 0x80);   /* DLAB */
	outb(COM1 + 0, 0x01);   /* 115200 */
	outb(COM1 + 1, 0x00);
	outb(COM1 + 3, 0x03);   /* 8N1 */
	outb(COM1 + 2, 0xc7);   /* FIFO */
	outb(COM1 + 4, 0x03);
}

static void serial_putc(char c)
{
	while (!(inb(COM1 + 5) & 0x20))
		;
	outb(COM1, (u8)c);
}

void serial_drain(void)
{
	while (!(inb(COM1 + 5) & 0x40))
		;
}

void kputs(const char *s)
{
	for (; *s; s++)
		serial_putc(*s);        /* LF only: the log is a file, not a tty */
}

static char *fmt_num(char *end, u64 v, unsigned base, int width, char pad)
{
	char *p = end;
	*p = 0;
	do {
		*--p = "0123456789abcdef"[v % base];
		v /= base;
		width--;
	} while (v);
	while (width-- > 0)
		*--p = pad;
	return p;
}

int kvsnprintf(char *out, size_t size, const char *fmt, va_list ap)
{
	char num[32];
	size_t n = 0;

	for (; *fmt && n < size - 1; fmt++) {
		if (*fmt != '%') {
			out[n++] = *fmt;
			continue;
		}
		fmt++;
		char pad = ' ';
		int width = 0, is_long = 0;
		if (*fmt == '0')
			pad = '0', fmt++;
		while (*fmt >= '0' && *fmt <= '9')
			width = width * 10 + (*fmt++ - '0');
		while (*fmt == 'l')
			is_long = 1, fmt++;
		const char *s = num;
		switch (*fmt) {
		case 'd': {
			i64 v = is_long ? va_arg(ap, i64) : va_arg(ap, int);
			s = fmt_num(num + 31, v < 0 ? -(u64)v : (u64)v, 10, width, pad);
			if (v < 0)
				*(char *)--s = '-';
			break;
		}
		case 'u':
			s = fmt_num(num + 31, is_long ? va_arg(ap, u64) : va_arg(ap, unsigned), 10, width, pad);
			break;
		case 'x':
			s = fmt_num(num + 31, is_long ? va_arg(ap, u64) : va_arg(ap, unsigned), 16, width, pad);
			break;
		case 'p':
			s = fmt_num(num + 31, (u64)va_arg(ap, void *), 16, 0, pad);
			*(char *)--s = 'x';
			*(char *)--s = '0';
			break;
		case 's':
			s = va_arg(ap, const char *);
			if (!s)
				s = "(null)";
			break;
		case 'c':
			num[0] = (char)va_arg(ap, int);
			num[1] = 0;
			break;
		default:
			num[0] = '%';
			num[1] = *fmt;
			num[2] = 0;
		}
		while (*s && n < size - 1)
			out[n++] = *s++;
	}
	out[n] = 0;
	return (int)n;
}

int ksnprintf(char *out, size_t size, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = kvsnprintf(out, size, fmt, ap);
	va_end(ap);
	return n;
}

void kprintf(const char *fmt, ...)
{
	char out[256];
	va_list ap;
	va_start(ap, fmt);
	kvsnprintf(out, sizeof(out), fmt, ap);
	va_end(ap);
	kputs(out);
}
