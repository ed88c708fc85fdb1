/* hostd/topo/topo_json.c: topology objects <-> JSON (topo_json.h).
 *
 * Input is parsed with cJSON (topo_json_parse; about 6x faster than jansson
 * on a 10,000-port apply document), output is built with jansson or, for
 * the store documents of the numerous kinds, written as text directly.
 * Decoders take untrusted input (REST bodies, dfctl apply files): every
 * attribute is type-checked and range-checked, and errors name it.
 *
 * cJSON is laxer than jansson was, so topo_json_parse adds the checks
 * jansson made: well-formed UTF-8 in strings (no overlong forms, surrogates
 * or code points above U+10FFFF), \u escapes that make valid UTF-8 (no
 * lone surrogates, no \u0000), no raw control characters, a nesting limit
 * (TOPO_JSON_MAX_DEPTH), nothing after the value, and no key twice in an
 * object (reported with its path). cJSON keeps a number as a double only:
 * integer attributes accept a number that is a whole number within their
 * range, so 4.0 is taken as 4 (jansson refused it), and a datapath id
 * given as a number must be below 2^53 (a hex string for larger ones).
 * cJSON also accepts a few non-JSON number spellings (leading zeros). */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drivers/base/util.h"
#include "hostd/topo/topo_json.h"

/* A 400 of `type` about field, the message "field: ..."; -EINVAL. */
__attribute__((format(printf, 4, 0)))
static int vrefuse(struct topo_err *e, const char *type, const char *field, const char *fmt,
		   va_list ap)
{
	if (e) {
		char m[300];
		e->status = 400;
		snprintf(e->type, sizeof(e->type), "%s", type);
		snprintf(e->field, sizeof(e->field), "%s", field);
		vsnprintf(m, sizeof(m), fmt, ap);
		snprintf(e->msg, sizeof(e->msg), "%s: %s", field, m);
	}
	return -EINVAL;
}

/* A bad value (BadRequest). */
__attribute__((format(printf, 3, 4)))
static int bad(struct topo_err *e, const char *field, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int r = vrefuse(e, "BadRequest", field, fmt, ap);
	va_end(ap);
	return r;
}

/* Text that is not an acceptable JSON document (MalformedRequestBody). */
__attribute__((format(printf, 3, 4)))
static int malformed(struct topo_err *e, const char *field, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int r = vrefuse(e, "MalformedRequestBody", field, fmt, ap);
	va_end(ap);
	return r;
}

#define DUP_KEY "duplicate key (an attribute may appear once per object)"

void *topo_json_new_obj(enum topo_kind k)
{
	static const struct topo_network n0 = { .type = TOPO_NET_VXLAN, .admin_state_up = true };
	static const struct topo_subnet s0 = { .enable_dhcp = true };
	static const struct topo_port p0 = { .admin_state_up = true, .n_fixed_ips = 1 };
	static const struct topo_router r0 = { .admin_state_up = true, .enable_snat = true };
	static const struct topo_floatingip f0 = { .key = 0 };
	static const struct topo_chassis c0 = { .key = 0 };
	static const void *const tmpl[] = { &n0, &s0, &p0, &r0, &f0, &c0 };
	return topo_obj_dup(k, tmpl[k]);
}

/* ---- parsing untrusted text ------------------------------------------- */

/* A document's exact range for a datapath id given as a JSON number. */
#define DPID_NUM_MAX ((UINT64_C(1) << 53) - 1)

/* Fill err for text that is not acceptable JSON: where (line and byte
 * column of offset `at`) and why. */
static void bad_text(struct topo_err *err, const char *what, const char *text, size_t at,
		     const char *why)
{
	int line = 1;
	size_t bol = 0;
	for (size_t i = 0; i < at; i++)
		if (text[i] == '\n') {
			line++;
			bol = i + 1;
		}
	if (!err)
		return;
	err->status = 400;
	snprintf(err->type, sizeof(err->type), "MalformedRequestBody");
	err->field[0] = '\0';
	snprintf(err->msg, sizeof(err->msg), "malformed JSON in %s, line %d column %zu: %s", what,
		 line, at - bol + 1, why);
}

/* Bytes that need no look inside a string (printable ASCII but the quote
 * and the backslash), and outside one (anything but quotes, brackets and
 * control characters other than JSON's whitespace). */
static bool str_plain[256], out_plain[256];

static void plain_init(void)
{
	for (int c = 0; c < 256; c++) {
		str_plain[c] = c >= 0x20 && c < 0x80 && c != '"' && c != '\\';
		out_plain[c] = (c >= 0x20 || c == '\t' || c == '\n' || c == '\r') && c != '"' &&
			       c != '{' && c != '[' && c != '}' && c != ']';
	}
}

/* The value of the 4 hex digits at p, or -1. */
static int hex4(const unsigned char *p)
{
	int v = 0;
	for (int i = 0; i < 4; i++) {
		int c = p[i], d;
		if (c >= '0' && c <= '9')
			d = c - '0';
		else if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f')
			d = (c | 0x20) - 'a' + 10;
		else
			return -1;
		v = v * 16 + d;
	}
	return v;
}

/* What cJSON does not check, over the whole text before it parses: UTF-8
 * inside strings, \u escapes (4 hex digits, not \u0000, surrogates in
 * pairs), raw control characters (in strings, and outside them where cJSON
 * would take them as whitespace) and the nesting depth. Leaves the rest of
 * the grammar to cJSON: on an unterminated string or a bad escape it stops
 * and says yes. false with *at and why[] when the text is refused. */
static bool check_text(const char *text, size_t len, size_t *at, char *why, size_t cap)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	const unsigned char *s = (const unsigned char *)text, *p = s, *end = s + len;
	unsigned depth = 0;
	pthread_once(&once, plain_init);
#define REFUSE(where, ...)                              \
	do {                                            \
		*at = (size_t)((where) - s);            \
		snprintf(why, cap, __VA_ARGS__);        \
		return false;                           \
	} while (0)
	while (p < end) {
		while (p < end && out_plain[*p])
			p++;
		if (p == end)
			break;
		if (*p == '{' || *p == '[') {
			if (++depth > TOPO_JSON_MAX_DEPTH)
				REFUSE(p, "nested deeper than %d levels", TOPO_JSON_MAX_DEPTH);
			p++;
			continue;
		}
		if (*p == '}' || *p == ']') {
			depth -= depth > 0;
			p++;
			continue;
		}
		if (*p != '"')
			REFUSE(p, "control character 0x%02x outside a string", *p);
		for (p++;;) { /* in a string */
			while (p < end && str_plain[*p])
				p++;
			if (p == end || (*p == '\\' && end - p < 2))
				return true; /* unterminated: cJSON says where */
			if (*p == '"') {
				p++;
				break;
			}
			if (*p == '\\' && p[1] != 'u') {
				p += 2; /* cJSON checks the escape letter */
			} else if (*p == '\\') {
				int u = end - p >= 6 ? hex4(p + 2) : -1, l = -1;
				if (u < 0)
					REFUSE(p, "\\u needs 4 hex digits");
				if (u == 0)
					REFUSE(p, "\\u0000 (NUL) is not allowed in a string");
				if (u >= 0xDC00 && u <= 0xDFFF)
					REFUSE(p, "\\u%04X: a lone UTF-16 surrogate", (unsigned)u);
				if (u < 0xD800 || u > 0xDBFF) {
					p += 6;
					continue;
				}
				if (end - p >= 12 && p[6] == '\\' && p[7] == 'u')
					l = hex4(p + 8);
				if (l < 0xDC00 || l > 0xDFFF)
					REFUSE(p, "\\u%04X: a lone UTF-16 surrogate (not followed by "
					       "\\uDC00..\\uDFFF)", (unsigned)u);
				p += 12;
			} else if (*p < 0x20) {
				REFUSE(p, "control character 0x%02x in a string (escape it)", *p);
			} else {
				size_t n = dfn_utf8_len(p, (size_t)(end - p));
				if (!n)
					REFUSE(p, "invalid UTF-8 (byte 0x%02x)", *p);
				p += n;
			}
		}
	}
#undef REFUSE
	return true;
}

