// SPDX-License-Identifier: GPL-2.0
/*
 * bhtest_dom.c - guest test of a domain on EPT views: a call through the
 * VMFUNC gate and back, register scrubbing, the domain's own memory, the
 * kernel absent from its view, and the cost of a round trip (TSC ticks and VM
 * exits).  Prints "bhdom: ok N name" lines for ktap_from_dmesg.
 *
 * Execution context: normal kernel (test module, insmod context); the
 * functions of bhtest_dom_code.S run inside the domain.
 * Parameter faults=1 adds the fault cases: a domain that writes or reads
 * kernel memory (module data, heap, image), reads another domain, jumps
 * into kernel code, runs a privileged instruction (WRMSR, MOV to CR4,
 * VMCALL), a VMFUNC with a forged index,
 * or raises an exception (#UD, #DE, #PF), also nested below a call-out,
 * jumps into an interrupt stub or raises INT 0xfd; each must be stopped
 * (the call returns -EIO, one domain fault counted by the minivisor, the
 * domain dead), and a domain created again must work.  Interrupts in a
 * domain take its IST area: a domain on a bad RSP takes them and lives,
 * an entry nested in a softirq takes its own, and a broken IST pointer
 * (written by the test) stops the domain with nothing left in service.
 */
#include <linux/gfp.h>
#include <linux/delay.h>
#include <linux/irqflags.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/mm.h>
#include <linux/vmalloc.h>
#include <linux/io.h>
#include <linux/jiffies.h>
#include <linux/smp.h>
#include <linux/timer.h>
#include <linux/hrtimer.h>
#include <asm/apic.h>
#include <asm/desc.h>
#include <asm/fsgsbase.h>
#include <asm/nmi.h>
#include <asm/hardirq.h>
#include <asm/msr.h>
#include <asm/irq_vectors.h>
#include <asm/vmx.h>
#define BH_COMPAT_APIC
#include "../include/bh_compat.h"
#include "../minivisor/hypercall.h"
#include "../trampolines/vmfunc_gate.h"
#include "bhtest_dom.h"
#include "domain.h"

#define ARITH_FLAGS	(X86_EFLAGS_CF | X86_EFLAGS_PF | X86_EFLAGS_AF | \
			 X86_EFLAGS_ZF | X86_EFLAGS_SF | X86_EFLAGS_OF)

#define T "bhdom: "
#define TRIPS 1000

static bool faults;
module_param(faults, bool, 0444);
MODULE_PARM_DESC(faults, "also run the fault-containment cases");
static bool watchdog;
module_param(watchdog, bool, 0444);
MODULE_PARM_DESC(watchdog,
		 "only the watchdog cases (set bhdomains.watchdog_ms short first)");

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

/*
 * VM exits so far on this CPU; *ok = false if the minivisor refused.
 * The watchdog's VMX-preemption timer (armed when one CPU is online)
 * exits every watchdog_ms / 2 whatever runs: not counted here.
 */
static u64 exits_here(struct mv_hc_stats *s, bool *ok)
{
	if (mv_hypercall(MV_HC_STATS, __pa(s), sizeof(*s), 0, NULL)) {
		*ok = false;
		return 0;
	}
	return s->exits - s->by_reason[EXIT_REASON_PREEMPTION_TIMER];
}

/* the same for exits taken while a domain view was live */
static u64 view_exits_here(struct mv_hc_stats *s, bool *ok)
{
	exits_here(s, ok);
	return s->exits_in_views;
}

