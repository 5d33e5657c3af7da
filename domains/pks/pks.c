// SPDX-License-Identifier: GPL-2.0
/*
 * pks.c - bhpks.ko: domains on supervisor protection keys (PKS).
 *
 * Execution context: normal kernel (module init/exit, process context of
 * the callers of bh_pks_call).  The code inside domains and the entry
 * trampolines are in trampolines/pks_gate.S.
 *
 * Mainline 6.1 does not use PKS, so this module owns it:
 *  - init refuses (-EOPNOTSUPP, one dmesg line) without CPUID.7.0:ECX[31];
 *    otherwise it writes IA32_PKRS = 0 and sets CR4.PKS (bit 24, through
 *    Linux's CR4 shadow) on every online CPU and on every CPU that comes
 *    online later (a cpuhp state); offline and unload clear both.
 *  - a domain gets a key 1..15; its pages get the key in PTE bits 62:59
 *    (lookup_address, 4 KiB mappings only), then every CPU flushes its TLB.
 *  - interrupts and exceptions taken inside a domain must run Linux's
 *    handlers with the kernel's PKRS, and Linux has no hook for that.  We
 *    build one copy of the IDT whose non-IST vectors point at the entry
 *    stubs of pks_gate.S, and load it (LIDT) on a CPU only for the length
 *    of a gate call there, with preemption off; the CPU's IDT is restored
 *    right after.  User mode never runs under the copy (PTI would not map
 *    it).  NMI, #DB, #DF and #MC keep Linux's IST entries: an NMI inside a
 *    domain cannot push its frame on the (key 0) IST stack and turns into
 *    a fault of the domain.
 *  - an exception raised inside a domain is the domain's fault: the stub
 *    records it and resumes at the gate's abort path; bh_pks_call()
 *    reports "bulkhead: domain <name> cpu <n> addr <x> reason <..>",
 *    marks the domain dead and returns -EFAULT.  Later calls get -ENODEV.
 *
 * Strength: a driver in ring 0 can execute WRMSR itself.  Only a
 * hypervisor that traps WRMSR to IA32_PKRS (the minivisor on a CPU with
 * VT-x and PKS; not wired up yet, no engine here has both) would make this
 * strong, so every domain is announced as fault isolation.
 */
#include <linux/module.h>
#include <linux/kernel.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>
#include <linux/smp.h>
#include <linux/mutex.h>
#include <linux/debugfs.h>
#include <linux/seq_file.h>
#include <linux/cpuhotplug.h>
#include <asm/processor.h>
#include <asm/desc.h>
#include <asm/msr.h>
#include <asm/tlbflush.h>
#include <asm/trap_pf.h>
#include <asm/trapnr.h>
#include <asm/irq_vectors.h>
#include <asm/pgtable.h>
#include "../../include/bh_compat.h"
#include "pks.h"

#define BH_PKS_STACK_SIZE	(16 * 1024)
#define BH_PKS_MAX_RANGES	64
#define BH_PTE_PKEY_SHIFT	59
#define BH_PTE_PKEY_MASK	(0xfULL << BH_PTE_PKEY_SHIFT)
#define BH_PKS_MODE_WEAK	"pks (fault isolation: PKRS writes not trapped)"

static_assert(offsetof(struct bh_pks_cpu, csp) == BH_PKS_CSP);
static_assert(offsetof(struct bh_pks_cpu, dsp) == BH_PKS_DSP);
static_assert(offsetof(struct bh_pks_cpu, cur) == BH_PKS_CUR);
static_assert(offsetof(struct bh_pks_cpu, nr_irq) == BH_PKS_NR_IRQ);
static_assert(offsetof(struct bh_pks_cpu, f_vec) == BH_PKS_F_VEC);
static_assert(offsetof(struct bh_pks_cpu, f_err) == BH_PKS_F_ERR);
static_assert(offsetof(struct bh_pks_cpu, f_rip) == BH_PKS_F_RIP);
static_assert(offsetof(struct bh_pks_cpu, f_addr) == BH_PKS_F_ADDR);
static_assert(offsetof(struct bh_pks_cpu, f_pkrs) == BH_PKS_F_PKRS);
static_assert(offsetof(struct bh_pks_cpu, f_pending) == BH_PKS_F_PENDING);
static_assert(sizeof(struct bh_pks_cpu) == BH_PKS_CPU_SIZE);

