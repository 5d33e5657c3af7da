/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mv.h - the minivisor's internal interfaces: the per-CPU state, the saved
 * guest registers, and the functions that cross between the normal-kernel
 * side (main.c, vmx.c) and root mode (exit.c, entry.S).
 *
 * Context: normal kernel and root mode.
 */
#ifndef MV_MV_H
#define MV_MV_H

#include <linux/build_bug.h>
#include <linux/stddef.h>
#include <linux/types.h>
#include <asm/page.h>
#include "ept.h"
#include "hypercall.h"
#include "mv_asm.h"

#define MV_NAME "bulkhead"

/* guest GPRs saved by entry.S; index order = SDM GPR encoding */
struct mv_regs {
	u64 rax, rcx, rdx, rbx, rsp, rbp, rsi, rdi;
	u64 r8, r9, r10, r11, r12, r13, r14, r15;
};

static_assert(sizeof(struct mv_regs) == MV_REGS_SIZE);
static_assert(offsetof(struct mv_regs, rsp) == MV_REGS_RSP);
static_assert(offsetof(struct mv_regs, r15) == 15 * 8);

enum mv_cpu_state {
	MV_CPU_OFF = 0,		/* not virtualized */
	MV_CPU_ON,		/* running in VMX non-root */
	MV_CPU_FAILED,		/* root mode gave the CPU back after an error */
};

/* lockless per-CPU log, written by root mode only, read by sysfs */
#define MV_LOG_SIZE 32
struct mv_log_entry {
	u64 tsc;
	u64 rip;
	u64 a, b;
	u32 what;		/* enum mv_log_what */
	u32 reason;		/* basic exit reason */
};

enum mv_log_what {
	MV_LOG_NONE = 0,
	MV_LOG_UNEXPECTED,	/* a = qualification */
	MV_LOG_REFUSED,		/* a = detail, b = value */
	MV_LOG_EPT,		/* a = GPA, b = qualification */
	MV_LOG_TRIPLE_FAULT,
	MV_LOG_BAD_HC,		/* a = RAX, b = error */
	MV_LOG_VMRESUME_FAIL,	/* a = VM-instruction error */
	MV_LOG_DOMAIN_FAULT,	/* a = GPA, b = qualification */
};

#define MV_HOST_STACK_SIZE	(2 * PAGE_SIZE)
#define MV_VIEW_POOL_PAGES	48

struct mv_view {
	u64 *pml4;		/* NULL = free */
	u64 eptp;
	u32 slots;		/* bitmap of EPTP-list slots holding it */
};

/* the kernel state a domain fault resumes with (MV_HC_FAULT_ENTRY) */
struct mv_fault_cfg {
	u64 entry;		/* 0 = none registered */
	u64 stack;
	u64 rec_gpa;
	u64 gs_base;
	u64 gdtr_base, idtr_base;
	u32 gdtr_limit, idtr_limit;
	u32 cs_ar, ss_ar, cs_limit, ss_limit;
	u16 cs_sel, ss_sel;
};

/*
 * The watchdog's VMX-preemption timer on this CPU (hypercall.h,
 * "Watchdog"): a check every period TSC ticks of non-root operation
 * without an exit; a domain view live with IF = 0 at three checks in a
 * row, the kernel's count of ended gate entries unchanged, is a fault.
 */
struct mv_watchdog {
	u64 period;		/* TSC ticks between checks; 0 = off */
	u64 count_gpa;		/* the kernel's count of ended entries */
	u64 last;		/* its value at the last check */
	u64 since;		/* TSC when the entry was first seen */
	u32 strikes;		/* checks in a row that found it */
};

