// SPDX-License-Identifier: GPL-2.0
/*
 * test_dom_pt.c - host unit tests for a domain's own page table
 * (domains/dom_pt.c, built here as it is): the entries a CPU walk would
 * read, 4- and 5-level, 4 KiB and 2 MiB pages, conflicts, running out.
 *
 * Context: host user space. Prints its own KTAP document on stdout.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include "../../domains/dom_pt.h"
#include "unit.h"

#define NTAB	64
#define PA0	0x7000000ULL	/* fake physical address of table 0 */

static u64 tabs[NTAB][512] __aligned(4096);
static int used, limit = NTAB;

static u64 *t_alloc(void *ctx, u64 *pa)
{
	(void)ctx;
	if (used == limit)
		return NULL;
	memset(tabs[used], 0, sizeof(tabs[used]));
	*pa = PA0 + (u64)used * 4096;
	return tabs[used++];
}

static u64 *t_va(void *ctx, u64 pa)
{
	(void)ctx;
	return tabs[(pa - PA0) / 4096];
}

static const struct bh_pt_ops ops = { t_alloc, t_va, NULL };

static void setup(struct bh_pt *pt, unsigned int levels)
{
	used = 0;
	limit = NTAB;
	UNIT_EXPECT_INT(bh_pt_init(pt, &ops, levels), 0);
}

/* a CPU walk, by hand: the entry at each level for va */
static u64 walk(const struct bh_pt *pt, u64 va, unsigned int to)
{
	u64 *t = pt->root, e = 0;
	unsigned int l;

	for (l = pt->levels; l >= to; l--) {
		e = t[(va >> (12 + 9 * (l - 1))) & 511];
		if (!(e & BH_PT_P) || l == to)
			break;
		t = t_va(NULL, e & BH_PT_ADDR);
	}
	return e;
}

static void map_4k_entries(void)
{
	struct bh_pt pt;
	u64 va = 0xffffc90000123000ULL, pa;

	setup(&pt, 4);
	UNIT_EXPECT_INT(bh_pt_map(&pt, va, 0x5000, 0x2000, BH_PT_4K), 0);
	UNIT_EXPECT_INT(pt.tables, 4);
	/* leaf: P RW A D, supervisor, no PS, no NX, the frame */
	UNIT_EXPECT_INT(walk(&pt, va, 1), 0x5000 | 0x63);
	UNIT_EXPECT_INT(walk(&pt, va + 0x1000, 1), 0x6000 | 0x63);
	/* tables: P RW A, never D or PS */
	UNIT_EXPECT_INT(walk(&pt, va, 2) & 0xfff, 0x23);
	UNIT_EXPECT_INT(walk(&pt, va, 4) & 0xfff, 0x23);
	UNIT_EXPECT_INT(bh_pt_lookup(&pt, va + 0x1234, &pa), 0);
	UNIT_EXPECT_INT(pa, 0x6234);
	UNIT_EXPECT_INT(bh_pt_lookup(&pt, va + 0x2000, &pa), -ENOENT);
	UNIT_EXPECT_INT(bh_pt_lookup(&pt, 0xffff888000000000ULL, &pa), -ENOENT);
}

static void map_2m_entries(void)
{
	struct bh_pt pt;
	u64 va = 0xffff888000000000ULL, pa;

	setup(&pt, 4);
	UNIT_EXPECT_INT(bh_pt_map(&pt, va, 0, 0x600000, BH_PT_2M), 0);
	UNIT_EXPECT_INT(pt.tables, 3);
	UNIT_EXPECT_INT(walk(&pt, va + 0x400000, 2), 0x400000 | 0xe3);
	UNIT_EXPECT_INT(bh_pt_lookup(&pt, va + 0x512345, &pa), 0);
	UNIT_EXPECT_INT(pa, 0x512345);
	/* a 4 KiB page inside a large one: refused */
	UNIT_EXPECT_INT(bh_pt_map(&pt, va + 0x1000, 0x1000, 0x1000, BH_PT_4K),
			-EEXIST);
	/* the same large page again: kept */
	UNIT_EXPECT_INT(bh_pt_map(&pt, va, 0, 0x200000, BH_PT_2M), 0);
	UNIT_EXPECT_INT(bh_pt_map(&pt, va, 0x200000, 0x200000, BH_PT_2M),
			-EEXIST);
}

static void bad_arguments(void)
{
	struct bh_pt pt;

	UNIT_EXPECT_INT(bh_pt_init(&pt, &ops, 3), -EINVAL);
	setup(&pt, 4);
	UNIT_EXPECT_INT(bh_pt_map(&pt, 0x1001, 0x1000, 0x1000, BH_PT_4K), -EINVAL);
	UNIT_EXPECT_INT(bh_pt_map(&pt, 0x200000, 0x1000, 0x200000, BH_PT_2M),
			-EINVAL);
	UNIT_EXPECT_INT(bh_pt_map(&pt, 0x1000, 0x1000, 0x1000, 13), -EINVAL);
	UNIT_EXPECT_INT(bh_pt_map(&pt, ~0xfffULL, 0, 0x2000, BH_PT_4K), -EINVAL);
	/* a remap to another frame */
	UNIT_EXPECT_INT(bh_pt_map(&pt, 0x1000, 0x1000, 0x1000, BH_PT_4K), 0);
	UNIT_EXPECT_INT(bh_pt_map(&pt, 0x1000, 0x2000, 0x1000, BH_PT_4K), -EEXIST);
}

