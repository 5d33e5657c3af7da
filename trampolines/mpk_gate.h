/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mpk_gate.h - the protection-key (MPK/PKU) gate, written once.
 *
 * Execution context: any (user space, Linux kernel, unikernel). The macros
 * emit x86-64 code only; they use no libc, no system call and nothing
 * Linux-specific. Include from .S files (the C preprocessor runs first) to
 * get the GNU as macros; include from C to get the PKRU helpers only.
 *
 * A gate is the only sanctioned place where PKRU is written. Every WRPKRU a
 * macro emits is a "gate site": it gets a local symbol
 * __bh_gate_site_<tag> and its address is appended to the section
 * .bh_gate_sites (an array of 8-byte addresses), so the byte scanner
 * (scan.h, tools/bhscan) can tell sanctioned sites from strays.
 *
 * PKRU layout: key k has AD (access disable) at bit 2k and WD (write
 * disable) at bit 2k+1. Gates load a *constant* PKRU; they never compute it
 * and never restore a value saved at run time (that value could be forged).
 *
 * ---------------------------------------------------------------------
 * Primitives (each clobbers rax, rcx, rdx; flags):
 *
 *   BH_MPK_OPEN pkru, tag
 *	ecx = edx = 0; eax = pkru; WRPKRU; cmp eax, pkru; jne -> ud2.
 *	A jump straight into the WRPKRU with a forged EAX sets a PKRU the
 *	gate did not choose, so it must not continue: it stops at ud2 (#UD,
 *	SIGILL in user space) at most 10 bytes after the site. Treat a #UD
 *	there as fatal (PKRU holds the forged value at that point).
 *
 *   BH_MPK_CLOSE pkru, tag
 *	1: ecx = edx = 0; eax = pkru; WRPKRU; cmp eax, pkru; jne 1b.
 *	ERIM's compare-after-write: a jump into the WRPKRU with a forged
 *	EAX loops back and writes the constant, so a close can never leave
 *	the domain open.
 *
 *   BH_GATE_SITE tag
 *	Records the current location as a sanctioned site (used by the two
 *	primitives; use it directly for a hand-written WRPKRU/VMFUNC).
 *
 * ---------------------------------------------------------------------
 * The full gate:
 *
 *   BH_MPK_GATE name, callee, open_pkru, close_pkru, dsp, csp
 *
 * emits, into the current section, a global function `name` that calls
 * `callee` inside the key domain given by open_pkru and returns to the
 * caller with close_pkru loaded. dsp and csp are operands of a 64-bit mov
 * (quote them: "%fs:x@tpoff", "%gs:x", "x(%rip)"):
 *   dsp  source of the domain stack top (16-byte aligned). Read *after*
 *        the domain is open, so it may (and should) live in memory keyed to
 *        the callee's domain: the caller cannot choose the callee's stack.
 *        In position-dependent code it may be an immediate ("$stack_top"):
 *        one static stack per gate, no load after the WRPKRU (cheaper).
 *   csp  slot where the caller's RSP is kept. Written before the open,
 *        read and then zeroed after the close, i.e. always in the caller's
 *        domain: the callee cannot choose where the caller's stack goes on
 *        return, and cannot "return" twice (a replayed jump into the close
 *        reloads RSP = 0 and faults on the first pop).
 * Make both per thread (%fs TLS) or per CPU (%gs) when more than one
 * thread or CPU can be inside the gate. A gate is not re-entrant on the
 * same csp slot: a nested call through it makes the outer return fault.
 *
 * Register contract (System V, at most 3 integer arguments, one result):
 *   in:  rdi, rsi, rdx = arguments (rdx is kept in r8 across WRPKRU).
 *   out: rax = callee's return value.
 *   rbx, rbp, r12-r15: preserved. Saved on the caller's stack and zeroed
 *        before the call, so the callee sees none of the caller's values
 *        and cannot change them.
 *   rcx, rdx, rsi, rdi, r8-r11: zero on return (no callee secrets leak);
 *        r8-r11 and rcx are also zero on entry to the callee.
 *   rax on entry to the callee = open_pkru (a constant, not a secret).
 *   Not scrubbed: flags, x87/SSE/AVX state (kernel and unikernel build
 *   with -mgeneral-regs-only; user-space callers must not keep secrets in
 *   vector registers across a gate).
 *
 * Sequence: push rbx rbp r12-r15; csp = rsp; r8 = rdx; OPEN; rsp = dsp;
 * rdx = r8; zero rbx rbp r8-r15; call callee; r11 = rax; CLOSE;
 * rsp = csp; csp = 0; rax = r11; zero rsi rdi r8-r11; pop; ret.
 *
 * Stack layout:
 *   caller stack (csp points here while the callee runs):
 *	+48  return address into the caller
 *	+40  rbx
 *	+32  rbp
 *	+24  r12
 *	+16  r13
 *	 +8  r14
 *	 +0  r15   <- saved RSP (csp)
 *   domain stack: *dsp = top; the gate pushes only the return address of
 *   its `call callee` there, so the callee starts with RSP = top - 8, the
 *   normal ABI alignment.
 *
 * What the gate trusts:
 *   - the code pages of the gate are not writable (W^X) and the scanner has
 *     shown that no other WRPKRU/XRSTOR/XRSTORS/VMFUNC byte pattern exists in
 *     executable memory;
 *   - the slot dsp is writable only by the callee's domain (or by trusted
 *     setup code), csp only by the caller's domain;
 *   - nothing else restores PKRU behind its back: XRSTOR cannot load PKRU
 *     (XCR0.PKRU clear, or no stray XRSTOR), signal return / interrupt
 *     return is handled by the kernel side (see README.md);
 *   - a jump into the middle of the gate ends either at ud2 (open) or with
 *     the constant close_pkru loaded (close). Entering after the open
 *     with a chosen RSP is not a problem: the gate loads RSP from dsp.
 *     A jump to the open WRPKRU with the right EAX is just a call of the
 *     gate (arguments from rdi, rsi, r8); it skips saving csp, and the
 *     return then faults on the zeroed slot.
 *
 * Cost (Zen 3, tests/native/bench): WRPKRU does not overlap with the
 * instructions around it, so each step above adds to the two-WRPKRU floor.
 */
