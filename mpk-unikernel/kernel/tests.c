/*
 * tests.c - the KTAP cases. Context: unikernel, safe partition; each case
 * drives the unsafe or user partition through call_unsafe/call_user and
 * checks what the trap code recorded. Every case names the mechanism it
 * depends on; `make BREAK=...` (see Makefile) turns those red.
 */
#include "ktest.h"
#include "workload.h"
#include "scan.h"

#define WORKLOAD_EXPECTED 0xe7ce6896882bce2fUL  /* printed by the noiso build */
#define SPIN_MAX 400000000L

static volatile u64 safe_secret = 0x5afe5afe;   /* safe data, key SAFE */
static volatile u64 shared_probe __shared_data = 1;
extern char __boot_start[], __boot_etext[], __safe_etext[], __unsafe_etext[],
	__user_etext[], __shared_etext[];
extern char safe_stacks_lo[], safe_stacks_hi[];

static bool on_safe_stack(const void *p)
{
	return (const char *)p > safe_stacks_lo && (const char *)p <= safe_stacks_hi;
}

static bool pk_fault_at(int dom, const volatile void *addr)
{
	return last_fault.domain == dom && last_fault.vector == 14 &&
	       (last_fault.error & (1 << 5)) && last_fault.addr == (u64)addr;
}

static enum kt_result t_pku_enabled(void)
{
	u64 cr4 = read_cr4();
	CHECK(cr4 & (1 << 22), "CR4.PKE clear");
	CHECK(rdpkru() == PKRU_SAFE, "PKRU=%x, want %x", rdpkru(), PKRU_SAFE);
	CHECK(!(cr4 & (1 << 18)), "CR4.OSXSAVE set: XRSTOR could load PKRU");
	CHECK(!(cr4 & (3 << 20)), "SMEP/SMAP on: ring 0 could not use U=1 pages");
	u64 cr0;
	__asm__ volatile("mov %%cr0, %0" : "=r"(cr0));
	CHECK(cr0 & (1 << 16), "CR0.WP clear: ring-0 writes ignore PKRU.WD");
	return KT_PASS;
}

static enum kt_result t_memmap_keys(void)
{
	static const struct { const void *p; u8 key, user; const char *what; } want[] = {
		{ (const void *)&safe_secret, KEY_SAFE, 1, "safe data" },
		{ (const void *)t_pku_enabled, KEY_SAFE, 1, "safe text" },
		{ (const void *)kv_process, KEY_UNSAFE, 1, "unsafe text" },
		{ (const void *)&shared_probe, KEY_SHARED, 1, "shared data" },
		{ (const void *)memcpy, KEY_SHARED, 1, "lib text" },
		{ (const void *)&user_loot, KEY_USER, 1, "user data" },
		{ (const void *)user_entry, KEY_USER, 1, "user text" },
		{ (const void *)(entry_stack1_top - 8), KEY_CPU, 0, "entry stack" },
		{ (const void *)__probe_start, KEY_PROBE, 1, "probe page" },
	};
	for (size_t i = 0; i < ARRAY_SIZE(want); i++) {
		u64 pte = mm_pte_of((u64)want[i].p);
		CHECK(pte & 1, "%s not mapped", want[i].what);
		CHECK(((pte >> 59) & 15) == want[i].key, "%s has key %lu, want %u",
		      want[i].what, (pte >> 59) & 15, want[i].key);
		CHECK(!!(pte & 4) == want[i].user, "%s U bit %lu", want[i].what, (pte >> 2) & 1);
	}
	mm_print();
	return KT_PASS;
}

static enum kt_result t_unsafe_write_safe_data(void)
{
	u64 n = last_fault.count;
	safe_secret = 0x5afe5afe;
	long r = call_unsafe(unsafe_poke, (long)&safe_secret, 0xbad, 0);
	CHECK(safe_secret == 0x5afe5afe, "safe data overwritten: %lx", safe_secret);
	CHECK(r == -E_FAULT, "call returned %ld, want %d", r, -E_FAULT);
	CHECK(last_fault.count == n + 1 && pk_fault_at(DOM_UNSAFE, &safe_secret),
	      "no PK fault recorded for unsafe at %p", &safe_secret);
	/* the kernel and the partition go on */
	r = call_unsafe(unsafe_poke, (long)&shared_probe, 7, 0);
	CHECK(r == 0 && shared_probe == 7, "unsafe call after the fault failed: %ld", r);
	return KT_PASS;
}