struct bh_pks_range {
	unsigned long start;
	unsigned long end;
	const char *what;
};

struct bh_pks_domain {
	char name[32];
	int key;
	u32 pkrs;
	bool dead;
	bh_pks_gate_fn gate;
	void **stacks;			/* one per possible CPU */
	int nr_ranges;
	struct bh_pks_range ranges[BH_PKS_MAX_RANGES];
	atomic_long_t calls;
	atomic_long_t irqs;
	atomic_long_t faults;
};

static bool break_irq;
module_param(break_irq, bool, 0444);
MODULE_PARM_DESC(break_irq,
		 "test only: interrupt entry skips the PKRS switch (must fail)");

static DEFINE_MUTEX(bh_pks_lock);
static unsigned long bh_pks_keys_used = 1;	/* key 0 is the kernel */
static gate_desc *bh_pks_idt;			/* the IDT copy, one page */
static struct desc_ptr bh_pks_idt_desc;
static struct desc_ptr bh_pks_linux_idt;
static atomic_t bh_pks_cpus_on;
static atomic_t bh_pks_cpus_bad;
static struct dentry *bh_pks_dir;
static enum cpuhp_state bh_pks_hp;

u32 bh_pks_read_pkrs(void)
{
	u64 v;

	rdmsrl(BH_MSR_IA32_PKRS, v);
	return (u32)v;
}
EXPORT_SYMBOL_GPL(bh_pks_read_pkrs);

bool bh_pks_domain_live_here(void)
{
	return this_cpu_read(bh_pks_cpu.cur) != 0;
}
EXPORT_SYMBOL_GPL(bh_pks_domain_live_here);

int bh_pks_page_key(const void *addr)
{
	unsigned int level;
	pte_t *pte = lookup_address((unsigned long)addr, &level);

	if (!pte || level != PG_LEVEL_4K || !pte_present(*pte))
		return -1;
	return (pte_val(*pte) & BH_PTE_PKEY_MASK) >> BH_PTE_PKEY_SHIFT;
}
EXPORT_SYMBOL_GPL(bh_pks_page_key);

static void bh_pks_flush_one_cpu(void *unused)
{
	__flush_tlb_all();
}

/* set the key of every 4 KiB page of [start, end); all or nothing */
static int bh_pks_tag(const char *dom, unsigned long start, unsigned long end,
		      int key)
{
	unsigned long a;
	unsigned int level;
	pte_t *pte;

	for (a = start & PAGE_MASK; a < end; a += PAGE_SIZE) {
		pte = lookup_address(a, &level);
		if (!pte || level != PG_LEVEL_4K || !pte_present(*pte)) {
			pr_err("bulkhead: domain %s cpu %d addr %#lx reason not a 4 KiB kernel mapping, cannot tag key %d\n",
			       dom, raw_smp_processor_id(), a, key);
			return -EINVAL;
		}
	}
	for (a = start & PAGE_MASK; a < end; a += PAGE_SIZE) {
		pte = lookup_address(a, &level);
		WRITE_ONCE(pte->pte, (pte_val(*pte) & ~BH_PTE_PKEY_MASK) |
				     ((u64)key << BH_PTE_PKEY_SHIFT));
	}
	on_each_cpu(bh_pks_flush_one_cpu, NULL, 1);
	return 0;
}

