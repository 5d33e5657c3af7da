// SPDX-License-Identifier: GPL-2.0
/*
 * bhexample.c - an out-of-tree block driver written against Bulkhead's
 * driver API (drivers-isolated/include/bh_driver.h): a 4 MiB RAM disk in
 * one allocation.  Its Kbuild builds it twice from this one source:
 * bhexample.ko (native, on bhglue.ko, disk /dev/bhexample0) and
 * bhexample_iso.ko (isolated in its own domain, on bhglue_iso.ko, disk
 * /dev/bhexample_iso0) - see ../isolate.mk.
 *
 * Execution context: init, exit and queue_rq inside the driver's domain
 * when built isolated, normal kernel otherwise.
 * Calls nothing but bh_driver.h.
 */
#include <bh_driver.h>

#define BHEX_ORDER	10				/* 4 MiB */
#define BHEX_BYTES	(4096ULL << BHEX_ORDER)

static struct bh_blk_dev *bhex_dev;
static u8 *bhex_store;		/* pages_alloc'd: the domain's own memory */

static int bhex_queue_rq(void *drv, const struct bh_blk_req *req)
{
	u64 off = req->sector << BH_SECTOR_SHIFT;
	unsigned int i;

	if (req->op == BH_REQ_FLUSH)
		return 0;
	if (off + req->bytes > BHEX_BYTES)
		return -EIO;
	for (i = 0; i < req->nsegs; i++) {
		if (req->op == BH_REQ_WRITE)
			bh_copy(bhex_store + off, req->seg[i].addr,
				req->seg[i].len);
		else
			bh_copy(req->seg[i].addr, bhex_store + off,
				req->seg[i].len);
		off += req->seg[i].len;
	}
	return 0;
}

static const struct bh_blk_ops bhex_ops = {
	.queue_rq = bhex_queue_rq,
};

static const struct bh_blk_params bhex_params = {
	.name = "bhexample",
	.capacity = BHEX_BYTES >> BH_SECTOR_SHIFT,
	.queue_depth = 32,
};

static int bhex_init(void)
{
	int ret;

	bhex_store = bh_pages_alloc(BHEX_ORDER);
	if (!bhex_store)
		return -ENOMEM;
	ret = bh_blk_add(&bhex_params, &bhex_ops, NULL, &bhex_dev);
	if (ret)
		bh_pages_free(bhex_store, BHEX_ORDER);
	return ret;
}

static void bhex_exit(void)
{
	bh_blk_del(bhex_dev);
	bh_pages_free(bhex_store, BHEX_ORDER);
}

BH_DRIVER(bhexample, bhex_init, bhex_exit);
