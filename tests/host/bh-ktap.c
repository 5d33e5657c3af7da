// SPDX-License-Identifier: GPL-2.0
/*
 * bh-ktap - turn one KTAP log into one verdict line per test.
 *
 * Context: host user space, called by tests/run for every guest boot and
 * every host-side suite.
 *
 *   bh-ktap [-p PREFIX] [-m MARKER] [-c COUNTS] [-w WHY] FILE
 *
 * Prints "ok   path", "FAIL path: reason" or "SKIP path: reason" per test.
 * -m: the run is complete only if a line containing MARKER was seen;
 *     otherwise a failure "PREFIX/finished" is added with the -w text.
 * -c: append "passed failed skipped" to COUNTS.
 * Exit status: 0 if nothing failed, 1 otherwise, 2 on usage errors.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "ktap.h"

static void print_result(const struct ktap_result *r, void *arg)
{
	(void)arg;
	switch (r->status) {
	case KTAP_PASS:
		printf("ok   %s\n", r->path);
		break;
	case KTAP_FAIL:
		printf("FAIL %s%s%s\n", r->path, r->reason[0] ? ": " : "",
		       r->reason);
		break;
	case KTAP_SKIP:
		printf("SKIP %s%s%s\n", r->path, r->reason[0] ? ": " : "",
		       r->reason);
		break;
	}
}

int main(int argc, char **argv)
{
	const char *prefix = "", *marker = NULL, *counts = NULL, *why = NULL;
	struct ktap_parser p;
	char line[1024];
	int opt, finished = 0;
	FILE *f;

	while ((opt = getopt(argc, argv, "p:m:c:w:")) != -1) {
		switch (opt) {
		case 'p':
			prefix = optarg;
			break;
		case 'm':
			marker = optarg;
			break;
		case 'c':
			counts = optarg;
			break;
		case 'w':
			why = optarg;
			break;
		default:
			return 2;
		}
	}
	if (optind != argc - 1) {
		fprintf(stderr,
			"usage: bh-ktap [-p PREFIX] [-m MARKER] [-c COUNTS] [-w WHY] FILE\n");
		return 2;
	}
	f = fopen(argv[optind], "r");
	if (!f) {
		perror(argv[optind]);
		return 2;
	}
	ktap_init(&p, prefix, print_result, NULL);
	while (fgets(line, sizeof(line), f)) {
		if (marker && strstr(line, marker))
			finished = 1;
		ktap_line(&p, line);
	}
	fclose(f);
	if (marker && !finished)
		ktap_fail(&p, "finished", why ? why : "end marker not seen");
	ktap_finish(&p);
	fflush(stdout);
	if (counts) {
		f = fopen(counts, "a");
		if (!f) {
			perror(counts);
			return 2;
		}
		fprintf(f, "%d %d %d\n", p.passed, p.failed, p.skipped);
		fclose(f);
	}
	return p.failed ? 1 : 0;
}
