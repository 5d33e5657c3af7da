// SPDX-License-Identifier: GPL-2.0
/*
 * bhram_iso.c - bhram.c built isolated (module bhram_iso): the same
 * source, with every bh_driver.h call a yield to the isolated glue.
 *
 * Execution context: init, exit and queue_rq inside the bhram_iso domain;
 * module_init/exit (BH_DRIVER) in the normal kernel (include/bh_driver.h).
 */
#define BH_ISOLATED
#include "bhram.c"
