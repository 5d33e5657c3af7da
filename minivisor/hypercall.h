/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hypercall.h - the minivisor hypercall ABI (VMCALL), for the rest of
 * Bulkhead (domains/, tests) and for the root-mode dispatcher.
 *
 * Context: the inline mv_hypercall() runs in the normal kernel, CPL 0, on
 * a CPU that bulkhead.ko has virtualized; the constants and structs are
 * shared with root mode (exit.c).
 *
 * Register convention:
 *   in:  RAX = MV_HC(nr), RDI = a0, RSI = a1, RDX = a2
 *   out: RAX = 0 or a negative errno (MV_E*), RDI/RSI/RDX = results
 * Every other register is preserved.  A VMCALL from CPL > 0 gets #UD (as on
 * bare metal); a VMCALL without the MV_HC_MAGIC tag returns -MV_ENOSYS.
 * Calls act on the calling CPU only: run them on every CPU that needs them
 * (EPT views are per CPU).
 */
#ifndef MV_HYPERCALL_H
#define MV_HYPERCALL_H

#ifdef __KERNEL__
#include <linux/types.h>
#endif

#define MV_VERSION		0x00010200	/* 1.2.0: MV_HC_WATCHDOG */
#define MV_PING_SIGNATURE	0x564d4842	/* "BHMV" */
#define MV_HC_MAGIC		0x4248564dULL	/* tag in RAX[63:32] */
#define MV_HC(nr)		((MV_HC_MAGIC << 32) | (nr))

enum mv_hypercall_nr {
	/* out: a0 = MV_VERSION, a1 = CPU number, a2 = MV_PING_SIGNATURE */
	MV_HC_PING		= 0,
	/* a0 = guest-physical address of struct mv_hc_stats (in RAM, 8-byte
	 * aligned), a1 = sizeof(struct mv_hc_stats)
	 */
	MV_HC_STATS		= 1,
	/* a0 = the cookie bulkhead.ko was given at load: leave VMX on this
	 * CPU and continue after the VMCALL natively (VMX off).
	 * Internal to bulkhead.ko (domains must not call it).
	 */
	MV_HC_DEVIRT		= 2,
	/* EPT views, per CPU.  View 0 is the identity view (read-only to
	 * these calls); views 1..MV_MAX_VIEWS-1 are created on demand.
	 * out: a0 = new view id (a clone of the identity view)
	 */
	MV_HC_VIEW_CREATE	= 3,
	/* a0 = view, a1 = gpa (4K aligned), a2 = len (4K multiple) | perm
	 * (MV_PERM_* in the low 3 bits).  The range must be mapped.
	 */
	MV_HC_VIEW_SET_PERM	= 4,
	/* a0 = view or MV_VIEW_NONE, a1 = EPTP-list slot 1..MV_NR_SLOTS-1
	 * (slot 0 is always the identity view; VMFUNC(0, slot) switches)
	 */
	MV_HC_VIEW_LOAD_SLOT	= 5,
	/* a0 = view; refused (-MV_EBUSY) while loaded in a slot */
	MV_HC_VIEW_DESTROY	= 6,
	/* Domain faults on this CPU (see "Domain faults" below).
	 * a0 = entry RIP (kernel half), a1 = stack top (kernel half, 16-byte
	 * aligned), a2 = gpa of a page-aligned struct mv_fault_record page in
	 * RAM.  a0 = 0 unregisters (a1, a2 ignored).
	 */
	MV_HC_FAULT_ENTRY	= 7,
	/* The watchdog's VMX-preemption timer on this CPU ("Watchdog" below).
	 * a0 = period in TSC ticks (0 = off), a1 = gpa of the kernel's u64
	 * count of ended gate entries on this CPU (in RAM: -MV_EFAULT;
	 * 8-byte aligned: -MV_EINVAL).  -MV_ENOSYS without the timer;
	 * -MV_EINVAL without a registered fault entry.  a0 = 0 always works.
	 * out: a0 = the period used (the timer's granularity, at most
	 * 2^32 - 1 timer ticks).
	 */
	MV_HC_WATCHDOG		= 8,
	MV_HC_NR
};

/* errors, as negative values in RAX (Linux errno numbers) */
#define MV_EPERM	1
#define MV_ENOMEM	12
#define MV_EFAULT	14
#define MV_EBUSY	16
#define MV_EINVAL	22
#define MV_ENOSPC	28
#define MV_ENOSYS	38

#define MV_PERM_R	1
#define MV_PERM_W	2
#define MV_PERM_X	4
#define MV_PERM_MASK	7

#define MV_MAX_VIEWS	8
#define MV_NR_SLOTS	8
#define MV_VIEW_NONE	0xffffffffULL

/* Basic exit reasons counted (SDM appendix C; 0..75) */
#define MV_NR_EXIT_REASONS	76

struct mv_hc_stats {
	u64 cpu;
	u64 exits;			/* all VM exits */
	u64 by_reason[MV_NR_EXIT_REASONS];
	u64 hypercalls;
	u64 hc_errors;			/* hypercalls that returned an error */
	u64 refused;			/* #UD/#GP injected to the guest */
	u64 domain_faults;		/* exits turned into a fault entry */
	u64 exits_in_views;		/* exits taken with a view != 0 live */
	u64 nmis_deferred;		/* NMIs held for the kernel (below) */
	u64 watchdog_faults;		/* NMIs made faults by the watchdog */
};

