/* tests/fuzz/topo_json.c: libFuzzer target for the topology input path
 * (hostd/topo/topo_json.c): the input is a REST body or a stored document.
 *
 * It is parsed as the API parses bodies (topo_json_parse: cJSON plus the
 * UTF-8, escape, nesting and duplicate key checks), then decoded as every
 * kind in API and STORE modes, itself and each of its member objects (an
 * apply document's resources are inside lists: their elements too).
 * A refusal must be a 400 with a message. An object that decodes must
 * encode: jansson's topo_json_encode and json_dumps (which refuse invalid
 * UTF-8) succeed, the store document text equals jansson's dump of it
 * (topo_json_store_doc's contract), parses back, and when it decodes
 * again gives the same document. The streaming reader of apply documents
 * (topo_json_doc_open and its iterator) must agree with the whole parse:
 * the same elements and values for a document the parse takes, a 400
 * somewhere in it for one the parse refuses. Everything is freed: ASan's
 * leak check runs at exit. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "drivers/base/log.h"
#include "hostd/topo/topo_json.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char *doc1, *doc2;               /* store document scratch */
static size_t cap1, cap2;               /* their sizes */

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	dfn_log_set_quiet(1);
	return 0;
}

/* What must hold of obj, which decoded as kind k. */
static void check_encodes(enum topo_kind k, const void *obj, enum topo_json_mode mode)
{
	json_t *j = topo_json_encode(NULL, k, obj, mode);
	char *api = j ? json_dumps(j, JSON_COMPACT) : NULL;
	json_decref(j);
	if (!api)
		__builtin_trap(); /* e.g. a string jansson cannot dump */
	free(api);
	json_t *s = topo_json_encode(NULL, k, obj, TOPO_JSON_STORE);
	char *want = s ? json_dumps(s, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	json_decref(s);
	size_t n = topo_json_store_doc(k, obj, &doc1, &cap1);
	if (!want || !n || strlen(want) != n || memcmp(want, doc1, n))
		__builtin_trap(); /* the text writer differs from jansson's dump */
	free(want);
	struct topo_err e = { 0 };
	cJSON *back = topo_json_parse(doc1, n, "the stored document", &e);
	if (!back)
		__builtin_trap(); /* hostd wrote a document it cannot read */
	void *again = topo_json_new_obj(k);
	if (again && !topo_json_decode(k, back, again, false, TOPO_JSON_STORE, &e)) {
		size_t n2 = topo_json_store_doc(k, again, &doc2, &cap2);
		if (n2 != n || memcmp(doc1, doc2, n))
			__builtin_trap(); /* not the same object once stored and loaded */
	}
	topo_obj_free(k, again);
	cJSON_Delete(back);
}

/* j decoded as every kind, in both modes. */
static void decode_all(const cJSON *j)
{
	for (int k = 0; k < TOPO_KIND_COUNT; k++) {
		for (int m = 0; m < 2; m++) {
			enum topo_json_mode mode = m ? TOPO_JSON_STORE : TOPO_JSON_API;
			struct topo_err e = { 0 };
			void *o = topo_json_new_obj(k);
			if (!o)
				continue;
			if (topo_json_decode(k, j, o, mode == TOPO_JSON_API, mode, &e)) {
				if (e.status != 400 || !e.msg[0])
					__builtin_trap();
			} else {
				check_encodes(k, o, mode);
			}
			topo_obj_free(k, o);
		}
	}
}

/* Two trees print the same (cJSON_Compare says no for infinities, which
 * a number like 1e400 parses to). */
static int same_tree(const cJSON *a, const cJSON *b)
{
	char *x = cJSON_PrintUnformatted(a), *y = cJSON_PrintUnformatted(b);
	int same = x && y && !strcmp(x, y);
	cJSON_free(x); /* (from the open document's scratch) */
	cJSON_free(y);
	return same;
}

/* Reads every member of the document the streaming way: 1 when all of it
 * was read, 0 at a refusal (a 400 with a message, else a trap). With
 * `whole` (the parse's tree of the same text), each element and value
 * must be the same as the tree's. */
static int read_streaming(const char *text, size_t size, const cJSON *whole)
{
	struct topo_json_doc d;
	struct topo_json_iter it;
	struct topo_err e = { 0 };
	if (topo_json_doc_open(&d, text, size, "the request body", &e))
		goto refused;
	if (whole && (size_t)cJSON_GetArraySize(whole) != d.n)
		__builtin_trap(); /* members lost or invented */
	for (size_t i = 0; i < d.n; i++) {
		const cJSON *w = whole ? cJSON_GetArrayItem(whole, (int)i) : NULL;
		if (whole && strncmp(w->string, d.m[i].key, sizeof(d.m[i].key) - 1))
			__builtin_trap();
		if (topo_json_iter_start(&d, &d.m[i], &it)) {
			const cJSON *we = w ? w->child : NULL;
			cJSON *el;
			while ((el = topo_json_iter_next(&d, &it, &e))) {
				if (w && (!we || !same_tree(el, we)))
					__builtin_trap(); /* not the tree's element */
				we = we ? we->next : NULL;
				cJSON_Delete(el);
			}
			if (e.status)
				goto refused;
			if (we)
				__builtin_trap(); /* elements left out */
		} else {
			cJSON *v = topo_json_doc_value(&d, &d.m[i], &e);
			if (!v)
				goto refused;
			int same = !w || same_tree(v, w);
			cJSON_Delete(v);
			if (!same)
				__builtin_trap();
		}
	}
	topo_json_doc_close(&d);
	return 1;
refused:
	topo_json_doc_close(&d);
	if (e.status != 400 || strcmp(e.type, "MalformedRequestBody") || !e.msg[0])
		__builtin_trap();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* an exact-size copy: a read past the body is an ASan report */
	char *text = malloc(size ? size : 1);
	if (!text)
		return 0;
	memcpy(text, data, size);
	struct topo_err e = { 0 };
	cJSON *j = topo_json_parse(text, size, "the request body", &e);
	if (!j) {
		if (e.status != 400 || strcmp(e.type, "MalformedRequestBody") || !e.msg[0])
			__builtin_trap();
		if (read_streaming(text, size, NULL))
			__builtin_trap(); /* the streaming reader took malformed text */
		free(text);
		return 0;
	}
	/* an object of at most TOPO_JSON_DOC_MAX members reads the same
	 * streamed; anything else is refused */
	if (read_streaming(text, size, cJSON_IsObject(j) ? j : NULL) !=
	    (cJSON_IsObject(j) && cJSON_GetArraySize(j) <= TOPO_JSON_DOC_MAX))
		__builtin_trap();
	decode_all(j);
	const cJSON *v, *el;
	cJSON_ArrayForEach(v, j) {
		if (cJSON_IsObject(v))
			decode_all(v);
		else if (cJSON_IsArray(v)) {
			cJSON_ArrayForEach(el, v) {
				if (cJSON_IsObject(el))
					decode_all(el);
			}
		}
	}
	cJSON_Delete(j);
	free(text);
	return 0;
}