/* A member of object j whose key an earlier member has, by pairs. */
static const cJSON *dup_pairs(const cJSON *j)
{
	for (const cJSON *a = j->child ? j->child->next : NULL; a; a = a->next)
		for (const cJSON *b = j->child; b != a; b = b->next)
			if (a->string[0] == b->string[0] && !strcmp(a->string, b->string))
				return a;
	return NULL;
}

/* A member and its place in its object (dup_sorted). */
struct member_ix {
	const cJSON *m;                 /* the member */
	size_t pos;                     /* its place in document order */
};

static int member_cmp(const void *a, const void *b)
{
	const struct member_ix *x = a, *y = b;
	int c = strcmp(x->m->string, y->m->string);
	return c ? c : (x->pos > y->pos) - (x->pos < y->pos);
}

/* dup_pairs for an object of n members, n log n: through a sorted copy
 * (by pairs when that cannot be allocated). */
static const cJSON *dup_sorted(const cJSON *j, size_t n)
{
	struct member_ix *v = malloc(n * sizeof(*v));
	const cJSON *m, *d = NULL;
	size_t i = 0;
	if (!v)
		return dup_pairs(j);
	cJSON_ArrayForEach(m, j) {
		v[i].m = m;
		v[i].pos = i;
		i++;
	}
	qsort(v, n, sizeof(*v), member_cmp);
	for (i = 1; i < n && !d; i++)
		if (!strcmp(v[i - 1].m->string, v[i].m->string))
			d = v[i].m; /* the later of the two */
	free(v);
	return d;
}

/* A member of some object of the tree j whose key its object already
 * has, or NULL. */
static const cJSON *dup_member(const cJSON *j)
{
	size_t n = 0;
	const cJSON *m;
	cJSON_ArrayForEach(m, j) {
		if (m->child) { /* a non-empty object or array */
			const cJSON *d = dup_member(m);
			if (d)
				return d;
		}
		n++;
	}
	if (!cJSON_IsObject(j) || n < 2)
		return NULL;
	return n <= 32 ? dup_pairs(j) : dup_sorted(j, n);
}

/* The path of node `want` under j ("ports[3].name") appended to p (of
 * cap bytes, holding len). true when found. */
static bool path_of(const cJSON *j, const cJSON *want, char *p, size_t cap, size_t len)
{
	const cJSON *m;
	size_t i = 0;
	cJSON_ArrayForEach(m, j) {
		int n = cJSON_IsObject(j) ? snprintf(p + len, cap - len, "%s%s", len ? "." : "",
						     m->string)
					  : snprintf(p + len, cap - len, "[%zu]", i);
		size_t l = DFN_MIN(len + (size_t)(n > 0 ? n : 0), cap - 1);
		if (m == want || path_of(m, want, p, cap, l))
			return true;
		p[len] = '\0';
		i++;
	}
	return false;
}

/* ---- scratch memory for a document's elements -------------------------- */

#define TJ_SCRATCH (64u * 1024) /* a document's scratch block: an element's
				    * tree is a few kilobytes */

/* Under AddressSanitizer the block stays checked: what is not handed out
 * is poisoned, each piece is followed by a poisoned red zone, and a reset
 * poisons the whole block (a tree used after the next element was read is
 * a use after free). */
#if defined(__SANITIZE_ADDRESS__)
#define TJ_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define TJ_ASAN 1
#endif
#endif
#ifdef TJ_ASAN
#include <sanitizer/asan_interface.h>
#define TJ_REDZONE 16
#define TJ_POISON(p, n) ASAN_POISON_MEMORY_REGION((p), (n))
#define TJ_UNPOISON(p, n) ASAN_UNPOISON_MEMORY_REGION((p), (n))
#else
#define TJ_REDZONE 0
#define TJ_POISON(p, n) ((void)(p), (void)(n))
#define TJ_UNPOISON(p, n) ((void)(p), (void)(n))
#endif

/* cJSON allocates through these hooks (installed once): while a document
 * is open in this thread (topo_json_doc_open), from its scratch block,
 * reset before each element is parsed; else, and when the block is full,
 * from malloc. The elements' trees, freed one after the other, then never
 * fragment the heap that the topology objects built from them stay in
 * (each element's nodes freed between two objects' allocations cost the
 * topology ~50 bytes of RSS per port). */
struct tj_scratch {
	uint8_t *base;                  /* the block */
	size_t size;                    /* its size */
	size_t used;                    /* bytes handed out since the reset */
};

static _Thread_local struct tj_scratch *tj_cur; /* the open document's */

static void *tj_malloc(size_t n)
{
	struct tj_scratch *s = tj_cur;
	size_t take = ((n + 15) & ~(size_t)15) + TJ_REDZONE;
	if (s && take <= s->size - s->used) {
		void *p = s->base + s->used;
		s->used += take;
		TJ_UNPOISON(p, n);
		return p;
	}
	return malloc(n);
}

static void tj_free(void *p)
{
	const struct tj_scratch *s = tj_cur;
	if (s && (uint8_t *)p >= s->base && (uint8_t *)p < s->base + s->size)
		return; /* the whole block is reset before the next element */
	free(p);
}

static void tj_hooks(void)
{
	cJSON_Hooks h = { .malloc_fn = tj_malloc, .free_fn = tj_free };
	cJSON_InitHooks(&h);
}

/* cJSON on text[at..len), stopping after one value; *stop gets where it
 * stopped (the end of the value, or where it failed). cJSON keeps the
 * place of its last error in one static variable, written by every parse:
 * parses are serialised, so the API's two servers (Unix socket, TLS) do
 * not race on it. */
static cJSON *cjson_at(const char *text, size_t len, size_t at, size_t *stop)
{
	static pthread_mutex_t parse_mu = PTHREAD_MUTEX_INITIALIZER;
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	const char *end = NULL;
	pthread_once(&once, tj_hooks);
	pthread_mutex_lock(&parse_mu);
	cJSON *j = cJSON_ParseWithLengthOpts(text + at, len - at, &end, false);
	pthread_mutex_unlock(&parse_mu);
	*stop = end && end >= text + at && end <= text + len ? (size_t)(end - text) : at;
	return j;
}

/* err for text cJSON refused at offset `at`: cJSON says where, not why,
 * so the message shows the text there. */
static void bad_syntax(struct topo_err *err, const char *what, const char *text, size_t len,
		       size_t at)
{
	char near[24], why[120];
	size_t n = 0;
	for (size_t i = at; i < len && n < 16; i++)
		near[n++] = text[i] >= 0x20 && text[i] < 0x7f ? text[i] : '?';
	near[n] = '\0';
	if (!len)
		snprintf(why, sizeof(why), "no JSON value");
	else if (at + 1 >= len) /* cJSON's place for "ran out" too */
		snprintf(why, sizeof(why), "not valid JSON at the end of the text ('%s')", near);
	else
		snprintf(why, sizeof(why), "not valid JSON at '%s'", near);
	bad_text(err, what, text, at, why);
}

/* JSON's whitespace from text[at] on: where it ends. */
static size_t skip_ws(const char *text, size_t len, size_t at)
{
	while (at < len && (text[at] == ' ' || text[at] == '\t' || text[at] == '\n' ||
			    text[at] == '\r'))
		at++;
	return at;
}

/* A key that some object of j (found under `prefix`, "" for the top)
 * has twice: true with err filled (the field is the key's path). */
static bool dup_refused(const cJSON *j, const char *prefix, struct topo_err *err)
{
	const cJSON *d = dup_member(j);
	if (!d)
		return false;
	char path[sizeof(err->field)];
	snprintf(path, sizeof(path), "%s", prefix);
	path_of(j, d, path, sizeof(path), strlen(path));
	malformed(err, path, DUP_KEY);
	return true;
}

cJSON *topo_json_parse(const char *text, size_t len, const char *what, struct topo_err *err)
{
	char why[120];
	size_t at;
	if (!check_text(text, len, &at, why, sizeof(why))) {
		bad_text(err, what, text, at, why);
		return NULL;
	}
	cJSON *j = cjson_at(text, len, 0, &at);
	if (!j) {
		bad_syntax(err, what, text, len, at);
		return NULL;
	}
	at = skip_ws(text, len, at);
	if (at < len) {
		cJSON_Delete(j);
		bad_text(err, what, text, at, "text after the JSON value");
		return NULL;
	}
	if (dup_refused(j, "", err)) {
		cJSON_Delete(j);
		return NULL;
	}
	return j;
}

