// SPDX-License-Identifier: GPL-2.0
/*
 * vmx.c - capability checks, per-CPU VMCS setup, launch and give-back.
 *
 * Context: normal kernel.  mv_check_cpu() runs at module load;
 * mv_cpu_up()/mv_cpu_down() run on the CPU concerned from the CPU-hotplug
 * thread (cpuhp AP_ONLINE_DYN), with interrupts off only around VMXON ..
 * VMLAUNCH and around the give-back hypercall.
 */
#include <linux/gfp.h>
#include <linux/mm.h>
#include <linux/percpu.h>
#include <linux/random.h>
#include <linux/slab.h>
#include <asm/cpufeature.h>
#include <asm/debugreg.h>
#include <asm/desc.h>
#include <asm/fpu/xcr.h>
#include <asm/msr.h>
#include <asm/processor.h>
#include <asm/segment.h>
#include <asm/special_insns.h>
#include <asm/tlbflush.h>
#include "mv.h"
#include "vmcs.h"

struct mv_caps mv_caps;
static DEFINE_PER_CPU(struct mv_cpu *, mv_cpus);

struct mv_cpu *mv_get_cpu(unsigned int cpu)
{
	return per_cpu(mv_cpus, cpu);
}

/* ---- capabilities ------------------------------------------------------ */

/* (want | must-be-1) & may-be-1; *ok = false if a required bit is denied */
static u32 adjust(u32 msr, u32 want, u32 required, bool *ok)
{
	u64 v;
	u32 r;

	if (rdmsrl_safe(msr, &v)) {
		*ok = false;
		return 0;
	}
	r = (want | (u32)v) & (u32)(v >> 32);
	if ((r & required) != required)
		*ok = false;
	return r;
}

