// SPDX-License-Identifier: GPL-2.0
/*
 * bhtest_mv.c - guest-side checks of the minivisor (bulkhead.ko must be
 * loaded): every CPU answers a ping hypercall; bad hypercalls return
 * errors; VMX instructions, CR4.VMXE, trapped MSRs, XSETBV and a rogue
 * VMFUNC index are refused (#UD/#GP caught by exception-table fixups),
 * port I/O is emulated
 * without crashing root mode; EPT view calls validate their arguments.
 *
 * Context: guest kernel, test module, loaded by the minivisor suites;
 * not part of bulkhead.ko.  Each check prints "bhmv: ok N name" or
 * "bhmv: not ok N name # why"; the suite copies them out of dmesg.  Init
 * always succeeds after reporting (busybox insmod retries a failed init).
 */
#include <linux/atomic.h>
#include <linux/cpu.h>
#include <linux/debugfs.h>
#include <linux/delay.h>
#include <linux/elf.h>
#include <linux/fs.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/smp.h>
#include <linux/vmalloc.h>
#include <asm/apic.h>
#include <asm/asm.h>
#include <asm/nmi.h>
#include <asm/io.h>
#include <asm/msr.h>
#include <asm/processor.h>
#include <asm/special_insns.h>
#include <asm/vmx.h>
#include <asm/fpu/xcr.h>
#include <asm/fpu/types.h>
#include "../../../minivisor/hypercall.h"

#define TAG "bhmv: "

static int n_tests;
static bool attacks = true;
module_param(attacks, bool, 0444);
/* checks=0: only the debugfs files (works without bulkhead.ko) */
static bool checks = true;
module_param(checks, bool, 0444);
/* ept_fault=1: read a GPA outside the identity EPT on this CPU; root
 * mode must report it and give the CPU back (defined failure)
 */
static bool ept_fault;
module_param(ept_fault, bool, 0444);
/* nmis=N: send N NMIs to a CPU that spins on CPUID (so many land in root
 * mode); root_lo/root_hi = bulkhead.ko's text, to count those that did
 */
static unsigned int nmis;
module_param(nmis, uint, 0444);
static unsigned long root_lo, root_size;
module_param(root_lo, ulong, 0444);
module_param(root_size, ulong, 0444);

static __printf(3, 4) void report(bool ok, const char *name, const char *fmt, ...)
{
	char why[160] = "";
	va_list ap;

	if (fmt) {
		va_start(ap, fmt);
		vsnprintf(why, sizeof(why), fmt, ap);
		va_end(ap);
	}
	n_tests++;
	if (ok)
		pr_info(TAG "ok %d %s\n", n_tests, name);
	else
		pr_info(TAG "not ok %d %s # %s\n", n_tests, name, why);
}

struct ping { long ret; struct mv_hc_result res; };

static void do_ping(void *arg)
{
	struct ping *p = arg;

	p->ret = mv_hypercall(MV_HC_PING, 0, 0, 0, &p->res);
}

static long stats_here(struct mv_hc_stats *st)
{
	return mv_hypercall(MV_HC_STATS, virt_to_phys(st), sizeof(*st), 0,
			    NULL);
}

/* raw VMCALL with arbitrary RAX, returns RAX */
static u64 raw_vmcall(u64 rax)
{
	asm volatile("vmcall" : "+a" (rax) : : "memory", "cc", "rdi", "rsi",
		     "rdx");
	return rax;
}

/* run one instruction that must fault; returns the vector-ish outcome:
 * 0 = no fault, 1 = faulted (fixed up)
 */
#define FAULTS(insn, ...) ({						\
	int __f = 1;							\
	asm volatile("1: " insn "\n\t"					\
		     "movl $0, %0\n\t"					\
		     "2:\n\t"						\
		     _ASM_EXTABLE(1b, 2b)				\
		     : "+r" (__f) : __VA_ARGS__ : "memory", "cc");	\
	__f; })

static u64 reason_count(int reason)
{
	struct mv_hc_stats *st = kzalloc(sizeof(*st), GFP_KERNEL);
	u64 n = ~0ULL;

	if (st && !stats_here(st))
		n = st->by_reason[reason];
	kfree(st);
	return n;
}

