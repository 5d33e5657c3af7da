/*
 * workload.h - interface between the safe driver (kernel/workload.c), the
 * unsafe request parser + KV store (unsafe/kv.c), the user compute kernels
 * (user/compute.c), and the test probes in unsafe/ and user/.
 * Context: declarations only; the batch lives in shared memory (key SHARED).
 */
#ifndef BH_WORKLOAD_H
#define BH_WORKLOAD_H
#include "bh.h"

#define REQ_MAX  4096
#define RESP_MAX 256
#define RESP_BAD 0xbadULL       /* malformed request line */

struct kv_batch {
	u32 len;                /* bytes of request text in req[] */
	u32 nresp;              /* filled by kv_process */
	char req[REQ_MAX];      /* "SET k v\n" "GET k\n" "ADD k n\n" "DEL k\n" */
	u64 resp[RESP_MAX];
};

struct arena;
/* unsafe partition (called through call_unsafe) */
long kv_init(long heap, long, long);
long kv_process(long batch, long, long);
long unsafe_null(long, long, long);
long unsafe_poke(long addr, long val, long);
long unsafe_peek(long addr, long, long);
long unsafe_spin_ticks(long ticks_addr, long n, long max_iter);
long unsafe_ud2(long, long, long);
long unsafe_div(long a, long b, long);
long unsafe_forge_gate(long gate_wrpkru, long target, long eax);

/* user partition (called through call_user) */
long user_matmul(long seed, long);
long user_stencil(long seed, long);
long user_null(long, long);
long user_hello(long, long);
long user_read(long addr, long);
long user_spin_ticks(long n, long);
long user_forge_unsafe_gate(long gate_wrpkru, long eax);
long user_forge_exit_gate(long gate_wrpkru, long eax);
extern u64 user_loot;           /* what a forged gate entry managed to read */
extern u64 user_target;         /* the address the forged entries go after */
#endif
