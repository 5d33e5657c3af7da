// SPDX-License-Identifier: GPL-2.0
/*
 * bhscan - prove that an ELF image switches domains only at gate sites.
 *
 * Execution context: user space (host tool, libc).
 *
 * Usage: bhscan [-h|--help] [-q] FILE...
 * For every SHF_EXECINSTR section of an ELF64 x86-64 file (executable,
 * shared object, or relocatable such as a .ko) it runs the byte scanner
 * (trampolines/scan.c) and checks each hit against the sanctioned gate
 * sites. Sites are taken from:
 *   - symbols named __bh_gate_site_* (any file type; the only source for
 *     relocatable files, whose .bh_gate_sites holds just relocations);
 *     for ET_REL the symbol value is an offset in its section;
 *   - the contents of section .bh_gate_sites (ET_EXEC/ET_DYN only; zero
 *     entries, e.g. unapplied relocations, are ignored).
 * Output, one line per hit (-q: stray hits only):
 *   FILE: SECTION+0xOFF 0xADDR KIND sanctioned|STRAY
 * Exit status: 0 no stray hit, 1 at least one stray hit, 2 error.
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../trampolines/mpk_gate.h"
#include "../trampolines/scan.h"

struct image {
	const char *path;
	const uint8_t *data;
	size_t size;
	const Elf64_Ehdr *eh;
	const Elf64_Shdr *sh;
	const char *shstr;
	size_t shstr_size;
	uint64_t *sites;	/* addresses (ET_REL: section offsets) */
	unsigned int *site_sec;	/* ET_REL: section index of each site */
	unsigned char *site_hit;	/* a scanned hit matched this site */
	size_t nsites;
};

static int quiet, priv;

static int in_file(const struct image *im, uint64_t off, uint64_t len)
{
	return off <= im->size && len <= im->size - off;
}

static const char *sec_name(const struct image *im, unsigned int i)
{
	if (!im->shstr || im->sh[i].sh_name >= im->shstr_size)
		return "?";
	return im->shstr + im->sh[i].sh_name;
}

static int add_site(struct image *im, uint64_t addr, unsigned int sec)
{
	uint64_t *s;
	unsigned int *x;
	size_t i;

	for (i = 0; i < im->nsites; i++)
		if (im->sites[i] == addr && im->site_sec[i] == sec)
			return 0;
	s = realloc(im->sites, (im->nsites + 1) * sizeof(*s));
	if (!s)
		return -ENOMEM;
	im->sites = s;
	x = realloc(im->site_sec, (im->nsites + 1) * sizeof(*x));
	if (!x)
		return -ENOMEM;
	im->site_sec = x;
	im->sites[im->nsites] = addr;
	im->site_sec[im->nsites] = sec;
	im->nsites++;
	return 0;
}

static int collect_symbol_sites(struct image *im, unsigned int symidx)
{
	const Elf64_Shdr *symsh = &im->sh[symidx], *strsh;
	const Elf64_Sym *sym;
	const char *str;
	size_t i, n, plen = strlen(BH_GATE_SITE_PREFIX);

	if (symsh->sh_link >= im->eh->e_shnum)
		return -EINVAL;
	strsh = &im->sh[symsh->sh_link];
	if (!in_file(im, symsh->sh_offset, symsh->sh_size) ||
	    !in_file(im, strsh->sh_offset, strsh->sh_size) ||
	    symsh->sh_entsize != sizeof(*sym))
		return -EINVAL;
	sym = (const Elf64_Sym *)(im->data + symsh->sh_offset);
	str = (const char *)im->data + strsh->sh_offset;
	n = symsh->sh_size / sizeof(*sym);
	for (i = 1; i < n; i++) {
		if (sym[i].st_name >= strsh->sh_size ||
		    strncmp(str + sym[i].st_name, BH_GATE_SITE_PREFIX, plen))
			continue;
		if (add_site(im, sym[i].st_value, im->eh->e_type == ET_REL ?
			     sym[i].st_shndx : SHN_UNDEF))
			return -ENOMEM;
	}
	return 0;
}