/* ---- a large document, one element at a time -------------------------- */

/* The end of the JSON value that starts at text[at] (already through
 * check_text: strings are terminated or run to the end), found by its
 * brackets and quotes only; cJSON checks the value itself later. len
 * when it does not end or its brackets do not pair up. */
static size_t skip_value(const char *text, size_t len, size_t at)
{
	char open[TOPO_JSON_MAX_DEPTH + 1]; /* the brackets open, innermost last */
	unsigned depth = 0;
	/* (the tables: check_text has run) */
	while (at < len) {
		char c = text[at];
		if (depth && out_plain[(unsigned char)c]) { /* inside: runs of the rest */
			while (++at < len && out_plain[(unsigned char)text[at]])
				;
			continue;
		}
		if (c == '"') {
			for (at++; at < len; at++) {
				while (at < len && str_plain[(unsigned char)text[at]])
					at++;
				if (at >= len || text[at] == '"')
					break;
				at += text[at] == '\\';
			}
			if (at >= len)
				return len;
		} else if (c == '{' || c == '[') {
			if (depth == sizeof(open))
				return len;
			open[depth++] = c;
		} else if (c == '}' || c == ']') {
			if (!depth)
				return at; /* the end of the enclosing value */
			if (open[--depth] != (c == '}' ? '{' : '['))
				return len; /* [} or {] */
		} else if (!depth && (c == ',' || c == ' ' || c == '\t' || c == '\n' || c == '\r')) {
			return at; /* after a number or a literal */
		}
		at++;
		if (!depth && (c == '"' || c == '}' || c == ']'))
			return at; /* after a string, an object or an array */
	}
	return depth ? len : at;
}

int topo_json_doc_open(struct topo_json_doc *d, const char *text, size_t len, const char *what,
		       struct topo_err *err)
{
	char why[120];
	size_t at;
	memset(d, 0, sizeof(*d));
	d->text = text;
	d->len = len;
	d->what = what;
	if (!check_text(text, len, &at, why, sizeof(why))) {
		bad_text(err, what, text, at, why);
		return -EINVAL;
	}
	/* the elements' scratch (without it, they come from malloc) */
	struct tj_scratch *s = malloc(sizeof(*s));
	if (s && (s->base = malloc(TJ_SCRATCH))) {
		s->size = TJ_SCRATCH;
		s->used = 0;
		TJ_POISON(s->base, s->size);
		d->scratch = s;
		tj_cur = s;
	} else {
		free(s);
	}
	at = skip_ws(text, len, 0);
	if (at == len || text[at] != '{')
		goto whole;
	at = skip_ws(text, len, at + 1);
	if (at < len && text[at] == '}') {
		at++;
		goto end;
	}
	for (;;) {
		size_t k0 = at, k1;
		if (at == len || text[at] != '"')
			goto whole;
		k1 = skip_value(text, len, at);
		if (k1 == len)
			goto whole;
		cJSON *key = cjson_at(text, k1, k0, &k1); /* the key, unescaped */
		if (!cJSON_IsString(key)) {
			cJSON_Delete(key);
			goto whole;
		}
		for (size_t i = 0; i < d->n; i++)
			if (!strcmp(d->m[i].key, key->valuestring)) {
				malformed(err, key->valuestring, DUP_KEY);
				cJSON_Delete(key);
				topo_json_doc_close(d);
				return -EINVAL;
			}
		if (d->n == TOPO_JSON_DOC_MAX) {
			malformed(err, key->valuestring, "more than %d members in the document's object",
				  TOPO_JSON_DOC_MAX);
			cJSON_Delete(key);
			topo_json_doc_close(d);
			return -EINVAL;
		}
		struct topo_json_member *m = &d->m[d->n++];
		snprintf(m->key, sizeof(m->key), "%s", key->valuestring);
		cJSON_Delete(key);
		at = skip_ws(text, len, k1);
		if (at == len || text[at] != ':')
			goto whole;
		m->at = skip_ws(text, len, at + 1);
		m->end = skip_value(text, len, m->at);
		if (m->end == m->at || m->end == len)
			goto whole;
		at = skip_ws(text, len, m->end);
		if (at < len && text[at] == ',') {
			at = skip_ws(text, len, at + 1);
			continue;
		}
		if (at < len && text[at] == '}') {
			at++;
			break;
		}
		goto whole;
	}
end:
	at = skip_ws(text, len, at);
	if (at < len) {
		bad_text(err, what, text, at, "text after the JSON value");
		topo_json_doc_close(d);
		return -EINVAL;
	}
	return 0;
whole:
	/* not an object, or its top level is malformed: cJSON on the whole
	 * text says where (or it is some other value) */
	{
		topo_json_doc_close(d);
		cJSON *j = topo_json_parse(text, len, what, err);
		if (!j)
			return -EINVAL;
		cJSON_Delete(j);
		err->status = 400;
		snprintf(err->type, sizeof(err->type), "MalformedRequestBody");
		err->field[0] = '\0';
		snprintf(err->msg, sizeof(err->msg), "%s must be a JSON object", what);
		return -EINVAL;
	}
}

void topo_json_doc_close(struct topo_json_doc *d)
{
	struct tj_scratch *s = d ? d->scratch : NULL;
	if (!s)
		return;
	if (tj_cur == s)
		tj_cur = NULL;
	TJ_UNPOISON(s->base, s->size);
	free(s->base);
	free(s);
	d->scratch = NULL;
}

/* A new element or value: the previous one's tree is gone (the
 * contract), its scratch can be handed out again. */
static void tj_reset(const struct topo_json_doc *d)
{
	if (d->scratch) {
		d->scratch->used = 0;
		TJ_POISON(d->scratch->base, d->scratch->size);
	}
}

cJSON *topo_json_doc_reparse(struct topo_json_doc *d, size_t at, size_t end,
			     struct topo_err *err)
{
	size_t stop;
	tj_reset(d);
	cJSON *j = at < end && end <= d->len ? cjson_at(d->text, end, at, &stop) : NULL;
	if (!j)
		bad_syntax(err, d->what, d->text, d->len, at);
	return j;
}

const struct topo_json_member *topo_json_doc_member(const struct topo_json_doc *d,
						    const char *key)
{
	for (size_t i = 0; i < d->n; i++)
		if (!strcmp(d->m[i].key, key))
			return &d->m[i];
	return NULL;
}

cJSON *topo_json_doc_value(const struct topo_json_doc *d, const struct topo_json_member *m,
			   struct topo_err *err)
{
	size_t stop;
	tj_reset(d);
	cJSON *j = cjson_at(d->text, m->end, m->at, &stop);
	if (!j || stop != m->end) {
		cJSON_Delete(j);
		bad_syntax(err, d->what, d->text, d->len, stop);
		return NULL;
	}
	if (dup_refused(j, m->key, err)) {
		cJSON_Delete(j);
		return NULL;
	}
	return j;
}

bool topo_json_iter_start(const struct topo_json_doc *d, const struct topo_json_member *m,
			  struct topo_json_iter *it)
{
	memset(it, 0, sizeof(*it));
	if (!m || d->text[m->at] != '[')
		return false;
	it->m = m;
	it->pos = skip_ws(d->text, m->end, m->at + 1);
	it->i = 0;
	return true;
}

