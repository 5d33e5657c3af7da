/*
 * attack.S - a forged gate entry from the unsafe kernel. Context: UNSAFE
 * partition text, ring 0, PKRU_UNSAFE. Test-only attacker code.
 *
 * long unsafe_forge_gate(gate_wrpkru, target, eax)
 *   Jumps straight to the WRPKRU of the safe->unsafe gate with a chosen
 *   EAX (0 = every key open), rsp kept, r11 = our continuation. Without
 *   the compare-after-write the gate would continue into our code with
 *   that PKRU, which writes 0xbad to the safe target and returns normally.
 *   With it, the gate's ud2 traps and the call returns -E_PERM.
 */
	.text
#ifdef BH_BREAK_STRAY_WRPKRU
	movl $0xef010f, %eax            /* bytes 0f 01 ef inside an immediate */
#endif
	.globl unsafe_forge_gate
unsafe_forge_gate:
	movq %rsp, %r10
	leaq 1f(%rip), %r11
	movl %edx, %eax
	xorl %ecx, %ecx
	xorl %edx, %edx
	jmp *%rdi
1:	movq $0xbad, (%rsi)
	movq $0x4b1d, %rax
	ret
