// SPDX-License-Identifier: GPL-2.0
/*
 * ept.c - EPT page-table builder and MTRR memory-type logic.
 *
 * Context: pure logic (normal kernel, root mode, host unit tests).  No
 * allocation, no locks, no kernel calls: everything goes through the
 * caller's struct mv_ept_ops.  See ept.h for the contract.
 */
#include "ept.h"

#define IDX(a, shift)	(((a) >> (shift)) & (MV_EPT_ENTRIES - 1))

/* ---- MTRRs (SDM 12.11) ------------------------------------------------ */

static int fixed_index(u64 a)
{
	if (a < 0x80000)
		return (int)(a >> 16);
	if (a < 0xc0000)
		return 8 + (int)((a - 0x80000) >> 14);
	return 24 + (int)((a - 0xc0000) >> 12);
}

/* Combine the types of overlapping variable ranges (SDM 12.11.4.1). */
static int combine(int cur, int t)
{
	if (cur < 0 || cur == t)
		return t;
	if (cur == MV_MT_UC || t == MV_MT_UC)
		return MV_MT_UC;
	if ((cur == MV_MT_WT && t == MV_MT_WB) ||
	    (cur == MV_MT_WB && t == MV_MT_WT))
		return MV_MT_WT;
	return MV_MT_UC;	/* undefined overlap: be safe */
}

int mv_mtrr_type(const struct mv_mtrr *m, u64 start, u64 len)
{
	int type = -1;
	u32 i;

	if (!m->enabled)
		return MV_MT_UC;
	if (m->fixed_enabled && start < 0x100000) {
		u64 a, end = start + len;
		int t;

		if (end > 0x100000)
			return MV_MT_MIXED;
		t = m->fixed[fixed_index(start)];
		for (a = start; a < end; a += MV_EPT_4K)
			if (m->fixed[fixed_index(a)] != t)
				return MV_MT_MIXED;
		return t;
	}
	for (i = 0; i < m->nr_var && i < MV_MTRR_MAX_VAR; i++) {
		u64 mask = m->var[i].mask & m->pa_mask & ~0xfffULL;
		u64 base = m->var[i].base & m->pa_mask & ~0xfffULL;

		if (!(m->var[i].mask & (1ULL << 11)))
			continue;
		/* a mask bit inside the range: the match varies over it */
		if (mask & (len - 1)) {
			/* unless base..mask can never match this range */
			u64 hi = mask & ~(len - 1);

			if ((start & hi) != (base & hi))
				continue;
			return MV_MT_MIXED;
		}
		if ((start & mask) == (base & mask))
			type = combine(type, (int)(m->var[i].base & 0xff));
	}
	return type < 0 ? m->def_type : type;
}

/* ---- EPT tables -------------------------------------------------------- */

static u64 table_entry(u64 pa)
{
	return (pa & MV_EPT_ADDR_MASK) | MV_EPT_RWX;
}

static bool is_table(u64 e, int level)
{
	return (e & MV_EPT_RWX) && level > 1 && !(e & MV_EPT_LARGE);
}

/* Get (or create) the table below entry *e at level (4 = PML4). */
static u64 *next_table(const struct mv_ept_ops *ops, u64 *e)
{
	u64 pa;
	u64 *t;

	if (*e & MV_EPT_RWX)
		return ops->va(ops->ctx, *e & MV_EPT_ADDR_MASK);
	t = ops->alloc(ops->ctx, &pa);
	if (!t)
		return NULL;
	*e = table_entry(pa);
	return t;
}

static u64 leaf(u64 pa, int type, bool large)
{
	return (pa & MV_EPT_ADDR_MASK) | MV_EPT_RWX |
	       ((u64)type << MV_EPT_MT_SHIFT) | (large ? MV_EPT_LARGE : 0);
}

static int map_2m_region(const struct mv_ept_ops *ops, u64 *pde, u64 base,
			 const struct mv_mtrr *m)
{
	int t = mv_mtrr_type(m, base, MV_EPT_2M);
	u64 *pt;
	int i;

	if (t != MV_MT_MIXED) {
		*pde = leaf(base, t, true);
		return 0;
	}
	pt = next_table(ops, pde);
	if (!pt)
		return -1;
	for (i = 0; i < MV_EPT_ENTRIES; i++) {
		u64 a = base + (u64)i * MV_EPT_4K;

		t = mv_mtrr_type(m, a, MV_EPT_4K);
		pt[i] = leaf(a, t < 0 ? MV_MT_UC : t, false);
	}
	return 0;
}

int mv_ept_map_identity(const struct mv_ept_ops *ops, u64 *pml4, u64 end,
			const struct mv_mtrr *m, bool use_1g)
{
	u64 g;

	if (end > MV_EPT_ENTRIES * MV_EPT_512G || (end & (MV_EPT_1G - 1)))
		return -1;
	for (g = 0; g < end; g += MV_EPT_1G) {
		u64 *pdpt = next_table(ops, &pml4[IDX(g, 39)]);
		u64 *pd;
		int t, i;

		if (!pdpt)
			return -1;
		t = mv_mtrr_type(m, g, MV_EPT_1G);
		if (use_1g && t != MV_MT_MIXED) {
			pdpt[IDX(g, 30)] = leaf(g, t, true);
			continue;
		}
		pd = next_table(ops, &pdpt[IDX(g, 30)]);
		if (!pd)
			return -1;
		for (i = 0; i < MV_EPT_ENTRIES; i++)
			if (map_2m_region(ops, &pd[i],
					  g + (u64)i * MV_EPT_2M, m))
				return -1;
	}
	return 0;
}