/* Does the engine apply PKRU.AD to ring-0 reads? Read the probe page (key
 * 15, closed in every policy) from the safe kernel, expecting a #PF. */
static bool engine_ring0_ad(void)
{
	u64 v;
	expect_fault(14, 3);
	__asm__ volatile("movq (%1), %0" : "=r"(v) : "D"(__probe_start) : "memory"); /* 48 8b 07 */
	(void)v;
	int hits = expected_fault_hits();
	expect_fault(0, 0);
	return hits == 1;
}

static enum kt_result t_unsafe_read_safe_data(void)
{
	if (!engine_ring0_ad()) {
		ksnprintf(kt_reason, sizeof(kt_reason),
			  "engine ignores PKRU.AD for ring-0 reads (Bochs 2.7 checks AD only at CPL 3)");
		return KT_SKIP;
	}
	long r = call_unsafe(unsafe_peek, (long)&safe_secret, 0, 0);
	CHECK(r == -E_FAULT && pk_fault_at(DOM_UNSAFE, &safe_secret), "unsafe read safe data: %ld", r);
	r = call_unsafe(unsafe_peek, (long)&user_loot, 0, 0);
	CHECK(r == -E_FAULT && pk_fault_at(DOM_UNSAFE, &user_loot), "unsafe read user data: %ld", r);
	return KT_PASS;
}

static enum kt_result t_unsafe_shared_ok(void)
{
	shared_probe = 1;
	long r = call_unsafe(unsafe_poke, (long)&shared_probe, 0x5a, 0);
	CHECK(r == 0 && shared_probe == 0x5a, "unsafe could not write shared data: %ld", r);
	r = call_unsafe(unsafe_peek, (long)&shared_probe, 0, 0);
	CHECK(r == 0x5a, "unsafe read %ld", r);
	return KT_PASS;
}

static enum kt_result t_user_syscall(void)
{
	long r = call_user(user_hello, 0, 0);
	CHECK(r == 42, "user_hello returned %ld", r);
	return KT_PASS;
}

static enum kt_result t_user_read_kernel_data(void)
{
	long r = call_user(user_read, (long)&safe_secret, 0);
	CHECK(r == -E_FAULT, "user read safe data: returned %lx", r);
	CHECK(pk_fault_at(DOM_USER, &safe_secret), "no PK fault recorded for user");
	r = call_user(user_read, (long)&shared_probe, 0);
	CHECK(r == -E_FAULT && pk_fault_at(DOM_USER, &shared_probe), "user read shared data: %lx", r);
	r = call_user(user_read, (long)&user_loot, 0);
	CHECK(r == (long)user_loot, "user could not read its own data: %ld", r);
	return KT_PASS;
}

/*
 * A forged entry: user code jumps to a gate's WRPKRU with EAX chosen.
 * `violation`: what must stop it (1 = the GATE_OPEN compare-after-write
 * traps, 2 = the CPL check after the gate); 0 = a GATE_CLOSE, which loops
 * to its constant, so the attacker continues with nothing but PKRU_USER
 * and faults on the safe data it then reads.
 */
static enum kt_result forged(long (*fn)(long, long), void *gate, u32 eax, int violation)
{
	u64 n = last_fault.count;
	CHECK(gate, "no such gate site in this image");
	user_target = (u64)&safe_secret;
	user_loot = 0;
	long r = call_user(fn, (long)gate, eax);
	CHECK(user_loot != safe_secret, "forged entry (eax=%x) read safe data", eax);
	if (!violation) {
		CHECK(r == -E_FAULT && pk_fault_at(DOM_USER, &safe_secret),
		      "eax=%x: returned %ld, want a PK fault under PKRU_USER", eax, r);
		return KT_PASS;
	}
	CHECK(r == -E_PERM, "eax=%x: call returned %ld, want %d", eax, r, -E_PERM);
	CHECK(last_fault.count == n + 1 && last_fault.violation == violation &&
	      last_fault.domain == DOM_USER, "eax=%x: violation %d, want %d",
	      eax, last_fault.violation, violation);
	return KT_PASS;
}