/* Fills *caps; on a missing feature returns -ENODEV with *missing set. */
int mv_check_cpu(struct mv_caps *caps, const char **missing)
{
	u32 proc2_want, proc2_need;
	u64 basic, v;
	bool ok = true;

	memset(caps, 0, sizeof(*caps));
	if (!boot_cpu_has(X86_FEATURE_VMX) && !(cpuid_ecx(1) & BIT(5))) {
		*missing = "VMX (CPUID.1:ECX.VMX = 0)";
		return -ENODEV;
	}
	if (rdmsrl_safe(MSR_IA32_FEAT_CTL, &v) ||
	    !(v & FEAT_CTL_LOCKED) || !(v & FEAT_CTL_VMX_ENABLED_OUTSIDE_SMX)) {
		*missing = "VMX enabled in IA32_FEATURE_CONTROL (firmware)";
		return -ENODEV;
	}
	if (rdmsrl_safe(MSR_IA32_VMX_BASIC, &basic) ||
	    !(basic & VMX_BASIC_TRUE_CTLS)) {
		*missing = "IA32_VMX_TRUE_* controls (VMX_BASIC bit 55)";
		return -ENODEV;
	}
	if (((basic & VMX_BASIC_MEM_TYPE_MASK) >> VMX_BASIC_MEM_TYPE_SHIFT) !=
	    VMX_BASIC_MEM_TYPE_WB ||
	    ((basic >> VMX_BASIC_VMCS_SIZE_SHIFT) & 0x1fff) > PAGE_SIZE) {
		*missing = "write-back VMCS of at most 4 KiB";
		return -ENODEV;
	}
	caps->vmcs_revision = (u32)basic & 0x7fffffff;

	caps->pin = adjust(MSR_IA32_VMX_TRUE_PINBASED_CTLS, 0, 0, &ok);
	/* every port access exits: a domain must not reach a device port */
	caps->proc = adjust(MSR_IA32_VMX_TRUE_PROCBASED_CTLS,
			    CPU_BASED_USE_MSR_BITMAPS |
			    CPU_BASED_UNCOND_IO_EXITING |
			    CPU_BASED_ACTIVATE_SECONDARY_CONTROLS,
			    CPU_BASED_USE_MSR_BITMAPS |
			    CPU_BASED_UNCOND_IO_EXITING |
			    CPU_BASED_ACTIVATE_SECONDARY_CONTROLS, &ok);
	if (!ok) {
		*missing = "MSR bitmaps / unconditional I/O exiting / secondary controls";
		return -ENODEV;
	}
	proc2_need = SECONDARY_EXEC_ENABLE_EPT | SECONDARY_EXEC_ENABLE_VPID |
		     SECONDARY_EXEC_ENABLE_VMFUNC;
	proc2_want = proc2_need | SECONDARY_EXEC_ENABLE_RDTSCP |
		     SECONDARY_EXEC_ENABLE_INVPCID | SECONDARY_EXEC_XSAVES;
	if (boot_cpu_has(X86_FEATURE_RDTSCP))
		proc2_need |= SECONDARY_EXEC_ENABLE_RDTSCP;
	if (boot_cpu_has(X86_FEATURE_INVPCID))
		proc2_need |= SECONDARY_EXEC_ENABLE_INVPCID;
	caps->proc2 = adjust(MSR_IA32_VMX_PROCBASED_CTLS2, proc2_want, 0, &ok);
	if (!(caps->proc2 & SECONDARY_EXEC_ENABLE_EPT)) {
		*missing = "EPT";
		return -ENODEV;
	}
	if (!(caps->proc2 & SECONDARY_EXEC_ENABLE_VPID)) {
		*missing = "VPID";
		return -ENODEV;
	}
	if (!(caps->proc2 & SECONDARY_EXEC_ENABLE_VMFUNC) ||
	    rdmsrl_safe(MSR_IA32_VMX_VMFUNC, &v) || !(v & 1)) {
		*missing = "VM functions with EPTP switching";
		return -ENODEV;
	}
	if ((caps->proc2 & proc2_need) != proc2_need) {
		*missing = "RDTSCP/INVPCID enabling in VMX non-root";
		return -ENODEV;
	}
	if (!boot_cpu_has(X86_FEATURE_XSAVES))
		caps->proc2 &= ~SECONDARY_EXEC_XSAVES;
	if (rdmsrl_safe(MSR_IA32_VMX_EPT_VPID_CAP, &caps->ept_vpid) ||
	    !(caps->ept_vpid & VMX_EPT_PAGE_WALK_4_BIT) ||
	    !(caps->ept_vpid & (1ULL << 14)) ||
	    !(caps->ept_vpid & VMX_EPT_2MB_PAGE_BIT) ||
	    !(caps->ept_vpid & VMX_EPT_INVEPT_BIT) ||
	    !(caps->ept_vpid & VMX_EPT_EXTENT_GLOBAL_BIT) ||
	    !(caps->ept_vpid & VMX_EPT_EXTENT_CONTEXT_BIT) ||
	    !((caps->ept_vpid >> 32) & VMX_VPID_INVVPID_BIT) ||
	    !((caps->ept_vpid >> 32) & VMX_VPID_EXTENT_GLOBAL_CONTEXT_BIT)) {
		*missing = "EPT 4-level WB 2M pages with INVEPT/INVVPID";
		return -ENODEV;
	}
	caps->has_1g = caps->ept_vpid & VMX_EPT_1GB_PAGE_BIT;
	rdmsrl(MSR_IA32_VMX_PROCBASED_CTLS2, v);
	caps->has_ve = (v >> 32) & BIT(18);	/* EPT-violation #VE */
	/* the watchdog's timer: optional, off until a domain asks for it */
	rdmsrl(MSR_IA32_VMX_TRUE_PINBASED_CTLS, v);
	if (((v >> 32) & PIN_BASED_VMX_PREEMPTION_TIMER) &&
	    !rdmsrl_safe(MSR_IA32_VMX_MISC, &v)) {
		caps->has_preempt = true;
		/* bits 4:0 (SDM A.6; Linux renamed its constant in 6.x) */
		caps->preempt_rate = v & 0x1f;
	}
	caps->exit = adjust(MSR_IA32_VMX_TRUE_EXIT_CTLS,
			    VM_EXIT_HOST_ADDR_SPACE_SIZE |
			    VM_EXIT_SAVE_IA32_PAT | VM_EXIT_LOAD_IA32_PAT |
			    VM_EXIT_SAVE_IA32_EFER | VM_EXIT_LOAD_IA32_EFER |
			    VM_EXIT_SAVE_DEBUG_CONTROLS,
			    VM_EXIT_HOST_ADDR_SPACE_SIZE |
			    VM_EXIT_SAVE_IA32_PAT | VM_EXIT_LOAD_IA32_PAT |
			    VM_EXIT_SAVE_IA32_EFER | VM_EXIT_LOAD_IA32_EFER, &ok);
	caps->entry = adjust(MSR_IA32_VMX_TRUE_ENTRY_CTLS,
			     VM_ENTRY_IA32E_MODE | VM_ENTRY_LOAD_DEBUG_CONTROLS |
			     VM_ENTRY_LOAD_IA32_PAT | VM_ENTRY_LOAD_IA32_EFER,
			     VM_ENTRY_IA32E_MODE | VM_ENTRY_LOAD_IA32_PAT |
			     VM_ENTRY_LOAD_IA32_EFER, &ok);
	if (!ok) {
		*missing = "64-bit host/guest with PAT/EFER load/save";
		return -ENODEV;
	}
	return 0;
}

