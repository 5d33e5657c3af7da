/* SPDX-License-Identifier: GPL-2.0 */
/*
 * gate.S - the test domain's gate and asm helpers for the native tests.
 *
 * Execution context: user space (Linux), x86-64 with PKU.
 *
 * t_gate is an instance of BH_MPK_GATE whose callee, t_dispatch, runs a
 * function pointer inside the domain: a test convenience (a real gate has
 * a fixed callee, never a pointer chosen by the caller).
 */
#include "dom.h"

	.section .tbss, "awT", @nobits
	.balign 8
	.globl	t_dsp, t_csp
t_dsp:	.quad 0
t_csp:	.quad 0

	.bss
	.balign 8
	.globl	t_regs_seen
t_regs_seen:
	.zero	12 * 8

	.text
/* long t_dispatch(t_fn fn, long a, long b): tail-call fn(a, b). */
	.type	t_dispatch, @function
t_dispatch:
	mov	%rdi, %rax
	mov	%rsi, %rdi
	mov	%rdx, %rsi
	jmp	*%rax
	.size	t_dispatch, . - t_dispatch

BH_MPK_GATE t_gate, t_dispatch, T_OPEN, T_CLOSE, \
	"%fs:t_dsp@tpoff", "%fs:t_csp@tpoff"

/*
 * long t_forge_close(void): an attacker outside the domain jumps straight
 * into the gate's closing WRPKRU with EAX = 0 (every key open) and
 * ECX = EDX = 0. It first lays out the caller's stack as the gate would,
 * so the gate's epilogue returns here to our caller. Without the
 * compare-after-write PKRU would stay 0.
 */
	.globl	t_forge_close
	.type	t_forge_close, @function
t_forge_close:
	push	%rbx
	push	%rbp
	push	%r12
	push	%r13
	push	%r14
	push	%r15
	mov	%rsp, %fs:t_csp@tpoff
	xor	%eax, %eax
	xor	%ecx, %ecx
	xor	%edx, %edx
	jmp	__bh_gate_site_t_gate_close
	.size	t_forge_close, . - t_forge_close

/*
 * long t_forge_open(t_fn fn): jump into the gate's opening WRPKRU with
 * EAX = 0. The gate must stop at ud2 (SIGILL). Without the check it would
 * call fn inside the domain and return normally.
 */
	.globl	t_forge_open
	.type	t_forge_open, @function
t_forge_open:
	push	%rbx
	push	%rbp
	push	%r12
	push	%r13
	push	%r14
	push	%r15
	mov	%rsp, %fs:t_csp@tpoff
	xor	%eax, %eax
	xor	%ecx, %ecx
	xor	%edx, %edx
	xor	%r8d, %r8d
	jmp	__bh_gate_site_t_gate_open
	.size	t_forge_open, . - t_forge_open

/*
 * long t_replay(t_fn fn): call t_gate(fn) once, then jump into the gate's
 * closing WRPKRU again with the legitimate EAX, as code inside the domain
 * could, to "return" a second time. The gate zeroes its caller-RSP slot
 * after use, so the replay pops from address 0 and faults. If the slot
 * were kept, the replay would land after the call again: returns the
 * number of landings (2) instead.
 */
	.bss
	.balign	8
t_replay_landings:
	.quad	0
	.text
	.globl	t_replay
	.type	t_replay, @function
t_replay:
	push	%rbx
	movq	$0, t_replay_landings(%rip)
	call	t_gate
	incq	t_replay_landings(%rip)
	cmpq	$1, t_replay_landings(%rip)
	ja	1f
	mov	$T_CLOSE, %eax
	xor	%ecx, %ecx
	xor	%edx, %edx
	jmp	__bh_gate_site_t_gate_close
1:	mov	t_replay_landings(%rip), %rax
	pop	%rbx
	ret
	.size	t_replay, . - t_replay

/*
 * void t_regs(uint64_t out[12]): load marker values into every register
 * the contract talks about, call t_gate(t_regs_callee, ...), store what
 * comes back: out = rbx rbp r12 r13 r14 r15 rcx rdx rsi rdi
 * (r8|r9|r10|r11) rax.
 */
#define MARK(n)	$(0x1111111111111111 * (n))
	.globl	t_regs
	.type	t_regs, @function
