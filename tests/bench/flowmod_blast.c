/* tests/bench/flowmod_blast.c: the raw ceiling for pushing flows into one
 * Open vSwitch, next to hostd's figures (tests/bench/ofbench_run.sh runs the
 * synthetic modes, tests/bench/pipeline_e2e_run.sh the replay and small
 * modes;
 * README.md, sections "ofbench" and "pipeline_e2e").
 *
 * A minimal OpenFlow 1.3 controller: it listens, takes the first switch
 * that connects, does the handshake (HELLO, FEATURES), then for each mode
 * asked for (small first, then the replay modes, then plain, then bundle)
 *   plain   N distinct FLOW_MOD adds pipelined back to back, one
 *           BARRIER_REQUEST at the end;
 *   bundle  the same N FLOW_MODs inside one ONF bundle (OPEN, N ADDs,
 *           COMMIT), then one BARRIER_REQUEST;
 *   replay  the switch's own flows and groups: it dumps them (FLOW and
 *           GROUP_DESC multipart, every table), turns each into the ADD
 *           that recreates it (cookie, priority, table, match,
 *           instructions, timeouts, flags; buckets), deletes every flow
 *           and group (untimed, barrier), then sends all the GROUP_MODs
 *           (a group before the groups that point to it) and all the
 *           FLOW_MODs inside one ONF bundle (atomic, ordered: what hostd
 *           uses), then one BARRIER_REQUEST;
 *   replay-plain  the same messages without the bundle;
 * times from the first byte written to the BARRIER_REPLY, and checks with
 * an AGGREGATE multipart request that the switch now holds exactly N flows
 * with the run's cookie (the flows of the previous mode are deleted, untimed,
 * before each run); replay checks that the switch holds as many flows (all
 * cookies) and groups as were dumped. Every message is encoded with the
 * project codec (hostd/openflow/ofp.h) before the clock starts, so the
 * figure is the switch's rate, not the encoder's. Synthetic flows: table 0,
 * priority 100, match eth_dst (distinct per flow), apply-actions
 * output:LOCAL.
 *
 * small: the floor of one small change on a loaded switch (what one port
 * add costs hostd, pipeline_e2e section 3). On the switch as found (hostd's
 * flows and groups stay), R rounds (-r), each ONE ONF bundle sent back to
 * back without waiting for the open reply: OPEN, K (-k) new FLOW_MOD adds
 * (synthetic flows as above, tables 0 and 60 in turn, the tool's cookie),
 * G (-g) GROUP_MOD modifies of existing groups of type all (found with a
 * GROUP_DESC dump, taken in turn so a round's groups differ from the
 * previous round's), each re-sent with its dumped buckets plus a copy of
 * its last bucket (one more bucket, as a port add gives a flood group),
 * COMMIT (flags atomic + ordered, as hostd's); timed from the round's
 * first byte to its COMMIT reply, --gap-ms MS apart. Afterwards the
 * switch is put back: the modified groups re-sent as dumped, the tool's
 * flows deleted by cookie, then checked (as many flows as before, the
 * dumped groups with their bucket counts).
 *   RESULT: mode=small rounds=R k=K g=G gap_ms=MS p50_ms=.. p99_ms=.. max_ms=.. errors=E
 *
 * Output per mode:
 *   RESULT: mode=plain flows=N seconds=T flow_mods/s=R errors=E installed=K
 *   RESULT: mode=replay flows=N groups=G seconds=T flow_mods/s=R errors=0 installed=K groups_installed=H runs=N min_s=.. max_s=..
 * With -R N the replay's emptying, settling and timed run are done N times
 * (the same encoded bytes), each checked; T is the median run.
 * In the replay modes flow_mods/s counts the FLOW_MODs only (N / T), like
 * hostd's own "flow_mods=" figure; the G GROUP_MODs travel in the same
 * timed stream (msgs/s on the human-readable line counts both).
 * Exit status 1 when the switch answered with an ERROR, a count was wrong,
 * the switch was not restored (small), or the connection failed. */
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
#define SETTLE_US 1000000   /* replay: pause between emptying and the timed run */
#define MAX_REPEAT 15       /* replay: at most this many timed runs (-R) */

/* Command-line settings. */
struct fb_cfg {
	const char *host;   /* -l listen address */
	const char *port;   /* -p listen port */
	unsigned flows;     /* -n flow_mods per run */
	int plain;          /* run the plain mode */
	int bundle;         /* run the bundle mode */
	int replay;         /* run the replay mode (bundled) */
	int replay_plain;   /* run the replay mode without a bundle */
	int small;          /* run the small mode */
	unsigned rounds;    /* -r small: bundles */
	unsigned small_k;   /* -k small: flow adds per bundle */
	unsigned small_g;   /* -g small: group modifies per bundle */
	unsigned gap_ms;    /* --gap-ms small: pause after each commit reply */
	unsigned repeat;    /* -R replay: timed runs (the median is the result) */
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
	uint32_t mark_xid; /* an ECHO_REQUEST sent inside a timed stream (0: none) */
	uint64_t mark_ns;  /* when its ECHO_REPLY came (dfn_now_ns), else 0 */
	uint64_t sent_ns;  /* when the last timed stream started (dfn_now_ns) */
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
	if (m.type == OFPMSG_ECHO_REPLY && c->mark_xid && m.xid == c->mark_xid)
		c->mark_ns = dfn_now_ns();
	if (m.type == want && m.xid == xid) {
		*out = m;
		return 1;
	}
	ofp_msg_uninit(&m);
	return 0;
}

