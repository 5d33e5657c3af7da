// SPDX-License-Identifier: GPL-2.0
/*
 * native_blk.c - the kernel side of bh_driver.h, written once for both
 * builds of a driver:
 *   - not isolated (module bhglue): the calls map straight onto the kernel
 *     (blk-mq, the page allocator, printk) and queue_rq is a plain call;
 *   - isolated (module bhglue_iso, glue/iso_blk.c includes this file with
 *     BH_GLUE_ISO): the driver module's memory is a domain, queue_rq is a
 *     call through the VMFUNC gate (bh_domain_call), and data moves through
 *     a per-CPU bounce buffer and request page shared with the domain.
 *     The driver's init and exit run in the domain too (bh_iso_run ->
 *     bh_domain_call_task); its calls arrive here as yields (the table
 *     bh_iso_calls), each argument checked against the domain's memory
 *     (bh_domain_owns) and copied before use.
 *
 * Execution context: normal kernel.  bh_queue_rq runs in blk-mq dispatch
 * (may not sleep); the rest in process context, the bh_iso_call_* ones
 * between two entries of a task call into the domain.
 */
#include <linux/blk-mq.h>
#include <linux/blkdev.h>
#include <linux/ctype.h>
#include <linux/debugfs.h>
#include <linux/seq_file.h>
#include <linux/gfp.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <asm/msr.h>
#include "../include/bh_driver.h"
#include "blk_disk.h"
#define BH_BOUNCE_ORDER		5	/* 128 KiB = max request */
#define BH_BOUNCE_SIZE		(PAGE_SIZE << BH_BOUNCE_ORDER)
#ifdef BH_GLUE_ISO
#include "../../domains/domain.h"
#include "../../domains/owner.h"
#define BH_GLUE_NAME		"bhglue_iso"
#define BH_DISK_SUFFIX		"_iso0"
#define BH_ISO_MAX		8	/* isolated modules at once */
#define BH_ISO_MAX_CPUS		64
#define BH_ISO_MAX_KNOBS	4	/* test knobs per module */
#define BH_ISO_NAME_LEN		32	/* disk and knob names, with the NUL */
#define BH_ISO_LOG_LEN		128	/* bh_log messages, with the NUL */
#define BH_ISO_MAX_ORDER	10	/* bh_pages_alloc: up to 4 MiB (buddy max) */
#define BH_ISO_MAX_DEPTH	1024	/* queue_depth */
#else
#define BH_GLUE_NAME		"bhglue"
#define BH_DISK_SUFFIX		"0"
#endif

struct bh_blk_dev {
	struct bh_blk_disk bd;
	/* the driver's callback (isolated: a domain address, run there) */
	int (*queue_rq)(void *drv, const struct bh_blk_req *req);
	/* ops->map_rq when the device was added (NULL: data via queue_rq) */
	int (*map_rq)(void *drv, struct bh_blk_req *req);
	void *drv;
	u32 flags;
#ifdef BH_GLUE_ISO
	struct list_head link;		/* in its bh_iso's devs */
	struct bh_domain *dom;
	struct bh_blk_req *req[BH_ISO_MAX_CPUS];	/* shared, per CPU */
	u8 *bounce[BH_ISO_MAX_CPUS];			/* shared, per CPU */
#endif
};

/*
 * Crossing counters, /sys/kernel/debug/<glue>/stats: requests taken from
 * blk-mq, and driver queue_rq calls made for them (each one a kernel ->
 * domain round trip when the driver is isolated).
 */
static atomic_long_t bh_nr_requests, bh_nr_calls;
#ifdef BH_GLUE_ISO
/* requests given back to blk-mq: their CPU was not ready for domains */
static atomic_long_t bh_nr_retries;
#endif
static struct dentry *bh_debugfs;

#ifdef BH_GLUE_ISO
/*
 * A domain's answer as the block layer takes it: 0 or -errno, anything
 * else -EIO (never BH_BLK_RETRY, which only the glue says)
 */
static int bh_dom_ret(long ret)
{
	return ret > 0 || ret < -MAX_ERRNO ? -EIO : (int)ret;
}
#endif

/* one call of the driver's queue_rq; kaddr[] = the kernel buffers */
static int bh_call_queue_rq(struct bh_blk_dev *dev, struct bh_blk_req *r,
			    void **kaddr)
{
#ifdef BH_GLUE_ISO
	unsigned int i;
	long ret;

	atomic_long_inc(&bh_nr_calls);
	ret = bh_dom_ret(bh_domain_call(dev->dom, dev->queue_rq,
					(unsigned long)dev->drv,
					(unsigned long)r, 0));
	if (ret || r->op != BH_REQ_READ || (dev->flags & BH_BLK_NODATA))
		return ret;
	for (i = 0; i < r->nsegs; i++)
		memcpy(kaddr[i], r->seg[i].addr, r->seg[i].len);
	return 0;
#else
	atomic_long_inc(&bh_nr_calls);
	return dev->queue_rq(dev->drv, r);
#endif
}

/*
 * The driver named something other than its own memory as a request's
 * data (map_rq): refused; isolated, the domain is stopped.
 */