int bh_pks_domain_add(struct bh_pks_domain *d, const void *start, size_t len,
		      const char *what)
{
	unsigned long s = (unsigned long)start, e = s + len;
	int ret;

	if (d->nr_ranges >= BH_PKS_MAX_RANGES) {
		pr_err("bulkhead: domain %s cpu %d addr %#lx reason too many ranges (%s)\n",
		       d->name, raw_smp_processor_id(), s, what);
		return -ENOSPC;
	}
	ret = bh_pks_tag(d->name, s, e, d->key);
	if (ret)
		return ret;
	d->ranges[d->nr_ranges++] = (struct bh_pks_range){ s, e, what };
	return 0;
}
EXPORT_SYMBOL_GPL(bh_pks_domain_add);

int bh_pks_domain_remove(struct bh_pks_domain *d, const void *start)
{
	int i;

	for (i = 0; i < d->nr_ranges; i++) {
		if (d->ranges[i].start != (unsigned long)start)
			continue;
		bh_pks_tag(d->name, d->ranges[i].start, d->ranges[i].end, 0);
		d->ranges[i] = d->ranges[--d->nr_ranges];
		return 0;
	}
	pr_err("bulkhead: domain %s cpu %d addr %#lx reason remove: not a range of the domain\n",
	       d->name, raw_smp_processor_id(), (unsigned long)start);
	return -ENOENT;
}
EXPORT_SYMBOL_GPL(bh_pks_domain_remove);

int bh_pks_domain_add_module(struct bh_pks_domain *d, struct module *mod)
{
	unsigned long start = 0, end = 0, base;
	unsigned int size;
	int p, ret;

	/*
	 * text is fetched, and fetches ignore keys: tag rodata .. bss, one
	 * range per run of adjacent parts (one before 6.4, when the parts
	 * are slices of one block)
	 */
	for (p = BH_MOD_RODATA; p <= BH_MOD_DATA; p++) {
		base = (unsigned long)bh_mod_part(mod, p, &size);
		if (!size)
			continue;
		if (end && base == end) {
			end += size;
			continue;
		}
		if (end) {
			ret = bh_pks_domain_add(d, (void *)start, end - start,
						"module data");
			if (ret)
				return ret;
		}
		start = base;
		end = base + size;
	}
	return end ? bh_pks_domain_add(d, (void *)start, end - start,
				       "module data") : 0;
}
EXPORT_SYMBOL_GPL(bh_pks_domain_add_module);

struct bh_pks_domain *bh_pks_domain_create(const char *name)
{
	struct bh_pks_domain *d;
	unsigned int cpu;
	int key, ret = -ENOMEM;

	d = kzalloc(sizeof(*d), GFP_KERNEL);
	if (!d)
		return ERR_PTR(-ENOMEM);
	strscpy(d->name, name, sizeof(d->name));
	d->stacks = kcalloc(nr_cpu_ids, sizeof(void *), GFP_KERNEL);
	if (!d->stacks)
		goto fail;
	mutex_lock(&bh_pks_lock);
	key = find_first_zero_bit(&bh_pks_keys_used, BH_PKS_NKEYS);
	if (key < BH_PKS_NKEYS)
		__set_bit(key, &bh_pks_keys_used);
	mutex_unlock(&bh_pks_lock);
	if (key >= BH_PKS_NKEYS) {
		pr_err("bulkhead: domain %s cpu %d addr 0 reason no free protection key\n",
		       name, raw_smp_processor_id());
		ret = -ENOSPC;
		goto fail;
	}
	d->key = key;
	d->pkrs = BH_PKS_DOMAIN(key);
	d->gate = bh_pks_gates[key];
	for_each_possible_cpu(cpu) {
		d->stacks[cpu] = vzalloc(BH_PKS_STACK_SIZE);
		if (!d->stacks[cpu])
			goto fail;
		ret = bh_pks_tag(d->name, (unsigned long)d->stacks[cpu],
				 (unsigned long)d->stacks[cpu] + BH_PKS_STACK_SIZE,
				 key);
		if (ret)
			goto fail;
		ret = -ENOMEM;
	}
	pr_info("bulkhead: domain %s key %d pkrs %#x mode %s\n", d->name, key,
		d->pkrs, bh_pks_domain_mode(d));
	return d;
fail:
	bh_pks_domain_destroy(d);
	return ERR_PTR(ret);
}
EXPORT_SYMBOL_GPL(bh_pks_domain_create);

