/* SPDX-License-Identifier: MIT */
/*
 * qemu-exit: power the Linux baseline guest off with a status, through QEMU's
 * isa-debug-exit device (iobase 0xf4, as tools/run configures it). QEMU then
 * exits with (status << 1) | 1, which tools/run turns back into status.
 *
 * Usage (inside the guest, from /init): qemu-exit [STATUS]   (0..255, default 0)
 * If the port write does not stop QEMU (no such device), it falls back to a
 * plain reboot(POWER_OFF), and QEMU exits 0 ("without a status").
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/io.h>
#include <sys/reboot.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	int status = argc > 1 ? atoi(argv[1]) : 0;

	fflush(NULL);
	sync();
	if (ioperm(0xf4, 4, 1) == 0)
		outb((unsigned char)status, 0xf4);
	else
		perror("qemu-exit: ioperm");
	reboot(RB_POWER_OFF);
	perror("qemu-exit: reboot");
	return 1;
}
