// SPDX-License-Identifier: GPL-2.0
/*
 * bhpks_kernel.c - the kernel half of bhpks_test.ko: puts the module's data
 * (bhpks_dom.c's RAM store) in a PKS domain and drives it from debugfs.
 *
 * Execution context: normal kernel (module init/exit, debugfs writes in
 * process context, an hrtimer in hard interrupt context).  It enters the
 * domain only through bh_pks_call().  Its own state is kmalloc'd (key 0),
 * not in the module's data, which the domain may write.
 *
 * /sys/kernel/debug/bhpks_test/ctl takes one command; the outcome is one
 * line in .../result:
 *   rw       the domain writes 8 KiB of its store and sums it; the kernel
 *            checks the bytes itself, and that the store and the domain
 *            stack carry the domain's key.
 *   stray    the domain stores to a kmalloc'd kernel variable: must fault
 *            (#PF, PK bit), leave the variable intact, kill the domain.
 *   escape   the domain writes IA32_PKRS = 0 itself, then the kernel
 *            variable: succeeds (no hypervisor traps the MSR), which is
 *            why the mode is called fault isolation.
 *   peek ADDR  the domain loads a long from ADDR: "peek ok" (kernel data,
 *            key 0, is readable) or "peek stopped" (another domain's key:
 *            the domain is dead).
 *   busy MS  on every online CPU: the domain spins MS ms while a pinned
 *            1 ms hrtimer fires; the timer records whether it ran while
 *            the domain was live on its CPU and with which PKRS.
 */
#include <linux/module.h>
#include <linux/kernel.h>
#include <linux/slab.h>
#include <linux/debugfs.h>
#include <linux/uaccess.h>
#include <linux/hrtimer.h>
#include <linux/workqueue.h>
#include <linux/cpu.h>
#include <linux/jiffies.h>
#include "pks.h"
#include "bhpks_test.h"

#define BHT_VICTIM	0x600dcafeUL

struct bht_state {
	struct bh_pks_domain *dom;
	long *victim;			/* kernel data the domain must not write */
	struct dentry *dir;
	struct hrtimer timer;
	unsigned long timer_in_domain;	/* timer ran while the domain was live */
	unsigned long timer_bad_pkrs;	/* ... with PKRS != 0 (must stay 0) */
	unsigned long timer_total;
	char result[256];
};

static struct bht_state *bht;

static enum hrtimer_restart bht_timer_fn(struct hrtimer *t)
{
	if (bh_pks_domain_live_here()) {
		bht->timer_in_domain++;
		if (bh_pks_read_pkrs() != 0)
			bht->timer_bad_pkrs++;
	}
	bht->timer_total++;
	hrtimer_forward_now(t, ms_to_ktime(1));
	return HRTIMER_RESTART;
}

static int bht_rw(void)
{
	long ret, sum, want = 0, i, sp;
	int key = bh_pks_domain_key(bht->dom);
	int bad = 0;

	ret = bh_pks_call(bht->dom, bht_dom_write, 4096, 8192, 0x5a);
	sum = bh_pks_call(bht->dom, bht_dom_sum, 4096, 8192, 0);
	sp = bh_pks_call(bht->dom, bht_dom_stack, 0, 0, 0);
	for (i = 0; i < 8192; i++) {
		want += (0x5a + i) & 0xff;
		if (bht_ram[4096 + i] != ((0x5a + i) & 0xff))
			bad++;
	}
	snprintf(bht->result, sizeof(bht->result),
		 "rw %s ret=%ld sum=%ld want=%ld bad_bytes=%d key=%d ram_key=%d stack_key=%d\n",
		 ret == 8192 && sum == want && !bad &&
		 bh_pks_page_key(bht_ram) == key &&
		 bh_pks_page_key((void *)sp) == key ? "ok" : "FAIL",
		 ret, sum, want, bad, key, bh_pks_page_key(bht_ram),
		 bh_pks_page_key((void *)sp));
	return ret < 0 ? ret : 0;
}

static int bht_stray(void)
{
	long ret;

	*bht->victim = BHT_VICTIM;
	ret = bh_pks_call(bht->dom, bht_dom_stray, (long)bht->victim, 0xbad, 0);
	snprintf(bht->result, sizeof(bht->result),
		 "stray %s ret=%ld victim=%#lx dead=%d\n",
		 ret == -EFAULT && *bht->victim == BHT_VICTIM &&
		 bh_pks_domain_dead(bht->dom) ? "stopped" : "NOT-STOPPED",
		 ret, *bht->victim, bh_pks_domain_dead(bht->dom));
	return ret;
}

static int bht_escape(void)
{
	long ret;

	*bht->victim = BHT_VICTIM;
	ret = bh_pks_call(bht->dom, bht_dom_escape, (long)bht->victim, 0xbad, 0);
	snprintf(bht->result, sizeof(bht->result),
		 "escape %s ret=%ld victim=%#lx dead=%d pkrs_after=%#x\n",
		 *bht->victim == 0xbad ? "succeeded" : "stopped", ret,
		 *bht->victim, bh_pks_domain_dead(bht->dom),
		 bh_pks_read_pkrs());
	*bht->victim = BHT_VICTIM;
	return 0;
}

