/* hostd/api/api.h: hostd's northbound REST/JSON API (Neutron-shaped).
 *
 * libmicrohttpd serves it from its own thread (MHD_USE_INTERNAL_POLLING_
 * THREAD): requests never run on hostd's libevent OpenFlow loop. Reads take
 * the topology's read lock, writes run a topology transaction (write lock,
 * validation, SQLite commit) and are answered only once durable. The
 * pipeline learns about changes through topo_subscribe() (hostd/topo).
 *
 * Listeners: a Unix socket (always; mode 0660) and, optionally, TCP with
 * TLS (libmicrohttpd built with GnuTLS, checked at start). Resources and
 * error shapes are listed in hostd/README.md ("Topology, store and API"). */
#ifndef DFNIC_HOSTD_API_H
#define DFNIC_HOSTD_API_H

#include <stddef.h>

#include "hostd/topo/topo.h"

#define API_DEFAULT_MAX_BODY (32u << 20) /* bytes; larger bodies get 413 */
/* The API's threads run this much nicer than the rest of hostd: a bulk
 * request (parsing, SQLite) yields the CPU to the controller thread and to
 * a switch on the same host taking the flows of the part already staged
 * (tests/bench/README.md, pipeline_e2e). */
#define API_DEFAULT_NICE 5

struct api_cfg {
	const char *unix_path;          /* Unix socket path (required) */
	const char *tls_listen;         /* "ADDR:PORT" for TCP+TLS, NULL = none */
	const char *tls_cert;           /* PEM certificate file (with tls_listen) */
	const char *tls_key;            /* PEM private key file (with tls_listen) */
	size_t max_body;                /* request body limit, 0 = default */
	int nice;                       /* added to the nice value of the API's
					 * threads (0..19; API_DEFAULT_NICE) */
};

struct api;

/* Start serving t. 0 or -errno (logged: socket in use, TLS unsupported,
 * unreadable certificate...). */
int api_start(const struct api_cfg *cfg, struct topo *t, struct api **out);
/* Stop (joins the server thread, removes the socket); accepts NULL. */
void api_stop(struct api *a);

#endif
