// SPDX-License-Identifier: GPL-2.0
/*
 * exit.c - VM-exit handling: the exit table, the hypercalls, and giving a
 * CPU back (devirtualize).
 *
 * Context: VMX root mode, entered from entry.S on the per-CPU host stack
 * with interrupts off and the private host page table.  The guest may hold
 * any kernel lock: no printk, no locks, no allocation, no FPU/SIMD (the
 * kernel's -mgeneral-regs-only flags), no calls into kernel code except
 * inline helpers and the lock-free load_direct_gdt()/load_fixmap_gdt()
 * used after VMXOFF.  Reports go to the per-CPU log (read by sysfs) and to
 * port 0xe9 (the emulator's debug console).
 */
#include <linux/kernel.h>
#include <linux/percpu.h>
#include <asm/desc.h>
#include <asm/fpu/xcr.h>
#include <asm/fpu/types.h>
#include <asm/io.h>
#include <asm/msr.h>
#include <asm/processor.h>
#include <asm/special_insns.h>
#include <asm/tlbflush.h>
#include <asm/trapnr.h>
#include <asm/trap_pf.h>
#include <asm/debugreg.h>
#include "mv.h"
#include "vmcs.h"

/* handler return contract (one place) */
enum mv_action {
	MV_RESUME,	/* VMRESUME, RIP unchanged (e.g. an injected fault) */
	MV_SKIP,	/* advance RIP past the exiting instruction, VMRESUME */
	MV_DEVIRT,	/* give the CPU back; RIP/RAX already set up */
	MV_FAIL,	/* report, dump, give the CPU back at the same RIP */
};

typedef enum mv_action (*mv_exit_fn)(struct mv_cpu *c, struct mv_regs *r);

/* ---- root-mode output ------------------------------------------------- */

static void e9_puts(const char *s)
{
	while (*s)
		outb(*s++, 0xe9);
}

static void e9_hex(u64 v)
{
	int i;

	outb('0', 0xe9);
	outb('x', 0xe9);
	for (i = 60; i >= 0; i -= 4)
		outb("0123456789abcdef"[(v >> i) & 0xf], 0xe9);
}

static void mv_log(struct mv_cpu *c, u32 what, u64 a, u64 b)
{
	struct mv_state *s = &c->s;
	struct mv_log_entry *e = &s->log[s->log_head % MV_LOG_SIZE];

	e->tsc = rdtsc();
	e->rip = mv_vmread64(GUEST_RIP);
	e->reason = mv_vmread32(VM_EXIT_REASON) & 0xffff;
	e->a = a;
	e->b = b;
	WRITE_ONCE(e->what, what);
	WRITE_ONCE(s->log_head, s->log_head + 1);
}

static void mv_dump_vmcs(struct mv_cpu *c)
{
	static const struct mv_vmcs_field_desc f[] = MV_VMCS_FIELD_DESCS;
	unsigned int i;

	e9_puts("bulkhead: VMCS dump, cpu ");
	e9_hex(c->s.cpu);
	e9_puts("\n");
	for (i = 0; i < ARRAY_SIZE(f); i++) {
		e9_puts("  ");
		e9_puts(f[i].name);
		e9_puts(" = ");
		e9_hex(__mv_vmread(f[i].enc));
		e9_puts("\n");
	}
}

/* ---- helpers ---------------------------------------------------------- */

static void inject(u8 vector, bool has_error)
{
	u32 info = vector | INTR_TYPE_HARD_EXCEPTION | INTR_INFO_VALID_MASK;

	if (has_error) {
		info |= INTR_INFO_DELIVER_CODE_MASK;
		mv_vmwrite32(VM_ENTRY_EXCEPTION_ERROR_CODE, 0);
	}
	mv_vmwrite32(VM_ENTRY_INTR_INFO_FIELD, info);
}

static enum mv_action refuse(struct mv_cpu *c, u8 vector, u64 detail,
			     u64 value)
{
	c->s.stats.refused++;
	mv_log(c, MV_LOG_REFUSED, detail, value);
	inject(vector, vector == X86_TRAP_GP);
	return MV_RESUME;
}

static unsigned int guest_cpl(void)
{
	return (mv_vmread32(GUEST_SS_AR_BYTES) >> 5) & 3;
}

static u64 *gpr(struct mv_regs *r, unsigned int n)
{
	return &((u64 *)r)[n & 15];
}

/* ---- EPT page pool (also used by the normal kernel at setup) ---------- */

static u64 *pool_alloc(void *ctx, u64 *pa)
{
	struct mv_state *s = ctx;
	unsigned int i, j;

	for (i = 0; i < MV_VIEW_POOL_PAGES; i++) {
		if (s->pool_used[i / 64] & (1ULL << (i % 64)))
			continue;
		s->pool_used[i / 64] |= 1ULL << (i % 64);
		for (j = 0; j < PAGE_SIZE / 8; j++)
			s->pool[i][j] = 0;
		*pa = __pa(s->pool[i]);
		return s->pool[i];
	}
	return NULL;
}

static void pool_free(void *ctx, u64 *page)
{
	struct mv_state *s = ctx;
	unsigned int i;

	for (i = 0; i < MV_VIEW_POOL_PAGES; i++)
		if (s->pool[i] == page)
			s->pool_used[i / 64] &= ~(1ULL << (i % 64));
}

static u64 *pool_va(void *ctx, u64 pa)
{
	return __va(pa);
}

void mv_pool_init_ops(struct mv_cpu *c)
{
	c->s.ept_ops.ctx = &c->s;
	c->s.ept_ops.alloc = pool_alloc;
	c->s.ept_ops.free = pool_free;
	c->s.ept_ops.va = pool_va;
}

/* ---- giving the CPU back ---------------------------------------------- */

/*
 * Leave VMX operation on this CPU and restore what a VM exit changed, so
 * that entry.S can continue the guest natively: it pops the guest GPRs,
 * switches to r->rsp = an IRET frame [rax][rip][cs][rflags][rsp][ss] in
 * this CPU's state page, pops RAX and runs IRETQ.  Host and guest share
 * the kernel half of the address space, so this code and the state page
 * stay mapped across the CR3 switch (a PTI user CR3 is switched to its
 * kernel half: the guest's entry code tolerates that).  GS base is
 * restored last: nothing after it may touch per-CPU data.
 */
