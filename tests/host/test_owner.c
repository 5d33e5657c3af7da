// SPDX-License-Identifier: GPL-2.0
/*
 * test_owner.c - host unit tests for the domain ownership map and EPT plans
 * (domains/owner.c, built here as it is).
 *
 * Context: host user space. Prints its own KTAP document on stdout.
 */
#include <stdio.h>
#include <string.h>
#include "../../domains/owner.h"
#include "unit.h"

#define BASE	0x100	/* first tracked pfn */
#define NPAGES	64
#define PA(pfn)	((u64)(pfn) << 12)

static struct bh_page pages[NPAGES];
static struct bh_grant grants[8];
static struct bh_owner_map map;
static char evlog[2048];

static void log_ev(void *ctx, const struct bh_owner_event *ev)
{
	size_t n = strlen(evlog);
	char p[4];

	(void)ctx;
	snprintf(evlog + n, sizeof(evlog) - n, "%s %u->%u %#llx+%llu %s;",
		 bh_owner_op_name(ev->op), ev->from, ev->to,
		 (unsigned long long)ev->pfn, (unsigned long long)ev->npages,
		 bh_perm_str(ev->perm, p));
}

static void setup(void)
{
	evlog[0] = '\0';
	UNIT_EXPECT_INT(bh_owner_init(&map, pages, BASE, NPAGES, grants, 8,
				      log_ev, NULL), 0);
}

static void init_all_kernel(void)
{
	setup();
	UNIT_EXPECT_INT(bh_owner_of(&map, BASE), BH_DOM_KERNEL);
	UNIT_EXPECT_INT(bh_owner_of(&map, BASE + NPAGES - 1), BH_DOM_KERNEL);
	UNIT_EXPECT_INT(bh_owner_of(&map, BASE + NPAGES), -ERANGE);
	UNIT_EXPECT_INT(bh_owner_of(&map, BASE - 1), -ERANGE);
	UNIT_EXPECT_INT(bh_owner_perm(&map, BH_DOM_KERNEL, BASE + 3), BH_PERM_RWX);
	UNIT_EXPECT_INT(bh_owner_perm(&map, 1, BASE + 3), 0);
	UNIT_EXPECT_INT(bh_owner_init(&map, pages, BASE, 0, grants, 8, NULL,
				      NULL), -EINVAL);
}

static void assign_private_pages(void)
{
	setup();
	UNIT_EXPECT_INT(bh_owner_assign(&map, BASE + 4, 4, 1,
					BH_PERM_R | BH_PERM_W), 0);
	UNIT_EXPECT_INT(bh_owner_of(&map, BASE + 4), 1);
	UNIT_EXPECT_INT(bh_owner_of(&map, BASE + 8), BH_DOM_KERNEL);
	UNIT_EXPECT(bh_owner_may(&map, 1, BASE + 7, BH_PERM_W));
	UNIT_EXPECT(!bh_owner_may(&map, 1, BASE + 7, BH_PERM_X));
	UNIT_EXPECT(!bh_owner_may(&map, 1, BASE + 8, BH_PERM_R));
	/* private to domain 1: invisible to domain 2 */
	UNIT_EXPECT(!bh_owner_may(&map, 2, BASE + 4, BH_PERM_R));
	UNIT_EXPECT(bh_owner_may(&map, BH_DOM_KERNEL, BASE + 4, BH_PERM_W));
	/* one owner at a time */
	UNIT_EXPECT_INT(bh_owner_assign(&map, BASE + 7, 2, 2, BH_PERM_R), -EPERM);
	UNIT_EXPECT_INT(bh_owner_of(&map, BASE + 8), BH_DOM_KERNEL);
	UNIT_EXPECT_STR(evlog, "assign 0->1 0x104+4 rw-;");
}

