// SPDX-License-Identifier: GPL-2.0
/*
 * bhpriv_iso.c - a would-be isolated driver whose text holds
 * a MOV to CR3 (0f 22 d8) inside another instruction: a domain that ran
 * it could load its own page tables without a VM exit, so the scan of
 * bhdomains must refuse it.  Never runs the bytes.
 *
 * Execution context: normal kernel (test module, needs bhdomains; its
 * init gives its text to a domain as code: scan_case.h).
 */
#include <linux/module.h>
#include "scan_case.h"

/* mov $0x90d8220f, %eax: mov %rax, %cr3 (0f 22 d8) hidden in an immediate */
static noinline int bhpriv_hidden(void)
{
	int v;

	asm volatile("movl $0x90d8220f, %0" : "=r" (v));
	return v;
}

static int __init bhpriv_init(void)
{
	return bhpriv_hidden() ? bh_scan_case(false) : -EINVAL;
}

static void __exit bhpriv_exit(void)
{
}

module_init(bhpriv_init);
module_exit(bhpriv_exit);
MODULE_LICENSE("GPL");