static int collect_sites(struct image *im)
{
	unsigned int i;
	size_t k;
	int err;

	for (i = 0; i < im->eh->e_shnum; i++) {
		const Elf64_Shdr *s = &im->sh[i];

		if (s->sh_type == SHT_SYMTAB) {
			err = collect_symbol_sites(im, i);
			if (err)
				return err;
		}
		if (im->eh->e_type == ET_REL || s->sh_type != SHT_PROGBITS ||
		    strcmp(sec_name(im, i), BH_GATE_SITES_SECTION))
			continue;
		if (!in_file(im, s->sh_offset, s->sh_size))
			return -EINVAL;
		for (k = 0; k + 8 <= s->sh_size; k += 8) {
			uint64_t a;

			memcpy(&a, im->data + s->sh_offset + k, 8);
			if (a && add_site(im, a, SHN_UNDEF))
				return -ENOMEM;
		}
	}
	return 0;
}

static int is_site(struct image *im, unsigned int sec, uint64_t addr)
{
	size_t i;

	for (i = 0; i < im->nsites; i++) {
		if (im->eh->e_type == ET_REL && im->site_sec[i] != sec)
			continue;
		if (im->sites[i] == addr) {
			im->site_hit[i] = 1;
			return 1;
		}
	}
	return 0;
}

/* A listed site with no switch instruction is a broken build: say so. */
static void warn_unused_sites(const struct image *im)
{
	size_t i;

	for (i = 0; i < im->nsites; i++)
		if (!im->site_hit[i])
			fprintf(stderr,
				"%s: warning: gate site 0x%llx holds no switch instruction\n",
				im->path, (unsigned long long)im->sites[i]);
}

/* Returns the number of stray hits in section i, or -errno. */
static long scan_section(struct image *im, unsigned int i)
{
	const Elf64_Shdr *s = &im->sh[i];
	uint64_t base = im->eh->e_type == ET_REL ? 0 : s->sh_addr;
	struct bh_scan_hit *hits;
	size_t n, k;
	long stray = 0;

	if (!in_file(im, s->sh_offset, s->sh_size))
		return -EINVAL;
	n = bh_scan(im->data + s->sh_offset, s->sh_size, base, NULL, 0);
	if (!n)
		return 0;
	hits = calloc(n, sizeof(*hits));
	if (!hits)
		return -ENOMEM;
	bh_scan(im->data + s->sh_offset, s->sh_size, base, hits, n);
	for (k = 0; k < n; k++) {
		int ok = is_site(im, i, hits[k].addr);

		stray += !ok;
		if (quiet && ok)
			continue;
		printf("%s: %s+0x%zx 0x%llx %s %s\n", im->path,
		       sec_name(im, i), hits[k].off,
		       (unsigned long long)hits[k].addr,
		       bh_scan_kind_name(hits[k].kind),
		       ok ? "sanctioned" : "STRAY");
	}
	free(hits);
	return stray;
}

/* -p: privileged instructions in section i, never sanctioned */
static long scan_section_priv(struct image *im, unsigned int i)
{
	const Elf64_Shdr *s = &im->sh[i];
	uint64_t base = im->eh->e_type == ET_REL ? 0 : s->sh_addr;
	const uint8_t *p = im->data + s->sh_offset;
	struct bh_scan_hit *hits;
	size_t n, k;

	n = bh_scan_priv(p, s->sh_size, base, NULL, 0);
	if (!n)
		return 0;
	hits = calloc(n, sizeof(*hits));
	if (!hits)
		return -ENOMEM;
	bh_scan_priv(p, s->sh_size, base, hits, n);
	for (k = 0; k < n; k++)
		printf("%s: %s+0x%zx 0x%llx %s PRIVILEGED\n", im->path,
		       sec_name(im, i), hits[k].off,
		       (unsigned long long)hits[k].addr,
		       bh_scan_kind_name(hits[k].kind));
	free(hits);
	return n;
}

static int check_header(const struct image *im)
{
	const Elf64_Ehdr *eh = im->eh;

	if (im->size < sizeof(*eh) || memcmp(eh->e_ident, ELFMAG, SELFMAG) ||
	    eh->e_ident[EI_CLASS] != ELFCLASS64 ||
	    eh->e_ident[EI_DATA] != ELFDATA2LSB ||
	    eh->e_machine != EM_X86_64)
		return -ENOEXEC;
	if (eh->e_shentsize != sizeof(Elf64_Shdr) || !eh->e_shnum ||
	    !in_file(im, eh->e_shoff, (uint64_t)eh->e_shnum * sizeof(*im->sh)))
		return -ENOEXEC;
	return 0;
}

