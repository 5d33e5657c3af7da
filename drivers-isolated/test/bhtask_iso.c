// SPDX-License-Identifier: GPL-2.0
/*
 * bhtask_iso.c - a test driver for isolated init/exit: its init and exit
 * run inside its domain and reach the kernel only through bh_driver.h's
 * calls (yields to bhglue_iso).  Module parameters make it misbehave:
 *   bad=0  init logs a line, publishes a knob (debugfs bhtask_value, the
 *          domain's own u64) and adds a disk, bhtask_iso0: loads, works,
 *          unloads; writing BHTASK_YIELD to the knob makes the next
 *          request yield from queue_rq (an atomic call): a fault;
 *   bad=1  init writes 0x4141... at addr (a kernel address): a fault of
 *          the domain inside init, the load fails with -EIO;
 *   bad=2  a confused deputy: init hands the kernel addr as the knob's
 *          variable and as bh_blk_add's out: both refused (-EFAULT), the
 *          load fails with that error;
 *   bad=3  init yields with a call number the kernel does not have: the
 *          domain is killed, the load fails with -EIO.
 *
 * Execution context: inside its domain (init, exit); module_init/exit,
 * the parameters and the kernel's side of the calls in the normal kernel
 * (include/bh_driver.h).  Test module, not in distribution builds.
 */
#define BH_ISOLATED
#include "../include/bh_driver.h"

static int bad;
module_param(bad, int, 0444);
MODULE_PARM_DESC(bad, "0 behave, 1 write addr, 2 pass addr to the kernel, 3 unknown call");
static unsigned long addr;
module_param(addr, ulong, 0444);
MODULE_PARM_DESC(addr, "a kernel address for bad=1 and bad=2");

#define BHTASK_YIELD	0x59

/* zero-initialized: .bss, writable in the domain (bh_driver.h) */
static u64 bhtask_value;
static struct bh_blk_dev *bhtask_dev;

static int bhtask_queue_rq(void *drv, const struct bh_blk_req *req)
{
	/* a sleepable call from the data path: the kernel must refuse it */
	if (bhtask_value == BHTASK_YIELD)
		bh_log("bhtask: bh_log from queue_rq", 0, 0);
	return 0;
}

static const struct bh_blk_ops bhtask_ops = {
	.queue_rq = bhtask_queue_rq,
};

static const struct bh_blk_params bhtask_params = {
	.name = "bhtask",
	.flags = BH_BLK_NODATA,
	.capacity = 8,
};

static int bhtask_init(void)
{
	int ret;

	switch (bad) {
	case 1:
		WRITE_ONCE(*(u64 *)addr, 0x4141414141414141ULL);
		return 0;
	case 2:
		bh_test_knob("bhtask_deputy", (u64 *)addr);
		ret = bh_blk_add(&bhtask_params, &bhtask_ops, NULL,
				 (struct bh_blk_dev **)addr);
		bh_log("bhtask: bh_blk_add with a kernel out returned", ret, 0);
		return ret ? ret : -EINVAL;
	case 3:
		return bh_vmf_yield(0, 0, 0, 0x4242);
	}
	bh_log("bhtask: init in its domain", bad, 0);
	bhtask_value = 0x1234;
	ret = bh_blk_add(&bhtask_params, &bhtask_ops, NULL, &bhtask_dev);
	if (!ret)
		bh_test_knob("bhtask_value", &bhtask_value);
	return ret;
}

static void bhtask_exit(void)
{
	bh_test_knob("bhtask_value", NULL);
	bh_blk_del(bhtask_dev);
	bh_log("bhtask: exit in its domain", 0, 0);
}

BH_DRIVER(bhtask, bhtask_init, bhtask_exit);
