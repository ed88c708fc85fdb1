/* hostd/controller/conn.c: one OpenFlow connection from a switch.
 *
 * listener.c hands over a bufferevent (plain or TLS); this file frames the
 * byte stream with ofp_frame_len(), decodes with the codec and runs the
 * handshake: HELLO (version negotiation: a peer without OpenFlow 1.3 gets
 * HELLO_FAILED and is closed), FEATURES (datapath id), SET_CONFIG, port
 * descriptions; then switch.c registers it and converge.c takes over.
 * Echo keepalive: a timer sends ECHO_REQUEST every interval and declares
 * the peer dead after N intervals without any message. Output goes
 * through the bufferevent's buffer with high/low watermarks: above high,
 * producers (converge.c, app_learn.c) stop and input is paused, so a slow
 * switch only slows itself. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>

#include "drivers/base/log.h"
#include "hostd/controller/ctl_int.h"
#include "hostd/controller/ctl_query.h"
#include "hostd/controller/provider.h"

/* Largest input kept queued before reading pauses (two max messages). */
#define CONN_INPUT_MAX (2 * 65536)

static void conn_read_cb(struct bufferevent *bev, void *arg);
static void conn_write_cb(struct bufferevent *bev, void *arg);
static void conn_event_cb(struct bufferevent *bev, short what, void *arg);
static void conn_echo_cb(evutil_socket_t fd, short what, void *arg);

uint32_t conn_xid(struct conn *cn)
{
	return cn->next_xid++;
}

int conn_throttled(const struct conn *cn)
{
	return cn->wm.throttled || cn->st == CS_CLOSING;
}

/* Re-evaluates the watermark after output changed. */
static void conn_wm_check(struct conn *cn)
{
	size_t q = evbuffer_get_length(bufferevent_get_output(cn->bev)) + cn->stage.len;
	int t = ctl_wm_update(&cn->wm, q);
	if (q > cn->out_peak)
		cn->out_peak = q;
	if (t > 0) {
		cn->n_throttled++;
		LOG_DBG(CTL_MOD, "%s: output %zu bytes above the high watermark: pausing", cn->peer, q);
		if (!cn->read_paused) {
			bufferevent_disable(cn->bev, EV_READ);
			cn->read_paused = 1;
		}
	}
}

int conn_send_raw(struct conn *cn, const void *p, size_t n)
{
	if (cn->st == CS_CLOSING)
		return 0;
	if (cn->batching) {
		ofpbuf_put(&cn->stage, p, n);
		if (cn->stage.failed)
			return -ENOMEM;
	} else if (bufferevent_write(cn->bev, p, n)) {
		return -ENOMEM;
	}
	conn_wm_check(cn);
	return 0;
}

/* Sends what a read batch staged: straight to the socket when nothing is
 * queued before it (plain TCP: no wait for the next loop turn, no write
 * event to arm), the rest through the bufferevent. */
static void conn_flush_stage(struct conn *cn)
{
	struct evbuffer *out = bufferevent_get_output(cn->bev);
	size_t done = 0;
	cn->batching = 0;
	if (!cn->stage.len)
		return;
	if (!cn->tls && !evbuffer_get_length(out)) {
		ssize_t w = send(bufferevent_getfd(cn->bev), cn->stage.data, cn->stage.len,
				 MSG_DONTWAIT | MSG_NOSIGNAL);
		if (w > 0)
			done = (size_t)w;
	}
	if (done < cn->stage.len)
		bufferevent_write(cn->bev, cn->stage.data + done, cn->stage.len - done);
	ofpbuf_clear(&cn->stage);
}

void conn_push(struct conn *cn)
{
	struct evbuffer *out;
	if (cn->tls || cn->st == CS_CLOSING)
		return;
	out = bufferevent_get_output(cn->bev);
	/* non-blocking socket: what does not fit stays queued; an error
	 * shows on the bufferevent's own next write (SIGPIPE is ignored) */
	if (evbuffer_get_length(out))
		(void)evbuffer_write(out, bufferevent_getfd(cn->bev));
}

