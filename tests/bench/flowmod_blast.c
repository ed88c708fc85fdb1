/* tests/bench/flowmod_blast.c: the raw ceiling for pushing flows into one
 * Open vSwitch, next to hostd's figures (tests/bench/ofbench_run.sh runs
 * it; README.md, section "ofbench").
 *
 * A minimal OpenFlow 1.3 controller: it listens, takes the first switch
 * that connects, does the handshake (HELLO, FEATURES), then for each mode
 * asked for
 *   plain   N distinct FLOW_MOD adds pipelined back to back, one
 *           BARRIER_REQUEST at the end;
 *   bundle  the same N FLOW_MODs inside one ONF bundle (OPEN, N ADDs,
 *           COMMIT), then one BARRIER_REQUEST;
 * times from the first byte written to the BARRIER_REPLY, and checks with
 * an AGGREGATE multipart request that the switch now holds exactly N flows
 * with the run's cookie (the flows of the previous mode are deleted, untimed,
 * before each run). Every message is encoded with the project codec
 * (hostd/openflow/ofp.h) before the clock starts, so the figure is the
 * switch's rate, not the encoder's. Flows: table 0, priority 100, match
 * eth_dst (distinct per flow), apply-actions output:LOCAL.
 *
 * Output per mode:
 *   RESULT: mode=plain flows=N seconds=T flow_mods/s=R errors=E installed=K
 * Exit status 1 when the switch answered with an ERROR, a count was wrong,
 * or the connection failed. */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "drivers/base/util.h"
#include "hostd/openflow/ofp.h"

#define IN_CAP (1u << 20)
#define COOKIE 0xdf0b1a5700000000ull
#define IO_TIMEOUT_MS 60000 /* no progress for this long: give up */

/* Command-line settings. */
struct fb_cfg {
	const char *host;   /* -l listen address */
	const char *port;   /* -p listen port */
	unsigned flows;     /* -n flow_mods per run */
	int plain;          /* run the plain mode */
	int bundle;         /* run the bundle mode */
	unsigned accept_s;  /* -a seconds to wait for the switch */
};

/* The connection to the switch. */
struct fb_conn {
	int fd;            /* socket */
	uint8_t *in;       /* receive buffer, IN_CAP bytes */
	size_t in_len;     /* bytes in it */
	uint32_t xid;      /* next xid */
	unsigned errors;   /* ERROR messages received */
	unsigned printed;  /* ERRORs printed */
};

static int send_all(struct fb_conn *c, const void *p, size_t len)
{
	size_t off = 0;
	while (off < len) {
		ssize_t n = send(c->fd, (const uint8_t *)p + off, len - off, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			fprintf(stderr, "flowmod-blast: send: %s\n", n < 0 ? strerror(errno) : "closed");
			return -1;
		}
		off += (size_t)n;
	}
	return 0;
}

static int send_msg(struct fb_conn *c, const struct ofp_msg *m)
{
	struct ofpbuf b = OFPBUF_INIT;
	char err[128] = "";
	int rc = ofp_encode(m, &b, err, sizeof(err));
	if (rc || b.failed) {
		fprintf(stderr, "flowmod-blast: cannot encode %s: %s\n", ofp_msg_type_name(m->type), err);
		rc = -1;
	} else {
		rc = send_all(c, b.data, b.len);
	}
	ofpbuf_uninit(&b);
	return rc;
}

/* Handles one received message; fills *out (caller uninits) when it is
 * the reply of type `want` with xid `xid`, and returns 1 then. */