static enum mv_action devirtualize(struct mv_cpu *c, struct mv_regs *r,
				   enum mv_cpu_state new_state)
{
	u64 *frame = c->s.iret_frame;
	u64 cr0 = mv_vmread64(GUEST_CR0), cr3 = mv_vmread64(GUEST_CR3);
	u64 cr4 = mv_vmread64(GUEST_CR4) & ~X86_CR4_VMXE;
	u64 fs_base = mv_vmread64(GUEST_FS_BASE);
	u64 gs_base = mv_vmread64(GUEST_GS_BASE);
	u64 dr7 = mv_vmread64(GUEST_DR7), pat = mv_vmread64(GUEST_IA32_PAT);
	u64 debugctl = mv_vmread64(GUEST_IA32_DEBUGCTL);
	u16 ds = mv_vmread16(GUEST_DS_SELECTOR);
	u16 es = mv_vmread16(GUEST_ES_SELECTOR);
	u16 fs = mv_vmread16(GUEST_FS_SELECTOR);
	u16 gs = mv_vmread16(GUEST_GS_SELECTOR);
	struct desc_ptr gdt = {
		.size = mv_vmread32(GUEST_GDTR_LIMIT),
		.address = mv_vmread64(GUEST_GDTR_BASE),
	};
	struct desc_ptr idt = {
		.size = mv_vmread32(GUEST_IDTR_LIMIT),
		.address = mv_vmread64(GUEST_IDTR_BASE),
	};

	frame[0] = r->rax;
	frame[1] = mv_vmread64(GUEST_RIP);
	frame[2] = mv_vmread16(GUEST_CS_SELECTOR);
	frame[3] = mv_vmread64(GUEST_RFLAGS);
	frame[4] = mv_vmread64(GUEST_RSP);
	frame[5] = mv_vmread16(GUEST_SS_SELECTOR);
	r->rsp = (u64)frame;
	WRITE_ONCE(c->s.state, new_state);

	mv_vmclear(c->s.vmcs_pa);
	mv_vmxoff();
	asm volatile("mov %0, %%cr4" : : "r" (cr4) : "memory");
	asm volatile("mov %0, %%cr3" : : "r" (cr3 & ~BIT_ULL(12)) : "memory");
	asm volatile("mov %0, %%cr0" : : "r" (cr0) : "memory");
	native_load_gdt(&gdt);
	native_load_idt(&idt);
	/* TR: the exit set its limit to 0x67; reload through the writable
	 * GDT alias (clears the busy bit), then back to the fixmap GDT
	 */
	force_reload_TR();
	wrmsrl(MSR_IA32_CR_PAT, pat);
	if (c->s.has_debugctl)
		wrmsrl(MSR_IA32_DEBUGCTLMSR, debugctl);
	native_set_debugreg(7, dr7);
	/* flush every PCID and global entry left by the host page table */
	asm volatile("mov %0, %%cr4" : : "r" (cr4 ^ X86_CR4_PGE) : "memory");
	asm volatile("mov %0, %%cr4" : : "r" (cr4) : "memory");
	/* selectors before bases: a selector load changes the base */
	asm volatile("mov %0, %%ds" : : "r" (ds));
	asm volatile("mov %0, %%es" : : "r" (es));
	asm volatile("mov %0, %%fs" : : "r" (fs));
	wrmsrl(MSR_FS_BASE, fs_base);
	asm volatile("mov %0, %%gs\n\t"
		     "wrmsr"
		     : : "r" (gs), "c" (MSR_GS_BASE), "a" ((u32)gs_base),
		       "d" ((u32)(gs_base >> 32)) : "memory");
	return MV_DEVIRT;
}

/* ---- exit handlers ---------------------------------------------------- */

static enum mv_action h_cpuid(struct mv_cpu *c, struct mv_regs *r)
{
	u32 eax = r->rax, ebx, ecx = r->rcx, edx;

	native_cpuid(&eax, &ebx, &ecx, &edx);
	if (r->rax == 1)
		ecx &= ~BIT(5);		/* VMX is not offered to the guest */
	r->rax = eax;
	r->rbx = ebx;
	r->rcx = ecx;
	r->rdx = edx;
	return MV_SKIP;
}

static enum mv_action h_invd(struct mv_cpu *c, struct mv_regs *r)
{
	native_wbinvd();	/* never drop dirty lines */
	return MV_SKIP;
}

static enum mv_action h_xsetbv(struct mv_cpu *c, struct mv_regs *r)
{
	u64 v = (r->rax & 0xffffffff) | (r->rdx << 32);
	u64 avx512 = XFEATURE_MASK_OPMASK | XFEATURE_MASK_ZMM_Hi256 |
		     XFEATURE_MASK_Hi16_ZMM;

	if ((u32)r->rcx != 0 || !(v & XFEATURE_MASK_FP) ||
	    (v & ~c->s.xcr0_supported) ||
	    ((v & XFEATURE_MASK_YMM) && !(v & XFEATURE_MASK_SSE)) ||
	    ((v & avx512) && (v & avx512) != avx512) ||
	    ((v & avx512) && !(v & XFEATURE_MASK_YMM)))
		return refuse(c, X86_TRAP_GP, r->rcx, v);
	xsetbv((u32)r->rcx, v);
	return MV_SKIP;
}

/* VMX instructions, GETSEC and a failed VMFUNC: #UD, as without VMX */
static enum mv_action h_ud(struct mv_cpu *c, struct mv_regs *r)
{
	return refuse(c, X86_TRAP_UD, mv_vmread32(VM_EXIT_REASON), r->rax);
}

static enum mv_action h_triple_fault(struct mv_cpu *c, struct mv_regs *r)
{
	mv_log(c, MV_LOG_TRIPLE_FAULT, 0, 0);
	e9_puts("bulkhead: guest triple fault, cpu ");
	e9_hex(c->s.cpu);
	e9_puts(" rip ");
	e9_hex(mv_vmread64(GUEST_RIP));
	e9_puts(": CPU halted\n");
	mv_dump_vmcs(c);
	for (;;)
		asm volatile("cli; hlt");
	return MV_FAIL;
}

static enum mv_action h_cr(struct mv_cpu *c, struct mv_regs *r)
{
	u64 q = mv_vmread64(EXIT_QUALIFICATION);
	unsigned int cr = q & 15, type = (q >> 4) & 3, reg = (q >> 8) & 15;
	u64 v = reg == 4 ? mv_vmread64(GUEST_RSP) : *gpr(r, reg);
	u64 fixed0, fixed1;

