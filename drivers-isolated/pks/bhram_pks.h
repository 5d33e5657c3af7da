/* SPDX-License-Identifier: GPL-2.0 */
/*
 * bhram_pks.h - the driver API (../include/bh_driver.h) in its isolated
 * form, with the isolated calls renamed to the PKS glue (bhpks_glue.ko),
 * so drivers-isolated/bhram.c builds unchanged into a PKS domain.
 *
 * Execution context: shared by the driver (inside the domain, except its
 * init/exit) and the glue (normal kernel).
 */
#ifndef BHRAM_PKS_H
#define BHRAM_PKS_H

#define BH_ISOLATED
#define BH_ISO_DIRECT		/* calls renamed to the glue, init in the kernel */
#define bh_iso_blk_add		bh_pks_iso_blk_add
#define bh_iso_blk_del		bh_pks_iso_blk_del
#define bh_iso_pages_alloc	bh_pks_iso_pages_alloc
#define bh_iso_pages_free	bh_pks_iso_pages_free
#define bh_iso_log		bh_pks_iso_log
#define bh_iso_test_knob	bh_pks_iso_test_knob
#define bh_iso_begin		bh_pks_iso_begin
#define bh_iso_end		bh_pks_iso_end
#include "../include/bh_driver.h"

#endif /* BHRAM_PKS_H */
