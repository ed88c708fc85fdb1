/* hostd/api/api.c: the REST server (contract in api.h).
 *
 * Routing: /v2.0/<collection>[/<id>[/<action>]] with the collections of
 * TOPO_KINDS, plus /v2.0/dfnic/apply, /v2.0/chassis/<name>/flows
 * (api_flows.c) and /v2.0/{dfnic,chassis/<name>}/firmware (api_firmware.c).
 * Bodies are collected up to max_body, parsed with cJSON
 * (topo_json_parse: with the strictness jansson had) and turned into
 * topology transactions (hostd/topo); replies are built with jansson. An
 * apply document is read one element at a time (topo_json_doc_open and
 * its iterator): it is never a tree as a whole. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <microhttpd.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

#include "drivers/base/log.h"
#include "drivers/base/util.h"
#include "hostd/api/api.h"
#include "hostd/api/api_firmware.h"
#include "hostd/api/api_flows.h"
#include "hostd/api/api_offload.h"
#include "hostd/topo/topo_json.h"

#define MOD "api"

struct api {
	struct MHD_Daemon *unix_d;      /* server on the Unix socket */
	struct MHD_Daemon *tls_d;       /* server on TCP+TLS, or NULL */
	struct topo *topo;              /* what we serve */
	char unix_path[sizeof(((struct sockaddr_un *)0)->sun_path)]; /* to unlink */
	size_t max_body;                /* body limit */
	int nice;                       /* added to the server threads' nice value */
	char *cert, *key;               /* PEM contents (TLS) */
};

/* Per-request state. */
/* Bodies announced larger than this get their buffer at once. */
#define BODY_PRESIZE_MIN (64u * 1024)

struct req {
	char *body;                     /* collected body */
	size_t len, cap;                /* used / allocated */
	bool too_big;                   /* body exceeded max_body */
};

/* ---- replies ---------------------------------------------------------- */

static enum MHD_Result send_json(struct MHD_Connection *c, unsigned status, json_t *j)
{
	char *s = j ? json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER) : NULL;
	json_decref(j);
	if (!s && j)
		status = MHD_HTTP_INTERNAL_SERVER_ERROR;
	size_t n = s ? strlen(s) : 0;
	struct MHD_Response *r =
		MHD_create_response_from_buffer(n, s ? s : (char *)"", s ? MHD_RESPMEM_MUST_FREE
									 : MHD_RESPMEM_PERSISTENT);
	if (!r) {
		free(s);
		return MHD_NO;
	}
	if (s)
		MHD_add_response_header(r, "Content-Type", "application/json");
	enum MHD_Result ret = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result send_err(struct MHD_Connection *c, const struct topo_err *e)
{
	json_t *j = json_pack("{s:{s:s, s:s, s:s, s:s}}", "NeutronError", "type", e->type,
			      "message", e->msg, "detail", "", "field", e->field);
	return send_json(c, (unsigned)(e->status ? e->status : 500), j);
}

/* A 400 BadRequest about field in e, the message "field: ..."; -EINVAL. */
__attribute__((format(printf, 3, 4)))
static int bad_field(struct topo_err *e, const char *field, const char *fmt, ...)
{
	char m[300];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(m, sizeof(m), fmt, ap);
	va_end(ap);
	e->status = 400;
	snprintf(e->type, sizeof(e->type), "BadRequest");
	snprintf(e->field, sizeof(e->field), "%s", field);
	snprintf(e->msg, sizeof(e->msg), "%s: %s", field, m);
	return -EINVAL;
}

__attribute__((format(printf, 5, 6)))
static enum MHD_Result reply_err(struct MHD_Connection *c, int status, const char *type,
				 const char *field, const char *fmt, ...)
{
	struct topo_err e = { .status = status };
	va_list ap;
	snprintf(e.type, sizeof(e.type), "%s", type);
	snprintf(e.field, sizeof(e.field), "%s", field ? field : "");
	va_start(ap, fmt);
	vsnprintf(e.msg, sizeof(e.msg), fmt, ap);
	va_end(ap);
	return send_err(c, &e);
}

/* ---- helpers ---------------------------------------------------------- */

static int kind_of(const char *plural, enum topo_kind *k)
{
	for (int i = 0; i < TOPO_KIND_COUNT; i++)
		if (!strcmp(plural, topo_kind_plural(i))) {
			*k = (enum topo_kind)i;
			return 0;
		}
	return -ENOENT;
}

/* Parse the body (free with cJSON_Delete); on failure the reply is
 * queued and NULL returned. */
static cJSON *parse_body(struct MHD_Connection *c, struct req *rq, enum MHD_Result *ret)
{
	struct topo_err e = { 0 };
	if (!rq->len) {
		*ret = reply_err(c, 400, "BadRequest", "", "the request needs a JSON body");
		return NULL;
	}
	cJSON *j = topo_json_parse(rq->body, rq->len, "the request body", &e);
	if (!j) {
		*ret = send_err(c, &e);
		return NULL;
	}
	if (!cJSON_IsObject(j)) {
		cJSON_Delete(j);
		*ret = reply_err(c, 400, "MalformedRequestBody", "", "the body must be a JSON object");
		return NULL;
	}
	return j;
}

/* The number of members of a (small) object or array. */
static size_t n_members(const cJSON *j)
{
	return (size_t)cJSON_GetArraySize(j);
}

/* Member `key` of object j, or NULL. */
static const cJSON *member(const cJSON *j, const char *key)
{
	return cJSON_GetObjectItemCaseSensitive(j, key);
}

/* The string value of member `key` of j, NULL when j is not an object or
 * the member is missing or not a string. */
