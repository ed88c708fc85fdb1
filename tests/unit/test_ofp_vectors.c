/* tests/unit/test_ofp_vectors.c: the golden vectors of the OpenFlow codec.
 *
 * Each file tests/unit/vectors/ofp/<family>.txt (written by make_vectors.py
 * there) lists vectors: hex bytes in, and either the expected ofp_format()
 * text -- then the decoded message must also re-encode to exactly the
 * same bytes, or (for "reencode: differs") to other bytes with the same
 * meaning -- or the expected decode error "ERRNAME: reason". The files are
 * read at run time from $DFNIC_TOP (tests/run.sh sets it) or the current
 * directory. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drivers/base/util.h"
#include "hostd/openflow/ofp.h"
#include "tests/unit/unit.h"

static const char *const families[] = {
	"msg", "match", "actions", "flow", "packet", "switch", "multipart", "group_meter", "bundle",
};

struct vec {
	char name[64];       /* vector name */
	uint8_t *bytes;      /* decoded hex */
	size_t len;          /* bytes */
	size_t cap;          /* allocated */
	char *expect;        /* "text: ..." or "error: ..." line (heap) */
	int reencode_differs; /* input is not in canonical encoding */
};

static int hexval(int c)
{
	return isdigit(c) ? c - '0' : tolower(c) - 'a' + 10;
}

static int vec_add_hex(struct vec *v, const char *s)
{
	while (*s && !isspace((unsigned char)*s)) {
		if (!isxdigit((unsigned char)s[0]) || !isxdigit((unsigned char)s[1]))
			return -1;
		if (v->len == v->cap) {
			size_t ncap = v->cap ? v->cap * 2 : 256;
			uint8_t *p = realloc(v->bytes, ncap);
			if (!p)
				return -1;
			v->bytes = p;
			v->cap = ncap;
		}
		v->bytes[v->len++] = (uint8_t)(hexval(s[0]) << 4 | hexval(s[1]));
		s += 2;
	}
	return 0;
}

static unsigned kinds_seen; /* bit per enum ofp_msg_type decoded OK */
static unsigned n_vectors, n_errors;

/* Checks one complete vector; returns 0 when it passes. */
static int vec_check(const char *fam, struct vec *v)
{
	struct ofp_msg msg, again;
	struct ofpbuf out = OFPBUF_INIT, text = OFPBUF_INIT, text2 = OFPBUF_INIT;
	char err[256], line[512];
	enum ofperr e;
	int bad = 0;

	n_vectors++;
	e = ofp_decode(v->bytes, v->len, &msg, err, sizeof(err));
	if (!strncmp(v->expect, "error: ", 7)) {
		n_errors++;
		snprintf(line, sizeof(line), "%s: %s", ofperr_name(e), err);
		if (e == OFPERR_OK || strcmp(line, v->expect + 7)) {
			fprintf(stderr, "\n%s/%s: want %s\n  got %s\n", fam, v->name, v->expect + 7,
				e ? line : "success");
			bad = 1;
		}
		ofp_msg_uninit(&msg);
		return bad;
	}
	if (e) {
		fprintf(stderr, "\n%s/%s: decode failed: %s: %s\n", fam, v->name, ofperr_name(e), err);
		return 1;
	}
	if (err[0]) {
		fprintf(stderr, "\n%s/%s: success left a reason behind: %s\n", fam, v->name, err);
		bad = 1;
	}
	kinds_seen |= 1u << msg.type;
	ofp_format(&msg, &text);
	if (strcmp(ofpbuf_cstr(&text), v->expect + 6)) {
		fprintf(stderr, "\n%s/%s: want %s\n  got %s\n", fam, v->name, v->expect + 6,
			ofpbuf_cstr(&text));
		bad = 1;
	}
	if (ofp_encode(&msg, &out, err, sizeof(err))) {
		fprintf(stderr, "\n%s/%s: re-encode failed: %s\n", fam, v->name, err);
		bad = 1;
	} else if (!v->reencode_differs) {
		if (out.len != v->len || memcmp(out.data, v->bytes, v->len)) {
			fprintf(stderr, "\n%s/%s: re-encoding differs from the input\n", fam, v->name);
			bad = 1;
		}
	} else {
		if (out.len == v->len && !memcmp(out.data, v->bytes, v->len)) {
			fprintf(stderr, "\n%s/%s: marked non-canonical but re-encodes identically\n", fam,
				v->name);
			bad = 1;
		}
		if (ofp_decode(out.data, out.len, &again, err, sizeof(err))) {
			fprintf(stderr, "\n%s/%s: re-encoded bytes do not decode: %s\n", fam, v->name, err);
			bad = 1;
		} else {
			/* skipped unknown packet_in fields are not re-encoded:
			 * the rest of the meaning must survive */
			if (msg.type == OFPMSG_PACKET_IN && msg.u.packet_in.n_unknown) {
				msg.u.packet_in.n_unknown = 0;
				ofpbuf_clear(&text);
				ofp_format(&msg, &text);
			}
			ofp_format(&again, &text2);
			if (strcmp(ofpbuf_cstr(&text), ofpbuf_cstr(&text2))) {
				fprintf(stderr, "\n%s/%s: re-encoding changed the meaning: %s\n", fam,
					v->name, ofpbuf_cstr(&text2));
				bad = 1;
			}
			ofp_msg_uninit(&again);
		}
	}
	ofp_msg_uninit(&msg);
	ofpbuf_uninit(&out);
	ofpbuf_uninit(&text);
	ofpbuf_uninit(&text2);
	return bad;
}

