// SPDX-License-Identifier: GPL-2.0
/*
 * test_ept.c - host unit tests for the minivisor's EPT builder and MTRR
 * memory-type logic (minivisor/ept.c, built as it is).
 *
 * Context: host user space. Prints its own KTAP document on stdout.
 * Table pages come from a small arena; "physical" addresses are arena
 * offsets + 1 MiB so that they never look like 0.
 */
#include <stdlib.h>
#include <string.h>
#include "../../minivisor/ept.h"
#include "unit.h"

#define ARENA_PAGES 64
static u64 arena[ARENA_PAGES][512] __aligned(4096);
static int used[ARENA_PAGES], n_alloc, fail_after = -1;
#define BASE 0x100000ULL

static u64 *t_alloc(void *ctx, u64 *pa)
{
	int i;

	(void)ctx;
	if (fail_after >= 0 && n_alloc >= fail_after)
		return NULL;
	for (i = 0; i < ARENA_PAGES; i++) {
		if (used[i])
			continue;
		used[i] = 1;
		n_alloc++;
		memset(arena[i], 0, sizeof(arena[i]));
		*pa = BASE + (u64)i * 4096;
		return arena[i];
	}
	return NULL;
}

static void t_free(void *ctx, u64 *p)
{
	(void)ctx;
	used[(p - arena[0]) / 512] = 0;
	n_alloc--;
}

static u64 *t_va(void *ctx, u64 pa)
{
	(void)ctx;
	return arena[(pa - BASE) / 4096];
}

static const struct mv_ept_ops ops = { NULL, t_alloc, t_free, t_va };

static void reset(void)
{
	memset(used, 0, sizeof(used));
	n_alloc = 0;
	fail_after = -1;
}

/* A typical PC: fixed MTRRs (WB below 640K, UC 640K..768K, WP above),
 * default UC, var: 0..2G WB, 0xC0000000..4G UC (inside nothing else).
 */
static struct mv_mtrr pc_mtrr(void)
{
	struct mv_mtrr m;
	int i;

	memset(&m, 0, sizeof(m));
	m.enabled = true;
	m.fixed_enabled = true;
	m.def_type = MV_MT_UC;
	m.pa_mask = (1ULL << 40) - 1;
	for (i = 0; i < 8; i++)
		m.fixed[i] = MV_MT_WB;		/* 0..512K */
	for (i = 8; i < 16; i++)
		m.fixed[i] = MV_MT_WB;		/* 512K..640K */
	for (i = 16; i < 24; i++)
		m.fixed[i] = MV_MT_UC;		/* 640K..768K */
	for (i = 24; i < 88; i++)
		m.fixed[i] = MV_MT_WP;		/* 768K..1M */
	m.nr_var = 2;
	m.var[0].base = 0 | MV_MT_WB;
	m.var[0].mask = (~(2ULL * MV_EPT_1G - 1) & m.pa_mask) | (1 << 11);
	m.var[1].base = 0xc0000000ULL | MV_MT_UC;
	m.var[1].mask = (~(MV_EPT_1G - 1) & m.pa_mask) | (1 << 11);
	return m;
}

static void mtrr_fixed_and_var(void)
{
	struct mv_mtrr m = pc_mtrr();

	UNIT_EXPECT_INT(mv_mtrr_type(&m, 0, 4096), MV_MT_WB);
	UNIT_EXPECT_INT(mv_mtrr_type(&m, 0xa0000, 4096), MV_MT_UC);
	UNIT_EXPECT_INT(mv_mtrr_type(&m, 0xf0000, 4096), MV_MT_WP);
	UNIT_EXPECT_INT(mv_mtrr_type(&m, 0, MV_EPT_2M), MV_MT_MIXED);
	UNIT_EXPECT_INT(mv_mtrr_type(&m, MV_EPT_2M, MV_EPT_2M), MV_MT_WB);
	UNIT_EXPECT_INT(mv_mtrr_type(&m, MV_EPT_1G, MV_EPT_1G), MV_MT_WB);
	UNIT_EXPECT_INT(mv_mtrr_type(&m, 2 * MV_EPT_1G, MV_EPT_1G), MV_MT_UC);
	UNIT_EXPECT_INT(mv_mtrr_type(&m, 3 * MV_EPT_1G, MV_EPT_1G), MV_MT_UC);
	/* a 2G-sized WB range seen from a 4G window is mixed */
	UNIT_EXPECT_INT(mv_mtrr_type(&m, 0, 4 * MV_EPT_1G), MV_MT_MIXED);
	/* beyond every var range: the default type */
	UNIT_EXPECT_INT(mv_mtrr_type(&m, 8 * MV_EPT_1G, MV_EPT_1G), MV_MT_UC);
}

