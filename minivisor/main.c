// SPDX-License-Identifier: GPL-2.0
/*
 * main.c - bulkhead.ko load/unload: refuse cleanly or virtualize every
 * online CPU (and every CPU that comes online later), give them all back
 * on unload; the /sys/kernel/bulkhead/minivisor/ status files; refusal of
 * suspend while virtualized.
 *
 * Context: normal kernel (module init/exit, CPU-hotplug callbacks, sysfs).
 */
#include <linux/cpu.h>
#include <linux/cpuhotplug.h>
#include <linux/ioport.h>
#include <linux/kobject.h>
#include <linux/module.h>
#include <linux/reboot.h>
#include <linux/suspend.h>
#include <linux/sysfs.h>
#include <asm/msr.h>
#include <asm/processor.h>
#include <asm/special_insns.h>
#include "mv.h"
#include "mv_trace.h"

struct mv_ram_range mv_ram[MV_MAX_RAM_RANGES];
unsigned int mv_nr_ram;

static enum cpuhp_state mv_hp_state;
static struct kobject *mv_kobj_top, *mv_kobj;

/* ---- facts gathered once at load ---------------------------------------- */

static int add_ram(struct resource *r, void *arg)
{
	if (mv_nr_ram >= MV_MAX_RAM_RANGES)
		return 0;	/* buffers outside the first ranges: -EFAULT */
	mv_ram[mv_nr_ram].start = r->start;
	mv_ram[mv_nr_ram].end = r->end + 1;
	mv_nr_ram++;
	return 0;
}

static void read_mtrrs(struct mv_mtrr *m)
{
	static const u32 fixed[11] = {
		MSR_MTRRfix64K_00000, MSR_MTRRfix16K_80000,
		MSR_MTRRfix16K_A0000, MSR_MTRRfix4K_C0000,
		MSR_MTRRfix4K_C8000, MSR_MTRRfix4K_D0000,
		MSR_MTRRfix4K_D8000, MSR_MTRRfix4K_E0000,
		MSR_MTRRfix4K_E8000, MSR_MTRRfix4K_F0000,
		MSR_MTRRfix4K_F8000,
	};
	u64 cap = 0, def = 0, v;
	unsigned int i, j, bits = 36;

	if (cpuid_eax(0x80000000) >= 0x80000008)
		bits = cpuid_eax(0x80000008) & 0xff;
	m->pa_mask = (1ULL << bits) - 1;
	if (!boot_cpu_has(X86_FEATURE_MTRR) ||
	    rdmsrl_safe(MSR_MTRRcap, &cap) ||
	    rdmsrl_safe(MSR_MTRRdefType, &def)) {
		/* no MTRRs: memory is write-back */
		m->enabled = true;
		m->def_type = MV_MT_WB;
		return;
	}
	m->enabled = def & BIT(11);
	m->fixed_enabled = (def & BIT(10)) && (cap & BIT(8));
	m->def_type = def & 0xff;
	if (m->fixed_enabled)
		for (i = 0; i < ARRAY_SIZE(fixed); i++) {
			if (rdmsrl_safe(fixed[i], &v))
				v = 0;
			for (j = 0; j < 8; j++)
				m->fixed[i * 8 + j] = v >> (8 * j);
		}
	m->nr_var = min_t(u32, cap & 0xff, MV_MTRR_MAX_VAR);
	for (i = 0; i < m->nr_var; i++) {
		if (rdmsrl_safe(0x200 + 2 * i, &m->var[i].base) ||
		    rdmsrl_safe(0x201 + 2 * i, &m->var[i].mask))
			m->var[i].mask = 0;
	}
}

/* ---- VMX already in use? ------------------------------------------------- */

static void probe_vmxe(void *arg)
{
	if (__read_cr4() & X86_CR4_VMXE)
		cpumask_set_cpu(smp_processor_id(), arg);
}

static const char *vmx_owner(void)
{
	const char *who = "unknown owner (another hypervisor module?)";

	if (__symbol_get("kvm_rebooting")) {
		who = "kvm (kvm_intel is running guests)";
		__symbol_put("kvm_rebooting");
	}
	return who;
}

/* ---- suspend ------------------------------------------------------------ */

static int mv_pm_notify(struct notifier_block *nb, unsigned long ev, void *p)
{
	if (ev != PM_SUSPEND_PREPARE && ev != PM_HIBERNATION_PREPARE)
		return NOTIFY_DONE;
	pr_warn(MV_NAME ": refusing suspend/hibernate: CPUs run in VMX non-root mode; rmmod bulkhead first\n");
	return notifier_from_errno(-EBUSY);
}

static struct notifier_block mv_pm_nb = {
	.notifier_call = mv_pm_notify,
};

/* ---- reboot and kexec: give every CPU back first ---------------------- */

static bool mv_hp_registered;

static int mv_reboot_notify(struct notifier_block *nb, unsigned long ev,
			    void *p)
{
	if (!mv_hp_registered)
		return NOTIFY_DONE;
	pr_info(MV_NAME ": reboot/halt/kexec: giving every CPU back\n");
	cpuhp_remove_state(mv_hp_state);
	mv_hp_registered = false;
	return NOTIFY_DONE;
}