static void assign_refuses_bad_args(void)
{
	setup();
	UNIT_EXPECT_INT(bh_owner_assign(&map, BASE, 1, BH_DOM_KERNEL, 1), -EINVAL);
	UNIT_EXPECT_INT(bh_owner_assign(&map, BASE, 1, BH_MAX_DOMAINS, 1), -EINVAL);
	UNIT_EXPECT_INT(bh_owner_assign(&map, BASE + NPAGES - 1, 2, 1, 1), -EINVAL);
	UNIT_EXPECT_INT(bh_owner_assign(&map, BASE - 1, 1, 1, 1), -EINVAL);
	UNIT_EXPECT_INT(bh_owner_assign(&map, BASE, 0, 1, 1), -EINVAL);
	UNIT_EXPECT_INT(bh_owner_assign(&map, BASE, 1, 1, 8), -EINVAL);
	UNIT_EXPECT_INT(bh_owner_assign(&map, ~0ULL, 2, 1, 1), -EINVAL);
	UNIT_EXPECT_STR(evlog, "");
}

static void grant_shared_buffer(void)
{
	setup();
	/* the kernel shares a buffer read-write, the IDT read-only */
	UNIT_EXPECT_INT(bh_owner_grant(&map, BH_DOM_KERNEL, 1, BASE + 10, 2,
				       BH_PERM_R | BH_PERM_W), 0);
	UNIT_EXPECT_INT(bh_owner_grant(&map, BH_DOM_KERNEL, 1, BASE + 20, 1,
				       BH_PERM_R), 0);
	UNIT_EXPECT(bh_owner_may(&map, 1, BASE + 11, BH_PERM_W));
	UNIT_EXPECT(bh_owner_may(&map, 1, BASE + 20, BH_PERM_R));
	UNIT_EXPECT(!bh_owner_may(&map, 1, BASE + 20, BH_PERM_W));
	UNIT_EXPECT(!bh_owner_may(&map, 1, BASE + 12, BH_PERM_R));
	UNIT_EXPECT(!bh_owner_may(&map, 2, BASE + 10, BH_PERM_R));
	/* grants add up */
	UNIT_EXPECT_INT(bh_owner_grant(&map, BH_DOM_KERNEL, 1, BASE + 20, 1,
				       BH_PERM_X), 0);
	UNIT_EXPECT_INT(bh_owner_perm(&map, 1, BASE + 20), BH_PERM_R | BH_PERM_X);
	/* a granted kernel page can't be handed to a domain */
	UNIT_EXPECT_INT(bh_owner_assign(&map, BASE + 10, 1, 2, 1), -EBUSY);
	UNIT_EXPECT_STR(evlog, "grant 0->1 0x10a+2 rw-;grant 0->1 0x114+1 r--;"
			"grant 0->1 0x114+1 --x;");
}

static void grant_refuses(void)
{
	setup();
	UNIT_EXPECT_INT(bh_owner_assign(&map, BASE, 4, 1, BH_PERM_R), 0);
	/* more than the owner has, not the owner's page, to itself, to kernel */
	UNIT_EXPECT_INT(bh_owner_grant(&map, 1, 2, BASE, 1, BH_PERM_W), -EPERM);
	UNIT_EXPECT_INT(bh_owner_grant(&map, 2, 3, BASE, 1, BH_PERM_R), -EPERM);
	UNIT_EXPECT_INT(bh_owner_grant(&map, BH_DOM_KERNEL, 2, BASE, 1,
				       BH_PERM_R), -EPERM);
	UNIT_EXPECT_INT(bh_owner_grant(&map, 1, 1, BASE, 1, BH_PERM_R), -EINVAL);
	UNIT_EXPECT_INT(bh_owner_grant(&map, 1, BH_DOM_KERNEL, BASE, 1,
				       BH_PERM_R), -EINVAL);
	UNIT_EXPECT_INT(bh_owner_grant(&map, 1, 2, BASE, 1, 0), -EINVAL);
	/* straddles owned and not owned */
	UNIT_EXPECT_INT(bh_owner_grant(&map, 1, 2, BASE + 3, 2, BH_PERM_R), -EPERM);
	/* domain to domain inside its own perms is fine */
	UNIT_EXPECT_INT(bh_owner_grant(&map, 1, 2, BASE + 1, 2, BH_PERM_R), 0);
	UNIT_EXPECT(bh_owner_may(&map, 2, BASE + 2, BH_PERM_R));
	UNIT_EXPECT(!bh_owner_may(&map, 3, BASE + 2, BH_PERM_R));
}