static const char *member_str(const cJSON *j, const char *key)
{
	return cJSON_IsObject(j) ? cJSON_GetStringValue(member(j, key)) : NULL;
}

static json_t *encode(const struct topo *t, enum topo_kind k, const void *o)
{
	return topo_json_encode(t, k, o, TOPO_JSON_API);
}

static const void *get_any(const struct topo *t, enum topo_kind k, const char *id)
{
	switch (k) {
	case TOPO_NETWORK: return topo_network_get(t, id);
	case TOPO_SUBNET: return topo_subnet_get(t, id);
	case TOPO_PORT: return topo_port_get(t, id);
	case TOPO_ROUTER: return topo_router_get(t, id);
	case TOPO_FLOATINGIP: return topo_floatingip_get(t, id);
	case TOPO_CHASSIS: return topo_chassis_get(t, id);
	default: return NULL;
	}
}

static int put_any(struct topo_txn *x, enum topo_kind k, const void *o, char *id,
		   struct topo_err *e)
{
	switch (k) {
	case TOPO_NETWORK: return topo_txn_put_network(x, o, id, e);
	case TOPO_SUBNET: return topo_txn_put_subnet(x, o, id, e);
	case TOPO_PORT: return topo_txn_put_port(x, o, id, e);
	case TOPO_ROUTER: return topo_txn_put_router(x, o, id, e);
	case TOPO_FLOATINGIP: return topo_txn_put_floatingip(x, o, id, e);
	case TOPO_CHASSIS:
		if (id)
			strcpy(id, ((const struct topo_chassis *)o)->name);
		return topo_txn_put_chassis(x, o, e);
	default: return -EINVAL;
	}
}

static void not_found(struct topo_err *e, enum topo_kind k, const char *id)
{
	static const char *const titles[] = { "Network", "Subnet", "Port", "Router",
					      "FloatingIP", "Chassis" };
	e->status = 404;
	snprintf(e->type, sizeof(e->type), "%sNotFound", titles[k]);
	snprintf(e->field, sizeof(e->field), "id");
	snprintf(e->msg, sizeof(e->msg), "%s %s could not be found", topo_kind_name(k), id);
}

/* Prefix an error's field and message with where it is (bulk, apply). */
static void err_at(struct topo_err *e, const char *where)
{
	char f[sizeof(e->field)], m[sizeof(e->msg)];
	snprintf(f, sizeof(f), "%s", e->field);
	snprintf(m, sizeof(m), "%s", e->msg);
	if (f[0])
		snprintf(e->field, sizeof(e->field), "%s.%.60s", where, f);
	else
		snprintf(e->field, sizeof(e->field), "%s", where);
	snprintf(e->msg, sizeof(e->msg), "%s: %.340s", where, m);
}

/* ---- GET -------------------------------------------------------------- */

struct filter_ctx {
	json_t *obj;                    /* candidate */
	bool match;                     /* all filters matched so far */
};

static enum MHD_Result filter_cb(void *cls, enum MHD_ValueKind kind, const char *key,
				 const char *value)
{
	struct filter_ctx *f = cls;
	if (!key || !strcmp(key, "fields") || !strcmp(key, "prune"))
		return MHD_YES;
	json_t *v = json_object_get(f->obj, key);
	char buf[64];
	const char *s = NULL;
	if (json_is_string(v))
		s = json_string_value(v);
	else if (json_is_boolean(v))
		s = json_is_true(v) ? "true" : "false";
	else if (json_is_integer(v))
		snprintf(buf, sizeof(buf), "%lld", (long long)json_integer_value(v)), s = buf;
	else if (json_is_null(v))
		s = "";
	if (!v || !s || strcmp(s, value ? value : ""))
		f->match = false;
	return MHD_YES;
}

static enum MHD_Result do_list(struct MHD_Connection *c, struct api *a, enum topo_kind k)
{
	json_t *arr = json_array();
	topo_rdlock(a->topo);
	for (const void *o = topo_next(a->topo, k, NULL); o; o = topo_next(a->topo, k, o)) {
		json_t *j = encode(a->topo, k, o);
		struct filter_ctx f = { j, true };
		MHD_get_connection_values(c, MHD_GET_ARGUMENT_KIND, filter_cb, &f);
		if (f.match)
			json_array_append_new(arr, j);
		else
			json_decref(j);
	}
	topo_unlock(a->topo);
	return send_json(c, 200, json_pack("{s:o}", topo_kind_plural(k), arr));
}

static enum MHD_Result do_show(struct MHD_Connection *c, struct api *a, enum topo_kind k,
			       const char *id)
{
	topo_rdlock(a->topo);
	const void *o = get_any(a->topo, k, id);
	json_t *j = o ? encode(a->topo, k, o) : NULL;
	topo_unlock(a->topo);
	if (!o) {
		struct topo_err e;
		not_found(&e, k, id);
		return send_err(c, &e);
	}
	return send_json(c, 200, json_pack("{s:o}", topo_kind_name(k), j));
}

/* ---- writes ----------------------------------------------------------- */

/* Create one object from its JSON inside x; id_out gets its id. */
static int create_one(struct topo_txn *x, enum topo_kind k, const cJSON *jo, char *id_out,
		      struct topo_err *e)
{
	void *o = topo_json_new_obj(k);
	if (!o) {
		e->status = 500;
		snprintf(e->type, sizeof(e->type), "InternalError");
		snprintf(e->msg, sizeof(e->msg), "out of memory");
		return -ENOMEM;
	}
	int r = topo_json_decode(k, jo, o, true, TOPO_JSON_API, e);
	if (!r) {
		const char *id = topo_obj_id(k, o);
		if (id[0] && get_any(topo_txn_view(x), k, id)) {
			e->status = 409;
			snprintf(e->type, sizeof(e->type), "Conflict");
			snprintf(e->field, sizeof(e->field), k == TOPO_CHASSIS ? "name" : "id");
			snprintf(e->msg, sizeof(e->msg), "%s %s already exists", topo_kind_name(k), id);
			r = -EEXIST;
		} else {
			r = put_any(x, k, o, id_out, e);
		}
	}
	topo_obj_free(k, o);
	return r;
}

