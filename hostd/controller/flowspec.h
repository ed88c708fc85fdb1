/* hostd/controller/flowspec.h: the desired-state text format (--flows).
 *
 * One item per line; '#' starts a comment line. Three kinds of lines:
 *
 *   table=0 priority=100 cookie=0x1 idle_timeout=0 hard_timeout=0
 *       [send_flow_rem] in_port=vm1,ip,ipv4_dst=10.0.0.0/24
 *       actions=dec_ttl,set_field:02:00:00:00:00:01->eth_src,output:2
 *   group_id=1 type=all|select|indirect|ff bucket=output:1
 *       bucket=weight:5,watch_port:2,output:2
 *   meter_id=1 flags=kbps,burst,stats band=drop,rate=1000,burst=100
 *
 * (each on one line). Flow items before actions= are separated by blanks or
 * commas: table, priority, cookie, idle_timeout, hard_timeout, the flags
 * send_flow_rem/check_overlap/reset_counts/no_packet_counts/no_byte_counts,
 * any match field of the codec by name (value[/mask]; ports by number,
 * reserved name or switch port name) and the shorthands ip, ipv6, arp, tcp,
 * udp, icmp, tcp6, udp6, icmp6. actions= runs to the end of the line: a
 * comma list of actions (output:P, controller[:LEN], normal, flood, all,
 * local, in_port, drop, group:N, push_vlan:TPID, pop_vlan, dec_ttl,
 * set_field:V->FIELD, load:V->FIELD[a..b], move:F[a..b]->G[c..d],
 * resubmit:P, resubmit(P,T), ct(commit,force,zone=N,table=N,alg=N,nat,
 * nat(src|dst=IP[-IP][:P[-P]])) ) and instructions (goto_table:N,
 * write_metadata:V[/M], meter:N, clear_actions, write_actions(LIST)).
 *
 * Errors name the line and the 1-based column where the problem starts.
 * Port names are resolved through a callback so the same text gives each
 * switch its own port numbers (controller.c re-parses per switch). */
#ifndef DFNIC_CTL_FLOWSPEC_H
#define DFNIC_CTL_FLOWSPEC_H

#include <stddef.h>
#include <stdint.h>

#include "hostd/controller/desired.h"

/* Resolves a switch port name: 0 and *port set, or -ENOENT. */
typedef int (*flowspec_port_fn)(void *arg, const char *name, uint32_t *port);

struct flowspec_err {
	int line;       /* 1-based */
	int col;        /* 1-based */
	int unresolved; /* only a port name was unknown */
	char msg[200];  /* what is wrong */
};

struct flowspec_errs {
	struct flowspec_err *v; /* errors */
	size_t n;               /* used */
	size_t cap;             /* allocated */
};

void flowspec_errs_uninit(struct flowspec_errs *e);

/* Parses `text` into `out` (initialised by the caller; items are added).
 * Lines with errors are skipped and each is recorded in errs (may be
 * NULL). port_fn NULL: port names are errors. Returns the number of
 * errors, or -ENOMEM. */
int flowspec_parse(const char *text, flowspec_port_fn port_fn, void *arg, struct desired *out,
		   struct flowspec_errs *errs);

/* Reads a whole file into a malloc'ed NUL-terminated string: 0 or -errno. */
int flowspec_read_file(const char *path, char **text);

#endif