static void check_pings(void)
{
	unsigned int cpu;

	for_each_online_cpu(cpu) {
		struct ping p = { .ret = -1 };
		char name[32];

		snprintf(name, sizeof(name), "ping_cpu%u", cpu);
		smp_call_function_single(cpu, do_ping, &p, 1);
		report(!p.ret && p.res.a0 == MV_VERSION && p.res.a1 == cpu &&
		       p.res.a2 == MV_PING_SIGNATURE, name,
		       "ret %ld version %llx cpu %llu sig %llx", p.ret,
		       p.res.a0, p.res.a1, p.res.a2);
	}
}

static void check_hypercall_args(void)
{
	struct mv_hc_stats *st = kzalloc(sizeof(*st), GFP_KERNEL);
	struct mv_hc_result r;
	long ret;
	u64 v;

	if (!st) {
		report(false, "stats_alloc", "no memory");
		return;
	}
	preempt_disable();
	ret = stats_here(st);
	report(!ret && st->cpu == smp_processor_id() && st->exits > 0 &&
	       st->by_reason[EXIT_REASON_VMCALL] > 0, "stats_hypercall",
	       "ret %ld cpu %llu exits %llu", ret, st->cpu, st->exits);
	ret = mv_hypercall(MV_HC_STATS, virt_to_phys(st), 8, 0, NULL);
	report(ret == -MV_EINVAL, "stats_bad_size", "ret %ld", ret);
	ret = mv_hypercall(MV_HC_STATS, 1ULL << 50, sizeof(*st), 0, NULL);
	report(ret == -MV_EFAULT, "stats_bad_gpa", "ret %ld", ret);
	ret = mv_hypercall(MV_HC_STATS, ~0ULL & ~7ULL, sizeof(*st), 0, NULL);
	report(ret == -MV_EFAULT, "stats_wrapping_gpa", "ret %ld", ret);
	ret = mv_hypercall(MV_HC_NR + 100, 0, 0, 0, NULL);
	report(ret == -MV_ENOSYS, "unknown_hypercall", "ret %ld", ret);
	v = raw_vmcall(0x1234);		/* no magic tag */
	report((long)v == -MV_ENOSYS, "vmcall_junk_rax", "rax %llx", v);
	v = raw_vmcall(~0ULL);
	report((long)v == -MV_ENOSYS, "vmcall_all_ones", "rax %llx", v);
	ret = mv_hypercall(MV_HC_DEVIRT, 0x5a5a, 0, 0, NULL);
	report(ret == -MV_EPERM, "devirt_bad_cookie", "ret %ld", ret);
	/* the watchdog's timer: arguments, and no fault entry here */
	ret = mv_hypercall(MV_HC_WATCHDOG, 1000000, virt_to_phys(st) + 4, 0,
			   NULL);
	report(ret == -MV_EINVAL, "watchdog_unaligned_count", "ret %ld", ret);
	ret = mv_hypercall(MV_HC_WATCHDOG, 1000000, 1ULL << 50, 0, NULL);
	report(ret == -MV_EFAULT, "watchdog_count_not_ram", "ret %ld", ret);
	ret = mv_hypercall(MV_HC_WATCHDOG, 1000000, virt_to_phys(st), 0, NULL);
	report(ret == -MV_EINVAL, "watchdog_needs_fault_entry", "ret %ld", ret);
	ret = mv_hypercall(MV_HC_WATCHDOG, 0, 0, 0, NULL);
	report(!ret, "watchdog_off", "ret %ld", ret);
	/* EPT views: validation, then one valid round trip */
	ret = mv_hypercall(MV_HC_VIEW_SET_PERM, 0, 0, 0x1000 | MV_PERM_R, NULL);
	report(ret == -MV_EINVAL, "view_identity_readonly", "ret %ld", ret);
	ret = mv_hypercall(MV_HC_VIEW_DESTROY, 77, 0, 0, NULL);
	report(ret == -MV_EINVAL, "view_bad_id", "ret %ld", ret);
	ret = mv_hypercall(MV_HC_VIEW_LOAD_SLOT, MV_VIEW_NONE, 0, 0, NULL);
	report(ret == -MV_EINVAL, "view_slot0_fixed", "ret %ld", ret);
	ret = mv_hypercall(MV_HC_VIEW_CREATE, 0, 0, 0, &r);
	report(!ret && r.a0 > 0 && r.a0 < MV_MAX_VIEWS, "view_create",
	       "ret %ld id %llu", ret, r.a0);
	if (!ret) {
		u64 id = r.a0;

		ret = mv_hypercall(MV_HC_VIEW_SET_PERM, id, 0x1000,
				   0x1000 | MV_PERM_W, NULL);
		report(ret == -MV_EINVAL, "view_write_only_refused",
		       "ret %ld", ret);
		ret = mv_hypercall(MV_HC_VIEW_SET_PERM, id, 0x1001,
				   0x1000 | MV_PERM_R, NULL);
		report(ret == -MV_EINVAL, "view_unaligned_refused",
		       "ret %ld", ret);
		ret = mv_hypercall(MV_HC_VIEW_SET_PERM, id, ~0xfffULL,
				   0x2000 | MV_PERM_R, NULL);
		report(ret == -MV_EINVAL, "view_wrapping_range_refused",
		       "ret %ld", ret);
		ret = mv_hypercall(MV_HC_VIEW_SET_PERM, id, 0x200000,
				   0x1000 | MV_PERM_R, NULL);
		report(!ret, "view_set_perm", "ret %ld", ret);
		ret = mv_hypercall(MV_HC_VIEW_LOAD_SLOT, id, 1, 0, NULL);
		report(!ret, "view_load_slot", "ret %ld", ret);
		ret = mv_hypercall(MV_HC_VIEW_DESTROY, id, 0, 0, NULL);
		report(ret == -MV_EBUSY, "view_destroy_busy", "ret %ld", ret);
		ret = mv_hypercall(MV_HC_VIEW_LOAD_SLOT, MV_VIEW_NONE, 1, 0,
				   NULL);
		report(!ret, "view_unload_slot", "ret %ld", ret);
		ret = mv_hypercall(MV_HC_VIEW_DESTROY, id, 0, 0, NULL);
		report(!ret, "view_destroy", "ret %ld", ret);
	}
	preempt_enable();
	kfree(st);
}

