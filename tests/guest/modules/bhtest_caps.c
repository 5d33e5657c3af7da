// SPDX-License-Identifier: GPL-2.0
/*
 * bhtest_caps.c - does this CPU (or emulator) give Bulkhead what it needs?
 *
 * Context: guest kernel, test module; loaded by the "caps" suite. Not part
 * of bulkhead.ko. Checks CPUID and the IA32_VMX_* capability MSRs, then
 * runs VMXON/VMXOFF on every online CPU.  Each check is one KTAP line
 * printed as "bhktap: ok N name" (the suite copies them out of dmesg).
 * Init succeeds after reporting (busybox insmod would run a failing init a
 * second time); the suite unloads it.
 */
#include <linux/module.h>
#include <linux/cpu.h>
#include <linux/slab.h>
#include <linux/smp.h>
#include <asm/cpufeature.h>
#include <asm/msr.h>
#include <asm/msr-index.h>
#include <asm/special_insns.h>
#include <asm/processor.h>

#define TAG "bhktap: "

static int n_tests;

static void report(bool ok, const char *name, const char *fmt, u64 a, u64 b)
{
	char why[128] = "";

	if (fmt)
		snprintf(why, sizeof(why), fmt, a, b);
	n_tests++;
	if (ok)
		pr_info(TAG "ok %d %s\n", n_tests, name);
	else
		pr_info(TAG "not ok %d %s # %s\n", n_tests, name, why);
}

/* allowed-1 half of a TRUE_* / secondary control MSR */
static u32 allowed1(u32 msr)
{
	u64 v = 0;

	if (rdmsrl_safe(msr, &v))
		return 0;
	return (u32)(v >> 32);
}

struct vmxon_result {
	int err;		/* 0 ok, else negative errno-ish code */
	u64 detail;
};

static DEFINE_PER_CPU(struct vmxon_result, vmxon_res);
static void *vmxon_page[NR_CPUS];
static u32 vmcs_revision;

/* Runs on each CPU with interrupts off (on_each_cpu). */
static void vmxon_vmxoff(void *unused)
{
	struct vmxon_result *r = this_cpu_ptr(&vmxon_res);
	void *page = vmxon_page[smp_processor_id()];
	unsigned long cr4 = __read_cr4();
	u64 pa = __pa(page), fc = 0;
	u8 fail;

	if (cr4 & X86_CR4_VMXE) {
		r->err = -EBUSY;	/* someone else owns VMX here */
		r->detail = cr4;
		return;
	}
	rdmsrl(MSR_IA32_FEAT_CTL, fc);
	if (!(fc & FEAT_CTL_LOCKED) ||
	    !(fc & FEAT_CTL_VMX_ENABLED_OUTSIDE_SMX)) {
		r->err = -EPERM;
		r->detail = fc;
		return;
	}
	*(u32 *)page = vmcs_revision;
	/* Raw CR4 write: keep VMXE out of Linux's CR4 shadow. */
	asm volatile("mov %0, %%cr4" : : "r"(cr4 | X86_CR4_VMXE) : "memory");
	asm volatile("vmxon %1\n\tsetbe %0"
		     : "=qm"(fail) : "m"(pa) : "cc", "memory");
	if (fail) {
		r->err = -EIO;
		r->detail = 1;
	} else {
		asm volatile("vmxoff\n\tsetbe %0" : "=qm"(fail) : : "cc",
			     "memory");
		r->err = fail ? -EIO : 0;
		r->detail = fail ? 2 : 0;
	}
	asm volatile("mov %0, %%cr4" : : "r"(cr4) : "memory");
}

static void check_vmxon_all(void)
{
	char name[32];
	int cpu;

	for_each_online_cpu(cpu) {
		vmxon_page[cpu] = (void *)get_zeroed_page(GFP_KERNEL);
		if (!vmxon_page[cpu])
			goto out;
	}
	on_each_cpu(vmxon_vmxoff, NULL, 1);
	for_each_online_cpu(cpu) {
		struct vmxon_result *r = per_cpu_ptr(&vmxon_res, cpu);
		static const char *const why[] = {
			[EBUSY] = "CR4.VMXE already set (VMX in use) cr4=%llx",
			[EPERM] = "IA32_FEATURE_CONTROL not locked with VMX on: %llx",
			[EIO] = "VMX instruction failed (1=vmxon 2=vmxoff): %llu",
		};

		snprintf(name, sizeof(name), "vmxon_vmxoff_cpu%d", cpu);
		report(!r->err, name, r->err ? why[-r->err] : NULL,
		       r->detail, 0);
	}
out:
	for_each_online_cpu(cpu) {
		free_page((unsigned long)vmxon_page[cpu]);
		vmxon_page[cpu] = NULL;
	}
}