/* ---- guest state from the live CPU ------------------------------------ */

static u32 seg_ar(u16 sel)
{
	u32 ar;

	if (!(sel & ~3))
		return VMX_AR_UNUSABLE_MASK;	/* null: unusable, DPL 0 */
	asm("lar %1, %0" : "=r" (ar) : "rm" ((u32)sel));
	return (ar >> 8) & 0xf0ff;
}

static u32 seg_limit(u16 sel)
{
	u32 l = 0;

	if (sel & ~3)
		asm("lsl %1, %0" : "=r" (l) : "rm" ((u32)sel));
	return l;
}

static u16 read_sel(int which)
{
	u16 s = 0;

	switch (which) {
	case 0:
		asm("mov %%es, %0" : "=rm" (s));
		break;
	case 1:
		asm("mov %%cs, %0" : "=rm" (s));
		break;
	case 2:
		asm("mov %%ss, %0" : "=rm" (s));
		break;
	case 3:
		asm("mov %%ds, %0" : "=rm" (s));
		break;
	case 4:
		asm("mov %%fs, %0" : "=rm" (s));
		break;
	case 5:
		asm("mov %%gs, %0" : "=rm" (s));
		break;
	case 6:
		asm("sldt %0" : "=rm" (s));
		break;
	case 7:
		asm("str %0" : "=rm" (s));
		break;
	}
	return s;
}

static u64 tss_base(const struct desc_ptr *gdt, u16 tr)
{
	const struct ldttss_desc *d = (void *)(gdt->address + (tr & ~7));

	return d->base0 | ((u64)d->base1 << 16) | ((u64)d->base2 << 24) |
	       ((u64)d->base3 << 32);
}

static void msr_trap(u8 *bitmap, u32 msr, bool read, bool write)
{
	u32 off = msr >= 0xc0000000 ? 1024 : 0;
	u32 bit = msr & 0x1fff;

	if (read)
		bitmap[off + bit / 8] |= 1 << (bit % 8);
	if (write)
		bitmap[2048 + off + bit / 8] |= 1 << (bit % 8);
}

static void setup_msr_bitmap(u8 *bm)
{
	static const u32 pinned[] = {
		MSR_LSTAR, MSR_STAR, MSR_CSTAR, MSR_SYSCALL_MASK,
		MSR_IA32_SYSENTER_CS, MSR_IA32_SYSENTER_ESP,
		MSR_IA32_SYSENTER_EIP,
		/* emulated in view 0, a domain fault in any other view */
		MSR_TSC_AUX, MSR_EFER, MSR_IA32_CR_PAT,
	};
	unsigned int i;
	u32 msr;

	/* everything else (FS/GS_BASE, KERNEL_GS_BASE, TSC_DEADLINE, ...)
	 * passes through: a zero bit means no exit
	 */
	msr_trap(bm, MSR_IA32_FEAT_CTL, true, true);
	for (msr = MSR_IA32_VMX_BASIC; msr <= MSR_IA32_VMX_VMFUNC; msr++)
		msr_trap(bm, msr, true, true);
	for (i = 0; i < ARRAY_SIZE(pinned); i++)
		msr_trap(bm, pinned[i], false, true);
}

