// SPDX-License-Identifier: GPL-2.0
/*
 * owner.c - the per-page ownership map, grants, and EPT plans.
 *
 * Execution context: any (normal kernel, host unit tests).  Includes only
 * owner.h: no libc, no kernel API.  See owner.h for the model.
 */
#include "owner.h"

static const char *const op_names[BH_OWNER_NR_OPS] = {
	[BH_OWNER_ASSIGN]	= "assign",
	[BH_OWNER_RELEASE]	= "release",
	[BH_OWNER_GRANT]	= "grant",
	[BH_OWNER_REVOKE]	= "revoke",
};

const char *bh_owner_op_name(enum bh_owner_op op)
{
	if ((unsigned int)op >= BH_OWNER_NR_OPS)
		return "?";
	return op_names[op];
}

const char *bh_perm_str(unsigned int perm, char buf[4])
{
	buf[0] = perm & BH_PERM_R ? 'r' : '-';
	buf[1] = perm & BH_PERM_W ? 'w' : '-';
	buf[2] = perm & BH_PERM_X ? 'x' : '-';
	buf[3] = '\0';
	return buf;
}

static void log_event(const struct bh_owner_map *map, enum bh_owner_op op,
		      unsigned int from, unsigned int to, u64 pfn,
		      u64 npages, unsigned int perm)
{
	struct bh_owner_event ev = {
		.op = op, .from = from, .to = to,
		.pfn = pfn, .npages = npages, .perm = perm,
	};

	if (map->log)
		map->log(map->log_ctx, &ev);
}

/* [pfn, pfn + npages) non-empty and inside the map */
static int in_map(const struct bh_owner_map *map, u64 pfn,
		  u64 npages)
{
	return npages && pfn >= map->base_pfn &&
	       pfn - map->base_pfn <= map->npages &&
	       npages <= map->npages - (pfn - map->base_pfn);
}

static struct bh_page *page_of(const struct bh_owner_map *map, u64 pfn)
{
	return &map->pages[pfn - map->base_pfn];
}

static int valid_dom(unsigned int dom)
{
	return dom > BH_DOM_KERNEL && dom < BH_MAX_DOMAINS;
}

int bh_owner_init(struct bh_owner_map *map, struct bh_page *pages,
		  u64 base_pfn, u64 npages, struct bh_grant *grants,
		  unsigned int max_grants, bh_owner_log_fn log, void *log_ctx)
{
	u64 i;

	if (!map || !pages || !npages || (max_grants && !grants))
		return -EINVAL;
	map->base_pfn = base_pfn;
	map->npages = npages;
	map->pages = pages;
	map->grants = grants;
	map->max_grants = max_grants;
	map->log = log;
	map->log_ctx = log_ctx;
	map->kernel_default = 0;
	for (i = 0; i < npages; i++) {
		pages[i].owner = BH_DOM_KERNEL;
		pages[i].perm = BH_PERM_RWX;
		pages[i].ngrants = 0;
	}
	for (i = 0; i < max_grants; i++)
		grants[i].npages = 0;
	return 0;
}

int bh_owner_assign(struct bh_owner_map *map, u64 pfn, u64 npages,
		    unsigned int dom, unsigned int perm)
{
	u64 i;

	if (!valid_dom(dom) || !in_map(map, pfn, npages) ||
	    (perm & ~BH_PERM_RWX))
		return -EINVAL;
	for (i = 0; i < npages; i++) {
		const struct bh_page *p = page_of(map, pfn + i);

		if (p->owner != BH_DOM_KERNEL)
			return -EPERM;
		if (p->ngrants)
			return -EBUSY;
	}
	for (i = 0; i < npages; i++) {
		page_of(map, pfn + i)->owner = dom;
		page_of(map, pfn + i)->perm = perm;
	}
	log_event(map, BH_OWNER_ASSIGN, BH_DOM_KERNEL, dom, pfn, npages, perm);
	return 0;
}

int bh_owner_release(struct bh_owner_map *map, u64 pfn,
		     u64 npages, unsigned int dom)
{
	u64 i;

	if (!valid_dom(dom) || !in_map(map, pfn, npages))
		return -EINVAL;
	for (i = 0; i < npages; i++) {
		const struct bh_page *p = page_of(map, pfn + i);

		if (p->owner != dom)
			return -EPERM;
		if (p->ngrants)
			return -EBUSY;
	}
	for (i = 0; i < npages; i++) {
		page_of(map, pfn + i)->owner = BH_DOM_KERNEL;
		page_of(map, pfn + i)->perm = BH_PERM_RWX;
	}
	log_event(map, BH_OWNER_RELEASE, dom, BH_DOM_KERNEL, pfn, npages,
		  BH_PERM_RWX);
	return 0;
}

