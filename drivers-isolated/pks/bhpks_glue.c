// SPDX-License-Identifier: GPL-2.0
/*
 * bhpks_glue.c - bhpks_glue.ko: the block-driver API of
 * ../include/bh_driver.h for drivers isolated in a PKS domain.
 *
 * Execution context: normal kernel (module init/exit of the driver, blk-mq
 * dispatch).  The driver's queue_rq runs inside its domain through
 * bh_pks_call(); everything here runs with the kernel's PKRS.
 *
 *  - bh_pks_iso_begin(mod): the module's rodata/data/bss become a domain
 *    (one per module, up to BHG_MAX), before the driver's init runs.
 *  - pages_alloc: vmalloc'd (4 KiB PTEs, so they can be tagged), tagged
 *    with the domain's key.
 *  - data path: per-CPU bounce buffer in the domain (128 KiB): a write is
 *    copied in before the call, a read copied out after it; the driver
 *    sees one segment.  The request itself is on the kernel stack: the
 *    domain may read key 0, not write it.
 *  - a fault inside queue_rq kills the domain (bhpks.ko reports it) and
 *    the request and every later one end with an I/O error.
 * This module's own state is in its own data (key 0), out of the domain's
 * reach.
 */
#include <linux/module.h>
#include <linux/blk-mq.h>
#include <linux/vmalloc.h>
#include <linux/debugfs.h>
#include <linux/slab.h>
#include "bhram_pks.h"
#include "../glue/blk_disk.h"
#include "pks.h"

#define BHG_MAX		4
#define BHG_BOUNCE	(128 * 1024)

struct bh_blk_dev {
	struct bh_blk_disk bd;
	const struct bh_blk_ops *ops;
	void *drv;
	struct bh_pks_domain *dom;
	u8 **bounce;			/* per possible CPU, in the domain */
};

static struct {
	struct module *mod;
	struct bh_pks_domain *dom;
} bhg_mods[BHG_MAX];
static DEFINE_MUTEX(bhg_lock);
static atomic_long_t bhg_requests, bhg_calls, bhg_errors;
static struct dentry *bhg_dir;

static struct bh_pks_domain *bhg_dom_of(struct module *mod)
{
	struct bh_pks_domain *d = NULL;
	int i;

	mutex_lock(&bhg_lock);
	for (i = 0; i < BHG_MAX; i++)
		if (bhg_mods[i].mod == mod)
			d = bhg_mods[i].dom;
	mutex_unlock(&bhg_lock);
	return d;
}

int bh_pks_iso_begin(struct module *mod)
{
	struct bh_pks_domain *d;
	int i, ret;

	d = bh_pks_domain_create(mod->name);
	if (IS_ERR(d))
		return PTR_ERR(d);
	ret = bh_pks_domain_add_module(d, mod);
	if (ret)
		goto fail;
	ret = -ENOSPC;
	mutex_lock(&bhg_lock);
	for (i = 0; i < BHG_MAX; i++) {
		if (!bhg_mods[i].mod) {
			bhg_mods[i].mod = mod;
			bhg_mods[i].dom = d;
			ret = 0;
			break;
		}
	}
	mutex_unlock(&bhg_lock);
	if (!ret)
		return 0;
fail:
	pr_err("bulkhead: domain %s cpu %d addr %#lx reason cannot isolate module: %d\n",
	       mod->name, raw_smp_processor_id(),
	       (unsigned long)bh_mod_part(mod, BH_MOD_TEXT, NULL), ret);
	bh_pks_domain_destroy(d);
	return ret;
}
EXPORT_SYMBOL_GPL(bh_pks_iso_begin);

void bh_pks_iso_end(struct module *mod)
{
	struct bh_pks_domain *d = NULL;
	int i;

	mutex_lock(&bhg_lock);
	for (i = 0; i < BHG_MAX; i++) {
		if (bhg_mods[i].mod == mod) {
			d = bhg_mods[i].dom;
			bhg_mods[i].mod = NULL;
			bhg_mods[i].dom = NULL;
		}
	}
	mutex_unlock(&bhg_lock);
	bh_pks_domain_destroy(d);
}
EXPORT_SYMBOL_GPL(bh_pks_iso_end);

void *bh_pks_iso_pages_alloc(struct module *mod, unsigned int order)
{
	struct bh_pks_domain *d = bhg_dom_of(mod);
	size_t len = PAGE_SIZE << order;
	void *p;

	if (!d)
		return NULL;
	p = vzalloc(len);
	if (p && bh_pks_domain_add(d, p, len, "pages")) {
		vfree(p);
		p = NULL;
	}
	return p;
}
EXPORT_SYMBOL_GPL(bh_pks_iso_pages_alloc);

/* the driver does not say which module frees: find the owning domain */
void bh_pks_iso_pages_free(void *addr, unsigned int order)
{
	int i;

	if (!addr)
		return;
	mutex_lock(&bhg_lock);
	for (i = 0; i < BHG_MAX; i++)
		if (bhg_mods[i].dom &&
		    bh_pks_page_key(addr) == bh_pks_domain_key(bhg_mods[i].dom))
			bh_pks_domain_remove(bhg_mods[i].dom, addr);
	mutex_unlock(&bhg_lock);
	vfree(addr);
}
EXPORT_SYMBOL_GPL(bh_pks_iso_pages_free);

void bh_pks_iso_log(const char *msg, long a, long b)
{
	pr_info("%s %ld %ld\n", msg, a, b);
}
EXPORT_SYMBOL_GPL(bh_pks_iso_log);

void bh_pks_iso_test_knob(const char *name, u64 *var)
{
	if (var)
		debugfs_create_x64(name, 0600, bhg_dir, var);
	else
		debugfs_lookup_and_remove(name, bhg_dir);
}
EXPORT_SYMBOL_GPL(bh_pks_iso_test_knob);

