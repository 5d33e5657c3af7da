/* SPDX-License-Identifier: GPL-2.0 */
/*
 * bh_driver.h - the whole kernel API an isolatable block driver may use:
 * the calls it makes and the callbacks it provides.
 *
 * Execution context: driver code.  Not isolated (built without
 * BH_ISOLATED): normal kernel, and every call lands in the native glue
 * (glue/native_blk.c, module bhglue) that maps it straight onto blk-mq.
 * Isolated (BH_ISOLATED): inside a domain (init, exit and the callbacks
 * alike), and every call is an inline stub here that crosses the
 * domain -> kernel gate with bh_vmf_yield; the kernel side (module
 * bhglue_iso) checks every pointer against the domain's memory and runs
 * the call in process context, where it may sleep.  The same driver
 * source builds both.
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
 * Not isolated: plain calls into bhglue.  Isolated in an EPT domain: the
 * same calls as inline stubs (below) that yield to bhglue_iso through the
 * gate.  BH_ISO_DIRECT (with BH_ISOLATED; the PKS build, pks/bhram_pks.h,
 * whose domains have no yield gate): every call renamed to its bh_iso_*
 * glue, which takes the calling module to find its domain, and init/exit
 * in the kernel view.
 */
#if defined(BH_ISOLATED) && defined(BH_ISO_DIRECT)
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

#if !defined(BH_ISOLATED) || defined(BH_ISO_DIRECT)
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
#endif

/*
 * The isolated calls: the call numbers of bh_vmf_yield (indexes into the
 * table bhglue_iso gives the domain), and the argument block of a call
 * with more than three arguments, passed by its address on the domain's
 * stack.
 */
enum bh_call {
	BH_CALL_BLK_ADD,	/* a0 = struct bh_blk_add_args * */
	BH_CALL_BLK_DEL,	/* a0 = dev */
	BH_CALL_PAGES_ALLOC,	/* a0 = order; returns the address or 0 */
	BH_CALL_PAGES_FREE,	/* a0 = addr, a1 = order */
	BH_CALL_LOG,		/* a0 = msg, a1 = a, a2 = b */
	BH_CALL_TEST_KNOB,	/* a0 = name, a1 = var */
	BH_CALL_COUNT
};

struct bh_blk_add_args {
	const struct bh_blk_params *p;
	const struct bh_blk_ops *ops;
	void *drv;
	struct bh_blk_dev **out;
};

#if defined(BH_ISOLATED) && !defined(BH_ISO_DIRECT)
/*
 * The domain -> kernel gate for a call that may sleep (in bhdomains' gate
 * page, executable in every domain view; trampolines/vmfunc_gate.h).
 */
long bh_vmf_yield(unsigned long a0, unsigned long a1, unsigned long a2,
		  unsigned long idx);

static inline int bh_blk_add(const struct bh_blk_params *p,
			     const struct bh_blk_ops *ops, void *drv,
			     struct bh_blk_dev **out)
{
	struct bh_blk_add_args a = { .p = p, .ops = ops, .drv = drv,
				     .out = out };

	return bh_vmf_yield((unsigned long)&a, 0, 0, BH_CALL_BLK_ADD);
}

static inline void bh_blk_del(struct bh_blk_dev *dev)
{
	bh_vmf_yield((unsigned long)dev, 0, 0, BH_CALL_BLK_DEL);
}

static inline void *bh_pages_alloc(unsigned int order)
{
	return (void *)bh_vmf_yield(order, 0, 0, BH_CALL_PAGES_ALLOC);
}

static inline void bh_pages_free(void *addr, unsigned int order)
{
	bh_vmf_yield((unsigned long)addr, order, 0, BH_CALL_PAGES_FREE);
}

static inline void bh_log(const char *msg, long a, long b)
{
	bh_vmf_yield((unsigned long)msg, a, b, BH_CALL_LOG);
}

static inline void bh_test_knob(const char *name, u64 *var)
{
	bh_vmf_yield((unsigned long)name, (unsigned long)var, 0,
		     BH_CALL_TEST_KNOB);
}
#endif

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
 * The isolated glue's side of a module's life (kernel view, called from
 * module_init/exit by BH_DRIVER): make the module's memory a domain, run
 * fn (the driver's init or exit) inside it, give the memory back.
 */
int bh_iso_begin(struct module *mod);
int bh_iso_run(struct module *mod, long (*fn)(void));
void bh_iso_end(struct module *mod);

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
 * goes back to the kernel after exit (bh_iso_begin/end, kernel view, in
 * module_init/exit).  init and exit themselves run inside the domain,
 * through the gate on the domain's task stack (bh_iso_run ->
 * bh_domain_call_task), and their calls yield to the kernel, where they
 * may sleep.  name##_dom_init/exit are the domain's entry points (in the
 * module's core text: .init.text is not part of the domain); a domain
 * that faults in init makes the load fail with -EIO.  With direct calls
 * (BH_ISO_DIRECT, the PKS build) init and exit run in the kernel view
 * and only queue_rq runs in the domain.
 */
#ifdef BH_ISO_DIRECT
static inline int bh_iso_direct(long (*fn)(void))
{
	return fn();
}

#define BH_ISO_RUN(fn)		bh_iso_direct(fn)
#else
#define BH_ISO_RUN(fn)		bh_iso_run(THIS_MODULE, fn)
#endif
/*
 * The module's struct module (the kernel's: its exit pointer, its place
 * in the module list) is read-only in the domain's view
 * (bh_iso_map_module); the driver's zero-initialized data (.bss, which
 * follows it) starts on a page of its own.  Keep writable state there or
 * in bh_pages_alloc() memory: an initialized writable variable (.data)
 * may share that read-only page, and a write to it is a fault.
 */
#define BH_ISO_BSS_PAGE							\
	asm(".pushsection .bss, \"aw\", @nobits\n\t.balign 4096\n\t.popsection")
#define BH_DRIVER(name, init, exit)					\
	BH_ISO_BSS_PAGE;						\
	static long name##_dom_init(void) { return init(); }		\
	static long name##_dom_exit(void) { exit(); return 0; }	\
	static int __init name##_mod_init(void)				\
	{								\
		int r = bh_iso_begin(THIS_MODULE);			\
		if (r)							\
			return r;					\
		r = BH_ISO_RUN(name##_dom_init);			\
		if (r)							\
			bh_iso_end(THIS_MODULE);			\
		return r;						\
	}								\
	static void __exit name##_mod_exit(void)			\
	{								\
		BH_ISO_RUN(name##_dom_exit);				\
		bh_iso_end(THIS_MODULE);				\
	}								\
	module_init(name##_mod_init);					\
	module_exit(name##_mod_exit);					\
	MODULE_LICENSE("GPL")
#endif

#endif /* BH_DRIVER_H */