/* Update one existing object from its JSON inside x. */
static int update_one(struct topo_txn *x, enum topo_kind k, const char *id, const cJSON *jo,
		      struct topo_err *e)
{
	const void *cur = get_any(topo_txn_view(x), k, id);
	if (!cur) {
		not_found(e, k, id);
		return -ENOENT;
	}
	const cJSON *jid = member(jo, k == TOPO_CHASSIS ? "name" : "id");
	if (jid && (!cJSON_IsString(jid) || strcmp(cJSON_GetStringValue(jid), id)))
		return bad_field(e, k == TOPO_CHASSIS ? "name" : "id", "cannot be changed");
	void *o = topo_obj_dup(k, cur);
	if (!o)
		return -ENOMEM;
	int r = topo_json_decode(k, jo, o, false, TOPO_JSON_API, e);
	if (!r)
		r = put_any(x, k, o, NULL, e);
	topo_obj_free(k, o);
	return r;
}

static enum MHD_Result do_create(struct MHD_Connection *c, struct api *a, enum topo_kind k,
				 struct req *rq)
{
	enum MHD_Result ret;
	cJSON *body = parse_body(c, rq, &ret);
	if (!body)
		return ret;
	const cJSON *one = member(body, topo_kind_name(k));
	const cJSON *many = k == TOPO_CHASSIS ? NULL : member(body, topo_kind_plural(k));
	if ((!one && !many) || n_members(body) != 1) {
		cJSON_Delete(body);
		return reply_err(c, 400, "BadRequest", topo_kind_name(k),
				 "the body must be {\"%s\": {...}}%s", topo_kind_name(k),
				 k == TOPO_CHASSIS ? "" : " or {\"<plural>\": [...]}");
	}
	if (many && !cJSON_IsArray(many)) {
		cJSON_Delete(body);
		return reply_err(c, 400, "BadRequest", topo_kind_plural(k), "%s: must be a list",
				 topo_kind_plural(k));
	}
	size_t n = one ? 1 : n_members(many);
	char (*ids)[TOPO_HOST_MAX + 1] = calloc(n ? n : 1, sizeof(*ids));
	struct topo_err e = { 0 };
	struct topo_txn *x = topo_txn_begin(a->topo);
	int r = 0;
	const cJSON *jo = one ? one : many->child;
	for (size_t i = 0; i < n && !r && ids; i++, jo = jo->next) {
		r = create_one(x, k, jo, ids[i], &e);
		if (r && many) {
			char w[48];
			snprintf(w, sizeof(w), "%s[%zu]", topo_kind_plural(k), i);
			err_at(&e, w);
		}
	}
	if (!ids) {
		topo_txn_abort(x);
		cJSON_Delete(body);
		return reply_err(c, 500, "InternalError", "", "out of memory");
	}
	if (r) {
		topo_txn_abort(x);
	} else if ((r = topo_txn_commit(x, &e)) == 0) {
		json_t *out = json_array();
		topo_rdlock(a->topo);
		for (size_t i = 0; i < n; i++)
			json_array_append_new(out, encode(a->topo, k, get_any(a->topo, k, ids[i])));
		topo_unlock(a->topo);
		free(ids);
		cJSON_Delete(body);
		if (one) {
			json_t *o = json_incref(json_array_get(out, 0));
			json_decref(out);
			return send_json(c, 201, json_pack("{s:o}", topo_kind_name(k), o));
		}
		return send_json(c, 201, json_pack("{s:o}", topo_kind_plural(k), out));
	}
	free(ids);
	cJSON_Delete(body);
	return send_err(c, &e);
}

static enum MHD_Result do_update(struct MHD_Connection *c, struct api *a, enum topo_kind k,
				 const char *id, struct req *rq)
{
	enum MHD_Result ret;
	cJSON *body = parse_body(c, rq, &ret);
	if (!body)
		return ret;
	const cJSON *one = member(body, topo_kind_name(k));
	if (!cJSON_IsObject(one) || n_members(body) != 1) {
		cJSON_Delete(body);
		return reply_err(c, 400, "BadRequest", topo_kind_name(k),
				 "the body must be {\"%s\": {...}}", topo_kind_name(k));
	}
	struct topo_err e = { 0 };
	struct topo_txn *x = topo_txn_begin(a->topo);
	int r = update_one(x, k, id, one, &e);
	cJSON_Delete(body);
	if (r) {
		topo_txn_abort(x);
		return send_err(c, &e);
	}
	if (topo_txn_commit(x, &e))
		return send_err(c, &e);
	topo_rdlock(a->topo);
	json_t *j = encode(a->topo, k, get_any(a->topo, k, id));
	topo_unlock(a->topo);
	return send_json(c, 200, json_pack("{s:o}", topo_kind_name(k), j));
}

static enum MHD_Result do_delete(struct MHD_Connection *c, struct api *a, enum topo_kind k,
				 const char *id)
{
	struct topo_err e = { 0 };
	struct topo_txn *x = topo_txn_begin(a->topo);
	if (topo_txn_delete(x, k, id, &e)) {
		topo_txn_abort(x);
		return send_err(c, &e);
	}
	if (topo_txn_commit(x, &e))
		return send_err(c, &e);
	return send_json(c, 204, NULL);
}

