// SPDX-License-Identifier: GPL-2.0
/*
 * ktap.c - streaming KTAP v1 parser (see ktap.h).
 *
 * Context: host user space; pure logic, built as is by the unit tests.
 *
 * Grammar handled (KTAP v1, Documentation/dev-tools/ktap.rst):
 *   [indent]KTAP version 1
 *   [indent]1..N
 *   [indent]# Subtest: name          (optional, names the nested block)
 *   [indent]ok|not ok N [- ]name [# DIRECTIVE reason]
 * indent is 4 spaces (or one tab) per nesting level; a block of deeper
 * lines belongs to the next result line at the shallower level.
 */
#include <stdio.h>
#include <string.h>
#include <ctype.h>
#include "ktap.h"

void ktap_init(struct ktap_parser *p, const char *prefix,
	       ktap_emit_fn emit, void *arg)
{
	int i;

	memset(p, 0, sizeof(*p));
	snprintf(p->prefix, sizeof(p->prefix), "%s", prefix ? prefix : "");
	for (i = 0; i <= KTAP_MAX_DEPTH; i++)
		p->lv[i].plan = -1;
	p->emit = emit;
	p->arg = arg;
}

static void level_reset(struct ktap_level *l)
{
	memset(l, 0, sizeof(*l));
	l->plan = -1;
}

/* Build "prefix/<open subtests at depth 0..d-1>/name". */
static void make_path(struct ktap_parser *p, int depth, const char *name,
		      char *out, size_t len)
{
	size_t n;
	int i;

	n = (size_t)snprintf(out, len, "%s", p->prefix);
	for (i = 1; i <= depth && n < len; i++) {
		const char *sub = p->lv[i].subtest;

		if (!sub[0])
			continue;
		n += (size_t)snprintf(out + n, len - n, "%s%s",
				      n ? "/" : "", sub);
	}
	if (n < len)
		snprintf(out + n, len - n, "%s%s", n ? "/" : "", name);
}

static void report(struct ktap_parser *p, int depth, enum ktap_status st,
		   const char *name, const char *reason)
{
	struct ktap_result r;

	r.status = st;
	make_path(p, depth, name, r.path, sizeof(r.path));
	snprintf(r.reason, sizeof(r.reason), "%s", reason ? reason : "");
	switch (st) {
	case KTAP_PASS:
		p->passed++;
		break;
	case KTAP_FAIL:
		p->failed++;
		break;
	case KTAP_SKIP:
		p->skipped++;
		break;
	}
	if (p->emit)
		p->emit(&r, p->arg);
}

void ktap_fail(struct ktap_parser *p, const char *name, const char *reason)
{
	report(p, 0, KTAP_FAIL, name, reason);
}

/* Count leading indentation: 4 spaces or a tab per level. */
static int indent_depth(const char **s)
{
	int spaces = 0;

	for (;; (*s)++) {
		if (**s == ' ')
			spaces++;
		else if (**s == '\t')
			spaces += 4;
		else
			break;
	}
	return spaces / 4;
}

static void copy_trim(char *dst, size_t len, const char *src, size_t n)
{
	while (n && isspace((unsigned char)*src)) {
		src++;
		n--;
	}
	while (n && isspace((unsigned char)src[n - 1]))
		n--;
	if (n >= len)
		n = len - 1;
	memcpy(dst, src, n);
	dst[n] = '\0';
}

/* Close the nested block at depth d+1 and check its plan. */
static int close_children(struct ktap_parser *p, int depth, const char *name,
			  int *had_children)
{
	struct ktap_level *c;
	int failed = 0;
	char why[KTAP_REASON_LEN];

	*had_children = 0;
	if (depth + 1 > KTAP_MAX_DEPTH)
		return 0;
	c = &p->lv[depth + 1];
	if (c->active && c->seen) {
		*had_children = 1;
		failed = c->failed;
		if (c->plan >= 0 && c->plan != c->seen) {
			snprintf(why, sizeof(why),
				 "plan says %d subtests, saw %d",
				 c->plan, c->seen);
			report(p, depth, KTAP_FAIL, name, why);
			failed++;
		}
	} else if (c->active && c->plan > 0) {
		snprintf(why, sizeof(why), "plan says %d subtests, saw 0",
			 c->plan);
		report(p, depth, KTAP_FAIL, name, why);
		failed++;
		*had_children = 1;
	}
	level_reset(c);
	return failed;
}

