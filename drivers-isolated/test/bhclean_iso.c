// SPDX-License-Identifier: GPL-2.0
/*
 * bhclean_iso.c - a would-be isolated driver with no switch
 * bytes: the scan of bhdomains must let it load.
 *
 * Execution context: normal kernel (test module, needs bhdomains; its
 * init gives its text to a domain as code: scan_case.h).
 */
#include <linux/module.h>
#include "scan_case.h"

static noinline int bhclean_value(void)
{
	return 42;
}

static int __init bhclean_init(void)
{
	return bhclean_value() == 42 ? bh_scan_case(false) : -EINVAL;
}

static void __exit bhclean_exit(void)
{
}

module_init(bhclean_init);
module_exit(bhclean_exit);
MODULE_LICENSE("GPL");