/* the safe->unsafe call gate (GATE_OPEN + CPL check, continues to *r11) */
static enum kt_result t_user_forged_eax_unsafe_gate(void)
{
	enum kt_result r = forged(user_forge_unsafe_gate, __bh_gate_site_unsafe_call, 0, 1);
	if (r == KT_PASS)
		r = forged(user_forge_unsafe_gate, __bh_gate_site_unsafe_call, PKRU_UNSAFE, 2);
	return r;
}

/* the interrupt entry gate (GATE_OPEN to PKRU_SAFE + CPL check) */
static enum kt_result t_user_forged_eax_entry_gate(void)
{
	enum kt_result r = forged(user_forge_unsafe_gate, __bh_gate_site_entry_safe, 0, 1);
	if (r == KT_PASS)
		r = forged(user_forge_unsafe_gate, __bh_gate_site_entry_safe, PKRU_SAFE, 2);
	return r;
}

/* the kernel->user exit gate (GATE_CLOSE to PKRU_USER, then iretq) */
static enum kt_result t_user_forged_eax_exit_gate(void)
{
	return forged(user_forge_exit_gate, __bh_gate_site_exit_user, 0, 0);
}

/*
 * Every sanctioned WRPKRU in the image, entered from ring 3 with EAX = 0
 * (all keys) and with EAX = PKRU_SAFE, once with r10/r11 set up for a gate
 * that jumps to *r11 and once with a forged iret frame on the stack: the
 * user must never read safe data, and each attempt must end as a reported
 * violation or a user fault, with the kernel still running.
 */
static enum kt_result every_gate(int *violations, int *faults)
{
	static const u32 eaxes[] = { 0, PKRU_SAFE };
	long (*const styles[])(long, long) = { user_forge_unsafe_gate, user_forge_exit_gate };

	for (const u64 *s = (const u64 *)__gate_sites_start; s < (const u64 *)__gate_sites_end; s++)
		for (size_t i = 0; i < ARRAY_SIZE(eaxes); i++)
			for (size_t j = 0; j < ARRAY_SIZE(styles); j++) {
				user_target = (u64)&safe_secret;
				user_loot = 0;
				long r = call_user(styles[j], (long)*s, eaxes[i]);
				CHECK(user_loot != safe_secret, "site %lx eax=%x style %lu: safe data read",
				      *s, eaxes[i], j);
				CHECK(r == -E_PERM || r == -E_FAULT, "site %lx eax=%x style %lu: returned %ld",
				      *s, eaxes[i], j, r);
				*(r == -E_PERM ? violations : faults) += 1;
			}
	return KT_PASS;
}

static enum kt_result t_user_forged_eax_every_gate(void)
{
	int violations = 0, faults = 0;

	fault_quiet = true;             /* 28 attempts: one summary line */
	enum kt_result r = every_gate(&violations, &faults);
	fault_quiet = false;
	kprintf("# %lu gate sites x 2 EAX values x 2 entry styles: %d violations, %d user faults\n",
		(u64)((const u64 *)__gate_sites_end - (const u64 *)__gate_sites_start), violations, faults);
	return r;
}

static enum kt_result t_unsafe_forged_eax(void)
{
	u64 n = last_fault.count;
	safe_secret = 0x5afe5afe;
	long r = call_unsafe(unsafe_forge_gate, (long)__bh_gate_site_unsafe_call, (long)&safe_secret, 0);
	CHECK(safe_secret == 0x5afe5afe, "forged gate entry wrote safe data");
	CHECK(r == -E_PERM, "call returned %lx", r);
	CHECK(last_fault.count == n + 1 && last_fault.violation == 1 && last_fault.domain == DOM_UNSAFE,
	      "not caught by compare-after-write");
	return KT_PASS;
}

/* ---- interrupts inside domains ---- */
static struct {
	u32 want;
	u64 n, handler_pkru, bad_stack;
} irq;

static void irq_hook(struct trap_frame *f)
{
	u64 local = 0;
	if ((u32)f->pkru != irq.want)
		return;
	irq.n++;
	irq.handler_pkru = rdpkru();
	if (!on_safe_stack(&local) || !on_safe_stack(f))
		irq.bad_stack++;
}