static void skip(const char *name, const char *why)
{
	n_tests++;
	pr_info(TAG "ok %d %s # SKIP %s\n", n_tests, name, why);
}

/*
 * XSETBV exits unconditionally in VMX non-root mode, but only once
 * CR4.OSXSAVE is set (else #UD comes first, without an exit).  Root mode
 * must emulate a valid write and inject #GP for an invalid one, XCR0
 * unchanged.  Bochs 2.7 reports the PKRU XSAVE component below the AVX
 * one, so Linux disables XSAVE there unless booted with clearcpuid=pku
 * (the minivisor boots of tests/plan are).
 */
static void check_xsetbv(void)
{
	static const struct { const char *name; u32 ecx; u64 v; } bad[] = {
		{ "xsetbv_x87_clear_gp", 0, 0 },
		{ "xsetbv_index1_gp", 1, XFEATURE_MASK_FP },
		{ "xsetbv_reserved_bit_gp", 0, XFEATURE_MASK_FP | BIT_ULL(62) },
		{ "xsetbv_avx_without_sse_gp", 0,
		  XFEATURE_MASK_FP | XFEATURE_MASK_YMM },
	};
	u64 xcr0, before, after;
	unsigned int i;
	int f;

	if (!(__read_cr4() & X86_CR4_OSXSAVE)) {
		for (i = 0; i < ARRAY_SIZE(bad); i++)
			skip(bad[i].name,
			     "CR4.OSXSAVE clear: #UD before any exit");
		skip("xsetbv_same_value_emulated", "CR4.OSXSAVE clear");
		return;
	}
	xcr0 = xgetbv(XCR_XFEATURE_ENABLED_MASK);
	before = reason_count(EXIT_REASON_XSETBV);
	f = FAULTS("xsetbv", "a" ((u32)xcr0), "d" ((u32)(xcr0 >> 32)),
		   "c" (0));
	after = reason_count(EXIT_REASON_XSETBV);
	report(!f && after == before + 1 &&
	       xgetbv(XCR_XFEATURE_ENABLED_MASK) == xcr0,
	       "xsetbv_same_value_emulated",
	       "faulted %d, exits %llu -> %llu, xcr0 %llx -> %llx", f, before,
	       after, xcr0, xgetbv(XCR_XFEATURE_ENABLED_MASK));
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		before = reason_count(EXIT_REASON_XSETBV);
		f = FAULTS("xsetbv", "a" ((u32)bad[i].v),
			   "d" ((u32)(bad[i].v >> 32)), "c" (bad[i].ecx));
		after = reason_count(EXIT_REASON_XSETBV);
		report(f && after == before + 1 &&
		       xgetbv(XCR_XFEATURE_ENABLED_MASK) == xcr0, bad[i].name,
		       "faulted %d, exits %llu -> %llu, xcr0 %llx -> %llx", f,
		       before, after, xcr0, xgetbv(XCR_XFEATURE_ENABLED_MASK));
	}
}