static int on_msg(struct fb_conn *c, const uint8_t *p, size_t len, enum ofp_msg_type want,
		  uint32_t xid, struct ofp_msg *out)
{
	struct ofp_msg m;
	char err[160] = "";

	if (p[1] == OFPT_ECHO_REQUEST) {
		uint8_t rep[65536];
		memcpy(rep, p, len);
		rep[1] = OFPT_ECHO_REPLY;
		send_all(c, rep, len);
		return 0;
	}
	if (ofp_decode(p, len, &m, err, sizeof(err))) {
		if (p[1] == OFPT_MULTIPART_REPLY || p[1] == OFPT_PORT_STATUS || p[1] == OFPT_HELLO ||
		    p[1] == OFPT_FEATURES_REPLY || p[1] == OFPT_BARRIER_REPLY || p[1] == OFPT_ERROR ||
		    p[1] == OFPT_EXPERIMENTER)
			fprintf(stderr, "flowmod-blast: undecodable message type %u from the switch: %s\n",
				p[1], err);
		return 0;
	}
	if (m.type == OFPMSG_ERROR) {
		c->errors++;
		if (c->printed++ < 5) {
			char *txt = ofp_to_string(&m);
			fprintf(stderr, "flowmod-blast: switch sent %s\n", txt ? txt : "ERROR");
			free(txt);
		}
	}
	if (m.type == want && m.xid == xid) {
		*out = m;
		return 1;
	}
	ofp_msg_uninit(&m);
	return 0;
}

/* Reads what is there (waiting up to timeout_ms for something) and handles
 * every whole message. 1: the wanted reply is in *out; 0: not yet; -1:
 * connection failed. */
static int pump(struct fb_conn *c, int timeout_ms, enum ofp_msg_type want, uint32_t xid,
		struct ofp_msg *out)
{
	struct pollfd pfd = { .fd = c->fd, .events = POLLIN };
	int got = 0;
	size_t off = 0;

	if (timeout_ms && poll(&pfd, 1, timeout_ms) <= 0)
		return 0;
	ssize_t n = recv(c->fd, c->in + c->in_len, IN_CAP - c->in_len, MSG_DONTWAIT);
	if (n == 0) {
		fprintf(stderr, "flowmod-blast: the switch closed the connection\n");
		return -1;
	}
	if (n < 0)
		return (errno == EAGAIN || errno == EINTR) ? 0 : -1;
	c->in_len += (size_t)n;
	for (;;) {
		int len = ofp_frame_len(c->in + off, c->in_len - off);
		if (len < 0) {
			fprintf(stderr, "flowmod-blast: broken stream from the switch\n");
			return -1;
		}
		if (len == 0)
			break;
		if (!got)
			got = on_msg(c, c->in + off, (size_t)len, want, xid, out);
		else
			on_msg(c, c->in + off, (size_t)len, OFPMSG__N, 0, NULL);
		off += (size_t)len;
	}
	memmove(c->in, c->in + off, c->in_len - off);
	c->in_len -= off;
	return got;
}

/* Waits for the reply (type, xid). */
static int wait_reply(struct fb_conn *c, enum ofp_msg_type want, uint32_t xid, struct ofp_msg *out)
{
	uint64_t end = dfn_now_ms() + IO_TIMEOUT_MS;
	while (dfn_now_ms() < end) {
		int r = pump(c, 100, want, xid, out);
		if (r)
			return r > 0 ? 0 : -1;
	}
	fprintf(stderr, "flowmod-blast: no %s (xid %u) within %d ms\n", ofp_msg_type_name(want), xid,
		IO_TIMEOUT_MS);
	return -1;
}

static int barrier(struct fb_conn *c)
{
	struct ofp_msg m, r;
	ofp_msg_init(&m, OFPMSG_BARRIER_REQUEST, c->xid++);
	if (send_msg(c, &m) || wait_reply(c, OFPMSG_BARRIER_REPLY, m.xid, &r))
		return -1;
	ofp_msg_uninit(&r);
	return 0;
}

/* Flows with our cookie on the switch, or -1. */
static long count_flows(struct fb_conn *c)
{
	struct ofp_msg m, r;
	long n;
	ofp_msg_init(&m, OFPMSG_MULTIPART_REQUEST, c->xid++);
	m.u.mp.mp_type = OFPMP_AGGREGATE;
	m.u.mp.u.flow_req.table_id = OFPTT_ALL;
	m.u.mp.u.flow_req.out_port = OFPP_ANY;
	m.u.mp.u.flow_req.out_group = OFPG_ANY;
	m.u.mp.u.flow_req.cookie = COOKIE;
	m.u.mp.u.flow_req.cookie_mask = ~0ull;
	if (send_msg(c, &m) || wait_reply(c, OFPMSG_MULTIPART_REPLY, m.xid, &r))
		return -1;
	n = r.u.mp.mp_type == OFPMP_AGGREGATE ? (long)r.u.mp.u.aggregate.flow_count : -1;
	ofp_msg_uninit(&r);
	return n;
}

