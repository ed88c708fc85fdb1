/* drivers/mbox/session.c: the mailbox protocol engine (session.h).
 *
 * Sits between the rings (mbox.c, which moves framed bytes) and the
 * applications (hostd/nic.c on the host, firmware/main.c on the NIC). Every
 * message the peer wrote is decoded by the codec (codec.c) before any field
 * is trusted; this file adds the protocol state on top: HELLO negotiation,
 * heartbeats and liveness, epochs (restart detection), request/reply
 * matching by sequence, batch assembly, and the ordered output queue that
 * implements "never drop, never deadlock" flow control.
 *
 * Everything runs on the one thread that calls mbox_session_poll(); the
 * only re-entrancy is a callback calling mbox_session_send(), which the
 * `in_flush` / `in_cb` guards below turn into a plain enqueue. */
#include "drivers/mbox/session.h"

#include <endian.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "drivers/base/log.h"
#include "drivers/base/util.h"

/* A batch larger than this is refused with E2BIG at its COMMIT. */
#define SESS_BATCH_MAX_MEMBERS 65536u
#define SESS_BATCH_MAX_BYTES (64u << 20)
/* Messages handled per poll after the first (keeps timers fresh). */
#define SESS_RX_BUDGET 64
/* While the output queue holds this many messages, receiving pauses (a
 * peer that floods us without reading our replies cannot grow it). */
#define SESS_OUT_CAP 4096u
/* Longest single wait for ring credit before receiving again. */
#define SESS_CREDIT_SLICE_MS 2
/* After a refused HELLO, ask again only every this many intervals. */
#define SESS_NEGO_RETRY_INTERVALS 30u

/* One encoded message waiting for ring credit. */
struct sess_out {
	struct sess_out *next; /* FIFO link */
	size_t len;            /* bytes in data */
	uint8_t data[];        /* header + payload as it goes on the wire */
};

/* The batch being received (BEGIN seen, COMMIT not yet). Members are kept
 * as raw copies in one arena and decoded again at COMMIT, so pointers into
 * the arena never outlive a realloc. */
struct sess_rx_batch {
	int open;              /* a BEGIN is pending */
	uint32_t id;           /* batch_id from BEGIN */
	uint32_t received;     /* members seen (stored or not) */
	int poison;            /* positive errno: COMMIT will be refused */
	char reason[128];      /* why, for the ERROR text */
	uint8_t *arena;        /* raw member messages back to back */
	size_t arena_len;      /* bytes used */
	size_t arena_cap;      /* bytes allocated */
	size_t *offs;          /* offset of member i in arena */
	uint32_t *lens;        /* length of member i */
	unsigned n;            /* members stored */
	unsigned cap;          /* entries allocated in offs/lens */
};

struct mbox_session {
	struct mbox *mb;                /* the mailbox (not owned) */
	enum mbox_role role;            /* MBOX_HOST or MBOX_NIC */
	const char *mod;                /* log module name */
	uint32_t hb_ms;                 /* our heartbeat interval */
	uint32_t miss_limit;            /* silent intervals before loss */
	uint16_t min_version;           /* lowest version we speak */
	uint16_t max_version;           /* highest version we speak */
	uint64_t caps;                  /* capabilities we offer */
	char name[MBOX_NAME_LEN + 1];   /* our software name */
	struct mbox_session_cbs cbs;    /* application callbacks */
	void *arg;                      /* their argument */
	uint64_t epoch;                 /* our epoch */
	size_t max_msg;                 /* mbox_max_msg() */
	uint8_t *rxbuf;                 /* one received message */
	uint8_t *txbuf;                 /* encoding scratch */

	/* Peer. */
	int up;                         /* HELLO done and peer alive */
	int have_peer;                  /* peer/peer_epoch are meaningful */
	struct mbox_hello peer;         /* peer's last HELLO */
	uint64_t peer_epoch;            /* peer's epoch */
	uint32_t peer_hb_ms;            /* peer's announced interval */
	uint16_t version;               /* negotiated version */
	uint64_t neg_caps;              /* negotiated capabilities */
	uint64_t last_rx_ms;            /* when the peer last said anything */
	int peer_closed;                /* peer marked its side closed */
	uint64_t last_enotconn_ms;      /* NIC: last "no session" answer */

	/* Host HELLO state. */
	int hello_inflight;             /* a HELLO awaits its reply */
	uint32_t hello_seq;             /* its sequence */
	uint64_t hello_sent_ms;         /* when it left */
	uint64_t hello_retry_ms;        /* resend after this long */
	int nego_failed;                /* last HELLO was refused */
	int hello_waiting_logged;       /* "no answer" logged once */
	int reattach_failed_logged;     /* reattach error logged once */

	uint64_t next_hb_ms;            /* when our next heartbeat is due */
	uint64_t hb_counter;            /* heartbeats sent */
	uint32_t next_seq;              /* sequence of our next message */
	uint32_t next_batch_id;         /* id of our next outgoing batch */

	/* Output queue. */
	struct sess_out *out_head;      /* oldest */
	struct sess_out *out_tail;      /* newest */
	unsigned out_len;               /* entries */
	int in_flush;                   /* sess_flush() is on the stack */
	int in_cb;                      /* an application callback runs */

	/* The one outstanding request. */
	int waiting;                    /* request()/send_batch() waits */
	uint32_t wait_seq;              /* its sequence */
	int wait_done;                  /* its reply arrived */
	int wait_rc;                    /* 0 or -errno from the reply */
	char wait_err[256];             /* ERROR text */

	struct sess_rx_batch rb;        /* batch being received */
	int fatal;                      /* sticky -EIO */
	struct mbox_session_stats st;   /* counters */
};

/* ---- small helpers ------------------------------------------------------ */

static uint64_t loss_ms(const struct mbox_session *s)
{
	uint32_t iv = s->peer_hb_ms ? s->peer_hb_ms : s->hb_ms;
	return (uint64_t)s->miss_limit * iv;
}

static const char *role_name(unsigned role)
{
	return role == MBOX_ROLE_HOST ? "host" : role == MBOX_ROLE_NIC ? "nic" : "?";
}