/*
 * Port I/O from the kernel view exits and root mode makes the access: the
 * UART's scratch register (0x3ff) holds what was written, IN of a byte
 * keeps RAX's upper bits, IN of a dword zero-extends, string forms move
 * RSI/RDI/RCX like the hardware, and an OUTS from an unmapped address
 * raises #PF in the guest (caught by the exception table).
 */
static void check_port_io(void)
{
	static const char src[] = "ABC";
	u64 before, after, rax;
	const char *p = src;
	char dst[4] = "";
	char *q = dst, *guard;
	unsigned long n;
	u8 v;
	int f;

	before = reason_count(EXIT_REASON_IO_INSTRUCTION);
	outb(0x5a, 0x3ff);
	v = inb(0x3ff);
	after = reason_count(EXIT_REASON_IO_INSTRUCTION);
	report(v == 0x5a && after == before + 2, "port_io_emulated",
	       "scratch %#x, I/O exits %llu -> %llu", v, before, after);
	rax = ~0ULL;
	asm volatile("inb %w1, %b0" : "+a" (rax) : "Nd" ((u16)0x3ff));
	report(rax == 0xffffffffffffff5aULL, "port_in8_keeps_rax",
	       "rax %llx", rax);
	rax = ~0ULL;
	asm volatile("inl %w1, %k0" : "+a" (rax) : "Nd" ((u16)0x3fc));
	report(!(rax >> 32), "port_in32_zero_extends", "rax %llx", rax);
	n = 3;
	asm volatile("rep outsb" : "+S" (p), "+c" (n) : "d" ((u16)0x3ff)
		     : "memory");
	v = inb(0x3ff);
	report(v == 'C' && p == src + 3 && !n, "port_rep_outsb",
	       "scratch %c, rsi +%ld, rcx %lu", v, (long)(p - src), n);
	n = 2;
	asm volatile("rep insb" : "+D" (q), "+c" (n) : "d" ((u16)0x3ff)
		     : "memory");
	report(!strcmp(dst, "CC") && q == dst + 2 && !n, "port_rep_insb",
	       "read '%s', rdi +%ld, rcx %lu", dst, (long)(q - dst), n);
	/* the guard page after a vmalloc area (a user address would be an
	 * SMAP violation, which Linux does not fix up)
	 */
	guard = vmalloc(PAGE_SIZE);
	if (!guard) {
		report(false, "port_outs_unmapped_pf", "vmalloc failed");
		return;
	}
	p = guard + PAGE_SIZE;
	f = 1;
	asm volatile("1: outsb\n\t"
		     "movl $0, %0\n\t"
		     "2:\n\t"
		     _ASM_EXTABLE(1b, 2b)
		     : "+r" (f), "+S" (p) : "d" ((u16)0x3ff) : "memory");
	report(f && inb(0x3ff) == 'C', "port_outs_unmapped_pf",
	       "faulted %d, scratch %#x", f, inb(0x3ff));
	vfree(guard);
}

static void check_attacks(void)
{
	u64 zero = 0, v, before, lstar;
	unsigned long cr4;
	int f;

	preempt_disable();
	before = reason_count(EXIT_REASON_VMON);
	f = FAULTS("vmxon %1", "m" (zero));
	report(f && reason_count(EXIT_REASON_VMON) == before + 1,
	       "vmxon_junk_ud", "faulted %d", f);
	f = FAULTS("vmxoff");
	report(f, "vmxoff_ud", "faulted %d", f);
	f = FAULTS("vmptrld %1", "m" (zero));
	report(f, "vmptrld_ud", "faulted %d", f);
	f = FAULTS("vmread %1, %2", "r" (0x681eUL), "m" (zero));
	report(f, "vmread_ud", "faulted %d", f);
	f = FAULTS("vmfunc", "a" (0), "c" (5));
	report(f, "vmfunc_bad_index_ud", "faulted %d", f);
	f = FAULTS("vmfunc", "a" (0), "c" (0));
	report(!f, "vmfunc_slot0_ok", "faulted %d", f);
	report(!(cpuid_ecx(1) & BIT(5)), "cpuid_hides_vmx", "ecx %x",
	       cpuid_ecx(1));
	cr4 = __read_cr4();
	report(!(cr4 & X86_CR4_VMXE), "cr4_shadow_hides_vmxe", "cr4 %lx", cr4);
	f = FAULTS("mov %1, %%cr4", "r" (cr4 & ~X86_CR4_VMXE));
	report(!f, "cr4_clear_vmxe_harmless", "faulted %d", f);
	f = FAULTS("mov %1, %%cr4", "r" (cr4 | X86_CR4_VMXE));
	report(f, "cr4_set_vmxe_gp", "faulted %d", f);
	report(rdmsrl_safe(MSR_IA32_VMX_BASIC, &v) != 0, "rdmsr_vmx_basic_gp",
	       "value %llx", v);
	report(wrmsrl_safe(MSR_IA32_FEAT_CTL, 0) != 0, "wrmsr_feature_control_gp",
	       NULL);
	rdmsrl(MSR_LSTAR, lstar);
	report(wrmsrl_safe(MSR_LSTAR, lstar) == 0, "wrmsr_lstar_same_ok",
	       NULL);
	if (wrmsrl_safe(MSR_LSTAR, lstar + 0x1000) == 0) {
		wrmsrl(MSR_LSTAR, lstar);
		report(false, "wrmsr_lstar_change_gp", "write succeeded");
	} else {
		report(true, "wrmsr_lstar_change_gp", NULL);
	}
	check_xsetbv();
	check_port_io();
	preempt_enable();
	/* root mode survived all that on every CPU */
	check_pings();
}

