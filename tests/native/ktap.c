// SPDX-License-Identifier: GPL-2.0
/*
 * ktap.c - run the case table and print one KTAP v1 document.
 *
 * Execution context: user space (Linux, glibc).
 */
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ktap.h"

#define KTAP_TIMEOUT_S	20
#define REASON_MAX	240

/* Shared with the forked child that runs a case. */
static char *reason;

static enum ktap_status set_reason(enum ktap_status st, const char *fmt,
				   va_list ap)
{
	char *p;

	vsnprintf(reason, REASON_MAX, fmt, ap);
	for (p = reason; *p; p++)	/* keep the result line parsable */
		if (*p == '#' || *p == '\n')
			*p = ' ';
	fprintf(stderr, "  %s: %s\n", st == KTAP_SKIP ? "SKIP" : "FAIL",
		reason);
	return st;
}

enum ktap_status ktap_fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	set_reason(KTAP_FAIL, fmt, ap);
	va_end(ap);
	return KTAP_FAIL;
}

enum ktap_status ktap_skip(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	set_reason(KTAP_SKIP, fmt, ap);
	va_end(ap);
	return KTAP_SKIP;
}

void ktap_sub_plan(unsigned int n)
{
	printf("    KTAP version 1\n    1..%u\n", n);
}

void ktap_sub_result(unsigned int i, int ok, const char *name,
		     const char *why)
{
	printf("    %sok %u %s%s%s\n", ok ? "" : "not ", i, name,
	       why ? " # " : "", why ? why : "");
	if (!ok)
		fprintf(stderr, "  FAIL %s: %s\n", name, why ? why : "");
}

char ktap_why[160];

unsigned int ktap_run_subs(const struct ktap_sub *subs, unsigned int n)
{
	unsigned int i, failed = 0;
	const char *r;
	int skip;

	ktap_sub_plan(n);
	for (i = 0; i < n; i++) {
		r = subs[i].fn();
		skip = r && !strncmp(r, "SKIP ", 5);
		ktap_sub_result(i + 1, !r || skip, subs[i].name, r);
		failed += r && !skip;
	}
	return failed;
}

/* Run one case in a child; returns its status, reason in 'reason'. */
static enum ktap_status run_case(const struct ktap_case *c)
{
	int wst;
	pid_t pid;

	reason[0] = 0;
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0) {
		snprintf(reason, REASON_MAX, "fork failed");
		return KTAP_FAIL;
	}
	if (pid == 0) {
		enum ktap_status st;

		alarm(KTAP_TIMEOUT_S);
		st = c->run();
		fflush(stdout);
		_exit(st);
	}
	if (waitpid(pid, &wst, 0) < 0) {
		snprintf(reason, REASON_MAX, "waitpid failed");
		return KTAP_FAIL;
	}
	if (WIFSIGNALED(wst)) {
		snprintf(reason, REASON_MAX, "case died: %s",
			 strsignal(WTERMSIG(wst)));
		return KTAP_FAIL;
	}
	if (WEXITSTATUS(wst) > KTAP_SKIP) {
		snprintf(reason, REASON_MAX, "case exited with %d",
			 WEXITSTATUS(wst));
		return KTAP_FAIL;
	}
	return (enum ktap_status)WEXITSTATUS(wst);
}

int ktap_run(const struct ktap_case *cases, unsigned int n,
	     const char *no_pku_reason)
{
	unsigned int i, failed = 0;
	enum ktap_status st;

	reason = mmap(NULL, REASON_MAX, PROT_READ | PROT_WRITE,
		      MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (reason == MAP_FAILED)
		return 1;
	printf("KTAP version 1\n1..%u\n", n);
	for (i = 0; i < n; i++) {
		fprintf(stderr, "# %s\n", cases[i].name);
		if ((cases[i].flags & KTAP_NEEDS_PKU) && no_pku_reason) {
			printf("ok %u %s # SKIP no PKU: %s\n", i + 1,
			       cases[i].name, no_pku_reason);
			continue;
		}
		st = run_case(&cases[i]);
		if (st == KTAP_PASS)
			printf("ok %u %s\n", i + 1, cases[i].name);
		else if (st == KTAP_SKIP)
			printf("ok %u %s # SKIP %s\n", i + 1, cases[i].name,
			       reason);
		else
			printf("not ok %u %s # %s\n", i + 1, cases[i].name,
			       reason[0] ? reason : "failed");
		failed += st == KTAP_FAIL;
	}
	fprintf(stderr, "# summary: %u case(s), %u failed\n", n, failed);
	fflush(stdout);
	return failed != 0;
}