void bh_pks_domain_destroy(struct bh_pks_domain *d)
{
	unsigned int cpu;
	int i;

	if (IS_ERR_OR_NULL(d))
		return;
	for (i = 0; i < d->nr_ranges; i++)
		bh_pks_tag(d->name, d->ranges[i].start, d->ranges[i].end, 0);
	if (d->stacks) {
		for_each_possible_cpu(cpu) {
			if (!d->stacks[cpu])
				continue;
			bh_pks_tag(d->name, (unsigned long)d->stacks[cpu],
				   (unsigned long)d->stacks[cpu] +
				   BH_PKS_STACK_SIZE, 0);
			vfree(d->stacks[cpu]);
		}
		kfree(d->stacks);
	}
	if (d->key > 0) {
		mutex_lock(&bh_pks_lock);
		__clear_bit(d->key, &bh_pks_keys_used);
		mutex_unlock(&bh_pks_lock);
	}
	pr_info("bulkhead: domain %s key %d destroyed (calls %ld, interrupts inside %ld, faults %ld)\n",
		d->name, d->key, atomic_long_read(&d->calls),
		atomic_long_read(&d->irqs), atomic_long_read(&d->faults));
	kfree(d);
}
EXPORT_SYMBOL_GPL(bh_pks_domain_destroy);

static const char *bh_pks_reason(unsigned long vec, unsigned long err)
{
	switch (vec) {
	case X86_TRAP_PF:
		if (!(err & X86_PF_PK))
			return "page fault";
		return (err & X86_PF_WRITE) ?
			"write denied by protection key (PKS)" :
			"access denied by protection key (PKS)";
	case X86_TRAP_GP:
		return "general protection";
	case X86_TRAP_UD:
		return "invalid opcode";
	case X86_TRAP_DE:
		return "divide error";
	default:
		return vec >= FIRST_EXTERNAL_VECTOR ?
			"PKRS changed inside the domain" : "exception";
	}
}

long bh_pks_call(struct bh_pks_domain *d, bh_pks_fn fn, long a, long b, long c)
{
	struct bh_pks_cpu *pc, f;
	struct desc_ptr old;
	unsigned long flags, irqs;
	long ret;
	int cpu;

	if (READ_ONCE(d->dead)) {
		pr_warn_ratelimited("bulkhead: domain %s cpu %d addr %#lx reason refused: domain is dead\n",
				    d->name, raw_smp_processor_id(),
				    (unsigned long)fn);
		return -ENODEV;
	}
	cpu = get_cpu();
	pc = this_cpu_ptr(&bh_pks_cpu);
	if (pc->cur || !(__read_cr4() & BH_CR4_PKS)) {
		put_cpu();
		pr_warn_ratelimited("bulkhead: domain %s cpu %d addr %#lx reason refused: %s\n",
				    d->name, cpu, (unsigned long)fn, pc->cur ?
				    "nested gate call" : "CR4.PKS off here");
		return -EBUSY;
	}
	local_irq_save(flags);
	store_idt(&old);
	pc->dsp = (unsigned long)d->stacks[cpu] + BH_PKS_STACK_SIZE;
	pc->cur = d->pkrs;
	irqs = pc->nr_irq;
	native_load_idt(&bh_pks_idt_desc);
	local_irq_restore(flags);

	ret = d->gate(fn, a, b, c);

	local_irq_save(flags);
	native_load_idt(&old);
	pc->cur = 0;
	pc->dsp = 0;
	irqs = pc->nr_irq - irqs;
	f = *pc;
	pc->f_pending = 0;
	local_irq_restore(flags);
	put_cpu();

	atomic_long_inc(&d->calls);
	atomic_long_add(irqs, &d->irqs);
	if (f.f_pending) {
		WRITE_ONCE(d->dead, true);
		atomic_long_inc(&d->faults);
		pr_err("bulkhead: domain %s cpu %d addr %#lx reason %s (vector %lu error %#lx rip %pS pkrs %#lx); domain is dead\n",
		       d->name, cpu,
		       f.f_vec == X86_TRAP_PF ? f.f_addr : f.f_rip,
		       bh_pks_reason(f.f_vec, f.f_err), f.f_vec, f.f_err,
		       (void *)f.f_rip, f.f_pkrs);
		ret = -EFAULT;
	}
	return ret;
}
EXPORT_SYMBOL_GPL(bh_pks_call);

