/* hostd/controller/listener.c: the listening sockets of the controller.
 *
 * "tcp:ADDR:PORT" and "ssl:ADDR:PORT" (ADDR an IPv4 address, [IPv6], or
 * empty for any; PORT 0 picks a free port, logged). Accepted sockets become
 * bufferevents (plain, or OpenSSL-wrapped in accepting mode) handed to
 * conn.c. TLS: OpenSSL 3, TLS 1.2 minimum, the switch must present a
 * certificate that verifies against the configured CA (--ssl-ca); a
 * refused certificate is logged with its subject and the reason. */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "drivers/base/log.h"
#include "hostd/controller/ctl_int.h"

static void addr_str(const struct sockaddr *sa, char *buf, size_t size)
{
	char host[INET6_ADDRSTRLEN] = "?";
	unsigned port = 0;
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *s4 = (const struct sockaddr_in *)sa;
		inet_ntop(AF_INET, &s4->sin_addr, host, sizeof(host));
		port = ntohs(s4->sin_port);
		snprintf(buf, size, "%s:%u", host, port);
	} else if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)sa;
		inet_ntop(AF_INET6, &s6->sin6_addr, host, sizeof(host));
		port = ntohs(s6->sin6_port);
		snprintf(buf, size, "[%s]:%u", host, port);
	} else {
		snprintf(buf, size, "?");
	}
}

/* Logs why a peer certificate is refused (runs inside the handshake). */
static int verify_cb(int ok, X509_STORE_CTX *store)
{
	SSL *ssl = X509_STORE_CTX_get_ex_data(store, SSL_get_ex_data_X509_STORE_CTX_idx());
	struct conn *cn = ssl ? SSL_get_app_data(ssl) : NULL;
	if (!ok) {
		X509 *cert = X509_STORE_CTX_get_current_cert(store);
		int err = X509_STORE_CTX_get_error(store);
		char subj[256] = "?";
		if (cert)
			X509_NAME_oneline(X509_get_subject_name(cert), subj, sizeof(subj));
		LOG_WARN(CTL_MOD, "%s: TLS: switch certificate refused: subject '%s' (depth %d): %s",
			 cn ? cn->peer : "?", subj, X509_STORE_CTX_get_error_depth(store),
			 X509_verify_cert_error_string(err));
	}
	return ok;
}

int ctl_tls_init(struct ctl *c)
{
	SSL_CTX *ctx;
	if (!c->cfg.ssl_key || !c->cfg.ssl_cert || !c->cfg.ssl_ca) {
		LOG_ERR(CTL_MOD, "ssl: listeners need --ssl-key, --ssl-cert and --ssl-ca");
		return -EINVAL;
	}
	ctx = SSL_CTX_new(TLS_server_method());
	if (!ctx)
		return -ENOMEM;
	SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
	if (SSL_CTX_use_certificate_chain_file(ctx, c->cfg.ssl_cert) != 1) {
		LOG_ERR(CTL_MOD, "ssl: cannot load the certificate %s: %s", c->cfg.ssl_cert,
			ERR_reason_error_string(ERR_get_error()));
		goto free_ctx;
	}
	if (SSL_CTX_use_PrivateKey_file(ctx, c->cfg.ssl_key, SSL_FILETYPE_PEM) != 1 ||
	    SSL_CTX_check_private_key(ctx) != 1) {
		LOG_ERR(CTL_MOD, "ssl: cannot load the private key %s (or it does not match the "
			"certificate): %s", c->cfg.ssl_key, ERR_reason_error_string(ERR_get_error()));
		goto free_ctx;
	}
	if (SSL_CTX_load_verify_locations(ctx, c->cfg.ssl_ca, NULL) != 1) {
		LOG_ERR(CTL_MOD, "ssl: cannot load the CA %s: %s", c->cfg.ssl_ca,
			ERR_reason_error_string(ERR_get_error()));
		goto free_ctx;
	}
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, verify_cb);
	SSL_CTX_set_verify_depth(ctx, 4);
	c->ssl_ctx = ctx;
	return 0;
free_ctx:
	SSL_CTX_free(ctx);
	return -EINVAL;
}

void ctl_tls_error(struct bufferevent *bev, char *buf, size_t size)
{
	unsigned long e;
	size_t used;
	int err = EVUTIL_SOCKET_ERROR();
	snprintf(buf, size, "connection error");
	used = strlen(buf);
	while ((e = bufferevent_get_openssl_error(bev)) && used + 8 < size) {
		char one[160];
		ERR_error_string_n(e, one, sizeof(one));
		snprintf(buf + used, size - used, "%s TLS: %s", used ? ";" : "", one);
		used = strlen(buf);
	}
	if (err && used + 8 < size)
		snprintf(buf + used, size - used, " (%s)", evutil_socket_error_to_string(err));
}

