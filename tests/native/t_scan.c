// SPDX-License-Identifier: GPL-2.0
/*
 * t_scan.c - cases: the byte scanner (unit tests) and the bhscan CLI.
 *
 * Execution context: user space (Linux, glibc). No PKU needed.
 *
 * scan_unit checks trampolines/scan.c as it is, through scan.h only.
 * The bhscan cases run the CLI built next to this binary on ELF files
 * built for the purpose (stray.S, clean.S; see Makefile).
 */
#define _GNU_SOURCE
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../../trampolines/scan.h"
#include "cases.h"

#define BASE	0xffffffff81000000ULL
#define BUFSZ	64


static void nops(uint8_t *b)
{
	memset(b, 0x90, BUFSZ);
}

/* Plant 3 bytes at every offset; expect exactly that one hit there. */
static const char *one_at_every_offset(const uint8_t *pat,
				       enum bh_scan_kind kind)
{
	struct bh_scan_hit h[4];
	uint8_t b[BUFSZ];
	size_t off;

	for (off = 0; off + 3 <= BUFSZ; off++) {
		nops(b);
		memcpy(b + off, pat, 3);
		SUB_CHECK(bh_scan(b, BUFSZ, BASE, h, 4) == 1);
		SUB_CHECK(h[0].off == off && h[0].addr == BASE + off);
		SUB_CHECK(h[0].kind == kind && h[0].len == 3);
	}
	return NULL;
}

static const char *wrpkru_every_offset(void)
{
	static const uint8_t p[] = { 0x0f, 0x01, 0xef };

	return one_at_every_offset(p, BH_SCAN_WRPKRU);
}

static const char *vmfunc_every_offset(void)
{
	static const uint8_t p[] = { 0x0f, 0x01, 0xd4 };

	return one_at_every_offset(p, BH_SCAN_VMFUNC);
}

static size_t scan_bytes(const uint8_t *p, size_t n, struct bh_scan_hit *h)
{
	return bh_scan(p, n, 0, h, 4);
}

static const char *xrstor_memory_forms(void)
{
	static const uint8_t modrm[] = { 0x28, 0x2d, 0x6d, 0xac };
	struct bh_scan_hit h[4];
	uint8_t b[4] = { 0x90, 0x0f, 0xae, 0 };
	size_t i;

	for (i = 0; i < sizeof(modrm); i++) {
		b[0] = 0x90;
		b[3] = modrm[i];
		SUB_CHECK(scan_bytes(b, 4, h) == 1);
		SUB_CHECK(h[0].off == 1 && h[0].kind == BH_SCAN_XRSTOR);
		b[0] = 0x48;	/* REX.W */
		SUB_CHECK(scan_bytes(b, 4, h) == 1);
		SUB_CHECK(h[0].kind == BH_SCAN_XRSTOR64);
		b[0] = 0x4f;	/* REX.WRXB */
		SUB_CHECK(scan_bytes(b, 4, h) == 1);
		SUB_CHECK(h[0].kind == BH_SCAN_XRSTOR64);
		b[0] = 0x41;	/* REX.B, no W */
		SUB_CHECK(scan_bytes(b, 4, h) == 1);
		SUB_CHECK(h[0].kind == BH_SCAN_XRSTOR);
	}
	return NULL;
}

static const char *lookalikes_not_flagged(void)
{
	static const uint8_t ok[][3] = {
		{ 0x0f, 0xae, 0xe8 },	/* lfence (0F AE /5, mod 3) */
		{ 0x0f, 0xae, 0xef },	/* lfence, rm 7 */
		{ 0x0f, 0xae, 0x20 },	/* xsave (/4) */
		{ 0x0f, 0xae, 0x30 },	/* xsaveopt (/6) */
		{ 0x0f, 0xae, 0x38 },	/* clflush (/7) */
		{ 0x0f, 0xc7, 0x08 },	/* cmpxchg8b (/1) */
		{ 0x0f, 0xc7, 0x20 },	/* xsavec (/4) */
		{ 0x0f, 0xc7, 0xd8 },	/* /3 mod 3: not xrstors */
		{ 0x0f, 0xc7, 0xf0 },	/* rdrand */
		{ 0x0f, 0x01, 0xee },	/* rdpkru */
		{ 0x0f, 0x01, 0xd5 },	/* xend */
		{ 0x0f, 0x01, 0xd0 },	/* xgetbv */
		{ 0x0f, 0x0f, 0x01 },	/* no 0F 01 EF inside */
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(ok); i++)
		SUB_CHECK(scan_bytes(ok[i], 3, NULL) == 0);
	return NULL;
}