static void five_levels(void)
{
	struct bh_pt pt;
	u64 va = 0xff11000000001000ULL, pa;

	setup(&pt, 5);
	UNIT_EXPECT_INT(bh_pt_map(&pt, va, 0x9000, 0x1000, BH_PT_4K), 0);
	UNIT_EXPECT_INT(pt.tables, 5);
	UNIT_EXPECT_INT(walk(&pt, va, 1), 0x9000 | 0x63);
	UNIT_EXPECT_INT(bh_pt_lookup(&pt, va + 8, &pa), 0);
	UNIT_EXPECT_INT(pa, 0x9008);
}

static void out_of_memory(void)
{
	struct bh_pt pt;

	setup(&pt, 4);
	limit = 2;
	UNIT_EXPECT_INT(bh_pt_map(&pt, 0x1000, 0x1000, 0x1000, BH_PT_4K), -ENOMEM);
	limit = NTAB;
	UNIT_EXPECT_INT(bh_pt_map(&pt, 0x1000, 0x1000, 0x1000, BH_PT_4K), 0);
	UNIT_EXPECT_INT(pt.tables, 4);
}

/*
 * A CPU's root: BH_PT_ID_VA walks root, p, p, p down to the id page,
 * linear address 0 stays unmapped, the kernel half is pt's (also after
 * pt gains a top-level entry); 4 and 5 levels.
 */
static void root_with_id(void)
{
	u64 kva = 0xffffffffc0123000ULL, kva2 = 0xffffc90000000000ULL, pa;
	u64 *copy, copy_pa = 0, *p, p_pa = 0;
	const u64 id = 0x4242000ULL;
	unsigned int levels;
	struct bh_pt pt, c;

	for (levels = 4; levels <= 5; levels++) {
		setup(&pt, levels);
		UNIT_EXPECT_INT(bh_pt_map(&pt, kva, 0x5000, 0x1000, BH_PT_4K), 0);
		p = t_alloc(NULL, &p_pa);
		memset(p, 0xff, 4096);
		bh_pt_id_table(p, p_pa, id);
		UNIT_EXPECT_INT(p[0], 0);
		UNIT_EXPECT_INT(p[1], p_pa | 0x63);
		UNIT_EXPECT_INT(p[2], id | 0x63);
		UNIT_EXPECT_INT(p[511], 0);
		copy = t_alloc(NULL, &copy_pa);
		memset(copy, 0xff, 4096);
		UNIT_EXPECT_INT(bh_pt_root_with_id(&pt, copy, p_pa), 0);
		UNIT_EXPECT_INT(copy[levels == 5 ? 0 : 1], p_pa | 0x23);
		UNIT_EXPECT_INT(copy[levels == 5 ? 1 : 0], 0);
		UNIT_EXPECT_INT(copy[255], 0);
		c = pt;
		c.root = copy;
		c.root_pa = copy_pa;
		UNIT_EXPECT_INT(bh_pt_lookup(&c, BH_PT_ID_VA + 8, &pa), 0);
		UNIT_EXPECT_INT(pa, id + 8);
		UNIT_EXPECT_INT(bh_pt_lookup(&c, 0, &pa), -ENOENT);
		UNIT_EXPECT_INT(bh_pt_lookup(&c, 0x1000, &pa), -ENOENT);
		UNIT_EXPECT_INT(bh_pt_lookup(&c, kva + 8, &pa), 0);
		UNIT_EXPECT_INT(pa, 0x5008);
		UNIT_EXPECT_INT(bh_pt_lookup(&c, kva2, &pa), -ENOENT);
		/* a new top-level entry of pt reaches the copy by a sync */
		UNIT_EXPECT_INT(bh_pt_map(&pt, kva2, 0x6000, 0x1000, BH_PT_4K), 0);
		bh_pt_root_sync(&pt, copy);
		UNIT_EXPECT_INT(bh_pt_lookup(&c, kva2, &pa), 0);
		UNIT_EXPECT_INT(pa, 0x6000);
		UNIT_EXPECT_INT(bh_pt_lookup(&pt, BH_PT_ID_VA, &pa), -ENOENT);
		/* pt with a lower-half entry: refused */
		UNIT_EXPECT_INT(bh_pt_map(&pt, 0x200000, 0x200000, 0x1000,
					  BH_PT_4K), 0);
		UNIT_EXPECT_INT(bh_pt_root_with_id(&pt, copy, p_pa), -EINVAL);
	}
}

static const struct unit_case cases[] = {
	UNIT_CASE(map_4k_entries),
	UNIT_CASE(map_2m_entries),
	UNIT_CASE(bad_arguments),
	UNIT_CASE(five_levels),
	UNIT_CASE(out_of_memory),
	UNIT_CASE(root_with_id),
};

UNIT_MAIN(cases)
