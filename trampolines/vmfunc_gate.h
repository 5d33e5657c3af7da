/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vmfunc_gate.h - the VMFUNC (EPTP switching, leaf 0) gate between the
 * kernel view and one domain's EPT view: its per-CPU state and the C
 * prototypes of trampolines/vmfunc_gate.S.
 *
 * Execution context: normal kernel (the C side that prepares a crossing)
 * and the gate page itself, which runs in both views.  Offsets below are
 * shared with the assembly and checked by static asserts in C.
 *
 * EPTP list convention (DESIGN-NOTES): slot 0 = kernel (identity) view,
 * slot BH_VMF_SLOT = the domain being entered; every other slot invalid.
 */
#ifndef BH_VMFUNC_GATE_H
#define BH_VMFUNC_GATE_H

#define BH_VMF_SLOT		1	/* EPTP-list slot of the entered domain */
#define BH_VMF_MAX_DEPTH	4	/* nesting limit of kernel -> domain */
#define BH_VMF_MAX_CPUS		64	/* CPU ids bhdomains handles */
#define BH_VMF_FIRST_IRQ	32	/* vectors from here on: exitless stubs */
#define BH_VMF_IRQ_STUB_SIZE	16	/* bytes per stub in bh_vmf_irq_stubs */
#define BH_VMF_ID_VA		0x8040202000	/* this CPU's state pointer: below */

/* struct bh_vmf_cpu offsets, for the assembly */
#define BH_VMF_KERNEL_RSP	0	/* [BH_VMF_MAX_DEPTH] saved RSPs */
#define BH_VMF_DOMAIN_RSP	32	/* domain stack top for the next entry */
#define BH_VMF_DEPTH		40	/* kernel -> domain nesting counter */
#define BH_VMF_ENTRIES		48	/* entries ended (returned or unwound) */
#define BH_VMF_IRQS		56	/* interrupts taken inside the domain */
#define BH_VMF_KILLED		64	/* the live domain faulted: unwind */
#define BH_VMF_KERNEL_GS	72	/* the kernel's GS base on this CPU */
#define BH_VMF_BAD_SEG		80	/* GS (low 32 bits) / FS base repairs */
#define BH_VMF_DOMAIN_FLAGS	88	/* RFLAGS the domain starts with */
#define BH_VMF_KERNEL_CR3	96	/* CR3 value the kernel view goes back to */
#define BH_VMF_DOMAIN_CR3	104	/* CR3 value of the live domain's table */
#define BH_VMF_NMIS		112	/* NMIs that hit a CR3 window (below) */
#define BH_VMF_YIELDED		120	/* 1: the last entry ended in a yield */
#define BH_VMF_YIELD_RSP	128	/* the yielding domain's saved RSP */
#define BH_VMF_YIELD_IDX	136	/* its call number */
#define BH_VMF_YIELD_ARG	144	/* [3] its arguments */
#define BH_VMF_IST_FRAME	168	/* where a delivery leaves the stub's frame */
#define BH_VMF_USER_FS		176	/* FS base at the depth-0 entry */
#define BH_VMF_CPU_SIZE		184

/*
 * Interrupts in a domain are delivered on an IST stack of their own (TSS
 * IST slot BH_VMF_IST, which Linux leaves unused): the top
 * BH_VMF_IST_ROOM bytes of the domain's stack for the CPU (below).  The
 * stub's frame there: SS, RSP, RFLAGS, CS, RIP, vector, rax, rcx, rdx.
 */
#define BH_VMF_IST		7
#define BH_VMF_IST_ROOM		128
#define BH_VMF_IST_FRAME_WORDS	9

#ifndef __ASSEMBLER__
#include <linux/types.h>
#include <asm/desc_defs.h>

/*
 * One per CPU, in kernel memory that no domain view maps writable: the
 * return path takes RSP only from kernel_rsp[depth - 1] here.
 */
