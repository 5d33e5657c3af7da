/*
 * entry.S - every interrupt and exception entry, and the way back.
 * Context: safe kernel text, entered by the CPU from any partition (safe,
 * unsafe ring 0, user ring 3) on the IST1/IST2 entry stacks, which sit on
 * U=0 pages (PKU does not cover them: the CPU pushes its frame there under
 * the interrupted context's PKRU).
 *
 * Entry (trap_common), on the entry stack [vector, error, rip, cs, rflags,
 * rsp, ss]:
 *   1. save rax, rcx, rdx; RDPKRU = interrupted PKRU; GATE_OPEN to
 *      PKRU_SAFE (a forged EAX stops at its ud2) and check CPL 0 (ring 3
 *      can jump here: all text is U=1).
 *   2. pick the safe stack: if the interrupted context was safe (PKRU_SAFE,
 *      CPL 0, safe_stacks_lo < RSP <= percpu.safe_rsp) continue below its
 *      RSP -- this is what makes nesting work; otherwise continue below
 *      percpu.safe_rsp, which the domain gates set before leaving the safe
 *      kernel (everything above it is live, everything below is free while
 *      a domain runs, so a forged RSP cannot make us overwrite live state).
 *   3. copy the 11 entry words into a struct trap_frame there, scrub the
 *      entry stack, save the other registers, call trap_dispatch(frame).
 * Exit (trap_exit), rsp = frame:
 *   back to safe code: restore registers and iretq from the safe stack.
 *   back to unsafe/user: copy rax/rcx/rdx and the iret frame to the exit
 *   area of the entry stack (the safe stack is unreadable after the
 *   gate), then one of two constant GATE_CLOSEs (PKRU_UNSAFE + CPL check,
 *   or PKRU_USER; a forged EAX loops to the constant) and iretq. Any other
 *   saved PKRU is a violation. No WRPKRU anywhere takes a variable operand.
 * Not handled: an NMI inside the exit sequence would reuse the exit area
 * (nothing here raises NMIs).
 */
#include "bh.h"
#include "offsets.h"
#include "gate.h"

/* ---- entry stacks and the PKU flag: U=0 "cpu" region ---- */
	.section .cpu.data, "aw"
	.align 4096
	.globl entry_stack1_top, entry_stack2_top, entry_pku_on
entry_stack1:	.skip ENTRY_STACK_SIZE
entry_stack1_top:
entry_stack2:	.skip ENTRY_STACK_SIZE
entry_stack2_top:
entry_pku_on:	.byte 0         /* set by boot.S when CR4.PKE is on */

/* ---- safe stacks: kernel stack + the stack of last resort ---- */
	.section .safe.stack, "aw"
	.align 4096
	.globl safe_stacks_lo, safe_stack_top, safe_trap_stack_top, safe_stacks_hi
safe_stacks_lo:
	.skip STACK_SIZE
safe_stack_top:
	.skip 4096
safe_trap_stack_top:
safe_stacks_hi:

/* ---- one stub per vector ---- */
.macro TRAP_ENTRY vec, has_error_code
	.align 16
.Lstub\@:
	.if \has_error_code == 0
	pushq $0
	.endif
	pushq $\vec
	jmp trap_common
	.pushsection .trap_table, "a"
	.quad \vec, .Lstub\@
	.popsection
.endm

	.text
	.irp v, 0,1,2,3,4,5,6,7,9,15,16,18,19,20,22,23,24,25,26,27,28,31
	TRAP_ENTRY \v, 0
	.endr
	.irp v, 8,10,11,12,13,14,17,21,29,30
	TRAP_ENTRY \v, 1
	.endr
	.irp v, 32,33,34,35,36,37,38,39,40,41,42,43,44,45,46,47,VEC_SYSCALL,VEC_TEST
	TRAP_ENTRY \v, 0
	.endr

	.align 16
trap_common:
	/* A ring-0 fault inside the entry/exit code itself would recurse
	 * forever on IST1: give up loudly, touching no memory at all. Not for
	 * #UD: that is a gate's ud2 after a forged entry, handled normally. */
	cmpq $trap_common, 16(%rsp)
	jb 0f
	cmpq $trap_code_end, 16(%rsp)
	jae 0f
	cmpq $6, (%rsp)
	je 0f
	testb $3, 24(%rsp)
	jz entry_bailout
0:	pushq %rax
	pushq %rcx
	pushq %rdx
#if BH_ISO
	testb $1, entry_pku_on
	jz 1f
	xorl %ecx, %ecx
	.byte 0x0f, 0x01, 0xee          /* rdpkru: interrupted PKRU */
	pushq %rax
#ifndef BH_BREAK_NO_ENTRY_WRPKRU
	GATE_OPEN PKRU_SAFE, entry_safe
#endif
	GATE_CHECK_CPL0
	jmp 2f
1:
#endif
	pushq $0
	movl $PKRU_SAFE, (%rsp)
2:
	/* rsp -> [pkru, rdx, rcx, rax, vector, error, rip, cs, rflags, rsp, ss] */
	movq (TF_RSP - TF_PKRU)(%rsp), %rax
#ifndef BH_BREAK_NAIVE_STACK
	cmpl $PKRU_SAFE, (%rsp)
	jne 3f
	testb $3, (TF_CS - TF_PKRU)(%rsp)
	jnz 3f
	cmpq $safe_stacks_lo, %rax
	jbe 3f
	cmpq percpu + PC_SAFE_RSP, %rax
	jbe 4f
#endif
3:	movq percpu + PC_SAFE_RSP, %rax
4:	andq $-16, %rax
	subq $TF_SIZE, %rax
	xorl %ecx, %ecx
