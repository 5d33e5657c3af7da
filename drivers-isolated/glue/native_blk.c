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
 *
 * Execution context: normal kernel.  bh_queue_rq runs in blk-mq dispatch
 * (may not sleep); the rest in process context.
 */
#include <linux/blk-mq.h>
#include <linux/blkdev.h>
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
#define BH_GLUE_NAME		"bhglue_iso"
#define BH_DISK_SUFFIX		"_iso0"
#define BH_ISO_MAX		8	/* isolated modules at once */
#define BH_ISO_MAX_CPUS		64
#else
#define BH_GLUE_NAME		"bhglue"
#define BH_DISK_SUFFIX		"0"
#endif

struct bh_blk_dev {
	struct bh_blk_disk bd;
	const struct bh_blk_ops *ops;
	/* ops->map_rq when the device was added (NULL: data via queue_rq) */
	int (*map_rq)(void *drv, struct bh_blk_req *req);
	void *drv;
	u32 flags;
#ifdef BH_GLUE_ISO
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
static struct dentry *bh_debugfs;

/* one call of the driver's queue_rq; kaddr[] = the kernel buffers */
static int bh_call_queue_rq(struct bh_blk_dev *dev, struct bh_blk_req *r,
			    void **kaddr)
{
#ifdef BH_GLUE_ISO
	unsigned int i;
	long ret;

	atomic_long_inc(&bh_nr_calls);
	ret = bh_domain_call(dev->dom, dev->ops->queue_rq,
			     (unsigned long)dev->drv, (unsigned long)r, 0);
	if (ret || r->op != BH_REQ_READ || (dev->flags & BH_BLK_NODATA))
		return ret;
	for (i = 0; i < r->nsegs; i++)
		memcpy(kaddr[i], r->seg[i].addr, r->seg[i].len);
	return 0;
#else
	atomic_long_inc(&bh_nr_calls);
	return dev->ops->queue_rq(dev->drv, r);
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
	ret = bh_domain_call(dev->dom, dev->map_rq, (unsigned long)dev->drv,
			     (unsigned long)r, 0);
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

struct bh_iso_free {
	struct list_head link;
	void *addr;
	unsigned int order;
};

struct bh_iso {
	struct module *mod;
	struct bh_domain *dom;
	struct list_head frees;		/* pages to free once the domain is gone */
};

static DEFINE_MUTEX(bh_iso_lock);
static struct bh_iso bh_isos[BH_ISO_MAX];

static struct bh_iso *bh_iso_of(struct module *mod)
{
	unsigned int i;

	for (i = 0; i < BH_ISO_MAX; i++)
		if (bh_isos[i].mod == mod)
			return &bh_isos[i];
	return NULL;
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

/* what the module's own code does with each part of it: 1 r, 3 rw, 5 r-x */
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
			ret = bh_domain_map(iso->dom, (void *)pg, PAGE_SIZE,
					    perm);
			if (ret)
				return ret;
		}
	}
	return 0;
}