static void count_grant(struct bh_owner_map *map, const struct bh_grant *g,
			int delta)
{
	u64 i;

	for (i = 0; i < g->npages; i++)
		page_of(map, g->pfn + i)->ngrants += delta;
}

int bh_owner_grant(struct bh_owner_map *map, unsigned int from,
		   unsigned int to, u64 pfn, u64 npages,
		   unsigned int perm)
{
	struct bh_grant *slot = NULL;
	unsigned int i;
	u64 p;

	if (!valid_dom(to) || from == to || from >= BH_MAX_DOMAINS ||
	    !in_map(map, pfn, npages) || !perm || (perm & ~BH_PERM_RWX))
		return -EINVAL;
	for (p = pfn; p < pfn + npages; p++) {
		const struct bh_page *pg = page_of(map, p);

		if (pg->owner != from || (pg->perm & perm) != perm)
			return -EPERM;
		if (pg->ngrants == (u16)~0)
			return -ENOSPC;
	}
	for (i = 0; i < map->max_grants && !slot; i++)
		if (!map->grants[i].npages)
			slot = &map->grants[i];
	if (!slot)
		return -ENOSPC;
	slot->pfn = pfn;
	slot->npages = npages;
	slot->from = from;
	slot->to = to;
	slot->perm = perm;
	count_grant(map, slot, 1);
	log_event(map, BH_OWNER_GRANT, from, to, pfn, npages, perm);
	return 0;
}

static void drop_grant(struct bh_owner_map *map, struct bh_grant *g)
{
	count_grant(map, g, -1);
	log_event(map, BH_OWNER_REVOKE, g->from, g->to, g->pfn, g->npages,
		  g->perm);
	g->npages = 0;
}

int bh_owner_revoke(struct bh_owner_map *map, unsigned int from,
		    unsigned int to, u64 pfn, u64 npages)
{
	u64 end = pfn + npages;
	unsigned int i;
	int n = 0;

	if (!in_map(map, pfn, npages))
		return -EINVAL;
	/* first pass: refuse partial overlaps before changing anything */
	for (i = 0; i < map->max_grants; i++) {
		const struct bh_grant *g = &map->grants[i];

		if (!g->npages || g->from != from || g->to != to)
			continue;
		if (g->pfn + g->npages <= pfn || g->pfn >= end)
			continue;
		if (g->pfn < pfn || g->pfn + g->npages > end)
			return -EINVAL;
	}
	for (i = 0; i < map->max_grants; i++) {
		struct bh_grant *g = &map->grants[i];

		if (g->npages && g->from == from && g->to == to &&
		    g->pfn >= pfn && g->pfn + g->npages <= end) {
			drop_grant(map, g);
			n++;
		}
	}
	return n ? n : -ENOENT;
}

long bh_owner_drop_domain(struct bh_owner_map *map, unsigned int dom)
{
	u64 i, run = 0;
	unsigned int k;
	long n = 0;

	if (!valid_dom(dom))
		return -EINVAL;
	for (k = 0; k < map->max_grants; k++) {
		struct bh_grant *g = &map->grants[k];

		if (g->npages && (g->from == dom || g->to == dom))
			drop_grant(map, g);
	}
	/* give pages back in runs, one log line per run */
	for (i = 0; i <= map->npages; i++) {
		if (i < map->npages && map->pages[i].owner == dom) {
			map->pages[i].owner = BH_DOM_KERNEL;
			map->pages[i].perm = BH_PERM_RWX;
			run++;
			n++;
			continue;
		}
		if (run)
			log_event(map, BH_OWNER_RELEASE, dom, BH_DOM_KERNEL,
				  map->base_pfn + i - run, run, BH_PERM_RWX);
		run = 0;
	}
	return n;
}

int bh_owner_of(const struct bh_owner_map *map, u64 pfn)
{
	if (!in_map(map, pfn, 1))
		return -ERANGE;
	return page_of(map, pfn)->owner;
}