#define W(x) (err |= (x))

static int setup_vmcs(struct mv_cpu *c)
{
	struct mv_caps *k = &mv_caps;
	struct desc_ptr gdt, idt;
	static const u32 sel_f[] = {
		GUEST_ES_SELECTOR, GUEST_CS_SELECTOR, GUEST_SS_SELECTOR,
		GUEST_DS_SELECTOR, GUEST_FS_SELECTOR, GUEST_GS_SELECTOR,
		GUEST_LDTR_SELECTOR, GUEST_TR_SELECTOR,
	};
	u64 cr0 = read_cr0(), cr4 = __read_cr4(), v;
	u16 sel[8];
	int err = 0, i;

	native_store_gdt(&gdt);
	store_idt(&idt);
	for (i = 0; i < 8; i++)
		sel[i] = read_sel(i);

	/* controls */
	W(mv_vmwrite32(PIN_BASED_VM_EXEC_CONTROL, k->pin));
	W(mv_vmwrite32(CPU_BASED_VM_EXEC_CONTROL, k->proc));
	W(mv_vmwrite32(SECONDARY_VM_EXEC_CONTROL, k->proc2));
	W(mv_vmwrite32(VM_EXIT_CONTROLS, k->exit));
	W(mv_vmwrite32(VM_ENTRY_CONTROLS, k->entry));
	W(mv_vmwrite32(EXCEPTION_BITMAP, 0));
	W(mv_vmwrite32(PAGE_FAULT_ERROR_CODE_MASK, 0));
	W(mv_vmwrite32(PAGE_FAULT_ERROR_CODE_MATCH, 0));
	W(mv_vmwrite32(CR3_TARGET_COUNT, 0));
	W(mv_vmwrite32(VM_EXIT_MSR_STORE_COUNT, 0));
	W(mv_vmwrite32(VM_EXIT_MSR_LOAD_COUNT, 0));
	W(mv_vmwrite32(VM_ENTRY_MSR_LOAD_COUNT, 0));
	W(mv_vmwrite32(VM_ENTRY_INTR_INFO_FIELD, 0));
	W(mv_vmwrite64(MSR_BITMAP, c->s.msr_bitmap_pa));
	W(mv_vmwrite64(EPT_POINTER, c->s.eptp));
	W(mv_vmwrite16(VIRTUAL_PROCESSOR_ID, c->s.cpu + 1));
	W(mv_vmwrite64(VM_FUNCTION_CONTROL, 1));	/* EPTP switching */
	W(mv_vmwrite64(EPTP_LIST_ADDRESS, c->s.eptp_list_pa));
	W(mv_vmwrite64(VMCS_LINK_POINTER, ~0ULL));

	/* CR0/CR4 ownership: the guest reads the shadows */
	W(mv_vmwrite64(CR0_GUEST_HOST_MASK, c->s.cr0_mask));
	W(mv_vmwrite64(CR0_READ_SHADOW, cr0));
	W(mv_vmwrite64(CR4_GUEST_HOST_MASK, c->s.cr4_mask));
	W(mv_vmwrite64(CR4_READ_SHADOW, cr4 & ~X86_CR4_VMXE));

	/* guest = this CPU now */
	W(mv_vmwrite64(GUEST_CR0, cr0));
	W(mv_vmwrite64(GUEST_CR3, __read_cr3()));
	W(mv_vmwrite64(GUEST_CR4, cr4));
	W(mv_vmwrite64(GUEST_DR7, native_get_debugreg(7)));
	for (i = 0; i < 8; i++) {
		/* ES CS SS DS FS GS LDTR TR: selector, limit, AR, base
		 * fields are laid out with stride 2 by encoding
		 */
		W(__mv_vmwrite(sel_f[i], sel[i]));
		W(__mv_vmwrite(GUEST_ES_LIMIT + 2 * i, seg_limit(sel[i])));
		W(__mv_vmwrite(GUEST_ES_AR_BYTES + 2 * i, seg_ar(sel[i])));
		W(__mv_vmwrite(GUEST_ES_BASE + 2 * i, 0));
	}
	rdmsrl(MSR_FS_BASE, v);
	W(mv_vmwrite64(GUEST_FS_BASE, v));
	rdmsrl(MSR_GS_BASE, v);
	W(mv_vmwrite64(GUEST_GS_BASE, v));
	W(mv_vmwrite64(GUEST_TR_BASE, tss_base(&gdt, sel[7])));
	W(mv_vmwrite64(GUEST_GDTR_BASE, gdt.address));
	W(mv_vmwrite32(GUEST_GDTR_LIMIT, gdt.size));
	W(mv_vmwrite64(GUEST_IDTR_BASE, idt.address));
	W(mv_vmwrite32(GUEST_IDTR_LIMIT, idt.size));
	if (rdmsrl_safe(MSR_IA32_DEBUGCTLMSR, &v))
		v = 0;
	else
		c->s.has_debugctl = true;
	W(mv_vmwrite64(GUEST_IA32_DEBUGCTL, v));
	rdmsrl(MSR_IA32_CR_PAT, v);
	W(mv_vmwrite64(GUEST_IA32_PAT, v));
	W(mv_vmwrite64(HOST_IA32_PAT, v));
	rdmsrl(MSR_EFER, v);
	W(mv_vmwrite64(GUEST_IA32_EFER, v));
	W(mv_vmwrite64(HOST_IA32_EFER, v));
	rdmsrl(MSR_IA32_SYSENTER_CS, v);
	W(mv_vmwrite32(GUEST_SYSENTER_CS, v));
	W(mv_vmwrite32(HOST_IA32_SYSENTER_CS, v));
	rdmsrl(MSR_IA32_SYSENTER_ESP, v);
	W(mv_vmwrite64(GUEST_SYSENTER_ESP, v));
	W(mv_vmwrite64(HOST_IA32_SYSENTER_ESP, v));
	rdmsrl(MSR_IA32_SYSENTER_EIP, v);
	W(mv_vmwrite64(GUEST_SYSENTER_EIP, v));
	W(mv_vmwrite64(HOST_IA32_SYSENTER_EIP, v));
	W(mv_vmwrite32(GUEST_INTERRUPTIBILITY_INFO, 0));
	W(mv_vmwrite32(GUEST_ACTIVITY_STATE, 0));
	W(mv_vmwrite64(GUEST_PENDING_DBG_EXCEPTIONS, 0));

	/* host = root mode: private page table, own stack, kernel IDT */
	W(mv_vmwrite64(HOST_CR0, cr0));
	W(mv_vmwrite64(HOST_CR3, c->s.host_cr3));
	W(mv_vmwrite64(HOST_CR4, cr4));
	W(mv_vmwrite16(HOST_CS_SELECTOR, __KERNEL_CS));
	W(mv_vmwrite16(HOST_SS_SELECTOR, __KERNEL_DS));
	W(mv_vmwrite16(HOST_DS_SELECTOR, 0));
	W(mv_vmwrite16(HOST_ES_SELECTOR, 0));
	W(mv_vmwrite16(HOST_FS_SELECTOR, 0));
	W(mv_vmwrite16(HOST_GS_SELECTOR, 0));
	W(mv_vmwrite16(HOST_TR_SELECTOR, sel[7]));
	rdmsrl(MSR_FS_BASE, v);
	W(mv_vmwrite64(HOST_FS_BASE, v));
	rdmsrl(MSR_GS_BASE, v);
	W(mv_vmwrite64(HOST_GS_BASE, v));	/* the per-CPU base */
	W(mv_vmwrite64(HOST_TR_BASE, tss_base(&gdt, sel[7])));
	W(mv_vmwrite64(HOST_GDTR_BASE, gdt.address));
	W(mv_vmwrite64(HOST_IDTR_BASE, idt.address));
	W(mv_vmwrite64(HOST_RSP, (u64)&c->stack_self));
	W(mv_vmwrite64(HOST_RIP, (u64)mv_vmexit_entry));
	return err ? -EIO : 0;
}