static void grant_table_full(void)
{
	int i;

	setup();
	for (i = 0; i < 8; i++)
		UNIT_EXPECT_INT(bh_owner_grant(&map, BH_DOM_KERNEL, 1, BASE + i,
					       1, BH_PERM_R), 0);
	UNIT_EXPECT_INT(bh_owner_grant(&map, BH_DOM_KERNEL, 1, BASE + 9, 1,
				       BH_PERM_R), -ENOSPC);
	UNIT_EXPECT_INT(bh_owner_revoke(&map, BH_DOM_KERNEL, 1, BASE + 3, 1), 1);
	UNIT_EXPECT_INT(bh_owner_grant(&map, BH_DOM_KERNEL, 1, BASE + 9, 1,
				       BH_PERM_R), 0);
}

static void revoke_rules(void)
{
	setup();
	UNIT_EXPECT_INT(bh_owner_grant(&map, BH_DOM_KERNEL, 1, BASE + 10, 4,
				       BH_PERM_R), 0);
	UNIT_EXPECT_INT(bh_owner_grant(&map, BH_DOM_KERNEL, 2, BASE + 10, 4,
				       BH_PERM_R), 0);
	/* partial overlap: refused, nothing changes */
	UNIT_EXPECT_INT(bh_owner_revoke(&map, BH_DOM_KERNEL, 1, BASE + 11, 4),
			-EINVAL);
	UNIT_EXPECT(bh_owner_may(&map, 1, BASE + 11, BH_PERM_R));
	/* nothing there */
	UNIT_EXPECT_INT(bh_owner_revoke(&map, BH_DOM_KERNEL, 3, BASE, 20),
			-ENOENT);
	/* a covering range removes only from 0 -> 1 */
	UNIT_EXPECT_INT(bh_owner_revoke(&map, BH_DOM_KERNEL, 1, BASE, 20), 1);
	UNIT_EXPECT(!bh_owner_may(&map, 1, BASE + 11, BH_PERM_R));
	UNIT_EXPECT(bh_owner_may(&map, 2, BASE + 11, BH_PERM_R));
	UNIT_EXPECT_INT(pages[10].ngrants, 1);
	UNIT_EXPECT_STR(evlog, "grant 0->1 0x10a+4 r--;grant 0->2 0x10a+4 r--;"
			"revoke 0->1 0x10a+4 r--;");
}

static void release_and_drop(void)
{
	setup();
	UNIT_EXPECT_INT(bh_owner_assign(&map, BASE, 4, 1, BH_PERM_RWX), 0);
	UNIT_EXPECT_INT(bh_owner_assign(&map, BASE + 8, 2, 1, BH_PERM_R), 0);
	UNIT_EXPECT_INT(bh_owner_grant(&map, 1, 2, BASE, 1, BH_PERM_R), 0);
	UNIT_EXPECT_INT(bh_owner_grant(&map, BH_DOM_KERNEL, 1, BASE + 20, 1,
				       BH_PERM_W), 0);
	/* granted away: can't be released, not someone else's */
	UNIT_EXPECT_INT(bh_owner_release(&map, BASE, 1, 1), -EBUSY);
	UNIT_EXPECT_INT(bh_owner_release(&map, BASE + 1, 1, 2), -EPERM);
	UNIT_EXPECT_INT(bh_owner_release(&map, BASE + 3, 1, 1), 0);
	UNIT_EXPECT_INT(bh_owner_of(&map, BASE + 3), BH_DOM_KERNEL);
	evlog[0] = '\0';
	/* the domain dies: every grant to and from it goes, pages come back */
	UNIT_EXPECT_INT(bh_owner_drop_domain(&map, 1), 5);
	UNIT_EXPECT_STR(evlog, "revoke 1->2 0x100+1 r--;revoke 0->1 0x114+1 -w-;"
			"release 1->0 0x100+3 rwx;release 1->0 0x108+2 rwx;");
	UNIT_EXPECT(!bh_owner_may(&map, 2, BASE, BH_PERM_R));
	UNIT_EXPECT(!bh_owner_may(&map, 1, BASE + 20, BH_PERM_W));
	UNIT_EXPECT_INT(bh_owner_of(&map, BASE + 9), BH_DOM_KERNEL);
	UNIT_EXPECT_INT(pages[0].ngrants, 0);
	UNIT_EXPECT_INT(bh_owner_drop_domain(&map, BH_DOM_KERNEL), -EINVAL);
}

