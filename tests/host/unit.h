/* SPDX-License-Identifier: GPL-2.0 */
/*
 * unit.h - a minimal unit-test harness that prints KTAP v1.
 *
 * Context: host user space, header-only, shared by every host unit test
 * (tests/host/test_*.c).  One case = one function; a failed expectation
 * prints a "# file:line: ..." diagnostic and marks the case "not ok".
 */
#ifndef BULKHEAD_UNIT_H
#define BULKHEAD_UNIT_H

#include <stdio.h>
#include <string.h>

struct unit_case {
	const char *name;
	void (*fn)(void);
};

static int unit_failed;

#define UNIT_CASE(f) { #f, f }

#define UNIT_EXPECT(cond) do {						\
	if (!(cond)) {							\
		printf("# %s:%d: expected %s\n", __FILE__, __LINE__, #cond); \
		unit_failed = 1;					\
	}								\
} while (0)

#define UNIT_EXPECT_INT(a, b) do {					\
	long long _a = (long long)(a), _b = (long long)(b);		\
	if (_a != _b) {							\
		printf("# %s:%d: %s = %lld, expected %lld\n",		\
		       __FILE__, __LINE__, #a, _a, _b);			\
		unit_failed = 1;					\
	}								\
} while (0)

#define UNIT_EXPECT_STR(a, b) do {					\
	const char *_a = (a), *_b = (b);				\
	if (strcmp(_a, _b)) {						\
		printf("# %s:%d: %s =\n#   \"%s\"\n# expected\n#   \"%s\"\n", \
		       __FILE__, __LINE__, #a, _a, _b);			\
		unit_failed = 1;					\
	}								\
} while (0)

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
/* the kernel's spelling, for code shared with it */
#define __aligned(x) __attribute__((aligned(x)))
#endif

static inline int unit_run(const struct unit_case *cases, size_t n)
{
	size_t i;
	int bad = 0;

	printf("KTAP version 1\n1..%zu\n", n);
	for (i = 0; i < n; i++) {
		unit_failed = 0;
		cases[i].fn();
		printf("%sok %zu %s\n", unit_failed ? "not " : "", i + 1,
		       cases[i].name);
		bad |= unit_failed;
	}
	return bad;
}

#define UNIT_MAIN(cases)						\
int main(void)								\
{									\
	return unit_run(cases, ARRAY_SIZE(cases));			\
}

#endif
