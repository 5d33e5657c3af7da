/* SPDX-License-Identifier: GPL-2.0 */
/*
 * bh_compat.h - the kernel-version differences Bulkhead's modules meet,
 * in one place, so the rest of the code is written once against the
 * guest kernel (6.1) and still builds against distribution kernels up to
 * 6.12 (tests/dkms):
 *   - a module's memory: one core_layout block sliced into text, rodata,
 *     ro_after_init and data before 6.4; separate blocks in mod->mem[]
 *     from 6.4 (bh_mod_part());
 *   - in assembly: EXPORT_SYMBOL from <asm/export.h> until it went away,
 *     then from <linux/export.h>; UNWIND_HINT_EMPTY, called
 *     UNWIND_HINT_END_OF_STACK from 6.4; UNWIND_HINT_UNDEFINED, new in 6.4
 *     (before: a hint without a CFA that is not an end of stack);
 *   - allocating a blk-mq disk: queue limits set on the queue until 6.9,
 *     passed to blk_mq_alloc_disk() from 6.9; QUEUE_FLAG_NONROT until
 *     6.11, where non-rotational became the default (bh_blk_alloc_disk();
 *     only where BH_COMPAT_BLK is defined before the include, so code
 *     that has nothing to do with block devices does not pull blk-mq in).
 *
 * Execution context: normal kernel (module build; also included by .S
 * files, which see only the assembly part).  Nothing here runs in root
 * mode or inside a domain.
 */
#ifndef BH_COMPAT_H
#define BH_COMPAT_H

#include <linux/version.h>

#ifdef __ASSEMBLY__

#if __has_include(<asm/export.h>)
#include <asm/export.h>
#else
#include <linux/export.h>
#endif
#include <asm/unwind_hints.h>
/* 6.4 renamed the hint and added UNDEFINED (assembler macros: no #ifndef) */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 4, 0)
#define UNWIND_HINT_EMPTY	UNWIND_HINT_END_OF_STACK
#else
/* type, sp_reg: a hint without a CFA that is not an end of stack */
.macro UNWIND_HINT_UNDEFINED
	UNWIND_HINT UNWIND_HINT_TYPE_CALL, ORC_REG_UNDEFINED
.endm
#endif

#else /* !__ASSEMBLY__ */

#include <linux/module.h>

/* the parts of a module's memory, in address order before 6.4 */
enum bh_mod_part {
	BH_MOD_TEXT,		/* r-x */
	BH_MOD_RODATA,		/* r */
	BH_MOD_RO_AFTER_INIT,	/* r once init is done */
	BH_MOD_DATA,		/* rw: data and bss */
	BH_MOD_INIT_TEXT,	/* r-x, freed after init */
	BH_MOD_NR_PARTS
};
#define BH_MOD_CORE_PARTS	(BH_MOD_DATA + 1)	/* kept after init */

/* start of part p of mod; its size in bytes (may be 0) in *size if size */
static inline void *bh_mod_part(const struct module *mod, enum bh_mod_part p,
				unsigned int *size)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 4, 0)
	static const enum mod_mem_type type[BH_MOD_NR_PARTS] = {
		[BH_MOD_TEXT] = MOD_TEXT,
		[BH_MOD_RODATA] = MOD_RODATA,
		[BH_MOD_RO_AFTER_INIT] = MOD_RO_AFTER_INIT,
		[BH_MOD_DATA] = MOD_DATA,
		[BH_MOD_INIT_TEXT] = MOD_INIT_TEXT,
	};
	const struct module_memory *m = &mod->mem[type[p]];

	if (size)
		*size = m->size;
	return m->base;
#else
	const struct module_layout *l = &mod->core_layout;
	unsigned int from = 0, to = 0;

	switch (p) {
	case BH_MOD_TEXT:
		to = l->text_size;
		break;
	case BH_MOD_RODATA:
		from = l->text_size;
		to = l->ro_size;
		break;
	case BH_MOD_RO_AFTER_INIT:
		from = l->ro_size;
		to = l->ro_after_init_size;
		break;
	case BH_MOD_DATA:
		from = l->ro_after_init_size;
		to = l->size;
		break;
	case BH_MOD_INIT_TEXT:
		l = &mod->init_layout;
		to = l->text_size;
		break;
	default:
		break;
	}
	if (size)
		*size = to - from;
	return l->base + from;
#endif
}

/* bytes of mod kept after init (its text, rodata and data) */
static inline unsigned int bh_mod_core_size(const struct module *mod)
{
	unsigned int size, total = 0;
	int p;

	for (p = 0; p < BH_MOD_CORE_PARTS; p++) {
		bh_mod_part(mod, p, &size);
		total += size;
	}
	return total;
}

#ifdef BH_COMPAT_BLK
#include <linux/blk-mq.h>
#include <linux/blkdev.h>

/*
 * A blk-mq disk on set with queuedata q, 512-byte logical and page-sized
 * physical blocks, at most max_sectors and max_segs segments a request,
 * not rotational.  The disk or an ERR_PTR, like blk_mq_alloc_disk().
 */
static inline struct gendisk *bh_blk_alloc_disk(struct blk_mq_tag_set *set,
						void *q,
						unsigned int max_sectors,
						unsigned short max_segs)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 9, 0)
	struct queue_limits lim = {
		.logical_block_size = 512,
		.physical_block_size = PAGE_SIZE,
		.max_hw_sectors = max_sectors,
		.max_segments = max_segs,
	};
	struct gendisk *disk = blk_mq_alloc_disk(set, &lim, q);

#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 11, 0)
	if (!IS_ERR(disk))
		blk_queue_flag_set(QUEUE_FLAG_NONROT, disk->queue);
#endif
	return disk;
#else
	struct gendisk *disk = blk_mq_alloc_disk(set, q);

	if (IS_ERR(disk))
		return disk;
	blk_queue_logical_block_size(disk->queue, 512);
	blk_queue_physical_block_size(disk->queue, PAGE_SIZE);
	blk_queue_max_hw_sectors(disk->queue, max_sectors);
	blk_queue_max_segments(disk->queue, max_segs);
	blk_queue_flag_set(QUEUE_FLAG_NONROT, disk->queue);
	return disk;
#endif
}
#endif /* BH_COMPAT_BLK */

#ifdef BH_COMPAT_APIC
#include <asm/apic.h>
/*
 * The local APIC through the exported struct apic: 6.6 made apic_read()
 * and apic_eoi() static calls whose trampolines modules cannot reach.
 */
static inline u32 bh_apic_read(u32 reg)
{
	return apic->read(reg);
}

static inline void bh_apic_eoi(void)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 6, 0)
	apic->eoi();
#else
	apic->eoi_write(APIC_EOI, APIC_EOI_ACK);
#endif
}
#endif /* BH_COMPAT_APIC */

#endif /* !__ASSEMBLY__ */
#endif /* BH_COMPAT_H */