int conn_send(struct conn *cn, const struct ofp_msg *msg)
{
	char why[160];
	int r;
	ofpbuf_clear(&cn->out);
	r = ofp_encode(msg, &cn->out, why, sizeof(why));
	if (r) {
		LOG_ERR(CTL_MOD, "%s: cannot encode %s: %s", cn->peer, ofp_msg_type_name(msg->type),
			r == -EINVAL ? why : strerror(-r));
		return r == -ENOMEM ? r : 0; /* a bad item is skipped, not fatal */
	}
	return conn_send_raw(cn, cn->out.data, cn->out.len);
}

struct conn *conn_new(struct ctl *c, struct bufferevent *bev, const char *peer, int tls)
{
	struct conn *cn = calloc(1, sizeof(*cn));
	struct timeval tv;
	if (!cn)
		return NULL;
	cn->ctl = c;
	cn->bev = bev;
	cn->tls = tls;
	snprintf(cn->peer, sizeof(cn->peer), "%s", peer);
	cn->next_xid = 1;
	ofpbuf_init(&cn->out);
	ofpbuf_init(&cn->stage);
	cn->wm.high = c->cfg.out_high;
	cn->wm.low = c->cfg.out_low;
	cn->echo_ev = event_new(c->base, -1, EV_PERSIST, conn_echo_cb, cn);
	if (!cn->echo_ev) {
		free(cn);
		return NULL;
	}
	tv.tv_sec = c->echo_ms / 1000;
	tv.tv_usec = (c->echo_ms % 1000) * 1000;
	event_add(cn->echo_ev, &tv);
	cn->next = c->conns;
	c->conns = cn;
	bufferevent_setcb(bev, conn_read_cb, conn_write_cb, conn_event_cb, cn);
	bufferevent_setwatermark(bev, EV_READ, 0, CONN_INPUT_MAX);
	bufferevent_setwatermark(bev, EV_WRITE, cn->wm.low, 0);
	bufferevent_enable(bev, EV_READ | EV_WRITE);

	/* Our HELLO: version 1.3 with a bitmap saying so. */
	struct ofp_msg h;
	ofp_msg_init(&h, OFPMSG_HELLO, conn_xid(cn));
	h.u.hello.has_bitmap = 1;
	h.u.hello.bitmap = 1u << OFP13_VERSION;
	conn_send(cn, &h);
	LOG_INFO(CTL_MOD, "%s: connected (%s)", cn->peer, tls ? "tls" : "tcp");
	return cn;
}

void conn_free(struct conn *cn)
{
	struct conn **pp;
	if (!cn)
		return;
	for (pp = &cn->ctl->conns; *pp; pp = &(*pp)->next)
		if (*pp == cn) {
			*pp = cn->next;
			break;
		}
	sw_detach(cn);
	if (cn->echo_ev)
		event_free(cn->echo_ev);
	if (cn->bev)
		bufferevent_free(cn->bev);
	conv_uninit(&cn->conv);
	ofpbuf_uninit(&cn->out);
	ofpbuf_uninit(&cn->stage);
	free(cn->ports);
	free(cn);
}

void conn_close(struct conn *cn, const char *why)
{
	struct timeval tv = { 2, 0 };
	if (cn->st == CS_CLOSING)
		return;
	if (cn->dpid)
		LOG_INFO(CTL_MOD, "%s: switch %#llx: closing: %s (output queue peak %zu bytes, "
			 "throttled %llu times)", cn->peer, (unsigned long long)cn->dpid, why,
			 cn->out_peak, (unsigned long long)cn->n_throttled);
	else
		LOG_INFO(CTL_MOD, "%s: closing: %s", cn->peer, why);
	sw_detach(cn);
	conn_flush_stage(cn); /* e.g. the HELLO_FAILED that preceded this */
	cn->st = CS_CLOSING;
	/* Never freed synchronously (callers are often deep in a callback):
	 * let queued output (an ERROR for the peer) drain, then the write
	 * callback frees; the echo timer, re-armed once, frees a peer that
	 * does not read within 2 s. */
	bufferevent_disable(cn->bev, EV_READ);
	bufferevent_setwatermark(cn->bev, EV_WRITE, 0, 0);
	event_del(cn->echo_ev);
	if (!evbuffer_get_length(bufferevent_get_output(cn->bev)))
		event_active(cn->echo_ev, EV_TIMEOUT, 0);
	else
		event_add(cn->echo_ev, &tv);
}

