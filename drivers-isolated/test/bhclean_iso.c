// SPDX-License-Identifier: GPL-2.0
/*
 * bhclean_iso.c - a would-be isolated driver (name *_iso) with no switch
 * bytes: the load-time scan of bhdomains must let it load.
 *
 * Execution context: normal kernel (test module).
 */
#include <linux/module.h>

static noinline int bhclean_value(void)
{
	return 42;
}

static int __init bhclean_init(void)
{
	return bhclean_value() == 42 ? 0 : -EINVAL;
}

static void __exit bhclean_exit(void)
{
}

module_init(bhclean_init);
module_exit(bhclean_exit);
MODULE_LICENSE("GPL");