static const char *xrstors_memory_forms(void)
{
	static const uint8_t a[] = { 0x0f, 0xc7, 0x18 };
	static const uint8_t b[] = { 0x48, 0x0f, 0xc7, 0x5b, 0x08 };
	struct bh_scan_hit h[4];

	SUB_CHECK(scan_bytes(a, sizeof(a), h) == 1);
	SUB_CHECK(h[0].kind == BH_SCAN_XRSTORS);
	SUB_CHECK(scan_bytes(b, sizeof(b), h) == 1);
	SUB_CHECK(h[0].off == 1 && h[0].kind == BH_SCAN_XRSTORS64);
	return NULL;
}

static const char *stray_in_mov_immediate(void)
{
	/* mov $0x00ef010f, %eax; nop */
	static const uint8_t b[] = { 0xb8, 0x0f, 0x01, 0xef, 0x00, 0x90 };
	struct bh_scan_hit h[4];

	SUB_CHECK(bh_scan(b, sizeof(b), 0x1000, h, 4) == 1);
	SUB_CHECK(h[0].off == 1 && h[0].addr == 0x1001);
	SUB_CHECK(h[0].kind == BH_SCAN_WRPKRU);
	return NULL;
}

static const char *truncated_and_empty(void)
{
	static const uint8_t b[] = { 0x90, 0x0f, 0x01, 0xef };

	SUB_CHECK(scan_bytes(b, 3, NULL) == 0);	/* 0F 01 at the end */
	SUB_CHECK(scan_bytes(b + 1, 2, NULL) == 0);
	SUB_CHECK(scan_bytes(b, 0, NULL) == 0);
	SUB_CHECK(bh_scan(NULL, 10, 0, NULL, 0) == 0);
	SUB_CHECK(scan_bytes(b, 4, NULL) == 1);
	return NULL;
}

static const char *more_hits_than_room(void)
{
	struct bh_scan_hit h[3] = { 0 };
	uint8_t b[BUFSZ];
	size_t i;

	nops(b);
	for (i = 0; i < 5; i++)
		memcpy(b + 1 + 7 * i, "\x0f\x01\xef", 3);
	SUB_CHECK(bh_scan(b, BUFSZ, 0, h, 2) == 5);
	SUB_CHECK(h[0].off == 1 && h[1].off == 8);
	SUB_CHECK(h[2].off == 0 && h[2].len == 0);	/* untouched */
	return NULL;
}

static const char *sanctioned_by_site_list(void)
{
	static const uint64_t sites[] = { 0x2000, 0x1001 };
	struct bh_scan_hit hit = { .addr = 0x1001 };

	SUB_CHECK(bh_scan_sanctioned(&hit, sites, 2));
	SUB_CHECK(!bh_scan_sanctioned(&hit, sites, 1));
	SUB_CHECK(!bh_scan_sanctioned(&hit, NULL, 0));
	hit.addr = 0x1002;
	SUB_CHECK(!bh_scan_sanctioned(&hit, sites, 2));
	return NULL;
}

static const char *kind_names(void)
{
	SUB_CHECK(!strcmp(bh_scan_kind_name(BH_SCAN_WRPKRU), "WRPKRU"));
	SUB_CHECK(!strcmp(bh_scan_kind_name(BH_SCAN_XRSTORS64),
			  "XRSTORS64"));
	SUB_CHECK(!strcmp(bh_scan_kind_name(BH_SCAN_NR_KINDS), "?"));
	return NULL;
}