static void plan_from_map(void)
{
	struct bh_ept_change c[8];

	setup();
	bh_owner_assign(&map, BASE + 2, 2, 1, BH_PERM_R | BH_PERM_X);
	bh_owner_assign(&map, BASE + 4, 3, 1, BH_PERM_R | BH_PERM_W);
	bh_owner_grant(&map, BH_DOM_KERNEL, 1, BASE + 7, 1, BH_PERM_R | BH_PERM_W);
	/* dom 1 over the whole map: ---, r-x, rw- (own + granted), --- */
	UNIT_EXPECT_INT(bh_owner_plan(&map, 1, BASE, NPAGES, c, 8), 4);
	UNIT_EXPECT_INT(c[0].gpa, PA(BASE));
	UNIT_EXPECT_INT(c[0].len, PA(2));
	UNIT_EXPECT_INT(c[0].perm, 0);
	UNIT_EXPECT_INT(c[1].gpa, PA(BASE + 2));
	UNIT_EXPECT_INT(c[1].len, PA(2));
	UNIT_EXPECT_INT(c[1].perm, BH_PERM_R | BH_PERM_X);
	UNIT_EXPECT_INT(c[2].gpa, PA(BASE + 4));
	UNIT_EXPECT_INT(c[2].len, PA(4));
	UNIT_EXPECT_INT(c[2].perm, BH_PERM_R | BH_PERM_W);
	UNIT_EXPECT_INT(c[3].gpa, PA(BASE + 8));
	UNIT_EXPECT_INT(c[3].len, PA(NPAGES - 8));
	UNIT_EXPECT_INT(c[3].perm, 0);
	/* dom 2 sees nothing of dom 1 */
	UNIT_EXPECT_INT(bh_owner_plan(&map, 2, BASE, NPAGES, c, 8), 1);
	UNIT_EXPECT_INT(c[0].perm, 0);
	UNIT_EXPECT_INT(c[0].len, PA(NPAGES));
	/* sub-range, and a too small out[] still counts */
	UNIT_EXPECT_INT(bh_owner_plan(&map, 1, BASE + 3, 2, c, 8), 2);
	UNIT_EXPECT_INT(c[0].len, PA(1));
	UNIT_EXPECT_INT(bh_owner_plan(&map, 1, BASE, NPAGES, c, 1), 4);
	UNIT_EXPECT_INT(c[0].len, PA(2));
	UNIT_EXPECT_INT(bh_owner_plan(&map, 1, BASE, NPAGES + 1, c, 8), -EINVAL);
}

static void plan_from_description(void)
{
	/* code RX, data RW, a shared page RW that overlaps data, IDT R */
	const struct bh_range_perm d[] = {
		{ 0x10000, 0x3000, BH_PERM_R | BH_PERM_X },
		{ 0x13000, 0x2000, BH_PERM_R | BH_PERM_W },
		{ 0x14000, 0x2000, BH_PERM_R | BH_PERM_W },
		{ 0x20000, 0x1000, BH_PERM_R },
		{ 0xff000, 0x3000, BH_PERM_R },	/* clipped at hi */
	};
	struct bh_ept_change c[8];

	UNIT_EXPECT_INT(bh_desc_plan(d, 5, 0, 0xff000, c, 8), 6);
	UNIT_EXPECT_INT(c[0].gpa, 0);
	UNIT_EXPECT_INT(c[0].len, 0x10000);
	UNIT_EXPECT_INT(c[0].perm, 0);
	UNIT_EXPECT_INT(c[1].gpa, 0x10000);
	UNIT_EXPECT_INT(c[1].len, 0x3000);
	UNIT_EXPECT_INT(c[2].gpa, 0x13000);
	UNIT_EXPECT_INT(c[2].len, 0x3000);	/* coalesced */
	UNIT_EXPECT_INT(c[2].perm, BH_PERM_R | BH_PERM_W);
	UNIT_EXPECT_INT(c[3].gpa, 0x16000);
	UNIT_EXPECT_INT(c[3].perm, 0);
	UNIT_EXPECT_INT(c[4].gpa, 0x20000);
	UNIT_EXPECT_INT(c[4].perm, BH_PERM_R);
	UNIT_EXPECT_INT(c[5].gpa, 0x21000);
	UNIT_EXPECT_INT(c[5].len, 0xff000 - 0x21000);
	UNIT_EXPECT_INT(c[5].perm, 0);
	/* up to 0x101000 the last entry (reaching past hi) is a 7th run */
	UNIT_EXPECT_INT(bh_desc_plan(d, 5, 0, 0x101000, c, 8), 7);
	UNIT_EXPECT_INT(c[6].gpa, 0xff000);
	UNIT_EXPECT_INT(c[6].len, 0x2000);
	/* count beyond max, merges included */
	UNIT_EXPECT_INT(bh_desc_plan(d, 5, 0, 0xff000, c, 2), 6);
	UNIT_EXPECT_INT(bh_desc_plan(d, 0, 0, 0x100000, c, 8), 1);
	UNIT_EXPECT_INT(c[0].len, 0x100000);
}

