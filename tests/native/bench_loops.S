/* SPDX-License-Identifier: GPL-2.0 */
/*
 * bench_loops.S - timed loops for the gate benchmark (bench.c).
 *
 * Execution context: user space (Linux), x86-64 with PKU.
 *
 * Each uint64_t bench_<x>(uint64_t n) runs its body n times between
 * "lfence; rdtsc; lfence" and "rdtscp; lfence" and returns the elapsed
 * TSC ticks, loop overhead included (bench_loop measures that alone).
 * Every raw WRPKRU here is a recorded gate site, so the binary stays
 * clean for bhscan.
 */
#include "dom.h"

/* r12 = start TSC, r13 = counter, rbx = callee address. */
.macro BENCH name
	.globl	bench_\name
	.type	bench_\name, @function
bench_\name:
	push	%rbx
	push	%r12
	push	%r13
	mov	%rdi, %r13
	lea	bench_empty(%rip), %rbx
	lfence
	rdtsc
	lfence
	shl	$32, %rdx
	or	%rdx, %rax
	mov	%rax, %r12
	.balign	16
.Lbody_\name:
.endm

.macro BENCH_END name
	dec	%r13
	jnz	.Lbody_\name
	rdtscp
	lfence
	shl	$32, %rdx
	or	%rdx, %rax
	sub	%r12, %rax
	pop	%r13
	pop	%r12
	pop	%rbx
	ret
	.size	bench_\name, . - bench_\name
.endm

.macro RAW_WRPKRU pkru, tag
	xor	%ecx, %ecx
	xor	%edx, %edx
	mov	$(\pkru), %eax
	BH_GATE_SITE \tag
	wrpkru
.endm

	.text
	.globl	bench_empty
	.type	bench_empty, @function
bench_empty:
	ret
	.size	bench_empty, . - bench_empty

/* The tests' gate shape: per-thread slots in TLS. */
BH_MPK_GATE bench_empty_gate, bench_empty, T_OPEN, T_CLOSE, \
	"%fs:t_dsp@tpoff", "%fs:t_csp@tpoff"

/*
 * One static domain stack for the gate (dsp is an immediate: no load
 * after the WRPKRU; single thread only; needs a non-PIE link).
 */
	.bss
	.balign	16
bench_static_stack:
	.zero	4096
bench_static_stack_top:
	.text
BH_MPK_GATE bench_static_gate, bench_empty, T_OPEN, T_CLOSE, \
	"$bench_static_stack_top", "%fs:t_csp@tpoff"

BENCH loop
BENCH_END loop

BENCH icall
	call	*%rbx
BENCH_END icall

BENCH wrpkru1
	RAW_WRPKRU T_CLOSE, bench_wrpkru1
BENCH_END wrpkru1

BENCH wrpkru2
	RAW_WRPKRU T_OPEN, bench_wrpkru2_open
	RAW_WRPKRU T_CLOSE, bench_wrpkru2_close
BENCH_END wrpkru2

/* ERIM-style: checked open, call, checked close; no stack switch. */
BENCH checked_call
	BH_MPK_OPEN T_OPEN, bench_checked_open
	call	bench_empty
	BH_MPK_CLOSE T_CLOSE, bench_checked_close
BENCH_END checked_call

BENCH gate_static
	call	bench_static_gate
BENCH_END gate_static

BENCH gate
	call	bench_empty_gate
BENCH_END gate

	.section .note.GNU-stack, "", @progbits
