/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vmfunc_gate.S - kernel -> domain -> kernel gate with VMFUNC leaf 0.
 *
 * Execution context: the two gate pages (below).  bh_vmf_enter starts in
 * the kernel view (normal kernel, CPL 0) on the kernel gate page, the
 * domain's function runs in the domain view, and the way back runs first
 * in the domain view on the shared gate page, then in the kernel view on
 * the kernel gate page.  The shared page is mapped executable in both
 * views; it is the only code the domain view may execute besides the
 * domain's own.
 * CR3: the domain's own page table in the domain view, loaded by the
 * gate in the kernel view just before each VMFUNC into it and replaced
 * by the kernel's just after each VMFUNC out (vmfunc_gate.h, "Page
 * tables"); bh_vmf_nmi covers an NMI between the two.
 *
 * bh_vmf_fault_entry/bh_vmf_unwind (end of file) are normal kernel text,
 * run only in the kernel view: where the minivisor resumes a CPU after a
 * domain fault (vmfunc_gate.h).
 *
 * Kernel stack while the domain runs (top first), saved RSP points at r15:
 *	return address, rflags, rbp, rbx, r12, r13, r14, r15
 * Domain stack: st->domain_rsp, then the return address in bh_vmf_in.
 *
 * Defences (see vmfunc_gate.h for the contract):
 *   - ECX is compared with the constant slot after each VMFUNC, and the
 *     VMFUNC done again until the view it is for is live: into a domain
 *     (a jump to that VMFUNC with ECX = 0 would otherwise run on in the
 *     kernel view with the domain's registers, RSP, page table and IDT;
 *     a ud2 there made the kernel's #UD handler run so), and out of it
 *     (a forged ECX there cannot keep a domain view).  Any other index
 *     is an empty slot of the EPTP list: a VM exit, the domain's fault.
 *   - The one exception a domain can raise in the kernel view is a
 *     single-step trap: an IRETQ with TF set to a VMFUNC into the kernel
 *     view traps right after it.  #DB of the domains' IDT is bh_vmf_db, which
 *     stops the domain (in a domain view the #DB's IST stack is absent:
 *     its delivery faults, as before).
 *   - RSP after the exit comes only from the per-CPU saved slot, found
 *     through the domain's table for this CPU (BH_VMF_ID_VA), never from
 *     %gs or the domain.
 *   - depth == 0 on the return path (a domain jumping into the exit without
 *     an entry) stops at ud2 in the kernel view.
 *   - IF: the domain runs with st->domain_flags (the caller's IF, AC = DF
 *     = 0), under the domains' IDT (its interrupts are exitless, see
 *     bh_vmf_irq_common); every way back into the kernel view starts with
 *     CLI (or IF = 0 from delivery) and loads the kernel's CR3, which
 *     brings the kernel's IDT (vmfunc_gate.h, "Page tables"); RFLAGS is
 *     restored from the kernel stack.  Every kernel side (return,
 *     call-out, yield, interrupt) starts with CLI again, before the
 *     kernel's CR3: a domain can jump to a VMFUNC past the CLI of its
 *     side, and an interrupt taken under the kernel's IDT before RSP
 *     comes from the saved slot would run the kernel's handler on the
 *     domain's RSP (wherever it pointed: its frame written there) with
 *     the domain's GS base.  Under the domains' IDT an interrupt goes
 *     through the stubs and the IST, whatever IF is.
 *   - GS base is compared with the kernel's and put back (a domain can
 *     SWAPGS or WRGSBASE without an exit): st->bad_seg; FS base with the
 *     user task's on the way back (a segment load changes it).
 *   - CR0.TS is set while the domain runs: its FPU/SSE instructions
 *     fault (#NM) instead of touching the user task's registers.
 *   - every GPR that holds something of the kernel's is zeroed before the
 *     domain runs (into the domain and back from a call-out); RAX, ECX
 *     (the slot), r8 (fn), r9 (the domain's RFLAGS) and r11 (the domain's
 *     own RSP) need no zeroing there.
 *     Coming back, the kernel gets the domain's leftovers in registers it
 *     treats as clobbered (vmfunc_gate.h).
 */
#include <linux/linkage.h>
#include "../include/bh_compat.h"
#include <linux/errno.h>
#include <asm/nospec-branch.h>
#include <asm/processor-flags.h>
#include <asm/unwind_hints.h>
#include <asm/ibt.h>
#include <asm/segment.h>
#include "vmfunc_gate.h"
/* a site's address is for the scanner, not a branch target (mpk_gate.h) */
#define BH_GATE_SITE_ANNOTATE	ANNOTATE_NOENDBR
#include "mpk_gate.h"

/* bh_vmf_enter's frame at its saved RSP: return address, rflags, 6 GPRs */
#define BH_VMF_ENTER_FRAME	(8 * 8)

/*
 * Back to the caller of bh_vmf_enter, RSP at its saved r15, RAX = the
 * result: callee-saved registers and RFLAGS (IF, AC, DF included)
 * restored from the kernel stack; caller-saved ones left as they are (the
 * kernel's side: vmfunc_gate.h).  ret_hint=1 where objtool reaches the
 * return without bh_vmf_enter's pushes in view (bh_vmf_unwind): tells it
 * that RSP is at the return address again.
 */
.macro BH_VMF_TO_CALLER ret_hint=0
	popq	%r15
	popq	%r14
	popq	%r13
	popq	%r12
	popq	%rbx
	popq	%rbp
	popfq
	.if \ret_hint
	UNWIND_HINT_FUNC
	.endif
	RET
.endm

/*
 * Kernel view, just after the VMFUNC back, still on the domain's table
 * for this CPU: \st = this CPU's struct bh_vmf_cpu, the word at
 * BH_VMF_ID_VA (vmfunc_gate.h; no GS, no register, no stack is trusted
 * yet).  Only on a domain's table: on the kernel's, that address is user
 * memory.  A 64-bit absolute load, which only RAX takes: clobbers RAX.
 */
.macro BH_VMF_CPU_STATE st:req
	movabsq	BH_VMF_ID_VA, %rax
	.ifnc \st, %rax
	movq	%rax, \st
	.endif
.endm

/*
 * A call from domain code to the kernel (bh_vmf_out, bh_vmf_yield), on
 * the shared gate page in the domain view: the domain's RFLAGS and
 * callee-saved registers on its own stack (r11 = that RSP), r10 = idx,
 * r9 = a2, IF = 0, then VMFUNC to slot 0 until it is live (\site records
 * the VMFUNC for the scanner) and the kernel side \kside on the kernel
 * gate page.
 */
.macro BH_VMF_FROM_DOMAIN site:req, kside:req
	/* the domain's IF, restored on the way back; the kernel side: IF = 0 */
	pushfq
	cli
	pushq	%rbx
	pushq	%rbp
	pushq	%r12
	pushq	%r13
	pushq	%r14
	pushq	%r15
	movq	%rsp, %r11
	movq	%rcx, %r10
	movq	%rdx, %r9
.Lfrom_domain_\@:
	xorl	%eax, %eax
	xorl	%ecx, %ecx
	BH_GATE_SITE \site
	vmfunc
	testl	%ecx, %ecx
	jnz	.Lfrom_domain_\@
	UNWIND_HINT_UNDEFINED
	jmp	\kside
.endm

/*
 * Back to domain code, domain view, RSP at the frame BH_VMF_FROM_DOMAIN
 * saved: its callee-saved registers and RFLAGS, then its return address.
 */
.macro BH_VMF_TO_DOMAIN
	popq	%r15
	popq	%r14
	popq	%r13
	popq	%r12
	popq	%rbp
	popq	%rbx
	popfq
	/* RSP at the domain's return address (its frame, not objtool's) */
	UNWIND_HINT_FUNC
	/* domain view: no return thunk, kernel text is not executable here */
	ANNOTATE_UNRET_SAFE
	ret
.endm

/*
 * Kernel view, IF = 0, \st = this CPU's struct bh_vmf_cpu: make GS base
 * the kernel's again if the domain changed it (vmfunc_gate.h); \tmp is
 * clobbered.  SWAPGS back when the kernel's base is in KERNEL_GS_BASE (the
 * domain swapped), else write it.
 */
.macro BH_VMF_CHECK_GS st:req, tmp:req
	rdgsbase \tmp
	cmpq	BH_VMF_KERNEL_GS(\st), \tmp
	je	.Lgs_ok_\@
	swapgs
	rdgsbase \tmp
	cmpq	BH_VMF_KERNEL_GS(\st), \tmp
	je	.Lgs_fixed_\@
	swapgs
	movq	BH_VMF_KERNEL_GS(\st), \tmp
	wrgsbase \tmp
.Lgs_fixed_\@:
	incq	BH_VMF_BAD_SEG(\st)
.Lgs_ok_\@:
.endm

/*
 * Kernel view, \st = this CPU's state: FS base back to the user task's
 * if the domain changed it (a segment load: vmfunc_gate.h), counted in
 * the high half of st->bad_seg.  \tmp is clobbered.
 */
.macro BH_VMF_CHECK_FS st:req, tmp:req
	rdfsbase \tmp
	cmpq	BH_VMF_USER_FS(\st), \tmp
	je	.Lfs_ok_\@
	movq	BH_VMF_USER_FS(\st), \tmp
	wrfsbase \tmp
	incl	BH_VMF_BAD_SEG + 4(\st)
.Lfs_ok_\@:
.endm

/*
 * The start of a kernel side, kernel view, IF = 0, \st = this CPU's
 * state: the kernel's CR3 (with it the kernel's IDT; CR0.TS clear), a
 * live entry (\depth = st->depth, else a jump to \bad), GS base the
 * kernel's.  \tmp is clobbered.
 */
.macro BH_VMF_KERNEL_SIDE st:req, depth:req, tmp:req, bad:req
	movq	BH_VMF_KERNEL_CR3(\st), \tmp
	movq	\tmp, %cr3
	clts
	movq	BH_VMF_DEPTH(\st), \depth
	testq	\depth, \depth
	jz	\bad
	BH_VMF_CHECK_GS \st, \tmp
.endm

/*
 * The way out of an entry, kernel view, IF = 0, \st = this CPU's state,
 * r8 = the result: the kernel side's start (BH_VMF_KERNEL_SIDE, \depth
 * = st->depth, else \bad), FS base, depth - 1, RSP from the saved slot,
 * the caller's registers and RFLAGS, RAX = r8, RET.  In bh_vmf_k_return
 * (inside bh_vmf_enter's symbol, for objtool) and in bh_vmf_k_yield.
 */
.macro BH_VMF_K_RETURN st:req, depth:req, tmp:req, bad:req
	BH_VMF_KERNEL_SIDE \st, \depth, \tmp, \bad
	BH_VMF_CHECK_FS \st, \tmp
	decq	BH_VMF_DEPTH(\st)
	movq	BH_VMF_KERNEL_RSP - 8(\st, \depth, 8), %rsp
	/* RSP at bh_vmf_enter's saved r15: its frame from here on */
	UNWIND_HINT type=UNWIND_HINT_TYPE_CALL sp_reg=ORC_REG_SP \
		    sp_offset=BH_VMF_ENTER_FRAME
	incq	BH_VMF_ENTRIES(\st)
	movq	%r8, %rax
	BH_VMF_TO_CALLER ret_hint=1
.endm

/*
 * Kernel view, the domain's CR3 just loaded: CR0.TS for the domain (its
 * x87/SSE/AVX instructions fault with #NM; vmfunc_gate.h).  The kernel's
 * side clears it with CLTS just after its own CR3 load, so TS is set in
 * the kernel view only while CR3 is the domain's (bh_vmf_nmi's window).
 */
.macro BH_VMF_FPU_OFF tmp:req
	movq	%cr0, \tmp
	orq	$X86_CR0_TS, \tmp
	movq	\tmp, %cr0
.endm

/*
 * Two pages of gate code, in .kprobes.text: no kprobe may be put on them
 * (an int3 on the shared page would be a fault of every domain crossing
 * it; one on the kernel page would run the kernel's #BP handler on a
 * domain's page table and IDT).  The shared gate page is
 * executable in every view: the VMFUNCs, the domain's side of each
 * crossing, the interrupt stubs; it holds no privileged instruction at
 * any byte offset (bhdomains checks at load), above all no MOV to CR3: a
 * domain that could load a CR3 of its own making before a VMFUNC out
 * would choose what the kernel view's next fetches and loads translate
 * to.  The kernel gate page is mapped in every
 * domain's page table but absent from every domain view: the CR3 loads,
 * the GS check, the per-CPU state, all run there, in the kernel
 * view only.  A crossing jumps from one page to the other; a domain that
 * jumps to the kernel page's code faults on the fetch.
 */
	.pushsection .kprobes.text, "ax"
	.balign 4096
	.globl bh_vmf_gate_start
bh_vmf_gate_start:
	ANNOTATE_NOENDBR	/* the page is mapped by its address, not called */

/*
 * Into the domain, from bh_vmf_enter: kernel view, the domain's CR3 (so
 * IDT) loaded, IF = 0, r8 = fn, r11 = domain RSP, r9 = RFLAGS to run
 * with, rdi/rsi/rdx = the arguments.
 */
SYM_CODE_START_LOCAL(bh_vmf_in)
	UNWIND_HINT_UNDEFINED
1:	xorl	%eax, %eax
	movl	$BH_VMF_SLOT, %ecx
	BH_GATE_SITE vmf_enter
	vmfunc
	/* a jump here with ECX = 0 lands in the kernel view: go round */
	cmpl	$BH_VMF_SLOT, %ecx
	jne	1b
	/*
	 * domain view: its stack, nothing of the kernel in registers (EAX is
	 * 0 and ECX the slot from the VMFUNC; r8 = fn, r9 = its RFLAGS, r11
	 * = its RSP: all its own)
	 */
	movq	%r11, %rsp
	xorl	%ebx, %ebx
	xorl	%ebp, %ebp
	xorl	%r10d, %r10d
	xorl	%r12d, %r12d
	xorl	%r13d, %r13d
	xorl	%r14d, %r14d
	xorl	%r15d, %r15d
	/* RFLAGS = FIXED | the caller's IF: AC, DF, TF, IOPL all 0 */
	pushq	%r9
	popfq
	ANNOTATE_RETPOLINE_SAFE
	call	*%r8
	/* domain view (or a forged jump here): back to slot 0, IF = 0 */
	cli
	movq	%rax, %r8
2:	xorl	%eax, %eax
	xorl	%ecx, %ecx
	BH_GATE_SITE vmf_exit
	vmfunc
	testl	%ecx, %ecx
	jnz	2b
	jmp	bh_vmf_k_return
SYM_CODE_END(bh_vmf_in)

/*
 * long bh_vmf_out(a0 = rdi, a1 = rsi, a2 = rdx, idx = rcx)
 *
 * Domain -> kernel call, made by domain code while bh_vmf_enter is live on
 * this CPU: runs bh_vmf_out_table[idx](a0, a1, a2) in the kernel view on
 * the kernel stack below the entry's saved RSP, and returns its RAX.
 * idx is bounds-checked against bh_vmf_out_count; the kernel function gets
 * only the three by-value arguments and must check them.  The domain's
 * callee-saved registers are kept on its own stack; on return every other
 * GPR but RAX is zero.  A kernel -> domain call made from the kernel
 * function nests (depth + 1) and runs below the current domain RSP.
 *
 * Kernel stack during the call (top first), below kernel_rsp[depth - 1]:
 *	st->domain_rsp (previous), st->domain_flags (previous), domain RSP, st
 * (an entry nested in the call sets both for itself; the live entry's
 * come back after it)
 */
SYM_FUNC_START(bh_vmf_out)
	BH_VMF_FROM_DOMAIN vmf_out, bh_vmf_k_out
SYM_FUNC_END(bh_vmf_out)
/* exported from domains/domain.c, where its C prototype gives it a CRC */

/*
 * Back into the domain after a call-out, from bh_vmf_k_out: kernel view,
 * the domain's CR3 and IDT loaded, r8 = the result, r11 = domain RSP.
 */
SYM_CODE_START_LOCAL(bh_vmf_out_back)
	UNWIND_HINT_UNDEFINED
1:	xorl	%eax, %eax
	movl	$BH_VMF_SLOT, %ecx
	BH_GATE_SITE vmf_back
	vmfunc
	cmpl	$BH_VMF_SLOT, %ecx
	jne	1b
	xorl	%ecx, %ecx
	movq	%r11, %rsp
	xorl	%r11d, %r11d
	movq	%r8, %rax
	xorl	%r8d, %r8d
	BH_VMF_TO_DOMAIN
SYM_CODE_END(bh_vmf_out_back)

/*
 * long bh_vmf_yield(a0 = rdi, a1 = rsi, a2 = rdx, idx = rcx)
 *
 * Domain -> kernel for a call that may sleep (vmfunc_gate.h): made by
 * domain code inside the entry of a bh_domain_call_task.  The domain's
 * RFLAGS and callee-saved registers stay on its own stack, where
 * bh_vmf_resume pops them; bh_vmf_k_yield gives the CPU's state the
 * domain RSP, idx and the arguments, yielded = 1, and returns 0 from the
 * innermost bh_vmf_enter exactly as its return path does (depth - 1, RSP
 * only from the saved slot, the caller's registers and RFLAGS back).
 *
 * Domain stack at st->yield_rsp (top first):
 *	return address, rflags, rbx, rbp, r12, r13, r14, r15
 */
SYM_FUNC_START(bh_vmf_yield)
	BH_VMF_FROM_DOMAIN vmf_yield, bh_vmf_k_yield
SYM_FUNC_END(bh_vmf_yield)

/*
 * bh_vmf_resume(result = rdi, yield_rsp = rsi): the fn of the entry that
 * resumes a yielded domain (vmfunc_gate.h), called by bh_vmf_in in the
 * domain view on the domain's task stack, just below the yielded frame.
 * Moves to the frame bh_vmf_yield left, restores the domain's
 * callee-saved registers and RFLAGS, and returns result from
 * bh_vmf_yield.  RSI is the kernel's copy of the domain's RSP; whatever
 * the domain left on its own stack is only used in its own view (a bad
 * value faults the domain).
 */
SYM_CODE_START(bh_vmf_resume)
	UNWIND_HINT_EMPTY
	ENDBR
	movq	%rsi, %rsp
	movq	%rdi, %rax
	xorl	%esi, %esi
	xorl	%edi, %edi
	BH_VMF_TO_DOMAIN
SYM_CODE_END(bh_vmf_resume)

/*
 * Exitless interrupts (vmfunc_gate.h): vectors 32-255 of the domains' IDT.
 * Entered in the domain view, IF = 0, on the domain's IST area for this
 * CPU (IST BH_VMF_IST), whatever RSP the domain had.
 */
	.balign BH_VMF_IRQ_STUB_SIZE, 0xcc
SYM_CODE_START_NOALIGN(bh_vmf_irq_stubs)
	vector = BH_VMF_FIRST_IRQ
	.rept 256 - BH_VMF_FIRST_IRQ
	UNWIND_HINT_IRET_REGS
0:	ENDBR
	.byte	0x6a, vector		/* push $vector (sign-extended) */
	jmp	bh_vmf_irq_common
	.fill	0b + BH_VMF_IRQ_STUB_SIZE - ., 1, 0xcc
	vector = vector + 1
	.endr
SYM_CODE_END(bh_vmf_irq_stubs)

/* IST area (top first): SS, RSP, RFLAGS, CS, RIP, vector, rax, rcx, rdx */
SYM_CODE_START_LOCAL(bh_vmf_irq_common)
	UNWIND_HINT_EMPTY
	pushq	%rax
	pushq	%rcx
	pushq	%rdx
1:	xorl	%eax, %eax
	xorl	%ecx, %ecx
	BH_GATE_SITE vmf_irq
	vmfunc
	testl	%ecx, %ecx
	jnz	1b
	jmp	bh_vmf_k_irq
SYM_CODE_END(bh_vmf_irq_common)

/*
 * Back into the interrupted domain, from bh_vmf_k_irq: kernel view, the
 * domain's CR3 and IDT loaded, rax = st->ist_frame, where the frame is
 * (rdx, rcx, rax, vector, then the delivered frame).
 */
SYM_CODE_START_LOCAL(bh_vmf_irq_back)
	UNWIND_HINT_UNDEFINED
	movq	%rax, %rsp
1:	xorl	%eax, %eax
	movl	$BH_VMF_SLOT, %ecx
	BH_GATE_SITE vmf_irq_back
	vmfunc
	cmpl	$BH_VMF_SLOT, %ecx
	jne	1b
	popq	%rdx
	popq	%rcx
	popq	%rax
	addq	$8, %rsp
	iretq
SYM_CODE_END(bh_vmf_irq_back)

	.balign 4096, 0xcc
	.globl bh_vmf_gate_end
bh_vmf_gate_end:
	.popsection

	.pushsection .kprobes.text, "ax"
	.balign 4096
	.globl bh_vmf_kgate_start
bh_vmf_kgate_start:
	ANNOTATE_NOENDBR	/* the page is mapped by its address, not called */

/*
 * long bh_vmf_enter(a0 = rdi, a1 = rsi, a2 = rdx, st = rcx, fn = r8,
 * fl = r9): st in RCX, which the VMFUNC's index replaces; fn in r8,
 * where the domain side calls it; fl (= st->domain_flags) in r9, where
 * the domain side's POPF takes it.
 */
SYM_FUNC_START(bh_vmf_enter)
	pushfq
	pushq	%rbp
	pushq	%rbx
	pushq	%r12
	pushq	%r13
	pushq	%r14
	pushq	%r15
	cli
	/* depth < BH_VMF_MAX_DEPTH: the caller's check (vmfunc_gate.h) */
	movq	BH_VMF_DEPTH(%rcx), %rax
	movq	%rsp, BH_VMF_KERNEL_RSP(%rcx, %rax, 8)
	incq	BH_VMF_DEPTH(%rcx)
	movq	BH_VMF_DOMAIN_RSP(%rcx), %r11
	/*
	 * the domain's page table, still in the kernel view, and with it the
	 * domains' IDT: interrupts in the domain view go to the stubs (IF = 0
	 * until then; vmfunc_gate.h, "Page tables")
	 */
	movq	BH_VMF_DOMAIN_CR3(%rcx), %rax
	movq	%rax, %cr3
	BH_VMF_FPU_OFF %rax
	/*
	 * No unwinding from the domain side; the kernel frame is back where
	 * bh_vmf_k_return reloads RSP from the saved slot.
	 */
	UNWIND_HINT_UNDEFINED
	jmp	bh_vmf_in

/*
 * Back from the domain (bh_vmf_in): kernel view, the domain's CR3, IF = 0
 * (or 1 after a jump past the CLI: the CLI below), r8 = the domain's
 * result.  This CPU's state (BH_VMF_ID_VA), the kernel's CR3 (and IDT), RSP
 * from the saved slot, then bh_vmf_enter's caller.  Inside bh_vmf_enter's
 * symbol: its RET is the function's return (without one in its bounds
 * objtool takes bh_vmf_enter for a function that never returns, and
 * the code after each call of it for dead).
 */
SYM_INNER_LABEL(bh_vmf_k_return, SYM_L_LOCAL)
	UNWIND_HINT_UNDEFINED
	/*
	 * IF = 0 before the kernel's CR3 and IDT: a domain that jumps to the
	 * VMFUNC past the CLI of its side comes here with IF = 1, and a
	 * kernel handler would run on its RSP, with its GS base (every
	 * kernel side of the gate starts so)
	 */
	cli
	BH_VMF_CPU_STATE %rax
	BH_VMF_K_RETURN %rax, %rdx, %rcx, .Lvmf_bad_return
	/* exit without a live entry: the kernel view, an untrusted RSP */
.Lvmf_bad_return:
	ud2
SYM_FUNC_END(bh_vmf_enter)

/*
 * The kernel side of bh_vmf_out: kernel view, the domain's CR3, IF = 0,
 * r11 = domain RSP, r10 = idx, rdi/rsi/r9 = a0/a1/a2.
 */
SYM_CODE_START_LOCAL(bh_vmf_k_out)
	UNWIND_HINT_UNDEFINED
	/* IF = 0 before the kernel's CR3 and IDT (as in bh_vmf_k_return) */
	cli
	/* this CPU's state, the kernel's CR3 (and IDT), a live entry */
	BH_VMF_CPU_STATE %rbx
	BH_VMF_KERNEL_SIDE %rbx, %rax, %rcx, .Lvmf_bad_out
	movq	BH_VMF_KERNEL_RSP - 8(%rbx, %rax, 8), %rsp
	pushq	BH_VMF_DOMAIN_RSP(%rbx)
	pushq	BH_VMF_DOMAIN_FLAGS(%rbx)
	pushq	%r11
	pushq	%rbx
	movq	%r11, BH_VMF_DOMAIN_RSP(%rbx)
	/* idx < bh_vmf_out_count, else -ENOENT */
	movq	$-ENOENT, %rax
	cmpq	bh_vmf_out_count(%rip), %r10
	jae	2f
	leaq	bh_vmf_out_table(%rip), %rax
	movq	(%rax, %r10, 8), %r10
	movq	%r9, %rdx
	xorl	%eax, %eax
	xorl	%ecx, %ecx
	xorl	%r8d, %r8d
	xorl	%r9d, %r9d
	xorl	%r11d, %r11d
	xorl	%ebx, %ebx
	xorl	%ebp, %ebp
	xorl	%r12d, %r12d
	xorl	%r13d, %r13d
	xorl	%r14d, %r14d
	xorl	%r15d, %r15d
	/*
	 * the domain's RFLAGS are live: a DF it set would run the kernel's
	 * string code backwards, an AC would turn SMAP off (its own RFLAGS
	 * come back from its stack on the way back).  IF is 0 already.
	 */
	pushq	$X86_EFLAGS_FIXED
	popfq
	ANNOTATE_RETPOLINE_SAFE
	call	*%r10
2:	movq	%rax, %r8
	popq	%rbx
	popq	%r11
	popq	BH_VMF_DOMAIN_FLAGS(%rbx)
	popq	BH_VMF_DOMAIN_RSP(%rbx)
	/* the domain died below us (a nested fault): do not go back in */
	cmpq	$0, BH_VMF_KILLED(%rbx)
	jne	.Lvmf_out_killed
	/* back into the domain that is live on this CPU: its table (and IDT) */
	movq	BH_VMF_DOMAIN_CR3(%rbx), %rax
	movq	%rax, %cr3
	BH_VMF_FPU_OFF %rax
	xorl	%ebx, %ebx
	xorl	%edx, %edx
	xorl	%esi, %esi
	xorl	%edi, %edi
	xorl	%r9d, %r9d
	xorl	%r10d, %r10d
	jmp	bh_vmf_out_back
	/* a call-out without a live entry */
.Lvmf_bad_out:
	ud2
.Lvmf_out_killed:
	movq	%rbx, %rdx
	jmp	bh_vmf_unwind
SYM_CODE_END(bh_vmf_k_out)

/*
 * The kernel side of bh_vmf_yield: kernel view, the domain's CR3, IF = 0,
 * r11 = domain RSP, r10 = idx, rdi/rsi/r9 = a0/a1/a2.  The call for
 * bh_domain_call_task in this CPU's state, then bh_vmf_k_return's way out
 * with result 0 (its checks: a live entry, GS base, RSP from the slot).
 */
SYM_CODE_START_LOCAL(bh_vmf_k_yield)
	UNWIND_HINT_UNDEFINED
	cli
	BH_VMF_CPU_STATE %rax
	movq	%r11, BH_VMF_YIELD_RSP(%rax)
	movq	%r10, BH_VMF_YIELD_IDX(%rax)
	movq	%rdi, BH_VMF_YIELD_ARG(%rax)
	movq	%rsi, BH_VMF_YIELD_ARG + 8(%rax)
	movq	%r9, BH_VMF_YIELD_ARG + 16(%rax)
	movq	$1, BH_VMF_YIELDED(%rax)
	xorl	%r8d, %r8d
	/* bh_vmf_k_return's way out, expanded here: see bh_vmf_enter */
	BH_VMF_K_RETURN %rax, %rdx, %rcx, .Lvmf_bad_yield
.Lvmf_bad_yield:
	ud2
SYM_CODE_END(bh_vmf_k_yield)

/*
 * The kernel side of an interrupt in the domain (bh_vmf_irq_common):
 * kernel view, the domain's CR3, IF = 0, RSP at the stub's frame on the
 * domain's IST area (or wherever a domain that jumped into a stub put
 * it).  Kernel stack below the live entry's saved RSP (16-byte aligned):
 * the copy of the frame read from st->ist_frame (SS, RSP, RFLAGS, CS,
 * RIP, vector, rax, rcx, rdx), the previous domain_rsp, st, the previous
 * domain_flags (an entry nested in the handler sets both for itself),
 * then the frame of an interrupt of kernel code at .Lvmf_irq_back
 * (IF = 0) that the kernel's handler returns to.
 */
SYM_CODE_START_LOCAL(bh_vmf_k_irq)
	UNWIND_HINT_UNDEFINED
	/* IF = 0 already after a delivery, not after a jump to the VMFUNC */
	cli
	/* this CPU's state (BH_VMF_ID_VA), the kernel's CR3 */
	BH_VMF_CPU_STATE %rdx
	movq	BH_VMF_KERNEL_CR3(%rdx), %rax
	movq	%rax, %cr3
	clts
	/* a live entry */
	cmpq	$0, BH_VMF_DEPTH(%rdx)
	je	.Lvmf_bad_irq
	BH_VMF_CHECK_GS %rdx, %rax
	movq	BH_VMF_DEPTH(%rdx), %rcx
	movq	%rsp, %rax
	movq	BH_VMF_KERNEL_RSP - 8(%rdx, %rcx, 8), %rsp
	andq	$-16, %rsp
	/*
	 * the frame, from where a delivery leaves it (the domain's own
	 * memory: what it says is checked or only given back to the domain)
	 */
	movq	BH_VMF_IST_FRAME(%rdx), %rcx
	.irp i, 8, 7, 6, 5, 4, 3, 2, 1, 0
	pushq	8 * \i(%rcx)
	.endr
	pushq	BH_VMF_DOMAIN_RSP(%rdx)
	pushq	%rdx
	pushq	BH_VMF_DOMAIN_FLAGS(%rdx)
	/* an entry nested in the handler runs below the interrupted RSP */
	movq	3 * 8 + 7 * 8(%rsp), %rcx
	andq	$-16, %rcx
	movq	%rcx, BH_VMF_DOMAIN_RSP(%rdx)
	incq	BH_VMF_IRQS(%rdx)
	movzbl	3 * 8 + 3 * 8(%rsp), %ecx
	/*
	 * Delivered, or a jump into a stub with a frame the domain made?
	 * bh_irq_check(vector, frame, st, rsp) asks the local APIC and
	 * compares the stub's RSP with st->ist_frame (vmfunc_gate.h).  The
	 * domain's caller-saved GPRs stay as they are for its return (8
	 * pushes: RSP is 16-byte aligned at the call).
	 */
	pushq	%rsi
	pushq	%rdi
	pushq	%r8
	pushq	%r9
	pushq	%r10
	pushq	%r11
	pushq	%rcx
	pushq	%rdx
	movl	%ecx, %edi
	leaq	8 * 8 + 3 * 8(%rsp), %rsi
	movq	%rax, %rcx
	/*
	 * the domain's DF and AC are live (delivery keeps them): C wants
	 * them 0 (one POPF, not CLD/CLAC: objtool takes DF for clear here)
	 */
	pushq	$X86_EFLAGS_FIXED
	popfq
	call	bh_irq_check
	popq	%rdx
	popq	%rcx
	popq	%r11
	popq	%r10
	popq	%r9
	popq	%r8
	popq	%rdi
	popq	%rsi
	testl	%eax, %eax
	jnz	.Lvmf_irq_forged
	movq	%rsp, %rax
	pushq	$__KERNEL_DS
	pushq	%rax
	pushq	$X86_EFLAGS_FIXED
	pushq	$__KERNEL_CS
	leaq	.Lvmf_irq_back(%rip), %rax
	pushq	%rax
	leaq	bh_vmf_irq_target(%rip), %rax
	movq	(%rax, %rcx, 8), %rax
	xorl	%ecx, %ecx
	xorl	%edx, %edx
	ANNOTATE_RETPOLINE_SAFE
	jmp	*%rax
.Lvmf_irq_back:
	/*
	 * kernel view, IF = 0: the kernel's handler is done (its IRET comes
	 * here; the unwinder stops, as everywhere in this code)
	 */
	UNWIND_HINT_EMPTY
	popq	%rcx
	popq	%rdx
	popq	BH_VMF_DOMAIN_RSP(%rdx)
	/* the interrupted entry's flags again (a nested one set its own) */
	movq	%rcx, BH_VMF_DOMAIN_FLAGS(%rdx)
	/* the domain died in a nested entry: do not go back in */
	cmpq	$0, BH_VMF_KILLED(%rdx)
	jne	bh_vmf_unwind
	/* the frame back where the stub's IRET takes it from */
	movq	BH_VMF_IST_FRAME(%rdx), %rax
	.irp i, 0, 1, 2, 3, 4, 5, 6, 7, 8
	popq	8 * \i(%rax)
	.endr
	/* the domain's table, and with it the domains' IDT */
	movq	BH_VMF_DOMAIN_CR3(%rdx), %rcx
	movq	%rcx, %cr3
	BH_VMF_FPU_OFF %rcx
	jmp	bh_vmf_irq_back
	/* not delivered: the domain is dead (killed set), unwind its entry */
.Lvmf_irq_forged:
	popq	%rcx
	popq	%rdx
	popq	BH_VMF_DOMAIN_RSP(%rdx)
	movq	%rcx, BH_VMF_DOMAIN_FLAGS(%rdx)
	jmp	bh_vmf_unwind
	/* no live entry on this CPU (a forged jump) */
.Lvmf_bad_irq:
	ud2
SYM_CODE_END(bh_vmf_k_irq)

/*
 * The #DB gate of the domains' IDT, on the kernel's #DB IST stack.  In a
 * domain view its delivery faults (that stack is absent there): the
 * domain's fault, through the minivisor.  So it runs only in the kernel
 * view on a domain's table: in a window of the gate, where the domain's
 * RFLAGS and registers may be live (an IRETQ with TF set to a VMFUNC of
 * the gate page into the kernel view traps right after it), or a kernel
 * breakpoint on the gate's own data read there.  Either way the domain
 * live on this CPU is stopped: the kernel's CR3 (and IDT), GS base,
 * CR0.TS clear, then
 * bh_vmf_trap on the kernel stack below the live entry's saved RSP, then
 * bh_vmf_unwind.  The registers it came with are not needed again.
 */
SYM_CODE_START(bh_vmf_db)
	UNWIND_HINT_IRET_REGS
	ENDBR
	BH_VMF_CPU_STATE %rdx
	BH_VMF_KERNEL_SIDE %rdx, %rcx, %rax, .Lvmf_bad_db
	movq	%rsp, %rsi
	movq	BH_VMF_KERNEL_RSP - 8(%rdx, %rcx, 8), %rsp
	andq	$-16, %rsp
	UNWIND_HINT_EMPTY
	pushq	%rdx
	pushq	%rdx
	movq	%rdx, %rdi
	/* the domain's DF and AC may be live (the delivery keeps them) */
	pushq	$X86_EFLAGS_FIXED
	popfq
	call	bh_vmf_trap
	popq	%rdx
	popq	%rdx
	jmp	bh_vmf_unwind
	/* no live entry on this CPU: not the domains' IDT's window */
.Lvmf_bad_db:
	ud2
SYM_CODE_END(bh_vmf_db)

/*
 * The NMI gate of the domains' IDT (vmfunc_gate.h, "Page tables"), on the
 * kernel's NMI IST stack.  Only reached in the kernel view: in a domain
 * view the delivery itself faults (the IST stack is absent there) and the
 * minivisor holds the NMI.  So it runs only in a window of the gate, on
 * this CPU's domain table (only a domain's table maps this IDT, and the
 * gate loads no other on this CPU): count it and return, NMIs unblocked
 * by the IRETQ.  (Before session 10 the domains' IDT was loaded by LIDT
 * and could also be live under the kernel's CR3; an NMI there went on to
 * the kernel's handler.  That window is gone.)
 */
SYM_CODE_START(bh_vmf_nmi)
	UNWIND_HINT_IRET_REGS
	ENDBR
	pushq	%rax
	BH_VMF_CPU_STATE %rax
	incq	BH_VMF_NMIS(%rax)
	popq	%rax
	iretq
SYM_CODE_END(bh_vmf_nmi)

	.balign 4096, 0xcc
	.globl bh_vmf_kgate_end
bh_vmf_kgate_end:
	.popsection

/*
 * Fault path, normal kernel text: never mapped executable in a domain
 * view.  Kernel view, IF = 0.
 */
	.text

/* the minivisor resumes here: RSP = fault stack, RDI = record, GS = kernel */
SYM_CODE_START(bh_vmf_fault_entry)
	UNWIND_HINT_EMPTY
	ANNOTATE_NOENDBR	/* the guest RIP of a VM entry, not called */
	/* the domain ran with CR0.TS (vmfunc_gate.h) */
	clts
	call	bh_domain_fault
	movq	%rax, %rdx
	jmp	bh_vmf_unwind
SYM_CODE_END(bh_vmf_fault_entry)

/*
 * rdx = this CPU's struct bh_vmf_cpu: return -EFAULT from the innermost
 * live bh_vmf_enter (its RSP only from the saved slot), restoring the
 * caller's callee-saved registers and RFLAGS.
 */
SYM_CODE_START_LOCAL(bh_vmf_unwind)
	UNWIND_HINT_EMPTY
	BH_VMF_CHECK_FS %rdx, %rcx
	movq	BH_VMF_DEPTH(%rdx), %rax
	testq	%rax, %rax
	jz	.Lvmf_bad_unwind
	decq	%rax
	movq	%rax, BH_VMF_DEPTH(%rdx)
	movq	BH_VMF_KERNEL_RSP(%rdx, %rax, 8), %rsp
	/* RSP at bh_vmf_enter's saved r15: its frame from here on */
	UNWIND_HINT type=UNWIND_HINT_TYPE_CALL sp_reg=ORC_REG_SP \
		    sp_offset=BH_VMF_ENTER_FRAME
	/* an entry ended (the watchdog watches this count move) */
	incq	BH_VMF_ENTRIES(%rdx)
	testq	%rax, %rax
	jnz	1f
	movq	$0, BH_VMF_KILLED(%rdx)
1:	movq	$-EFAULT, %rax
	BH_VMF_TO_CALLER ret_hint=1
	/* a fault entry without a live bh_vmf_enter on this CPU */
.Lvmf_bad_unwind:
	ud2
SYM_CODE_END(bh_vmf_unwind)
