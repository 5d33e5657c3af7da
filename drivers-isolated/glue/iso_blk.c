// SPDX-License-Identifier: GPL-2.0
/*
 * iso_blk.c - the isolated build of the driver-API glue (module
 * bhglue_iso): native_blk.c with BH_GLUE_ISO, so the glue is written once.
 *
 * Execution context: normal kernel (see native_blk.c).
 */
#define BH_GLUE_ISO
#include "native_blk.c"
