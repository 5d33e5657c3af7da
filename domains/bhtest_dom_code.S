/* SPDX-License-Identifier: GPL-2.0 */
/*
 * bhtest_dom_code.S - the code of the test domain: one page of tiny
 * functions that bhtest_dom.ko gives to a domain r-x and calls through the
 * VMFUNC gate.
 *
 * Execution context: inside a domain (EPT view of the test domain), CPL 0,
 * IF = 0.  Plain `ret` (no return thunk: kernel text is not executable in
 * the domain's view).  Position independent.
 */
#include <linux/linkage.h>
#include <asm/nospec-branch.h>
#include <asm/processor-flags.h>
#include <asm/segment.h>
#include "../trampolines/vmfunc_gate.h"

	.pushsection .text.bhtest_domain, "ax"
	.balign 4096
	.globl bhtest_dom_page
bhtest_dom_page:

/* long dom_nop(void) */
SYM_FUNC_START(bhtest_dom_nop)
	xorl	%eax, %eax
	ret
SYM_FUNC_END(bhtest_dom_nop)

/* long dom_add(a, b, c) = a + b + c */
SYM_FUNC_START(bhtest_dom_add)
	leaq	(%rdi, %rsi), %rax
	addq	%rdx, %rax
	ret
SYM_FUNC_END(bhtest_dom_add)

/*
 * 0 when the gate left nothing of the kernel's in a register: every GPR
 * but the arguments (rdi, rsi, rdx), fn (r8) and RSP is 0, except RCX =
 * the EPTP slot, r9 = the RFLAGS the domain started with (FIXED, maybe
 * IF) and r11 = the domain RSP the gate's call started from
 */
SYM_FUNC_START(bhtest_dom_regs)
	orq	%rbx, %rax
	orq	%rbp, %rax
	orq	%r10, %rax
	andq	$~X86_EFLAGS_IF, %r9
	xorq	$X86_EFLAGS_FIXED, %r9
	orq	%r9, %rax
	orq	%r12, %rax
	orq	%r13, %rax
	orq	%r14, %rax
	orq	%r15, %rax
	xorq	$BH_VMF_SLOT, %rcx
	orq	%rcx, %rax
	leaq	8(%rsp), %rdi
	xorq	%rdi, %r11
	orq	%r11, %rax
	ret
SYM_FUNC_END(bhtest_dom_regs)

/*
 * long dom_idt_gate(idt, vector): the handler of vector in the 16-byte
 * gate at idt + vector * 16, read through the domain's own page table
 * and view (what the CPU reads when it delivers vector in the domain)
 */
SYM_FUNC_START(bhtest_dom_idt_gate)
	shlq	$4, %rsi
	addq	%rsi, %rdi
	movq	(%rdi), %rdx
	movzwl	%dx, %eax		/* offset 15:0 */
	shrq	$48, %rdx		/* offset 31:16 */
	shlq	$16, %rdx
	orq	%rdx, %rax
	movl	8(%rdi), %edx		/* offset 63:32 */
	shlq	$32, %rdx
	orq	%rdx, %rax
	ret
SYM_FUNC_END(bhtest_dom_idt_gate)

/* the domain trashes every callee-saved register and sets AC and DF */
SYM_FUNC_START(bhtest_dom_clobber)
	movq	$-1, %rbx
	movq	$-1, %rbp
	movq	$-1, %r12
	movq	$-1, %r13
	movq	$-1, %r14
	movq	$-1, %r15
	pushfq
	orq	$(X86_EFLAGS_AC | X86_EFLAGS_DF), (%rsp)
	popfq
	movl	$7, %eax
	ret
SYM_FUNC_END(bhtest_dom_clobber)

/*
 * long dom_callout_flags(idx): with AC and DF set, the kernel's function
 * idx (a call-out); returns what it returned
 */
SYM_FUNC_START(bhtest_dom_callout_flags)
	movq	%rdi, %rcx
	xorl	%edi, %edi
	xorl	%esi, %esi
	xorl	%edx, %edx
	pushfq
	orq	$(X86_EFLAGS_AC | X86_EFLAGS_DF), (%rsp)
	popfq
	call	bh_vmf_out
	ret
SYM_FUNC_END(bhtest_dom_callout_flags)

/* the RFLAGS the domain runs with */
SYM_FUNC_START(bhtest_dom_flags)
	pushfq
	popq	%rax
	ret
SYM_FUNC_END(bhtest_dom_flags)

/* *(u64 *)a = b; returns 0 */
SYM_FUNC_START(bhtest_dom_store)
	movq	%rsi, (%rdi)
	xorl	%eax, %eax
	ret
SYM_FUNC_END(bhtest_dom_store)

/* returns *(u64 *)a */
SYM_FUNC_START(bhtest_dom_load)
	movq	(%rdi), %rax
	ret