static int bh_blk_map_refused(struct bh_blk_dev *dev, const void *addr,
			      u64 len, const char *why)
{
#ifdef BH_GLUE_ISO
	char reason[96];

	snprintf(reason, sizeof(reason), "map_rq named %#llx+%llu: %s",
		 (u64)addr, len, why);
	bh_domain_kill(dev->dom, raw_smp_processor_id(), (u64)addr, reason);
#else
	pr_err_ratelimited(BH_GLUE_NAME ": cpu %d: map_rq named %#llx+%llu: %s\n",
			   raw_smp_processor_id(), (u64)addr, len, why);
#endif
	return -EIO;
}

/*
 * A READ or WRITE to a driver with map_rq: it says where the bytes are in
 * its memory (r->ext), the kernel copies between them and the request's
 * pages, one copy as the driver itself would make.  Isolated, the answer
 * is copied out of the shared page once and every extent must be the
 * domain's own memory (bh_domain_owns) before the kernel touches it.
 */
static int bh_blk_run_map(struct bh_blk_dev *dev, struct request *rq,
			  int op, struct bh_blk_req *r)
{
	const struct bh_blk_seg *ext = r->ext;
	struct req_iterator iter;
	unsigned int i, n;
	struct bio_vec bv;
	u64 total = 0;
	u32 off = 0;
	long ret;
#ifdef BH_GLUE_ISO
	struct bh_blk_seg copy[BH_BLK_MAX_SEGS];
	unsigned int perm = op == BH_REQ_READ ? 1 : 3;
#endif

	r->sector = blk_rq_pos(rq);
	r->op = op;
	r->bytes = blk_rq_bytes(rq);
	r->nsegs = 0;
	r->next = 0;
	atomic_long_inc(&bh_nr_calls);
#ifdef BH_GLUE_ISO
	ret = bh_dom_ret(bh_domain_call(dev->dom, dev->map_rq,
					(unsigned long)dev->drv,
					(unsigned long)r, 0));
#else
	ret = dev->map_rq(dev->drv, r);
#endif
	if (ret)
		return ret;
	n = READ_ONCE(r->next);
	if (n > BH_BLK_MAX_SEGS)
		return bh_blk_map_refused(dev, NULL, n, "too many extents");
#ifdef BH_GLUE_ISO
	memcpy(copy, r->ext, n * sizeof(*copy));
	ext = copy;
#endif
	for (i = 0; i < n; i++) {
		total += ext[i].len;
#ifdef BH_GLUE_ISO
		if (ext[i].len &&
		    !bh_domain_owns(dev->dom, ext[i].addr, ext[i].len, perm))
			return bh_blk_map_refused(dev, ext[i].addr, ext[i].len,
						  "not the domain's memory");
#endif
	}
	if (total != blk_rq_bytes(rq))
		return bh_blk_map_refused(dev, NULL, total,
					  "extents do not add up to the request");
	i = 0;
	rq_for_each_segment(bv, rq, iter) {
		u8 *p = bvec_virt(&bv);
		u32 left = bv.bv_len, c;

		while (left) {
			while (i < n && off == ext[i].len) {
				i++;
				off = 0;
			}
			if (i == n)
				return -EIO;	/* the request changed size */
			c = min(left, ext[i].len - off);
			if (op == BH_REQ_READ)
				memcpy(p, (u8 *)ext[i].addr + off, c);
			else
				memcpy((u8 *)ext[i].addr + off, p, c);
			p += c;
			left -= c;
			off += c;
		}
	}
	return 0;
}

/*
 * One request: to map_rq if the driver has one (READ, WRITE), else hand
 * it to queue_rq in chunks of at most BH_BLK_MAX_SEGS segments (and,
 * isolated, one bounce buffer).
 */
static int bh_blk_run(struct bh_blk_dev *dev, struct request *rq, int op)
{
	void *kaddr[BH_BLK_MAX_SEGS];
	struct req_iterator iter;
	struct bh_blk_req *r;
	u8 *bounce = NULL;
	struct bio_vec bv;
	u32 off = 0;
	int ret = 0;
#ifdef BH_GLUE_ISO
	int cpu = get_cpu();

	/* the CPU is coming online or going offline: blk-mq runs it later */
	if (!bh_domain_cpu_ready()) {
		put_cpu();
		atomic_long_inc(&bh_nr_retries);
		return BH_BLK_RETRY;
	}
	r = dev->req[cpu];
	if (!(dev->flags & BH_BLK_NODATA))
		bounce = dev->bounce[cpu];
#else
	struct bh_blk_req local;

	r = &local;
#endif
	if (dev->map_rq && op != BH_REQ_FLUSH) {
		ret = bh_blk_run_map(dev, rq, op, r);
		goto out;
	}
	r->sector = blk_rq_pos(rq);
	r->op = op;
	r->bytes = 0;
	r->nsegs = 0;
	if (op == BH_REQ_FLUSH) {
		ret = bh_call_queue_rq(dev, r, kaddr);
		goto out;
	}
	rq_for_each_segment(bv, rq, iter) {
		if (r->nsegs == BH_BLK_MAX_SEGS ||
		    (bounce && off + bv.bv_len > BH_BOUNCE_SIZE)) {
			ret = bh_call_queue_rq(dev, r, kaddr);
			if (ret)
				goto out;
			r->sector += r->bytes >> BH_SECTOR_SHIFT;
			r->bytes = 0;
			r->nsegs = 0;
			off = 0;
		}
		kaddr[r->nsegs] = bvec_virt(&bv);
		r->seg[r->nsegs].addr = kaddr[r->nsegs];
		if (bounce) {
			r->seg[r->nsegs].addr = bounce + off;
			if (op == BH_REQ_WRITE)
				memcpy(bounce + off, kaddr[r->nsegs],
				       bv.bv_len);
			off += bv.bv_len;
		}
		r->seg[r->nsegs].len = bv.bv_len;
		r->bytes += bv.bv_len;
		r->nsegs++;
	}
	if (r->nsegs)
		ret = bh_call_queue_rq(dev, r, kaddr);
out:
#ifdef BH_GLUE_ISO
	put_cpu();
#endif
	return ret;
}

