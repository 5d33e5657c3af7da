// SPDX-License-Identifier: GPL-2.0
/*
 * trace.c - the bulkhead_exits trace event: while it is on, a delayed
 * work item reads the per-CPU exit counters root mode keeps (the ones
 * /sys/kernel/bulkhead/minivisor/exits shows) every MV_TRACE_PERIOD_MS
 * and emits one event per (CPU, reason) that moved.  Root mode stays as
 * it is: it counts and never calls a tracepoint, printk or a lock.
 *
 * Context: normal kernel (workqueue; the tracepoint's register and
 * unregister callbacks run in process context under tracepoints_mutex).
 */
#include <linux/cpu.h>
#include <linux/slab.h>
#include <linux/workqueue.h>
#include "mv.h"
#include "../tools/bulkhead/bulkhead_tp.h"

#define CREATE_TRACE_POINTS
#include "mv_trace.h"

#define MV_TRACE_PERIOD_MS	250

#define MV_TP_SAME(f) static_assert(offsetof(struct trace_event_raw_bulkhead_exits, f) == \
				    offsetof(struct bh_tp_exits, f))
MV_TP_SAME(cpu);
MV_TP_SAME(reason);
MV_TP_SAME(count);
MV_TP_SAME(reason_name);
static_assert(sizeof_field(struct trace_event_raw_bulkhead_exits, reason_name) ==
	      BH_TP_EXIT_NAME_LEN);

static void mv_trace_work_fn(struct work_struct *w);
static DECLARE_DELAYED_WORK(mv_trace_work, mv_trace_work_fn);
static u64 *mv_trace_last;	/* [cpu][reason]: counts at the last sample */
static bool mv_trace_on, mv_trace_baseline;

/* emit the change of every (cpu, reason) since the last call */
static void mv_trace_sample(bool emit)
{
	unsigned int cpu, r;

	cpus_read_lock();
	for_each_online_cpu(cpu) {
		struct mv_cpu *c = mv_get_cpu(cpu);
		u64 *last = &mv_trace_last[cpu * MV_NR_EXIT_REASONS];

		for (r = 0; r < MV_NR_EXIT_REASONS; r++) {
			u64 now = c ? READ_ONCE(c->s.stats.by_reason[r]) : 0;
			/* a CPU virtualized again starts from 0 */
			u64 delta = now >= last[r] ? now - last[r] : now;

			if (emit && delta)
				trace_bulkhead_exits(cpu, r, mv_exit_names[r] ?
						     mv_exit_names[r] : "?",
						     delta);
			last[r] = now;
		}
	}
	cpus_read_unlock();
}

static void mv_trace_work_fn(struct work_struct *w)
{
	mv_trace_sample(!mv_trace_baseline);
	mv_trace_baseline = false;
	if (READ_ONCE(mv_trace_on))
		schedule_delayed_work(&mv_trace_work,
				      msecs_to_jiffies(MV_TRACE_PERIOD_MS));
}

/* the first probe attached: take a baseline now, then sample */
int mv_trace_exits_reg(void)
{
	mv_trace_last = kcalloc(array_size(nr_cpu_ids, MV_NR_EXIT_REASONS),
				sizeof(*mv_trace_last), GFP_KERNEL);
	if (!mv_trace_last)
		return -ENOMEM;
	mv_trace_baseline = true;
	WRITE_ONCE(mv_trace_on, true);
	schedule_delayed_work(&mv_trace_work, 0);
	return 0;
}

/* the last probe gone (also on rmmod, after mv_trace_exit) */
void mv_trace_exits_unreg(void)
{
	mv_trace_exit();
	kfree(mv_trace_last);
	mv_trace_last = NULL;
}

/* module exit: no sample may run once the CPUs are given back */
void mv_trace_exit(void)
{
	WRITE_ONCE(mv_trace_on, false);
	cancel_delayed_work_sync(&mv_trace_work);
}