5:	movq (%rsp, %rcx, 8), %rdx
	movq %rdx, TF_PKRU(%rax, %rcx, 8)
	movq $0, (%rsp, %rcx, 8)
	incl %ecx
	cmpl $TF_ENTRY_WORDS, %ecx
	jne 5b
	movq %rax, %rsp
	movq $0, TF_PAD(%rsp)
	movq %r15, TF_R15 + 0(%rsp)
	movq %r14, TF_R15 + 8(%rsp)
	movq %r13, TF_R15 + 16(%rsp)
	movq %r12, TF_R15 + 24(%rsp)
	movq %r11, TF_R15 + 32(%rsp)
	movq %r10, TF_R15 + 40(%rsp)
	movq %r9,  TF_R15 + 48(%rsp)
	movq %r8,  TF_R15 + 56(%rsp)
	movq %rbp, TF_R15 + 64(%rsp)
	movq %rdi, TF_RDI(%rsp)
	movq %rsi, TF_RSI(%rsp)
	movq %rbx, TF_RBX(%rsp)
	cld
	movq %rsp, %rdi
	call trap_dispatch

	.globl trap_exit
trap_exit:
	cli
	movq TF_R15 + 0(%rsp), %r15
	movq TF_R15 + 8(%rsp), %r14
	movq TF_R15 + 16(%rsp), %r13
	movq TF_R15 + 24(%rsp), %r12
	movq TF_R15 + 32(%rsp), %r11
	movq TF_R15 + 40(%rsp), %r10
	movq TF_R15 + 48(%rsp), %r9
	movq TF_R15 + 56(%rsp), %r8
	movq TF_R15 + 64(%rsp), %rbp
	movq TF_RDI(%rsp), %rdi
	movq TF_RSI(%rsp), %rsi
	movq TF_RBX(%rsp), %rbx
	movl TF_PKRU(%rsp), %eax
	cmpl $PKRU_SAFE, %eax
#ifndef BH_BREAK_NO_EXIT_RESTORE
	jne 6f
#endif
	movq TF_RDX(%rsp), %rdx
	movq TF_RCX(%rsp), %rcx
	movq TF_RAX(%rsp), %rax
	addq $TF_RIP, %rsp
	iretq

6:	/* to unsafe or user: exit frame [rdx rcx rax rip cs rflags rsp ss] */
	movq $(entry_stack1_top - EXIT_AREA_OFF), %rdx
	movq TF_RDX(%rsp), %rcx
	movq %rcx, 0(%rdx)
	movq TF_RCX(%rsp), %rcx
	movq %rcx, 8(%rdx)
	movq TF_RAX(%rsp), %rcx
	movq %rcx, 16(%rdx)
	movq TF_RIP(%rsp), %rcx
	movq %rcx, 24(%rdx)
	movq TF_CS(%rsp), %rcx
	movq %rcx, 32(%rdx)
	movq TF_RFLAGS(%rsp), %rcx
	movq %rcx, 40(%rdx)
	movq TF_RSP(%rsp), %rcx
	movq %rcx, 48(%rdx)
	movq TF_SS(%rsp), %rcx
	movq %rcx, 56(%rdx)
	movq %rdx, %rsp
	cmpl $PKRU_UNSAFE, %eax
	je 7f
	cmpl $PKRU_USER, %eax
	je 8f
	jmp gate_violation_cpl          /* no other context exists */
7:	GATE_CLOSE PKRU_UNSAFE, exit_unsafe
	GATE_CHECK_CPL0
	popq %rdx
	popq %rcx
	popq %rax
	iretq
8:	GATE_CLOSE PKRU_USER, exit_user
	popq %rdx
	popq %rcx
	popq %rax
	iretq
trap_code_end:

/* KTAP bail-out and exit over port I/O only (COM1, QEMU, Bochs ports) */
entry_bailout:
	movw $0x3f8, %dx
	leaq bailout_msg(%rip), %rsi
1:	movb (%rsi), %al
	testb %al, %al
	jz 2f
	outb %al, %dx
	incq %rsi
	jmp 1b
2:	movb $2, %al
	outb %al, $0xf4
	movw $0x8900, %dx
	leaq shutdown_msg(%rip), %rsi
3:	movb (%rsi), %al
	testb %al, %al
	jz 4f
	outb %al, %dx
	incq %rsi
	jmp 3b
4:	cli
	hlt
	jmp 4b
	/* in the cpu region: readable under any PKRU (text is keyed) */
	.pushsection .cpu.data, "aw"
bailout_msg:
	.asciz "\nBail out! fault inside the trap entry/exit code\n# bulkhead-uk: done status=2\n"
shutdown_msg:
	.asciz "Shutdown"
	.popsection

/*
 * gate_violation_cpl: a gate that grants more than PKRU_USER was executed
 * outside ring 0 (ring 3 jumped into kernel text), or trap_exit found no
 * context to return to. Close every key and trap; trap.c reports it and
 * aborts the running domain call. (A forged EAX at a GATE_OPEN stops at
 * that gate's own ud2 instead.)
 */
	.globl gate_violation_cpl, gate_violation_trap
gate_violation_cpl:
	GATE_CLOSE PKRU_DENY_ALL, violation
gate_violation_trap:
	ud2
#if BH_ISO
	/* the forged-entry tests jump to these WRPKRUs */
	.globl __bh_gate_site_exit_user
#ifndef BH_BREAK_NO_ENTRY_WRPKRU
	.globl __bh_gate_site_entry_safe
#endif
#endif