static int clone_level(const struct mv_ept_ops *ops, u64 *dst,
		       const u64 *src, int level)
{
	int i;

	for (i = 0; i < MV_EPT_ENTRIES; i++) {
		u64 pa;
		u64 *t;

		dst[i] = src[i];
		if (!is_table(src[i], level))
			continue;
		t = ops->alloc(ops->ctx, &pa);
		if (!t) {
			dst[i] = 0;
			return -1;
		}
		dst[i] = (src[i] & ~MV_EPT_ADDR_MASK) | (pa & MV_EPT_ADDR_MASK);
		if (clone_level(ops, t,
				ops->va(ops->ctx, src[i] & MV_EPT_ADDR_MASK),
				level - 1))
			return -1;
	}
	return 0;
}

int mv_ept_clone(const struct mv_ept_ops *ops, u64 *dst, const u64 *src)
{
	return clone_level(ops, dst, src, 4);
}

/* Split the large leaf *e (level 3 = 1G, 2 = 2M) into a table of the
 * next smaller pages with the same type and permissions.
 */
static u64 *split(const struct mv_ept_ops *ops, u64 *e, int level)
{
	u64 size = level == 3 ? MV_EPT_2M : MV_EPT_4K;
	u64 keep = *e & (MV_EPT_RWX | MV_EPT_MT_MASK);
	u64 base = *e & MV_EPT_ADDR_MASK;
	u64 pa;
	u64 *t = ops->alloc(ops->ctx, &pa);
	int i;

	if (!t)
		return NULL;
	for (i = 0; i < MV_EPT_ENTRIES; i++)
		t[i] = (base + (u64)i * size) | keep |
		       (level == 3 ? MV_EPT_LARGE : 0);
	*e = table_entry(pa);
	return t;
}

int mv_ept_set_perm(const struct mv_ept_ops *ops, u64 *pml4, u64 gpa,
		    u64 len, u64 perm)
{
	u64 a, end = gpa + len;

	if ((gpa | len) & (MV_EPT_4K - 1) || end < gpa)
		return -2;
	perm &= MV_EPT_RWX;
	for (a = gpa; a < end;) {
		u64 *t = pml4;
		int level;

		for (level = 4; level >= 1; level--) {
			u64 size = 1ULL << (12 + 9 * (level - 1));
			u64 *e = &t[IDX(a, 12 + 9 * (level - 1))];

			if (level == 4) {
				if (!*e)
					return -2;
				t = ops->va(ops->ctx, *e & MV_EPT_ADDR_MASK);
				continue;
			}
			if (is_table(*e, level)) {
				t = ops->va(ops->ctx, *e & MV_EPT_ADDR_MASK);
				continue;
			}
			if (!*e)
				return -2;
			/* a leaf: whole page in range, or split it */
			if (level == 1 || ((a & (size - 1)) == 0 &&
					   a + size <= end)) {
				*e = (*e & ~MV_EPT_RWX) | perm;
				a += size;
				break;
			}
			t = split(ops, e, level);
			if (!t)
				return -1;
		}
	}
	return 0;
}

u64 mv_ept_lookup(const struct mv_ept_ops *ops, const u64 *pml4, u64 gpa,
		  int *level)
{
	const u64 *t = pml4;
	int l;

	for (l = 4; l >= 1; l--) {
		u64 e = t[IDX(gpa, 12 + 9 * (l - 1))];

		if (l == 4) {
			if (!(e & MV_EPT_ADDR_MASK))
				return 0;
			t = ops->va(ops->ctx, e & MV_EPT_ADDR_MASK);
			continue;
		}
		if (is_table(e, l)) {
			t = ops->va(ops->ctx, e & MV_EPT_ADDR_MASK);
			continue;
		}
		*level = l;
		return e;
	}
	return 0;
}

static unsigned long walk_free(const struct mv_ept_ops *ops, u64 *t,
			       int level, bool do_free)
{
	unsigned long n = 0;
	int i;

	for (i = 0; i < MV_EPT_ENTRIES; i++) {
		u64 *sub;

		if (level == 4 ? !(t[i] & MV_EPT_ADDR_MASK) :
				 !is_table(t[i], level))
			continue;
		sub = ops->va(ops->ctx, t[i] & MV_EPT_ADDR_MASK);
		n += 1 + walk_free(ops, sub, level - 1, do_free);
		if (do_free) {
			ops->free(ops->ctx, sub);
			t[i] = 0;
		}
	}
	return n;
}

void mv_ept_free(const struct mv_ept_ops *ops, u64 *pml4)
{
	walk_free(ops, pml4, 4, true);
}

unsigned long mv_ept_count_tables(const struct mv_ept_ops *ops,
				  const u64 *pml4)
{
	return walk_free(ops, (u64 *)pml4, 4, false);
}