static enum MHD_Result do_iface(struct MHD_Connection *c, struct api *a, const char *router,
				bool add, struct req *rq)
{
	enum MHD_Result ret;
	cJSON *body = parse_body(c, rq, &ret);
	if (!body)
		return ret;
	const cJSON *v;
	cJSON_ArrayForEach(v, body) {
		const char *key = v->string;
		if ((strcmp(key, "subnet_id") && strcmp(key, "port_id")) || !cJSON_IsString(v)) {
			/* key is the body's: format the reply before freeing it */
			enum MHD_Result bad = reply_err(
				c, 400, "BadRequest", key,
				"%s: expected only \"subnet_id\" or \"port_id\" (strings)", key);
			cJSON_Delete(body);
			return bad;
		}
	}
	const char *sid = member_str(body, "subnet_id");
	const char *pid = member_str(body, "port_id");
	char port_out[TOPO_ID_MAX + 1] = "", sub_out[TOPO_ID_MAX + 1] = "";
	struct topo_err e = { 0 };
	struct topo_txn *x = topo_txn_begin(a->topo);
	int r = add ? topo_txn_add_router_iface(x, router, sid, pid, port_out, &e)
		    : topo_txn_remove_router_iface(x, router, sid, pid, port_out, sub_out, &e);
	cJSON_Delete(body);
	if (r) {
		topo_txn_abort(x);
		return send_err(c, &e);
	}
	if (topo_txn_commit(x, &e))
		return send_err(c, &e);
	char net[TOPO_ID_MAX + 1] = "";
	if (add) {
		topo_rdlock(a->topo);
		const struct topo_port *p = topo_port_get(a->topo, port_out);
		if (p) {
			strcpy(net, p->network_id);
			strcpy(sub_out, p->fixed_ips[0].subnet_id);
		}
		topo_unlock(a->topo);
	}
	json_t *out = json_pack("{s:s, s:s, s:[s], s:s}", "id", router, "subnet_id", sub_out,
				"subnet_ids", sub_out, "port_id", port_out);
	if (add)
		json_object_set_new(out, "network_id", json_string(net));
	return send_json(c, 200, out);
}

/* ---- apply ------------------------------------------------------------ */

static const char *id_key(enum topo_kind k)
{
	return k == TOPO_CHASSIS ? "name" : "id";
}

/* Router interfaces listed in a document's router: [{subnet_id}|{port_id}]. */
static int apply_ifaces(struct topo_txn *x, const char *rid, const cJSON *ifs, bool prune,
			struct topo_err *e)
{
	const struct topo *t = topo_txn_view(x);
	size_t i;
	const cJSON *o;
	if (!cJSON_IsArray(ifs))
		return bad_field(e, "interfaces", "must be a list");
	for (i = 0, o = ifs->child; o; o = o->next, i++) {
		const char *sid = member_str(o, "subnet_id");
		const char *pid = member_str(o, "port_id");
		char w[48];
		snprintf(w, sizeof(w), "interfaces[%zu]", i);
		if (!cJSON_IsObject(o) || (!sid && !pid) || n_members(o) != 1)
			return bad_field(e, w, "must be {\"subnet_id\": ID} or {\"port_id\": ID}");
		/* Already attached? */
		struct topo_router_iface cur[256];
		size_t n = DFN_MIN(topo_router_ifaces(t, rid, cur, ARRAY_SIZE(cur)), ARRAY_SIZE(cur));
		bool have = false;
		for (size_t j = 0; j < n && !have; j++)
			have = (sid && !strcmp(cur[j].port->fixed_ips[0].subnet_id, sid)) ||
			       (pid && !strcmp(cur[j].port->id, pid));
		if (!have && topo_txn_add_router_iface(x, rid, sid, pid, NULL, e)) {
			err_at(e, w);
			return -EINVAL;
		}
	}
	if (!prune)
		return 0;
	struct topo_router_iface cur[256];
	size_t n = DFN_MIN(topo_router_ifaces(t, rid, cur, ARRAY_SIZE(cur)), ARRAY_SIZE(cur));
	char drop[256][TOPO_ID_MAX + 1];
	size_t nd = 0;
	for (size_t j = 0; j < n; j++) {
		bool listed = false;
		cJSON_ArrayForEach(o, ifs) {
			const char *sid = member_str(o, "subnet_id");
			const char *pid = member_str(o, "port_id");
			listed |= (sid && !strcmp(cur[j].port->fixed_ips[0].subnet_id, sid)) ||
				  (pid && !strcmp(cur[j].port->id, pid));
		}
		if (!listed)
			strcpy(drop[nd++], cur[j].port->id);
	}
	for (size_t j = 0; j < nd; j++)
		if (topo_txn_remove_router_iface(x, rid, NULL, drop[j], NULL, NULL, e))
			return -EINVAL;
	return 0;
}

/* Ports of an apply document between two stages (topo_txn_stage): a few
 * milliseconds of building. The first stage has everything before the
 * ports too (a change of a network, subnet or router recompiles a switch
 * whole: once); a document with fewer ports is not staged. */
#define APPLY_STAGE 1000

/* A router of the document with interfaces: where to read it again
 * (nothing of it is kept meanwhile: copies made between the objects
 * would leave holes in the heap once freed). */
struct apply_ifs {
	size_t at, end;                 /* its element's text */
	size_t i;                       /* its index in "routers" (for errors) */
};

/* Does a router's interface list name subnets only (each interface a
 * new port, made before the document's ports: a compile of the ports'
 * stages then finds their routers complete)? */
static bool ifs_subnets_only(const cJSON *ifs)
{
	const cJSON *o;
	cJSON_ArrayForEach(o, ifs)
		if (!member_str(o, "subnet_id") || member(o, "port_id"))
			return false;
	return true;
}