static struct notifier_block mv_reboot_nb = {
	.notifier_call = mv_reboot_notify,
};

/* ---- for the other Bulkhead modules ------------------------------------- */

/*
 * Modules that talk to the minivisor by VMCALL call this once at init: the
 * symbol reference makes the module loader refuse `rmmod bulkhead` while
 * they are loaded.
 */
u32 bulkhead_mv_version(void)
{
	return MV_VERSION;
}
EXPORT_SYMBOL_GPL(bulkhead_mv_version);

/* ---- sysfs: /sys/kernel/bulkhead/minivisor/ ------------------------------ */

static const char * const state_names[] = {
	[MV_CPU_OFF] = "off", [MV_CPU_ON] = "on", [MV_CPU_FAILED] = "failed",
};

static ssize_t version_show(struct kobject *k, struct kobj_attribute *a,
			    char *buf)
{
	return sysfs_emit(buf, "%u.%u.%u\n", MV_VERSION >> 16,
			  (MV_VERSION >> 8) & 0xff, MV_VERSION & 0xff);
}

/* one line per CPU: "cpuN STATE exits=N hypercalls=N refused=N" */
static ssize_t cpus_show(struct kobject *k, struct kobj_attribute *a,
			 char *buf)
{
	unsigned int cpu;
	int n = 0;

	cpus_read_lock();
	for_each_possible_cpu(cpu) {
		struct mv_cpu *c = mv_get_cpu(cpu);

		if (!cpu_online(cpu) && !c)
			continue;
		if (!c) {
			n += sysfs_emit_at(buf, n, "cpu%u off\n", cpu);
			continue;
		}
		n += sysfs_emit_at(buf, n,
				   "cpu%u %s exits=%llu hypercalls=%llu hc_errors=%llu refused=%llu domain_faults=%llu exits_in_views=%llu nmis_deferred=%llu watchdog_faults=%llu\n",
				   cpu, state_names[READ_ONCE(c->s.state)],
				   READ_ONCE(c->s.stats.exits),
				   READ_ONCE(c->s.stats.hypercalls),
				   READ_ONCE(c->s.stats.hc_errors),
				   READ_ONCE(c->s.stats.refused),
				   READ_ONCE(c->s.stats.domain_faults),
				   READ_ONCE(c->s.stats.exits_in_views),
				   READ_ONCE(c->s.stats.nmis_deferred),
				   READ_ONCE(c->s.stats.watchdog_faults));
	}
	cpus_read_unlock();
	return n;
}

/* "REASON count-cpu0 count-cpu1 ..." for every reason seen on a CPU */
static ssize_t exits_show(struct kobject *k, struct kobj_attribute *a,
			  char *buf)
{
	unsigned int cpu, r;
	int n;

	cpus_read_lock();
	n = sysfs_emit(buf, "reason");
	for_each_online_cpu(cpu)
		n += sysfs_emit_at(buf, n, " cpu%u", cpu);
	n += sysfs_emit_at(buf, n, "\n");
	for (r = 0; r < MV_NR_EXIT_REASONS; r++) {
		u64 sum = 0;

		for_each_online_cpu(cpu) {
			struct mv_cpu *c = mv_get_cpu(cpu);

			sum += c ? READ_ONCE(c->s.stats.by_reason[r]) : 0;
		}
		if (!sum)
			continue;
		n += sysfs_emit_at(buf, n, "%s",
				   mv_exit_names[r] ? mv_exit_names[r] : "?");
		for_each_online_cpu(cpu) {
			struct mv_cpu *c = mv_get_cpu(cpu);

			n += sysfs_emit_at(buf, n, " %llu", c ?
					   READ_ONCE(c->s.stats.by_reason[r]) : 0);
		}
		n += sysfs_emit_at(buf, n, "\n");
	}
	cpus_read_unlock();
	return n;
}

/* the root-mode log, oldest first: "cpuN tsc what reason rip a b" */
static ssize_t log_show(struct kobject *k, struct kobj_attribute *a,
			char *buf)
{
	unsigned int cpu, i, room;
	int n = 0;

	cpus_read_lock();
	/*
	 * the newest entries of every CPU fit in the page: a line is at
	 * most 128 bytes (before, the first CPUs' full logs could push a
	 * later CPU's newest entries out of the page)
	 */
	room = clamp_t(unsigned int,
		       (PAGE_SIZE - 128) / 128 / num_online_cpus(), 1,
		       MV_LOG_SIZE);
	for_each_online_cpu(cpu) {
		struct mv_cpu *c = mv_get_cpu(cpu);
		u32 head;

		if (!c)
			continue;
		head = READ_ONCE(c->s.log_head);
		i = head > room ? head - room : 0;
		for (; i < head && n < PAGE_SIZE - 128; i++) {
			struct mv_log_entry *e = &c->s.log[i % MV_LOG_SIZE];

			n += sysfs_emit_at(buf, n,
					   "cpu%u %llu what=%u reason=%u rip=%llx a=%llx b=%llx\n",
					   cpu, e->tsc, e->what, e->reason,
					   e->rip, e->a, e->b);
		}
	}
	cpus_read_unlock();
	return n;
}