/* privileged instructions (bh_scan_priv): each form, at an odd offset */
static const char *priv_forms(void)
{
	static const struct {
		uint8_t b[3];
		unsigned int len;
		enum bh_scan_kind kind;
	} t[] = {
		{ { 0x0f, 0x22, 0xd8 }, 2, BH_SCAN_MOV_CR },	/* mov %rax,%cr3 */
		{ { 0x0f, 0x22, 0xe0 }, 2, BH_SCAN_MOV_CR },	/* mov %rax,%cr4 */
		{ { 0x0f, 0x06, 0x90 }, 2, BH_SCAN_MOV_CR },	/* clts */
		{ { 0x0f, 0x23, 0xf8 }, 2, BH_SCAN_MOV_DR },	/* mov %rax,%dr7 */
		{ { 0x0f, 0x30, 0x90 }, 2, BH_SCAN_WRMSR },
		{ { 0x0f, 0x01, 0xc6 }, 3, BH_SCAN_WRMSR },	/* wrmsrns */
		{ { 0x0f, 0x01, 0x10 }, 3, BH_SCAN_DESC },	/* lgdt (%rax) */
		{ { 0x0f, 0x01, 0x18 }, 3, BH_SCAN_DESC },	/* lidt (%rax) */
		{ { 0x0f, 0x01, 0xf0 }, 3, BH_SCAN_DESC },	/* lmsw %ax */
		{ { 0x0f, 0x00, 0xd0 }, 3, BH_SCAN_DESC },	/* lldt %ax */
		{ { 0x0f, 0x00, 0x18 }, 3, BH_SCAN_DESC },	/* ltr (%rax) */
		{ { 0x0f, 0x01, 0xf8 }, 3, BH_SCAN_SWAPGS },
		{ { 0x0f, 0xae, 0xd8 }, 3, BH_SCAN_WRBASE },	/* wrgsbase */
		{ { 0x0f, 0xae, 0xd0 }, 3, BH_SCAN_WRBASE },	/* wrfsbase */
		{ { 0x0f, 0x01, 0xd1 }, 3, BH_SCAN_XSETBV },
		{ { 0x0f, 0x08, 0x90 }, 2, BH_SCAN_CACHE },	/* invd */
		{ { 0x0f, 0x09, 0x90 }, 2, BH_SCAN_CACHE },	/* wbinvd */
		{ { 0x0f, 0x01, 0xc1 }, 3, BH_SCAN_VMX },	/* vmcall */
		{ { 0x0f, 0x01, 0xc4 }, 3, BH_SCAN_VMX },	/* vmxoff */
		{ { 0x0f, 0x78, 0xc1 }, 2, BH_SCAN_VMX },	/* vmread */
		{ { 0x0f, 0xc7, 0x30 }, 3, BH_SCAN_VMX },	/* vmptrld (%rax) */
		{ { 0x0f, 0x38, 0x80 }, 3, BH_SCAN_VMX },	/* invept */
	};
	struct bh_scan_hit h[4];
	uint8_t b[8];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(t); i++) {
		memset(b, 0x90, sizeof(b));
		memcpy(b + 3, t[i].b, 3);
		SUB_CHECK(bh_scan_priv(b, sizeof(b), BASE, h, 4) == 1);
		SUB_CHECK(h[0].off == 3 && h[0].addr == BASE + 3);
		SUB_CHECK(h[0].kind == t[i].kind && h[0].len == t[i].len);
		/* the switch scan does not see them */
		SUB_CHECK(bh_scan(b, sizeof(b), BASE, NULL, 0) == 0);
	}
	return NULL;
}

static const char *priv_lookalikes_not_flagged(void)
{
	static const uint8_t ok[][3] = {
		{ 0x0f, 0x01, 0xf9 },	/* rdtscp */
		{ 0x0f, 0x01, 0xd0 },	/* xgetbv */
		{ 0x0f, 0x01, 0xd4 },	/* vmfunc: bh_scan's */
		{ 0x0f, 0x01, 0xca },	/* clac */
		{ 0x0f, 0x01, 0x00 },	/* sgdt (%rax): a read */
		{ 0x0f, 0x01, 0x38 },	/* invlpg (%rax) */
		{ 0x0f, 0xae, 0xe8 },	/* lfence */
		{ 0x0f, 0xae, 0x10 },	/* ldmxcsr (%rax) */
		{ 0x0f, 0xae, 0xc0 },	/* rdfsbase */
		{ 0x0f, 0x20, 0xd8 },	/* mov %cr3,%rax: a read */
		{ 0x0f, 0x32, 0x90 },	/* rdmsr */
		{ 0x0f, 0x00, 0xc0 },	/* sldt %eax */
		{ 0x0f, 0xc7, 0xf0 },	/* rdrand */
		{ 0x0f, 0x38, 0x00 },	/* pshufb */
		{ 0x90, 0x0f, 0x90 },	/* 0f at the end: seto */
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(ok); i++)
		SUB_CHECK(bh_scan_priv(ok[i], 3, 0, NULL, 0) == 0);
	SUB_CHECK(bh_scan_priv((const uint8_t *)"\x0f", 1, 0, NULL, 0) == 0);
	SUB_CHECK(bh_scan_priv(NULL, 10, 0, NULL, 0) == 0);
	SUB_CHECK(!strcmp(bh_scan_kind_name(BH_SCAN_MOV_CR), "MOV to CR"));
	return NULL;
}

