// SPDX-License-Identifier: GPL-2.0
/*
 * bhpks_dom.c - the isolated half of bhpks_test.ko: a RAM-disk-like store.
 *
 * Execution context: inside the PKS domain.  Entered only through
 * bh_pks_call() (trampolines/pks_gate.S), on the domain's stack, with
 * PKRS = BH_PKS_DOMAIN(key): this module's data (bht_ram) is read/write,
 * the kernel (key 0) is read-only.  Calls nothing in the kernel; built
 * without ftrace hooks.
 */
#include <linux/types.h>
#include <linux/compiler.h>
#include "bhpks_test.h"

unsigned char bht_ram[BHT_RAM_SIZE] __aligned(4096);
static unsigned long bht_busy_iters;

long bht_dom_write(long off, long len, long pattern)
{
	long i;

	if (off < 0 || len < 0 || off > BHT_RAM_SIZE - len)
		return -22;
	for (i = 0; i < len; i++)
		WRITE_ONCE(bht_ram[off + i], (pattern + i) & 0xff);
	return len;
}

long bht_dom_sum(long off, long len, long unused)
{
	long i, sum = 0;

	if (off < 0 || len < 0 || off > BHT_RAM_SIZE - len)
		return -22;
	for (i = 0; i < len; i++)
		sum += READ_ONCE(bht_ram[off + i]);
	return sum;
}

long bht_dom_stray(long addr, long val, long unused)
{
	WRITE_ONCE(*(long *)addr, val);
	return 0;
}

/*
 * What fault isolation cannot stop: a ring-0 domain opens every key with
 * its own WRMSR to IA32_PKRS (only a hypervisor trapping that MSR could),
 * then stores to kernel data.  The test asserts it works, to keep the
 * "fault isolation" label honest.
 */
long bht_dom_escape(long addr, long val, long unused)
{
	asm volatile("wrmsr" : : "c" (0x6e1), "a" (0), "d" (0) : "memory");
	WRITE_ONCE(*(long *)addr, val);
	return 0;
}

long bht_dom_peek(long addr, long unused1, long unused2)
{
	return READ_ONCE(*(long *)addr);
}

long bht_dom_busy(long deadline, long clock, long unused)
{
	const unsigned long *now = (const unsigned long *)clock;

	bht_busy_iters = 0;
	while ((long)(READ_ONCE(*now) - deadline) < 0)
		WRITE_ONCE(bht_busy_iters, bht_busy_iters + 1);
	return bht_busy_iters;
}

long bht_dom_stack(long unused0, long unused1, long unused2)
{
	return (long)__builtin_frame_address(0);
}
