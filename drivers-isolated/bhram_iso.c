// SPDX-License-Identifier: GPL-2.0
/*
 * bhram_iso.c - bhram.c built isolated (module bhram_iso): the same
 * source, with every bh_driver.h call going to the isolated glue.
 *
 * Execution context: queue_rq inside the bhram_iso domain; init and exit
 * in the normal kernel (include/bh_driver.h).
 */
#define BH_ISOLATED
#include "bhram.c"