static struct kobj_attribute mv_attrs[] = {
	__ATTR_RO(version), __ATTR_RO(cpus), __ATTR_RO(exits), __ATTR_RO(log),
};

static struct attribute *mv_attr_list[] = {
	&mv_attrs[0].attr, &mv_attrs[1].attr, &mv_attrs[2].attr,
	&mv_attrs[3].attr, NULL,
};

static const struct attribute_group mv_group = { .attrs = mv_attr_list };

static void sysfs_down(void)
{
	if (mv_kobj) {
		sysfs_remove_group(mv_kobj, &mv_group);
		kobject_put(mv_kobj);
	}
	kobject_put(mv_kobj_top);
	mv_kobj = NULL;
	mv_kobj_top = NULL;
}

static int sysfs_up(void)
{
	mv_kobj_top = kobject_create_and_add("bulkhead", kernel_kobj);
	if (!mv_kobj_top)
		return -ENOMEM;
	mv_kobj = kobject_create_and_add("minivisor", mv_kobj_top);
	if (!mv_kobj || sysfs_create_group(mv_kobj, &mv_group)) {
		kobject_put(mv_kobj);
		mv_kobj = NULL;
		sysfs_down();
		return -ENOMEM;
	}
	return 0;
}

/* ---- load / unload ------------------------------------------------------ */

static int mv_online(unsigned int cpu)
{
	return mv_cpu_up(cpu);
}

static int mv_offline(unsigned int cpu)
{
	return mv_cpu_down(cpu);
}

static int __init mv_init(void)
{
	const char *missing = NULL;
	cpumask_var_t busy;
	u64 end = 4ULL << 30;
	unsigned int i;
	int err, cpu;

	err = mv_check_cpu(&mv_caps, &missing);
	if (err) {
		pr_err(MV_NAME ": cpu%d: refusing to load: missing %s\n",
		       raw_smp_processor_id(), missing);
		return err;
	}
	if (!zalloc_cpumask_var(&busy, GFP_KERNEL))
		return -ENOMEM;
	cpus_read_lock();
	on_each_cpu(probe_vmxe, busy, 1);
	cpu = cpumask_first(busy);
	cpus_read_unlock();
	free_cpumask_var(busy);
	if (cpu < nr_cpu_ids) {
		pr_err(MV_NAME ": cpu%d: refusing to load: VMX already in use (CR4.VMXE set) by %s\n",
		       cpu, vmx_owner());
		return -EBUSY;
	}

	mv_nr_ram = 0;
	walk_iomem_res_desc(IORES_DESC_NONE,
			    IORESOURCE_SYSTEM_RAM | IORESOURCE_BUSY,
			    0, -1, NULL, add_ram);
	for (i = 0; i < mv_nr_ram; i++)
		end = max(end, mv_ram[i].end);
	mv_caps.max_pa = ALIGN(end, 1ULL << 30);
	read_mtrrs(&mv_caps.mtrr);

	err = sysfs_up();
	if (err)
		return err;
	err = register_pm_notifier(&mv_pm_nb);
	if (err)
		goto out_sysfs;
	/* virtualizes every online CPU now, and each CPU that comes online;
	 * gives back a CPU before it goes offline
	 */
	err = cpuhp_setup_state(CPUHP_AP_ONLINE_DYN, "bulkhead/minivisor:online",
				mv_online, mv_offline);
	if (err < 0)
		goto out_pm;
	mv_hp_state = err;
	mv_hp_registered = true;
	err = register_reboot_notifier(&mv_reboot_nb);
	if (err) {
		cpuhp_remove_state(mv_hp_state);
		goto out_pm;
	}
	pr_info(MV_NAME ": minivisor %u.%u on %u CPUs (EPT%s, VPID, EPTP switching%s)\n",
		MV_VERSION >> 16, (MV_VERSION >> 8) & 0xff, num_online_cpus(),
		mv_caps.has_1g ? " 1G" : "", mv_caps.has_ve ? ", #VE" : "");
	return 0;
out_pm:
	unregister_pm_notifier(&mv_pm_nb);
out_sysfs:
	sysfs_down();
	pr_err(MV_NAME ": refusing to load (%d)\n", err);
	return err;
}

static void __exit mv_exit(void)
{
	mv_trace_exit();
	unregister_reboot_notifier(&mv_reboot_nb);
	if (mv_hp_registered)
		cpuhp_remove_state(mv_hp_state);
	unregister_pm_notifier(&mv_pm_nb);
	sysfs_down();
	pr_info(MV_NAME ": minivisor unloaded, every CPU given back\n");
}

module_init(mv_init);
module_exit(mv_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Bulkhead minivisor: late-launch VT-x microhypervisor");