static int bhg_run(struct bh_blk_dev *dev, struct request *rq, int op)
{
	struct bh_blk_req r = { .sector = blk_rq_pos(rq), .op = op };
	struct req_iterator iter;
	struct bio_vec bv;
	u32 off = 0;
	long lret;
	u8 *b;
	int ret = 0;

	b = dev->bounce[get_cpu()];
	if (op != BH_REQ_FLUSH) {
		rq_for_each_segment(bv, rq, iter) {
			if (off + bv.bv_len > BHG_BOUNCE) {
				ret = -EIO;
				goto out;
			}
			if (op == BH_REQ_WRITE)
				memcpy(b + off, bvec_virt(&bv), bv.bv_len);
			off += bv.bv_len;
		}
		r.nsegs = 1;
		r.seg[0].addr = b;
		r.seg[0].len = off;
		r.bytes = off;
	}
	atomic_long_inc(&bhg_calls);
	lret = bh_pks_call(dev->dom, (bh_pks_fn)(void *)dev->ops->queue_rq,
			   (long)dev->drv, (long)&r, 0);
	/* 0 or -errno; anything else (BH_BLK_RETRY too) is an I/O error */
	ret = lret > 0 || lret < -MAX_ERRNO ? -EIO : (int)lret;
	if (ret || op != BH_REQ_READ)
		goto out;
	off = 0;
	rq_for_each_segment(bv, rq, iter) {
		memcpy(bvec_virt(&bv), b + off, bv.bv_len);
		off += bv.bv_len;
	}
out:
	put_cpu();
	if (ret)
		atomic_long_inc(&bhg_errors);
	return ret;
}

static blk_status_t bhg_queue_rq(struct blk_mq_hw_ctx *hctx,
				 const struct blk_mq_queue_data *bd)
{
	atomic_long_inc(&bhg_requests);
	return bh_blk_serve(hctx, bd->rq, bhg_run);
}

static const struct blk_mq_ops bhg_mq_ops = {
	.queue_rq = bhg_queue_rq,
};

static void bhg_bounce_free(struct bh_blk_dev *dev)
{
	unsigned int cpu;

	if (!dev->bounce)
		return;
	for_each_possible_cpu(cpu) {
		if (!dev->bounce[cpu])
			continue;
		bh_pks_domain_remove(dev->dom, dev->bounce[cpu]);
		vfree(dev->bounce[cpu]);
	}
	kfree(dev->bounce);
}

static int bhg_bounce_alloc(struct bh_blk_dev *dev)
{
	unsigned int cpu;

	dev->bounce = kcalloc(nr_cpu_ids, sizeof(u8 *), GFP_KERNEL);
	if (!dev->bounce)
		return -ENOMEM;
	for_each_possible_cpu(cpu) {
		dev->bounce[cpu] = vzalloc(BHG_BOUNCE);
		if (!dev->bounce[cpu])
			return -ENOMEM;
		if (bh_pks_domain_add(dev->dom, dev->bounce[cpu], BHG_BOUNCE,
				      "bounce")) {
			vfree(dev->bounce[cpu]);
			dev->bounce[cpu] = NULL;
			return -EINVAL;
		}
	}
	return 0;
}

int bh_pks_iso_blk_add(struct module *mod, const struct bh_blk_params *p,
		       const struct bh_blk_ops *ops, void *drv,
		       struct bh_blk_dev **out)
{
	struct bh_pks_domain *d = bhg_dom_of(mod);
	struct bh_blk_dev *dev;
	int ret;

	if (!d || !p || !p->name || !ops || !ops->queue_rq || !p->capacity ||
	    !out)
		return -EINVAL;
	dev = kzalloc(sizeof(*dev), GFP_KERNEL);
	if (!dev)
		return -ENOMEM;
	dev->ops = ops;
	dev->drv = drv;
	dev->dom = d;
	ret = bhg_bounce_alloc(dev);
	if (ret)
		goto out_free;
	ret = bh_blk_disk_add(&dev->bd, &bhg_mq_ops, dev, p, "0", 1,
			      BHG_BOUNCE >> 9);
	if (ret)
		goto out_free;
	*out = dev;
	return 0;
out_free:
	pr_err("bulkhead: domain %s cpu %d addr 0 reason cannot add disk %s: %d\n",
	       mod->name, raw_smp_processor_id(), p ? p->name : "?", ret);
	bhg_bounce_free(dev);
	kfree(dev);
	return ret;
}
EXPORT_SYMBOL_GPL(bh_pks_iso_blk_add);

void bh_pks_iso_blk_del(struct bh_blk_dev *dev)
{
	if (!dev)
		return;
	bh_blk_disk_del(&dev->bd);
	bhg_bounce_free(dev);
	kfree(dev);
}
EXPORT_SYMBOL_GPL(bh_pks_iso_blk_del);

static int bhg_stats_show(struct seq_file *m, void *v)
{
	seq_printf(m, "requests %ld\ncalls %ld\nerrors %ld\n",
		   atomic_long_read(&bhg_requests), atomic_long_read(&bhg_calls),
		   atomic_long_read(&bhg_errors));
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(bhg_stats);

static int __init bhg_init(void)
{
	bhg_dir = debugfs_create_dir("bhpks_glue", NULL);
	debugfs_create_file("stats", 0444, bhg_dir, NULL, &bhg_stats_fops);
	return 0;
}

static void __exit bhg_exit(void)
{
	debugfs_remove_recursive(bhg_dir);
}

module_init(bhg_init);
module_exit(bhg_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Bulkhead: block-driver glue for drivers in PKS domains");