#undef W

static_assert(GUEST_CS_LIMIT - GUEST_ES_LIMIT == 2 &&
	      GUEST_TR_LIMIT - GUEST_ES_LIMIT == 14 &&
	      GUEST_TR_AR_BYTES - GUEST_ES_AR_BYTES == 14 &&
	      GUEST_TR_BASE - GUEST_ES_BASE == 14);

/* ---- per-CPU up/down --------------------------------------------------- */

static void free_cpu(struct mv_cpu *c)
{
	unsigned int i;

	for (i = 0; i < MV_VIEW_POOL_PAGES; i++)
		if (c->s.pool[i])
			free_page((unsigned long)c->s.pool[i]);
	free_pages((unsigned long)c, MV_CPU_ORDER);
}

static struct mv_cpu *alloc_cpu(unsigned int cpu)
{
	struct mv_cpu *c;
	unsigned int i;
	u64 pa;

	c = (void *)__get_free_pages(GFP_KERNEL | __GFP_ZERO, MV_CPU_ORDER);
	if (!c)
		return NULL;
	c->stack_self = c;
	c->s.self = c;
	c->s.cpu = cpu;
	c->s.stats.cpu = cpu;
	for (i = 0; i < MV_VIEW_POOL_PAGES; i++) {
		c->s.pool[i] = (u64 *)__get_free_page(GFP_KERNEL);
		if (!c->s.pool[i])
			goto fail;
	}
	mv_pool_init_ops(c);
	c->s.views[0].pml4 = c->s.ept_ops.alloc(c->s.ept_ops.ctx, &pa);
	if (!c->s.views[0].pml4 ||
	    mv_ept_map_identity(&c->s.ept_ops, c->s.views[0].pml4,
				mv_caps.max_pa, &mv_caps.mtrr, mv_caps.has_1g))
		goto fail;
	/* WB, 4-level walk */
	c->s.eptp = pa | (3 << 3) | MV_MT_WB;
	c->s.views[0].eptp = c->s.eptp;
	c->eptp_list[0] = c->s.eptp;
	c->s.vmxon_pa = __pa(c->vmxon);
	c->s.vmcs_pa = __pa(c->vmcs);
	c->s.msr_bitmap_pa = __pa(c->msr_bitmap);
	c->s.eptp_list_pa = __pa(c->eptp_list);
	c->s.host_cr3 = __pa(c->host_pml4);
	c->s.cookie = get_random_u64();
	c->s.cr0_mask = X86_CR0_PE | X86_CR0_PG | X86_CR0_NE | X86_CR0_WP |
			X86_CR0_CD | X86_CR0_NW;
	/* owned: a write that changes them exits (a domain fault from a
	 * domain view); Linux sets them once at boot
	 */
	c->s.cr4_mask = X86_CR4_VMXE | X86_CR4_SMEP | X86_CR4_SMAP |
			X86_CR4_UMIP | X86_CR4_FSGSBASE | X86_CR4_PKE;
	c->s.xcr0_supported = cpuid_eax(0xd) | ((u64)cpuid_edx(0xd) << 32);
	setup_msr_bitmap(c->msr_bitmap);
	*(u32 *)c->vmxon = mv_caps.vmcs_revision;
	*(u32 *)c->vmcs = mv_caps.vmcs_revision;
	return c;
fail:
	free_cpu(c);
	return NULL;
}

