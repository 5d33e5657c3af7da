/* SPDX-License-Identifier: GPL-2.0 */
/*
 * attack.S - attacker code that opens protection keys without WRPKRU.
 *
 * Execution context: user space (Linux), x86-64 with XSAVE and PKU.
 *
 * The bytes below are assembled as code but kept in .rodata, not .text:
 * t_attack.c copies them into a page it maps executable, scans that page
 * and runs it, like code a domain could generate at run time. In .text
 * they would be a stray XRSTOR in the run binary itself, which
 * bhscan_own_binaries must keep finding clean.
 *
 * void t_xrstor(void *area, uint64_t rfbm): XRSTOR from the 64-byte
 * aligned XSAVE area with EDX:EAX = rfbm. With bit 9 (PKRU) in rfbm it
 * loads PKRU from the area, or PKRU's init value 0 (every key open) when
 * the area's XSTATE_BV has bit 9 clear. Position independent.
 */
	.section .rodata, "a"
	.balign	16
	.globl	t_xrstor_code, t_xrstor_insn, t_xrstor_end
t_xrstor_code:
	mov	%rsi, %rax
	mov	%rsi, %rdx
	shr	$32, %rdx
t_xrstor_insn:
	xrstor	(%rdi)
	ret
t_xrstor_end:

	.section .note.GNU-stack, "", @progbits
