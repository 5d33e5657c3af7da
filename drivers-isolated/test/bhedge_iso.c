// SPDX-License-Identifier: GPL-2.0
/*
 * bhedge_iso.c - a would-be isolated driver whose text holds a VMFUNC
 * (0f 01 d4) split by a page edge: 0f is the last byte of one page, 01 d4
 * the first two of the next.  Its init maps the text into a domain one
 * page at a time, as the glue maps a driver: the scan of bhdomains must
 * see the instruction across the edge and refuse the second page.  Never
 * runs the bytes.
 *
 * Execution context: normal kernel (test module, needs bhdomains; its
 * init gives its text to a domain as code: scan_case.h).
 */
#include <linux/module.h>
#include "scan_case.h"

/* a page of int3, its last byte 0f, then 01 d4 and int3 to the next page */
asm(".pushsection .text, \"ax\"\n"
	".balign 4096\n"
	"bhedge_bytes:\n"
	".fill 4095, 1, 0xcc\n"
	".byte 0x0f, 0x01, 0xd4\n"
	".balign 4096, 0xcc\n"
	".popsection\n");

static int __init bhedge_init(void)
{
	return bh_scan_case(true);
}

static void __exit bhedge_exit(void)
{
}

module_init(bhedge_init);
module_exit(bhedge_exit);
MODULE_LICENSE("GPL");
