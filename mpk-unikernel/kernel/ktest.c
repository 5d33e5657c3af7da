/*
 * ktest.c - runs the registered cases and prints one KTAP version 1
 * document body (the version line is printed by kmain). Context:
 * unikernel, safe partition.
 */
#include "ktest.h"

char kt_reason[128];
static size_t running;          /* 1-based index of the running case, 0 = none */

void ktest_abort(const char *why)
{
	if (running)
		kprintf("not ok %lu %s # panic: %s\n", running, ktests[running - 1].name, why);
	running = 0;
}

static bool contains(const char *s, const char *w)
{
	for (size_t n = strlen(w); *s; s++)
		if (!strncmp(s, w, n))
			return true;
	return false;
}

int ktest_run(void)
{
	int failed = 0;

	kprintf("1..%lu\n", nktests);
	for (size_t i = 0; i < nktests; i++) {
		const struct ktest *t = &ktests[i];
		enum kt_result r;

		kt_reason[0] = 0;
		if (test_only && !contains(t->name, test_only)) {
			r = KT_SKIP;
			ksnprintf(kt_reason, sizeof(kt_reason), "not selected (only=%s)", test_only);
		} else if (t->needs_iso && !BH_ISO) {
			r = KT_SKIP;
			ksnprintf(kt_reason, sizeof(kt_reason), "isolation off (noiso build)");
		} else if (t->needs_iso && !pku_on()) {
			r = KT_SKIP;
			ksnprintf(kt_reason, sizeof(kt_reason), "no PKU");
		} else {
			watchdog_deadline = ticks + 30 * 100;   /* 30 s guest time */
			running = i + 1;
			r = t->fn();
			running = 0;
			watchdog_deadline = 0;
		}
		if (percpu.domain != DOM_SAFE) {
			r = KT_FAIL;
			ksnprintf(kt_reason, sizeof(kt_reason), "left domain %lu active", percpu.domain);
		}
		if (r == KT_FAIL)
			failed++;
		kprintf("%s %lu %s%s%s%s\n", r == KT_FAIL ? "not ok" : "ok", i + 1, t->name,
			r == KT_SKIP ? " # SKIP " : kt_reason[0] ? " # " : "",
			kt_reason[0] || r == KT_SKIP ? kt_reason : "", "");
	}
	return failed;
}
