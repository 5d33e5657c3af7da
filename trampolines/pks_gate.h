/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pks_gate.h - the supervisor protection-key (PKS) gate and the interrupt
 * entry trampolines of a PKS domain: constants, per-CPU slot layout, and
 * the contract of the GNU as macros defined in pks_gate.S.  The sibling
 * of mpk_gate.h: same structure, but the switch is WRMSR to IA32_PKRS
 * (0x6E1) instead of WRPKRU.
 *
 * Execution context: normal kernel (CPL 0, Linux x86-64).  Include from
 * .S and C files for the constants; C also gets the per-CPU layout and
 * the gate/stub symbols.  The macros live in pks_gate.S (their only
 * user).  Leaf code: includes nothing from the layers above.
 *
 * IA32_PKRS layout is PKRU's: key k has AD at bit 2k, WD at bit 2k+1.
 * The kernel runs with PKRS = 0 (every key open).  A domain with key k
 * runs with BH_PKS_DOMAIN(k): key k open, key 0 (all of the kernel)
 * write-disabled, every other key access-disabled.  Key 0 is only
 * write-disabled, not access-disabled, because the CPU's own implicit
 * supervisor reads (IDT, GDT, TSS) during event delivery are subject to
 * PKS too.
 *
 * ---------------------------------------------------------------------
 * Primitives (each clobbers rax, rcx, rdx, flags):
 *
 *   BH_PKS_OPEN pkrs, tag
 *	ecx = 0x6E1, edx = 0, eax = pkrs; WRMSR; RDMSR; compare EDX:EAX
 *	with the constant and ECX with 0x6E1; on mismatch stop at ud2.
 *   BH_PKS_CLOSE pkrs, tag
 *	1: the same write; RDMSR; compare; on mismatch jump back to 1
 *	(ERIM's compare-after-write: a forged EAX cannot keep a domain open).
 *   Every WRMSR gets BH_GATE_SITE (mpk_gate.h): a local symbol
 *   __bh_gate_site_<tag> and an entry in .bh_gate_sites.
 *
 * ---------------------------------------------------------------------
 * The gate:  BH_PKS_GATE name, pkrs, slot
 *
 * emits   long name(long (*fn)(long, long, long), long a, long b, long c)
 * which runs fn(a, b, c) on the CPU's domain stack with PKRS = pkrs and
 * returns with PKRS = 0.  slot is the per-CPU struct bh_pks_cpu operand
 * ("%gs:bh_pks_cpu").  The caller must have preemption disabled, the
 * domain stack top in slot.dsp and the domain's PKRS value in slot.cur.
 *
 * Sequence: ENDBR (IBT kernels: the gates are called through
 * bh_pks_gates[]); push rbx rbp r12-r15; slot.csp = rsp; rsp = slot.dsp
 * (still kernel PKRS: an interrupt here lands on the domain stack,
 * harmless); OPEN; zero rbx rbp rcx r8-r15; call fn; CLOSE; rsp = slot.csp;
 * slot.csp = 0; zero rcx rdx rsi rdi r8-r11; pop; ret.
 *
 * Caller stack while the domain runs (slot.csp points at r15):
 *	+48 return address, +40 rbx, +32 rbp, +24 r12, +16 r13, +8 r14, +0 r15
 * Domain stack: slot.dsp, then the return address into the gate.
 *
 * Register contract: in rdi = fn, rsi/rdx/rcx = a/b/c (the callee gets
 * them in rdi/rsi/rdx); out rax.  rbx, rbp, r12-r15 preserved and zeroed
 * for the callee; rcx, rdx, rsi, rdi, r8-r11 zero on return.  Not
 * scrubbed: flags, vector registers (the kernel does not use them).
 *
 * bh_pks_gate_abort is where a fault of the domain resumes (the entry
 * trampoline rewrites the faulting frame's RIP): CLOSE, rsp = slot.csp,
 * return -EFAULT to the gate's caller, as from the gate.
 *
 * What the gate trusts: the slot (kernel memory, key 0: a domain cannot
 * write it, only read it); the gate and trampoline text is not writable;
 * no other WRMSR to 0x6E1 exists in the domain's code.  A ring-0 domain
 * can execute its own WRMSR: without a hypervisor trapping that MSR, this
 * is fault isolation, not a security boundary.
 */
#ifndef BH_PKS_GATE_H
#define BH_PKS_GATE_H

#include "mpk_gate.h"

#define BH_MSR_IA32_PKRS	0x6E1

#define BH_PKS_NKEYS		16
#define BH_PKS_AD(k)		BH_PKRU_AD(k)
#define BH_PKS_WD(k)		BH_PKRU_WD(k)
/* a domain with key k: k open, 0 write-disabled, others access-disabled */
#define BH_PKS_DOMAIN(k)	((0x55555555 & ~1 & ~BH_PKS_AD(k)) | BH_PKS_WD(0))
#define BH_PKS_KERNEL		0

/* per-CPU struct bh_pks_cpu: byte offsets, shared by C and asm */
#define BH_PKS_CSP		0	/* caller RSP while a domain runs */
#define BH_PKS_DSP		8	/* domain stack top for the next call */
#define BH_PKS_CUR		16	/* PKRS of the domain live here, or 0 */
#define BH_PKS_NR_IRQ		24	/* interrupts taken inside a domain */
#define BH_PKS_F_VEC		32	/* fault of a domain: vector */
#define BH_PKS_F_ERR		40	/* error code (0 if none) */
#define BH_PKS_F_RIP		48	/* RIP of the faulting instruction */
#define BH_PKS_F_ADDR		56	/* CR2 */
#define BH_PKS_F_PKRS		64	/* PKRS live at the fault */
#define BH_PKS_F_PENDING	72	/* 1 after a fault, until reported */
#define BH_PKS_CPU_SIZE		128

/* vector info word pushed by the entry stubs: vector | has_error << 8 */
#define BH_PKS_VINFO_ERR	0x100
#define BH_PKS_NR_VECTORS	256
#define BH_PKS_STUB_SIZE	64

#ifndef __ASSEMBLER__
#include <linux/types.h>
#include <linux/bits.h>
#include <linux/percpu.h>

#define BH_CR4_PKS		BIT(24)
/* CPUID.(EAX=7,ECX=0):ECX bit 31 */
#define BH_CPUID7_ECX_PKS	BIT(31)

struct bh_pks_cpu {
	unsigned long csp;
	unsigned long dsp;
	unsigned long cur;
	unsigned long nr_irq;
	unsigned long f_vec;
	unsigned long f_err;
	unsigned long f_rip;
	unsigned long f_addr;
	unsigned long f_pkrs;
	unsigned long f_pending;
	unsigned long pad[6];
};

DECLARE_PER_CPU(struct bh_pks_cpu, bh_pks_cpu);

typedef long (*bh_pks_fn)(long a, long b, long c);
typedef long (*bh_pks_gate_fn)(bh_pks_fn fn, long a, long b, long c);

/* bh_pks_gate_k1 .. bh_pks_gate_k15, indexed by key (entry 0 is NULL) */
extern const bh_pks_gate_fn bh_pks_gates[BH_PKS_NKEYS];
/* entry stubs, BH_PKS_STUB_SIZE bytes apart, one per vector */
extern const u8 bh_pks_stubs[];
/* original handler of each vector, filled by C before the IDT is loaded */
extern unsigned long bh_pks_orig[BH_PKS_NR_VECTORS];
/* test knob: nonzero = interrupt entry skips the PKRS switch (must fail) */
extern unsigned long bh_pks_break_irq;

#endif /* __ASSEMBLER__ */
#endif /* BH_PKS_GATE_H */