static int delete_ours(struct fb_conn *c)
{
	struct ofp_msg m;
	ofp_msg_init(&m, OFPMSG_FLOW_MOD, c->xid++);
	m.u.flow_mod.command = OFPFC_DELETE;
	m.u.flow_mod.table_id = OFPTT_ALL;
	m.u.flow_mod.cookie = COOKIE;
	m.u.flow_mod.cookie_mask = ~0ull;
	return send_msg(c, &m) || barrier(c) ? -1 : 0;
}

/* FLOW_MOD number i into *m (initialised by the caller once). */
static void flow_i(struct ofp_msg *m, unsigned i, uint32_t xid)
{
	uint8_t mac[6] = { 0x02, 0xbb, (uint8_t)(i >> 24), (uint8_t)(i >> 16), (uint8_t)(i >> 8),
			   (uint8_t)i };
	m->xid = xid;
	ofp_match_set(&m->u.flow_mod.match, OFPF_ETH_DST, mac, NULL);
}

/* Encodes the whole run: the flow_mods (wrapped in a bundle when asked)
 * and the final barrier. Returns the barrier's xid, or 0 on failure. */
static uint32_t encode_run(struct fb_conn *c, unsigned n, int bundle, struct ofpbuf *out)
{
	struct ofp_msg fm, wrap;
	char err[128] = "";
	uint32_t bid = c->xid;
	uint32_t bxid = 0;

	ofp_msg_init(&fm, OFPMSG_FLOW_MOD, 0);
	fm.u.flow_mod.command = OFPFC_ADD;
	fm.u.flow_mod.table_id = 0;
	fm.u.flow_mod.priority = 100;
	fm.u.flow_mod.cookie = COOKIE;
	fm.u.flow_mod.insts.present = OFPINST_APPLY;
	ofp_actions_output(&fm.u.flow_mod.insts.apply, OFPP_LOCAL, 0);

	if (bundle) {
		ofp_msg_init(&wrap, OFPMSG_BUNDLE_CONTROL, c->xid++);
		wrap.u.bundle_ctrl.bundle_id = bid;
		wrap.u.bundle_ctrl.type = OFPBCT_OPEN_REQUEST;
		wrap.u.bundle_ctrl.flags = OFPBF_ATOMIC;
		if (ofp_encode(&wrap, out, err, sizeof(err)))
			goto fail;
	}
	for (unsigned i = 0; i < n; i++) {
		uint32_t xid = c->xid++;
		flow_i(&fm, i, xid);
		if (bundle) {
			ofp_msg_init(&wrap, OFPMSG_BUNDLE_ADD, xid); /* same xid as the inner message */
			wrap.u.bundle_add.bundle_id = bid;
			wrap.u.bundle_add.flags = OFPBF_ATOMIC;
			wrap.u.bundle_add.msg = &fm; /* borrowed: not uninit'ed */
			if (ofp_encode(&wrap, out, err, sizeof(err)))
				goto fail;
		} else if (ofp_encode(&fm, out, err, sizeof(err))) {
			goto fail;
		}
	}
	if (bundle) {
		ofp_msg_init(&wrap, OFPMSG_BUNDLE_CONTROL, c->xid++);
		wrap.u.bundle_ctrl.bundle_id = bid;
		wrap.u.bundle_ctrl.type = OFPBCT_COMMIT_REQUEST;
		wrap.u.bundle_ctrl.flags = OFPBF_ATOMIC;
		if (ofp_encode(&wrap, out, err, sizeof(err)))
			goto fail;
	}
	ofp_msg_init(&wrap, OFPMSG_BARRIER_REQUEST, c->xid++);
	if (ofp_encode(&wrap, out, err, sizeof(err)) || out->failed)
		goto fail;
	bxid = wrap.xid;
	ofp_msg_uninit(&fm);
	return bxid;

fail:
	fprintf(stderr, "flowmod-blast: encoding failed: %s\n", err);
	ofp_msg_uninit(&fm);
	return 0;
}

