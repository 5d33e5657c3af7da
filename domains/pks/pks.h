/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pks.h - the protection-key (PKS) backend of a domain: the API bhpks.ko
 * exports to the kernel side of an isolated driver.
 *
 * Execution context: normal kernel.  Every function here is called from
 * the kernel, never from inside a domain.
 *
 * A PKS domain is a supervisor protection key k (1..15): its pages (the
 * driver module's rodata/data/bss, its per-CPU stacks, whatever is added)
 * carry k in PTE bits 62:59 of the kernel page tables.  The kernel runs
 * with IA32_PKRS = 0; bh_pks_call() enters the domain through the key's
 * gate (trampolines/pks_gate.S) with PKRS = BH_PKS_DOMAIN(k): its own key
 * read/write, the kernel (key 0) read-only, other domains closed.
 *
 * Mode: without a hypervisor trapping WRMSR to IA32_PKRS, a ring-0 driver
 * can reopen the keys itself, so this is fault isolation (stray writes,
 * bugs), announced as "pks (fault isolation: PKRS writes not trapped)".
 */
#ifndef BH_DOMAINS_PKS_H
#define BH_DOMAINS_PKS_H

#include <linux/types.h>
#include <linux/module.h>
#include "../../trampolines/pks_gate.h"

struct bh_pks_domain;

struct bh_pks_domain *bh_pks_domain_create(const char *name);
void bh_pks_domain_destroy(struct bh_pks_domain *d);
/* tag [start, start + len) with the domain's key (4 KiB mappings only) */
int bh_pks_domain_add(struct bh_pks_domain *d, const void *start,
		      size_t len, const char *what);
/* give back (key 0) the range added at start */
int bh_pks_domain_remove(struct bh_pks_domain *d, const void *start);
/* tag a module's rodata, data and bss (not its text: fetches ignore keys) */
int bh_pks_domain_add_module(struct bh_pks_domain *d, struct module *mod);
/*
 * Run fn(a, b, c) inside the domain on this CPU.  Returns fn's result,
 * -EFAULT if the domain faulted (it is then dead), -ENODEV if it is dead.
 */
long bh_pks_call(struct bh_pks_domain *d, bh_pks_fn fn, long a, long b,
		 long c);
bool bh_pks_domain_dead(struct bh_pks_domain *d);
unsigned long bh_pks_domain_irqs(struct bh_pks_domain *d);
int bh_pks_domain_key(struct bh_pks_domain *d);
const char *bh_pks_domain_mode(struct bh_pks_domain *d);
/* for tests: key of the 4 KiB PTE mapping addr (-1 if none) */
int bh_pks_page_key(const void *addr);
/* for tests (interrupt handlers): PKRS now, and whether a domain is live */
u32 bh_pks_read_pkrs(void);
bool bh_pks_domain_live_here(void);

#endif /* BH_DOMAINS_PKS_H */
