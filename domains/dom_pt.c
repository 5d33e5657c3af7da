// SPDX-License-Identifier: GPL-2.0
/*
 * dom_pt.c - a domain's own page table (dom_pt.h).
 *
 * Execution context: any (normal kernel, host unit tests); pure logic.
 */
#include "dom_pt.h"

/* index of va at level l (1 = PTE .. 5 = PML5) */
static unsigned int bh_pt_index(u64 va, unsigned int l)
{
	return (va >> (BH_PT_4K + 9 * (l - 1))) & 511;
}

int bh_pt_init(struct bh_pt *pt, const struct bh_pt_ops *ops,
	       unsigned int levels)
{
	if (levels != 4 && levels != 5)
		return -EINVAL;
	pt->ops = *ops;
	pt->levels = levels;
	pt->tables = 0;
	pt->root = ops->alloc(ops->ctx, &pt->root_pa);
	if (!pt->root)
		return -ENOMEM;
	pt->tables = 1;
	return 0;
}

/* one page of 1 << shift bytes */
static int bh_pt_map_one(struct bh_pt *pt, u64 va, u64 pa, unsigned int shift)
{
	unsigned int leaf = shift == BH_PT_2M ? 2 : 1;
	u64 *t = pt->root, e, tpa;
	unsigned int l;

	for (l = pt->levels; l > leaf; l--) {
		e = t[bh_pt_index(va, l)];
		if (!(e & BH_PT_P)) {
			u64 *n = pt->ops.alloc(pt->ops.ctx, &tpa);

			if (!n)
				return -ENOMEM;
			pt->tables++;
			e = (tpa & BH_PT_ADDR) | BH_PT_TABLE;
			t[bh_pt_index(va, l)] = e;
		} else if (e & BH_PT_PS) {
			return -EEXIST;	/* a large page where a table goes */
		}
		t = pt->ops.va(pt->ops.ctx, e & BH_PT_ADDR);
	}
	e = (pa & BH_PT_ADDR) | BH_PT_LEAF | (leaf > 1 ? BH_PT_PS : 0);
	if (t[bh_pt_index(va, leaf)] & BH_PT_P)
		return t[bh_pt_index(va, leaf)] == e ? 0 : -EEXIST;
	t[bh_pt_index(va, leaf)] = e;
	return 0;
}

int bh_pt_map(struct bh_pt *pt, u64 va, u64 pa, u64 len, unsigned int shift)
{
	u64 size = 1ULL << shift, off;
	int ret;

	if ((shift != BH_PT_4K && shift != BH_PT_2M) ||
	    ((va | pa | len) & (size - 1)) || va + len < va)
		return -EINVAL;
	for (off = 0; off < len; off += size) {
		ret = bh_pt_map_one(pt, va + off, pa + off, shift);
		if (ret)
			return ret;
	}
	return 0;
}

void bh_pt_root_sync(const struct bh_pt *pt, u64 *root)
{
	unsigned int i;

	for (i = 256; i < 512; i++)
		root[i] = pt->root[i];
}

void bh_pt_id_table(u64 *p, u64 p_pa, u64 id_pa)
{
	unsigned int i;

	for (i = 0; i < 512; i++)
		p[i] = 0;
	p[1] = (p_pa & BH_PT_ADDR) | BH_PT_LEAF;
	p[2] = (id_pa & BH_PT_ADDR) | BH_PT_LEAF;
}

int bh_pt_root_with_id(const struct bh_pt *pt, u64 *root, u64 p_pa)
{
	unsigned int i;

	for (i = 0; i < 256; i++)
		if (pt->root[i] & BH_PT_P)
			return -EINVAL;
	for (i = 0; i < 256; i++)
		root[i] = 0;
	root[pt->levels == 5 ? 0 : 1] = (p_pa & BH_PT_ADDR) | BH_PT_TABLE;
	bh_pt_root_sync(pt, root);
	return 0;
}

int bh_pt_lookup(const struct bh_pt *pt, u64 va, u64 *pa)
{
	const u64 *t = pt->root;
	unsigned int l;
	u64 e;

	for (l = pt->levels; l >= 1; l--) {
		e = t[bh_pt_index(va, l)];
		if (!(e & BH_PT_P))
			return -ENOENT;
		if (l == 1 || (e & BH_PT_PS)) {
			u64 mask = (1ULL << (BH_PT_4K + 9 * (l - 1))) - 1;

			*pa = (e & BH_PT_ADDR & ~mask) | (va & mask);
			return 0;
		}
		t = pt->ops.va(pt->ops.ctx, e & BH_PT_ADDR);
	}
	return -ENOENT;
}