static void accept_cb(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa,
		      int salen, void *arg)
{
	struct ctl *c = arg;
	size_t i;
	int tls = 0;
	char peer[64];
	struct bufferevent *bev;
	SSL *ssl = NULL;
	(void)salen;
	for (i = 0; i < c->n_lis; i++)
		if (c->lis[i] == l)
			tls = c->lis_tls[i];
	addr_str(sa, peer, sizeof(peer));
	evutil_make_socket_nonblocking(fd);
	if (tls) {
		ssl = SSL_new(c->ssl_ctx);
		if (!ssl) {
			evutil_closesocket(fd);
			return;
		}
		bev = bufferevent_openssl_socket_new(c->base, fd, ssl, BUFFEREVENT_SSL_ACCEPTING,
						     BEV_OPT_CLOSE_ON_FREE);
	} else {
		int one = 1;
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		bev = bufferevent_socket_new(c->base, fd, BEV_OPT_CLOSE_ON_FREE);
	}
	if (!bev) {
		if (ssl)
			SSL_free(ssl);
		evutil_closesocket(fd);
		return;
	}
	struct conn *cn = conn_new(c, bev, peer, tls);
	if (!cn) {
		bufferevent_free(bev);
		return;
	}
	if (ssl)
		SSL_set_app_data(ssl, cn);
}

static void accept_error_cb(struct evconnlistener *l, void *arg)
{
	int err = EVUTIL_SOCKET_ERROR();
	(void)arg;
	(void)l;
	LOG_WARN(CTL_MOD, "accept failed: %s", evutil_socket_error_to_string(err));
}

int ctl_listen(struct ctl *c, const char *spec)
{
	char host[128], port[16], bound[80];
	const char *rest, *colon;
	struct addrinfo hints, *ai = NULL;
	int tls, r;

	if (c->n_lis == CTL_MAX_LISTEN)
		return -ENOSPC;
	if (!strncmp(spec, "tcp:", 4))
		tls = 0;
	else if (!strncmp(spec, "ssl:", 4))
		tls = 1;
	else {
		LOG_ERR(CTL_MOD, "listen '%s': expected tcp:ADDR:PORT or ssl:ADDR:PORT", spec);
		return -EINVAL;
	}
	rest = spec + 4;
	colon = strrchr(rest, ':');
	if (!colon) {
		host[0] = 0;
		snprintf(port, sizeof(port), "%s", rest);
	} else {
		size_t hl = (size_t)(colon - rest);
		if (hl >= sizeof(host) || strlen(colon + 1) >= sizeof(port)) {
			LOG_ERR(CTL_MOD, "listen '%s': address too long", spec);
			return -EINVAL;
		}
		memcpy(host, rest, hl);
		host[hl] = 0;
		snprintf(port, sizeof(port), "%s", colon + 1);
		if (host[0] == '[' && hl >= 2 && host[hl - 1] == ']') {
			memmove(host, host + 1, hl - 2);
			host[hl - 2] = 0;
		}
	}
	if (tls && !c->ssl_ctx && (r = ctl_tls_init(c)))
		return r;
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICHOST | AI_NUMERICSERV;
	r = getaddrinfo(host[0] ? host : NULL, port, &hints, &ai);
	if (r) {
		LOG_ERR(CTL_MOD, "listen '%s': %s", spec, gai_strerror(r));
		return -EINVAL;
	}
	struct evconnlistener *l = evconnlistener_new_bind(
		c->base, accept_cb, c, LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE | LEV_OPT_CLOSE_ON_EXEC,
		128, ai->ai_addr, (int)ai->ai_addrlen);
	if (!l) {
		r = -errno;
		LOG_ERR(CTL_MOD, "listen '%s': %s", spec, strerror(errno));
		freeaddrinfo(ai);
		return r ? r : -EINVAL;
	}
	freeaddrinfo(ai);
	evconnlistener_set_error_cb(l, accept_error_cb);
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	getsockname(evconnlistener_get_fd(l), (struct sockaddr *)&ss, &sl);
	addr_str((struct sockaddr *)&ss, bound, sizeof(bound));
	c->lis[c->n_lis] = l;
	c->lis_tls[c->n_lis] = tls;
	c->n_lis++;
	LOG_INFO(CTL_MOD, "listening on %s:%s", tls ? "ssl" : "tcp", bound);
	return 0;
}

void ctl_listeners_close(struct ctl *c)
{
	size_t i;
	for (i = 0; i < c->n_lis; i++)
		evconnlistener_free(c->lis[i]);
	c->n_lis = 0;
	if (c->ssl_ctx)
		SSL_CTX_free(c->ssl_ctx);
	c->ssl_ctx = NULL;
}
