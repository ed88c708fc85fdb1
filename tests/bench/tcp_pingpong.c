/* tests/bench/tcp_pingpong.c: the latency floor next to ofbench's latency
 * mode (tests/bench/ofbench_run.sh runs both; README.md, "ofbench").
 *
 * The same shape as an ofbench latency run with nothing OpenFlow in it:
 * -s client connections over loopback TCP, each with one request of -q
 * bytes outstanding (a packet-in's size), answered by a server with -r
 * bytes (a flow_mod's size); the next request goes out when the whole reply
 * is in. The client side is threaded like ofbench (one thread per CPU, an
 * epoll set each, TCP_NODELAY); the server is one process with one epoll
 * loop, like a single-threaded controller, forked from this one. What a
 * controller adds on top of this round trip is its own cost.
 *
 * Output: one line per loop and, in ofbench's format,
 *   RESULT: S switches L tests min/max/avg/stdev = a/b/c/d responses/s
 *   RTT: S switches L tests per-switch round trip min/max/avg = a/b/c us
 * where a "switch" is a connection and a "response" a reply. Exit status 1
 * when a connection failed or a reply was short. */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "drivers/base/util.h"

#define MAX_MSG 65536u
#define MAX_EVENTS 64

/* Command-line settings. */
struct pp_cfg {
	unsigned conns;   /* -s connections */
	unsigned req;     /* -q request bytes */
	unsigned rep;     /* -r reply bytes */
	unsigned loops;   /* -l loops, warm-up included */
	unsigned ms;      /* -m ms per loop */
	unsigned warmup;  /* -w loops left out */
	unsigned threads; /* -T client threads */
};

/* One client connection. */
struct pp_conn {
	int fd;              /* socket */
	unsigned got;        /* reply bytes received so far */
	uint64_t exchanges;  /* completed round trips (atomic: main reads) */
	int dead;            /* failed (atomic) */
};

/* One client thread. */
struct pp_thread {
	pthread_t tid;           /* thread */
	int ep;                  /* epoll fd */
	struct pp_conn **c;      /* its connections */
	unsigned n;              /* how many */
	const struct pp_cfg *cfg; /* settings */
	int *stop;               /* set by main (atomic) */
};

#define LOAD(p) __atomic_load_n((p), __ATOMIC_RELAXED)
#define STORE(p, v) __atomic_store_n((p), (v), __ATOMIC_RELAXED)

static uint8_t zeros[MAX_MSG];

/* Sends len bytes, blocking in poll-free spins on a full socket (tiny
 * messages on loopback: the socket is never full in this benchmark). */
static int send_all(int fd, const void *p, size_t len)
{
	size_t off = 0;
	while (off < len) {
		ssize_t n = send(fd, (const uint8_t *)p + off, len - off, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		off += (size_t)n;
	}
	return 0;
}

/* ---- server (child process) ------------------------------------------- */

/* Per accepted connection: request bytes received modulo the size. */
struct srv_conn {
	int fd;          /* socket */
	unsigned partial; /* bytes of the current request received */
};

static void server(int lfd, const struct pp_cfg *cfg)
{
	struct epoll_event ev[MAX_EVENTS];
	static uint8_t buf[256 * 1024];
	int ep = epoll_create1(0);
	struct epoll_event lev = { .events = EPOLLIN, .data.ptr = NULL };

	prctl(PR_SET_PDEATHSIG, SIGTERM);
	if (ep < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &lev) < 0)
		_exit(1);
	for (;;) {
		int n = epoll_wait(ep, ev, MAX_EVENTS, -1);
		for (int i = 0; i < n; i++) {
			struct srv_conn *c = ev[i].data.ptr;
			if (!c) {
				int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
				int one = 1;
				struct srv_conn *nc = calloc(1, sizeof(*nc));
				if (fd < 0 || !nc)
					_exit(1);
				setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
				nc->fd = fd;
				struct epoll_event cev = { .events = EPOLLIN, .data.ptr = nc };
				epoll_ctl(ep, EPOLL_CTL_ADD, fd, &cev);
				continue;
			}
			ssize_t r = recv(c->fd, buf, sizeof(buf), 0);
			if (r <= 0) {
				close(c->fd);
				free(c);
				continue;
			}
			unsigned replies = 0;
			c->partial += (unsigned)r;
			while (c->partial >= cfg->req) {
				c->partial -= cfg->req;
				replies++;
			}
			while (replies--)
				if (send_all(c->fd, zeros, cfg->rep))
					break;
		}
	}
}

