// SPDX-License-Identifier: GPL-2.0
/*
 * scan.c - find domain-switch instructions at every byte offset.
 *
 * Execution context: any (Linux kernel, unikernel, user space). Includes
 * only scan.h: no libc, no kernel API. See scan.h for the contract.
 */
#include "scan.h"

static const char *const kind_names[BH_SCAN_NR_KINDS] = {
	[BH_SCAN_WRPKRU]	= "WRPKRU",
	[BH_SCAN_VMFUNC]	= "VMFUNC",
	[BH_SCAN_XRSTOR]	= "XRSTOR",
	[BH_SCAN_XRSTOR64]	= "XRSTOR64",
	[BH_SCAN_XRSTORS]	= "XRSTORS",
	[BH_SCAN_XRSTORS64]	= "XRSTORS64",
	[BH_SCAN_MOV_CR]	= "MOV to CR",
	[BH_SCAN_MOV_DR]	= "MOV to DR",
	[BH_SCAN_WRMSR]		= "WRMSR",
	[BH_SCAN_DESC]		= "LGDT/LIDT/LLDT/LTR/LMSW",
	[BH_SCAN_SWAPGS]	= "SWAPGS",
	[BH_SCAN_WRBASE]	= "WRFSBASE/WRGSBASE",
	[BH_SCAN_XSETBV]	= "XSETBV",
	[BH_SCAN_CACHE]		= "INVD/WBINVD",
	[BH_SCAN_VMX]		= "VMX instruction",
};

const char *bh_scan_kind_name(enum bh_scan_kind kind)
{
	if ((unsigned int)kind >= BH_SCAN_NR_KINDS)
		return "?";
	return kind_names[kind];
}

/* ModRM with the given reg field and a memory operand (mod != 3). */
static int modrm_mem_reg(uint8_t modrm, unsigned int reg)
{
	return (modrm >> 6) != 3 && ((modrm >> 3) & 7) == reg;
}

static int rex_w(const uint8_t *buf, size_t off)
{
	return off > 0 && (buf[off - 1] & 0xf8) == 0x48;
}

/* Classify the 3 bytes at buf[off]; -1 if they are not a switch. */
static int classify(const uint8_t *buf, size_t off)
{
	const uint8_t *p = buf + off;

	if (p[0] != 0x0f)
		return -1;
	if (p[1] == 0x01 && p[2] == 0xef)
		return BH_SCAN_WRPKRU;
	if (p[1] == 0x01 && p[2] == 0xd4)
		return BH_SCAN_VMFUNC;
	if (p[1] == 0xae && modrm_mem_reg(p[2], 5))
		return rex_w(buf, off) ? BH_SCAN_XRSTOR64 : BH_SCAN_XRSTOR;
	if (p[1] == 0xc7 && modrm_mem_reg(p[2], 3))
		return rex_w(buf, off) ? BH_SCAN_XRSTORS64 : BH_SCAN_XRSTORS;
	return -1;
}

/* store hit number n (of at most max) when there is room */
static void record(struct bh_scan_hit *hits, size_t max, size_t n,
		   uint64_t base, size_t off, int kind, unsigned int len)
{
	if (!hits || n >= max)
		return;
	hits[n].addr = base + off;
	hits[n].off = off;
	hits[n].kind = (enum bh_scan_kind)kind;
	hits[n].len = len;
}

size_t bh_scan(const uint8_t *buf, size_t len, uint64_t base,
	       struct bh_scan_hit *hits, size_t max)
{
	size_t off, n = 0;
	int kind;

	if (!buf || len < 3)
		return 0;
	for (off = 0; off <= len - 3; off++) {
		kind = classify(buf, off);
		if (kind < 0)
			continue;
		record(hits, max, n++, base, off, kind, 3);
	}
	return n;
}

/*
 * Classify the bytes at buf[off] (left = bytes from off to the end) as a
 * privileged instruction; -1 if not.  *n = opcode bytes matched.
 */
static int classify_priv(const uint8_t *buf, size_t off, size_t left,
			 unsigned int *n)
{
	const uint8_t *p = buf + off;
	unsigned int mod, reg;

	if (left < 2 || p[0] != 0x0f)
		return -1;
	*n = 2;
	switch (p[1]) {
	case 0x22:
	case 0x06:
		return BH_SCAN_MOV_CR;
	case 0x23:
		return BH_SCAN_MOV_DR;
	case 0x30:
		return BH_SCAN_WRMSR;
	case 0x08:
	case 0x09:
		return BH_SCAN_CACHE;
	case 0x78:
	case 0x79:
		return BH_SCAN_VMX;
	}
	if (left < 3)
		return -1;
	*n = 3;
	mod = p[2] >> 6;
	reg = (p[2] >> 3) & 7;
	switch (p[1]) {
	case 0x00:		/* LLDT, LTR */
		return reg == 2 || reg == 3 ? BH_SCAN_DESC : -1;
	case 0x01:
		switch (p[2]) {
		case 0xc1: case 0xc2: case 0xc3: case 0xc4:
			return BH_SCAN_VMX;
		case 0xc6:
			return BH_SCAN_WRMSR;
		case 0xd1:
			return BH_SCAN_XSETBV;
		case 0xf8:
			return BH_SCAN_SWAPGS;
		}
		if ((mod != 3 && (reg == 2 || reg == 3)) || reg == 6)
			return BH_SCAN_DESC;
		return -1;
	case 0xae:
		return mod == 3 && (reg == 2 || reg == 3) ? BH_SCAN_WRBASE : -1;
	case 0xc7:
		return mod != 3 && reg >= 6 ? BH_SCAN_VMX : -1;
	case 0x38:
		return p[2] == 0x80 || p[2] == 0x81 ? BH_SCAN_VMX : -1;
	}
	return -1;
}

size_t bh_scan_priv(const uint8_t *buf, size_t len, uint64_t base,
		    struct bh_scan_hit *hits, size_t max)
{
	size_t off, n = 0;
	unsigned int mlen;
	int kind;

	if (!buf)
		return 0;
	for (off = 0; off + 2 <= len; off++) {
		kind = classify_priv(buf, off, len - off, &mlen);
		if (kind < 0)
			continue;
		record(hits, max, n++, base, off, kind, mlen);
	}
	return n;
}

int bh_scan_sanctioned(const struct bh_scan_hit *hit,
		       const uint64_t *sites, size_t nsites)
{
	size_t i;

	for (i = 0; i < nsites; i++)
		if (sites[i] == hit->addr)
			return 1;
	return 0;
}