SYM_FUNC_END(bhtest_dom_load)

/* returns the stack pointer the domain runs on */
SYM_FUNC_START(bhtest_dom_rsp)
	movq	%rsp, %rax
	ret
SYM_FUNC_END(bhtest_dom_rsp)

/* long dom_callout(idx, a, b) = kernel fn idx (a, b, 3) + 1, via the gate */
SYM_FUNC_START(bhtest_dom_callout)
	movq	%rdi, %rcx
	movq	%rsi, %rdi
	movq	%rdx, %rsi
	movl	$3, %edx
	movq	$0x1111, %rbx		/* callee-saved: must survive the call */
	call	bh_vmf_out
	cmpq	$0x1111, %rbx
	jne	1f
	incq	%rax
	ret
1:	movq	$-1, %rax
	ret
SYM_FUNC_END(bhtest_dom_callout)

/* long spin(n): n > 0 iterations with IF as the gate left it */
SYM_FUNC_START(bhtest_dom_spin)
1:	decq	%rdi
	jnz	1b
	xorl	%eax, %eax
	ret
SYM_FUNC_END(bhtest_dom_spin)

/*
 * long sti_spin(n): STI (no exit: CPL 0), spin n times with interrupts
 * on whatever IF the caller had, CLI, return 0x51
 */
SYM_FUNC_START(bhtest_dom_sti_spin)
	sti
1:	decq	%rdi
	jnz	1b
	cli
	movl	$0x51, %eax
	ret
SYM_FUNC_END(bhtest_dom_sti_spin)

/*
 * long wait(p, n): spin with IF as the gate left it until *p (a word of
 * the domain's page) is not 0 or n iterations passed; returns *p
 */
SYM_FUNC_START(bhtest_dom_wait)
1:	movq	(%rdi), %rax
	testq	%rax, %rax
	jnz	2f
	decq	%rsi
	jnz	1b
2:	ret
SYM_FUNC_END(bhtest_dom_wait)

/* ---- misbehaviour, for the fault tests (each must kill the domain) ---- */

/* never returns, IF as the gate left it: the watchdog's case */
SYM_FUNC_START(bhtest_dom_loop)
1:	jmp	1b
SYM_FUNC_END(bhtest_dom_loop)

/* never returns, interrupts off: only an NMI reaches the CPU */
SYM_FUNC_START(bhtest_dom_cli_loop)
	cli
1:	jmp	1b
SYM_FUNC_END(bhtest_dom_cli_loop)

/* halts with interrupts off: only an NMI wakes the CPU */
SYM_FUNC_START(bhtest_dom_cli_hlt)
	cli
1:	hlt
	jmp	1b
SYM_FUNC_END(bhtest_dom_cli_hlt)

/* SSE, x87: the user task's registers (the gate sets CR0.TS: #NM) */
SYM_FUNC_START(bhtest_dom_sse)
	pxor	%xmm0, %xmm0
	xorl	%eax, %eax
	ret
SYM_FUNC_END(bhtest_dom_sse)

SYM_FUNC_START(bhtest_dom_x87)
	fninit
	xorl	%eax, %eax
	ret
SYM_FUNC_END(bhtest_dom_x87)

/* long load_fs(sel): FS = sel (its base from the GDT), no exit */
SYM_FUNC_START(bhtest_dom_load_fs)
	movl	%edi, %fs
	xorl	%eax, %eax
	ret
SYM_FUNC_END(bhtest_dom_load_fs)

/* jump to a (kernel) address outside the domain */
SYM_FUNC_START(bhtest_dom_jump)
	ANNOTATE_RETPOLINE_SAFE
	jmp	*%rdi
SYM_FUNC_END(bhtest_dom_jump)

/* wrmsr(a = msr, b = value) */
SYM_FUNC_START(bhtest_dom_wrmsr)
	movl	%edi, %ecx
	movl	%esi, %eax
	movq	%rsi, %rdx
	shrq	$32, %rdx
	wrmsr
	xorl	%eax, %eax
	ret
SYM_FUNC_END(bhtest_dom_wrmsr)

/* outb(a = port, b = value): port I/O from the domain */
SYM_FUNC_START(bhtest_dom_outb)
	movl	%edi, %edx
	movl	%esi, %eax
	outb	%al, %dx
	xorl	%eax, %eax
	ret
SYM_FUNC_END(bhtest_dom_outb)

/* flip CR4.PKE (a bit the minivisor owns) */
SYM_FUNC_START(bhtest_dom_cr4)
	movq	%cr4, %rax
	xorq	$X86_CR4_PKE, %rax
	movq	%rax, %cr4
	xorl	%eax, %eax
	ret
SYM_FUNC_END(bhtest_dom_cr4)