/* ---- client ------------------------------------------------------------ */

static void *client_thread(void *arg)
{
	struct pp_thread *t = arg;
	struct epoll_event ev[MAX_EVENTS];
	static __thread uint8_t buf[MAX_MSG];

	for (unsigned i = 0; i < t->n; i++)
		if (send_all(t->c[i]->fd, zeros, t->cfg->req))
			STORE(&t->c[i]->dead, 1);
	while (!LOAD(t->stop)) {
		int n = epoll_wait(t->ep, ev, MAX_EVENTS, 50);
		for (int i = 0; i < n; i++) {
			struct pp_conn *c = ev[i].data.ptr;
			if (LOAD(&c->dead))
				continue;
			ssize_t r = recv(c->fd, buf, t->cfg->rep - c->got, MSG_DONTWAIT);
			if (r < 0 && (errno == EAGAIN || errno == EINTR))
				continue;
			if (r <= 0) {
				STORE(&c->dead, 1);
				continue;
			}
			c->got += (unsigned)r;
			if (c->got < t->cfg->rep)
				continue;
			c->got = 0;
			STORE(&c->exchanges, LOAD(&c->exchanges) + 1);
			if (send_all(c->fd, zeros, t->cfg->req))
				STORE(&c->dead, 1);
		}
	}
	return NULL;
}

static void sleep_ms(unsigned ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: tcp-pingpong [OPTIONS]\n"
		"Request/reply round trips over loopback TCP: the latency floor for ofbench.\n"
		"  -s N  connections (default 16)      -q N  request bytes (default 102)\n"
		"  -r N  reply bytes (default 104)     -l N  loops, warm-up included (default 6)\n"
		"  -m N  ms per loop (default 1000)    -w N  warm-up loops (default 1)\n"
		"  -T N  client threads (default: one per CPU)\n");
}