/*
 * A 142-byte static x86-64 ELF that issues a tagged ping VMCALL from user
 * mode, then exit(0).  Root mode must inject #UD: the shell sees SIGILL
 * (status 132).  Served as /sys/kernel/debug/bhtest_mv/vmcall_user.
 */
#define UVA 0x400000ULL
static const u8 user_code[] = {
	0x48, 0xb8, 0, 0, 0, 0, 0x4d, 0x56, 0x48, 0x42, /* mov MV_HC(0), %rax */
	0x0f, 0x01, 0xc1,			/* vmcall */
	0x31, 0xff,				/* xor %edi, %edi */
	0xb8, 0x3c, 0, 0, 0,			/* mov $60, %eax (exit) */
	0x0f, 0x05,				/* syscall */
};

static struct {
	struct elf64_hdr eh;
	struct elf64_phdr ph;
	u8 code[sizeof(user_code)];
} __packed user_elf = {
	.eh = {
		.e_ident = { 0x7f, 'E', 'L', 'F', ELFCLASS64, ELFDATA2LSB,
			     EV_CURRENT },
		.e_type = ET_EXEC, .e_machine = EM_X86_64,
		.e_version = EV_CURRENT,
		.e_entry = UVA + sizeof(struct elf64_hdr) +
			   sizeof(struct elf64_phdr),
		.e_phoff = sizeof(struct elf64_hdr),
		.e_ehsize = sizeof(struct elf64_hdr),
		.e_phentsize = sizeof(struct elf64_phdr), .e_phnum = 1,
	},
	.ph = {
		.p_type = PT_LOAD, .p_flags = PF_R | PF_X, .p_vaddr = UVA,
		.p_paddr = UVA, .p_align = 0x1000,
	},
};

static ssize_t elf_read(struct file *f, char __user *buf, size_t n,
			loff_t *pos)
{
	return simple_read_from_buffer(buf, n, pos, &user_elf,
				       sizeof(user_elf));
}

static const struct file_operations elf_fops = {
	.owner = THIS_MODULE,
	.read = elf_read,
};

/* /sys/kernel/debug/bhtest_mv/tsc: the guest TSC, read by the benchmark */
static ssize_t tsc_read(struct file *f, char __user *buf, size_t n,
			loff_t *pos)
{
	char t[32];
	int len = snprintf(t, sizeof(t), "%llu\n", rdtsc_ordered());

	return simple_read_from_buffer(buf, n, pos, t, len);
}

static const struct file_operations tsc_fops = {
	.owner = THIS_MODULE,
	.read = tsc_read,
};

static struct dentry *dir;

static int nmi_target = -1;
static atomic_t nmi_seen, nmi_in_root, spin_stop, spinning;

static int nmi_handler(unsigned int type, struct pt_regs *regs)
{
	if (smp_processor_id() != READ_ONCE(nmi_target))
		return NMI_DONE;
	atomic_inc(&nmi_seen);
	if (regs->ip >= root_lo && regs->ip - root_lo < root_size)
		atomic_inc(&nmi_in_root);
	return NMI_HANDLED;
}

static void cpuid_spin(void *unused)
{
	atomic_set(&spinning, 1);
	while (!atomic_read(&spin_stop))
		cpuid_eax(0);		/* each one exits to root mode */
	atomic_set(&spinning, 0);
}