/* a hypercall (ping) from the domain */
SYM_FUNC_START(bhtest_dom_vmcall)
	movabsq	$0x4248564d00000000, %rax
	vmcall
	ret
SYM_FUNC_END(bhtest_dom_vmcall)

/* VMFUNC leaf 0 with a forged EPTP index (an empty slot of the list) */
SYM_FUNC_START(bhtest_dom_vmfunc)
	xorl	%eax, %eax
	movl	%edi, %ecx
	vmfunc
	xorl	%eax, %eax
	ret
SYM_FUNC_END(bhtest_dom_vmfunc)

/* SWAPGS and return normally: the kernel's GS base is now in KERNEL_GS_BASE */
SYM_FUNC_START(bhtest_dom_swapgs)
	swapgs
	xorl	%eax, %eax
	ret
SYM_FUNC_END(bhtest_dom_swapgs)

/* WRGSBASE(a) and return normally */
SYM_FUNC_START(bhtest_dom_wrgsbase)
	wrgsbase %rdi
	xorl	%eax, %eax
	ret
SYM_FUNC_END(bhtest_dom_wrgsbase)

/* #UD */
SYM_FUNC_START(bhtest_dom_ud)
	ud2
	ret
SYM_FUNC_END(bhtest_dom_ud)

/* #DE: divide by zero */
SYM_FUNC_START(bhtest_dom_div0)
	xorl	%ecx, %ecx
	xorl	%edx, %edx
	movl	$1, %eax
	divl	%ecx
	ret
SYM_FUNC_END(bhtest_dom_div0)

/*
 * long dom_forge_irq(stub): an interrupt frame of its own (SS, RSP,
 * RFLAGS, CS, RIP = 1f) and a jump into the gate's interrupt stub at
 * stub, as if the CPU had delivered that vector here: the kernel must
 * not run the vector's handler for it (bh_irq_check).  Returns 0x1f
 * if it came back through the stub's IRET.
 */
SYM_FUNC_START(bhtest_dom_forge_irq)
	movq	%rsp, %rax
	pushq	$__KERNEL_DS
	pushq	%rax
	pushfq
	pushq	$__KERNEL_CS
	leaq	1f(%rip), %rax
	pushq	%rax
	ANNOTATE_RETPOLINE_SAFE
	jmp	*%rdi
1:	movl	$0x1f, %eax
	ret
SYM_FUNC_END(bhtest_dom_forge_irq)

/*
 * long dom_int_fd(void): INT 0xfd (the reschedule IPI's vector) as a
 * software interrupt: the CPU takes it through the domains' IDT and the
 * IST like a delivered one, but nothing is in service.  Returns 0x1f if
 * it came back.
 */
SYM_FUNC_START(bhtest_dom_int_fd)
	int	$0xfd
	movl	$0x1f, %eax
	ret
SYM_FUNC_END(bhtest_dom_int_fd)

/*
 * Ways out of CPL 0 and into kernel code that no exit traps.
 * dom_syscall: SYSCALL works at CPL 0 and jumps to LSTAR (the kernel's
 * entry_SYSCALL_64), which is not in the domain's page table or view.
 * dom_sysret: SYSRET to its own next instruction (CPL 3, the user's
 * selectors from STAR).  dom_iret: IRETQ to CPL 3 with the user's
 * CS and SS.  The domain's pages are supervisor pages: the fetch at CPL 3
 * is a #PF, delivered through the kernel's gate with a stack switch to
 * TSS.RSP0.  Return 0x1f if they ever come back.
 */
SYM_FUNC_START(bhtest_dom_syscall)
	syscall
	movl	$0x1f, %eax
	ret
SYM_FUNC_END(bhtest_dom_syscall)

SYM_FUNC_START(bhtest_dom_sysret)
	leaq	1f(%rip), %rcx
	pushfq
	popq	%r11
	sysretq
1:	movl	$0x1f, %eax
	ret
SYM_FUNC_END(bhtest_dom_sysret)

SYM_FUNC_START(bhtest_dom_iret)
	movq	%rsp, %rax
	pushq	$__USER_DS
	pushq	%rax
	pushfq
	pushq	$__USER_CS
	leaq	1f(%rip), %rax
	pushq	%rax
	iretq
1:	movl	$0x1f, %eax
	ret
SYM_FUNC_END(bhtest_dom_iret)

/*
 * Into a VMFUNC of the gate page with the kernel view's index, EAX = ECX
 * = 0.  dom_vmfunc_at: a jump to target, the entry's VMFUNC, with the
 * registers that gate code uses after it (r11 = RSP, r9 = RFLAGS, r8 =
 * the function, 1f): returns 0xf0 if that code went on in the domain
 * view.  dom_vmfunc_tf: an IRETQ to target with RFLAGS.TF set (the
 * single-step trap comes right after the VMFUNC, in the kernel view).
 * dom_vmfunc_back and dom_vmfunc_iret: the entry-type VMFUNCs of the
 * way back from a call-out and from an interrupt, each with the frame
 * the code after it pops; both return 0xf0 if that code ran in the
 * domain view.
 */
