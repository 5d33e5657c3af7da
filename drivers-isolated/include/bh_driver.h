/* SPDX-License-Identifier: GPL-2.0 */
/*
 * bh_driver.h - the whole kernel API an isolatable block driver may use:
 * the calls it makes and the callbacks it provides.
 *
 * Execution context: driver code.  Not isolated (built without
 * BH_ISOLATED): normal kernel, and every call lands in the native glue
 * (glue/native_blk.c, module bhglue) that maps it straight onto blk-mq.
 * Isolated (BH_ISOLATED): inside a domain, and every call is glue that
 * crosses the domain->kernel gate.  The same driver source builds both.
 *
 * Rules that keep the crossing cheap and safe:
 *   - arguments are passed by value; data moves only through buffers the
 *     kernel names in a request (struct bh_blk_req segments) or memory the
 *     driver allocated with bh_pages_alloc();
 *   - a driver calls nothing else: no kernel memcpy/memset (use bh_copy()
 *     and bh_zero() below), no locks (use atomics on its own memory).
 */
#ifndef BH_DRIVER_H
#define BH_DRIVER_H

#include <linux/types.h>
#include <linux/errno.h>
#include <linux/module.h>

/* ---- block requests (kernel -> driver) -------------------------------- */
enum bh_blk_op {
	BH_REQ_READ,
	BH_REQ_WRITE,
	BH_REQ_FLUSH,
};

#define BH_BLK_MAX_SEGS		32
#define BH_SECTOR_SHIFT		9

struct bh_blk_seg {
	void *addr;		/* kernel buffer, or a shared one when isolated */
	u32 len;
};

struct bh_blk_req {
	u64 sector;		/* first 512-byte sector */
	u32 bytes;		/* sum of seg[].len */
	u8 op;			/* enum bh_blk_op */
	u8 nsegs;		/* queue_rq: seg[] holds the data */
	u8 next;		/* map_rq: the driver fills ext[0..next) */
	struct bh_blk_seg seg[BH_BLK_MAX_SEGS];
	struct bh_blk_seg ext[BH_BLK_MAX_SEGS];
};

/* what the driver provides; each callback runs in the driver's context */
struct bh_blk_ops {
	/* move req's data; 0 or -errno; must not sleep; may run on any CPU
	 * concurrently with itself
	 */
	int (*queue_rq)(void *drv, const struct bh_blk_req *req);
	/*
	 * Optional, for a driver whose data sits in its own memory (a RAM
	 * disk, a cache): say where req's bytes [sector, sector + bytes) are
	 * (READ) or go (WRITE), as extents of its own memory in req->ext,
	 * and the kernel moves the data itself: one copy, no bounce buffer.
	 * The kernel checks that every extent is the driver's memory and
	 * that they add up to req->bytes (isolated: a domain that names
	 * anything else is stopped).  READ and WRITE only (FLUSH goes to
	 * queue_rq); 0 or -errno; same context rules as queue_rq.
	 */
	int (*map_rq)(void *drv, struct bh_blk_req *req);
};

#define BH_BLK_NODATA		1	/* the driver never touches data */

struct bh_blk_params {
	const char *name;	/* disk name prefix: "<name>0" */
	u32 flags;		/* BH_BLK_* */
	u64 capacity;		/* in 512-byte sectors */
	u32 nr_hw_queues;	/* 0 = one per CPU */
	u32 queue_depth;
};

struct bh_blk_dev;		/* opaque: the kernel's disk */

/* ---- calls (driver -> kernel) ----------------------------------------- */
/*
 * Isolated builds rename every call to its bh_iso_* glue (module
 * bhglue_iso), which takes the calling module to find its domain.
 */
#ifdef BH_ISOLATED
#define bh_blk_add(p, ops, drv, out) \
	bh_iso_blk_add(THIS_MODULE, p, ops, drv, out)
#define bh_blk_del(dev)		bh_iso_blk_del(dev)
#define bh_pages_alloc(order)	bh_iso_pages_alloc(THIS_MODULE, order)
#define bh_pages_free(a, order)	bh_iso_pages_free(a, order)
#define bh_log(msg, a, b)	bh_iso_log(msg, a, b)
#define bh_test_knob(name, var)	bh_iso_test_knob(name, var)
#define BH_API(name)		bh_iso_##name
#define BH_API_MOD		struct module *mod,
#else
#define BH_API(name)		bh_##name
#define BH_API_MOD
#endif

/* create and announce a disk; *out = its handle */
int BH_API(blk_add)(BH_API_MOD const struct bh_blk_params *p,
		    const struct bh_blk_ops *ops, void *drv,
		    struct bh_blk_dev **out);
/* remove the disk (waits for queue_rq calls in flight) */
void BH_API(blk_del)(struct bh_blk_dev *dev);
/* 2^order zeroed, physically contiguous pages, or NULL */
void *BH_API(pages_alloc)(BH_API_MOD unsigned int order);
void BH_API(pages_free)(void *addr, unsigned int order);
/* one line in dmesg: "<msg> <a> <b>" */
void BH_API(log)(const char *msg, long a, long b);
/*
 * Test hook: /sys/kernel/debug/bhglue[_iso]/<name> reads and writes the
 * u64 *var of the driver (from init; var = NULL removes it, from exit).
 */
void BH_API(test_knob)(const char *name, u64 *var);

/* ---- helpers compiled into the driver (no kernel code) ----------------- */
static inline void bh_copy(void *dst, const void *src, size_t n)
{
	asm volatile("rep movsb"
		     : "+D" (dst), "+S" (src), "+c" (n) : : "memory");
}

static inline void bh_zero(void *dst, size_t n)
{
	asm volatile("rep stosb"
		     : "+D" (dst), "+c" (n) : "a" (0) : "memory");
}

/* ---- the driver's entry points ----------------------------------------- */
/*
 * BH_DRIVER(name, init, exit): int init(void) and void exit(void) are the
 * driver's load and unload.  Not isolated they are module_init/exit.
 */
#ifndef BH_ISOLATED
#define BH_DRIVER(name, init, exit)					\
	static int __init name##_mod_init(void) { return init(); }	\
	static void __exit name##_mod_exit(void) { exit(); }		\
	module_init(name##_mod_init);					\
	module_exit(name##_mod_exit);					\
	MODULE_LICENSE("GPL")
#else
/*
 * Isolated: the module's memory becomes a domain before init runs and
 * goes back to the kernel after exit.  init and exit themselves still run
 * in the kernel view (they sleep; a domain may not: domains/STATUS.md);
 * queue_rq runs in the domain.
 */
int bh_iso_begin(struct module *mod);
void bh_iso_end(struct module *mod);
#define BH_DRIVER(name, init, exit)					\
	static int __init name##_mod_init(void)				\
	{								\
		int r = bh_iso_begin(THIS_MODULE);			\
		if (r)							\
			return r;					\
		r = init();						\
		if (r)							\
			bh_iso_end(THIS_MODULE);			\
		return r;						\
	}								\
	static void __exit name##_mod_exit(void)			\
	{								\
		exit();							\
		bh_iso_end(THIS_MODULE);				\
	}								\
	module_init(name##_mod_init);					\
	module_exit(name##_mod_exit);					\
	MODULE_LICENSE("GPL")
#endif

#endif /* BH_DRIVER_H */
