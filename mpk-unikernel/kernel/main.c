/*
 * main.c - kmain and the exit path. Context: unikernel, safe partition,
 * entered once from boot/boot.S in long mode on the safe stack, interrupts
 * off, PKRU_SAFE (if PKU) under the boot identity map.
 * Kernel command line (multiboot): "test" (default) runs the KTAP suite,
 * "bench" runs the workload timing; "only=WORD" restricts the suite to cases
 * whose name contains WORD (the rest print as SKIP). Output: KTAP on COM1, then exit via
 * isa-debug-exit (QEMU) and the Bochs shutdown port.
 */
#include "kernel.h"

struct multiboot_info {
	u32 flags, mem_lower, mem_upper, boot_device, cmdline;
};

static char cmdline[128];
const char *test_only;          /* "only=WORD": run the cases whose name contains WORD */

static void zero(char *a, char *b)
{
	memset(a, 0, (size_t)(b - a));
}

void bh_exit(int status)
{
	cli();
	serial_drain();
	outb(0xf4, (u8)status);                 /* QEMU: exit code 2*status+1 */
	for (const char *s = "Shutdown"; *s; s++)
		outb(0x8900, (u8)*s);           /* Bochs */
	for (;;)
		__asm__ volatile("hlt");
}

static bool has_word(const char *s, const char *w)
{
	size_t n = strlen(w);
	for (; *s; s++)
		if ((s == cmdline || s[-1] == ' ') && !strncmp(s, w, n) &&
		    (s[n] == 0 || s[n] == ' '))
			return true;
	return false;
}

void kmain(u32 magic, u32 info)
{
	zero(__safe_bss_start, __safe_bss_end);
	zero(__unsafe_bss_start, __unsafe_bss_end);
	zero(__user_bss_start, __user_bss_end);
	zero(__shared_bss_start, __shared_bss_end);
	if (magic == 0x2badb002) {
		const struct multiboot_info *mb = (const void *)(u64)info;
		if (mb->flags & 4) {
			const char *s = (const char *)(u64)mb->cmdline;
			for (size_t i = 0; s[i] && i < sizeof(cmdline) - 1; i++)
				cmdline[i] = s[i];
		}
	}
	serial_init();
	kputs("\nKTAP version 1\n");    /* own line even after GRUB's output */
	percpu.safe_rsp = (u64)safe_trap_stack_top;
	percpu.domain = DOM_SAFE;
	cpu_init();
	mm_init();
	kprintf("# bulkhead-uk: %s build, PKU %s, cmdline '%s'\n",
		BH_ISO ? "isolated" : "noiso", pku_on() ? "on" : "absent/off", cmdline);
	timer_init(100);
	sti();

	for (char *s = cmdline; *s; s++)
		if ((s == cmdline || s[-1] == ' ') && !strncmp(s, "only=", 5)) {
			test_only = s + 5;
			for (char *e = s + 5; *e; e++)
				if (*e == ' ')
					*e = 0;
			break;
		}
	if (has_word(cmdline, "bench")) {
		bench_run();
		kprintf("# bulkhead-uk: done status=0\n");
		bh_exit(0);
	}
	int failed = ktest_run();
	kprintf("# bulkhead-uk: done status=%d\n", failed ? 1 : 0);
	bh_exit(failed ? 1 : 0);
}
