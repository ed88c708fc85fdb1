/* tests/integration/service_notify.c: sd-notify-recv, a tiny stand-in for
 * systemd's side of Type=notify, used by service_unit.sh.
 *
 *   sd-notify-recv [--watchdog-ms W] [--observe-ms O] [--timeout-ms T] -- CMD ARGS...
 *
 * Binds a Unix datagram socket, starts CMD with NOTIFY_SOCKET pointing at
 * it and WATCHDOG_USEC=W*1000 / WATCHDOG_PID=<its pid> (as systemd does),
 * then asserts, printing each message it receives:
 *   - READY=1 arrives within T ms, sent by CMD's own pid (SCM_CREDENTIALS,
 *     what NotifyAccess=main enforces);
 *   - over the next O ms WATCHDOG=1 pings arrive at the asked rate: no gap
 *     (from READY=1 on) longer than W (systemd would kill the service), and
 *     no more than O/(W/2) + 2 pings (a ping from a busy loop is not a
 *     liveness signal);
 *   - after SIGTERM: STOPPING=1, then CMD exits with status 0 within T ms.
 * Exit 0 when all hold, 1 with "FAIL: ..." otherwise, 2 on usage errors. */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static pid_t child;
static char sock_path[108];

static void cleanup(void)
{
	if (child > 0 && waitpid(child, NULL, WNOHANG) == 0) {
		kill(child, SIGKILL);
		waitpid(child, NULL, 0);
	}
	if (sock_path[0])
		unlink(sock_path);
}

static void fail(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void fail(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	printf("FAIL: ");
	vprintf(fmt, ap);
	printf("\n");
	va_end(ap);
	fflush(stdout);
	cleanup();
	exit(1);
}

/* One datagram within wait_ms: its text in buf, the sender pid in *pid.
 * Returns 1, or 0 on timeout. */
static int recv_msg(int fd, double wait_ms, char *buf, size_t size, pid_t *pid)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	int r = poll(&p, 1, wait_ms < 0 ? 0 : (int)wait_ms);
	if (r < 0 && errno == EINTR)
		return 0;
	if (r <= 0)
		return 0;
	union {
		struct cmsghdr h;
		char b[CMSG_SPACE(sizeof(struct ucred))];
	} ctl;
	struct iovec iov = { buf, size - 1 };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = &ctl,
			    .msg_controllen = sizeof(ctl) };
	ssize_t n = recvmsg(fd, &m, 0);
	if (n < 0)
		fail("recvmsg: %s", strerror(errno));
	buf[n] = '\0';
	*pid = 0;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c))
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_CREDENTIALS) {
			struct ucred uc;
			memcpy(&uc, CMSG_DATA(c), sizeof(uc));
			*pid = uc.pid;
		}
	return 1;
}

/* Does the newline-separated message hold exactly this assignment? */
static int has(const char *msg, const char *kv)
{
	size_t l = strlen(kv);
	for (const char *p = msg; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL)
		if (!strncmp(p, kv, l) && (p[l] == '\n' || p[l] == '\0'))
			return 1;
	return 0;
}

static void show(double t0, const char *msg, pid_t pid)
{
	printf("t=%8.1f ms pid %d:", now_ms() - t0, (int)pid);
	for (const char *p = msg; *p; p++)
		putchar(*p == '\n' ? ' ' : *p);
	putchar('\n');
	fflush(stdout);
}

