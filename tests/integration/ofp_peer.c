/* tests/integration/ofp_peer.c: a minimal OpenFlow peer for integration
 * tests (ovs_of10_refused.sh).
 *
 *   ofp-peer HOST PORT VERSION [SECONDS]
 *
 * Connects to a controller, sends a HELLO with header version VERSION (and
 * no version bitmap, as an OpenFlow 1.0 switch does), then prints one line
 * per message received until the controller closes the connection or
 * SECONDS (default 3) pass: "msg version=V type=T xid=X" plus, for an
 * ERROR, "error type=T code=C data='...'" (the printable part of its data)
 * and finally "closed" or "timeout". Exit 0 unless the connect fails.
 *
 *   ofp-peer --stall HOST PORT DPID SECONDS
 *
 * A switch that stops reading: speaks OpenFlow 1.3 through the handshake
 * (features with datapath id DPID, empty port/flow/group/meter dumps) and
 * accepts a bundle open, then never reads again and sends nothing for
 * SECONDS (what a hung switch does), so the controller's output to it
 * backs up. Prints "stalled" when it stops reading. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "hostd/openflow/ofp.h"
#include "hostd/openflow/ofp_buf.h"

static int connect_to(const char *host, const char *port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(port)) };
	int fd;
	if (inet_pton(AF_INET, host, &sa.sin_addr) != 1) {
		fprintf(stderr, "ofp-peer: bad address %s\n", host);
		return -1;
	}
	fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		fprintf(stderr, "ofp-peer: connect: %s\n", strerror(errno));
		return -1;
	}
	return fd;
}

static int send_msg(int fd, const struct ofp_msg *m)
{
	struct ofpbuf b = OFPBUF_INIT;
	int r = ofp_encode(m, &b, NULL, 0);
	if (!r && write(fd, b.data, b.len) != (ssize_t)b.len)
		r = -1;
	ofpbuf_uninit(&b);
	return r;
}

/* The --stall switch: answers until a bundle is open, then hangs. */
static int stall_switch(const char *host, const char *port, uint64_t dpid, int secs)
{
	static uint8_t buf[1 << 20];
	size_t have = 0;
	struct ofp_msg in, out;
	int fd = connect_to(host, port);
	if (fd < 0)
		return 1;
	ofp_msg_init(&out, OFPMSG_HELLO, 1);
	out.u.hello.has_bitmap = 1;
	out.u.hello.bitmap = 1u << 4;
	send_msg(fd, &out);
	for (;;) {
		ssize_t n = read(fd, buf + have, sizeof(buf) - have);
		if (n <= 0) {
			printf("closed before stalling\n");
			return 0;
		}
		have += (size_t)n;
		while (have >= 8) {
			size_t len = ofp_get_be16(buf + 2);
			int stall = 0;
			if (len < 8 || have < len)
				break;
			if (ofp_decode(buf, len, &in, NULL, 0) == OFPERR_OK) {
				switch (in.type) {
				case OFPMSG_FEATURES_REQUEST:
					ofp_msg_init(&out, OFPMSG_FEATURES_REPLY, in.xid);
					out.u.features.datapath_id = dpid;
					out.u.features.n_tables = 254;
					send_msg(fd, &out);
					break;
				case OFPMSG_MULTIPART_REQUEST:
					ofp_msg_init(&out, OFPMSG_MULTIPART_REPLY, in.xid);
					out.u.mp.mp_type = in.u.mp.mp_type;
					send_msg(fd, &out);
					break;
				case OFPMSG_BUNDLE_CONTROL:
					ofp_msg_init(&out, OFPMSG_BUNDLE_CONTROL, in.xid);
					out.u.bundle_ctrl = in.u.bundle_ctrl;
					out.u.bundle_ctrl.type = OFPBCT_OPEN_REPLY;
					send_msg(fd, &out);
					stall = 1;
					break;
				default:
					break;
				}
				ofp_msg_uninit(&in);
			}
			memmove(buf, buf + len, have - len);
			have -= len;
			if (stall) {
				printf("stalled\n");
				fflush(stdout);
				sleep((unsigned)secs);
				close(fd);
				return 0;
			}
		}
	}
}

int main(int argc, char **argv)
{
	if (argc == 6 && !strcmp(argv[1], "--stall"))
		return stall_switch(argv[2], argv[3], strtoull(argv[4], NULL, 0), atoi(argv[5]));
	if (argc < 4) {
		fprintf(stderr, "usage: ofp-peer HOST PORT VERSION [SECONDS]\n");
		return 2;
	}
	int secs = argc > 4 ? atoi(argv[4]) : 3;
	uint8_t hello[8] = { (uint8_t)strtoul(argv[3], NULL, 0), 0, 0, 8, 0, 0, 0, 1 };
	uint8_t buf[65536];
	size_t have = 0;
	int fd;

	fd = connect_to(argv[1], argv[2]);
	if (fd < 0)
		return 1;
	if (write(fd, hello, sizeof(hello)) != (ssize_t)sizeof(hello)) {
		fprintf(stderr, "ofp-peer: write: %s\n", strerror(errno));
		return 1;
	}
	time_t end = time(NULL) + secs;
	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		int left = (int)(end - time(NULL));
		if (left <= 0 || poll(&p, 1, left * 1000) <= 0) {
			printf("timeout\n");
			break;
		}
		ssize_t n = read(fd, buf + have, sizeof(buf) - have);
		if (n <= 0) {
			printf("closed\n");
			break;
		}
		have += (size_t)n;
		while (have >= 8) {
			size_t len = ofp_get_be16(buf + 2);
			if (len < 8) {
				printf("bad length %zu\n", len);
				return 0;
			}
			if (have < len)
				break;
			printf("msg version=%u type=%u xid=%u\n", buf[0], buf[1], ofp_get_be32(buf + 4));
			if (buf[1] == 1 && len >= 12) { /* OFPT_ERROR in every version */
				printf("error type=%u code=%u data='", ofp_get_be16(buf + 8),
				       ofp_get_be16(buf + 10));
				for (size_t i = 12; i < len; i++)
					putchar(buf[i] >= 32 && buf[i] < 127 ? buf[i] : '.');
				printf("'\n");
			}
			memmove(buf, buf + len, have - len);
			have -= len;
		}
		fflush(stdout);
	}
	close(fd);
	return 0;
}
