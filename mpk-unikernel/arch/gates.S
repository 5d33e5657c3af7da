/*
 * gates.S - calls from the safe kernel into the unsafe kernel and into
 * user code, and the single way back. Context: safe kernel text, ring 0.
 *
 * long unsafe_gate_call(void *fn, long a0, long a1, long a2)
 *   Saves flags + callee-saved registers and the previous (safe_rsp,
 *   domain) on the safe stack, records rsp in percpu.safe_rsp, scrubs the
 *   callee-saved registers, gates to PKRU_UNSAFE, switches to the unsafe
 *   stack and jumps to fn with unsafe_return as its return address.
 *   GATE_OPEN + CPL check: a forged entry (EAX chosen, r11 = attacker's
 *   code) traps at the gate's ud2, or at the CPL check if EAX was right.
 * unsafe_return (reached by fn's `ret`)
 *   GATE_CLOSE to PKRU_SAFE, checks CPL 0, and falls into
 * domain_return_landing (rax = result, PKRU = SAFE)
 *   Reloads rsp from percpu.safe_rsp, pops the saved state, scrubs
 *   caller-saved registers and returns to the safe caller. trap.c also
 *   sends faulting or exiting domains here (via iretq with rax = status).
 * long user_gate_call(void *fn, long a0, long a1, void *user_stack_top)
 *   Same bookkeeping, then builds a ring-3 trap frame (rip = user_entry,
 *   rdi = a0, rsi = a1, rdx = fn, PKRU_USER, all other registers zero)
 *   and leaves through trap_exit, i.e. through the PKRU_USER exit gate.
 *   The user returns with SYS_EXIT.
 */
#include "bh.h"
#include "offsets.h"
#include "gate.h"

	.text
.macro SAVE_SAFE_STATE dom
	pushfq
	pushq %rbx
	pushq %rbp
	pushq %r12
	pushq %r13
	pushq %r14
	pushq %r15
	pushq percpu + PC_SAFE_RSP
	pushq percpu + PC_DOMAIN
	movq %rsp, percpu + PC_SAFE_RSP
	movq $\dom, percpu + PC_DOMAIN
.endm

	.globl unsafe_gate_call
unsafe_gate_call:
	SAVE_SAFE_STATE DOM_UNSAFE
	movq %rdi, %r11                 /* fn */
	movq %rsi, %rdi                 /* a0 */
	movq %rdx, %rsi                 /* a1 */
	movq %rcx, %r9                  /* a2, goes to rdx after the gate */
	movq percpu + PC_UNSAFE_TOP, %r10
	xorl %ebx, %ebx
	xorl %ebp, %ebp
	xorl %r12d, %r12d
	xorl %r13d, %r13d
	xorl %r14d, %r14d
	xorl %r15d, %r15d
	GATE_OPEN PKRU_UNSAFE, unsafe_call
	GATE_CHECK_CPL0
	movq %r10, %rsp
	movq %r9, %rdx
	xorl %ecx, %ecx
	xorl %r8d, %r8d
	xorl %r9d, %r9d
	xorl %r10d, %r10d
	pushq $unsafe_return
	jmp *%r11

unsafe_return:
	movq %rax, %r11
	GATE_CLOSE PKRU_SAFE, unsafe_return
	GATE_CHECK_CPL0
	movq %r11, %rax
	.globl domain_return_landing
domain_return_landing:
	movq percpu + PC_SAFE_RSP, %rsp
	popq percpu + PC_DOMAIN
	popq percpu + PC_SAFE_RSP
	popq %r15
	popq %r14
	popq %r13
	popq %r12
	popq %rbp
	popq %rbx
	xorl %ecx, %ecx
	xorl %edx, %edx
	xorl %esi, %esi
	xorl %edi, %edi
	xorl %r8d, %r8d
	xorl %r9d, %r9d
	xorl %r10d, %r10d
	xorl %r11d, %r11d
	popfq
	ret

	.globl user_gate_call
user_gate_call:
	SAVE_SAFE_STATE DOM_USER
	subq $TF_SIZE, %rsp
	xorl %eax, %eax
	xorl %r8d, %r8d
1:	movq %rax, (%rsp, %r8, 8)
	incl %r8d
	cmpl $(TF_SIZE / 8), %r8d
	jne 1b
	movq $user_entry, TF_RIP(%rsp)
	movq $USER_CS, TF_CS(%rsp)
	movq $0x202, TF_RFLAGS(%rsp)    /* IF on in user mode */
	movq %rcx, TF_RSP(%rsp)
	movq $USER_DS, TF_SS(%rsp)
	movl $PKRU_USER, TF_PKRU(%rsp)
	movq %rsi, TF_RDI(%rsp)
	movq %rdx, TF_RSI(%rsp)
	movq %rdi, TF_RDX(%rsp)
	jmp trap_exit

#if BH_ISO
	.globl __bh_gate_site_unsafe_call       /* target of the forged-entry tests */
#endif