static void plan_union_and_errors(void)
{
	const struct bh_range_perm u[] = {
		{ 0x0000, 0x4000, BH_PERM_R },
		{ 0x2000, 0x4000, BH_PERM_W },
	};
	const struct bh_range_perm bad[] = { { 0x1234, 0x1000, BH_PERM_R } };
	const struct bh_range_perm badperm[] = { { 0x1000, 0x1000, 9 } };
	struct bh_ept_change c[4];

	UNIT_EXPECT_INT(bh_desc_plan(u, 2, 0, 0x8000, c, 4), 4);
	UNIT_EXPECT_INT(c[0].perm, BH_PERM_R);
	UNIT_EXPECT_INT(c[1].gpa, 0x2000);
	UNIT_EXPECT_INT(c[1].perm, BH_PERM_R | BH_PERM_W);
	UNIT_EXPECT_INT(c[2].perm, BH_PERM_W);
	UNIT_EXPECT_INT(c[3].gpa, 0x6000);
	UNIT_EXPECT_INT(c[3].perm, 0);
	UNIT_EXPECT_INT(bh_desc_plan(bad, 1, 0, 0x8000, c, 4), -EINVAL);
	UNIT_EXPECT_INT(bh_desc_plan(badperm, 1, 0, 0x8000, c, 4), -EINVAL);
	UNIT_EXPECT_INT(bh_desc_plan(u, 2, 0x1000, 0x1000, c, 4), -EINVAL);
	UNIT_EXPECT_INT(bh_desc_plan(u, 2, 0x800, 0x8000, c, 4), -EINVAL);
}

static void check_description(void)
{
	const struct bh_range_perm d[] = {
		{ PA(BASE + 2), PA(2), BH_PERM_R | BH_PERM_X },
		{ PA(BASE + 20), PA(1), BH_PERM_R },
		{ PA(BASE + 30), PA(2), BH_PERM_R | BH_PERM_W },
	};
	size_t bad = 99;
	u64 bad_pfn = 0;

	setup();
	bh_owner_assign(&map, BASE + 2, 2, 1, BH_PERM_R | BH_PERM_X);
	bh_owner_grant(&map, BH_DOM_KERNEL, 1, BASE + 20, 1, BH_PERM_R);
	bh_owner_assign(&map, BASE + 30, 1, 1, BH_PERM_R | BH_PERM_W);
	/* BASE + 31 is the kernel's: the description asks too much */
	UNIT_EXPECT_INT(bh_owner_check_desc(&map, 1, d, 3, &bad, &bad_pfn),
			-EPERM);
	UNIT_EXPECT_INT(bad, 2);
	UNIT_EXPECT_INT(bad_pfn, BASE + 31);
	UNIT_EXPECT_INT(bh_owner_check_desc(&map, 1, d, 2, &bad, &bad_pfn), 0);
	/* and domain 2 may use none of it */
	UNIT_EXPECT_INT(bh_owner_check_desc(&map, 2, d, 1, &bad, &bad_pfn),
			-EPERM);
	UNIT_EXPECT_INT(bad, 0);
	UNIT_EXPECT_INT(bad_pfn, BASE + 2);
}