SYM_FUNC_START(bhtest_dom_vmfunc_at)
	leaq	1f(%rip), %r8
	movq	%rsp, %r11
	movl	$X86_EFLAGS_FIXED, %r9d
	xorl	%eax, %eax
	xorl	%ecx, %ecx
	ANNOTATE_RETPOLINE_SAFE
	jmp	*%rdi
1:	movl	$0xf0, %eax
	ret
SYM_FUNC_END(bhtest_dom_vmfunc_at)

/*
 * long dom_exit_irqs_on(target, rsp): IF = 1, RSP = rsp, EAX = ECX = 0
 * and a jump to target, the VMFUNC of the way back, past the CLI before
 * it: the kernel side starts with the domain's IF and RSP.
 */
SYM_FUNC_START(bhtest_dom_exit_irqs_on)
	pushq	$(X86_EFLAGS_FIXED | X86_EFLAGS_IF)
	popfq
	movq	%rsi, %rsp
	xorl	%eax, %eax
	xorl	%ecx, %ecx
	ANNOTATE_RETPOLINE_SAFE
	jmp	*%rdi
SYM_FUNC_END(bhtest_dom_exit_irqs_on)

/* TF set in the domain: a single-step trap in its own view */
SYM_FUNC_START(bhtest_dom_single_step)
	pushfq
	orq	$X86_EFLAGS_TF, (%rsp)
	popfq
	nop
	movl	$0x1f, %eax
	ret
SYM_FUNC_END(bhtest_dom_single_step)

/* the same into bh_vmf_out_back's VMFUNC: r11 at the frame it pops */
SYM_FUNC_START(bhtest_dom_vmfunc_back)
	leaq	1f(%rip), %rax
	pushq	%rax
	pushq	$X86_EFLAGS_FIXED
	pushq	%rbx
	pushq	%rbp
	pushq	%r12
	pushq	%r13
	pushq	%r14
	pushq	%r15
	movq	%rsp, %r11
	movl	$0xf0, %r8d
	xorl	%eax, %eax
	xorl	%ecx, %ecx
	ANNOTATE_RETPOLINE_SAFE
	jmp	*%rdi
1:	ret
SYM_FUNC_END(bhtest_dom_vmfunc_back)

/* into bh_vmf_irq_back's VMFUNC: RSP at the frame it pops and IRETs */
SYM_FUNC_START(bhtest_dom_vmfunc_iret)
	movq	%rsp, %rax
	pushq	$__KERNEL_DS
	pushq	%rax
	pushq	$X86_EFLAGS_FIXED
	pushq	$__KERNEL_CS
	leaq	1f(%rip), %rax
	pushq	%rax
	pushq	$0
	pushq	$0xf0
	pushq	$0
	pushq	$0
	xorl	%eax, %eax
	xorl	%ecx, %ecx
	ANNOTATE_RETPOLINE_SAFE
	jmp	*%rdi
1:	ret
SYM_FUNC_END(bhtest_dom_vmfunc_iret)

SYM_FUNC_START(bhtest_dom_vmfunc_tf)
	movq	%rsp, %rax
	pushq	$__KERNEL_DS
	pushq	%rax
	pushfq
	orq	$X86_EFLAGS_TF, (%rsp)
	pushq	$__KERNEL_CS
	pushq	%rdi
	xorl	%eax, %eax
	xorl	%ecx, %ecx
	iretq
SYM_FUNC_END(bhtest_dom_vmfunc_tf)

/*
 * long dom_bad_rsp_spin(rsp, n): RSP = rsp (somewhere no interrupt frame
 * could be pushed), spin n times with the caller's IF (interrupts go to
 * the IST area), RSP back, return 0x5a.
 */
SYM_FUNC_START(bhtest_dom_bad_rsp_spin)
	movq	%rsp, %rdx
	movq	%rdi, %rsp
1:	decq	%rsi
	jnz	1b
	movq	%rdx, %rsp
	movl	$0x5a, %eax
	ret
SYM_FUNC_END(bhtest_dom_bad_rsp_spin)

/*
 * long dom_ud_rsp(rsp): RSP = rsp, then an exception (#UD): its frame
 * cannot be pushed there (unmapped in the domain's table, or kernel
 * memory absent from its view).  Never returns.
 */
SYM_FUNC_START(bhtest_dom_ud_rsp)
	movq	%rdi, %rsp
	ud2
SYM_FUNC_END(bhtest_dom_ud_rsp)

	.balign 4096, 0xcc
	.globl bhtest_dom_page_end
bhtest_dom_page_end:
	.popsection