	if (type != 0)		/* CLTS/LMSW/MOV from: not trapped */
		return MV_FAIL;
	if (cr == 4) {
		rdmsrl(MSR_IA32_VMX_CR4_FIXED0, fixed0);
		rdmsrl(MSR_IA32_VMX_CR4_FIXED1, fixed1);
		/* VMXE belongs to the minivisor: setting it is refused */
		if (v & X86_CR4_VMXE)
			return refuse(c, X86_TRAP_GP, 4, v);
		v |= X86_CR4_VMXE;
		if ((v & fixed0) != fixed0 || (v & ~fixed1))
			return refuse(c, X86_TRAP_GP, 4, v);
		mv_vmwrite64(CR4_READ_SHADOW, v & ~X86_CR4_VMXE);
		mv_vmwrite64(GUEST_CR4, v);
		return MV_SKIP;
	}
	if (cr == 0) {
		u64 keep = X86_CR0_PE | X86_CR0_PG | X86_CR0_NE;

		if ((v ^ mv_vmread64(CR0_READ_SHADOW)) & keep)
			return refuse(c, X86_TRAP_GP, 0, v);
		rdmsrl(MSR_IA32_VMX_CR0_FIXED1, fixed1);
		if (v & ~fixed1)
			return refuse(c, X86_TRAP_GP, 0, v);
		mv_vmwrite64(CR0_READ_SHADOW, v);
		mv_vmwrite64(GUEST_CR0, v);
		return MV_SKIP;
	}
	return MV_FAIL;
}

/*
 * Port I/O.  Every IN/OUT/INS/OUTS exits (unconditional I/O exiting): in a
 * domain view the exit goes to the domain's fault entry before this
 * handler runs (a driver in a domain must not reach a device port); in the
 * kernel view root mode makes the access itself.  The CPU checks CPL, IOPL
 * and the TSS permission bitmap before the exit, so a user process that
 * got here holds the port.
 */
#define IO_SIZE(q)	(((q) & 7) + 1)
#define IO_IN		BIT(3)
#define IO_STRING	BIT(4)
#define IO_REP		BIT(5)
#define IO_PORT(q)	((u16)((q) >> 16))
#define IO_MAX_ELEMS	4096	/* per exit; the rest re-executes */
#define IO_SEG_FS	4	/* instruction-information segment numbers */
#define IO_SEG_GS	5

static bool gpa_in_ram(u64 gpa, u64 len);

static u32 port_in(u16 port, unsigned int size)
{
	return size == 1 ? inb(port) : size == 2 ? inw(port) : inl(port);
}

static void port_out(u16 port, unsigned int size, u32 v)
{
	if (size == 1)
		outb(v, port);
	else if (size == 2)
		outw(v, port);
	else
		outl(v, port);
}

/*
 * A guest linear address to its physical address through the guest's
 * page tables (4- or 5-level), for an access of the guest's CPL, SMAP
 * included.  Returns 0 and sets *pf_ec (a #PF error code) when the guest
 * would fault.
 */
static u64 guest_walk(u64 va, bool write, bool user, u32 *pf_ec)
{
	static const unsigned int shift[] = { 48, 39, 30, 21, 12 };
	u64 cr4 = mv_vmread64(GUEST_CR4);
	bool smap = !user && (cr4 & X86_CR4_SMAP) &&
		    !(mv_vmread64(GUEST_RFLAGS) & X86_EFLAGS_AC);
	u64 e = mv_vmread64(GUEST_CR3) & PAGE_MASK & ~(0xfffULL << 52);
	u32 ec = (write ? X86_PF_WRITE : 0) | (user ? X86_PF_USER : 0);
	unsigned int lvl = cr4 & X86_CR4_LA57 ? 0 : 1;
	bool u_all = true;

	for (; lvl < 5; lvl++) {
		u64 tpa = e & 0x000ffffffffff000ULL;

		if (!gpa_in_ram(tpa, PAGE_SIZE))
			goto fault;
		e = ((u64 *)__va(tpa))[(va >> shift[lvl]) & 511];
		if (!(e & _PAGE_PRESENT))
			goto fault;
		u_all = u_all && (e & _PAGE_USER);
		if ((write && !(e & _PAGE_RW)) || (user && !u_all))
			goto prot;
		if (lvl == 4 || (lvl >= 2 && (e & _PAGE_PSE))) {
			u64 mask = (1ULL << shift[lvl]) - 1;

			if (smap && u_all)	/* a user page: SMAP */
				goto prot;
			return (e & 0x000ffffffffff000ULL & ~mask) |
			       (va & mask);
		}
	}
prot:
	ec |= X86_PF_PROT;
fault:
	*pf_ec = ec;
	return 0;
}

static enum mv_action inject_pf(struct mv_cpu *c, u64 va, u32 ec)
{
	c->s.stats.refused++;
	mv_log(c, MV_LOG_REFUSED, va, ec);
	/* CR2 is not part of the VMCS: the guest sees this value */
	asm volatile("mov %0, %%cr2" : : "r" (va) : "memory");
	mv_vmwrite32(VM_ENTRY_EXCEPTION_ERROR_CODE, ec);
	mv_vmwrite32(VM_ENTRY_INTR_INFO_FIELD, X86_TRAP_PF |
		     INTR_TYPE_HARD_EXCEPTION | INTR_INFO_DELIVER_CODE_MASK |
		     INTR_INFO_VALID_MASK);
	return MV_RESUME;
}

/* INS/OUTS (REP or not): element by element through the guest tables */
static enum mv_action io_string(struct mv_cpu *c, struct mv_regs *r, u64 q)
{
	u32 info = mv_vmread32(VMX_INSTRUCTION_INFO);
	unsigned int size = IO_SIZE(q), asz = (info >> 7) & 7;
	unsigned int seg = (info >> 15) & 7, n;
	bool in = q & IO_IN, rep = q & IO_REP, user = guest_cpl() == 3;
	u64 amask = asz == 2 ? ~0ULL : asz == 1 ? 0xffffffffULL : 0xffff;
	u64 *ptr = in ? &r->rdi : &r->rsi;
	s64 step = mv_vmread64(GUEST_RFLAGS) & X86_EFLAGS_DF ? -size : size;
	u64 base = 0, va, pa;
	u32 ec, v;

	if (!in && seg == IO_SEG_FS)
		base = mv_vmread64(GUEST_FS_BASE);
	else if (!in && seg == IO_SEG_GS)
		base = mv_vmread64(GUEST_GS_BASE);
	for (n = 0; n < IO_MAX_ELEMS; n++) {
		if (rep && !(r->rcx & amask))
			return MV_SKIP;
		va = base + (*ptr & amask);
		pa = guest_walk(va, in, user, &ec);
		if (!pa || !gpa_in_ram(pa, size) ||
		    (pa & PAGE_MASK) != ((pa + size - 1) & PAGE_MASK)) {
			if (pa)		/* MMIO or a split element: refused */
				return refuse(c, X86_TRAP_GP, IO_PORT(q), va);
			return inject_pf(c, va, ec);
		}
		if (in) {
			v = port_in(IO_PORT(q), size);
			memcpy(__va(pa), &v, size);
		} else {
			v = 0;
			memcpy(&v, __va(pa), size);
			port_out(IO_PORT(q), size, v);
		}
		*ptr = (*ptr & ~amask) | ((*ptr + step) & amask);
		if (!rep)
			return MV_SKIP;
		r->rcx = (r->rcx & ~amask) | ((r->rcx - 1) & amask);
	}
	return MV_RESUME;	/* RCX left: the instruction runs again */
}

