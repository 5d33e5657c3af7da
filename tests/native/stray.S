/* SPDX-License-Identifier: GPL-2.0 */
/*
 * stray.S - scanner test image: clean.S plus two stray WRPKRUs:
 *   - at .text+1, hidden at an unaligned offset in a mov immediate;
 *   - in a second executable section, at the same section offset as the
 *     gate's open site in .text (a .ko has several such sections; sites
 *     of a relocatable file must only sanction their own section).
 *
 * Execution context: none (never run; built for bhscan, see t_scan.c).
 */
#define STRAY 1
#include "clean.S"

	.section .init.text, "ax"
	.fill	__bh_gate_site_scan_gate_open - _start, 1, 0x90
	.byte	0x0f, 0x01, 0xef
