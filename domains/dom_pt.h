/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dom_pt.h - a domain's own x86-64 page table: the translation a domain
 * runs under (CR3 in the domain view), built from scratch, never shared
 * with the kernel's.
 *
 * Execution context: any (normal kernel, host unit tests).  Pure logic:
 * table pages come from the caller's allocator, no locking (the domains
 * layer holds its mutex), no I/O.
 *
 * Why a domain has one: the CPU walks the page table of CR3 through the
 * live EPT view.  With the kernel's CR3 every process's top-level table
 * and the kernel's lower tables would have to be readable in the domain
 * view; with this table only its own pages are, and every kernel page can
 * be absent there.  The table mirrors the kernel's translations (same
 * linear -> physical) for what the domain may touch and for what the CPU
 * touches on its behalf; EPT alone decides the access, so this table is
 * not a security boundary and may map more than the domain may use (the
 * direct map of all RAM and the kernel image, in large pages: an access
 * to kernel memory is then an EPT violation with its address, not a #PF).
 *
 * Every entry is present, writable, supervisor, executable, with the
 * accessed and dirty bits preset: the domain view grants these pages read
 * only, so the CPU must never need to write them.
 */
#ifndef BH_DOM_PT_H
#define BH_DOM_PT_H

#ifdef __KERNEL__
#include <linux/bits.h>
#include <linux/types.h>
#include <linux/errno.h>
#else
#include <stddef.h>
#include <errno.h>
typedef __UINT64_TYPE__ u64;
#define BIT_ULL(n)	(1ULL << (n))
#endif

#define BH_PT_P		BIT_ULL(0)
#define BH_PT_RW	BIT_ULL(1)
#define BH_PT_A		BIT_ULL(5)
#define BH_PT_D		BIT_ULL(6)
#define BH_PT_PS	BIT_ULL(7)
#define BH_PT_ADDR	0x000ffffffffff000ULL
#define BH_PT_TABLE	(BH_PT_P | BH_PT_RW | BH_PT_A)
#define BH_PT_LEAF	(BH_PT_P | BH_PT_RW | BH_PT_A | BH_PT_D)

#define BH_PT_4K	12
#define BH_PT_2M	21

struct bh_pt_ops {
	/* a zeroed 4 KiB page for a table: its address, *pa its physical */
	u64 *(*alloc)(void *ctx, u64 *pa);
	/* the address of the table page at physical pa */
	u64 *(*va)(void *ctx, u64 pa);
	void *ctx;
};

struct bh_pt {
	struct bh_pt_ops ops;
	unsigned int levels;	/* 4 or 5 */
	u64 *root;
	u64 root_pa;
	u64 tables;		/* table pages allocated, the root included */
};

/* an empty table of 4 or 5 levels: 0, -EINVAL or -ENOMEM */
int bh_pt_init(struct bh_pt *pt, const struct bh_pt_ops *ops,
	       unsigned int levels);
/*
 * Map [va, va + len) to [pa, pa + len) in pages of 1 << shift bytes
 * (BH_PT_4K or BH_PT_2M); va, pa and len aligned to that.  An entry that
 * already maps the same page is kept; one that maps another page, or a
 * large page where a table is needed (or the reverse), is -EEXIST.
 * -ENOMEM leaves what was mapped before the failure mapped.
 */
int bh_pt_map(struct bh_pt *pt, u64 va, u64 pa, u64 len, unsigned int shift);
/* the physical address va translates to, or -ENOENT */
int bh_pt_lookup(const struct bh_pt *pt, u64 va, u64 *pa);

/*
 * One linear address, BH_PT_ID_VA, that translates to a page of each
 * CPU's own (trampolines/vmfunc_gate.h, BH_VMF_ID_VA), with one table
 * page per CPU shared by all domains and one root page per CPU and
 * domain.  The CPU's page p (bh_pt_id_table) holds entry 1 = p itself
 * and entry 2 = the CPU's id page; a root of pt's for the CPU
 * (bh_pt_root_with_id) is pt's upper half (the kernel's addresses) plus
 * one lower-half entry that points at p: entry 1 with 4 levels, entry 0
 * with 5.  BH_PT_ID_VA has index 1 at levels 4, 3 and 2 and 2 at level
 * 1 (and 0 at level 5), so both walk root, p, p, p, then the id page.
 * Entries of p carry a leaf's flags (no PS; accessed and dirty preset,
 * so the CPU never writes them), valid at every level.  Linear address 0
 * stays unmapped (entry 0 of the 4-level root, of p with 5 levels).  pt
 * itself must leave its lower half empty.
 */
#define BH_PT_ID_VA	0x8040202000ULL
void bh_pt_id_table(u64 *p, u64 p_pa, u64 id_pa);
/* root (a 4 KiB page): 0, or -EINVAL if pt has a lower-half entry */
int bh_pt_root_with_id(const struct bh_pt *pt, u64 *root, u64 p_pa);
/* root's upper half from pt's again (pt may have gained top-level entries) */
void bh_pt_root_sync(const struct bh_pt *pt, u64 *root);
#endif /* BH_DOM_PT_H */
