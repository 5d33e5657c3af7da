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
		if (hits && n < max) {
			hits[n].addr = base + off;
			hits[n].off = off;
			hits[n].kind = (enum bh_scan_kind)kind;
			hits[n].len = 3;
		}
		n++;
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