static enum mv_action h_io(struct mv_cpu *c, struct mv_regs *r)
{
	u64 q = mv_vmread64(EXIT_QUALIFICATION);
	unsigned int size = IO_SIZE(q);
	u32 v;

	if (q & IO_STRING)
		return io_string(c, r, q);
	if (!(q & IO_IN)) {
		port_out(IO_PORT(q), size, (u32)r->rax);
		return MV_SKIP;
	}
	v = port_in(IO_PORT(q), size);
	if (size == 4)
		r->rax = v;	/* a 32-bit result zero-extends */
	else if (size == 2)
		r->rax = (r->rax & ~0xffffULL) | v;
	else
		r->rax = (r->rax & ~0xffULL) | v;
	return MV_SKIP;
}

static bool msr_is_vmx_cap(u32 msr)
{
	return msr >= MSR_IA32_VMX_BASIC && msr <= MSR_IA32_VMX_VMFUNC;
}

static enum mv_action h_rdmsr(struct mv_cpu *c, struct mv_regs *r)
{
	u32 msr = r->rcx;
	u64 v;

	if (msr == MSR_IA32_FEAT_CTL) {
		rdmsrl(MSR_IA32_FEAT_CTL, v);
		v &= ~(u64)(FEAT_CTL_VMX_ENABLED_INSIDE_SMX |
			    FEAT_CTL_VMX_ENABLED_OUTSIDE_SMX);
	} else {
		/* the VMX capability MSRs (VMX is not offered), or an MSR
		 * the bitmap does not trap
		 */
		if (!msr_is_vmx_cap(msr))
			mv_log(c, MV_LOG_UNEXPECTED, msr, 0);
		return refuse(c, X86_TRAP_GP, msr, 0);
	}
	r->rax = (u32)v;
	r->rdx = v >> 32;
	return MV_SKIP;
}

/* entry points of the kernel: pinned while virtualized */
static bool msr_is_pinned(u32 msr)
{
	switch (msr) {
	case MSR_LSTAR: case MSR_STAR: case MSR_CSTAR: case MSR_SYSCALL_MASK:
	case MSR_IA32_SYSENTER_CS: case MSR_IA32_SYSENTER_ESP:
	case MSR_IA32_SYSENTER_EIP:
		return true;
	}
	return false;
}

static bool pat_valid(u64 v)
{
	unsigned int i;

	for (i = 0; i < 8; i++) {
		u8 t = v >> (8 * i);

		if (t == 2 || t == 3 || t > 7)
			return false;
	}
	return true;
}

static enum mv_action h_wrmsr(struct mv_cpu *c, struct mv_regs *r)
{
	u32 msr = r->rcx;
	u64 v = (r->rax & 0xffffffff) | (r->rdx << 32), cur;

	if (msr_is_pinned(msr)) {
		rdmsrl(msr, cur);
		if (cur == v)
			return MV_SKIP;
	}
	switch (msr) {
	case MSR_TSC_AUX:	/* the kernel's getcpu (RDTSCP, RDPID) */
		if (v >> 32)
			break;
		wrmsrl(MSR_TSC_AUX, v);
		return MV_SKIP;
	case MSR_EFER:		/* never changed after boot */
		if (v == mv_vmread64(GUEST_IA32_EFER))
			return MV_SKIP;
		break;
	case MSR_IA32_CR_PAT:
		if (!pat_valid(v))
			break;
		mv_vmwrite64(GUEST_IA32_PAT, v);
		return MV_SKIP;
	}
	/* FEATURE_CONTROL, VMX capabilities, a pinned MSR changed */
	return refuse(c, X86_TRAP_GP, msr, v);
}

static enum mv_action h_ept(struct mv_cpu *c, struct mv_regs *r)
{
	u64 gpa = mv_vmread64(GUEST_PHYSICAL_ADDRESS);
	u64 q = mv_vmread64(EXIT_QUALIFICATION);

	mv_log(c, MV_LOG_EPT, gpa, q);
	e9_puts("bulkhead: EPT violation/misconfig, cpu ");
	e9_hex(c->s.cpu);
	e9_puts(" gpa ");
	e9_hex(gpa);
	e9_puts(" qual ");
	e9_hex(q);
	e9_puts("\n");
	return MV_FAIL;
}

/* ---- hypercalls ------------------------------------------------------- */

typedef long (*mv_hc_fn)(struct mv_cpu *c, struct mv_regs *r);

static bool gpa_in_ram(u64 gpa, u64 len)
{
	unsigned int i;

	if (gpa + len < gpa)
		return false;
	for (i = 0; i < mv_nr_ram && i < MV_MAX_RAM_RANGES; i++)
		if (gpa >= mv_ram[i].start && gpa + len <= mv_ram[i].end)
			return true;
	return false;
}

static long hc_ping(struct mv_cpu *c, struct mv_regs *r)
{
	r->rdi = MV_VERSION;
	r->rsi = c->s.cpu;
	r->rdx = MV_PING_SIGNATURE;
	return 0;
}

static long hc_stats(struct mv_cpu *c, struct mv_regs *r)
{
	const u64 *src = (const u64 *)&c->s.stats;
	u64 *dst;
	unsigned int i;

	if (r->rsi != sizeof(struct mv_hc_stats) || (r->rdi & 7))
		return -MV_EINVAL;
	if (!gpa_in_ram(r->rdi, sizeof(struct mv_hc_stats)))
		return -MV_EFAULT;
	dst = __va(r->rdi);
	for (i = 0; i < sizeof(struct mv_hc_stats) / 8; i++)
		dst[i] = src[i];
	return 0;
}

static long hc_devirt(struct mv_cpu *c, struct mv_regs *r)
{
	if (r->rdi != c->s.cookie)
		return -MV_EPERM;
	return 0;	/* mv_vmcall() sees MV_HC_DEVIRT and gives the CPU back */
}

static struct mv_view *view_get(struct mv_cpu *c, u64 id)
{
	if (id == 0 || id >= MV_MAX_VIEWS || !c->s.views[id].pml4)
		return NULL;
	return &c->s.views[id];
}