cJSON *topo_json_iter_next(const struct topo_json_doc *d, struct topo_json_iter *it,
			   struct topo_err *err)
{
	const char *text = d->text;
	size_t end = it->m->end - 1, stop; /* end: the array's ']' */
	char prefix[sizeof(it->m->key) + 24];
	if (err)
		err->status = 0;
	if (it->pos >= end)
		return NULL; /* done */
	tj_reset(d);
	cJSON *j = cjson_at(text, end, it->pos, &stop);
	if (!j) {
		bad_syntax(err, d->what, text, d->len, stop);
		return NULL;
	}
	snprintf(prefix, sizeof(prefix), "%s[%zu]", it->m->key, it->i);
	if (dup_refused(j, prefix, err)) {
		cJSON_Delete(j);
		return NULL;
	}
	it->el_at = it->pos;
	it->el_end = stop;
	/* a comma and the next element, or the end */
	stop = skip_ws(text, end, stop);
	if (stop < end && text[stop] == ',' && skip_ws(text, end, stop + 1) < end) {
		it->pos = skip_ws(text, end, stop + 1);
	} else if (stop == end) {
		it->pos = end;
	} else {
		cJSON_Delete(j);
		bad_syntax(err, d->what, text, d->len, stop);
		return NULL;
	}
	it->i++;
	return j;
}

/* ---- typed getters (field names for errors) --------------------------- */

static int get_str(const cJSON *v, const char *field, char *out, size_t cap, bool nullable,
		   struct topo_err *err)
{
	if (cJSON_IsNull(v) && nullable) {
		out[0] = '\0';
		return 0;
	}
	if (!cJSON_IsString(v))
		return bad(err, field, "must be a string%s", nullable ? " or null" : "");
	if (strlen(cJSON_GetStringValue(v)) >= cap) {
		char d[32];
		snprintf(d, sizeof(d), "%zu", cap - 1);
		return bad(err, field, "longer than %s characters", d);
	}
	strcpy(out, cJSON_GetStringValue(v));
	return 0;
}

/* get_str (nullable) into a shared string (topo_intern). */
static int get_interned(const cJSON *v, const char *field, const char **out, size_t cap,
			struct topo_err *err)
{
	char buf[TOPO_NAME_MAX + 1];
	int r;
	if (cap > sizeof(buf))
		cap = sizeof(buf);
	if ((r = get_str(v, field, buf, cap, true, err)))
		return r;
	const char *s = topo_intern(buf);
	if (!s)
		return bad(err, field, "out of memory%s", "");
	topo_intern_put(*out); /* the object's reference to the old value */
	*out = s;
	return 0;
}

static int get_id(const cJSON *v, const char *field, char *out, bool nullable, struct topo_err *err)
{
	return get_str(v, field, out, TOPO_ID_MAX + 1, nullable, err);
}

static int get_name(const cJSON *v, const char *field, char **out, struct topo_err *err)
{
	if (!cJSON_IsString(v))
		return bad(err, field, "must be a string%s", "");
	if (strlen(cJSON_GetStringValue(v)) > TOPO_NAME_MAX)
		return bad(err, field, "longer than 255 characters%s", "");
	char *s = strdup(cJSON_GetStringValue(v));
	if (!s)
		return bad(err, field, "out of memory%s", "");
	free(*out);
	*out = s;
	return 0;
}

static int get_bool(const cJSON *v, const char *field, bool *out, struct topo_err *err)
{
	if (!cJSON_IsBool(v))
		return bad(err, field, "must be true or false%s", "");
	*out = cJSON_IsTrue(v);
	return 0;
}

/* A JSON number that is a whole number in 0..max (max < 2^53: cJSON keeps
 * a double, exact up to there), into *out. 4.0 counts as 4. */
static bool num_uint(const cJSON *v, uint64_t max, uint64_t *out)
{
	if (!cJSON_IsNumber(v))
		return false;
	double d = v->valuedouble;
	/* the range test first: it is false for NaN, and makes the cast defined */
	if (!(d >= 0 && d <= (double)max) || d != (double)(uint64_t)d)
		return false;
	*out = (uint64_t)d;
	return true;
}

static int get_u32(const cJSON *v, const char *field, uint32_t *out, bool nullable,
		   struct topo_err *err)
{
	if (cJSON_IsNull(v) && nullable) {
		*out = 0;
		return 0;
	}
	uint64_t u;
	if (!num_uint(v, UINT32_MAX, &u))
		return bad(err, field, "must be an integer in 0..4294967295%s", "");
	*out = (uint32_t)u;
	return 0;
}

static int get_ip(const cJSON *v, const char *field, struct topo_ip *out, bool nullable,
		  struct topo_err *err)
{
	if (cJSON_IsNull(v) && nullable) {
		memset(out, 0, sizeof(*out));
		return 0;
	}
	if (!cJSON_IsString(v))
		return bad(err, field, "must be an IP address string%s", "");
	if (topo_ip_parse(cJSON_GetStringValue(v), out))
		return bad(err, field, "'%s' is not a valid IP address", cJSON_GetStringValue(v));
	return 0;
}

static int get_cidr(const cJSON *v, const char *field, struct topo_cidr *out, struct topo_err *err)
{
	if (!cJSON_IsString(v))
		return bad(err, field, "must be a CIDR string%s", "");
	if (topo_cidr_parse(cJSON_GetStringValue(v), out))
		return bad(err, field,
			   "'%s' is not a valid CIDR (address/prefix, no host bits set)",
			   cJSON_GetStringValue(v));
	return 0;
}

/* Attributes accepted and ignored in API input (read-only or unmodelled). */
static bool ignorable(const char *key, enum topo_json_mode mode)
{
	static const char *const ro[] = {
		"status", "tenant_id", "project_id", "created_at", "updated_at",
		"revision_number", "description", "tags", "subnets", "shared",
		"dfnic:network_key", "dfnic:subnet_key", "dfnic:port_key", "dfnic:router_key",
		"dfnic:floatingip_key", "dfnic:chassis_key", "dfnic:interfaces", "router_id",
		"ipv6_address_mode", "ipv6_ra_mode", "dns_nameservers", "host_routes",
		"security_groups", "port_security_enabled",
	};
	if (mode == TOPO_JSON_STORE)
		return false;
	for (size_t i = 0; i < ARRAY_SIZE(ro); i++)
		if (!strcmp(key, ro[i]))
			return true;
	return false;
}

static int unknown(const char *key, struct topo_err *err)
{
	if (err) {
		err->status = 400;
		snprintf(err->type, sizeof(err->type), "HTTPBadRequest");
		snprintf(err->field, sizeof(err->field), "%s", key);
		snprintf(err->msg, sizeof(err->msg), "Unrecognized attribute(s) '%s'", key);
	}
	return -EINVAL;
}

/* Store-only integer fields. */
static bool store_key(const char *key, const char *want, enum topo_json_mode mode)
{
	return mode == TOPO_JSON_STORE && !strcmp(key, want);
}

/* ---- decoders per kind ------------------------------------------------ */

static int dec_network(const cJSON *j, struct topo_network *n, enum topo_json_mode mode,
		       struct topo_err *err)
{
	const cJSON *v;
	cJSON_ArrayForEach(v, j) {
		const char *key = v->string;
		int r = 0;
		if (!strcmp(key, "id"))
			r = get_id(v, key, n->id, false, err);
		else if (!strcmp(key, "name"))
			r = get_name(v, key, &n->name, err);
		else if (!strcmp(key, "provider:network_type")) {
			if (!cJSON_IsString(v) || topo_net_type_parse(cJSON_GetStringValue(v), &n->type))
				r = bad(err, key, "must be one of flat, vlan, vxlan, gre%s", "");
		} else if (!strcmp(key, "provider:segmentation_id"))
			r = get_u32(v, key, &n->segmentation_id, true, err);
		else if (!strcmp(key, "provider:physical_network"))
			r = get_str(v, key, n->physical_network, sizeof(n->physical_network), true, err);
		else if (!strcmp(key, "mtu"))
			r = get_u32(v, key, &n->mtu, false, err);
		else if (!strcmp(key, "router:external"))
			r = get_bool(v, key, &n->external, err);
		else if (!strcmp(key, "admin_state_up"))
			r = get_bool(v, key, &n->admin_state_up, err);
		else if (store_key(key, "dfnic:network_key", mode))
			r = get_u32(v, key, &n->key, false, err);
		else if (!ignorable(key, mode))
			r = unknown(key, err);
		if (r)
			return r;
	}
	return 0;
}

/* A JSON list of at most `max` entries decoded into a new zeroed array of
 * `elem`-byte entries sized to it (the object owns such arrays: see topo.h);
 * `shape` and `too_many` are the errors for a non-list and a long one. */
