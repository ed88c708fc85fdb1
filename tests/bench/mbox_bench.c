/* tests/bench/mbox_bench.c: the mailbox benchmark behind `make bench`
 * (tests/bench/run.sh runs it; tests/bench/README.md explains the output).
 *
 * Two processes talk over the shared-memory transport of drivers/mbox
 * (mbox.h): the parent creates the mailbox as the NIC, forks, and the child
 * attaches as the host; the two are pinned to different CPUs when there are
 * two. The same measurements then run over the plain SPSC ring of
 * tests/bench/spsc_ring.h with the same slot size and count, in shared
 * memory between the same two processes: the ceiling (throughput) and the
 * floor (latency) the mailbox is judged against.
 *
 *   throughput  host -> NIC stream of 64-byte-payload messages, batch 1
 *               (send/recv) and batch 32 (send_burst/recv_burst); both
 *               sides poll (timeout 0, spin on -EAGAIN); messages/s
 *               measured by the consumer after a warm-up.
 *   latency     ping-pong: host sends, NIC replies, host times the round
 *               trip. "polled": both spin; "doorbell": the NIC blocks in
 *               mbox_recv(-1) (sleeps on the doorbell) while the host spins
 *               for the reply and idles --gap-us between round trips so the
 *               NIC really is asleep; "doorbell-both": both block.
 *
 * Every received message is checked (length, sequence number); a mismatch
 * or an error from the API makes the run fail (exit 1). Missing a target is
 * not a failure: it is printed as MISS. */
#include <endian.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <linux/futex.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "drivers/base/log.h"
#include "drivers/base/util.h"
#include "drivers/mbox/mbox.h"
#include "tests/bench/spsc_ring.h"

#define PAYLOAD_LEN 64u
#define MSG_LEN (sizeof(struct mbox_msg_hdr) + PAYLOAD_LEN)
#define MAX_BURST 32u
#define RUN_TIMEOUT_S 60 /* one run stuck longer than this aborts the bench */

/* Targets from issue 2 (tests/bench/README.md). */
#define TARGET_TPUT_RATIO_B32 0.50
#define TARGET_RTT_POLLED_P50_NS 1000u
#define TARGET_RTT_DOORBELL_P50_NS 20000u

/* A run whose two processes waited for a CPU more than this fraction of
 * their time was disturbed by other work (see README.md). */
#define RUN_DISTURBED_FRAC 0.01

/* Command-line settings. */
struct opts {
	unsigned long msgs;       /* measured messages per throughput run */
	unsigned long warmup;     /* messages before the clock starts */
	unsigned long reps;       /* throughput runs per configuration */
	unsigned long rtts;       /* measured round trips per latency run */
	unsigned long rtt_warmup; /* round trips before recording */
	unsigned long sleep_rtts; /* measured round trips of the doorbell modes */
	unsigned long gap_us;     /* doorbell modes: host idle between round trips */
	unsigned long slot_size;  /* bytes per slot (both mailbox and ring) */
	unsigned long slot_count; /* slots per ring */
	int skip_tput;            /* --only latency */
	int skip_lat;             /* --only throughput */
};

/* Page shared by the two processes (MAP_SHARED, made before fork). */
struct shared_ctl {
	uint32_t child_ready;  /* child -> parent: attached and pinned */
	uint32_t go;           /* parent -> child: start the run */
	int32_t child_err;     /* child's negative errno (0: fine) */
	int32_t child_pin_err; /* child's sched_setaffinity errno (0: pinned) */
	uint64_t host_doorbells; /* host's mbox_stats.doorbells after the run */
	uint64_t host_full_waits; /* host's mbox_stats.full_waits after the run */
	uint64_t bad;          /* child: messages failing the length/seq check */
	uint64_t child_nivcsw; /* child: involuntary context switches during the run */
	uint64_t child_wait_ns; /* child: time runnable but not running during the run */
	uint64_t samples[];    /* latency runs: round-trip times (ns), host-measured */
};

enum ep_kind { EP_MBOX, EP_RING };

/* The plain ring's doorbell for the latency rows that sleep: the least a
 * futex doorbell needs (the consumer announces it sleeps, the producer
 * wakes it only then), so the ring rows are the floor for the mailbox's. */
struct ring_bell {
	uint32_t seq;       /* bumped by the producer before a wake-up (futex word) */
	uint32_t sleeping;  /* 1 while the consumer waits on seq */
	uint8_t pad[56];    /* one cache line */
};

/* One side's view of the channel under test. */
struct endpoint {
	enum ep_kind kind;     /* which implementation */
	struct mbox *mb;       /* EP_MBOX: this side's handle */
	struct spsc_ring *tx;  /* EP_RING: ring this side produces on */
	struct spsc_ring *rx;  /* EP_RING: ring this side consumes from */
	struct ring_bell *tx_bell; /* EP_RING: peer's bell to ring after a send (NULL: none) */
	struct ring_bell *rx_bell; /* EP_RING: our bell to sleep on in a blocking recv */
};

enum rtt_mode { RTT_POLLED, RTT_DOORBELL, RTT_DOORBELL_BOTH };
static const char *const rtt_mode_names[] = {
	[RTT_POLLED] = "polled",
	[RTT_DOORBELL] = "doorbell",
	[RTT_DOORBELL_BOTH] = "doorbell-both",
};

/* What one run does and what it measured. */
struct job {
	int is_rtt;            /* 0: throughput, 1: latency */
	unsigned batch;        /* throughput: messages per call */
	enum rtt_mode mode;    /* latency: who polls, who sleeps */
	uint64_t warmup;       /* messages / round trips not measured */
	uint64_t count;        /* messages / round trips measured */
	double rate;           /* throughput result, messages/s */
	uint64_t nic_sleeps;   /* latency: NIC voluntary context switches */
	uint64_t bad;          /* parent: messages failing the checks */
	double wait_frac;      /* time both sides waited for a CPU / (2 x run time) */
};

/* Process-wide state of the benchmark. */
struct bench {
	struct opts o;            /* settings */
	char path[64];            /* shm file of the mailbox */
	char uri[80];             /* "shm:" + path */
	struct shared_ctl *ctl;   /* shared control page + samples */
	size_t ctl_size;          /* bytes mapped at ctl */
	void *ring_mem;           /* shared memory of the two plain rings */
	size_t ring_mem_size;     /* bytes mapped at ring_mem */
	size_t ring_off;          /* offset of the second ring */
	struct ring_bell *bells;  /* [0] host -> NIC ring's, [1] NIC -> host ring's */
	int cpu_nic, cpu_host;    /* CPUs to pin to, -1: not pinned */
	char pin_note[160];       /* how pinning went, for the header */
	pid_t child;              /* current child, 0 when none */
	int child_status;         /* its wait status once reaped */
	int child_reaped;         /* 1 once waitpid() collected it */
	void *bufs[MAX_BURST];    /* receive buffers (slot-sized) */
	void *msgs[MAX_BURST];    /* send buffers (MSG_LEN, prefilled) */
	size_t cap;               /* bytes in each receive buffer */
	struct noise *noise;      /* where run_pair() accounts disturbance */
	int child_pin_failed;     /* the host process could not pin itself (once said) */
};