static long hc_view_create(struct mv_cpu *c, struct mv_regs *r)
{
	struct mv_state *s = &c->s;
	unsigned int id;
	u64 pa;

	for (id = 1; id < MV_MAX_VIEWS; id++)
		if (!s->views[id].pml4)
			break;
	if (id == MV_MAX_VIEWS)
		return -MV_ENOSPC;
	s->views[id].pml4 = pool_alloc(s, &pa);
	if (!s->views[id].pml4)
		return -MV_ENOMEM;
	if (mv_ept_clone(&s->ept_ops, s->views[id].pml4,
			 s->views[0].pml4)) {
		mv_ept_free(&s->ept_ops, s->views[id].pml4);
		pool_free(s, s->views[id].pml4);
		s->views[id].pml4 = NULL;
		return -MV_ENOMEM;
	}
	s->views[id].eptp = pa | (s->eptp & 0xfff);
	s->views[id].slots = 0;
	r->rdi = id;
	return 0;
}

static long hc_view_set_perm(struct mv_cpu *c, struct mv_regs *r)
{
	struct mv_view *v = view_get(c, r->rdi);
	u64 gpa = r->rsi, len = r->rdx & ~0xfffULL, perm = r->rdx & 0xfff;
	int ret;

	if (!v)
		return -MV_EINVAL;
	if (perm & ~(u64)MV_PERM_MASK || !len || (gpa & 0xfff) ||
	    gpa + len < gpa || gpa + len > mv_caps.max_pa)
		return -MV_EINVAL;
	/* EPT: write without read is a misconfiguration */
	if ((perm & MV_PERM_W) && !(perm & MV_PERM_R))
		return -MV_EINVAL;
	if (perm == MV_PERM_X && !(mv_caps.ept_vpid & VMX_EPT_EXECUTE_ONLY_BIT))
		return -MV_EINVAL;
	ret = mv_ept_set_perm(&c->s.ept_ops, v->pml4, gpa, len, perm);
	mv_invept_single(v->eptp);
	if (ret == -2)
		return -MV_EINVAL;
	return ret ? -MV_ENOMEM : 0;
}

static long hc_view_load_slot(struct mv_cpu *c, struct mv_regs *r)
{
	u64 slot = r->rsi;
	unsigned int i;

	if (slot == 0 || slot >= MV_NR_SLOTS)
		return -MV_EINVAL;
	if (r->rdi != MV_VIEW_NONE && !view_get(c, r->rdi))
		return -MV_EINVAL;
	for (i = 1; i < MV_MAX_VIEWS; i++)
		c->s.views[i].slots &= ~(1U << slot);
	if (r->rdi == MV_VIEW_NONE) {
		c->eptp_list[slot] = 0;
		return 0;
	}
	c->s.views[r->rdi].slots |= 1U << slot;
	c->eptp_list[slot] = c->s.views[r->rdi].eptp;
	return 0;
}

static long hc_view_destroy(struct mv_cpu *c, struct mv_regs *r)
{
	struct mv_view *v = view_get(c, r->rdi);

	if (!v)
		return -MV_EINVAL;
	if (v->slots || mv_vmread64(EPT_POINTER) == v->eptp)
		return -MV_EBUSY;
	mv_ept_free(&c->s.ept_ops, v->pml4);
	pool_free(&c->s, v->pml4);
	mv_invept_single(v->eptp);
	v->pml4 = NULL;
	v->eptp = 0;
	return 0;
}

static bool kernel_half(u64 va)
{
	return va >= 0xffff800000000000ULL;
}

/*
 * Register (a0 != 0) or drop the fault entry of this CPU.  The kernel
 * state the entry resumes with (CS, SS, GS base, GDTR, IDTR) is taken from
 * the caller now: it is the kernel's, a domain's is not to be trusted.
 */
static long hc_fault_entry(struct mv_cpu *c, struct mv_regs *r)
{
	struct mv_fault_cfg *f = &c->s.fault;

	if (!r->rdi) {
		f->entry = 0;
		return 0;
	}
	if (!kernel_half(r->rdi) || !kernel_half(r->rsi) || (r->rsi & 15) ||
	    (r->rdx & 0xfff))
		return -MV_EINVAL;
	if (!gpa_in_ram(r->rdx, PAGE_SIZE))
		return -MV_EFAULT;
	f->stack = r->rsi;
	f->rec_gpa = r->rdx;
	f->gs_base = mv_vmread64(GUEST_GS_BASE);
	f->gdtr_base = mv_vmread64(GUEST_GDTR_BASE);
	f->gdtr_limit = mv_vmread32(GUEST_GDTR_LIMIT);
	f->idtr_base = mv_vmread64(GUEST_IDTR_BASE);
	f->idtr_limit = mv_vmread32(GUEST_IDTR_LIMIT);
	f->cs_sel = mv_vmread16(GUEST_CS_SELECTOR);
	f->cs_ar = mv_vmread32(GUEST_CS_AR_BYTES);
	f->cs_limit = mv_vmread32(GUEST_CS_LIMIT);
	f->ss_sel = mv_vmread16(GUEST_SS_SELECTOR);
	f->ss_ar = mv_vmread32(GUEST_SS_AR_BYTES);
	f->ss_limit = mv_vmread32(GUEST_SS_LIMIT);
	f->entry = r->rdi;
	return 0;
}

/*
 * Arm (a0 = period in TSC ticks) or stop (a0 = 0) the watchdog's
 * VMX-preemption timer on this CPU (hypercall.h, "Watchdog").
 */
static long hc_watchdog(struct mv_cpu *c, struct mv_regs *r)
{
	struct mv_watchdog *w = &c->s.wd;
	u32 pin = mv_vmread32(PIN_BASED_VM_EXEC_CONTROL);
	u64 v;

	w->strikes = 0;
	if (!r->rdi) {
		w->period = 0;
		mv_vmwrite32(PIN_BASED_VM_EXEC_CONTROL,
			     pin & ~PIN_BASED_VMX_PREEMPTION_TIMER);
		return 0;
	}
	if (r->rsi & 7)
		return -MV_EINVAL;
	if (!gpa_in_ram(r->rsi, sizeof(u64)))
		return -MV_EFAULT;
	if (!mv_caps.has_preempt)
		return -MV_ENOSYS;
	/* a stuck domain is stopped through the fault entry: none, no use */
	if (!c->s.fault.entry)
		return -MV_EINVAL;
	v = clamp_val(r->rdi >> mv_caps.preempt_rate, 1, U32_MAX);
	w->count_gpa = r->rsi;
	w->period = v << mv_caps.preempt_rate;
	mv_vmwrite32(VMX_PREEMPTION_TIMER_VALUE, v);
	mv_vmwrite32(PIN_BASED_VM_EXEC_CONTROL,
		     pin | PIN_BASED_VMX_PREEMPTION_TIMER);
	r->rdi = w->period;
	return 0;
}