/* the state page: everything that is not a hardware page or the stack */
struct mv_state {
	struct mv_cpu *self;
	int cpu;
	enum mv_cpu_state state;
	u64 cookie;		/* MV_HC_DEVIRT argument */
	u64 iret_frame[6];	/* give-back: rax rip cs rflags rsp ss */
	u64 vmxon_pa, vmcs_pa, msr_bitmap_pa, eptp_list_pa, host_cr3;
	u64 eptp;		/* identity view */
	u64 cr0_mask, cr4_mask;
	u64 xcr0_supported;
	bool has_debugctl;
	struct mv_hc_stats stats;
	struct mv_log_entry log[MV_LOG_SIZE];
	u32 log_head;		/* next slot; entries = min(head, SIZE) */
	struct mv_view views[MV_MAX_VIEWS];
	struct mv_fault_cfg fault;
	struct mv_watchdog wd;
	/* page pool for EPT tables: identity view and views */
	u64 *pool[MV_VIEW_POOL_PAGES];
	u64 pool_used[(MV_VIEW_POOL_PAGES + 63) / 64];
	struct mv_ept_ops ept_ops;
};

/* One page-aligned block per CPU (order 3, so host_pml4 is 8 KiB
 * aligned: with KPTI, CR3 bit 12 set would mean "user page table" to an
 * NMI taken in root mode).
 */
struct mv_cpu {
	u8 host_pml4[PAGE_SIZE];	/* private host page table (PML4) */
	u8 vmxon[PAGE_SIZE];
	u8 vmcs[PAGE_SIZE];
	u8 msr_bitmap[PAGE_SIZE];
	u64 eptp_list[PAGE_SIZE / 8];
	union {
		struct mv_state s;
		u8 state_page[PAGE_SIZE];
	};
	u8 host_stack[MV_HOST_STACK_SIZE - 16];
	struct mv_cpu *stack_self;	/* HOST_RSP points here */
	u64 stack_pad;
};

#define MV_CPU_ORDER 3
static_assert(sizeof(struct mv_state) <= PAGE_SIZE);
static_assert(sizeof(struct mv_cpu) == (PAGE_SIZE << MV_CPU_ORDER));
static_assert(offsetof(struct mv_cpu, host_pml4) == 0);
static_assert(offsetof(struct mv_cpu, stack_self) + 16 ==
	      sizeof(struct mv_cpu));
static_assert(MV_REGS_SELF == MV_REGS_SIZE);

/* entry.S */
int mv_launch(void);		/* 0: now in non-root; else VMLAUNCH failed */
void mv_vmexit_entry(void);	/* HOST_RIP */

/* exit.c (root mode) */
int mv_exit_handler(struct mv_regs *regs, struct mv_cpu *c);
void mv_vmresume_failed(struct mv_regs *regs, struct mv_cpu *c);
extern const char * const mv_exit_names[MV_NR_EXIT_REASONS];

/* RAM ranges hypercall buffers may live in (filled at load) */
#define MV_MAX_RAM_RANGES 32
struct mv_ram_range {
	u64 start, end;		/* [start, end) */
};

extern struct mv_ram_range mv_ram[MV_MAX_RAM_RANGES];
extern unsigned int mv_nr_ram;

/* vmx.c (normal kernel) */
struct mv_caps {
	u32 pin, proc, proc2, exit, entry;	/* controls to use */
	u64 ept_vpid;
	u32 vmcs_revision;
	bool has_1g, has_ve, has_xsaves;
	bool has_preempt;	/* VMX-preemption timer (the watchdog) */
	u8 preempt_rate;	/* it counts TSC >> rate (IA32_VMX_MISC) */
	u64 max_pa;		/* end of identity map, 1G aligned */
	struct mv_mtrr mtrr;
};

extern struct mv_caps mv_caps;

int mv_check_cpu(struct mv_caps *caps, const char **missing);
int mv_cpu_up(unsigned int cpu);
int mv_cpu_down(unsigned int cpu);
struct mv_cpu *mv_get_cpu(unsigned int cpu);

/* pool helpers shared by normal kernel and root mode */
void mv_pool_init_ops(struct mv_cpu *c);

#endif /* MV_MV_H */