struct bh_vmf_cpu {
	u64 kernel_rsp[BH_VMF_MAX_DEPTH];
	u64 domain_rsp;
	u64 depth;
	u64 entries;
	u64 irqs;
	u64 killed;
	u64 kernel_gs;
	u64 bad_seg;
	u64 domain_flags;
	u64 kernel_cr3;
	u64 domain_cr3;
	u64 nmis;
	/* left by bh_vmf_yield for bh_domain_call_task (domains/domain.c) */
	u64 yielded;
	u64 yield_rsp;
	u64 yield_idx;
	u64 yield_arg[3];
	/*
	 * the IST top of the domain in this CPU's slot less the stub's
	 * frame (BH_VMF_IST_FRAME_WORDS): the only place the kernel side
	 * of a stub reads an interrupt frame from or writes one back to
	 */
	u64 ist_frame;
	/*
	 * the FS base of the task the domain runs for (its TLS: the kernel
	 * never uses FS), set by the C side at each depth-0 entry; a domain
	 * can change it with a segment load and no exit
	 */
	u64 user_fs;
};

/*
 * Page tables.  A domain runs under its own page table (domains/dom_pt.h):
 * the gate loads st->domain_cr3 in the kernel view just before each VMFUNC
 * into the domain view, and st->kernel_cr3 just after each VMFUNC back,
 * before it touches anything but this CPU's state (which, with the gate
 * pages, every domain table maps: below, BH_VMF_ID_VA).  Both values
 * carry the no-flush bit when CR4.PCIDE is set.
 * The IDT goes with the page table: IDTR always holds the kernel's
 * (CPU_ENTRY_AREA_RO_IDT, the same linear address on every CPU), and every
 * domain table maps that address to the domains' IDT (domains/domain.c),
 * the kernel's tables to the kernel's.  So the CR3 load of a crossing
 * switches the IDT too, with no LIDT and no moment where the IDT and the
 * page table disagree (bhdomains takes _PAGE_GLOBAL off the kernel's PTE
 * for that address while loaded: a global TLB entry would outlive a CR3
 * load).  Between the domain's CR3 load and the VMFUNC into the domain
 * view, and between the VMFUNC back and the kernel's CR3 load, the CPU is
 * in the kernel view on the domain's table and IDT: an NMI there (IF = 0
 * everywhere else) enters bh_vmf_nmi (the domains' NMI gate, on the
 * kernel's NMI IST stack, which every domain table maps), which counts it
 * in st->nmis and returns; bh_domain_call raises one NMI in the kernel
 * view afterwards, as for the NMIs the minivisor holds.
 */
extern const char bh_vmf_nmi[];

/*
 * #DB of the domains' IDT (the kernel's #DB IST): bh_vmf_db.  A domain view
 * cannot take it (the IST stack is absent there: the delivery faults, a
 * fault of the domain).  In the kernel view on a domain's table it is a
 * trap in a window of the gate: a domain's IRETQ with TF set to a VMFUNC
 * of the gate page into the kernel view traps right after that VMFUNC,
 * with the domain's RSP, page table and registers still live (the
 * kernel's #DB handler must not run there).  bh_vmf_db loads the kernel's
 * CR3 (so IDT) and GS base, moves below the live entry's saved RSP and
 * calls bh_vmf_trap (kernel view, IF = 0), which reports and kills the
 * domain live on the CPU and sets st->killed; then the entry unwinds
 * (-EFAULT).
 * frame: the IRET frame the trap pushed (RIP first).
 */
extern const char bh_vmf_db[];
void bh_vmf_trap(struct bh_vmf_cpu *st, const u64 *frame);

/*
 * Exitless interrupts.  While a domain runs, its page table puts the
 * domains' IDT where IDTR points (above, "Page tables"): the
 * kernel's vectors 0-31 (an exception in the domain view reaches kernel
 * text, which is not executable there: an EPT violation, a fault of the
 * domain; an NMI's delivery faults the same way and the minivisor holds
 * it for the kernel: minivisor/hypercall.h; #DB and NMI have gates of
 * their own for the kernel view, above) and, for 32-255, stubs in
 * the gate page.  An interrupt in the domain is delivered with no VM
 * exit on IST BH_VMF_IST: the domain's IST area for this CPU (the top of
 * its stack for the CPU; bhdomains points the TSS slot at it when the
 * domain's view comes into the EPTP slot), whatever the domain's RSP.
 * The stub pushes the vector, rax, rcx, rdx there and switches to the
 * kernel view (VMFUNC); the kernel side finds the CPU's state, checks GS
 * base, moves to the kernel stack below the live entry and copies the
 * frame there from st->ist_frame (never from the stub's RSP, which a
 * domain jumping into a stub chooses), so an entry nested in the handler
 * may take interrupts on the same IST area; runs the kernel's handler for
 * the vector as an interrupt of kernel code with IF = 0 (the kernel's CR3,
 * so its IDT); then copies the frame back to st->ist_frame, loads the
 * domain's CR3, VMFUNCs back and IRETs.  A nested entry runs below the
 * interrupted RSP.  Counted in st->irqs.  The domain runs with the
 * caller's IF.  Interrupts cannot land between a VMFUNC and the stack
 * switch of a crossing: the gate runs with IF = 0 there.
 */
