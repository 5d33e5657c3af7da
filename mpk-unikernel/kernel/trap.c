/*
 * trap.c - trap dispatch: timer, system calls, and faults in any partition.
 * Context: unikernel, safe partition; always runs under PKRU_SAFE on the
 * safe stack (arch/entry.S guarantees it), with interrupts off.
 *
 * A fault is judged by the PKRU of the interrupted context (frame->pkru,
 * read by RDPKRU at entry, not by anything the interrupted code controls):
 *   PKRU_UNSAFE / PKRU_USER  -> fault of that domain: one report line, the
 *                               domain call returns -E_FAULT, kernel goes on;
 *   #UD at a GATE_OPEN's ud2 (forged EAX) or at gate_violation_trap (a
 *   gate run outside ring 0) -> forged gate entry: report, the domain call
 *   returns -E_PERM. Checked first: the PKRU there is the forged one;
 *   PKRU_SAFE                -> a kernel fault: an expected one (tests) is
 *                               skipped, anything else panics.
 */
#include "kernel.h"

STATIC_ASSERT(offsetof(struct percpu, safe_rsp) == PC_SAFE_RSP);
STATIC_ASSERT(offsetof(struct percpu, domain) == PC_DOMAIN);
STATIC_ASSERT(offsetof(struct percpu, unsafe_top) == PC_UNSAFE_TOP);
STATIC_ASSERT(sizeof(struct percpu) == PC_SIZE);
STATIC_ASSERT(offsetof(struct trap_frame, pad) == TF_PAD);
STATIC_ASSERT(offsetof(struct trap_frame, r15) == TF_R15);
STATIC_ASSERT(offsetof(struct trap_frame, rdi) == TF_RDI);
STATIC_ASSERT(offsetof(struct trap_frame, rsi) == TF_RSI);
STATIC_ASSERT(offsetof(struct trap_frame, rbx) == TF_RBX);
STATIC_ASSERT(offsetof(struct trap_frame, pkru) == TF_PKRU);
STATIC_ASSERT(offsetof(struct trap_frame, rdx) == TF_RDX);
STATIC_ASSERT(offsetof(struct trap_frame, rcx) == TF_RCX);
STATIC_ASSERT(offsetof(struct trap_frame, rax) == TF_RAX);
STATIC_ASSERT(offsetof(struct trap_frame, vector) == TF_VECTOR);
STATIC_ASSERT(offsetof(struct trap_frame, error) == TF_ERROR);
STATIC_ASSERT(offsetof(struct trap_frame, rip) == TF_RIP);
STATIC_ASSERT(offsetof(struct trap_frame, cs) == TF_CS);
STATIC_ASSERT(offsetof(struct trap_frame, rflags) == TF_RFLAGS);
STATIC_ASSERT(offsetof(struct trap_frame, rsp) == TF_RSP);
STATIC_ASSERT(offsetof(struct trap_frame, ss) == TF_SS);
STATIC_ASSERT(sizeof(struct trap_frame) == TF_SIZE);
STATIC_ASSERT(TF_SS - TF_PKRU == (TF_ENTRY_WORDS - 1) * 8);

struct percpu percpu;
volatile u64 ticks __shared_data;
struct fault_record last_fault;
void (*timer_hook)(struct trap_frame *f);
void (*test_vector_hook)(struct trap_frame *f);
u64 watchdog_deadline;
bool fault_quiet;

static struct { int vector, len, hits; } expected;

static const char *const vec_names[32] = {
	"#DE", "#DB", "NMI", "#BP", "#OF", "#BR", "#UD", "#NM", "#DF", "CSO",
	"#TS", "#NP", "#SS", "#GP", "#PF", "15", "#MF", "#AC", "#MC", "#XM",
	"#VE", "#CP",
};

static const char *dom_name(int d)
{
	return d == DOM_UNSAFE ? "unsafe" : d == DOM_USER ? "user" : "safe";
}

void expect_fault(int vector, int insn_len)
{
	expected.vector = vector;
	expected.len = insn_len;
	expected.hits = 0;
}

int expected_fault_hits(void)
{
	return expected.hits;
}

/* 1: #UD at the ud2 a GATE_OPEN reaches on a forged EAX; 2: CPL check */
static int gate_violation_kind(const struct trap_frame *f)
{
	if (f->vector != 6)
		return 0;
	if (f->rip == (u64)gate_violation_trap)
		return 2;
	for (const u64 *s = (const u64 *)__gate_sites_start; s < (const u64 *)__gate_sites_end; s++)
		if (f->rip > *s && f->rip <= *s + 16 && *(const u16 *)f->rip == 0x0b0f)
			return 1;
	return 0;
}

void panic(const char *why)
{
	cli();
	watchdog_deadline = 0;
	ktest_abort(why);
	kprintf("Bail out! panic: %s\n", why);
	kprintf("# bulkhead-uk: done status=2\n");
	bh_exit(2);
}

