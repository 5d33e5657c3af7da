/*
 * bh.h - Bulkhead unikernel: common types, partition tags, protection keys.
 * Context: included by every unikernel C file (safe, unsafe, user, lib) and,
 * guarded by __ASSEMBLER__, by the assembly files. Pure declarations.
 */
#ifndef BH_H
#define BH_H

/* ---- protection keys and PKRU policies (key k: AD = bit 2k, WD = 2k+1) --- */
#define KEY_USER    0   /* user partition (ring 3) */
#define KEY_SAFE    1   /* safe kernel: text, data, stacks, page tables */
#define KEY_UNSAFE  2   /* unsafe kernel: request parser, KV store */
#define KEY_SHARED  3   /* shared between safe and unsafe: buffers, lib */
#define KEY_CPU     4   /* U=0 pages (boot, GDT/IDT/TSS, IST stacks), see below */
#define KEY_PROBE   15  /* no policy opens it: the engine probe in tests.c */

/*
 * KEY_CPU is open in every policy. On real CPUs (and QEMU) PKRU ignores
 * U=0 pages, so the key of the "low" and "cpu" regions does not matter and
 * opening key 4 grants nothing (no U=1 page carries it). Bochs 2.7 applies
 * PKRU.WD to every page when CR0.WP=1, U=0 included; with key 4 open the
 * CPU can still push interrupt frames onto the IST stacks there.
 * Keys 5..15 are unused: every policy denies them.
 */
#define PKRU_DENY_HIGH  0xfffffc00
/* safe kernel: keys 0-3 read/write */
#define PKRU_SAFE       (PKRU_DENY_HIGH)
/* unsafe kernel: own key + shared; no user, no safe */
#define PKRU_UNSAFE     (PKRU_DENY_HIGH | 0x0f)
/* user: key 0 only */
#define PKRU_USER       (PKRU_DENY_HIGH | 0xfc)
/* after a gate violation: none of the partitions' keys */
#define PKRU_DENY_ALL   (PKRU_DENY_HIGH | 0xff)

/* ---- segments (GDT layout in kernel/cpu.c) ---- */
#define KERNEL_CS   0x08
#define KERNEL_DS   0x10
#define USER_DS     0x1b    /* 0x18 | RPL 3 */
#define USER_CS     0x23    /* 0x20 | RPL 3 */
#define TSS_SEL     0x28

/* ---- vectors ---- */
#define VEC_TIMER   0x20    /* PIC IRQ0 after remap */
#define VEC_SYSCALL 0x80    /* int $0x80 from ring 3, DPL 3 */
#define VEC_TEST    0x82    /* software vector used by the nesting test */
#define NVEC_STUBS  48      /* stubs for 0..47, plus 0x80 and 0x82 */

/* ---- syscalls (user -> kernel via int $0x80, number in rax) ---- */
#define SYS_EXIT    0       /* rdi = value returned to the safe caller */
#define SYS_WRITE   1       /* rdi = buf, rsi = len */
#define SYS_TICKS   2       /* returns the timer tick count */

/* ---- errors returned by domain calls ---- */
#define E_FAULT     14      /* domain faulted (#PF, #UD, #DE, ...) */
#define E_PERM      1       /* gate violation: forged gate entry */
#define E_BUSY      16      /* domain already active */
#define E_INVAL     22

#define STACK_SIZE  16384

#ifndef __ASSEMBLER__
typedef unsigned char u8;
typedef unsigned short u16;
typedef unsigned int u32;
typedef unsigned long u64;
typedef long i64;
typedef unsigned long size_t;
typedef unsigned long uintptr_t;
typedef _Bool bool;
#define true 1
#define false 0
#define NULL ((void *)0)

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define ALIGN_UP(x, a) (((x) + (a) - 1) & ~((u64)(a) - 1))
#define STATIC_ASSERT(c) _Static_assert(c, #c)
#define offsetof(t, m) __builtin_offsetof(t, m)

/*
 * Partition tags. Objects compiled from unsafe/ and user/ and lib/ land in
 * their partition by file (see linker.ld.S); these tags place individual
 * globals from other files. Anything untagged in kernel/ is safe.
 */
#define __safe_data     __attribute__((section(".safe.data")))
#define __unsafe_data   __attribute__((section(".unsafe.data")))
#define __shared_data   __attribute__((section(".shared.data")))
#define __user_data     __attribute__((section(".user.data")))
#define __safe          __attribute__((section(".safe.text")))
#define __unsafe        __attribute__((section(".unsafe.text")))
#define __user          __attribute__((section(".user.text")))
#define __page_aligned  __attribute__((aligned(4096)))

/* build flavour: BH_ISO=1 isolated image, 0 = everything one key */
#ifndef BH_ISO
#define BH_ISO 1
#endif

static inline void outb(u16 port, u8 v) { __asm__ volatile("outb %0, %1" :: "a"(v), "Nd"(port)); }
static inline u8 inb(u16 port) { u8 v; __asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port)); return v; }
static inline u64 rdtsc(void)
{
	u32 lo, hi;
	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((u64)hi << 32) | lo;
}
/* RDPKRU (0F 01 EE) is harmless; only WRPKRU is confined to gates. */
static inline u32 rdpkru(void)
{
	u32 eax, edx;
	__asm__ volatile(".byte 0x0f,0x01,0xee" : "=a"(eax), "=d"(edx) : "c"(0));
	return eax;
}

/* lib (shared partition text: callable from safe, unsafe and user) */
void *memset(void *d, int c, size_t n);
void *memcpy(void *d, const void *s, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
#endif /* !__ASSEMBLER__ */
#endif
