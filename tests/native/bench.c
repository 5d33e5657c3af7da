// SPDX-License-Identifier: GPL-2.0
/*
 * bench.c - TSC cost of a protection-key gate against its floor.
 *
 * Execution context: user space (Linux, glibc), real PKU.
 *
 * Prints a markdown table: TSC ticks per operation, the median of RUNS
 * runs of ITERS iterations each (loop overhead included; see the "empty
 * loop" row). The floor of any PKU gate is two WRPKRUs; the goal is a full
 * checked gate round trip <= 1.10 x that floor. TSC ticks are not core
 * cycles when the core clock differs from the TSC rate.
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <x86intrin.h>

#include "dom.h"

/*
 * Many short runs: other work on the machine preempts long runs; the
 * median of short ones is stable.
 */
#define RUNS	301
#define ITERS	2000
#define GOAL	1.10
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

uint64_t bench_loop(uint64_t n);
uint64_t bench_icall(uint64_t n);
uint64_t bench_wrpkru1(uint64_t n);
uint64_t bench_wrpkru2(uint64_t n);
uint64_t bench_checked_call(uint64_t n);
uint64_t bench_gate_static(uint64_t n);
uint64_t bench_gate(uint64_t n);

static uint64_t bench_getpid(uint64_t n)
{
	unsigned int aux;
	uint64_t t0, t1, i;

	_mm_lfence();
	t0 = __rdtsc();
	_mm_lfence();
	for (i = 0; i < n; i++)
		syscall(SYS_getpid);
	t1 = __rdtscp(&aux);
	_mm_lfence();
	return t1 - t0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

struct row {
	const char *name;
	uint64_t (*fn)(uint64_t n);
	uint64_t iters;
	double med, min, p90;
};

static void measure(struct row *r)
{
	double v[RUNS];
	int i;

	r->fn(r->iters / 10);	/* warm up */
	for (i = 0; i < RUNS; i++)
		v[i] = (double)r->fn(r->iters) / r->iters;
	qsort(v, RUNS, sizeof(v[0]), cmp_double);
	r->med = v[RUNS / 2];
	r->min = v[0];
	r->p90 = v[RUNS * 9 / 10];
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: tests/native/bench [-h|--help]\n"
		"TSC ticks per operation of the protection-key gate on this\n"
		"machine's real PKU against its floor (two WRPKRUs), as a\n"
		"markdown table, then '# bench: key=value' lines for\n"
		"tests/bench.  Goal: full gate round trip <= %.2f x floor.\n"
		"Build it with 'make -C tests/native'; without PKU (or with\n"
		"PKU disabled) it says so and prints no figures.\n", GOAL);
}

int main(int argc, char **argv)
{
#define ROW(n, f, i) { .name = (n), .fn = (f), .iters = (i) }
	struct row rows[] = {
		ROW("empty loop (overhead, in every row)", bench_loop, ITERS),
		ROW("empty indirect call", bench_icall, ITERS),
		ROW("one WRPKRU", bench_wrpkru1, ITERS),
		ROW("two WRPKRUs (open+close): the floor", bench_wrpkru2,
		    ITERS),
		ROW("checked open + call + checked close, one stack",
		    bench_checked_call, ITERS),
		ROW("full gate, static domain stack (dsp = $imm)",
		    bench_gate_static, ITERS),
		ROW("full gate round trip, per-thread slots (BH_MPK_GATE)",
		    bench_gate, ITERS),
		ROW("getpid() syscall", bench_getpid, ITERS / 10),
	};
	enum { LOOP, ICALL, WR1, FLOOR, ERIM, STATIC, GATE, GETPID };
	const unsigned int n = ARRAY_SIZE(rows);
	const char *no_pku;
	double ratio;
	unsigned int i;

	if (argc > 1) {
		int help = !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help");

		usage(help ? stdout : stderr);
		return help ? 0 : 2;
	}
	no_pku = dom_setup();
	if (no_pku || dom_thread_init()) {
		printf("bench: no PKU: %s\n", no_pku ? no_pku : "no stack");
		return 0;
	}
	for (i = 0; i < n; i++)
		measure(&rows[i]);
	printf("| operation | TSC ticks/op (median) | min | p90 |\n");
	printf("|---|---:|---:|---:|\n");
	for (i = 0; i < n; i++)
		printf("| %s | %.1f | %.1f | %.1f |\n", rows[i].name,
		       rows[i].med, rows[i].min, rows[i].p90);
	ratio = rows[GATE].med / rows[FLOOR].med;
	printf("\nTSC ticks, median of %d runs x %d iterations (getpid: x %d),"
	       " lfence/rdtsc .. rdtscp/lfence.\n", RUNS, ITERS, ITERS / 10);
	printf("\ngate / floor = %.2f (static-stack gate: %.2f, checked"
	       " call without stack switch: %.2f)\n", ratio,
	       rows[STATIC].med / rows[FLOOR].med,
	       rows[ERIM].med / rows[FLOOR].med);
	printf("goal: gate <= %.2f x floor: %s\n", GOAL,
	       ratio <= GOAL ? "MET" : "NOT MET");
	/* the same figures as key=value, for tests/bench's table */
	printf("\n# bench: mpk_floor_ticks=%.1f\n", rows[FLOOR].med);
	printf("# bench: mpk_gate_ticks=%.1f\n", rows[GATE].med);
	printf("# bench: mpk_gate_over_floor=%.3f\n", ratio);
	printf("# bench: mpk_static_gate_over_floor=%.3f\n",
	       rows[STATIC].med / rows[FLOOR].med);
	printf("# bench: mpk_checked_call_over_floor=%.3f\n",
	       rows[ERIM].med / rows[FLOOR].med);
	printf("\nwhere the ticks above the floor go (differences of rows):\n");
	printf("- call into the gate, callee call, two compare-after-write"
	       " checks: %.1f\n", rows[ERIM].med - rows[FLOOR].med);
	printf("- save/zero/restore rbx rbp r12-r15, scrub, switch RSP,"
	       " caller RSP stored and reloaded after the close: %.1f\n",
	       rows[STATIC].med - rows[ERIM].med);
	printf("- domain RSP loaded from a per-thread slot after the open"
	       " WRPKRU: %.1f\n", rows[GATE].med - rows[STATIC].med);
	printf("WRPKRU appears not to overlap with its neighbours here"
	       " (moving work before it does not hide it), so every"
	       " instruction of the gate adds to the round trip.\n");
	return 0;
}
