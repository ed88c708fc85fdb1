/* hostd/api/northbound.h: hostd's northbound side in one call for main.c:
 * the topology (hostd/topo), its store (hostd/store) and the REST API
 * (hostd/api). main.c forwards the options below to hostd_nb_option() and
 * calls hostd_nb_start()/hostd_nb_stop(); the pipeline gets the topology
 * with hostd_nb_topo(). */
#ifndef DFNIC_HOSTD_NORTHBOUND_H
#define DFNIC_HOSTD_NORTHBOUND_H

#include <getopt.h>
#include <stdio.h>

#include "hostd/topo/topo.h"

#define HOSTD_NB_DEFAULT_STATE_DIR "/var/lib/dfnic"

/* Option values (getopt codes) main.c's longopts must map to. */
enum {
	HOSTD_NB_OPT_STATE_DIR = 0x300,
	HOSTD_NB_OPT_API,
	HOSTD_NB_OPT_API_TLS,
	HOSTD_NB_OPT_API_CERT,
	HOSTD_NB_OPT_API_KEY,
	HOSTD_NB_OPT_API_MAX_BODY,
	HOSTD_NB_OPT_API_NICE,
	HOSTD_NB_OPT_END,
};

/* The long options, to append to main.c's table. */
#define HOSTD_NB_LONGOPTS                                                         \
	{ "state-dir", required_argument, NULL, HOSTD_NB_OPT_STATE_DIR },         \
	{ "api", required_argument, NULL, HOSTD_NB_OPT_API },                     \
	{ "api-tls", required_argument, NULL, HOSTD_NB_OPT_API_TLS },             \
	{ "api-cert", required_argument, NULL, HOSTD_NB_OPT_API_CERT },           \
	{ "api-key", required_argument, NULL, HOSTD_NB_OPT_API_KEY },             \
	{ "api-max-body", required_argument, NULL, HOSTD_NB_OPT_API_MAX_BODY },   \
	{ "api-nice", required_argument, NULL, HOSTD_NB_OPT_API_NICE }

/* Handle one of the options above: 0, or -EINVAL after printing why. */
int hostd_nb_option(int opt, const char *arg);
/* The lines for hostd --help. */
void hostd_nb_usage(FILE *f);

/* Open the store, load the topology, start the API. 0 or -errno (logged). */
int hostd_nb_start(void);
/* Stop the API, close the store, free the topology (safe if not started). */
void hostd_nb_stop(void);
/* Stops serving requests (the API's threads end; the topology and the
 * store stay until hostd_nb_stop). Call it first at shutdown, so that
 * no request runs while the modules it reaches (pipeline, controller,
 * offload) are torn down. Idempotent. */
void hostd_nb_quiesce(void);
/* The live topology (NULL before start). */
struct topo *hostd_nb_topo(void);

#endif