/* Returns the number of stray hits in the file, or -errno. */
static long scan_file(const char *path)
{
	struct image im = { .path = path };
	struct stat st;
	long stray = 0, r;
	unsigned int i;
	int fd, err;

	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) || st.st_size <= 0) {
		close(fd);
		return -ENOEXEC;
	}
	im.size = st.st_size;
	im.data = mmap(NULL, im.size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (im.data == MAP_FAILED)
		return -errno;
	im.eh = (const Elf64_Ehdr *)im.data;
	err = check_header(&im);
	if (err)
		goto out;
	im.sh = (const Elf64_Shdr *)(im.data + im.eh->e_shoff);
	if (im.eh->e_shstrndx < im.eh->e_shnum &&
	    in_file(&im, im.sh[im.eh->e_shstrndx].sh_offset,
		    im.sh[im.eh->e_shstrndx].sh_size)) {
		im.shstr = (const char *)im.data +
			   im.sh[im.eh->e_shstrndx].sh_offset;
		im.shstr_size = im.sh[im.eh->e_shstrndx].sh_size;
	}
	err = collect_sites(&im);
	if (err)
		goto out;
	im.site_hit = calloc(im.nsites + 1, 1);
	if (!im.site_hit) {
		err = -ENOMEM;
		goto out;
	}
	for (i = 0; i < im.eh->e_shnum; i++) {
		if (im.sh[i].sh_type != SHT_PROGBITS ||
		    !(im.sh[i].sh_flags & SHF_EXECINSTR))
			continue;
		r = scan_section(&im, i);
		if (r >= 0 && priv) {
			long rp = scan_section_priv(&im, i);

			r = rp < 0 ? rp : r + rp;
		}
		if (r < 0) {
			err = r;
			goto out;
		}
		stray += r;
	}
	warn_unused_sites(&im);
	fprintf(stderr, "%s: %zu gate site(s), %ld stray hit(s)\n",
		path, im.nsites, stray);
out:
	free(im.sites);
	free(im.site_sec);
	free(im.site_hit);
	munmap((void *)im.data, im.size);
	return err ? err : stray;
}

static void usage(FILE *f, const char *prog)
{
	fprintf(f,
		"usage: %s [-q] [-p] ELF-FILE...\n"
		"Scan every executable section of each ELF64 x86-64 file (program,\n"
		"shared object, .o or .ko) for WRPKRU, VMFUNC, XRSTOR(64) and XRSTORS\n"
		"at every byte offset, and check each hit against the sanctioned\n"
		"gate sites (__bh_gate_site_* symbols, section .bh_gate_sites).\n"
		"Prints FILE: SECTION+0xOFF 0xADDR KIND sanctioned|STRAY per hit\n"
		"(-q: stray hits only) and a summary line per file on stderr.\n"
		"-p also flags privileged instructions at every offset (MOV to\n"
		"CR/DR, WRMSR, LGDT/LIDT/LLDT/LTR, SWAPGS, WRGSBASE, XSETBV,\n"
		"INVD/WBINVD, VMX), as PRIVILEGED: none is ever sanctioned.\n"
		"Exit status: 0 no stray hit, 1 a stray hit, 2 error.\n"
		"An isolated driver must pass with -p: bhdomains.ko refuses\n"
		"to map code with a stray or privileged hit into a domain.\n", prog);
}

int main(int argc, char **argv)
{
	int i = 1, ret = 0;
	long r;

	if (i < argc && (!strcmp(argv[i], "-h") ||
			 !strcmp(argv[i], "--help"))) {
		usage(stdout, argv[0]);
		return 0;
	}
	for (; i < argc && argv[i][0] == '-' && argv[i][1] && !argv[i][2]; i++) {
		if (argv[i][1] == 'q')
			quiet = 1;
		else if (argv[i][1] == 'p')
			priv = 1;
		else
			break;
	}
	if (i >= argc || argv[i][0] == '-') {
		usage(stderr, argv[0]);
		return 2;
	}
	for (; i < argc; i++) {
		r = scan_file(argv[i]);
		if (r == -ENOEXEC) {
			fprintf(stderr, "%s: not an ELF64 x86-64 file with section headers (give a program, .o or .ko)\n",
				argv[i]);
			return 2;
		}
		if (r < 0) {
			fprintf(stderr, "%s: %s\n", argv[i], strerror(-r));
			return 2;
		}
		if (r > 0)
			ret = 1;
	}
	return ret;
}
