/*
 * probes.c - small unsafe-partition functions the KTAP tests call through
 * the gate: wild writes, exceptions, spinning across timer interrupts.
 * Context: unikernel, UNSAFE partition (ring 0, PKRU_UNSAFE, own stack).
 */
#include "workload.h"

long unsafe_null(long a0, long a1, long a2)
{
	(void)a1, (void)a2;
	return a0;
}

long unsafe_poke(long addr, long val, long a2)
{
	(void)a2;
	*(volatile u64 *)addr = (u64)val;
	return 0;
}

long unsafe_peek(long addr, long a1, long a2)
{
	(void)a1, (void)a2;
	return (long)*(volatile u64 *)addr;
}

/* Spin until *ticks advanced by n, checking PKRU all along. Returns
 * (mismatches << 32) | final PKRU; mismatches includes a timeout. */
long unsafe_spin_ticks(long ticks_addr, long n, long max_iter)
{
	volatile u64 *t = (volatile u64 *)ticks_addr;
	u64 start = *t, bad = 0;
	long i;
	for (i = 0; *t - start < (u64)n && i < max_iter; i++)
		if (rdpkru() != PKRU_UNSAFE)
			bad++;
	if (i == max_iter)
		bad++;
	return (long)(bad << 32 | rdpkru());
}

long unsafe_ud2(long a0, long a1, long a2)
{
	(void)a0, (void)a1, (void)a2;
	__builtin_trap();
}

long unsafe_div(long a, long b, long a2)
{
	(void)a2;
	return a / b;
}
