/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dom.h - the test domain: one protection key, keyed memory, gates.
 *
 * Execution context: user space (Linux, glibc), real PKU.
 *
 * The test domain uses key T_KEY (pkey_alloc must return it: the gate's
 * PKRU values are assembly-time constants). T_OPEN opens keys 0 and T_KEY,
 * T_CLOSE is Linux's initial PKRU (every key but 0 access-disabled).
 */
#ifndef DOM_H
#define DOM_H

#include "../../trampolines/mpk_gate.h"

#define T_KEY		1
#define T_OPEN		(BH_PKRU_LINUX_INIT & ~BH_PKRU_DENY(T_KEY))
#define T_CLOSE		BH_PKRU_LINUX_INIT

#ifndef __ASSEMBLER__
#include <stdint.h>

#define T_SECRET	0x5ec2e75ec2e7ULL
#define T_STACK_SIZE	(64 * 1024)

typedef long (*t_fn)(long a, long b);

/* Keyed memory of the domain (one page, holds T_SECRET at setup). */
extern volatile uint64_t *t_keyed;

/*
 * Per-thread gate slots (TLS, see gate.S). Test shortcut: TLS is key 0, so
 * code outside the domain could rewrite t_dsp; mpk_gate.h asks for dsp in
 * memory only the domain can write. The tests attack PKRU, not this slot.
 */
extern __thread uintptr_t t_dsp, t_csp;

/* gate.S */
long t_gate(t_fn fn, long a, long b);	/* fn(a, b) inside the domain */
long t_forge_close(void);	/* jump into close WRPKRU with EAX = 0 */
long t_forge_open(t_fn fn);	/* jump into open WRPKRU with EAX = 0 */
long t_replay(t_fn fn);	/* gate call, then a second "return" */
void t_regs(uint64_t out[12]);	/* register contract harness */
extern uint64_t t_regs_seen[12];	/* callee's view on entry */
long t_regs_callee(long a, long b);
long t_probe_read(const volatile void *p);	/* 0 ok, 1 faulted */
long t_probe_write(volatile void *p, long v);	/* 0 ok, 1 faulted */

static inline uint32_t t_rdpkru(void)
{
	uint32_t eax, edx;

	__asm__ volatile("rdpkru" : "=a"(eax), "=d"(edx) : "c"(0));
	return eax;
}

/* What the last faulting probe saw in this thread. */
struct t_fault {
	int signo, code, pkey;
	void *addr;
};
extern __thread struct t_fault t_last_fault;

/* NULL if PKU works here, else why not. Allocates T_KEY. */
const char *dom_setup(void);
/* Give the calling thread its keyed domain stack (sets t_dsp). */
int dom_thread_init(void);
/* Install the probe fix-up handler for SIGSEGV in this process. */
void dom_probe_handler_install(void);

#endif /* __ASSEMBLER__ */
#endif /* DOM_H */