static blk_status_t bh_queue_rq(struct blk_mq_hw_ctx *hctx,
				const struct blk_mq_queue_data *bd)
{
	atomic_long_inc(&bh_nr_requests);
	return bh_blk_serve(hctx, bd->rq, bh_blk_run);
}

static const struct blk_mq_ops bh_mq_ops = {
	.queue_rq = bh_queue_rq,
};

#ifdef BH_GLUE_ISO
/* ---- isolated modules: which domain each one is --------------------------- */

/* a bh_pages_alloc of the driver: freed once the domain is gone */
struct bh_iso_pages {
	struct list_head link;
	void *addr;
	unsigned int order;
	bool freed;		/* the driver called bh_pages_free */
};

struct bh_iso_free {
	struct list_head link;
	void *addr;
	unsigned int order;
};

struct bh_iso {
	struct module *mod;
	struct bh_domain *dom;
	struct list_head pages;		/* the driver's bh_iso_pages */
	struct list_head frees;		/* glue buffers to free after the domain */
	struct list_head devs;		/* its disks not deleted yet */
	char knobs[BH_ISO_MAX_KNOBS][BH_ISO_NAME_LEN];	/* "" = free */
};

static DEFINE_MUTEX(bh_iso_lock);
static struct bh_iso bh_isos[BH_ISO_MAX];
/* sleepable calls served to isolated drivers, per enum bh_call */
static atomic_long_t bh_nr_task_calls[BH_CALL_COUNT];
static const char * const bh_call_names[BH_CALL_COUNT] = {
	[BH_CALL_BLK_ADD] = "bh_blk_add",
	[BH_CALL_BLK_DEL] = "bh_blk_del",
	[BH_CALL_PAGES_ALLOC] = "bh_pages_alloc",
	[BH_CALL_PAGES_FREE] = "bh_pages_free",
	[BH_CALL_LOG] = "bh_log",
	[BH_CALL_TEST_KNOB] = "bh_test_knob",
};

static struct bh_iso *bh_iso_of(struct module *mod)
{
	unsigned int i;

	for (i = 0; i < BH_ISO_MAX; i++)
		if (bh_isos[i].mod == mod)
			return &bh_isos[i];
	return NULL;
}

/* the isolated module whose domain is d (stable while it is loaded) */
static struct bh_iso *bh_iso_of_dom(struct bh_domain *d)
{
	struct bh_iso *iso = NULL;
	unsigned int i;

	mutex_lock(&bh_iso_lock);
	for (i = 0; i < BH_ISO_MAX && !iso; i++)
		if (bh_isos[i].mod && bh_isos[i].dom == d)
			iso = &bh_isos[i];
	mutex_unlock(&bh_iso_lock);
	return iso;
}

/* free addr once the domain that may still write it is destroyed */
static void bh_iso_defer_free(struct bh_iso *iso, void *addr,
			      unsigned int order)
{
	struct bh_iso_free *f = kmalloc(sizeof(*f), GFP_KERNEL);

	if (!f)		/* leak rather than free a page a domain owns */
		return;
	f->addr = addr;
	f->order = order;
	list_add(&f->link, &iso->frees);
}

/*
 * what the module's own code does with each part of it: 1 r, 3 rw, 5 r-x;
 * the page(s) of its struct module r only (the kernel follows its exit
 * pointer and list links: a domain that wrote them would have the kernel
 * call or write where it chose)
 */
static const unsigned int bh_iso_part_perm[BH_MOD_CORE_PARTS] = {
	[BH_MOD_TEXT] = 5,
	[BH_MOD_RODATA] = 1,
	[BH_MOD_RO_AFTER_INIT] = 1,
	[BH_MOD_DATA] = 3,
};

/*
 * The module's core memory, page by page: text r-x, rodata r, data rw; a
 * page two parts share gets both.  The parts are slices of one block
 * before 6.4 and separate blocks after (include/bh_compat.h).
 */
