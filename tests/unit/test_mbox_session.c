/* tests/unit/test_mbox_session.c: the mailbox protocol engine
 * (drivers/mbox/session.c) over the in-process loopback transport, and the
 * firmware's all-or-nothing object mirror (firmware/mirror.c).
 *
 * Each session test opens a fresh "loop:" mailbox. The NIC side usually
 * runs in a background thread polling its session (like the firmware), the
 * host side in the test thread (like hostd); asserts are only made from
 * the test thread, on atomics or after the NIC thread was joined. Raw
 * messages are injected with mbox_send() to play a misbehaving or
 * restarting peer. */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "drivers/base/log.h"
#include "drivers/base/util.h"
#include "drivers/mbox/codec.h"
#include "drivers/mbox/mbox.h"
#include "drivers/mbox/objects.h"
#include "drivers/mbox/session.h"
#include "firmware/mirror.h"
#include "tests/unit/unit.h"

#define REC_MAX 512

/* One end of a test mailbox and what its callbacks saw. */
struct side {
	struct mbox *mb;               /* the mailbox */
	struct mbox_session *s;        /* its session */
	struct mbox_session_cfg cfg;   /* how the session was made */
	atomic_int ups;                /* peer_up calls */
	atomic_int downs;              /* peer_down calls */
	atomic_int last_resync;        /* resync flag of the last peer_up */
	atomic_int dropped_at_up;      /* batches_dropped at the last peer_up */
	atomic_int batches;            /* apply_batch successes */
	atomic_int refused;            /* apply_batch refusals */
	atomic_int msgs;               /* message callbacks */
	atomic_int statuses;           /* OBJ_STATUS received */
	unsigned refuse_over;          /* apply_batch refuses n > this (0: never) */
	unsigned rec_n;                /* members of the last applied batch */
	uint32_t rec_ids[REC_MAX];     /* their ids */
	uint32_t rec_body0[REC_MAX];   /* first 4 body bytes of each */
	unsigned events;               /* OBJ_STATUS events the thread sends once up */
	atomic_int events_rc;          /* 1 + rc of the last event send */
	pthread_t thr;                 /* background poller */
	atomic_int run;                /* poller keeps going while set */
};

static int uri_counter;
static char uri[64];

static void new_uri(void)
{
	snprintf(uri, sizeof(uri), "loop:sess-test-%d", ++uri_counter);
}

static void cb_up(void *arg, const struct mbox_hello *peer, int resync)
{
	struct side *d = arg;
	struct mbox_session_stats st;
	mbox_session_get_stats(d->s, &st);
	atomic_store(&d->dropped_at_up, (int)st.batches_dropped);
	atomic_store(&d->last_resync, resync);
	atomic_fetch_add(&d->ups, 1);
}

static void cb_down(void *arg, const char *why)
{
	struct side *d = arg;
	atomic_fetch_add(&d->downs, 1);
}

static int cb_batch(void *arg, const struct mbox_msg *msgs, unsigned n, char *err, size_t errlen)
{
	struct side *d = arg;
	if (d->refuse_over && n > d->refuse_over) {
		snprintf(err, errlen, "no room for %u objects", n);
		atomic_fetch_add(&d->refused, 1);
		return -ENOSPC;
	}
	d->rec_n = n;
	for (unsigned i = 0; i < n && i < REC_MAX; i++) {
		d->rec_ids[i] = msgs[i].u.obj.id;
		d->rec_body0[i] = 0;
		if (msgs[i].u.obj.body_len >= 4)
			memcpy(&d->rec_body0[i], msgs[i].u.obj.body, 4);
	}
	atomic_fetch_add(&d->batches, 1);
	return 0;
}

static int cb_msg(void *arg, const struct mbox_msg *m, char *err, size_t errlen)
{
	struct side *d = arg;
	atomic_fetch_add(&d->msgs, 1);
	if (m->type == MBOX_MSG_OBJ_STATUS) {
		atomic_fetch_add(&d->statuses, 1);
		return 0;
	}
	if (m->type == MBOX_MSG_OBJ_SET && m->u.obj.id == 13) {
		snprintf(err, errlen, "object 13 is unlucky");
		return -EINVAL;
	}
	if (m->type == MBOX_MSG_OBJ_SET && m->u.obj.id == 7) {
		/* An unsolicited event queued ahead of the ACK: the host must
		 * still match the ACK to its request by sequence. */
		struct mbox_msg ev = { .type = MBOX_MSG_OBJ_STATUS };
		ev.u.obj.kind = m->u.obj.kind;
		ev.u.obj.id = 7;
		ev.u.obj.status = 1;
		int r = mbox_session_send(d->s, &ev, 100);
		if (r)
			return r;
	}
	return 0;
}

static const struct mbox_session_cbs cbs = {
	.peer_up = cb_up,
	.peer_down = cb_down,
	.apply_batch = cb_batch,
	.message = cb_msg,
};

static int side_session(struct side *d, enum mbox_role role, uint32_t hb_ms)
{
	if (!d->cfg.heartbeat_ms)
		d->cfg.heartbeat_ms = hb_ms ? hb_ms : 50;
	d->cfg.role = role;
	d->cfg.name = role == MBOX_HOST ? "test-host" : "test-nic";
	return mbox_session_create(d->mb, &d->cfg, &cbs, d, &d->s);
}

/* Open both ends of a new loop mailbox and their sessions. */
static int open_pair(struct side *nic, struct side *host, const struct mbox_params *p)
{
	new_uri();
	int r = mbox_open(uri, MBOX_NIC, p, &nic->mb);
	if (r)
		return r;
	r = mbox_open(uri, MBOX_HOST, NULL, &host->mb);
	if (r)
		return r;
	r = side_session(nic, MBOX_NIC, 0);
	if (r)
		return r;
	return side_session(host, MBOX_HOST, 0);
}

static void close_side(struct side *d)
{
	mbox_session_destroy(d->s);
	d->s = NULL;
	mbox_close(d->mb);
	d->mb = NULL;
}

static void *poller(void *arg)
{
	struct side *d = arg;
	while (atomic_load(&d->run)) {
		if (mbox_session_poll(d->s, 5) < 0)
			break;
		if (d->events && mbox_session_is_up(d->s)) {
			int rc = 0;
			for (unsigned i = 0; i < d->events && rc == 0; i++) {
				struct mbox_msg ev = { .type = MBOX_MSG_OBJ_STATUS };
				ev.u.obj.kind = MBOX_OBJ_HOST_INFO;
				ev.u.obj.id = i;
				rc = mbox_session_send(d->s, &ev, 5000);
			}
			atomic_store(&d->events_rc, 1 + rc);
			d->events = 0;
		}
	}
	return NULL;
}