/* The routers' interface lists: those of subnets only (`early`), or the
 * others. 0 or -errno with e filled (its field prefixed with the router). */
static int apply_rifs(struct topo_txn *x, struct topo_json_doc *d, const struct apply_ifs *rifs,
		      size_t n, bool early, bool prune, struct topo_err *e)
{
	char w[48];
	int r = 0;
	for (size_t i = 0; i < n && !r; i++) {
		cJSON *o = topo_json_doc_reparse(d, rifs[i].at, rifs[i].end, e);
		if (!o)
			return -EINVAL;
		const cJSON *ifs = member(o, "interfaces");
		bool list = cJSON_IsArray(ifs);
		/* (not a list: refused with the late ones) */
		if (list ? ifs_subnets_only(ifs) == early : !early) {
			snprintf(w, sizeof(w), "routers[%zu]", rifs[i].i);
			if ((r = apply_ifaces(x, member_str(o, "id"), ifs, prune, e)))
				err_at(e, w);
		}
		cJSON_Delete(o);
	}
	return r;
}

/* The document's top-level members: the kinds' lists and "prune" (its
 * value to *prune). 0 or -EINVAL with e filled. */
static int apply_members(const struct topo_json_doc *d, bool *prune, struct topo_err *e)
{
	for (size_t i = 0; i < d->n; i++) {
		const struct topo_json_member *m = &d->m[i];
		enum topo_kind k;
		if (!strcmp(m->key, "prune")) {
			cJSON *v = topo_json_doc_value(d, m, e);
			if (!v)
				return -EINVAL;
			bool ok = cJSON_IsBool(v);
			*prune |= cJSON_IsTrue(v);
			cJSON_Delete(v);
			if (!ok)
				return bad_field(e, "prune", "must be true or false");
			continue;
		}
		if (kind_of(m->key, &k) || d->text[m->at] != '[')
			return bad_field(e, m->key, "not a list of networks, subnets, ports, routers, "
					 "floatingips or chassis");
	}
	return 0;
}

/* The ids the document lists for kind k (its elements read again), as the
 * keys of a JSON object (a hash set: a prune looks up every object of the
 * topology). Made after the document's objects, not among them: freed, it
 * leaves no holes between them. NULL (e filled or out of memory). */
static json_t *doc_ids(struct topo_json_doc *d, enum topo_kind k, struct topo_err *e)
{
	struct topo_json_iter it;
	json_t *ids = json_object();
	cJSON *o;
	if (!ids || !topo_json_iter_start(d, topo_json_doc_member(d, topo_kind_plural(k)), &it))
		return ids;
	while ((o = topo_json_iter_next(d, &it, e))) {
		const char *s = member_str(o, id_key(k));
		int r = s ? json_object_set_new(ids, s, json_true()) : 0;
		cJSON_Delete(o);
		if (r) {
			json_decref(ids);
			return NULL;
		}
	}
	if (e->status) {
		json_decref(ids);
		return NULL;
	}
	return ids;
}

/* Deletes what the document does not list, dependents first. Ports owned
 * by routers and floating IPs follow their owner. */
static int apply_prune(struct topo_txn *x, struct topo_json_doc *d, struct topo_err *e)
{
	static const enum topo_kind rev[] = { TOPO_FLOATINGIP, TOPO_ROUTER, TOPO_PORT,
					      TOPO_SUBNET, TOPO_NETWORK, TOPO_CHASSIS };
	for (size_t ri = 0; ri < ARRAY_SIZE(rev); ri++) {
		enum topo_kind k = rev[ri];
		const struct topo *t = topo_txn_view(x);
		size_t cnt = topo_count(t, k), nd = 0;
		json_t *listed = doc_ids(d, k, e);
		if (!listed)
			return e->status ? -EINVAL : -ENOMEM;
		char (*drop)[TOPO_HOST_MAX + 1] = calloc(cnt ? cnt : 1, sizeof(*drop));
		if (!drop) {
			json_decref(listed);
			return -ENOMEM;
		}
		for (const void *ob = topo_next(t, k, NULL); ob; ob = topo_next(t, k, ob)) {
			const char *id = topo_obj_id(k, ob);
			if (json_object_get(listed, id))
				continue;
			if (k == TOPO_PORT) {
				const struct topo_port *p = ob;
				if (!strcmp(p->device_owner, TOPO_OWNER_ROUTER_IFACE) ||
				    !strcmp(p->device_owner, TOPO_OWNER_ROUTER_GW) ||
				    !strcmp(p->device_owner, TOPO_OWNER_FLOATINGIP))
					continue;
			}
			strcpy(drop[nd++], id);
		}
		int r = 0;
		for (size_t j = 0; j < nd && !r; j++) {
			if (k == TOPO_ROUTER) {
				struct topo_router_iface cur[256];
				size_t n = DFN_MIN(topo_router_ifaces(t, drop[j], cur, ARRAY_SIZE(cur)),
						   ARRAY_SIZE(cur));
				char pids[256][TOPO_ID_MAX + 1];
				for (size_t q = 0; q < n; q++)
					strcpy(pids[q], cur[q].port->id);
				for (size_t q = 0; q < n && !r; q++)
					r = topo_txn_remove_router_iface(x, drop[j], NULL, pids[q], NULL,
									 NULL, e);
			}
			if (!r)
				r = topo_txn_delete(x, k, drop[j], e);
		}
		free(drop);
		json_decref(listed);
		if (r)
			return r;
	}
	return 0;
}

