/* SPDX-License-Identifier: GPL-2.0 */
/*
 * bh_trace.h - trace events of the domains layer (module bhdomains),
 * system "bulkhead": a domain's life (create, grant, revoke, fault, kill,
 * reload) and sampled gate crossings.  The exits event lives with the
 * minivisor (minivisor/mv_trace.h), in the same system.
 *
 * Context: normal kernel.  The events are emitted in process context,
 * except bulkhead_domain_fault and bulkhead_domain_kill, which may come
 * from any context bh_domain_kill() is called in (not root mode).
 *
 * The record layouts are pinned for the BPF side by static asserts in
 * domains/trace.c against tools/bulkhead/bulkhead_tp.h: change both.
 * Strings are fixed arrays (no __data_loc), truncated by strscpy.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM bulkhead

#if !defined(BH_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define BH_TRACE_H

#include <linux/string.h>
#include <linux/tracepoint.h>

#define BH_TRACE_HEAD_ASSIGN(n, i, c)			\
	do {						\
		strscpy(__entry->name, n, 32);		\
		__entry->id = i;			\
		__entry->cpu = c;			\
	} while (0)

TRACE_EVENT(bulkhead_domain_create,
	    TP_PROTO(const char *name, u32 id, int cpu, u32 cpus),
	    TP_ARGS(name, id, cpu, cpus),
	    TP_STRUCT__entry(__array(char, name, 32)
			     __field(u32, id)
			     __field(int, cpu)
			     __field(u32, cpus)),
	    TP_fast_assign(BH_TRACE_HEAD_ASSIGN(name, id, cpu);
			   __entry->cpus = cpus;),
	    TP_printk("domain=%s id=%u cpu=%d views=%u", __entry->name,
		      __entry->id, __entry->cpu, __entry->cpus)
);

TRACE_EVENT(bulkhead_domain_grant,
	    TP_PROTO(const char *name, u32 id, int cpu, const void *va, u64 len,
		     u32 perm, int err),
	    TP_ARGS(name, id, cpu, va, len, perm, err),
	    TP_STRUCT__entry(__array(char, name, 32)
			     __field(u32, id)
			     __field(int, cpu)
			     __field(u64, va)
			     __field(u64, len)
			     __field(u32, perm)
			     __field(int, err)),
	    TP_fast_assign(BH_TRACE_HEAD_ASSIGN(name, id, cpu);
			   __entry->va = (unsigned long)va;
			   __entry->len = len;
			   __entry->perm = perm;
			   __entry->err = err;),
	    TP_printk("domain=%s id=%u cpu=%d va=%#llx len=%#llx perm=%u err=%d",
		      __entry->name, __entry->id, __entry->cpu, __entry->va,
		      __entry->len, __entry->perm, __entry->err)
);

TRACE_EVENT(bulkhead_domain_revoke,
	    TP_PROTO(const char *name, u32 id, int cpu, u64 pages),
	    TP_ARGS(name, id, cpu, pages),
	    TP_STRUCT__entry(__array(char, name, 32)
			     __field(u32, id)
			     __field(int, cpu)
			     __field(u64, pages)),
	    TP_fast_assign(BH_TRACE_HEAD_ASSIGN(name, id, cpu);
			   __entry->pages = pages;),
	    TP_printk("domain=%s id=%u cpu=%d pages=%llu", __entry->name,
		      __entry->id, __entry->cpu, __entry->pages)
);

TRACE_EVENT(bulkhead_domain_fault,
	    TP_PROTO(const char *name, u32 id, int cpu, u64 addr,
		     const char *reason),
	    TP_ARGS(name, id, cpu, addr, reason),
	    TP_STRUCT__entry(__array(char, name, 32)
			     __field(u32, id)
			     __field(int, cpu)
			     __field(u64, addr)
			     __array(char, reason, 128)),
	    TP_fast_assign(BH_TRACE_HEAD_ASSIGN(name, id, cpu);
			   __entry->addr = addr;
			   strscpy(__entry->reason, reason, 128);),
	    TP_printk("domain=%s id=%u cpu=%d addr=%#llx reason=\"%s\"",
		      __entry->name, __entry->id, __entry->cpu, __entry->addr,
		      __entry->reason)
);

TRACE_EVENT(bulkhead_domain_kill,
	    TP_PROTO(const char *name, u32 id, int cpu, bool was_dead),
	    TP_ARGS(name, id, cpu, was_dead),
	    TP_STRUCT__entry(__array(char, name, 32)
			     __field(u32, id)
			     __field(int, cpu)
			     __field(u32, was_dead)),
	    TP_fast_assign(BH_TRACE_HEAD_ASSIGN(name, id, cpu);
			   __entry->was_dead = was_dead;),
	    TP_printk("domain=%s id=%u cpu=%d was_dead=%u", __entry->name,
		      __entry->id, __entry->cpu, __entry->was_dead)
);

TRACE_EVENT(bulkhead_domain_reload,
	    TP_PROTO(const char *name, u32 id, int cpu, u32 generation),
	    TP_ARGS(name, id, cpu, generation),
	    TP_STRUCT__entry(__array(char, name, 32)
			     __field(u32, id)
			     __field(int, cpu)
			     __field(u32, generation)),
	    TP_fast_assign(BH_TRACE_HEAD_ASSIGN(name, id, cpu);
			   __entry->generation = generation;),
	    TP_printk("domain=%s id=%u cpu=%d generation=%u", __entry->name,
		      __entry->id, __entry->cpu, __entry->generation)
);

/* between domain.c and trace.c */
int bh_trace_crossing_reg(void);
void bh_trace_crossing_unreg(void);
void bh_trace_exit(void);
void bh_trace_created(const char *name, u32 id);
/* emit (or, emit false, only note) the crossings since the last call */
void bh_domain_trace_crossings(bool emit);

/*
 * Sampled: while the event is on, a work item in domains/trace.c emits,
 * every BH_TRACE_PERIOD_MS, the round trips into each domain on each CPU
 * since the last sample (not emitted when 0).
 */
TRACE_EVENT_FN(bulkhead_crossing,
	       TP_PROTO(const char *name, u32 id, int cpu, u64 count),
	       TP_ARGS(name, id, cpu, count),
	       TP_STRUCT__entry(__array(char, name, 32)
				__field(u32, id)
				__field(int, cpu)
				__field(u64, count)),
	       TP_fast_assign(BH_TRACE_HEAD_ASSIGN(name, id, cpu);
			      __entry->count = count;),
	       TP_printk("domain=%s id=%u cpu=%d count=%llu", __entry->name,
			 __entry->id, __entry->cpu, __entry->count),
	       bh_trace_crossing_reg, bh_trace_crossing_unreg
);

#endif /* BH_TRACE_H */

#undef TRACE_INCLUDE_PATH
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_PATH .
#define TRACE_INCLUDE_FILE bh_trace
#include <trace/define_trace.h>
