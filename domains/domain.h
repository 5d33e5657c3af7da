/* SPDX-License-Identifier: GPL-2.0 */
/*
 * domain.h - protection domains on per-CPU EPT views (module bhdomains).
 *
 * Execution context: normal kernel, process context (may sleep), except
 * bh_domain_call(), which may run in any context that may be preempted
 * or not (it disables preemption itself).  The calls of a bh_task_call_fn
 * table run in process context too, between two entries of
 * bh_domain_call_task().
 */
#ifndef BH_DOMAIN_H
#define BH_DOMAIN_H

#include <linux/types.h>

struct bh_domain;

/*
 * A new domain: per-CPU EPT views in which the kernel and other domains'
 * pages are absent (read-only: its own page table, the IDT and the GDTs
 * the CPU reads for it), the gate page is executable, and a private stack
 * per CPU is writable; its own page table (the gate switches CR3).
 * ERR_PTR on failure (dmesg says why).
 */
struct bh_domain *bh_domain_create(const char *name);
/*
 * give [va, va + len) (page aligned, kernel or module memory) to d, at
 * the same address in its page table; perm: BH_PERM_R/W/X (owner.h).
 * Code mapped executable is scanned first (every byte offset): a VMFUNC,
 * WRPKRU or XRSTOR, or a privileged instruction a domain could run
 * without a VM exit, refuses the mapping (-EPERM, one dmesg line per
 * hit).  BH_MAP_UNSCANNED skips that: only for tests that run such
 * instructions in a domain on purpose to see them stopped.
 */
#define BH_MAP_UNSCANNED	0x100
int bh_domain_map(struct bh_domain *d, const void *va, size_t len,
		  unsigned int perm);
/*
 * true only if every page of [va, va + len) is d's own or granted to d
 * with every bit of perm (BH_PERM_R/W/X as in owner.h: 1, 2, 4); the
 * kernel's default does not count.  Direct-map and module/vmalloc
 * addresses.  Any context; the kernel checks every address a domain
 * hands it with this before touching it.
 */
bool bh_domain_owns(struct bh_domain *d, const void *va, size_t len,
		    unsigned int perm);
/*
 * Run fn(a0, a1, a2) inside d on this CPU through the VMFUNC gate;
 * fn's return value, or -EIO if d is dead or this CPU is not ready
 * (bh_domain_cpu_ready), -EBUSY if nested too deep.
 */
long bh_domain_call(struct bh_domain *d, const void *fn, unsigned long a0,
		    unsigned long a1, unsigned long a2);
/*
 * May domains be entered on this CPU?  False while it comes online
 * (until its views are built) and from the start of its going offline.
 * Call with preemption off: the answer holds until it is on again (the
 * CPU's hotplug callbacks run in a thread on that CPU).  A caller that
 * can retry elsewhere (blk-mq: BLK_STS_RESOURCE) asks first.
 */
bool bh_domain_cpu_ready(void);
/*
 * Sleepable kernel calls of a domain (a coroutine "yield" gate).  Domain
 * code inside bh_domain_call_task() calls bh_vmf_yield(a0, a1, a2, idx)
 * (trampolines/vmfunc_gate.h); the kernel then runs calls[idx](d, a0, a1,
 * a2) in process context, preemption and interrupts on (it may sleep),
 * and resumes the domain with its value.  Every pointer among a0..a2 is
 * the domain's word: check it with bh_domain_owns() before use.
 */
typedef long (*bh_task_call_fn)(struct bh_domain *d, unsigned long a0,
				unsigned long a1, unsigned long a2);
/* d's table of sleepable calls (kept, not copied; n <= 64); 0 or -EINVAL */
int bh_domain_set_calls(struct bh_domain *d, const bh_task_call_fn *calls,
			unsigned int n);
/*
 * Run fn(a0, a1, a2) inside d on its task stack, in process context (may
 * sleep; one task call per domain at a time), serving its yields:
 * fn's value, or -EIO if d is dead or dies (a fault, a yield to an
 * unknown call), -EBUSY if a domain is live on this CPU.
 */
long bh_domain_call_task(struct bh_domain *d, const void *fn,
			 unsigned long a0, unsigned long a1, unsigned long a2);
/* d's name (for the glue's dmesg lines) */
const char *bh_domain_name(const struct bh_domain *d);
/*
 * A fault of d (the minivisor's fault entry will call this, see
 * ABI-REQUESTS.md #1): one dmesg line naming domain, CPU, address and
 * reason; every later bh_domain_call on d returns -EIO at once.
 */
void bh_domain_kill(struct bh_domain *d, int cpu, u64 addr,
		    const char *reason);
/* tear the views down and give every page back to the kernel */
void bh_domain_destroy(struct bh_domain *d);
/*
 * Make fn callable from domains by bh_vmf_out(a0, a1, a2, idx); returns
 * idx (the same for the same fn) or -ENOSPC.  fn runs in the kernel view
 * with interrupts and preemption off and gets only by-value arguments.
 * Remove it with bh_domain_del_call() before fn's module unloads.
 */
int bh_domain_add_call(long (*fn)(unsigned long a0, unsigned long a1,
				  unsigned long a2));
/* idx calls nothing any more (-ENOENT); call before fn's module goes */
void bh_domain_del_call(int idx);
/* gate entries ended on cpu: round trips, and entries unwound after a fault */
u64 bh_domain_round_trips(unsigned int cpu);
/* interrupts that reached the kernel from inside a domain on cpu */
u64 bh_domain_irqs(unsigned int cpu);
/* NMIs on cpu that landed between a gate's VMFUNC and its CR3 load */
u64 bh_domain_cr3_window_nmis(unsigned int cpu);
/*
 * The benchmark of the gate alone (tests): n back-to-back bh_vmf_enter
 * round trips into fn of d on this CPU, IRQs off, the per-CPU state set
 * up once by one bh_domain_call; the guest TSC ticks they took in all,
 * or 0 when that first call failed (d dead, view not loadable) or n = 0.
 */
u64 bh_domain_gate_ticks(struct bh_domain *d, const void *fn,
			 unsigned int n);

#endif /* BH_DOMAIN_H */
