// SPDX-License-Identifier: GPL-2.0
/*
 * bhtest_dom.c - guest test of a domain on EPT views: a call through the
 * VMFUNC gate and back, register scrubbing, the domain's own memory, the
 * kernel read-only to it, and the cost of a round trip (TSC ticks and VM
 * exits).  Prints "bhdom: ok N name" lines for ktap_from_dmesg.
 *
 * Execution context: normal kernel (test module, insmod context); the
 * functions of bhtest_dom_code.S run inside the domain.
 * Parameter fault=1 adds the fault case (the domain writes kernel memory),
 * which the minivisor does not contain yet (domains/ABI-REQUESTS.md).
 */
#include <linux/gfp.h>
#include <linux/irqflags.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/mm.h>
#include <linux/vmalloc.h>
#include <linux/io.h>
#include <linux/smp.h>
#include <asm/msr.h>
#include "../minivisor/hypercall.h"
#include "bhtest_dom.h"
#include "domain.h"

#define T "bhdom: "
#define TRIPS 1000

static bool fault;
module_param(fault, bool, 0444);
MODULE_PARM_DESC(fault, "also run the domain-writes-kernel-memory case");

static int n;
static u64 kernel_secret = 0x5ec12e7;

static void check(bool ok, const char *name, const char *fmt, long v)
{
	n++;
	if (ok)
		pr_info(T "ok %d %s\n", n, name);
	else
		pr_info(T "not ok %d %s # %s %ld\n", n, name, fmt, v);
}

/* VM exits so far on this CPU; *ok = false if the minivisor refused */
static u64 exits_here(struct mv_hc_stats *s, bool *ok)
{
	if (mv_hypercall(MV_HC_STATS, __pa(s), sizeof(*s), 0, NULL)) {
		*ok = false;
		return 0;
	}
	return s->exits;
}

static void measure_round_trip(struct bh_domain *d)
{
	u64 e0, e1, e2, t0, t1, t2;
	struct mv_hc_stats *s;
	unsigned long flags;
	bool ok = true;
	long exits;
	int i;

	/* the stats buffer must be in the direct map (__pa) */
	s = kzalloc(sizeof(*s), GFP_KERNEL);
	if (!s) {
		check(false, "gate_round_trip_no_exits", "no memory", 0);
		return;
	}
	local_irq_save(flags);
	e0 = exits_here(s, &ok);
	e1 = exits_here(s, &ok);
	t0 = rdtsc_ordered();
	for (i = 0; i < TRIPS; i++)
		bh_domain_call(d, bhtest_dom_nop, 0, 0, 0);
	t1 = rdtsc_ordered();
	for (i = 0; i < TRIPS; i++)
		bhtest_dom_nop();
	t2 = rdtsc_ordered();
	e2 = exits_here(s, &ok);
	local_irq_restore(flags);
	kfree(s);
	/* each STATS call is one exit: subtract a back-to-back pair */
	exits = (long)((e2 - e1) - (e1 - e0));
	pr_info(T "# gate round trip: %llu ticks/trip, direct call %llu ticks, %ld exits in %d trips (stats %llu %llu %llu)\n",
		(t1 - t0) / TRIPS, (t2 - t1) / TRIPS, exits, TRIPS, e0, e1, e2);
	pr_info(T "# bench: vmfunc_gate_round_trip_ticks=%llu\n",
		(t1 - t0) / TRIPS);
	pr_info(T "# bench: direct_call_ticks=%llu\n", (t2 - t1) / TRIPS);
	pr_info(T "# bench: vmfunc_gate_exits_per_1000_trips=%ld\n", exits);
	check(ok && e1 > e0 && exits == 0, "gate_round_trip_no_exits",
	      ok ? "exits" : "MV_HC_STATS refused", exits);
}

static struct bh_domain *the_domain;

/* kernel functions the domain calls through bh_vmf_out */
static long callback_sum(unsigned long a, unsigned long b, unsigned long c)
{
	return a * 100 + b * 10 + c;
}

/* calls back into the domain: kernel -> domain -> kernel -> domain */
static long callback_nested(unsigned long a, unsigned long b, unsigned long c)
{
	return bh_domain_call(the_domain, bhtest_dom_add, a, b, c) + 1000;
}

