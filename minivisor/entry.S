/* SPDX-License-Identifier: GPL-2.0 */
/*
 * entry.S - the minivisor's only asm: the launch point and the VM-exit
 * entry.  Context: mv_launch runs in the normal kernel (interrupts off,
 * current VMCS loaded, every field but GUEST_RSP/RIP/RFLAGS written);
 * mv_vmexit_entry runs in VMX root mode on the per-CPU host stack.
 */
#include <linux/linkage.h>
#include <asm/asm.h>
#include <asm/nospec-branch.h>
#include <asm/unwind_hints.h>
#include "../include/bh_compat.h"
#include "mv_asm.h"

	.text

/*
 * int mv_launch(void)
 * Saves the callee-saved registers, points the guest RSP/RIP/RFLAGS at
 * .Lguest_start and runs VMLAUNCH.  Returns 0 in VMX non-root mode (the
 * same kernel, same stack), or 1 if VMLAUNCH failed (caller reads
 * VM_INSTRUCTION_ERROR).  Clobbers the caller-saved registers.
 */
SYM_FUNC_START(mv_launch)
	push	%rbp
	push	%rbx
	push	%r12
	push	%r13
	push	%r14
	push	%r15

	pushf
	pop	%rcx
	mov	$MV_ENC_GUEST_RFLAGS, %rax
	vmwrite	%rcx, %rax
	mov	$MV_ENC_GUEST_RSP, %rax
	vmwrite	%rsp, %rax
	lea	.Lguest_start(%rip), %rcx
	mov	$MV_ENC_GUEST_RIP, %rax
	vmwrite	%rcx, %rax

	/* success continues at .Lguest_start, in VMX non-root mode */
	UNWIND_HINT_SAVE
	vmlaunch
	mov	$1, %eax
	jmp	.Lout
.Lguest_start:
	UNWIND_HINT_RESTORE
	xor	%eax, %eax
.Lout:
	pop	%r15
	pop	%r14
	pop	%r13
	pop	%r12
	pop	%rbx
	pop	%rbp
	RET
SYM_FUNC_END(mv_launch)

/*
 * mv_vmexit_entry: HOST_RIP.  On entry RSP = &cpu->stack_self (16-byte
 * aligned), interrupts off, host CR3/GS from the VMCS.  Pushes the guest
 * GPRs as struct mv_regs (rax at the lowest address; the rsp slot is
 * filled by C from GUEST_RSP), then
 *   mv_exit_handler(regs, cpu) == 1: pop, VMRESUME;
 *   == 0: devirtualize: C has turned VMX off, restored the guest's
 *         system state and pointed regs->rsp at [rax][rip][cs][rflags]
 *         [rsp][ss] in the per-CPU state page; pop, switch to it, pop
 *         RAX, IRETQ (same or lower privilege, any stack).
 */
SYM_CODE_START(mv_vmexit_entry)
	UNWIND_HINT_EMPTY
	push	%r15
	push	%r14
	push	%r13
	push	%r12
	push	%r11
	push	%r10
	push	%r9
	push	%r8
	push	%rdi
	push	%rsi
	push	%rbp
	push	$0		/* rsp slot */
	push	%rbx
	push	%rdx
	push	%rcx
	push	%rax

	mov	%rsp, %rdi
	mov	MV_REGS_SELF(%rsp), %rsi
	call	mv_exit_handler
	test	%eax, %eax
	jz	.Ldevirt

	pop	%rax
	pop	%rcx
	pop	%rdx
	pop	%rbx
	add	$8, %rsp	/* rsp slot */
	pop	%rbp
	pop	%rsi
	pop	%rdi
	pop	%r8
	pop	%r9
	pop	%r10
	pop	%r11
	pop	%r12
	pop	%r13
	pop	%r14
	pop	%r15
	vmresume

	/* VMRESUME failed: C reports and gives the CPU back */
	sub	$MV_REGS_SIZE, %rsp
	mov	%rsp, %rdi
	mov	MV_REGS_SELF(%rsp), %rsi
	call	mv_vmresume_failed

.Ldevirt:
	add	$8, %rsp	/* rax: reloaded from the guest stack */
	pop	%rcx
	pop	%rdx
	pop	%rbx
	pop	%rax		/* new rsp: [rax] + an IRET frame */
	pop	%rbp
	pop	%rsi
	pop	%rdi
	pop	%r8
	pop	%r9
	pop	%r10
	pop	%r11
	pop	%r12
	pop	%r13
	pop	%r14
	pop	%r15
	mov	%rax, %rsp
	pop	%rax
	iretq
SYM_CODE_END(mv_vmexit_entry)
