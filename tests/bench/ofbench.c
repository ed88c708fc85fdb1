/* tests/bench/ofbench.c: the cbench method for OpenFlow 1.3, written for
 * dfnic (tests/bench/ofbench_run.sh drives it inside `make bench`;
 * tests/bench/README.md explains the figures).
 *
 * N emulated switches connect over TCP to a controller. Each one does the
 * OpenFlow 1.3 handshake as a switch (HELLO with a version bitmap, a
 * FEATURES_REPLY carrying its own datapath id, ECHO, GET/SET_CONFIG,
 * ROLE, BARRIER, multipart requests and ONF bundles answered with minimal
 * valid replies) and, once every switch is up, sends PACKET_INs: a 60-byte
 * Ethernet/IPv4/UDP frame whose source MAC cycles over -M addresses per
 * switch, to the host of the previous packet-in (so a learning controller
 * knows the destination, on another of the switch's 4 ports), match
 * in_port only, no buffer. The controller's
 * FLOW_MOD adds and PACKET_OUTs are the responses counted:
 *   latency mode     one outstanding packet-in per switch; the next one is
 *                    sent when the controller has answered this one (see
 *                    answers_current() for what counts as its answer);
 *   throughput mode  (-t) the send queue is kept full: packet-ins are
 *                    written as long as the socket accepts them, responses
 *                    are read as they come.
 * Messages are framed with the project codec (hostd/openflow/ofp.h,
 * ofp_frame_len); control messages are decoded with ofp_decode and answered
 * with ofp_encode. The first -x responses of each switch are decoded in
 * full with ofp_decode (a malformed one invalidates the run); after that the
 * hot path counts them from the header alone (latency mode: plus a bounded
 * walk to the MACs that tie a response to its packet-in) so the tool is
 * not the bottleneck: one thread per core, each with an epoll
 * set over its share of the switches, large reads, packet-ins pre-built in
 * batches of which only the xid, in_port and MACs are patched.
 *
 * Output, like cbench: one `N switches: X responses/s` line per loop, then
 *   RESULT: S switches L tests min/max/avg/stdev = a/b/c/d responses/s
 * over the loops after the -w warm-up ones, and in latency mode
 *   RTT: S switches L tests per-switch round trip min/max/avg = a/b/c us
 * Exit status 1 when the run is invalid (a switch lost its connection, the
 * controller sent a malformed message, or nothing was answered). */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "drivers/base/util.h"
#include "hostd/openflow/ofp.h"

#define FRAME_LEN 60u          /* Ethernet frame carried by each packet-in */
#define N_PORTS 4u             /* ports each switch reports (1..N_PORTS) */
#define BATCH 64u              /* packet-ins pre-built per write batch */
#define IN_CAP (256u * 1024u)  /* per-switch receive buffer */
#define WRITE_BUDGET (256u * 1024u) /* bytes written per switch per wake-up */
#define MAX_EVENTS 64
#define READY_TIMEOUT_MS 10000 /* every switch must be up by then */
#define REPORT_LIMIT 5         /* messages about bad input printed per run */

enum ofb_mode { OFB_LATENCY, OFB_THROUGHPUT };

/* Command-line settings. */
struct ofb_cfg {
	unsigned switches;     /* -s emulated switches */
	unsigned loops;        /* -l loops, warm-up included */
	unsigned ms;           /* -m length of one loop */
	unsigned warmup;       /* -w loops left out of RESULT */
	unsigned macs;         /* -M unique MACs per switch */
	enum ofb_mode mode;    /* -t: throughput */
	const char *host;      /* -c controller host */
	const char *port;      /* -p controller port */
	unsigned threads;      /* -T threads (default: one per CPU) */
	unsigned delay_ms;     /* -d pause between handshakes and packet-ins */
	unsigned validate;     /* -x responses per switch fully decoded */
	uint64_t dpid_base;    /* -D datapath id of switch 0 */
};

/* Where the per-packet fields sit in the encoded packet-in, found by
 * encoding one with ofp_encode (never assumed). */
struct pin_layout {
	size_t len;         /* bytes of one packet-in */
	size_t in_port_ofs; /* be32 in_port OXM value */
	size_t frame_ofs;   /* first byte of the Ethernet frame */
};

struct ofb;

/* One emulated switch: its connection and its side of the exchange. Only
 * its thread touches it, except the counters main reads (atomic loads). */
struct ofb_switch {
	struct ofb *b;          /* the run */
	int fd;                 /* TCP connection to the controller */
	unsigned idx;           /* 0-based switch number */
	uint64_t dpid;          /* datapath id sent in FEATURES_REPLY */
	int got_hello;          /* controller's HELLO accepted */
	int ready;              /* FEATURES_REPLY queued: the switch is up */
	int started;            /* packet-ins are flowing */
	int want_out;           /* EPOLLOUT is in the epoll interest set */
	uint16_t miss_send_len; /* from SET_CONFIG */
	uint8_t *in;            /* receive buffer, IN_CAP bytes */
	size_t in_len;          /* bytes buffered in `in` */
	struct ofpbuf ctl;      /* control replies not yet written */
	size_t ctl_off;         /* bytes of ctl already written */
	uint8_t *pin;           /* BATCH pre-built packet-ins */
	size_t pin_len;         /* bytes of the current batch */
	size_t pin_off;         /* bytes of the batch already written */
	uint32_t mac_next;      /* MAC index of the next packet-in */
	uint32_t xid_next;      /* xid of the next packet-in */
	int outstanding;        /* latency mode: a packet-in awaits its answer */
	uint8_t cur_src[6];     /* latency mode: MACs of that packet-in */
	uint8_t cur_dst[6];     /* latency mode: MACs of that packet-in */
	uint64_t validated;     /* responses fully decoded so far */
	uint64_t sent;          /* packet-ins handed to the socket (atomic) */
	uint64_t responses;     /* FLOW_MOD adds + PACKET_OUTs (atomic) */
	uint64_t exchanges;     /* answered packet-ins, latency mode (atomic) */
	uint64_t errors_rx;     /* ERROR messages received (atomic) */
	uint64_t malformed;     /* undecodable messages received (atomic) */
	int dead;               /* connection lost or protocol broken (atomic) */
};

/* One worker thread: an epoll set over its share of the switches. */
struct ofb_thread {
	struct ofb *b;            /* the run */
	pthread_t tid;            /* thread */
	int ep;                   /* epoll fd */
	struct ofb_switch **sw;   /* its switches */
	unsigned n_sw;            /* how many */
};