int main(int argc, char **argv)
{
	long wd_ms = 1000, observe_ms = 5000, timeout_ms = 30000;
	int i;
	setvbuf(stdout, NULL, _IOLBF, 0); /* the test script waits for our lines */
	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--") ) {
			i++;
			break;
		}
		if (i + 1 >= argc)
			break;
		if (!strcmp(argv[i], "--watchdog-ms"))
			wd_ms = atol(argv[++i]);
		else if (!strcmp(argv[i], "--observe-ms"))
			observe_ms = atol(argv[++i]);
		else if (!strcmp(argv[i], "--timeout-ms"))
			timeout_ms = atol(argv[++i]);
		else
			break;
	}
	if (i >= argc || wd_ms < 2 || observe_ms < wd_ms || timeout_ms < 1) {
		fprintf(stderr, "usage: sd-notify-recv [--watchdog-ms W] [--observe-ms O>=W] "
				"[--timeout-ms T] -- CMD ARGS...\n");
		return 2;
	}
	char **cmd = argv + i;

	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		fail("socket: %s", strerror(errno));
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	snprintf(sock_path, sizeof(sock_path), "%s/sd-notify-%d.sock",
		 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp", (int)getpid());
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", sock_path);
	unlink(sock_path);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)))
		fail("bind %s: %s", sock_path, strerror(errno));
	int one = 1;
	if (setsockopt(fd, SOL_SOCKET, SO_PASSCRED, &one, sizeof(one)))
		fail("SO_PASSCRED: %s", strerror(errno));

	double t0 = now_ms();
	child = fork();
	if (child < 0)
		fail("fork: %s", strerror(errno));
	if (child == 0) {
		char usec[32], pid[32];
		snprintf(usec, sizeof(usec), "%ld", wd_ms * 1000);
		snprintf(pid, sizeof(pid), "%d", (int)getpid());
		setenv("NOTIFY_SOCKET", sock_path, 1);
		setenv("WATCHDOG_USEC", usec, 1);
		setenv("WATCHDOG_PID", pid, 1);
		execvp(cmd[0], cmd);
		fprintf(stderr, "sd-notify-recv: exec %s: %s\n", cmd[0], strerror(errno));
		_exit(127);
	}

	char msg[4096];
	pid_t from;
	double ready = -1;
	/* 1. READY=1 */
	while (ready < 0) {
		double left = t0 + timeout_ms - now_ms();
		if (left <= 0)
			fail("no READY=1 within %ld ms", timeout_ms);
		if (waitpid(child, NULL, WNOHANG) == child) {
			child = 0;
			fail("the service exited before READY=1");
		}
		if (!recv_msg(fd, left < 100 ? left : 100, msg, sizeof(msg), &from))
			continue;
		show(t0, msg, from);
		if (from != child)
			fail("message from pid %d, not the service's %d", (int)from, (int)child);
		if (has(msg, "READY=1"))
			ready = now_ms();
	}
	printf("READY=1 after %.0f ms\n", ready - t0);

	/* 2. watchdog pings during observe_ms */
	double last = ready, max_gap = 0, end = ready + observe_ms;
	int pings = 0;
	while (now_ms() < end) {
		if (!recv_msg(fd, end - now_ms(), msg, sizeof(msg), &from))
			continue;
		if (from != child)
			fail("message from pid %d, not the service's %d", (int)from, (int)child);
		if (has(msg, "WATCHDOG=1")) {
			double t = now_ms();
			if (t - last > max_gap)
				max_gap = t - last;
			last = t;
			pings++;
		} else {
			show(t0, msg, from);
		}
		if (has(msg, "STOPPING=1"))
			fail("STOPPING=1 before SIGTERM");
	}
	if (end - last > max_gap)
		max_gap = end - last;
	long period = wd_ms / 2;
	long lo = observe_ms / period - 2, hi = observe_ms / period + 2;
	printf("%d WATCHDOG=1 pings in %ld ms (expected %ld..%ld at one per %ld ms), longest "
	       "gap %.0f ms (limit %ld)\n", pings, observe_ms, lo, hi, period, max_gap, wd_ms);
	if (pings < lo || pings > hi)
		fail("%d pings, expected %ld..%ld", pings, lo, hi);
	if (max_gap > wd_ms)
		fail("a %.0f ms gap between pings: systemd would have killed it (WatchdogSec %ld ms)",
		     max_gap, wd_ms);

	/* 3. SIGTERM -> STOPPING=1 and exit 0 */
	double term = now_ms();
	kill(child, SIGTERM);
	int stopping = 0, status = 0;
	for (;;) {
		double left = term + timeout_ms - now_ms();
		if (left <= 0)
			fail("still running %ld ms after SIGTERM", timeout_ms);
		if (recv_msg(fd, left < 50 ? left : 50, msg, sizeof(msg), &from)) {
			if (!has(msg, "WATCHDOG=1"))
				show(t0, msg, from);
			if (has(msg, "STOPPING=1") && !stopping) {
				stopping = 1;
				printf("STOPPING=1 %.0f ms after SIGTERM\n", now_ms() - term);
			}
		}
		pid_t w = waitpid(child, &status, WNOHANG);
		if (w == child) {
			child = 0;
			break;
		}
	}
	/* a datagram sent just before exiting may still be queued */
	while (!stopping && recv_msg(fd, 0, msg, sizeof(msg), &from)) {
		show(t0, msg, from);
		stopping = has(msg, "STOPPING=1");
	}
	if (!stopping)
		fail("no STOPPING=1 after SIGTERM");
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		fail("exit status %s %d after SIGTERM", WIFEXITED(status) ? "code" : "signal",
		     WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
	printf("exit 0 %.0f ms after SIGTERM\n", now_ms() - term);
	cleanup();
	return 0;
}