bool bh_pks_domain_dead(struct bh_pks_domain *d)
{
	return READ_ONCE(d->dead);
}
EXPORT_SYMBOL_GPL(bh_pks_domain_dead);

unsigned long bh_pks_domain_irqs(struct bh_pks_domain *d)
{
	return atomic_long_read(&d->irqs);
}
EXPORT_SYMBOL_GPL(bh_pks_domain_irqs);

int bh_pks_domain_key(struct bh_pks_domain *d)
{
	return d->key;
}
EXPORT_SYMBOL_GPL(bh_pks_domain_key);

const char *bh_pks_domain_mode(struct bh_pks_domain *d)
{
	/* no hypervisor traps IA32_PKRS writes yet: never "strong" */
	return BH_PKS_MODE_WEAK;
}
EXPORT_SYMBOL_GPL(bh_pks_domain_mode);

/* every CPU must run Linux's one IDT: we copy it once */
static void bh_pks_check_idt(void *unused)
{
	struct desc_ptr cur;

	store_idt(&cur);
	if (cur.address != bh_pks_linux_idt.address)
		atomic_inc(&bh_pks_cpus_bad);
}

static void bh_pks_build_idt(void)
{
	const gate_desc *src = (const gate_desc *)bh_pks_linux_idt.address;
	unsigned int v, n = (bh_pks_linux_idt.size + 1) / sizeof(gate_desc);
	unsigned long stub;

	memcpy(bh_pks_idt, src, n * sizeof(gate_desc));
	for (v = 0; v < n && v < BH_PKS_NR_VECTORS; v++) {
		gate_desc *g = &bh_pks_idt[v];

		if (!g->bits.p || g->bits.ist)
			continue;
		bh_pks_orig[v] = gate_offset(g);
		stub = (unsigned long)bh_pks_stubs + v * BH_PKS_STUB_SIZE;
		g->offset_low = (u16)stub;
		g->offset_middle = (u16)(stub >> 16);
		g->offset_high = (u32)(stub >> 32);
	}
	bh_pks_idt_desc.address = (unsigned long)bh_pks_idt;
	bh_pks_idt_desc.size = bh_pks_linux_idt.size;
}

/* cpuhp startup: runs on @cpu, at load for every online CPU, and later */
static int bh_pks_cpu_on(unsigned int cpu)
{
	struct desc_ptr idt;

	store_idt(&idt);
	if (idt.address != bh_pks_linux_idt.address) {
		pr_err("bulkhead: domain - cpu %u addr %#lx reason this CPU has another IDT: no PKS here\n",
		       cpu, idt.address);
		atomic_inc(&bh_pks_cpus_bad);
		return 0;
	}
	wrmsrl(BH_MSR_IA32_PKRS, 0);
	cr4_set_bits(BH_CR4_PKS);
	if ((__read_cr4() & BH_CR4_PKS) && bh_pks_read_pkrs() == 0) {
		atomic_inc(&bh_pks_cpus_on);
	} else {
		pr_err("bulkhead: domain - cpu %u addr 0 reason CR4.PKS did not stick\n",
		       cpu);
		atomic_inc(&bh_pks_cpus_bad);
	}
	return 0;
}

