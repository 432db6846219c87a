/* SPDX-License-Identifier: MIT */
/* virtio_net_test.c: in-guest tests of the network device without a
 * TCP/IP stack: raw frames to QEMU's user networking (slirp: gateway
 * 10.0.2.2, DHCP server handing out 10.0.2.15), queue mode switching.
 * Without a network device they say so and pass (tests/run boots guests
 * with one and checks that the device was found). */
#include <stdlib.h>
#include <string.h>
#include <unidb/bench.h>
#include <unidb/cpu.h>
#include <unidb/errno.h>
#include <unidb/netdev.h>
#include <unidb/printk.h>
#include <unidb/test.h>
#include <unidb/thread.h>
#include <unidb/time.h>

#include "core/param.h"
#include "drivers/virtio.h"
#include "net/netif.h"

#define WAIT_NS 30000000000ull /* generous: TCG under load is slow */
#define RESEND_NS 500000000ull
#define ETH_P_IP 0x0800
#define ETH_P_ARP 0x0806
#define DHCP_XID 0x756e6964 /* "unid" */

static const uint8_t slirp_gw[4] = {10, 0, 2, 2};
static const uint8_t slirp_guest[4] = {10, 0, 2, 15};

/* The frame the test waits for, filled by the RX thread. */
static struct {
	bool (*match)(const uint8_t *f, size_t len);
	uint8_t frame[1600];
	size_t len;
	volatile bool got;
} cap;

