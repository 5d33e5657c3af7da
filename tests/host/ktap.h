/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ktap.h - streaming parser for KTAP v1 test output.
 *
 * Context: host user space (the test runner), built by host unit tests as
 * it is. Pure logic: no I/O, no allocation; the caller feeds lines.
 *
 * The parser turns a KTAP document (possibly interleaved with kernel
 * console lines, which are ignored) into one verdict per test.  A test
 * with subtests is reported through its subtests; it is reported itself
 * only when its own line disagrees with them (e.g. "not ok" with every
 * subtest passing) so that no failure is lost.  Plan mismatches ("1..N"
 * against the tests actually seen) are failures too.
 */
#ifndef BULKHEAD_KTAP_H
#define BULKHEAD_KTAP_H

#include <stddef.h>

#define KTAP_MAX_DEPTH	8
#define KTAP_NAME_LEN	96
#define KTAP_PATH_LEN	(KTAP_MAX_DEPTH * KTAP_NAME_LEN)
#define KTAP_REASON_LEN	256

enum ktap_status { KTAP_PASS, KTAP_FAIL, KTAP_SKIP };

struct ktap_result {
	enum ktap_status status;
	char path[KTAP_PATH_LEN];	/* prefix/parent/.../name */
	char reason[KTAP_REASON_LEN];	/* directive or diagnostic, may be "" */
};

typedef void (*ktap_emit_fn)(const struct ktap_result *res, void *arg);

struct ktap_level {
	int plan;		/* -1 until a "1..N" line */
	int seen;		/* result lines at this level */
	int failed;		/* failed results at this level (incl. nested) */
	int active;		/* a version/plan/result line opened it */
	char subtest[KTAP_NAME_LEN];	/* "# Subtest: name" if given */
};

struct ktap_parser {
	char prefix[KTAP_NAME_LEN];
	struct ktap_level lv[KTAP_MAX_DEPTH + 1];
	int versions;		/* top-level "KTAP version 1" lines seen */
	int passed, failed, skipped;
	ktap_emit_fn emit;
	void *arg;
};

void ktap_init(struct ktap_parser *p, const char *prefix,
	       ktap_emit_fn emit, void *arg);
/* Feed one line (with or without its trailing newline). */
void ktap_line(struct ktap_parser *p, const char *line);
/*
 * End of input: checks the top-level plan and open levels.  Returns the
 * number of failures seen in total.
 */
int ktap_finish(struct ktap_parser *p);
/* Report a failure that did not come from the document (timeouts...). */
void ktap_fail(struct ktap_parser *p, const char *name, const char *reason);

#endif
