/*
 * netem: loss, reordering and delay between QEMU and a tap device, in user
 * space, for hosts whose kernel has no sch_netem (tools/run --netem).
 *
 * The kernels of this project's machines are built without sch_netem and
 * without modules, so `tc qdisc add ... netem` cannot run there. tools/run
 * then gives QEMU a UDP socket netdev instead of the tap (each Ethernet frame
 * one datagram on the namespace's loopback) and starts this relay, which
 * forwards frames between that socket and tap0, both ways, impairing each
 * direction as netem would: a frame is lost with probability `loss`; of the
 * rest, `reorder` percent go out at once and all others after `delay` ms,
 * so the ones sent at once overtake those in the queue (netem's "reorder P
 * delay D"). Frames waiting are bounded (QUEUE_MAX per direction; beyond
 * that they are dropped and counted, like a full qdisc).
 *
 * usage: netem TAP LOCAL-UDP-PORT QEMU-UDP-PORT loss=P,reorder=P,delay=MS[,seed=N]
 * On SIGTERM/SIGINT it prints what it did, one line per direction, and exits.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define FRAME_MAX 65536
#define QUEUE_MAX 4096

struct frame {
	uint64_t due_ns;
	size_t len;
	unsigned char *data;
};

/* One direction: frames read from `in`, written to the peer by `out`. */
struct dir {
	const char *name;
	struct frame q[QUEUE_MAX]; /* FIFO: one delay, so dues are in order */
	unsigned head, n;
	unsigned long frames, lost, reordered, delayed, overflow, errors;
	int (*out)(const unsigned char *p, size_t len);
};

static int tap_fd, udp_fd;
static struct sockaddr_in qemu_addr;
static unsigned loss_pct, reorder_pct, delay_ms;
static volatile sig_atomic_t stop;
static uint64_t rng;

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* A percentage draw; xorshift64* is plenty for picking frames to drop. */
static unsigned draw(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return (unsigned)((rng * 0x2545F4914F6CDD1Dull) >> 33) % 100;
}

static int to_tap(const unsigned char *p, size_t len)
{
	return write(tap_fd, p, len) == (ssize_t)len ? 0 : -1;
}

static int to_qemu(const unsigned char *p, size_t len)
{
	return sendto(udp_fd, p, len, 0, (struct sockaddr *)&qemu_addr,
		      sizeof(qemu_addr)) == (ssize_t)len ? 0 : -1;
}

static void send_frame(struct dir *d, const unsigned char *p, size_t len)
{
	if (d->out(p, len))
		d->errors++;
}

static void arrive(struct dir *d, const unsigned char *p, size_t len)
{
	struct frame *f;

	d->frames++;
	if (draw() < loss_pct) {
		d->lost++;
		return;
	}
	if (delay_ms == 0 || draw() < reorder_pct) {
		if (delay_ms && d->n)
			d->reordered++; /* overtakes the frames waiting */
		send_frame(d, p, len);
		return;
	}
	f = &d->q[(d->head + d->n) % QUEUE_MAX];
	if (d->n == QUEUE_MAX || !(f->data = malloc(len))) {
		d->overflow++;
		return;
	}
	memcpy(f->data, p, len);
	f->len = len;
	f->due_ns = now_ns() + (uint64_t)delay_ms * 1000000u;
	d->n++;
	d->delayed++;
}

/* Sends what is due; returns ns until the next frame is, or -1. */
static int64_t flush(struct dir *d, uint64_t now)
{
	while (d->n) {
		struct frame *f = &d->q[d->head];

		if (f->due_ns > now)
			return (int64_t)(f->due_ns - now);
		send_frame(d, f->data, f->len);
		free(f->data);
		d->head = (d->head + 1) % QUEUE_MAX;
		d->n--;
	}
	return -1;
}

static void report(const struct dir *d)
{
	fprintf(stderr,
		"netem: %s: %lu frames, %lu lost, %lu delayed, %lu reordered, "
		"%lu dropped (queue full), %lu send errors\n",
		d->name, d->frames, d->lost, d->delayed, d->reordered,
		d->overflow, d->errors);
}

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static int open_tap(const char *name)
{
	struct ifreq ifr;
	int fd = open("/dev/net/tun", O_RDWR);

	if (fd < 0)
		return -1;
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static int open_udp(unsigned port)
{
	struct sockaddr_in a = { .sin_family = AF_INET,
				 .sin_port = htons((uint16_t)port),
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	int sz = 4 << 20;

	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
	setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz));
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static int parse_spec(char *spec)
{
	char *tok, *save = NULL;

	rng = 0x9E3779B97F4A7C15ull;
	for (tok = strtok_r(spec, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		unsigned long v;
		char *end, *eq = strchr(tok, '=');

		if (!eq)
			return -1;
		*eq++ = '\0';
		v = strtoul(eq, &end, 10);
		if (*end || end == eq)
			return -1;
		if (!strcmp(tok, "loss") && v <= 100)
			loss_pct = (unsigned)v;
		else if (!strcmp(tok, "reorder") && v <= 100)
			reorder_pct = (unsigned)v;
		else if (!strcmp(tok, "delay") && v <= 10000)
			delay_ms = (unsigned)v;
		else if (!strcmp(tok, "seed"))
			rng = v ? v : 1;
		else
			return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	static struct dir to_guest = { .name = "to guest", .out = to_qemu };
	static struct dir to_host = { .name = "to host", .out = to_tap };
	static unsigned char buf[FRAME_MAX];
	struct sigaction sa = { .sa_handler = on_signal };

	if (argc != 5 || parse_spec(argv[4])) {
		fprintf(stderr, "usage: netem TAP LOCAL-UDP-PORT QEMU-UDP-PORT "
				"loss=P,reorder=P,delay=MS[,seed=N]\n");
		return 2;
	}
	if ((tap_fd = open_tap(argv[1])) < 0) {
		fprintf(stderr, "netem: cannot attach to tap '%s': %s\n", argv[1],
			strerror(errno));
		return 1;
	}
	if ((udp_fd = open_udp((unsigned)atoi(argv[2]))) < 0) {
		fprintf(stderr, "netem: cannot bind UDP port %s: %s\n", argv[2],
			strerror(errno));
		return 1;
	}
	qemu_addr = (struct sockaddr_in){ .sin_family = AF_INET,
					  .sin_port = htons((uint16_t)atoi(argv[3])),
					  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);

	while (!stop) {
		struct pollfd p[2] = { { tap_fd, POLLIN, 0 }, { udp_fd, POLLIN, 0 } };
		uint64_t now = now_ns();
		int64_t a = flush(&to_guest, now), b = flush(&to_host, now);
		int64_t next = a < 0 ? b : b < 0 ? a : a < b ? a : b;
		ssize_t n;

		if (poll(p, 2, next < 0 ? -1 : (int)(next / 1000000 + 1)) < 0)
			continue; /* EINTR: the loop checks stop */
		if ((p[0].revents & POLLIN) && (n = read(tap_fd, buf, sizeof(buf))) > 0)
			arrive(&to_guest, buf, (size_t)n);
		if ((p[1].revents & POLLIN) && (n = recv(udp_fd, buf, sizeof(buf), 0)) > 0)
			arrive(&to_host, buf, (size_t)n);
	}
	report(&to_guest);
	report(&to_host);
	return 0;
}