/* One timed run. 0 when every flow landed without an error. */
static int run(struct fb_conn *c, const struct fb_cfg *cfg, int bundle)
{
	struct ofpbuf out = OFPBUF_INIT;
	struct ofp_msg r;
	const char *mode = bundle ? "bundle" : "plain";
	unsigned errors0;
	uint32_t bxid;
	size_t off = 0;
	int rc = -1, got = 0;

	if (delete_ours(c) || count_flows(c) != 0) {
		fprintf(stderr, "flowmod-blast: could not clear the previous run's flows\n");
		return -1;
	}
	bxid = encode_run(c, cfg->flows, bundle, &out);
	if (!bxid)
		goto out_buf;
	errors0 = c->errors;

	uint64_t t0 = dfn_now_ns(), last = dfn_now_ms();
	while (!got) {
		struct pollfd pfd = { .fd = c->fd, .events = POLLIN | (off < out.len ? POLLOUT : 0) };
		if (poll(&pfd, 1, 100) < 0 && errno != EINTR)
			goto out_buf;
		if (pfd.revents & POLLOUT) {
			ssize_t n = send(c->fd, out.data + off, out.len - off, MSG_NOSIGNAL | MSG_DONTWAIT);
			if (n < 0 && errno != EAGAIN && errno != EINTR) {
				perror("flowmod-blast: send");
				goto out_buf;
			}
			if (n > 0) {
				off += (size_t)n;
				last = dfn_now_ms();
			}
		}
		if (pfd.revents & (POLLIN | POLLERR | POLLHUP)) {
			int p = pump(c, 0, OFPMSG_BARRIER_REPLY, bxid, &r);
			if (p < 0)
				goto out_buf;
			got = p;
			last = dfn_now_ms();
		}
		if (dfn_now_ms() - last > IO_TIMEOUT_MS) {
			fprintf(stderr, "flowmod-blast: %s: no progress for %d ms\n", mode, IO_TIMEOUT_MS);
			goto out_buf;
		}
	}
	double secs = (double)(dfn_now_ns() - t0) / 1e9;
	ofp_msg_uninit(&r);
	long installed = count_flows(c);
	unsigned errors = c->errors - errors0;
	printf("flowmod-blast: %s: %u flow_mods (%zu bytes) in %.3f s = %.0f flow_mods/s,"
	       " %u errors, %ld flows installed\n", mode, cfg->flows, out.len, secs,
	       cfg->flows / secs, errors, installed);
	printf("RESULT: mode=%s flows=%u seconds=%.3f flow_mods/s=%.0f errors=%u installed=%ld\n",
	       mode, cfg->flows, secs, cfg->flows / secs, errors, installed);
	if (errors || installed != (long)cfg->flows)
		fprintf(stderr, "flowmod-blast: %s: run invalid (%u errors, %ld of %u flows)\n", mode,
			errors, installed, cfg->flows);
	else
		rc = 0;
out_buf:
	ofpbuf_uninit(&out);
	return rc;
}

