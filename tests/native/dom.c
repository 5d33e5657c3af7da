// SPDX-License-Identifier: GPL-2.0
/*
 * dom.c - set up the test domain: key, keyed memory, stacks, probes.
 *
 * Execution context: user space (Linux, glibc), real PKU.
 */
#define _GNU_SOURCE
#include <cpuid.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <ucontext.h>

#include "dom.h"

volatile uint64_t *t_keyed;
__thread struct t_fault t_last_fault;

extern char t_probe_read_insn[], t_probe_write_insn[], t_probe_fixup[];

const char *dom_setup(void)
{
	static char why[128];
	unsigned int a, b, c, d;
	void *page;
	int key;

	if (!__get_cpuid_count(7, 0, &a, &b, &c, &d))
		return "CPUID leaf 7 missing";
	if (!(c & (1u << 3)))
		return "CPUID.7.0:ECX.PKU (bit 3) clear";
	if (!(c & (1u << 4)))
		return "CPUID.7.0:ECX.OSPKE (bit 4) clear";
	/* Rights apply to this thread's PKRU now: start closed. */
	key = pkey_alloc(0, PKEY_DISABLE_ACCESS);
	if (key < 0) {
		snprintf(why, sizeof(why), "pkey_alloc: %s",
			 strerror(errno));
		return why;
	}
	if (key != T_KEY) {
		snprintf(why, sizeof(why), "pkey_alloc gave key %d, want %d",
			 key, T_KEY);
		return why;
	}
	page = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (page == MAP_FAILED)
		return "mmap failed";
	*(volatile uint64_t *)page = T_SECRET;
	if (pkey_mprotect(page, 4096, PROT_READ | PROT_WRITE, T_KEY))
		return "pkey_mprotect failed";
	t_keyed = page;
	return NULL;
}

int dom_thread_init(void)
{
	void *stk;

	stk = mmap(NULL, T_STACK_SIZE, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (stk == MAP_FAILED)
		return -1;
	if (pkey_mprotect(stk, T_STACK_SIZE, PROT_READ | PROT_WRITE, T_KEY))
		return -1;
	t_dsp = (uintptr_t)stk + T_STACK_SIZE;
	return 0;
}

static void probe_handler(int sig, siginfo_t *si, void *ctx)
{
	ucontext_t *uc = ctx;
	greg_t *rip = &uc->uc_mcontext.gregs[REG_RIP];

	t_last_fault.signo = sig;
	t_last_fault.code = si->si_code;
	t_last_fault.pkey = si->si_code == SEGV_PKUERR ? (int)si->si_pkey : -1;
	t_last_fault.addr = si->si_addr;
	if (*rip == (greg_t)t_probe_read_insn ||
	    *rip == (greg_t)t_probe_write_insn) {
		*rip = (greg_t)t_probe_fixup;
		uc->uc_mcontext.gregs[REG_RAX] = 1;
		return;
	}
	/* Not a probe: die of it. */
	signal(sig, SIG_DFL);
}

void dom_probe_handler_install(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = probe_handler;
	sa.sa_flags = SA_SIGINFO | SA_NODEFER | SA_ONSTACK;
	sigaction(SIGSEGV, &sa, NULL);
}
