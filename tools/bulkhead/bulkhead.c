// SPDX-License-Identifier: GPL-2.0
/*
 * bulkhead.c - the `bulkhead` command: what the minivisor and its domains
 * are doing.
 *
 *   bulkhead status                      sysfs and debugfs, no BPF
 *   bulkhead top [-n ITER] [-d SECS]     VM exits, gate crossings, faults
 *   bulkhead trace [-n EVENTS] [-t SECS] [-e EVENT,...]
 *                                        domain events, one line each
 *
 * Context: user space (root), on the machine Bulkhead runs on.  top and
 * trace attach the BPF programs of bulkhead.bpf.c (embedded in this
 * binary) to the bulkhead trace events and read them from a ring buffer.
 * Linked statically (libbpf, libelf, libz) so it runs from a busybox
 * initramfs.  Manual: bulkhead.8.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include <linux/bpf.h>
#include <bpf/libbpf.h>
#include "bulkhead_tp.h"

#define MV_DIR		"/sys/kernel/bulkhead/minivisor"
#define DOM_DIR		"/sys/kernel/debug/bhdomains"
#define PKS_DIR		"/sys/kernel/debug/bhpks"
#define DEBUGFS		"/sys/kernel/debug"

#define MAX_CPUS	64
#define MAX_REASONS	128
#define MAX_DOMS	64
#define BUF_SIZE	(64 * 1024)

/* the BPF object, built by the Makefile and embedded here */
extern const char bh_bpf_obj[], bh_bpf_obj_end[];
asm(".pushsection .rodata\n"
    ".balign 8\n"
    ".global bh_bpf_obj\n"
    "bh_bpf_obj:\n"
    ".incbin \"" BH_BPF_OBJ "\"\n"
    ".global bh_bpf_obj_end\n"
    "bh_bpf_obj_end:\n"
    ".popsection\n");

static bool verbose;
static volatile sig_atomic_t stop;

/* ---- small helpers ------------------------------------------------------ */