/*
 * A stub runs for a vector the CPU delivered, or because the domain
 * jumped into it (the shared gate page is executable in its view) with a
 * frame of its own making, to have the kernel run the handler of any
 * vector.  Before the handler, bh_vmf_k_irq asks bh_irq_check (kernel
 * view and stack, the kernel's CR3 and IDT, IF = 0): delivery of a fixed
 * interrupt sets its bit in the local APIC's in-service register until
 * the handler's EOI; the APIC's spurious vector sets none and its handler
 * does nothing to forge.  A vector not in service is the domain's fault:
 * reported, the domain killed (st->killed), its entry unwound; returns 1.
 * So is a stub entered with an RSP other than st->ist_frame (a delivery
 * always leaves it there).  frame: the kernel's copy of the frame (rdx,
 * rcx, rax, vector, RIP, ...); rsp: the RSP the stub came with.
 */
int bh_irq_check(unsigned int vector, const u64 *frame,
		 struct bh_vmf_cpu *st, u64 rsp);
extern const char bh_vmf_irq_stubs[];	/* vector v at + (v - 32) * 16 */
extern u64 bh_vmf_irq_target[256];	/* the kernel's handler per vector */

/*
 * The kernel sides of the gate find this CPU's state through the page
 * table, not through %gs (a domain can change GS base with SWAPGS) nor
 * any register: a domain has a root table per CPU (domains/dom_pt.h,
 * bh_pt_root_with_id), the shared table but for linear address
 * BH_VMF_ID_VA (= BH_PT_ID_VA), which maps that CPU's id page, whose
 * first word is the address of the CPU's struct bh_vmf_cpu.  The gate
 * loads only this CPU's root (st->domain_cr3), and no code a domain may
 * execute loads CR3, so a kernel side, still on the domain's table just
 * after its VMFUNC out, gets its state in one load (no RDTSCP).  The id
 * page is kernel memory, absent from every domain view.  bhdomains
 * refuses to load when nr_cpu_ids > BH_VMF_MAX_CPUS.
 */

/*
 * Call fn(a0, a1, a2) inside the domain loaded in EPTP slot BH_VMF_SLOT,
 * on st->domain_rsp, and come back.  The caller has preemption disabled,
 * st is this CPU's state, st->depth < BH_VMF_MAX_DEPTH (the gate
 * does not check it: bh_domain_enter's fast path runs only at depth 0,
 * its slow path refuses a deeper entry), and the domain view loaded in
 * the slot.
 * Saves rbx, rbp, r12-r15 and RFLAGS on the kernel stack; the domain sees
 * only a0..a2, fn (in r8), its own RFLAGS value (r9), its RSP (r11) and
 * the slot (RCX): every other GPR zero.  It runs with RFLAGS = fl, which
 * the caller has also stored in st->domain_flags (for the call-outs and
 * interrupts inside): X86_EFLAGS_FIXED and the caller's IF (the caller
 * may have disabled interrupts to prepare); on return the callee-saved GPRs
 * and RFLAGS (IF, AC and DF included) are what they were.  Caller-saved
 * GPRs other than RAX are not zeroed on the way back: they go to the
 * kernel, not to the domain, and the C caller treats them as clobbered.
 * Returns fn's RAX.
 * st->kernel_gs must hold the kernel's GS base: a domain can change GS
 * base without a VM exit (SWAPGS, WRGSBASE, WRMSR of the passed-through
 * MSR), so every crossing into the kernel view (this return and
 * bh_vmf_out) compares it with RDGSBASE before any kernel code runs,
 * puts it back (SWAPGS back if the domain swapped, else WRGSBASE) and
 * counts it in st->bad_seg (low 32 bits); bh_domain_call then kills the
 * domain.  FS base the same way against st->user_fs on the way back (and
 * in bh_vmf_unwind), counted in the high 32 bits: a domain that loads FS
 * (a null selector clears the base on Intel) would break the TLS of
 * whatever user task was current.
 * FPU: the domain runs with CR0.TS set (by the gate in the kernel view,
 * just after the domain's CR3 load; CLTS just after the kernel's): any
 * x87/SSE/AVX instruction of the domain raises #NM, a fault of the
 * domain, instead of changing the registers of the user task whose FPU
 * state is live in them.  CLTS, LMSW and MOV to CR0 are refused in an
 * isolated driver's text by the load-time scan.
 */