/* Runs every vector of one family file; returns the number of failures,
 * or -1 when the file cannot be read or parsed. */
static int run_file(const char *fam, unsigned *count)
{
	const char *top = getenv("DFNIC_TOP");
	char path[512], buf[4096];
	struct vec v = { .name = "" };
	int fails = 0, in_vec = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/tests/unit/vectors/ofp/%s.txt", top ? top : ".", fam);
	f = fopen(path, "r");
	if (!f) {
		fprintf(stderr, "\ncannot open %s\n", path);
		return -1;
	}
	*count = 0;
	while (fgets(buf, sizeof(buf), f)) {
		buf[strcspn(buf, "\n")] = 0;
		if (!buf[0] || buf[0] == '#')
			continue;
		if (!strncmp(buf, "name: ", 6)) {
			snprintf(v.name, sizeof(v.name), "%.63s", buf + 6);
			v.len = 0;
			v.reencode_differs = 0;
			in_vec = 1;
		} else if (!strncmp(buf, "hex: ", 5) && in_vec) {
			if (vec_add_hex(&v, buf + 5))
				goto fail_parse;
		} else if ((!strncmp(buf, "text: ", 6) || !strncmp(buf, "error: ", 7)) && in_vec) {
			free(v.expect);
			v.expect = strdup(buf);
			if (!v.expect)
				goto fail_parse;
			/* the optional "reencode: differs" line follows */
			long pos = ftell(f);
			if (fgets(buf, sizeof(buf), f) && !strncmp(buf, "reencode: differs", 17))
				v.reencode_differs = 1;
			else
				fseek(f, pos, SEEK_SET);
			fails += vec_check(fam, &v);
			(*count)++;
			in_vec = 0;
		} else {
			goto fail_parse;
		}
	}
	fclose(f);
	free(v.bytes);
	free(v.expect);
	return fails;

fail_parse:
	fprintf(stderr, "\n%s: cannot parse line \"%s\"\n", path, buf);
	fclose(f);
	free(v.bytes);
	free(v.expect);
	return -1;
}

static void test_golden_vectors(void)
{
	size_t i;
	for (i = 0; i < ARRAY_SIZE(families); i++) {
		unsigned count = 0;
		int fails = run_file(families[i], &count);
		CU_ASSERT_EQUAL(fails, 0);
		CU_ASSERT(count >= 4); /* each family has good and error vectors */
	}
}

/* Every message kind of the catalogue decodes in at least one vector, and
 * there are error vectors (one per error path, about half of them). */
static void test_vectors_cover_catalogue(void)
{
	int k;
	if (!n_vectors)
		test_golden_vectors();
	for (k = 0; k < OFPMSG__N; k++) {
		if (!(kinds_seen >> k & 1))
			fprintf(stderr, "\nno good vector for %s\n", ofp_msg_type_name((enum ofp_msg_type)k));
		CU_ASSERT(kinds_seen >> k & 1);
	}
	CU_ASSERT(n_errors >= 150);
	CU_ASSERT(n_vectors - n_errors >= 70);
}

UNIT_SUITE(ofp_vectors, NULL, NULL, UNIT_TEST(test_golden_vectors),
	   UNIT_TEST(test_vectors_cover_catalogue));
