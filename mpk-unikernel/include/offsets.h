/*
 * offsets.h - layouts shared between assembly (arch/entry.S, arch/gates.S)
 * and C (kernel/trap.c, kernel/domain.c). Context: build-time constants.
 * Every number here is checked against the C struct by static asserts in
 * kernel/trap.c, so the two can never drift apart.
 */
#ifndef BH_OFFSETS_H
#define BH_OFFSETS_H

/* struct percpu (kernel/trap.h), lives in safe data (key SAFE) */
#define PC_SAFE_RSP     0   /* entries from unsafe/user continue below this */
#define PC_DOMAIN       8   /* DOM_* of the partition currently running */
#define PC_UNSAFE_TOP   16  /* top of the unsafe stack */
#define PC_SIZE         64

#define DOM_SAFE    0
#define DOM_UNSAFE  1
#define DOM_USER    2

/*
 * struct trap_frame (kernel/trap.h), built on the safe stack by the entry
 * code, lowest address first. The first 11 words from TF_PKRU upwards are
 * first assembled on the IST1 entry stack and then copied.
 */
#define TF_PAD      0
#define TF_R15      8
#define TF_RDI      80
#define TF_RSI      88
#define TF_RBX      96
#define TF_PKRU     104     /* PKRU of the interrupted context (RDPKRU) */
#define TF_RDX      112
#define TF_RCX      120
#define TF_RAX      128
#define TF_VECTOR   136
#define TF_ERROR    144
#define TF_RIP      152
#define TF_CS       160
#define TF_RFLAGS   168
#define TF_RSP      176
#define TF_SS       184
#define TF_SIZE     192
#define TF_ENTRY_WORDS 11   /* pkru .. ss */

/* IST1 entry stack: hardware frame at the top, exit frame further down */
#define ENTRY_STACK_SIZE 4096
#define EXIT_AREA_OFF    256    /* exit frame built at top - 256 */

#endif