long bh_vmf_enter(unsigned long a0, unsigned long a1, unsigned long a2,
		  struct bh_vmf_cpu *st, unsigned long fn, u64 fl);

/*
 * Domain -> kernel: called by domain code inside a bh_vmf_enter on this
 * CPU, runs bh_vmf_out_table[idx](a0, a1, a2) in the kernel view (IF = 0,
 * preemption off: the function must not sleep) and returns its value;
 * -ENOENT for idx >= bh_vmf_out_count.  The table is kernel memory the
 * domain can only read.
 */
long bh_vmf_out(unsigned long a0, unsigned long a1, unsigned long a2,
		unsigned long idx);
typedef long (*bh_vmf_out_fn)(unsigned long a0, unsigned long a1,
			      unsigned long a2);
extern bh_vmf_out_fn bh_vmf_out_table[];
extern unsigned long bh_vmf_out_count;

/*
 * Domain -> kernel for a call that may sleep (a coroutine switch): called
 * by domain code inside the bh_vmf_enter of a bh_domain_call_task.  Saves
 * the domain's RFLAGS and callee-saved registers on the domain stack,
 * switches to the kernel view, leaves st->yielded = 1, st->yield_rsp = the
 * domain RSP, st->yield_idx = idx, st->yield_arg[] = a0..a2, and returns 0
 * from the innermost bh_vmf_enter (as its return path does: RSP only from
 * the saved slot).  The kernel runs call idx in process context and goes
 * back with bh_vmf_enter(result, yield_rsp, 0, bh_vmf_resume) with
 * st->domain_rsp = yield_rsp (the entry's call, and any interrupt taken
 * before bh_vmf_resume moves RSP, push below the yielded frames): this
 * call then returns result to the domain.  A yield inside a plain (atomic)
 * entry is a fault of the domain (bh_domain_call).
 */
long bh_vmf_yield(unsigned long a0, unsigned long a1, unsigned long a2,
		  unsigned long idx);
/*
 * The fn of that second bh_vmf_enter (domain view, a0 = the result, a1 =
 * the RSP bh_vmf_yield saved): unwinds bh_vmf_yield's frame on the domain
 * stack and returns a0 from it.  Not callable as a C function.
 */
void bh_vmf_resume(void);

/*
 * The domain-fault entry (kernel text, view 0 only), registered with the
 * minivisor on every CPU (MV_HC_FAULT_ENTRY): runs on the CPU's fault
 * stack with IF = 0 and RDI = the fault record, calls
 * bh_domain_fault(record), which reports, kills the domain and returns
 * this CPU's struct bh_vmf_cpu with killed set; then unwinds the
 * innermost bh_vmf_enter, which returns -EFAULT to its caller with the
 * caller's registers and RFLAGS.  A bh_vmf_out that returns while killed
 * is set unwinds the next entry instead of resuming the dead domain, so a
 * fault at any nesting depth ends in the outermost caller.
 */
void bh_vmf_fault_entry(void);
struct mv_fault_record;
struct bh_vmf_cpu *bh_domain_fault(struct mv_fault_record *rec);

/*
 * the shared gate page(s), executable in every view, with no privileged
 * instruction at any offset: [bh_vmf_gate_start, bh_vmf_gate_end); the
 * kernel gate page(s), in every domain's page table but absent from every
 * domain view: [bh_vmf_kgate_start, bh_vmf_kgate_end); page aligned
 */
extern const char bh_vmf_gate_start[], bh_vmf_gate_end[];
extern const char bh_vmf_kgate_start[], bh_vmf_kgate_end[];
/* addresses of the VMFUNC instructions of the gate (for the scanner) */
extern const char __bh_gate_site_vmf_enter[], __bh_gate_site_vmf_exit[],
	__bh_gate_site_vmf_out[], __bh_gate_site_vmf_back[],
	__bh_gate_site_vmf_irq[], __bh_gate_site_vmf_irq_back[],
	__bh_gate_site_vmf_yield[];
#endif

#endif /* BH_VMFUNC_GATE_H */
