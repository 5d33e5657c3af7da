// SPDX-License-Identifier: GPL-2.0
/*
 * bhstray_iso.c - a would-be isolated driver whose text holds
 * VMFUNC bytes inside another instruction: the scan of
 * bhdomains must refuse it.  Never runs the bytes.
 *
 * Execution context: normal kernel (test module, needs bhdomains; its
 * init gives its text to a domain as code: scan_case.h).
 */
#include <linux/module.h>
#include "scan_case.h"

/* mov $0x90d4010f, %eax: a VMFUNC (0f 01 d4) hidden in an immediate */
static noinline int bhstray_hidden(void)
{
	int v;

	asm volatile("movl $0x90d4010f, %0" : "=r" (v));
	return v;
}

static int __init bhstray_init(void)
{
	return bhstray_hidden() ? bh_scan_case(false) : -EINVAL;
}

static void __exit bhstray_exit(void)
{
}

module_init(bhstray_init);
module_exit(bhstray_exit);
MODULE_LICENSE("GPL");