static int listen_on(const struct fb_cfg *cfg)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM, .ai_flags = AI_PASSIVE }, *ai;
	int one = 1, fd, gai = getaddrinfo(cfg->host, cfg->port, &hints, &ai);
	if (gai) {
		fprintf(stderr, "flowmod-blast: %s:%s: %s\n", cfg->host, cfg->port, gai_strerror(gai));
		return -1;
	}
	fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd >= 0)
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (fd < 0 || bind(fd, ai->ai_addr, ai->ai_addrlen) < 0 || listen(fd, 4) < 0) {
		fprintf(stderr, "flowmod-blast: listen on %s:%s: %s\n", cfg->host, cfg->port,
			strerror(errno));
		if (fd >= 0)
			close(fd);
		fd = -1;
	}
	freeaddrinfo(ai);
	return fd;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: flowmod-blast [OPTIONS]\n"
		"Listens as an OpenFlow 1.3 controller, takes the first switch, and times N\n"
		"pipelined FLOW_MOD adds (one barrier at the end), plain and/or in a bundle.\n"
		"  -l HOST   listen address (default 127.0.0.1)\n"
		"  -p PORT   listen port (default 6653)\n"
		"  -n N      flow_mods per run (default 100000)\n"
		"  -m MODES  plain, bundle or plain,bundle (default plain,bundle)\n"
		"  -a SECS   wait this long for the switch to connect (default 30)\n");
}

int main(int argc, char **argv)
{
	struct fb_cfg cfg = { .host = "127.0.0.1", .port = "6653", .flows = 100000, .plain = 1,
			      .bundle = 1, .accept_s = 30 };
	struct fb_conn c = { .fd = -1, .xid = 1 };
	struct ofp_msg m, r;
	unsigned long v;
	int lfd, o, rc = 1, one = 1;

	while ((o = getopt(argc, argv, "l:p:n:m:a:h")) != -1) {
		switch (o) {
		case 'l': cfg.host = optarg; break;
		case 'p': cfg.port = optarg; break;
		case 'n':
			if (dfn_parse_uint(optarg, 1, 10000000, &v))
				goto bad;
			cfg.flows = (unsigned)v;
			break;
		case 'a':
			if (dfn_parse_uint(optarg, 1, 3600, &v))
				goto bad;
			cfg.accept_s = (unsigned)v;
			break;
		case 'm':
			cfg.plain = strstr(optarg, "plain") != NULL;
			cfg.bundle = strstr(optarg, "bundle") != NULL;
			if (!cfg.plain && !cfg.bundle)
				goto bad;
			break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	signal(SIGPIPE, SIG_IGN);
	setvbuf(stdout, NULL, _IOLBF, 0);
	c.in = malloc(IN_CAP);
	if (!c.in)
		return 1;
	lfd = listen_on(&cfg);
	if (lfd < 0)
		goto out_in;
	printf("flowmod-blast: listening on %s:%s\n", cfg.host, cfg.port);
	struct pollfd pfd = { .fd = lfd, .events = POLLIN };
	if (poll(&pfd, 1, (int)cfg.accept_s * 1000) <= 0) {
		fprintf(stderr, "flowmod-blast: no switch connected within %u s\n", cfg.accept_s);
		goto out_listen;
	}
	c.fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	if (c.fd < 0) {
		perror("flowmod-blast: accept");
		goto out_listen;
	}
	setsockopt(c.fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));

	/* HELLO (1.3 only in its bitmap), then FEATURES_REQUEST right away:
	 * the switch's HELLO is read and dropped by pump(); a switch without
	 * 1.3 answers with HELLO_FAILED and no FEATURES_REPLY comes. */
	ofp_msg_init(&m, OFPMSG_HELLO, c.xid++);
	if (send_msg(&c, &m))
		goto out_conn;
	ofp_msg_init(&m, OFPMSG_FEATURES_REQUEST, c.xid++);
	if (send_msg(&c, &m) || wait_reply(&c, OFPMSG_FEATURES_REPLY, m.xid, &r))
		goto out_conn;
	printf("flowmod-blast: switch %016" PRIx64 " connected (%u tables, OpenFlow 1.3)\n",
	       r.u.features.datapath_id, r.u.features.n_tables);
	ofp_msg_uninit(&r);

	rc = 0;
	if (cfg.plain && run(&c, &cfg, 0))
		rc = 1;
	if (cfg.bundle && run(&c, &cfg, 1))
		rc = 1;

out_conn:
	close(c.fd);
out_listen:
	close(lfd);
out_in:
	free(c.in);
	return rc;
bad:
	fprintf(stderr, "flowmod-blast: -%c: bad value '%s'\n", o, optarg);
	return 2;
}