/* The document into transaction x: kinds in dependency order, each list
 * read one element at a time (topo_json_iter_next: the document is never
 * a tree as a whole); routers' interfaces made from subnets right after
 * the routers, the others after the ports; then (prune) deletions.
 * Every APPLY_STAGE ports what was built is staged (topo_txn_stage): the
 * pipeline compiles and sends it into the switch's bundle while the rest
 * is built, and the bundle is committed once the whole is stored. */
static int apply_doc(struct topo_txn *x, struct topo_json_doc *d, bool prune,
		     struct topo_err *e)
{
	static const enum topo_kind order[] = { TOPO_CHASSIS, TOPO_NETWORK, TOPO_SUBNET,
						TOPO_ROUTER, TOPO_PORT, TOPO_FLOATINGIP };
	struct apply_ifs *rifs = NULL;
	size_t n_rifs = 0, cap_rifs = 0;
	struct topo_json_iter it;
	char w[64];
	size_t done = 0;
	int r = 0;
	for (size_t oi = 0; oi < ARRAY_SIZE(order) && !r; oi++) {
		enum topo_kind k = order[oi];
		cJSON *o;
		if (!topo_json_iter_start(d, topo_json_doc_member(d, topo_kind_plural(k)), &it))
			continue;
		while (!r && (o = topo_json_iter_next(d, &it, e))) {
			snprintf(w, sizeof(w), "%s[%zu]", topo_kind_plural(k), it.i - 1);
			const char *id = member_str(o, id_key(k));
			if (!id) {
				char f[96];
				snprintf(f, sizeof(f), "%s.%s", w, id_key(k));
				r = bad_field(e, f, "required (a string) in an apply document");
			} else if ((r = get_any(topo_txn_view(x), k, id) ? update_one(x, k, id, o, e)
									 : create_one(x, k, o, NULL, e))) {
				err_at(e, w);
			} else if (k == TOPO_ROUTER && member(o, "interfaces")) {
				/* where to read it again for its interfaces */
				if (n_rifs == cap_rifs) {
					size_t cap = cap_rifs ? 2 * cap_rifs : 16;
					struct apply_ifs *v = realloc(rifs, cap * sizeof(*v));
					if (!v) {
						r = -ENOMEM;
						goto next;
					}
					rifs = v;
					cap_rifs = cap;
				}
				rifs[n_rifs].at = it.el_at;
				rifs[n_rifs].end = it.el_end;
				rifs[n_rifs++].i = it.i - 1;
			}
next:
			cJSON_Delete(o);
			if (!r && k == TOPO_PORT && ++done % APPLY_STAGE == 0)
				topo_txn_stage(x);
		}
		if (!r && e->status) /* the list's text is malformed */
			r = -EINVAL;
		if (k == TOPO_ROUTER) /* interfaces made from subnets: now */
			r = r ? r : apply_rifs(x, d, rifs, n_rifs, true, prune, e);
	}
	/* the other router interfaces, once the ports exist */
	if (!r)
		r = apply_rifs(x, d, rifs, n_rifs, false, prune, e);
	if (!r && prune)
		r = apply_prune(x, d, e);
	free(rifs);
	return r;
}

static enum MHD_Result do_apply(struct MHD_Connection *c, struct api *a, struct req *rq)
{
	struct topo_json_doc d;
	struct topo_err e = { 0 };
	if (!rq->len)
		return reply_err(c, 400, "BadRequest", "", "the request needs a JSON body");
	const char *q = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "prune");
	bool prune = q && (!strcmp(q, "1") || !strcmp(q, "true"));
	if (topo_json_doc_open(&d, rq->body, rq->len, "the request body", &e))
		return send_err(c, &e);
	if (apply_members(&d, &prune, &e)) {
		topo_json_doc_close(&d);
		return send_err(c, &e);
	}
	struct topo_commit_stats st = { 0 };
	struct topo_txn *x = topo_txn_begin(a->topo);
	int r = apply_doc(x, &d, prune, &e);
	topo_json_doc_close(&d);
	if (r) {
		topo_txn_abort(x);
		if (!e.status)
			return reply_err(c, 500, "InternalError", "", "out of memory");
		return send_err(c, &e);
	}
	if (topo_txn_commit_stats(x, &st, &e))
		return send_err(c, &e);
	return send_json(c, 200,
			 json_pack("{s:{s:I, s:I, s:I}}", "dfnic:apply", "created",
				   (json_int_t)st.created, "updated", (json_int_t)st.updated,
				   "deleted", (json_int_t)st.deleted));
}

/* ---- dispatch --------------------------------------------------------- */