/* The whole run. */
struct ofb {
	struct ofb_cfg cfg;          /* settings */
	struct pin_layout pl;        /* packet-in layout */
	uint8_t *pin_template;       /* one encoded packet-in */
	struct ofb_switch *sw;       /* cfg.switches switches */
	struct ofb_thread *th;       /* cfg.threads threads */
	int go;                      /* main -> threads: start packet-ins (atomic) */
	int stop;                    /* main -> threads: exit (atomic) */
	unsigned reports;            /* bad-input messages printed (atomic) */
};

#define LOAD(p) __atomic_load_n((p), __ATOMIC_RELAXED)
#define STORE(p, v) __atomic_store_n((p), (v), __ATOMIC_RELAXED)
/* Counters are written by one thread only: a relaxed load + store is
 * enough for main's relaxed reads to see a consistent value. */
#define BUMP(p, n) STORE((p), LOAD(p) + (n))

static void report(struct ofb *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void report(struct ofb *b, const char *fmt, ...)
{
	va_list ap;
	if (__atomic_fetch_add(&b->reports, 1, __ATOMIC_RELAXED) >= REPORT_LIMIT)
		return;
	va_start(ap, fmt);
	fprintf(stderr, "ofbench: ");
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

static void sw_fail(struct ofb_switch *s, const char *why)
{
	if (!LOAD(&s->dead))
		report(s->b, "switch %u: %s", s->idx + 1, why);
	STORE(&s->dead, 1);
}

/* ---- packet-ins ------------------------------------------------------- */

static void mac_of(const struct ofb_switch *s, uint32_t j, uint8_t mac[6])
{
	mac[0] = 0x02; /* locally administered unicast */
	mac[1] = (uint8_t)(s->idx >> 8);
	mac[2] = (uint8_t)s->idx;
	mac[3] = (uint8_t)(j >> 16);
	mac[4] = (uint8_t)(j >> 8);
	mac[5] = (uint8_t)j;
}

/* The frame of switch idx before its MACs are filled in: IPv4/UDP from
 * 10.1.x.y to 10.2.x.y with a valid header checksum. */
static void build_frame(unsigned idx, uint8_t f[FRAME_LEN])
{
	uint32_t sum = 0;
	unsigned i;

	memset(f, 0, FRAME_LEN);
	f[12] = 0x08; /* IPv4 */
	f[13] = 0x00;
	uint8_t *ip = f + 14;
	ip[0] = 0x45;
	ip[3] = FRAME_LEN - 14; /* total length 46 */
	ip[6] = 0x40;           /* don't fragment */
	ip[8] = 64;             /* ttl */
	ip[9] = 17;             /* udp */
	ip[12] = 10, ip[13] = 1, ip[14] = (uint8_t)(idx >> 8), ip[15] = (uint8_t)idx;
	ip[16] = 10, ip[17] = 2, ip[18] = (uint8_t)(idx >> 8), ip[19] = (uint8_t)idx;
	for (i = 0; i < 20; i += 2)
		sum += (uint32_t)ip[i] << 8 | ip[i + 1];
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	ofp_put_be16_at(ip + 10, (uint16_t)~sum);
	uint8_t *udp = ip + 20;
	ofp_put_be16_at(udp, 1024);
	ofp_put_be16_at(udp + 2, 2048);
	ofp_put_be16_at(udp + 4, FRAME_LEN - 14 - 20);
}

/* Encodes one packet-in with the codec and finds its variable fields. */
static int make_template(struct ofb *b)
{
	struct ofpbuf out = OFPBUF_INIT;
	struct ofp_msg m;
	uint8_t frame[FRAME_LEN];
	char err[128] = "";
	const uint32_t marker = 0x5a5a0001u;

	build_frame(0, frame);
	ofp_msg_init(&m, OFPMSG_PACKET_IN, 0);
	m.u.packet_in.total_len = FRAME_LEN;
	ofp_match_set_uint(&m.u.packet_in.match, OFPF_IN_PORT, marker);
	m.u.packet_in.data.data = frame;
	m.u.packet_in.data.len = FRAME_LEN;
	if (ofp_encode(&m, &out, err, sizeof(err)) || out.failed) {
		fprintf(stderr, "ofbench: cannot encode a packet-in: %s\n", err);
		goto fail_encode;
	}
	b->pl.len = out.len;
	b->pl.frame_ofs = out.len - FRAME_LEN;
	b->pl.in_port_ofs = 0;
	for (size_t i = sizeof(struct ofp13_header); i + 4 <= b->pl.frame_ofs; i++)
		if (ofp_get_be32(out.data + i) == marker)
			b->pl.in_port_ofs = i;
	if (!b->pl.in_port_ofs || memcmp(out.data + b->pl.frame_ofs, frame, FRAME_LEN)) {
		fprintf(stderr, "ofbench: encoded packet-in has an unexpected layout\n");
		goto fail_encode;
	}
	b->pin_template = out.data; /* ownership moves to b */
	ofp_msg_uninit(&m);
	return 0;

fail_encode:
	ofp_msg_uninit(&m);
	ofpbuf_uninit(&out);
	return -1;
}

/* Fills the next `n` packet-ins into s->pin (pre-built: only xid, in_port
 * and the MACs change) and returns the MACs of the last one. */
static void refill(struct ofb_switch *s, unsigned n)
{
	const struct pin_layout *pl = &s->b->pl;
	uint32_t M = s->b->cfg.macs;

	for (unsigned i = 0; i < n; i++) {
		uint8_t *p = s->pin + (size_t)i * pl->len;
		uint32_t j = s->mac_next;
		ofp_put_be32_at(p + 4, s->xid_next++);
		ofp_put_be32_at(p + pl->in_port_ofs, 1 + j % N_PORTS);
		/* dst: the host of the previous packet-in, which a learning
		 * controller has just seen on another port */
		mac_of(s, j ? j - 1 : M - 1, p + pl->frame_ofs);
		mac_of(s, j, p + pl->frame_ofs + 6); /* src */
		if (i + 1 == n) {
			memcpy(s->cur_dst, p + pl->frame_ofs, 6);
			memcpy(s->cur_src, p + pl->frame_ofs + 6, 6);
		}
		s->mac_next = j + 1 == M ? 0 : j + 1;
	}
	s->pin_len = (size_t)n * pl->len;
	s->pin_off = 0;
	BUMP(&s->sent, n);
}

/* ---- output ----------------------------------------------------------- */

static void set_want_out(struct ofb_switch *s, struct ofb_thread *t, int want)
{
	struct epoll_event ev = { .events = EPOLLIN | (want ? EPOLLOUT : 0), .data.ptr = s };
	if (s->want_out == want)
		return;
	if (epoll_ctl(t->ep, EPOLL_CTL_MOD, s->fd, &ev) == 0)
		s->want_out = want;
}

/* Writes one chunk; 1 when all of it went, 0 when the socket is full, -1
 * on error. */
static int put(struct ofb_switch *s, const uint8_t *p, size_t len, size_t *off)
{
	while (*off < len) {
		ssize_t n = send(s->fd, p + *off, len - *off, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n > 0) {
			*off += (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return 0;
		sw_fail(s, n < 0 ? strerror(errno) : "send returned 0");
		return -1;
	}
	return 1;
}

/* Flushes what is pending: the current packet-in batch first (control
 * replies only go in between whole messages), then control replies, then,
 * in throughput mode, new batches until the socket is full or the budget
 * spent. */
static void sw_output(struct ofb_switch *s, struct ofb_thread *t)
{
	size_t budget = WRITE_BUDGET;
	int r = 1;

	while (!LOAD(&s->dead)) {
		if (s->pin_off < s->pin_len) {
			size_t before = s->pin_off;
			r = put(s, s->pin, s->pin_len, &s->pin_off);
			budget -= DFN_MIN(budget, s->pin_off - before);
			if (r <= 0)
				break;
		} else if (s->ctl_off < s->ctl.len) {
			r = put(s, s->ctl.data, s->ctl.len, &s->ctl_off);
			if (r <= 0)
				break;
			ofpbuf_clear(&s->ctl);
			s->ctl_off = 0;
		} else if (s->started && s->b->cfg.mode == OFB_THROUGHPUT && budget) {
			refill(s, BATCH);
		} else {
			break;
		}
	}
	if (LOAD(&s->dead))
		return;
	/* Throughput mode always has more to send; otherwise only a partial
	 * write needs EPOLLOUT. */
	set_want_out(s, t, r == 0 || (s->started && s->b->cfg.mode == OFB_THROUGHPUT));
}

/* Latency mode: one packet-in. */
static void send_one(struct ofb_switch *s, struct ofb_thread *t)
{
	refill(s, 1);
	s->outstanding = 1;
	sw_output(s, t);
}

static void start_switch(struct ofb_switch *s, struct ofb_thread *t)
{
	s->started = 1;
	if (s->b->cfg.mode == OFB_LATENCY)
		send_one(s, t);
	else
		sw_output(s, t);
}

/* ---- control messages (the switch side of the protocol) --------------- */

static void queue_msg(struct ofb_switch *s, const struct ofp_msg *m)
{
	char err[128] = "";
	if (ofp_encode(m, &s->ctl, err, sizeof(err)) || s->ctl.failed) {
		report(s->b, "switch %u: cannot encode %s: %s", s->idx + 1,
		       ofp_msg_type_name(m->type), err);
		STORE(&s->dead, 1);
	}
}

/* A raw reply: header (version 4, type, xid) and `body` bytes. */
static void queue_raw(struct ofb_switch *s, uint8_t type, uint32_t xid, const void *body,
		      size_t body_len)
{
	size_t ofs = ofpbuf_put_zeros(&s->ctl, sizeof(struct ofp13_header));
	uint8_t *h;
	if (body_len)
		ofpbuf_put(&s->ctl, body, body_len);
	h = ofpbuf_at(&s->ctl, ofs, sizeof(struct ofp13_header));
	if (!h) {
		STORE(&s->dead, 1);
		return;
	}
	h[0] = OFP13_VERSION;
	h[1] = type;
	ofp_put_be16_at(h + 2, (uint16_t)(sizeof(struct ofp13_header) + body_len));
	ofp_put_be32_at(h + 4, xid);
}

static void queue_error(struct ofb_switch *s, enum ofperr e, const uint8_t *req, size_t len)
{
	struct ofp_msg m;
	ofp_msg_init(&m, OFPMSG_ERROR, ofp_get_be32(req + 4));
	m.u.error.type = ofperr_type(e);
	m.u.error.code = ofperr_code(e);
	m.u.error.data.data = req;
	m.u.error.data.len = DFN_MIN(len, (size_t)64);
	queue_msg(s, &m);
}

static void reply_multipart(struct ofb_switch *s, const uint8_t *p, size_t len)
{
	uint32_t xid = ofp_get_be32(p + 4);
	uint16_t mp_type = ofp_get_be16(p + 8);
	struct ofp_msg req, m;
	char err[160] = "";

	switch (mp_type) {
	case OFPMP_DESC: case OFPMP_FLOW: case OFPMP_AGGREGATE: case OFPMP_TABLE:
	case OFPMP_PORT_STATS: case OFPMP_GROUP_DESC: case OFPMP_METER: case OFPMP_PORT_DESC:
		break;
	default: {
		/* Types the codec does not model: a reply with the fixed body
		 * the type needs (zeros), or with an empty list. */
		uint8_t body[8 + 40] = { 0 };
		size_t n = 8;
		ofp_put_be16_at(body, mp_type);
		if (mp_type == 8)       /* GROUP_FEATURES */
			n += 40;
		else if (mp_type == 11) /* METER_FEATURES */
			n += 16;
		queue_raw(s, OFPT_MULTIPART_REPLY, xid, body, n);
		return;
	}
	}
	if (ofp_decode(p, len, &req, err, sizeof(err))) {
		BUMP(&s->malformed, 1);
		report(s->b, "switch %u: malformed multipart request: %s", s->idx + 1, err);
		return;
	}
	ofp_msg_uninit(&req);
	ofp_msg_init(&m, OFPMSG_MULTIPART_REPLY, xid);
	m.u.mp.mp_type = mp_type;
	if (mp_type == OFPMP_DESC) {
		struct ofp_desc_stats *d = calloc(1, sizeof(*d));
		if (!d) {
			STORE(&s->dead, 1);
			return;
		}
		snprintf(d->mfr, sizeof(d->mfr), "dfnic");
		snprintf(d->hw, sizeof(d->hw), "ofbench emulated switch");
		snprintf(d->sw, sizeof(d->sw), "ofbench");
		snprintf(d->serial, sizeof(d->serial), "%u", s->idx + 1);
		snprintf(d->dp, sizeof(d->dp), "ofbench switch %u", s->idx + 1);
		m.u.mp.u.desc = d;
	} else if (mp_type == OFPMP_PORT_DESC) {
		for (uint32_t port = 1; port <= N_PORTS + 1; port++) {
			struct ofp_port_desc *pd = ofp_mp_add(&m);
			if (!pd)
				break;
			pd->port_no = port <= N_PORTS ? port : OFPP_LOCAL;
			pd->hw_addr[0] = 0x02;
			pd->hw_addr[1] = 0xfe;
			pd->hw_addr[2] = (uint8_t)(s->idx >> 8);
			pd->hw_addr[3] = (uint8_t)s->idx;
			pd->hw_addr[5] = (uint8_t)port;
			if (port <= N_PORTS)
				snprintf(pd->name, sizeof(pd->name), "s%u-eth%u", s->idx + 1, port);
			else
				snprintf(pd->name, sizeof(pd->name), "s%u", s->idx + 1);
			pd->curr = pd->advertised = pd->supported = 0x820; /* 10G FD, copper */
			pd->curr_speed = pd->max_speed = 10000000;
		}
	}
	/* FLOW, TABLE, PORT_STATS, GROUP_DESC, METER: an empty list;
	 * AGGREGATE: zeros. */
	queue_msg(s, &m);
	ofp_msg_uninit(&m);
}

static void handle_bundle(struct ofb_switch *s, const uint8_t *p, size_t len)
{
	struct ofp_msg req, m;
	char err[160] = "";

	if (ofp_decode(p, len, &req, err, sizeof(err))) {
		BUMP(&s->malformed, 1);
		report(s->b, "switch %u: malformed bundle message: %s", s->idx + 1, err);
		return;
	}
	if (req.type == OFPMSG_BUNDLE_CONTROL && !(req.u.bundle_ctrl.type & 1)) {
		/* every *_REQUEST is answered with its *_REPLY (type + 1) */
		ofp_msg_init(&m, OFPMSG_BUNDLE_CONTROL, req.xid);
		m.u.bundle_ctrl = req.u.bundle_ctrl;
		m.u.bundle_ctrl.type = (uint16_t)(req.u.bundle_ctrl.type + 1);
		queue_msg(s, &m);
		ofp_msg_uninit(&m);
	} else if (req.type != OFPMSG_BUNDLE_ADD) {
		queue_error(s, OFPERR_OFPBRC_BAD_EXPERIMENTER, p, len);
	}
	ofp_msg_uninit(&req);
}

/* Everything that is not a response: the switch side of the protocol. */
static void handle_control(struct ofb_switch *s, const uint8_t *p, size_t len)
{
	uint8_t type = p[1];
	uint32_t xid = ofp_get_be32(p + 4);
	struct ofp_msg req, m;
	char err[160] = "";

	switch (type) {
	case OFPT_HELLO:
		if (ofp_decode(p, len, &req, err, sizeof(err))) {
			sw_fail(s, "malformed HELLO");
			return;
		}
		if (!(req.version >= OFP13_VERSION &&
		      (!req.u.hello.has_bitmap || (req.u.hello.bitmap & (1u << OFP13_VERSION))))) {
			queue_error(s, OFPERR_OFPHFC_INCOMPATIBLE, p, len);
			sw_fail(s, "controller does not offer OpenFlow 1.3");
		}
		ofp_msg_uninit(&req);
		s->got_hello = 1;
		return;
	case OFPT_ECHO_REQUEST: {
		size_t ofs = ofpbuf_put(&s->ctl, p, len);
		uint8_t *q = ofpbuf_at(&s->ctl, ofs, len);
		if (q)
			q[1] = OFPT_ECHO_REPLY;
		return;
	}
	case OFPT_ECHO_REPLY:
		return;
	case OFPT_FEATURES_REQUEST:
		ofp_msg_init(&m, OFPMSG_FEATURES_REPLY, xid);
		m.u.features.datapath_id = s->dpid;
		m.u.features.n_buffers = 0;
		m.u.features.n_tables = 254;
		m.u.features.capabilities = 0x1 | 0x2 | 0x4 | 0x8; /* flow/table/port/group stats */
		queue_msg(s, &m);
		s->ready = 1;
		return;
	case OFPT_GET_CONFIG_REQUEST:
		ofp_msg_init(&m, OFPMSG_GET_CONFIG_REPLY, xid);
		m.u.config.miss_send_len = s->miss_send_len;
		queue_msg(s, &m);
		return;
	case OFPT_SET_CONFIG:
		if (ofp_decode(p, len, &req, err, sizeof(err)))
			goto malformed;
		s->miss_send_len = req.u.config.miss_send_len;
		ofp_msg_uninit(&req);
		return;
	case OFPT_BARRIER_REQUEST:
		queue_raw(s, OFPT_BARRIER_REPLY, xid, NULL, 0);
		return;
	case OFPT_ROLE_REQUEST:
		if (ofp_decode(p, len, &req, err, sizeof(err)))
			goto malformed;
		ofp_msg_init(&m, OFPMSG_ROLE_REPLY, xid);
		m.u.role = req.u.role;
		if (m.u.role.role == OFPCR_ROLE_NOCHANGE)
			m.u.role.role = OFPCR_ROLE_EQUAL;
		ofp_msg_uninit(&req);
		queue_msg(s, &m);
		return;
	case OFPT_MULTIPART_REQUEST:
		if (len < sizeof(struct ofp13_multipart_request))
			goto malformed_len;
		reply_multipart(s, p, len);
		return;
	case OFPT_GET_ASYNC_REQUEST: {
		/* packet_in, port_status, flow_removed masks (master, slave) */
		uint8_t body[24] = { 0 };
		ofp_put_be32_at(body, 0x7);
		ofp_put_be32_at(body + 8, 0x7);
		ofp_put_be32_at(body + 12, 0x7);
		ofp_put_be32_at(body + 16, 0xf);
		queue_raw(s, OFPT_GET_ASYNC_REPLY, xid, body, sizeof(body));
		return;
	}
	case OFPT_EXPERIMENTER:
		if (len >= sizeof(struct ofp13_experimenter_header) &&
		    ofp_get_be32(p + 8) == ONF_EXPERIMENTER_ID)
			handle_bundle(s, p, len);
		else
			queue_error(s, OFPERR_OFPBRC_BAD_EXPERIMENTER, p, len);
		return;
	case OFPT_ERROR:
		BUMP(&s->errors_rx, 1);
		if (ofp_decode(p, len, &req, err, sizeof(err)) == OFPERR_OK) {
			char *txt = ofp_to_string(&req);
			report(s->b, "switch %u: controller sent %s", s->idx + 1, txt ? txt : "ERROR");
			free(txt);
			ofp_msg_uninit(&req);
		} else {
			goto malformed;
		}
		return;
	case OFPT_SET_ASYNC: case OFPT_PORT_MOD: case OFPT_TABLE_MOD:
	case OFPT_GROUP_MOD: case OFPT_METER_MOD:
		return; /* accepted, nothing to answer */
	default:
		queue_error(s, OFPERR_OFPBRC_BAD_TYPE, p, len);
		return;
	}

malformed_len:
	snprintf(err, sizeof(err), "%u bytes", (unsigned)len);
malformed:
	BUMP(&s->malformed, 1);
	report(s->b, "switch %u: malformed message type %u from the controller: %s", s->idx + 1,
	       type, err);
}

/* ---- responses -------------------------------------------------------- */

static int mac_eq(const uint8_t *a, const uint8_t *b)
{
	return memcmp(a, b, 6) == 0;
}

/* Latency mode: does this decoded response answer the packet-in that is
 * outstanding? A PACKET_OUT carrying a frame answers it when the frame's
 * MACs are that packet-in's; a FLOW_MOD matching on eth_src or eth_dst when
 * one of them is that packet-in's. A response that carries neither (no
 * frame, no MAC in the match) cannot be told apart and is taken as the
 * answer. So the second response a controller sends for one packet-in
 * (FLOW_MOD then PACKET_OUT) is counted, but does not end the next
 * packet-in's exchange early. */
static int answers_current(const struct ofb_switch *s, const struct ofp_msg *m)
{
	if (m->type == OFPMSG_PACKET_OUT) {
		const struct ofp_bytes *d = &m->u.packet_out.data;
		if (d->len < 12)
			return 1;
		return mac_eq(d->data, s->cur_dst) && mac_eq(d->data + 6, s->cur_src);
	}
	const struct ofp_match *ma = &m->u.flow_mod.match;
	int has_dst = ofp_match_has(ma, OFPF_ETH_DST), has_src = ofp_match_has(ma, OFPF_ETH_SRC);
	if (!has_dst && !has_src)
		return 1;
	return (has_dst && mac_eq(ma->value[OFPF_ETH_DST], s->cur_dst)) ||
	       (has_src && mac_eq(ma->value[OFPF_ETH_SRC], s->cur_src));
}

/* answers_current() on the raw bytes, for the responses after the first
 * -x of a switch (decoded in full and validated by then): a bounds-checked
 * walk to the PACKET_OUT's frame or the FLOW_MOD's eth_src/eth_dst OXMs,
 * so the latency-mode client costs about what the ping-pong client does. */
static int answers_current_raw(const struct ofb_switch *s, const uint8_t *p, size_t len)
{
	if (p[1] == OFPT_PACKET_OUT) {
		size_t data = sizeof(struct ofp13_packet_out) +
			      ofp_get_be16(p + offsetof(struct ofp13_packet_out, actions_len));
		if (data + 12 > len)
			return 1;
		return mac_eq(p + data, s->cur_dst) && mac_eq(p + data + 6, s->cur_src);
	}
	size_t m = offsetof(struct ofp13_flow_mod, match);
	size_t end = m + ofp_get_be16(p + m + 2), o = m + 4;
	int has_dst = 0, has_src = 0, hit = 0;
	if (end > len)
		end = len;
	while (o + 4 <= end) {
		uint32_t h = ofp_get_be32(p + o);
		size_t vlen = OXM_LENGTH(h);
		if (o + 4 + vlen > end)
			break;
		if (OXM_CLASS(h) == OXM_CLASS_BASIC && vlen >= 6) {
			if (OXM_FIELD(h) == 3) { /* eth_dst */
				has_dst = 1;
				hit |= mac_eq(p + o + 4, s->cur_dst);
			} else if (OXM_FIELD(h) == 4) { /* eth_src */
				has_src = 1;
				hit |= mac_eq(p + o + 4, s->cur_src);
			}
		}
		o += 4 + vlen;
	}
	return (!has_dst && !has_src) || hit;
}

/* A FLOW_MOD or PACKET_OUT. Returns 1 when it ends the outstanding
 * exchange (latency mode). */
static int handle_response(struct ofb_switch *s, const uint8_t *p, size_t len)
{
	struct ofp_msg m;
	char err[160] = "";
	int done = 0;

	if (p[1] == OFPT_FLOW_MOD) {
		if (len < sizeof(struct ofp13_flow_mod)) {
			BUMP(&s->malformed, 1);
			report(s->b, "switch %u: FLOW_MOD of %zu bytes", s->idx + 1, len);
			return 0;
		}
		if (p[offsetof(struct ofp13_flow_mod, command)] != OFPFC_ADD)
			return 0; /* deletes etc. at connect time are not answers */
	}
	if (s->validated >= s->b->cfg.validate) {
		BUMP(&s->responses, 1);
		if (s->outstanding && s->b->cfg.mode == OFB_LATENCY)
			return answers_current_raw(s, p, len);
		return 0;
	}
	if (ofp_decode(p, len, &m, err, sizeof(err))) {
		BUMP(&s->malformed, 1);
		report(s->b, "switch %u: malformed %s: %s", s->idx + 1,
		       p[1] == OFPT_FLOW_MOD ? "FLOW_MOD" : "PACKET_OUT", err);
		return 0;
	}
	s->validated++;
	BUMP(&s->responses, 1);
	if (s->outstanding && s->b->cfg.mode == OFB_LATENCY) {
		done = answers_current(s, &m);
		/* the light path must agree with the decoded one */
		if (done != answers_current_raw(s, p, len)) {
			BUMP(&s->malformed, 1);
			report(s->b, "switch %u: raw and decoded matching of a %s disagree",
			       s->idx + 1, ofp_msg_type_name(m.type));
		}
	}
	ofp_msg_uninit(&m);
	return done;
}

static void sw_input(struct ofb_switch *s, struct ofb_thread *t)
{
	ssize_t n = recv(s->fd, s->in + s->in_len, IN_CAP - s->in_len, MSG_DONTWAIT);
	const uint8_t *p;
	size_t left;
	int answered = 0;

	if (n == 0) {
		sw_fail(s, "controller closed the connection");
		return;
	}
	if (n < 0) {
		if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
			sw_fail(s, strerror(errno));
		return;
	}
	s->in_len += (size_t)n;
	p = s->in;
	left = s->in_len;
	for (;;) {
		int len = ofp_frame_len(p, left);
		if (len == 0)
			break;
		if (len < 0) {
			sw_fail(s, "message with a length below 8: stream broken");
			return;
		}
		if (p[0] != OFP13_VERSION && p[1] != OFPT_HELLO) {
			sw_fail(s, "message with a version other than 1.3");
			return;
		}
		if (p[1] == OFPT_FLOW_MOD || p[1] == OFPT_PACKET_OUT)
			answered |= handle_response(s, p, (size_t)len);
		else
			handle_control(s, p, (size_t)len);
		p += len;
		left -= (size_t)len;
	}
	if (left && p != s->in)
		memmove(s->in, p, left);
	s->in_len = left;

	if (answered) {
		BUMP(&s->exchanges, 1);
		s->outstanding = 0;
		if (!LOAD(&s->b->stop))
			send_one(s, t);
		return;
	}
	if (s->ready && !s->started && LOAD(&s->b->go))
		start_switch(s, t);
	else if (s->ctl.len > s->ctl_off)
		sw_output(s, t);
}

/* ---- threads ------------------------------------------------------------ */

static void *thread_main(void *arg)
{
	struct ofb_thread *t = arg;
	struct epoll_event ev[MAX_EVENTS];
	int all_started = 0;

	while (!LOAD(&t->b->stop)) {
		int n = epoll_wait(t->ep, ev, MAX_EVENTS, all_started ? 50 : 5);
		if (n < 0 && errno != EINTR) {
			perror("ofbench: epoll_wait");
			for (unsigned i = 0; i < t->n_sw; i++)
				STORE(&t->sw[i]->dead, 1);
			break;
		}
		for (int i = 0; i < n; i++) {
			struct ofb_switch *s = ev[i].data.ptr;
			if (LOAD(&s->dead))
				continue;
			if (ev[i].events & (EPOLLIN | EPOLLERR | EPOLLHUP))
				sw_input(s, t);
			if (!LOAD(&s->dead) && (ev[i].events & EPOLLOUT))
				sw_output(s, t);
		}
		/* acquire: pairs with main's release of go, after t->sw is filled */
		if (!all_started && __atomic_load_n(&t->b->go, __ATOMIC_ACQUIRE)) {
			all_started = 1;
			for (unsigned i = 0; i < t->n_sw; i++) {
				struct ofb_switch *s = t->sw[i];
				if (LOAD(&s->dead))
					continue;
				if (s->ready && !s->started)
					start_switch(s, t);
				if (!s->started)
					all_started = 0;
			}
		}
	}
	return NULL;
}

/* ---- set-up ------------------------------------------------------------ */

static int connect_switch(struct ofb *b, struct ofb_switch *s, const struct addrinfo *ai)
{
	int one = 1;
	struct ofp_msg hello;

	s->fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
	if (s->fd < 0) {
		perror("ofbench: socket");
		return -1;
	}
	if (connect(s->fd, ai->ai_addr, ai->ai_addrlen) < 0) {
		fprintf(stderr, "ofbench: switch %u: connect to %s:%s: %s\n", s->idx + 1,
			b->cfg.host, b->cfg.port, strerror(errno));
		return -1;
	}
	setsockopt(s->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	ofp_msg_init(&hello, OFPMSG_HELLO, 1);
	queue_msg(s, &hello);
	return LOAD(&s->dead) ? -1 : 0;
}

static uint64_t sum_field(struct ofb *b, size_t ofs)
{
	uint64_t v = 0;
	for (unsigned i = 0; i < b->cfg.switches; i++)
		v += LOAD((uint64_t *)((uint8_t *)&b->sw[i] + ofs));
	return v;
}

static unsigned count_dead(struct ofb *b)
{
	unsigned n = 0;
	for (unsigned i = 0; i < b->cfg.switches; i++)
		n += LOAD(&b->sw[i].dead) ? 1 : 0;
	return n;
}

static void sleep_ms(unsigned ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static double cpu_seconds(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
	       (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: ofbench [OPTIONS]\n"
		"cbench for OpenFlow 1.3: emulated switches send PACKET_INs to a controller\n"
		"and count its FLOW_MOD adds and PACKET_OUTs (responses).\n"
		"\n"
		"  -c, --controller HOST  controller host (default 127.0.0.1)\n"
		"  -p, --port PORT        controller port (default 6653)\n"
		"  -s, --switches N       emulated switches (default 16)\n"
		"  -l, --loops N          loops, warm-up included (default 16)\n"
		"  -m, --ms N             milliseconds per loop (default 1000)\n"
		"  -w, --warmup N         first loops left out of RESULT (default 1)\n"
		"  -M, --macs N           unique MACs per switch, >= 2 (default 100000)\n"
		"  -t, --throughput       throughput mode (default: latency mode, one\n"
		"                         outstanding packet-in per switch)\n"
		"  -T, --threads N        threads (default: one per CPU, at most -s)\n"
		"  -d, --delay N          ms to wait after the handshakes (default 100)\n"
		"  -x, --validate N       responses per switch fully decoded (ofp_decode)\n"
		"                         before the light path takes over (default 64)\n"
		"  -D, --dpid N           datapath id of switch 1 (default 1)\n"
		"  -h, --help             this text\n");
}

static int parse_args(int argc, char **argv, struct ofb_cfg *c)
{
	static const struct option longopts[] = {
		{ "controller", required_argument, NULL, 'c' },
		{ "port", required_argument, NULL, 'p' },
		{ "switches", required_argument, NULL, 's' },
		{ "loops", required_argument, NULL, 'l' },
		{ "ms", required_argument, NULL, 'm' },
		{ "warmup", required_argument, NULL, 'w' },
		{ "macs", required_argument, NULL, 'M' },
		{ "throughput", no_argument, NULL, 't' },
		{ "threads", required_argument, NULL, 'T' },
		{ "delay", required_argument, NULL, 'd' },
		{ "validate", required_argument, NULL, 'x' },
		{ "dpid", required_argument, NULL, 'D' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	unsigned long v;
	int o;

	*c = (struct ofb_cfg){ .switches = 16, .loops = 16, .ms = 1000, .warmup = 1,
			       .macs = 100000, .mode = OFB_LATENCY, .host = "127.0.0.1",
			       .port = "6653", .delay_ms = 100, .validate = 64, .dpid_base = 1 };
	while ((o = getopt_long(argc, argv, "c:p:s:l:m:w:M:tT:d:x:D:h", longopts, NULL)) != -1) {
		unsigned lo = 0, hi = 0;
		unsigned *dst = NULL;
		switch (o) {
		case 'c': c->host = optarg; continue;
		case 'p': c->port = optarg; continue;
		case 't': c->mode = OFB_THROUGHPUT; continue;
		case 'h': usage(stdout); exit(0);
		case 's': dst = &c->switches, lo = 1, hi = 65535; break;
		case 'l': dst = &c->loops, lo = 1, hi = 100000; break;
		case 'm': dst = &c->ms, lo = 10, hi = 3600000; break;
		case 'w': dst = &c->warmup, lo = 0, hi = 100000; break;
		case 'M': dst = &c->macs, lo = 2, hi = 1u << 24; break;
		case 'T': dst = &c->threads, lo = 1, hi = 256; break;
		case 'd': dst = &c->delay_ms, lo = 0, hi = 600000; break;
		case 'x': dst = &c->validate, lo = 0, hi = 1u << 30; break;
		case 'D':
			if (dfn_parse_uint(optarg, 0, ~0ul, &v)) {
				fprintf(stderr, "ofbench: -D: '%s' is not a number\n", optarg);
				return -1;
			}
			c->dpid_base = v;
			continue;
		default: usage(stderr); return -1;
		}
		if (dfn_parse_uint(optarg, lo, hi, &v)) {
			fprintf(stderr, "ofbench: -%c: '%s' is not a number in %u..%u\n", o, optarg,
				lo, hi);
			return -1;
		}
		*dst = (unsigned)v;
	}
	if (optind < argc) {
		usage(stderr);
		return -1;
	}
	if (c->warmup >= c->loops) {
		fprintf(stderr, "ofbench: -w %u leaves no measured loop out of -l %u\n", c->warmup,
			c->loops);
		return -1;
	}
	if (!c->threads)
		c->threads = ncpu > 0 ? (unsigned)ncpu : 1;
	if (c->threads > c->switches)
		c->threads = c->switches;
	return 0;
}

int main(int argc, char **argv)
{
	struct ofb b = { 0 };
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *ai = NULL;
	double *rate = NULL, *rtt = NULL;
	unsigned measured = 0, i;
	int rc = 1, gai;

	if (parse_args(argc, argv, &b.cfg))
		return 2;
	signal(SIGPIPE, SIG_IGN);
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (make_template(&b))
		return 1;
	gai = getaddrinfo(b.cfg.host, b.cfg.port, &hints, &ai);
	if (gai) {
		fprintf(stderr, "ofbench: %s:%s: %s\n", b.cfg.host, b.cfg.port, gai_strerror(gai));
		goto out_template;
	}
	b.sw = calloc(b.cfg.switches, sizeof(*b.sw));
	b.th = calloc(b.cfg.threads, sizeof(*b.th));
	rate = calloc(b.cfg.loops, sizeof(*rate));
	rtt = calloc(b.cfg.loops, sizeof(*rtt));
	if (!b.sw || !b.th || !rate || !rtt)
		goto out_alloc;

	printf("ofbench: %s mode, %u switches, %u threads, controller %s:%s, %u loops of %u ms"
	       " (%u warm-up), %u MACs per switch, packet-in %zu bytes\n",
	       b.cfg.mode == OFB_THROUGHPUT ? "throughput" : "latency", b.cfg.switches,
	       b.cfg.threads, b.cfg.host, b.cfg.port, b.cfg.loops, b.cfg.ms, b.cfg.warmup,
	       b.cfg.macs, b.pl.len);

	for (i = 0; i < b.cfg.switches; i++)
		b.sw[i].fd = -1;
	for (i = 0; i < b.cfg.switches; i++) {
		struct ofb_switch *s = &b.sw[i];
		s->b = &b;
		s->idx = i;
		s->dpid = b.cfg.dpid_base + i;
		s->miss_send_len = 128;
		ofpbuf_init(&s->ctl);
		s->in = malloc(IN_CAP);
		s->pin = malloc((size_t)BATCH * b.pl.len);
		if (!s->in || !s->pin)
			goto out_switches;
		for (unsigned k = 0; k < BATCH; k++) {
			uint8_t *p = s->pin + (size_t)k * b.pl.len;
			memcpy(p, b.pin_template, b.pl.len);
			build_frame(i, p + b.pl.frame_ofs);
		}
	}

	for (i = 0; i < b.cfg.threads; i++) {
		struct ofb_thread *t = &b.th[i];
		t->b = &b;
		t->ep = epoll_create1(EPOLL_CLOEXEC);
		t->sw = calloc(b.cfg.switches / b.cfg.threads + 1, sizeof(*t->sw));
		if (t->ep < 0 || !t->sw) {
			perror("ofbench: epoll_create1");
			goto out_threads;
		}
	}
	/* Threads first: each switch's HELLO goes out as soon as it is
	 * connected (a controller times out a silent switch, and a full
	 * accept backlog can hold a later connect() for a SYN retry). */
	for (i = 0; i < b.cfg.threads; i++) {
		if (pthread_create(&b.th[i].tid, NULL, thread_main, &b.th[i])) {
			fprintf(stderr, "ofbench: cannot start thread %u\n", i);
			goto stop;
		}
	}
	for (i = 0; i < b.cfg.switches; i++) {
		struct ofb_thread *t = &b.th[i % b.cfg.threads];
		struct ofb_switch *s = &b.sw[i];
		struct epoll_event ev = { .events = EPOLLIN | EPOLLOUT, .data.ptr = s };
		if (connect_switch(&b, s, ai))
			goto stop;
		/* t->sw is read by the thread only after it sees `go`
		 * (release below, acquire in thread_main) */
		t->sw[t->n_sw++] = s;
		s->want_out = 1; /* the HELLO is pending */
		if (epoll_ctl(t->ep, EPOLL_CTL_ADD, s->fd, &ev) < 0) {
			perror("ofbench: epoll_ctl");
			goto stop;
		}
	}

	/* Wait until every switch has answered FEATURES_REQUEST. */
	uint64_t t0 = dfn_now_ms();
	for (;;) {
		unsigned ready = 0;
		for (i = 0; i < b.cfg.switches; i++)
			ready += LOAD(&b.sw[i].ready) ? 1 : 0;
		if (count_dead(&b)) {
			fprintf(stderr, "ofbench: a switch failed during the handshake\n");
			goto stop;
		}
		if (ready == b.cfg.switches)
			break;
		if (dfn_now_ms() - t0 > READY_TIMEOUT_MS) {
			fprintf(stderr, "ofbench: only %u of %u switches got a FEATURES_REQUEST"
				" within %d ms\n", ready, b.cfg.switches, READY_TIMEOUT_MS);
			goto stop;
		}
		sleep_ms(5);
	}
	printf("ofbench: %u switches up (handshake answered) in %" PRIu64 " ms\n", b.cfg.switches,
	       dfn_now_ms() - t0);
	sleep_ms(b.cfg.delay_ms);
	__atomic_store_n(&b.go, 1, __ATOMIC_RELEASE); /* pairs with thread_main's acquire */

	double cpu0 = 0, cpu1 = 0;
	uint64_t ns_meas = 0;
	uint64_t last_t = dfn_now_ns();
	uint64_t last_r = sum_field(&b, offsetof(struct ofb_switch, responses));
	uint64_t last_x = sum_field(&b, offsetof(struct ofb_switch, exchanges));
	uint64_t sent0 = 0, resp0 = 0;
	for (unsigned loop = 0; loop < b.cfg.loops; loop++) {
		if (loop == b.cfg.warmup) {
			cpu0 = cpu_seconds();
			sent0 = sum_field(&b, offsetof(struct ofb_switch, sent));
			resp0 = last_r;
		}
		sleep_ms(b.cfg.ms);
		uint64_t now = dfn_now_ns();
		uint64_t r = sum_field(&b, offsetof(struct ofb_switch, responses));
		uint64_t x = sum_field(&b, offsetof(struct ofb_switch, exchanges));
		double secs = (double)(now - last_t) / 1e9;
		double rps = (double)(r - last_r) / secs;
		int warm = loop < b.cfg.warmup;
		if (b.cfg.mode == OFB_LATENCY) {
			double xps = (double)(x - last_x) / secs;
			double us = xps > 0 ? b.cfg.switches * 1e6 / xps : 0;
			printf("%u switches: %.0f responses/s (%.0f packet-ins answered/s, per-switch"
			       " round trip %.1f us)%s\n", b.cfg.switches, rps, xps, us,
			       warm ? " [warm-up]" : "");
			if (!warm)
				rtt[measured] = us;
		} else {
			printf("%u switches: %.0f responses/s%s\n", b.cfg.switches, rps,
			       warm ? " [warm-up]" : "");
		}
		if (!warm) {
			rate[measured++] = rps;
			ns_meas += now - last_t;
		}
		last_t = now, last_r = r, last_x = x;
		if (count_dead(&b)) {
			fprintf(stderr, "ofbench: %u switch(es) lost, run invalid\n", count_dead(&b));
			goto stop;
		}
	}
	cpu1 = cpu_seconds();
	uint64_t sent1 = sum_field(&b, offsetof(struct ofb_switch, sent));

	double mn = rate[0], mx = rate[0], sum = 0, var = 0;
	for (i = 0; i < measured; i++) {
		mn = DFN_MIN(mn, rate[i]);
		mx = DFN_MAX(mx, rate[i]);
		sum += rate[i];
	}
	double avg = sum / measured;
	for (i = 0; i < measured; i++)
		var += (rate[i] - avg) * (rate[i] - avg);
	printf("RESULT: %u switches %u tests min/max/avg/stdev = %.2f/%.2f/%.2f/%.2f responses/s\n",
	       b.cfg.switches, measured, mn, mx, avg, sqrt(var / measured));
	if (b.cfg.mode == OFB_LATENCY) {
		double rmn = rtt[0], rmx = rtt[0], rsum = 0;
		for (i = 0; i < measured; i++) {
			rmn = DFN_MIN(rmn, rtt[i]);
			rmx = DFN_MAX(rmx, rtt[i]);
			rsum += rtt[i];
		}
		printf("RTT: %u switches %u tests per-switch round trip min/max/avg = %.1f/%.1f/%.1f us\n",
		       b.cfg.switches, measured, rmn, rmx, rsum / measured);
	}
	if (b.cfg.mode == OFB_LATENCY)
		printf("ofbench: over the measured loops %" PRIu64 " packet-ins sent, %" PRIu64
		       " responses (%.2f per packet-in)\n", sent1 - sent0, last_r - resp0,
		       sent1 > sent0 ? (double)(last_r - resp0) / (double)(sent1 - sent0) : 0.0);
	else /* what the socket buffers hold is sent but not yet seen by the controller */
		printf("ofbench: over the measured loops %" PRIu64 " packet-ins written, %" PRIu64
		       " responses; %" PRIu64 " packet-ins written since the start\n",
		       sent1 - sent0, last_r - resp0, sent1);
	printf("ofbench: own CPU %.0f%% of one core over the measured loops; controller"
	       " ERRORs %" PRIu64 ", malformed messages %" PRIu64 "\n",
	       ns_meas ? 100.0 * (cpu1 - cpu0) / ((double)ns_meas / 1e9) : 0.0,
	       sum_field(&b, offsetof(struct ofb_switch, errors_rx)),
	       sum_field(&b, offsetof(struct ofb_switch, malformed)));
	if (sum_field(&b, offsetof(struct ofb_switch, malformed)))
		fprintf(stderr, "ofbench: the controller sent malformed messages: run invalid\n");
	else if (avg <= 0)
		fprintf(stderr, "ofbench: no responses at all (%" PRIu64 " packet-ins sent in all):"
			" run invalid\n", sent1);
	else
		rc = 0;

stop:
	STORE(&b.stop, 1);
	for (i = 0; i < b.cfg.threads; i++)
		if (b.th[i].tid)
			pthread_join(b.th[i].tid, NULL);
out_threads:
	for (i = 0; i < b.cfg.threads; i++) {
		if (b.th[i].ep > 0)
			close(b.th[i].ep);
		free(b.th[i].sw);
	}
out_switches:
	for (i = 0; i < b.cfg.switches; i++) {
		if (b.sw[i].fd >= 0)
			close(b.sw[i].fd);
		ofpbuf_uninit(&b.sw[i].ctl);
		free(b.sw[i].in);
		free(b.sw[i].pin);
	}
out_alloc:
	free(rate);
	free(rtt);
	free(b.th);
	free(b.sw);
	freeaddrinfo(ai);
out_template:
	free(b.pin_template);
	return rc;
}