/* Handles the whole messages in the receive buffer up to the wanted reply
 * (type `want`, xid `xid`), which is left in *out: 1 then, the messages
 * after it stay in the buffer for the next call; 0: not there; -1: broken
 * stream. */
static int drain(struct fb_conn *c, enum ofp_msg_type want, uint32_t xid, struct ofp_msg *out)
{
	size_t off = 0;
	int got = 0;

	while (!got) {
		int len = ofp_frame_len(c->in + off, c->in_len - off);
		if (len < 0) {
			fprintf(stderr, "flowmod-blast: broken stream from the switch\n");
			return -1;
		}
		if (len == 0)
			break;
		got = on_msg(c, c->in + off, (size_t)len, want, xid, out);
		off += (size_t)len;
	}
	memmove(c->in, c->in + off, c->in_len - off);
	c->in_len -= off;
	return got;
}

/* Takes the wanted reply from what is buffered, else reads what is there
 * (waiting up to timeout_ms for something) and handles every whole message
 * up to it. 1: the wanted reply is in *out; 0: not yet; -1: connection
 * failed. */
static int pump(struct fb_conn *c, int timeout_ms, enum ofp_msg_type want, uint32_t xid,
		struct ofp_msg *out)
{
	struct pollfd pfd = { .fd = c->fd, .events = POLLIN };
	int got = drain(c, want, xid, out);

