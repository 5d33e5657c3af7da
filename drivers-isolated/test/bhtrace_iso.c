// SPDX-License-Identifier: GPL-2.0
/*
 * bhtrace_iso.c - a would-be isolated driver that defines a tracepoint.
 * Its struct tracepoint (where the kernel registers probes, and whose
 * probe list it frees and calls) lies in the module's writable data,
 * which its domain could rewrite: bhglue_iso must refuse to isolate it
 * (bh_iso_begin), and the load fails with nothing left behind.
 *
 * Execution context: normal kernel (module_init, which bh_iso_begin
 * refuses before any of it runs in a domain).  Test module, not in
 * distribution builds.
 */
#define BH_ISOLATED
#include <linux/tracepoint.h>
#include "../include/bh_driver.h"

DECLARE_TRACE(bhtrace_tp, TP_PROTO(int v), TP_ARGS(v));
DEFINE_TRACE(bhtrace_tp, TP_PROTO(int v), TP_ARGS(v));

static int bhtrace_init(void)
{
	trace_bhtrace_tp(1);
	return 0;
}

static void bhtrace_exit(void)
{
}

BH_DRIVER(bhtrace, bhtrace_init, bhtrace_exit);
