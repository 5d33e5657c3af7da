// SPDX-License-Identifier: GPL-2.0
/*
 * t_attack.c - cases: ways to open a protection key without a WRPKRU.
 *
 * Execution context: user space (Linux, glibc), real PKU.
 *
 * Each case starts outside the gate (T_KEY access-disabled) and shows a
 * way around it that the gate cannot stop:
 * - XRSTOR with PKRU (bit 9) in the requested-feature bitmap loads PKRU
 *   from memory, and its init value 0 if the area's XSTATE_BV has bit 9
 *   clear. The byte scanner must flag it (it does).
 * - sigreturn loads PKRU from the signal frame, which the handler can
 *   edit: code that can install a handler and raise a signal opens keys.
 * - the kernel as confused deputy: /proc/self/mem (and process_vm_writev
 *   where the kernel has it) accesses the page through get_user_pages
 *   with FOLL_REMOTE, for which Linux never checks protection keys
 *   (arch_vma_access_permitted with foreign = true).
 * So a user-space deployment must keep untrusted code from making system
 * calls and from running bytes the scanner has not seen.
 */
#define _GNU_SOURCE
#include <cpuid.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <ucontext.h>
#include <unistd.h>

#include "../../trampolines/scan.h"
#include "cases.h"
#include "dom.h"

#define XFEATURE_PKRU	9
#define XMASK_PKRU	(1ULL << XFEATURE_PKRU)
#define XSTATE_BV_OFF	512	/* XSAVE header: XSTATE_BV, XCOMP_BV */
#define FX_SW_BYTES_OFF	464	/* fxsave 464..511: _fpx_sw_bytes */

/* attack.S: .rodata bytes, copied to an executable page to run */
extern const uint8_t t_xrstor_code[], t_xrstor_insn[], t_xrstor_end[];
typedef void (*t_xrstor_fn)(void *area, uint64_t rfbm);


/* Where PKRU lives in a standard-format XSAVE area of this machine. */
struct xlayout {
	unsigned int size;	/* of the area for XCR0's features */
	unsigned int pkru_off;	/* of the PKRU component */
};

static uint64_t xgetbv0(void)
{
	uint32_t lo, hi;

	__asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
	return (uint64_t)hi << 32 | lo;
}

static void xsave(void *area, uint64_t rfbm)
{
	__asm__ volatile("xsave (%0)"
			 : : "r"(area), "a"((uint32_t)rfbm),
			   "d"((uint32_t)(rfbm >> 32))
			 : "memory");
}

/* NULL if XSAVE manages PKRU here (XCR0 bit 9), else why not. */
static const char *xsave_layout(struct xlayout *x)
{
	unsigned int a, b, c, d;

	if (!__get_cpuid(1, &a, &b, &c, &d) || !(c & (1u << 27)))
		return "CPUID.1:ECX.OSXSAVE (bit 27) clear";
	if (!(xgetbv0() & XMASK_PKRU))
		return "XCR0 bit 9 (PKRU) clear: XSAVE does not manage PKRU";
	if (!__get_cpuid_count(0xd, 0, &a, &b, &c, &d) || !b)
		return "CPUID.(EAX=0xD,ECX=0).EBX gives no XSAVE area size";
	x->size = b;
	if (!__get_cpuid_count(0xd, XFEATURE_PKRU, &a, &b, &c, &d) ||
	    a < 4 || b + 4 > x->size)
		return "CPUID.(EAX=0xD,ECX=9) gives no PKRU offset";
	x->pkru_off = b;
	return NULL;
}