#ifndef BH_MPK_GATE_H
#define BH_MPK_GATE_H

/* PKRU bits for key k; plain integer expressions, valid in C and in gas. */
#define BH_PKRU_AD(k)		(1 << (2 * (k)))
#define BH_PKRU_WD(k)		(1 << (2 * (k) + 1))
#define BH_PKRU_DENY(k)		(BH_PKRU_AD(k) | BH_PKRU_WD(k))
/* Linux's initial PKRU: key 0 open, keys 1..15 access-disabled. */
#define BH_PKRU_LINUX_INIT	0x55555554

#define BH_GATE_SITES_SECTION	".bh_gate_sites"
#define BH_GATE_SITE_PREFIX	"__bh_gate_site_"

/*
 * The gate's return instruction. A Linux kernel built with return thunks
 * defines BH_GATE_RET as RET (from <linux/linkage.h>) before including
 * this file; everyone else gets a plain ret.
 */
#ifndef BH_GATE_RET
#define BH_GATE_RET	ret
#endif

/*
 * Emitted at each gate site, after its label: nothing by default.  A site's
 * address is data for the scanner, never a branch target; a Linux kernel
 * build says so to objtool (which otherwise wants an ENDBR there when the
 * kernel has IBT) by defining BH_GATE_SITE_ANNOTATE as ANNOTATE_NOENDBR
 * (<linux/objtool.h>: an entry in a .discard section, no code) before
 * including this file.
 */
#ifndef BH_GATE_SITE_ANNOTATE
#define BH_GATE_SITE_ANNOTATE
#endif

#ifdef __ASSEMBLER__

.macro BH_GATE_SITE tag
__bh_gate_site_\tag:
	BH_GATE_SITE_ANNOTATE
	.pushsection .bh_gate_sites, "aw"
	.balign 8
	.quad __bh_gate_site_\tag
	.popsection
.endm

.macro BH_MPK_OPEN pkru, tag
	xor	%ecx, %ecx
	xor	%edx, %edx
	mov	$(\pkru), %eax
	BH_GATE_SITE \tag
	wrpkru
	cmp	$(\pkru), %eax
	je	.Lbh_open_ok_\@
	ud2
.Lbh_open_ok_\@:
.endm

.macro BH_MPK_CLOSE pkru, tag
.Lbh_close_retry_\@:
	xor	%ecx, %ecx
	xor	%edx, %edx
	mov	$(\pkru), %eax
	BH_GATE_SITE \tag
	wrpkru
	cmp	$(\pkru), %eax
	jne	.Lbh_close_retry_\@
.endm

/*
 * The common tail of every gate: scrub the caller-saved registers that can
 * carry callee secrets (rcx and rdx are already 0: the closing write left
 * them so), restore the caller's callee-saved registers, return.  Expects
 * the result in rax and the six callee-saved pushes on the caller stack.
 */
.macro BH_GATE_SCRUB_RETURN
	xor	%esi, %esi
	xor	%edi, %edi
	xor	%r8d, %r8d
	xor	%r9d, %r9d
	xor	%r10d, %r10d
	xor	%r11d, %r11d
	pop	%r15
	pop	%r14
	pop	%r13
	pop	%r12
	pop	%rbp
	pop	%rbx
	BH_GATE_RET
.endm

.macro BH_MPK_GATE name, callee, open_pkru, close_pkru, dsp, csp
	.globl	\name
	.type	\name, @function
	.balign	16
\name:
	push	%rbx
	push	%rbp
	push	%r12
	push	%r13
	push	%r14
	push	%r15
	mov	%rsp, \csp
	mov	%rdx, %r8
	BH_MPK_OPEN \open_pkru, \name\()_open
	mov	\dsp, %rsp
	mov	%r8, %rdx
	xor	%ebx, %ebx
	xor	%ebp, %ebp
	xor	%r8d, %r8d
	xor	%r9d, %r9d
	xor	%r10d, %r10d
	xor	%r11d, %r11d
	xor	%r12d, %r12d
	xor	%r13d, %r13d
	xor	%r14d, %r14d
	xor	%r15d, %r15d
	call	\callee
	mov	%rax, %r11
	BH_MPK_CLOSE \close_pkru, \name\()_close
	mov	\csp, %rsp
	movq	$0, \csp
	mov	%r11, %rax
	BH_GATE_SCRUB_RETURN
	.size	\name, . - \name
.endm

#endif /* __ASSEMBLER__ */
#endif /* BH_MPK_GATE_H */
