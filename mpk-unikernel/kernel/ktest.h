/*
 * ktest.h - the KTAP test framework's interface. Context: unikernel, safe
 * partition. Cases (kernel/tests.c) register in one array; each returns
 * KT_PASS / KT_FAIL / KT_SKIP and may leave a one-line reason.
 */
#ifndef BH_KTEST_H
#define BH_KTEST_H
#include "kernel.h"

enum kt_result { KT_PASS, KT_FAIL, KT_SKIP };
struct ktest {
	const char *name;
	enum kt_result (*fn)(void);
	bool needs_iso;         /* SKIP without isolation (noiso build / no PKU) */
};
extern const struct ktest ktests[];
extern const size_t nktests;

extern char kt_reason[128];
/* CHECK(cond, fmt, ...): on failure record the reason and fail the case */
#define CHECK(cond, ...) do { \
		if (!(cond)) { \
			ksnprintf(kt_reason, sizeof(kt_reason), __VA_ARGS__); \
			return KT_FAIL; \
		} \
	} while (0)
#endif
