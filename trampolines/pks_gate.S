/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pks_gate.S - the PKS gates (one per key) and the interrupt/exception
 * entry trampolines of PKS domains.
 *
 * Execution context: normal kernel (CPL 0).  The gates start and end in
 * the kernel (PKRS = 0); the callee runs inside the domain (PKRS =
 * BH_PKS_DOMAIN(k)).  The entry stubs run on whatever stack the CPU was
 * on (a domain stack when the event hit a domain) with interrupts off.
 * Macros, register contract and stack layout: pks_gate.h.
 *
 * Entry stubs (bh_pks_stubs, BH_PKS_STUB_SIZE bytes per vector) are put in
 * a copy of the IDT that domains/pks loads on a CPU only while a PKS gate
 * call is in flight there (so user mode never sees it: PTI stays happy).
 * Vectors with an IST stack (NMI, #DF, #MC, #DB) keep Linux's entry.
 *
 *   stub v:  (ENDBR on IBT kernels: an IDT entry point)
 *            RDMSR PKRS; 0 (kernel context) -> jump to Linux's handler with
 *            the frame untouched.  Nonzero (a domain was live) -> push
 *            vinfo (and a dummy error code) and go to bh_pks_domain_entry.
 *   bh_pks_domain_entry, frame (offsets from RSP after its pushes):
 *	0 saved PKRS, 8 rdx, 16 rcx, 24 rax, 32 vinfo, 40 error code,
 *	48 rip, 56 cs, 64 rflags, 72 rsp, 80 ss
 *     exception (vector < 32): a fault of the domain.  PKRS = 0 (checked),
 *	record vector/error/rip/cr2/pkrs in the per-CPU slot, rewrite the
 *	frame's RIP to bh_pks_gate_abort and IRET: the gate returns -EFAULT.
 *     interrupt (vector >= 32): PKRS = 0 (checked), count it, build a
 *	kernel-mode IRET frame (RIP = bh_pks_irq_return, RSP = here) and
 *	enter Linux's handler; its IRET lands in bh_pks_irq_return, which
 *	writes back the PKRS the gate recorded in the slot (cur, kernel
 *	memory), checks it, and IRETs into the domain.  If the saved PKRS is
 *	not cur (a domain wrote its own PKRS), the domain is stopped the
 *	same way as on an exception, after the handler ran.
 */
#include <linux/linkage.h>
#include <linux/errno.h>
#include <linux/objtool.h>
#include <asm/ibt.h>
#include <asm/nospec-branch.h>
#include <asm/unwind_hints.h>
#include "../include/bh_compat.h"
/*
 * The return of the gates and of bh_pks_gate_abort (BH_GATE_SCRUB_RETURN):
 * RSP at the caller's return address, which objtool cannot see on the
 * abort path (RSP reloaded from the slot).  A plain ret (no return thunk),
 * as the gates always had: said to objtool.  PKRS is 0 again at that ret
 * and PKS does not limit instruction fetch, so the thunk would work here;
 * it is not used, to keep the gates' code as it is.
 */
#define BH_GATE_RET		UNWIND_HINT_FUNC; ANNOTATE_UNRET_SAFE; ret
/* a site's address is for the scanner, not a branch target (mpk_gate.h) */
#define BH_GATE_SITE_ANNOTATE	ANNOTATE_NOENDBR
#include "pks_gate.h"

#define SLOT	%gs:bh_pks_cpu
/* a gate's frame at slot.csp: r15 .. rbx, then the return address */
#define BH_PKS_GATE_FRAME	(7 * 8)

/* the macros; contract in pks_gate.h */

.macro BH_PKS_WRITE pkrs, tag
	movl	$BH_MSR_IA32_PKRS, %ecx
	xorl	%edx, %edx
	movl	$(\pkrs), %eax
	BH_GATE_SITE \tag
	wrmsr
	rdmsr
.endm

.macro BH_PKS_OPEN pkrs, tag
	BH_PKS_WRITE \pkrs, \tag
	cmpl	$(\pkrs), %eax
	jne	.Lbh_pks_open_bad_\@
	cmpl	$BH_MSR_IA32_PKRS, %ecx
	jne	.Lbh_pks_open_bad_\@
	testl	%edx, %edx
	jz	.Lbh_pks_open_ok_\@
.Lbh_pks_open_bad_\@:
	ud2
.Lbh_pks_open_ok_\@:
.endm

.macro BH_PKS_CLOSE pkrs, tag
.Lbh_pks_close_retry_\@:
	BH_PKS_WRITE \pkrs, \tag
	cmpl	$(\pkrs), %eax
	jne	.Lbh_pks_close_retry_\@
	cmpl	$BH_MSR_IA32_PKRS, %ecx
	jne	.Lbh_pks_close_retry_\@
	testl	%edx, %edx
	jnz	.Lbh_pks_close_retry_\@
.endm

.macro BH_PKS_GATE name, pkrs, slot
	.globl	\name
	.type	\name, @function
	.balign	16
\name:
	ENDBR				/* called through bh_pks_gates[] */
	push	%rbx
	push	%rbp
	push	%r12
	push	%r13
	push	%r14
	push	%r15
	mov	%rsp, \slot+BH_PKS_CSP
	mov	%rdi, %r10
	mov	%rdx, %r8
	mov	%rcx, %r9
	mov	%rsi, %rdi
	/* no unwinding from the domain stack, the frame is back at slot.csp */
	UNWIND_HINT_SAVE
	mov	\slot+BH_PKS_DSP, %rsp
	UNWIND_HINT_UNDEFINED
	BH_PKS_OPEN \pkrs, \name\()_open
	mov	%r8, %rsi
	mov	%r9, %rdx
	xor	%ebx, %ebx
	xor	%ebp, %ebp
	xor	%ecx, %ecx
	xor	%r8d, %r8d
	xor	%r9d, %r9d
	xor	%r11d, %r11d
	xor	%r12d, %r12d
	xor	%r13d, %r13d
	xor	%r14d, %r14d
	xor	%r15d, %r15d
	ANNOTATE_RETPOLINE_SAFE
	call	*%r10
	mov	%rax, %r11
	BH_PKS_CLOSE BH_PKS_KERNEL, \name\()_close
	mov	\slot+BH_PKS_CSP, %rsp
	UNWIND_HINT_RESTORE
	movq	$0, \slot+BH_PKS_CSP
	mov	%r11, %rax
	xor	%ecx, %ecx		/* WRMSR/RDMSR left 0x6e1 and PKRS */
	xor	%edx, %edx
	BH_GATE_SCRUB_RETURN
	.size	\name, . - \name
.endm


	.pushsection .data..percpu, "aw"
	.balign 64
	.globl	bh_pks_cpu
bh_pks_cpu:
	.fill	BH_PKS_CPU_SIZE, 1, 0
	.popsection

	.pushsection .data, "aw"
	.balign 8
	.globl	bh_pks_orig
bh_pks_orig:
	.fill	BH_PKS_NR_VECTORS, 8, 0
	.globl	bh_pks_break_irq
bh_pks_break_irq:
	.quad	0
	.popsection

	.text

/* the gates, one per key: bh_pks_gate_k1 .. bh_pks_gate_k15 */
.irp k, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15
	.set	bh_pks_dom_\k, BH_PKS_DOMAIN(\k)
	BH_PKS_GATE bh_pks_gate_k\k, bh_pks_dom_\k, SLOT
.endr

	.pushsection .rodata, "a"
	.balign 8
	.globl	bh_pks_gates
bh_pks_gates:
	.quad	0
.irp k, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15
	.quad	bh_pks_gate_k\k
.endr
	.popsection

/* a fault of the domain resumes here (frame RIP rewritten by the entry) */
	.balign 16
	.globl	bh_pks_gate_abort
	.type	bh_pks_gate_abort, @function
bh_pks_gate_abort:
	ANNOTATE_NOENDBR		/* an IRET target, not called */
	UNWIND_HINT_UNDEFINED		/* on the faulting domain's stack */
	BH_PKS_CLOSE BH_PKS_KERNEL, bh_pks_abort_close
	mov	SLOT+BH_PKS_CSP, %rsp
	UNWIND_HINT type=UNWIND_HINT_TYPE_CALL sp_reg=ORC_REG_SP \
		    sp_offset=BH_PKS_GATE_FRAME
	movq	$0, SLOT+BH_PKS_CSP
	mov	$-EFAULT, %rax
	xor	%ecx, %ecx		/* WRMSR/RDMSR left 0x6e1 and PKRS */
	xor	%edx, %edx
	BH_GATE_SCRUB_RETURN
	.size	bh_pks_gate_abort, . - bh_pks_gate_abort

/* entry stubs: vectors with an error code are 8, 10-14, 17, 21, 29, 30 */
#define BH_ERR_VECTORS	0x60227D00

	.balign	BH_PKS_STUB_SIZE
	.globl	bh_pks_stubs
bh_pks_stubs:
	.set	bh_v, 0
	.rept	BH_PKS_NR_VECTORS
	/* fixed-size slots: .org fails to assemble if a stub overflows */
	.org	bh_pks_stubs + bh_v * BH_PKS_STUB_SIZE, 0xcc
	ENDBR				/* an IDT entry: IBT wants one */
	push	%rax
	push	%rcx
	push	%rdx
	movl	$BH_MSR_IA32_PKRS, %ecx
	rdmsr
	testl	%eax, %eax
	pop	%rdx
	pop	%rcx
	pop	%rax
	jnz	1f
	ANNOTATE_RETPOLINE_SAFE
	jmp	*bh_pks_orig + 8 * bh_v
1:
	.set	bh_err, 0
	.if	bh_v < 32
	.set	bh_err, (BH_ERR_VECTORS >> bh_v) & 1
	.endif
	.if	bh_err == 0
	pushq	$-1
	.endif
	pushq	$(bh_v | (bh_err << 8))
	jmp	bh_pks_domain_entry
	.set	bh_v, bh_v + 1
	.endr
	.org	bh_pks_stubs + BH_PKS_NR_VECTORS * BH_PKS_STUB_SIZE, 0xcc

bh_pks_domain_entry:
	push	%rax
	push	%rcx
	push	%rdx
	movl	$BH_MSR_IA32_PKRS, %ecx
	rdmsr
	push	%rax
	cmpb	$32, 32(%rsp)
	jb	.Lpks_fault
	cmpq	$0, bh_pks_break_irq
	jne	.Lpks_irq
	BH_PKS_CLOSE BH_PKS_KERNEL, bh_pks_irq_entry
.Lpks_irq:
	incq	SLOT+BH_PKS_NR_IRQ
	mov	%rsp, %rax
	and	$-16, %rsp
	pushq	80(%rax)
	push	%rax
	pushq	64(%rax)
	pushq	56(%rax)
	pushq	$bh_pks_irq_return
	movzbl	32(%rax), %ecx
	pushq	bh_pks_orig(, %rcx, 8)
	mov	8(%rax), %rdx
	mov	16(%rax), %rcx
	mov	24(%rax), %rax
	/* a jump to Linux's handler: the target is on the stack */
	ANNOTATE_UNRET_SAFE
	ret

bh_pks_irq_return:
	ANNOTATE_NOENDBR		/* the IRET target of Linux's handler */
	cli
	mov	(%rsp), %rax
	cmp	SLOT+BH_PKS_CUR, %rax
	jne	.Lpks_forged
	movl	$BH_MSR_IA32_PKRS, %ecx
	xorl	%edx, %edx
	BH_GATE_SITE bh_pks_irq_return_site
	wrmsr
	rdmsr
	cmp	SLOT+BH_PKS_CUR, %rax
	jne	.Lpks_bad_return
	cmpl	$BH_MSR_IA32_PKRS, %ecx
	jne	.Lpks_bad_return
	add	$8, %rsp
	pop	%rdx
	pop	%rcx
	pop	%rax
	add	$16, %rsp
	iretq
.Lpks_bad_return:
	ud2

.Lpks_forged:
	/* PKRS at the interrupt was not the gate's value: stop the domain */
	BH_PKS_CLOSE BH_PKS_KERNEL, bh_pks_forged_close
	jmp	.Lpks_record

.Lpks_fault:
	BH_PKS_CLOSE BH_PKS_KERNEL, bh_pks_fault_close
.Lpks_record:
	mov	(%rsp), %rax
	mov	%rax, SLOT+BH_PKS_F_PKRS
	movzbl	32(%rsp), %eax
	mov	%rax, SLOT+BH_PKS_F_VEC
	mov	40(%rsp), %rax
	mov	%rax, SLOT+BH_PKS_F_ERR
	mov	48(%rsp), %rax
	mov	%rax, SLOT+BH_PKS_F_RIP
	mov	%cr2, %rax
	mov	%rax, SLOT+BH_PKS_F_ADDR
	movq	$1, SLOT+BH_PKS_F_PENDING
	movq	$bh_pks_gate_abort, 48(%rsp)
	add	$8, %rsp
	pop	%rdx
	pop	%rcx
	pop	%rax
	add	$16, %rsp
	iretq
