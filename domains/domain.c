// SPDX-License-Identifier: GPL-2.0
/*
 * domain.c - protection domains on per-CPU EPT views: the ownership map
 * of all RAM, per-CPU views built from it through the minivisor's
 * hypercalls, the call into a domain through the VMFUNC gate, and the
 * scan that refuses code for a domain (whatever is mapped executable in
 * its view) containing VMFUNC, WRPKRU or XRSTOR bytes or a privileged
 * instruction.
 *
 * Execution context: normal kernel (module bhdomains).  Process context,
 * under bh_lock, except bh_domain_call() (any context) and the hypercall
 * helpers, which run on each CPU in IPI context.  The CPU-hotplug
 * callbacks (bh_cpu_online/bh_cpu_offline) run in the hotplug thread of
 * the CPU concerned, under bh_lock.
 *
 * EPT policy of a domain view: the domain's own pages as given, the gate
 * page r-x; read-only what the CPU reads on the domain's behalf: its page
 * table (dom_pt.h), the IDT it runs under and each CPU's GDT; every other
 * page of the kernel, other domains' pages and everything above RAM
 * absent.  The domain runs on its own page table (CR3 switched by the
 * gate), so no kernel page table needs to be readable in its view.
 */
#include <linux/cpu.h>
#include <linux/cpuhotplug.h>
#include <linux/debugfs.h>
#include <linux/delay.h>
#include <linux/err.h>
#include <linux/gfp.h>
#include <linux/ioport.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/moduleparam.h>
#include <linux/nospec.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/smp.h>
#include <linux/timer.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>
#include <linux/sizes.h>
#include <asm/apic.h>
#include <asm/cpu_entry_area.h>
#include <asm/debugreg.h>
#include <asm/desc.h>
#include <asm/fsgsbase.h>
#include <asm/irq_vectors.h>
#include <asm/nmi.h>
#include <asm/tlbflush.h>
#include <asm/trap_pf.h>
#include <asm/trapnr.h>
#include <asm/vmx.h>
#define BH_COMPAT_APIC
#include "../include/bh_compat.h"
#include "../minivisor/hypercall.h"
#include "../trampolines/scan.h"
#include "../trampolines/vmfunc_gate.h"
#include "domain.h"
#include "bh_trace.h"
#include "dom_pt.h"
#include "owner.h"

#define BH_NAME			"bhdomains"
#define BH_MAX_GRANTS		256
#define BH_STACK_ORDER		2		/* 16 KiB per CPU, and the task stack */
#define BH_MAX_TASK_CALLS	64		/* bh_domain_set_calls() */
/*
 * room a resumed task needs below its saved RSP on the task stack: the
 * entry's return address (interrupts go to the IST area since session 6;
 * the room once held their frames too and is kept)
 */
#define BH_TASK_STACK_ROOM	256
#define BH_ABOVE_RAM_END	(4ULL << 30)	/* MMIO below 4 GiB */
/*
 * The PCID of every domain table: neither one of Linux's kernel PCIDs
 * (1..TLB_NR_DYN_ASIDS) nor a PTI user one (bit 11 set).  Domains share
 * it: their views (EPTPs) differ, and TLB entries are tagged with both.
 */
#define BH_DOM_PCID		0x7ff
#define BH_CR3_NOFLUSH		BIT_ULL(63)
#define BH_PT_BLOCK_ORDER	4		/* table pages, 16 at a time */
#define BH_PT_MAX_BLOCKS	16

static_assert(offsetof(struct bh_vmf_cpu, kernel_rsp) == BH_VMF_KERNEL_RSP);
static_assert(offsetof(struct bh_vmf_cpu, domain_rsp) == BH_VMF_DOMAIN_RSP);
static_assert(offsetof(struct bh_vmf_cpu, depth) == BH_VMF_DEPTH);
static_assert(offsetof(struct bh_vmf_cpu, entries) == BH_VMF_ENTRIES);
static_assert(offsetof(struct bh_vmf_cpu, irqs) == BH_VMF_IRQS);
static_assert(offsetof(struct bh_vmf_cpu, killed) == BH_VMF_KILLED);
static_assert(offsetof(struct bh_vmf_cpu, kernel_gs) == BH_VMF_KERNEL_GS);
static_assert(offsetof(struct bh_vmf_cpu, bad_seg) == BH_VMF_BAD_SEG);
static_assert(offsetof(struct bh_vmf_cpu, ist_frame) == BH_VMF_IST_FRAME);
static_assert(offsetof(struct bh_vmf_cpu, user_fs) == BH_VMF_USER_FS);
static_assert(offsetof(struct bh_vmf_cpu, domain_flags) == BH_VMF_DOMAIN_FLAGS);
static_assert(offsetof(struct bh_vmf_cpu, kernel_cr3) == BH_VMF_KERNEL_CR3);
static_assert(offsetof(struct bh_vmf_cpu, domain_cr3) == BH_VMF_DOMAIN_CR3);
static_assert(offsetof(struct bh_vmf_cpu, nmis) == BH_VMF_NMIS);
static_assert(offsetof(struct bh_vmf_cpu, yielded) == BH_VMF_YIELDED);
static_assert(offsetof(struct bh_vmf_cpu, yield_rsp) == BH_VMF_YIELD_RSP);
static_assert(offsetof(struct bh_vmf_cpu, yield_idx) == BH_VMF_YIELD_IDX);
static_assert(offsetof(struct bh_vmf_cpu, yield_arg) == BH_VMF_YIELD_ARG);
static_assert(sizeof(struct bh_vmf_cpu) == BH_VMF_CPU_SIZE);
static_assert(BH_VMF_ID_VA == BH_PT_ID_VA);
static_assert(BH_PERM_R == MV_PERM_R && BH_PERM_W == MV_PERM_W &&
	      BH_PERM_X == MV_PERM_X);

struct bh_domain {
	char name[32];
	unsigned int id;
	bool dead;
	u64 view[BH_VMF_MAX_CPUS];	/* view id on each CPU */
	void *stack[BH_VMF_MAX_CPUS];
	/* gate round trips per CPU; what the crossing sampler saw last */
	u64 crossings[BH_VMF_MAX_CPUS], crossings_seen[BH_VMF_MAX_CPUS];
	/* its page table; the blocks its table pages come from */
	struct bh_pt pt;
	/* each CPU's root of it (dom_pt.h, bh_pt_root_with_id): bh_dom_cr3 */
	u64 *root[BH_VMF_MAX_CPUS];
	void *pt_block[BH_PT_MAX_BLOCKS];
	unsigned int pt_blocks, pt_used;	/* pages used in the last block */
	int pt_err;
	/* bh_domain_call_task: its stack (domain-owned, like the others) */
	void *task_stack;
	struct mutex task_lock;		/* one task call at a time */
	const bh_task_call_fn *calls;	/* what a yield may name */
	unsigned int ncalls;
	u64 task_calls;			/* yields served */
};

static DEFINE_MUTEX(bh_lock);
static struct bh_owner_map bh_map;
static struct bh_page *bh_pages;
static struct bh_grant bh_grants[BH_MAX_GRANTS];
static struct bh_domain *bh_doms[BH_MAX_DOMAINS];
static struct bh_vmf_cpu *bh_states;
/* &bh_states[cpu], set at load: one load on the crossing's fast path */
static struct bh_vmf_cpu *bh_st[BH_VMF_MAX_CPUS];
/*
 * Each CPU's id page (its first word is &bh_states[cpu], the rest 0) and
 * the table page that maps it at BH_VMF_ID_VA in each domain's root for
 * the CPU (vmfunc_gate.h; dom_pt.h, bh_pt_id_table).  Kernel memory:
 * absent from every domain view.
 */
static u64 *bh_id_page[BH_VMF_MAX_CPUS], *bh_id_table[BH_VMF_MAX_CPUS];
/* the domain whose view sits in EPTP slot BH_VMF_SLOT of each CPU */
static struct bh_domain *bh_loaded[BH_VMF_MAX_CPUS];
/*
 * CPU hotplug.  bh_cpus: the CPUs whose views every domain has (in step
 * with the map, the minivisor's fault entry set), where view changes go;
 * written under bh_lock by the CPU's own hotplug callbacks.
 */
static struct cpumask bh_cpus;
static enum cpuhp_state bh_hp_state;
/* debugfs hold_cpu: the CPU kept not ready for domains (-1: none) */
static int bh_hold_cpu = -1;

/*
 * May a domain be entered on cpu: its views built and not held by the
 * test knob.  Read without bh_lock (on the CPU itself by the slow start
 * of a crossing and by the glue, by the watchdog for its buddy).
 */
static bool bh_cpu_ok(int cpu)
{
	return cpu < BH_VMF_MAX_CPUS && cpumask_test_cpu(cpu, &bh_cpus) &&
	       cpu != READ_ONCE(bh_hold_cpu);
}
static u64 bh_ram_end;
u64 bh_vmf_irq_target[256];
static u64 bh_nmis_seen[BH_VMF_MAX_CPUS], bh_nmis_raised[BH_VMF_MAX_CPUS];
/* yields served by bh_domain_call_task, all domains, since load */
static atomic_t bh_task_calls_total;
/*
 * The IDT a domain runs under (vmfunc_gate.h, "Exitless interrupts"),
 * mapped by every domain table where IDTR points (bh_idt_alias_claim)
 */
static gate_desc *bh_idt;
/* CR4.PCIDE: CR3 loads carry a PCID and may skip the flush */
static bool bh_pcide;
static u64 bh_cr3_noflush;	/* BH_CR3_NOFLUSH if bh_pcide, else 0 */
/* SYSCALL's target (MSR_LSTAR), named in a domain's fault report */
static u64 bh_lstar;

/*
 * TSS IST slot BH_VMF_IST of cpu: the IST top of the domain in its EPTP
 * slot, 0 when none (vmfunc_gate.h, "Exitless interrupts").  Only the
 * stubs of the domains' IDT use it; Linux leaves it 0.
 */
static void bh_ist_set(int cpu, u64 top)
{
	per_cpu(cpu_tss_rw, cpu).x86_tss.ist[BH_VMF_IST - 1] = top;
}

static bool bh_ist_ours;

/* is the slot free on every CPU?  Then it is ours until unload */
static int bh_ist_claim(void)
{
	u64 v;
	int cpu;

	for_each_possible_cpu(cpu) {
		v = per_cpu(cpu_tss_rw, cpu).x86_tss.ist[BH_VMF_IST - 1];
		if (v) {
			pr_err(BH_NAME ": cpu %d: TSS IST slot %d holds %#llx (someone else's): not loading\n",
			       cpu, BH_VMF_IST, v);
			return -EBUSY;
		}
	}
	bh_ist_ours = true;
	return 0;
}

static void bh_ist_release(void)
{
	int cpu;

	if (!bh_ist_ours)
		return;
	for_each_possible_cpu(cpu)
		bh_ist_set(cpu, 0);
	bh_ist_ours = false;
}

/* per CPU: the minivisor's fault record and the fault entry's stack */
#define BH_FAULT_STACK_ORDER	1
static struct mv_fault_record *bh_fault_rec[BH_VMF_MAX_CPUS];
static void *bh_fault_stack[BH_VMF_MAX_CPUS];

/* ---- hypercalls on a given CPU ---------------------------------------- */

struct bh_hc {
	u64 nr, a0, a1, a2;
	long ret;
	struct mv_hc_result res;
};

static void bh_hc_here(void *arg)
{
	struct bh_hc *h = arg;

	h->ret = mv_hypercall(h->nr, h->a0, h->a1, h->a2, &h->res);
}

static long bh_hc_on(int cpu, u64 nr, u64 a0, u64 a1, u64 a2,
		     struct mv_hc_result *res)
{
	struct bh_hc h = { .nr = nr, .a0 = a0, .a1 = a1, .a2 = a2 };
	int err;

	err = smp_call_function_single(cpu, bh_hc_here, &h, 1);
	if (err)
		return err;
	if (res)
		*res = h.res;
	return h.ret;
}

/* ---- the ownership map and the views ---------------------------------- */

static void bh_owner_log(void *ctx, const struct bh_owner_event *ev)
{
	char p[4];

	pr_info(BH_NAME ": %s dom %u -> %u pfn %#llx+%llu %s\n",
		bh_owner_op_name(ev->op), ev->from, ev->to, ev->pfn,
		ev->npages, bh_perm_str(ev->perm, p));
}

static int bh_ram_range(struct resource *r, void *arg)
{
	if (r->end + 1 > bh_ram_end)
		bh_ram_end = r->end + 1;
	return 0;
}

/* one SET_PERM on d's view of each CPU in on */
static int bh_view_set_on(struct bh_domain *d, const struct cpumask *on,
			  u64 gpa, u64 len, unsigned int perm)
{
	int cpu;
	long ret;

	if (perm & BH_PERM_W)	/* EPT: write without read is invalid */
		perm |= BH_PERM_R;
	for_each_cpu(cpu, on) {
		ret = bh_hc_on(cpu, MV_HC_VIEW_SET_PERM, d->view[cpu], gpa,
			       len | perm, NULL);
		if (ret) {
			pr_err(BH_NAME ": domain %s cpu %d: set perm %#llx+%#llx %u refused: %ld\n",
			       d->name, cpu, gpa, len, perm, ret);
			return ret < 0 ? (int)ret : -EIO;
		}
	}
	return 0;
}

/* make d's views on the CPUs in on match the map over [pfn, pfn + n) */
static int bh_view_sync_on(struct bh_domain *d, const struct cpumask *on,
			   u64 pfn, u64 n)
{
	struct bh_ept_change *c;
	long i, cnt;
	int ret = 0;

	cnt = bh_owner_plan(&bh_map, d->id, pfn, n, NULL, 0);
	if (cnt <= 0)
		return cnt ? (int)cnt : 0;
	c = kmalloc_array(cnt, sizeof(*c), GFP_KERNEL);
	if (!c)
		return -ENOMEM;
	bh_owner_plan(&bh_map, d->id, pfn, n, c, cnt);
	for (i = 0; i < cnt && !ret; i++)
		ret = bh_view_set_on(d, on, c[i].gpa, c[i].len, c[i].perm);
	kfree(c);
	return ret;
}