/* Send the running domain call back to its safe caller with `status`. */
static void domain_abort(struct trap_frame *f, long status)
{
	f->rip = (u64)domain_return_landing;
	f->cs = KERNEL_CS;
	f->ss = KERNEL_DS;
	f->rsp = percpu.safe_rsp;
	f->rflags = 0x2;                /* the landing's popfq restores IF */
	f->rax = (u64)status;
	f->pkru = PKRU_SAFE;            /* leave through the safe exit path */
}

static void fault(struct trap_frame *f)
{
	u32 pkru = (u32)f->pkru;
	int violation = gate_violation_kind(f);
	int dom = violation ? (int)percpu.domain : pkru == PKRU_UNSAFE ? DOM_UNSAFE : pkru == PKRU_USER ? DOM_USER :
		  (int)percpu.domain;
	u64 addr = f->vector == 14 ? read_cr2() : 0;
	const char *vn = f->vector < 32 && vec_names[f->vector] ? vec_names[f->vector] : "?";

	if (pku_on() && pkru == PKRU_SAFE && !violation) {
		if (expected.vector == (int)f->vector && expected.len) {
			expected.hits++;
			f->rip += expected.len;
			return;
		}
		kprintf("# kernel fault %s err=%lx rip=%lx addr=%lx\n", vn, f->error, f->rip, addr);
		panic("fault in the safe kernel");
	}
	if (!pku_on()) {
		if (expected.vector == (int)f->vector && expected.len) {
			expected.hits++;
			f->rip += expected.len;
			return;
		}
		kprintf("# kernel fault %s err=%lx rip=%lx addr=%lx\n", vn, f->error, f->rip, addr);
		panic("fault (isolation off)");
	}

	last_fault = (struct fault_record){
		.count = last_fault.count + 1, .vector = f->vector, .error = f->error,
		.rip = f->rip, .addr = addr, .pkru = pkru, .domain = dom,
		.violation = violation,
	};
	if (violation) {
		if (percpu.domain == DOM_SAFE)
			panic("gate violation with no domain call active");
		if (!fault_quiet)
			kprintf("# gate violation: %s partition, %s, pkru=%x, cpl=%lu, rip=%lx -> call aborted\n",
				dom_name(dom), violation == 1 ? "compare-after-write" : "gate run outside ring 0",
				pkru, f->cs & 3, f->rip);
		domain_abort(f, -E_PERM);
		return;
	}
	if (fault_quiet) {
		/* recorded in last_fault only */
	} else if (f->vector == 14) {
		const struct region *r = mm_region_of(addr);
		kprintf("# fault: %s partition %s %s %lx (%s, key %u)%s rip=%lx -> call aborted\n",
			dom_name(dom), vn, f->error & 0x10 ? "fetch" : f->error & 2 ? "write" : "read", addr,
			r ? r->name : "unmapped", r ? r->key : 0,
			f->error & (1 << 5) ? " [PK]" : "", f->rip);
	} else {
		kprintf("# fault: %s partition %s rip=%lx err=%lx -> call aborted\n",
			dom_name(dom), vn, f->rip, f->error);
	}
	domain_abort(f, -E_FAULT);
}

static void syscall(struct trap_frame *f)
{
	if (pku_on() && (u32)f->pkru != PKRU_USER) {
		/* int $0x80 from anywhere but user code: refuse */
		f->rax = (u64)-E_PERM;
		return;
	}
	switch (f->rax) {
	case SYS_EXIT:
		domain_abort(f, (long)f->rdi);
		return;
	case SYS_WRITE: {
		u64 p = f->rdi, n = f->rsi;
		const struct region *r = mm_region_of(p);
		const struct region *r2 = mm_region_of(p + n - 1);
		if (!n || n > 200 || !r || r != r2 || r->key != KEY_USER || (r->perm & P_SUPER)) {
			f->rax = (u64)-E_INVAL;
			return;
		}
		kputs("# user: ");
		char buf[204];
		memcpy(buf, (const void *)p, n);
		buf[n] = 0;
		kputs(buf);
		kputs("\n");
		f->rax = n;
		return;
	}
	case SYS_TICKS:
		f->rax = ticks;
		return;
	default:
		f->rax = (u64)-E_INVAL;
	}
}

void trap_dispatch(struct trap_frame *f)
{
	percpu.traps++;
	if ((u32)f->pkru != PKRU_SAFE)
		percpu.traps_from_domain++;
	if (++percpu.depth > percpu.max_depth)
		percpu.max_depth = percpu.depth;

	if (f->vector == VEC_TIMER) {
		ticks++;
		outb(0x20, 0x20);               /* EOI */
		if (watchdog_deadline && ticks > watchdog_deadline)
			panic("watchdog: test did not finish");
		if (timer_hook)
			timer_hook(f);
	} else if (f->vector == VEC_SYSCALL) {
		syscall(f);
	} else if (f->vector == VEC_TEST) {
		if (test_vector_hook)
			test_vector_hook(f);
	} else if (f->vector >= 32) {
		outb(0x20, 0x20);               /* spurious PIC IRQ */
	} else {
		fault(f);
	}
	percpu.depth--;
}
