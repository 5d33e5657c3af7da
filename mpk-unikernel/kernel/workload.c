/*
 * workload.c - the workload driver and the `bench` command. Context:
 * unikernel, safe partition. A deterministic generator writes text requests
 * (some deliberately malformed) into a shared batch; the unsafe partition
 * parses them and runs the KV store; user code runs the compute kernels.
 * Everything is folded into one checksum, identical whether the calls go
 * through the gates or are plain calls.
 */
#include "kernel.h"
#include "workload.h"

#define NBATCH   8
#define PER_BATCH 96

static struct kv_batch batch __shared_data;

static u32 rng(u32 *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

static u64 fold(u64 h, u64 v)
{
	return (h ^ v) * 0x100000001b3ULL;
}

static void gen_batch(struct kv_batch *b, u32 *s)
{
	static const char *const ops[] = { "SET", "GET", "ADD", "DEL", "GET", "SET" };
	u32 n = 0;

	for (int i = 0; i < PER_BATCH && n < REQ_MAX - 64; i++) {
		u32 r = rng(s);
		if (r % 61 == 0) {              /* malformed input */
			n += (u32)ksnprintf(b->req + n, REQ_MAX - n, "S?T %u\n", r);
			continue;
		}
		const char *op = ops[r % ARRAY_SIZE(ops)];
		u32 key = (r >> 8) % 97;
		if (op[0] == 'S' || op[0] == 'A')
			n += (u32)ksnprintf(b->req + n, REQ_MAX - n, "%s k%u %u\n", op, key, (r >> 16) % 1000);
		else
			n += (u32)ksnprintf(b->req + n, REQ_MAX - n, "%s k%u\n", op, key);
	}
	b->len = n;
}

u64 workload_run(int rounds)
{
	u64 h = 0xcbf29ce484222325ULL;
	u32 s = 0x2545f491;

	call_unsafe(kv_init, (long)unsafe_heap, 0, 0);
	for (int r = 0; r < rounds; r++) {
		for (int i = 0; i < NBATCH; i++) {
			gen_batch(&batch, &s);
			long n = call_unsafe(kv_process, (long)&batch, 0, 0);
			h = fold(h, (u64)n);
			for (long j = 0; j < n && j < RESP_MAX; j++)
				h = fold(h, batch.resp[j]);
		}
		h = fold(h, (u64)call_user(user_matmul, (long)rng(&s), 0));
		h = fold(h, (u64)call_user(user_stencil, (long)rng(&s), 0));
	}
	return h;
}

/* average TSC ticks of one empty domain call, gated or plain */
static u64 per_call(bool user, bool direct)
{
	const int n = 2000;
	gates_direct = direct;
	u64 t0 = rdtsc();
	for (int i = 0; i < n; i++) {
		if (user)
			call_user(user_null, i, 0);
		else
			call_unsafe(unsafe_null, i, 0, 0);
	}
	u64 t1 = rdtsc();
	gates_direct = false;
	return (t1 - t0) / n;
}

void bench_run(void)
{
	const int rounds = 20;

	kprintf("1..1\n");
	workload_run(1);                        /* warm up */
	u64 d0 = percpu.domain_calls, x0 = percpu.traps_from_domain, i0 = percpu.traps;
	u64 t0 = rdtsc();
	u64 sum = workload_run(rounds);
	u64 t1 = rdtsc();
	u64 calls = percpu.domain_calls - d0, xtraps = percpu.traps_from_domain - x0;
	kprintf("# bench: mode=%s rounds=%d\n", BH_ISO && pku_on() ? "isolated" : "noiso", rounds);
	kprintf("# bench: workload_tsc=%lu\n", t1 - t0);
	/* a crossing = one gated round trip (2 WRPKRU): a domain call, or a
	 * trap taken in a domain (syscall, timer, fault); 0 WRPKRU in noiso */
	kprintf("# bench: gate_crossings=%lu domain_calls=%lu domain_traps=%lu all_traps=%lu\n",
		pku_on() ? calls + xtraps : 0, calls, xtraps, percpu.traps - i0);
	kprintf("# bench: checksum=%lx\n", sum);
	/* empty calls: gated = 2 WRPKRU + stack switch (+ iretq/int $0x80 for
	 * user); plain = what the noiso build does for every domain call */
	kprintf("# bench: null_unsafe_call_tsc=%lu plain_call_tsc=%lu\n",
		per_call(false, false), per_call(false, true));
	kprintf("# bench: null_user_call_tsc=%lu plain_call_tsc=%lu\n",
		per_call(true, false), per_call(true, true));
	kprintf("ok 1 bench\n");
}