static void __attribute__((noreturn, format(printf, 1, 2)))
die(const char *fmt, ...)
{
	va_list ap;

	fputs("bulkhead: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

static bool exists(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0;
}

/* the whole file into buf (NUL-terminated); bytes read or -1 */
static ssize_t read_file(const char *path, char *buf, size_t size)
{
	FILE *f = fopen(path, "r");
	size_t n;

	if (!f)
		return -1;
	n = fread(buf, 1, size - 1, f);
	buf[n] = '\0';
	fclose(f);
	return n;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static const char *perm_str(unsigned int perm, char buf[4])
{
	buf[0] = perm & 1 ? 'r' : '-';
	buf[1] = perm & 2 ? 'w' : '-';
	buf[2] = perm & 4 ? 'x' : '-';
	buf[3] = '\0';
	return buf;
}

/* "16.5 MiB" for a number of 4 KiB pages */
static const char *mem_str(unsigned long long pages, char *buf, size_t size)
{
	unsigned long long kib = pages * 4;

	if (kib < 1024)
		snprintf(buf, size, "%llu KiB", kib);
	else
		snprintf(buf, size, "%.1f MiB", kib / 1024.0);
	return buf;
}

/* value of "key=NUMBER" in a line, or def */
static unsigned long long kv(const char *line, const char *key,
			     unsigned long long def)
{
	size_t n = strlen(key);
	const char *p = line;

	while ((p = strstr(p, key))) {
		if ((p == line || p[-1] == ' ') && p[n] == '=')
			return strtoull(p + n + 1, NULL, 0);
		p += n;
	}
	return def;
}

/* ---- bulkhead status ---------------------------------------------------- */

static const char status_usage[] =
	"usage: bulkhead status [-h]\n"
	"\n"
	"The minivisor (version, each CPU: virtualized or not, its exit and\n"
	"hypercall counters), the domains of bhdomains (name, id, mode, memory,\n"
	"live or dead, gate crossings) and the PKS backend, read from\n"
	MV_DIR "/ and " DOM_DIR "/.  Needs no BPF.\n";

static void status_minivisor(char *buf)
{
	char ver[64] = "?", *line, *save;
	int on = 0, all = 0;

	read_file(MV_DIR "/version", ver, sizeof(ver));
	ver[strcspn(ver, "\n")] = '\0';
	if (read_file(MV_DIR "/cpus", buf, BUF_SIZE) < 0)
		die("cannot read " MV_DIR "/cpus: %s", strerror(errno));
	for (line = strtok_r(buf, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		char cpu[16], state[16];

		if (sscanf(line, "%15s %15s", cpu, state) != 2)
			continue;
		all++;
		on += !strcmp(state, "on");
	}
	printf("minivisor %s: %d of %d CPUs virtualized\n", ver, on, all);
	read_file(MV_DIR "/cpus", buf, BUF_SIZE);
	for (line = strtok_r(buf, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save))
		printf("  %s\n", line);
}

static void status_domains(char *buf)
{
	char *line, *save, mem[32], granted[32];
	int n = 0;

	if (read_file(DOM_DIR "/domains", buf, BUF_SIZE) < 0) {
		if (exists("/sys/module/bhdomains") && !exists(DOM_DIR))
			printf("domains: bhdomains is loaded but debugfs is not mounted (mount -t debugfs none " DEBUGFS ")\n");
		else
			printf("domains: none (bhdomains.ko not loaded)\n");
		return;
	}
	for (line = buf; *line; line++)
		n += *line == '\n';
	printf("domains: %d (bhdomains, EPT views)\n", n);
	if (!n)
		return;
	printf("  %-20s %3s  %-4s  %10s  %10s  %-5s  %s\n", "NAME", "ID",
	       "MODE", "MEMORY", "GRANTED", "STATE", "CROSSINGS");
	for (line = strtok_r(buf, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		char name[64] = "?", mode[16] = "?", state[16] = "?";
		const char *p;

		sscanf(line, "%63s", name);
		p = strstr(line, "mode=");
		if (p)
			sscanf(p, "mode=%15s", mode);
		p = strstr(line, "state=");
		if (p)
			sscanf(p, "state=%15s", state);
		printf("  %-20s %3llu  %-4s  %10s  %10s  %-5s  %llu\n", name,
		       kv(line, "id", 0), mode,
		       mem_str(kv(line, "pages", 0), mem, sizeof(mem)),
		       mem_str(kv(line, "granted", 0), granted,
			       sizeof(granted)),
		       state, kv(line, "crossings", 0));
	}
}

static void status_pks(char *buf)
{
	char *line, *save;

	if (read_file(PKS_DIR "/status", buf, BUF_SIZE) < 0) {
		printf("PKS backend: not loaded\n");
		return;
	}
	printf("PKS backend (bhpks, protection keys):\n");
	for (line = strtok_r(buf, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save))
		printf("  %s\n", line);
}

static int cmd_status(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' }, { 0 }
	};
	char *buf;
	int c;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (c == 'h') {
			fputs(status_usage, stdout);
			return 0;
		}
		fputs(status_usage, stderr);
		return 2;
	}
	if (!exists(MV_DIR) && !exists(PKS_DIR "/status"))
		die("the minivisor is not loaded (no " MV_DIR "): insmod bulkhead.ko first");
	buf = malloc(BUF_SIZE);
	if (!buf)
		die("out of memory");
	if (exists(MV_DIR))
		status_minivisor(buf);
	else
		printf("minivisor: not loaded (no " MV_DIR ")\n");
	status_domains(buf);
	status_pks(buf);
	free(buf);
	return 0;
}

/* ---- the BPF side: events, tracefs, load and attach ---------------------- */

struct bh_ev_desc {
	const char *name;	/* short name (-e) */
	const char *event;	/* trace event */
	const char *prog;	/* BPF program */
	/* a field and its offset in bulkhead_tp.h, checked against format */
	struct { const char *field; unsigned int off; } check[3];
};

#define CHK(st, f) { #f, offsetof(struct st, f) }
static const struct bh_ev_desc evs[BH_EV_NR] = {
	[BH_EV_CREATE] = { "create", "bulkhead_domain_create", "bh_create",
		{ CHK(bh_tp_create, name), CHK(bh_tp_create, cpu),
		  CHK(bh_tp_create, cpus) } },
	[BH_EV_GRANT] = { "grant", "bulkhead_domain_grant", "bh_grant",
		{ CHK(bh_tp_grant, id), CHK(bh_tp_grant, va),
		  CHK(bh_tp_grant, err) } },
	[BH_EV_REVOKE] = { "revoke", "bulkhead_domain_revoke", "bh_revoke",
		{ CHK(bh_tp_revoke, name), CHK(bh_tp_revoke, pages) } },
	[BH_EV_FAULT] = { "fault", "bulkhead_domain_fault", "bh_fault",
		{ CHK(bh_tp_fault, cpu), CHK(bh_tp_fault, addr),
		  CHK(bh_tp_fault, reason) } },
	[BH_EV_KILL] = { "kill", "bulkhead_domain_kill", "bh_kill",
		{ CHK(bh_tp_kill, name), CHK(bh_tp_kill, was_dead) } },
	[BH_EV_RELOAD] = { "reload", "bulkhead_domain_reload", "bh_reload",
		{ CHK(bh_tp_reload, name), CHK(bh_tp_reload, generation) } },
	[BH_EV_CROSSING] = { "crossing", "bulkhead_crossing", "bh_crossing",
		{ CHK(bh_tp_crossing, cpu), CHK(bh_tp_crossing, count) } },
	[BH_EV_EXITS] = { "exits", "bulkhead_exits", "bh_exits",
		{ CHK(bh_tp_exits, cpu), CHK(bh_tp_exits, count),
		  CHK(bh_tp_exits, reason_name) } },
};

#define EV_BIT(t)	(1u << (t))
#define EV_DOMAIN	(EV_BIT(BH_EV_CREATE) | EV_BIT(BH_EV_GRANT) |	\
			 EV_BIT(BH_EV_REVOKE) | EV_BIT(BH_EV_FAULT) |	\
			 EV_BIT(BH_EV_KILL) | EV_BIT(BH_EV_RELOAD))

struct bh_bpf {
	struct bpf_object *obj;
	struct ring_buffer *rb;
	struct bpf_link *links[BH_EV_NR];
	unsigned int attached;	/* EV_BIT()s */
};

static int libbpf_print(enum libbpf_print_level level, const char *fmt,
			va_list ap)
{
	(void)level;
	return verbose ? vfprintf(stderr, fmt, ap) : 0;
}

/* the events directory of tracefs, or NULL */
static const char *tracefs_events(void)
{
	if (exists("/sys/kernel/tracing/events"))
		return "/sys/kernel/tracing/events";
	if (exists(DEBUGFS "/tracing/events"))
		return DEBUGFS "/tracing/events";
	return NULL;
}

/* compare the record layout the kernel reports with bulkhead_tp.h */
static void check_format(const char *events, const struct bh_ev_desc *d)
{
	char path[PATH_MAX], *buf = malloc(BUF_SIZE);
	unsigned int i;

	if (!buf)
		die("out of memory");
	snprintf(path, sizeof(path), "%s/bulkhead/%s/format", events, d->event);
	if (read_file(path, buf, BUF_SIZE) < 0)
		die("cannot read %s: %s", path, strerror(errno));
	for (i = 0; i < 3 && d->check[i].field; i++) {
		char pat[64];
		const char *p = buf, *o;
		bool found = false;

		/* "field:TYPE NAME;" or "field:TYPE NAME[N];" */
		snprintf(pat, sizeof(pat), " %s", d->check[i].field);
		while ((p = strstr(p, pat))) {
			p += strlen(pat);
			if (*p != ';' && *p != '[')
				continue;
			o = strstr(p, "offset:");
			if (!o)
				break;
			found = true;
			if ((unsigned int)atoi(o + 7) != d->check[i].off)
				die("event %s: field %s at offset %d, this tool expects %u: the tool and the modules do not match; rebuild both",
				    d->event, d->check[i].field, atoi(o + 7),
				    d->check[i].off);
			break;
		}
		if (!found)
			die("event %s has no field %s: the tool and the modules do not match; rebuild both",
			    d->event, d->check[i].field);
	}
	free(buf);
}

/* can this process use bpf() at all? dies with what to do if not */
static void check_bpf_syscall(void)
{
	union bpf_attr attr;

	memset(&attr, 0, sizeof(attr));
	if (syscall(__NR_bpf, BPF_PROG_LOAD, &attr, sizeof(attr)) >= 0)
		return;
	if (errno == ENOSYS)
		die("this kernel has no bpf() system call (needs CONFIG_BPF_SYSCALL, CONFIG_BPF_EVENTS): top and trace cannot run; `bulkhead status` works without BPF");
	if (errno == EPERM || errno == EACCES)
		die("not allowed to use bpf() (%s): run as root (CAP_BPF and CAP_PERFMON)",
		    strerror(errno));
}

/*
 * Attach the programs of the events in want that exist; every event in
 * need must exist.  Events go to handle(ctx, event).
 */
static void bh_bpf_open(struct bh_bpf *b, unsigned int want,
			unsigned int need, ring_buffer_sample_fn handle,
			void *ctx)
{
	LIBBPF_OPTS(bpf_object_open_opts, oo, .object_name = "bulkhead");
	const char *events = tracefs_events();
	char path[PATH_MAX];
	int t, err;

	memset(b, 0, sizeof(*b));
	if (!events)
		die("no tracefs: mount it (mount -t tracefs nodev /sys/kernel/tracing); the kernel needs CONFIG_FTRACE and CONFIG_PERF_EVENTS");
	snprintf(path, sizeof(path), "%s/bulkhead", events);
	if (!exists(path))
		die("no bulkhead trace events in %s: load the modules first (insmod bulkhead.ko; insmod bhdomains.ko for the domain events)",
		    events);
	for (t = 1; t < BH_EV_NR; t++) {
		snprintf(path, sizeof(path), "%s/bulkhead/%s", events,
			 evs[t].event);
		if (!exists(path)) {
			if (need & EV_BIT(t))
				die("no trace event bulkhead/%s: %s", evs[t].event,
				    t == BH_EV_EXITS ? "insmod bulkhead.ko first" :
				    "insmod bhdomains.ko first");
			want &= ~EV_BIT(t);
		}
	}
	check_bpf_syscall();
	libbpf_set_print(libbpf_print);
	b->obj = bpf_object__open_mem(bh_bpf_obj, bh_bpf_obj_end - bh_bpf_obj,
				      &oo);
	if (!b->obj)
		die("cannot open the embedded BPF object: %s", strerror(errno));
	for (t = 1; t < BH_EV_NR; t++) {
		struct bpf_program *p;

		p = bpf_object__find_program_by_name(b->obj, evs[t].prog);
		if (!p)
			die("BPF program %s missing from the object", evs[t].prog);
		bpf_program__set_autoload(p, want & EV_BIT(t));
		if (want & EV_BIT(t))
			check_format(events, &evs[t]);
	}
	err = bpf_object__load(b->obj);
	if (err)
		die("cannot load the BPF programs (%s)%s", strerror(-err),
		    verbose ? "" : "; run with -v for the verifier's words");
	for (t = 1; t < BH_EV_NR; t++) {
		struct bpf_program *p;

		if (!(want & EV_BIT(t)))
			continue;
		p = bpf_object__find_program_by_name(b->obj, evs[t].prog);
		b->links[t] = bpf_program__attach(p);
		if (!b->links[t]) {
			err = errno;
			die("cannot attach to bulkhead/%s (%s)%s", evs[t].event,
			    strerror(err),
			    err == ENOSYS || err == EINVAL ? ": the kernel needs CONFIG_PERF_EVENTS and CONFIG_BPF_EVENTS" :
			    err == EPERM || err == EACCES ? ": run as root" : "");
		}
		b->attached |= EV_BIT(t);
	}
	b->rb = ring_buffer__new(bpf_object__find_map_fd_by_name(b->obj,
								 "events"),
				 handle, ctx, NULL);
	if (!b->rb)
		die("cannot open the BPF ring buffer: %s", strerror(errno));
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
}

static void bh_bpf_close(struct bh_bpf *b)
{
	int t;

	ring_buffer__free(b->rb);
	for (t = 0; t < BH_EV_NR; t++)
		bpf_link__destroy(b->links[t]);
	bpf_object__close(b->obj);
}

/* one line on stderr once attached: scripts wait for it */
static void bh_say_attached(const struct bh_bpf *b)
{
	int t;

	fprintf(stderr, "bulkhead: tracing");
	for (t = 1; t < BH_EV_NR; t++)
		if (b->attached & EV_BIT(t))
			fprintf(stderr, " %s", evs[t].name);
	fprintf(stderr, " (Ctrl-C to stop)\n");
}

/* poll until deadline (monotonic seconds), a signal, or done() */
static void bh_bpf_poll(struct bh_bpf *b, double deadline,
			bool (*done)(void))
{
	while (!stop && !(done && done())) {
		double left = deadline - now_s();
		int err;

		if (left <= 0)
			break;
		err = ring_buffer__poll(b->rb, left > 0.1 ? 100 :
					(int)(left * 1000) + 1);
		if (err < 0 && err != -EINTR)
			die("reading the BPF ring buffer: %s", strerror(-err));
	}
	ring_buffer__consume(b->rb);
}

/* ---- bulkhead top ------------------------------------------------------- */

static const char top_usage[] =
	"usage: bulkhead top [-n ITER] [-d SECS] [-v] [-h]\n"
	"\n"
	"Every SECS seconds (default 2), what happened in that interval: VM\n"
	"exits by reason and CPU, gate crossings by domain and CPU, domain\n"
	"faults.  ITER intervals (default: until interrupted).  Exits and\n"
	"crossings are sampled by the modules every 250 ms.  Needs the\n"
	"bulkhead_exits event (bulkhead.ko); domains need bhdomains.ko.\n"
	"Says \"bulkhead: tracing ...\" on stderr once attached.\n";

struct top_state {
	char reason_name[MAX_REASONS][BH_TP_EXIT_NAME_LEN];
	unsigned long long exits[MAX_REASONS][MAX_CPUS];
	struct {
		char name[BH_TP_NAME_LEN];
		unsigned long long crossings[MAX_CPUS];
		unsigned long long faults, faults_total;
		char reason[BH_TP_REASON_LEN];
	} dom[MAX_DOMS];
	int ndom;
	int ncpu;
};

static int top_dom(struct top_state *s, const char *name)
{
	int i;

	for (i = 0; i < s->ndom; i++)
		if (!strcmp(s->dom[i].name, name))
			return i;
	if (s->ndom == MAX_DOMS)
		return -1;
	snprintf(s->dom[s->ndom].name, BH_TP_NAME_LEN, "%s", name);
	return s->ndom++;
}

static int top_event(void *ctx, void *data, size_t size)
{
	struct top_state *s = ctx;
	const struct bh_event *e = data;
	int d, cpu = e->cpu;

	if (size < sizeof(*e) || cpu < 0 || cpu >= MAX_CPUS)
		return 0;
	if (cpu + 1 > s->ncpu)
		s->ncpu = cpu + 1;
	switch (e->type) {
	case BH_EV_EXITS:
		if (e->id >= MAX_REASONS)
			break;
		memcpy(s->reason_name[e->id], e->name, BH_TP_EXIT_NAME_LEN);
		s->reason_name[e->id][BH_TP_EXIT_NAME_LEN - 1] = '\0';
		s->exits[e->id][cpu] += e->a;
		break;
	case BH_EV_CROSSING:
		d = top_dom(s, e->name);
		if (d >= 0)
			s->dom[d].crossings[cpu] += e->a;
		break;
	case BH_EV_FAULT:
		d = top_dom(s, e->name);
		if (d >= 0) {
			s->dom[d].faults++;
			s->dom[d].faults_total++;
			memcpy(s->dom[d].reason, e->text, BH_TP_REASON_LEN);
		}
		break;
	}
	return 0;
}

static void top_print(struct top_state *s, double secs, int iter, int niter,
		      unsigned int attached)
{
	unsigned long long sum;
	int r, c, d, lines;

	printf("bulkhead top: interval %d%s%d, %.1f s\n", iter,
	       niter ? " of " : "", niter, secs);
	printf("VM exits by reason            total       /s  per CPU\n");
	lines = 0;
	for (r = 0; r < MAX_REASONS; r++) {
		for (sum = 0, c = 0; c < s->ncpu; c++)
			sum += s->exits[r][c];
		if (!sum)
			continue;
		printf("  %-24s %9llu %8.1f ", s->reason_name[r], sum,
		       sum / secs);
		for (c = 0; c < s->ncpu; c++)
			printf(" cpu%d=%llu", c, s->exits[r][c]);
		printf("\n");
		lines++;
	}
	if (!lines)
		printf("  (none)\n");
	printf("gate crossings by domain      total       /s  per CPU\n");
	lines = 0;
	for (d = 0; d < s->ndom; d++) {
		for (sum = 0, c = 0; c < s->ncpu; c++)
			sum += s->dom[d].crossings[c];
		if (!sum)
			continue;
		printf("  %-24s %9llu %8.1f ", s->dom[d].name, sum, sum / secs);
		for (c = 0; c < s->ncpu; c++)
			printf(" cpu%d=%llu", c, s->dom[d].crossings[c]);
		printf("\n");
		lines++;
	}
	if (!(attached & EV_BIT(BH_EV_CROSSING)))
		printf("  (no domain events: bhdomains.ko not loaded)\n");
	else if (!lines)
		printf("  (none)\n");
	printf("domain faults                 this    total  last reason\n");
	lines = 0;
	for (d = 0; d < s->ndom; d++) {
		if (!s->dom[d].faults_total)
			continue;
		printf("  %-24s %9llu %8llu  %s\n", s->dom[d].name,
		       s->dom[d].faults, s->dom[d].faults_total,
		       s->dom[d].reason);
		lines++;
	}
	if (attached & EV_BIT(BH_EV_FAULT) && !lines)
		printf("  (none)\n");
	fflush(stdout);
}

static int cmd_top(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' }, { 0 }
	};
	struct top_state *s;
	struct bh_bpf b;
	double secs = 2, start;
	int c, d, niter = 0, iter;
	bool tty = isatty(STDOUT_FILENO);

	while ((c = getopt_long(argc, argv, "n:d:vh", opts, NULL)) != -1) {
		switch (c) {
		case 'n':
			niter = atoi(optarg);
			break;
		case 'd':
			secs = atof(optarg);
			break;
		case 'v':
			verbose = true;
			break;
		case 'h':
			fputs(top_usage, stdout);
			return 0;
		default:
			fputs(top_usage, stderr);
			return 2;
		}
	}
	if (niter < 0 || secs <= 0 || optind < argc) {
		fputs(top_usage, stderr);
		return 2;
	}
	s = calloc(1, sizeof(*s));
	if (!s)
		die("out of memory");
	bh_bpf_open(&b, EV_BIT(BH_EV_EXITS) | EV_BIT(BH_EV_CROSSING) |
		    EV_BIT(BH_EV_FAULT), EV_BIT(BH_EV_EXITS), top_event, s);
	bh_say_attached(&b);
	for (iter = 1; !stop && (!niter || iter <= niter); iter++) {
		start = now_s();
		bh_bpf_poll(&b, start + secs, NULL);
		if (tty && niter != 1)
			printf("\033[H\033[J");
		top_print(s, now_s() - start, iter, niter, b.attached);
		memset(s->exits, 0, sizeof(s->exits));
		for (d = 0; d < s->ndom; d++) {
			memset(s->dom[d].crossings, 0,
			       sizeof(s->dom[d].crossings));
			s->dom[d].faults = 0;
		}
	}
	bh_bpf_close(&b);
	free(s);
	return 0;
}

/* ---- bulkhead trace ----------------------------------------------------- */

static const char trace_usage[] =
	"usage: bulkhead trace [-n EVENTS] [-t SECS] [-e EVENT,...] [-v] [-h]\n"
	"\n"
	"One line per domain event as it happens: create, grant, revoke,\n"
	"fault, kill, reload (default: all of these; -e also takes crossing\n"
	"and exits).  Stops after EVENTS events (-n), after SECS seconds\n"
	"(-t; exit status 1 if -n was given and fewer came), or on Ctrl-C.\n"
	"Says \"bulkhead: tracing ...\" on stderr once attached.\n";

static long trace_max, trace_seen;

static bool trace_done(void)
{
	return trace_max && trace_seen >= trace_max;
}

static int trace_event(void *ctx, void *data, size_t size)
{
	const struct bh_event *e = data;
	char perm[4];

	(void)ctx;
	if (size < sizeof(*e) || e->type >= BH_EV_NR || !e->type ||
	    trace_done())
		return 0;
	printf("%12.6f %-8s ", e->ts / 1e9, evs[e->type].name);
	if (e->type == BH_EV_EXITS)
		printf("cpu=%d reason=%s count=%llu\n", e->cpu, e->name,
		       (unsigned long long)e->a);
	else
		printf("domain=%s id=%u cpu=%d", e->name, e->id, e->cpu);
	switch (e->type) {
	case BH_EV_CREATE:
		printf(" views=%u\n", e->u);
		break;
	case BH_EV_GRANT:
		printf(" va=%#llx len=%#llx perm=%s err=%lld\n",
		       (unsigned long long)e->a, (unsigned long long)e->b,
		       perm_str(e->u, perm), (long long)e->c);
		break;
	case BH_EV_REVOKE:
		printf(" pages=%llu\n", (unsigned long long)e->a);
		break;
	case BH_EV_FAULT:
		printf(" addr=%#llx reason=\"%s\"\n", (unsigned long long)e->a,
		       e->text);
		break;
	case BH_EV_KILL:
		printf(" state=dead%s\n", e->u ? " (was dead already)" : "");
		break;
	case BH_EV_RELOAD:
		printf(" generation=%u\n", e->u);
		break;
	case BH_EV_CROSSING:
		printf(" count=%llu\n", (unsigned long long)e->a);
		break;
	}
	fflush(stdout);
	trace_seen++;
	return 0;
}

/* "fault,kill" -> EV_BIT()s */
static unsigned int trace_parse_events(char *list)
{
	unsigned int mask = 0;
	char *tok, *save;
	int t;

	for (tok = strtok_r(list, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		for (t = 1; t < BH_EV_NR; t++)
			if (!strcmp(tok, evs[t].name))
				break;
		if (t == BH_EV_NR)
			die("no event called \"%s\" (create, grant, revoke, fault, kill, reload, crossing, exits)",
			    tok);
		mask |= EV_BIT(t);
	}
	return mask;
}

static int cmd_trace(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' }, { 0 }
	};
	unsigned int want = EV_DOMAIN;
	double secs = 0;
	struct bh_bpf b;
	int c;

	while ((c = getopt_long(argc, argv, "n:t:e:vh", opts, NULL)) != -1) {
		switch (c) {
		case 'n':
			trace_max = atol(optarg);
			break;
		case 't':
			secs = atof(optarg);
			break;
		case 'e':
			want = trace_parse_events(optarg);
			break;
		case 'v':
			verbose = true;
			break;
		case 'h':
			fputs(trace_usage, stdout);
			return 0;
		default:
			fputs(trace_usage, stderr);
			return 2;
		}
	}
	if (trace_max < 0 || secs < 0 || optind < argc) {
		fputs(trace_usage, stderr);
		return 2;
	}
	bh_bpf_open(&b, want, want, trace_event, NULL);
	bh_say_attached(&b);
	bh_bpf_poll(&b, secs ? now_s() + secs : 1e300, trace_done);
	bh_bpf_close(&b);
	if (trace_max && trace_seen < trace_max) {
		fprintf(stderr, "bulkhead: %ld of %ld events in %g s\n",
			trace_seen, trace_max, secs);
		return 1;
	}
	return 0;
}

/* ---- main --------------------------------------------------------------- */

static const char main_usage[] =
	"usage: bulkhead COMMAND [OPTIONS]\n"
	"\n"
	"  status                       the minivisor, its CPUs and the domains\n"
	"                               (sysfs, debugfs; no BPF needed)\n"
	"  top [-n ITER] [-d SECS]      VM exits by reason, gate crossings and\n"
	"                               faults per domain, refreshed\n"
	"  trace [-n EVENTS] [-t SECS] [-e EVENT,...]\n"
	"                               domain events, one line each\n"
	"\n"
	"Every command takes -h (--help).  top and trace need root, tracefs,\n"
	"BPF and the modules loaded.  Manual: bulkhead(8).\n";

int main(int argc, char **argv)
{
	const char *cmd = argc > 1 ? argv[1] : "";

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!strcmp(cmd, "status"))
		return cmd_status(argc - 1, argv + 1);
	if (!strcmp(cmd, "top"))
		return cmd_top(argc - 1, argv + 1);
	if (!strcmp(cmd, "trace"))
		return cmd_trace(argc - 1, argv + 1);
	if (!strcmp(cmd, "-h") || !strcmp(cmd, "--help") ||
	    !strcmp(cmd, "help")) {
		fputs(main_usage, stdout);
		return 0;
	}
	fprintf(stderr, "bulkhead: %s%s\n%s", *cmd ? "unknown command: " :
		"no command", cmd, main_usage);
	return 2;
}
