/* SPDX-License-Identifier: GPL-2.0 */
/*
 * owner.h - who owns each page frame, what was granted to whom, and the EPT
 * permission changes that make a domain's view match.
 *
 * Execution context: any (normal kernel, host unit tests).  Pure logic on
 * caller-provided storage: no allocation, no locking, no I/O.  The caller
 * serialises every call on one map (the domains layer holds a mutex).
 *
 * Model:
 *   - Every tracked page frame (pfn in [base_pfn, base_pfn + npages)) has
 *     exactly one owner: the kernel (BH_DOM_KERNEL) or one domain
 *     (1..BH_MAX_DOMAINS-1), with the owner's permissions.  Pages go from
 *     the kernel to a domain with bh_owner_assign() and back with
 *     bh_owner_release().
 *   - An owner may grant a range of its pages to another domain with a
 *     subset of its own permissions (shared buffers, the gate pages, IDT,
 *     GDT, TSS, IST stacks are kernel pages granted to a domain).  Grants
 *     are explicit records; bh_owner_revoke() removes them.  Optionally
 *     (map->kernel_default) every domain may read all kernel pages.
 *   - The kernel may access every tracked page (its view is the identity
 *     view).  A domain may access its own pages and what was granted to
 *     it; nothing else.  Effective permission = union of the owner's and
 *     every grant that covers the page.
 *   - Every change is reported through the log hook (ASSIGN, RELEASE,
 *     GRANT, REVOKE).
 *
 * EPT plans: a domain's view starts as a clone of the identity view (all
 * RWX).  bh_owner_plan() turns the map into the list of {gpa, len, perm}
 * changes (coalesced runs, perm 0 for pages the domain may not touch) for
 * a range; bh_desc_plan() does the same for an abstract description (a
 * table of {range, perm}) over [lo, hi).
 */
#ifndef BH_OWNER_H
#define BH_OWNER_H

#ifdef __KERNEL__
#include <linux/types.h>
#include <linux/errno.h>
#else
#include <stddef.h>
#include <stdint.h>
#include <errno.h>
typedef __UINT8_TYPE__ u8;
typedef __UINT16_TYPE__ u16;
typedef __UINT64_TYPE__ u64;
#endif

#define BH_DOM_KERNEL		0
#define BH_MAX_DOMAINS		64	/* ids 1..63 are domains */

/* same values as MV_PERM_* in minivisor/hypercall.h */
#define BH_PERM_R		1
#define BH_PERM_W		2
#define BH_PERM_X		4
#define BH_PERM_RWX		7

#define BH_PAGE_SHIFT		12
#define BH_PAGE_SIZE		4096ULL

struct bh_page {
	u8 owner;		/* BH_DOM_KERNEL or a domain id */
	u8 perm;		/* the owner's permissions */
	u16 ngrants;	/* grants covering this page */
};

struct bh_grant {
	u64 pfn;
	u64 npages;	/* 0 = free slot */
	u8 from, to;
	u8 perm;
};

enum bh_owner_op {
	BH_OWNER_ASSIGN,
	BH_OWNER_RELEASE,
	BH_OWNER_GRANT,
	BH_OWNER_REVOKE,
	BH_OWNER_NR_OPS
};

struct bh_owner_event {
	enum bh_owner_op op;
	unsigned int from, to;	/* ASSIGN: kernel -> dom; RELEASE: dom -> kernel */
	u64 pfn, npages;
	unsigned int perm;
};

typedef void (*bh_owner_log_fn)(void *ctx, const struct bh_owner_event *ev);

struct bh_owner_map {
	u64 base_pfn, npages;
	struct bh_page *pages;		/* npages entries */
	struct bh_grant *grants;	/* max_grants entries */
	unsigned int max_grants;
	bh_owner_log_fn log;		/* may be NULL */
	void *log_ctx;
	/*
	 * What every domain may do on a kernel page nobody granted to it:
	 * 0 (strict: nothing) by default, and what the EPT backend uses
	 * (each domain runs on its own page table); BH_PERM_R would make
	 * the kernel read-only to domains.
	 */
	unsigned int kernel_default;
};