static const mv_hc_fn mv_hc_table[MV_HC_NR] = {
	[MV_HC_PING]		= hc_ping,
	[MV_HC_STATS]		= hc_stats,
	[MV_HC_DEVIRT]		= hc_devirt,
	[MV_HC_VIEW_CREATE]	= hc_view_create,
	[MV_HC_VIEW_SET_PERM]	= hc_view_set_perm,
	[MV_HC_VIEW_LOAD_SLOT]	= hc_view_load_slot,
	[MV_HC_VIEW_DESTROY]	= hc_view_destroy,
	[MV_HC_FAULT_ENTRY]	= hc_fault_entry,
	[MV_HC_WATCHDOG]	= hc_watchdog,
};

static enum mv_action h_vmcall(struct mv_cpu *c, struct mv_regs *r)
{
	u64 nr = r->rax & 0xffffffff;
	bool tagged = (r->rax >> 32) == MV_HC_MAGIC;
	long ret;

	if (guest_cpl() != 0)	/* user space: as on bare metal */
		return refuse(c, X86_TRAP_UD, r->rax, guest_cpl());
	c->s.stats.hypercalls++;
	if (!tagged || nr >= ARRAY_SIZE(mv_hc_table) ||
	    !mv_hc_table[nr])
		ret = -MV_ENOSYS;
	else
		ret = mv_hc_table[nr](c, r);
	if (ret) {
		c->s.stats.hc_errors++;
		mv_log(c, MV_LOG_BAD_HC, r->rax, ret);
	}
	r->rax = ret;
	if (!ret && tagged && nr == MV_HC_DEVIRT) {
		mv_vmwrite64(GUEST_RIP, mv_vmread64(GUEST_RIP) +
			     mv_vmread32(VM_EXIT_INSTRUCTION_LEN));
		return devirtualize(c, r, MV_CPU_OFF);
	}
	return MV_SKIP;
}

/* ---- domain faults ------------------------------------------------------ */

static u64 live_view(struct mv_cpu *c, u64 eptp, u64 *slot)
{
	unsigned int i;

	*slot = ~0ULL;
	for (i = 1; i < MV_NR_SLOTS; i++)
		if (c->eptp_list[i] == eptp)
			*slot = i;
	for (i = 1; i < MV_MAX_VIEWS; i++)
		if (c->s.views[i].pml4 && c->s.views[i].eptp == eptp)
			return i;
	return ~0ULL;
}

/*
 * An exit while a domain view is live: hand it to the registered fault
 * entry in view 0 (hypercall.h, "Domain faults").  Returns MV_FAIL when
 * no usable entry exists (the caller then handles the exit as usual).
 */
static enum mv_action domain_fault(struct mv_cpu *c, struct mv_regs *r,
				   u32 reason, u64 eptp)
{
	struct mv_fault_cfg *f = &c->s.fault;
	struct mv_fault_record *rec;
	u64 kcr3;

	if (!f->entry)
		return MV_FAIL;
	rec = __va(f->rec_gpa);
	kcr3 = READ_ONCE(rec->kernel_cr3);
	if ((kcr3 >> 52) || !gpa_in_ram(kcr3 & PAGE_MASK, PAGE_SIZE))
		return MV_FAIL;
	rec->reason = reason;
	rec->qual = mv_vmread64(EXIT_QUALIFICATION);
	rec->gpa = mv_vmread64(GUEST_PHYSICAL_ADDRESS);
	rec->gla = mv_vmread64(GUEST_LINEAR_ADDRESS);
	rec->rip = mv_vmread64(GUEST_RIP);
	rec->rsp = r->rsp;
	rec->rflags = mv_vmread64(GUEST_RFLAGS);
	rec->cr3 = mv_vmread64(GUEST_CR3);
	rec->rax = r->rax;
	rec->rcx = r->rcx;
	rec->rdx = r->rdx;
	rec->view = live_view(c, eptp, &rec->slot);
	rec->vectoring = mv_vmread32(IDT_VECTORING_INFO_FIELD);
	rec->insn_len = mv_vmread32(VM_EXIT_INSTRUCTION_LEN);
	rec->cs = mv_vmread16(GUEST_CS_SELECTOR);
	WRITE_ONCE(rec->seq, rec->seq + 1);
	c->s.stats.domain_faults++;
	mv_log(c, MV_LOG_DOMAIN_FAULT, rec->gpa, rec->qual);

	mv_vmwrite64(EPT_POINTER, c->s.eptp);
	mv_vmwrite64(GUEST_RIP, f->entry);
	mv_vmwrite64(GUEST_RSP, f->stack);
	mv_vmwrite64(GUEST_RFLAGS, X86_EFLAGS_FIXED);
	mv_vmwrite64(GUEST_CR3, kcr3);
	mv_vmwrite64(GUEST_GS_BASE, f->gs_base);
	mv_vmwrite64(GUEST_GDTR_BASE, f->gdtr_base);
	mv_vmwrite32(GUEST_GDTR_LIMIT, f->gdtr_limit);
	mv_vmwrite64(GUEST_IDTR_BASE, f->idtr_base);
	mv_vmwrite32(GUEST_IDTR_LIMIT, f->idtr_limit);
	mv_vmwrite16(GUEST_CS_SELECTOR, f->cs_sel);
	mv_vmwrite64(GUEST_CS_BASE, 0);
	mv_vmwrite32(GUEST_CS_LIMIT, f->cs_limit);
	mv_vmwrite32(GUEST_CS_AR_BYTES, f->cs_ar);
	mv_vmwrite16(GUEST_SS_SELECTOR, f->ss_sel);
	mv_vmwrite64(GUEST_SS_BASE, 0);
	mv_vmwrite32(GUEST_SS_LIMIT, f->ss_limit);
	mv_vmwrite32(GUEST_SS_AR_BYTES, f->ss_ar);
	/* keep blocking by NMI: an NMI handler may be what faulted */
	mv_vmwrite32(GUEST_INTERRUPTIBILITY_INFO,
		     mv_vmread32(GUEST_INTERRUPTIBILITY_INFO) &
		     GUEST_INTR_STATE_NMI);
	mv_vmwrite64(GUEST_PENDING_DBG_EXCEPTIONS, 0);
	/* a domain stopped in HLT (the watchdog's timer wakes it) runs on */
	mv_vmwrite32(GUEST_ACTIVITY_STATE, 0);
	mv_vmwrite32(VM_ENTRY_INTR_INFO_FIELD, 0);
	r->rdi = (u64)rec;
	return MV_RESUME;
}

