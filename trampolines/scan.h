/* SPDX-License-Identifier: GPL-2.0 */
/*
 * scan.h - find domain-switch instructions at every byte offset.
 *
 * Execution context: any (Linux kernel, unikernel, user space). Pure logic
 * on a byte buffer: no allocation, no I/O, no libc.
 *
 * A domain switch may only happen at a gate. This scanner finds every byte
 * sequence that would decode as WRPKRU, VMFUNC, XRSTOR(64) or XRSTORS(64)
 * if execution started there, whether or not it is on an instruction
 * boundary, so that a caller can check each one against the list of
 * sanctioned gate sites (see mpk_gate.h, section .bh_gate_sites).
 */
#ifndef BH_SCAN_H
#define BH_SCAN_H

#ifdef __KERNEL__
#include <linux/types.h>
#else
#include <stddef.h>
#include <stdint.h>
#endif

enum bh_scan_kind {
	BH_SCAN_WRPKRU,		/* 0F 01 EF */
	BH_SCAN_VMFUNC,		/* 0F 01 D4 */
	BH_SCAN_XRSTOR,		/* 0F AE /5, mod != 3 */
	BH_SCAN_XRSTOR64,	/* REX.W 0F AE /5, mod != 3 */
	BH_SCAN_XRSTORS,	/* 0F C7 /3, mod != 3 */
	BH_SCAN_XRSTORS64,	/* REX.W 0F C7 /3, mod != 3 */
	/* privileged instructions: bh_scan_priv() only */
	BH_SCAN_MOV_CR,		/* 0F 22 (MOV to CRn), 0F 06 (CLTS) */
	BH_SCAN_MOV_DR,		/* 0F 23 */
	BH_SCAN_WRMSR,		/* 0F 30; 0F 01 C6 (WRMSRNS) */
	/* LGDT/LIDT 0F 01 /2,/3 mem; LLDT/LTR 0F 00 /2,/3; LMSW 0F 01 /6 */
	BH_SCAN_DESC,
	BH_SCAN_SWAPGS,		/* 0F 01 F8 */
	BH_SCAN_WRBASE,		/* WRFSBASE/WRGSBASE: 0F AE /2,/3, mod 3 */
	BH_SCAN_XSETBV,		/* 0F 01 D1 */
	BH_SCAN_CACHE,		/* INVD 0F 08, WBINVD 0F 09 */
	/*
	 * VMCALL..VMXOFF 0F 01 C1-C4, VMREAD 0F 78, VMWRITE 0F 79,
	 * VMPTRLD/VMCLEAR/VMXON/VMPTRST 0F C7 /6,/7 mem, INVEPT/INVVPID
	 * 0F 38 80/81
	 */
	BH_SCAN_VMX,
	BH_SCAN_NR_KINDS
};

struct bh_scan_hit {
	uint64_t addr;		/* base + off */
	size_t off;		/* offset of the 0F byte in the buffer */
	enum bh_scan_kind kind;
	unsigned int len;	/* opcode bytes matched from off (3) */
};

/*
 * Scan buf[0..len) whose first byte lives at address base. Stores at most
 * max hits (in offset order) and returns how many there are in total.
 */
size_t bh_scan(const uint8_t *buf, size_t len, uint64_t base,
	       struct bh_scan_hit *hits, size_t max);

/*
 * The same for privileged instructions a domain must never run (the
 * kinds from BH_SCAN_MOV_CR on): writes of control, debug and descriptor-
 * table registers, MSRs, GS/FS base, XCR0, cache invalidation, VMX.  A
 * domain runs only its own text and the gate page (its view is W^X), and
 * without VM exits for most of these (CR3 loads, LGDT, WRMSR of a
 * passed-through MSR), so an isolated driver's text must not contain
 * them at any offset.  Not covered: one-byte opcodes (IN/OUT, HLT, CLI).
 * len is 2 or 3.
 */
size_t bh_scan_priv(const uint8_t *buf, size_t len, uint64_t base,
		    struct bh_scan_hit *hits, size_t max);

/* 1 if hit->addr is one of the nsites sanctioned gate site addresses. */
int bh_scan_sanctioned(const struct bh_scan_hit *hit,
		       const uint64_t *sites, size_t nsites);

/* "WRPKRU", "VMFUNC", ...; "?" for an unknown kind. */
const char *bh_scan_kind_name(enum bh_scan_kind kind);

#endif /* BH_SCAN_H */
