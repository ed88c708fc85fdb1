/* firmware/bypass.c: bridges that keep VMs on OVS while the firmware is
 * away (bypass.h), through rtnetlink requests (NEWLINK: create a bridge,
 * set a link's master and its IFF_UP flag). */
#include "firmware/bypass.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "drivers/base/log.h"

#define MOD "bypass"

/* One rtnetlink request being built. */
struct nlreq {
	struct nlmsghdr h;    /* header */
	struct ifinfomsg i;   /* link message */
	char attrs[256];      /* attributes */
};

static void add_attr(struct nlreq *r, unsigned short type, const void *data, size_t len)
{
	struct rtattr *a = (struct rtattr *)((char *)r + NLMSG_ALIGN(r->h.nlmsg_len));
	a->rta_type = type;
	a->rta_len = (unsigned short)RTA_LENGTH(len);
	if (len)
		memcpy(RTA_DATA(a), data, len);
	r->h.nlmsg_len = NLMSG_ALIGN(r->h.nlmsg_len) + RTA_ALIGN(a->rta_len);
}

/* Send one request and read its acknowledgement: 0 or -errno. */
static int nl_talk(struct nlreq *r)
{
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (fd < 0)
		return -errno;
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	r->h.nlmsg_flags |= NLM_F_REQUEST | NLM_F_ACK;
	r->h.nlmsg_seq = 1;
	int ret = 0;
	if (sendto(fd, r, r->h.nlmsg_len, 0, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		ret = -errno;
		goto close_fd;
	}
	char buf[1024];
	ssize_t n = recv(fd, buf, sizeof(buf), 0);
	if (n < 0) {
		ret = -errno;
		goto close_fd;
	}
	struct nlmsghdr *h = (struct nlmsghdr *)buf;
	if (!NLMSG_OK(h, (unsigned)n) || h->nlmsg_type != NLMSG_ERROR) {
		ret = -EPROTO;
		goto close_fd;
	}
	ret = ((struct nlmsgerr *)NLMSG_DATA(h))->error;
close_fd:
	close(fd);
	return ret;
}

static void req_init(struct nlreq *r, int ifindex, unsigned flags)
{
	memset(r, 0, sizeof(*r));
	r->h.nlmsg_len = NLMSG_LENGTH(sizeof(struct ifinfomsg));
	r->h.nlmsg_type = RTM_NEWLINK;
	r->h.nlmsg_flags = (unsigned short)flags;
	r->i.ifi_family = AF_UNSPEC;
	r->i.ifi_index = ifindex;
}

/* Set `ifname`'s master (0: none) and bring it up. */
static int link_set(const char *ifname, int master)
{
	int idx = (int)if_nametoindex(ifname);
	if (!idx)
		return -ENODEV;
	struct nlreq r;
	req_init(&r, idx, 0);
	r.i.ifi_flags = IFF_UP;
	r.i.ifi_change = IFF_UP;
	uint32_t m = (uint32_t)master;
	add_attr(&r, IFLA_MASTER, &m, sizeof(m));
	return nl_talk(&r);
}

/* Create bridge `name` (if missing) and bring it up: its ifindex or -errno. */
static int bridge_ensure(const char *name)
{
	int idx = (int)if_nametoindex(name);
	if (!idx) {
		struct nlreq r;
		req_init(&r, 0, NLM_F_CREATE | NLM_F_EXCL);
		add_attr(&r, IFLA_IFNAME, name, strlen(name) + 1);
		struct rtattr *li = (struct rtattr *)((char *)&r + NLMSG_ALIGN(r.h.nlmsg_len));
		add_attr(&r, IFLA_LINKINFO, NULL, 0);
		add_attr(&r, IFLA_INFO_KIND, "bridge", 6);
		li->rta_len = (unsigned short)((char *)&r + r.h.nlmsg_len - (char *)li);
		int e = nl_talk(&r);
		if (e && e != -EEXIST)
			return e;
		idx = (int)if_nametoindex(name);
		if (!idx)
			return -ENODEV;
	}
	struct nlreq r;
	req_init(&r, idx, 0);
	r.i.ifi_flags = IFF_UP;
	r.i.ifi_change = IFF_UP;
	int e = nl_talk(&r);
	return e ? e : idx;
}

static void bridge_name(const struct fw_dp_pair_cfg *p, char out[IF_NAMESIZE])
{
	snprintf(out, IF_NAMESIZE, "fb-%.12s", p->name);
}

int fw_bypass_engage(const struct fw_dp_pair_cfg *pairs, unsigned n)
{
	int first = 0;
	for (unsigned i = 0; i < n; i++) {
		char br[IF_NAMESIZE];
		bridge_name(&pairs[i], br);
		int idx = bridge_ensure(br);
		int e = idx < 0 ? idx : link_set(pairs[i].vm_if, idx);
		if (!e)
			e = link_set(pairs[i].repr_if, idx);
		if (e) {
			LOG_ERR(MOD, "bypass %s (%s <-> %s) not engaged: %s", br, pairs[i].vm_if,
				pairs[i].repr_if, strerror(-e));
			first = first ? first : e;
			continue;
		}
		LOG_INFO(MOD, "bypass engaged: bridge %s joins %s and %s (OVS serves %s)", br,
			 pairs[i].vm_if, pairs[i].repr_if, pairs[i].name);
	}
	return first;
}

/* Lock file of this network namespace's bypass. */
static int lock_open(void)
{
	struct stat st;
	char path[128];
	if (stat("/proc/self/ns/net", &st) < 0)
		st.st_ino = 0;
	snprintf(path, sizeof(path), "/tmp/dfnic-fw-bypass-%lu.lock", (unsigned long)st.st_ino);
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	return fd;
}

int fw_bypass_take(const struct fw_dp_pair_cfg *pairs, unsigned n)
{
	int fd = lock_open();
	if (fd < 0) {
		LOG_ERR(MOD, "bypass lock file: %s", strerror(-fd));
		return fd;
	}
	/* a previous firmware's guardian may still be re-engaging */
	for (int tries = 0; flock(fd, LOCK_EX | LOCK_NB) < 0; tries++) {
		if (tries == 100) {
			LOG_ERR(MOD, "bypass lock held for 5 s by another firmware of this namespace");
			close(fd);
			return -EBUSY;
		}
		usleep(50 * 1000);
	}
	for (unsigned i = 0; i < n; i++) {
		int e = link_set(pairs[i].vm_if, 0);
		if (!e)
			e = link_set(pairs[i].repr_if, 0);
		if (e) {
			LOG_ERR(MOD, "cannot take %s / %s out of the bypass: %s", pairs[i].vm_if,
				pairs[i].repr_if, strerror(-e));
			close(fd);
			return e;
		}
	}
	LOG_INFO(MOD, "bypass released: %u pair(s) forwarded by the firmware", n);
	return fd;
}

int fw_bypass_guard(const struct fw_dp_pair_cfg *pairs, unsigned n, int lock_fd)
{
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0) {
		int e = -errno;
		LOG_ERR(MOD, "guardian pipe: %s", strerror(-e));
		return e;
	}
	pid_t pid = fork();
	if (pid < 0) {
		int e = -errno;
		LOG_ERR(MOD, "cannot fork the bypass guardian: %s", strerror(-e));
		close(p[0]);
		close(p[1]);
		return e;
	}
	if (pid == 0) {
		/* the guardian: wait for the firmware to end, whatever the way */
		close(p[1]);
		signal(SIGTERM, SIG_IGN); /* a process-group SIGTERM is for the firmware */
		signal(SIGINT, SIG_IGN);
		prctl(PR_SET_NAME, "fw-bypass", 0, 0, 0);
		char c;
		for (;;) { /* EOF: the last write end (the firmware's) is closed */
			ssize_t r = read(p[0], &c, 1);
			if (r == 0 || (r < 0 && errno != EINTR))
				break;
		}
		_exit(fw_bypass_engage(pairs, n) ? 1 : 0); /* no atexit work: not ours */
	}
	close(p[0]);
	/* the write end stays open (close-on-exec) for our whole life */
	close(lock_fd);
	LOG_INFO(MOD, "bypass guardian %d watches this firmware", (int)pid);
	return 0;
}
