/* hostd/api/northbound.c: start/stop of topology + store + REST API for
 * hostd/main.c (northbound.h). Process-wide state: one per hostd. */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "drivers/base/log.h"
#include "drivers/base/util.h"
#include "hostd/api/api.h"
#include "hostd/api/northbound.h"
#include "hostd/store/store.h"

#define MOD "northbound"

static struct {
	const char *state_dir;          /* --state-dir */
	const char *api;                /* --api unix:PATH */
	const char *tls;                /* --api-tls tcp:ADDR:PORT */
	const char *cert, *key;         /* --api-cert / --api-key */
	unsigned long max_body;         /* --api-max-body */
	unsigned long nice;             /* --api-nice */
	struct topo *topo;              /* the live topology */
	struct store *store;            /* its store */
	struct api *http;               /* the REST server */
} nb = { .state_dir = HOSTD_NB_DEFAULT_STATE_DIR, .nice = API_DEFAULT_NICE };

int hostd_nb_option(int opt, const char *arg)
{
	switch (opt) {
	case HOSTD_NB_OPT_STATE_DIR:
		if (!*arg)
			goto empty;
		nb.state_dir = arg;
		return 0;
	case HOSTD_NB_OPT_API:
		if (strncmp(arg, "unix:", 5) || !arg[5]) {
			fprintf(stderr, "hostd: --api: '%s' is not unix:PATH\n", arg);
			return -EINVAL;
		}
		nb.api = arg + 5;
		return 0;
	case HOSTD_NB_OPT_API_TLS:
		if (strncmp(arg, "tcp:", 4) || !strchr(arg + 4, ':')) {
			fprintf(stderr, "hostd: --api-tls: '%s' is not tcp:ADDR:PORT\n", arg);
			return -EINVAL;
		}
		nb.tls = arg + 4;
		return 0;
	case HOSTD_NB_OPT_API_CERT:
		nb.cert = arg;
		return 0;
	case HOSTD_NB_OPT_API_KEY:
		nb.key = arg;
		return 0;
	case HOSTD_NB_OPT_API_MAX_BODY:
		if (dfn_parse_uint(arg, 1024, 1ul << 31, &nb.max_body)) {
			fprintf(stderr, "hostd: --api-max-body: '%s' is not a number in 1024..%lu\n",
				arg, 1ul << 31);
			return -EINVAL;
		}
		return 0;
	case HOSTD_NB_OPT_API_NICE:
		if (dfn_parse_uint(arg, 0, 19, &nb.nice)) {
			fprintf(stderr, "hostd: --api-nice: '%s' is not a number in 0..19\n", arg);
			return -EINVAL;
		}
		return 0;
	default:
		return -EINVAL;
	}
empty:
	fprintf(stderr, "hostd: --state-dir: empty path\n");
	return -EINVAL;
}

void hostd_nb_usage(FILE *f)
{
	fprintf(f,
		"Topology store and northbound API:\n"
		"      --state-dir DIR     state directory (default %s): the SQLite\n"
		"                          store topology.db, the default API socket\n"
		"      --api unix:PATH     REST API Unix socket (default DIR/hostd.sock)\n"
		"      --api-tls tcp:ADDR:PORT  also serve the API over TLS on TCP\n"
		"      --api-cert FILE     PEM certificate for --api-tls\n"
		"      --api-key FILE      PEM private key for --api-tls\n"
		"      --api-max-body N    largest request body in bytes (default %u)\n"
		"      --api-nice N        the API's threads run N nicer (0..19, default %d)\n",
		HOSTD_NB_DEFAULT_STATE_DIR, API_DEFAULT_MAX_BODY, API_DEFAULT_NICE);
}

int hostd_nb_start(void)
{
	char sock[PATH_MAX];
	struct topo_err err = { 0 };
	int r;
	if (nb.tls && (!nb.cert || !nb.key)) {
		LOG_ERR(MOD, "--api-tls needs --api-cert and --api-key");
		return -EINVAL;
	}
	nb.topo = topo_new();
	if (!nb.topo)
		return -ENOMEM;
	if ((r = store_open(nb.state_dir, &nb.store)))
		goto free_topo;
	if ((r = store_load(nb.store, nb.topo, &err)))
		goto close_store;
	store_attach(nb.store, nb.topo);
	snprintf(sock, sizeof(sock), "%s/hostd.sock", nb.state_dir);
	struct api_cfg cfg = {
		.unix_path = nb.api ? nb.api : sock,
		.tls_listen = nb.tls,
		.tls_cert = nb.cert,
		.tls_key = nb.key,
		.max_body = nb.max_body,
		.nice = (int)nb.nice,
	};
	if ((r = api_start(&cfg, nb.topo, &nb.http)))
		goto detach;
	return 0;
detach:
	store_attach(NULL, nb.topo);
close_store:
	store_close(nb.store);
	nb.store = NULL;
free_topo:
	topo_destroy(nb.topo);
	nb.topo = NULL;
	return r;
}

void hostd_nb_quiesce(void)
{
	api_stop(nb.http);
	nb.http = NULL;
}

void hostd_nb_stop(void)
{
	hostd_nb_quiesce();
	if (nb.topo)
		topo_set_persist(nb.topo, NULL);
	store_close(nb.store);
	nb.store = NULL;
	topo_destroy(nb.topo);
	nb.topo = NULL;
}

struct topo *hostd_nb_topo(void)
{
	return nb.topo;
}