static int dec_list_alloc(const cJSON *v, const char *field, const char *shape, size_t max,
			  const char *too_many, size_t elem, void **out, struct topo_err *err)
{
	*out = NULL;
	if (!cJSON_IsArray(v))
		return bad(err, field, "%s", shape);
	size_t n = (size_t)cJSON_GetArraySize(v);
	if (n > max)
		return bad(err, field, "%s", too_many);
	if (n) {
		*out = calloc(n, elem);
		if (!*out)
			return bad(err, field, "out of memory%s", "");
	}
	return 0;
}

static int dec_pools(const cJSON *v, struct topo_subnet *s, struct topo_err *err)
{
	size_t i;
	const cJSON *e;
	char f[64];
	struct topo_pool *pools;
	int r = dec_list_alloc(v, "allocation_pools", "must be a list of {start, end}",
			       TOPO_MAX_POOLS, "more than 16 pools", sizeof(*pools),
			       (void **)&pools, err);
	if (r)
		return r;
	free(s->pools);
	s->pools = pools;
	s->n_pools = 0;
	for (i = 0, e = v->child; e; e = e->next, i++) {
		snprintf(f, sizeof(f), "allocation_pools[%zu]", i);
		const cJSON *a = cJSON_GetObjectItemCaseSensitive(e, "start");
		const cJSON *b = cJSON_GetObjectItemCaseSensitive(e, "end");
		if (!cJSON_IsObject(e) || !a || !b || cJSON_GetArraySize(e) != 2)
			return bad(err, f, "must be {\"start\": IP, \"end\": IP}%s", "");
		snprintf(f, sizeof(f), "allocation_pools[%zu].start", i);
		if (get_ip(a, f, &s->pools[i].start, false, err))
			return -EINVAL;
		snprintf(f, sizeof(f), "allocation_pools[%zu].end", i);
		if (get_ip(b, f, &s->pools[i].end, false, err))
			return -EINVAL;
		s->n_pools++;
	}
	return 0;
}

static int dec_subnet(const cJSON *j, struct topo_subnet *s, bool create, enum topo_json_mode mode,
		      struct topo_err *err)
{
	const cJSON *v;
	bool gw_given = false;
	cJSON_ArrayForEach(v, j) {
		const char *key = v->string;
		int r = 0;
		if (!strcmp(key, "id"))
			r = get_id(v, key, s->id, false, err);
		else if (!strcmp(key, "name"))
			r = get_name(v, key, &s->name, err);
		else if (!strcmp(key, "network_id"))
			r = get_id(v, key, s->network_id, false, err);
		else if (!strcmp(key, "ip_version")) {
			uint64_t ver;
			if (!num_uint(v, 6, &ver) || (ver != 4 && ver != 6))
				r = bad(err, key, "must be 4 or 6%s", "");
			else
				s->ip_version = (uint8_t)ver;
		} else if (!strcmp(key, "cidr"))
			r = get_cidr(v, key, &s->cidr, err);
		else if (!strcmp(key, "gateway_ip")) {
			r = get_ip(v, key, &s->gateway, true, err);
			gw_given = true;
		} else if (!strcmp(key, "allocation_pools"))
			r = dec_pools(v, s, err);
		else if (!strcmp(key, "enable_dhcp"))
			r = get_bool(v, key, &s->enable_dhcp, err);
		else if (store_key(key, "dfnic:subnet_key", mode))
			r = get_u32(v, key, &s->key, false, err);
		else if (!ignorable(key, mode))
			r = unknown(key, err);
		if (r)
			return r;
	}
	if (create && !gw_given && s->cidr.addr.version) {
		/* Neutron's default gateway: the first address after the network's. */
		unsigned bits = s->cidr.addr.version == 4 ? 32 : 128;
		s->gateway = s->cidr.addr;
		if (bits - s->cidr.plen >= 2) {
			int n = s->cidr.addr.version == 4 ? 4 : 16;
			for (int i = n - 1; i >= 0 && !++s->gateway.b[i]; i--)
				;
		} else {
			memset(&s->gateway, 0, sizeof(s->gateway));
		}
	}
	return 0;
}

static int dec_fixed_ips(const cJSON *v, struct topo_port *p, struct topo_err *err)
{
	size_t i;
	const cJSON *e;
	char f[64];
	struct topo_fixed_ip *ips;
	int r = dec_list_alloc(v, "fixed_ips", "must be a list of {subnet_id, ip_address}",
			       TOPO_MAX_FIXED_IPS, "more than 5 addresses", sizeof(*ips),
			       (void **)&ips, err);
	if (r)
		return r;
	free(p->fixed_ips);
	p->fixed_ips = ips;
	p->n_fixed_ips = 0;
	for (i = 0, e = v->child; e; e = e->next, i++) {
		snprintf(f, sizeof(f), "fixed_ips[%zu]", i);
		if (!cJSON_IsObject(e))
			return bad(err, f, "must be an object {subnet_id, ip_address}%s", "");
		const cJSON *a;
		cJSON_ArrayForEach(a, e) {
			const char *key = a->string;
			snprintf(f, sizeof(f), "fixed_ips[%zu].%s", i, key);
			if (!strcmp(key, "subnet_id"))
				r = get_id(a, f, p->fixed_ips[i].subnet_id, false, err);
			else if (!strcmp(key, "ip_address"))
				r = get_ip(a, f, &p->fixed_ips[i].ip, false, err);
			else
				r = unknown(f, err);
			if (r)
				return r;
		}
		if (!p->fixed_ips[i].subnet_id[0] && !p->fixed_ips[i].ip.version) {
			snprintf(f, sizeof(f), "fixed_ips[%zu]", i);
			return bad(err, f, "needs a subnet_id or an ip_address%s", "");
		}
		p->n_fixed_ips++;
	}
	return 0;
}

static int dec_port(const cJSON *j, struct topo_port *p, enum topo_json_mode mode,
		    struct topo_err *err)
{
	const cJSON *v;
	cJSON_ArrayForEach(v, j) {
		const char *key = v->string;
		int r = 0;
		if (!strcmp(key, "id"))
			r = get_id(v, key, p->id, false, err);
		else if (!strcmp(key, "name"))
			r = get_name(v, key, &p->name, err);
		else if (!strcmp(key, "network_id"))
			r = get_id(v, key, p->network_id, false, err);
		else if (!strcmp(key, "mac_address")) {
			if (!cJSON_IsString(v) || topo_mac_parse(cJSON_GetStringValue(v), p->mac))
				r = bad(err, key, "'%s' is not a unicast MAC address (xx:xx:xx:xx:xx:xx)",
					cJSON_IsString(v) ? cJSON_GetStringValue(v) : "(not a string)");
		} else if (!strcmp(key, "fixed_ips"))
			r = dec_fixed_ips(v, p, err);
		else if (!strcmp(key, "binding:host_id"))
			r = get_interned(v, key, &p->chassis, TOPO_HOST_MAX + 1, err);
		else if (!strcmp(key, "device_owner"))
			r = get_interned(v, key, &p->device_owner, TOPO_OWNER_MAX + 1, err);
		else if (!strcmp(key, "device_id"))
			r = get_id(v, key, p->device_id, true, err);
		else if (!strcmp(key, "admin_state_up"))
			r = get_bool(v, key, &p->admin_state_up, err);
		else if (!strcmp(key, "dfnic:interface_name"))
			r = get_str(v, key, p->ifname, sizeof(p->ifname), true, err);
		else if (store_key(key, "dfnic:port_key", mode))
			r = get_u32(v, key, &p->key, false, err);
		else if (!ignorable(key, mode))
			r = unknown(key, err);
		if (r)
			return r;
	}
	return 0;
}

