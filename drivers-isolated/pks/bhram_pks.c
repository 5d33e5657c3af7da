// SPDX-License-Identifier: GPL-2.0
/*
 * bhram_pks.c - bhram.ko's RAM disk (../bhram.c, unchanged) built as a
 * PKS-isolated driver: module bhram_pks.ko.
 *
 * Execution context: inside the PKS domain for queue_rq (entered by the
 * glue through bh_pks_call); init and exit run in the normal kernel
 * (they sleep), as in every isolated build (../include/bh_driver.h).
 * 16 MiB instead of 64: each chunk is vmalloc'd and tagged page by page.
 */
#include "bhram_pks.h"
#define BHRAM_MB	16
#include "../bhram.c"