static int bh_iso_map_module(struct bh_iso *iso)
{
	unsigned long pg, start[BH_MOD_CORE_PARTS], end[BH_MOD_CORE_PARTS];
	unsigned int i, j, perm, size;
	bool earlier;
	int ret;

	for (i = 0; i < BH_MOD_CORE_PARTS; i++) {
		start[i] = (unsigned long)bh_mod_part(iso->mod, i, &size);
		end[i] = start[i] + size;
	}
	for (i = 0; i < BH_MOD_CORE_PARTS; i++) {
		if (start[i] == end[i])
			continue;
		for (pg = start[i] & PAGE_MASK; pg < end[i]; pg += PAGE_SIZE) {
			perm = 0;
			earlier = false;
			for (j = 0; j < BH_MOD_CORE_PARTS; j++) {
				if (start[j] == end[j] || end[j] <= pg ||
				    start[j] >= pg + PAGE_SIZE)
					continue;
				perm |= bh_iso_part_perm[j];
				earlier |= j < i;
			}
			if (earlier)	/* mapped with an earlier part */
				continue;
			/* its struct module: the kernel's, read-only to it */
			if (pg < (unsigned long)(iso->mod + 1) &&
			    pg + PAGE_SIZE > (unsigned long)iso->mod)
				perm &= ~BH_PERM_W;
			ret = bh_domain_map(iso->dom, (void *)pg, PAGE_SIZE,
					    perm);
			if (ret)
				return ret;
		}
	}
	return 0;
}

/* per-CPU request page and bounce buffer, given to the domain */
static int bh_iso_buffers(struct bh_iso *iso, struct bh_blk_dev *dev)
{
	unsigned int cpu;
	int ret;

	for_each_possible_cpu(cpu) {
		if (cpu >= BH_ISO_MAX_CPUS)
			return -EOPNOTSUPP;
		dev->req[cpu] = (void *)get_zeroed_page(GFP_KERNEL);
		if (!dev->req[cpu])
			return -ENOMEM;
		ret = bh_domain_map(iso->dom, dev->req[cpu], PAGE_SIZE, 3);
		if (ret)
			return ret;
		/* data goes through a bounce buffer only without map_rq */
		if (dev->map_rq || (dev->flags & BH_BLK_NODATA))
			continue;
		dev->bounce[cpu] = (void *)__get_free_pages(GFP_KERNEL,
							    BH_BOUNCE_ORDER);
		if (!dev->bounce[cpu])
			return -ENOMEM;
		ret = bh_domain_map(iso->dom, dev->bounce[cpu],
				    BH_BOUNCE_SIZE, 3);
		if (ret)
			return ret;
	}
	return 0;
}

/* under bh_iso_lock */
static void bh_iso_buffers_free(struct bh_iso *iso, struct bh_blk_dev *dev)
{
	unsigned int cpu;

	for (cpu = 0; cpu < BH_ISO_MAX_CPUS; cpu++) {
		if (dev->req[cpu])
			bh_iso_defer_free(iso, dev->req[cpu], 0);
		if (dev->bounce[cpu])
			bh_iso_defer_free(iso, dev->bounce[cpu],
					  BH_BOUNCE_ORDER);
	}
}
#else
struct bh_iso;		/* the native build has no domains */
#endif

/* ---- disks, for both builds --------------------------------------------- */

/* a disk of the driver (isolated: of iso's domain); 0 or -errno */
static int bh_blk_create(struct bh_iso *iso, const struct bh_blk_params *p,
			 int (*queue_rq)(void *drv,
					 const struct bh_blk_req *req),
			 int (*map_rq)(void *drv, struct bh_blk_req *req),
			 void *drv, struct bh_blk_dev **out)
{
	struct bh_blk_dev *dev;
	int ret;

	if (!p->name || !queue_rq || !p->capacity)
		return -EINVAL;
	dev = kzalloc(sizeof(*dev), GFP_KERNEL);
	if (!dev)
		return -ENOMEM;
	dev->queue_rq = queue_rq;
	dev->map_rq = map_rq;
	dev->drv = drv;
	dev->flags = p->flags;
#ifdef BH_GLUE_ISO
	dev->dom = iso->dom;
	ret = bh_iso_buffers(iso, dev);
	if (ret)
		goto out_free;
#endif
	ret = bh_blk_disk_add(&dev->bd, &bh_mq_ops, dev, p, BH_DISK_SUFFIX,
			      p->nr_hw_queues ? p->nr_hw_queues
					      : num_possible_cpus(),
			      BH_BLK_MAX_SEGS * (PAGE_SIZE >> 9));
	if (ret)
		goto out_free;
#ifdef BH_GLUE_ISO
	mutex_lock(&bh_iso_lock);
	list_add(&dev->link, &iso->devs);
	mutex_unlock(&bh_iso_lock);
#endif
	*out = dev;
	return 0;

out_free:
	pr_err(BH_GLUE_NAME ": %s: cannot add disk: %d\n", p->name, ret);
#ifdef BH_GLUE_ISO
	mutex_lock(&bh_iso_lock);
	bh_iso_buffers_free(iso, dev);
	mutex_unlock(&bh_iso_lock);
#endif
	kfree(dev);
	return ret;
}

/* remove a disk (isolated: already off its bh_iso's list) */
static void bh_blk_destroy(struct bh_iso *iso, struct bh_blk_dev *dev)
{
	bh_blk_disk_del(&dev->bd);
#ifdef BH_GLUE_ISO
	mutex_lock(&bh_iso_lock);
	bh_iso_buffers_free(iso, dev);
	mutex_unlock(&bh_iso_lock);
#endif
	kfree(dev);
}

