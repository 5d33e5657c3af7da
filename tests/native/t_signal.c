// SPDX-License-Identifier: GPL-2.0
/*
 * t_signal.c - cases: a signal taken while a thread is inside the gate.
 *
 * Execution context: user space (Linux, glibc), real PKU.
 *
 * What Linux does (asserted here): the handler runs with PKRU = the
 * kernel's init value (0x55555554: every key but 0 access-disabled), not
 * with the PKRU of the interrupted code, so the domain is closed in the
 * handler; sigreturn restores the interrupted PKRU from the signal frame,
 * so the callee continues with its domain open. Without an alternate
 * signal stack the frame lands on the keyed domain stack and the handler
 * cannot touch its own stack: the process dies of SIGSEGV.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cases.h"
#include "dom.h"

static volatile uint32_t h_pkru;
static volatile long h_faulted = -1, h_ran;
static volatile struct t_fault h_fault;

static void usr1_handler(int sig)
{
	(void)sig;
	h_pkru = t_rdpkru();
	h_faulted = t_probe_read(t_keyed);
	h_fault = t_last_fault;
	h_ran = 1;
}

/* Touches nothing but a flag: only its own stack frame can fault. */
static void usr1_flag_handler(int sig)
{
	(void)sig;
	h_ran = 1;
}

static long raise_inside(long a, long b)
{
	(void)a;
	(void)b;
	raise(SIGUSR1);
	return t_rdpkru() == T_OPEN && t_keyed[0] == T_SECRET;
}

static void set_usr1(void (*handler)(int), int flags)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = handler;
	sa.sa_flags = flags;
	sigaction(SIGUSR1, &sa, NULL);
}

enum ktap_status signal_in_gate_altstack(void)
{
	stack_t ss = { .ss_size = 64 * 1024 };

	ss.ss_sp = malloc(ss.ss_size);
	CHECK(ss.ss_sp && !sigaltstack(&ss, NULL));
	set_usr1(usr1_handler, SA_ONSTACK);
	CHECK_EQ(t_gate(raise_inside, 0, 0), 1);	/* open again after */
	CHECK_EQ(h_ran, 1);
	CHECK_EQ(h_pkru, BH_PKRU_LINUX_INIT);	/* handler: closed */
	CHECK_EQ(h_faulted, 1);
	CHECK_EQ(h_fault.code, SEGV_PKUERR);
	CHECK_EQ(h_fault.pkey, T_KEY);
	CHECK_EQ(t_rdpkru(), T_CLOSE);
	return KTAP_PASS;
}

enum ktap_status signal_in_gate_domain_stack(void)
{
	int wst;
	pid_t pid;

	fflush(NULL);
	pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		signal(SIGSEGV, SIG_DFL);
		set_usr1(usr1_flag_handler, 0);
		_exit(t_gate(raise_inside, 0, 0) == 1 ? 0 : 3);
	}
	CHECK(waitpid(pid, &wst, 0) == pid);
	if (WIFEXITED(wst))
		return ktap_fail("handler on keyed stack ran, exit %d",
				 WEXITSTATUS(wst));
	CHECK_EQ(WTERMSIG(wst), SIGSEGV);
	return KTAP_PASS;
}