static uint64_t get64(const void *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static void put64(void *p, uint64_t v)
{
	memcpy(p, &v, sizeof(v));
}

static uint32_t get32(const void *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static void put32(void *p, uint32_t v)
{
	memcpy(p, &v, sizeof(v));
}

static long read_word(long i, long b)
{
	(void)b;
	return (long)t_keyed[i];
}

/* The key is closed: reading the keyed page faults with SEGV_PKUERR. */
static enum ktap_status check_closed(void)
{
	CHECK_EQ(t_rdpkru(), T_CLOSE);
	CHECK_EQ(t_probe_read(t_keyed), 1);
	CHECK_EQ(t_last_fault.code, SEGV_PKUERR);
	CHECK_EQ(t_last_fault.pkey, T_KEY);
	return KTAP_PASS;
}

/* PKRU is 0 and the keyed page reads without a fault. */
static enum ktap_status check_open_all(void)
{
	CHECK_EQ(t_rdpkru(), 0);
	CHECK_EQ(t_probe_read(t_keyed), 0);
	CHECK_EQ(t_keyed[0], T_SECRET);
	return KTAP_PASS;
}

/*
 * XSAVE the current PKRU (T_CLOSE) into an area; XRSTOR loads whatever
 * PKRU the area holds (T_OPEN, then T_CLOSE again). Then clear bit 9 of
 * XSTATE_BV and restore again: PKRU is its init value 0, every key open.
 * The XRSTOR runs from a page mapped executable at run time; bh_scan
 * must flag it there.
 */
enum ktap_status xrstor_loads_pkru(void)
{
	size_t len = t_xrstor_end - t_xrstor_code;
	size_t off = t_xrstor_insn - t_xrstor_code;
	struct bh_scan_hit h[4];
	struct xlayout x;
	const char *no;
	t_xrstor_fn fn;
	uint8_t *area;
	void *code;
	size_t asz;

	no = xsave_layout(&x);
	if (no)
		return ktap_skip("%s", no);
	if (check_closed() != KTAP_PASS)
		return KTAP_FAIL;

	code = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(code != MAP_FAILED);
	memcpy(code, t_xrstor_code, len);
	CHECK(!mprotect(code, 4096, PROT_READ | PROT_EXEC));
	fn = (t_xrstor_fn)code;

	/* standard (non-compacted) format: XCOMP_BV and the rest zero */
	asz = (x.size + 63) & ~(size_t)63;
	area = aligned_alloc(64, asz);
	CHECK(area);
	memset(area, 0, asz);
	xsave(area, XMASK_PKRU);
	CHECK(get64(area + XSTATE_BV_OFF) & XMASK_PKRU);
	CHECK_EQ(get32(area + x.pkru_off), T_CLOSE);

	/* XSTATE_BV bit 9 set: PKRU is loaded from the area */
	put32(area + x.pkru_off, T_OPEN);
	fn(area, XMASK_PKRU);
	CHECK_EQ(t_rdpkru(), T_OPEN);
	CHECK_EQ(t_probe_read(t_keyed), 0);
	put32(area + x.pkru_off, T_CLOSE);
	fn(area, XMASK_PKRU);
	if (check_closed() != KTAP_PASS)
		return KTAP_FAIL;

	/* bit 9 clear: PKRU's init value 0, whatever the area holds */
	put64(area + XSTATE_BV_OFF, get64(area + XSTATE_BV_OFF) & ~XMASK_PKRU);
	fn(area, XMASK_PKRU);
	if (check_open_all() != KTAP_PASS)
		return KTAP_FAIL;

	/* the scanner sees exactly this XRSTOR in the attacker's code */
	CHECK_EQ(bh_scan(code, len, (uintptr_t)code, h, 4), 1);
	CHECK_EQ(h[0].kind, BH_SCAN_XRSTOR);
	CHECK_EQ(h[0].off, off);
	CHECK_EQ(h[0].addr, (uintptr_t)code + off);
	return KTAP_PASS;
}

/* What the SIGUSR2 handler saw in its signal frame. */
static volatile struct {
	int ran, edited;
	uint32_t pkru, magic1, framed_pkru, xstate_size;
	uint64_t xfeatures, xstate_bv;
} fr;
static unsigned int fr_pkru_off;

/* Set the PKRU saved in the frame to 0 (every key open). */
static void edit_pkru_handler(int sig, siginfo_t *si, void *ctx)
{
	uint8_t *xs = (uint8_t *)((ucontext_t *)ctx)->uc_mcontext.fpregs;
	struct _fpx_sw_bytes sw;

	(void)sig;
	(void)si;
	fr.ran = 1;
	fr.pkru = t_rdpkru();
	if (!xs)
		return;
	memcpy(&sw, xs + FX_SW_BYTES_OFF, sizeof(sw));
	fr.magic1 = sw.magic1;
	fr.xfeatures = sw.xstate_bv;
	fr.xstate_size = sw.xstate_size;
	if (sw.magic1 != FP_XSTATE_MAGIC1 ||
	    !(sw.xstate_bv & XMASK_PKRU) ||
	    fr_pkru_off + 4 > sw.xstate_size)
		return;
	fr.xstate_bv = get64(xs + XSTATE_BV_OFF);
	fr.framed_pkru = get32(xs + fr_pkru_off);
	memset(xs + fr_pkru_off, 0, 4);
	fr.edited = 1;
}

/*
 * The handler runs with the init PKRU and finds the interrupted PKRU
 * (T_CLOSE) in the frame's XSAVE area; it writes 0 there. After
 * sigreturn the interrupted code runs with PKRU = 0.
 */
enum ktap_status sigreturn_restores_edited_pkru(void)
{
	struct sigaction sa;
	struct xlayout x;
	const char *no;

	no = xsave_layout(&x);
	if (no)
		return ktap_skip("%s", no);
	fr_pkru_off = x.pkru_off;
	if (check_closed() != KTAP_PASS)
		return KTAP_FAIL;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = edit_pkru_handler;
	sa.sa_flags = SA_SIGINFO;
	CHECK(!sigaction(SIGUSR2, &sa, NULL));
	CHECK(!raise(SIGUSR2));

	CHECK_EQ(fr.ran, 1);
	CHECK_EQ(fr.pkru, BH_PKRU_LINUX_INIT);
	CHECK_EQ(fr.magic1, FP_XSTATE_MAGIC1);
	CHECK(fr.xfeatures & XMASK_PKRU);
	CHECK(fr.xstate_size >= x.pkru_off + 4);
	CHECK_EQ(fr.edited, 1);
	CHECK(fr.xstate_bv & XMASK_PKRU);
	CHECK_EQ(fr.framed_pkru, T_CLOSE);
	return check_open_all();
}

static int mem_fd = -1;

/* Still closed, and the word landed: read from inside the domain. */
static const char *landed(long i, uint64_t v)
{
	SUB_CHECK(t_rdpkru() == T_CLOSE);
	SUB_CHECK(t_probe_write(t_keyed + i, 1) == 1);
	SUB_CHECK(t_last_fault.code == SEGV_PKUERR);
	SUB_CHECK((uint64_t)t_gate(read_word, i, 0) == v);
	return NULL;
}

static const char *proc_mem_pwrite_lands(void)
{
	uint64_t v = 0xfeed0001;

	SUB_CHECK(pwrite(mem_fd, &v, 8, (uintptr_t)(t_keyed + 3)) == 8);
	return landed(3, v);
}

static const char *proc_mem_pread_leaks(void)
{
	uint64_t v = 0;

	SUB_CHECK(pread(mem_fd, &v, 8, (uintptr_t)t_keyed) == 8);
	SUB_CHECK(v == T_SECRET);
	SUB_CHECK(t_rdpkru() == T_CLOSE);
	return NULL;
}

/*
 * process_vm_writev pins the remote pages with FOLL_REMOTE like
 * /proc/pid/mem, even when the remote process is this one, so the key is
 * not checked on that side (the local iovec is copied with the caller's
 * PKRU as usual). The test machine's kernel (tinyconfig) is built
 * without CONFIG_CROSS_MEMORY_ATTACH: there the call is ENOSYS and this
 * subtest is a SKIP; the "lands" branch is mm/gup.c's reading, run on
 * the first PKU machine whose kernel has the call.
 */
static const char *process_vm_writev_lands(void)
{
	uint64_t v = 0xfeed0002;
	struct iovec local = { &v, 8 };
	struct iovec remote = { (void *)(uintptr_t)(t_keyed + 4), 8 };
	ssize_t n;

	n = process_vm_writev(getpid(), &local, 1, &remote, 1, 0);
	if (n < 0 && errno == ENOSYS)
		return "SKIP ENOSYS: no CONFIG_CROSS_MEMORY_ATTACH";
	if (n != 8) {
		snprintf(ktap_why, sizeof(ktap_why),
			 "process_vm_writev returned %zd: %s",
			 n, n < 0 ? strerror(errno) : "short");
		return ktap_why;
	}
	return landed(4, v);
}

static const struct ktap_sub mem_sub[] = {
	{ "proc_mem_pwrite_lands", proc_mem_pwrite_lands },
	{ "proc_mem_pread_leaks", proc_mem_pread_leaks },
	{ "process_vm_writev_lands", process_vm_writev_lands },
};

/*
 * The key is closed, yet writes through /proc/self/mem land in the keyed
 * page and reads return its contents. Nested results, one per path.
 */
enum ktap_status proc_self_mem_bypasses_pkey(void)
{
	unsigned int n = ARRAY_SIZE(mem_sub), failed;

	mem_fd = open("/proc/self/mem", O_RDWR);
	if (mem_fd < 0 && errno == ENOENT)
		return ktap_skip("/proc not mounted: no /proc/self/mem");
	if (mem_fd < 0)
		return ktap_fail("open /proc/self/mem: %s", strerror(errno));
	if (check_closed() != KTAP_PASS)
		return KTAP_FAIL;
	failed = ktap_run_subs(mem_sub, n);
	close(mem_fd);
	if (failed)
		return ktap_fail("%u of %u paths did not bypass the key",
				 failed, n);
	return KTAP_PASS;
}
