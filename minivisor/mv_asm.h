/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mv_asm.h - constants shared by entry.S and C (checked by static_assert
 * in mv.h).  Context: included by root-mode asm and C.
 */
#ifndef MV_ASM_H
#define MV_ASM_H

/* struct mv_regs: 16 slots, in push order of entry.S (rax lowest) */
#define MV_REGS_SIZE	128
#define MV_REGS_RSP	32
/* the struct mv_cpu pointer sits right above the saved registers */
#define MV_REGS_SELF	MV_REGS_SIZE

/* VMCS field encodings entry.S writes (checked against asm/vmx.h) */
#define MV_ENC_GUEST_RSP	0x681c
#define MV_ENC_GUEST_RIP	0x681e
#define MV_ENC_GUEST_RFLAGS	0x6820

#endif /* MV_ASM_H */
