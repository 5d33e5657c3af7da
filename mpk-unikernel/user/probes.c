/*
 * probes.c - user-partition functions for the KTAP tests. Context: USER
 * partition, ring 3, PKRU_USER; system calls via int $0x80.
 */
#include "workload.h"

u64 user_loot, user_target;

static long sys(long nr, long a, long b)
{
	long r;
	__asm__ volatile("int $0x80" : "=a"(r) : "a"(nr), "D"(a), "S"(b) : "memory");
	return r;
}

long user_hello(long a0, long a1)
{
	static const char msg[] = "hello from ring 3";
	(void)a0, (void)a1;
	return sys(SYS_WRITE, (long)msg, sizeof(msg) - 1) == sizeof(msg) - 1 ? 42 : -1;
}

long user_null(long a0, long a1)
{
	(void)a1;
	return a0;
}

long user_read(long addr, long a1)
{
	(void)a1;
	return (long)*(volatile u64 *)addr;
}

/* Spin until the tick count advanced by n, checking PKRU all along. */
long user_spin_ticks(long n, long a1)
{
	u64 start = (u64)sys(SYS_TICKS, 0, 0), bad = 0;
	(void)a1;
	long i;
	for (i = 0; (u64)sys(SYS_TICKS, 0, 0) - start < (u64)n && i < 50000000; i++)
		for (int j = 0; j < 100; j++)
			if (rdpkru() != PKRU_USER)
				bad++;
	return (long)(bad << 32 | rdpkru());
}