/* How much other work disturbed a section's runs. */
struct noise {
	const char *section;      /* "throughput" / "latency" */
	uint64_t preempts;        /* involuntary context switches, both sides */
	uint64_t wait_ns;         /* time the two processes waited for a CPU */
	uint64_t wall_ns;         /* wall time of the runs */
	double wait_frac_max;     /* the worst run's wait / (2 x its wall time) */
	uint64_t steal_ms;        /* vCPU steal time of the machine meanwhile */
	unsigned runs;            /* runs done */
	unsigned disturbed_runs;  /* runs over RUN_DISTURBED_FRAC */
};

static struct bench B;

/* ---- small helpers ----------------------------------------------------- */

/* Busy-wait hint to the CPU (spin loops). */
static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#elif defined(__aarch64__)
	__asm__ __volatile__("yield" ::: "memory");
#else
	__asm__ __volatile__("" ::: "memory");
#endif
}

static void on_alarm(int sig)
{
	static const char m[] = "mbox-bench: a run exceeded its time limit, aborting\n";
	(void)sig;
	if (write(2, m, sizeof(m) - 1) < 0) {
		/* nothing else to do in a signal handler */
	}
	if (B.child > 0)
		kill(B.child, SIGKILL);
	unlink(B.path);
	_exit(2);
}

static int pin_to(int cpu)
{
	cpu_set_t set;
	if (cpu < 0)
		return 0;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return sched_setaffinity(0, sizeof(set), &set) ? -errno : 0;
}

/* Pick two CPUs from the allowed set and pin the parent (NIC) to the first. */
static void choose_cpus(void)
{
	cpu_set_t set;
	B.cpu_nic = B.cpu_host = -1;
	if (sched_getaffinity(0, sizeof(set), &set)) {
		snprintf(B.pin_note, sizeof(B.pin_note),
			 "NOT pinned: sched_getaffinity: %s", strerror(errno));
		return;
	}
	for (int c = 0; c < CPU_SETSIZE; c++) {
		if (!CPU_ISSET(c, &set))
			continue;
		if (B.cpu_nic < 0)
			B.cpu_nic = c;
		else if (B.cpu_host < 0)
			B.cpu_host = c;
	}
	if (B.cpu_host < 0) {
		snprintf(B.pin_note, sizeof(B.pin_note),
			 "NOT pinned: only %d CPU available, both processes share it",
			 CPU_COUNT(&set));
		B.cpu_nic = -1;
		return;
	}
	int rc = pin_to(B.cpu_nic);
	if (rc) {
		snprintf(B.pin_note, sizeof(B.pin_note), "NOT pinned: sched_setaffinity(cpu%d): %s",
			 B.cpu_nic, strerror(-rc));
		B.cpu_nic = B.cpu_host = -1;
		return;
	}
	snprintf(B.pin_note, sizeof(B.pin_note), "NIC (parent) on cpu%d, host (child) on cpu%d",
		 B.cpu_nic, B.cpu_host);
}

static void msg_init(void *m, uint32_t seq)
{
	struct mbox_msg_hdr h = {
		.type = htole16(MBOX_MSG_OBJ_SET),
		.flags = 0,
		.length = htole32(PAYLOAD_LEN),
		.seq = htole32(seq),
		.reserved = 0,
	};
	memcpy(m, &h, sizeof(h));
	for (unsigned i = 0; i < PAYLOAD_LEN; i++)
		((uint8_t *)m)[sizeof(h) + i] = (uint8_t)(i * 7 + 1);
}

static inline void msg_set_seq(void *m, uint32_t seq)
{
	le32 v = htole32(seq);
	memcpy((uint8_t *)m + offsetof(struct mbox_msg_hdr, seq), &v, sizeof(v));
}

static inline uint32_t msg_seq(const void *m)
{
	le32 v;
	memcpy(&v, (const uint8_t *)m + offsetof(struct mbox_msg_hdr, seq), sizeof(v));
	return le32toh(v);
}

static inline void msg_set_reply(void *m)
{
	le16 v = htole16(MBOX_F_REPLY);
	memcpy((uint8_t *)m + offsetof(struct mbox_msg_hdr, flags), &v, sizeof(v));
}

static inline int msg_is_reply(const void *m)
{
	le16 v;
	memcpy(&v, (const uint8_t *)m + offsetof(struct mbox_msg_hdr, flags), sizeof(v));
	return (le16toh(v) & MBOX_F_REPLY) != 0;
}

/* ---- the plain ring's doorbell ------------------------------------------ */

/* Producer, after publishing: wake the consumer if it sleeps. The full
 * fence pairs with the one in ring_recv_block() (Dekker): either the
 * consumer sees our new prod, or we see its sleeping flag. */
static void ring_bell_ring(struct ring_bell *b)
{
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (__atomic_load_n(&b->sleeping, __ATOMIC_RELAXED)) {
		/* release: pairs with the acquire load of seq in ring_recv_block() */
		__atomic_fetch_add(&b->seq, 1, __ATOMIC_RELEASE);
		syscall(SYS_futex, &b->seq, FUTEX_WAKE, 1, NULL, NULL, 0);
	}
}

/* Consumer: receive one message, sleeping on the bell while the ring is empty. */
static int ring_recv_block(struct endpoint *e, void *buf, size_t cap)
{
	struct ring_bell *b = e->rx_bell;
	for (;;) {
		int rc = spsc_ring_recv(e->rx, buf, cap);
		if (rc != -EAGAIN || !b)
			return rc;
		/* acquire: pairs with the release increment in ring_bell_ring(). */
		uint32_t seen = __atomic_load_n(&b->seq, __ATOMIC_ACQUIRE);
		__atomic_store_n(&b->sleeping, 1, __ATOMIC_RELAXED);
		/* Full fence: pairs with the one in ring_bell_ring(). */
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		rc = spsc_ring_recv(e->rx, buf, cap);
		if (rc == -EAGAIN)
			syscall(SYS_futex, &b->seq, FUTEX_WAIT, seen, NULL, NULL, 0);
		__atomic_store_n(&b->sleeping, 0, __ATOMIC_RELAXED);
		if (rc != -EAGAIN)
			return rc;
	}
}