static int dec_routes(const cJSON *v, struct topo_router *rt, struct topo_err *err)
{
	if (!cJSON_IsArray(v))
		return bad(err, "routes", "must be a list of {destination, nexthop}%s", "");
	if (cJSON_GetArraySize(v) > TOPO_MAX_ROUTES)
		return bad(err, "routes", "more than 30 routes%s", "");
	size_t i;
	const cJSON *e;
	char f[64];
	rt->n_routes = 0;
	for (i = 0, e = v->child; e; e = e->next, i++) {
		snprintf(f, sizeof(f), "routes[%zu]", i);
		const cJSON *d = cJSON_GetObjectItemCaseSensitive(e, "destination");
		const cJSON *n = cJSON_GetObjectItemCaseSensitive(e, "nexthop");
		if (!cJSON_IsObject(e) || !d || !n || cJSON_GetArraySize(e) != 2)
			return bad(err, f, "must be {\"destination\": CIDR, \"nexthop\": IP}%s", "");
		snprintf(f, sizeof(f), "routes[%zu].destination", i);
		if (get_cidr(d, f, &rt->routes[i].destination, err))
			return -EINVAL;
		snprintf(f, sizeof(f), "routes[%zu].nexthop", i);
		if (get_ip(n, f, &rt->routes[i].nexthop, false, err))
			return -EINVAL;
		rt->n_routes++;
	}
	return 0;
}

static int dec_gw(const cJSON *v, struct topo_router *rt, struct topo_err *err)
{
	if (cJSON_IsNull(v) || (cJSON_IsObject(v) && !cJSON_GetArraySize(v))) {
		rt->gw_network_id[0] = '\0';
		return 0;
	}
	if (!cJSON_IsObject(v))
		return bad(err, "external_gateway_info", "must be an object or null%s", "");
	const cJSON *a;
	bool net = false;
	cJSON_ArrayForEach(a, v) {
		const char *key = a->string;
		char f[64];
		int r = 0;
		snprintf(f, sizeof(f), "external_gateway_info.%s", key);
		if (!strcmp(key, "network_id")) {
			r = get_id(a, f, rt->gw_network_id, false, err);
			net = true;
		} else if (!strcmp(key, "enable_snat"))
			r = get_bool(a, f, &rt->enable_snat, err);
		else if (!strcmp(key, "external_fixed_ips"))
			r = 0; /* allocated by hostd; shown, not settable */
		else
			r = unknown(f, err);
		if (r)
			return r;
	}
	if (!net)
		return bad(err, "external_gateway_info.network_id", "required%s", "");
	return 0;
}

static int dec_router(const cJSON *j, struct topo_router *rt, enum topo_json_mode mode,
		      struct topo_err *err)
{
	const cJSON *v;
	cJSON_ArrayForEach(v, j) {
		const char *key = v->string;
		int r = 0;
		if (!strcmp(key, "id"))
			r = get_id(v, key, rt->id, false, err);
		else if (!strcmp(key, "name"))
			r = get_name(v, key, &rt->name, err);
		else if (!strcmp(key, "admin_state_up"))
			r = get_bool(v, key, &rt->admin_state_up, err);
		else if (!strcmp(key, "external_gateway_info"))
			r = dec_gw(v, rt, err);
		else if (!strcmp(key, "routes"))
			r = dec_routes(v, rt, err);
		else if (!strcmp(key, "dfnic:l3_mode")) {
			const char *m = cJSON_GetStringValue(v);
			if (m && !strcmp(m, "reactive"))
				rt->l3_mode = TOPO_L3_REACTIVE;
			else if (m && !strcmp(m, "proactive"))
				rt->l3_mode = TOPO_L3_PROACTIVE;
			else
				r = bad(err, key, "must be \"reactive\" or \"proactive\"%s", "");
		} else if (store_key(key, "dfnic:router_key", mode))
			r = get_u32(v, key, &rt->key, false, err);
		else if (store_key(key, "dfnic:gw_port_id", mode))
			r = get_id(v, key, rt->gw_port_id, true, err);
		else if (mode == TOPO_JSON_API && !strcmp(key, "interfaces"))
			r = 0; /* handled by the caller (apply documents) */
		else if (!ignorable(key, mode))
			r = unknown(key, err);
		if (r)
			return r;
	}
	return 0;
}

static int dec_fip(const cJSON *j, struct topo_floatingip *f, enum topo_json_mode mode,
		   struct topo_err *err)
{
	const cJSON *v;
	cJSON_ArrayForEach(v, j) {
		const char *key = v->string;
		int r = 0;
		if (!strcmp(key, "id"))
			r = get_id(v, key, f->id, false, err);
		else if (!strcmp(key, "floating_ip_address"))
			r = get_ip(v, key, &f->floating_ip, false, err);
		else if (!strcmp(key, "floating_network_id"))
			r = get_id(v, key, f->floating_network_id, false, err);
		else if (!strcmp(key, "port_id"))
			r = get_id(v, key, f->port_id, true, err);
		else if (!strcmp(key, "fixed_ip_address"))
			r = get_ip(v, key, &f->fixed_ip, true, err);
		else if (store_key(key, "router_id", mode))
			r = get_id(v, key, f->router_id, true, err);
		else if (store_key(key, "dfnic:floatingip_key", mode))
			r = get_u32(v, key, &f->key, false, err);
		else if (store_key(key, "dfnic:floating_port_id", mode))
			r = get_id(v, key, f->floating_port_id, false, err);
		else if (!ignorable(key, mode))
			r = unknown(key, err);
		if (r)
			return r;
	}
	return 0;
}

static int dec_chassis(const cJSON *j, struct topo_chassis *c, enum topo_json_mode mode,
		       struct topo_err *err)
{
	const cJSON *v;
	cJSON_ArrayForEach(v, j) {
		const char *key = v->string;
		int r = 0;
		if (!strcmp(key, "name") || !strcmp(key, "id"))
			r = get_str(v, key, c->name, sizeof(c->name), false, err);
		else if (!strcmp(key, "datapath_id")) {
			/* A JSON integer below 2^53 (a number's exact range: cJSON keeps a
			 * double), or a hex string ("0x..." or 16 hex digits). */
			uint64_t d;
			if (num_uint(v, DPID_NUM_MAX, &d)) {
				c->dpid = d;
			} else if (cJSON_IsNumber(v) && v->valuedouble > (double)DPID_NUM_MAX) {
				r = bad(err, key, "numbers from 2^53 on are not exact in JSON: give the "
					"datapath id as a hex string (\"0x...\")%s", "");
			} else if (cJSON_IsString(v)) {
				const char *s = cJSON_GetStringValue(v);
				char *end;
				if (!strncmp(s, "0x", 2) || !strncmp(s, "0X", 2))
					s += 2;
				errno = 0;
				unsigned long long h = strtoull(s, &end, 16);
				if (!*s || *end || errno || strlen(s) > 16 || *s == '-' || *s == '+')
					r = bad(err, key, "'%s' is not a 64-bit hex datapath id",
						cJSON_GetStringValue(v));
				else
					c->dpid = h;
			} else if (cJSON_IsNull(v)) {
				c->dpid = 0;
			} else {
				r = bad(err, key, "must be a hex string or an integer%s", "");
			}
		} else if (!strcmp(key, "tunnel_ip"))
			r = get_ip(v, key, &c->tunnel_ip, true, err);
		else if (!strcmp(key, "network_node"))
			r = get_bool(v, key, &c->network_node, err);
		else if (!strcmp(key, "smartnic"))
			r = get_bool(v, key, &c->smartnic, err);
		else if (store_key(key, "dfnic:chassis_key", mode))
			r = get_u32(v, key, &c->key, false, err);
		else if (!ignorable(key, mode))
			r = unknown(key, err);
		if (r)
			return r;
	}
	return 0;
}

int topo_json_decode(enum topo_kind k, const cJSON *j, void *obj, bool create,
		     enum topo_json_mode mode, struct topo_err *err)
{
	if (!cJSON_IsObject(j))
		return bad(err, topo_kind_name(k), "must be a JSON object%s", "");
	switch (k) {
	case TOPO_NETWORK: return dec_network(j, obj, mode, err);
	case TOPO_SUBNET: return dec_subnet(j, obj, create, mode, err);
	case TOPO_PORT: return dec_port(j, obj, mode, err);
	case TOPO_ROUTER: return dec_router(j, obj, mode, err);
	case TOPO_FLOATINGIP: return dec_fip(j, obj, mode, err);
	case TOPO_CHASSIS: return dec_chassis(j, obj, mode, err);
	default: return bad(err, "kind", "unknown%s", "");
	}
}

/* ---- encoders --------------------------------------------------------- */

