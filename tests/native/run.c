// SPDX-License-Identifier: GPL-2.0
/*
 * run.c - the native test runner: one KTAP v1 document on stdout.
 *
 * Execution context: user space (Linux, glibc, real PKU when present).
 *
 * All cases are registered here. PKU cases are reported as
 * "# SKIP no PKU: <reason>" when CPUID or pkey_alloc says no; set
 * BH_TEST_NO_PKU=1 to take that path on a machine with PKU.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "cases.h"
#include "dom.h"

static const struct ktap_case cases[] = {
	{ "gate_callee_rw", gate_callee_rw, KTAP_NEEDS_PKU },
	{ "keyed_read_faults_outside", keyed_read_faults_outside,
	  KTAP_NEEDS_PKU },
	{ "keyed_write_faults_outside", keyed_write_faults_outside,
	  KTAP_NEEDS_PKU },
	{ "gate_closes_on_return", gate_closes_on_return, KTAP_NEEDS_PKU },
	{ "gate_register_contract", gate_register_contract, KTAP_NEEDS_PKU },
	{ "forged_eax_close_caught", forged_eax_close_caught,
	  KTAP_NEEDS_PKU },
	{ "forged_eax_open_stops", forged_eax_open_stops, KTAP_NEEDS_PKU },
	{ "replayed_return_faults", replayed_return_faults,
	  KTAP_NEEDS_PKU },
	{ "thread_starts_closed", thread_starts_closed, KTAP_NEEDS_PKU },
	{ "thread_gate_not_shared", thread_gate_not_shared, KTAP_NEEDS_PKU },
	{ "thread_created_in_gate_inherits", thread_created_in_gate_inherits,
	  KTAP_NEEDS_PKU },
	{ "signal_in_gate_altstack", signal_in_gate_altstack,
	  KTAP_NEEDS_PKU },
	{ "signal_in_gate_domain_stack", signal_in_gate_domain_stack,
	  KTAP_NEEDS_PKU },
	{ "xrstor_loads_pkru", xrstor_loads_pkru, KTAP_NEEDS_PKU },
	{ "sigreturn_restores_edited_pkru", sigreturn_restores_edited_pkru,
	  KTAP_NEEDS_PKU },
	{ "proc_self_mem_bypasses_pkey", proc_self_mem_bypasses_pkey,
	  KTAP_NEEDS_PKU },
	{ "scan_unit", scan_unit, 0 },
	{ "bhscan_flags_stray", bhscan_flags_stray, 0 },
	{ "bhscan_accepts_gate_sites", bhscan_accepts_gate_sites, 0 },
	{ "bhscan_own_binaries", bhscan_own_binaries, 0 },
};

int main(int argc, char **argv)
{
	const struct rlimit no_core = { 0, 0 };
	const char *no_pku;

	if (argc > 1) {
		int help = !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help");

		fprintf(help ? stdout : stderr,
			"usage: tests/native/run [-h|--help]\n"
			"The protection-key tests on this machine's real PKU (gates,\n"
			"threads, signals) and the byte-scanner and bhscan tests: one\n"
			"KTAP v1 document on stdout, diagnostics on stderr.  Without\n"
			"PKU the PKU cases are skipped with the reason; set\n"
			"BH_TEST_NO_PKU=1 to take that path anyway.  Build with\n"
			"'make -C tests/native'; tests/run runs it as group 'native'.\n");
		return help ? 0 : 2;
	}

	/* Some cases crash children on purpose: no core files. */
	setrlimit(RLIMIT_CORE, &no_core);
	if (getenv("BH_TEST_NO_PKU"))
		no_pku = "forced by BH_TEST_NO_PKU";
	else
		no_pku = dom_setup();

	if (!no_pku && dom_thread_init())
		no_pku = "cannot map the keyed domain stack";
	if (no_pku)
		fprintf(stderr, "# no PKU: %s\n", no_pku);
	dom_probe_handler_install();
	return ktap_run(cases, ARRAY_SIZE(cases), no_pku);
}