static void measure_round_trip(struct bh_domain *d)
{
	u64 e0, e1, e2, t0, t1, t2, gate;
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

	/*
	 * The gate alone: bh_vmf_enter back to back (no C wrapper), less a
	 * direct call of the same function (its body, the call, the loop)
	 */
	gate = bh_domain_gate_ticks(d, bhtest_dom_nop, TRIPS);
	check(gate > 0, "gate_alone_measured", "ticks", gate);
	if (gate) {
		pr_info(T "# gate alone: %llu ticks/trip, %llu over a direct call\n",
			gate / TRIPS, gate / TRIPS - (t2 - t1) / TRIPS);
		pr_info(T "# bench: vmfunc_gate_only_ticks=%llu\n",
			gate / TRIPS - (t2 - t1) / TRIPS);
	}
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

/* the RFLAGS a kernel function called by a domain runs with */
static long callback_flags(unsigned long a, unsigned long b, unsigned long c)
{
	return native_save_fl();
}

static void call_outs(struct bh_domain *d)
{
	int i1 = bh_domain_add_call(callback_sum);
	int i2 = bh_domain_add_call(callback_nested);
	int i3 = bh_domain_add_call(callback_flags);
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
	/* a domain that set DF and AC: the kernel's function runs without */
	if (i3 >= 0) {
		v = bh_domain_call(d, bhtest_dom_callout_flags, i3, 0, 0);
		check(v > 0 && !(v & (X86_EFLAGS_AC | X86_EFLAGS_DF)),
		      "callout_flags_clean", "rflags", v);
		bh_domain_del_call(i3);
	} else {
		check(false, "callout_flags_clean", "add_call", i3);
	}
	bh_domain_del_call(i1);
	bh_domain_del_call(i2);
	v = bh_domain_call(d, bhtest_dom_callout, i1, 4, 5);
	check(v == -ENOENT + 1, "removed_call_refused", "got", v);
}

/*
 * An entry nested in the handler of an interrupt taken inside the domain,
 * which itself takes interrupts: the outer spin is interrupted by the
 * tick, the tick's softirq (interrupts on, on the kernel stack below the
 * domain) runs this timer, which calls the same domain again; the inner
 * spin's interrupts land on the same IST area as the outer one's.  Both
 * must come back with their own frames.
 */
static struct {
	struct timer_list timer;
	struct bh_domain *d;
	bool outer_live;	/* the outer call is in progress */
	bool nested;		/* the timer ran while it was */
	u64 *flag;		/* a word of the domain's page */
	long ret;
	u64 irqs;
} nest;

static void nest_timer_fn(struct timer_list *t)
{
	unsigned int cpu = smp_processor_id();
	u64 i0 = bh_domain_irqs(cpu);

	nest.nested = READ_ONCE(nest.outer_live);
	nest.ret = bh_domain_call(nest.d, bhtest_dom_spin, 1000000, 0, 0);
	nest.irqs = bh_domain_irqs(cpu) - i0;
	/* the outer call's wait ends */
	WRITE_ONCE(*nest.flag, 0x77);
}

static void irq_nested_in_domain(struct bh_domain *d, u64 *page)
{
	long v;
	int cpu;

	nest.d = d;
	nest.ret = -1;
	nest.flag = &page[PAGE_SIZE / sizeof(u64) - 1];
	*nest.flag = 0;
	timer_setup(&nest.timer, nest_timer_fn, TIMER_PINNED);
	cpu = get_cpu();
	nest.timer.expires = jiffies + 2;
	add_timer_on(&nest.timer, cpu);
	WRITE_ONCE(nest.outer_live, true);
	/* up to ~1 s of guest time at 2.2 GHz */
	v = bh_domain_call(d, bhtest_dom_wait, (unsigned long)nest.flag,
			   1000000000, 0);
	WRITE_ONCE(nest.outer_live, false);
	put_cpu();
	del_timer_sync(&nest.timer);
	check(v == 0x77, "irq_nested_outer_returned", "call returned", v);
	check(nest.nested, "irq_nested_ran_inside", "timer ran inside the outer call",
	      nest.nested);
	check(nest.ret == 0 && nest.irqs >= 1, "irq_nested_inner_interrupted",
	      nest.ret ? "inner call returned" : "interrupts in the inner call",
	      nest.ret ? nest.ret : (long)nest.irqs);
	pr_info(T "# nested entry from a softirq inside the domain: %llu interrupts inside it\n",
		nest.irqs);
}

/*
 * Exitless interrupts: the domain spins with interrupts on (insmod runs
 * with IF = 1) for a few hundred timer ticks; the ticks must reach the
 * kernel's handler while the CPU is inside the domain, with no VM exit
 * taken while the domain's view was live.  (The kernel's handlers may
 * exit on their own in the kernel view, as anywhere: counted apart.)
 */
static void irqs_in_domain(struct bh_domain *d)
{
	struct mv_hc_stats *s = kzalloc(sizeof(*s), GFP_KERNEL);
	unsigned int t0, t1;
	bool ok = true;
	u64 e0, e1, w0, w1;
	long v;

	if (!s) {
		check(false, "timer_interrupts_inside_domain", "no memory", 0);
		return;
	}
	get_cpu();
	w0 = view_exits_here(s, &ok);
	e0 = s->exits;
	t0 = this_cpu_read(irq_stat.apic_timer_irqs);
	v = bh_domain_call(d, bhtest_dom_spin, 2000000, 0, 0);
	t1 = this_cpu_read(irq_stat.apic_timer_irqs);
	w1 = view_exits_here(s, &ok);
	e1 = s->exits;
	put_cpu();
	kfree(s);
	check(v == 0 && t1 - t0 >= 2, "timer_interrupts_inside_domain",
	      v ? "call returned" : "timer interrupts", v ? v : t1 - t0);
	check(ok && w1 == w0, "interrupts_inside_domain_no_exits",
	      "exits in the domain view", (long)(w1 - w0));
	pr_info(T "# %u timer interrupts while the domain ran: %llu VM exits in the domain view, %llu in the kernel's handlers\n",
		t1 - t0, w1 - w0, e1 - e0 - 1 - (w1 - w0));
}

/*
 * NMIs for the kernel that land in a domain (2 CPUs): another CPU sends
 * NMIs to this one while the domain spins.  Their delivery faults in the
 * domain view; the minivisor holds them (nmis_deferred), the domain goes
 * on, and bh_domain_call raises one again in the kernel view: the
 * kernel's NMI handlers run, the domain survives.
 */
static atomic_t nmi_seen;
static int nmi_target = -1;
static bool nmi_done;

static int bhtest_nmi(unsigned int type, struct pt_regs *regs)
{
	if (smp_processor_id() != READ_ONCE(nmi_target))
		return NMI_DONE;
	atomic_inc(&nmi_seen);
	return NMI_HANDLED;
}

static void nmi_sender(void *unused)
{
	int sent, i;

	for (sent = 0; sent < 20000 && !READ_ONCE(nmi_done); sent++) {
		apic->send_IPI_mask(cpumask_of(READ_ONCE(nmi_target)),
				    NMI_VECTOR);
		for (i = 0; i < 4000 && !READ_ONCE(nmi_done); i++)
			cpu_relax();
	}
}

static void nmis_in_domain(struct bh_domain *d)
{
	struct mv_hc_stats *s = kzalloc(sizeof(*s), GFP_KERNEL);
	u64 n0, n1, f0, f1, w0;
	int cpu, other, i, j;
	bool ok = true;
	long v, v2 = 0;

	if (num_online_cpus() < 2 || !s) {
		pr_info(T "# NMIs in a domain: need 2 CPUs (the 2-CPU boot runs it)\n");
		kfree(s);
		return;
	}
	if (register_nmi_handler(NMI_LOCAL, bhtest_nmi, 0, "bhtest_dom")) {
		check(false, "nmi_reaches_kernel", "register_nmi_handler", 0);
		kfree(s);
		return;
	}
	cpu = get_cpu();
	other = cpumask_any_but(cpu_online_mask, cpu);
	exits_here(s, &ok);
	n0 = s->nmis_deferred;
	f0 = s->domain_faults;
	atomic_set(&nmi_seen, 0);
	WRITE_ONCE(nmi_done, false);
	WRITE_ONCE(nmi_target, cpu);
	smp_call_function_single(other, nmi_sender, NULL, 0);
	v = bh_domain_call(d, bhtest_dom_spin, 4000000, 0, 0);
	WRITE_ONCE(nmi_done, true);
	exits_here(s, &ok);
	n1 = s->nmis_deferred;
	f1 = s->domain_faults;
	/*
	 * many short crossings under NMIs until one lands between the
	 * gate's VMFUNC and its CR3 load (bhdomains' cpus file counts them
	 * as nmis_in_cr3_window; the suite checks it).  Under Bochs an NMI
	 * is seen at the target's scheduling quantum (16 instructions on 2
	 * CPUs), so a fixed loop can keep missing the window: a spin of
	 * 0..12 between crossings moves the phase.
	 */
	w0 = bh_domain_cr3_window_nmis(cpu);
	WRITE_ONCE(nmi_done, false);
	smp_call_function_single(other, nmi_sender, NULL, 0);
	for (i = 0; i < 400000 && !v2; i++) {
		v2 = bh_domain_call(d, bhtest_dom_nop, 0, 0, 0);
		if (bh_domain_cr3_window_nmis(cpu) - w0 >= 3)
			break;
		for (j = i % 13; j; j--)
			cpu_relax();
	}
	WRITE_ONCE(nmi_done, true);
	pr_info(T "# %d crossings under NMIs, %llu NMIs in the CR3 window\n",
		i, bh_domain_cr3_window_nmis(cpu) - w0);
	put_cpu();
	check(!v2, "nmi_during_crossings_not_a_fault", "call returned", v2);
	/* the sender may still be in its last send: let it finish */
	smp_call_function_single(other, nmi_sender, NULL, 1);
	check(ok && n1 > n0, "nmi_in_domain_deferred", "NMIs held by the minivisor",
	      (long)(n1 - n0));
	check(v == 0 && f1 == f0, "nmi_in_domain_not_a_fault", "call returned",
	      v);
	v = bh_domain_call(d, bhtest_dom_add, 1, 2, 3);
	check(v == 6, "domain_fine_after_nmis", "got", v);
	/* an NMI still in flight is ours: claim it before letting go */
	mdelay(20);
	WRITE_ONCE(nmi_target, -1);
	unregister_nmi_handler(NMI_LOCAL, "bhtest_dom");
	kfree(s);
	check(atomic_read(&nmi_seen) > 0, "nmi_reaches_kernel",
	      "NMIs seen by the kernel's handler", atomic_read(&nmi_seen));
	pr_info(T "# NMIs: %llu held while the domain ran, %d seen by the kernel's handler\n",
		n1 - n0, atomic_read(&nmi_seen));
}

/* a call-out may call its own domain again, never another one */
static struct bh_domain *other_domain;

static long callback_other(unsigned long a, unsigned long b, unsigned long c)
{
	return bh_domain_call(other_domain, bhtest_dom_add, 1, 2, 3);
}

/* (refused before it is entered: it needs no code of its own) */
static void other_domain_refused(struct bh_domain *d)
{
	struct bh_domain *o = bh_domain_create("bhother");
	int idx = bh_domain_add_call(callback_other);
	long v = IS_ERR(o) ? PTR_ERR(o) : idx;

	if (!IS_ERR(o) && idx >= 0) {
		other_domain = o;
		v = bh_domain_call(d, bhtest_dom_callout, idx, 0, 0);
	}
	check(v == -EBUSY + 1, "nested_other_domain_refused", "got", v);
	v = bh_domain_call(d, bhtest_dom_add, 1, 2, 3);
	check(v == 6, "domain_fine_after_refusal", "got", v);
	if (idx >= 0)
		bh_domain_del_call(idx);
	if (!IS_ERR(o))
		bh_domain_destroy(o);
}

/*
 * A call-out that enters its own domain again, which calls out again:
 * entries nest until BH_VMF_MAX_DEPTH, where the next one is refused
 * (-EBUSY, bh_domain_enter: the gate's slots end there); each level's
 * dom_callout adds 1 on the way back.
 */
static struct bh_domain *deep_domain;
static int deep_idx;

static long callback_deeper(unsigned long a, unsigned long b, unsigned long c)
{
	return bh_domain_call(deep_domain, bhtest_dom_callout, deep_idx, 0, 0);
}

static void nesting_limit(struct bh_domain *d)
{
	long v;

	deep_idx = bh_domain_add_call(callback_deeper);
	v = deep_idx;
	if (deep_idx >= 0) {
		deep_domain = d;
		v = bh_domain_call(d, bhtest_dom_callout, deep_idx, 0, 0);
		bh_domain_del_call(deep_idx);
	}
	check(v == -EBUSY + BH_VMF_MAX_DEPTH, "nested_too_deep_refused", "got",
	      v);
	v = bh_domain_call(d, bhtest_dom_add, 1, 2, 3);
	check(v == 6, "domain_fine_after_too_deep", "got", v);
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

/* ---- fault containment ------------------------------------------------- */

static u64 domain_faults_here(void)
{
	struct mv_hc_stats *s = kzalloc(sizeof(*s), GFP_ATOMIC);
	u64 v = ~0ULL;

	if (s && !mv_hypercall(MV_HC_STATS, __pa(s), sizeof(*s), 0, NULL))
		v = s->domain_faults;
	kfree(s);
	return v;
}

static struct bh_domain *fault_domain(u64 *page)
{
	struct bh_domain *d = bh_domain_create("bhfault");

	if (IS_ERR(d))
		return d;
	if (bh_domain_map(d, bhtest_dom_page,
			  bhtest_dom_page_end - bhtest_dom_page,
			  5 | BH_MAP_UNSCANNED) ||
	    bh_domain_map(d, page, PAGE_SIZE, 3)) {
		bh_domain_destroy(d);
		return ERR_PTR(-EIO);
	}
	return d;
}

/*
 * A fresh fault domain on a zeroed page of its own (*page); NULL, with
 * the check named t failed and nothing left allocated, if there is none.
 */
static struct bh_domain *fault_domain_new(u64 **page, const char *t)
{
	struct bh_domain *d;

	/*
	 * where this case's dmesg lines start: domains_gate.sh checks the
	 * first fault lines after it
	 */
	pr_info(T "# case %s\n", t);
	*page = (u64 *)get_zeroed_page(GFP_KERNEL);
	d = *page ? fault_domain(*page) : ERR_PTR(-ENOMEM);
	if (!IS_ERR(d))
		return d;
	check(false, t, "no domain", PTR_ERR(d));
	free_page((unsigned long)*page);
	return NULL;
}

static long fault_nested_cb(unsigned long a, unsigned long b,
			    unsigned long c)
{
	return bh_domain_call(the_domain, bhtest_dom_ud, 0, 0, 0);
}

/*
 * One case: a fresh domain runs fn(a0, a1); the call must return -EIO
 * with exactly `exits` domain faults counted by the minivisor on this CPU
 * (0 for what the gate itself catches), the domain must be dead, the
 * kernel's IF state intact, and a new domain must work.
 */
/*
 * After a fault case: the dead domain d destroyed, a new one on the same
 * page must work ("NAME_reload_works"); the page freed.
 */
static void reload_works(const char *name, struct bh_domain *d, u64 *page)
{
	char t[64];
	long v;

	bh_domain_destroy(d);
	d = fault_domain(page);
	v = IS_ERR(d) ? PTR_ERR(d) : bh_domain_call(d, bhtest_dom_add, 1, 20,
						    300);
	snprintf(t, sizeof(t), "%s_reload_works", name);
	check(v == 321, t, "got", v);
	if (!IS_ERR(d))
		bh_domain_destroy(d);
	free_page((unsigned long)page);
}

static void fault_case_n(const char *name, const void *fn, unsigned long a0,
			 unsigned long a1, u64 exits)
{
	struct bh_domain *d;
	u64 *page, f0, f1;
	long v, v2;
	char t[64];

	snprintf(t, sizeof(t), "%s_stopped", name);
	d = fault_domain_new(&page, t);
	if (!d)
		return;
	the_domain = d;
	get_cpu();
	f0 = domain_faults_here();
	v = bh_domain_call(d, fn, a0, a1, 0);
	f1 = domain_faults_here();
	v2 = bh_domain_call(d, bhtest_dom_add, 1, 20, 300);
	put_cpu();
	snprintf(t, sizeof(t), "%s_stopped", name);
	check(v == -EIO && f1 == f0 + exits && !irqs_disabled(), t,
	      v != -EIO ? "call returned" : "faults counted",
	      v != -EIO ? v : (long)(f1 - f0));
	snprintf(t, sizeof(t), "%s_domain_dead", name);
	check(v2 == -EIO, t, "call returned", v2);
	reload_works(name, d, page);
}

static void fault_case(const char *name, const void *fn, unsigned long a0,
		       unsigned long a1)
{
	fault_case_n(name, fn, a0, a1, 1);
}

/*
 * An exception raised with RSP where its frame cannot go: at 0x1000 (not
 * in the domain's page table: the delivery's #PF, then #DF on Linux's IST
 * stack, whose handler the view does not let it run) and at the top of a
 * kernel page (absent from the view: the push itself is an EPT
 * violation).  One fault each, the domain stopped, the kernel page
 * untouched.
 */
static void bad_rsp_exception_cases(void)
{
	u8 *kp = (u8 *)__get_free_page(GFP_KERNEL), *changed;

	fault_case("exception_bad_rsp_unmapped", bhtest_dom_ud_rsp, 0x1000, 0);
	if (!kp) {
		check(false, "exception_bad_rsp_kernel_stopped", "no memory", 0);
		return;
	}
	memset(kp, 0x5a, PAGE_SIZE);
	fault_case("exception_bad_rsp_kernel", bhtest_dom_ud_rsp,
		   (unsigned long)kp + PAGE_SIZE, 0);
	changed = memchr_inv(kp, 0x5a, PAGE_SIZE);
	check(!changed, "exception_bad_rsp_kernel_intact",
	      "first changed byte at", changed ? changed - kp : 0);
	free_page((unsigned long)kp);
}

/* GS base changed without an exit: the gate must put it back and kill */
static void gs_cases(void)
{
	u64 gs, kgs;

	local_irq_disable();
	gs = rdgsbase();
	rdmsrl(MSR_KERNEL_GS_BASE, kgs);
	local_irq_enable();
	fault_case_n("swapgs", bhtest_dom_swapgs, 0, 0, 0);
	fault_case_n("wrgsbase", bhtest_dom_wrgsbase, 0x1000, 0, 0);
	local_irq_disable();
	check(rdgsbase() == gs && native_read_msr(MSR_KERNEL_GS_BASE) == kgs,
	      "gs_bases_intact", "gs base now", (long)rdgsbase());
	local_irq_enable();
}

/*
 * FS base belongs to the user task (its TLS): a domain that loads FS
 * (__USER_DS: base 0) must find it put back and be stopped.  The test
 * gives its task a recognizable FS base for the call.
 */
static void fs_case(void)
{
	const unsigned long magic = 0x7f1234560000UL;
	unsigned long fs0, fs1;

	preempt_disable();
	fs0 = rdfsbase();
	wrfsbase(magic);
	preempt_enable();
	fault_case_n("fs_base", bhtest_dom_load_fs, __USER_DS, 0, 0);
	preempt_disable();
	fs1 = rdfsbase();
	wrfsbase(fs0);
	preempt_enable();
	check(fs1 == magic, "fs_base_intact", "fs base", fs1);
}

/* vectors in service in this CPU's local APIC (ISR words 1-7), OR-ed */
static u32 isr_bits(void)
{
	u32 v = 0;
	int i;

	for (i = 1; i < 8; i++)
		v |= bh_apic_read(APIC_ISR + i * 0x10);
	return v;
}

/*
 * Interrupts are delivered on the domain's IST area, whatever its RSP:
 * the domain spins with IF = 1 on an RSP where no frame could go
 * (kernel memory, nothing at all); timer interrupts must reach the
 * kernel's handler through the stubs and the domain must come back
 * alive, its RSP as it left it.
 */
static void irq_on_ist_case(const char *name, unsigned long rsp)
{
	struct bh_domain *d;
	unsigned int t0, t1;
	int cpu;
	u64 *page, i0, i1;
	long v, v2;
	char t[64];

	snprintf(t, sizeof(t), "%s_returned", name);
	d = fault_domain_new(&page, t);
	if (!d)
		return;
	cpu = get_cpu();
	i0 = bh_domain_irqs(cpu);
	t0 = this_cpu_read(irq_stat.apic_timer_irqs);
	v = bh_domain_call(d, bhtest_dom_bad_rsp_spin, rsp, 2000000, 0);
	t1 = this_cpu_read(irq_stat.apic_timer_irqs);
	i1 = bh_domain_irqs(cpu);
	v2 = bh_domain_call(d, bhtest_dom_add, 1, 20, 300);
	put_cpu();
	check(v == 0x5a, t, "call returned", v);
	snprintf(t, sizeof(t), "%s_interrupts_delivered", name);
	/*
	 * ticks also land outside the domain (before and after it, and in
	 * the kernel view while a handler's softirqs run with interrupts
	 * on): at least two through the stubs, not all of them
	 */
	check(t1 - t0 >= 2 && i1 - i0 >= 2, t,
	      t1 - t0 < 2 ? "timer interrupts" : "stub entries",
	      t1 - t0 < 2 ? t1 - t0 : (long)(i1 - i0));
	snprintf(t, sizeof(t), "%s_domain_alive", name);
	check(v2 == 321, t, "next call returned", v2);
	pr_info(T "# %s: %u timer interrupts, %llu through the stubs, the domain on RSP %#lx\n",
		name, t1 - t0, i1 - i0, rsp);
	bh_domain_destroy(d);
	free_page((unsigned long)page);
}

/*
 * After a domain was stopped in the delivery of an interrupt: isr (this
 * CPU's ISR bits, read with interrupts off right after) must be empty
 * and the timer must still tick here.  Cases name_nothing_in_service and
 * name_timer_ticks.
 */
static void check_released(const char *name, u32 isr)
{
	unsigned long j0;
	char t[64];

	snprintf(t, sizeof(t), "%s_nothing_in_service", name);
	check(isr == 0, t, "ISR bits", isr);
	j0 = jiffies;
	mdelay(100);
	snprintf(t, sizeof(t), "%s_timer_ticks", name);
	check(time_after(jiffies, j0), t, "jiffies moved",
	      (long)(jiffies - j0));
}

/*
 * The delivery itself fails: the domain's IST slot points where nothing
 * is mapped (not something a domain can do: the test writes the TSS).
 * The local APIC had accepted that interrupt: the domain is stopped,
 * nothing may stay in service, and the timer must keep ticking here.
 */
static void irq_ist_unusable(void)
{
	struct bh_domain *d;
	u64 *page, f0, f1, ist;
	long v, v2;
	u32 isr;

	d = fault_domain_new(&page, "irq_ist_unusable_stopped");
	if (!d)
		return;
	/* the ISR read below on the CPU where the domain faulted */
	migrate_disable();
	/* the first call loads the view, which sets the IST slot */
	v = bh_domain_call(d, bhtest_dom_nop, 0, 0, 0);
	local_irq_disable();
	ist = this_cpu_read(cpu_tss_rw.x86_tss.ist[BH_VMF_IST - 1]);
	this_cpu_write(cpu_tss_rw.x86_tss.ist[BH_VMF_IST - 1], 0x1000);
	local_irq_enable();
	f0 = domain_faults_here();
	v = v ? v : bh_domain_call(d, bhtest_dom_spin, 2000000, 0, 0);
	f1 = domain_faults_here();
	v2 = bh_domain_call(d, bhtest_dom_add, 1, 20, 300);
	local_irq_disable();
	isr = isr_bits();
	this_cpu_write(cpu_tss_rw.x86_tss.ist[BH_VMF_IST - 1], ist);
	local_irq_enable();
	migrate_enable();
	check(v == -EIO && f1 == f0 + 1, "irq_ist_unusable_stopped",
	      v != -EIO ? "call returned" : "faults counted",
	      v != -EIO ? v : (long)(f1 - f0));
	check(v2 == -EIO, "irq_ist_unusable_domain_dead", "call returned", v2);
	check_released("irq_ist_unusable", isr);
	reload_works("irq_ist_unusable", d, page);
}

/*
 * An entry nested from a hardirq (interrupts off) inside an entry made
 * with interrupts on: the outer entry must still count as running with
 * interrupts on when it faults afterwards.  The hrtimer's handler (taken
 * inside the outer entry) calls the domain, then breaks this CPU's IST
 * pointer; the next interrupt's delivery into the outer entry fails, and
 * the fault path must end the vector in service, as for an entry with
 * interrupts on.
 */
static struct {
	struct hrtimer t;
	struct bh_domain *d;
	long ret;
	bool ran;
} hn;

static enum hrtimer_restart hn_fn(struct hrtimer *t)
{
	hn.ret = bh_domain_call(hn.d, bhtest_dom_add, 1, 20, 300);
	this_cpu_write(cpu_tss_rw.x86_tss.ist[BH_VMF_IST - 1], 0x1000);
	hn.ran = true;
	return HRTIMER_NORESTART;
}

static void irq_nested_hardirq_then_fault(void)
{
	struct bh_domain *d;
	u64 *page, ist;
	long v;
	u32 isr;

	d = fault_domain_new(&page, "hardirq_nested_stopped");
	if (!d)
		return;
	hn.d = d;
	hn.ret = -1;
	hn.ran = false;
	hrtimer_init(&hn.t, CLOCK_MONOTONIC, HRTIMER_MODE_REL_PINNED);
	hn.t.function = hn_fn;
	migrate_disable();
	/* the view loaded (and the IST slot set) before the timer can run */
	v = bh_domain_call(d, bhtest_dom_nop, 0, 0, 0);
	local_irq_disable();
	ist = this_cpu_read(cpu_tss_rw.x86_tss.ist[BH_VMF_IST - 1]);
	local_irq_enable();
	hrtimer_start(&hn.t, ms_to_ktime(1), HRTIMER_MODE_REL_PINNED);
	v = v ? v : bh_domain_call(d, bhtest_dom_spin, 20000000, 0, 0);
	hrtimer_cancel(&hn.t);
	local_irq_disable();
	isr = isr_bits();
	this_cpu_write(cpu_tss_rw.x86_tss.ist[BH_VMF_IST - 1], ist);
	local_irq_enable();
	migrate_enable();
	check(hn.ran && hn.ret == 321, "hardirq_nested_call_ran",
	      hn.ran ? "nested call returned" : "hrtimer ran", hn.ran ? hn.ret : 0);
	check(v == -EIO, "hardirq_nested_then_fault_stopped", "call returned", v);
	check_released("hardirq_nested_then_fault", isr);
	bh_domain_destroy(d);
	free_page((unsigned long)page);
}

/*
 * A domain called with interrupts off (a lock held with them off, a
 * hardirq handler) turns them on: an interrupt then delivered must not
 * run the kernel's handler inside the caller's interrupts-off section.
 * The domain is stopped, the vector ended and raised again, and its
 * handler runs once the caller turns interrupts on.
 */
static void sti_with_irqs_off(void)
{
	struct bh_domain *d;
	unsigned int t0, t1;
	u64 *page;
	bool off;
	long v, v2;
	u32 isr;

	d = fault_domain_new(&page, "sti_irqs_off_stopped");
	if (!d)
		return;
	local_irq_disable();
	t0 = this_cpu_read(irq_stat.apic_timer_irqs);
	/* long enough for a timer interrupt (about 0.4 s under Bochs) */
	v = bh_domain_call(d, bhtest_dom_sti_spin, 20000000, 0, 0);
	t1 = this_cpu_read(irq_stat.apic_timer_irqs);
	off = irqs_disabled();
	isr = isr_bits();
	local_irq_enable();
	check(off && t1 == t0, "sti_irqs_off_no_handler_inside",
	      off ? "local timer handlers run inside" : "interrupts on after",
	      (long)(t1 - t0));
	v2 = bh_domain_call(d, bhtest_dom_add, 1, 20, 300);
	check(v == -EIO, "sti_irqs_off_stopped", "call returned", v);
	check(v2 == -EIO, "sti_irqs_off_domain_dead", "call returned", v2);
	check_released("sti_irqs_off", isr);
	reload_works("sti_irqs_off", d, page);
}

/*
 * The VMFUNCs (0f 01 d4) of the shared gate page, in page order: the
 * entry's, the way back's, the call-out's, the way back from it, the
 * yield's, the interrupt stub's, the way back from an interrupt.
 */
enum {
	GV_ENTER, GV_EXIT, GV_OUT, GV_BACK, GV_YIELD, GV_IRQ, GV_IRQ_BACK,
	GV_NR
};

static int gate_vmfuncs(unsigned long *at)
{
	const u8 *p = (const u8 *)((unsigned long)bh_vmf_irq_stubs & PAGE_MASK);
	unsigned int i;
	int n = 0;

	for (i = 0; i + 3 <= PAGE_SIZE; i++)
		if (p[i] == 0x0f && p[i + 1] == 0x01 && p[i + 2] == 0xd4) {
			if (n < GV_NR)
				at[n] = (unsigned long)p + i;
			n++;
		}
	return n;
}

/*
 * fn(site) in a fresh domain: its result, faults counted, a call after.
 * False (check t failed) if there was no domain.
 */
static bool forged_vmfunc(const void *fn, unsigned long site, const char *t,
			  long *v, long *after, u64 *faults)
{
	struct bh_domain *d;
	u64 *page, f0;

	d = fault_domain_new(&page, t);
	if (!d)
		return false;
	get_cpu();
	f0 = domain_faults_here();
	*v = bh_domain_call(d, fn, site, 0, 0);
	*faults = domain_faults_here() - f0;
	*after = bh_domain_call(d, bhtest_dom_add, 1, 20, 300);
	put_cpu();
	bh_domain_destroy(d);
	free_page((unsigned long)page);
	return true;
}

/*
 * A domain that jumps to the way back's VMFUNC past the CLI before it,
 * with IF = 1 and RSP on a kernel page: an interrupt after the gate's
 * kernel side loads the kernel's IDT and before it takes RSP from the
 * saved slot would run the kernel's handler on that page (its frame
 * written there).  The local APIC timer (one-shot, divide by 1), its
 * count moved one step at a time across the crossing (under Bochs the
 * timer and the TSC count instructions), makes the interrupt land at
 * each instruction of that window in turn.  The page must stay intact;
 * an interrupt that lands before the kernel's IDT (the domains' stubs,
 * which go back into the domain view at code it cannot run there) stops
 * the domain, and a fresh one takes its place.  Linux's own timer event
 * comes early meanwhile and is programmed again.
 */
static void exit_irqs_on_case(unsigned long site)
{
	u8 *kp = (u8 *)__get_free_page(GFP_KERNEL), *changed = NULL;
	u64 *page = (u64 *)get_zeroed_page(GFP_KERNEL);
	struct bh_domain *d = ERR_PTR(-ENOMEM);
	unsigned int n, deaths = 0, tried = 0;
	unsigned long flags;
	u32 lvtt, tdcr;
	long v;

	lvtt = apic_read(APIC_LVTT);
	if (!kp || !page || (lvtt & (APIC_LVT_MASKED | APIC_LVT_TIMER_PERIODIC |
				    APIC_LVT_TIMER_TSCDEADLINE))) {
		check(false, "forged_exit_irqs_on_kernel_page_intact",
		      "no page, or the local APIC timer not one-shot; LVTT", lvtt);
		goto out;
	}
	memset(kp, 0x5a, PAGE_SIZE);
	for (n = 1; n <= 1500 && !changed; n++) {
		if (IS_ERR(d)) {
			d = fault_domain(page);
			if (IS_ERR(d))
				break;
		}
		get_cpu();
		local_irq_save(flags);
		tdcr = apic_read(APIC_TDCR);
		apic_write(APIC_TDCR, APIC_TDR_DIV_1);
		apic_write(APIC_TMICT, n);
		local_irq_restore(flags);
		v = bh_domain_call(d, bhtest_dom_exit_irqs_on, site,
				   (unsigned long)kp + PAGE_SIZE - 256, 0);
		local_irq_save(flags);
		apic_write(APIC_TDCR, tdcr);
		local_irq_restore(flags);
		put_cpu();
		tried++;
		if (v == -EIO) {
			deaths++;
			bh_domain_destroy(d);
			d = ERR_PTR(-EIO);
			memset(page, 0, PAGE_SIZE);
		}
		changed = memchr_inv(kp, 0x5a, PAGE_SIZE);
	}
	/* that the counts reached the window: domains_gate.sh, under Bochs */
	check(!changed && tried == 1500, "forged_exit_irqs_on_kernel_page_intact",
	      changed ? "kernel page written at offset" : "counts tried",
	      changed ? changed - kp : tried);
	pr_info("bhdom: # %u timer counts across the forged way back: %u domains stopped by an interrupt before the kernel's IDT, kernel page %s\n",
		tried, deaths, changed ? "WRITTEN" : "intact");
out:
	if (!IS_ERR(d))
		bh_domain_destroy(d);
	free_page((unsigned long)page);
	free_page((unsigned long)kp);
}

/*
 * Into the kernel view through a VMFUNC of the gate page with the kernel
 * view's index, with the domain's RSP, page table and IDT live there.  At
 * a VMFUNC into the domain (entry, back from a call-out, back from an
 * interrupt) the check after it must take the CPU back into the domain
 * view (before, its ud2 ran the kernel's #UD handler on the domain's RSP
 * in the kernel view), where the gate's code goes on with the domain's
 * registers: the call returns the domain's 0xf0, no fault.  At a VMFUNC
 * out of it, through an IRETQ with TF: the #DB right after the VMFUNC
 * must stop the domain, not run the kernel's #DB handler.
 */
/*
 * The IDT comes with the page table (vmfunc_gate.h, "Page tables"): at
 * the address in IDTR the domain's table has the domains' IDT (the gate
 * page's stub for a vector), the kernel's table the kernel's IDT.
 * The kernel's mapping there is global (the CPU entry area's are, PTI
 * or not), and a global TLB entry would outlive the CR3 load into the
 * domain: bhdomains takes the bit off while loaded.
 */
static void idt_alias(struct bh_domain *d)
{
	unsigned long stub = (unsigned long)bh_vmf_irq_stubs +
		(LOCAL_TIMER_VECTOR - BH_VMF_FIRST_IRQ) * BH_VMF_IRQ_STUB_SIZE;
	struct desc_ptr idt;
	unsigned int level;
	pte_t *pte;
	long v;

	store_idt(&idt);
	v = bh_domain_call(d, bhtest_dom_idt_gate, idt.address,
			   LOCAL_TIMER_VECTOR, 0);
	check(v == stub, "idt_in_domain_table_is_domains", "handler", v);
	v = gate_offset(&((gate_desc *)idt.address)[LOCAL_TIMER_VECTOR]);
	check(v && v != stub, "idt_in_kernel_table_is_kernels", "handler", v);
	pte = lookup_address(idt.address, &level);
	check(pte && !(pte_flags(*pte) & _PAGE_GLOBAL),
	      "idt_mapping_not_global", "pte",
	      pte ? (long)pte_val(*pte) : 0);
}

static void gate_vmfunc_cases(void)
{
	static const struct {
		const char *name;
		int site;
		const void *fn;
	} in[] = {
		{ "forged_entry_vmfunc", GV_ENTER, bhtest_dom_vmfunc_at },
		{ "forged_back_vmfunc", GV_BACK, bhtest_dom_vmfunc_back },
		{ "forged_irq_back_vmfunc", GV_IRQ_BACK, bhtest_dom_vmfunc_iret },
	}, out[] = {
		{ "single_step_exit_vmfunc", GV_EXIT, bhtest_dom_vmfunc_tf },
		{ "single_step_out_vmfunc", GV_OUT, bhtest_dom_vmfunc_tf },
		{ "single_step_yield_vmfunc", GV_YIELD, bhtest_dom_vmfunc_tf },
		{ "single_step_irq_vmfunc", GV_IRQ, bhtest_dom_vmfunc_tf },
	};
	unsigned long at[GV_NR];
	int i, n = gate_vmfuncs(at);
	long v, after;
	char t[64];
	u64 f;

	check(n == GV_NR, "gate_page_vmfuncs", "VMFUNCs in the gate page", n);
	if (n != GV_NR)
		return;
	for (i = 0; i < ARRAY_SIZE(in); i++) {
		snprintf(t, sizeof(t), "%s_stays_in_domain", in[i].name);
		if (!forged_vmfunc(in[i].fn, at[in[i].site], t, &v, &after, &f))
			continue;
		check(v == 0xf0 && !f, t, v != 0xf0 ? "call returned" :
		      "faults counted", v != 0xf0 ? v : (long)f);
		snprintf(t, sizeof(t), "%s_domain_fine", in[i].name);
		check(after == 321, t, "call returned", after);
	}
	for (i = 0; i < ARRAY_SIZE(out); i++)
		fault_case_n(out[i].name, out[i].fn, at[out[i].site], 0, 0);
	/* in the domain view the #DB's IST stack is absent: a fault */
	fault_case("single_step_in_domain", bhtest_dom_single_step, 0, 0);
	exit_irqs_on_case(at[GV_EXIT]);
}

static void fault_cases(void)
{
	struct bh_domain *victim;
	u64 *vpage = (u64 *)get_zeroed_page(GFP_KERNEL);
	u64 cr4 = __read_cr4();
	u64 *kpage = (u64 *)get_zeroed_page(GFP_KERNEL);
	u64 *kpage2 = (u64 *)get_zeroed_page(GFP_KERNEL);
	unsigned int aux;
	int idx;

	/*
	 * the kernel is absent, not read-only: module memory is not in the
	 * domain's page table (#PF); the direct map and the kernel image
	 * are, and EPT stops the access (a violation naming the page)
	 */
	fault_case("write_kernel", bhtest_dom_store,
		   (unsigned long)&kernel_secret, 1);
	check(kernel_secret == 0x5ec12e7, "kernel_memory_intact",
	      "secret now", (long)kernel_secret);
	fault_case("read_kernel", bhtest_dom_load,
		   (unsigned long)&kernel_secret, 0);
	if (kpage) {
		kpage[0] = 0x600d;
		fault_case("write_kernel_heap", bhtest_dom_store,
			   (unsigned long)kpage, 1);
		check(kpage[0] == 0x600d, "kernel_heap_intact", "now",
		      (long)kpage[0]);
		fault_case("read_kernel_heap", bhtest_dom_load,
			   (unsigned long)kpage, 0);
		free_page((unsigned long)kpage);
	} else {
		check(false, "write_kernel_heap_stopped", "no page", 0);
	}
	fault_case("read_kernel_image", bhtest_dom_load,
		   (unsigned long)&jiffies, 0);
	/*
	 * where the gate's kernel sides read this CPU's state pointer: in
	 * the domain's own table, but the table page behind it and the page
	 * are the kernel's
	 */
	fault_case("read_state_pointer", bhtest_dom_load, BH_VMF_ID_VA, 0);
	/* reads another domain's memory */
	victim = bh_domain_create("bhvictim");
	if (!IS_ERR(victim) && vpage &&
	    !bh_domain_map(victim, vpage, PAGE_SIZE, 3)) {
		vpage[0] = 0x7777;
		fault_case("read_other_domain", bhtest_dom_load,
			   (unsigned long)vpage, 0);
	} else {
		check(false, "read_other_domain_stopped", "victim",
		      PTR_ERR_OR_ZERO(victim));
	}
	if (!IS_ERR(victim))
		bh_domain_destroy(victim);
	free_page((unsigned long)vpage);
	/* jumps into kernel code outside a gate */
	fault_case("jump_kernel", bhtest_dom_jump, (unsigned long)kfree, 0);
	/* privileged instructions */
	fault_case("wrmsr_tsc_aux", bhtest_dom_wrmsr, MSR_TSC_AUX, 63);
	asm volatile("rdtscp" : "=c" (aux) : : "rax", "rdx");
	check((aux & 0xfff) == raw_smp_processor_id(), "tsc_aux_intact",
	      "TSC_AUX", aux);
	fault_case("mov_cr4", bhtest_dom_cr4, 0, 0);
	check(__read_cr4() == cr4, "cr4_intact", "cr4", __read_cr4());
	fault_case("vmcall", bhtest_dom_vmcall, 0, 0);
	/* port I/O: the UART's scratch register, which nothing else uses */
	outb(0x11, 0x3ff);
	fault_case("port_io", bhtest_dom_outb, 0x3ff, 0x5a);
	check(inb(0x3ff) == 0x11, "port_untouched", "scratch register",
	      inb(0x3ff));
	/* a VMFUNC with an index that is not in the EPTP list */
	fault_case("vmfunc_forged_index", bhtest_dom_vmfunc, 5, 0);
	/* exceptions raised by domain code */
	fault_case("exception_ud", bhtest_dom_ud, 0, 0);
	fault_case("exception_de", bhtest_dom_div0, 0, 0);
	fault_case("exception_pf", bhtest_dom_load, 0, 0);
	gate_vmfunc_cases();
	/* out of CPL 0 or into the kernel's entry without a gate */
	fault_case("syscall", bhtest_dom_syscall, 0, 0);
	fault_case("sysret_user", bhtest_dom_sysret, 0, 0);
	fault_case("iret_user", bhtest_dom_iret, 0, 0);
	bad_rsp_exception_cases();
	gs_cases();
	fs_case();
	/* the FPU: CR0.TS while the domain runs */
	fault_case("fpu_sse", bhtest_dom_sse, 0, 0);
	fault_case("fpu_x87", bhtest_dom_x87, 0, 0);
	/*
	 * a jump into the gate's interrupt stub for a vector the CPU did
	 * not deliver (the reschedule IPI's: harmless if it ran)
	 */
	fault_case_n("forged_irq", bhtest_dom_forge_irq,
		     (unsigned long)bh_vmf_irq_stubs +
		     (RESCHEDULE_VECTOR - BH_VMF_FIRST_IRQ) * BH_VMF_IRQ_STUB_SIZE,
		     0, 0);
	/* a software interrupt (INT 0xfd): through the IST, not delivered */
	fault_case_n("forged_int", bhtest_dom_int_fd, 0, 0, 0);
	/*
	 * interrupts while the domain's RSP points where no frame could
	 * go: kernel memory, nothing at all (the IST takes them)
	 */
	if (kpage2) {
		irq_on_ist_case("irq_bad_rsp_kernel",
				(unsigned long)kpage2 + PAGE_SIZE);
		free_page((unsigned long)kpage2);
	} else {
		check(false, "irq_bad_rsp_kernel_returned", "no page", 0);
	}
	irq_on_ist_case("irq_bad_rsp_unmapped", 0x1000);
	irq_ist_unusable();
	irq_nested_hardirq_then_fault();
	sti_with_irqs_off();
	/* a fault two levels deep: domain -> kernel -> domain faults */
	idx = bh_domain_add_call(fault_nested_cb);
	if (idx >= 0) {
		fault_case("nested", bhtest_dom_callout, idx, 0);
		bh_domain_del_call(idx);
	} else {
		check(false, "nested_stopped", "add_call", idx);
	}
}

/*
 * Entries that never return: with interrupts on (bhdomains' check in the
 * CPU's own interrupts) and with interrupts off, spinning or halted (an
 * NMI from another CPU, or with one CPU the minivisor's VMX-preemption
 * timer).  Each stopped (-EIO), the domain dead, a new one works.
 */
static void watchdog_cases(void)
{
	fault_case_n("watchdog_irqs_on", bhtest_dom_loop, 0, 0, 0);
	fault_case("watchdog_irqs_off", bhtest_dom_cli_loop, 0, 0);
	fault_case("watchdog_cli_hlt", bhtest_dom_cli_hlt, 0, 0);
}

static int __init bhtest_dom_init(void)
{
	struct bh_domain *d;
	unsigned long fl;
	u64 *page;
	long v;
	int ret;

	if (faults) {		/* only the fault cases */
		fault_cases();
		return 0;
	}
	if (watchdog) {
		watchdog_cases();
		return 0;
	}
	d = bh_domain_create("bhtest");
	check(!IS_ERR(d), "domain_create", "err", PTR_ERR_OR_ZERO(d));
	if (IS_ERR(d))
		return PTR_ERR(d);
	ret = -ENOMEM;
	page = (u64 *)get_zeroed_page(GFP_KERNEL);
	if (!page)
		goto out;
	/* it runs privileged instructions on purpose: not scanned */
	ret = bh_domain_map(d, bhtest_dom_page,
			    bhtest_dom_page_end - bhtest_dom_page,
			    5 | BH_MAP_UNSCANNED);
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
	/*
	 * the domain left AC (SMAP off) and DF set: not in the kernel's.
	 * Cleared here at once, or a broken gate would crash the report
	 * (printk's string code with DF = 1) instead of failing the case.
	 */
	fl = native_save_fl();
	asm volatile("pushfq; andq %0, (%%rsp); popfq"
		     : : "i" (~(X86_EFLAGS_AC | X86_EFLAGS_DF)) : "cc", "memory");
	check(v == 7 && !irqs_disabled(), "gate_restores_state", "ret", v);
	check(!(fl & (X86_EFLAGS_AC | X86_EFLAGS_DF)), "gate_restores_flags",
	      "rflags", fl);
	/*
	 * the domain starts with the caller's IF and no other system flag
	 * (AC, DF, TF, NT, IOPL, ...); arithmetic flags are whatever the
	 * gate's last instruction left
	 */
	v = bh_domain_call(d, bhtest_dom_flags, 0, 0, 0) & ~ARITH_FLAGS;
	check(v == (X86_EFLAGS_FIXED | X86_EFLAGS_IF), "domain_flags_clean",
	      "rflags", v);
	local_irq_disable();
	v = bh_domain_call(d, bhtest_dom_flags, 0, 0, 0) & ~ARITH_FLAGS;
	local_irq_enable();
	check(v == X86_EFLAGS_FIXED, "domain_flags_irqs_off", "rflags", v);
	v = bh_domain_call(d, bhtest_dom_rsp, 0, 0, 0);
	check(virt_addr_valid((void *)v) && (v & 15) == 8, "domain_own_stack",
	      "rsp", v);
	v = bh_domain_call(d, bhtest_dom_store, (unsigned long)page, 0xabcd, 0);
	check(v == 0 && page[0] == 0xabcd, "domain_writes_own_page", "val",
	      (long)page[0]);
	pr_info(T "# round trips on cpu %d: %llu\n", raw_smp_processor_id(),
		bh_domain_round_trips(raw_smp_processor_id()));
	idt_alias(d);
	every_cpu(d);
	call_outs(d);
	other_domain_refused(d);
	nesting_limit(d);
	irqs_in_domain(d);
	irq_nested_in_domain(d, page);
	nmis_in_domain(d);
	measure_round_trip(d);
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