static int bh_view_sync(struct bh_domain *d, u64 pfn, u64 n)
{
	return bh_view_sync_on(d, &bh_cpus, pfn, n);
}

/* what a view of d on the CPUs in on shows: the map, nothing above RAM */
static int bh_view_build_on(struct bh_domain *d, const struct cpumask *on)
{
	int ret = bh_view_sync_on(d, on, 0, bh_map.npages);

	if (ret)
		return ret;
	if (bh_ram_end < BH_ABOVE_RAM_END &&
	    bh_view_set_on(d, on, bh_ram_end, BH_ABOVE_RAM_END - bh_ram_end,
			   0))
		pr_warn(BH_NAME ": domain %s: MMIO above RAM (%#llx..4G) stays mapped\n",
			d->name, bh_ram_end);
	return 0;
}

/* every live domain's views over [pfn, pfn + n) */
static int bh_sync_all(u64 pfn, u64 n)
{
	unsigned int i;
	int ret;

	for (i = 1; i < BH_MAX_DOMAINS; i++) {
		if (!bh_doms[i])
			continue;
		ret = bh_view_sync(bh_doms[i], pfn, n);
		if (ret)
			return ret;
	}
	return 0;
}

/* ---- a domain's page table (dom_pt.h) ----------------------------------- */

/* a table page from d's blocks; each new block is granted to d read-only */
static u64 *bh_pt_alloc(void *ctx, u64 *pa)
{
	struct bh_domain *d = ctx;
	u8 *page;
	void *b;
	int ret;

	if (!d->pt_blocks || d->pt_used == 1U << BH_PT_BLOCK_ORDER) {
		if (d->pt_blocks == BH_PT_MAX_BLOCKS) {
			d->pt_err = -ENOSPC;
			return NULL;
		}
		b = (void *)__get_free_pages(GFP_KERNEL | __GFP_ZERO,
					     BH_PT_BLOCK_ORDER);
		if (!b) {
			d->pt_err = -ENOMEM;
			return NULL;
		}
		/* freed by bh_domain_free, after the grant is gone */
		d->pt_block[d->pt_blocks++] = b;
		d->pt_used = 0;
		ret = bh_owner_grant(&bh_map, BH_DOM_KERNEL, d->id,
				     PHYS_PFN(__pa(b)), 1 << BH_PT_BLOCK_ORDER,
				     BH_PERM_R);
		if (!ret)
			ret = bh_view_sync(d, PHYS_PFN(__pa(b)),
					   1 << BH_PT_BLOCK_ORDER);
		if (ret) {
			d->pt_used = 1U << BH_PT_BLOCK_ORDER;
			d->pt_err = ret;
			return NULL;
		}
	}
	page = (u8 *)d->pt_block[d->pt_blocks - 1] +
	       ((unsigned long)d->pt_used++ << PAGE_SHIFT);
	*pa = __pa(page);
	return (u64 *)page;
}

static u64 *bh_pt_va(void *ctx, u64 pa)
{
	return __va(pa);
}

/* the direct map of RAM: in every domain's table already */
static bool bh_in_direct_map(unsigned long va)
{
	return va >= PAGE_OFFSET &&
	       va - PAGE_OFFSET < round_up(bh_ram_end, SZ_2M);
}

/*
 * The frame behind a kernel address (direct map, image, vmalloc, module,
 * entry area), 0 for none: the direct map by arithmetic (the glue's hot
 * path), the rest from the kernel's page table.
 */
static u64 bh_kva_to_pfn(const void *va)
{
	unsigned long p = (unsigned long)va;
	unsigned int level;
	pte_t *pte;

	if (bh_in_direct_map(p))
		return PHYS_PFN(p - PAGE_OFFSET);
	if (p < TASK_SIZE_MAX)
		return 0;
	pte = lookup_address(p, &level);
	if (!pte || !pte_present(*pte))
		return 0;
	return pte_pfn(*pte) + ((p & ~page_level_mask(level)) >> PAGE_SHIFT);
}

/* CR3 for d on cpu: its root there, d's PCID, without the no-flush bit */
static u64 bh_dom_cr3(const struct bh_domain *d, int cpu)
{
	return __pa(d->root[cpu]) | (bh_pcide ? BH_DOM_PCID : 0);
}

/* every CPU's root of d gets a new top-level entry of d->pt too */
static void bh_pt_roots_sync(struct bh_domain *d)
{
	int cpu;

	for (cpu = 0; cpu < BH_VMF_MAX_CPUS; cpu++)
		if (d->root[cpu])
			bh_pt_root_sync(&d->pt, d->root[cpu]);
}

/*
 * Translate [va, va + len) in d's table as the kernel does (its present
 * 4 KiB pages; the direct map is there already), in every CPU's root too.
 */
static int bh_pt_mirror(struct bh_domain *d, unsigned long va, size_t len)
{
	unsigned long end = PAGE_ALIGN(va + len);
	u64 pa;
	int ret;

	for (va &= PAGE_MASK; va < end; va += PAGE_SIZE) {
		if (bh_in_direct_map(va))
			continue;
		pa = bh_kva_to_pfn((void *)va) << PAGE_SHIFT;
		if (!pa)
			continue;	/* not mapped by the kernel either */
		ret = bh_pt_map(&d->pt, va, pa, PAGE_SIZE, BH_PT_4K);
		if (ret) {
			pr_err(BH_NAME ": domain %s cpu %d: cannot map %#lx (pa %#llx) in its page table: %d\n",
			       d->name, raw_smp_processor_id(), va, pa,
			       d->pt_err ? d->pt_err : ret);
			return d->pt_err ? d->pt_err : ret;
		}
	}
	bh_pt_roots_sync(d);
	return 0;
}

/*
 * d's page table: all RAM at its direct-map address and the kernel image
 * (2 MiB pages: an access there is an EPT violation naming the page, not
 * a #PF), each CPU's entry area (GDT, TSS, IST stacks: what delivering an
 * event reads), the gate pages, the domains' IDT where IDTR points; then
 * a root per CPU with that CPU's id page at BH_VMF_ID_VA.  The domain's
 * own module pages come with bh_domain_map.
 */
static int bh_pt_build(struct bh_domain *d)
{
	const struct bh_pt_ops ops = {
		.alloc = bh_pt_alloc, .va = bh_pt_va, .ctx = d,
	};
	int cpu, ret;

	if (phys_base & (SZ_2M - 1)) {
		pr_err(BH_NAME ": domain %s cpu %d: the kernel image at pa %#lx is not 2 MiB aligned: no page table\n",
		       d->name, raw_smp_processor_id(), phys_base);
		return -EOPNOTSUPP;
	}
	ret = bh_pt_init(&d->pt, &ops, pgtable_l5_enabled() ? 5 : 4);
	if (!ret)
		ret = bh_pt_map(&d->pt, PAGE_OFFSET, 0,
				round_up(bh_ram_end, SZ_2M), BH_PT_2M);
	if (!ret)
		ret = bh_pt_map(&d->pt, __START_KERNEL_map, phys_base,
				KERNEL_IMAGE_SIZE, BH_PT_2M);
	if (ret) {
		pr_err(BH_NAME ": domain %s cpu %d: no page table: %d\n",
		       d->name, raw_smp_processor_id(),
		       d->pt_err ? d->pt_err : ret);
		return d->pt_err ? d->pt_err : ret;
	}
	for_each_possible_cpu(cpu) {
		ret = bh_pt_mirror(d, (unsigned long)get_cpu_entry_area(cpu),
				   offsetof(struct cpu_entry_area,
					    cpu_debug_store));
		if (ret)
			return ret;
	}
	ret = bh_pt_mirror(d, (unsigned long)bh_vmf_gate_start,
			   bh_vmf_gate_end - bh_vmf_gate_start);
	if (!ret)
		ret = bh_pt_mirror(d, (unsigned long)bh_vmf_kgate_start,
				   bh_vmf_kgate_end - bh_vmf_kgate_start);
	/* where IDTR points, the domains' IDT (vmfunc_gate.h, "Page tables") */
	if (!ret)
		ret = bh_pt_map(&d->pt, CPU_ENTRY_AREA_RO_IDT, __pa(bh_idt),
				PAGE_SIZE, BH_PT_4K);
	if (ret)
		return ret;
	/*
	 * a root per CPU that may come online (one page each): the shared
	 * table, and this CPU's state pointer at BH_VMF_ID_VA
	 */
	for (cpu = 0; cpu < nr_cpu_ids; cpu++) {
		u64 pa, *root = bh_pt_alloc(d, &pa);

		if (!root)
			return d->pt_err;
		ret = bh_pt_root_with_id(&d->pt, root,
					 __pa(bh_id_table[cpu]));
		if (ret) {
			pr_err(BH_NAME ": domain %s cpu %d: its table maps a lower-half address: %d\n",
			       d->name, raw_smp_processor_id(), ret);
			return ret;
		}
		d->root[cpu] = root;
	}
	return 0;
}

/*
 * May d access every page of [va, va + len) with perm: its own pages, or
 * pages granted to it (never the kernel's default)?  For the glue, which
 * checks every address a domain names before the kernel touches it.  Any
 * context, no lock: a live domain's pages change owner only under bh_lock
 * (from its own task calls, or before and after its I/O), never while the
 * glue has one of its requests or calls in flight; grants are scanned only
 * for pages it does not own.
 */
bool bh_domain_owns(struct bh_domain *d, const void *va, size_t len,
		    unsigned int perm)
{
	unsigned long p = (unsigned long)va, end = p + len;
	u64 pfn;

	if (!d || !len || end < p || !perm)
		return false;
	for (p &= PAGE_MASK; p < end; p += PAGE_SIZE) {
		pfn = bh_kva_to_pfn((void *)p);
		if (!pfn || pfn >= bh_map.npages)
			return false;
		if (READ_ONCE(bh_pages[pfn].owner) == d->id &&
		    !(perm & ~READ_ONCE(bh_pages[pfn].perm)))
			continue;
		if (perm & ~bh_owner_perm_own(&bh_map, d->id, pfn))
			return false;
	}
	return true;
}
EXPORT_SYMBOL_GPL(bh_domain_owns);

/* ---- read-only views: debugfs "domains", the crossing sampler ---------- */

/* pages d owns, pages granted to d */
static void bh_domain_pages(const struct bh_domain *d, u64 *own, u64 *granted)
{
	u64 pfn;
	unsigned int i;

	*own = 0;
	*granted = 0;
	for (pfn = 0; pfn < bh_map.npages; pfn++)
		*own += bh_pages[pfn].owner == d->id;
	for (i = 0; i < BH_MAX_GRANTS; i++)
		if (bh_grants[i].npages && bh_grants[i].to == d->id)
			*granted += bh_grants[i].npages;
}

static u64 bh_domain_owned(const struct bh_domain *d)
{
	u64 own, granted;

	bh_domain_pages(d, &own, &granted);
	return own;
}

/*
 * /sys/kernel/debug/bhdomains/domains, one line per domain:
 * "NAME id=N mode=EPT pages=N granted=N state=live|dead crossings=N
 * task_calls=N" (task_calls: sleepable calls served to its yields)
 */
