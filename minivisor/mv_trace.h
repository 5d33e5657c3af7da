/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mv_trace.h - the minivisor's trace event (module bulkhead), system
 * "bulkhead": VM exits by reason, sampled.  The domain events live in
 * domains/bh_trace.h, in the same system.
 *
 * Context: normal kernel (emitted by a work item in minivisor/trace.c).
 * Root mode never calls it: the exit handlers only count, in the per-CPU
 * counters that /sys/kernel/bulkhead/minivisor/exits also reads.
 *
 * The record layout is pinned for the BPF side by static asserts in
 * minivisor/trace.c against tools/bulkhead/bulkhead_tp.h: change both.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM bulkhead

#if !defined(MV_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define MV_TRACE_H

#include <linux/string.h>
#include <linux/tracepoint.h>

int mv_trace_exits_reg(void);
void mv_trace_exits_unreg(void);
/* module exit: stop sampling before the CPUs are given back */
void mv_trace_exit(void);

/*
 * While the event is on, every MV_TRACE_PERIOD_MS: the exits of each
 * basic reason on each CPU since the last sample (not emitted when 0).
 */
TRACE_EVENT_FN(bulkhead_exits,
	       TP_PROTO(int cpu, u32 reason, const char *reason_name, u64 count),
	       TP_ARGS(cpu, reason, reason_name, count),
	       TP_STRUCT__entry(__field(int, cpu)
				__field(u32, reason)
				__field(u64, count)
				__array(char, reason_name, 24)),
	       TP_fast_assign(__entry->cpu = cpu;
			      __entry->reason = reason;
			      __entry->count = count;
			      strscpy(__entry->reason_name, reason_name, 24);),
	       TP_printk("cpu=%d reason=%u %s count=%llu", __entry->cpu,
			 __entry->reason, __entry->reason_name, __entry->count),
	       mv_trace_exits_reg, mv_trace_exits_unreg
);

#endif /* MV_TRACE_H */

#undef TRACE_INCLUDE_PATH
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_PATH .
#define TRACE_INCLUDE_FILE mv_trace
#include <trace/define_trace.h>