int main(int argc, char **argv)
{
	struct pp_cfg cfg = { .conns = 16, .req = 102, .rep = 104, .loops = 6, .ms = 1000,
			      .warmup = 1 };
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t salen = sizeof(sa);
	struct pp_conn *conns = NULL;
	struct pp_thread *th = NULL;
	double *rate = NULL, *rtt = NULL;
	int stop = 0, rc = 1, lfd, o;
	unsigned measured = 0, i;
	pid_t pid;

	while ((o = getopt(argc, argv, "s:q:r:l:m:w:T:h")) != -1) {
		unsigned long v;
		unsigned *dst, lo = 1, hi = 1000000;
		switch (o) {
		case 's': dst = &cfg.conns, hi = 4096; break;
		case 'q': dst = &cfg.req, hi = MAX_MSG; break;
		case 'r': dst = &cfg.rep, hi = MAX_MSG; break;
		case 'l': dst = &cfg.loops; break;
		case 'm': dst = &cfg.ms, lo = 10; break;
		case 'w': dst = &cfg.warmup, lo = 0; break;
		case 'T': dst = &cfg.threads, hi = 256; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
		if (dfn_parse_uint(optarg, lo, hi, &v)) {
			fprintf(stderr, "tcp-pingpong: -%c: '%s' is not a number in %u..%u\n", o,
				optarg, lo, hi);
			return 2;
		}
		*dst = (unsigned)v;
	}
	if (cfg.warmup >= cfg.loops) {
		fprintf(stderr, "tcp-pingpong: -w must be below -l\n");
		return 2;
	}
	if (!cfg.threads) {
		long n = sysconf(_SC_NPROCESSORS_ONLN);
		cfg.threads = n > 0 ? (unsigned)n : 1;
	}
	if (cfg.threads > cfg.conns)
		cfg.threads = cfg.conns;
	signal(SIGPIPE, SIG_IGN);
	setvbuf(stdout, NULL, _IOLBF, 0);

	lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (lfd < 0 || bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(lfd, 1024) < 0 ||
	    getsockname(lfd, (struct sockaddr *)&sa, &salen) < 0) {
		perror("tcp-pingpong: listen");
		return 1;
	}
	pid = fork();
	if (pid < 0) {
		perror("tcp-pingpong: fork");
		return 1;
	}
	if (pid == 0) {
		server(lfd, &cfg);
		_exit(0);
	}
	close(lfd);

	conns = calloc(cfg.conns, sizeof(*conns));
	th = calloc(cfg.threads, sizeof(*th));
	rate = calloc(cfg.loops, sizeof(*rate));
	rtt = calloc(cfg.loops, sizeof(*rtt));
	if (!conns || !th || !rate || !rtt)
		goto out_free;
	printf("tcp-pingpong: %u connections, %u client threads, one server process,"
	       " %u-byte requests, %u-byte replies, %u loops of %u ms (%u warm-up)\n",
	       cfg.conns, cfg.threads, cfg.req, cfg.rep, cfg.loops, cfg.ms, cfg.warmup);
	for (i = 0; i < cfg.conns; i++)
		conns[i].fd = -1;
	for (i = 0; i < cfg.threads; i++) {
		th[i].ep = epoll_create1(EPOLL_CLOEXEC);
		th[i].c = calloc(cfg.conns / cfg.threads + 1, sizeof(*th[i].c));
		th[i].cfg = &cfg;
		th[i].stop = &stop;
		if (th[i].ep < 0 || !th[i].c)
			goto out_conns;
	}
	for (i = 0; i < cfg.conns; i++) {
		int one = 1;
		struct pp_thread *t = &th[i % cfg.threads];
		struct epoll_event ev = { .events = EPOLLIN, .data.ptr = &conns[i] };
		conns[i].fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (conns[i].fd < 0 || connect(conns[i].fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
			perror("tcp-pingpong: connect");
			goto out_conns;
		}
		setsockopt(conns[i].fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		epoll_ctl(t->ep, EPOLL_CTL_ADD, conns[i].fd, &ev);
		t->c[t->n++] = &conns[i];
	}
	for (i = 0; i < cfg.threads; i++)
		if (pthread_create(&th[i].tid, NULL, client_thread, &th[i]))
			goto out_stop;

	uint64_t last_t = dfn_now_ns(), last_x = 0;
	for (unsigned loop = 0; loop < cfg.loops; loop++) {
		sleep_ms(cfg.ms);
		uint64_t now = dfn_now_ns(), x = 0;
		unsigned dead = 0;
		for (i = 0; i < cfg.conns; i++) {
			x += LOAD(&conns[i].exchanges);
			dead += LOAD(&conns[i].dead) ? 1 : 0;
		}
		double xps = (double)(x - last_x) / ((double)(now - last_t) / 1e9);
		double us = xps > 0 ? cfg.conns * 1e6 / xps : 0;
		int warm = loop < cfg.warmup;
		printf("%u connections: %.0f round trips/s (per-connection round trip %.1f us)%s\n",
		       cfg.conns, xps, us, warm ? " [warm-up]" : "");
		if (!warm) {
			rate[measured] = xps;
			rtt[measured++] = us;
		}
		last_t = now, last_x = x;
		if (dead) {
			fprintf(stderr, "tcp-pingpong: %u connection(s) failed, run invalid\n", dead);
			goto out_stop;
		}
	}
	double mn = rate[0], mx = rate[0], sum = 0, var = 0, rmn = rtt[0], rmx = rtt[0], rsum = 0;
	for (i = 0; i < measured; i++) {
		mn = DFN_MIN(mn, rate[i]), mx = DFN_MAX(mx, rate[i]), sum += rate[i];
		rmn = DFN_MIN(rmn, rtt[i]), rmx = DFN_MAX(rmx, rtt[i]), rsum += rtt[i];
	}
	for (i = 0; i < measured; i++)
		var += (rate[i] - sum / measured) * (rate[i] - sum / measured);
	printf("RESULT: %u switches %u tests min/max/avg/stdev = %.2f/%.2f/%.2f/%.2f responses/s\n",
	       cfg.conns, measured, mn, mx, sum / measured, sqrt(var / measured));
	printf("RTT: %u switches %u tests per-switch round trip min/max/avg = %.1f/%.1f/%.1f us\n",
	       cfg.conns, measured, rmn, rmx, rsum / measured);
	rc = sum > 0 ? 0 : 1;

out_stop:
	STORE(&stop, 1);
	for (i = 0; i < cfg.threads; i++)
		if (th[i].tid)
			pthread_join(th[i].tid, NULL);
out_conns:
	for (i = 0; i < cfg.conns; i++)
		if (conns[i].fd >= 0)
			close(conns[i].fd);
	for (i = 0; i < cfg.threads; i++) {
		if (th[i].ep > 0)
			close(th[i].ep);
		free(th[i].c);
	}
out_free:
	free(conns);
	free(th);
	free(rate);
	free(rtt);
	kill(pid, SIGTERM);
	waitpid(pid, NULL, 0);
	return rc;
}
