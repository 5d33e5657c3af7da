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

/* 1 if hit->addr is one of the nsites sanctioned gate site addresses. */
int bh_scan_sanctioned(const struct bh_scan_hit *hit,
		       const uint64_t *sites, size_t nsites);

/* "WRPKRU", "VMFUNC", ...; "?" for an unknown kind. */
const char *bh_scan_kind_name(enum bh_scan_kind kind);

#endif /* BH_SCAN_H */
