/* SPDX-License-Identifier: GPL-2.0 */
/*
 * blk_disk.h - the blk-mq half of every block glue of bh_driver.h, written
 * once: the request-op mapping, the dispatch wrapper, and creating and
 * removing the disk.  Included by glue/native_blk.c (bhglue, bhglue_iso)
 * and pks/bhpks_glue.c (bhpks_glue); each glue module gets its own copy
 * of these static functions, so no module depends on another for them.
 *
 * Execution context: normal kernel.  bh_blk_serve() runs in blk-mq
 * dispatch (may not sleep); bh_blk_deferred() in a work item (a request
 * its CPU could not serve, run on another); bh_blk_disk_add/del() in
 * process context.
 *
 * The includer defines struct bh_blk_dev (opaque in bh_driver.h) with a
 * struct bh_blk_disk in it, and its own queue_rq that counts the request
 * and calls bh_blk_serve() with its run function.  Kernel-version
 * differences of these blk-mq calls are in ../../include/bh_compat.h.
 */
#ifndef BH_BLK_DISK_H
#define BH_BLK_DISK_H

#include <linux/blk-mq.h>
#include <linux/blkdev.h>
#include <linux/cpumask.h>
#include <linux/module.h>
#include <linux/workqueue.h>
#include "../include/bh_driver.h"
#define BH_COMPAT_BLK
#include "../../include/bh_compat.h"

struct bh_blk_disk {
	struct blk_mq_tag_set set;
	struct gendisk *disk;
};

/* the driver's view of a block request, or -EOPNOTSUPP */
static inline int bh_blk_op(struct request *rq)
{
	switch (req_op(rq)) {
	case REQ_OP_READ:
		return BH_REQ_READ;
	case REQ_OP_WRITE:
		return BH_REQ_WRITE;
	case REQ_OP_FLUSH:
		return BH_REQ_FLUSH;
	default:
		return -EOPNOTSUPP;
	}
}

/*
 * What a run function says when it cannot serve the request on this CPU
 * now (not an errno): the glue's domain may not run here while the CPU
 * comes online or goes offline (bh_domain_cpu_ready).
 */
#define BH_BLK_RETRY	1

typedef int (*bh_blk_run_fn)(struct bh_blk_dev *dev, struct request *rq,
			     int op);

/*
 * Each request's blk-mq payload: how to run it again on another CPU.
 * blk-mq's own requeue would run the queue again on the same CPU (one
 * hardware queue: the local CPU), where the domain still may not run.
 */
struct bh_blk_pdu {
	struct delayed_work work;
	bh_blk_run_fn run;
	int op;
};

static void bh_blk_defer(struct request *rq);

/* a deferred request, in a work item on another CPU: run it, end it */
static void bh_blk_deferred(struct work_struct *w)
{
	struct bh_blk_pdu *pdu = container_of(to_delayed_work(w),
					      struct bh_blk_pdu, work);
	struct request *rq = blk_mq_rq_from_pdu(pdu);
	int ret = pdu->run(rq->q->queuedata, rq, pdu->op);

	if (ret == BH_BLK_RETRY)
		bh_blk_defer(rq);
	else
		blk_mq_end_request(rq, errno_to_blk_status(ret));
}

/* rq again, at once on another online CPU; with none, here a tick later */
static void bh_blk_defer(struct request *rq)
{
	struct bh_blk_pdu *pdu = blk_mq_rq_to_pdu(rq);
	int cpu = get_cpu(), other = cpumask_any_but(cpu_online_mask, cpu);

	put_cpu();
	INIT_DELAYED_WORK(&pdu->work, bh_blk_deferred);
	if (other < nr_cpu_ids)
		queue_delayed_work_on(other, system_highpri_wq, &pdu->work, 0);
	else
		queue_delayed_work_on(cpu, system_highpri_wq, &pdu->work, 1);
}

/*
 * Body of a glue's blk_mq_ops.queue_rq: start the request, hand it to
 * run() (0 or -errno) unless the driver API has no such op, end it; if
 * run() says BH_BLK_RETRY, the request is run again from a work item on
 * another CPU (bh_blk_defer) and ended there.  run is a constant at
 * every call site, so the call is direct once inlined.
 */
static __always_inline blk_status_t
bh_blk_serve(struct blk_mq_hw_ctx *hctx, struct request *rq,
	     bh_blk_run_fn run)
{
	struct bh_blk_dev *dev = hctx->queue->queuedata;
	int op = bh_blk_op(rq), ret;

	blk_mq_start_request(rq);
	if (op < 0) {
		blk_mq_end_request(rq, BLK_STS_NOTSUPP);
		return BLK_STS_OK;
	}
	ret = run(dev, rq, op);
	if (unlikely(ret == BH_BLK_RETRY)) {
		struct bh_blk_pdu *pdu = blk_mq_rq_to_pdu(rq);

		pdu->run = run;
		pdu->op = op;
		bh_blk_defer(rq);
		return BLK_STS_OK;
	}
	blk_mq_end_request(rq, errno_to_blk_status(ret));
	return BLK_STS_OK;
}

static const struct block_device_operations bh_blk_fops = {
	.owner = THIS_MODULE,
};

/*
 * Create and announce disk "<p->name><suffix>" of p->capacity sectors on
 * ops; dev is its queuedata and private_data.  nr_hw_queues and
 * max_sectors are the glue's (how it spreads requests, how much one
 * request may carry).  0 or -errno, with nothing left allocated.
 */
static int bh_blk_disk_add(struct bh_blk_disk *bd,
			   const struct blk_mq_ops *ops,
			   struct bh_blk_dev *dev,
			   const struct bh_blk_params *p, const char *suffix,
			   unsigned int nr_hw_queues, unsigned int max_sectors)
{
	struct gendisk *disk;
	int ret;

	bd->set.ops = ops;
	bd->set.nr_hw_queues = nr_hw_queues;
	bd->set.queue_depth = p->queue_depth ? p->queue_depth : 64;
	bd->set.numa_node = NUMA_NO_NODE;
	bd->set.flags = BLK_MQ_F_SHOULD_MERGE;
	bd->set.cmd_size = sizeof(struct bh_blk_pdu);
	ret = blk_mq_alloc_tag_set(&bd->set);
	if (ret)
		return ret;
	disk = bh_blk_alloc_disk(&bd->set, dev, max_sectors, BH_BLK_MAX_SEGS);
	if (IS_ERR(disk)) {
		ret = PTR_ERR(disk);
		goto out_tags;
	}
	disk->fops = &bh_blk_fops;
	disk->private_data = dev;
	snprintf(disk->disk_name, DISK_NAME_LEN, "%s%s", p->name, suffix);
	set_capacity(disk, p->capacity);
	ret = add_disk(disk);
	if (ret)
		goto out_disk;
	bd->disk = disk;
	return 0;

out_disk:
	put_disk(disk);
out_tags:
	blk_mq_free_tag_set(&bd->set);
	return ret;
}

/* remove the disk (waits for queue_rq calls in flight) */
static void bh_blk_disk_del(struct bh_blk_disk *bd)
{
	del_gendisk(bd->disk);
	put_disk(bd->disk);
	blk_mq_free_tag_set(&bd->set);
}

#endif /* BH_BLK_DISK_H */