static enum MHD_Result route(struct MHD_Connection *c, struct api *a, const char *method,
			     const char *url, struct req *rq)
{
	char path[512], *seg[5] = { 0 };
	int n = 0;
	if (strlen(url) >= sizeof(path))
		return reply_err(c, 414, "HTTPRequestURITooLong", "", "URL too long");
	strcpy(path, url);
	for (char *save, *tok = strtok_r(path, "/", &save); tok; tok = strtok_r(NULL, "/", &save)) {
		if (n == 5)
			return reply_err(c, 404, "HTTPNotFound", "", "no resource at %s", url);
		seg[n++] = tok;
	}
	if (n < 2 || strcmp(seg[0], "v2.0"))
		return reply_err(c, 404, "HTTPNotFound", "", "no resource at %s (try /v2.0/...)", url);
	bool get = !strcmp(method, "GET"), post = !strcmp(method, "POST"),
	     put = !strcmp(method, "PUT"), del = !strcmp(method, "DELETE");
	if (!strcmp(seg[1], "dfnic") && n == 3 && !strcmp(seg[2], "offload")) {
		if (!get)
			return reply_err(c, 405, "HTTPMethodNotAllowed", "", "use GET on %s", url);
		json_t *j;
		unsigned st = (unsigned)api_offload_json(a->topo, NULL, &j);
		return send_json(c, st, j);
	}
	if (!strcmp(seg[1], "dfnic") && n == 3 && !strcmp(seg[2], "apply")) {
		if (!post)
			return reply_err(c, 405, "HTTPMethodNotAllowed", "", "use POST on %s", url);
		return do_apply(c, a, rq);
	}
	if ((n == 3 && !strcmp(seg[1], "dfnic") && !strcmp(seg[2], "firmware")) ||
	    (n == 4 && !strcmp(seg[1], "chassis") && !strcmp(seg[3], "firmware"))) {
		const char *ch = n == 4 ? seg[2] : NULL;
		json_t *j = NULL;
		unsigned st;
		if (get)
			st = api_firmware_get(a->topo, ch, &j);
		else if (post)
			st = api_firmware_post(a->topo, ch, &rq->body, rq->len, &j);
		else
			return reply_err(c, 405, "HTTPMethodNotAllowed", "", "use GET or POST on %s",
					 url);
		if (!j)
			return reply_err(c, 500, "InternalServerError", "", "out of memory");
		return send_json(c, st, j);
	}
	enum topo_kind k;
	if (kind_of(seg[1], &k))
		return reply_err(c, 404, "HTTPNotFound", "", "no resource collection '%s'", seg[1]);
	if (n == 2) {
		if (get)
			return do_list(c, a, k);
		if (post)
			return do_create(c, a, k, rq);
		return reply_err(c, 405, "HTTPMethodNotAllowed", "", "use GET or POST on %s", url);
	}
	if (n == 3) {
		if (get)
			return do_show(c, a, k, seg[2]);
		if (put)
			return do_update(c, a, k, seg[2], rq);
		if (del)
			return do_delete(c, a, k, seg[2]);
		return reply_err(c, 405, "HTTPMethodNotAllowed", "", "use GET, PUT or DELETE on %s",
				 url);
	}
	if (n == 4 && k == TOPO_ROUTER &&
	    (!strcmp(seg[3], "add_router_interface") || !strcmp(seg[3], "remove_router_interface"))) {
		if (!put)
			return reply_err(c, 405, "HTTPMethodNotAllowed", "", "use PUT on %s", url);
		return do_iface(c, a, seg[2], seg[3][0] == 'a', rq);
	}
	if (n == 4 && k == TOPO_CHASSIS && !strcmp(seg[3], "offload")) {
		if (!get)
			return reply_err(c, 405, "HTTPMethodNotAllowed", "", "use GET on %s", url);
		json_t *j;
		unsigned st = (unsigned)api_offload_json(a->topo, seg[2], &j);
		return send_json(c, st, j);
	}
	if (n == 4 && k == TOPO_CHASSIS && !strcmp(seg[3], "flows")) {
		if (!get)
			return reply_err(c, 405, "HTTPMethodNotAllowed", "", "use GET on %s", url);
		json_t *body;
		unsigned st = api_flows_reply(a->topo, seg[2], &body); /* api_flows.c */
		if (!body)
			return reply_err(c, 500, "InternalServerError", "", "out of memory");
		return send_json(c, st, body);
	}
	return reply_err(c, 404, "HTTPNotFound", "", "no resource at %s", url);
}

/* The server thread that calls this lowers its priority by a->nice, once
 * (Linux: the nice value is per thread). */
static void nice_thread(const struct api *a)
{
	static _Thread_local bool done;
	if (done || !a->nice)
		return;
	done = true;
	id_t tid = (id_t)syscall(SYS_gettid);
	errno = 0;
	int cur = getpriority(PRIO_PROCESS, tid);
	if (cur == -1 && errno)
		return;
	int want = DFN_MIN(cur + a->nice, 19);
	if (setpriority(PRIO_PROCESS, tid, want))
		LOG_WARN(MOD, "cannot lower the API thread's priority to nice %d: %s", want,
			 strerror(errno));
	else
		LOG_DBG(MOD, "API thread %d runs at nice %d", (int)tid, want);
}

static enum MHD_Result handler(void *cls, struct MHD_Connection *c, const char *url,
			       const char *method, const char *version, const char *upload,
			       size_t *upload_size, void **con_cls)
{
	struct api *a = cls;
	struct req *rq = *con_cls;
	if (!rq) {
		nice_thread(a);
		rq = calloc(1, sizeof(*rq));
		if (!rq)
			return MHD_NO;
		*con_cls = rq;
		const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Length");
		unsigned long long want = cl ? strtoull(cl, NULL, 10) : 0;
		if (want > a->max_body)
			rq->too_big = true;
		else if (want > BODY_PRESIZE_MIN) {
			/* a large body (an apply): one buffer of the announced
			 * size rather than doublings (a lying length only
			 * costs a realloc later) */
			rq->body = malloc(want);
			rq->cap = rq->body ? want : 0;
		}
		return MHD_YES;
	}
	if (*upload_size) {
		if (!rq->too_big && rq->len + *upload_size > a->max_body)
			rq->too_big = true;
		if (!rq->too_big) {
			if (rq->len + *upload_size > rq->cap) {
				size_t cap = DFN_MAX(rq->cap * 2, rq->len + *upload_size);
				char *b = realloc(rq->body, cap);
				if (!b)
					return MHD_NO;
				rq->body = b;
				rq->cap = cap;
			}
			memcpy(rq->body + rq->len, upload, *upload_size);
			rq->len += *upload_size;
		}
		*upload_size = 0;
		return MHD_YES;
	}
	if (rq->too_big)
		return reply_err(c, 413, "HTTPRequestEntityTooLarge", "",
				 "the request body is larger than %zu bytes", a->max_body);
	LOG_DBG(MOD, "%s %s", method, url);
	return route(c, a, method, url, rq);
}