static enum kt_result irq_in(int dom)
{
	irq.want = dom == DOM_UNSAFE ? PKRU_UNSAFE : PKRU_USER;
	irq.n = irq.bad_stack = 0;
	irq.handler_pkru = 0;
	timer_hook = irq_hook;
	long r = dom == DOM_UNSAFE ? call_unsafe(unsafe_spin_ticks, (long)&ticks, 3, SPIN_MAX)
				   : call_user(user_spin_ticks, 3, 0);
	timer_hook = NULL;
	CHECK(irq.n > 0, "no timer interrupt landed in the domain (r=%lx)", r);
	CHECK(irq.handler_pkru == PKRU_SAFE, "handler ran with PKRU %lx", irq.handler_pkru);
	CHECK(!irq.bad_stack, "handler not on the safe stack");
	CHECK((u64)r == irq.want, "domain resumed with PKRU %lx, %ld mismatches", r & 0xffffffff, r >> 32);
	kprintf("# %lu timer interrupts taken in the %s partition\n", irq.n,
		dom == DOM_UNSAFE ? "unsafe" : "user");
	return KT_PASS;
}

static enum kt_result t_irq_in_unsafe(void) { return irq_in(DOM_UNSAFE); }
static enum kt_result t_irq_in_user(void) { return irq_in(DOM_USER); }

static struct {
	bool armed, done, frame_ok, canary_ok;
	u64 pkru_outer, pkru_inner, from_inner, depth_outer, depth_inner, ud_hits;
	u64 outer_sp;
} nest;

static void nest_vector_hook(struct trap_frame *f)
{
	/* the nested frame must sit below everything the interrupted handler
	 * still uses; if not, its stack is already gone: stop here */
	if ((u64)(f + 1) > nest.outer_sp)
		panic("nested entry overwrote the interrupted handler's stack");
	nest.pkru_inner = rdpkru();
	nest.from_inner = f->pkru;
	nest.depth_inner = percpu.depth;
	expect_fault(6, 2);
	__asm__ volatile("ud2" ::: "memory");          /* third level: #UD */
	nest.ud_hits = (u64)expected_fault_hits();
	expect_fault(0, 0);
}

static void nest_timer_hook(struct trap_frame *f)
{
	volatile u64 canary = 0xc0ffee;
	struct trap_frame copy;

	if (!nest.armed || (u32)f->pkru != PKRU_UNSAFE)
		return;
	nest.armed = false;
	nest.outer_sp = (u64)&canary;
	nest.pkru_outer = rdpkru();
	nest.depth_outer = percpu.depth;
	copy = *f;
	__asm__ volatile("int %0" :: "i"(VEC_TEST) : "memory");
	nest.frame_ok = !memcmp(&copy, f, sizeof(copy));
	nest.canary_ok = canary == 0xc0ffee;
	nest.done = true;
}

static enum kt_result t_nested_interrupts(void)
{
	nest = (typeof(nest)){ .armed = true };
	percpu.max_depth = 0;
	timer_hook = nest_timer_hook;
	test_vector_hook = nest_vector_hook;
	long r = call_unsafe(unsafe_spin_ticks, (long)&ticks, 3, SPIN_MAX);
	timer_hook = NULL;
	test_vector_hook = NULL;
	CHECK(nest.done, "timer never interrupted unsafe code");
	CHECK(nest.pkru_outer == PKRU_SAFE && nest.pkru_inner == PKRU_SAFE,
	      "handler PKRU outer %lx inner %lx", nest.pkru_outer, nest.pkru_inner);
	CHECK(nest.from_inner == PKRU_SAFE, "nested entry saw interrupted PKRU %lx", nest.from_inner);
	CHECK(nest.depth_outer == 1 && nest.depth_inner == 2 && percpu.max_depth >= 3,
	      "depths %lu/%lu/%lu", nest.depth_outer, nest.depth_inner, percpu.max_depth);
	CHECK(nest.ud_hits == 1, "#UD inside the nested handler not taken");
	CHECK(nest.frame_ok && nest.canary_ok, "outer frame or stack clobbered by nesting");
	CHECK((u64)r == PKRU_UNSAFE, "unsafe resumed with PKRU %lx", r);
	return KT_PASS;
}

