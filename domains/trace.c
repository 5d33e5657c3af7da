// SPDX-License-Identifier: GPL-2.0
/*
 * trace.c - the trace events of bhdomains (domains/bh_trace.h): created
 * here; the sampler behind bulkhead_crossing (a delayed work item that,
 * while the event is on, asks domain.c for the round trips since the last
 * sample); the names of the domains created so far, for
 * bulkhead_domain_reload.
 *
 * Context: normal kernel (workqueue, process context; the tracepoint's
 * register and unregister callbacks run under tracepoints_mutex).
 */
#include <linux/mutex.h>
#include <linux/smp.h>
#include <linux/string.h>
#include <linux/workqueue.h>
#include "domain.h"
#include "../tools/bulkhead/bulkhead_tp.h"

#define CREATE_TRACE_POINTS
#include "bh_trace.h"

#define BH_TRACE_PERIOD_MS	250
#define BH_TRACE_NAMES		64

/* the records the BPF programs read: same offsets as bulkhead_tp.h */
#define BH_TP_SAME(ev, st, f)						\
	static_assert(offsetof(struct trace_event_raw_bulkhead_##ev, f) == \
		      offsetof(struct bh_tp_##st, f))
BH_TP_SAME(domain_create, create, name);
BH_TP_SAME(domain_create, create, id);
BH_TP_SAME(domain_create, create, cpu);
BH_TP_SAME(domain_create, create, cpus);
BH_TP_SAME(domain_grant, grant, name);
BH_TP_SAME(domain_grant, grant, id);
BH_TP_SAME(domain_grant, grant, cpu);
BH_TP_SAME(domain_grant, grant, va);
BH_TP_SAME(domain_grant, grant, len);
BH_TP_SAME(domain_grant, grant, perm);
BH_TP_SAME(domain_grant, grant, err);
BH_TP_SAME(domain_revoke, revoke, name);
BH_TP_SAME(domain_revoke, revoke, id);
BH_TP_SAME(domain_revoke, revoke, cpu);
BH_TP_SAME(domain_revoke, revoke, pages);
BH_TP_SAME(domain_fault, fault, name);
BH_TP_SAME(domain_fault, fault, id);
BH_TP_SAME(domain_fault, fault, cpu);
BH_TP_SAME(domain_fault, fault, addr);
BH_TP_SAME(domain_fault, fault, reason);
BH_TP_SAME(domain_kill, kill, name);
BH_TP_SAME(domain_kill, kill, id);
BH_TP_SAME(domain_kill, kill, cpu);
BH_TP_SAME(domain_kill, kill, was_dead);
BH_TP_SAME(domain_reload, reload, name);
BH_TP_SAME(domain_reload, reload, id);
BH_TP_SAME(domain_reload, reload, cpu);
BH_TP_SAME(domain_reload, reload, generation);
BH_TP_SAME(crossing, crossing, name);
BH_TP_SAME(crossing, crossing, id);
BH_TP_SAME(crossing, crossing, cpu);
BH_TP_SAME(crossing, crossing, count);
static_assert(sizeof_field(struct trace_event_raw_bulkhead_domain_fault,
			   name) == BH_TP_NAME_LEN);
static_assert(sizeof_field(struct trace_event_raw_bulkhead_domain_fault,
			   reason) == BH_TP_REASON_LEN);

/* ---- bulkhead_crossing -------------------------------------------------- */

static void bh_trace_work_fn(struct work_struct *w);
static DECLARE_DELAYED_WORK(bh_trace_work, bh_trace_work_fn);
static bool bh_trace_on, bh_trace_baseline;

static void bh_trace_work_fn(struct work_struct *w)
{
	bh_domain_trace_crossings(!bh_trace_baseline);
	bh_trace_baseline = false;
	if (READ_ONCE(bh_trace_on))
		schedule_delayed_work(&bh_trace_work,
				      msecs_to_jiffies(BH_TRACE_PERIOD_MS));
}

/* the first probe attached: take a baseline now, then sample */
int bh_trace_crossing_reg(void)
{
	bh_trace_baseline = true;
	WRITE_ONCE(bh_trace_on, true);
	schedule_delayed_work(&bh_trace_work, 0);
	return 0;
}

void bh_trace_crossing_unreg(void)
{
	bh_trace_exit();
}

/* module exit, and the last probe gone */
void bh_trace_exit(void)
{
	WRITE_ONCE(bh_trace_on, false);
	cancel_delayed_work_sync(&bh_trace_work);
}

/* ---- bulkhead_domain_reload --------------------------------------------- */

static DEFINE_MUTEX(bh_names_lock);
static struct {
	char name[BH_TP_NAME_LEN];
	unsigned int created;
} bh_names[BH_TRACE_NAMES];
static unsigned int bh_names_next;	/* the oldest entry, when full */

/*
 * A domain called name was created: if that name was created before
 * (since bhdomains loaded), emit bulkhead_domain_reload.  The last
 * BH_TRACE_NAMES names are remembered.
 */
void bh_trace_created(const char *name, u32 id)
{
	unsigned int i, gen = 0;

	mutex_lock(&bh_names_lock);
	for (i = 0; i < BH_TRACE_NAMES; i++)
		if (bh_names[i].created &&
		    !strncmp(bh_names[i].name, name, BH_TP_NAME_LEN - 1))
			break;
	if (i == BH_TRACE_NAMES) {
		i = bh_names_next;
		bh_names_next = (bh_names_next + 1) % BH_TRACE_NAMES;
		strscpy(bh_names[i].name, name, BH_TP_NAME_LEN);
		bh_names[i].created = 0;
	}
	gen = bh_names[i].created++;
	mutex_unlock(&bh_names_lock);
	if (gen)
		trace_bulkhead_domain_reload(name, id, raw_smp_processor_id(),
					     gen);
}
