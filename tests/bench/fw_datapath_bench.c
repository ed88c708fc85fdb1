/* tests/bench/fw_datapath_bench.c: packets/s of one routed flow through the
 * sim board's data path (firmware/datapath.c), measured from the VMs.
 *
 * tests/bench/fw_datapath_bench_run.sh builds the set-up (OVS br-int under
 * hostd, the firmware with two --port pairs, two netns VMs on two subnets
 * of one router) and runs this program twice in the same run: once with
 * the L3 route offloaded (the firmware forwards), once with
 * --l3-capacity 0 (every frame goes up the representor to OVS and back
 * down). This program opens a packet socket in each VM's namespace,
 * sends UDP frames from VM A (eth0, to the router's MAC, IPv4 to VM B)
 * as fast as it can for --seconds, and counts those that reach VM B's
 * eth0 (UDP destination port --port, routed: TTL 63). It prints
 *   fw_datapath_bench: MODE sent=N received=N seconds=S pps=P
 * where pps is received per second: what the path delivers.
 *
 *   fw_datapath_bench --from NS --to NS --src-mac M --dst-mac M
 *                     --src-ip A --dst-ip B [--seconds S] [--mode NAME]
 * Needs root (setns, packet sockets). Exit 0, 1 on a set-up error. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define FRAME_LEN 60 /* minimum Ethernet frame without FCS */
#define BATCH 32

/* What the two threads share. */
struct bench {
	int tx_fd, rx_fd;          /* packet sockets in VM A's / VM B's namespace */
	int tx_ifindex;            /* eth0 in VM A */
	uint8_t frame[FRAME_LEN];  /* the frame VM A sends */
	uint16_t port;             /* UDP destination port marking our frames */
	atomic_int stop;           /* end of the measurement */
	uint64_t sent, received;   /* counts (each written by one thread) */
};

static int parse_mac(const char *s, uint8_t m[6])
{
	unsigned v[6];
	if (sscanf(s, "%x:%x:%x:%x:%x:%x", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5]) != 6)
		return -1;
	for (int i = 0; i < 6; i++)
		m[i] = (uint8_t)v[i];
	return 0;
}

/* A packet socket on eth0 of netns NAME (/var/run/netns/NAME). */
static int ns_socket(const char *ns, int *ifindex)
{
	char path[256];
	snprintf(path, sizeof(path), "/var/run/netns/%s", ns);
	int self = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	int nfd = open(path, O_RDONLY | O_CLOEXEC);
	if (self < 0 || nfd < 0 || setns(nfd, CLONE_NEWNET) < 0) {
		fprintf(stderr, "fw_datapath_bench: netns %s: %s\n", ns, strerror(errno));
		return -1;
	}
	int fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons(ETH_P_ALL));
	int idx = (int)if_nametoindex("eth0");
	setns(self, CLONE_NEWNET);
	close(self);
	close(nfd);
	if (fd < 0 || !idx) {
		fprintf(stderr, "fw_datapath_bench: socket/eth0 in %s: %s\n", ns, strerror(errno));
		return -1;
	}
	struct sockaddr_ll sll = { .sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_ALL),
				   .sll_ifindex = idx };
	if (bind(fd, (struct sockaddr *)&sll, sizeof(sll)) < 0) {
		fprintf(stderr, "fw_datapath_bench: bind in %s: %s\n", ns, strerror(errno));
		close(fd);
		return -1;
	}
	int big = 8 << 20;
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &big, sizeof(big));
	*ifindex = idx;
	return fd;
}