#ifndef BH_GLUE_ISO
/* ---- the calls of bh_driver.h, native: plain kernel calls ---------------- */

int bh_blk_add(const struct bh_blk_params *p, const struct bh_blk_ops *ops,
	       void *drv, struct bh_blk_dev **out)
{
	if (!p || !ops || !out)
		return -EINVAL;
	return bh_blk_create(NULL, p, ops->queue_rq, ops->map_rq, drv, out);
}
EXPORT_SYMBOL_GPL(bh_blk_add);

void bh_blk_del(struct bh_blk_dev *dev)
{
	if (dev)
		bh_blk_destroy(NULL, dev);
}
EXPORT_SYMBOL_GPL(bh_blk_del);

void *bh_pages_alloc(unsigned int order)
{
	return (void *)__get_free_pages(GFP_KERNEL | __GFP_ZERO | __GFP_NOWARN,
					order);
}
EXPORT_SYMBOL_GPL(bh_pages_alloc);

void bh_pages_free(void *addr, unsigned int order)
{
	if (addr)
		free_pages((unsigned long)addr, order);
}
EXPORT_SYMBOL_GPL(bh_pages_free);

void bh_log(const char *msg, long a, long b)
{
	pr_info("%s %ld %ld\n", msg, a, b);
}
EXPORT_SYMBOL_GPL(bh_log);

void bh_test_knob(const char *name, u64 *var)
{
	if (var)
		debugfs_create_x64(name, 0600, bh_debugfs, var);
	else
		debugfs_lookup_and_remove(name, bh_debugfs);
}
EXPORT_SYMBOL_GPL(bh_test_knob);
#else
/*
 * ---- the calls of bh_driver.h, isolated: yields of the domain ----------
 *
 * Each runs in process context between two entries of the driver's task
 * call (bh_domain_call_task), with the domain's a0..a2.  Every pointer is
 * the domain's word: it must point into the domain's own memory (read
 * for inputs, write for outputs: bh_domain_owns), and what the kernel
 * keeps is copied first.  Every refusal is one dmesg line naming the
 * domain, the CPU, the address and the reason, and a clear errno for the
 * driver; a refusal does not kill the domain.
 */

static long bh_iso_refuse(struct bh_domain *d, enum bh_call call,
			  const char *what, unsigned long addr,
			  const char *why, long err)
{
	pr_err(BH_GLUE_NAME ": domain %s cpu %d: %s: %s %#lx refused: %s (%ld)\n",
	       bh_domain_name(d), raw_smp_processor_id(), bh_call_names[call],
	       what, addr, why, err);
	return err;
}

/* copy len bytes at the domain's src (domain-readable) to dst */
static long bh_iso_get(struct bh_domain *d, enum bh_call call,
		       const char *what, unsigned long src, void *dst,
		       size_t len)
{
	if (!bh_domain_owns(d, (const void *)src, len, BH_PERM_R))
		return bh_iso_refuse(d, call, what, src,
				     "not the domain's readable memory",
				     -EFAULT);
	memcpy(dst, (const void *)src, len);
	return 0;
}

/*
 * copy the domain's string at src into buf[len], NUL within len, every
 * byte domain-readable; name: only [A-Za-z0-9_-] (a disk or file name)
 */
static long bh_iso_str(struct bh_domain *d, enum bh_call call,
		       const char *what, unsigned long src, char *buf,
		       size_t len, bool name)
{
	const char *s = (const char *)src;
	size_t i;

	for (i = 0; i < len; i++) {
		if ((i == 0 || !offset_in_page(s + i)) &&
		    !bh_domain_owns(d, s + i, 1, BH_PERM_R))
			return bh_iso_refuse(d, call, what, src,
					     "not the domain's readable memory",
					     -EFAULT);
		buf[i] = READ_ONCE(s[i]);
		if (!buf[i])
			break;
		if (name && !isalnum(buf[i]) && buf[i] != '_' &&
		    buf[i] != '-')
			return bh_iso_refuse(d, call, what, src,
					     "a name with other than [A-Za-z0-9_-]",
					     -EINVAL);
		if (!isprint(buf[i]))
			buf[i] = '?';
	}
	if (i == len)
		return bh_iso_refuse(d, call, what, src,
				     "no NUL within the length limit", -EINVAL);
	if (name && !i)
		return bh_iso_refuse(d, call, what, src, "an empty name",
				     -EINVAL);
	return 0;
}