static void result_line(struct ktap_parser *p, int depth, const char *s)
{
	int ok = strncmp(s, "ok ", 3) == 0;
	const char *name, *hash;
	char nm[KTAP_NAME_LEN], reason[KTAP_REASON_LEN], dir[16];
	int had_children, child_failed, skip = 0;
	struct ktap_level *l = &p->lv[depth];

	s += ok ? 3 : 7;
	while (isdigit((unsigned char)*s))
		s++;
	while (*s == ' ')
		s++;
	if (*s == '-' && s[1] == ' ')
		s += 2;
	name = s;
	hash = strstr(s, " # ");
	if (!hash && s[0] == '#')
		hash = s - 1;
	copy_trim(nm, sizeof(nm), name,
		  hash ? (size_t)(hash - name) : strlen(name));
	if (!nm[0] && depth == 0 && !ok)
		snprintf(nm, sizeof(nm), "unnamed");
	reason[0] = '\0';
	if (hash) {
		const char *d = hash + 3;

		copy_trim(reason, sizeof(reason), d, strlen(d));
		copy_trim(dir, sizeof(dir), d, 4);
		for (char *c = dir; *c; c++)
			*c = (char)toupper((unsigned char)*c);
		skip = strcmp(dir, "SKIP") == 0;
		if (skip) {
			d += 4;
			copy_trim(reason, sizeof(reason), d, strlen(d));
		}
	}

	child_failed = close_children(p, depth, nm, &had_children);
	l->active = 1;
	l->seen++;
	if (!had_children) {
		if (skip)
			report(p, depth, KTAP_SKIP, nm, reason);
		else
			report(p, depth, ok ? KTAP_PASS : KTAP_FAIL, nm,
			       reason);
		if (!ok && !skip)
			l->failed++;
		return;
	}
	l->failed += child_failed;
	/* A parent is reported only if it disagrees with its children. */
	if (!ok && !skip && !child_failed) {
		report(p, depth, KTAP_FAIL, nm,
		       reason[0] ? reason : "failed with no failing subtest");
		l->failed++;
	}
}

void ktap_line(struct ktap_parser *p, const char *line)
{
	const char *s = line;
	int depth, n;

	depth = indent_depth(&s);
	if (depth > KTAP_MAX_DEPTH - 1)
		return;

	if (strncmp(s, "KTAP version 1", 14) == 0 ||
	    strncmp(s, "TAP version 1", 13) == 0) {
		if (depth == 0)
			p->versions++;
		p->lv[depth].active = 1;
		return;
	}
	if (strncmp(s, "# Subtest:", 10) == 0) {
		copy_trim(p->lv[depth].subtest, KTAP_NAME_LEN, s + 10,
			  strcspn(s + 10, "\r\n"));
		p->lv[depth].active = 1;
		return;
	}
	if (sscanf(s, "1..%d", &n) == 1 && strncmp(s, "1..", 3) == 0) {
		p->lv[depth].plan = n;
		p->lv[depth].active = 1;
		return;
	}
	if ((strncmp(s, "ok ", 3) == 0 || strncmp(s, "not ok ", 7) == 0) &&
	    isdigit((unsigned char)s[s[0] == 'o' ? 3 : 7])) {
		char tmp[512];

		copy_trim(tmp, sizeof(tmp), s, strcspn(s, "\r\n"));
		result_line(p, depth, tmp);
		return;
	}
}

int ktap_finish(struct ktap_parser *p)
{
	struct ktap_level *top = &p->lv[0];
	char why[KTAP_REASON_LEN];
	int d;

	/* Results left open at a deeper level never got a parent line. */
	for (d = KTAP_MAX_DEPTH; d >= 1; d--) {
		if (p->lv[d].active && p->lv[d].seen &&
		    p->lv[d].plan >= 0 && p->lv[d].plan != p->lv[d].seen) {
			snprintf(why, sizeof(why),
				 "plan says %d subtests, saw %d (cut short)",
				 p->lv[d].plan, p->lv[d].seen);
			report(p, d - 1, KTAP_FAIL,
			       p->lv[d].subtest[0] ? p->lv[d].subtest :
			       "unfinished", why);
		}
	}
	if (!p->versions && !top->seen) {
		report(p, 0, KTAP_FAIL, "ktap", "no KTAP output at all");
	} else if (top->plan >= 0 && top->plan != top->seen) {
		snprintf(why, sizeof(why), "plan says %d tests, saw %d",
			 top->plan, top->seen);
		report(p, 0, KTAP_FAIL, "plan", why);
	}
	return p->failed;
}