/* one EPT permission change for a view: MV_HC_VIEW_SET_PERM arguments */
struct bh_ept_change {
	u64 gpa;		/* 4K aligned */
	u64 len;		/* 4K multiple */
	unsigned int perm;	/* BH_PERM_* */
};

/* an abstract domain description entry: [gpa, gpa + len) with perm */
struct bh_range_perm {
	u64 gpa, len;
	unsigned int perm;
};

/* All pages owned by the kernel with RWX, no grants. */
int bh_owner_init(struct bh_owner_map *map, struct bh_page *pages,
		  u64 base_pfn, u64 npages, struct bh_grant *grants,
		  unsigned int max_grants, bh_owner_log_fn log, void *log_ctx);

/* kernel -> dom: every page must be kernel-owned and not granted (-EBUSY). */
int bh_owner_assign(struct bh_owner_map *map, u64 pfn, u64 npages,
		    unsigned int dom, unsigned int perm);
/* dom -> kernel: every page must be owned by dom, none granted (-EBUSY). */
int bh_owner_release(struct bh_owner_map *map, u64 pfn,
		     u64 npages, unsigned int dom);
/*
 * from grants [pfn, pfn + npages) to `to` with perm: every page owned by
 * from with at least perm (-EPERM), to != from and not the kernel.
 */
int bh_owner_grant(struct bh_owner_map *map, unsigned int from,
		   unsigned int to, u64 pfn, u64 npages,
		   unsigned int perm);
/*
 * Remove every grant from -> to lying inside [pfn, pfn + npages); a grant
 * that only partly overlaps the range is refused (-EINVAL, nothing done).
 * Returns the number of grants removed (0 = none: -ENOENT).
 */
int bh_owner_revoke(struct bh_owner_map *map, unsigned int from,
		    unsigned int to, u64 pfn, u64 npages);
/*
 * A domain dies or unloads: revoke every grant to or from dom, give its
 * pages back to the kernel.  Returns the number of pages released.
 */
long bh_owner_drop_domain(struct bh_owner_map *map, unsigned int dom);

/* effective permissions of dom on pfn (0 if untracked) */
unsigned int bh_owner_perm(const struct bh_owner_map *map, unsigned int dom,
			   u64 pfn);
/*
 * dom's permissions on pfn from ownership and grants alone, without
 * kernel_default: what dom may hand the kernel as its own memory
 */
unsigned int bh_owner_perm_own(const struct bh_owner_map *map,
			       unsigned int dom, u64 pfn);
/* 1 if dom may access pfn with every bit of perm */
int bh_owner_may(const struct bh_owner_map *map, unsigned int dom,
		 u64 pfn, unsigned int perm);
/* owner of pfn, or -ERANGE if untracked */
int bh_owner_of(const struct bh_owner_map *map, u64 pfn);

/*
 * EPT changes for dom's view over [pfn, pfn + npages) (inside the map):
 * one entry per run of equal effective permission.  Stores at most max,
 * returns how many there are (which may exceed max), or -EINVAL.
 */
long bh_owner_plan(const struct bh_owner_map *map, unsigned int dom,
		   u64 pfn, u64 npages,
		   struct bh_ept_change *out, size_t max);

/*
 * EPT changes for a view described by desc[0..n) over [lo, hi): pages in
 * no entry get 0, overlapping entries add up (union), equal neighbours
 * coalesce.  Entries must be page aligned (-EINVAL) and may reach outside
 * [lo, hi) (clipped).  Stores at most max, returns how many there are.
 */
long bh_desc_plan(const struct bh_range_perm *desc, size_t n, u64 lo,
		  u64 hi, struct bh_ept_change *out, size_t max);

/*
 * Check that dom owns or was granted every page of desc with its perm.
 * 0, or -EPERM with *bad = index of the first offending entry and
 * *bad_pfn = its first offending page.
 */
int bh_owner_check_desc(const struct bh_owner_map *map, unsigned int dom,
			const struct bh_range_perm *desc, size_t n,
			size_t *bad, u64 *bad_pfn);

/* "assign", "release", "grant", "revoke" */
const char *bh_owner_op_name(enum bh_owner_op op);
/* "rwx", "r--", "---", ... into buf[4] */
const char *bh_perm_str(unsigned int perm, char buf[4]);

#endif /* BH_OWNER_H */