static enum kt_result t_unsafe_exception_contained(void)
{
	long r = call_unsafe(unsafe_ud2, 0, 0, 0);
	CHECK(r == -E_FAULT && last_fault.vector == 6 && last_fault.domain == DOM_UNSAFE,
	      "ud2: returned %ld, vector %lu", r, last_fault.vector);
	r = call_unsafe(unsafe_div, 1, 0, 0);
	CHECK(r == -E_FAULT && last_fault.vector == 0 && last_fault.domain == DOM_UNSAFE,
	      "#DE: returned %ld, vector %lu", r, last_fault.vector);
	r = call_unsafe(unsafe_div, 84, 2, 0);
	CHECK(r == 42, "unsafe call after the faults returned %ld", r);
	return KT_PASS;
}

/* the project's scanner (trampolines/scan.c) over our own executable memory */
static enum kt_result t_no_stray_wrpkru(void)
{
	static const struct { const char *lo, *hi; } text[] = {
		{ __boot_start, __boot_etext }, { __safe_text_start, __safe_etext },
		{ __unsafe_text_start, __unsafe_etext }, { __user_text_start, __user_etext },
		{ __shared_text_start, __shared_etext },
	};
	const u64 *sites = (const u64 *)__gate_sites_start;
	size_t nsites = (size_t)((const u64 *)__gate_sites_end - sites), total = 0;
	struct bh_scan_hit hits[16];

	for (size_t i = 0; i < ARRAY_SIZE(text); i++) {
		size_t n = bh_scan((const u8 *)text[i].lo, (size_t)(text[i].hi - text[i].lo),
				   (u64)text[i].lo, hits, ARRAY_SIZE(hits));
		CHECK(n <= ARRAY_SIZE(hits), "%lu hits in one region", n);
		for (size_t j = 0; j < n; j++)
			CHECK(hits[j].kind == BH_SCAN_WRPKRU && bh_scan_sanctioned(&hits[j], sites, nsites),
			      "stray %s at %lx", bh_scan_kind_name(hits[j].kind), hits[j].addr);
		total += n;
	}
	CHECK(total == nsites, "%lu gate sites listed, %lu found", nsites, total);
	kprintf("# %lu WRPKRU sites, all sanctioned gate sites\n", total);
	return KT_PASS;
}

static enum kt_result t_workload_checksum(void)
{
	gates_direct = true;
	u64 direct = workload_run(1);
	gates_direct = false;
	u64 gated = workload_run(1);
	kprintf("# workload checksum: %s=%lx plain-calls=%lx expected=%lx\n",
		pku_on() ? "gated" : "noiso", gated, direct, WORKLOAD_EXPECTED);
	CHECK(gated == direct, "gated %lx != plain %lx", gated, direct);
	CHECK(gated == WORKLOAD_EXPECTED, "checksum %lx != expected %lx", gated, WORKLOAD_EXPECTED);
	return KT_PASS;
}

const struct ktest ktests[] = {
	{ "pku_enabled", t_pku_enabled, true },
	{ "memmap_keys", t_memmap_keys, true },
	{ "unsafe_write_safe_data", t_unsafe_write_safe_data, true },
	{ "unsafe_read_safe_data", t_unsafe_read_safe_data, true },
	{ "unsafe_shared_ok", t_unsafe_shared_ok, false },
	{ "user_syscall", t_user_syscall, true },
	{ "user_read_kernel_data", t_user_read_kernel_data, true },
	{ "user_forged_eax_unsafe_gate", t_user_forged_eax_unsafe_gate, true },
	{ "user_forged_eax_entry_gate", t_user_forged_eax_entry_gate, true },
	{ "user_forged_eax_exit_gate", t_user_forged_eax_exit_gate, true },
	{ "user_forged_eax_every_gate", t_user_forged_eax_every_gate, true },
	{ "unsafe_forged_eax", t_unsafe_forged_eax, true },
	{ "irq_in_unsafe", t_irq_in_unsafe, true },
	{ "irq_in_user", t_irq_in_user, true },
	{ "nested_interrupts", t_nested_interrupts, true },
	{ "unsafe_exception_contained", t_unsafe_exception_contained, true },
	{ "no_stray_wrpkru", t_no_stray_wrpkru, false },
	{ "workload_checksum", t_workload_checksum, false },
};
const size_t nktests = ARRAY_SIZE(ktests);