static int __init bhtest_caps_init(void)
{
	u32 eax, ebx, ecx, edx, proc, proc2;
	u64 basic = 0, ept = 0, vmfunc = 0;
	bool vmx;

	pr_info(TAG "# bhtest_caps: CPU family %u model %u\n",
		boot_cpu_data.x86, boot_cpu_data.x86_model);
	cpuid(1, &eax, &ebx, &ecx, &edx);
	vmx = ecx & BIT(5);
	report(vmx, "cpuid_vmx", "CPUID.1:ECX=%llx lacks bit 5", ecx, 0);
	if (!vmx) {
		pr_info(TAG "# no VMX: the IA32_VMX_* MSRs do not exist\n");
		goto pku;
	}

	rdmsrl_safe(MSR_IA32_VMX_BASIC, &basic);
	vmcs_revision = basic & 0x7fffffff;
	pr_info(TAG "# IA32_VMX_BASIC=%llx (VMCS revision %#x)\n", basic,
		vmcs_revision);
	report(basic & BIT_ULL(55), "vmx_true_controls",
	       "IA32_VMX_BASIC=%llx lacks bit 55", basic, 0);

	proc = allowed1(MSR_IA32_VMX_TRUE_PROCBASED_CTLS);
	proc2 = (proc & BIT(31)) ? allowed1(MSR_IA32_VMX_PROCBASED_CTLS2) : 0;
	rdmsrl_safe(MSR_IA32_VMX_EPT_VPID_CAP, &ept);
	pr_info(TAG "# procbased allowed-1 %x, secondary %x, EPT/VPID cap %llx\n",
		proc, proc2, ept);
	report(proc & BIT(31), "secondary_controls",
	       "TRUE_PROCBASED allowed-1=%llx lacks bit 31", proc, 0);
	report((proc2 & BIT(1)) && (ept & BIT_ULL(6)) && (ept & BIT_ULL(14)),
	       "ept_4level_wb", "secondary=%llx EPT cap=%llx", proc2, ept);
	report(ept & BIT_ULL(16), "ept_2m_pages", "EPT cap=%llx lacks bit 16",
	       ept, 0);
	report(ept & BIT_ULL(17), "ept_1g_pages", "EPT cap=%llx lacks bit 17",
	       ept, 0);
	report((ept & BIT_ULL(20)) && (ept & BIT_ULL(25)) &&
	       (ept & BIT_ULL(26)), "invept_single_all",
	       "EPT cap=%llx lacks INVEPT bits 20/25/26", ept, 0);
	report((proc2 & BIT(5)) && (ept & BIT_ULL(32)), "vpid_invvpid",
	       "secondary=%llx EPT/VPID cap=%llx", proc2, ept);
	report(proc2 & BIT(7), "unrestricted_guest",
	       "secondary=%llx lacks bit 7", proc2, 0);
	if (proc2 & BIT(13))
		rdmsrl_safe(MSR_IA32_VMX_VMFUNC, &vmfunc);
	report((proc2 & BIT(13)) && (vmfunc & BIT_ULL(0)),
	       "vmfunc_eptp_switching",
	       "secondary=%llx IA32_VMX_VMFUNC=%llx (need bit 0)", proc2,
	       vmfunc);
	report(proc2 & BIT(18), "ept_violation_ve",
	       "secondary=%llx lacks bit 18", proc2, 0);
	check_vmxon_all();
pku:
	cpuid_count(7, 0, &eax, &ebx, &ecx, &edx);
	report(ecx & BIT(3), "cpuid_pku", "CPUID.7.0:ECX=%llx lacks bit 3",
	       ecx, 0);
	report(__read_cr4() & X86_CR4_PKE, "cr4_pke_on",
	       "Linux left CR4.PKE off (cr4=%llx)", __read_cr4(), 0);
	pr_info(TAG "# bhtest_caps: %d checks\n", n_tests);
	return 0;
}
module_init(bhtest_caps_init);

static void __exit bhtest_caps_exit(void)
{
}
module_exit(bhtest_caps_exit);

MODULE_DESCRIPTION("Bulkhead test: VT-x and PKU capabilities of this CPU");
MODULE_LICENSE("GPL");