static void completed(void *cls, struct MHD_Connection *c, void **con_cls,
		      enum MHD_RequestTerminationCode toe)
{
	struct req *rq = *con_cls;
	if (rq) {
		free(rq->body);
		free(rq);
		*con_cls = NULL;
	}
}

/* ---- start / stop ----------------------------------------------------- */

static int unix_listen(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	strcpy(sa.sun_path, path);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	/* A stale socket from a killed hostd: replace it, but never steal a
	 * live one. */
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0) {
		close(fd);
		return -EADDRINUSE;
	}
	unlink(path);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) || chmod(path, 0660) || listen(fd, 64)) {
		int r = -errno;
		close(fd);
		return r;
	}
	return fd;
}

static char *read_file(const char *path)
{
	FILE *f = fopen(path, "re");
	if (!f)
		return NULL;
	char *buf = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);
	char chunk[4096];
	size_t n;
	while (m && (n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		fwrite(chunk, 1, n, m);
	fclose(f);
	if (m)
		fclose(m);
	return buf;
}

static int tls_listen(const char *spec, struct sockaddr_storage *ss)
{
	char host[256];
	const char *colon = strrchr(spec, ':');
	if (!colon || colon == spec || (size_t)(colon - spec) >= sizeof(host))
		return -EINVAL;
	memcpy(host, spec, (size_t)(colon - spec));
	host[colon - spec] = '\0';
	char *h = host;
	if (h[0] == '[' && h[strlen(h) - 1] == ']') {
		h[strlen(h) - 1] = '\0';
		h++;
	}
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM, .ai_flags = AI_NUMERICHOST }, *ai;
	if (getaddrinfo(h, colon + 1, &hints, &ai))
		return -EINVAL;
	memcpy(ss, ai->ai_addr, ai->ai_addrlen);
	freeaddrinfo(ai);
	return 0;
}

int api_start(const struct api_cfg *cfg, struct topo *t, struct api **out)
{
	struct api *a = calloc(1, sizeof(*a));
	int r;
	if (!a)
		return -ENOMEM;
	a->topo = t;
	a->max_body = cfg->max_body ? cfg->max_body : API_DEFAULT_MAX_BODY;
	a->nice = cfg->nice;
	int fd = unix_listen(cfg->unix_path);
	if (fd < 0) {
		LOG_ERR(MOD, "cannot listen on %s: %s", cfg->unix_path, strerror(-fd));
		r = fd;
		goto free_api;
	}
	snprintf(a->unix_path, sizeof(a->unix_path), "%s", cfg->unix_path);
	a->unix_d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG, 0, NULL,
				     NULL, handler, a, MHD_OPTION_LISTEN_SOCKET, fd,
				     MHD_OPTION_NOTIFY_COMPLETED, completed, a,
				     MHD_OPTION_CONNECTION_TIMEOUT, 60u, MHD_OPTION_END);
	if (!a->unix_d) {
		LOG_ERR(MOD, "cannot start the HTTP server on %s", cfg->unix_path);
		close(fd);
		r = -EIO;
		goto unlink_sock;
	}
	if (cfg->tls_listen) {
		struct sockaddr_storage ss = { 0 };
		if (MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES) {
			LOG_ERR(MOD, "--api-tls: this libmicrohttpd has no TLS support (needs GnuTLS)");
			r = -ENOTSUP;
			goto stop_unix;
		}
		if (tls_listen(cfg->tls_listen, &ss)) {
			LOG_ERR(MOD, "--api-tls: '%s' is not ADDR:PORT with a numeric address",
				cfg->tls_listen);
			r = -EINVAL;
			goto stop_unix;
		}
		if (!cfg->tls_cert || !cfg->tls_key || !(a->cert = read_file(cfg->tls_cert)) ||
		    !(a->key = read_file(cfg->tls_key))) {
			LOG_ERR(MOD, "--api-tls needs readable --api-cert and --api-key files");
			r = -EINVAL;
			goto stop_unix;
		}
		unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG | MHD_USE_TLS;
		if (ss.ss_family == AF_INET6)
			flags |= MHD_USE_IPv6;
		a->tls_d = MHD_start_daemon(flags, 0, NULL, NULL, handler, a, MHD_OPTION_SOCK_ADDR,
					    (struct sockaddr *)&ss, MHD_OPTION_HTTPS_MEM_CERT, a->cert,
					    MHD_OPTION_HTTPS_MEM_KEY, a->key,
					    MHD_OPTION_NOTIFY_COMPLETED, completed, a,
					    MHD_OPTION_CONNECTION_TIMEOUT, 60u, MHD_OPTION_END);
		if (!a->tls_d) {
			LOG_ERR(MOD, "cannot start the HTTPS server on %s (address in use, or bad "
				"certificate/key)", cfg->tls_listen);
			r = -EIO;
			goto stop_unix;
		}
		LOG_INFO(MOD, "REST API on https://%s", cfg->tls_listen);
	}
	LOG_INFO(MOD, "REST API on unix:%s", cfg->unix_path);
	*out = a;
	return 0;
stop_unix:
	MHD_stop_daemon(a->unix_d);
unlink_sock:
	unlink(a->unix_path);
free_api:
	free(a->cert);
	free(a->key);
	free(a);
	return r;
}

void api_stop(struct api *a)
{
	if (!a)
		return;
	if (a->tls_d)
		MHD_stop_daemon(a->tls_d);
	MHD_stop_daemon(a->unix_d);
	unlink(a->unix_path);
	free(a->cert);
	free(a->key);
	free(a);
}
