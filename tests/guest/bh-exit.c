// SPDX-License-Identifier: GPL-2.0
/*
 * bh-exit - end the emulator from inside the test machine.
 *
 * Context: guest user space (static binary in the initramfs, run as root).
 *
 *   bh-exit ENGINE STATUS
 *
 * Drains the console first (the last KTAP lines must reach the host), then:
 *   bochs:          writes "Shutdown" byte by byte to I/O port 0x8900;
 *   qemu-kvm/-tcg:  writes STATUS to isa-debug-exit at port 0xf4 (QEMU
 *                   exits with (STATUS << 1) | 1).
 * Falls back to reboot(2) (the emulators are started with no-reboot).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <termios.h>
#include <unistd.h>
#include <sys/io.h>
#include <sys/reboot.h>

static void drain_console(void)
{
	int fd = open("/dev/console", O_WRONLY | O_NOCTTY);

	if (fd >= 0) {
		tcdrain(fd);
		close(fd);
	}
	/* tcdrain waits for the UART FIFO to empty, not the wire: be safe. */
	usleep(200000);
}

int main(int argc, char **argv)
{
	const char *engine = argc > 1 ? argv[1] : "bochs";
	int status = argc > 2 ? atoi(argv[2]) : 0;
	const char *s;

	sync();
	drain_console();
	if (!strcmp(engine, "bochs")) {
		if (ioperm(0x8900, 1, 1) == 0)
			for (s = "Shutdown"; *s; s++)
				outb((unsigned char)*s, 0x8900);
	} else {
		if (ioperm(0xf4, 4, 1) == 0)
			outl((unsigned int)status, 0xf4);
	}
	reboot(RB_POWER_OFF);
	perror("bh-exit");
	return 1;
}