/* cpuhp teardown: CPU going offline, or unload */
static int bh_pks_cpu_off(unsigned int cpu)
{
	if (__read_cr4() & BH_CR4_PKS)
		atomic_dec(&bh_pks_cpus_on);
	wrmsrl(BH_MSR_IA32_PKRS, 0);
	cr4_clear_bits(BH_CR4_PKS);
	return 0;
}

static int bh_pks_status_show(struct seq_file *m, void *unused)
{
	unsigned int cpu;

	seq_printf(m, "cpus_on %d\nkeys_used %#lx\nbreak_irq %d\n",
		   atomic_read(&bh_pks_cpus_on), bh_pks_keys_used, break_irq);
	for_each_online_cpu(cpu)
		seq_printf(m, "cpu %u irqs_inside_domains %lu\n", cpu,
			   per_cpu(bh_pks_cpu, cpu).nr_irq);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(bh_pks_status);

static int __init bh_pks_init(void)
{
	unsigned int eax, ebx, ecx, edx;
	int ret;

	cpuid_count(7, 0, &eax, &ebx, &ecx, &edx);
	if (!(ecx & BH_CPUID7_ECX_PKS)) {
		pr_err("bulkhead: domain - cpu %d addr 0 reason no PKS (CPUID.7.0:ECX[31] clear): PKS domains refused\n",
		       raw_smp_processor_id());
		return -EOPNOTSUPP;
	}
	bh_pks_idt = (gate_desc *)get_zeroed_page(GFP_KERNEL);
	if (!bh_pks_idt)
		return -ENOMEM;
	store_idt(&bh_pks_linux_idt);
	on_each_cpu(bh_pks_check_idt, NULL, 1);
	if (atomic_read(&bh_pks_cpus_bad) ||
	    bh_pks_linux_idt.size + 1 > PAGE_SIZE) {
		pr_err("bulkhead: domain - cpu %d addr %#lx reason CPUs do not share one IDT: PKS domains refused\n",
		       raw_smp_processor_id(), bh_pks_linux_idt.address);
		ret = -EOPNOTSUPP;
		goto fail;
	}
	bh_pks_break_irq = break_irq;
	bh_pks_build_idt();
	ret = cpuhp_setup_state(CPUHP_AP_ONLINE_DYN, "bulkhead/pks:online",
				bh_pks_cpu_on, bh_pks_cpu_off);
	if (ret < 0)
		goto fail;
	bh_pks_hp = ret;
	if (atomic_read(&bh_pks_cpus_bad)) {
		pr_err("bulkhead: domain - cpu %d addr 0 reason PKS could not be enabled on %d CPUs\n",
		       raw_smp_processor_id(), atomic_read(&bh_pks_cpus_bad));
		cpuhp_remove_state(bh_pks_hp);
		ret = -EOPNOTSUPP;
		goto fail;
	}
	bh_pks_dir = debugfs_create_dir("bhpks", NULL);
	debugfs_create_file("status", 0444, bh_pks_dir, NULL,
			    &bh_pks_status_fops);
	pr_info("bulkhead: pks on %d of %u online CPUs (CR4.PKS set, kernel PKRS 0), IDT copy at %p, mode %s%s\n",
		atomic_read(&bh_pks_cpus_on), num_online_cpus(), bh_pks_idt,
		BH_PKS_MODE_WEAK,
		break_irq ? "; TEST BREAK: interrupts keep the domain's PKRS" : "");
	return 0;
fail:
	free_page((unsigned long)bh_pks_idt);
	return ret;
}

static void __exit bh_pks_exit(void)
{
	debugfs_remove_recursive(bh_pks_dir);
	cpuhp_remove_state(bh_pks_hp);
	free_page((unsigned long)bh_pks_idt);
	pr_info("bulkhead: pks off (CR4.PKS cleared on all CPUs)\n");
}

module_init(bh_pks_init);
module_exit(bh_pks_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Bulkhead: driver domains on supervisor protection keys (PKS)");