/* ---- the two implementations behind one set of inline calls ----------- */

static inline int ep_send_burst(struct endpoint *e, const void *const m[],
				const size_t l[], unsigned n, int timeout_ms)
{
	if (e->kind == EP_RING)
		return spsc_ring_send_burst(e->tx, m, l, n);
	return mbox_send_burst(e->mb, m, l, n, timeout_ms);
}

static inline int ep_send(struct endpoint *e, const void *m, size_t l, int timeout_ms)
{
	if (e->kind == EP_RING) {
		int rc = spsc_ring_send(e->tx, m, l);
		if (rc == 0 && e->tx_bell)
			ring_bell_ring(e->tx_bell);
		return rc;
	}
	return mbox_send(e->mb, m, l, timeout_ms);
}

static inline int ep_recv_burst(struct endpoint *e, void *const b[], size_t l[],
				unsigned n, int timeout_ms)
{
	if (e->kind == EP_RING)
		return spsc_ring_recv_burst(e->rx, b, l, n);
	return mbox_recv_burst(e->mb, b, l, n, timeout_ms);
}

static inline int ep_recv(struct endpoint *e, void *b, size_t cap, int timeout_ms)
{
	if (e->kind == EP_RING)
		return timeout_ms ? ring_recv_block(e, b, cap) : spsc_ring_recv(e->rx, b, cap);
	return mbox_recv(e->mb, b, cap, timeout_ms);
}

/* Time this thread spent runnable but waiting for a CPU (the second field
 * of /proc/thread-self/schedstat), in ns; 0 when unavailable. */
static uint64_t runq_wait_ns(void)
{
	unsigned long long run = 0, wait = 0;
	FILE *f = fopen("/proc/thread-self/schedstat", "r");
	if (!f)
		return 0;
	if (fscanf(f, "%llu %llu", &run, &wait) != 2)
		wait = 0;
	fclose(f);
	return wait;
}

/* Parent only: has the child died? Checked now and then while spinning so
 * a crashed peer ends the run instead of hanging it. */
static int child_gone(void)
{
	if (B.child_reaped)
		return 1;
	pid_t p = waitpid(B.child, &B.child_status, WNOHANG);
	if (p == B.child) {
		B.child_reaped = 1;
		return 1;
	}
	return 0;
}

/* Send one message, spinning while the ring is full (polled flow control). */
static int send_spin(struct endpoint *e, const void *m, int parent)
{
	unsigned long idle = 0;
	for (;;) {
		int rc = ep_send(e, m, MSG_LEN, 0);
		if (rc != -EAGAIN)
			return rc;
		if (parent && (++idle & 0xfffff) == 0 && child_gone())
			return -ECHILD;
	}
}

/* Receive one message: spinning (timeout 0) or blocking (timeout -1). */
static int recv_one(struct endpoint *e, void *buf, int block, int parent)
{
	unsigned long idle = 0;
	for (;;) {
		int rc = ep_recv(e, buf, B.cap, block ? -1 : 0);
		if (rc != -EAGAIN)
			return rc;
		if (parent && (++idle & 0xfffff) == 0 && child_gone())
			return -ECHILD;
	}
}

/* ---- throughput ----------------------------------------------------------- */

/* Host (child): stream warmup + count messages, `batch` per call. */
static int tput_producer(struct endpoint *e, struct job *j)
{
	uint64_t total = j->warmup + j->count, seq = 0;
	size_t lens[MAX_BURST];
	for (unsigned i = 0; i < MAX_BURST; i++)
		lens[i] = MSG_LEN;
	while (seq < total) {
		unsigned k = (unsigned)DFN_MIN((uint64_t)j->batch, total - seq);
		int rc;
		for (unsigned i = 0; i < k; i++)
			msg_set_seq(B.msgs[i], (uint32_t)(seq + i));
		if (j->batch == 1) {
			rc = ep_send(e, B.msgs[0], MSG_LEN, 0);
			if (rc == 0)
				rc = 1;
		} else {
			rc = ep_send_burst(e, (const void *const *)B.msgs, lens, k, 0);
		}
		if (rc == -EAGAIN)
			continue;
		if (rc < 0)
			return rc;
		seq += (unsigned)rc;
	}
	return 0;
}

/* NIC (parent): receive everything, check it, time the part after warmup. */
static int tput_consumer(struct endpoint *e, struct job *j)
{
	uint64_t total = j->warmup + j->count, got = 0, got0 = 0, t0 = 0;
	size_t lens[MAX_BURST];
	unsigned long idle = 0;
	uint32_t expect = 0;
	int started = j->warmup == 0;
	if (started)
		t0 = dfn_now_ns();
	while (got < total) {
		int rc;
		if (j->batch == 1) {
			rc = ep_recv(e, B.bufs[0], B.cap, 0);
			if (rc >= 0) {
				lens[0] = (size_t)rc;
				rc = 1;
			}
		} else {
			rc = ep_recv_burst(e, B.bufs, lens, j->batch, 0);
		}
		if (rc == -EAGAIN) {
			if ((++idle & 0xfffff) == 0 && child_gone())
				return -ECHILD;
			continue;
		}
		if (rc < 0)
			return rc;
		for (int i = 0; i < rc; i++) {
			if (lens[i] != MSG_LEN || msg_seq(B.bufs[i]) != expect)
				j->bad++;
			expect++;
		}
		got += (unsigned)rc;
		if (!started && got >= j->warmup) {
			t0 = dfn_now_ns();
			got0 = got;
			started = 1;
		}
	}
	uint64_t t1 = dfn_now_ns();
	j->rate = t1 > t0 ? (double)(got - got0) * 1e9 / (double)(t1 - t0) : 0;
	return 0;
}

/* ---- latency ----------------------------------------------------------- */

static void spin_ns(uint64_t ns)
{
	uint64_t end = dfn_now_ns() + ns;
	while (dfn_now_ns() < end)
		cpu_relax();
}