	if (got)
		return got;
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
	return drain(c, want, xid, out);
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

/* Flows on the switch whose cookie matches (cookie, mask), or -1. */
static long count_flows(struct fb_conn *c, uint64_t cookie, uint64_t mask)
{
	struct ofp_msg m, r;
	long n;
	ofp_mp_request_init(&m, c->xid++, OFPMP_AGGREGATE);
	m.u.mp.u.flow_req.cookie = cookie;
	m.u.mp.u.flow_req.cookie_mask = mask;
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

/* Writes len bytes (encoded beforehand, ending with the request whose
 * reply is of type `want` and xid `xid`: the BARRIER_REQUEST, or the
 * bundle's COMMIT) and reads the switch's answers until that reply: the
 * timed part of every mode. With stop_on_error an ERROR from the switch
 * ends the wait (a refused commit gets no reply). 0 with the seconds in
 * *secs, or -1. */
static int timed_send(struct fb_conn *c, const uint8_t *data, size_t len, enum ofp_msg_type want,
		      uint32_t xid, int stop_on_error, const char *mode, double *secs)
{
	struct ofp_msg r;
	size_t off = 0;
	unsigned errors0 = c->errors;
	int got = 0;

	uint64_t t0 = dfn_now_ns(), last = dfn_now_ms();
	c->sent_ns = t0;
	c->mark_ns = 0;
	while (!got) {
		struct pollfd pfd = { .fd = c->fd, .events = POLLIN | (off < len ? POLLOUT : 0) };
		if (poll(&pfd, 1, 100) < 0 && errno != EINTR)
			return -1;
		if (pfd.revents & POLLOUT) {
			ssize_t n = send(c->fd, data + off, len - off, MSG_NOSIGNAL | MSG_DONTWAIT);
			if (n < 0 && errno != EAGAIN && errno != EINTR) {
				perror("flowmod-blast: send");
				return -1;
			}
			if (n > 0) {
				off += (size_t)n;
				last = dfn_now_ms();
			}
		}
		if (pfd.revents & (POLLIN | POLLERR | POLLHUP)) {
			int p = pump(c, 0, want, xid, &r);
			if (p < 0)
				return -1;
			got = p;
			last = dfn_now_ms();
		}
		if (!got && stop_on_error && c->errors != errors0) {
			fprintf(stderr, "flowmod-blast: %s: the switch refused the request\n", mode);
			return -1;
		}
		if (dfn_now_ms() - last > IO_TIMEOUT_MS) {
			fprintf(stderr, "flowmod-blast: %s: no progress for %d ms\n", mode, IO_TIMEOUT_MS);
			return -1;
		}
	}
	*secs = (double)(dfn_now_ns() - t0) / 1e9;
	ofp_msg_uninit(&r);
	return 0;
}

/* One timed synthetic run. 0 when every flow landed without an error. */
static int run(struct fb_conn *c, const struct fb_cfg *cfg, int bundle)
{
	struct ofpbuf out = OFPBUF_INIT;
	const char *mode = bundle ? "bundle" : "plain";
	unsigned errors0;
	uint32_t bxid;
	double secs;
	int rc = -1;

	if (delete_ours(c) || count_flows(c, COOKIE, ~0ull) != 0) {
		fprintf(stderr, "flowmod-blast: could not clear the previous run's flows\n");
		return -1;
	}
	bxid = encode_run(c, cfg->flows, bundle, &out);
	if (!bxid)
		goto out_buf;
	errors0 = c->errors;
	if (timed_send(c, out.data, out.len, OFPMSG_BARRIER_REPLY, bxid, 0, mode, &secs))
		goto out_buf;
	long installed = count_flows(c, COOKIE, ~0ull);
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

/* ---- replay: the switch's own flows and groups ------------------------------ */

/* What the replay mode took from the switch. */
struct fb_replay {
	struct ofpbuf flows;    /* the FLOW_MOD adds (as bundle adds when
				 * bundled), encoded in dump order */
	unsigned n_flows;       /* flows dumped */
	struct ofp_msg *groups; /* one GROUP_MOD(ADD) per dumped group (owns
				 * its buckets) */
	size_t n_groups;        /* groups dumped */
	size_t cap;             /* entries allocated in groups */
	int bundle;             /* wrap every message in the bundle */
	uint32_t bundle_id;     /* that bundle's id */
	char err[128];          /* why encoding failed */
};

/* Sends a multipart request of mp_type (FLOW: every flow of every table)
 * and hands each part of the reply to take(); 0, or -1. */
static int dump_mp(struct fb_conn *c, uint16_t mp_type,
		   int (*take)(struct fb_conn *, struct ofp_msg *, void *), void *ctx)
{
	struct ofp_msg m, r;

	ofp_mp_request_init(&m, c->xid++, mp_type);
	if (send_msg(c, &m))
		return -1;
	for (;;) {
		if (wait_reply(c, OFPMSG_MULTIPART_REPLY, m.xid, &r))
			return -1;
		int more = r.u.mp.flags & OFPMPF_MORE;
		int rc = r.u.mp.mp_type == mp_type ? take(c, &r, ctx) : -1;
		ofp_msg_uninit(&r);
		if (rc)
			return -1;
		if (!more)
			return 0;
	}
}

/* Encodes m, wrapped in a bundle add of rp's bundle when bundled. */
static int encode_replayed(struct fb_replay *rp, const struct ofp_msg *m, struct ofpbuf *out)
{
	struct ofp_msg wrap;

	if (!rp->bundle)
		return ofp_encode(m, out, rp->err, sizeof(rp->err));
	ofp_msg_init(&wrap, OFPMSG_BUNDLE_ADD, m->xid); /* same xid as the inner message */
	wrap.u.bundle_add.bundle_id = rp->bundle_id;
	wrap.u.bundle_add.flags = OFPBF_ATOMIC | OFPBF_ORDERED;
	wrap.u.bundle_add.msg = (struct ofp_msg *)m; /* borrowed: wrap is not uninit'ed */
	return ofp_encode(&wrap, out, rp->err, sizeof(rp->err));
}

/* One part of the flow dump: every flow becomes its FLOW_MOD(ADD). */
static int take_flows(struct fb_conn *c, struct ofp_msg *r, void *ctx)
{
	struct fb_replay *rp = ctx;
	struct ofp_flow_stats *fs = r->u.mp.u.list.items;
	struct ofp_msg fm;

	for (size_t i = 0; i < r->u.mp.u.list.n; i++) {
		ofp_msg_init(&fm, OFPMSG_FLOW_MOD, c->xid++);
		fm.u.flow_mod.command = OFPFC_ADD;
		fm.u.flow_mod.cookie = fs[i].cookie;
		fm.u.flow_mod.table_id = fs[i].table_id;
		fm.u.flow_mod.priority = fs[i].priority;
		fm.u.flow_mod.idle_timeout = fs[i].idle_timeout;
		fm.u.flow_mod.hard_timeout = fs[i].hard_timeout;
		fm.u.flow_mod.flags = fs[i].flags;
		fm.u.flow_mod.match = fs[i].match;
		fm.u.flow_mod.insts = fs[i].insts; /* borrowed: fm is not uninit'ed */
		if (encode_replayed(rp, &fm, &rp->flows))
			return -1;
		rp->n_flows++;
	}
	return 0;
}

/* One part of the group dump: every group becomes its GROUP_MOD(ADD),
 * kept until the order is known (the buckets move out of the reply). */
static int take_groups(struct fb_conn *c, struct ofp_msg *r, void *ctx)
{
	struct fb_replay *rp = ctx;
	struct ofp_group_desc *gd = r->u.mp.u.list.items;

	for (size_t i = 0; i < r->u.mp.u.list.n; i++) {
		if (rp->n_groups == rp->cap) {
			size_t cap = rp->cap ? rp->cap * 2 : 256;
			struct ofp_msg *g = realloc(rp->groups, cap * sizeof(*g));
			if (!g) {
				snprintf(rp->err, sizeof(rp->err), "out of memory");
				return -1;
			}
			rp->groups = g;
			rp->cap = cap;
		}
		struct ofp_msg *gm = &rp->groups[rp->n_groups++];
		ofp_msg_init(gm, OFPMSG_GROUP_MOD, c->xid++);
		gm->u.group_mod.command = OFPGC_ADD;
		gm->u.group_mod.type = gd[i].type;
		gm->u.group_mod.group_id = gd[i].group_id;
		gm->u.group_mod.buckets = gd[i].buckets;
		memset(&gd[i].buckets, 0, sizeof(gd[i].buckets));
	}
	return 0;
}

/* Counts the entries of one part of a dump (groups). */
static int take_count(struct fb_conn *c, struct ofp_msg *r, void *ctx)
{
	(void)c;
	*(long *)ctx += (long)r->u.mp.u.list.n;
	return 0;
}

/* Groups on the switch, or -1. */
static long count_groups(struct fb_conn *c)
{
	long n = 0;
	return dump_mp(c, OFPMP_GROUP_DESC, take_count, &n) ? -1 : n;
}

/* 1 when every group that group i's buckets point to is already placed
 * (done[]) or not among the dumped ones. */
static int group_ready(const struct fb_replay *rp, size_t i, const uint8_t *done)
{
	const struct ofp_buckets *bl = &rp->groups[i].u.group_mod.buckets;

	for (size_t b = 0; b < bl->n; b++) {
		const struct ofp_actions *al = &bl->b[b].actions;
		for (size_t a = 0; a < al->n; a++) {
			if (al->a[a].type != OFPACT_GROUP)
				continue;
			for (size_t j = 0; j < rp->n_groups; j++)
				if (rp->groups[j].u.group_mod.group_id == al->a[a].u.group_id && !done[j])
					return 0;
		}
	}
	return 1;
}

/* Encodes the GROUP_MODs into out, a group after the groups its buckets
 * point to (a cycle, which no switch accepts, goes out as dumped). */
static int encode_groups(struct fb_replay *rp, struct ofpbuf *out)
{
	uint8_t *done = calloc(rp->n_groups ? rp->n_groups : 1, 1);
	size_t placed = 0;
	int rc = 0;

	if (!done)
		return -1;
	while (placed < rp->n_groups && !rc) {
		size_t before = placed;
		for (size_t i = 0; i < rp->n_groups && !rc; i++) {
			if (done[i] || !group_ready(rp, i, done))
				continue;
			rc = encode_replayed(rp, &rp->groups[i], out);
			done[i] = 1;
			placed++;
		}
		if (placed == before) /* a cycle: the rest as dumped */
			for (size_t i = 0; i < rp->n_groups && !rc; i++) {
				if (done[i])
					continue;
				rc = encode_replayed(rp, &rp->groups[i], out);
				done[i] = 1;
				placed++;
			}
	}
	free(done);
	return rc ? -1 : 0;
}

/* Deletes every flow (all tables) and every group; 0 when the switch is
 * then empty. */
static int delete_all(struct fb_conn *c)
{
	struct ofp_msg m;

	ofp_msg_init(&m, OFPMSG_FLOW_MOD, c->xid++);
	m.u.flow_mod.command = OFPFC_DELETE;
	m.u.flow_mod.table_id = OFPTT_ALL;
	if (send_msg(c, &m))
		return -1;
	ofp_msg_init(&m, OFPMSG_GROUP_MOD, c->xid++);
	m.u.group_mod.command = OFPGC_DELETE;
	m.u.group_mod.group_id = OFPG_ALL;
	if (send_msg(c, &m) || barrier(c))
		return -1;
	return count_flows(c, 0, 0) == 0 && count_groups(c) == 0 ? 0 : -1;
}

/* The replay mode (bundled or plain). 0 when every flow and group landed
 * again without an error. */
static int cmp_secs(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static int run_replay(struct fb_conn *c, int bundle, unsigned repeat)
{
	struct fb_replay rp = { .flows = OFPBUF_INIT, .bundle = bundle };
	double runs[MAX_REPEAT];
	struct ofpbuf out = OFPBUF_INIT;
	struct ofp_msg m;
	const char *mode = bundle ? "replay" : "replay-plain";
	unsigned errors0 = c->errors;
	uint32_t bxid;
	double secs;
	int rc = -1;

	rp.bundle_id = c->xid++;
	/* 1. the dump, encoded as it arrives (untimed) */
	if (dump_mp(c, OFPMP_FLOW, take_flows, &rp) ||
	    dump_mp(c, OFPMP_GROUP_DESC, take_groups, &rp)) {
		fprintf(stderr, "flowmod-blast: %s: dump failed%s%s\n", mode, rp.err[0] ? ": " : "",
			rp.err);
		goto out;
	}
	if (c->errors != errors0) {
		fprintf(stderr, "flowmod-blast: %s: the switch refused the dump\n", mode);
		goto out;
	}
	printf("flowmod-blast: %s: dumped %u flows and %zu groups from the switch\n", mode,
	       rp.n_flows, rp.n_groups);
	/* 2. the whole timed stream: [OPEN] groups flows [COMMIT] BARRIER */
	if (bundle) {
		ofp_msg_init(&m, OFPMSG_BUNDLE_CONTROL, c->xid++);
		m.u.bundle_ctrl.bundle_id = rp.bundle_id;
		m.u.bundle_ctrl.type = OFPBCT_OPEN_REQUEST;
		m.u.bundle_ctrl.flags = OFPBF_ATOMIC | OFPBF_ORDERED;
		if (ofp_encode(&m, &out, rp.err, sizeof(rp.err)))
			goto enc_fail;
	}
	if (encode_groups(&rp, &out))
		goto enc_fail;
	ofpbuf_put(&out, rp.flows.data, rp.flows.len);
	if (bundle) {
		/* an echo before the commit: its reply tells when the switch
		 * had taken every bundle add, the rest is the commit's work */
		ofp_msg_init(&m, OFPMSG_ECHO_REQUEST, c->mark_xid = c->xid++);
		if (ofp_encode(&m, &out, rp.err, sizeof(rp.err)))
			goto enc_fail;
		ofp_msg_init(&m, OFPMSG_BUNDLE_CONTROL, c->xid++);
		m.u.bundle_ctrl.bundle_id = rp.bundle_id;
		m.u.bundle_ctrl.type = OFPBCT_COMMIT_REQUEST;
		m.u.bundle_ctrl.flags = OFPBF_ATOMIC | OFPBF_ORDERED;
		if (ofp_encode(&m, &out, rp.err, sizeof(rp.err)))
			goto enc_fail;
	}
	ofp_msg_init(&m, OFPMSG_BARRIER_REQUEST, c->xid++);
	if (ofp_encode(&m, &out, rp.err, sizeof(rp.err)) || out.failed || rp.flows.failed)
		goto enc_fail;
	bxid = m.xid;
	ofpbuf_uninit(&rp.flows); /* copied into out */
	/* 3. + 4., `repeat` times: the switch emptied (untimed), then left
	 * to settle (a switch with many ports is busy for a while after a
	 * big table change, and that work must not be counted against the
	 * replay), then the timed replay; the same bytes each time (a
	 * committed bundle's id may be used again) */
	for (unsigned run = 0; run < repeat; run++) {
		if (delete_all(c)) {
			fprintf(stderr, "flowmod-blast: %s: could not empty the switch\n", mode);
			goto out;
		}
		usleep(SETTLE_US);
		if (barrier(c)) {
			fprintf(stderr, "flowmod-blast: %s: no barrier reply after emptying\n", mode);
			goto out;
		}
		errors0 = c->errors;
		if (timed_send(c, out.data, out.len, OFPMSG_BARRIER_REPLY, bxid, 0, mode, &secs))
			goto out;
		long installed = count_flows(c, 0, 0), groups = count_groups(c);
		unsigned errors = c->errors - errors0;
		unsigned msgs = rp.n_flows + (unsigned)rp.n_groups;
		printf("flowmod-blast: %s: run %u of %u: %u flow_mods + %zu group_mods (%zu bytes%s)"
		       " in %.3f s = %.0f flow_mods/s (%.0f msgs/s), %u errors, %ld flows and %ld"
		       " groups installed\n", mode, run + 1, repeat, rp.n_flows, rp.n_groups, out.len,
		       bundle ? ", one bundle" : "", secs, rp.n_flows / secs, msgs / secs, errors,
		       installed, groups);
		if (bundle && c->mark_ns > c->sent_ns)
			printf("flowmod-blast: %s: run %u: the switch had taken the bundle's adds after"
			       " %.1f ms, its commit took the remaining %.1f ms\n", mode, run + 1,
			       (double)(c->mark_ns - c->sent_ns) / 1e6,
			       secs * 1e3 - (double)(c->mark_ns - c->sent_ns) / 1e6);
		if (errors || installed != (long)rp.n_flows || groups != (long)rp.n_groups) {
			fprintf(stderr, "flowmod-blast: %s: run invalid (%u errors, %ld of %u flows, "
				"%ld of %zu groups)\n", mode, errors, installed, rp.n_flows, groups,
				rp.n_groups);
			goto out;
		}
		runs[run] = secs;
	}
	qsort(runs, repeat, sizeof(*runs), cmp_secs);
	secs = runs[repeat / 2]; /* the median (the upper one of an even count) */
	printf("RESULT: mode=%s flows=%u groups=%zu seconds=%.3f flow_mods/s=%.0f errors=0"
	       " installed=%u groups_installed=%zu runs=%u min_s=%.3f max_s=%.3f\n", mode,
	       rp.n_flows, rp.n_groups, secs, rp.n_flows / secs, rp.n_flows, rp.n_groups, repeat,
	       runs[0], runs[repeat - 1]);
	rc = 0;
	goto out;

enc_fail:
	fprintf(stderr, "flowmod-blast: %s: encoding failed: %s\n", mode, rp.err);
out:
	c->mark_xid = 0;
	for (size_t i = 0; i < rp.n_groups; i++)
		ofp_msg_uninit(&rp.groups[i]);
	free(rp.groups);
	ofpbuf_uninit(&rp.flows);
	ofpbuf_uninit(&out);
	return rc;
}

/* ---- small: one port add's worth of changes, round after round ------------ */

/* What the small mode works on and measures. */
struct fb_small {
	struct fb_replay dump; /* the switch's groups as dumped (GROUP_MODs,
				* type and buckets as found) */
	size_t *sel;           /* indexes into dump.groups of the groups it
				* modifies: type ALL, at least one bucket */
	size_t n_sel;          /* entries in sel */
	uint8_t *used;         /* per dump.groups entry: modified by a round */
	size_t *off;           /* rounds + 1 offsets into out: round r is
				* out[off[r] .. off[r + 1]) */
	uint32_t *commit_xid;  /* per round: its COMMIT's xid */
	double *ms;            /* per round: first byte -> COMMIT reply */
	struct ofpbuf out;     /* every round, encoded before the first */
};

/* Encodes m into out inside bundle bid (same xid as the inner message). */
static int encode_in_bundle(const struct ofp_msg *m, uint32_t bid, struct ofpbuf *out, char *err,
			    size_t errlen)
{
	struct ofp_msg wrap;
	ofp_msg_init(&wrap, OFPMSG_BUNDLE_ADD, m->xid);
	wrap.u.bundle_add.bundle_id = bid;
	wrap.u.bundle_add.flags = OFPBF_ATOMIC | OFPBF_ORDERED;
	wrap.u.bundle_add.msg = (struct ofp_msg *)m; /* borrowed: wrap is not uninit'ed */
	return ofp_encode(&wrap, out, err, errlen);
}

/* Encodes a bundle control message (OPEN, COMMIT) of bundle bid. */
static int encode_bundle_ctrl(uint32_t xid, uint32_t bid, uint16_t type, struct ofpbuf *out,
			      char *err, size_t errlen)
{
	struct ofp_msg m;
	ofp_msg_init(&m, OFPMSG_BUNDLE_CONTROL, xid);
	m.u.bundle_ctrl.bundle_id = bid;
	m.u.bundle_ctrl.type = type;
	m.u.bundle_ctrl.flags = OFPBF_ATOMIC | OFPBF_ORDERED;
	return ofp_encode(&m, out, err, errlen);
}

/* Encodes round r into sm->out: OPEN, k FLOW_MOD adds (flows r*k ..
 * r*k+k-1, tables 0 and 60 in turn, the run's cookie), g GROUP_MOD
 * modifies (the next g selected groups: their dumped buckets plus a copy
 * of the last one), COMMIT. */
static int encode_small_round(struct fb_conn *c, const struct fb_cfg *cfg, struct fb_small *sm,
			      unsigned r, char *err, size_t errlen)
{
	struct ofp_msg fm, gm;
	uint32_t bid = c->xid++;
	int rc = -1;

	ofp_msg_init(&fm, OFPMSG_FLOW_MOD, 0);
	fm.u.flow_mod.command = OFPFC_ADD;
	fm.u.flow_mod.priority = 100;
	fm.u.flow_mod.cookie = COOKIE;
	fm.u.flow_mod.insts.present = OFPINST_APPLY;
	ofp_actions_output(&fm.u.flow_mod.insts.apply, OFPP_LOCAL, 0);
	if (encode_bundle_ctrl(bid, bid, OFPBCT_OPEN_REQUEST, &sm->out, err, errlen))
		goto out;
	for (unsigned j = 0; j < cfg->small_k; j++) {
		flow_i(&fm, r * cfg->small_k + j, c->xid++);
		fm.u.flow_mod.table_id = j % 2 ? 60 : 0;
		if (encode_in_bundle(&fm, bid, &sm->out, err, errlen))
			goto out;
	}
	for (unsigned j = 0; j < cfg->small_g; j++) {
		size_t gi = sm->sel[((size_t)r * cfg->small_g + j) % sm->n_sel];
		const struct ofp_msg *dumped = &sm->dump.groups[gi];
		const struct ofp_buckets *bl = &dumped->u.group_mod.buckets;
		struct ofp_bucket *b = malloc((bl->n + 1) * sizeof(*b));
		if (!b) {
			snprintf(err, errlen, "out of memory");
			goto out;
		}
		memcpy(b, bl->b, bl->n * sizeof(*b)); /* shallow: borrowed actions */
		b[bl->n] = bl->b[bl->n - 1];
		ofp_msg_init(&gm, OFPMSG_GROUP_MOD, c->xid++);
		gm.u.group_mod.command = OFPGC_MODIFY;
		gm.u.group_mod.type = dumped->u.group_mod.type;
		gm.u.group_mod.group_id = dumped->u.group_mod.group_id;
		gm.u.group_mod.buckets.b = b;
		gm.u.group_mod.buckets.n = gm.u.group_mod.buckets.cap = bl->n + 1;
		int e = encode_in_bundle(&gm, bid, &sm->out, err, errlen);
		free(b); /* gm is not uninit'ed: its actions are the dump's */
		if (e)
			goto out;
		sm->used[gi] = 1;
	}
	sm->commit_xid[r] = c->xid++;
	if (encode_bundle_ctrl(sm->commit_xid[r], bid, OFPBCT_COMMIT_REQUEST, &sm->out, err, errlen))
		goto out;
	rc = sm->out.failed ? -1 : 0;
out:
	ofp_msg_uninit(&fm);
	return rc;
}

/* Puts the groups the rounds modified back as dumped and deletes the
 * run's flows; 0 when the switch then holds flows_before flows and the
 * dumped groups with their dumped bucket counts. */
static int restore_small(struct fb_conn *c, struct fb_small *sm, long flows_before)
{
	struct fb_replay now = { .flows = OFPBUF_INIT };
	struct ofp_msg m;
	size_t restored = 0, bad = 0;
	int rc = -1;

	for (size_t i = 0; i < sm->dump.n_groups; i++) {
		if (!sm->used[i])
			continue;
		m = sm->dump.groups[i]; /* shallow: not uninit'ed */
		m.xid = c->xid++;
		m.u.group_mod.command = OFPGC_MODIFY;
		if (send_msg(c, &m))
			goto out;
		restored++;
	}
	if (delete_ours(c))
		goto out;
	long flows = count_flows(c, 0, 0);
	if (dump_mp(c, OFPMP_GROUP_DESC, take_groups, &now))
		goto out;
	for (size_t i = 0; i < sm->dump.n_groups; i++) {
		const struct ofp_group_mod *want = &sm->dump.groups[i].u.group_mod;
		size_t j = i < now.n_groups ? i : 0, k;
		for (k = 0; k < now.n_groups; k++, j = (j + 1) % now.n_groups)
			if (now.groups[j].u.group_mod.group_id == want->group_id)
				break;
		if (k == now.n_groups ||
		    now.groups[j].u.group_mod.buckets.n != want->buckets.n)
			bad++;
	}
	printf("flowmod-blast: small: restored %zu groups as dumped, deleted the run's flows:"
	       " %ld flows (before: %ld), %zu groups (dumped: %zu), %zu differing\n", restored, flows,
	       flows_before, now.n_groups, sm->dump.n_groups, bad);
	if (flows == flows_before && now.n_groups == sm->dump.n_groups && !bad)
		rc = 0;
	else
		fprintf(stderr, "flowmod-blast: small: the switch was not restored\n");
out:
	for (size_t i = 0; i < now.n_groups; i++)
		ofp_msg_uninit(&now.groups[i]);
	free(now.groups);
	return rc;
}

/* Nearest-rank percentile p of the n sorted values v. */
static double pct(const double *v, unsigned n, double p)
{
	long i = (long)(p * n + 0.999999) - 1;
	if (i < 0)
		i = 0;
	if (i >= (long)n)
		i = (long)n - 1;
	return v[i];
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* The small mode: cfg->rounds bundles of k flow adds + g group modifies on
 * the switch as found, each timed from its first byte to its COMMIT reply,
 * cfg->gap_ms apart; then the switch put back. 0 when every round
 * committed without an error and the switch was restored. */
static int run_small(struct fb_conn *c, const struct fb_cfg *cfg)
{
	struct fb_small sm = { .dump = { .flows = OFPBUF_INIT }, .out = OFPBUF_INIT };
	unsigned rounds = cfg->rounds, r, errors;
	char err[128] = "";
	long flows_before, installed;
	int rc = -1;

	if (delete_ours(c) || count_flows(c, COOKIE, ~0ull) != 0) {
		fprintf(stderr, "flowmod-blast: small: could not clear earlier flows of this tool\n");
		return -1;
	}
	flows_before = count_flows(c, 0, 0);
	if (flows_before < 0 || dump_mp(c, OFPMP_GROUP_DESC, take_groups, &sm.dump)) {
		fprintf(stderr, "flowmod-blast: small: dump failed\n");
		goto out;
	}
	sm.sel = calloc(sm.dump.n_groups + 1, sizeof(*sm.sel));
	sm.used = calloc(sm.dump.n_groups + 1, 1);
	sm.off = calloc(rounds + 1, sizeof(*sm.off));
	sm.commit_xid = calloc(rounds, sizeof(*sm.commit_xid));
	sm.ms = calloc(rounds, sizeof(*sm.ms));
	if (!sm.sel || !sm.used || !sm.off || !sm.commit_xid || !sm.ms)
		goto out;
	for (size_t i = 0; i < sm.dump.n_groups; i++)
		if (sm.dump.groups[i].u.group_mod.type == OFPGT_ALL &&
		    sm.dump.groups[i].u.group_mod.buckets.n > 0)
			sm.sel[sm.n_sel++] = i;
	printf("flowmod-blast: small: the switch holds %ld flows and %zu groups (%zu of type all"
	       " with buckets)\n", flows_before, sm.dump.n_groups, sm.n_sel);
	if (cfg->small_g && !sm.n_sel) {
		fprintf(stderr, "flowmod-blast: small: no group of type all to modify\n");
		goto out;
	}
	/* every round encoded before the first is sent */
	for (r = 0; r < rounds; r++) {
		sm.off[r] = sm.out.len;
		if (encode_small_round(c, cfg, &sm, r, err, sizeof(err))) {
			fprintf(stderr, "flowmod-blast: small: encoding failed: %s\n", err);
			goto restore;
		}
	}
	sm.off[rounds] = sm.out.len;
	/* timed: round after round */
	errors = c->errors;
	for (r = 0; r < rounds; r++) {
		double secs;
		if (timed_send(c, sm.out.data + sm.off[r], sm.off[r + 1] - sm.off[r],
			       OFPMSG_BUNDLE_CONTROL, sm.commit_xid[r], 1, "small", &secs)) {
			fprintf(stderr, "flowmod-blast: small: round %u failed\n", r);
			goto restore;
		}
		sm.ms[r] = secs * 1e3;
		if (cfg->gap_ms)
			usleep((useconds_t)cfg->gap_ms * 1000u);
	}
	errors = c->errors - errors;
	installed = count_flows(c, COOKIE, ~0ull);
	qsort(sm.ms, rounds, sizeof(double), cmp_double);
	printf("flowmod-blast: small: %u rounds of one bundle {open, %u flow adds, %u group modifies,"
	       " commit} (%.0f bytes per round on average), %u ms apart: %u errors, %ld flows"
	       " installed\n", rounds, cfg->small_k, cfg->small_g, (double)sm.out.len / rounds,
	       cfg->gap_ms, errors, installed);
	printf("RESULT: mode=small rounds=%u k=%u g=%u gap_ms=%u p50_ms=%.2f p99_ms=%.2f max_ms=%.2f"
	       " errors=%u\n", rounds, cfg->small_k, cfg->small_g, cfg->gap_ms,
	       pct(sm.ms, rounds, 0.5), pct(sm.ms, rounds, 0.99), sm.ms[rounds - 1], errors);
	if (errors || installed != (long)rounds * cfg->small_k)
		fprintf(stderr, "flowmod-blast: small: run invalid (%u errors, %ld of %u flows)\n",
			errors, installed, rounds * cfg->small_k);
	else
		rc = 0;
restore:
	if (restore_small(c, &sm, flows_before))
		rc = -1;
out:
	for (size_t i = 0; i < sm.dump.n_groups; i++)
		ofp_msg_uninit(&sm.dump.groups[i]);
	free(sm.dump.groups);
	ofpbuf_uninit(&sm.dump.flows);
	ofpbuf_uninit(&sm.out);
	free(sm.sel);
	free(sm.used);
	free(sm.off);
	free(sm.commit_xid);
	free(sm.ms);
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

/* -m: a comma-separated list of modes; 0, or -1 for an unknown or empty one. */
static int parse_modes(struct fb_cfg *cfg, const char *arg)
{
	const char *p = arg;

	cfg->plain = cfg->bundle = cfg->replay = cfg->replay_plain = cfg->small = 0;
	for (;;) {
		size_t n = strcspn(p, ",");
		if (n == 5 && !strncmp(p, "plain", n))
			cfg->plain = 1;
		else if (n == 6 && !strncmp(p, "bundle", n))
			cfg->bundle = 1;
		else if (n == 6 && !strncmp(p, "replay", n))
			cfg->replay = 1;
		else if (n == 12 && !strncmp(p, "replay-plain", n))
			cfg->replay_plain = 1;
		else if (n == 5 && !strncmp(p, "small", n))
			cfg->small = 1;
		else
			return -1;
		if (!p[n])
			return 0;
		p += n + 1;
	}
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: flowmod-blast [OPTIONS]\n"
		"Listens as an OpenFlow 1.3 controller, takes the first switch, and times N\n"
		"pipelined FLOW_MOD adds (one barrier at the end), plain and/or in a bundle;\n"
		"or (replay) dumps the switch's flows and groups, deletes them and times\n"
		"adding them all again; or (small) times rounds of one small bundle (k flow\n"
		"adds + g modifies of the switch's groups) on the switch as found.\n"
		"  -l HOST   listen address (default 127.0.0.1)\n"
		"  -p PORT   listen port (default 6653)\n"
		"  -n N      flow_mods per synthetic run (default 100000)\n"
		"  -m MODES  comma-separated: plain, bundle, replay (bundled),\n"
		"            replay-plain, small (default plain,bundle; small runs\n"
		"            first, then the replays)\n"
		"  -r R      small: rounds (default 200)\n"
		"  -k K      small: flow adds per round (default 2)\n"
		"  -g G      small: group modifies per round (default 2)\n"
		"  --gap-ms MS  small: pause after each round's commit reply (default 0)\n"
		"  -R N      replay: timed runs, each after emptying the switch and 1 s of\n"
		"            settling; the RESULT is the median (default 1, at most 15)\n"
		"  -a SECS   wait this long for the switch to connect (default 30)\n");
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "gap-ms", required_argument, NULL, 'G' }, { "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct fb_cfg cfg = { .host = "127.0.0.1", .port = "6653", .flows = 100000, .plain = 1,
			      .bundle = 1, .rounds = 200, .small_k = 2, .small_g = 2,
			      .repeat = 1, .accept_s = 30 };
	struct fb_conn c = { .fd = -1, .xid = 1 };
	struct ofp_msg m, r;
	unsigned long v;
	int lfd, o, rc = 1, one = 1;

	while ((o = getopt_long(argc, argv, "l:p:n:m:a:r:k:g:R:h", lo, NULL)) != -1) {
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
		case 'r':
			if (dfn_parse_uint(optarg, 1, 1000000, &v))
				goto bad;
			cfg.rounds = (unsigned)v;
			break;
		case 'k':
			if (dfn_parse_uint(optarg, 0, 10000, &v))
				goto bad;
			cfg.small_k = (unsigned)v;
			break;
		case 'g':
			if (dfn_parse_uint(optarg, 0, 10000, &v))
				goto bad;
			cfg.small_g = (unsigned)v;
			break;
		case 'R':
			if (dfn_parse_uint(optarg, 1, MAX_REPEAT, &v))
				goto bad;
			cfg.repeat = (unsigned)v;
			break;
		case 'G':
			if (dfn_parse_uint(optarg, 0, 60000, &v))
				goto bad;
			cfg.gap_ms = (unsigned)v;
			break;
		case 'm':
			if (parse_modes(&cfg, optarg))
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
	if (cfg.small && run_small(&c, &cfg))
		rc = 1;
	if (cfg.replay && run_replay(&c, 1, cfg.repeat))
		rc = 1;
	if (cfg.replay_plain && run_replay(&c, 0, cfg.repeat))
		rc = 1;
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
	if (o == 'G')
		fprintf(stderr, "flowmod-blast: --gap-ms: bad value '%s'\n", optarg);
	else
		fprintf(stderr, "flowmod-blast: -%c: bad value '%s'\n", o, optarg);
	return 2;
}