static long bh_iso_call_blk_add(struct bh_domain *d, unsigned long a0,
				unsigned long a1, unsigned long a2)
{
	const enum bh_call c = BH_CALL_BLK_ADD;
	struct bh_iso *iso = bh_iso_of_dom(d);
	char name[BH_ISO_NAME_LEN];
	struct bh_blk_add_args a;
	struct bh_blk_params p;
	struct bh_blk_ops ops;
	struct bh_blk_dev *dev;
	long ret;

	atomic_long_inc(&bh_nr_task_calls[c]);
	if (!iso)
		return -EINVAL;
	ret = bh_iso_get(d, c, "argument block", a0, &a, sizeof(a));
	if (!ret)
		ret = bh_iso_get(d, c, "params", (unsigned long)a.p, &p,
				 sizeof(p));
	if (!ret)
		ret = bh_iso_get(d, c, "ops", (unsigned long)a.ops, &ops,
				 sizeof(ops));
	if (!ret)
		ret = bh_iso_str(d, c, "name", (unsigned long)p.name, name,
				 sizeof(name), true);
	if (ret)
		return ret;
	if (!bh_domain_owns(d, a.out, sizeof(*a.out), BH_PERM_W))
		return bh_iso_refuse(d, c, "out", (unsigned long)a.out,
				     "not the domain's writable memory",
				     -EFAULT);
	if (p.queue_depth > BH_ISO_MAX_DEPTH || p.nr_hw_queues > nr_cpu_ids)
		return bh_iso_refuse(d, c, "params", (unsigned long)a.p,
				     "queue_depth or nr_hw_queues too large",
				     -EINVAL);
	p.name = name;
	/* queue_rq and map_rq are called only through the gate, in the domain's view */
	ret = bh_blk_create(iso, &p, ops.queue_rq, ops.map_rq, a.drv, &dev);
	if (ret)
		return ret;
	WRITE_ONCE(*a.out, dev);
	return 0;
}

static long bh_iso_call_blk_del(struct bh_domain *d, unsigned long a0,
				unsigned long a1, unsigned long a2)
{
	const enum bh_call c = BH_CALL_BLK_DEL;
	struct bh_iso *iso = bh_iso_of_dom(d);
	struct bh_blk_dev *dev, *found = NULL;

	atomic_long_inc(&bh_nr_task_calls[c]);
	if (!iso)
		return -EINVAL;
	if (!a0)
		return 0;
	mutex_lock(&bh_iso_lock);
	list_for_each_entry(dev, &iso->devs, link) {
		if ((unsigned long)dev == a0) {
			found = dev;
			list_del(&dev->link);
			break;
		}
	}
	mutex_unlock(&bh_iso_lock);
	if (!found)
		return bh_iso_refuse(d, c, "dev", a0,
				     "not a disk of this domain", -EINVAL);
	bh_blk_destroy(iso, found);
	return 0;
}

/* returns the address, or 0 (NULL for the driver) */
static long bh_iso_call_pages_alloc(struct bh_domain *d, unsigned long a0,
				    unsigned long a1, unsigned long a2)
{
	const enum bh_call c = BH_CALL_PAGES_ALLOC;
	struct bh_iso *iso = bh_iso_of_dom(d);
	struct bh_iso_pages *pg;
	void *p;

	atomic_long_inc(&bh_nr_task_calls[c]);
	if (!iso)
		return 0;
	if (a0 > BH_ISO_MAX_ORDER) {
		bh_iso_refuse(d, c, "order", a0, "larger than the glue allows",
			      -EINVAL);
		return 0;
	}
	pg = kmalloc(sizeof(*pg), GFP_KERNEL);
	p = (void *)__get_free_pages(GFP_KERNEL | __GFP_ZERO | __GFP_NOWARN,
				     a0);
	if (!pg || !p ||
	    bh_domain_map(d, p, PAGE_SIZE << a0, BH_PERM_R | BH_PERM_W)) {
		if (p)
			free_pages((unsigned long)p, a0);
		kfree(pg);
		return 0;
	}
	pg->addr = p;
	pg->order = a0;
	pg->freed = false;
	mutex_lock(&bh_iso_lock);
	list_add(&pg->link, &iso->pages);
	mutex_unlock(&bh_iso_lock);
	return (long)p;
}

/* the domain owns the pages until it is destroyed: freed then */
static long bh_iso_call_pages_free(struct bh_domain *d, unsigned long a0,
				   unsigned long a1, unsigned long a2)
{
	const enum bh_call c = BH_CALL_PAGES_FREE;
	struct bh_iso *iso = bh_iso_of_dom(d);
	struct bh_iso_pages *pg;
	long ret = -EINVAL;

	atomic_long_inc(&bh_nr_task_calls[c]);
	if (!iso)
		return -EINVAL;
	if (!a0)
		return 0;
	if (a1 > BH_ISO_MAX_ORDER ||
	    !bh_domain_owns(d, (void *)a0, PAGE_SIZE << a1, BH_PERM_W))
		return bh_iso_refuse(d, c, "addr", a0,
				     "not the domain's own memory of that order",
				     -EFAULT);
	mutex_lock(&bh_iso_lock);
	list_for_each_entry(pg, &iso->pages, link) {
		if ((unsigned long)pg->addr == a0 && !pg->freed &&
		    pg->order == a1) {
			pg->freed = true;
			ret = 0;
			break;
		}
	}
	mutex_unlock(&bh_iso_lock);
	if (ret)
		return bh_iso_refuse(d, c, "addr", a0,
				     "not a live bh_pages_alloc of that order",
				     ret);
	return 0;
}

static long bh_iso_call_log(struct bh_domain *d, unsigned long a0,
			    unsigned long a1, unsigned long a2)
{
	char msg[BH_ISO_LOG_LEN];
	long ret;

	atomic_long_inc(&bh_nr_task_calls[BH_CALL_LOG]);
	ret = bh_iso_str(d, BH_CALL_LOG, "msg", a0, msg, sizeof(msg), false);
	if (!ret)
		pr_info("%s %ld %ld\n", msg, (long)a1, (long)a2);
	return ret;
}