static void start(struct side *d)
{
	atomic_store(&d->run, 1);
	pthread_create(&d->thr, NULL, poller, d);
}

static void stop(struct side *d)
{
	atomic_store(&d->run, 0);
	pthread_join(d->thr, NULL);
}

/* Poll `d` (and `other` when not NULL) until cond() holds; elapsed ms or -1. */
static long pump_until(struct side *d, struct side *other, int (*cond)(void *), void *arg,
		       int timeout_ms)
{
	uint64_t t0 = dfn_now_ms();
	while (!cond(arg)) {
		if (dfn_now_ms() - t0 > (uint64_t)timeout_ms)
			return -1;
		mbox_session_poll(d->s, other ? 0 : 2);
		if (other)
			mbox_session_poll(other->s, 1);
	}
	return (long)(dfn_now_ms() - t0);
}

static void sleep_ms_test(int ms)
{
	struct timespec ts = { 0, ms * 1000000L };
	nanosleep(&ts, NULL);
}

static int is_up(void *arg) { return mbox_session_is_up(((struct side *)arg)->s); }
static int is_down(void *arg) { return !mbox_session_is_up(((struct side *)arg)->s); }
static int had_down(void *arg) { return atomic_load(&((struct side *)arg)->downs) > 0; }
static int two_ups(void *arg) { return atomic_load(&((struct side *)arg)->ups) >= 2; }

static void pump_ms(struct side *a, struct side *b, int ms)
{
	uint64_t t0 = dfn_now_ms();
	while (dfn_now_ms() - t0 < (uint64_t)ms) {
		mbox_session_poll(a->s, 1);
		if (b)
			mbox_session_poll(b->s, 1);
	}
}

/* Send raw bytes built from msg on a mailbox (bypassing any session). */
static int inject(struct mbox *mb, const struct mbox_msg *msg)
{
	uint8_t buf[512];
	int len = mbox_encode(msg, buf, sizeof(buf));
	if (len < 0)
		return len;
	return mbox_send(mb, buf, (size_t)len, 100);
}

static struct mbox_msg obj_set(uint32_t id, const struct mbox_host_info *hi, uint8_t *body)
{
	struct mbox_msg m = { .type = MBOX_MSG_OBJ_SET };
	m.u.obj.kind = MBOX_OBJ_HOST_INFO;
	m.u.obj.id = id;
	int len = mbox_encode_host_info(hi, body, sizeof(struct mbox_wire_host_info));
	m.u.obj.body = body;
	m.u.obj.body_len = len > 0 ? (uint32_t)len : 0;
	return m;
}

/* Log capture: tests provoking errors check what was said. */
struct logcap {
	char text[8192]; /* lines joined by '\n' */
	size_t len;      /* bytes used */
};
static pthread_mutex_t cap_lock = PTHREAD_MUTEX_INITIALIZER;
static void cap_hook(enum dfn_log_level lvl, const char *line, void *arg)
{
	struct logcap *c = arg;
	pthread_mutex_lock(&cap_lock);
	int n = snprintf(c->text + c->len, sizeof(c->text) - c->len, "%d:%s\n", (int)lvl, line);
	if (n > 0 && c->len + (size_t)n < sizeof(c->text))
		c->len += (size_t)n;
	pthread_mutex_unlock(&cap_lock);
}
static void cap_start(struct logcap *c)
{
	memset(c, 0, sizeof(*c));
	dfn_log_set_hook(cap_hook, c);
	dfn_log_set_quiet(1);
}
static void cap_stop(void)
{
	dfn_log_set_quiet(0);
	dfn_log_set_hook(NULL, NULL);
}
static int cap_has(struct logcap *c, const char *needle)
{
	pthread_mutex_lock(&cap_lock);
	int r = strstr(c->text, needle) != NULL;
	pthread_mutex_unlock(&cap_lock);
	return r;
}

/* ---- tests -------------------------------------------------------------- */

static void test_negotiation(void)
{
	struct side nic = { 0 }, host = { 0 };
	CU_ASSERT_FATAL(open_pair(&nic, &host, NULL) == 0);
	CU_ASSERT(mbox_session_is_up(host.s) == 0);
	CU_ASSERT(pump_until(&host, &nic, is_up, &host, 2000) >= 0);
	CU_ASSERT(pump_until(&host, &nic, is_up, &nic, 2000) >= 0);
	CU_ASSERT_EQUAL(mbox_session_version(host.s), MBOX_PROTO_MAX);
	CU_ASSERT_EQUAL(mbox_session_version(nic.s), MBOX_PROTO_MAX);
	CU_ASSERT_EQUAL(mbox_session_caps(host.s), MBOX_CAP_ALL);
	CU_ASSERT_EQUAL(mbox_session_peer_epoch(host.s), mbox_session_epoch(nic.s));
	CU_ASSERT_EQUAL(mbox_session_peer_epoch(nic.s), mbox_session_epoch(host.s));
	CU_ASSERT_NOT_EQUAL(mbox_session_epoch(nic.s), mbox_session_epoch(host.s));
	CU_ASSERT_EQUAL(atomic_load(&host.ups), 1);
	CU_ASSERT_EQUAL(atomic_load(&nic.ups), 1);
	CU_ASSERT_EQUAL(atomic_load(&host.last_resync), 1);
	CU_ASSERT_EQUAL(atomic_load(&nic.last_resync), 1);
	const struct mbox_hello *p = mbox_session_peer(host.s);
	CU_ASSERT_FATAL(p != NULL);
	CU_ASSERT_STRING_EQUAL(p->name, "test-nic");
	CU_ASSERT_EQUAL(p->role, MBOX_ROLE_NIC);
	/* Heartbeats flow both ways and keep the session up. */
	pump_ms(&host, &nic, 200);
	struct mbox_session_stats hs, ns;
	mbox_session_get_stats(host.s, &hs);
	mbox_session_get_stats(nic.s, &ns);
	CU_ASSERT(hs.hb_received >= 2);
	CU_ASSERT(ns.hb_received >= 2);
	CU_ASSERT(hs.hb_sent >= 2);
	CU_ASSERT_EQUAL(hs.peer_downs, 0);
	CU_ASSERT_EQUAL(ns.peer_downs, 0);
	CU_ASSERT(mbox_session_is_up(host.s) && mbox_session_is_up(nic.s));
	close_side(&host);
	close_side(&nic);
}

