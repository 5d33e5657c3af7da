// SPDX-License-Identifier: GPL-2.0
/*
 * bhnull_iso.c - bhnull.c built isolated (module bhnull_iso): the same
 * source, with every bh_driver.h call going to the isolated glue.
 *
 * Execution context: queue_rq inside the bhnull_iso domain; init and exit
 * in the normal kernel (include/bh_driver.h).
 */
#define BH_ISOLATED
#include "bhnull.c"
