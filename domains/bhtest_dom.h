/* SPDX-License-Identifier: GPL-2.0 */
/*
 * bhtest_dom.h - the test domain's functions (bhtest_dom_code.S) as seen
 * from the test module (bhtest_dom.c).
 *
 * Execution context: the functions run inside the test domain; the
 * declarations are used by the normal kernel to name them.
 */
#ifndef BHTEST_DOM_H
#define BHTEST_DOM_H

#include <linux/types.h>

extern const char bhtest_dom_page[], bhtest_dom_page_end[];
long bhtest_dom_nop(void);
long bhtest_dom_add(long a, long b, long c);
long bhtest_dom_regs(void);
long bhtest_dom_clobber(void);
long bhtest_dom_store(u64 *p, u64 v);
long bhtest_dom_load(const u64 *p);
long bhtest_dom_rsp(void);
long bhtest_dom_callout(long idx, long a, long b);

#endif /* BHTEST_DOM_H */
