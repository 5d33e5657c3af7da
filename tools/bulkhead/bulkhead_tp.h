/* SPDX-License-Identifier: GPL-2.0 */
/*
 * bulkhead_tp.h - the records of the bulkhead trace events as they sit in
 * the trace buffer, written out by hand (the guest kernel has no BTF, so
 * no CO-RE), and the event the BPF programs send to the tool through the
 * ring buffer.
 *
 * Context: any.  Included by the BPF programs (bulkhead.bpf.c), by the
 * tool (bulkhead.c, user space) and by the kernel files that create the
 * events (minivisor/trace.c, domains/trace.c), which check every offset
 * below against the layout TRACE_EVENT() produced (static_assert), so the
 * two cannot drift apart.  /sys/kernel/tracing/events/bulkhead/NAME/format
 * shows the same offsets; `bulkhead trace` compares them at start.
 *
 * Every record starts with the 8-byte common header (type, flags,
 * preempt_count, pid) that tracepoint BPF programs may not read.
 * Strings are fixed, NUL-terminated char arrays (no __data_loc).
 */
#ifndef BULKHEAD_TP_H
#define BULKHEAD_TP_H

#include <linux/types.h>

#define BH_TP_NAME_LEN		32	/* domain name */
#define BH_TP_REASON_LEN	128	/* fault reason */
#define BH_TP_EXIT_NAME_LEN	24	/* VM exit reason name */

/* the start every domain event shares */
#define BH_TP_DOMAIN_HEAD				\
	__u64 common;					\
	char name[BH_TP_NAME_LEN];	/* offset 8 */	\
	__u32 id;			/* offset 40 */	\
	__s32 cpu			/* offset 44 */

/* what every domain record starts with */
struct bh_tp_head {
	BH_TP_DOMAIN_HEAD;
};

/* bulkhead_domain_create: a domain and its views on `cpus` CPUs */
struct bh_tp_create {
	BH_TP_DOMAIN_HEAD;
	__u32 cpus;
};

/* bulkhead_domain_grant: [va, va + len) given to the domain, err 0 or -E */
struct bh_tp_grant {
	BH_TP_DOMAIN_HEAD;
	__u64 va;
	__u64 len;
	__u32 perm;
	__s32 err;
};

/* bulkhead_domain_revoke: the domain destroyed, its pages back to the kernel */
struct bh_tp_revoke {
	BH_TP_DOMAIN_HEAD;
	__u64 pages;
};

/* bulkhead_domain_fault: why a domain dies (bh_domain_kill) */
struct bh_tp_fault {
	BH_TP_DOMAIN_HEAD;
	__u64 addr;
	char reason[BH_TP_REASON_LEN];
};

/* bulkhead_domain_kill: the domain marked dead (was_dead: it already was) */
struct bh_tp_kill {
	BH_TP_DOMAIN_HEAD;
	__u32 was_dead;
};

/* bulkhead_domain_reload: a name created again; generation 1 = 2nd time */
struct bh_tp_reload {
	BH_TP_DOMAIN_HEAD;
	__u32 generation;
};

/* bulkhead_crossing: gate round trips into the domain on cpu, sampled */
struct bh_tp_crossing {
	BH_TP_DOMAIN_HEAD;
	__u64 count;
};

/* bulkhead_exits: VM exits of one basic reason on cpu, sampled */
struct bh_tp_exits {
	__u64 common;
	__s32 cpu;
	__u32 reason;
	__u64 count;
	char reason_name[BH_TP_EXIT_NAME_LEN];
};

/* ---- the ring-buffer event, BPF -> tool ---------------------------------- */

enum bh_ev_type {
	BH_EV_CREATE = 1,
	BH_EV_GRANT,
	BH_EV_REVOKE,
	BH_EV_FAULT,
	BH_EV_KILL,
	BH_EV_RELOAD,
	BH_EV_CROSSING,
	BH_EV_EXITS,
	BH_EV_NR
};

struct bh_event {
	__u32 type;		/* enum bh_ev_type */
	__s32 cpu;
	__u32 id;		/* domain id; exits: the basic reason */
	__u32 u;		/* cpus, perm, was_dead, generation */
	__u64 ts;		/* bpf_ktime_get_ns() */
	__u64 a;		/* va, pages, addr, count */
	__u64 b;		/* len; grant: err (sign-extended) in c */
	__s64 c;
	char name[BH_TP_NAME_LEN];	/* domain name or exit reason name */
	char text[BH_TP_REASON_LEN];	/* fault reason */
};

#endif /* BULKHEAD_TP_H */