/* interrupts off: VMXON .. VMLAUNCH on this CPU */
static int launch_here(struct mv_cpu *c, const char **why)
{
	u64 cr4 = __read_cr4();
	int err;

	if (cr4 & X86_CR4_VMXE) {
		*why = "VMX already in use (CR4.VMXE set)";
		return -EBUSY;
	}
	/* kernel half of the current page table; user half stays empty */
	memcpy(c->host_pml4 + PAGE_SIZE / 2,
	       (u8 *)__va(__read_cr3() & PAGE_MASK & ~(1ULL << 12)) +
	       PAGE_SIZE / 2, PAGE_SIZE / 2);
	/* raw write: Linux's CR4 shadow must never contain VMXE */
	asm volatile("mov %0, %%cr4" : : "r" (cr4 | X86_CR4_VMXE) : "memory");
	if (mv_vmxon(c->s.vmxon_pa)) {
		*why = "VMXON failed";
		err = -EIO;
		goto off;
	}
	if (mv_vmclear(c->s.vmcs_pa) || mv_vmptrld(c->s.vmcs_pa)) {
		*why = "VMCLEAR/VMPTRLD failed";
		err = -EIO;
		goto vmxoff;
	}
	mv_invept_all();
	mv_invvpid_all();
	if (setup_vmcs(c)) {
		*why = "VMWRITE failed";
		err = -EIO;
		goto vmxoff;
	}
	if (mv_launch()) {
		pr_err(MV_NAME ": cpu%d: VMLAUNCH failed, VM-instruction error %u\n",
		       c->s.cpu, mv_vmread32(VM_INSTRUCTION_ERROR));
		*why = "VMLAUNCH failed";
		err = -EIO;
		goto vmxoff;
	}
	WRITE_ONCE(c->s.state, MV_CPU_ON);
	return 0;
vmxoff:
	mv_vmclear(c->s.vmcs_pa);
	mv_vmxoff();
off:
	asm volatile("mov %0, %%cr4" : : "r" (cr4) : "memory");
	return err;
}