/* debugfs reads and writes the domain's u64 from the kernel */
static long bh_iso_call_test_knob(struct bh_domain *d, unsigned long a0,
				  unsigned long a1, unsigned long a2)
{
	const enum bh_call c = BH_CALL_TEST_KNOB;
	struct bh_iso *iso = bh_iso_of_dom(d);
	char name[BH_ISO_NAME_LEN];
	struct dentry *old;
	int i, slot = -1;
	long ret;

	atomic_long_inc(&bh_nr_task_calls[c]);
	if (!iso)
		return -EINVAL;
	ret = bh_iso_str(d, c, "name", a0, name, sizeof(name), true);
	if (ret)
		return ret;
	if (a1 && !bh_domain_owns(d, (void *)a1, sizeof(u64), BH_PERM_W))
		return bh_iso_refuse(d, c, "var", a1,
				     "not the domain's writable memory",
				     -EFAULT);
	mutex_lock(&bh_iso_lock);
	for (i = 0; i < BH_ISO_MAX_KNOBS && slot < 0; i++)
		if (!strcmp(iso->knobs[i], name))
			slot = i;
	if (!a1) {
		if (slot < 0) {
			ret = bh_iso_refuse(d, c, "name", a0,
					    "not a knob of this domain",
					    -ENOENT);
			goto out;
		}
		debugfs_lookup_and_remove(name, bh_debugfs);
		iso->knobs[slot][0] = '\0';
		goto out;
	}
	old = debugfs_lookup(name, bh_debugfs);
	if (old || slot >= 0) {
		dput(old);
		ret = bh_iso_refuse(d, c, "name", a0, "the file exists",
				    -EEXIST);
		goto out;
	}
	for (i = 0; i < BH_ISO_MAX_KNOBS && slot < 0; i++)
		if (!iso->knobs[i][0])
			slot = i;
	if (slot < 0) {
		ret = bh_iso_refuse(d, c, "name", a0, "too many knobs",
				    -ENOSPC);
		goto out;
	}
	debugfs_create_x64(name, 0600, bh_debugfs, (u64 *)a1);
	strscpy(iso->knobs[slot], name, sizeof(iso->knobs[slot]));
out:
	mutex_unlock(&bh_iso_lock);
	return ret;
}

/* what bh_vmf_yield's idx selects (enum bh_call) */
static const bh_task_call_fn bh_iso_calls[BH_CALL_COUNT] = {
	[BH_CALL_BLK_ADD] = bh_iso_call_blk_add,
	[BH_CALL_BLK_DEL] = bh_iso_call_blk_del,
	[BH_CALL_PAGES_ALLOC] = bh_iso_call_pages_alloc,
	[BH_CALL_PAGES_FREE] = bh_iso_call_pages_free,
	[BH_CALL_LOG] = bh_iso_call_log,
	[BH_CALL_TEST_KNOB] = bh_iso_call_test_knob,
};

/* ---- an isolated module's life: kernel view, module_init/exit ------------ */

/*
 * Tables in a module's writable data that the kernel acts on: it patches
 * text at the sites of __jump_table and .static_call_sites, registers,
 * calls and frees probes through __tracepoints, and follows the trace
 * event, BPF raw event and SRCU structures.  A domain could rewrite them
 * (its data is its own): such a module is not isolated.  NULL if none.
 */
static const char *bh_iso_kernel_tables(const struct module *mod)
{
#ifdef CONFIG_JUMP_LABEL
	if (mod->num_jump_entries)
		return "static keys (__jump_table)";
#endif
#ifdef CONFIG_HAVE_STATIC_CALL_INLINE
	if (mod->num_static_call_sites)
		return "static calls (.static_call_sites)";
#endif
#ifdef CONFIG_TRACEPOINTS
	if (mod->num_tracepoints)
		return "tracepoints (__tracepoints)";
#endif
#ifdef CONFIG_EVENT_TRACING
	if (mod->num_trace_events)
		return "trace events (_ftrace_events)";
#endif
#ifdef CONFIG_BPF_EVENTS
	if (mod->num_bpf_raw_events)
		return "BPF raw events (__bpf_raw_tp_map)";
#endif
#ifdef CONFIG_TREE_SRCU
	if (mod->num_srcu_structs)
		return "SRCU structures (___srcu_struct_ptrs)";
#endif
	return NULL;
}