int bh_iso_begin(struct module *mod)
{
	struct bh_iso *iso;
	int ret;

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
	INIT_LIST_HEAD(&iso->frees);
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

void bh_iso_end(struct module *mod)
{
	struct bh_iso_free *f, *t;
	struct bh_iso *iso;

	mutex_lock(&bh_iso_lock);
	iso = bh_iso_of(mod);
	if (iso) {
		bh_domain_destroy(iso->dom);
		list_for_each_entry_safe(f, t, &iso->frees, link) {
			free_pages((unsigned long)f->addr, f->order);
			kfree(f);
		}
		iso->mod = NULL;
		iso->dom = NULL;
	}
	mutex_unlock(&bh_iso_lock);
}
EXPORT_SYMBOL_GPL(bh_iso_end);

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
#endif

/* ---- the calls of bh_driver.h ------------------------------------------- */

int BH_API(blk_add)(BH_API_MOD const struct bh_blk_params *p,
		    const struct bh_blk_ops *ops, void *drv,
		    struct bh_blk_dev **out)
{
	struct bh_blk_dev *dev;
	int ret;
#ifdef BH_GLUE_ISO
	struct bh_iso *iso;

	mutex_lock(&bh_iso_lock);
	iso = bh_iso_of(mod);
	mutex_unlock(&bh_iso_lock);
	if (!iso)
		return -EINVAL;
#endif

	if (!p || !p->name || !ops || !ops->queue_rq || !p->capacity || !out)
		return -EINVAL;
	dev = kzalloc(sizeof(*dev), GFP_KERNEL);
	if (!dev)
		return -ENOMEM;
	dev->ops = ops;
	dev->map_rq = ops->map_rq;
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
	*out = dev;
	return 0;

out_free:
	pr_err(BH_GLUE_NAME ": %s: cannot add disk: %d\n", p->name, ret);
#ifdef BH_GLUE_ISO
	bh_iso_buffers_free(iso, dev);
#endif
	kfree(dev);
	return ret;
}
EXPORT_SYMBOL_GPL(BH_API(blk_add));

void BH_API(blk_del)(struct bh_blk_dev *dev)
{
	if (!dev)
		return;
	bh_blk_disk_del(&dev->bd);
#ifdef BH_GLUE_ISO
	mutex_lock(&bh_iso_lock);
	{
		unsigned int i;

		for (i = 0; i < BH_ISO_MAX; i++)
			if (bh_isos[i].dom == dev->dom)
				bh_iso_buffers_free(&bh_isos[i], dev);
	}
	mutex_unlock(&bh_iso_lock);
#endif
	kfree(dev);
}
EXPORT_SYMBOL_GPL(BH_API(blk_del));

void *BH_API(pages_alloc)(BH_API_MOD unsigned int order)
{
	void *p = (void *)__get_free_pages(GFP_KERNEL | __GFP_ZERO |
					   __GFP_NOWARN, order);
#ifdef BH_GLUE_ISO
	struct bh_iso *iso;

	mutex_lock(&bh_iso_lock);
	iso = bh_iso_of(mod);
	mutex_unlock(&bh_iso_lock);
	if (p && (!iso || bh_domain_map(iso->dom, p, PAGE_SIZE << order, 3))) {
		free_pages((unsigned long)p, order);
		return NULL;
	}
#endif
	return p;
}
EXPORT_SYMBOL_GPL(BH_API(pages_alloc));

void BH_API(pages_free)(void *addr, unsigned int order)
{
#ifdef BH_GLUE_ISO
	unsigned int i;

	if (!addr)
		return;
	/* the domain owns the pages until it is destroyed */
	mutex_lock(&bh_iso_lock);
	for (i = 0; i < BH_ISO_MAX; i++)
		if (bh_isos[i].mod && within_module((unsigned long)
						    __builtin_return_address(0),
						    bh_isos[i].mod))
			bh_iso_defer_free(&bh_isos[i], addr, order);
	mutex_unlock(&bh_iso_lock);
#else
	if (addr)
		free_pages((unsigned long)addr, order);
#endif
}
EXPORT_SYMBOL_GPL(BH_API(pages_free));

void BH_API(log)(const char *msg, long a, long b)
{
	pr_info("%s %ld %ld\n", msg, a, b);
}
EXPORT_SYMBOL_GPL(BH_API(log));

void BH_API(test_knob)(const char *name, u64 *var)
{
	if (var)
		debugfs_create_x64(name, 0600, bh_debugfs, var);
	else
		debugfs_lookup_and_remove(name, bh_debugfs);
}
EXPORT_SYMBOL_GPL(BH_API(test_knob));

static int bh_stats_show(struct seq_file *m, void *v)
{
	seq_printf(m, "requests %ld\ncalls %ld\n",
		   atomic_long_read(&bh_nr_requests),
		   atomic_long_read(&bh_nr_calls));
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
