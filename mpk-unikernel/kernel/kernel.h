/*
 * kernel.h - internal interfaces of the safe kernel. Context: unikernel,
 * safe partition (kernel/ and arch/). Not included by unsafe/ or user/.
 */
#ifndef BH_KERNEL_H
#define BH_KERNEL_H
#include "bh.h"
#include "offsets.h"

/* ---- console (console.c) ---- */
void serial_init(void);
void kputs(const char *s);
void kprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void serial_drain(void);
int ksnprintf(char *out, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* ---- cpu (cpu.c) ---- */
void cpu_init(void);
void timer_init(unsigned hz);
static inline void sti(void) { __asm__ volatile("sti"); }
static inline void cli(void) { __asm__ volatile("cli"); }
static inline u64 read_cr2(void) { u64 v; __asm__ volatile("mov %%cr2, %0" : "=r"(v)); return v; }
static inline u64 read_cr4(void) { u64 v; __asm__ volatile("mov %%cr4, %0" : "=r"(v)); return v; }

/* ---- memory map (mm.c) ---- */
#define P_R 1
#define P_W 2
#define P_X 4
#define P_SUPER 8   /* U=0: hardware-touched structures, see mm.c */
struct region {
	const char *name;
	u64 start, end;
	u8 perm;
	u8 key;
};
void mm_init(void);
void mm_print(void);
const struct region *mm_region_of(u64 addr);
u64 mm_pte_of(u64 addr);            /* the 2 MiB PDE mapping addr */
extern struct arena *safe_heap, *unsafe_heap;

/* ---- traps (trap.c) ---- */
struct trap_frame {
	u64 pad;
	u64 r15, r14, r13, r12, r11, r10, r9, r8, rbp, rdi, rsi, rbx;
	u64 pkru, rdx, rcx, rax, vector, error, rip, cs, rflags, rsp, ss;
};
struct percpu {
	u64 safe_rsp;       /* see arch/entry.S and arch/gates.S */
	u64 domain;         /* DOM_* currently running */
	u64 unsafe_top;     /* top of the unsafe stack */
	u64 depth;          /* trap nesting depth */
	u64 max_depth;
	u64 domain_calls;   /* call_unsafe + call_user */
	u64 traps;          /* trap entries (interrupts, syscalls, faults) */
	u64 traps_from_domain;  /* ... that came from unsafe or user code */
};
extern struct percpu percpu;
extern volatile u64 ticks;          /* shared: the unsafe tests read it */
extern u8 entry_pku_on;
static inline bool pku_on(void) { return BH_ISO && entry_pku_on; }

/* last fault taken in a domain, for the tests */
struct fault_record {
	u64 count, vector, error, rip, addr, pkru;
	int domain;                     /* DOM_* */
	int violation;                  /* 0, 1 = compare-after-write (ud2 of a
					   GATE_OPEN), 2 = CPL check */
};
extern struct fault_record last_fault;
/* a fault the safe kernel expects (tests): skip the instruction */
void expect_fault(int vector, int insn_len);
int expected_fault_hits(void);
/* trap hooks for the tests */
extern void (*timer_hook)(struct trap_frame *f);
extern void (*test_vector_hook)(struct trap_frame *f);
extern u64 watchdog_deadline;       /* tick count at which the timer panics */
extern bool fault_quiet;            /* tests: record domain faults, don't print */
void panic(const char *why) __attribute__((noreturn));

/* ---- domain calls (domain.c) ---- */
typedef long (*domain_fn)(long, long, long);
long call_unsafe(void *fn, long a0, long a1, long a2);
long call_user(void *fn, long a0, long a1);
extern bool gates_direct;           /* run the same code with plain calls */
long unsafe_gate_call(void *fn, long a0, long a1, long a2);
long user_gate_call(void *fn, long a0, long a1, void *stack_top);

/* ---- tests, workload, exit ---- */
int ktest_run(void);
extern const char *test_only;
void ktest_abort(const char *why);      /* "not ok" for the running case */
void bench_run(void);
u64 workload_run(int rounds);
void bh_exit(int status) __attribute__((noreturn));

/* symbols from the linker script and the asm */
extern char __cpu_start[], __cpu_end[];
#define SYM(x) extern char x[];
SYM(__safe_text_start) SYM(__safe_text_end) SYM(__safe_ro_start) SYM(__safe_ro_end)
SYM(__safe_data_start) SYM(__safe_data_end)
SYM(__unsafe_text_start) SYM(__unsafe_text_end) SYM(__unsafe_ro_start) SYM(__unsafe_ro_end)
SYM(__unsafe_data_start) SYM(__unsafe_data_end)
SYM(__user_text_start) SYM(__user_text_end) SYM(__user_ro_start) SYM(__user_ro_end)
SYM(__user_data_start) SYM(__user_data_end)
SYM(__shared_text_start) SYM(__shared_text_end) SYM(__shared_ro_start) SYM(__shared_ro_end)
SYM(__shared_data_start) SYM(__shared_data_end)
SYM(__safe_heap_start) SYM(__safe_heap_end) SYM(__unsafe_heap_start) SYM(__unsafe_heap_end)
SYM(__probe_start) SYM(__probe_end)
SYM(__safe_bss_start) SYM(__safe_bss_end) SYM(__unsafe_bss_start) SYM(__unsafe_bss_end)
SYM(__user_bss_start) SYM(__user_bss_end) SYM(__shared_bss_start) SYM(__shared_bss_end)
SYM(__gate_sites_start) SYM(__gate_sites_end) SYM(__trap_table_start) SYM(__trap_table_end)
SYM(entry_stack1_top) SYM(entry_stack2_top) SYM(safe_stack_top) SYM(safe_trap_stack_top)
SYM(gate_violation_trap) SYM(domain_return_landing) SYM(user_entry)
#undef SYM
/* gate sites the forged-entry tests jump to (absent in the noiso build) */
#define SYM(x) extern char x[] __attribute__((weak));
SYM(__bh_gate_site_unsafe_call) SYM(__bh_gate_site_exit_user) SYM(__bh_gate_site_entry_safe)
#undef SYM
#endif