static void call_outs(struct bh_domain *d)
{
	int i1 = bh_domain_add_call(callback_sum);
	int i2 = bh_domain_add_call(callback_nested);
	long v;

	the_domain = d;
	check(i1 >= 0 && i2 >= 0, "register_calls", "idx", i1 < 0 ? i1 : i2);
	if (i1 < 0 || i2 < 0)
		return;
	v = bh_domain_call(d, bhtest_dom_callout, i1, 4, 5);
	check(v == 454, "domain_calls_kernel", "got", v);
	v = bh_domain_call(d, bhtest_dom_callout, i2, 40, 50);
	check(v == 1094, "domain_calls_kernel_nested", "got", v);
	v = bh_domain_call(d, bhtest_dom_callout, 1000000, 1, 2);
	check(v == -ENOENT + 1, "domain_call_bad_index_refused", "got", v);
	v = bh_domain_call(d, bhtest_dom_add, 1, 2, 3);
	check(v == 6, "gate_fine_after_callouts", "got", v);
	bh_domain_del_call(i1);
	bh_domain_del_call(i2);
	v = bh_domain_call(d, bhtest_dom_callout, i1, 4, 5);
	check(v == -ENOENT + 1, "removed_call_refused", "got", v);
}

struct on_cpu {
	struct bh_domain *d;
	long v;
};

static void call_here(void *arg)
{
	struct on_cpu *c = arg;

	c->v = bh_domain_call(c->d, bhtest_dom_add, 1, 20, 300);
}

/* the gate on every online CPU (its own view and stack there) */
static void every_cpu(struct bh_domain *d)
{
	struct on_cpu c = { .d = d };
	int cpu, bad = -1;

	for_each_online_cpu(cpu) {
		c.v = 0;
		if (smp_call_function_single(cpu, call_here, &c, 1) ||
		    c.v != 321)
			bad = cpu;
	}
	check(bad < 0, "gate_on_every_cpu", "failed on cpu", bad);
	pr_info(T "# %u CPUs online\n", num_online_cpus());
}

static int __init bhtest_dom_init(void)
{
	struct bh_domain *d;
	u64 *page;
	long v;
	int ret;

	d = bh_domain_create("bhtest");
	check(!IS_ERR(d), "domain_create", "err", PTR_ERR_OR_ZERO(d));
	if (IS_ERR(d))
		return PTR_ERR(d);
	ret = -ENOMEM;
	page = (u64 *)get_zeroed_page(GFP_KERNEL);
	if (!page)
		goto out;
	ret = bh_domain_map(d, bhtest_dom_page,
			    bhtest_dom_page_end - bhtest_dom_page, 5);
	check(!ret, "map_code", "err", ret);
	ret = bh_domain_map(d, page, PAGE_SIZE, 3);
	check(!ret, "map_data", "err", ret);
	if (ret)
		goto out_page;

	v = bh_domain_call(d, bhtest_dom_add, 1, 20, 300);
	check(v == 321, "gate_call_returns", "got", v);
	v = bh_domain_call(d, bhtest_dom_regs, 0, 0, 0);
	check(v == 0, "gate_scrubs_registers", "or of regs", v);
	v = bh_domain_call(d, bhtest_dom_clobber, 0, 0, 0);
	check(v == 7 && !irqs_disabled(), "gate_restores_state", "ret", v);
	v = bh_domain_call(d, bhtest_dom_rsp, 0, 0, 0);
	check(virt_addr_valid((void *)v) && (v & 15) == 8, "domain_own_stack",
	      "rsp", v);
	v = bh_domain_call(d, bhtest_dom_store, (unsigned long)page, 0xabcd, 0);
	check(v == 0 && page[0] == 0xabcd, "domain_writes_own_page", "val",
	      (long)page[0]);
	v = bh_domain_call(d, bhtest_dom_load, (unsigned long)&kernel_secret,
			   0, 0);
	check(v == 0x5ec12e7, "domain_reads_kernel", "val", v);
	pr_info(T "# round trips on cpu %d: %llu\n", raw_smp_processor_id(),
		bh_domain_round_trips(raw_smp_processor_id()));
	every_cpu(d);
	call_outs(d);
	measure_round_trip(d);
	if (fault) {
		pr_info(T "# the domain writes kernel memory at %#lx (pa %#llx)\n",
			(unsigned long)&kernel_secret,
			(u64)page_to_phys(vmalloc_to_page(&kernel_secret)) +
			offset_in_page(&kernel_secret));
		v = bh_domain_call(d, bhtest_dom_store,
				   (unsigned long)&kernel_secret, 1, 0);
		check(kernel_secret == 0x5ec12e7, "domain_write_kernel_stopped",
		      "secret now", (long)kernel_secret);
	}
	ret = 0;
out_page:
	bh_domain_destroy(d);
	free_page((unsigned long)page);
	return ret;
out:
	bh_domain_destroy(d);
	return ret;
}

static void __exit bhtest_dom_exit(void)
{
}

module_init(bhtest_dom_init);
module_exit(bhtest_dom_exit);
MODULE_LICENSE("GPL");
