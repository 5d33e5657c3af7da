/*
 * gate.h - how the unikernel uses the project's single gate source,
 * trampolines/mpk_gate.h. Context: included by the unikernel's assembly
 * (arch/entry.S, arch/gates.S, boot/boot.S); expands to ring-0 code (or
 * wherever an attacker jumps: all pages are U=1, so ring 3 can reach it).
 *
 * GATE_OPEN pkru, tag    BH_MPK_OPEN: into a more trusted or a new domain.
 *                        A forged EAX stops at the ud2 right after the
 *                        compare; trap.c recognises that #UD as a gate
 *                        violation (rip within 16 bytes of a gate site).
 * GATE_CLOSE pkru, tag   BH_MPK_CLOSE: back to the domain we return to;
 *                        a forged EAX loops until the constant is loaded.
 * GATE_CHECK_CPL0        after any gate that grants more than PKRU_USER:
 *                        ring 3 that jumped into kernel code is sent to
 *                        gate_violation_cpl (drops every key, traps).
 *
 * PKRU operands are assembly-time constants (bh.h). Every WRPKRU is a
 * sanctioned site in .bh_gate_sites; the build runs tools/bhscan on the
 * image and fails on any other WRPKRU/XRSTOR(S)/VMFUNC byte pattern.
 * noiso build (BH_ISO=0): the macros vanish, the image has no WRPKRU.
 * BH_BREAK_NO_CMP (make BREAK=NO_CMP): the same WRPKRUs without the
 * compare-after-write, to watch the forged-entry tests go red.
 */
#ifndef BH_GATE_H
#define BH_GATE_H
#include "bh.h"
#include "mpk_gate.h"

#if BH_ISO && !defined(BH_BREAK_NO_CMP)
.macro GATE_OPEN pkru, tag
	BH_MPK_OPEN \pkru, \tag
.endm
.macro GATE_CLOSE pkru, tag
	BH_MPK_CLOSE \pkru, \tag
.endm
#elif BH_ISO
.macro GATE_OPEN pkru, tag
	xorl %ecx, %ecx
	xorl %edx, %edx
	movl $(\pkru), %eax
	BH_GATE_SITE \tag
	wrpkru
.endm
.macro GATE_CLOSE pkru, tag
	GATE_OPEN \pkru, \tag
.endm
#else
.macro GATE_OPEN pkru, tag
.endm
.macro GATE_CLOSE pkru, tag
.endm
#endif

#if BH_ISO
.macro GATE_CHECK_CPL0
	movl %cs, %eax
	testb $3, %al
	jnz gate_violation_cpl
.endm
#else
.macro GATE_CHECK_CPL0
.endm
#endif
#endif
