/* SPDX-License-Identifier: GPL-2.0 */
/*
 * cases.h - every native test case, registered in run.c.
 *
 * Execution context: user space (Linux, glibc).
 */
#ifndef CASES_H
#define CASES_H

#include "ktap.h"

/* t_gate.c */
enum ktap_status gate_callee_rw(void);
enum ktap_status keyed_read_faults_outside(void);
enum ktap_status keyed_write_faults_outside(void);
enum ktap_status gate_closes_on_return(void);
enum ktap_status gate_register_contract(void);
enum ktap_status forged_eax_close_caught(void);
enum ktap_status forged_eax_open_stops(void);
enum ktap_status replayed_return_faults(void);
/* t_thread.c */
enum ktap_status thread_starts_closed(void);
enum ktap_status thread_gate_not_shared(void);
enum ktap_status thread_created_in_gate_inherits(void);
/* t_signal.c */
enum ktap_status signal_in_gate_altstack(void);
enum ktap_status signal_in_gate_domain_stack(void);
/* t_attack.c */
enum ktap_status xrstor_loads_pkru(void);
enum ktap_status sigreturn_restores_edited_pkru(void);
enum ktap_status proc_self_mem_bypasses_pkey(void);
/* t_scan.c */
enum ktap_status scan_unit(void);
enum ktap_status bhscan_flags_stray(void);
enum ktap_status bhscan_accepts_gate_sites(void);
enum ktap_status bhscan_own_binaries(void);

#endif /* CASES_H */