/*
 * The watchdog's VMX-preemption timer expired (hypercall.h, "Watchdog"):
 * a strike when a domain view is live with IF = 0 and no gate entry
 * ended on the CPU since the last one; the third in a row stops the
 * domain.  1 = resume the guest.
 */
static int watchdog_tick(struct mv_cpu *c, struct mv_regs *r, u32 reason,
			 u64 eptp)
{
	struct mv_watchdog *w = &c->s.wd;
	struct mv_fault_record *rec;
	u64 n, now = rdtsc();

	if (!w->period || eptp == c->s.eptp || !c->s.fault.entry ||
	    (mv_vmread64(GUEST_RFLAGS) & X86_EFLAGS_IF)) {
		w->strikes = 0;
		return 1;
	}
	n = READ_ONCE(*(u64 *)__va(w->count_gpa));
	if (!w->strikes || n != w->last) {
		w->last = n;
		w->since = now;
		w->strikes = 1;
		return 1;
	}
	if (++w->strikes < 3)
		return 1;
	w->strikes = 0;
	if (domain_fault(c, r, reason, eptp) != MV_RESUME)
		return 1;
	rec = __va(c->s.fault.rec_gpa);
	rec->qual = now - w->since;
	c->s.stats.watchdog_faults++;
	return 1;
}

/*
 * An NMI whose delivery faulted in a domain view (hypercall.h): hold it
 * for the kernel.  Only with a fault entry (its record carries the count
 * the kernel watches); without one the exit goes the usual way.  When the
 * kernel's watchdog asked for it (record->watchdog), the NMI is not held:
 * the exit becomes a fault of the domain (the caller's domain_fault).
 */
static bool nmi_for_kernel(struct mv_cpu *c)
{
	u32 vec = mv_vmread32(IDT_VECTORING_INFO_FIELD);
	struct mv_fault_record *rec;

	if (!(vec & INTR_INFO_VALID_MASK) ||
	    (vec & INTR_INFO_INTR_TYPE_MASK) != INTR_TYPE_NMI_INTR ||
	    !c->s.fault.entry)
		return false;
	rec = __va(c->s.fault.rec_gpa);
	/* the delivery did not happen: NMIs are not blocked (SDM 27.2.3) */
	mv_vmwrite32(GUEST_INTERRUPTIBILITY_INFO,
		     mv_vmread32(GUEST_INTERRUPTIBILITY_INFO) &
		     ~GUEST_INTR_STATE_NMI);
	if (READ_ONCE(rec->watchdog)) {
		c->s.stats.watchdog_faults++;
		return false;
	}
	WRITE_ONCE(rec->nmis_deferred, rec->nmis_deferred + 1);
	c->s.stats.nmis_deferred++;
	return true;
}

/* ---- the exit table --------------------------------------------------- */

static const mv_exit_fn mv_exit_table[MV_NR_EXIT_REASONS] = {
	[EXIT_REASON_CPUID]		= h_cpuid,
	[EXIT_REASON_INVD]		= h_invd,
	[EXIT_REASON_XSETBV]		= h_xsetbv,
	[EXIT_REASON_TRIPLE_FAULT]	= h_triple_fault,
	[EXIT_REASON_VMCALL]		= h_vmcall,
	[EXIT_REASON_VMCLEAR]		= h_ud,
	[EXIT_REASON_VMLAUNCH]		= h_ud,
	[EXIT_REASON_VMPTRLD]		= h_ud,
	[EXIT_REASON_VMPTRST]		= h_ud,
	[EXIT_REASON_VMREAD]		= h_ud,
	[EXIT_REASON_VMRESUME]		= h_ud,
	[EXIT_REASON_VMWRITE]		= h_ud,
	[EXIT_REASON_VMOFF]		= h_ud,
	[EXIT_REASON_VMON]		= h_ud,
	[EXIT_REASON_INVEPT]		= h_ud,
	[EXIT_REASON_INVVPID]		= h_ud,
	[EXIT_REASON_VMFUNC]		= h_ud,
	[11 /* GETSEC */]		= h_ud,
	[EXIT_REASON_CR_ACCESS]		= h_cr,
	[EXIT_REASON_IO_INSTRUCTION]	= h_io,
	[EXIT_REASON_MSR_READ]		= h_rdmsr,
	[EXIT_REASON_MSR_WRITE]		= h_wrmsr,
	[EXIT_REASON_EPT_VIOLATION]	= h_ept,
	[EXIT_REASON_EPT_MISCONFIG]	= h_ept,
};