static json_t *jip(const struct topo_ip *ip)
{
	char b[TOPO_IP_STRLEN];
	return ip->version ? json_string(topo_ip_fmt(ip, b)) : json_null();
}

static json_t *jstr_or_null(const char *s)
{
	return s[0] ? json_string(s) : json_null();
}

static json_t *enc_network(const struct topo *t, const struct topo_network *n,
			   enum topo_json_mode mode)
{
	json_t *o = json_pack("{s:s, s:s, s:s, s:o, s:o, s:i, s:b, s:b, s:i}", "id", n->id,
			      "name", n->name ? n->name : "", "provider:network_type",
			      topo_net_type_name(n->type), "provider:segmentation_id",
			      n->type == TOPO_NET_FLAT ? json_null()
						       : json_integer(n->segmentation_id),
			      "provider:physical_network", jstr_or_null(n->physical_network),
			      "mtu", (json_int_t)n->mtu, "router:external", n->external,
			      "admin_state_up", n->admin_state_up, "dfnic:network_key",
			      (json_int_t)n->key);
	if (o && mode == TOPO_JSON_API && t) {
		json_t *subs = json_array();
		for (const struct topo_subnet *s = topo_network_subnet_next(t, n->id, NULL); s;
		     s = topo_network_subnet_next(t, n->id, s))
			json_array_append_new(subs, json_string(s->id));
		json_object_set_new(o, "subnets", subs);
		json_object_set_new(o, "status", json_string("ACTIVE"));
	}
	return o;
}

static json_t *enc_subnet(const struct topo_subnet *s)
{
	char c[TOPO_CIDR_STRLEN];
	json_t *pools = json_array();
	for (uint32_t i = 0; i < s->n_pools; i++)
		json_array_append_new(pools, json_pack("{s:o, s:o}", "start", jip(&s->pools[i].start),
						       "end", jip(&s->pools[i].end)));
	return json_pack("{s:s, s:s, s:s, s:i, s:s, s:o, s:o, s:b, s:i}", "id", s->id, "name",
			 s->name ? s->name : "", "network_id", s->network_id, "ip_version",
			 (int)s->ip_version, "cidr", topo_cidr_fmt(&s->cidr, c), "gateway_ip",
			 jip(&s->gateway), "allocation_pools", pools, "enable_dhcp", s->enable_dhcp,
			 "dfnic:subnet_key", (json_int_t)s->key);
}

static json_t *enc_fixed_ips(const struct topo_port *p)
{
	json_t *a = json_array();
	for (uint32_t i = 0; i < p->n_fixed_ips; i++)
		json_array_append_new(a, json_pack("{s:s, s:o}", "subnet_id", p->fixed_ips[i].subnet_id,
						   "ip_address", jip(&p->fixed_ips[i].ip)));
	return a;
}

static json_t *enc_port(const struct topo_port *p, enum topo_json_mode mode)
{
	char m[TOPO_MAC_STRLEN];
	json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:o, s:s, s:s, s:s, s:b, s:s, s:i}", "id",
			      p->id, "name", p->name ? p->name : "", "network_id", p->network_id,
			      "mac_address", topo_mac_fmt(p->mac, m), "fixed_ips", enc_fixed_ips(p),
			      "binding:host_id", p->chassis, "device_owner", p->device_owner,
			      "device_id", p->device_id, "admin_state_up", p->admin_state_up,
			      "dfnic:interface_name", p->ifname, "dfnic:port_key",
			      (json_int_t)p->key);
	if (o && mode == TOPO_JSON_API)
		json_object_set_new(o, "status", json_string(p->admin_state_up ? "ACTIVE" : "DOWN"));
	return o;
}

static json_t *enc_router(const struct topo *t, const struct topo_router *rt,
			  enum topo_json_mode mode)
{
	char c[TOPO_CIDR_STRLEN], m[TOPO_MAC_STRLEN];
	json_t *routes = json_array();
	for (uint32_t i = 0; i < rt->n_routes; i++)
		json_array_append_new(routes,
				      json_pack("{s:s, s:o}", "destination",
						topo_cidr_fmt(&rt->routes[i].destination, c), "nexthop",
						jip(&rt->routes[i].nexthop)));
	json_t *gw = json_null();
	if (rt->gw_network_id[0]) {
		gw = json_pack("{s:s, s:b}", "network_id", rt->gw_network_id, "enable_snat",
			       rt->enable_snat);
		const struct topo_port *gp = t ? topo_port_get(t, rt->gw_port_id) : NULL;
		if (gw && gp)
			json_object_set_new(gw, "external_fixed_ips", enc_fixed_ips(gp));
	}
	json_t *o = json_pack("{s:s, s:s, s:b, s:o, s:o, s:s, s:i}", "id", rt->id, "name",
			      rt->name ? rt->name : "", "admin_state_up", rt->admin_state_up,
			      "external_gateway_info", gw, "routes", routes, "dfnic:l3_mode",
			      rt->l3_mode == TOPO_L3_PROACTIVE ? "proactive" : "reactive",
			      "dfnic:router_key", (json_int_t)rt->key);
	if (!o)
		return NULL;
	if (mode == TOPO_JSON_STORE) {
		json_object_set_new(o, "dfnic:gw_port_id", jstr_or_null(rt->gw_port_id));
	} else if (t) {
		struct topo_router_iface ifs[256];
		size_t n = topo_router_ifaces(t, rt->id, ifs, ARRAY_SIZE(ifs));
		json_t *a = json_array();
		for (size_t i = 0; i < n && i < ARRAY_SIZE(ifs); i++)
			json_array_append_new(
				a, json_pack("{s:s, s:s, s:o, s:s}", "port_id", ifs[i].port->id,
					     "subnet_id", ifs[i].port->fixed_ips[0].subnet_id,
					     "ip_address", jip(ifs[i].ip), "mac_address",
					     topo_mac_fmt(ifs[i].port->mac, m)));
		json_object_set_new(o, "dfnic:interfaces", a);
		json_object_set_new(o, "status", json_string("ACTIVE"));
	}
	return o;
}

static json_t *enc_fip(const struct topo_floatingip *f, enum topo_json_mode mode)
{
	json_t *o = json_pack("{s:s, s:o, s:s, s:o, s:o, s:o, s:i}", "id", f->id,
			      "floating_ip_address", jip(&f->floating_ip), "floating_network_id",
			      f->floating_network_id, "port_id", jstr_or_null(f->port_id),
			      "fixed_ip_address", jip(&f->fixed_ip), "router_id",
			      jstr_or_null(f->router_id), "dfnic:floatingip_key", (json_int_t)f->key);
	if (!o)
		return NULL;
	if (mode == TOPO_JSON_STORE)
		json_object_set_new(o, "dfnic:floating_port_id", json_string(f->floating_port_id));
	else
		json_object_set_new(o, "status", json_string(f->port_id[0] ? "ACTIVE" : "DOWN"));
	return o;
}

static json_t *enc_chassis(const struct topo_chassis *c)
{
	char d[20];
	snprintf(d, sizeof(d), "%016" PRIx64, c->dpid);
	return json_pack("{s:s, s:o, s:o, s:b, s:b, s:i}", "name", c->name, "datapath_id",
			 c->dpid ? json_string(d) : json_null(), "tunnel_ip", jip(&c->tunnel_ip),
			 "network_node", c->network_node, "smartnic", c->smartnic,
			 "dfnic:chassis_key", (json_int_t)c->key);
}

json_t *topo_json_encode(const struct topo *t, enum topo_kind k, const void *obj,
			 enum topo_json_mode mode)
{
	switch (k) {
	case TOPO_NETWORK: return enc_network(t, obj, mode);
	case TOPO_SUBNET: return enc_subnet(obj);
	case TOPO_PORT: return enc_port(obj, mode);
	case TOPO_ROUTER: return enc_router(t, obj, mode);
	case TOPO_FLOATINGIP: return enc_fip(obj, mode);
	case TOPO_CHASSIS: return enc_chassis(obj);
	default: return NULL;
	}
}

/* ---- store documents as text ------------------------------------------ */

