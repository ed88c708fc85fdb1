/* hostd/topo/topo_json.h: the JSON shape of topology objects (input
 * parsed with cJSON, output built with jansson).
 *
 * One representation, Neutron's attribute names plus "dfnic:" extensions,
 * used by the REST API (hostd/api: bodies and replies) and by the store
 * (hostd/store: one JSON document per object). The store form adds the
 * internal fields (keys, ports hostd created) that the API shows read-only
 * or not at all. */
#ifndef DFNIC_HOSTD_TOPO_JSON_H
#define DFNIC_HOSTD_TOPO_JSON_H

#include <cjson/cJSON.h>
#include <jansson.h>
#include <stddef.h>

#include "hostd/topo/topo.h"

enum topo_json_mode {
	TOPO_JSON_API,   /* API: derived attributes out, read-only ones ignored in */
	TOPO_JSON_STORE, /* store: every field, nothing derived */
};

/* Deepest nesting of arrays and objects topo_json_parse accepts (a
 * topology document needs 5). */
#define TOPO_JSON_MAX_DEPTH 32

/* Parse untrusted JSON text (len bytes, no NUL needed) with cJSON plus
 * the checks it lacks (topo_json.c says which): the tree (free with
 * cJSON_Delete), or NULL with err filled: 400 MalformedRequestBody, the
 * message says "malformed JSON in <what>, line L column C: why", or for a
 * duplicate key names its path in the field. Any JSON value; decoders
 * check the shape they want. */
cJSON *topo_json_parse(const char *text, size_t len, const char *what, struct topo_err *err);

/* A fresh object of kind k with the defaults of a create (admin state up,
 * vxlan, reactive, "allocate" fixed IP, SNAT on, ...). Free with
 * topo_obj_free. NULL on allocation failure. */
void *topo_json_new_obj(enum topo_kind k);

/* Apply the attributes of `j` (a JSON object from topo_json_parse) to obj, an object from
 * topo_json_new_obj or topo_obj_dup (it owns its arrays and interned
 * strings, which decoding replaces). `create` selects
 * the create-time defaults that depend on other attributes (a subnet's
 * gateway_ip). Unknown attributes, wrong types and bad values: 400 with
 * the field named. 0 or -EINVAL. */
int topo_json_decode(enum topo_kind k, const cJSON *j, void *obj, bool create,
		     enum topo_json_mode mode, struct topo_err *err);

/* A new JSON object for obj; `t` (API mode) resolves derived attributes
 * (a network's subnets, a router's interfaces and gateway IPs) and must be
 * read-locked. NULL on allocation failure. */
json_t *topo_json_encode(const struct topo *t, enum topo_kind k, const void *obj,
			 enum topo_json_mode mode);

/* The store document of obj as text: what json_dumps(JSON_COMPACT |
 * JSON_SORT_KEYS) makes of topo_json_encode(NULL, k, obj, TOPO_JSON_STORE),
 * byte for byte, written straight into *buf for the kinds a topology has
 * thousands of (networks, subnets, ports) without building the JSON tree.
 * *buf (size *cap) is grown with realloc and reused across calls; the
 * text is NUL-terminated. Its length, or 0 when out of memory. */
size_t topo_json_store_doc(enum topo_kind k, const void *obj, char **buf, size_t *cap);

#endif