static void mtrr_overlap_rules(void)
{
	struct mv_mtrr m = pc_mtrr();

	m.nr_var = 3;
	m.var[2].base = 0x40000000ULL | MV_MT_WT;	/* 1G..1G+2M */
	m.var[2].mask = (~(MV_EPT_2M - 1) & m.pa_mask) | (1 << 11);
	UNIT_EXPECT_INT(mv_mtrr_type(&m, MV_EPT_1G, MV_EPT_2M), MV_MT_WT);
	m.var[2].base = 0x40000000ULL | MV_MT_WC;	/* WB+WC: undefined */
	UNIT_EXPECT_INT(mv_mtrr_type(&m, MV_EPT_1G, MV_EPT_2M), MV_MT_UC);
	m.var[2].mask &= ~(1ULL << 11);			/* invalid: ignored */
	UNIT_EXPECT_INT(mv_mtrr_type(&m, MV_EPT_1G, MV_EPT_2M), MV_MT_WB);
	m.enabled = false;
	UNIT_EXPECT_INT(mv_mtrr_type(&m, MV_EPT_1G, MV_EPT_2M), MV_MT_UC);
}

static void identity_uses_large_pages(void)
{
	struct mv_mtrr m = pc_mtrr();
	u64 pml4pa, *pml4, e;
	int level = 0;

	reset();
	pml4 = t_alloc(NULL, &pml4pa);
	UNIT_EXPECT_INT(mv_ept_map_identity(&ops, pml4, 4 * MV_EPT_1G, &m,
					    true), 0);
	/* PDPT + PD for GiB 0 (mixed) + PT for the first 2M; GiB 1-3: 1G */
	UNIT_EXPECT_INT(mv_ept_count_tables(&ops, pml4), 3);
	e = mv_ept_lookup(&ops, pml4, 0xa0123, &level);
	UNIT_EXPECT_INT(level, 1);
	UNIT_EXPECT_INT(e & MV_EPT_ADDR_MASK, 0xa0000);
	UNIT_EXPECT_INT((e & MV_EPT_MT_MASK) >> MV_EPT_MT_SHIFT, MV_MT_UC);
	e = mv_ept_lookup(&ops, pml4, 0x1234567, &level);
	UNIT_EXPECT_INT(level, 2);
	UNIT_EXPECT_INT(e & MV_EPT_ADDR_MASK, 0x1200000);
	UNIT_EXPECT_INT((e & MV_EPT_MT_MASK) >> MV_EPT_MT_SHIFT, MV_MT_WB);
	e = mv_ept_lookup(&ops, pml4, 0xfee00000, &level);
	UNIT_EXPECT_INT(level, 3);
	UNIT_EXPECT_INT(e & MV_EPT_ADDR_MASK, 0xc0000000);
	UNIT_EXPECT_INT((e & MV_EPT_MT_MASK) >> MV_EPT_MT_SHIFT, MV_MT_UC);
	UNIT_EXPECT_INT(e & MV_EPT_RWX, MV_EPT_RWX);
	UNIT_EXPECT_INT(mv_ept_lookup(&ops, pml4, 5 * MV_EPT_1G, &level), 0);
	/* without 1G pages: one PD per GiB */
	mv_ept_free(&ops, pml4);
	UNIT_EXPECT_INT(n_alloc, 1);
	UNIT_EXPECT_INT(mv_ept_map_identity(&ops, pml4, 4 * MV_EPT_1G, &m,
					    false), 0);
	UNIT_EXPECT_INT(mv_ept_count_tables(&ops, pml4), 6);
	mv_ept_free(&ops, pml4);
}