/* Host (child): ping, wait for the echo, record the round trip. */
static int rtt_host(struct endpoint *e, struct job *j)
{
	uint64_t total = j->warmup + j->count;
	int block = j->mode == RTT_DOORBELL_BOTH;
	uint64_t gap = j->mode == RTT_POLLED ? 0 : B.o.gap_us * 1000u;
	for (uint64_t i = 0; i < total; i++) {
		msg_set_seq(B.msgs[0], (uint32_t)i);
		if (gap)
			spin_ns(gap);
		uint64_t t0 = dfn_now_ns();
		int rc = send_spin(e, B.msgs[0], 0);
		if (rc < 0)
			return rc;
		rc = recv_one(e, B.bufs[0], block, 0);
		uint64_t t1 = dfn_now_ns();
		if (rc < 0)
			return rc;
		if ((size_t)rc != MSG_LEN || msg_seq(B.bufs[0]) != (uint32_t)i ||
		    !msg_is_reply(B.bufs[0]))
			B.ctl->bad++;
		if (i >= j->warmup)
			B.ctl->samples[i - j->warmup] = t1 - t0;
	}
	return 0;
}

/* NIC (parent): echo every request back with MBOX_F_REPLY set. */
static int rtt_nic(struct endpoint *e, struct job *j)
{
	uint64_t total = j->warmup + j->count;
	int block = j->mode != RTT_POLLED;
	struct rusage r0, r1;
	getrusage(RUSAGE_THREAD, &r0);
	for (uint64_t i = 0; i < total; i++) {
		int rc = recv_one(e, B.bufs[0], block, 1);
		if (rc < 0)
			return rc;
		if ((size_t)rc != MSG_LEN || msg_seq(B.bufs[0]) != (uint32_t)i)
			j->bad++;
		msg_set_reply(B.bufs[0]);
		rc = send_spin(e, B.bufs[0], 1);
		if (rc < 0)
			return rc;
	}
	getrusage(RUSAGE_THREAD, &r1);
	j->nic_sleeps = (uint64_t)(r1.ru_nvcsw - r0.ru_nvcsw);
	return 0;
}

/* ---- one run: set up, fork, run both sides, tear down ------------------ */

static int run_child(enum ep_kind kind, struct spsc_ring *rings, struct job *j)
{
	struct endpoint e = { .kind = kind };
	int rc;
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	B.ctl->child_pin_err = -pin_to(B.cpu_host);
	if (kind == EP_MBOX) {
		rc = mbox_open(B.uri, MBOX_HOST, NULL, &e.mb);
		if (rc) {
			B.ctl->child_err = rc;
			__atomic_store_n(&B.ctl->child_ready, 1, __ATOMIC_RELEASE);
			return rc;
		}
	} else {
		e.tx = &rings[0]; /* host -> NIC */
		e.rx = &rings[1]; /* NIC -> host */
		if (j->is_rtt && j->mode != RTT_POLLED) {
			e.tx_bell = &B.bells[0];
			e.rx_bell = &B.bells[1];
		}
	}
	/* release/acquire with the parent's handshake (plain control page). */
	__atomic_store_n(&B.ctl->child_ready, 1, __ATOMIC_RELEASE);
	while (!__atomic_load_n(&B.ctl->go, __ATOMIC_ACQUIRE))
		cpu_relax();
	struct rusage r0, r1;
	uint64_t w0 = runq_wait_ns();
	getrusage(RUSAGE_SELF, &r0);
	rc = j->is_rtt ? rtt_host(&e, j) : tput_producer(&e, j);
	getrusage(RUSAGE_SELF, &r1);
	B.ctl->child_wait_ns = runq_wait_ns() - w0;
	B.ctl->child_nivcsw = (uint64_t)(r1.ru_nivcsw - r0.ru_nivcsw);
	B.ctl->child_err = rc;
	if (e.mb) {
		struct mbox_stats st;
		mbox_get_stats(e.mb, &st);
		B.ctl->host_doorbells = st.doorbells;
		B.ctl->host_full_waits = st.full_waits;
		mbox_close(e.mb);
	}
	return rc;
}

static int run_pair(enum ep_kind kind, struct job *j)
{
	struct mbox *nic = NULL;
	struct spsc_ring rings[2];
	struct endpoint e = { .kind = kind };
	struct rusage r0 = { 0 }, r1 = { 0 }; /* NIC side's, around the run */
	uint64_t w0 = 0, w1 = 0, t0 = 0, t1 = 0; /* NIC side's runqueue wait, wall clock */
	int rc;

	memset(B.ctl, 0, sizeof(*B.ctl));
	if (kind == EP_MBOX) {
		struct mbox_params p = {
			.slot_size = (uint32_t)B.o.slot_size,
			.slot_count = (uint32_t)B.o.slot_count,
		};
		unlink(B.path);
		rc = mbox_open(B.uri, MBOX_NIC, &p, &nic);
		if (rc) {
			fprintf(stderr, "mbox-bench: mbox_open(%s, NIC): %s\n", B.uri, strerror(-rc));
			return rc;
		}
		if (mbox_max_msg(nic) < MSG_LEN || mbox_max_msg(nic) > B.cap) {
			fprintf(stderr, "mbox-bench: mbox_max_msg() = %zu, need %zu..%zu\n",
				mbox_max_msg(nic), MSG_LEN, B.cap);
			rc = -EMSGSIZE;
			goto close_nic;
		}
		e.mb = nic;
	} else {
		uint8_t *m = B.ring_mem;
		if (spsc_ring_init(&rings[0], m, (uint32_t)B.o.slot_size, (uint32_t)B.o.slot_count) ||
		    spsc_ring_init(&rings[1], m + B.ring_off, (uint32_t)B.o.slot_size,
				   (uint32_t)B.o.slot_count))
			return -EINVAL;
		e.tx = &rings[1];
		e.rx = &rings[0];
		memset(B.bells, 0, 2 * sizeof(*B.bells));
		if (j->is_rtt && j->mode != RTT_POLLED) {
			e.tx_bell = &B.bells[1];
			e.rx_bell = &B.bells[0];
		}
	}

	fflush(NULL);
	B.child_reaped = 0;
	B.child = fork();
	if (B.child < 0) {
		rc = -errno;
		B.child = 0;
		goto close_nic;
	}
	if (B.child == 0) {
		/* The child never touches the NIC's handle it inherited. */
		_exit(run_child(kind, rings, j) ? 1 : 0);
	}

	alarm(RUN_TIMEOUT_S);
	while (!__atomic_load_n(&B.ctl->child_ready, __ATOMIC_ACQUIRE)) {
		if (child_gone()) {
			fprintf(stderr, "mbox-bench: the host process died before it was ready\n");
			rc = -ECHILD;
			goto reap;
		}
		usleep(100);
	}
	if (B.ctl->child_err) {
		rc = B.ctl->child_err;
		fprintf(stderr, "mbox-bench: host side could not attach: %s\n", strerror(-rc));
		goto reap;
	}
	if (B.ctl->child_pin_err && !B.child_pin_failed) {
		B.child_pin_failed = 1;
		printf("  pinning   FAILED for the host process: sched_setaffinity(cpu%d): %s\n",
		       B.cpu_host, strerror(B.ctl->child_pin_err));
	}
	getrusage(RUSAGE_SELF, &r0);
	w0 = runq_wait_ns();
	t0 = dfn_now_ns();
	/* release: pairs with the child's acquire load of go. */
	__atomic_store_n(&B.ctl->go, 1, __ATOMIC_RELEASE);
	rc = j->is_rtt ? rtt_nic(&e, j) : tput_consumer(&e, j);
	t1 = dfn_now_ns();
	w1 = runq_wait_ns();
	getrusage(RUSAGE_SELF, &r1);
	if (rc == -ECHILD)
		fprintf(stderr, "mbox-bench: the host process died during the run\n");
	else if (rc)
		fprintf(stderr, "mbox-bench: NIC side: %s\n", strerror(-rc));

reap:
	if (rc && !B.child_reaped)
		kill(B.child, SIGKILL);
	if (!B.child_reaped && waitpid(B.child, &B.child_status, 0) == B.child)
		B.child_reaped = 1;
	alarm(0);
	if (!rc && (!WIFEXITED(B.child_status) || WEXITSTATUS(B.child_status))) {
		fprintf(stderr, "mbox-bench: host side failed: %s\n",
			B.ctl->child_err ? strerror(-B.ctl->child_err) : "killed or crashed");
		rc = B.ctl->child_err ? B.ctl->child_err : -ECHILD;
	}
	B.child = 0;
	if (!rc && B.noise) {
		struct noise *n = B.noise;
		uint64_t w = (w1 - w0) + B.ctl->child_wait_ns;
		n->preempts += (uint64_t)(r1.ru_nivcsw - r0.ru_nivcsw) + B.ctl->child_nivcsw;
		n->wait_ns += w;
		n->wall_ns += t1 - t0;
		if (t1 > t0)
			j->wait_frac = (double)w / (2.0 * (double)(t1 - t0));
		n->wait_frac_max = DFN_MAX(n->wait_frac_max, j->wait_frac);
		n->disturbed_runs += j->wait_frac > RUN_DISTURBED_FRAC;
		n->runs++;
	}
	if (!rc && (j->bad || B.ctl->bad)) {
		fprintf(stderr, "mbox-bench: %" PRIu64 " messages arrived corrupt or out of order\n",
			j->bad + B.ctl->bad);
		rc = -EBADMSG;
	}
close_nic:
	mbox_close(nic);
	if (kind == EP_MBOX)
		unlink(B.path);
	return rc;
}

