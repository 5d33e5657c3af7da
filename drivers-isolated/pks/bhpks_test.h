/* SPDX-License-Identifier: GPL-2.0 */
/*
 * bhpks_test.h - what the kernel side of bhpks_test.ko calls inside its
 * PKS domain.  Execution context: the functions run inside the domain
 * (entered only through bh_pks_call); the header is shared by both sides.
 */
#ifndef BHPKS_TEST_H
#define BHPKS_TEST_H

#define BHT_RAM_SIZE	(64 * 1024)

extern unsigned char bht_ram[BHT_RAM_SIZE];

/* fill [off, off + len) with (pattern + i) & 0xff; returns len */
long bht_dom_write(long off, long len, long pattern);
/* sum of the bytes of [off, off + len) */
long bht_dom_sum(long off, long len, long unused);
/* the bug under test: store val at a kernel address */
long bht_dom_stray(long addr, long val, long unused);
/* WRMSR IA32_PKRS = 0 from inside, then store val at a kernel address */
long bht_dom_escape(long addr, long val, long unused);
/* load a long from any address: key 0 may be read, other domains not */
long bht_dom_peek(long addr, long unused1, long unused2);
/*
 * spin until *clock (the kernel's jiffies: key 0 is readable inside, and
 * only the timer interrupt moves it) passes deadline; returns iterations
 */
long bht_dom_busy(long deadline, long clock, long unused);
/* address of a local variable: proves the domain stack is used */
long bht_dom_stack(long unused0, long unused1, long unused2);

#endif /* BHPKS_TEST_H */