static uint16_t csum(const uint8_t *p, size_t n)
{
	uint32_t s = 0;
	for (size_t i = 0; i + 1 < n; i += 2)
		s += (uint32_t)(p[i] << 8 | p[i + 1]);
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

static void build_frame(struct bench *b, const uint8_t dst[6], const uint8_t src[6],
			uint32_t sip, uint32_t dip)
{
	uint8_t *f = b->frame;
	memset(f, 0, FRAME_LEN);
	memcpy(f, dst, 6);
	memcpy(f + 6, src, 6);
	f[12] = 0x08;
	uint8_t *ip = f + 14;
	ip[0] = 0x45;
	uint16_t tot = 20 + 8 + 18;
	ip[2] = (uint8_t)(tot >> 8);
	ip[3] = (uint8_t)tot;
	ip[8] = 64;
	ip[9] = 17;
	memcpy(ip + 12, &sip, 4);
	memcpy(ip + 16, &dip, 4);
	uint16_t c = csum(ip, 20);
	ip[10] = (uint8_t)(c >> 8);
	ip[11] = (uint8_t)c;
	uint8_t *udp = ip + 20;
	udp[0] = 0x30;
	udp[1] = 0x39; /* source port 12345 */
	udp[2] = (uint8_t)(b->port >> 8);
	udp[3] = (uint8_t)b->port;
	udp[5] = 8 + 18; /* length; checksum 0: none */
}

static void *rx_thread(void *arg)
{
	struct bench *b = arg;
	uint8_t buf[2048];
	struct timeval tv = { 0, 100000 };
	setsockopt(b->rx_fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	while (!atomic_load(&b->stop)) {
		struct sockaddr_ll from;
		socklen_t fl = sizeof(from);
		ssize_t n = recvfrom(b->rx_fd, buf, sizeof(buf), 0, (struct sockaddr *)&from, &fl);
		if (n < 42 || from.sll_pkttype == PACKET_OUTGOING)
			continue;
		/* routed (TTL 63) UDP to our port */
		if (buf[12] == 0x08 && buf[13] == 0 && buf[14 + 9] == 17 && buf[14 + 8] == 63 &&
		    (buf[14 + 20 + 2] << 8 | buf[14 + 20 + 3]) == b->port)
			b->received++;
	}
	return NULL;
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "from", required_argument, NULL, 'f' }, { "to", required_argument, NULL, 't' },
		{ "src-mac", required_argument, NULL, 's' }, { "dst-mac", required_argument, NULL, 'd' },
		{ "src-ip", required_argument, NULL, 'S' }, { "dst-ip", required_argument, NULL, 'D' },
		{ "seconds", required_argument, NULL, 'n' }, { "mode", required_argument, NULL, 'm' },
		{ NULL, 0, NULL, 0 },
	};
	const char *from = NULL, *to = NULL, *mode = "run";
	uint8_t smac[6], dmac[6];
	int have_s = 0, have_d = 0;
	struct in_addr sip = { 0 }, dip = { 0 };
	double seconds = 3;
	int c;
	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (c) {
		case 'f': from = optarg; break;
		case 't': to = optarg; break;
		case 's': have_s = !parse_mac(optarg, smac); break;
		case 'd': have_d = !parse_mac(optarg, dmac); break;
		case 'S': inet_pton(AF_INET, optarg, &sip); break;
		case 'D': inet_pton(AF_INET, optarg, &dip); break;
		case 'n': seconds = atof(optarg); break;
		case 'm': mode = optarg; break;
		default: return 2;
		}
	}
	if (!from || !to || !have_s || !have_d || !sip.s_addr || !dip.s_addr || seconds <= 0) {
		fprintf(stderr, "usage: fw_datapath_bench --from NS --to NS --src-mac M --dst-mac M "
				"--src-ip A --dst-ip B [--seconds S] [--mode NAME]\n");
		return 2;
	}
	struct bench b = { .port = 9999 };
	int rx_idx;
	if ((b.tx_fd = ns_socket(from, &b.tx_ifindex)) < 0 || (b.rx_fd = ns_socket(to, &rx_idx)) < 0)
		return 1;
	build_frame(&b, dmac, smac, sip.s_addr, dip.s_addr);
	pthread_t rt;
	if (pthread_create(&rt, NULL, rx_thread, &b))
		return 1;
	struct sockaddr_ll to_ll = { .sll_family = AF_PACKET, .sll_ifindex = b.tx_ifindex,
				     .sll_halen = 6 };
	memcpy(to_ll.sll_addr, dmac, 6);
	struct mmsghdr msgs[BATCH];
	struct iovec iov = { .iov_base = b.frame, .iov_len = FRAME_LEN };
	for (int i = 0; i < BATCH; i++)
		msgs[i] = (struct mmsghdr){ .msg_hdr = { .msg_name = &to_ll,
							 .msg_namelen = sizeof(to_ll),
							 .msg_iov = &iov, .msg_iovlen = 1 } };
	double t0 = now_s(), t1 = t0;
	while ((t1 = now_s()) - t0 < seconds) {
		int n = sendmmsg(b.tx_fd, msgs, BATCH, 0);
		if (n > 0)
			b.sent += (uint64_t)n;
		else
			usleep(10);
	}
	usleep(300 * 1000); /* frames in flight */
	atomic_store(&b.stop, 1);
	pthread_join(rt, NULL);
	double el = t1 - t0;
	printf("fw_datapath_bench: %s sent=%llu received=%llu seconds=%.2f pps=%.0f\n", mode,
	       (unsigned long long)b.sent, (unsigned long long)b.received, el,
	       (double)b.received / el);
	return 0;
}