/* Versions that do not overlap: no session, ERROR EPROTONOSUPPORT, a
 * clear log on both sides. Tried both ways round. */
static void mismatch_case(uint16_t hmin, uint16_t hmax, uint16_t nmin, uint16_t nmax)
{
	struct side nic = { 0 }, host = { 0 };
	struct logcap cap;
	host.cfg.min_version = hmin;
	host.cfg.max_version = hmax;
	nic.cfg.min_version = nmin;
	nic.cfg.max_version = nmax;
	cap_start(&cap);
	CU_ASSERT_FATAL(open_pair(&nic, &host, NULL) == 0);
	struct mbox_session_stats hs = { 0 }, ns = { 0 };
	uint64_t t0 = dfn_now_ms();
	while (dfn_now_ms() - t0 < 1000 && (hs.nego_failures == 0 || ns.nego_failures == 0)) {
		mbox_session_poll(host.s, 1);
		mbox_session_poll(nic.s, 1);
		mbox_session_get_stats(host.s, &hs);
		mbox_session_get_stats(nic.s, &ns);
	}
	pump_ms(&host, &nic, 100);
	cap_stop();
	mbox_session_get_stats(host.s, &hs);
	mbox_session_get_stats(nic.s, &ns);
	CU_ASSERT_EQUAL(hs.nego_failures, 1);
	CU_ASSERT_EQUAL(ns.nego_failures, 1);
	CU_ASSERT_EQUAL(hs.errors_rx, 1);
	CU_ASSERT(!mbox_session_is_up(host.s));
	CU_ASSERT(!mbox_session_is_up(nic.s));
	CU_ASSERT_EQUAL(atomic_load(&host.ups) + atomic_load(&nic.ups), 0);
	CU_ASSERT(cap_has(&cap, "no common protocol version"));
	CU_ASSERT(cap_has(&cap, "NIC refused our HELLO"));
	CU_ASSERT(cap_has(&cap, strerror(EPROTONOSUPPORT)));
	close_side(&host);
	close_side(&nic);
}

static void test_version_mismatch(void)
{
	mismatch_case(2, 3, 1, 1);
	mismatch_case(1, 1, 2, 2);
}

static void test_version_highest_common(void)
{
	struct side nic = { 0 }, host = { 0 };
	host.cfg.min_version = 1;
	host.cfg.max_version = 5;
	nic.cfg.min_version = 2;
	nic.cfg.max_version = 3;
	CU_ASSERT_FATAL(open_pair(&nic, &host, NULL) == 0);
	CU_ASSERT(pump_until(&host, &nic, is_up, &host, 2000) >= 0);
	CU_ASSERT_EQUAL(mbox_session_version(host.s), 3);
	CU_ASSERT_EQUAL(mbox_session_version(nic.s), 3);
	close_side(&host);
	close_side(&nic);
}

static void test_caps_intersection(void)
{
	struct side nic = { 0 }, host = { 0 };
	host.cfg.caps = MBOX_CAP_BATCH | MBOX_CAP_OBJ;
	nic.cfg.caps = MBOX_CAP_OBJ;
	CU_ASSERT_FATAL(open_pair(&nic, &host, NULL) == 0);
	CU_ASSERT(pump_until(&host, &nic, is_up, &host, 2000) >= 0);
	CU_ASSERT(pump_until(&host, &nic, is_up, &nic, 2000) >= 0);
	CU_ASSERT_EQUAL(mbox_session_caps(host.s), MBOX_CAP_OBJ);
	CU_ASSERT_EQUAL(mbox_session_caps(nic.s), MBOX_CAP_OBJ);
	struct mbox_host_info hi = { "h", "1" };
	uint8_t body[96];
	struct mbox_msg m = obj_set(1, &hi, body);
	char err[128];
	CU_ASSERT_EQUAL(mbox_session_send_batch(host.s, &m, 1, 100, err, sizeof(err)), -EOPNOTSUPP);
	close_side(&host);
	close_side(&nic);
}