/* dom's perms on pfn; kdef: what it gets on a kernel page nobody granted */
static unsigned int owner_perm(const struct bh_owner_map *map,
			       unsigned int dom, u64 pfn, unsigned int kdef)
{
	const struct bh_page *p;
	unsigned int i, perm = 0;

	if (!in_map(map, pfn, 1))
		return 0;
	if (dom == BH_DOM_KERNEL)
		return BH_PERM_RWX;
	p = page_of(map, pfn);
	if (p->owner == dom)
		perm = p->perm;
	else if (p->owner == BH_DOM_KERNEL)
		perm = kdef;
	if (!p->ngrants)
		return perm;
	for (i = 0; i < map->max_grants; i++) {
		const struct bh_grant *g = &map->grants[i];

		if (g->npages && g->to == dom && pfn >= g->pfn &&
		    pfn - g->pfn < g->npages)
			perm |= g->perm;
	}
	return perm;
}

unsigned int bh_owner_perm(const struct bh_owner_map *map, unsigned int dom,
			   u64 pfn)
{
	return owner_perm(map, dom, pfn, map->kernel_default);
}

unsigned int bh_owner_perm_own(const struct bh_owner_map *map,
			       unsigned int dom, u64 pfn)
{
	return owner_perm(map, dom, pfn, 0);
}

int bh_owner_may(const struct bh_owner_map *map, unsigned int dom,
		 u64 pfn, unsigned int perm)
{
	return perm && (bh_owner_perm(map, dom, pfn) & perm) == perm;
}

long bh_owner_plan(const struct bh_owner_map *map, unsigned int dom,
		   u64 pfn, u64 npages,
		   struct bh_ept_change *out, size_t max)
{
	u64 i, start = pfn;
	unsigned int cur;
	long n = 0;

	if (!in_map(map, pfn, npages) || dom >= BH_MAX_DOMAINS)
		return -EINVAL;
	cur = bh_owner_perm(map, dom, pfn);
	for (i = pfn + 1; i <= pfn + npages; i++) {
		unsigned int perm = i < pfn + npages ?
				    bh_owner_perm(map, dom, i) : ~0U;

		if (perm == cur)
			continue;
		if ((size_t)n < max) {
			out[n].gpa = start << BH_PAGE_SHIFT;
			out[n].len = (i - start) << BH_PAGE_SHIFT;
			out[n].perm = cur;
		}
		n++;
		start = i;
		cur = perm;
	}
	return n;
}

long bh_desc_plan(const struct bh_range_perm *desc, size_t n, u64 lo,
		  u64 hi, struct bh_ept_change *out, size_t max)
{
	const u64 mask = BH_PAGE_SIZE - 1;
	u64 pos = lo;
	unsigned int last = 0;
	long count = 0;
	size_t i;

	if ((lo & mask) || (hi & mask) || lo >= hi || (n && !desc))
		return -EINVAL;
	for (i = 0; i < n; i++)
		if ((desc[i].gpa & mask) || (desc[i].len & mask) ||
		    !desc[i].len || desc[i].gpa + desc[i].len < desc[i].gpa ||
		    (desc[i].perm & ~BH_PERM_RWX))
			return -EINVAL;
	/* sweep: at each step the next boundary is the nearest entry edge */
	while (pos < hi) {
		u64 next = hi;
		unsigned int perm = 0;

		for (i = 0; i < n; i++) {
			u64 s = desc[i].gpa, e = s + desc[i].len;

			if (s <= pos && pos < e) {
				perm |= desc[i].perm;
				if (e < next)
					next = e;
			} else if (s > pos && s < next) {
				next = s;
			}
		}
		if (count > 0 && perm == last) {
			if ((size_t)count <= max)
				out[count - 1].len += next - pos;
		} else {
			if ((size_t)count < max) {
				out[count].gpa = pos;
				out[count].len = next - pos;
				out[count].perm = perm;
			}
			count++;
			last = perm;
		}
		pos = next;
	}
	return count;
}

int bh_owner_check_desc(const struct bh_owner_map *map, unsigned int dom,
			const struct bh_range_perm *desc, size_t n,
			size_t *bad, u64 *bad_pfn)
{
	size_t i;
	u64 p;

	for (i = 0; i < n; i++) {
		u64 first = desc[i].gpa >> BH_PAGE_SHIFT;
		u64 last = (desc[i].gpa + desc[i].len - 1) >> BH_PAGE_SHIFT;

		if (!desc[i].len || !desc[i].perm)
			continue;
		for (p = first; p <= last; p++) {
			if (bh_owner_may(map, dom, p, desc[i].perm))
				continue;
			if (bad)
				*bad = i;
			if (bad_pfn)
				*bad_pfn = p;
			return -EPERM;
		}
	}
	return 0;
}