t_regs:
	push	%rbx
	push	%rbp
	push	%r12
	push	%r13
	push	%r14
	push	%r15
	push	%rdi
	mov	MARK(1), %rbx
	mov	MARK(2), %rbp
	mov	MARK(3), %r12
	mov	MARK(4), %r13
	mov	MARK(5), %r14
	mov	MARK(6), %r15
	mov	MARK(7), %rcx
	mov	MARK(8), %r8
	mov	MARK(9), %r9
	mov	MARK(10), %r10
	mov	MARK(11), %r11
	lea	t_regs_callee(%rip), %rdi
	mov	MARK(12), %rsi
	mov	MARK(13), %rdx
	call	t_gate
	xchg	%rdi, (%rsp)
	mov	%rbx, 0(%rdi)
	mov	%rbp, 8(%rdi)
	mov	%r12, 16(%rdi)
	mov	%r13, 24(%rdi)
	mov	%r14, 32(%rdi)
	mov	%r15, 40(%rdi)
	mov	%rcx, 48(%rdi)
	mov	%rdx, 56(%rdi)
	mov	%rsi, 64(%rdi)
	pop	%rcx
	mov	%rcx, 72(%rdi)
	or	%r9, %r8
	or	%r10, %r8
	or	%r11, %r8
	mov	%r8, 80(%rdi)
	mov	%rax, 88(%rdi)
	pop	%r15
	pop	%r14
	pop	%r13
	pop	%r12
	pop	%rbp
	pop	%rbx
	ret
	.size	t_regs, . - t_regs

/*
 * long t_regs_callee(long a, long b): a hostile callee. Records the
 * registers it was entered with in t_regs_seen (rbx rbp r12-r15 rcx r8-r11
 * a b), then fills every register with "secrets", breaking the ABI on
 * purpose, and returns 42.
 */
	.type	t_regs_callee, @function
t_regs_callee:
	mov	%rbx, t_regs_seen + 0(%rip)
	mov	%rbp, t_regs_seen + 8(%rip)
	mov	%r12, t_regs_seen + 16(%rip)
	mov	%r13, t_regs_seen + 24(%rip)
	mov	%r14, t_regs_seen + 32(%rip)
	mov	%r15, t_regs_seen + 40(%rip)
	mov	%rcx, t_regs_seen + 48(%rip)
	mov	%r8, t_regs_seen + 56(%rip)
	mov	%r9, t_regs_seen + 64(%rip)
	mov	%r10, t_regs_seen + 72(%rip)
	mov	%r11, t_regs_seen + 80(%rip)
	mov	%rdi, t_regs_seen + 88(%rip)
	mov	$0x5ec2e7, %eax
	mov	%rax, %rbx
	mov	%rax, %rbp
	mov	%rax, %r12
	mov	%rax, %r13
	mov	%rax, %r14
	mov	%rax, %r15
	mov	%rax, %rcx
	mov	%rax, %rdx
	mov	%rax, %rsi
	mov	%rax, %rdi
	mov	%rax, %r8
	mov	%rax, %r9
	mov	%rax, %r10
	mov	%rax, %r11
	mov	$42, %eax
	ret
	.size	t_regs_callee, . - t_regs_callee

/*
 * Probes with a fix-up, like a kernel exception table: if the access at
 * t_probe_*_insn faults, the SIGSEGV handler (dom.c) sets RIP to
 * t_probe_fixup and RAX to 1. Sigreturn then restores the PKRU the probe
 * ran with; a siglongjmp would leave the handler's PKRU in place.
 */
	.globl	t_probe_read, t_probe_write, t_probe_read_insn
	.globl	t_probe_write_insn, t_probe_fixup
	.type	t_probe_read, @function
t_probe_read:
	xor	%eax, %eax
t_probe_read_insn:
	mov	(%rdi), %rcx
	ret
	.size	t_probe_read, . - t_probe_read

	.type	t_probe_write, @function
t_probe_write:
	xor	%eax, %eax
t_probe_write_insn:
	mov	%rsi, (%rdi)
t_probe_fixup:
	ret
	.size	t_probe_write, . - t_probe_write

	.section .note.GNU-stack, "", @progbits