int bh_iso_begin(struct module *mod)
{
	const char *tables = bh_iso_kernel_tables(mod);
	struct bh_iso *iso;
	int ret;

	if (tables) {
		pr_err(BH_GLUE_NAME ": %s cpu %d: not isolating: it has %s, kernel data in memory its domain could write\n",
		       mod->name, raw_smp_processor_id(), tables);
		return -EPERM;
	}
	mutex_lock(&bh_iso_lock);
	iso = bh_iso_of(NULL);
	if (!iso) {
		ret = -ENOSPC;
		goto out;
	}
	iso->dom = bh_domain_create(mod->name);
	if (IS_ERR(iso->dom)) {
		ret = PTR_ERR(iso->dom);
		goto out;
	}
	iso->mod = mod;
	INIT_LIST_HEAD(&iso->pages);
	INIT_LIST_HEAD(&iso->frees);
	INIT_LIST_HEAD(&iso->devs);
	memset(iso->knobs, 0, sizeof(iso->knobs));
	ret = bh_domain_set_calls(iso->dom, bh_iso_calls, BH_CALL_COUNT);
	if (!ret)
		ret = bh_iso_map_module(iso);
	if (ret) {
		bh_domain_destroy(iso->dom);
		iso->mod = NULL;
	}
out:
	mutex_unlock(&bh_iso_lock);
	if (ret)
		pr_err(BH_GLUE_NAME ": %s: cannot isolate: %d\n", mod->name,
		       ret);
	else
		pr_info(BH_GLUE_NAME ": %s: isolated, %u bytes in its domain\n",
			mod->name, bh_mod_core_size(mod));
	return ret;
}
EXPORT_SYMBOL_GPL(bh_iso_begin);

/* run the driver's fn (its init or exit) inside its domain; may sleep */
int bh_iso_run(struct module *mod, long (*fn)(void))
{
	struct bh_domain *d = NULL;
	struct bh_iso *iso;
	long ret;

	mutex_lock(&bh_iso_lock);
	iso = bh_iso_of(mod);
	if (iso)
		d = iso->dom;
	mutex_unlock(&bh_iso_lock);
	if (!d)
		return -EINVAL;
	ret = bh_domain_call_task(d, fn, 0, 0, 0);
	if (ret == -EIO)
		pr_err(BH_GLUE_NAME ": %s: %pS failed in its domain: -EIO (the domain is dead)\n",
		       mod->name, fn);
	return ret;
}
EXPORT_SYMBOL_GPL(bh_iso_run);

/* also what a dead or careless driver left: disks, knobs, pages */
void bh_iso_end(struct module *mod)
{
	struct bh_iso_pages *pg, *tpg;
	struct bh_blk_dev *dev, *tdev;
	struct bh_iso_free *f, *t;
	struct bh_iso *iso;
	LIST_HEAD(devs);
	unsigned int i;

	mutex_lock(&bh_iso_lock);
	iso = bh_iso_of(mod);
	if (iso)
		list_splice_init(&iso->devs, &devs);
	mutex_unlock(&bh_iso_lock);
	if (!iso)
		return;
	list_for_each_entry_safe(dev, tdev, &devs, link) {
		pr_info(BH_GLUE_NAME ": %s: removing the disk %s it left\n",
			mod->name, dev->bd.disk->disk_name);
		list_del(&dev->link);
		bh_blk_destroy(iso, dev);
	}
	mutex_lock(&bh_iso_lock);
	for (i = 0; i < BH_ISO_MAX_KNOBS; i++) {
		if (iso->knobs[i][0])
			debugfs_lookup_and_remove(iso->knobs[i], bh_debugfs);
		iso->knobs[i][0] = '\0';
	}
	bh_domain_destroy(iso->dom);
	list_for_each_entry_safe(pg, tpg, &iso->pages, link) {
		free_pages((unsigned long)pg->addr, pg->order);
		kfree(pg);
	}
	list_for_each_entry_safe(f, t, &iso->frees, link) {
		free_pages((unsigned long)f->addr, f->order);
		kfree(f);
	}
	iso->mod = NULL;
	iso->dom = NULL;
	mutex_unlock(&bh_iso_lock);
}
EXPORT_SYMBOL_GPL(bh_iso_end);
#endif

static int bh_stats_show(struct seq_file *m, void *v)
{
	seq_printf(m, "requests %ld\ncalls %ld\n",
		   atomic_long_read(&bh_nr_requests),
		   atomic_long_read(&bh_nr_calls));
#ifdef BH_GLUE_ISO
	{
		long n, sum = 0;
		unsigned int i;

		/* calls of isolated drivers' init/exit, served by yields */
		for (i = 0; i < BH_CALL_COUNT; i++) {
			n = atomic_long_read(&bh_nr_task_calls[i]);
			seq_printf(m, "task_call %s %ld\n", bh_call_names[i], n);
			sum += n;
		}
		seq_printf(m, "task_calls %ld\n", sum);
		seq_printf(m, "retries %ld\n", atomic_long_read(&bh_nr_retries));
	}
#endif
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(bh_stats);

/*
 * The guest TSC, for timing from a shell (the guest clock under Bochs is
 * not usable at this scale).
 */
static int bh_tsc_show(struct seq_file *m, void *v)
{
	seq_printf(m, "%llu\n", rdtsc_ordered());
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(bh_tsc);

static int __init bh_glue_init(void)
{
	bh_debugfs = debugfs_create_dir(BH_GLUE_NAME, NULL);
	debugfs_create_file("stats", 0444, bh_debugfs, NULL, &bh_stats_fops);
	debugfs_create_file("tsc", 0444, bh_debugfs, NULL, &bh_tsc_fops);
	return 0;
}

static void __exit bh_glue_exit(void)
{
	debugfs_remove_recursive(bh_debugfs);
}

module_init(bh_glue_init);
module_exit(bh_glue_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Bulkhead: the kernel side of the driver API");