static void kernel_read_only_default(void)
{
	struct bh_ept_change c[8];

	setup();
	map.kernel_default = BH_PERM_R;
	bh_owner_assign(&map, BASE + 4, 2, 1, BH_PERM_R | BH_PERM_W);
	bh_owner_assign(&map, BASE + 6, 1, 2, BH_PERM_R | BH_PERM_W);
	bh_owner_grant(&map, BH_DOM_KERNEL, 1, BASE + 8, 1, BH_PERM_R | BH_PERM_X);
	/* kernel pages read-only, own pages rw, granted rx, domain 2's: none */
	UNIT_EXPECT_INT(bh_owner_perm(&map, 1, BASE), BH_PERM_R);
	UNIT_EXPECT_INT(bh_owner_perm(&map, 1, BASE + 6), 0);
	UNIT_EXPECT_INT(bh_owner_perm(&map, 1, BASE + 8), BH_PERM_R | BH_PERM_X);
	UNIT_EXPECT_INT(bh_owner_plan(&map, 1, BASE, NPAGES, c, 8), 6);
	UNIT_EXPECT_INT(c[0].perm, BH_PERM_R);
	UNIT_EXPECT_INT(c[1].perm, BH_PERM_R | BH_PERM_W);
	UNIT_EXPECT_INT(c[2].gpa, PA(BASE + 6));
	UNIT_EXPECT_INT(c[2].perm, 0);
	UNIT_EXPECT_INT(c[3].gpa, PA(BASE + 7));
	UNIT_EXPECT_INT(c[3].perm, BH_PERM_R);
	UNIT_EXPECT_INT(c[4].perm, BH_PERM_R | BH_PERM_X);
	UNIT_EXPECT_INT(c[5].perm, BH_PERM_R);
	UNIT_EXPECT_INT(c[5].len, PA(NPAGES - 9));
}

/* what a domain may hand the kernel as its own: no kernel default */
static void perm_own_ignores_kernel_default(void)
{
	setup();
	map.kernel_default = BH_PERM_R;
	bh_owner_assign(&map, BASE + 4, 2, 1, BH_PERM_R | BH_PERM_W);
	bh_owner_assign(&map, BASE + 6, 1, 2, BH_PERM_R | BH_PERM_W);
	bh_owner_grant(&map, BH_DOM_KERNEL, 1, BASE + 8, 1, BH_PERM_R);
	UNIT_EXPECT_INT(bh_owner_perm_own(&map, 1, BASE), 0);
	UNIT_EXPECT_INT(bh_owner_perm_own(&map, 1, BASE + 4),
			BH_PERM_R | BH_PERM_W);
	UNIT_EXPECT_INT(bh_owner_perm_own(&map, 1, BASE + 6), 0);
	UNIT_EXPECT_INT(bh_owner_perm_own(&map, 1, BASE + 8), BH_PERM_R);
	UNIT_EXPECT_INT(bh_owner_perm_own(&map, 1, BASE + NPAGES), 0);
	/* bh_owner_perm still counts the default */
	UNIT_EXPECT_INT(bh_owner_perm(&map, 1, BASE), BH_PERM_R);
}

static struct unit_case cases[] = {
	UNIT_CASE(init_all_kernel),
	UNIT_CASE(assign_private_pages),
	UNIT_CASE(assign_refuses_bad_args),
	UNIT_CASE(grant_shared_buffer),
	UNIT_CASE(grant_refuses),
	UNIT_CASE(grant_table_full),
	UNIT_CASE(revoke_rules),
	UNIT_CASE(release_and_drop),
	UNIT_CASE(plan_from_map),
	UNIT_CASE(plan_from_description),
	UNIT_CASE(plan_union_and_errors),
	UNIT_CASE(check_description),
	UNIT_CASE(kernel_read_only_default),
	UNIT_CASE(perm_own_ignores_kernel_default),
};

UNIT_MAIN(cases)