static void check_nmis(void)
{
	unsigned int i, sent = 0;
	int target = -1, cpu;

	cpus_read_lock();
	for_each_online_cpu(cpu)
		if (cpu != raw_smp_processor_id())
			target = cpu;
	if (target < 0) {
		cpus_read_unlock();
		pr_info(TAG "ok %d nmi_in_root_mode # SKIP needs 2 CPUs\n",
			++n_tests);
		return;
	}
	WRITE_ONCE(nmi_target, target);
	atomic_set(&spin_stop, 0);
	register_nmi_handler(NMI_LOCAL, nmi_handler, 0, "bhtest_mv");
	preempt_disable();
	smp_call_function_single(target, cpuid_spin, NULL, 0);
	for (i = 0; i < 1000 && !atomic_read(&spinning); i++)
		udelay(100);
	for (i = 0; i < nmis; i++) {
		int seen = atomic_read(&nmi_seen), t;

		apic->send_IPI(target, NMI_VECTOR);
		sent++;
		for (t = 0; t < 10000 && atomic_read(&nmi_seen) == seen; t++)
			udelay(10);
	}
	atomic_set(&spin_stop, 1);
	for (i = 0; i < 10000 && atomic_read(&spinning); i++)
		udelay(100);
	preempt_enable();
	unregister_nmi_handler(NMI_LOCAL, "bhtest_mv");
	cpus_read_unlock();
	pr_info(TAG "# nmi: sent %u to cpu%d, handled %d, %d of them in root mode\n",
		sent, target, atomic_read(&nmi_seen), atomic_read(&nmi_in_root));
	report(atomic_read(&nmi_seen) == sent && !atomic_read(&spinning),
	       "nmi_storm_handled", "sent %u handled %d", sent,
	       atomic_read(&nmi_seen));
	report(atomic_read(&nmi_in_root) > 0, "nmi_in_root_mode",
	       "none of %d NMIs landed in root mode (text %lx+%lx)",
	       atomic_read(&nmi_seen), root_lo, root_size);
}

/* ping that survives #UD (a CPU already given back): 1 = faulted */
static int ping_faults(void)
{
	u64 rax = MV_HC(MV_HC_PING), rdi = 0, rsi = 0, rdx = 0;
	int f = 1;

	asm volatile("1: vmcall\n\t"
		     "movl $0, %0\n\t"
		     "2:\n\t"
		     _ASM_EXTABLE(1b, 2b)
		     : "+r" (f), "+a" (rax), "+D" (rdi), "+S" (rsi), "+d" (rdx)
		     : : "memory", "cc");
	return f;
}

static void check_ept_fault(void)
{
	void __iomem *p = ioremap(8ULL << 30, PAGE_SIZE);
	unsigned long cr4;
	int before, after;
	u32 v = 0;

	if (!p) {
		report(false, "ept_fault_ioremap", "ioremap failed");
		return;
	}
	preempt_disable();
	before = ping_faults();
	v = readl(p);
	after = ping_faults();
	cr4 = __read_cr4();
	preempt_enable();
	iounmap(p);
	pr_info(TAG "# ept fault on cpu%d read %x\n", smp_processor_id(), v);
	report(!before && after && !(cr4 & X86_CR4_VMXE),
	       "ept_violation_gives_cpu_back",
	       "ping faulted before %d after %d, cr4 %lx", before, after, cr4);
}

static int __init bhtest_mv_init(void)
{
	memcpy(user_elf.code, user_code, sizeof(user_code));
	user_elf.ph.p_filesz = sizeof(user_elf);
	user_elf.ph.p_memsz = sizeof(user_elf);
	dir = debugfs_create_dir("bhtest_mv", NULL);
	debugfs_create_file("vmcall_user", 0444, dir, NULL, &elf_fops);
	debugfs_create_file("tsc", 0444, dir, NULL, &tsc_fops);
	n_tests = 0;
	if (ept_fault)
		check_ept_fault();
	if (nmis) {
		check_nmis();
		check_pings();
	}
	if (!checks)
		return 0;
	check_pings();
	check_hypercall_args();
	if (attacks)
		check_attacks();
	return 0;
}

static void __exit bhtest_mv_exit(void)
{
	debugfs_remove(dir);
}

module_init(bhtest_mv_init);
module_exit(bhtest_mv_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Bulkhead minivisor guest-side checks (test only)");