static const struct ktap_sub unit[] = {
	{ "wrpkru_every_offset", wrpkru_every_offset },
	{ "vmfunc_every_offset", vmfunc_every_offset },
	{ "xrstor_memory_forms", xrstor_memory_forms },
	{ "xrstors_memory_forms", xrstors_memory_forms },
	{ "lookalikes_not_flagged", lookalikes_not_flagged },
	{ "stray_in_mov_immediate", stray_in_mov_immediate },
	{ "truncated_and_empty", truncated_and_empty },
	{ "more_hits_than_room", more_hits_than_room },
	{ "sanctioned_by_site_list", sanctioned_by_site_list },
	{ "kind_names", kind_names },
	{ "priv_forms", priv_forms },
	{ "priv_lookalikes_not_flagged", priv_lookalikes_not_flagged },
};

enum ktap_status scan_unit(void)
{
	unsigned int n = ARRAY_SIZE(unit), failed;

	failed = ktap_run_subs(unit, n);
	if (failed)
		return ktap_fail("%u of %u scanner unit tests failed",
				 failed, n);
	return KTAP_PASS;
}

/*
 * Run "bhscan FILES" in this binary's directory; its output goes to
 * *out (and is echoed to stderr). Returns the exit status or -1.
 */
static int bhscan(const char *files, char *out, size_t outsz)
{
	char dir[PATH_MAX], cmd[2 * PATH_MAX + 64];
	ssize_t n;
	size_t used = 0;
	FILE *p;
	int st;

	n = readlink("/proc/self/exe", dir, sizeof(dir) - 1);
	if (n < 0)
		return -1;
	dir[n] = 0;
	dirname(dir);
	snprintf(cmd, sizeof(cmd), "cd '%s' && ./bhscan %s 2>&1", dir, files);
	fflush(NULL);
	p = popen(cmd, "r");
	if (!p)
		return -1;
	out[0] = 0;
	while (used + 1 < outsz && fgets(out + used, outsz - used, p))
		used += strlen(out + used);
	st = pclose(p);
	fprintf(stderr, "%s", out);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static int count(const char *s, const char *what)
{
	int n = 0;

	while ((s = strstr(s, what))) {
		n++;
		s += strlen(what);
	}
	return n;
}

/*
 * stray.S plants 0F 01 EF at .text+1 inside a mov immediate, and again in
 * .init.text at the offset the gate's open site has in .text.
 */
enum ktap_status bhscan_flags_stray(void)
{
	static const char *const files[] = { "stray.elf", "stray.o" };
	char out[4096];
	int i;

	for (i = 0; i < 2; i++) {
		CHECK_EQ(bhscan(files[i], out, sizeof(out)), 1);
		CHECK(strstr(out, " .text+0x1 "));
		CHECK(strstr(out, " .init.text+"));
		CHECK_EQ(count(out, "WRPKRU STRAY"), 2);
		CHECK_EQ(count(out, "STRAY"), 2);
		CHECK_EQ(count(out, "WRPKRU sanctioned"), 2);
	}
	return KTAP_PASS;
}

/*
 * clean.S has the same gate and no stray; gate.o is the tests' gate. The
 * stripped image has no symbols: only .bh_gate_sites names its sites.
 */
enum ktap_status bhscan_accepts_gate_sites(void)
{
	static const char *const files[] = { "clean.elf", "clean.o",
					     "gate.o", "clean-stripped.elf" };
	char out[4096];
	int i;

	for (i = 0; i < 4; i++) {
		CHECK_EQ(bhscan(files[i], out, sizeof(out)), 0);
		CHECK_EQ(count(out, "WRPKRU sanctioned"), 2);
		CHECK_EQ(count(out, "STRAY"), 0);
	}
	return KTAP_PASS;
}

/* The test binaries themselves: gates only, no stray (PIE and non-PIE). */
enum ktap_status bhscan_own_binaries(void)
{
	char out[8192];

	/* the guest copy (make guest, suite native) is linked statically */
	if (getenv("BH_NATIVE_STATIC"))
		return ktap_skip("static build: glibc's own XRSTOR (lazy-binding trampolines) is linked in; the dynamic build on the host is the check");
	CHECK_EQ(bhscan("run bench bhscan", out, sizeof(out)), 0);
	CHECK_EQ(count(out, "STRAY"), 0);
	CHECK(count(out, "WRPKRU sanctioned") >= 4);
	return KTAP_PASS;
}
