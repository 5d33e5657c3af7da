// SPDX-License-Identifier: GPL-2.0
/*
 * bulkhead.bpf.c - BPF programs of the `bulkhead` tool: one per bulkhead
 * trace event, each copying the record into a struct bh_event on the ring
 * buffer `events`.  The records are read at the offsets of
 * bulkhead_tp.h (no BTF in the guest kernel, so no CO-RE).
 *
 * Context: BPF, tracepoint programs run by the kernel wherever the event
 * fires (process context; fault and kill also with interrupts off).
 * Built with `clang -target bpf -O2 -g`; the tool embeds the object.
 */
#include <linux/types.h>
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "bulkhead_tp.h"

char LICENSE[] SEC("license") = "GPL";

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 * 1024);
} events SEC(".maps");

/* a zeroed event with the domain head filled in, or NULL (ring full) */
static __always_inline struct bh_event *bh_start(__u32 type,
						 const struct bh_tp_head *h)
{
	struct bh_event *e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);

	if (!e)
		return NULL;
	__builtin_memset(e, 0, sizeof(*e));
	e->type = type;
	e->cpu = h->cpu;
	e->id = h->id;
	e->ts = bpf_ktime_get_ns();
	/*
	 * 8-aligned copies: the compiler reads the record in aligned 8-byte
	 * loads at fixed offsets, all a tracepoint program may do
	 */
	__builtin_memcpy(e->name, h->name, BH_TP_NAME_LEN);
	e->name[BH_TP_NAME_LEN - 1] = '\0';
	return e;
}

SEC("tracepoint/bulkhead/bulkhead_domain_create")
int bh_create(struct bh_tp_create *tp)
{
	struct bh_event *e = bh_start(BH_EV_CREATE, (const void *)tp);

	if (!e)
		return 0;
	e->u = tp->cpus;
	bpf_ringbuf_submit(e, 0);
	return 0;
}

SEC("tracepoint/bulkhead/bulkhead_domain_grant")
int bh_grant(struct bh_tp_grant *tp)
{
	struct bh_event *e = bh_start(BH_EV_GRANT, (const void *)tp);

	if (!e)
		return 0;
	e->a = tp->va;
	e->b = tp->len;
	e->u = tp->perm;
	e->c = tp->err;
	bpf_ringbuf_submit(e, 0);
	return 0;
}

SEC("tracepoint/bulkhead/bulkhead_domain_revoke")
int bh_revoke(struct bh_tp_revoke *tp)
{
	struct bh_event *e = bh_start(BH_EV_REVOKE, (const void *)tp);

	if (!e)
		return 0;
	e->a = tp->pages;
	bpf_ringbuf_submit(e, 0);
	return 0;
}

SEC("tracepoint/bulkhead/bulkhead_domain_fault")
int bh_fault(struct bh_tp_fault *tp)
{
	struct bh_event *e = bh_start(BH_EV_FAULT, (const void *)tp);

	if (!e)
		return 0;
	e->a = tp->addr;
	__builtin_memcpy(e->text, tp->reason, BH_TP_REASON_LEN);
	e->text[BH_TP_REASON_LEN - 1] = '\0';
	bpf_ringbuf_submit(e, 0);
	return 0;
}

SEC("tracepoint/bulkhead/bulkhead_domain_kill")
int bh_kill(struct bh_tp_kill *tp)
{
	struct bh_event *e = bh_start(BH_EV_KILL, (const void *)tp);

	if (!e)
		return 0;
	e->u = tp->was_dead;
	bpf_ringbuf_submit(e, 0);
	return 0;
}

SEC("tracepoint/bulkhead/bulkhead_domain_reload")
int bh_reload(struct bh_tp_reload *tp)
{
	struct bh_event *e = bh_start(BH_EV_RELOAD, (const void *)tp);

	if (!e)
		return 0;
	e->u = tp->generation;
	bpf_ringbuf_submit(e, 0);
	return 0;
}

SEC("tracepoint/bulkhead/bulkhead_crossing")
int bh_crossing(struct bh_tp_crossing *tp)
{
	struct bh_event *e = bh_start(BH_EV_CROSSING, (const void *)tp);

	if (!e)
		return 0;
	e->a = tp->count;
	bpf_ringbuf_submit(e, 0);
	return 0;
}

SEC("tracepoint/bulkhead/bulkhead_exits")
int bh_exits(struct bh_tp_exits *tp)
{
	struct bh_event *e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);

	if (!e)
		return 0;
	__builtin_memset(e, 0, sizeof(*e));
	e->type = BH_EV_EXITS;
	e->cpu = tp->cpu;
	e->id = tp->reason;
	e->ts = bpf_ktime_get_ns();
	e->a = tp->count;
	__builtin_memcpy(e->name, tp->reason_name, BH_TP_EXIT_NAME_LEN);
	e->name[BH_TP_EXIT_NAME_LEN - 1] = '\0';
	bpf_ringbuf_submit(e, 0);
	return 0;
}