/* A positive errno from the wire, made safe to negate and print. */
static int wire_errno(uint32_t code)
{
	return (code == 0 || code > 4095) ? EPROTO : (int)code;
}

static void copy_text(char *dst, size_t cap, const char *src, size_t len)
{
	if (!cap)
		return;
	if (len > cap - 1)
		len = cap - 1;
	memcpy(dst, src, len);
	dst[len] = '\0';
}

static void sleep_ms(int ms)
{
	if (ms <= 0)
		return;
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };
	nanosleep(&ts, NULL);
}

/* ---- output queue ------------------------------------------------------- */

static void out_clear(struct mbox_session *s)
{
	struct sess_out *o = s->out_head;
	while (o) {
		struct sess_out *next = o->next;
		free(o);
		o = next;
	}
	s->out_head = s->out_tail = NULL;
	s->out_len = 0;
}

/* Encode msg with the given seq and append it to the queue. */
static int out_push(struct mbox_session *s, const struct mbox_msg *msg, uint32_t seq,
		    struct sess_out **node)
{
	struct mbox_msg m = *msg;
	m.seq = seq;
	int len = mbox_encode(&m, s->txbuf, s->max_msg);
	if (len < 0) {
		LOG_ERR(s->mod, "cannot encode %s (seq %u): %s",
			mbox_msg_name(msg->type) ? mbox_msg_name(msg->type) : "?", seq,
			strerror(-len));
		return len;
	}
	struct sess_out *o = malloc(sizeof(*o) + (size_t)len);
	if (!o)
		return -ENOMEM;
	o->next = NULL;
	o->len = (size_t)len;
	memcpy(o->data, s->txbuf, (size_t)len);
	if (s->out_tail)
		s->out_tail->next = o;
	else
		s->out_head = o;
	s->out_tail = o;
	s->out_len++;
	if (node)
		*node = o;
	return 0;
}

/* Queue a new (non-reply) message with the next sequence number. */
static int out_new(struct mbox_session *s, const struct mbox_msg *msg,
		   uint32_t *seq_out, struct sess_out **node)
{
	uint32_t seq = s->next_seq++;
	if (seq_out)
		*seq_out = seq;
	return out_push(s, msg, seq, node);
}

static int out_ack(struct mbox_session *s, uint32_t seq)
{
	struct mbox_msg m = { .type = MBOX_MSG_ACK, .flags = MBOX_F_REPLY };
	return out_push(s, &m, seq, NULL);
}

static int out_error(struct mbox_session *s, uint32_t seq, unsigned req_type, int code,
		     const char *text)
{
	struct mbox_msg m = { .type = MBOX_MSG_ERROR, .flags = MBOX_F_REPLY };
	m.u.error.req_type = (uint16_t)req_type;
	m.u.error.code = (uint32_t)(code < 0 ? -code : code);
	m.u.error.text = text ? text : "";
	size_t tl = strlen(m.u.error.text);
	/* The text must fit one slot with the fixed part. */
	size_t room = s->max_msg - sizeof(struct mbox_msg_hdr) - sizeof(struct mbox_wire_error);
	m.u.error.text_len = (uint32_t)DFN_MIN(tl, room);
	return out_push(s, &m, seq, NULL);
}

static void on_epipe(struct mbox_session *s);
static int drain(struct mbox_session *s, int budget, int wait_first_ms);

/* Push queued messages into the ring, oldest first. Waits up to timeout_ms
 * (-1: forever) for credit, receiving meanwhile. Returns 0 when the queue
 * is empty, -EAGAIN when credit did not come in time (the rest stays
 * queued), -EPIPE (peer closed: the queue was discarded) or -EIO. */
static int flush(struct mbox_session *s, int timeout_ms)
{
	if (s->in_flush)
		return 0; /* the flush on the stack will send it */
	if (s->fatal)
		return s->fatal;
	s->in_flush = 1;
	uint64_t deadline = timeout_ms < 0 ? UINT64_MAX : dfn_now_ms() + (uint64_t)timeout_ms;
	int ret = 0;
	while (s->out_head) {
		struct sess_out *o = s->out_head;
		int r = mbox_send(s->mb, o->data, o->len, 0);
		if (r == -EAGAIN) {
			uint64_t now = dfn_now_ms();
			if (now >= deadline) {
				ret = -EAGAIN;
				break;
			}
			/* Ring full: keep the peer moving by reading (and
			 * answering) its messages, unless our queue is at
			 * its cap; then wait a short slice for credit. */
			int got = 0;
			if (s->out_len < SESS_OUT_CAP) {
				got = drain(s, 16, 0);
				if (got < 0 && got != -EPIPE) {
					ret = got;
					break;
				}
			}
			if (got != 0)
				continue; /* the queue may have changed: start over */
			uint64_t rem = deadline - now;
			int slice = (int)DFN_MIN(rem, (uint64_t)SESS_CREDIT_SLICE_MS);
			r = mbox_send(s->mb, o->data, o->len, slice);
			if (r == -EAGAIN)
				continue;
		}
		if (r == 0) {
			s->out_head = o->next;
			if (!s->out_head)
				s->out_tail = NULL;
			s->out_len--;
			free(o);
			continue;
		}
		if (r == -EPIPE) {
			/* Peer closed, or (host) the NIC is re-creating the
			 * region: nothing queued can reach it any more. */
			out_clear(s);
			on_epipe(s);
			ret = -EPIPE;
			break;
		}
		if (r == -EIO) {
			LOG_ERR(s->mod, "mailbox ring corrupt while sending: the mailbox must be reopened");
			s->fatal = -EIO;
			ret = -EIO;
			break;
		}
		/* -EMSGSIZE or another error for this one message: it can
		 * never go out; report and skip it rather than wedge. */
		LOG_ERR(s->mod, "cannot send a %zu-byte message: %s (skipped)", o->len,
			strerror(-r));
		s->out_head = o->next;
		if (!s->out_head)
			s->out_tail = NULL;
		s->out_len--;
		free(o);
	}
	s->in_flush = 0;
	return ret;
}

