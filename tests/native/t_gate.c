// SPDX-License-Identifier: GPL-2.0
/*
 * t_gate.c - cases: the MPK gate in one thread.
 *
 * Execution context: user space (Linux, glibc), real PKU.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdint.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cases.h"
#include "dom.h"

static long rw_in_domain(long a, long b)
{
	volatile uint64_t *p = t_keyed;
	uint64_t old = p[0];

	p[1] = (uint64_t)a;		/* write keyed memory */
	(void)b;
	return old == T_SECRET && p[1] == (uint64_t)a ? 1 : 0;
}

static long read_word(long i, long b)
{
	(void)b;
	return (long)t_keyed[i];
}

static long where_is_my_stack(long a, long b)
{
	(void)a;
	(void)b;
	return (long)__builtin_frame_address(0);
}

static long read_pkru(long a, long b)
{
	(void)a;
	(void)b;
	return t_rdpkru();
}

enum ktap_status gate_callee_rw(void)
{
	long sp;

	CHECK_EQ(t_gate(rw_in_domain, 0x1234, 0), 1);
	CHECK_EQ(t_gate(read_pkru, 0, 0), T_OPEN);
	sp = t_gate(where_is_my_stack, 0, 0);
	CHECK(sp < (long)t_dsp && sp >= (long)t_dsp - T_STACK_SIZE);
	return KTAP_PASS;
}

static enum ktap_status check_pku_fault(const volatile void *p)
{
	CHECK_EQ(t_last_fault.signo, SIGSEGV);
	CHECK_EQ(t_last_fault.code, SEGV_PKUERR);
	CHECK_EQ(t_last_fault.pkey, T_KEY);
	CHECK(t_last_fault.addr == (const void *)p);
	return KTAP_PASS;
}

enum ktap_status keyed_read_faults_outside(void)
{
	CHECK_EQ(t_rdpkru(), T_CLOSE);
	CHECK_EQ(t_probe_read(t_keyed), 1);
	return check_pku_fault(t_keyed);
}

enum ktap_status keyed_write_faults_outside(void)
{
	CHECK_EQ(t_probe_write(t_keyed + 2, 7), 1);
	if (check_pku_fault(t_keyed + 2) != KTAP_PASS)
		return KTAP_FAIL;
	/* The value did not land: read it from inside. */
	CHECK_EQ(t_gate(read_word, 2, 0), 0);
	return KTAP_PASS;
}

enum ktap_status gate_closes_on_return(void)
{
	CHECK_EQ(t_gate(rw_in_domain, 1, 0), 1);
	CHECK_EQ(t_rdpkru(), T_CLOSE);
	CHECK_EQ(t_probe_read(t_keyed), 1);
	return check_pku_fault(t_keyed);
}

enum ktap_status gate_register_contract(void)
{
	static const uint64_t m = 0x1111111111111111ULL;
	uint64_t out[12];
	int i;

	t_regs(out);
	for (i = 0; i < 6; i++)		/* rbx rbp r12-r15 preserved */
		CHECK_EQ(out[i], m * (i + 1));
	for (i = 6; i < 11; i++)	/* rcx rdx rsi rdi r8-r11 scrubbed */
		CHECK_EQ(out[i], 0);
	CHECK_EQ(out[11], 42);		/* return value */
	for (i = 0; i < 11; i++)	/* callee saw no caller registers */
		CHECK_EQ(t_regs_seen[i], 0);
	CHECK_EQ(t_regs_seen[11], m * 12);	/* first argument */
	return KTAP_PASS;
}

enum ktap_status forged_eax_close_caught(void)
{
	CHECK_EQ(t_rdpkru(), T_CLOSE);
	t_forge_close();
	CHECK_EQ(t_rdpkru(), T_CLOSE);
	CHECK_EQ(t_probe_read(t_keyed), 1);
	return check_pku_fault(t_keyed);
}

static long harmless(long a, long b)
{
	(void)a;
	(void)b;
	return 0;
}

enum ktap_status forged_eax_open_stops(void)
{
	int wst;
	pid_t pid;

	fflush(NULL);
	pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		signal(SIGILL, SIG_DFL);
		t_forge_open(harmless);
		_exit(0);	/* reached only if the open check is gone */
	}
	CHECK(waitpid(pid, &wst, 0) == pid);
	CHECK(WIFSIGNALED(wst));
	CHECK_EQ(WTERMSIG(wst), SIGILL);
	return KTAP_PASS;
}

enum ktap_status replayed_return_faults(void)
{
	int wst;
	pid_t pid;

	fflush(NULL);
	pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		signal(SIGSEGV, SIG_DFL);
		_exit((int)t_replay(harmless));
	}
	CHECK(waitpid(pid, &wst, 0) == pid);
	if (WIFEXITED(wst))
		return ktap_fail("replayed return landed, %d landings",
				 WEXITSTATUS(wst));
	CHECK_EQ(WTERMSIG(wst), SIGSEGV);
	return KTAP_PASS;
}
