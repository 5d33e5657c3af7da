// SPDX-License-Identifier: GPL-2.0
/*
 * bhnull.c - a null block driver: every request completes at once, no
 * data moves.  The fast case for measuring the cost of a crossing.
 *
 * Execution context: inside a domain when built isolated, normal kernel
 * otherwise (include/bh_driver.h).  Calls nothing but bh_driver.h.
 */
#include "include/bh_driver.h"

#define BHNULL_SECTORS	(2048ULL * 1024)	/* 1 GiB */

static struct bh_blk_dev *bhnull_dev;

static int bhnull_queue_rq(void *drv, const struct bh_blk_req *req)
{
	return req->sector + (req->bytes >> BH_SECTOR_SHIFT) > BHNULL_SECTORS ?
	       -EIO : 0;
}

static const struct bh_blk_ops bhnull_ops = {
	.queue_rq = bhnull_queue_rq,
};

static const struct bh_blk_params bhnull_params = {
	.name = "bhnull",
	.flags = BH_BLK_NODATA,
	.capacity = BHNULL_SECTORS,
	.queue_depth = 64,
};

static int bhnull_init(void)
{
	return bh_blk_add(&bhnull_params, &bhnull_ops, NULL, &bhnull_dev);
}

static void bhnull_exit(void)
{
	bh_blk_del(bhnull_dev);
}

BH_DRIVER(bhnull, bhnull_init, bhnull_exit);