static void send_hello_failed(struct conn *cn, uint8_t peer_version, uint32_t xid,
			      const char *text)
{
	struct ofp_msg e;
	ofp_msg_init(&e, OFPMSG_ERROR, xid);
	e.u.error.type = OFPET_HELLO_FAILED;
	e.u.error.code = 0; /* OFPHFC_INCOMPATIBLE */
	e.u.error.data.data = (const uint8_t *)text;
	e.u.error.data.len = strlen(text);
	ofpbuf_clear(&cn->out);
	if (ofp_encode(&e, &cn->out, NULL, 0))
		return;
	/* in the peer's own version, so it can read it */
	if (peer_version && peer_version < OFP13_VERSION)
		cn->out.data[0] = peer_version;
	conn_send_raw(cn, cn->out.data, cn->out.len);
}

static void handle_hello(struct conn *cn, const struct ofp_msg *msg)
{
	int ok = msg->u.hello.has_bitmap ? !!(msg->u.hello.bitmap & (1u << OFP13_VERSION))
					 : msg->version >= OFP13_VERSION;
	if (!ok) {
		char text[128];
		if (msg->u.hello.has_bitmap)
			snprintf(text, sizeof(text), "we support OpenFlow 1.3 (0x04) only; you offer "
				 "version bitmap %#x", msg->u.hello.bitmap);
		else
			snprintf(text, sizeof(text), "we support OpenFlow 1.3 (0x04) only; you offer "
				 "up to %#x", msg->version);
		LOG_WARN(CTL_MOD, "%s: refused: HELLO_FAILED/INCOMPATIBLE: peer offers no "
			 "OpenFlow 1.3 (hello version %#x%s)", cn->peer, msg->version,
			 msg->u.hello.has_bitmap ? ", with a version bitmap" : "");
		send_hello_failed(cn, msg->version, msg->xid, text);
		conn_close(cn, "version negotiation failed");
		return;
	}
	struct ofp_msg f;
	ofp_msg_init(&f, OFPMSG_FEATURES_REQUEST, conn_xid(cn));
	conn_send(cn, &f);
	cn->st = CS_FEATURES;
}

static void handle_features(struct conn *cn, const struct ofp_msg *msg)
{
	struct ofp_msg m;
	cn->dpid = msg->u.features.datapath_id;
	LOG_INFO(CTL_MOD, "%s: switch %#llx (OpenFlow 1.3, %u tables, auxiliary id %u)", cn->peer,
		 (unsigned long long)cn->dpid, msg->u.features.n_tables, msg->u.features.auxiliary_id);
	ofp_msg_init(&m, OFPMSG_SET_CONFIG, conn_xid(cn));
	m.u.config.flags = OFPC_FRAG_NORMAL;
	m.u.config.miss_send_len = OFPCML_NO_BUFFER;
	conn_send(cn, &m);
	ofp_msg_init(&m, OFPMSG_MULTIPART_REQUEST, cn->ports_xid = conn_xid(cn));
	m.u.mp.mp_type = OFPMP_PORT_DESC;
	conn_send(cn, &m);
	cn->st = CS_PORTS;
}

static void take_ports(struct conn *cn, const struct ofp_msg *msg)
{
	const struct ofp_port_desc *pd = msg->u.mp.u.list.items;
	size_t i;
	for (i = 0; i < msg->u.mp.u.list.n; i++) {
		if (cn->n_ports == cn->cap_ports) {
			size_t cap = cn->cap_ports ? cn->cap_ports * 2 : 16;
			struct ctl_port *v = realloc(cn->ports, cap * sizeof(*v));
			if (!v)
				return;
			cn->ports = v;
			cn->cap_ports = cap;
		}
		cn->ports[cn->n_ports].no = pd[i].port_no;
		snprintf(cn->ports[cn->n_ports].name, sizeof(cn->ports[0].name), "%s", pd[i].name);
		cn->n_ports++;
	}
}

