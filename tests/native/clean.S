/* SPDX-License-Identifier: GPL-2.0 */
/*
 * clean.S - scanner test image: one gate, no stray switch instruction.
 *
 * Execution context: none (never run; built into clean.o / clean.elf for
 * bhscan, see t_scan.c). With -DSTRAY it becomes stray.S's image.
 */
#include "../../trampolines/mpk_gate.h"

	.section .tbss, "awT", @nobits
dsp:	.quad 0
csp:	.quad 0

	.text
	.globl	_start
_start:
#ifdef STRAY
	mov	$0x00ef010f, %eax	/* bytes b8 0f 01 ef 00: WRPKRU at +1 */
#else
	mov	$0x00ee010f, %eax	/* rdpkru bytes are fine */
#endif
	call	scan_gate
	ud2
callee:
	ret

BH_MPK_GATE scan_gate, callee, 0, BH_PKRU_LINUX_INIT, \
	"%fs:dsp@tpoff", "%fs:csp@tpoff"

	.section .note.GNU-stack, "", @progbits
