/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ktap.h - a tiny KTAP v1 test framework for the native tests.
 *
 * Execution context: user space (Linux, glibc).
 *
 * Cases live in their own files and register in one table (run.c). Each
 * case runs in a forked child with a timeout, so a crash or a hang is a
 * "not ok" line, not a broken document. Only KTAP goes to stdout;
 * diagnostics go to stderr.
 */
#ifndef KTAP_H
#define KTAP_H

#include <stdio.h>

enum ktap_status { KTAP_PASS, KTAP_FAIL, KTAP_SKIP };

#define KTAP_NEEDS_PKU	0x1

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

struct ktap_case {
	const char *name;
	enum ktap_status (*run)(void);
	unsigned int flags;
};

/* Record why a case failed or skipped (printed after '#'). */
enum ktap_status ktap_fail(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));
enum ktap_status ktap_skip(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));

/* Run all cases; returns 0 if none failed. */
int ktap_run(const struct ktap_case *cases, unsigned int n,
	     const char *no_pku_reason);

/* Nested subtests, printed by a case (indented 4 spaces). */
void ktap_sub_plan(unsigned int n);
void ktap_sub_result(unsigned int i, int ok, const char *name,
		     const char *reason);

/* A nested subtest: NULL = pass, "SKIP why" = skip, else why it failed. */
struct ktap_sub {
	const char *name;
	const char *(*fn)(void);
};

/* Plan and run n nested subtests; returns how many failed. */
unsigned int ktap_run_subs(const struct ktap_sub *subs, unsigned int n);

/* In a subtest: fail with "file:line: condition" unless c holds. */
extern char ktap_why[160];
#define SUB_CHECK(c)							\
	do {								\
		if (!(c)) {						\
			snprintf(ktap_why, sizeof(ktap_why), "%s:%d: %s", \
				 __FILE__, __LINE__, #c);		\
			return ktap_why;				\
		}							\
	} while (0)

#define CHECK(cond)							\
	do {								\
		if (!(cond))						\
			return ktap_fail("%s:%d: %s", __FILE__,		\
					 __LINE__, #cond);		\
	} while (0)

#define CHECK_EQ(a, b)							\
	do {								\
		unsigned long long _a = (unsigned long long)(a);	\
		unsigned long long _b = (unsigned long long)(b);	\
		if (_a != _b)						\
			return ktap_fail("%s:%d: %s == %s (0x%llx != 0x%llx)", \
					 __FILE__, __LINE__, #a, #b,	\
					 _a, _b);			\
	} while (0)

#endif /* KTAP_H */