static void set_perm_splits_and_keeps_types(void)
{
	struct mv_mtrr m = pc_mtrr();
	u64 pa, *idv, *view, e;
	int level = 0;

	reset();
	idv = t_alloc(NULL, &pa);
	view = t_alloc(NULL, &pa);
	UNIT_EXPECT_INT(mv_ept_map_identity(&ops, idv, 4 * MV_EPT_1G, &m,
					    true), 0);
	UNIT_EXPECT_INT(mv_ept_clone(&ops, view, idv), 0);
	UNIT_EXPECT_INT(mv_ept_count_tables(&ops, view), 3);
	/* one 4K page inside a 1G page: 1G -> 2M -> 4K */
	UNIT_EXPECT_INT(mv_ept_set_perm(&ops, view, 0xc0201000, 0x1000,
					MV_EPT_R), 0);
	e = mv_ept_lookup(&ops, view, 0xc0201000, &level);
	UNIT_EXPECT_INT(level, 1);
	UNIT_EXPECT_INT(e & MV_EPT_RWX, MV_EPT_R);
	UNIT_EXPECT_INT((e & MV_EPT_MT_MASK) >> MV_EPT_MT_SHIFT, MV_MT_UC);
	e = mv_ept_lookup(&ops, view, 0xc0202000, &level);
	UNIT_EXPECT_INT(e & MV_EPT_RWX, MV_EPT_RWX);
	e = mv_ept_lookup(&ops, view, 0xc0400000, &level);
	UNIT_EXPECT_INT(level, 2);
	UNIT_EXPECT_INT(e & MV_EPT_ADDR_MASK, 0xc0400000);
	/* the identity view is untouched */
	e = mv_ept_lookup(&ops, idv, 0xc0201000, &level);
	UNIT_EXPECT_INT(level, 3);
	UNIT_EXPECT_INT(e & MV_EPT_RWX, MV_EPT_RWX);
	/* a whole 2M page changes in place, no split */
	UNIT_EXPECT_INT(mv_ept_set_perm(&ops, view, 0x1200000, MV_EPT_2M, 0),
			0);
	e = mv_ept_lookup(&ops, view, 0x1200000, &level);
	UNIT_EXPECT_INT(level, 2);
	UNIT_EXPECT_INT(e & MV_EPT_RWX, 0);
	/* errors */
	UNIT_EXPECT_INT(mv_ept_set_perm(&ops, view, 0x1001, 0x1000, 0), -2);
	UNIT_EXPECT_INT(mv_ept_set_perm(&ops, view, 5 * MV_EPT_1G, 0x1000, 0),
			-2);
	fail_after = n_alloc;
	UNIT_EXPECT_INT(mv_ept_set_perm(&ops, view, 0x80001000, 0x1000, 0),
			-1);
	fail_after = -1;
	mv_ept_free(&ops, view);
	mv_ept_free(&ops, idv);
	UNIT_EXPECT_INT(n_alloc, 2);	/* only the two PML4s */
}

static void out_of_pages(void)
{
	struct mv_mtrr m = pc_mtrr();
	u64 pa, *pml4;

	reset();
	pml4 = t_alloc(NULL, &pa);
	fail_after = 2;
	UNIT_EXPECT_INT(mv_ept_map_identity(&ops, pml4, 4 * MV_EPT_1G, &m,
					    true), -1);
	fail_after = -1;
	mv_ept_free(&ops, pml4);
	UNIT_EXPECT_INT(n_alloc, 1);
	UNIT_EXPECT_INT(mv_ept_map_identity(&ops, pml4, 3, &m, true), -1);
}

static const struct unit_case cases[] = {
	UNIT_CASE(mtrr_fixed_and_var),
	UNIT_CASE(mtrr_overlap_rules),
	UNIT_CASE(identity_uses_large_pages),
	UNIT_CASE(set_perm_splits_and_keeps_types),
	UNIT_CASE(out_of_pages),
};

UNIT_MAIN(cases)