/* A growing text buffer (the caller's, reused). */
struct sbuf {
	char **b;                       /* the buffer */
	size_t *cap;                    /* its size */
	size_t len;                     /* bytes written */
	bool oom;                       /* a realloc failed: the text is void */
};

static bool sb_room(struct sbuf *s, size_t n)
{
	if (s->oom)
		return false;
	if (s->len + n + 1 > *s->cap) {
		size_t cap = *s->cap ? *s->cap : 256;
		while (s->len + n + 1 > cap)
			cap *= 2;
		char *b = realloc(*s->b, cap);
		if (!b) {
			s->oom = true;
			return false;
		}
		*s->b = b;
		*s->cap = cap;
	}
	return true;
}

static void sb_put(struct sbuf *s, const char *p, size_t n)
{
	if (!sb_room(s, n))
		return;
	memcpy(*s->b + s->len, p, n);
	s->len += n;
	(*s->b)[s->len] = '\0';
}

/* A literal fragment (keys and punctuation). */
#define SB_LIT(s, lit) sb_put((s), (lit), sizeof(lit) - 1)

/* A JSON string, escaped as jansson's dump does: quote, backslash and
 * control characters; UTF-8 passes through. */
static void sb_str(struct sbuf *s, const char *v)
{
	const char *run = v;
	SB_LIT(s, "\"");
	for (const char *c = v; *c; c++) {
		unsigned char ch = (unsigned char)*c;
		if (ch >= 0x20 && ch != '"' && ch != '\\')
			continue;
		sb_put(s, run, (size_t)(c - run));
		run = c + 1;
		switch (ch) {
		case '"': SB_LIT(s, "\\\""); break;
		case '\\': SB_LIT(s, "\\\\"); break;
		case '\b': SB_LIT(s, "\\b"); break;
		case '\f': SB_LIT(s, "\\f"); break;
		case '\n': SB_LIT(s, "\\n"); break;
		case '\r': SB_LIT(s, "\\r"); break;
		case '\t': SB_LIT(s, "\\t"); break;
		default: {
			char u[8];
			snprintf(u, sizeof(u), "\\u%04X", ch);
			sb_put(s, u, 6);
		}
		}
	}
	sb_put(s, run, strlen(run));
	SB_LIT(s, "\"");
}

static void sb_str_or_null(struct sbuf *s, const char *v)
{
	if (v[0])
		sb_str(s, v);
	else
		SB_LIT(s, "null");
}

static void sb_u64(struct sbuf *s, uint64_t v)
{
	char d[24];
	size_t i = sizeof(d);
	do { /* decimal digits, last first */
		d[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	sb_put(s, d + i, sizeof(d) - i);
}

static void sb_bool(struct sbuf *s, bool v)
{
	if (v)
		SB_LIT(s, "true");
	else
		SB_LIT(s, "false");
}

/* An address (a JSON string; null when unset), like jip(). */
static void sb_ip(struct sbuf *s, const struct topo_ip *ip)
{
	char b[TOPO_IP_STRLEN];
	if (!ip->version) {
		SB_LIT(s, "null");
		return;
	}
	SB_LIT(s, "\"");
	topo_ip_fmt(ip, b);
	sb_put(s, b, strlen(b));
	SB_LIT(s, "\"");
}

/* Keys in strcmp order, as JSON_SORT_KEYS dumps them (enc_network). */
static void doc_network(struct sbuf *s, const struct topo_network *n)
{
	SB_LIT(s, "{\"admin_state_up\":");
	sb_bool(s, n->admin_state_up);
	SB_LIT(s, ",\"dfnic:network_key\":");
	sb_u64(s, n->key);
	SB_LIT(s, ",\"id\":");
	sb_str(s, n->id);
	SB_LIT(s, ",\"mtu\":");
	sb_u64(s, n->mtu);
	SB_LIT(s, ",\"name\":");
	sb_str(s, n->name ? n->name : "");
	SB_LIT(s, ",\"provider:network_type\":");
	sb_str(s, topo_net_type_name(n->type));
	SB_LIT(s, ",\"provider:physical_network\":");
	sb_str_or_null(s, n->physical_network);
	SB_LIT(s, ",\"provider:segmentation_id\":");
	if (n->type == TOPO_NET_FLAT)
		SB_LIT(s, "null");
	else
		sb_u64(s, n->segmentation_id);
	SB_LIT(s, ",\"router:external\":");
	sb_bool(s, n->external);
	SB_LIT(s, "}");
}

static void doc_subnet(struct sbuf *s, const struct topo_subnet *sn)
{
	char c[TOPO_CIDR_STRLEN];
	SB_LIT(s, "{\"allocation_pools\":[");
	for (uint32_t i = 0; i < sn->n_pools; i++) {
		if (i)
			SB_LIT(s, ",");
		SB_LIT(s, "{\"end\":");
		sb_ip(s, &sn->pools[i].end);
		SB_LIT(s, ",\"start\":");
		sb_ip(s, &sn->pools[i].start);
		SB_LIT(s, "}");
	}
	SB_LIT(s, "],\"cidr\":");
	sb_str(s, topo_cidr_fmt(&sn->cidr, c));
	SB_LIT(s, ",\"dfnic:subnet_key\":");
	sb_u64(s, sn->key);
	SB_LIT(s, ",\"enable_dhcp\":");
	sb_bool(s, sn->enable_dhcp);
	SB_LIT(s, ",\"gateway_ip\":");
	sb_ip(s, &sn->gateway);
	SB_LIT(s, ",\"id\":");
	sb_str(s, sn->id);
	SB_LIT(s, ",\"ip_version\":");
	sb_u64(s, sn->ip_version);
	SB_LIT(s, ",\"name\":");
	sb_str(s, sn->name ? sn->name : "");
	SB_LIT(s, ",\"network_id\":");
	sb_str(s, sn->network_id);
	SB_LIT(s, "}");
}

static void doc_port(struct sbuf *s, const struct topo_port *p)
{
	char m[TOPO_MAC_STRLEN];
	SB_LIT(s, "{\"admin_state_up\":");
	sb_bool(s, p->admin_state_up);
	SB_LIT(s, ",\"binding:host_id\":");
	sb_str(s, p->chassis ? p->chassis : "");
	SB_LIT(s, ",\"device_id\":");
	sb_str(s, p->device_id);
	SB_LIT(s, ",\"device_owner\":");
	sb_str(s, p->device_owner ? p->device_owner : "");
	SB_LIT(s, ",\"dfnic:interface_name\":");
	sb_str(s, p->ifname);
	SB_LIT(s, ",\"dfnic:port_key\":");
	sb_u64(s, p->key);
	SB_LIT(s, ",\"fixed_ips\":[");
	for (uint32_t i = 0; i < p->n_fixed_ips; i++) {
		if (i)
			SB_LIT(s, ",");
		SB_LIT(s, "{\"ip_address\":");
		sb_ip(s, &p->fixed_ips[i].ip);
		SB_LIT(s, ",\"subnet_id\":");
		sb_str(s, p->fixed_ips[i].subnet_id);
		SB_LIT(s, "}");
	}
	SB_LIT(s, "],\"id\":");
	sb_str(s, p->id);
	SB_LIT(s, ",\"mac_address\":");
	sb_str(s, topo_mac_fmt(p->mac, m));
	SB_LIT(s, ",\"name\":");
	sb_str(s, p->name ? p->name : "");
	SB_LIT(s, ",\"network_id\":");
	sb_str(s, p->network_id);
	SB_LIT(s, "}");
}

size_t topo_json_store_doc(enum topo_kind k, const void *obj, char **buf, size_t *cap)
{
	struct sbuf s = { .b = buf, .cap = cap };
	switch (k) {
	case TOPO_NETWORK: doc_network(&s, obj); break;
	case TOPO_SUBNET: doc_subnet(&s, obj); break;
	case TOPO_PORT: doc_port(&s, obj); break;
	default: { /* few of them: through jansson */
		json_t *j = topo_json_encode(NULL, k, obj, TOPO_JSON_STORE);
		char *d = j ? json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
		json_decref(j);
		if (!d)
			return 0;
		sb_put(&s, d, strlen(d));
		free(d);
	}
	}
	return s.oom || !s.len ? 0 : s.len;
}