/* ---- receive-side batch ------------------------------------------------- */

static void rb_reset(struct mbox_session *s)
{
	struct sess_rx_batch *b = &s->rb;
	b->open = 0;
	b->id = 0;
	b->received = 0;
	b->poison = 0;
	b->reason[0] = '\0';
	b->arena_len = 0;
	b->n = 0;
}

static void rb_free(struct mbox_session *s)
{
	free(s->rb.arena);
	free(s->rb.offs);
	free(s->rb.lens);
	memset(&s->rb, 0, sizeof(s->rb));
}

/* Drop the open batch (if any), saying why. */
static void rb_drop(struct mbox_session *s, const char *why)
{
	if (!s->rb.open)
		return;
	LOG_WARN(s->mod, "batch %u dropped (%s): %u member(s) discarded, nothing applied",
		 s->rb.id, why, s->rb.received);
	s->st.batches_dropped++;
	rb_reset(s);
}

static void rb_poison(struct mbox_session *s, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void rb_poison(struct mbox_session *s, int code, const char *fmt, ...)
{
	if (s->rb.poison)
		return; /* keep the first reason */
	s->rb.poison = code;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(s->rb.reason, sizeof(s->rb.reason), fmt, ap);
	va_end(ap);
}

static void rb_add(struct mbox_session *s, const uint8_t *raw, size_t len)
{
	struct sess_rx_batch *b = &s->rb;
	b->received++;
	if (b->poison)
		return;
	if (b->n >= SESS_BATCH_MAX_MEMBERS || b->arena_len + len > SESS_BATCH_MAX_BYTES) {
		rb_poison(s, E2BIG, "batch larger than %u members / %u bytes",
			  SESS_BATCH_MAX_MEMBERS, SESS_BATCH_MAX_BYTES);
		return;
	}
	if (b->n == b->cap) {
		unsigned ncap = b->cap ? b->cap * 2 : 64;
		size_t *offs = realloc(b->offs, ncap * sizeof(*offs));
		if (!offs)
			goto nomem;
		b->offs = offs;
		uint32_t *lens = realloc(b->lens, ncap * sizeof(*lens));
		if (!lens)
			goto nomem;
		b->lens = lens;
		b->cap = ncap;
	}
	if (b->arena_len + len > b->arena_cap) {
		size_t ncap = b->arena_cap ? b->arena_cap : 4096;
		while (ncap < b->arena_len + len)
			ncap *= 2;
		uint8_t *a = realloc(b->arena, ncap);
		if (!a)
			goto nomem;
		b->arena = a;
		b->arena_cap = ncap;
	}
	memcpy(b->arena + b->arena_len, raw, len);
	b->offs[b->n] = b->arena_len;
	b->lens[b->n] = (uint32_t)len;
	b->arena_len += len;
	b->n++;
	return;
nomem:
	rb_poison(s, ENOMEM, "out of memory storing batch member %u", b->received);
}

/* ---- peer state --------------------------------------------------------- */

static void call_peer_down(struct mbox_session *s, const char *why)
{
	if (s->cbs.peer_down) {
		s->in_cb++;
		s->cbs.peer_down(s->arg, why);
		s->in_cb--;
	}
}

/* The peer is gone (or restarted): forget the session with it. */
static void peer_lost(struct mbox_session *s, const char *why)
{
	rb_drop(s, why);
	s->hello_inflight = 0;
	if (!s->up)
		return;
	s->up = 0;
	s->st.peer_downs++;
	/* Whatever is queued was meant for the peer that left; a returning
	 * peer is resynchronised from scratch. */
	out_clear(s);
	LOG_WARN(s->mod, "peer down: %s", why);
	call_peer_down(s, why);
}

static void peer_closed_now(struct mbox_session *s)
{
	if (s->peer_closed)
		return;
	s->peer_closed = 1;
	if (s->up) {
		peer_lost(s, "the peer closed the mailbox");
	} else {
		rb_drop(s, "the peer closed the mailbox");
		s->hello_inflight = 0;
		LOG_INFO(s->mod, "the peer has closed the mailbox; waiting for it to come back");
	}
}

/* mbox_send/recv said -EPIPE: the peer closed its side, or (host only) the
 * NIC is re-creating the region, which tick() notices and handles. */
static void on_epipe(struct mbox_session *s)
{
	if (mbox_peer_state(s->mb) == MBOX_SIDE_CLOSED)
		peer_closed_now(s);
}

static int region_changed(const struct mbox_session *s)
{
	return s->role == MBOX_HOST && mbox_region_epoch(s->mb) != mbox_open_epoch(s->mb);
}

static void peer_came_up(struct mbox_session *s, const struct mbox_hello *h, uint16_t version,
			 uint64_t caps)
{
	int resync = !s->have_peer || h->epoch != s->peer_epoch;
	s->peer = *h;
	s->have_peer = 1;
	s->peer_epoch = h->epoch;
	s->peer_hb_ms = h->heartbeat_ms ? DFN_MIN(h->heartbeat_ms, 600000u) : s->hb_ms;
	s->version = version;
	s->neg_caps = caps;
	s->up = 1;
	s->peer_closed = 0;
	s->nego_failed = 0;
	s->hello_waiting_logged = 0;
	uint64_t now = dfn_now_ms();
	s->last_rx_ms = now;
	s->next_hb_ms = now; /* announce ourselves at once */
	s->st.peer_ups++;
	if (resync)
		s->st.resyncs++;
	LOG_INFO(s->mod, "peer up: %s '%s' epoch %016" PRIx64 ", protocol v%u, caps %#" PRIx64
		 ", heartbeat %u ms%s", role_name(h->role), h->name, h->epoch, version, caps,
		 h->heartbeat_ms, resync ? " (resync)" : "");
	if (s->cbs.peer_up) {
		s->in_cb++;
		s->cbs.peer_up(s->arg, &s->peer, resync);
		s->in_cb--;
	}
}

static void fill_hello(const struct mbox_session *s, struct mbox_msg *m, enum mbox_msg_type type)
{
	memset(m, 0, sizeof(*m));
	m->type = type;
	m->u.hello.min_version = s->min_version;
	m->u.hello.max_version = s->max_version;
	m->u.hello.role = s->role == MBOX_HOST ? MBOX_ROLE_HOST : MBOX_ROLE_NIC;
	m->u.hello.caps = s->caps;
	m->u.hello.epoch = s->epoch;
	m->u.hello.heartbeat_ms = s->hb_ms;
	memcpy(m->u.hello.name, s->name, sizeof(m->u.hello.name));
}

static int send_hello(struct mbox_session *s)
{
	struct mbox_msg m;
	fill_hello(s, &m, MBOX_MSG_HELLO);
	uint32_t seq;
	int r = out_new(s, &m, &seq, NULL);
	if (r < 0)
		return r;
	s->hello_inflight = 1;
	s->hello_seq = seq;
	s->hello_sent_ms = dfn_now_ms();
	s->hello_retry_ms = s->nego_failed ? (uint64_t)SESS_NEGO_RETRY_INTERVALS * s->hb_ms
					   : loss_ms(s);
	LOG_DBG(s->mod, "HELLO sent (seq %u, v%u..%u, caps %#" PRIx64 ", epoch %016" PRIx64 ")",
		seq, s->min_version, s->max_version, s->caps, s->epoch);
	return 0;
}

static int send_heartbeat(struct mbox_session *s)
{
	struct mbox_msg m = { .type = MBOX_MSG_HEARTBEAT };
	m.u.heartbeat.epoch = s->epoch;
	m.u.heartbeat.counter = ++s->hb_counter;
	m.u.heartbeat.interval_ms = s->hb_ms;
	int r = out_new(s, &m, NULL, NULL);
	if (r == 0)
		s->st.hb_sent++;
	return r;
}

/* ---- handlers ----------------------------------------------------------- */

/* NIC: a host says HELLO. */
static void on_hello(struct mbox_session *s, const struct mbox_msg *m)
{
	const struct mbox_hello *h = &m->u.hello;
	char text[160];
	if (s->role != MBOX_NIC || h->role != MBOX_ROLE_HOST) {
		out_error(s, m->seq, m->type, EPROTO, "HELLO goes from host to NIC");
		return;
	}
	uint16_t lo = DFN_MAX(h->min_version, s->min_version);
	uint16_t hi = DFN_MIN(h->max_version, s->max_version);
	if (lo > hi || h->min_version > h->max_version) {
		snprintf(text, sizeof(text),
			 "no common protocol version: host speaks %u..%u, NIC speaks %u..%u",
			 h->min_version, h->max_version, s->min_version, s->max_version);
		LOG_ERR(s->mod, "HELLO from '%s' (epoch %016" PRIx64 ") refused: %s; no session",
			h->name, h->epoch, text);
		s->st.nego_failures++;
		out_error(s, m->seq, m->type, EPROTONOSUPPORT, text);
		return;
	}
	if (s->up && h->epoch != s->peer_epoch) {
		snprintf(text, sizeof(text), "host restarted (epoch %016" PRIx64 " -> %016" PRIx64 ")",
			 s->peer_epoch, h->epoch);
		peer_lost(s, text);
	}
	/* A HELLO starts the session over: a batch left open belongs to the
	 * host's previous view of it. */
	rb_drop(s, "interrupted by a new HELLO");
	struct mbox_msg r;
	fill_hello(s, &r, MBOX_MSG_HELLO_REPLY);
	r.flags = MBOX_F_REPLY;
	r.u.hello.version = hi;
	r.u.hello.caps = s->caps & h->caps;
	out_push(s, &r, m->seq, NULL);
	peer_came_up(s, h, hi, s->caps & h->caps);
}

/* Host: the NIC answers our HELLO. */
static void on_hello_reply(struct mbox_session *s, const struct mbox_msg *m)
{
	const struct mbox_hello *h = &m->u.hello;
	if (s->role != MBOX_HOST || !s->hello_inflight || m->seq != s->hello_seq) {
		LOG_DBG(s->mod, "stale HELLO_REPLY seq %u ignored", m->seq);
		return;
	}
	s->hello_inflight = 0;
	if (h->role != MBOX_ROLE_NIC || h->version < s->min_version || h->version > s->max_version ||
	    h->version < h->min_version || h->version > h->max_version) {
		LOG_ERR(s->mod, "NIC '%s' chose protocol v%u (NIC %u..%u, ours %u..%u, role %s): "
			"not acceptable; no session", h->name, h->version, h->min_version,
			h->max_version, s->min_version, s->max_version, role_name(h->role));
		s->nego_failed = 1;
		s->st.nego_failures++;
		return;
	}
	peer_came_up(s, h, h->version, s->caps & h->caps);
}

static void on_heartbeat(struct mbox_session *s, const struct mbox_msg *m)
{
	const struct mbox_heartbeat *hb = &m->u.heartbeat;
	uint64_t now = dfn_now_ms();
	char why[128];
	s->st.hb_received++;
	if (s->up && hb->epoch != s->peer_epoch) {
		snprintf(why, sizeof(why), "peer restarted (epoch %016" PRIx64 " -> %016" PRIx64 ")",
			 s->peer_epoch, hb->epoch);
		peer_lost(s, why);
	}
	if (s->up) {
		if (hb->interval_ms)
			s->peer_hb_ms = DFN_MIN(hb->interval_ms, 600000u);
		return;
	}
	if (s->role == MBOX_HOST) {
		/* The NIC is talking but we have no session: ask at once. */
		if (!s->hello_inflight && !s->nego_failed && !s->peer_closed)
			send_hello(s);
		return;
	}
	/* NIC without a session for this host: tell it (once per interval)
	 * so it says HELLO instead of waiting for our silence. */
	if (now - s->last_enotconn_ms >= s->hb_ms) {
		s->last_enotconn_ms = now;
		out_error(s, m->seq, m->type, ENOTCONN, "no session: say HELLO first");
	}
}

static void on_reply(struct mbox_session *s, const struct mbox_msg *m)
{
	int is_err = m->type == MBOX_MSG_ERROR;
	const struct mbox_error *e = &m->u.error;
	if (is_err)
		s->st.errors_rx++;
	if (s->waiting && !s->wait_done && m->seq == s->wait_seq) {
		s->wait_done = 1;
		s->wait_rc = is_err ? -wire_errno(e->code) : 0;
		if (is_err)
			copy_text(s->wait_err, sizeof(s->wait_err), e->text, e->text_len);
		else
			s->wait_err[0] = '\0';
		return;
	}
	if (!is_err) {
		LOG_DBG(s->mod, "%s seq %u with no request waiting", mbox_msg_name(m->type), m->seq);
		return;
	}
	int code = wire_errno(e->code);
	if (s->role == MBOX_HOST && s->hello_inflight && m->seq == s->hello_seq) {
		s->hello_inflight = 0;
		s->nego_failed = 1;
		s->st.nego_failures++;
		LOG_ERR(s->mod, "NIC refused our HELLO (v%u..%u): %s: %.*s; no session",
			s->min_version, s->max_version, strerror(code), (int)e->text_len, e->text);
		return;
	}
	if (e->req_type == MBOX_MSG_HEARTBEAT && code == ENOTCONN) {
		if (s->role == MBOX_HOST) {
			if (s->up)
				peer_lost(s, "the NIC has no session for us (it restarted?)");
			if (!s->hello_inflight && !s->peer_closed)
				send_hello(s);
		}
		return;
	}
	LOG_WARN(s->mod, "peer answered %s seq %u with ERROR: %s: %.*s",
		 mbox_msg_name(e->req_type) ? mbox_msg_name(e->req_type) : "?", m->seq,
		 strerror(code), (int)e->text_len, e->text);
}

static void on_commit(struct mbox_session *s, const struct mbox_msg *m)
{
	struct sess_rx_batch *b = &s->rb;
	char err[256] = "";
	if (!b->open) {
		s->st.batches_failed++;
		out_error(s, m->seq, m->type, EPROTO, "BATCH_COMMIT without BATCH_BEGIN");
		LOG_WARN(s->mod, "COMMIT of batch %u without BEGIN refused", m->u.batch.batch_id);
		return;
	}
	int code = 0;
	if (m->u.batch.batch_id != b->id) {
		code = EPROTO;
		snprintf(err, sizeof(err), "COMMIT names batch %u but batch %u is open",
			 m->u.batch.batch_id, b->id);
	} else if (m->u.batch.count != b->received) {
		code = EPROTO;
		snprintf(err, sizeof(err), "member count mismatch: COMMIT says %u, %u received",
			 m->u.batch.count, b->received);
	} else if (b->poison) {
		code = b->poison;
		snprintf(err, sizeof(err), "%s", b->reason);
	} else if (!s->cbs.apply_batch) {
		code = EOPNOTSUPP;
		snprintf(err, sizeof(err), "this side does not accept batches");
	}
	if (code) {
		LOG_WARN(s->mod, "batch %u refused, nothing applied: %s", b->id, err);
		s->st.batches_failed++;
		out_error(s, m->seq, m->type, code, err);
		rb_reset(s);
		return;
	}
	struct mbox_msg *msgs = calloc(b->n ? b->n : 1, sizeof(*msgs));
	int r;
	if (!msgs) {
		r = -ENOMEM;
		snprintf(err, sizeof(err), "out of memory decoding the batch");
	} else {
		r = 0;
		for (unsigned i = 0; i < b->n && r == 0; i++) {
			char derr[128] = "";
			r = mbox_decode(b->arena + b->offs[i], b->lens[i], &msgs[i], derr, sizeof(derr));
			if (r < 0)
				snprintf(err, sizeof(err), "member %u: %s", i, derr);
		}
		if (r == 0) {
			s->in_cb++;
			r = s->cbs.apply_batch(s->arg, msgs, b->n, err, sizeof(err));
			s->in_cb--;
			if (r > 0)
				r = -r;
			if (r < 0 && !err[0])
				snprintf(err, sizeof(err), "%s", strerror(-r));
		}
	}
	free(msgs);
	if (r == 0) {
		s->st.batches_ok++;
		LOG_DBG(s->mod, "batch %u applied (%u members)", b->id, b->n);
		out_ack(s, m->seq);
	} else {
		s->st.batches_failed++;
		LOG_WARN(s->mod, "batch %u refused by the application, nothing applied: %s",
			 b->id, err);
		out_error(s, m->seq, m->type, r, err);
	}
	rb_reset(s);
}

static void on_batch_ctl(struct mbox_session *s, const struct mbox_msg *m)
{
	char why[64];
	switch (m->type) {
	case MBOX_MSG_BATCH_BEGIN:
		if (!(s->neg_caps & MBOX_CAP_BATCH)) {
			out_error(s, m->seq, m->type, EOPNOTSUPP, "batches were not negotiated");
			return;
		}
		if (s->rb.open) {
			snprintf(why, sizeof(why), "interrupted by BEGIN of batch %u",
				 m->u.batch.batch_id);
			rb_drop(s, why);
		}
		rb_reset(s);
		s->rb.open = 1;
		s->rb.id = m->u.batch.batch_id;
		return;
	case MBOX_MSG_BATCH_COMMIT:
		on_commit(s, m);
		return;
	case MBOX_MSG_BATCH_ABORT:
		if (s->rb.open && s->rb.id == m->u.batch.batch_id)
			rb_drop(s, "aborted by the sender");
		else
			LOG_DBG(s->mod, "ABORT of batch %u that is not open", m->u.batch.batch_id);
		return;
	default:
		return;
	}
}

static void on_app_message(struct mbox_session *s, const struct mbox_msg *m)
{
	char err[256] = "";
	int no_ack = m->type == MBOX_MSG_OBJ_STATUS;
	if (!s->cbs.message) {
		if (!no_ack)
			out_error(s, m->seq, m->type, EOPNOTSUPP, "message not handled here");
		return;
	}
	s->in_cb++;
	int r = s->cbs.message(s->arg, m, err, sizeof(err));
	s->in_cb--;
	if (no_ack)
		return;
	if (r == 0)
		out_ack(s, m->seq);
	else
		out_error(s, m->seq, m->type, r, err[0] ? err : strerror(r < 0 ? -r : r));
}

/* One received message of `len` bytes in s->rxbuf. */
static void dispatch(struct mbox_session *s, size_t len)
{
	struct mbox_msg m;
	char err[160] = "";
	s->last_rx_ms = dfn_now_ms();
	int r = mbox_decode(s->rxbuf, len, &m, err, sizeof(err));
	if (r < 0) {
		s->st.bad_msgs++;
		/* The framing was checked by mbox_recv, so the raw header is
		 * readable: tell the sender (unless it was a reply). */
		struct mbox_msg_hdr h;
		memcpy(&h, s->rxbuf, sizeof(h));
		uint16_t type = le16toh(h.type), flags = le16toh(h.flags);
		uint32_t seq = le32toh(h.seq);
		LOG_WARN(s->mod, "malformed message skipped (type %#x seq %u, %zu bytes): %s",
			 type, seq, len, err);
		if ((flags & MBOX_F_BATCH) && s->rb.open) {
			s->rb.received++;
			rb_poison(s, EBADMSG, "member %u malformed: %s", s->rb.received, err);
		}
		if (!(flags & MBOX_F_REPLY))
			out_error(s, seq, type, r == -ENOMSG ? ENOSYS : EBADMSG, err);
		return;
	}
	if (m.type == MBOX_MSG_HELLO) {
		on_hello(s, &m);
		return;
	}
	if (m.type == MBOX_MSG_HELLO_REPLY) {
		on_hello_reply(s, &m);
		return;
	}
	if (m.type == MBOX_MSG_HEARTBEAT) {
		on_heartbeat(s, &m);
		return;
	}
	if ((m.flags & MBOX_F_REPLY) || m.type == MBOX_MSG_ACK || m.type == MBOX_MSG_ERROR) {
		on_reply(s, &m);
		return;
	}
	if (!s->up) {
		out_error(s, m.seq, m.type, ENOTCONN, "no session: say HELLO first");
		return;
	}
	switch (m.type) {
	case MBOX_MSG_BATCH_BEGIN:
	case MBOX_MSG_BATCH_COMMIT:
	case MBOX_MSG_BATCH_ABORT:
		on_batch_ctl(s, &m);
		return;
	default:
		break;
	}
	if (m.flags & MBOX_F_BATCH) {
		if (!s->rb.open) {
			out_error(s, m.seq, m.type, EPROTO, "batch member outside a batch");
			return;
		}
		rb_add(s, s->rxbuf, len);
		return;
	}
	on_app_message(s, &m);
}

/* Receive up to `budget` messages; the first waits up to wait_first_ms.
 * Returns how many were handled, or -EIO / -EPIPE. */
static int drain(struct mbox_session *s, int budget, int wait_first_ms)
{
	int n = 0;
	for (int i = 0; i < budget; i++) {
		if (s->out_len >= SESS_OUT_CAP)
			break; /* let the queue go out first */
		int r = mbox_recv(s->mb, s->rxbuf, s->max_msg, i == 0 ? wait_first_ms : 0);
		if (r > 0) {
			dispatch(s, (size_t)r);
			n++;
			continue;
		}
		if (r == -EAGAIN)
			break;
		if (r == -EBADMSG) {
			/* mbox.c consumed and logged the bad slot. */
			s->st.bad_msgs++;
			n++;
			continue;
		}
		if (r == -EPIPE) {
			on_epipe(s);
			return n ? n : -EPIPE;
		}
		if (r == -EIO) {
			LOG_ERR(s->mod, "mailbox ring corrupt while receiving: the mailbox must be reopened");
			s->fatal = -EIO;
			return -EIO;
		}
		LOG_ERR(s->mod, "mbox_recv: %s", strerror(-r));
		return r;
	}
	return n;
}

/* ---- timers ------------------------------------------------------------- */

static void tick(struct mbox_session *s)
{
	uint64_t now = dfn_now_ms();
	char why[160];

	if (s->role == MBOX_HOST) {
		uint64_t re = mbox_region_epoch(s->mb), oe = mbox_open_epoch(s->mb);
		if (re != oe) {
			snprintf(why, sizeof(why),
				 "the NIC re-created the mailbox (epoch %016" PRIx64 " -> %016" PRIx64 ")",
				 oe, re);
			if (s->up)
				peer_lost(s, why);
			int r = mbox_reattach(s->mb);
			if (r == 0) {
				LOG_INFO(s->mod, "%s: reattached", why);
				out_clear(s); /* the old rings are gone */
				rb_drop(s, "mailbox re-created");
				s->hello_inflight = 0;
				s->nego_failed = 0;
				s->peer_closed = 0;
				s->reattach_failed_logged = 0;
			} else if (!s->reattach_failed_logged) {
				s->reattach_failed_logged = 1;
				LOG_WARN(s->mod, "%s; reattach failed for now (%s), retrying",
					 why, strerror(-r));
			}
		}
	}

	uint32_t ps = mbox_peer_state(s->mb);
	if (ps == MBOX_SIDE_CLOSED)
		peer_closed_now(s);
	else if (ps == MBOX_SIDE_ALIVE && s->peer_closed) {
		s->peer_closed = 0;
		LOG_INFO(s->mod, "the peer is attached again");
	}

	if (s->up && now - s->last_rx_ms >= loss_ms(s)) {
		snprintf(why, sizeof(why), "no message for %" PRIu64 " ms (%u x %u ms heartbeat)",
			 now - s->last_rx_ms, s->miss_limit, s->peer_hb_ms);
		peer_lost(s, why);
	}

	if (s->role == MBOX_HOST && !s->up && !s->peer_closed && ps == MBOX_SIDE_ALIVE) {
		if (!s->hello_inflight && !s->nego_failed) {
			send_hello(s);
		} else if (now - s->hello_sent_ms >= s->hello_retry_ms && !s->out_head) {
			/* (Not while the last HELLO still waits for ring credit:
			 * a dead NIC's full ring must not grow our queue.) */
			if (s->hello_inflight && !s->hello_waiting_logged) {
				s->hello_waiting_logged = 1;
				LOG_INFO(s->mod, "no answer to HELLO after %" PRIu64 " ms; the NIC "
					 "may be gone, asking again", now - s->hello_sent_ms);
			}
			send_hello(s);
		}
	}

	if (s->up && now >= s->next_hb_ms) {
		send_heartbeat(s);
		s->next_hb_ms = now + s->hb_ms;
	}
}

/* Milliseconds until the next timer, never more than one interval (the
 * host also has to look at the region now and then). */
static int next_wait(const struct mbox_session *s, int timeout_ms)
{
	uint64_t now = dfn_now_ms();
	uint64_t w = s->hb_ms;
	if (s->up) {
		w = s->next_hb_ms > now ? DFN_MIN(w, s->next_hb_ms - now) : 0;
		uint64_t dl = s->last_rx_ms + loss_ms(s);
		w = dl > now ? DFN_MIN(w, dl - now) : 0;
	} else if (s->role == MBOX_HOST && s->hello_inflight) {
		uint64_t dl = s->hello_sent_ms + s->hello_retry_ms;
		w = dl > now ? DFN_MIN(w, dl - now) : 0;
	}
	if (s->out_head)
		w = DFN_MIN(w, (uint64_t)SESS_CREDIT_SLICE_MS);
	if (timeout_ms >= 0)
		w = DFN_MIN(w, (uint64_t)timeout_ms);
	return (int)w;
}

static int poll_once(struct mbox_session *s, int timeout_ms)
{
	if (s->fatal)
		return s->fatal;
	tick(s);
	int r = flush(s, 0);
	if (r == -EIO)
		return r;
	int wait = next_wait(s, timeout_ms);
	r = drain(s, SESS_RX_BUDGET, wait);
	if (r == -EIO)
		return r;
	if (r == -EPIPE && !region_changed(s))
		sleep_ms(wait); /* nothing can arrive: sleep, do not spin */
	tick(s);
	r = flush(s, 0);
	if (r == -EIO)
		return r;
	return 0;
}

/* ---- public API --------------------------------------------------------- */

int mbox_session_create(struct mbox *mb, const struct mbox_session_cfg *cfg,
			const struct mbox_session_cbs *cbs, void *arg,
			struct mbox_session **out)
{
	if (!mb || !cfg || !out || (cfg->role != MBOX_HOST && cfg->role != MBOX_NIC))
		return -EINVAL;
	struct mbox_session *s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->mb = mb;
	s->role = cfg->role;
	s->mod = cfg->role == MBOX_HOST ? "session/host" : "session/nic";
	s->hb_ms = cfg->heartbeat_ms ? cfg->heartbeat_ms : CONFIG_MBOX_HEARTBEAT_MS;
	s->miss_limit = cfg->miss_limit ? cfg->miss_limit : 3;
	s->min_version = cfg->min_version ? cfg->min_version : MBOX_PROTO_MIN;
	s->max_version = cfg->max_version ? cfg->max_version : MBOX_PROTO_MAX;
	s->caps = cfg->caps ? cfg->caps : MBOX_CAP_ALL;
	if (s->min_version > s->max_version) {
		free(s);
		return -EINVAL;
	}
	snprintf(s->name, sizeof(s->name), "%s", cfg->name ? cfg->name : "dfnic");
	if (cbs)
		s->cbs = *cbs;
	s->arg = arg;
	s->epoch = cfg->epoch ? cfg->epoch : dfn_random64();
	if (!s->epoch)
		s->epoch = 1; /* 0 means "unknown" to the peer */
	s->max_msg = mbox_max_msg(mb);
	s->rxbuf = malloc(s->max_msg);
	if (!s->rxbuf)
		goto free_session;
	s->txbuf = malloc(s->max_msg);
	if (!s->txbuf)
		goto free_rxbuf;
	s->next_seq = 1;
	s->next_batch_id = 1;
	*out = s;
	return 0;

free_rxbuf:
	free(s->rxbuf);
free_session:
	free(s);
	return -ENOMEM;
}

void mbox_session_destroy(struct mbox_session *s)
{
	if (!s)
		return;
	out_clear(s);
	rb_free(s);
	free(s->txbuf);
	free(s->rxbuf);
	free(s);
}

int mbox_session_poll(struct mbox_session *s, int timeout_ms)
{
	return poll_once(s, timeout_ms);
}

int mbox_session_is_up(const struct mbox_session *s) { return s->up; }
uint16_t mbox_session_version(const struct mbox_session *s) { return s->version; }
uint64_t mbox_session_caps(const struct mbox_session *s) { return s->neg_caps; }
uint64_t mbox_session_epoch(const struct mbox_session *s) { return s->epoch; }
uint64_t mbox_session_peer_epoch(const struct mbox_session *s)
{
	return s->have_peer ? s->peer_epoch : 0;
}
const struct mbox_hello *mbox_session_peer(const struct mbox_session *s)
{
	return s->have_peer ? &s->peer : NULL;
}

void mbox_session_get_stats(const struct mbox_session *s, struct mbox_session_stats *st)
{
	*st = s->st;
}

/* Wait for the reply to s->wait_seq until `deadline` (ms). */
static int wait_reply(struct mbox_session *s, uint64_t deadline, uint64_t downs,
		      char *err, size_t errlen)
{
	int rc;
	for (;;) {
		if (s->wait_done) {
			rc = s->wait_rc;
			if (rc && err && errlen)
				snprintf(err, errlen, "%s", s->wait_err);
			break;
		}
		if (s->st.peer_downs != downs || !s->up) {
			rc = -ENOTCONN;
			if (err && errlen)
				snprintf(err, errlen, "the peer went away before answering");
			break;
		}
		uint64_t now = dfn_now_ms();
		if (now >= deadline) {
			rc = -ETIMEDOUT;
			if (err && errlen)
				snprintf(err, errlen, "no reply in time");
			break;
		}
		uint64_t rem = deadline - now;
		int r = poll_once(s, (int)DFN_MIN(rem, (uint64_t)INT_MAX));
		if (r < 0) {
			rc = r;
			break;
		}
	}
	s->waiting = 0;
	return rc;
}

static int check_caller(const struct mbox_session *s)
{
	if (s->in_cb || s->in_flush)
		return -EDEADLK;
	if (s->waiting)
		return -EBUSY;
	if (s->fatal)
		return s->fatal;
	if (!s->up)
		return -ENOTCONN;
	return 0;
}

static uint64_t deadline_of(int timeout_ms)
{
	return timeout_ms < 0 ? UINT64_MAX : dfn_now_ms() + (uint64_t)timeout_ms;
}

static int remaining(uint64_t deadline)
{
	if (deadline == UINT64_MAX)
		return -1;
	uint64_t now = dfn_now_ms();
	return now >= deadline ? 0 : (int)DFN_MIN(deadline - now, (uint64_t)INT_MAX);
}

/* Queues msg, flushes and waits until deadline for its reply (a request,
 * or a batch's commit); downs: the peer-down count when the caller began. */
static int send_wait(struct mbox_session *s, const struct mbox_msg *msg, uint64_t deadline,
		     uint64_t downs, char *err, size_t errlen)
{
	uint32_t seq;
	int r = out_new(s, msg, &seq, NULL);
	if (r < 0)
		return r;
	s->waiting = 1;
	s->wait_seq = seq;
	s->wait_done = 0;
	r = flush(s, remaining(deadline));
	if (r < 0 && r != -EAGAIN) {
		s->waiting = 0;
		return r;
	}
	return wait_reply(s, deadline, downs, err, errlen);
}

int mbox_session_request(struct mbox_session *s, const struct mbox_msg *msg,
			 int timeout_ms, char *err, size_t errlen)
{
	if (err && errlen)
		err[0] = '\0';
	int r = check_caller(s);
	if (r < 0)
		return r;
	if (msg->flags & (MBOX_F_REPLY | MBOX_F_BATCH))
		return -EINVAL;
	uint64_t deadline = deadline_of(timeout_ms);
	uint64_t downs = s->st.peer_downs;
	return send_wait(s, msg, deadline, downs, err, errlen);
}

int mbox_session_send(struct mbox_session *s, const struct mbox_msg *msg, int timeout_ms)
{
	if (s->fatal)
		return s->fatal;
	if (!s->up)
		return -ENOTCONN;
	if (msg->flags & MBOX_F_REPLY)
		return -EINVAL;
	struct sess_out *node;
	int r = out_new(s, msg, NULL, &node);
	if (r < 0)
		return r;
	if (s->in_flush || s->in_cb)
		return 0; /* goes out with the flush on the stack / after the callback */
	r = flush(s, timeout_ms);
	if (r != -EAGAIN)
		return r;
	/* Still queued after the wait: withdraw it so the caller knows it
	 * was not sent (earlier messages stay queued, in order). */
	for (struct sess_out **pp = &s->out_head, *prev = NULL; *pp; prev = *pp, pp = &(*pp)->next) {
		if (*pp != node)
			continue;
		*pp = node->next;
		if (s->out_tail == node)
			s->out_tail = prev;
		s->out_len--;
		free(node);
		return -EAGAIN;
	}
	return 0; /* it left after all */
}

int mbox_session_send_batch(struct mbox_session *s, const struct mbox_msg *msgs,
			    unsigned n, int timeout_ms, char *err, size_t errlen)
{
	if (err && errlen)
		err[0] = '\0';
	int r = check_caller(s);
	if (r < 0)
		return r;
	if (!(s->neg_caps & MBOX_CAP_BATCH))
		return -EOPNOTSUPP;
	for (unsigned i = 0; i < n; i++) {
		switch (msgs[i].type) {
		case MBOX_MSG_HELLO: case MBOX_MSG_HELLO_REPLY: case MBOX_MSG_ACK:
		case MBOX_MSG_ERROR: case MBOX_MSG_HEARTBEAT: case MBOX_MSG_BATCH_BEGIN:
		case MBOX_MSG_BATCH_COMMIT: case MBOX_MSG_BATCH_ABORT:
			return -EINVAL; /* protocol messages cannot be members */
		default:
			break;
		}
		if (msgs[i].flags & MBOX_F_REPLY)
			return -EINVAL;
	}
	uint64_t deadline = deadline_of(timeout_ms);
	uint64_t downs = s->st.peer_downs;
	uint32_t id = s->next_batch_id++;
	struct mbox_msg ctl = { .type = MBOX_MSG_BATCH_BEGIN };
	ctl.u.batch.batch_id = id;
	r = out_new(s, &ctl, NULL, NULL);
	for (unsigned i = 0; i < n && r == 0; i++) {
		struct mbox_msg m = msgs[i];
		m.flags |= MBOX_F_BATCH;
		r = out_new(s, &m, NULL, NULL);
		/* Keep the queue short: push as we go (receiving meanwhile). */
		if (r == 0 && s->out_len >= 256) {
			r = flush(s, remaining(deadline));
			if (r == 0 && (s->st.peer_downs != downs || !s->up))
				r = -ENOTCONN;
		}
	}
	if (r < 0) {
		if (r == -EAGAIN)
			r = -ETIMEDOUT;
		if (s->up && r != -EIO) {
			/* Tell the peer to discard what it got. */
			ctl.type = MBOX_MSG_BATCH_ABORT;
			out_new(s, &ctl, NULL, NULL);
			flush(s, 0);
		}
		if (err && errlen)
			snprintf(err, errlen, "batch %u not sent: %s", id, strerror(-r));
		return r;
	}
	ctl.type = MBOX_MSG_BATCH_COMMIT;
	ctl.u.batch.count = n;
	return send_wait(s, &ctl, deadline, downs, err, errlen);
}