/* ---- measuring and reporting -------------------------------------------- */

/* Steal time of the whole machine so far, in ms (/proc/stat, USER_HZ ticks);
 * 0 when unreadable. A VM's vCPUs that the hypervisor gave to others. */
static uint64_t steal_ms(void)
{
	unsigned long long v[8] = { 0 };
	FILE *f = fopen("/proc/stat", "r");
	if (!f)
		return 0;
	int n = fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2],
		       &v[3], &v[4], &v[5], &v[6], &v[7]);
	fclose(f);
	long hz = sysconf(_SC_CLK_TCK);
	return n == 8 && hz > 0 ? v[7] * 1000u / (uint64_t)hz : 0;
}

/* How much did other work get in the way? The measure is the time the two
 * processes were runnable but waited for a CPU (something else ran there),
 * against the time they should have run; a row whose runs waited too much
 * is tagged "disturbed" (its PASS/MISS is not reliable). */
static double noise_frac(const struct noise *n)
{
	return n->wall_ns ? (double)n->wait_ns / (2.0 * (double)n->wall_ns) : 0;
}

static void print_noise(const struct noise *n)
{
	printf("Disturbance (%s): the two processes waited %.1f ms for a CPU in %.1f s\n"
	       "  of runs (%.2f %%, worst run %.1f %%), %u of %u runs over %.0f %%; %" PRIu64
	       " involuntary\n  context switches, %" PRIu64 " ms of vCPU steal\n\n",
	       n->section, (double)n->wait_ns / 1e6, (double)n->wall_ns / 1e9, noise_frac(n) * 100,
	       n->wait_frac_max * 100, n->disturbed_runs, n->runs, RUN_DISTURBED_FRAC * 100,
	       n->preempts, n->steal_ms);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

/* Median of v[0..n-1] (sorts v). */
static double median(double *v, unsigned long n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static const char *verdict(int ok, int pass)
{
	return !ok ? "ERROR" : pass ? "PASS" : "MISS";
}

/* Throughput at one batch size, mailbox [0] and ring [1]. */
struct tput_row {
	unsigned batch;     /* messages per call */
	int has_target;     /* the ratio has a target (batch 32) */
	int ok[2];          /* every run of that side completed */
	double med[2];      /* median messages/s */
	double lo[2], hi[2]; /* spread over the runs */
	double ratio;       /* median over runs of mailbox/ring of the same pair */
	double ratio_lo, ratio_hi; /* spread of those per-pair ratios */
	unsigned quiet_pairs; /* pairs where neither run was disturbed */
	int disturbed;      /* more than a third of the pairs were */
};

/* Runs mailbox and ring back to back, in alternating order, and divides
 * each mailbox run by the ring run next to it: the machine's state drifts
 * (see README.md), a pair of neighbouring runs mostly sees the same one. */
static int measure_tput(struct tput_row *row)
{
	unsigned long n = B.o.reps;
	double *v = calloc(3 * n, sizeof(double));
	int failures = 0;
	if (!v)
		return 1;
	row->ok[0] = row->ok[1] = 1;
	for (unsigned long r = 0; r < n; r++) {
		int pair_disturbed = 0;
		for (int i = 0; i < 2; i++) {
			int k = i ^ (int)(r & 1);
			struct job j = { .batch = row->batch, .warmup = B.o.warmup,
					 .count = B.o.msgs };
			if (run_pair(k ? EP_RING : EP_MBOX, &j) || j.rate <= 0) {
				row->ok[k] = 0;
				failures++;
			}
			v[(unsigned long)k * n + r] = j.rate;
			pair_disturbed |= j.wait_frac > RUN_DISTURBED_FRAC;
		}
		row->quiet_pairs += !pair_disturbed;
		v[2 * n + r] = v[r + n] > 0 ? v[r] / v[r + n] : 0;
	}
	for (int k = 0; k < 2; k++) {
		if (!row->ok[k])
			continue;
		row->med[k] = median(&v[(unsigned long)k * n], n);
		row->lo[k] = v[(unsigned long)k * n];
		row->hi[k] = v[(unsigned long)k * n + n - 1];
	}
	row->disturbed = (n - row->quiet_pairs) * 3 > n;
	if (row->ok[0] && row->ok[1]) {
		row->ratio = median(&v[2 * n], n);
		row->ratio_lo = v[2 * n];
		row->ratio_hi = v[3 * n - 1];
	}
	free(v);
	return failures;
}

static void print_tput(const struct tput_row *rows, unsigned nrows)
{
	printf("Throughput, messages/s (consumer polling; median [min..max] of %lu runs; ratio:\n"
	       "median [min..max] of mailbox/ring over %lu back-to-back pairs of runs)\n",
	       B.o.reps, B.o.reps);
	printf("  %-6s %-28s %-28s %-18s %-6s %s\n", "batch", "mailbox", "plain ring", "ratio",
	       "quiet", "target");
	for (unsigned i = 0; i < nrows; i++) {
		const struct tput_row *t = &rows[i];
		char cell[2][64], tgt[32] = "-";
		for (int k = 0; k < 2; k++) {
			if (t->ok[k])
				snprintf(cell[k], sizeof(cell[k]), "%7.2f M [%.2f..%.2f]",
					 t->med[k] / 1e6, t->lo[k] / 1e6, t->hi[k] / 1e6);
			else
				snprintf(cell[k], sizeof(cell[k]), "ERROR");
		}
		if (t->has_target)
			snprintf(tgt, sizeof(tgt), ">= %.2f %s%s", TARGET_TPUT_RATIO_B32,
				 verdict(t->ok[0] && t->ok[1], t->ratio >= TARGET_TPUT_RATIO_B32),
				 t->disturbed ? " disturbed" : "");
		else if (t->disturbed)
			snprintf(tgt, sizeof(tgt), "- disturbed");
		char rc[32], q[16];
		snprintf(rc, sizeof(rc), "%.2f [%.2f..%.2f]", t->ratio, t->ratio_lo, t->ratio_hi);
		snprintf(q, sizeof(q), "%u/%lu", t->quiet_pairs, B.o.reps);
		printf("  %-6u %-28s %-28s %-18s %-6s %s\n", t->batch, cell[0], cell[1], rc, q, tgt);
	}
	printf("  (quiet: pairs of runs in which neither process waited for a CPU more than\n"
	       "   %.0f %% of the time; a row with more than a third of its pairs disturbed\n"
	       "   is tagged \"disturbed\": its figures are not reliable)\n\n",
	       RUN_DISTURBED_FRAC * 100);
}

/* Latency figures of one run. */
struct lat {
	int ok;             /* the run completed */
	uint64_t min;       /* fastest round trip (ns) */
	uint64_t p50;       /* median */
	uint64_t p99;       /* 99th percentile */
	uint64_t p999;      /* 99.9th percentile */
	uint64_t max;       /* slowest */
	double sleeps;      /* NIC voluntary context switches per round trip */
	double doorbells;   /* mailbox: doorbells the host rang per round trip */
	double wait_frac;   /* time both sides waited for a CPU / (2 x run time) */
};

/* One latency mode, measured over the mailbox [0] and the plain ring [1]. */
struct lat_row {
	enum rtt_mode mode; /* who polls, who sleeps */
	uint32_t target_ns; /* mailbox p50 target, 0: none */
	struct lat l[2];    /* mailbox, ring */
};

static int measure_lat(struct lat *l, enum ep_kind kind, enum rtt_mode mode)
{
	struct job j = { .is_rtt = 1, .mode = mode, .warmup = B.o.rtt_warmup,
			 .count = B.o.rtts };
	if (mode != RTT_POLLED) {
		/* Each sleeping round trip costs ~gap + tens of us: fewer of them. */
		j.count = B.o.sleep_rtts;
		j.warmup = DFN_MIN(B.o.rtt_warmup, B.o.sleep_rtts / 10);
	}
	memset(l, 0, sizeof(*l));
	if (run_pair(kind, &j))
		return 1;
	uint64_t *s = B.ctl->samples, n = j.count;
	qsort(s, n, sizeof(*s), cmp_u64);
	l->ok = 1;
	l->min = s[0];
	l->p50 = s[n / 2];
	l->p99 = s[(n * 99) / 100];
	l->p999 = s[(n * 999) / 1000];
	l->max = s[n - 1];
	l->sleeps = (double)j.nic_sleeps / (double)(j.warmup + j.count);
	l->doorbells = (double)B.ctl->host_doorbells / (double)(j.warmup + j.count);
	l->wait_frac = j.wait_frac;
	return 0;
}

static double lat_ratio(const struct lat_row *r)
{
	return r->l[0].ok && r->l[1].ok && r->l[1].p50 ? (double)r->l[0].p50 / (double)r->l[1].p50
						       : 0;
}

/* Either run of a latency mode was disturbed. */
static int lat_disturbed(const struct lat_row *r)
{
	return r->l[0].wait_frac > RUN_DISTURBED_FRAC || r->l[1].wait_frac > RUN_DISTURBED_FRAC;
}

static void print_lat(const struct lat_row *rows, unsigned nrows)
{
	printf("Round-trip latency, ns (host -> NIC -> host; %lu round trips per polled row,\n"
	       "%lu per doorbell row)\n", B.o.rtts, B.o.sleep_rtts);
	printf("  %-14s %-8s %7s %7s %7s %7s %8s %6s %6s %5s %6s  %s\n", "mode", "channel",
	       "min", "p50", "p99", "p99.9", "max", "sleeps", "bells", "wait%", "ratio",
	       "target p50");
	for (unsigned i = 0; i < nrows; i++) {
		const struct lat_row *r = &rows[i];
		for (int k = 0; k < 2; k++) {
			const struct lat *l = &r->l[k];
			const char *chan = k ? "ring" : "mailbox";
			char ratio[16] = "", tgt[32] = "", db[16] = "-";
			if (!l->ok) {
				printf("  %-14s %-8s ERROR\n", rtt_mode_names[r->mode], chan);
				continue;
			}
			if (k == 0) {
				snprintf(db, sizeof(db), "%.2f", l->doorbells);
				if (r->l[1].ok)
					snprintf(ratio, sizeof(ratio), "%.2f", lat_ratio(r));
				if (r->target_ns)
					snprintf(tgt, sizeof(tgt), "<= %u %s%s", r->target_ns,
						 verdict(1, l->p50 <= r->target_ns),
						 lat_disturbed(r) ? " disturbed" : "");
				else
					snprintf(tgt, sizeof(tgt), "-%s",
						 lat_disturbed(r) ? " disturbed" : "");
			}
			printf("  %-14s %-8s %7" PRIu64 " %7" PRIu64 " %7" PRIu64 " %7" PRIu64
			       " %8" PRIu64 " %6.2f %6s %5.1f %6s  %s\n",
			       k ? "" : rtt_mode_names[r->mode], chan, l->min, l->p50, l->p99,
			       l->p999, l->max, l->sleeps, db, l->wait_frac * 100, ratio, tgt);
		}
	}
	printf("  (sleeps: voluntary context switches of the NIC process per round trip;\n"
	       "   bells: doorbells the host rang per round trip; wait%%: share of the time the\n"
	       "   two processes waited for a CPU, over %.0f %% tags the mode \"disturbed\";\n"
	       "   ratio: mailbox p50 / ring p50)\n", RUN_DISTURBED_FRAC * 100);
	for (unsigned i = 0; i < nrows; i++)
		for (int k = 0; k < 2; k++)
			if (rows[i].mode != RTT_POLLED && rows[i].l[k].ok &&
			    rows[i].l[k].sleeps < 0.9)
				printf("  note: in %s/%s the NIC slept in only %.0f%% of round trips\n"
				       "        (still awake when the next request came): raise --gap-us\n",
				       rtt_mode_names[rows[i].mode], k ? "ring" : "mailbox",
				       rows[i].l[k].sleeps * 100);
	printf("\n");
}

static void print_results(const struct tput_row *tp, unsigned ntp, const struct lat_row *lat,
			  unsigned nlat)
{
	printf("RESULT mbox_pinning %s\n",
	       B.cpu_host < 0 ? "none" : B.child_pin_failed ? "failed" : "ok");
	for (unsigned i = 0; i < ntp; i++) {
		const struct tput_row *t = &tp[i];
		int ok = t->ok[0] && t->ok[1];
		printf("RESULT mbox_throughput batch=%u mbox=%.0f ring=%.0f ratio=%.2f ", t->batch,
		       t->med[0], t->med[1], t->ratio);
		if (t->has_target)
			printf("target>=%.2f %s%s\n", TARGET_TPUT_RATIO_B32,
			       verdict(ok, t->ratio >= TARGET_TPUT_RATIO_B32),
			       t->disturbed ? " disturbed" : "");
		else
			printf("target=none %s%s\n", ok ? "INFO" : "ERROR",
			       t->disturbed ? " disturbed" : "");
	}
	for (unsigned i = 0; i < nlat; i++) {
		const struct lat_row *r = &lat[i];
		const struct lat *m = &r->l[0], *g = &r->l[1];
		printf("RESULT mbox_rtt mode=%s p50_ns=%" PRIu64 " p99_ns=%" PRIu64
		       " ring_p50_ns=%" PRIu64 " ring_p99_ns=%" PRIu64 " ratio_p50=%.2f"
		       " nic_sleeps_per_rt=%.2f ",
		       rtt_mode_names[r->mode], m->p50, m->p99, g->p50, g->p99, lat_ratio(r),
		       m->sleeps);
		if (r->target_ns)
			printf("target_p50<=%u %s%s\n", r->target_ns,
			       verdict(m->ok, m->p50 <= r->target_ns),
			       lat_disturbed(r) ? " disturbed" : "");
		else
			printf("target=none %s%s\n", m->ok && g->ok ? "INFO" : "ERROR",
			       lat_disturbed(r) ? " disturbed" : "");
	}
}

/* ---- main ------------------------------------------------------------------ */

static void usage(FILE *f)
{
	fprintf(f,
		"usage: mbox-bench [options]\n"
		"Mailbox (drivers/mbox, shm transport) vs a plain SPSC ring between two\n"
		"processes: throughput at batch 1 and 32, round-trip latency polled and\n"
		"doorbell-woken. See tests/bench/README.md.\n"
		"  --msgs N        measured messages per throughput run (default 2000000)\n"
		"  --warmup N      messages sent before timing starts (default 200000)\n"
		"  --reps N        throughput runs per configuration, median shown (default 7)\n"
		"  --rtts N        measured round trips per latency run (default 100000)\n"
		"  --rtt-warmup N  round trips before recording (default 10000)\n"
		"  --sleep-rtts N  measured round trips of each doorbell row (default 40000)\n"
		"  --gap-us N      doorbell modes: host idle time between round trips (default 20)\n"
		"  --slot-size N   bytes per slot, both mailbox and ring (default %d)\n"
		"  --slots N       slots per ring (default %d)\n"
		"  --quick         small counts for a smoke run (figures are noisy)\n"
		"  --only WHAT     throughput or latency: run only those (e.g. to profile)\n",
		CONFIG_MBOX_SLOT_SIZE, CONFIG_MBOX_SLOT_COUNT);
}

static int parse_opts(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "msgs", required_argument, NULL, 'n' },
		{ "warmup", required_argument, NULL, 'w' },
		{ "reps", required_argument, NULL, 'r' },
		{ "rtts", required_argument, NULL, 't' },
		{ "rtt-warmup", required_argument, NULL, 'W' },
		{ "sleep-rtts", required_argument, NULL, 'S' },
		{ "gap-us", required_argument, NULL, 'g' },
		{ "slot-size", required_argument, NULL, 's' },
		{ "slots", required_argument, NULL, 'c' },
		{ "quick", no_argument, NULL, 'q' },
		{ "only", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	B.o = (struct opts){
		.msgs = 2000000, .warmup = 200000, .reps = 7, .rtts = 100000,
		.rtt_warmup = 10000, .sleep_rtts = 40000, .gap_us = 20,
		.slot_size = CONFIG_MBOX_SLOT_SIZE, .slot_count = CONFIG_MBOX_SLOT_COUNT,
	};
	int c, li = -1;
	while ((c = getopt_long(argc, argv, "h", lo, &li)) != -1) {
		unsigned long *dst = NULL, min = 1, max = 1000000000ul;
		switch (c) {
		case 'n': dst = &B.o.msgs; break;
		case 'w': dst = &B.o.warmup; min = 0; break;
		case 'r': dst = &B.o.reps; max = 101; break;
		case 't': dst = &B.o.rtts; max = 10000000; break;
		case 'W': dst = &B.o.rtt_warmup; min = 0; break;
		case 'S': dst = &B.o.sleep_rtts; max = 10000000; break;
		case 'g': dst = &B.o.gap_us; min = 0; max = 1000000; break;
		case 's': dst = &B.o.slot_size; min = 128; max = 65536; break;
		case 'c': dst = &B.o.slot_count; min = 64; max = 1u << 20; break;
		case 'q':
			B.o.msgs = 200000; B.o.warmup = 20000; B.o.reps = 1;
			B.o.rtts = 5000; B.o.rtt_warmup = 500; B.o.sleep_rtts = 2000;
			continue;
		case 'o':
			B.o.skip_tput = !strcmp(optarg, "latency");
			B.o.skip_lat = !strcmp(optarg, "throughput");
			if (!B.o.skip_tput && !B.o.skip_lat) {
				fprintf(stderr, "mbox-bench: --only throughput|latency\n");
				exit(2);
			}
			continue;
		case 'h': usage(stdout); exit(0);
		default: usage(stderr); exit(2);
		}
		if (dfn_parse_uint(optarg, min, max, dst)) {
			fprintf(stderr, "mbox-bench: bad value '%s' for --%s (%lu..%lu)\n",
				optarg, li >= 0 ? lo[li].name : "?", min, max);
			exit(2);
		}
	}
	if (optind < argc) {
		usage(stderr);
		exit(2);
	}
	if (!dfn_is_pow2(B.o.slot_size) || !dfn_is_pow2(B.o.slot_count)) {
		fprintf(stderr, "mbox-bench: --slot-size and --slots must be powers of two\n");
		exit(2);
	}
	return 0;
}

static int setup(void)
{
	snprintf(B.path, sizeof(B.path), "/dev/shm/dfnic-bench-%d", (int)getpid());
	snprintf(B.uri, sizeof(B.uri), "shm:%s", B.path);
	B.ctl_size = sizeof(struct shared_ctl) +
		     DFN_MAX(B.o.rtts, B.o.sleep_rtts) * sizeof(uint64_t);
	B.ctl = mmap(NULL, B.ctl_size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (B.ctl == MAP_FAILED)
		return -errno;
	size_t one = spsc_ring_mem_size((uint32_t)B.o.slot_size, (uint32_t)B.o.slot_count);
	B.ring_off = (one + 4095) & ~(size_t)4095;
	B.ring_mem_size = 2 * B.ring_off + 4096;
	B.ring_mem = mmap(NULL, B.ring_mem_size, PROT_READ | PROT_WRITE,
			  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (B.ring_mem == MAP_FAILED)
		return -errno;
	B.bells = (struct ring_bell *)((uint8_t *)B.ring_mem + 2 * B.ring_off);
	B.cap = B.o.slot_size;
	for (unsigned i = 0; i < MAX_BURST; i++) {
		if (posix_memalign(&B.bufs[i], DFN_CACHE_LINE, B.cap) ||
		    posix_memalign(&B.msgs[i], DFN_CACHE_LINE, B.cap))
			return -ENOMEM;
		memset(B.bufs[i], 0, B.cap);
		msg_init(B.msgs[i], 0);
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct tput_row tp[] = {
		{ .batch = 1 },
		{ .batch = MAX_BURST, .has_target = 1 },
	};
	struct lat_row lat[] = {
		{ .mode = RTT_POLLED, .target_ns = TARGET_RTT_POLLED_P50_NS },
		{ .mode = RTT_DOORBELL, .target_ns = TARGET_RTT_DOORBELL_P50_NS },
		{ .mode = RTT_DOORBELL_BOTH },
	};
	int failures = 0;

	parse_opts(argc, argv);
	setvbuf(stdout, NULL, _IOLBF, 0);
	dfn_log_init("mbox-bench", DFN_LOG_WARN);
	signal(SIGALRM, on_alarm);
	if (setup()) {
		fprintf(stderr, "mbox-bench: out of memory\n");
		return 1;
	}
	choose_cpus();

	printf("mbox-bench: mailbox (drivers/mbox, shm transport) vs plain SPSC ring, two processes\n");
	printf("  channel   %s, slot %lu B x %lu slots per ring; message %zu B "
	       "(%zu B header + %u B payload)\n",
	       B.uri, B.o.slot_size, B.o.slot_count, MSG_LEN, sizeof(struct mbox_msg_hdr),
	       PAYLOAD_LEN);
	printf("  pinning   %s\n", B.pin_note);
	printf("  runs      throughput: %lu msgs after %lu warm-up, %lu runs each; latency: %lu\n"
	       "            polled / %lu doorbell round trips after a warm-up; the host idles\n"
	       "            %lu us before each doorbell round trip so the NIC is asleep\n\n",
	       B.o.msgs, B.o.warmup, B.o.reps, B.o.rtts, B.o.sleep_rtts, B.o.gap_us);

	struct noise noise[2] = { { .section = "throughput" }, { .section = "latency" } };
	unsigned ntp = B.o.skip_tput ? 0 : ARRAY_SIZE(tp);
	unsigned nlat = B.o.skip_lat ? 0 : ARRAY_SIZE(lat);
	uint64_t steal0 = steal_ms();
	B.noise = &noise[0];
	for (unsigned i = 0; i < ntp; i++)
		failures += measure_tput(&tp[i]);
	noise[0].steal_ms = steal_ms() - steal0;
	if (ntp) {
		print_tput(tp, ntp);
		print_noise(&noise[0]);
	}
	steal0 = steal_ms();
	B.noise = &noise[1];
	for (unsigned i = 0; i < nlat; i++)
		for (int k = 0; k < 2; k++)
			failures += measure_lat(&lat[i].l[k], k ? EP_RING : EP_MBOX, lat[i].mode);
	noise[1].steal_ms = steal_ms() - steal0;
	if (nlat) {
		print_lat(lat, nlat);
		print_noise(&noise[1]);
	}
	for (int i = 0; i < 2; i++)
		if (noise[i].runs)
			printf("RESULT mbox_disturbance section=%s cpu_wait_pct=%.2f worst_run_pct=%.1f"
			       " disturbed_runs=%u runs=%u preemptions=%" PRIu64 "\n",
			       noise[i].section, noise_frac(&noise[i]) * 100,
			       noise[i].wait_frac_max * 100, noise[i].disturbed_runs, noise[i].runs,
			       noise[i].preempts);
	print_results(tp, ntp, lat, nlat);

	if (failures)
		printf("mbox-bench: %d run(s) failed (see the messages above)\n", failures);
	munmap(B.ring_mem, B.ring_mem_size);
	munmap(B.ctl, B.ctl_size);
	for (unsigned i = 0; i < MAX_BURST; i++) {
		free(B.bufs[i]);
		free(B.msgs[i]);
	}
	return failures ? 1 : 0;
}