static void handle_msg(struct conn *cn, const struct ofp_msg *msg)
{
	struct ofp_msg r;
	if (cn->st == CS_HELLO) {
		if (msg->type != OFPMSG_HELLO) {
			conn_close(cn, "first message is not HELLO");
			return;
		}
		handle_hello(cn, msg);
		return;
	}
	switch (msg->type) {
	case OFPMSG_ECHO_REQUEST:
		ofp_msg_init(&r, OFPMSG_ECHO_REPLY, msg->xid);
		r.u.echo = msg->u.echo;
		conn_send(cn, &r);
		return;
	case OFPMSG_ECHO_REPLY:
		return;
	case OFPMSG_FEATURES_REPLY:
		if (cn->st == CS_FEATURES)
			handle_features(cn, msg);
		return;
	case OFPMSG_MULTIPART_REPLY:
		if (cn->st == CS_PORTS && msg->xid == cn->ports_xid &&
		    msg->u.mp.mp_type == OFPMP_PORT_DESC) {
			take_ports(cn, msg);
			if (!(msg->u.mp.flags & OFPMPF_MORE)) {
				sw_attach(cn->ctl, cn);
				if (cn->st == CS_READY)
					conv_start(cn);
			}
			return;
		}
		break;
	case OFPMSG_PORT_STATUS: {
		int changed = cn->sw ? sw_port_update(cn->sw, &msg->u.port_status) : 0;
		if (changed && (cn->ctl->spec[0] || cn->ctl->prov) && cn->st == CS_READY) {
			/* a port appeared/vanished/was renamed: names in the flows
			 * file may resolve differently now */
			if (cn->ctl->prov) {
				/* only what uses that port (a rename: everything),
				 * rebuilt when idle (sw_refresh; when busy, once the
				 * current convergence is done) */
				ctl_provider_port_changed(cn->ctl, cn->sw,
							  changed == 1 ? msg->u.port_status.desc.name
								       : NULL);
				sw_refresh(cn);
				return;
			}
			if (cn->conv.st == CV_IDLE)
				sw_build_desired(cn->ctl, cn->sw);
			conv_start(cn);
		}
		return;
	}
	case OFPMSG_PACKET_IN:
		cn->n_packet_in++;
		if (ctl_provider_packet_in(cn, msg))
			return;
		if (cn->ctl->cfg.app == CTL_APP_LEARN && cn->sw)
			app_learn_packet_in(cn, msg);
		return;
	case OFPMSG_ERROR:
		cn->n_errors++;
		if (cn->st != CS_READY) {
			char *t = ofp_to_string(msg);
			LOG_WARN(CTL_MOD, "%s: error during the handshake: %s", cn->peer, t ? t : "?");
			free(t);
			return;
		}
		break;
	case OFPMSG_HELLO:
	case OFPMSG_FLOW_REMOVED:
		return;
	default:
		break;
	}
	if (cn->st == CS_READY && ctl_query_handle(cn, msg)) /* a flows query's dump */
		return;
	if (cn->st == CS_READY && conv_handle(cn, msg))
		return;
	LOG_DBG(CTL_MOD, "%s: ignored %s xid=%#x", cn->peer, ofp_msg_type_name(msg->type), msg->xid);
}

