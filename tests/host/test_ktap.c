// SPDX-License-Identifier: GPL-2.0
/*
 * test_ktap.c - host unit tests for the KTAP parser.
 *
 * Context: host user space. Prints its own KTAP document on stdout.
 */
#include <stdio.h>
#include <string.h>
#include "ktap.h"
#include "unit.h"

struct log {
	char text[4096];
};

static void collect(const struct ktap_result *r, void *arg)
{
	struct log *l = arg;
	static const char *const st[] = { "ok", "FAIL", "SKIP" };
	size_t n = strlen(l->text);

	snprintf(l->text + n, sizeof(l->text) - n, "%s %s%s%s\n",
		 st[r->status], r->path, r->reason[0] ? ": " : "", r->reason);
}

/* Parse doc (lines separated by \n) and return the verdict lines. */
static const char *parse(const char *doc, int *failed)
{
	static struct log l;
	struct ktap_parser p;
	char line[512];
	const char *s = doc;

	memset(&l, 0, sizeof(l));
	ktap_init(&p, "boot", collect, &l);
	while (*s) {
		size_t n = strcspn(s, "\n");

		snprintf(line, sizeof(line), "%.*s", (int)n, s);
		ktap_line(&p, line);
		s += n + (s[n] == '\n');
	}
	*failed = ktap_finish(&p);
	return l.text;
}

static void flat_pass_fail_skip(void)
{
	int f;
	const char *out = parse("KTAP version 1\n1..3\nok 1 a\n"
				"not ok 2 b # boom\nok 3 c # SKIP no pku\n", &f);

	UNIT_EXPECT_STR(out, "ok boot/a\nFAIL boot/b: boom\n"
			"SKIP boot/c: no pku\n");
	UNIT_EXPECT_INT(f, 1);
}

static void nested_reports_leaves(void)
{
	int f;
	const char *out;

	out = parse("KTAP version 1\n1..1\n"
		"    KTAP version 1\n    # Subtest: caps\n    1..2\n"
		"    ok 1 vmx\n    ok 2 - ept\nok 1 caps\n", &f);

	UNIT_EXPECT_STR(out, "ok boot/caps/vmx\nok boot/caps/ept\n");
	UNIT_EXPECT_INT(f, 0);
}

static void parent_fail_without_failing_child(void)
{
	int f;
	const char *out;

	out = parse("KTAP version 1\n1..1\n"
		"    # Subtest: s\n    1..1\n    ok 1 x\nnot ok 1 s # crashed\n",
		&f);

	UNIT_EXPECT_STR(out, "ok boot/s/x\nFAIL boot/s: crashed\n");
	UNIT_EXPECT_INT(f, 1);
}

static void short_subplan_fails(void)
{
	int f;
	const char *out;

	out = parse("KTAP version 1\n1..1\n"
		"    # Subtest: s\n    1..3\n    ok 1 x\nok 1 s\n", &f);

	UNIT_EXPECT_STR(out, "ok boot/s/x\n"
			"FAIL boot/s: plan says 3 subtests, saw 1\n");
	UNIT_EXPECT_INT(f, 1);
}

static void short_top_plan_fails(void)
{
	int f;
	const char *out = parse("KTAP version 1\n1..2\nok 1 a\n", &f);

	UNIT_EXPECT_STR(out, "ok boot/a\nFAIL boot/plan: plan says 2 tests, saw 1\n");
	UNIT_EXPECT_INT(f, 1);
}

static void console_noise_ignored(void)
{
	int f;
	const char *out;

	out = parse("[    1.234] random: crng init done\nKTAP version 1\n"
		"1..1\n[    2.0] ok not a test\nok 1 a\r\n", &f);

	UNIT_EXPECT_STR(out, "ok boot/a\n");
	UNIT_EXPECT_INT(f, 0);
}

static void empty_is_failure(void)
{
	int f;
	const char *out = parse("Kernel panic - not syncing\n", &f);

	UNIT_EXPECT_STR(out, "FAIL boot/ktap: no KTAP output at all\n");
	UNIT_EXPECT_INT(f, 1);
}

static void trailing_plan_accepted(void)
{
	int f;
	const char *out;

	out = parse("KTAP version 1\n1..1\n    # Subtest: s\n    ok 1 x\n"
		"    ok 2 y\n    1..2\nok 1 s\n", &f);

	UNIT_EXPECT_STR(out, "ok boot/s/x\nok boot/s/y\n");
	UNIT_EXPECT_INT(f, 0);
}

static const struct unit_case cases[] = {
	UNIT_CASE(flat_pass_fail_skip),
	UNIT_CASE(nested_reports_leaves),
	UNIT_CASE(parent_fail_without_failing_child),
	UNIT_CASE(short_subplan_fails),
	UNIT_CASE(short_top_plan_fails),
	UNIT_CASE(console_noise_ignored),
	UNIT_CASE(empty_is_failure),
	UNIT_CASE(trailing_plan_accepted),
};

UNIT_MAIN(cases)