static int bh_domains_show(struct seq_file *m, void *unused)
{
	u64 own, granted, crossings;
	unsigned int i;
	int cpu;

	mutex_lock(&bh_lock);
	for (i = 1; i < BH_MAX_DOMAINS; i++) {
		struct bh_domain *d = bh_doms[i];

		if (!d)
			continue;
		crossings = 0;
		for (cpu = 0; cpu < BH_VMF_MAX_CPUS; cpu++)
			crossings += READ_ONCE(d->crossings[cpu]);
		bh_domain_pages(d, &own, &granted);
		seq_printf(m, "%s id=%u mode=EPT pages=%llu granted=%llu state=%s crossings=%llu task_calls=%llu\n",
			   d->name, d->id, own, granted,
			   READ_ONCE(d->dead) ? "dead" : "live", crossings,
			   READ_ONCE(d->task_calls));
	}
	mutex_unlock(&bh_lock);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(bh_domains);

/*
 * /sys/kernel/debug/bhdomains/cpus, one line per CPU: gate round trips,
 * interrupts taken inside a domain (exitless), GS bases put back
 */
static int bh_cpus_show(struct seq_file *m, void *unused)
{
	int cpu;

	for_each_online_cpu(cpu) {
		const struct bh_vmf_cpu *st;

		if (cpu >= BH_VMF_MAX_CPUS || !bh_states)
			break;
		st = &bh_states[cpu];
		seq_printf(m, "cpu%d entries=%llu irqs_in_domain=%llu bad_seg=%llu nmis_raised=%llu nmis_in_cr3_window=%llu\n",
			   cpu, READ_ONCE(st->entries), READ_ONCE(st->irqs),
			   READ_ONCE(st->bad_seg), READ_ONCE(bh_nmis_raised[cpu]),
			   READ_ONCE(st->nmis));
	}
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(bh_cpus);

/* for domains/trace.c: bulkhead_crossing for every (domain, CPU) that moved */
void bh_domain_trace_crossings(bool emit)
{
	unsigned int i;
	int cpu;
	u64 now;

	mutex_lock(&bh_lock);
	for (i = 1; i < BH_MAX_DOMAINS; i++) {
		struct bh_domain *d = bh_doms[i];

		for_each_online_cpu(cpu) {
			if (!d || cpu >= BH_VMF_MAX_CPUS)
				break;
			now = READ_ONCE(d->crossings[cpu]);
			if (emit && now != d->crossings_seen[cpu])
				trace_bulkhead_crossing(d->name, d->id, cpu,
							now - d->crossings_seen[cpu]);
			d->crossings_seen[cpu] = now;
		}
	}
	mutex_unlock(&bh_lock);
}

/* ---- domains ------------------------------------------------------------ */

static void bh_domain_free(struct bh_domain *d)
{
	unsigned int i;
	int cpu;

	for_each_possible_cpu(cpu) {
		if (cpu >= BH_VMF_MAX_CPUS)
			break;
		if (bh_loaded[cpu] == d) {
			bh_hc_on(cpu, MV_HC_VIEW_LOAD_SLOT, MV_VIEW_NONE,
				 BH_VMF_SLOT, 0, NULL);
			bh_loaded[cpu] = NULL;
			/* nothing points at its stack once it is freed */
			bh_ist_set(cpu, 0);
			bh_states[cpu].ist_frame = 0;
		}
		if (d->view[cpu] != MV_VIEW_NONE)
			bh_hc_on(cpu, MV_HC_VIEW_DESTROY, d->view[cpu], 0, 0,
				 NULL);
	}
	if (bh_doms[d->id] == d) {
		bh_owner_drop_domain(&bh_map, d->id);
		bh_doms[d->id] = NULL;
	}
	for_each_possible_cpu(cpu)
		if (cpu < BH_VMF_MAX_CPUS && d->stack[cpu])
			free_pages((unsigned long)d->stack[cpu], BH_STACK_ORDER);
	/* no CPU runs on the table: CR3 is the kernel's outside a call */
	for (i = 0; i < d->pt_blocks; i++)
		free_pages((unsigned long)d->pt_block[i], BH_PT_BLOCK_ORDER);
	if (d->task_stack)
		free_pages((unsigned long)d->task_stack, BH_STACK_ORDER);
	kfree(d);
}

/*
 * d's view on cpu (still a copy of the kernel's: bh_view_build_on makes
 * it d's) and, the first time, d's stack for cpu.  *fresh: a new stack,
 * which the other domains' views must lose (bh_sync_all).
 */
static int bh_domain_cpu_add(struct bh_domain *d, int cpu, bool *fresh)
{
	struct mv_hc_result res;
	long ret;

	*fresh = false;
	ret = bh_hc_on(cpu, MV_HC_VIEW_CREATE, 0, 0, 0, &res);
	if (ret) {
		pr_err(BH_NAME ": domain %s cpu %d: no EPT view: %ld\n",
		       d->name, cpu, ret);
		return ret < 0 ? (int)ret : -EIO;
	}
	d->view[cpu] = res.a0;
	if (d->stack[cpu])
		return 0;
	d->stack[cpu] = (void *)__get_free_pages(GFP_KERNEL | __GFP_ZERO,
						 BH_STACK_ORDER);
	if (!d->stack[cpu])
		return -ENOMEM;
	*fresh = true;
	return bh_owner_assign(&bh_map, PHYS_PFN(__pa(d->stack[cpu])),
			       1 << BH_STACK_ORDER, d->id,
			       BH_PERM_R | BH_PERM_W);
}

static int bh_domain_setup(struct bh_domain *d)
{
	const char *g;
	bool fresh;
	long ret;
	int cpu;

	for_each_cpu(cpu, &bh_cpus) {
		ret = bh_domain_cpu_add(d, cpu, &fresh);
		if (ret)
			return ret;
	}
	d->task_stack = (void *)__get_free_pages(GFP_KERNEL | __GFP_ZERO,
						 BH_STACK_ORDER);
	if (!d->task_stack)
		return -ENOMEM;
	ret = bh_owner_assign(&bh_map, PHYS_PFN(__pa(d->task_stack)),
			      1 << BH_STACK_ORDER, d->id, BH_PERM_R | BH_PERM_W);
	if (ret)
		return ret;
	for (g = bh_vmf_gate_start; g < bh_vmf_gate_end; g += PAGE_SIZE) {
		ret = bh_owner_grant(&bh_map, BH_DOM_KERNEL, d->id,
				     bh_kva_to_pfn(g), 1, BH_PERM_R | BH_PERM_X);
		if (ret)
			return ret;
	}
	/*
	 * what delivering an interrupt reads: the IDT, each CPU's GDT and
	 * the first page of its TSS (the IST pointers)
	 */
	ret = bh_owner_grant(&bh_map, BH_DOM_KERNEL, d->id,
			     PHYS_PFN(__pa(bh_idt)), 1, BH_PERM_R);
	for_each_possible_cpu(cpu) {
		struct cpu_entry_area *cea = get_cpu_entry_area(cpu);
		u64 gdt = bh_kva_to_pfn(cea->gdt);
		u64 tss = bh_kva_to_pfn(&cea->tss.x86_tss);

		if (!ret && (!gdt || !tss))
			ret = -ENOENT;
		if (!ret)
			ret = bh_owner_grant(&bh_map, BH_DOM_KERNEL, d->id,
					     gdt, 1, BH_PERM_R);
		if (!ret)
			ret = bh_owner_grant(&bh_map, BH_DOM_KERNEL, d->id,
					     tss, 1, BH_PERM_R);
	}
	if (ret)
		return ret;
	ret = bh_pt_build(d);
	if (ret)
		return ret;
	ret = bh_view_build_on(d, &bh_cpus);
	if (ret)
		return ret;
	/* the other domains must not see the new stacks */
	for_each_cpu(cpu, &bh_cpus) {
		ret = bh_sync_all(PHYS_PFN(__pa(d->stack[cpu])),
				  1 << BH_STACK_ORDER);
		if (ret)
			return ret;
	}
	return bh_sync_all(PHYS_PFN(__pa(d->task_stack)), 1 << BH_STACK_ORDER);
}

struct bh_domain *bh_domain_create(const char *name)
{
	struct bh_domain *d;
	unsigned int id;
	int cpu, ret;

	d = kzalloc(sizeof(*d), GFP_KERNEL);
	if (!d)
		return ERR_PTR(-ENOMEM);
	strscpy(d->name, name, sizeof(d->name));
	mutex_init(&d->task_lock);
	for (cpu = 0; cpu < BH_VMF_MAX_CPUS; cpu++)
		d->view[cpu] = MV_VIEW_NONE;
	mutex_lock(&bh_lock);
	for (id = 1; id < BH_MAX_DOMAINS && bh_doms[id]; id++)
		;
	if (id == BH_MAX_DOMAINS) {
		ret = -ENOSPC;
		goto out;
	}
	d->id = id;
	bh_doms[id] = d;
	ret = bh_domain_setup(d);
out:
	if (ret) {
		pr_err(BH_NAME ": domain %s: create failed: %d\n", name, ret);
		if (d->id)
			bh_domain_free(d);
		else
			kfree(d);
		mutex_unlock(&bh_lock);
		return ERR_PTR(ret);
	}
	mutex_unlock(&bh_lock);
	pr_info(BH_NAME ": domain %s: id %u, views on %u CPUs\n", d->name,
		d->id, cpumask_weight(&bh_cpus));
	trace_bulkhead_domain_create(d->name, d->id, raw_smp_processor_id(),
				     cpumask_weight(&bh_cpus));
	bh_trace_created(d->name, d->id);
	return d;
}
EXPORT_SYMBOL_GPL(bh_domain_create);

/* assign a run of contiguous frames to d and update every view once */
static int bh_domain_map_run(struct bh_domain *d, u64 pfn, u64 n,
			     unsigned int perm)
{
	int ret = bh_owner_assign(&bh_map, pfn, n, d->id, perm);

	if (ret) {
		pr_err(BH_NAME ": domain %s cpu %d: refused pfn %#llx+%llu (pa %#llx): %d\n",
		       d->name, raw_smp_processor_id(), pfn, n,
		       pfn << PAGE_SHIFT, ret);
		return ret;
	}
	return bh_sync_all(pfn, n);
}

/* ---- the scan of code for a domain ---------------------------------------- */

/* one dmesg line per hit (at most room), a count of the rest */
static size_t bh_scan_report(const char *name, const u8 *base,
			     const struct bh_scan_hit *hits, size_t n,
			     size_t room)
{
	size_t i;

	for (i = 0; i < n && i < room; i++)
		pr_err(BH_NAME ": refusing driver %s cpu %d: %s at %pS (%#lx) bytes %*ph\n",
		       name, raw_smp_processor_id(),
		       bh_scan_kind_name(hits[i].kind), base + hits[i].off,
		       (unsigned long)base + hits[i].off, hits[i].len,
		       base + hits[i].off);
	if (n > room)
		pr_err(BH_NAME ": refusing driver %s: %zu more hits\n", name,
		       n - room);
	return n;
}

/*
 * Code a domain may execute (bh_domain_map with BH_PERM_X) may hold no
 * domain switch (VMFUNC, WRPKRU, XRSTOR*) and no privileged instruction
 * (MOV to CR/DR, WRMSR, LGDT/LIDT/LLDT/LTR, SWAPGS, WRGSBASE, XSETBV,
 * INVD/WBINVD, VMX) at any byte offset: trampolines/scan.h.  Scanned
 * where it becomes executable in the domain's view, so exactly what the
 * domain can run is checked, whatever the module is called, and nothing
 * else (a kernel module's own code, such as the glue, is not).
 */
static int bh_scan_text(const char *name, const u8 *base, size_t len)
{
	struct bh_scan_hit hits[4];
	size_t n;

	n = bh_scan_report(name, base, hits,
			   bh_scan(base, len, (u64)base, hits,
				   ARRAY_SIZE(hits)), ARRAY_SIZE(hits));
	n += bh_scan_report(name, base, hits,
			    bh_scan_priv(base, len, (u64)base, hits,
					 ARRAY_SIZE(hits)), ARRAY_SIZE(hits));
	return n ? -EPERM : 0;
}

/* bytes of an instruction that may lie before or after a page's edge */
#define BH_SCAN_EDGE	15

/*
 * [va, va + len) about to become d's code.  Code next to it that d
 * already executes is scanned with it across the edge: a driver mapped
 * page by page must not hide an instruction in the two halves.
 */
static int bh_scan_code(struct bh_domain *d, const u8 *va, size_t len)
{
	const u8 *s = va, *e = va + len;
	int ret;

	if (bh_domain_owns(d, va - PAGE_SIZE, PAGE_SIZE, BH_PERM_X))
		s -= BH_SCAN_EDGE;
	if (bh_domain_owns(d, e, PAGE_SIZE, BH_PERM_X))
		e += BH_SCAN_EDGE;
	ret = bh_scan_text(d->name, s, e - s);
	if (!ret)
		pr_info(BH_NAME ": driver %s: %zu bytes of code at %pS scanned, clean\n",
			d->name, len, va);
	return ret;
}

int bh_domain_map(struct bh_domain *d, const void *va, size_t len,
		  unsigned int perm)
{
	const char *p = va, *end = (const char *)va + len;
	u64 start = 0, n = 0;
	int ret = 0;

	if (!d || !PAGE_ALIGNED(va) || !PAGE_ALIGNED(len) || !len ||
	    (perm & ~(BH_PERM_R | BH_PERM_W | BH_PERM_X | BH_MAP_UNSCANNED)))
		return -EINVAL;
	for (; p < end; p += PAGE_SIZE)
		if (!bh_kva_to_pfn(p))
			return -EINVAL;	/* not kernel memory */
	/* what the domain may execute holds no switch, no privileged insn */
	if ((perm & BH_PERM_X) && !(perm & BH_MAP_UNSCANNED))
		ret = bh_scan_code(d, va, len);
	perm &= ~BH_MAP_UNSCANNED;
	if (ret) {
		trace_bulkhead_domain_grant(d->name, d->id,
					    raw_smp_processor_id(), va, len,
					    perm, ret);
		return ret;
	}
	p = va;
	mutex_lock(&bh_lock);
	for (; p < end && !ret; p += PAGE_SIZE) {
		u64 pfn = bh_kva_to_pfn(p);

		if (!pfn) {
			ret = -EINVAL;	/* not kernel memory */
			break;
		}

		if (n && pfn == start + n) {
			n++;
			continue;
		}
		if (n)
			ret = bh_domain_map_run(d, start, n, perm);
		start = pfn;
		n = 1;
	}
	if (!ret && n)
		ret = bh_domain_map_run(d, start, n, perm);
	/* and at the same address in its page table */
	if (!ret)
		ret = bh_pt_mirror(d, (unsigned long)va, len);
	mutex_unlock(&bh_lock);
	trace_bulkhead_domain_grant(d->name, d->id, raw_smp_processor_id(), va, len, perm, ret);
	return ret;
}
EXPORT_SYMBOL_GPL(bh_domain_map);

/*
 * NMIs that arrived while the domain ran were held by the minivisor
 * (hypercall.h): raise one again on this CPU, now in the kernel view, so
 * the kernel's handlers see it (NMIs do not queue beyond one anyway).
 */
static void bh_raise_deferred_nmis(int cpu, const struct bh_vmf_cpu *st)
{
	u64 n = READ_ONCE(bh_fault_rec[cpu]->nmis_deferred) + READ_ONCE(st->nmis);

	if (likely(n == bh_nmis_seen[cpu]))
		return;
	bh_nmis_seen[cpu] = n;
	bh_nmis_raised[cpu]++;
	apic->send_IPI_mask(cpumask_of(cpu), NMI_VECTOR);
}

/* what a bh_vmf_yield left on this CPU (trampolines/vmfunc_gate.h) */
struct bh_yield {
	bool yielded;
	bool not_ready;		/* refused: this CPU comes or goes */
	u64 rsp, idx, arg[3];
};

/* the domain code that called bh_vmf_yield (0 if its stack is unreadable) */
static u64 bh_yield_site(u64 rsp)
{
	u64 rip = 0;

	/* above the saved rflags and 6 GPRs (vmfunc_gate.S) */
	if (copy_from_kernel_nofault(&rip, (void *)(rsp + 7 * 8),
				     sizeof(rip)))
		return 0;
	return rip;
}

/*
 * d's stack for this CPU: on top its IST area (BH_VMF_IST_ROOM bytes,
 * where the CPU delivers the interrupts that land in d: vmfunc_gate.h),
 * below it what a depth-0 entry runs on.  Both d's own memory.
 */
static __always_inline u64 bh_ist_top(struct bh_domain *d, int cpu)
{
	return (u64)d->stack[cpu] + (PAGE_SIZE << BH_STACK_ORDER);
}

static __always_inline u64 bh_stack_top(struct bh_domain *d, int cpu)
{
	return bh_ist_top(d, cpu) - BH_VMF_IST_ROOM;
}

/*
 * The slow start of a crossing (bh_domain_enter): a nested entry, a task
 * entry, or the first entry since another domain's view was in the slot
 * of this CPU.  IF = 0.  Sets st->domain_rsp and, when the view is loaded
 * here, st->domain_cr3 without the no-flush bit (the first entry flushes
 * what the domain's PCID held: vmfunc_gate.h) and st->kernel_gs.  0 or
 * -EBUSY / -EIO.
 */
static noinline long bh_enter_prepare(struct bh_domain *d,
				      struct bh_vmf_cpu *st, int cpu,
				      u64 task_rsp)
{
	long ret;

	if (READ_ONCE(d->dead))
		return -EIO;
	if (st->depth) {
		/*
		 * Nested: from a call-out or an interrupt taken inside the
		 * domain live on this CPU.  Its stack is in use: the entry
		 * runs below it (st->domain_rsp, set by the gate).  Another
		 * domain would need the EPTP slot of the live one; a task
		 * call may sleep, which no nested context may.
		 */
		if (bh_loaded[cpu] != d || task_rsp) {
			pr_err_ratelimited(BH_NAME ": domain %s cpu %d: %s while domain %s is live on this CPU: refused (-EBUSY)\n",
					   d->name, cpu,
					   task_rsp ? "task call" : "called",
					   bh_loaded[cpu] ? bh_loaded[cpu]->name : "?");
			return -EBUSY;
		}
		/* the gate's kernel_rsp[] has a slot per level: not checked there */
		if (st->depth >= BH_VMF_MAX_DEPTH) {
			pr_err_ratelimited(BH_NAME ": domain %s cpu %d: an entry nested %d deep: refused (-EBUSY)\n",
					   d->name, cpu, BH_VMF_MAX_DEPTH + 1);
			return -EBUSY;
		}
		return 0;
	}
	if (unlikely(!bh_cpu_ok(cpu))) {
		/* a task call waits for another CPU (-EAGAIN) */
		if (!task_rsp)
			pr_err_ratelimited(BH_NAME ": domain %s cpu %d: the CPU is coming online or going offline: call refused (-EIO)\n",
					   d->name, cpu);
		return -EAGAIN;
	}
	if (bh_loaded[cpu] != d) {
		ret = mv_hypercall(MV_HC_VIEW_LOAD_SLOT, d->view[cpu],
				   BH_VMF_SLOT, 0, NULL);
		if (ret) {
			pr_err(BH_NAME ": domain %s cpu %d: cannot load view: %ld\n",
			       d->name, cpu, ret);
			return -EIO;
		}
		bh_loaded[cpu] = d;
		st->domain_cr3 = bh_dom_cr3(d, cpu);
		/* its interrupts are delivered on its IST area for this CPU */
		bh_ist_set(cpu, bh_ist_top(d, cpu));
		st->ist_frame = bh_ist_top(d, cpu) -
				BH_VMF_IST_FRAME_WORDS * sizeof(u64);
		/*
		 * what the gate checks GS base against on the way back: this
		 * CPU's per-CPU base, fixed since boot
		 */
		st->kernel_gs = rdgsbase();
	}
	st->domain_rsp = task_rsp ? task_rsp : bh_stack_top(d, cpu);
	/* depth 0: the task's FS base the gate checks on the way back */
	st->user_fs = rdfsbase();
	return 0;
}

/*
 * The slow end of a crossing (bh_domain_enter), IF = 0: the entry
 * yielded, the domain died or changed GS base inside, or an NMI is owed
 * to the kernel.  Returns what the crossing returns; fills *y (may be
 * NULL for an atomic call).
 */
static noinline long bh_enter_finish(struct bh_domain *d,
				     struct bh_vmf_cpu *st, int cpu,
				     const void *fn, long ret, u64 task_rsp,
				     struct bh_yield *y)
{
	bool yielded = false;
	u64 yrsp = 0, yidx = 0;
	/* what the gate put back; cleared even if d is dead already */
	u64 bad = st->bad_seg;

	if (unlikely(st->yielded)) {
		yielded = true;
		yrsp = st->yield_rsp;
		yidx = st->yield_idx;
		if (y)
			memcpy(y->arg, st->yield_arg, sizeof(y->arg));
		st->yielded = 0;
		st->yield_rsp = 0;
		st->yield_idx = 0;
		memset(st->yield_arg, 0, sizeof(st->yield_arg));
	}
	st->bad_seg = 0;
	if (unlikely(READ_ONCE(d->dead))) {
		ret = -EIO;		/* it faulted (or was killed) inside */
		yielded = false;
	} else if (unlikely(bad)) {
		if ((u32)bad)
			bh_domain_kill(d, cpu, (unsigned long)fn,
				       "changed the kernel's GS base (SWAPGS, WRGSBASE or WRMSR), put back by the gate");
		else
			bh_domain_kill(d, cpu, (unsigned long)fn,
				       "changed the FS base of the task it ran for (a segment load), put back by the gate");
		ret = -EIO;
		yielded = false;
	} else if (unlikely(yielded && !task_rsp)) {
		pr_err(BH_NAME ": domain %s cpu %d: bh_vmf_yield (call %llu) at %pS inside an atomic call of %pS\n",
		       d->name, cpu, yidx, (void *)bh_yield_site(yrsp), fn);
		bh_domain_kill(d, cpu, bh_yield_site(yrsp),
			       "bh_vmf_yield from an atomic call (a sleepable call outside bh_domain_call_task)");
		/* the entries this one is nested in unwind as after a fault */
		if (st->depth)
			st->killed = 1;
		ret = -EIO;
		yielded = false;
	}
	bh_raise_deferred_nmis(cpu, st);
	if (y) {
		y->yielded = yielded;
		y->rsp = yrsp;
		y->idx = yidx;
	}
	return ret;
}

/*
 * One crossing into d on this CPU: the body of bh_domain_call() and of
 * each step of bh_domain_call_task().  task_rsp: 0 for an atomic call (a
 * depth-0 entry runs on d's stack for this CPU, a nested one below the
 * live domain's RSP), else the domain RSP a task entry runs on (depth 0
 * only): the top of d's task stack, or below the frames of a yielded
 * task (its saved RSP), which an entry's call and the interrupts taken
 * before bh_vmf_resume moves there must not overwrite.  *y = what a
 * bh_vmf_yield left; y->yielded is false when fn returned, d is dead,
 * or the call was atomic (a yield there kills d).  y is NULL for an
 * atomic call (bh_domain_call: inlined, the task branches fold away).
 * The common case (an atomic depth-0 call of the domain whose view is in
 * the slot, nothing happening inside) stays here, with no call before the
 * gate's; the rest starts over in bh_domain_enter_slow (slow = true:
 * bh_enter_prepare) and ends in bh_enter_finish.
 */
static noinline long bh_domain_enter_slow(struct bh_domain *d,
					  const void *fn, unsigned long a0,
					  unsigned long a1, unsigned long a2,
					  u64 task_rsp, struct bh_yield *y);

static __always_inline long bh_domain_enter(struct bh_domain *d,
					    const void *fn, unsigned long a0,
					    unsigned long a1, unsigned long a2,
					    u64 task_rsp, struct bh_yield *y,
					    bool slow)
{
	struct bh_vmf_cpu *st;
	struct mv_fault_record *rec;
	unsigned long flags;
	long ret;
	u64 cr3, fl;
	int cpu;

	/*
	 * IF = 0 (so no preemption either) while the slot and the per-CPU
	 * state are set up: an interrupt handler that calls a domain must
	 * not change them under us.  The domain itself runs with the
	 * caller's IF (st->domain_flags).  cpu < BH_VMF_MAX_CPUS: bhdomains
	 * loads only then.
	 */
	local_irq_save(flags);
	cpu = smp_processor_id();
	st = bh_st[cpu];
	if (slow) {
		ret = bh_enter_prepare(d, st, cpu, task_rsp);
		if (ret) {
			if (y) {
				y->yielded = false;
				y->not_ready = ret == -EAGAIN;
			}
			if (ret == -EAGAIN)
				ret = -EIO;
			goto out;
		}
		if (y)
			y->not_ready = false;
	} else {
		if (unlikely(task_rsp || st->depth || bh_loaded[cpu] != d ||
			     READ_ONCE(d->dead))) {
			local_irq_restore(flags);
			return bh_domain_enter_slow(d, fn, a0, a1, a2,
						    task_rsp, y);
		}
		st->domain_rsp = bh_stack_top(d, cpu);
		st->user_fs = rdfsbase();
	}
	/* where a fault of the domain resumes the kernel: this CR3 */
	cr3 = __read_cr3();
	rec = bh_fault_rec[cpu];
	rec->kernel_cr3 = cr3;
	st->kernel_cr3 = cr3 | bh_cr3_noflush;
	fl = X86_EFLAGS_FIXED | (flags & X86_EFLAGS_IF);
	st->domain_flags = fl;
	ret = bh_vmf_enter(a0, a1, a2, st, (unsigned long)fn, fl);
	d->crossings[cpu]++;
	/*
	 * the next entries need no flush of the domain's PCID (the fast
	 * path runs only after a slow entry has loaded the view and left
	 * this value)
	 */
	if (slow)
		st->domain_cr3 = bh_dom_cr3(d, cpu) | bh_cr3_noflush;
	if (unlikely(st->yielded | st->bad_seg | READ_ONCE(d->dead) |
		     (READ_ONCE(rec->nmis_deferred) + READ_ONCE(st->nmis) !=
		      bh_nmis_seen[cpu])))
		ret = bh_enter_finish(d, st, cpu, fn, ret, task_rsp, y);
	else if (y)
		y->yielded = false;
out:
	local_irq_restore(flags);
	return ret;
}

static noinline long bh_domain_enter_slow(struct bh_domain *d,
					  const void *fn, unsigned long a0,
					  unsigned long a1, unsigned long a2,
					  u64 task_rsp, struct bh_yield *y)
{
	return bh_domain_enter(d, fn, a0, a1, a2, task_rsp, y, true);
}

long bh_domain_call(struct bh_domain *d, const void *fn, unsigned long a0,
		    unsigned long a1, unsigned long a2)
{
	return bh_domain_enter(d, fn, a0, a1, a2, 0, NULL, false);
}
EXPORT_SYMBOL_GPL(bh_domain_call);

bool bh_domain_cpu_ready(void)
{
	int cpu = smp_processor_id();

	return bh_cpu_ok(cpu);
}
EXPORT_SYMBOL_GPL(bh_domain_cpu_ready);
/* the call-out gate (vmfunc_gate.S), used by the isolated glue: exported
 * here so that modversions sees its prototype
 */
EXPORT_SYMBOL_GPL(bh_vmf_out);

/* ---- sleepable calls of a domain: bh_vmf_yield (vmfunc_gate.h) ---------- */

int bh_domain_set_calls(struct bh_domain *d, const bh_task_call_fn *calls,
			unsigned int n)
{
	if (!d || (n && !calls) || n > BH_MAX_TASK_CALLS)
		return -EINVAL;
	mutex_lock(&d->task_lock);
	d->calls = calls;
	d->ncalls = n;
	mutex_unlock(&d->task_lock);
	return 0;
}
EXPORT_SYMBOL_GPL(bh_domain_set_calls);

long bh_domain_call_task(struct bh_domain *d, const void *fn,
			 unsigned long a0, unsigned long a1, unsigned long a2)
{
	struct bh_yield y;
	bh_task_call_fn call;
	char why[80];
	u64 top, rsp;
	long ret;

	might_sleep();
	if (!d || !fn)
		return -EINVAL;
	top = (u64)d->task_stack + (PAGE_SIZE << BH_STACK_ORDER);
	rsp = top;
	mutex_lock(&d->task_lock);
	for (;;) {
		ret = bh_domain_enter_slow(d, fn, a0, a1, a2, rsp, &y);
		if (unlikely(y.not_ready)) {
			/*
			 * this CPU comes online or goes offline: the same entry
			 * again where the task runs next (the scheduler moves
			 * it off a CPU that goes)
			 */
			usleep_range(1000, 2000);
			continue;
		}
		if (!y.yielded)
			break;
		/* process context again: preemption and interrupts on */
		why[0] = '\0';
		if (y.rsp < (u64)d->task_stack + BH_TASK_STACK_ROOM ||
		    y.rsp >= top)
			snprintf(why, sizeof(why), "yield with RSP %#llx outside its task stack",
				 y.rsp);
		else if (y.idx >= d->ncalls)
			snprintf(why, sizeof(why), "yield to unknown call %llu",
				 y.idx);
		if (why[0]) {
			bh_domain_kill(d, raw_smp_processor_id(),
				       bh_yield_site(y.rsp), why);
			ret = -EIO;
			break;
		}
		call = d->calls[array_index_nospec(y.idx, d->ncalls)];
		WRITE_ONCE(d->task_calls, d->task_calls + 1);
		atomic_inc(&bh_task_calls_total);
		ret = call(d, y.arg[0], y.arg[1], y.arg[2]);
		/*
		 * back into the domain: bh_vmf_yield returns ret there.  The
		 * entry runs below the yielded frames (the call into
		 * bh_vmf_resume, and an interrupt taken before it moves to
		 * them, push there); RSP is the domain's, used only in its
		 * view, like everything of the domain's
		 */
		fn = bh_vmf_resume;
		a0 = ret;
		a1 = y.rsp;
		a2 = 0;
		rsp = y.rsp;
	}
	mutex_unlock(&d->task_lock);
	return ret;
}
EXPORT_SYMBOL_GPL(bh_domain_call_task);
/* called by isolated drivers' code (bh_driver.h): its CRC from here */
EXPORT_SYMBOL_GPL(bh_vmf_yield);
/* for the fault tests (bhtest_dom: a domain's forged jump into a stub) */
EXPORT_SYMBOL_GPL(bh_vmf_irq_stubs);

const char *bh_domain_name(const struct bh_domain *d)
{
	return d->name;
}
EXPORT_SYMBOL_GPL(bh_domain_name);

void bh_domain_kill(struct bh_domain *d, int cpu, u64 addr,
		    const char *reason)
{
	trace_bulkhead_domain_fault(d->name, d->id, cpu, addr, reason);
	trace_bulkhead_domain_kill(d->name, d->id, cpu, READ_ONCE(d->dead));
	pr_err(BH_NAME ": domain %s cpu %d: fault at %#llx: %s: domain dead, its I/O fails with -EIO\n",
	       d->name, cpu, addr, reason);
	WRITE_ONCE(d->dead, true);
}
EXPORT_SYMBOL_GPL(bh_domain_kill);

/* ---- watchdog: a domain entry that does not come back ------------------ */

/*
 * An entry that runs longer than watchdog_ms without ending is stopped
 * like a fault.  With interrupts on, its own CPU sees it: every interrupt
 * in a domain passes bh_irq_check, which notes when it first found the
 * entry running (no entry ended on the CPU since: st->entries).  With
 * interrupts off nothing runs on that CPU; the timer of the next online
 * CPU sees that its gate state has not moved (depth > 0, the same entries
 * and interrupts) and sends it an NMI that the minivisor turns into a
 * fault of the domain (minivisor/hypercall.h, "Watchdog").  A CPU that
 * is the only one online has no such watcher: the minivisor's
 * VMX-preemption timer checks it every watchdog_ms / 2 instead (a VM
 * exit each time, which is why it is armed only then).  0 = off.
 */
static unsigned int bh_watchdog_ms = 2000;
static void bh_wd_kick(void);

static int bh_watchdog_set(const char *val, const struct kernel_param *kp)
{
	unsigned int ms;
	int ret = kstrtouint(val, 0, &ms);

	if (ret)
		return ret;
	if (ms && (ms < 10 || ms > 60000))
		return -ERANGE;
	WRITE_ONCE(bh_watchdog_ms, ms);
	bh_wd_kick();
	return 0;
}

static const struct kernel_param_ops bh_watchdog_ops = {
	.set = bh_watchdog_set,
	.get = param_get_uint,
};
module_param_cb(watchdog_ms, &bh_watchdog_ops, &bh_watchdog_ms, 0644);
MODULE_PARM_DESC(watchdog_ms,
		 "stop a domain entry that runs longer (10..60000 ms, 0 = off)");

/* one CPU's gate state as last seen (by itself, or by its watcher) */
struct bh_wd {
	u64 entries, irqs;
	unsigned long since;	/* jiffies when it was first seen so */
	bool seen;
};

static struct bh_wd bh_wd_self[BH_VMF_MAX_CPUS], bh_wd_buddy[BH_VMF_MAX_CPUS];
static struct timer_list bh_wd_timer[BH_VMF_MAX_CPUS];
static bool bh_wd_stopping, bh_wd_running;
/* the VMX-preemption timer's watchdog_ms armed on each CPU (0 = off) */
static unsigned int bh_wd_solo_ms[BH_VMF_MAX_CPUS];
/* watchdog NMIs sent to a CPU and not yet taken; how long it had run */
static atomic_t bh_wd_pending[BH_VMF_MAX_CPUS];
static unsigned int bh_wd_ran_ms[BH_VMF_MAX_CPUS];

/*
 * Has st's entry run longer than the limit since w first saw it with
 * these counts?  *ms: for how long.  irqs is 0 for the CPU's own check.
 */
static bool bh_wd_expired(struct bh_wd *w, const struct bh_vmf_cpu *st,
			  u64 irqs, unsigned int *ms)
{
	unsigned int limit = READ_ONCE(bh_watchdog_ms);
	u64 entries = READ_ONCE(st->entries);

	if (!w->seen || w->entries != entries || w->irqs != irqs) {
		w->entries = entries;
		w->irqs = irqs;
		w->since = jiffies;
		w->seen = true;
		return false;
	}
	*ms = jiffies_to_msecs(jiffies - w->since);
	return limit && *ms > limit;
}

/*
 * On this CPU (its timer, or a call on it): the minivisor's
 * VMX-preemption timer watches this CPU's entries for ms (0 = stop it).
 */
static void bh_wd_solo(int cpu, unsigned int ms)
{
	struct mv_hc_result res;
	long ret;

	if (bh_wd_solo_ms[cpu] == ms)
		return;
	bh_wd_solo_ms[cpu] = ms;
	/* no TSC rate, no period: say so rather than arm nothing */
	ret = ms && !tsc_khz ? -MV_ENOSYS :
	      mv_hypercall(MV_HC_WATCHDOG, ms ? (u64)tsc_khz * ms / 2 : 0,
			   ms ? __pa(&bh_states[cpu].entries) : 0, 0, &res);
	if (ret && ms)
		pr_err(BH_NAME ": cpu %d: the only CPU online, and no VMX-preemption timer for the watchdog (%ld, TSC %u kHz): an entry that loops with interrupts off is not stopped\n",
		       cpu, ret, tsc_khz);
	else if (ms)
		pr_info(BH_NAME ": cpu %d: the only CPU online: entries with interrupts off watched by the VMX-preemption timer (every %llu TSC ticks)\n",
			cpu, res.a0);
	else if (ret)
		pr_err(BH_NAME ": cpu %d: the minivisor did not stop its VMX-preemption timer: %ld\n",
		       cpu, ret);
	else
		pr_info(BH_NAME ": cpu %d: the watchdog's VMX-preemption timer off\n",
			cpu);
}

static void bh_wd_solo_off(void *unused)
{
	bh_wd_solo(smp_processor_id(), 0);
}

/*
 * the CPU that cpu's watchdog timer watches: the next one domains may run
 * on (bh_cpus: a CPU going offline has left it, one coming online joins
 * it when its views are built)
 */
static int bh_wd_next(int cpu)
{
	int next = cpumask_next(cpu, &bh_cpus);

	return next < nr_cpu_ids ? next : cpumask_first(&bh_cpus);
}

/* on this CPU: the timer armed if no other CPU is online to watch it */
static void bh_wd_solo_update(void *unused)
{
	int me = smp_processor_id();

	if (bh_cpu_ok(me) &&
	    !READ_ONCE(bh_wd_stopping))
		bh_wd_solo(me, bh_wd_next(me) == me ?
			   READ_ONCE(bh_watchdog_ms) : 0);
}

/*
 * The next online CPU's entry, checked from here (timer, softirq); when
 * there is none, this CPU's own with interrupts off by the minivisor.
 */
static void bh_wd_tick(struct timer_list *t)
{
	int me = smp_processor_id(), cpu;
	unsigned int ms, limit = READ_ONCE(bh_watchdog_ms);
	struct bh_wd *w;

	cpu = bh_wd_next(me);
	bh_wd_solo_update(NULL);
	if (limit && cpu != me && bh_cpu_ok(cpu)) {
		w = &bh_wd_buddy[cpu];
		if (!READ_ONCE(bh_states[cpu].depth)) {
			w->seen = false;
		} else if (bh_wd_expired(w, &bh_states[cpu],
					 READ_ONCE(bh_states[cpu].irqs), &ms)) {
			/* stuck with interrupts off: an NMI stops it */
			WRITE_ONCE(bh_wd_ran_ms[cpu], ms);
			atomic_inc(&bh_wd_pending[cpu]);
			WRITE_ONCE(bh_fault_rec[cpu]->watchdog, me + 1);
			apic->send_IPI_mask(cpumask_of(cpu), NMI_VECTOR);
			w->seen = false;
		}
	}
	if (!READ_ONCE(bh_wd_stopping))
		mod_timer(t, jiffies + max(msecs_to_jiffies(limit ? limit / 2 :
							       500), 1UL));
}

/*
 * A watchdog NMI that found its CPU in the kernel view (the entry ended
 * meanwhile, or the CPU was in a call-out or the gate): nothing to stop.
 */
static int bh_wd_nmi(unsigned int type, struct pt_regs *regs)
{
	int cpu = smp_processor_id();

	if (cpu >= BH_VMF_MAX_CPUS ||
	    atomic_dec_if_positive(&bh_wd_pending[cpu]) < 0)
		return NMI_DONE;
	if (!atomic_read(&bh_wd_pending[cpu]) && bh_fault_rec[cpu])
		WRITE_ONCE(bh_fault_rec[cpu]->watchdog, 0);
	return NMI_HANDLED;
}

/* (on each CPU: mod_timer of a pinned timer queues it where it runs) */
static void bh_wd_kick_here(void *unused)
{
	int cpu = smp_processor_id();

	if (cpu < BH_VMF_MAX_CPUS && bh_wd_timer[cpu].function)
		mod_timer(&bh_wd_timer[cpu], jiffies);
}

/*
 * A new watchdog_ms: every CPU's timer runs now (the limit and the
 * minivisor's timer apply at once).  The caller holds the module's
 * kernel_param_lock, as bh_wd_start/bh_wd_stop do around bh_wd_running.
 */
static void bh_wd_kick(void)
{
	if (bh_wd_running)
		on_each_cpu(bh_wd_kick_here, NULL, 1);
}

/* cpu's watchdog timer (the hotplug lock held, or cpu's own callback) */
static void bh_wd_timer_on(int cpu)
{
	if (!bh_wd_timer[cpu].function)
		timer_setup(&bh_wd_timer[cpu], bh_wd_tick, TIMER_PINNED);
	bh_wd_timer[cpu].expires = jiffies + HZ / 2;
	add_timer_on(&bh_wd_timer[cpu], cpu);
}

static int bh_wd_start(void)
{
	int cpu, ret;

	ret = register_nmi_handler(NMI_LOCAL, bh_wd_nmi, 0, BH_NAME "_wd");
	if (ret)
		return ret;
	WRITE_ONCE(bh_wd_stopping, false);
	for_each_cpu(cpu, &bh_cpus)
		bh_wd_timer_on(cpu);
	/* now, not at the first tick: no hypercall later in a measurement */
	on_each_cpu_mask(&bh_cpus, bh_wd_solo_update, NULL, 1);
	kernel_param_lock(THIS_MODULE);
	bh_wd_running = true;
	kernel_param_unlock(THIS_MODULE);
	return 0;
}

static void bh_wd_stop(void)
{
	int cpu;

	kernel_param_lock(THIS_MODULE);
	bh_wd_running = false;
	WRITE_ONCE(bh_wd_stopping, true);
	kernel_param_unlock(THIS_MODULE);
	/* every CPU's: a timer of an offline CPU may run on another one */
	for (cpu = 0; cpu < BH_VMF_MAX_CPUS; cpu++)
		if (bh_wd_timer[cpu].function)
			del_timer_sync(&bh_wd_timer[cpu]);
	for_each_cpu(cpu, &bh_cpus)
		if (bh_wd_solo_ms[cpu])
			smp_call_function_single(cpu, bh_wd_solo_off, NULL, 1);
	/* a watchdog NMI in flight is ours to claim until here */
	unregister_nmi_handler(NMI_LOCAL, BH_NAME "_wd");
}

/* ---- domain faults (the minivisor's fault entry) ----------------------- */

/* vmfunc_gate.h: was vector delivered, or did the domain jump to its stub? */
int bh_irq_check(unsigned int vector, const u64 *frame,
		 struct bh_vmf_cpu *st, u64 rsp)
{
	int cpu = smp_processor_id();
	struct bh_domain *d = bh_loaded[cpu];
	char why[128];
	/* the domain's return address in the frame, for the report only */
	u64 rip = frame[4];
	unsigned int ms;

	if (rsp != st->ist_frame) {
		/* its frame is where it jumped from, if that is its memory */
		rip = 0;
		if (d && bh_domain_owns(d, (void *)rsp,
					BH_VMF_IST_FRAME_WORDS * sizeof(u64),
					BH_PERM_R)) {
			vector = ((const u64 *)rsp)[3] & 0xff;
			rip = ((const u64 *)rsp)[4];
		}
		snprintf(why, sizeof(why),
			 "entered the interrupt stub of vector %#x with RSP %#llx, not on its IST area: no delivery",
			 vector, rsp);
	} else if (vector != SPURIOUS_APIC_VECTOR &&
		   !(bh_apic_read(APIC_ISR + (vector / 32) * 0x10) &
		     BIT(vector % 32))) {
		snprintf(why, sizeof(why),
			 "entered the interrupt stub of vector %#x, which the CPU did not deliver",
			 vector);
	} else if (!(st->domain_flags & X86_EFLAGS_IF)) {
		/*
		 * Called with interrupts off (a lock held so, a hardirq
		 * handler): the kernel's handler must not run inside that.
		 * The domain turned them on, or raised a vector in service
		 * (its EOI would end the caller's): end it, raise it again
		 * for when the caller turns interrupts on.
		 */
		snprintf(why, sizeof(why),
			 "took vector %#x though called with interrupts off (it turned them on, or raised the vector itself)",
			 vector);
		if (vector != SPURIOUS_APIC_VECTOR) {
			bh_apic_eoi();
			apic->send_IPI_self(vector);
		}
	} else if (d && bh_wd_expired(&bh_wd_self[cpu], st, 0, &ms)) {
		snprintf(why, sizeof(why),
			 "watchdog: ran %u ms without returning, interrupts on (watchdog_ms=%u)",
			 ms, READ_ONCE(bh_watchdog_ms));
		bh_domain_kill(d, cpu, rip, why);
		/* the handler runs (the interrupt is real); the stub unwinds */
		st->killed = 1;
		return 0;
	} else {
		return 0;
	}
	if (d)
		bh_domain_kill(d, cpu, rip, why);
	/* the entries it is nested in unwind as after a fault */
	st->killed = 1;
	return 1;
}

/*
 * vmfunc_gate.h, bh_vmf_db: a #DB in the kernel view under the domains'
 * IDT, in a window of the gate on this CPU: the domain's TF (an IRETQ
 * with TF set to a VMFUNC of the gate page into the kernel view), or a
 * kernel breakpoint on the gate's data.  The domain live here is stopped
 * either way (the kernel's handler does not run: a breakpoint of perf
 * loses that hit).  Kernel view and stack, the kernel's IDT, IF = 0.
 */
void bh_vmf_trap(struct bh_vmf_cpu *st, const u64 *frame)
{
	int cpu = smp_processor_id();
	struct bh_domain *d = bh_loaded[cpu];
	unsigned long dr6;
	char why[192];

	get_debugreg(dr6, 6);
	/* as the kernel's handler does: DR6 is sticky */
	set_debugreg(DR6_RESERVED, 6);
	snprintf(why, sizeof(why),
		 "%s (#DB, DR6 %#lx) at %pS, in the gate's kernel view (an IRETQ with TF set to a VMFUNC of the gate page)",
		 dr6 & DR_STEP ? "single-step trap" : "debug exception", dr6,
		 (void *)frame[0]);
	if (d)
		bh_domain_kill(d, cpu, frame[0], why);
	st->killed = 1;
}

static const char *bh_vector_name(unsigned int v)
{
	static const char * const n[] = {
		"#DE", "#DB", "NMI", "#BP", "#OF", "#BR", "#UD", "#NM", "#DF",
		"?", "#TS", "#NP", "#SS", "#GP", "#PF", "?", "#MF", "#AC",
		"#MC", "#XM", "#VE", "#CP",
	};

	return v < ARRAY_SIZE(n) ? n[v] : "interrupt";
}

/* does va enter the kernel's IDT handler of a vector?  -1 if not */
static int bh_idt_vector_of(u64 va)
{
	struct desc_ptr dt;
	const gate_desc *g;
	unsigned int v;

	store_idt(&dt);
	g = (const gate_desc *)dt.address;
	for (v = 0; v < 256 && (v + 1) * sizeof(*g) <= dt.size + 1; v++)
		if (gate_offset(&g[v]) == va)
			return v;
	return -1;
}

static const char *bh_owner_name(u64 pfn, char *buf, size_t len)
{
	int o = pfn < bh_map.npages ? bh_owner_of(&bh_map, pfn) : -1;

	if (o < 0)
		return "unowned (MMIO or outside RAM)";
	if (o == BH_DOM_KERNEL)
		return "the kernel's";
	/* its own, read-only to it (its page table, its struct module) */
	snprintf(buf, len, "domain %s's%s", bh_doms[o] ? bh_doms[o]->name : "?",
		 bh_pages[pfn].perm & BH_PERM_W ? "" : " read-only");
	return buf;
}

/*
 * The domain RIP an exception pushed on the domain stack (0 if
 * unreadable); *err its error code, if it has one.
 */
static u64 bh_frame_rip(const struct mv_fault_record *r, int vector, u64 *err)
{
	/* vectors that push an error code below the return address */
	static const u32 has_err = BIT(8) | BIT(10) | BIT(11) | BIT(12) |
				   BIT(13) | BIT(14) | BIT(17) | BIT(21) |
				   BIT(29) | BIT(30);
	u64 rip = 0;
	u64 at = r->rsp + ((has_err & BIT(vector)) ? 8 : 0);

	*err = 0;
	if ((has_err & BIT(vector)) &&
	    copy_from_kernel_nofault(err, (void *)r->rsp, sizeof(*err)))
		*err = 0;
	if (copy_from_kernel_nofault(&rip, (void *)at, sizeof(rip)))
		return 0;
	return rip;
}

/*
 * A #PF of domain code: what it touched (CR2), and whose memory that is.
 * Kernel memory outside the direct map and the kernel image (modules,
 * vmalloc) is not in a domain's page table at all, so touching it is a
 * #PF rather than an EPT violation.
 */
static int bh_pf_describe(char *why, size_t len, u64 cr2, u64 err)
{
	const char *what = err & X86_PF_INSTR ? "execute" :
			   err & X86_PF_WRITE ? "write" : "read";
	u64 pfn = bh_kva_to_pfn((void *)cr2);
	char own[48];

	if (!pfn)
		return scnprintf(why, len, ": %s of %#llx, mapped nowhere in the kernel",
				 what, cr2);
	return scnprintf(why, len,
			 ": %s of %#llx (%s memory, gpa %#llx): not in the domain's page table",
			 what, cr2, bh_owner_name(pfn, own, sizeof(own)),
			 pfn << PAGE_SHIFT);
}

/* the watchdog's NMI, turned into a fault by the minivisor? */
static bool bh_fault_is_watchdog(const struct mv_fault_record *r)
{
	return r->watchdog && (r->vectoring & INTR_INFO_VALID_MASK) &&
	       (r->vectoring & INTR_INFO_INTR_TYPE_MASK) == INTR_TYPE_NMI_INTR;
}

/* one line for dmesg: what the domain did, from the minivisor's record */

static void bh_fault_describe(const struct mv_fault_record *r, u64 cr2,
			      char *why, size_t len, u64 *addr)
{
	unsigned int basic = r->reason & 0xffff;
	u64 q = r->qual, err, rip;
	char own[48];
	int n = 0, v;

	*addr = r->gla;
	if (basic == EXIT_REASON_PREEMPTION_TIMER) {
		*addr = r->rip;
		scnprintf(why, len,
			  "watchdog: ran %llu ms without returning, interrupts off (stopped by the VMX-preemption timer: the only CPU online; watchdog_ms=%u)",
			  div_u64(r->qual, max(tsc_khz, 1U)),
			  READ_ONCE(bh_watchdog_ms));
		return;
	}
	if (bh_fault_is_watchdog(r)) {
		*addr = r->rip;
		scnprintf(why, len,
			  "watchdog: ran %u ms without returning, interrupts off (stopped by an NMI from cpu %llu; watchdog_ms=%u)",
			  READ_ONCE(bh_wd_ran_ms[smp_processor_id()]),
			  r->watchdog - 1, READ_ONCE(bh_watchdog_ms));
		return;
	}
	switch (basic) {
	case EXIT_REASON_EPT_VIOLATION:
		if (!(q & BIT(7)))
			*addr = r->gpa;
		if (q & BIT(2)) {
			v = bh_idt_vector_of(r->gla);
			if (v >= 0 && v < 32) {
				rip = bh_frame_rip(r, v, &err);
				n = scnprintf(why, len,
					      "exception %d (%s) raised by domain code at %pS (its handler %pS is not executable in the domain view)",
					      v, bh_vector_name(v),
					      (void *)rip, (void *)r->gla);
				if (v == X86_TRAP_PF) {
					*addr = cr2;
					n += bh_pf_describe(why + n, len - n,
							    cr2, err);
				}
			} else if (v >= 0) {
				n = scnprintf(why, len,
					      "interrupt vector %d arrived in the domain (handler %pS)",
					      v, (void *)r->gla);
			} else {
				n = scnprintf(why, len,
					      "execute of %pS (gpa %#llx, %s memory) denied by EPT: %s",
					      (void *)r->gla, r->gpa,
					      bh_owner_name(PHYS_PFN(r->gpa),
							    own, sizeof(own)),
					      r->gla == bh_lstar ?
					      "a SYSCALL (the kernel's entry, not a gate)" :
					      "a jump out of the domain");
			}
		} else {
			n = scnprintf(why, len, "%s of %s memory (gpa %#llx) denied by EPT",
				      q & BIT(1) ? "write" : "read",
				      bh_owner_name(PHYS_PFN(r->gpa), own,
						    sizeof(own)), r->gpa);
		}
		break;
	case EXIT_REASON_EPT_MISCONFIG:
		*addr = r->gpa;
		n = scnprintf(why, len, "EPT misconfiguration at gpa %#llx",
			      r->gpa);
		break;
	case EXIT_REASON_VMFUNC:
		*addr = r->rip;
		n = scnprintf(why, len, "VMFUNC leaf %llu with a forged EPTP index %llu",
			      r->rax & 0xffffffff, r->rcx & 0xffffffff);
		break;
	case EXIT_REASON_VMCALL:
		*addr = r->rip;
		n = scnprintf(why, len, "privileged instruction: VMCALL (hypercall %#llx)",
			      r->rax);
		break;
	case EXIT_REASON_CR_ACCESS:
		*addr = r->rip;
		n = scnprintf(why, len, "privileged instruction: MOV to CR%llu",
			      q & 15);
		break;
	case EXIT_REASON_MSR_WRITE:
	case EXIT_REASON_MSR_READ:
		*addr = r->rip;
		n = scnprintf(why, len, "privileged instruction: %s MSR %#llx",
			      basic == EXIT_REASON_MSR_WRITE ? "WRMSR" :
			      "RDMSR", r->rcx & 0xffffffff);
		break;
	case EXIT_REASON_TRIPLE_FAULT:
		*addr = r->rip;
		n = scnprintf(why, len, "triple fault in the domain");
		break;
	case EXIT_REASON_XSETBV:
		*addr = r->rip;
		n = scnprintf(why, len, "privileged instruction: XSETBV");
		break;
	case EXIT_REASON_IO_INSTRUCTION:
		*addr = r->rip;
		n = scnprintf(why, len, "port I/O: %s%s%c port %#llx",
			      q & BIT(3) ? "IN" : "OUT", q & BIT(4) ? "S" : "",
			      "BW?D"[q & 3], (q >> 16) & 0xffff);
		break;
	default:
		*addr = r->rip;
		n = scnprintf(why, len, "privileged instruction or event: VM exit reason %u",
			      basic);
		break;
	}
	if (r->vectoring & INTR_INFO_VALID_MASK)
		n += scnprintf(why + n, len - n, ", while delivering vector %llu",
			       r->vectoring & 0xff);
	/* a domain runs at CPL 0; SYSRET or IRET can take it out of ring 0 */
	if (r->cs & 3)
		scnprintf(why + n, len - n, ", at CPL %llu (it left ring 0: SYSRET or IRET)",
			  r->cs & 3);
}

/*
 * A domain that runs with IF = 1 can fault in the delivery of an
 * external interrupt (its IST area is its own memory, so only a broken
 * IST pointer does that now; before session 6 a bad RSP did).  The local
 * APIC accepted that interrupt: it stays in
 * service with no handler to end it, and it and every vector below it
 * would stay blocked on this CPU (its timer first).  A domain runs with
 * IF = 1 only for a caller with IF = 1, never a hardirq handler, so
 * nothing was in service when it was entered: end each vector in service
 * now and raise it again as a self-IPI, for the kernel's handler once
 * interrupts are on.  IF = 0, kernel view.
 */
static void bh_release_stray_irqs(struct bh_domain *d, int cpu)
{
	unsigned int i, v, n = 0;
	u32 isr;

	for (i = 8; i-- > 1 && n < 16; ) {
		isr = bh_apic_read(APIC_ISR + i * 0x10);
		if (!isr)
			continue;
		v = i * 32 + __fls(isr);
		bh_apic_eoi();	/* ends the highest vector in service: v */
		apic->send_IPI_self(v);
		pr_warn(BH_NAME ": domain %s cpu %d: vector %#x was in service when the domain faulted (its delivery into the domain failed): ended and raised again\n",
			d->name, cpu, v);
		n++;
		i++;		/* this word again: more bits below v? */
	}
}

/*
 * Called by bh_vmf_fault_entry on the CPU's fault stack, kernel view,
 * IF = 0, GS and CR3 the kernel's (restored by the minivisor).  The domain
 * live in this CPU's slot is the culprit.  Returns the CPU's gate state
 * with killed set: the caller unwinds the gate.
 */
struct bh_vmf_cpu *bh_domain_fault(struct mv_fault_record *rec)
{
	int cpu = smp_processor_id();
	struct bh_vmf_cpu *st = &bh_states[cpu];
	struct bh_domain *d = bh_loaded[cpu];
	struct mv_fault_record r = *rec;
	/* the domain's, if it took a #PF: nothing since has faulted */
	u64 cr2 = read_cr2();
	char why[320];
	u64 addr;

	bh_fault_describe(&r, cr2, why, sizeof(why), &addr);
	/* the watchdog's NMI, taken by the minivisor: one fewer in flight */
	if (bh_fault_is_watchdog(&r) &&
	    atomic_dec_if_positive(&bh_wd_pending[cpu]) == 0)
		WRITE_ONCE(rec->watchdog, 0);
	if (!d || !st->depth) {
		pr_emerg(BH_NAME ": cpu %d: domain fault with no live domain (rip %#llx): %s\n",
			 cpu, r.rip, why);
		return st;	/* bh_vmf_unwind stops at ud2 */
	}
	pr_err(BH_NAME ": domain %s cpu %d: stopped at rip %pS (rsp %#llx, view %lld): %s\n",
	       d->name, cpu, (void *)r.rip, r.rsp, (long long)r.view, why);
	st->killed = 1;
	bh_domain_kill(d, cpu, addr, why);
	if (st->domain_flags & X86_EFLAGS_IF)
		bh_release_stray_irqs(d, cpu);
	return st;
}

/*
 * The IDT a domain runs under: the kernel's gates for vectors 0-31 (an
 * exception in a domain reaches kernel text, not executable in its view:
 * a fault of the domain), bh_vmf_nmi for the NMI (in a domain view its
 * delivery faults and the minivisor holds it; in the gate's CR3 windows
 * the stub holds it; bh_domain_call raises it again), bh_vmf_db for #DB
 * (a trap in the gate's kernel view), the gate page's stubs for 32-255.
 * Read-only in every domain view.  Linux's IDT is the same on every CPU,
 * at the same address (CPU_ENTRY_AREA_RO_IDT, its read-only alias), and
 * so is this one: every domain table maps it there (bh_pt_build).
 */
static int bh_idt_build(void)
{
	struct desc_ptr kidt;
	const gate_desc *k;
	u64 spurious;
	unsigned int v;

	store_idt(&kidt);
	if (kidt.address != CPU_ENTRY_AREA_RO_IDT ||
	    kidt.size + 1 != 256 * sizeof(gate_desc)) {
		pr_err(BH_NAME ": cpu %d: the kernel's IDT is at %#lx, %u bytes; need %#lx (CPU_ENTRY_AREA_RO_IDT), 256 gates\n",
		       raw_smp_processor_id(), kidt.address, kidt.size + 1,
		       CPU_ENTRY_AREA_RO_IDT);
		return -ENODEV;
	}
	bh_idt = (gate_desc *)get_zeroed_page(GFP_KERNEL);
	if (!bh_idt)
		return -ENOMEM;
	k = (const gate_desc *)kidt.address;
	spurious = gate_offset(&k[SPURIOUS_APIC_VECTOR]);
	for (v = 0; v < 256; v++) {
		bh_idt[v] = k[v];
		if (v == NMI_VECTOR) {
			pack_gate(&bh_idt[v], GATE_INTERRUPT,
				  (unsigned long)bh_vmf_nmi, 0, k[v].bits.ist,
				  __KERNEL_CS);
		}
		/* on the kernel's #DB stack, absent from every domain view */
		if (v == X86_TRAP_DB)
			pack_gate(&bh_idt[v], GATE_INTERRUPT,
				  (unsigned long)bh_vmf_db, 0, k[v].bits.ist,
				  __KERNEL_CS);
		if (v < BH_VMF_FIRST_IRQ)
			continue;
		/* a stub entered by a jump, for a vector the kernel lacks */
		bh_vmf_irq_target[v] = k[v].bits.p ? gate_offset(&k[v]) :
				       spurious;
		if (k[v].bits.p)
			pack_gate(&bh_idt[v], GATE_INTERRUPT,
				  (unsigned long)bh_vmf_irq_stubs +
				  (v - BH_VMF_FIRST_IRQ) * BH_VMF_IRQ_STUB_SIZE,
				  0, BH_VMF_IST, __KERNEL_CS);
	}
	return 0;
}

/*
 * The kernel's PTE of CPU_ENTRY_AREA_RO_IDT, and whether it was global.
 * A domain table maps that address to bh_idt; a global TLB entry of the
 * kernel's mapping would survive the CR3 load into the domain and leave
 * the kernel's IDT live there (its handlers are not executable in a
 * domain view: every interrupt would be a fault of the domain).  The CPU
 * entry area's PTEs are global wherever the CPU has PGE, PTI or not
 * (shared by the user and kernel tables: cea_set_pte).  So the PTE is
 * not global while bhdomains is loaded; the bit comes back at unload.
 */
static pte_t *bh_idt_pte;
static bool bh_idt_was_global;

static void bh_flush_tlb_all(void *unused)
{
	__flush_tlb_all();
}

static int bh_idt_alias_claim(void)
{
	unsigned int level;
	pte_t *pte = lookup_address(CPU_ENTRY_AREA_RO_IDT, &level);

	if (!pte || level != PG_LEVEL_4K || !pte_present(*pte)) {
		pr_err(BH_NAME ": cpu %d: no 4 KiB page maps the kernel's IDT at %#lx: not loading\n",
		       raw_smp_processor_id(), CPU_ENTRY_AREA_RO_IDT);
		return -ENODEV;
	}
	bh_idt_pte = pte;
	if (!(pte_flags(*pte) & _PAGE_GLOBAL))
		return 0;
	set_pte(pte, pte_clear_flags(*pte, _PAGE_GLOBAL));
	bh_idt_was_global = true;
	on_each_cpu(bh_flush_tlb_all, NULL, 1);
	pr_info(BH_NAME ": the kernel's IDT mapping at %#lx is not global while loaded (a domain's page table maps the domains' IDT there)\n",
		CPU_ENTRY_AREA_RO_IDT);
	return 0;
}

static void bh_idt_alias_release(void)
{
	if (!bh_idt_was_global)
		return;
	set_pte(bh_idt_pte, pte_set_flags(*bh_idt_pte, _PAGE_GLOBAL));
	bh_idt_was_global = false;
	on_each_cpu(bh_flush_tlb_all, NULL, 1);
	pr_info(BH_NAME ": the kernel's IDT mapping at %#lx is global again (flags %#lx)\n",
		CPU_ENTRY_AREA_RO_IDT,
		(unsigned long)(pte_val(*bh_idt_pte) & 0xfff));
}

/* the CPUs in bh_cpus lose the fault entry; every CPU's pages are freed */
static void bh_fault_unregister(void)
{
	int cpu;

	for (cpu = 0; cpu < BH_VMF_MAX_CPUS; cpu++) {
		if (bh_fault_rec[cpu] && cpumask_test_cpu(cpu, &bh_cpus))
			bh_hc_on(cpu, MV_HC_FAULT_ENTRY, 0, 0, 0, NULL);
		free_pages((unsigned long)bh_fault_stack[cpu],
			   BH_FAULT_STACK_ORDER);
		free_page((unsigned long)bh_fault_rec[cpu]);
		bh_fault_stack[cpu] = NULL;
		bh_fault_rec[cpu] = NULL;
	}
}

/*
 * The minivisor's fault entry on cpu (its record and stack allocated the
 * first time, kept while the CPU is offline: a fault report of a CPU
 * that went may still be read).  The minivisor forgets it when the CPU
 * goes offline: set again when it comes back.
 */
static int bh_fault_register_cpu(int cpu)
{
	long ret;

	if (cpu >= BH_VMF_MAX_CPUS)
		return -EOPNOTSUPP;
	if (!bh_fault_rec[cpu])
		bh_fault_rec[cpu] = (void *)get_zeroed_page(GFP_KERNEL);
	if (!bh_fault_stack[cpu])
		bh_fault_stack[cpu] = (void *)__get_free_pages(GFP_KERNEL,
							BH_FAULT_STACK_ORDER);
	if (!bh_fault_rec[cpu] || !bh_fault_stack[cpu])
		return -ENOMEM;
	ret = bh_hc_on(cpu, MV_HC_FAULT_ENTRY, (u64)bh_vmf_fault_entry,
		       (u64)bh_fault_stack[cpu] +
		       (PAGE_SIZE << BH_FAULT_STACK_ORDER),
		       __pa(bh_fault_rec[cpu]), NULL);
	if (ret) {
		pr_err(BH_NAME ": cpu %d: the minivisor refused the fault entry (%ld): bulkhead.ko too old?\n",
		       cpu, ret);
		return -ENODEV;
	}
	return 0;
}

/* at load (the hotplug lock held): every online CPU */
static int bh_fault_register(void)
{
	int cpu, ret;

	for_each_online_cpu(cpu) {
		ret = bh_fault_register_cpu(cpu);
		if (ret)
			return ret;
		cpumask_set_cpu(cpu, &bh_cpus);
	}
	return 0;
}

/* ---- CPU hotplug ---------------------------------------------------------- */

/*
 * On the CPU itself, IF = 0: no domain in its EPTP slot, nothing in its
 * IST slot; a crossing here starts over in bh_enter_prepare, which
 * refuses it while bh_cpu_ok() is false.
 */
static void bh_cpu_reset_here(void *unused)
{
	int cpu = smp_processor_id();

	/* (the hotplug thread runs outside any entry: not seen) */
	if (WARN_ON_ONCE(bh_states[cpu].depth))
		return;
	if (bh_loaded[cpu])
		mv_hypercall(MV_HC_VIEW_LOAD_SLOT, MV_VIEW_NONE, BH_VMF_SLOT, 0,
			     NULL);
	bh_loaded[cpu] = NULL;
	bh_ist_set(cpu, 0);
	bh_states[cpu].ist_frame = 0;
}

/* cpu's views of every domain destroyed; how many there were */
static unsigned int bh_cpu_views_drop(int cpu)
{
	unsigned int i, n = 0;
	struct bh_domain *d;

	for (i = 1; i < BH_MAX_DOMAINS; i++) {
		d = bh_doms[i];
		if (!d || d->view[cpu] == MV_VIEW_NONE)
			continue;
		bh_hc_on(cpu, MV_HC_VIEW_DESTROY, d->view[cpu], 0, 0, NULL);
		d->view[cpu] = MV_VIEW_NONE;
		n++;
	}
	return n;
}

/*
 * A CPU comes online (cpuhp AP_ONLINE_DYN, on that CPU, after the
 * minivisor has virtualized it): the fault entry, then every domain's
 * view there built from the map (and its stack for the CPU, the first
 * time), then domains may run there.  A failure refuses the CPU.
 */
static int bh_cpu_online(unsigned int cpu)
{
	unsigned int i, n = 0;
	struct bh_domain *d;
	const char *who = "fault entry";
	bool fresh;
	int ret;

	if (cpu >= BH_VMF_MAX_CPUS)
		return -EOPNOTSUPP;
	mutex_lock(&bh_lock);
	ret = bh_fault_register_cpu(cpu);
	for (i = 1; i < BH_MAX_DOMAINS && !ret; i++) {
		d = bh_doms[i];
		if (!d)
			continue;
		who = d->name;
		ret = bh_domain_cpu_add(d, cpu, &fresh);
		if (!ret)
			ret = bh_view_build_on(d, cpumask_of(cpu));
		/* the others' views on the other CPUs lose a new stack */
		if (!ret && fresh)
			ret = bh_sync_all(PHYS_PFN(__pa(d->stack[cpu])),
					  1 << BH_STACK_ORDER);
		n++;
	}
	if (ret) {
		pr_err(BH_NAME ": cpu %u: cannot come online under bhdomains: %s: %d\n",
		       cpu, who, ret);
		bh_cpu_views_drop(cpu);
		bh_hc_on(cpu, MV_HC_FAULT_ENTRY, 0, 0, 0, NULL);
		mutex_unlock(&bh_lock);
		return ret;
	}
	smp_call_function_single(cpu, bh_cpu_reset_here, NULL, 1);
	cpumask_set_cpu(cpu, &bh_cpus);
	mutex_unlock(&bh_lock);
	pr_info(BH_NAME ": cpu %u online: the views of %u domains built, fault entry set\n",
		cpu, n);
	/* its watchdog timer; the watched CPUs and the lone-CPU timer move */
	if (!READ_ONCE(bh_wd_stopping) && READ_ONCE(bh_wd_running))
		bh_wd_timer_on(cpu);
	on_each_cpu_mask(&bh_cpus, bh_wd_solo_update, NULL, 1);
	return 0;
}

/*
 * A CPU goes offline (on that CPU, before the minivisor gives it back):
 * no domain may start there, its slot and views go, the fault entry is
 * off, its watchdog timer stops and the lone CPU left (if one) arms the
 * minivisor's timer.  No domain is live there: an entry does not sleep
 * and this runs in the CPU's hotplug thread.
 */
static int bh_cpu_offline(unsigned int cpu)
{
	unsigned int n;

	if (cpu >= BH_VMF_MAX_CPUS)
		return 0;
	mutex_lock(&bh_lock);
	cpumask_clear_cpu(cpu, &bh_cpus);
	WARN_ON_ONCE(READ_ONCE(bh_states[cpu].depth));
	smp_call_function_single(cpu, bh_cpu_reset_here, NULL, 1);
	n = bh_cpu_views_drop(cpu);
	bh_hc_on(cpu, MV_HC_FAULT_ENTRY, 0, 0, 0, NULL);
	mutex_unlock(&bh_lock);
	if (bh_wd_timer[cpu].function)
		del_timer_sync(&bh_wd_timer[cpu]);
	smp_call_function_single(cpu, bh_wd_solo_off, NULL, 1);
	on_each_cpu_mask(&bh_cpus, bh_wd_solo_update, NULL, 1);
	pr_info(BH_NAME ": cpu %u offline: the views of %u domains destroyed, fault entry off\n",
		cpu, n);
	return 0;
}

void bh_domain_destroy(struct bh_domain *d)
{
	unsigned int i;

	if (IS_ERR_OR_NULL(d))
		return;
	mutex_lock(&bh_lock);
	WRITE_ONCE(d->dead, true);
	trace_bulkhead_domain_revoke(d->name, d->id, raw_smp_processor_id(), bh_domain_owned(d));
	bh_domain_free(d);
	/* the freed pages are the kernel's again: readable by the others */
	for (i = 1; i < BH_MAX_DOMAINS; i++)
		if (bh_doms[i])
			bh_view_sync(bh_doms[i], 0, bh_map.npages);
	mutex_unlock(&bh_lock);
}
EXPORT_SYMBOL_GPL(bh_domain_destroy);

u64 bh_domain_round_trips(unsigned int cpu)
{
	return cpu < nr_cpu_ids ? READ_ONCE(bh_states[cpu].entries) : 0;
}
EXPORT_SYMBOL_GPL(bh_domain_round_trips);

u64 bh_domain_irqs(unsigned int cpu)
{
	return cpu < nr_cpu_ids ? READ_ONCE(bh_states[cpu].irqs) : 0;
}
EXPORT_SYMBOL_GPL(bh_domain_irqs);

u64 bh_domain_cr3_window_nmis(unsigned int cpu)
{
	return cpu < nr_cpu_ids ? READ_ONCE(bh_states[cpu].nmis) : 0;
}
EXPORT_SYMBOL_GPL(bh_domain_cr3_window_nmis);

u64 bh_domain_gate_ticks(struct bh_domain *d, const void *fn,
			 unsigned int n)
{
	struct bh_vmf_cpu *st;
	unsigned long flags;
	unsigned int i;
	u64 t0, t1;
	int cpu;

	if (!d || !fn || !n)
		return 0;
	local_irq_save(flags);
	cpu = smp_processor_id();
	st = &bh_states[cpu];
	/* loads the view and sets st up (CR3s, GS base) for this CPU */
	if (bh_domain_call(d, fn, 0, 0, 0) < 0 || READ_ONCE(d->dead) ||
	    bh_loaded[cpu] != d || st->depth) {
		local_irq_restore(flags);
		return 0;
	}
	st->domain_cr3 = bh_dom_cr3(d, cpu) | bh_cr3_noflush;
	st->domain_flags = X86_EFLAGS_FIXED;
	t0 = rdtsc_ordered();
	for (i = 0; i < n; i++)
		bh_vmf_enter(0, 0, 0, st, (unsigned long)fn,
			     X86_EFLAGS_FIXED);
	t1 = rdtsc_ordered();
	d->crossings[cpu] += n;
	bh_raise_deferred_nmis(cpu, st);
	local_irq_restore(flags);
	return READ_ONCE(d->dead) ? 0 : t1 - t0;
}
EXPORT_SYMBOL_GPL(bh_domain_gate_ticks);

/* ---- kernel functions a domain may call (bh_vmf_out) -------------------- */

#define BH_MAX_CALLS	32
bh_vmf_out_fn bh_vmf_out_table[BH_MAX_CALLS];
unsigned long bh_vmf_out_count;

static long bh_call_gone(unsigned long a0, unsigned long a1,
			 unsigned long a2);

int bh_domain_add_call(bh_vmf_out_fn fn)
{
	int idx;

	mutex_lock(&bh_lock);
	for (idx = 0; idx < bh_vmf_out_count; idx++)
		if (bh_vmf_out_table[idx] == fn ||
		    bh_vmf_out_table[idx] == bh_call_gone)
			break;
	if (idx < bh_vmf_out_count) {
		WRITE_ONCE(bh_vmf_out_table[idx], fn);
		goto out;
	}
	if (bh_vmf_out_count == BH_MAX_CALLS) {
		idx = -ENOSPC;
		goto out;
	}
	bh_vmf_out_table[idx] = fn;
	/* the entry before the count: bh_vmf_out reads them unlocked */
	smp_store_release(&bh_vmf_out_count, idx + 1);
out:
	mutex_unlock(&bh_lock);
	return idx;
}
EXPORT_SYMBOL_GPL(bh_domain_add_call);

static long bh_call_gone(unsigned long a0, unsigned long a1,
			 unsigned long a2)
{
	return -ENOENT;
}

void bh_domain_del_call(int idx)
{
	mutex_lock(&bh_lock);
	if (idx >= 0 && idx < bh_vmf_out_count)
		WRITE_ONCE(bh_vmf_out_table[idx], bh_call_gone);
	mutex_unlock(&bh_lock);
}
EXPORT_SYMBOL_GPL(bh_domain_del_call);

/* ---- /sys/kernel/debug/bhdomains/kill: "NAME" marks a domain dead -------- */

static struct dentry *bh_debugfs;

static ssize_t bh_kill_write(struct file *f, const char __user *ubuf,
			     size_t len, loff_t *ppos)
{
	char name[32];
	unsigned int i;
	ssize_t ret = -ENOENT;

	if (len == 0 || len >= sizeof(name))
		return -EINVAL;
	if (copy_from_user(name, ubuf, len))
		return -EFAULT;
	name[len] = '\0';
	strim(name);
	mutex_lock(&bh_lock);
	for (i = 1; i < BH_MAX_DOMAINS; i++) {
		if (bh_doms[i] && !strcmp(bh_doms[i]->name, name)) {
			bh_domain_kill(bh_doms[i], raw_smp_processor_id(), 0,
				       "killed through debugfs");
			ret = len;
		}
	}
	mutex_unlock(&bh_lock);
	return ret;
}

static const struct file_operations bh_kill_fops = {
	.owner = THIS_MODULE,
	.write = bh_kill_write,
};

/*
 * debugfs hold_cpu: "N" makes CPU N not ready for domains, as while it
 * goes offline (bh_domain_cpu_ready false there: callers that can retry
 * elsewhere, such as the block glue, are seen to), "-1" makes it ready
 * again.  Its views stay; for tests of the callers.
 */
static ssize_t bh_hold_write(struct file *f, const char __user *ubuf,
			     size_t len, loff_t *ppos)
{
	int cpu, ret;

	ret = kstrtoint_from_user(ubuf, len, 0, &cpu);
	if (ret)
		return ret;
	if (cpu < -1 || cpu >= BH_VMF_MAX_CPUS)
		return -EINVAL;
	mutex_lock(&bh_lock);
	if (cpu >= 0 && !cpumask_test_cpu(cpu, &bh_cpus)) {
		mutex_unlock(&bh_lock);
		return -ENODEV;
	}
	WRITE_ONCE(bh_hold_cpu, cpu);
	mutex_unlock(&bh_lock);
	if (cpu >= 0)
		pr_info(BH_NAME ": cpu %d held not ready for domains (debugfs hold_cpu)\n",
			cpu);
	else
		pr_info(BH_NAME ": no CPU held (debugfs hold_cpu)\n");
	return len;
}

static const struct file_operations bh_hold_fops = {
	.owner = THIS_MODULE,
	.write = bh_hold_write,
};

/* ---- module load/unload ------------------------------------------------- */

/*
 * The shared gate page is all a domain may execute besides its own text:
 * it must hold no privileged instruction (above all no MOV to CR3) at any
 * byte offset, the rule the load-time scan applies to isolated drivers.
 * The kernel gate page holds those, and a domain view cannot fetch it.
 */
static int bh_gate_page_check(void)
{
	struct bh_scan_hit hits[4];
	size_t len = bh_vmf_gate_end - bh_vmf_gate_start, n, i;

	n = bh_scan_priv((const u8 *)bh_vmf_gate_start, len,
			 (u64)bh_vmf_gate_start, hits, ARRAY_SIZE(hits));
	for (i = 0; i < n && i < ARRAY_SIZE(hits); i++)
		pr_err(BH_NAME ": cpu %d: the shared gate page has %s at +%#zx (%#llx) bytes %*ph: refusing to load\n",
		       raw_smp_processor_id(), bh_scan_kind_name(hits[i].kind),
		       hits[i].off, hits[i].addr, hits[i].len,
		       bh_vmf_gate_start + hits[i].off);
	if (n)
		return -EINVAL;
	pr_info(BH_NAME ": shared gate page: %zu bytes, no privileged instruction at any offset\n",
		len);
	return 0;
}

static void bh_id_pages_free(void)
{
	int cpu;

	for (cpu = 0; cpu < BH_VMF_MAX_CPUS; cpu++) {
		free_page((unsigned long)bh_id_page[cpu]);
		free_page((unsigned long)bh_id_table[cpu]);
		bh_id_page[cpu] = NULL;
		bh_id_table[cpu] = NULL;
	}
}

static int __init bh_domains_init(void)
{
	struct mv_hc_result res;
	u64 npages;
	long ret;
	int cpu;

	/* the gate checks the GS base a domain leaves with RDGSBASE */
	if (!boot_cpu_has(X86_FEATURE_FSGSBASE)) {
		pr_err(BH_NAME ": cpu %d: the kernel runs without FSGSBASE (booted with nofsgsbase?): the VMFUNC gate needs RDGSBASE\n",
		       raw_smp_processor_id());
		return -ENODEV;
	}
	if (bh_gate_page_check())
		return -EINVAL;
	/* a symbol of bulkhead.ko: rmmod bulkhead is refused while we live */
	if (bulkhead_mv_version() != MV_VERSION) {
		pr_err(BH_NAME ": bulkhead.ko is version %#x, need %#x\n",
		       bulkhead_mv_version(), MV_VERSION);
		return -ENODEV;
	}
	/* no CPU comes or goes until the hotplug callbacks are in place */
	cpus_read_lock();
	for_each_online_cpu(cpu) {
		ret = bh_hc_on(cpu, MV_HC_PING, 0, 0, 0, &res);
		if (ret || res.a2 != MV_PING_SIGNATURE) {
			pr_err(BH_NAME ": cpu %d: no minivisor (ping %ld): load bulkhead.ko first\n",
			       cpu, ret);
			ret = -ENODEV;
			goto out;
		}
	}
	walk_iomem_res_desc(IORES_DESC_NONE, IORESOURCE_SYSTEM_RAM |
			    IORESOURCE_BUSY, 0, -1, NULL, bh_ram_range);
	npages = PFN_UP(bh_ram_end);
	if (!npages) {
		ret = -ENODEV;
		goto out;
	}
	if (nr_cpu_ids > BH_VMF_MAX_CPUS) {
		pr_err(BH_NAME ": %u CPU ids, the gate handles %d: not loading\n",
		       nr_cpu_ids, BH_VMF_MAX_CPUS);
		ret = -EOPNOTSUPP;
		goto out;
	}
	bh_pages = vzalloc(array_size(npages, sizeof(*bh_pages)));
	/* one state and one id page per CPU (vmfunc_gate.h, BH_VMF_ID_VA) */
	bh_states = kcalloc(nr_cpu_ids, sizeof(*bh_states), GFP_KERNEL);
	if (!bh_pages || !bh_states) {
		ret = -ENOMEM;
		goto out;
	}
	for (cpu = 0; cpu < nr_cpu_ids; cpu++) {
		bh_id_page[cpu] = (u64 *)get_zeroed_page(GFP_KERNEL);
		bh_id_table[cpu] = (u64 *)get_zeroed_page(GFP_KERNEL);
		if (!bh_id_page[cpu] || !bh_id_table[cpu]) {
			ret = -ENOMEM;
			goto out;
		}
		bh_st[cpu] = &bh_states[cpu];
		bh_id_page[cpu][0] = (u64)bh_st[cpu];
		bh_pt_id_table(bh_id_table[cpu], __pa(bh_id_table[cpu]),
			       __pa(bh_id_page[cpu]));
	}
	bh_owner_init(&bh_map, bh_pages, 0, npages, bh_grants, BH_MAX_GRANTS,
		      bh_owner_log, NULL);
	/* the kernel is absent in every domain view */
	bh_map.kernel_default = 0;
	bh_pcide = __read_cr4() & X86_CR4_PCIDE;
	bh_cr3_noflush = bh_pcide ? BH_CR3_NOFLUSH : 0;
	rdmsrl(MSR_LSTAR, bh_lstar);
	ret = bh_ist_claim();
	if (ret)
		goto out;
	ret = bh_idt_build();
	if (!ret)
		ret = bh_idt_alias_claim();
	if (ret)
		goto out;
	ret = bh_fault_register();
	if (ret)
		goto out;
	ret = bh_wd_start();
	if (ret)
		goto out;
	ret = cpuhp_setup_state_nocalls_cpuslocked(CPUHP_AP_ONLINE_DYN,
						   "bulkhead/domains:online",
						   bh_cpu_online,
						   bh_cpu_offline);
	if (ret < 0) {
		bh_wd_stop();
		goto out;
	}
	bh_hp_state = ret;
	cpus_read_unlock();
	bh_debugfs = debugfs_create_dir(BH_NAME, NULL);
	debugfs_create_file("kill", 0200, bh_debugfs, NULL, &bh_kill_fops);
	debugfs_create_file("hold_cpu", 0200, bh_debugfs, NULL, &bh_hold_fops);
	debugfs_create_file("domains", 0444, bh_debugfs, NULL, &bh_domains_fops);
	debugfs_create_file("cpus", 0444, bh_debugfs, NULL, &bh_cpus_fops);
	debugfs_create_atomic_t("task_calls", 0444, bh_debugfs,
				&bh_task_calls_total);
	pr_info(BH_NAME ": ready: %llu pages of RAM tracked, gate at %#lx, domain page tables %s PCID\n",
		npages, (unsigned long)bh_vmf_gate_start,
		bh_pcide ? "with" : "without");
	return 0;
out:
	bh_fault_unregister();
	bh_idt_alias_release();
	cpus_read_unlock();
	free_page((unsigned long)bh_idt);
	bh_ist_release();
	bh_id_pages_free();
	cpumask_clear(&bh_cpus);
	kfree(bh_states);
	vfree(bh_pages);
	return ret;
}

static void __exit bh_domains_exit(void)
{
	bh_trace_exit();
	debugfs_remove_recursive(bh_debugfs);
	/* no hotplug callback after this; no domain is left (its modules) */
	cpuhp_remove_state_nocalls(bh_hp_state);
	bh_wd_stop();
	bh_fault_unregister();
	bh_idt_alias_release();
	bh_ist_release();
	free_page((unsigned long)bh_idt);
	bh_id_pages_free();
	kfree(bh_states);
	vfree(bh_pages);
}

module_init(bh_domains_init);
module_exit(bh_domains_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Bulkhead: protection domains on EPT views");