static void test_request_reply(void)
{
	struct side nic = { 0 }, host = { 0 };
	char err[128];
	CU_ASSERT_FATAL(open_pair(&nic, &host, NULL) == 0);
	start(&nic);
	CU_ASSERT(pump_until(&host, NULL, is_up, &host, 2000) >= 0);
	struct mbox_host_info hi = { "node-1", "0.1.0" };
	uint8_t body[96];
	struct mbox_msg m = obj_set(1, &hi, body);
	CU_ASSERT_EQUAL(mbox_session_request(host.s, &m, 1000, err, sizeof(err)), 0);
	/* An ERROR reply: errno and text come back to the caller. */
	struct logcap cap;
	cap_start(&cap);
	m = obj_set(13, &hi, body);
	int r = mbox_session_request(host.s, &m, 1000, err, sizeof(err));
	cap_stop();
	CU_ASSERT_EQUAL(r, -EINVAL);
	CU_ASSERT_STRING_EQUAL(err, "object 13 is unlucky");
	/* An event sent before the ACK does not confuse the matching. */
	m = obj_set(7, &hi, body);
	CU_ASSERT_EQUAL(mbox_session_request(host.s, &m, 1000, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(atomic_load(&host.statuses), 1);
	struct mbox_session_stats hs;
	mbox_session_get_stats(host.s, &hs);
	CU_ASSERT_EQUAL(hs.errors_rx, 1);
	stop(&nic);
	CU_ASSERT_EQUAL(atomic_load(&nic.msgs), 3);
	close_side(&host);
	close_side(&nic);
}

static void test_request_timeout_and_notconn(void)
{
	struct side nic = { 0 }, host = { 0 };
	char err[128];
	host.cfg.heartbeat_ms = 1000; /* no loss during the test */
	nic.cfg.heartbeat_ms = 1000;
	CU_ASSERT_FATAL(open_pair(&nic, &host, NULL) == 0);
	struct mbox_host_info hi = { "node-1", "0.1.0" };
	uint8_t body[96];
	struct mbox_msg m = obj_set(1, &hi, body);
	CU_ASSERT_EQUAL(mbox_session_request(host.s, &m, 100, err, sizeof(err)), -ENOTCONN);
	CU_ASSERT(pump_until(&host, &nic, is_up, &host, 2000) >= 0);
	/* The NIC does not poll: no reply comes. */
	uint64_t t0 = dfn_now_ms();
	CU_ASSERT_EQUAL(mbox_session_request(host.s, &m, 100, err, sizeof(err)), -ETIMEDOUT);
	uint64_t el = dfn_now_ms() - t0;
	CU_ASSERT(el >= 100 && el < 400);
	close_side(&host);
	close_side(&nic);
}

static void test_batch_applied_whole(void)
{
	struct side nic = { 0 }, host = { 0 };
	char err[128];
	/* A ring of 8 slots and a batch of 300: flow control, not loss. */
	struct mbox_params p = { .slot_count = 8 };
	CU_ASSERT_FATAL(open_pair(&nic, &host, &p) == 0);
	start(&nic);
	CU_ASSERT(pump_until(&host, NULL, is_up, &host, 2000) >= 0);
	enum { N = 300 };
	static struct mbox_msg msgs[N];
	static uint8_t bodies[N][96];
	static struct mbox_host_info hi[N];
	for (unsigned i = 0; i < N; i++) {
		snprintf(hi[i].hostname, sizeof(hi[i].hostname), "h%03u", i);
		snprintf(hi[i].version, sizeof(hi[i].version), "v%u", i);
		msgs[i] = obj_set(1000 + i, &hi[i], bodies[i]);
	}
	CU_ASSERT_EQUAL(mbox_session_send_batch(host.s, msgs, N, 5000, err, sizeof(err)), 0);
	stop(&nic);
	CU_ASSERT_EQUAL(atomic_load(&nic.batches), 1);
	CU_ASSERT_EQUAL(nic.rec_n, N);
	int order_ok = 1;
	for (unsigned i = 0; i < N; i++) {
		uint32_t want;
		memcpy(&want, bodies[i], 4);
		if (nic.rec_ids[i] != 1000 + i || nic.rec_body0[i] != want)
			order_ok = 0;
	}
	CU_ASSERT(order_ok);
	struct mbox_session_stats ns;
	mbox_session_get_stats(nic.s, &ns);
	CU_ASSERT_EQUAL(ns.batches_ok, 1);
	CU_ASSERT_EQUAL(ns.batches_failed, 0);
	CU_ASSERT_EQUAL(ns.batches_dropped, 0);
	struct mbox_stats ms;
	mbox_get_stats(host.mb, &ms);
	CU_ASSERT(ms.full_waits > 0); /* the ring really was full at times */
	close_side(&host);
	close_side(&nic);
}

static void test_batch_refused(void)
{
	struct side nic = { 0 }, host = { 0 };
	char err[128];
	nic.refuse_over = 2;
	CU_ASSERT_FATAL(open_pair(&nic, &host, NULL) == 0);
	start(&nic);
	CU_ASSERT(pump_until(&host, NULL, is_up, &host, 2000) >= 0);
	struct mbox_host_info hi = { "h", "1" };
	uint8_t body[3][96];
	struct mbox_msg msgs[3] = { obj_set(1, &hi, body[0]), obj_set(2, &hi, body[1]),
				    obj_set(3, &hi, body[2]) };
	struct logcap cap;
	cap_start(&cap);
	int r = mbox_session_send_batch(host.s, msgs, 3, 1000, err, sizeof(err));
	cap_stop();
	CU_ASSERT_EQUAL(r, -ENOSPC);
	CU_ASSERT_STRING_EQUAL(err, "no room for 3 objects");
	/* A smaller one still goes through afterwards. */
	CU_ASSERT_EQUAL(mbox_session_send_batch(host.s, msgs, 2, 1000, err, sizeof(err)), 0);
	stop(&nic);
	CU_ASSERT_EQUAL(atomic_load(&nic.refused), 1);
	CU_ASSERT_EQUAL(atomic_load(&nic.batches), 1);
	CU_ASSERT_EQUAL(nic.rec_n, 2);
	struct mbox_session_stats ns;
	mbox_session_get_stats(nic.s, &ns);
	CU_ASSERT_EQUAL(ns.batches_failed, 1);
	CU_ASSERT_EQUAL(ns.batches_ok, 1);
	close_side(&host);
	close_side(&nic);
}

/* COMMIT whose count disagrees with the members received, and a member
 * outside any batch: refused, nothing applied. */
static void test_batch_count_mismatch(void)
{
	struct side nic = { 0 }, host = { 0 };
	CU_ASSERT_FATAL(open_pair(&nic, &host, NULL) == 0);
	CU_ASSERT(pump_until(&host, &nic, is_up, &nic, 2000) >= 0);
	struct mbox_host_info hi = { "h", "1" };
	uint8_t body[96];
	struct mbox_msg b = { .type = MBOX_MSG_BATCH_BEGIN, .seq = 500 };
	b.u.batch.batch_id = 42;
	struct mbox_msg m = obj_set(1, &hi, body);
	m.flags = MBOX_F_BATCH;
	m.seq = 501;
	struct mbox_msg c = { .type = MBOX_MSG_BATCH_COMMIT, .seq = 502 };
	c.u.batch.batch_id = 42;
	c.u.batch.count = 2; /* only one sent */
	struct logcap cap;
	cap_start(&cap);
	CU_ASSERT_EQUAL(inject(host.mb, &b), 0);
	CU_ASSERT_EQUAL(inject(host.mb, &m), 0);
	CU_ASSERT_EQUAL(inject(host.mb, &c), 0);
	m.seq = 503; /* member with no batch open */
	CU_ASSERT_EQUAL(inject(host.mb, &m), 0);
	pump_ms(&nic, &host, 100);
	cap_stop();
	struct mbox_session_stats ns, hs;
	mbox_session_get_stats(nic.s, &ns);
	mbox_session_get_stats(host.s, &hs);
	CU_ASSERT_EQUAL(atomic_load(&nic.batches), 0);
	CU_ASSERT_EQUAL(ns.batches_failed, 1);
	CU_ASSERT(cap_has(&cap, "member count mismatch: COMMIT says 2, 1 received"));
	CU_ASSERT(cap_has(&cap, "batch member outside a batch"));
	CU_ASSERT_EQUAL(hs.errors_rx, 2);
	CU_ASSERT(mbox_session_is_up(nic.s));
	close_side(&host);
	close_side(&nic);
}

/* A batch cut short by the host restarting (new epoch) is dropped; the
 * new host's batch then applies alone. */
static void test_batch_cut_by_restart(void)
{
	struct side nic = { 0 }, host = { 0 };
	char err[128];
	CU_ASSERT_FATAL(open_pair(&nic, &host, NULL) == 0);
	start(&nic);
	CU_ASSERT(pump_until(&host, NULL, is_up, &host, 2000) >= 0);
	struct mbox_host_info hi = { "old", "1" };
	uint8_t body[96];
	struct mbox_msg b = { .type = MBOX_MSG_BATCH_BEGIN, .seq = 900 };
	b.u.batch.batch_id = 9;
	struct mbox_msg m = obj_set(77, &hi, body);
	m.flags = MBOX_F_BATCH;
	m.seq = 901;
	struct logcap cap;
	cap_start(&cap);
	CU_ASSERT_EQUAL(inject(host.mb, &b), 0);
	CU_ASSERT_EQUAL(inject(host.mb, &m), 0);
	m.seq = 902;
	CU_ASSERT_EQUAL(inject(host.mb, &m), 0);
	/* The host "restarts": same mailbox, new session, new epoch. */
	uint64_t old_epoch = mbox_session_epoch(host.s);
	mbox_session_destroy(host.s);
	host.s = NULL;
	atomic_store(&host.ups, 0);
	CU_ASSERT_FATAL(side_session(&host, MBOX_HOST, 0) == 0);
	CU_ASSERT(mbox_session_epoch(host.s) != old_epoch);
	CU_ASSERT(pump_until(&host, NULL, is_up, &host, 2000) >= 0);
	/* Dropped when the new host said HELLO, not later. */
	CU_ASSERT_EQUAL(atomic_load(&nic.dropped_at_up), 1);
	struct mbox_host_info hi2 = { "new", "2" };
	struct mbox_msg m2 = obj_set(5, &hi2, body);
	CU_ASSERT_EQUAL(mbox_session_send_batch(host.s, &m2, 1, 1000, err, sizeof(err)), 0);
	stop(&nic);
	cap_stop();
	CU_ASSERT_EQUAL(atomic_load(&nic.batches), 1);
	CU_ASSERT_EQUAL(nic.rec_n, 1);
	CU_ASSERT_EQUAL(nic.rec_ids[0], 5);
	CU_ASSERT_EQUAL(atomic_load(&nic.ups), 2);
	CU_ASSERT_EQUAL(atomic_load(&nic.last_resync), 1);
	struct mbox_session_stats ns;
	mbox_session_get_stats(nic.s, &ns);
	CU_ASSERT_EQUAL(ns.batches_dropped, 1);
	CU_ASSERT(cap_has(&cap, "batch 9 dropped"));
	CU_ASSERT(cap_has(&cap, "host restarted"));
	close_side(&host);
	close_side(&nic);
}

static void test_batch_abort_and_new_begin(void)
{
	struct side nic = { 0 }, host = { 0 };
	CU_ASSERT_FATAL(open_pair(&nic, &host, NULL) == 0);
	CU_ASSERT(pump_until(&host, &nic, is_up, &nic, 2000) >= 0);
	struct mbox_host_info hi = { "h", "1" };
	uint8_t body[96];
	struct mbox_msg b = { .type = MBOX_MSG_BATCH_BEGIN, .seq = 600 };
	struct mbox_msg m = obj_set(1, &hi, body);
	m.flags = MBOX_F_BATCH;
	struct mbox_msg a = { .type = MBOX_MSG_BATCH_ABORT, .seq = 610 };
	struct logcap cap;
	cap_start(&cap);
	b.u.batch.batch_id = 1;
	inject(host.mb, &b);
	inject(host.mb, &m);
	a.u.batch.batch_id = 1;
	inject(host.mb, &a);       /* batch 1: aborted */
	b.u.batch.batch_id = 2;
	inject(host.mb, &b);
	inject(host.mb, &m);
	b.u.batch.batch_id = 3;    /* batch 2: cut by a new BEGIN */
	inject(host.mb, &b);
	inject(host.mb, &m);
	struct mbox_msg c = { .type = MBOX_MSG_BATCH_COMMIT, .seq = 620 };
	c.u.batch.batch_id = 3;
	c.u.batch.count = 1;
	inject(host.mb, &c);       /* batch 3: applied */
	pump_ms(&nic, &host, 100);
	cap_stop();
	struct mbox_session_stats ns;
	mbox_session_get_stats(nic.s, &ns);
	CU_ASSERT_EQUAL(ns.batches_dropped, 2);
	CU_ASSERT_EQUAL(ns.batches_ok, 1);
	CU_ASSERT_EQUAL(atomic_load(&nic.batches), 1);
	CU_ASSERT_EQUAL(nic.rec_n, 1);
	CU_ASSERT(cap_has(&cap, "aborted by the sender"));
	CU_ASSERT(cap_has(&cap, "interrupted by BEGIN of batch 3"));
	close_side(&host);
	close_side(&nic);
}

static void test_heartbeat_loss(void)
{
	struct side nic = { 0 }, host = { 0 };
	enum { HB = 30, MISS = 3 };
	host.cfg.heartbeat_ms = HB;
	nic.cfg.heartbeat_ms = HB;
	host.cfg.miss_limit = MISS;
	nic.cfg.miss_limit = MISS;
	CU_ASSERT_FATAL(open_pair(&nic, &host, NULL) == 0);
	start(&nic);
	CU_ASSERT(pump_until(&host, NULL, is_up, &host, 2000) >= 0);
	pump_ms(&host, NULL, 3 * HB); /* steady state */
	CU_ASSERT(mbox_session_is_up(host.s));
	struct logcap cap;
	cap_start(&cap);
	stop(&nic); /* the NIC freezes: no more heartbeats */
	long el = pump_until(&host, NULL, had_down, &host, 2000);
	/* Its last message came at most one interval before the freeze. */
	CU_ASSERT(el >= (MISS - 1) * HB - 5);
	CU_ASSERT(el <= MISS * HB + 40);
	CU_ASSERT(!mbox_session_is_up(host.s));
	CU_ASSERT(cap_has(&cap, "peer down: no message for"));
	/* Both poll again: the same peers come back, no resync needed. */
	CU_ASSERT(pump_until(&host, &nic, is_up, &host, 2000) >= 0);
	CU_ASSERT(pump_until(&host, &nic, is_up, &nic, 2000) >= 0);
	CU_ASSERT_EQUAL(atomic_load(&host.last_resync), 0);
	CU_ASSERT_EQUAL(atomic_load(&nic.last_resync), 0);
	/* Now the host freezes: the NIC (polling on its own) notices. */
	int base = atomic_load(&nic.downs);
	start(&nic);
	uint64_t t0 = dfn_now_ms();
	while (atomic_load(&nic.downs) == base && dfn_now_ms() - t0 < 2000)
		sleep_ms_test(1);
	el = (long)(dfn_now_ms() - t0);
	stop(&nic);
	cap_stop();
	CU_ASSERT(atomic_load(&nic.downs) == base + 1);
	CU_ASSERT(el >= (MISS - 1) * HB - 5);
	CU_ASSERT(el <= MISS * HB + 40);
	close_side(&host);
	close_side(&nic);
}

/* The NIC's session restarts on the same region (new epoch): the host
 * finds out at the next heartbeat and resyncs; the same epoch back means
 * no resync. */
static void test_epoch_change_resync(void)
{
	struct side nic = { 0 }, host = { 0 };
	CU_ASSERT_FATAL(open_pair(&nic, &host, NULL) == 0);
	CU_ASSERT(pump_until(&host, &nic, is_up, &host, 2000) >= 0);
	uint64_t e1 = mbox_session_epoch(nic.s);
	struct logcap cap;
	cap_start(&cap);
	mbox_session_destroy(nic.s);
	nic.s = NULL;
	CU_ASSERT_FATAL(side_session(&nic, MBOX_NIC, 0) == 0);
	uint64_t e2 = mbox_session_epoch(nic.s);
	CU_ASSERT(e2 != e1);
	CU_ASSERT(pump_until(&host, &nic, two_ups, &host, 2000) >= 0);
	CU_ASSERT_EQUAL(atomic_load(&host.last_resync), 1);
	CU_ASSERT_EQUAL(mbox_session_peer_epoch(host.s), e2);
	CU_ASSERT_EQUAL(atomic_load(&host.downs), 1);
	/* Same epoch again (a session re-made with it): no resync. */
	mbox_session_destroy(nic.s);
	nic.s = NULL;
	nic.cfg.epoch = e2;
	CU_ASSERT_FATAL(side_session(&nic, MBOX_NIC, 0) == 0);
	atomic_store(&host.ups, 1);
	CU_ASSERT(pump_until(&host, &nic, two_ups, &host, 2000) >= 0);
	CU_ASSERT_EQUAL(atomic_load(&host.last_resync), 0);
	cap_stop();
	struct mbox_session_stats hs;
	mbox_session_get_stats(host.s, &hs);
	CU_ASSERT_EQUAL(hs.resyncs, 2); /* first contact + e1 -> e2 */
	close_side(&host);
	close_side(&nic);
}

/* The NIC re-creates the region (as a restarted firmware does): the host
 * sees mbox_region_epoch() move, reattaches and resyncs. */
static void test_region_recreated(void)
{
	struct side nic = { 0 }, host = { 0 };
	CU_ASSERT_FATAL(open_pair(&nic, &host, NULL) == 0);
	CU_ASSERT(pump_until(&host, &nic, is_up, &host, 2000) >= 0);
	struct logcap cap;
	cap_start(&cap);
	close_side(&nic);
	CU_ASSERT_FATAL(mbox_open(uri, MBOX_NIC, NULL, &nic.mb) == 0);
	nic.cfg.epoch = mbox_open_epoch(nic.mb);
	CU_ASSERT_FATAL(side_session(&nic, MBOX_NIC, 0) == 0);
	CU_ASSERT(mbox_region_epoch(host.mb) != mbox_open_epoch(host.mb));
	CU_ASSERT(pump_until(&host, &nic, two_ups, &host, 2000) >= 0);
	cap_stop();
	CU_ASSERT_EQUAL(atomic_load(&host.last_resync), 1);
	CU_ASSERT_EQUAL(mbox_session_peer_epoch(host.s), mbox_open_epoch(nic.mb));
	CU_ASSERT_EQUAL(mbox_open_epoch(host.mb), mbox_open_epoch(nic.mb));
	CU_ASSERT(cap_has(&cap, "re-created the mailbox"));
	close_side(&host);
	close_side(&nic);
}

/* The peer closes its side on purpose: peer_down at once, not after the
 * heartbeat window. */
static void test_peer_closed(void)
{
	struct side nic = { 0 }, host = { 0 };
	host.cfg.heartbeat_ms = 1000;
	nic.cfg.heartbeat_ms = 1000;
	CU_ASSERT_FATAL(open_pair(&nic, &host, NULL) == 0);
	CU_ASSERT(pump_until(&host, &nic, is_up, &nic, 2000) >= 0);
	struct logcap cap;
	cap_start(&cap);
	close_side(&host);
	long el = pump_until(&nic, NULL, is_down, &nic, 2000);
	cap_stop();
	CU_ASSERT(el >= 0 && el < 500);
	CU_ASSERT(cap_has(&cap, "closed the mailbox"));
	close_side(&nic);
}

static void test_garbage_survives(void)
{
	struct side nic = { 0 }, host = { 0 };
	char err[128];
	CU_ASSERT_FATAL(open_pair(&nic, &host, NULL) == 0);
	start(&nic);
	CU_ASSERT(pump_until(&host, NULL, is_up, &host, 2000) >= 0);
	struct logcap cap;
	cap_start(&cap);
	/* Well framed, but an unknown type, and a heartbeat too short. */
	struct mbox_msg_hdr h = { 0 };
	h.type = htole16(0x7f);
	h.seq = htole32(4242);
	CU_ASSERT_EQUAL(mbox_send(host.mb, &h, sizeof(h), 100), 0);
	uint8_t raw[sizeof(h) + 4] = { 0 };
	h.type = htole16(MBOX_MSG_HEARTBEAT);
	h.length = htole32(4);
	memcpy(raw, &h, sizeof(h));
	CU_ASSERT_EQUAL(mbox_send(host.mb, raw, sizeof(raw), 100), 0);
	/* The session is still fine. */
	struct mbox_host_info hi = { "h", "1" };
	uint8_t body[96];
	struct mbox_msg m = obj_set(1, &hi, body);
	CU_ASSERT_EQUAL(mbox_session_request(host.s, &m, 1000, err, sizeof(err)), 0);
	pump_ms(&host, NULL, 50);
	cap_stop();
	stop(&nic);
	struct mbox_session_stats ns, hs;
	mbox_session_get_stats(nic.s, &ns);
	mbox_session_get_stats(host.s, &hs);
	CU_ASSERT_EQUAL(ns.bad_msgs, 2);
	CU_ASSERT_EQUAL(hs.errors_rx, 2); /* each got an ERROR back */
	CU_ASSERT(mbox_session_is_up(nic.s));
	CU_ASSERT(mbox_session_is_up(host.s));
	CU_ASSERT(cap_has(&cap, "malformed message skipped"));
	close_side(&host);
	close_side(&nic);
}

/* Corrupt ring indices are fatal: poll reports -EIO. */
static void test_corrupt_ring_fatal(void)
{
	struct side nic = { 0 }, host = { 0 };
	CU_ASSERT_FATAL(open_pair(&nic, &host, NULL) == 0);
	CU_ASSERT(pump_until(&host, &nic, is_up, &nic, 2000) >= 0);
	size_t size;
	uint8_t *base = mbox_region(nic.mb, &size);
	struct mbox_region_hdr hdr;
	memcpy(&hdr, base, sizeof(hdr));
	struct mbox_ring_ctrl *c =
		(struct mbox_ring_ctrl *)(base + le32toh(hdr.ring_ctrl_off[MBOX_RING_H2N]));
	struct logcap cap;
	cap_start(&cap);
	__atomic_store_n(&c->p.prod, c->c.cons + 100000u, __ATOMIC_RELEASE);
	int r = 0;
	for (int i = 0; i < 10 && r == 0; i++)
		r = mbox_session_poll(nic.s, 1);
	cap_stop();
	CU_ASSERT_EQUAL(r, -EIO);
	CU_ASSERT_EQUAL(mbox_session_poll(nic.s, 0), -EIO); /* sticky */
	close_side(&host);
	close_side(&nic);
}

/* Both sides push more than a ring holds at the same time: each keeps
 * reading while it waits for credit, so neither deadlocks. */
static void test_no_deadlock_both_full(void)
{
	struct side nic = { 0 }, host = { 0 };
	char err[128];
	struct mbox_params p = { .slot_count = 4 };
	nic.events = 200;
	CU_ASSERT_FATAL(open_pair(&nic, &host, &p) == 0);
	start(&nic);
	CU_ASSERT(pump_until(&host, NULL, is_up, &host, 2000) >= 0);
	enum { N = 200 };
	static struct mbox_msg msgs[N];
	static uint8_t bodies[N][96];
	struct mbox_host_info hi = { "h", "1" };
	for (unsigned i = 0; i < N; i++)
		msgs[i] = obj_set(i, &hi, bodies[i]);
	CU_ASSERT_EQUAL(mbox_session_send_batch(host.s, msgs, N, 10000, err, sizeof(err)), 0);
	uint64_t t0 = dfn_now_ms();
	while (atomic_load(&host.statuses) < 200 && dfn_now_ms() - t0 < 3000)
		mbox_session_poll(host.s, 5);
	stop(&nic);
	CU_ASSERT_EQUAL(atomic_load(&nic.events_rc), 1);
	CU_ASSERT_EQUAL(atomic_load(&host.statuses), 200);
	CU_ASSERT_EQUAL(atomic_load(&nic.batches), 1);
	CU_ASSERT_EQUAL(nic.rec_n, N);
	close_side(&host);
	close_side(&nic);
}

UNIT_SUITE(mbox_session, NULL, NULL,
	   UNIT_TEST(test_negotiation),
	   UNIT_TEST(test_version_mismatch),
	   UNIT_TEST(test_version_highest_common),
	   UNIT_TEST(test_caps_intersection),
	   UNIT_TEST(test_request_reply),
	   UNIT_TEST(test_request_timeout_and_notconn),
	   UNIT_TEST(test_batch_applied_whole),
	   UNIT_TEST(test_batch_refused),
	   UNIT_TEST(test_batch_count_mismatch),
	   UNIT_TEST(test_batch_cut_by_restart),
	   UNIT_TEST(test_batch_abort_and_new_begin),
	   UNIT_TEST(test_heartbeat_loss),
	   UNIT_TEST(test_epoch_change_resync),
	   UNIT_TEST(test_region_recreated),
	   UNIT_TEST(test_peer_closed),
	   UNIT_TEST(test_garbage_survives),
	   UNIT_TEST(test_corrupt_ring_fatal),
	   UNIT_TEST(test_no_deadlock_both_full));

/* ---- firmware mirror ---------------------------------------------------- */

static struct mbox_msg obj_del(uint32_t id)
{
	struct mbox_msg m = { .type = MBOX_MSG_OBJ_DEL };
	m.u.obj.kind = MBOX_OBJ_HOST_INFO;
	m.u.obj.id = id;
	return m;
}

static void test_mirror_apply(void)
{
	struct mirror *m;
	char err[160];
	CU_ASSERT_FATAL(mirror_create(&m) == 0);
	enum { N = 200 };
	static uint8_t bodies[N][96];
	static struct mbox_msg msgs[N];
	struct mbox_host_info hi;
	for (unsigned i = 0; i < N; i++) {
		snprintf(hi.hostname, sizeof(hi.hostname), "host-%u", i);
		snprintf(hi.version, sizeof(hi.version), "1.%u", i);
		msgs[i] = obj_set(i, &hi, bodies[i]);
	}
	CU_ASSERT_EQUAL(mirror_apply(m, msgs, N, 0, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(mirror_count(m), N);
	struct mirror_obj o;
	CU_ASSERT_EQUAL(mirror_get(m, MBOX_OBJ_HOST_INFO, 123, &o), 1);
	struct mbox_host_info got;
	CU_ASSERT_EQUAL(mbox_decode_host_info(o.body, o.len, &got, err, sizeof(err)), 0);
	CU_ASSERT_STRING_EQUAL(got.hostname, "host-123");
	CU_ASSERT_EQUAL(mirror_get(m, MBOX_OBJ_HOST_INFO, N, &o), 0);

	/* Replace one, delete one, delete an absent one: all applied. */
	struct mbox_msg mix[3];
	snprintf(hi.hostname, sizeof(hi.hostname), "renamed");
	uint8_t b2[96];
	mix[0] = obj_set(5, &hi, b2);
	mix[1] = obj_del(6);
	mix[2] = obj_del(9999);
	CU_ASSERT_EQUAL(mirror_apply(m, mix, 3, 0, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(mirror_count(m), N - 1);
	CU_ASSERT_EQUAL(mirror_get(m, MBOX_OBJ_HOST_INFO, 6, &o), 0);
	CU_ASSERT_EQUAL(mirror_get(m, MBOX_OBJ_HOST_INFO, 5, &o), 1);
	mbox_decode_host_info(o.body, o.len, &got, err, sizeof(err));
	CU_ASSERT_STRING_EQUAL(got.hostname, "renamed");
	struct mirror_stats st;
	mirror_get_stats(m, &st);
	CU_ASSERT_EQUAL(st.dels, 1);
	CU_ASSERT_EQUAL(st.dels_absent, 1);
	mirror_destroy(m);
}

/* A bad member anywhere: nothing of the batch is applied. */
static void test_mirror_all_or_nothing(void)
{
	struct mirror *m;
	char err[160];
	CU_ASSERT_FATAL(mirror_create(&m) == 0);
	struct mbox_host_info hi = { "keep", "1" };
	uint8_t b[4][96];
	struct mbox_msg first = obj_set(1, &hi, b[0]);
	CU_ASSERT_EQUAL(mirror_apply(m, &first, 1, 0, err, sizeof(err)), 0);

	struct mbox_host_info hx = { "changed", "2" };
	struct mbox_msg batch[3] = { obj_set(1, &hx, b[1]), obj_del(1), obj_set(2, &hx, b[2]) };
	/* Third member: a body that is not a HOST_INFO. */
	memset(b[3], 0, sizeof(b[3]));
	batch[2].u.obj.body = b[3]; /* empty hostname */
	CU_ASSERT_EQUAL(mirror_apply(m, batch, 3, 0, err, sizeof(err)), -EBADMSG);
	CU_ASSERT(strstr(err, "member 2") != NULL);
	CU_ASSERT(strstr(err, "hostname is empty") != NULL);
	/* Unknown kind, wrong message type: also refused whole. */
	batch[2] = obj_set(2, &hx, b[2]);
	batch[2].u.obj.kind = 999;
	CU_ASSERT_EQUAL(mirror_apply(m, batch, 3, 0, err, sizeof(err)), -EOPNOTSUPP);
	batch[2].type = MBOX_MSG_HEARTBEAT;
	CU_ASSERT_EQUAL(mirror_apply(m, batch, 3, 1, err, sizeof(err)), -EINVAL);
	/* The mirror is as before. */
	CU_ASSERT_EQUAL(mirror_count(m), 1);
	struct mirror_obj o;
	struct mbox_host_info got;
	CU_ASSERT_EQUAL(mirror_get(m, MBOX_OBJ_HOST_INFO, 1, &o), 1);
	mbox_decode_host_info(o.body, o.len, &got, err, sizeof(err));
	CU_ASSERT_STRING_EQUAL(got.hostname, "keep");
	struct mirror_stats st;
	mirror_get_stats(m, &st);
	CU_ASSERT_EQUAL(st.batches_refused, 3);
	CU_ASSERT_EQUAL(st.batches_applied, 1);

	/* A full resync replaces everything. */
	struct mbox_msg rs = obj_set(50, &hx, b[1]);
	CU_ASSERT_EQUAL(mirror_apply(m, &rs, 1, 1, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(mirror_count(m), 1);
	CU_ASSERT_EQUAL(mirror_get(m, MBOX_OBJ_HOST_INFO, 1, &o), 0);
	CU_ASSERT_EQUAL(mirror_get(m, MBOX_OBJ_HOST_INFO, 50, &o), 1);
	mirror_destroy(m);
}

static void test_host_info_codec(void)
{
	struct mbox_host_info in = { "node-1.example", "0.1.0" }, out;
	uint8_t buf[96];
	char err[128];
	CU_ASSERT_EQUAL(mbox_encode_host_info(&in, buf, sizeof(buf)), 96);
	CU_ASSERT_EQUAL(mbox_encode_host_info(&in, buf, 95), -EMSGSIZE);
	CU_ASSERT_EQUAL(mbox_decode_host_info(buf, 96, &out, err, sizeof(err)), 0);
	CU_ASSERT_STRING_EQUAL(out.hostname, "node-1.example");
	CU_ASSERT_STRING_EQUAL(out.version, "0.1.0");
	char line[160];
	mbox_format_host_info(&out, line, sizeof(line));
	CU_ASSERT_STRING_EQUAL(line, "hostname=node-1.example version=0.1.0");
	CU_ASSERT_EQUAL(mbox_decode_host_info(buf, 95, &out, err, sizeof(err)), -EBADMSG);
	CU_ASSERT_STRING_EQUAL(err, "HOST_INFO body is 95 bytes, expected 96");
	buf[3] = 0x07;
	CU_ASSERT_EQUAL(mbox_decode_host_info(buf, 96, &out, err, sizeof(err)), -EBADMSG);
	CU_ASSERT(strstr(err, "non-printable") != NULL);
	mbox_encode_host_info(&in, buf, sizeof(buf));
	buf[60] = 'x'; /* junk after the hostname's NUL */
	CU_ASSERT_EQUAL(mbox_decode_host_info(buf, 96, &out, err, sizeof(err)), -EBADMSG);
	CU_ASSERT(strstr(err, "nonzero padding") != NULL);
	/* A 64-byte hostname fills its field without a NUL. */
	memset(in.hostname, 'a', 64);
	in.hostname[64] = '\0';
	CU_ASSERT_EQUAL(mbox_encode_host_info(&in, buf, sizeof(buf)), 96);
	CU_ASSERT_EQUAL(mbox_decode_host_info(buf, 96, &out, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(strlen(out.hostname), 64);
	CU_ASSERT_STRING_EQUAL(mbox_obj_kind_name(MBOX_OBJ_HOST_INFO), "HOST_INFO");
	CU_ASSERT_PTR_NULL(mbox_obj_kind_name(0));
}

UNIT_SUITE(fw_mirror, NULL, NULL,
	   UNIT_TEST(test_mirror_apply),
	   UNIT_TEST(test_mirror_all_or_nothing),
	   UNIT_TEST(test_host_info_codec));