static void cap_input(struct netif *nif, unsigned q, const void *frame,
		      size_t len, unsigned flags)
{
	if (cap.got || !cap.match || !cap.match(frame, len))
		return;
	cap.len = len < sizeof(cap.frame) ? len : sizeof(cap.frame);
	memcpy(cap.frame, frame, cap.len);
	__atomic_store_n(&cap.got, true, __ATOMIC_RELEASE);
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

static uint32_t sum16(const uint8_t *p, size_t len, uint32_t sum)
{
	for (size_t i = 0; i + 1 < len; i += 2)
		sum += get16(p + i);
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	return sum;
}

static uint16_t fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

/* Sends tx until cap.match sees an answer; returns whether one came. */
static bool exchange(struct netif *nif, const struct netif_tx *tx,
		     bool (*match)(const uint8_t *, size_t))
{
	void (*old_input)(struct netif *, unsigned, const void *, size_t,
			  unsigned) = nif->input;
	cap.got = false;
	cap.match = match;
	__atomic_store_n(&nif->input, cap_input, __ATOMIC_RELEASE);
	uint64_t t0 = time_ns(), sent = 0;
	while (!__atomic_load_n(&cap.got, __ATOMIC_ACQUIRE) &&
	       time_ns() - t0 < WAIT_NS) {
		if (!sent || time_ns() - sent > RESEND_NS) {
			EXPECT_EQ(nif->ops->xmit(nif, 0, tx), 0);
			sent = time_ns();
		}
		thread_sleep_ns(1000000);
	}
	__atomic_store_n(&nif->input, old_input, __ATOMIC_RELEASE);
	cap.match = NULL;
	return cap.got;
}

static struct netif *test_netif(const char *test)
{
	struct netif *nif = netif_get(0);
	if (!nif)
		printk("%s: no network device; nothing to test\n", test);
	return nif;
}

/* ---- ARP -------------------------------------------------------------------
 */

static bool is_arp_reply_from_gw(const uint8_t *f, size_t len)
{
	return len >= 42 && get16(f + 12) == ETH_P_ARP && get16(f + 20) == 2 &&
	       !memcmp(f + 28, slirp_gw, 4) && !memcmp(f + 38, slirp_guest, 4);
}

TEST(net_link_arp)
{
	struct netif *nif = test_netif("net_link_arp");
	if (!nif)
		return;
	uint8_t f[60] = {0}; /* padded to Ethernet's minimum */
	memset(f, 0xff, 6);
	memcpy(f + 6, nif->mac, 6);
	put16(f + 12, ETH_P_ARP);
	put16(f + 14, 1); /* htype Ethernet */
	put16(f + 16, ETH_P_IP);
	f[18] = 6, f[19] = 4;
	put16(f + 20, 1); /* request */
	memcpy(f + 22, nif->mac, 6);
	memcpy(f + 28, slirp_guest, 4);
	memcpy(f + 38, slirp_gw, 4);
	struct netif_tx tx = {.frame = f, .len = sizeof(f)};
	ASSERT(exchange(nif, &tx, is_arp_reply_from_gw));
	EXPECT(!memcmp(cap.frame, nif->mac, 6));      /* to us */
	EXPECT(!memcmp(cap.frame + 32, nif->mac, 6)); /* target hw */
	printk("net_link_arp: 10.0.2.2 is at %02x:%02x:%02x:%02x:%02x:%02x\n",
	       cap.frame[22], cap.frame[23], cap.frame[24], cap.frame[25],
	       cap.frame[26], cap.frame[27]);
}

/* ---- DHCP ------------------------------------------------------------------
 */

#define IP_OFF 14
#define UDP_OFF 34
#define BOOTP_OFF 42
#define BOOTP_LEN 300 /* RFC 1542: at least this much */
#define DHCP_FRAME (BOOTP_OFF + BOOTP_LEN)

static bool is_dhcp_offer(const uint8_t *f, size_t len)
{
	const uint8_t *b = f + BOOTP_OFF;
	if (len < BOOTP_OFF + 244 || get16(f + 12) != ETH_P_IP || f[23] != 17 ||
	    get16(f + UDP_OFF) != 67 || get16(f + UDP_OFF + 2) != 68 ||
	    b[0] != 2 || get16(b + 4) != DHCP_XID >> 16 ||
	    get16(b + 6) != (DHCP_XID & 0xffff))
		return false;
	/* Options after the magic cookie: look for message type 2. */
	for (size_t i = 240; BOOTP_OFF + i + 2 < len;) {
		uint8_t code = b[i];
		if (code == 255)
			break;
		if (code == 0) {
			i++;
			continue;
		}
		if (code == 53 && b[i + 1] == 1 && b[i + 2] == 2)
			return true;
		i += 2 + b[i + 1];
	}
	return false;
}

static void build_discover(const struct netif *nif, uint8_t *f)
{
	memset(f, 0, DHCP_FRAME);
	memset(f, 0xff, 6);
	memcpy(f + 6, nif->mac, 6);
	put16(f + 12, ETH_P_IP);
	uint8_t *ip = f + IP_OFF, *udp = f + UDP_OFF, *b = f + BOOTP_OFF;
	ip[0] = 0x45;
	put16(ip + 2, 20 + 8 + BOOTP_LEN);
	ip[8] = 64, ip[9] = 17;
	memset(ip + 16, 0xff, 4); /* from 0.0.0.0 to 255.255.255.255 */
	put16(ip + 10, (uint16_t)~fold(sum16(ip, 20, 0)));
	put16(udp, 68);
	put16(udp + 2, 67);
	put16(udp + 4, 8 + BOOTP_LEN);
	b[0] = 1, b[1] = 1, b[2] = 6; /* request, Ethernet, hlen */
	put16(b + 4, DHCP_XID >> 16);
	put16(b + 6, DHCP_XID & 0xffff);
	put16(b + 10, 0x8000); /* broadcast the answer */
	memcpy(b + 28, nif->mac, 6);
	static const uint8_t opts[] = {99, 130, 83, 99, 53, 1,	1,
				       55, 3,	1,  3,	6,  255};
	memcpy(b + 236, opts, sizeof(opts));
	/* UDP checksum left to the device (or the driver): the field holds
	 * the pseudo-header sum, as netif.h asks for csum_partial. */
	uint32_t ps = sum16(ip + 12, 8, 17 + 8 + BOOTP_LEN);
	put16(udp + 6, fold(ps));
}

TEST(net_dhcp_offer)
{
	struct netif *nif = test_netif("net_dhcp_offer");
	if (!nif)
		return;
	static uint8_t f[DHCP_FRAME];
	build_discover(nif, f);
	struct netif_tx tx = {.frame = f,
			      .len = sizeof(f),
			      .csum_partial = true,
			      .csum_start = UDP_OFF,
			      .csum_offset = 6};
	ASSERT(exchange(nif, &tx, is_dhcp_offer));
	const uint8_t *yiaddr = cap.frame + BOOTP_OFF + 16;
	EXPECT(!memcmp(yiaddr, slirp_guest, 4));
	printk("net_dhcp_offer: offered %u.%u.%u.%u\n", yiaddr[0], yiaddr[1],
	       yiaddr[2], yiaddr[3]);
}

/* ---- queue modes
 * --------------------------------------------------------------- */

/* Counters summed over every queue of device 0 (the device hashes flows
 * to queues, so an answer may arrive on any); polling: any queue polls. */
static struct netdev_queue_stats stats(void)
{
	struct netdev_queue_stats sum = {0}, st;
	for (unsigned q = 0; netdev_queue_stats(0, q, &st) == 0; q++) {
		sum.polling |= st.polling;
		sum.has_irq |= st.has_irq;
		sum.rx_packets += st.rx_packets;
		sum.rx_drops += st.rx_drops;
		sum.tx_packets += st.tx_packets;
		sum.irqs += st.irqs;
		sum.polls += st.polls;
	}
	return sum;
}

/* Waits (up to WAIT_NS) until queue 0's thread polls or not. */
static bool wait_polling(bool polling)
{
	uint64_t t0 = time_ns();
	while (stats().polling != polling && time_ns() - t0 < WAIT_NS)
		thread_sleep_ns(1000000);
	return stats().polling == polling;
}

/* Adaptive mode on an idle link: once back in interrupt mode, no pass is
 * made while no frame arrives, so the core can halt. A frame from the host
 * (tap: neighbour discovery) legitimately restarts polling: such windows
 * are tried again. */
static bool idle_without_polls(void)
{
	for (int attempt = 0; attempt < 20; attempt++) {
		if (!wait_polling(false))
			return false;
		struct netdev_queue_stats a = stats();
		thread_sleep_ns(50000000);
		struct netdev_queue_stats b = stats();
		if (b.rx_packets + b.rx_drops == a.rx_packets + a.rx_drops &&
		    b.polls == a.polls)
			return true;
	}
	return false;
}

static void build_arp(const struct netif *nif, uint8_t *f)
{
	memset(f, 0, 60);
	memset(f, 0xff, 6);
	memcpy(f + 6, nif->mac, 6);
	put16(f + 12, ETH_P_ARP);
	put16(f + 14, 1);
	put16(f + 16, ETH_P_IP);
	f[18] = 6, f[19] = 4;
	put16(f + 20, 1);
	memcpy(f + 22, nif->mac, 6);
	memcpy(f + 28, slirp_guest, 4);
	memcpy(f + 38, slirp_gw, 4);
}

TEST(net_link_modes)
{
	if (!test_netif("net_link_modes"))
		return;
	EXPECT_EQ(netdev_set_mode(0, 99, NETDEV_POLL), -EINVAL);
	EXPECT_EQ(netdev_set_mode(7, -1, NETDEV_POLL), -ENODEV);

	ASSERT_EQ(netdev_set_mode(0, -1, NETDEV_POLL), 0);
	ASSERT(wait_polling(true));
	uint64_t p0 = stats().polls, t0 = time_ns();
	while (stats().polls == p0 && time_ns() - t0 < WAIT_NS)
		thread_sleep_ns(1000000);
	EXPECT(stats().polls > p0);

	/* Interrupt mode: the thread sleeps, no pass is made. */
	ASSERT_EQ(netdev_set_mode(0, -1, NETDEV_IRQ), 0);
	ASSERT(wait_polling(false));
	uint64_t p1 = stats().polls;
	thread_sleep_ns(50000000);
	EXPECT_EQ(stats().polls, p1);

	/* Adaptive: traffic makes it poll for a while, idleness ends it. */
	ASSERT_EQ(netdev_set_mode(0, -1, NETDEV_ADAPTIVE), 0);
	struct netif *nif = netif_get(0);
	uint8_t f[60];
	build_arp(nif, f);
	struct netif_tx tx = {.frame = f, .len = sizeof(f)};
	uint64_t irqs = stats().irqs;
	ASSERT(exchange(nif, &tx, is_arp_reply_from_gw));
	EXPECT(stats().irqs > irqs || !stats().has_irq);
	EXPECT(idle_without_polls());
	struct netdev_queue_stats st = stats();
	EXPECT(st.tx_packets > 0 && st.rx_packets > 0);
}

/* ---- command line
 * ------------------------------------------------------------------ */

static void count_value(const char *v, void *arg)
{
	uint64_t size, addr;
	unsigned irq;
	if (!virtio_mmio_parse(v, &size, &addr, &irq))
		*(uint64_t *)arg += size + addr + irq;
}

TEST(virtio_mmio_cmdline)
{
	char line[] = "virtio_mmio.device=512@0xfeb00e00:12 test "
		      "virtio_mmio.device=4K@0x1000:5 net";
	uint64_t sum = 0;
	EXPECT_EQ(param_take(line, "virtio_mmio.device", count_value, &sum), 2);
	EXPECT_EQ(strcmp(line, "test net"), 0);
	EXPECT_EQ(sum, 512 + 0xfeb00e00ull + 12 + 4096 + 0x1000 + 5);

	uint64_t size, addr;
	unsigned irq;
	EXPECT_EQ(virtio_mmio_parse("1M@0x10000000:7", &size, &addr, &irq), 0);
	EXPECT_EQ(size, 1 << 20);
	EXPECT_EQ(virtio_mmio_parse("512@0xfeb00e00", &size, &addr, &irq),
		  -EINVAL);
	EXPECT_EQ(virtio_mmio_parse("@0x1000:5", &size, &addr, &irq), -EINVAL);
	EXPECT_EQ(virtio_mmio_parse("16@0x1000:5", &size, &addr, &irq),
		  -EINVAL); /* smaller than the register block */
	EXPECT_EQ(virtio_mmio_parse("512@0x1000:5x", &size, &addr, &irq),
		  -EINVAL);
}

/* ---- benchmark: link round trips by queue mode
 * ---------------------------------- */

#define RTT_ROUNDS_DEFAULT 200
#define RTT_MAX 1000

struct rtt_run {
	struct netif *nif;
	unsigned rounds;
	uint64_t ns[RTT_MAX];
	unsigned done;
};

/* One ARP request, spinning (with yields) for the reply. */
static void rtt_thread(void *arg)
{
	struct rtt_run *run = arg;
	struct netif *nif = run->nif;
	uint8_t f[60];
	build_arp(nif, f);
	struct netif_tx tx = {.frame = f, .len = sizeof(f)};
	for (run->done = 0; run->done < run->rounds; run->done++) {
		cap.got = false;
		uint64_t t0 = time_ns();
		if (nif->ops->xmit(nif, 0, &tx))
			break;
		while (!__atomic_load_n(&cap.got, __ATOMIC_ACQUIRE) &&
		       time_ns() - t0 < WAIT_NS)
			thread_yield();
		if (!cap.got)
			break;
		run->ns[run->done] = time_ns() - t0;
	}
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

/* Median round trip in mode m, measured from the last core (queue 0's
 * thread runs on core 0). Returns 0 on failure. */
static uint64_t rtt_median(struct netif *nif, enum netdev_mode m,
			   unsigned rounds, uint64_t *irqs, uint64_t *polls)
{
	static struct rtt_run run;
	struct netdev_queue_stats a = stats(), b;
	run.nif = nif;
	run.rounds = rounds;
	netdev_set_mode(0, -1, m);
	cap.match = is_arp_reply_from_gw;
	void (*old)(struct netif *, unsigned, const void *, size_t, unsigned) =
	    nif->input;
	__atomic_store_n(&nif->input, cap_input, __ATOMIC_RELEASE);
	struct thread_attr attr = {.cpu = (int)cpu_count() - 1};
	struct thread *t =
	    thread_create("netlink-rtt", rtt_thread, &run, &attr);
	if (t)
		thread_join(t);
	__atomic_store_n(&nif->input, old, __ATOMIC_RELEASE);
	cap.match = NULL;
	netdev_set_mode(0, -1, NETDEV_ADAPTIVE);
	b = stats();
	*irqs = b.irqs - a.irqs;
	*polls = b.polls - a.polls;
	if (!t || run.done < rounds)
		return 0;
	qsort(run.ns, rounds, sizeof(run.ns[0]), cmp_u64);
	return run.ns[rounds / 2];
}

static int bench_netlink(int argc, char **argv)
{
	struct netif *nif = netif_get(0);
	unsigned rounds = argc > 1 ? (unsigned)strtoul(argv[1], NULL, 10)
				   : RTT_ROUNDS_DEFAULT;
	static const char *const names[] = {"adaptive", "irq", "poll"};
	static const enum netdev_mode modes[] = {NETDEV_IRQ, NETDEV_POLL,
						 NETDEV_ADAPTIVE};
	uint64_t med[3] = {0};

	if (!nif) {
		printk("netlink: no network device (tools/run --net user)\n");
		return 1;
	}
	if (rounds == 0 || rounds > RTT_MAX)
		rounds = RTT_ROUNDS_DEFAULT;
	printk("netlink: %u ARP round trips to 10.0.2.2 per mode, %u cpus\n",
	       rounds, cpu_count());
	printk("%-9s %12s %10s %10s\n", "mode", "median_us", "irqs", "polls");
	for (unsigned i = 0; i < 3; i++) {
		uint64_t irqs, polls,
		    m = rtt_median(nif, modes[i], rounds, &irqs, &polls);
		if (!m) {
			printk("netlink: mode %s: no answer\n",
			       names[modes[i]]);
			return 1;
		}
		med[modes[i]] = m;
		printk("%-9s %8lu.%03lu %10lu %10lu\n", names[modes[i]],
		       m / 1000, m % 1000, irqs, polls);
	}
	printk("RESULT bench=netlink irq_us=%lu.%03lu poll_us=%lu.%03lu "
	       "adaptive_us=%lu.%03lu\n",
	       med[NETDEV_IRQ] / 1000, med[NETDEV_IRQ] % 1000,
	       med[NETDEV_POLL] / 1000, med[NETDEV_POLL] % 1000,
	       med[NETDEV_ADAPTIVE] / 1000, med[NETDEV_ADAPTIVE] % 1000);
	return 0;
}
BENCH(netlink,
      "[rounds]  ARP round trips to the gateway in irq/poll/adaptive "
      "mode",
      bench_netlink);