/* Every whole message queued in the input, in order. */
static void conn_read_input(struct bufferevent *bev, struct conn *cn)
{
	struct evbuffer *in = bufferevent_get_input(bev);
	uint8_t hdr[8];
	char why[160];

	while (cn->st != CS_CLOSING && !cn->read_paused) {
		size_t avail = evbuffer_get_length(in);
		if (avail < sizeof(hdr))
			return;
		evbuffer_copyout(in, hdr, sizeof(hdr));
		if (ofp_frame_len(hdr, sizeof(hdr)) < 0) {
			conn_close(cn, "message length below 8 bytes: stream is not OpenFlow");
			return;
		}
		int len = (hdr[2] << 8) | hdr[3];
		if ((size_t)len > avail)
			return;
		const uint8_t *p = evbuffer_pullup(in, len);
		struct ofp_msg msg;
		enum ofperr e;
		if (!p) {
			conn_close(cn, "out of memory");
			return;
		}
		cn->rx_msgs++;
		e = ofp_decode(p, (size_t)len, &msg, why, sizeof(why));
		if (e) {
			if (cn->st == CS_HELLO && p[1] == OFPT_HELLO) {
				/* an unparseable HELLO still tells the version */
				LOG_WARN(CTL_MOD, "%s: bad HELLO (%s)", cn->peer, why);
			}
			LOG_WARN(CTL_MOD, "%s: undecodable message type %u xid=%#x: %s: %s", cn->peer,
				 p[1], ofp_get_be32(p + 4), ofperr_name(e), why);
			/* answer with the error, carrying the message's start */
			struct ofp_msg em;
			ofp_msg_init(&em, OFPMSG_ERROR, ofp_get_be32(p + 4));
			em.u.error.type = ofperr_type(e);
			em.u.error.code = ofperr_code(e);
			em.u.error.data.data = p;
			em.u.error.data.len = len < 64 ? (size_t)len : 64;
			conn_send(cn, &em);
			evbuffer_drain(in, len);
			if (cn->st == CS_HELLO)
				conn_close(cn, "no valid HELLO");
			continue;
		}
		handle_msg(cn, &msg);
		ofp_msg_uninit(&msg);
		evbuffer_drain(in, len);
	}
}

static void conn_read_cb(struct bufferevent *bev, void *arg)
{
	struct conn *cn = arg;
	/* Answers of the whole batch go out in one write at its end, now
	 * rather than on the next loop turn (latency of the packet-in ->
	 * flow_mod path). */
	cn->batching = 1;
	conn_read_input(bev, cn);
	conn_flush_stage(cn);
}

static void conn_write_cb(struct bufferevent *bev, void *arg)
{
	struct conn *cn = arg;
	size_t q = evbuffer_get_length(bufferevent_get_output(bev));
	if (cn->st == CS_CLOSING) {
		if (!q)
			conn_free(cn);
		return;
	}
	if (ctl_wm_update(&cn->wm, q) < 0 || !cn->wm.throttled) {
		if (cn->read_paused) {
			cn->read_paused = 0;
			bufferevent_enable(bev, EV_READ);
			LOG_DBG(CTL_MOD, "%s: output drained to %zu bytes: resuming", cn->peer, q);
		}
		conv_pump(cn);
		/* process input that arrived while paused */
		if (!cn->read_paused && cn->st != CS_CLOSING &&
		    evbuffer_get_length(bufferevent_get_input(bev)))
			conn_read_cb(bev, cn);
	}
}

static void conn_event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct conn *cn = arg;
	if (what & BEV_EVENT_CONNECTED)
		return;
	if (what & BEV_EVENT_EOF) {
		if (cn->st != CS_CLOSING)
			conn_close(cn, "peer closed the connection");
		conn_free(cn);
		return;
	}
	if (what & BEV_EVENT_ERROR) {
		char why[256];
		ctl_tls_error(bev, why, sizeof(why));
		if (cn->st != CS_CLOSING)
			conn_close(cn, why);
		conn_free(cn);
	}
}

static void conn_echo_cb(evutil_socket_t fd, short what, void *arg)
{
	struct conn *cn = arg;
	struct ofp_msg m;
	if (cn->st == CS_CLOSING) {
		conn_free(cn);
		return;
	}
	if (cn->rx_msgs == cn->rx_at_tick) {
		if (++cn->missed >= cn->ctl->miss_limit) {
			char why[96];
			snprintf(why, sizeof(why), "dead peer: nothing received in %u echo intervals "
				 "of %u ms", cn->missed, cn->ctl->echo_ms);
			conn_close(cn, why);
			return;
		}
	} else {
		cn->missed = 0;
	}
	cn->rx_at_tick = cn->rx_msgs;
	if (cn->st == CS_HELLO)
		return;
	ofp_msg_init(&m, OFPMSG_ECHO_REQUEST, conn_xid(cn));
	conn_send(cn, &m);
}