static int bht_peek(unsigned long addr)
{
	long ret;

	ret = bh_pks_call(bht->dom, bht_dom_peek, addr, 0, 0);
	snprintf(bht->result, sizeof(bht->result),
		 "peek %s addr=%#lx key=%d ret=%#lx dead=%d\n",
		 bh_pks_domain_dead(bht->dom) ? "stopped" : "ok", addr,
		 bh_pks_page_key((void *)addr), ret,
		 bh_pks_domain_dead(bht->dom));
	return bh_pks_domain_dead(bht->dom) ? ret : 0;
}

struct bht_busy {
	long ms;
	long iters;
	long ret;
};

static long bht_busy_on_cpu(void *arg)
{
	struct bht_busy *b = arg;
	long deadline;

	preempt_disable();
	hrtimer_start(&bht->timer, ms_to_ktime(1), HRTIMER_MODE_REL_PINNED_HARD);
	deadline = jiffies + msecs_to_jiffies(b->ms);
	b->ret = bh_pks_call(bht->dom, bht_dom_busy, deadline,
			     (long)&jiffies, 0);
	preempt_enable();
	hrtimer_cancel(&bht->timer);
	if (b->ret > 0)
		b->iters += b->ret;
	return 0;
}

static int bht_busy(long ms)
{
	struct bht_busy b = { .ms = ms };
	unsigned long irqs = bh_pks_domain_irqs(bht->dom);
	unsigned int cpu, ncpu = 0;

	bht->timer_in_domain = 0;
	bht->timer_bad_pkrs = 0;
	bht->timer_total = 0;
	cpus_read_lock();
	for_each_online_cpu(cpu) {
		work_on_cpu(cpu, bht_busy_on_cpu, &b);
		if (b.ret < 0)
			break;
		ncpu++;
	}
	cpus_read_unlock();
	irqs = bh_pks_domain_irqs(bht->dom) - irqs;
	snprintf(bht->result, sizeof(bht->result),
		 "busy %s cpus=%u ret=%ld iters=%ld irqs_in_domain=%lu timer_in_domain=%lu timer_bad_pkrs=%lu timer_total=%lu\n",
		 b.ret >= 0 && irqs > 0 && bht->timer_in_domain > 0 &&
		 !bht->timer_bad_pkrs ? "ok" : "FAIL", ncpu, b.ret, b.iters,
		 irqs, bht->timer_in_domain, bht->timer_bad_pkrs,
		 bht->timer_total);
	return b.ret < 0 ? b.ret : 0;
}

static ssize_t bht_ctl_write(struct file *f, const char __user *ubuf,
			     size_t len, loff_t *pos)
{
	char cmd[48];
	unsigned long addr;
	long ms;
	int ret;

	if (len >= sizeof(cmd))
		return -EINVAL;
	if (copy_from_user(cmd, ubuf, len))
		return -EFAULT;
	cmd[len] = 0;
	strim(cmd);
	if (!strcmp(cmd, "rw"))
		ret = bht_rw();
	else if (!strcmp(cmd, "stray"))
		ret = bht_stray();
	else if (!strcmp(cmd, "escape"))
		ret = bht_escape();
	else if (sscanf(cmd, "peek %lx", &addr) == 1)
		ret = bht_peek(addr);
	else if (sscanf(cmd, "busy %ld", &ms) == 1 && ms > 0 && ms <= 5000)
		ret = bht_busy(ms);
	else
		ret = -EINVAL;
	return ret ? ret : len;
}

static ssize_t bht_result_read(struct file *f, char __user *ubuf, size_t len,
			       loff_t *pos)
{
	return simple_read_from_buffer(ubuf, len, pos, bht->result,
				       strlen(bht->result));
}

static const struct file_operations bht_ctl_fops = {
	.owner = THIS_MODULE,
	.write = bht_ctl_write,
};

static const struct file_operations bht_result_fops = {
	.owner = THIS_MODULE,
	.read = bht_result_read,
};

static int __init bht_init(void)
{
	int ret = -ENOMEM;

	bht = kzalloc(sizeof(*bht), GFP_KERNEL);
	if (!bht)
		return -ENOMEM;
	bht->victim = kmalloc(sizeof(*bht->victim), GFP_KERNEL);
	if (!bht->victim)
		goto fail;
	*bht->victim = BHT_VICTIM;
	hrtimer_init(&bht->timer, CLOCK_MONOTONIC, HRTIMER_MODE_REL_PINNED_HARD);
	bht->timer.function = bht_timer_fn;
	bht->dom = bh_pks_domain_create("bhpks_test");
	if (IS_ERR(bht->dom)) {
		ret = PTR_ERR(bht->dom);
		goto fail;
	}
	ret = bh_pks_domain_add_module(bht->dom, THIS_MODULE);
	if (ret)
		goto fail;
	bht->dir = debugfs_create_dir("bhpks_test", NULL);
	debugfs_create_file("ctl", 0200, bht->dir, NULL, &bht_ctl_fops);
	debugfs_create_file("result", 0444, bht->dir, NULL, &bht_result_fops);
	pr_info("bhpks_test: domain bhpks_test key %d mode %s\n",
		bh_pks_domain_key(bht->dom), bh_pks_domain_mode(bht->dom));
	return 0;
fail:
	if (!IS_ERR_OR_NULL(bht->dom))
		bh_pks_domain_destroy(bht->dom);
	kfree(bht->victim);
	kfree(bht);
	return ret;
}

static void __exit bht_exit(void)
{
	debugfs_remove_recursive(bht->dir);
	bh_pks_domain_destroy(bht->dom);
	kfree(bht->victim);
	kfree(bht);
}

module_init(bht_init);
module_exit(bht_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Bulkhead: RAM-store test driver in a PKS domain");
