/* SPDX-License-Identifier: GPL-2.0 */
/*
 * scan_case.h - the load of bhstray_iso, bhpriv_iso, bhclean_iso and
 * bhedge_iso: the module's text given to a new domain as code
 * (executable in its view), which bhdomains scans first
 * (domains/domain.h, bh_domain_map).  The module loads only if the
 * mapping is accepted; the domain is gone again before init returns and
 * nothing of the module ever runs in it.
 *
 * Execution context: normal kernel (the test modules' init).
 */
#ifndef BH_SCAN_CASE_H
#define BH_SCAN_CASE_H

#include <linux/err.h>
#include <linux/mm.h>
#include <linux/module.h>
#include "../../include/bh_compat.h"
#include "../../domains/domain.h"
#include "../../domains/owner.h"

/*
 * The module's text given to a new domain as code, all at once, or one
 * page at a time in order as the glue maps a driver (each page is then
 * scanned with the edge of the one before it).
 */
static inline int bh_scan_case(bool by_page)
{
	unsigned int size, off, step;
	u8 *text = bh_mod_part(THIS_MODULE, BH_MOD_TEXT, &size);
	struct bh_domain *d = bh_domain_create(THIS_MODULE->name);
	int ret = 0;

	if (IS_ERR(d))
		return PTR_ERR(d);
	step = by_page ? PAGE_SIZE : PAGE_ALIGN(size);
	for (off = 0; off < size && !ret; off += step)
		ret = bh_domain_map(d, text + off, step,
				    BH_PERM_R | BH_PERM_X);
	bh_domain_destroy(d);
	return ret;
}

#endif /* BH_SCAN_CASE_H */