const char * const mv_exit_names[MV_NR_EXIT_REASONS] = {
	[EXIT_REASON_EXCEPTION_NMI] = "EXCEPTION_NMI",
	[EXIT_REASON_EXTERNAL_INTERRUPT] = "EXTERNAL_INTERRUPT",
	[EXIT_REASON_TRIPLE_FAULT] = "TRIPLE_FAULT",
	[EXIT_REASON_INIT_SIGNAL] = "INIT_SIGNAL",
	[EXIT_REASON_SIPI_SIGNAL] = "SIPI_SIGNAL",
	[EXIT_REASON_INTERRUPT_WINDOW] = "INTERRUPT_WINDOW",
	[EXIT_REASON_NMI_WINDOW] = "NMI_WINDOW",
	[EXIT_REASON_TASK_SWITCH] = "TASK_SWITCH",
	[EXIT_REASON_CPUID] = "CPUID",
	[11] = "GETSEC",
	[EXIT_REASON_HLT] = "HLT",
	[EXIT_REASON_INVD] = "INVD",
	[EXIT_REASON_INVLPG] = "INVLPG",
	[EXIT_REASON_RDPMC] = "RDPMC",
	[EXIT_REASON_RDTSC] = "RDTSC",
	[EXIT_REASON_VMCALL] = "VMCALL",
	[EXIT_REASON_VMCLEAR] = "VMCLEAR",
	[EXIT_REASON_VMLAUNCH] = "VMLAUNCH",
	[EXIT_REASON_VMPTRLD] = "VMPTRLD",
	[EXIT_REASON_VMPTRST] = "VMPTRST",
	[EXIT_REASON_VMREAD] = "VMREAD",
	[EXIT_REASON_VMRESUME] = "VMRESUME",
	[EXIT_REASON_VMWRITE] = "VMWRITE",
	[EXIT_REASON_VMOFF] = "VMXOFF",
	[EXIT_REASON_VMON] = "VMXON",
	[EXIT_REASON_CR_ACCESS] = "CR_ACCESS",
	[EXIT_REASON_DR_ACCESS] = "DR_ACCESS",
	[EXIT_REASON_IO_INSTRUCTION] = "IO_INSTRUCTION",
	[EXIT_REASON_MSR_READ] = "MSR_READ",
	[EXIT_REASON_MSR_WRITE] = "MSR_WRITE",
	[EXIT_REASON_INVALID_STATE] = "INVALID_STATE",
	[EXIT_REASON_MSR_LOAD_FAIL] = "MSR_LOAD_FAIL",
	[EXIT_REASON_MWAIT_INSTRUCTION] = "MWAIT",
	[EXIT_REASON_MONITOR_TRAP_FLAG] = "MONITOR_TRAP_FLAG",
	[EXIT_REASON_MONITOR_INSTRUCTION] = "MONITOR",
	[EXIT_REASON_PAUSE_INSTRUCTION] = "PAUSE",
	[EXIT_REASON_MCE_DURING_VMENTRY] = "MCE_DURING_VMENTRY",
	[EXIT_REASON_TPR_BELOW_THRESHOLD] = "TPR_BELOW_THRESHOLD",
	[EXIT_REASON_APIC_ACCESS] = "APIC_ACCESS",
	[EXIT_REASON_EOI_INDUCED] = "EOI_INDUCED",
	[EXIT_REASON_GDTR_IDTR] = "GDTR_IDTR",
	[EXIT_REASON_LDTR_TR] = "LDTR_TR",
	[EXIT_REASON_EPT_VIOLATION] = "EPT_VIOLATION",
	[EXIT_REASON_EPT_MISCONFIG] = "EPT_MISCONFIG",
	[EXIT_REASON_INVEPT] = "INVEPT",
	[EXIT_REASON_RDTSCP] = "RDTSCP",
	[EXIT_REASON_PREEMPTION_TIMER] = "PREEMPTION_TIMER",
	[EXIT_REASON_INVVPID] = "INVVPID",
	[EXIT_REASON_WBINVD] = "WBINVD",
	[EXIT_REASON_XSETBV] = "XSETBV",
	[EXIT_REASON_APIC_WRITE] = "APIC_WRITE",
	[EXIT_REASON_RDRAND] = "RDRAND",
	[EXIT_REASON_INVPCID] = "INVPCID",
	[EXIT_REASON_VMFUNC] = "VMFUNC",
	[EXIT_REASON_ENCLS] = "ENCLS",
	[EXIT_REASON_RDSEED] = "RDSEED",
	[EXIT_REASON_PML_FULL] = "PML_FULL",
	[EXIT_REASON_XSAVES] = "XSAVES",
	[EXIT_REASON_XRSTORS] = "XRSTORS",
	[EXIT_REASON_UMWAIT] = "UMWAIT",
	[EXIT_REASON_TPAUSE] = "TPAUSE",
	[EXIT_REASON_BUS_LOCK] = "BUS_LOCK",
	[EXIT_REASON_NOTIFY] = "NOTIFY",
};

/* entry.S: 1 = VMRESUME, 0 = the CPU was given back (see entry.S) */
int mv_exit_handler(struct mv_regs *r, struct mv_cpu *c)
{
	u32 reason = mv_vmread32(VM_EXIT_REASON);
	u32 basic = reason & 0xffff;
	mv_exit_fn fn = NULL;
	enum mv_action a;

	u64 eptp = mv_vmread64(EPT_POINTER);

	r->rsp = mv_vmread64(GUEST_RSP);
	c->s.stats.exits++;
	if (basic < MV_NR_EXIT_REASONS) {
		c->s.stats.by_reason[basic]++;
		fn = mv_exit_table[basic];
	}
	if (reason & VMX_EXIT_REASONS_FAILED_VMENTRY)
		fn = NULL;
	/* the watchdog's timer: no domain caused it (not in exits_in_views) */
	if (basic == EXIT_REASON_PREEMPTION_TIMER &&
	    !(reason & VMX_EXIT_REASONS_FAILED_VMENTRY))
		return watchdog_tick(c, r, reason, eptp);
	if (eptp != c->s.eptp) {
		c->s.stats.exits_in_views++;
		if (nmi_for_kernel(c))
			return 1;
		if (basic != EXIT_REASON_CPUID &&
		    !(reason & VMX_EXIT_REASONS_FAILED_VMENTRY) &&
		    domain_fault(c, r, reason, eptp) == MV_RESUME)
			return 1;
	}
	a = fn ? fn(c, r) : MV_FAIL;

	switch (a) {
	case MV_SKIP:
		mv_vmwrite64(GUEST_RIP, mv_vmread64(GUEST_RIP) +
			     mv_vmread32(VM_EXIT_INSTRUCTION_LEN));
		mv_vmwrite32(GUEST_INTERRUPTIBILITY_INFO,
			     mv_vmread32(GUEST_INTERRUPTIBILITY_INFO) &
			     ~(GUEST_INTR_STATE_STI | GUEST_INTR_STATE_MOV_SS));
		fallthrough;
	case MV_RESUME:
		return 1;
	case MV_DEVIRT:
		return 0;
	case MV_FAIL:
	default:
		break;
	}
	/* unexpected: report, dump; from user mode the process gets #UD,
	 * from the kernel the CPU is given back where it stood
	 */
	mv_log(c, MV_LOG_UNEXPECTED, mv_vmread64(EXIT_QUALIFICATION), reason);
	e9_puts("bulkhead: unexpected VM exit, reason ");
	e9_hex(reason);
	if (guest_cpl() != 0 && !(reason & VMX_EXIT_REASONS_FAILED_VMENTRY)) {
		e9_puts(" in user mode: #UD\n");
		refuse(c, X86_TRAP_UD, reason, 0);
		return 1;
	}
	e9_puts(", giving the CPU back\n");
	mv_dump_vmcs(c);
	devirtualize(c, r, MV_CPU_FAILED);
	return 0;
}

/* entry.S: VMRESUME failed; gives the CPU back, then entry.S returns to
 * the guest natively
 */
void mv_vmresume_failed(struct mv_regs *r, struct mv_cpu *c)
{
	u32 err = mv_vmread32(VM_INSTRUCTION_ERROR);

	mv_log(c, MV_LOG_VMRESUME_FAIL, err, 0);
	e9_puts("bulkhead: VMRESUME failed, error ");
	e9_hex(err);
	e9_puts("\n");
	mv_dump_vmcs(c);
	devirtualize(c, r, MV_CPU_FAILED);
}