int mv_cpu_up(unsigned int cpu)
{
	struct mv_hc_result res;
	const char *why = "out of memory";
	struct mv_cpu *c;
	unsigned long flags;
	int err = -ENOMEM;
	long ret;

	if (per_cpu(mv_cpus, cpu))
		return 0;
	c = alloc_cpu(cpu);
	if (!c)
		goto fail;
	local_irq_save(flags);
	err = launch_here(c, &why);
	local_irq_restore(flags);
	if (err)
		goto fail_free;
	/* now in VMX non-root: root mode must answer */
	ret = mv_hypercall(MV_HC_PING, 0, 0, 0, &res);
	if (ret || res.a0 != MV_VERSION || res.a1 != cpu ||
	    res.a2 != MV_PING_SIGNATURE) {
		per_cpu(mv_cpus, cpu) = c;
		mv_cpu_down(cpu);
		why = "no answer to the ping hypercall";
		err = -EIO;
		goto fail;
	}
	per_cpu(mv_cpus, cpu) = c;
	pr_info(MV_NAME ": cpu%u: running in VMX non-root mode\n", cpu);
	return 0;
fail_free:
	free_cpu(c);
fail:
	pr_err(MV_NAME ": cpu%u: refusing to virtualize: %s (%d)\n",
	       cpu, why, err);
	return err;
}

int mv_cpu_down(unsigned int cpu)
{
	struct mv_cpu *c = per_cpu(mv_cpus, cpu);
	unsigned long flags;
	long ret = 0;

	if (!c)
		return 0;
	if (READ_ONCE(c->s.state) == MV_CPU_ON) {
		local_irq_save(flags);
		ret = mv_hypercall(MV_HC_DEVIRT, c->s.cookie, 0, 0, NULL);
		local_irq_restore(flags);
	}
	if (ret || (__read_cr4() & X86_CR4_VMXE)) {
		/* still in VMX non-root: the memory must stay */
		pr_err(MV_NAME ": cpu%u: give-back failed (%ld), CPU stays virtualized\n",
		       cpu, ret);
		return -EIO;
	}
	if (c->s.state == MV_CPU_FAILED)
		pr_warn(MV_NAME ": cpu%u: root mode had given the CPU back after an error (see log)\n",
			cpu);
	per_cpu(mv_cpus, cpu) = NULL;
	free_cpu(c);
	return 0;
}
