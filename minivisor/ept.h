/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ept.h - EPT page-table builder and MTRR memory-type logic.
 *
 * Context: pure logic, no kernel-only dependencies.  Called from the normal
 * kernel (identity view at load, views at hypercall time through a page
 * pool) and from root mode (view hypercalls); built as it is by the host
 * unit tests (tests/host/test_ept.c).  Never allocates by itself: every
 * table page comes from the caller's struct mv_ept_ops.
 */
#ifndef MV_EPT_H
#define MV_EPT_H

#ifdef __KERNEL__
#include <linux/bits.h>
#include <linux/types.h>
#else
#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>
typedef uint8_t u8;
typedef uint32_t u32;
typedef uint64_t u64;
#define BIT_ULL(n)	(1ULL << (n))
#endif

/* EPT entry bits (SDM 29.3.2) */
#define MV_EPT_R		BIT_ULL(0)
#define MV_EPT_W		BIT_ULL(1)
#define MV_EPT_X		BIT_ULL(2)
#define MV_EPT_RWX		(MV_EPT_R | MV_EPT_W | MV_EPT_X)
#define MV_EPT_MT_SHIFT		3
#define MV_EPT_MT_MASK		(7ULL << MV_EPT_MT_SHIFT)
#define MV_EPT_LARGE		BIT_ULL(7)
#define MV_EPT_ADDR_MASK	0x000ffffffffff000ULL

#define MV_EPT_ENTRIES		512
#define MV_EPT_4K		0x1000ULL
#define MV_EPT_2M		0x200000ULL
#define MV_EPT_1G		0x40000000ULL
#define MV_EPT_512G		0x8000000000ULL

/* memory types (MTRR and EPT encodings agree) */
#define MV_MT_UC	0
#define MV_MT_WC	1
#define MV_MT_WT	4
#define MV_MT_WP	5
#define MV_MT_WB	6
#define MV_MT_MIXED	(-1)

#define MV_MTRR_MAX_VAR		16
#define MV_MTRR_NR_FIXED	88	/* 8 x 64K, 16 x 16K, 64 x 4K */

/* A snapshot of the MTRRs (read in the normal kernel, used anywhere). */
struct mv_mtrr {
	bool enabled;		/* IA32_MTRR_DEF_TYPE.E */
	bool fixed_enabled;	/* IA32_MTRR_DEF_TYPE.FE */
	u8 def_type;
	u8 fixed[MV_MTRR_NR_FIXED];
	u32 nr_var;
	struct {
		u64 base;	/* IA32_MTRR_PHYSBASEn */
		u64 mask;	/* IA32_MTRR_PHYSMASKn (bit 11 = valid) */
	} var[MV_MTRR_MAX_VAR];
	u64 pa_mask;		/* (1 << MAXPHYADDR) - 1 */
};

/* Memory type of [start, start + len); len a power of two, start aligned.
 * Returns MV_MT_MIXED when the range does not have one type.
 */
int mv_mtrr_type(const struct mv_mtrr *m, u64 start, u64 len);

/* Table pages come from the caller: alloc returns a zeroed page and its
 * physical address, free gives it back, va maps a table's physical
 * address back to a pointer.
 */
struct mv_ept_ops {
	void *ctx;
	u64 *(*alloc)(void *ctx, u64 *pa);
	void (*free)(void *ctx, u64 *page);
	u64 *(*va)(void *ctx, u64 pa);
};

/* Identity map [0, end) (end 1G aligned, <= 512G) into the empty PML4
 * pml4: 1G pages where allowed (use_1g) and the type is uniform, else 2M,
 * else 4K.  Returns 0 or -1 (allocation failed; partial tables stay
 * linked and are freed by mv_ept_free).
 */
int mv_ept_map_identity(const struct mv_ept_ops *ops, u64 *pml4, u64 end,
			const struct mv_mtrr *m, bool use_1g);

/* Deep copy of src into the empty PML4 dst. 0 or -1. */
int mv_ept_clone(const struct mv_ept_ops *ops, u64 *dst, const u64 *src);

/* Set the RWX bits of every leaf in [gpa, gpa + len) (4K aligned),
 * splitting large pages as needed.  Memory types are kept.  Returns 0,
 * -1 (allocation failed) or -2 (range not mapped).
 */
int mv_ept_set_perm(const struct mv_ept_ops *ops, u64 *pml4, u64 gpa,
		    u64 len, u64 perm);

/* Translate gpa: returns the leaf entry (0 if not mapped), *level = 1 (4K),
 * 2 (2M) or 3 (1G).
 */
u64 mv_ept_lookup(const struct mv_ept_ops *ops, const u64 *pml4, u64 gpa,
		  int *level);

/* Free every table below pml4 (not pml4 itself). */
void mv_ept_free(const struct mv_ept_ops *ops, u64 *pml4);

/* Number of table pages below pml4 (for tests and stats). */
unsigned long mv_ept_count_tables(const struct mv_ept_ops *ops,
				  const u64 *pml4);

#endif /* MV_EPT_H */
