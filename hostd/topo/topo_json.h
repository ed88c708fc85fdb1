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

/* ---- a large document, one element at a time ----
 * A 10,000-port apply document is 2.5 MB: parsed whole, its tree takes
 * 15 MB of fresh memory, and faulting those pages in is most of the parse.
 * Read this way, the top-level object's members are found by their
 * brackets and quotes (no tree), and an array member is parsed one element
 * at a time, each freed before the next is parsed, so the same few
 * kilobytes of heap serve the whole document. Every check of
 * topo_json_parse applies (check_text over the whole text at open, cJSON's
 * grammar per element, duplicate keys with their path, e.g.
 * "ports[3].name"); an error is found when its element is read, so
 * what comes before it may already have been acted upon (a transaction
 * undoes it). */
#define TOPO_JSON_DOC_MAX 16  /* members of the top-level object, at most */

struct topo_json_member {
	char key[64];                   /* its key (unescaped; longer ones cut) */
	size_t at;                      /* its value: text[at..end) */
	size_t end;                     /* (the value itself unchecked until read) */
};

struct tj_scratch;

struct topo_json_doc {
	struct tj_scratch *scratch;     /* memory for the elements' trees (owned) */
	const char *text;               /* the document (borrowed, len bytes) */
	size_t len;                     /* its length */
	const char *what;               /* for messages: "the request body" */
	struct topo_json_member m[TOPO_JSON_DOC_MAX]; /* top-level members, in order */
	size_t n;                       /* how many */
};

/* Where an iteration over an array member is. */
struct topo_json_iter {
	const struct topo_json_member *m; /* the array member */
	size_t pos;                     /* next element's first byte (m->end - 1:
					 * at the closing bracket, done) */
	size_t i;                       /* its index (for error paths) */
	size_t el_at, el_end;           /* the text of the element last returned
					 * (for topo_json_doc_reparse) */
};

/* Check text (as topo_json_parse does) and locate the members of its
 * top-level object. 0, or -EINVAL with err filled (400
 * MalformedRequestBody: malformed text, a duplicate top-level key, more
 * than TOPO_JSON_DOC_MAX members, or "<what> must be a JSON object"). d
 * borrows text. On success the document is open in this thread until
 * topo_json_doc_close: the trees its elements and values are parsed into
 * live in a scratch block that the next element reuses, so each must be
 * freed (cJSON_Delete, in this thread) before the next is read, and what
 * must outlive it copied (topo_json_doc_keep). */
int topo_json_doc_open(struct topo_json_doc *d, const char *text, size_t len, const char *what,
		       struct topo_err *err);
/* Ends an open document (its scratch freed); accepts NULL and a document
 * that did not open. */
void topo_json_doc_close(struct topo_json_doc *d);
/* An element read before, parsed again from its text (an iterator's
 * el_at, el_end), as topo_json_iter_next would: for what is needed again
 * later, rather than a copy kept meanwhile. NULL with err filled. */
cJSON *topo_json_doc_reparse(struct topo_json_doc *d, size_t at, size_t end,
			     struct topo_err *err);
/* The member with that key, or NULL. */
const struct topo_json_member *topo_json_doc_member(const struct topo_json_doc *d,
						    const char *key);
/* A member's value parsed whole (free with cJSON_Delete), or NULL with err
 * filled. */
cJSON *topo_json_doc_value(const struct topo_json_doc *d, const struct topo_json_member *m,
			   struct topo_err *err);
/* Start iterating over m's elements: false when m is NULL or not an array. */
bool topo_json_iter_start(const struct topo_json_doc *d, const struct topo_json_member *m,
			  struct topo_json_iter *it);
/* The next element parsed alone (free with cJSON_Delete before asking for
 * the next: that is the point), or NULL: at the end of the array with
 * err->status 0, else err filled (malformed text in or after it). */
cJSON *topo_json_iter_next(const struct topo_json_doc *d, struct topo_json_iter *it,
			   struct topo_err *err);

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