/*
 * Domain faults.  While an EPT view other than the identity view is live
 * (EPT_POINTER != view 0), every VM exit except CPUID is a fault of the
 * code running there: an EPT violation or misconfiguration, VMFUNC with
 * an invalid EPTP index, VMCALL, a VMX instruction, a CR or MSR write
 * that exits, XSETBV, a triple fault.  If a fault entry is registered on
 * the CPU, root mode then does not emulate anything; it
 *   1. fills the record below (seq last, incremented),
 *   2. makes view 0 live again (EPT_POINTER),
 *   3. resumes the guest at the entry RIP, RSP = the stack top, RFLAGS = 2
 *      (IF = 0), RDI = the record's kernel (direct-map) address, CR3 =
 *      record->kernel_cr3, and the CS, SS, GS base, GDTR, IDTR it had when
 *      the entry was registered (a domain may have changed them),
 *      interruptibility and pending debug exceptions cleared, no event
 *      injected (the event being delivered, if any, is in vectoring).
 * kernel_cr3 is an input: the kernel writes its CR3 there before it
 * enters a domain; the record page must not be writable in any view but
 * view 0.  Without a registered entry, or with a kernel_cr3 that is not a
 * RAM address, the exit is handled as in view 0 (logged, the CPU given
 * back for an EPT violation).
 */
struct mv_fault_record {
	u64 seq;			/* out: faults so far on this CPU */
	u64 reason;			/* out: exit reason (full) */
	u64 qual;			/* out: exit qualification */
	u64 gpa;			/* out: guest-physical address (EPT) */
	u64 gla;			/* out: guest linear address, if valid */
	u64 rip, rsp, rflags, cr3;	/* out: guest state at the exit */
	u64 rax, rcx, rdx;		/* out: guest GPRs (insn operands) */
	u64 slot;			/* out: EPTP-list slot live (or ~0) */
	u64 view;			/* out: view id live (or ~0) */
	u64 vectoring;			/* out: IDT-vectoring info field */
	u64 insn_len;			/* out: VM-exit instruction length */
	u64 kernel_cr3;			/* in: CR3 for the fault entry */
	u64 nmis_deferred;		/* out: NMIs held back (below) */
	u64 watchdog;			/* in: the next NMI is a fault (below) */
	u64 cs;				/* out: CS selector (bits 0-1: the CPL) */
};

/*
 * An NMI that arrives while a domain view is live is not the domain's:
 * its delivery faults in the domain view (the kernel's NMI stack and
 * handler are not writable/executable there) and exits with the NMI in
 * IDT-vectoring.  Root mode then drops that delivery, clears blocking by
 * NMI, increments nmis_deferred and resumes the domain where it was; the
 * kernel, back in its own view, raises the NMI again on that CPU
 * (self-NMI) when it sees the count move.  An INT 2 of domain code is a
 * software interrupt in vectoring, not an NMI: a fault like any other.
 *
 * Watchdog: a domain that loops with interrupts off never exits and never
 * takes an interrupt; only an NMI reaches its CPU.  The kernel sets
 * record->watchdog (non-zero) and sends that CPU an NMI: if the NMI lands
 * in a domain view, root mode does not hold it but makes it a fault of
 * the domain (the exit's own reason, the NMI in vectoring, the record's
 * watchdog left as the kernel wrote it, NMIs not blocked).  The kernel
 * clears the field.
 *
 * With one CPU there is no other CPU to send that NMI.  MV_HC_WATCHDOG
 * then arms the VMX-preemption timer on the CPU: it expires after a
 * period of non-root operation without a VM exit.  At each expiry with a
 * domain view live, guest IF = 0 and the kernel's count of ended entries
 * the same as at the previous expiry, a strike; the third in a row (two
 * periods: the kernel passes half its limit) is a fault of the domain:
 * reason = EXIT_REASON_PREEMPTION_TIMER, qual = TSC ticks since the
 * first strike, watchdog_faults counted.  Any other expiry resumes the
 * guest.  These exits are not counted in exits_in_views (no domain
 * caused them).
 */

#ifdef __KERNEL__
/* exported by bulkhead.ko: call it once to depend on the module */
u32 bulkhead_mv_version(void);

struct mv_hc_result {
	u64 a0, a1, a2;
};

/* Issue hypercall nr; returns RAX (0 or -MV_E*), results in *res. */
static inline long mv_hypercall(u64 nr, u64 a0, u64 a1, u64 a2,
				struct mv_hc_result *res)
{
	u64 rax = MV_HC(nr);

	asm volatile("vmcall"
		     : "+a" (rax), "+D" (a0), "+S" (a1), "+d" (a2)
		     : : "memory", "cc");
	if (res) {
		res->a0 = a0;
		res->a1 = a1;
		res->a2 = a2;
	}
	return (long)rax;
}
#endif /* __KERNEL__ */

#endif /* MV_HYPERCALL_H */
