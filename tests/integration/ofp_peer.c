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
 * and finally "closed" or "timeout". Exit 0 unless the connect fails. */
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

#include "hostd/openflow/ofp_buf.h"

int main(int argc, char **argv)
{
	if (argc < 4) {
		fprintf(stderr, "usage: ofp-peer HOST PORT VERSION [SECONDS]\n");
		return 2;
	}
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(argv[2])) };
	int secs = argc > 4 ? atoi(argv[4]) : 3;
	uint8_t hello[8] = { (uint8_t)strtoul(argv[3], NULL, 0), 0, 0, 8, 0, 0, 0, 1 };
	uint8_t buf[65536];
	size_t have = 0;
	int fd;

	if (inet_pton(AF_INET, argv[1], &sa.sin_addr) != 1) {
		fprintf(stderr, "ofp-peer: bad address %s\n", argv[1]);
		return 2;
	}
	fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		fprintf(stderr, "ofp-peer: connect: %s\n", strerror(errno));
		return 1;
	}
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
